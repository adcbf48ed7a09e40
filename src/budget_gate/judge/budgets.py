"""Phase budgets (§6.3): the limit formula, per-phase utilisation, breach bands and stop-loss.

Arithmetic on values only. Decisions users can rely on:

- `limit = ceil(base × complexity × importance × phase weight)`, computed exactly on the decimals
  written in the config (`0.7` is seven tenths, not the nearest binary float), so 504 never
  becomes 505 through rounding error. A plan's or slice's `phase_budgets:` replace the formula
  with absolute values, field by field (the slice's first, then the plan's).
- A phase's budget is the slice's estimate for that phase when the estimate has a `phases:`
  breakdown naming it, else the limit above. Latency always comes from the limit (estimates have
  no latency). The slice's cumulative budget is its estimate's total tokens, or with no estimate
  the sum of every phase's limit.
- Spend is tokens of every run whatever its status (a failed run still spent them): a run with
  `phase` puts all its spend in that phase, a run with `phases` its breakdown; the rest is
  unattributed (it counts toward the cumulative spend, not toward any phase).
- Every slice with a usage report is judged cumulatively (its runs need not report phases);
  the per-phase rows and rule only cover the phases that runs or the estimate name.
- Utilisation is actual / budget. Status: `within` up to `bands.within` (100 %), `warning` up to
  `bands.warning` (150 %), `exceeded` above; exactly on a bound is the lower status.
- Stop-loss trips when cumulative utilisation is above `stop_loss.cumulative` or a phase's is
  above `stop_loss.per_phase` (exactly on the limit does not trip). A slice that is done is
  allowed to complete while each trip is less than `allow_completion_threshold` past its limit.
- Run time is judged the same way: the slice's total run duration against its latency budget
  (the latency limits of the phases its runs report, or of every phase when they report none)
  above `cumulative`, or a phase's duration against its limit above `per_phase`, is a latency
  trip. A phase whose duration some run leaves unsaid is not judged.
- `enforced` says whether the slice's importance is in `stop_loss.enforce_importance` (and
  stop-loss is enabled): the gate words and grades its finding from it.
- A budget of 0 with spend is exceeded (and trips); its utilisation is unknown (None).
- Complexity and importance come from the slice, else its plan; when neither says, Medium and
  medium are assumed and the report says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from functools import cache

from budget_gate.judge.latency import SliceLatency, assess_latency, to_ms
from budget_gate.judge.phase_spend import PhaseSpend, SpendByPhase, spend_by_phase
from budget_gate.judge.utilisation import UTILISATION_DIGITS as UTILISATION_DIGITS
from budget_gate.judge.utilisation import BudgetStatus as BudgetStatus
from budget_gate.judge.utilisation import above as above
from budget_gate.judge.utilisation import band as band
from budget_gate.judge.utilisation import exact as exact
from budget_gate.judge.utilisation import utilisation as utilisation
from budget_gate.models.budgets import (
    PhaseBudgetConfig,
    PhaseBudgetValues,
    StopLossSettings,
)
from budget_gate.models.common import Complexity, Importance, Phase
from budget_gate.models.estimate import EstimationRecord, PhaseEstimate
from budget_gate.models.plan import Plan, PlanSlice
from budget_gate.models.usage import UsageReport


class BudgetSource(StrEnum):
    """Where a budget came from, most specific first."""

    ESTIMATE = "estimate"
    SLICE = "slice"
    PLAN = "plan"
    FORMULA = "formula"


class StopLoss(StrEnum):
    NONE = "none"
    TRIGGERED = "triggered"
    ALLOWED = "allowed"
    """Past the stop-loss, but the slice is done and within the completion allowance."""


@dataclass(frozen=True, slots=True)
class Sizing:
    """The complexity and importance a slice's budgets are computed for."""

    complexity: Complexity
    importance: Importance
    assumed: bool = False
    """Neither the slice nor its plan said; Medium and medium were assumed."""

    @classmethod
    def of(cls, plan: Plan, slice_: PlanSlice) -> Sizing:
        complexity = slice_.complexity or plan.complexity
        importance = slice_.importance or plan.importance
        return cls(
            complexity=complexity or Complexity.MEDIUM,
            importance=importance or Importance.MEDIUM,
            assumed=complexity is None or importance is None,
        )


@cache
def ceil_product(base: int, *factors: float) -> int:
    """ceil(base × factors), exactly. Memoised: an audit asks the same few combinations of
    base and multipliers for every slice, and exact arithmetic is slow."""
    product = Fraction(base)
    for factor in factors:
        product *= exact(factor)
    return math.ceil(product)


@dataclass(frozen=True, slots=True)
class PhaseLimit:
    tokens: int
    latency_ms: int
    requests: int
    source: BudgetSource
    """Where the token limit came from."""


def formula_limit(budgets: PhaseBudgetConfig, *, phase: Phase, sizing: Sizing) -> PhaseLimit:
    """The formula's limits for one phase, before any plan or slice override."""
    base = budgets.base[phase]
    factors = (
        budgets.complexity[sizing.complexity],
        budgets.importance[sizing.importance],
        budgets.weights[phase],
    )
    return PhaseLimit(
        tokens=ceil_product(base.tokens, *factors),
        latency_ms=ceil_product(base.latency_ms, *factors),
        requests=ceil_product(base.requests, *factors),
        source=BudgetSource.FORMULA,
    )


Overrides = Mapping[Phase, PhaseBudgetValues] | None


def phase_limit(
    budgets: PhaseBudgetConfig,
    *,
    phase: Phase,
    sizing: Sizing,
    slice_overrides: Overrides = None,
    plan_overrides: Overrides = None,
) -> PhaseLimit:
    """A phase's limits: the slice's override, else the plan's, else the formula (per field)."""
    formula = formula_limit(budgets, phase=phase, sizing=sizing)
    levels = [
        (BudgetSource.SLICE, (slice_overrides or {}).get(phase)),
        (BudgetSource.PLAN, (plan_overrides or {}).get(phase)),
    ]
    tokens, source = formula.tokens, BudgetSource.FORMULA
    latency, requests = formula.latency_ms, formula.requests
    for level, values in reversed(levels):
        if values is None:
            continue
        if values.tokens is not None:
            tokens, source = values.tokens, level
        latency = values.latency_ms if values.latency_ms is not None else latency
        requests = values.requests if values.requests is not None else requests
    return PhaseLimit(tokens=tokens, latency_ms=latency, requests=requests, source=source)


def slice_limits(
    budgets: PhaseBudgetConfig, *, plan: Plan, slice_: PlanSlice, sizing: Sizing
) -> dict[Phase, PhaseLimit]:
    """Every phase's limits for one slice, overrides applied."""
    return {
        phase: phase_limit(
            budgets,
            phase=phase,
            sizing=sizing,
            slice_overrides=slice_.phase_budgets,
            plan_overrides=plan.phase_budgets,
        )
        for phase in Phase
    }


def cumulative_budget(
    *, estimate: EstimationRecord | None, limits: Mapping[Phase, PhaseLimit]
) -> tuple[int, BudgetSource]:
    """A slice's token budget in total: its estimate's total, else the sum of every phase's
    limit (`limits` from `slice_limits`)."""
    if estimate is not None:
        return estimate.estimated_total_tokens, BudgetSource.ESTIMATE
    return sum(item.tokens for item in limits.values()), BudgetSource.FORMULA


# --- utilisation and stop-loss -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PhaseUtilisation:
    phase: Phase
    source: BudgetSource
    budget_tokens: int
    actual_tokens: int
    utilisation: float | None
    status: BudgetStatus
    budget_requests: int
    actual_requests: int
    budget_latency_ms: int
    actual_duration_ms: int | None
    latency_utilisation: float | None = None
    latency_status: BudgetStatus | None = None
    """The duration's status like the tokens'; None when the duration is unknown."""


@dataclass(frozen=True, slots=True)
class StopLossTrip:
    """One reason the stop-loss tripped: a phase, or the cumulative spend (phase None)."""

    phase: Phase | None
    actual_tokens: int
    budget_tokens: int
    utilisation: float | None
    limit: float
    allowed: bool
    """The slice is done and this is less than `allow_completion_threshold` past the limit."""


@dataclass(frozen=True, slots=True)
class SliceBudget:
    """A slice's budgets against its spend: cumulative for every slice with a usage report,
    per phase for the phases its runs (or its estimate) name."""

    sizing: Sizing
    phases: tuple[PhaseUtilisation, ...]
    budget_source: BudgetSource
    """ESTIMATE (the estimate's total) or FORMULA (the sum of every phase's limit)."""
    budget_tokens: int
    actual_tokens: int
    utilisation: float | None
    status: BudgetStatus
    unattributed_tokens: int
    stop_loss: StopLoss
    trips: tuple[StopLossTrip, ...] = ()
    latency: SliceLatency | None = None
    has_phase_data: bool = True
    """Some run reports a phase; without, `phases` is empty and only the total is judged."""
    enforced: bool = True
    """A trip is enforced (an error): stop-loss is enabled and covers the slice's importance."""


def assess_budget(
    *,
    plan: Plan,
    slice_: PlanSlice,
    done: bool,
    estimate: EstimationRecord | None,
    reports: Iterable[UsageReport],
    budgets: PhaseBudgetConfig,
    limits: Mapping[Phase, PhaseLimit] | None = None,
) -> SliceBudget | None:
    """The slice's utilisation, stop-loss and latency; None when it has no usage report.

    `limits` are the slice's `slice_limits`, when the caller has them already (judging many
    slices, it computes them once for each sizing)."""
    runs = list(reports)
    if not runs:
        return None
    spend = spend_by_phase(runs)
    sizing = Sizing.of(plan, slice_)
    if limits is None:
        limits = slice_limits(budgets, plan=plan, slice_=slice_, sizing=sizing)
    estimated = (estimate.phases or {}) if estimate is not None else {}
    rows: tuple[PhaseUtilisation, ...] = ()
    if spend.has_phase_data:
        rows = tuple(
            _phase_row(phase, limits[phase], estimated.get(phase), spend.phases.get(phase), budgets)
            for phase in Phase
            if phase in spend.phases or phase in estimated
        )
    budget, source = cumulative_budget(estimate=estimate, limits=limits)
    settings = budgets.stop_loss
    trips = [
        _trip(None, spend.total_tokens, budget, settings.cumulative, settings, done=done),
        *(
            _trip(
                row.phase,
                row.actual_tokens,
                row.budget_tokens,
                settings.per_phase,
                settings,
                done=done,
            )
            for row in rows
            if row.phase in spend.phases
        ),
    ]
    tripped = tuple(trip for trip in trips if trip is not None)
    return SliceBudget(
        sizing=sizing,
        phases=rows,
        budget_source=source,
        budget_tokens=budget,
        actual_tokens=spend.total_tokens,
        utilisation=utilisation(actual=spend.total_tokens, budget=budget),
        status=band(actual=spend.total_tokens, budget=budget, bands=budgets.bands),
        unattributed_tokens=spend.unattributed_tokens,
        stop_loss=stop_loss_state(tripped),
        trips=tripped,
        latency=_latency(runs, spend, limits, budgets),
        has_phase_data=spend.has_phase_data,
        enforced=settings.enforces(sizing.importance),
    )


def stop_loss_state(trips: Iterable[StopLossTrip]) -> StopLoss:
    """TRIGGERED when any trip is not allowed to complete, ALLOWED when all are, else NONE."""
    found = list(trips)
    if not found:
        return StopLoss.NONE
    return StopLoss.ALLOWED if all(trip.allowed for trip in found) else StopLoss.TRIGGERED


def _latency(
    runs: list[UsageReport],
    spend: SpendByPhase,
    limits: Mapping[Phase, PhaseLimit],
    budgets: PhaseBudgetConfig,
) -> SliceLatency:
    durations = {
        phase: None if spent.duration_seconds is None else to_ms(spent.duration_seconds)
        for phase, spent in spend.phases.items()
    }
    return assess_latency(
        actual_ms=to_ms(sum(report.duration_seconds for report in runs)),
        limits_ms={phase: limit.latency_ms for phase, limit in limits.items()},
        phase_durations_ms=durations,
        settings=budgets.stop_loss,
        bands=budgets.bands,
    )


def _phase_row(
    phase: Phase,
    limit: PhaseLimit,
    estimated: PhaseEstimate | None,
    spent: PhaseSpend | None,
    budgets: PhaseBudgetConfig,
) -> PhaseUtilisation:
    spent = spent or PhaseSpend()
    tokens, requests, source = limit.tokens, limit.requests, limit.source
    if estimated is not None:
        tokens, requests = estimated.total_tokens, estimated.requests
        source = BudgetSource.ESTIMATE
    duration = None if spent.duration_seconds is None else to_ms(spent.duration_seconds)
    return PhaseUtilisation(
        phase=phase,
        source=source,
        budget_tokens=tokens,
        actual_tokens=spent.tokens,
        utilisation=utilisation(actual=spent.tokens, budget=tokens),
        status=band(actual=spent.tokens, budget=tokens, bands=budgets.bands),
        budget_requests=requests,
        actual_requests=spent.requests,
        budget_latency_ms=limit.latency_ms,
        actual_duration_ms=duration,
        latency_utilisation=None
        if duration is None
        else utilisation(actual=duration, budget=limit.latency_ms),
        latency_status=None
        if duration is None
        else band(actual=duration, budget=limit.latency_ms, bands=budgets.bands),
    )


def _trip(
    phase: Phase | None,
    actual: int,
    budget: int,
    limit: float,
    settings: StopLossSettings,
    *,
    done: bool,
) -> StopLossTrip | None:
    if not above(actual=actual, budget=budget, ratio=exact(limit)):
        return None
    allowance = exact(settings.allow_completion_threshold)
    return StopLossTrip(
        phase=phase,
        actual_tokens=actual,
        budget_tokens=budget,
        utilisation=utilisation(actual=actual, budget=budget),
        limit=limit,
        allowed=done and actual < budget * (exact(limit) + allowance),
    )
