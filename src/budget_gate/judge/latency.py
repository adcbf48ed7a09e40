"""Latency budgets (§6.3): a slice's run time and each phase's duration against its limits.

Values in, values out, so the gate and anything else that keeps budgets (a ledger of history)
judge run time alike:

- The slice's latency budget is the sum of the latency limits of the phases its runs report, or
  of every phase when they report none; its run time is the sum of every run's
  `duration_seconds`, whatever the run's status.
- Past `stop_loss.cumulative` (the slice) or `stop_loss.per_phase` (a phase), strictly, is a
  trip: the gate's `latency-breach`, a warning by default. Run time only warns; it never stops
  the work the way the token stop-loss does.
- A phase whose duration a run left unsaid (a `phases:` breakdown without `duration_seconds`) is
  not judged: an unknown duration is not a short one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from budget_gate.judge.utilisation import BudgetStatus, above, band, exact, utilisation
from budget_gate.models.budgets import BreachBands, StopLossSettings
from budget_gate.models.common import Phase

MS_PER_SECOND = 1000
PHASES = tuple(Phase)
"""Every phase in order, iterated once per slice (iterating the enum itself is slower)."""


def to_ms(seconds: float) -> int:
    """A duration in whole milliseconds, as the latency limits are written."""
    return round(seconds * MS_PER_SECOND)


@dataclass(frozen=True, slots=True)
class LatencyTrip:
    """A run time past its limit: one phase's, or the slice's total (phase None)."""

    phase: Phase | None
    actual_ms: int
    budget_ms: int
    utilisation: float | None
    limit: float


@dataclass(frozen=True, slots=True)
class SliceLatency:
    budget_ms: int
    actual_ms: int
    utilisation: float | None
    status: BudgetStatus
    trips: tuple[LatencyTrip, ...] = ()


def assess_latency(
    *,
    actual_ms: int,
    limits_ms: Mapping[Phase, int],
    phase_durations_ms: Mapping[Phase, int | None],
    settings: StopLossSettings,
    bands: BreachBands,
) -> SliceLatency:
    """Judge a slice's run time. `limits_ms` has every phase's latency limit;
    `phase_durations_ms` the duration of each phase its runs report (None when unsaid)."""
    reported = [phase for phase in PHASES if phase in phase_durations_ms]
    budget = sum(limits_ms[phase] for phase in (reported or PHASES))
    trips: list[LatencyTrip] = []
    if above(actual=actual_ms, budget=budget, ratio=exact(settings.cumulative)):
        trips.append(_trip(None, actual_ms, budget, settings.cumulative))
    for phase in reported:
        duration = phase_durations_ms[phase]
        if duration is None:
            continue
        limit = limits_ms[phase]
        if above(actual=duration, budget=limit, ratio=exact(settings.per_phase)):
            trips.append(_trip(phase, duration, limit, settings.per_phase))
    return SliceLatency(
        budget_ms=budget,
        actual_ms=actual_ms,
        utilisation=utilisation(actual=actual_ms, budget=budget),
        status=band(actual=actual_ms, budget=budget, bands=bands),
        trips=tuple(trips),
    )


def _trip(phase: Phase | None, actual: int, budget: int, limit: float) -> LatencyTrip:
    return LatencyTrip(
        phase=phase,
        actual_ms=actual,
        budget_ms=budget,
        utilisation=utilisation(actual=actual, budget=budget),
        limit=limit,
    )
