"""Latency budgets (`latency.py`) on plain values, against hand arithmetic.

Limits used: THINK 90,000 ms, IMPLEMENT 360,000 ms, every other phase 10,000 ms (so the budget
of a slice whose runs report no phase is 90 + 360 + 7 × 10 = 520 s).
"""

from __future__ import annotations

import pytest

from budget_gate.judge.latency import SliceLatency, assess_latency, to_ms
from budget_gate.judge.utilisation import BudgetStatus
from budget_gate.load.phase_budgets import shipped_phase_budgets
from budget_gate.models.common import Phase

SHIPPED = shipped_phase_budgets()
LIMITS = dict.fromkeys(Phase, 10_000) | {Phase.THINK: 90_000, Phase.IMPLEMENT: 360_000}


def judge(actual_ms: int, phases: dict[Phase, int | None] | None = None) -> SliceLatency:
    return assess_latency(
        actual_ms=actual_ms,
        limits_ms=LIMITS,
        phase_durations_ms=phases or {},
        settings=SHIPPED.stop_loss,
        bands=SHIPPED.bands,
    )


def test_without_phases_the_budget_is_every_phases_limit() -> None:
    result = judge(260_000)
    assert (result.budget_ms, result.utilisation, result.status) == (
        520_000,
        0.5,
        BudgetStatus.WITHIN,
    )
    assert result.trips == ()


@pytest.mark.parametrize(
    ("actual_ms", "tripped"),
    [(624_000, False), (624_001, True), (676_000, True)],  # 1.2 ×, just over, 1.3 ×
)
def test_the_total_trips_strictly_above_the_cumulative_limit(actual_ms: int, tripped: bool) -> None:
    result = judge(actual_ms)
    assert bool(result.trips) is tripped
    if tripped:
        [trip] = result.trips
        assert (trip.phase, trip.budget_ms, trip.limit) == (None, 520_000, 1.2)


def test_with_phases_the_budget_is_the_reported_phases_limits() -> None:
    # THINK 90 s + IMPLEMENT 360 s = 450 s; 136 s in THINK is past its 150 % (135 s).
    result = judge(236_000, {Phase.THINK: 136_000, Phase.IMPLEMENT: 100_000})
    assert result.budget_ms == 450_000
    [trip] = result.trips
    assert (trip.phase, trip.actual_ms, trip.budget_ms, trip.utilisation, trip.limit) == (
        Phase.THINK,
        136_000,
        90_000,
        1.5111,
        1.5,
    )
    assert judge(235_000, {Phase.THINK: 135_000, Phase.IMPLEMENT: 100_000}).trips == ()


def test_a_phase_of_unknown_duration_is_not_judged() -> None:
    result = judge(100_000, {Phase.THINK: None, Phase.IMPLEMENT: 100_000})
    assert result.budget_ms == 450_000
    assert result.trips == ()


def test_durations_are_whole_milliseconds() -> None:
    assert (to_ms(1.2345), to_ms(1100), to_ms(0.0004)) == (1_234, 1_100_000, 0)
