"""Estimate vs actual: the numbers of §3.4 and the breach flags of §6.2.

Everything here is arithmetic on values; no rule, message or file position lives here.

Decisions users can rely on:

- Actuals sum every run of the slice whatever its status (a failed run still spent tokens), and
  each `run_id` once (the index drops later duplicates).
- A dimension (tokens, requests) is flagged when its overrun is at least the absolute floor AND
  its ratio is at least the threshold. Exactly at the threshold counts as passing it. The ratio
  is compared as rounded to 4 decimals, the value users see.
- An estimate of 0 has no ratio (None). Spend against it is an unbounded overrun, so once the
  overrun reaches the floor it is a breach; below the floor nothing is flagged.
- A missing estimate flags nothing here (`missing-estimate` covers it).
- Cost (see `costs`) is flagged by the USD thresholds only: an overrun of at least `fail_usd`
  (`warn_usd`) US dollars is a breach (warning). Unknown costs flag nothing.
- A run that did not count its requests (`requests_lower_bound`) makes the slice's actual
  requests a lower bound: an overrun is still certain, an underrun is unknown (None).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from budget_gate.costs import COST_DIGITS, SliceCosts, UnpricedUse, cost_level, sum_known
from budget_gate.index import RecordIndex
from budget_gate.models.common import Environment, Phase, SliceRef, Thresholds
from budget_gate.models.config import GateConfig, ThresholdConfig
from budget_gate.models.estimate import EstimationRecord
from budget_gate.models.plan import Plan, PlanSlice
from budget_gate.models.usage import RunStatus, UsageReport
from budget_gate.pricing import PriceBook
from budget_gate.report import BreachLevel, RunCounts, Variance

ValueT = TypeVar("ValueT")

RATIO_DIGITS = 4
DRIVERS_PER_KIND = 2
"""How many runs, agents and models a breach names (the biggest spenders of each kind)."""

_SHIPPED = ThresholdConfig().default
"""The shipped default, used for any field a user's `default:` leaves out."""


class ThresholdSource(StrEnum):
    """Which level supplied a threshold, most specific first (§6.2)."""

    SLICE = "slice"
    PLAN = "plan"
    ENVIRONMENT = "environment"
    PHASE = "phase"
    DEFAULT = "default"
    SHIPPED = "shipped"


class DriverKind(StrEnum):
    RUN = "run"
    AGENT = "agent"
    MODEL = "model"


@dataclass(frozen=True, slots=True)
class ResolvedThresholds:
    """Every threshold field filled, with where warn and fail came from (for messages)."""

    warn: float
    fail: float
    min_tokens: int
    min_requests: int
    warn_source: ThresholdSource
    fail_source: ThresholdSource
    environment: Environment | None = None
    phase: Phase | None = None
    warn_usd: float | None = None
    fail_usd: float | None = None
    warn_usd_source: ThresholdSource | None = None
    fail_usd_source: ThresholdSource | None = None

    def describe(self, source: ThresholdSource) -> str:
        """A phrase such as `the MVP environment thresholds` for a message."""
        match source:
            case ThresholdSource.SLICE:
                return "the slice's thresholds"
            case ThresholdSource.PLAN:
                return "the plan's thresholds"
            case ThresholdSource.ENVIRONMENT:
                return f"the {self.environment} environment thresholds"
            case ThresholdSource.PHASE:
                return f"the {self.phase} phase thresholds"
            case ThresholdSource.DEFAULT:
                return "the configured default thresholds"
            case ThresholdSource.SHIPPED:
                return "the shipped default thresholds"


@dataclass(frozen=True, slots=True)
class SliceVariance:
    """A slice's variance with the thresholds it was judged against and what tripped."""

    variance: Variance
    thresholds: ResolvedThresholds
    token_level: BreachLevel
    request_level: BreachLevel
    cost_level: BreachLevel = BreachLevel.NONE
    unpriced: tuple[UnpricedUse, ...] = ()
    """Models the price data could not price, where that left a cost unknown."""


def resolve_thresholds(
    *,
    plan: Plan,
    slice_: PlanSlice | None,
    phase: Phase | None,
    config: GateConfig,
) -> ResolvedThresholds:
    """Field by field, the first level that sets a value wins."""
    levels: list[tuple[ThresholdSource, Thresholds | None]] = [
        (ThresholdSource.SLICE, slice_.thresholds if slice_ is not None else None),
        (ThresholdSource.PLAN, plan.thresholds),
        (
            ThresholdSource.ENVIRONMENT,
            None
            if plan.environment is None
            else config.thresholds.environments.get(plan.environment),
        ),
        (ThresholdSource.PHASE, None if phase is None else config.thresholds.phases.get(phase)),
        (ThresholdSource.DEFAULT, config.thresholds.default),
        (ThresholdSource.SHIPPED, _SHIPPED),
    ]
    present = [(source, values) for source, values in levels if values is not None]
    warn, warn_source = _first(present, lambda values: values.warn)
    fail, fail_source = _first(present, lambda values: values.fail)
    min_tokens, _ = _first(present, lambda values: values.min_tokens)
    min_requests, _ = _first(present, lambda values: values.min_requests)
    warn_usd, warn_usd_source = _first_set(present, lambda values: values.warn_usd)
    fail_usd, fail_usd_source = _first_set(present, lambda values: values.fail_usd)
    return ResolvedThresholds(
        warn=warn,
        fail=fail,
        min_tokens=min_tokens,
        min_requests=min_requests,
        warn_source=warn_source,
        fail_source=fail_source,
        environment=plan.environment,
        phase=phase,
        warn_usd=warn_usd,
        fail_usd=fail_usd,
        warn_usd_source=warn_usd_source,
        fail_usd_source=fail_usd_source,
    )


def _first(
    levels: Sequence[tuple[ThresholdSource, Thresholds]],
    get: Callable[[Thresholds], ValueT | None],
) -> tuple[ValueT, ThresholdSource]:
    for source, values in levels:
        value = get(values)
        if value is not None:
            return value, source
    raise AssertionError("the shipped default thresholds set every field")  # pragma: no cover


def _first_set(
    levels: Sequence[tuple[ThresholdSource, Thresholds]],
    get: Callable[[Thresholds], ValueT | None],
) -> tuple[ValueT | None, ThresholdSource | None]:
    """Like `_first` for fields the shipped default leaves unset (the USD thresholds)."""
    for source, values in levels:
        value = get(values)
        if value is not None:
            return value, source
    return None, None


def slice_phase(reports: Sequence[UsageReport]) -> Phase | None:
    """The phase whose thresholds apply: only when every run reports the same single phase.

    A slice whose runs span phases (or do not say) is judged by the less specific levels, so a
    generous THINK threshold never excuses IMPLEMENT spend.
    """
    found: set[Phase] = set()
    for report in reports:
        phases = {report.phase} if report.phase is not None else set(report.phases or ())
        if len(phases) != 1:
            return None
        found |= phases
    return found.pop() if len(found) == 1 else None


def ratio(*, variance: int, estimated: int) -> float | None:
    """variance / estimated, rounded; None for a zero estimate."""
    if estimated == 0:
        return None
    return round(variance / estimated, RATIO_DIGITS)


def dimension_level(
    *, estimated: int, actual: int, floor: int, thresholds: ResolvedThresholds
) -> BreachLevel:
    """Breach level of one dimension (tokens or requests); see the module docstring."""
    overrun = actual - estimated
    if overrun <= 0 or overrun < floor:
        return BreachLevel.NONE
    value = ratio(variance=overrun, estimated=estimated)
    effective = math.inf if value is None else value
    if effective >= thresholds.fail:
        return BreachLevel.BREACH
    if effective >= thresholds.warn:
        return BreachLevel.WARNING
    return BreachLevel.NONE


def worst(*levels: BreachLevel) -> BreachLevel:
    order = (BreachLevel.NONE, BreachLevel.WARNING, BreachLevel.BREACH)
    return max(levels, key=order.index, default=BreachLevel.NONE)


def assess(
    *,
    estimate: EstimationRecord | None,
    reports: Sequence[UsageReport],
    thresholds: ResolvedThresholds,
    prices: PriceBook | None = None,
) -> SliceVariance:
    """The variance plus which dimension tripped, so messages can say tokens, requests or cost.

    Without `prices` only the costs written in the records are used.
    """
    actual_tokens = sum(report.actual_total_tokens for report in reports)
    actual_requests = sum(report.actual_requests for report in reports)
    costs = SliceCosts.of(estimate=estimate, reports=reports, prices=prices)
    token_level = request_level = BreachLevel.NONE
    if estimate is not None:
        token_level = dimension_level(
            estimated=estimate.estimated_total_tokens,
            actual=actual_tokens,
            floor=thresholds.min_tokens,
            thresholds=thresholds,
        )
        request_level = dimension_level(
            estimated=estimate.estimated_requests,
            actual=actual_requests,
            floor=thresholds.min_requests,
            thresholds=thresholds,
        )
    money_level = cost_level(
        estimated=costs.estimated.shown if costs.estimated else None,
        actual=costs.actual,
        warn_usd=thresholds.warn_usd,
        fail_usd=thresholds.fail_usd,
    )
    breach = worst(token_level, request_level, money_level)
    drivers: tuple[str, ...] = ()
    if breach is not BreachLevel.NONE:
        by_tokens = token_level is not BreachLevel.NONE or request_level is BreachLevel.NONE
        drivers = find_drivers(reports, by_tokens=by_tokens)
    variance = _variance(
        estimated_requests=None if estimate is None else estimate.estimated_requests,
        estimated_tokens=None if estimate is None else estimate.estimated_total_tokens,
        actual_requests=actual_requests,
        actual_tokens=actual_tokens,
        breach=breach,
        drivers=drivers,
        requests_lower_bound=any(report.requests_lower_bound for report in reports),
        estimated_cost=costs.estimated.shown if costs.estimated else None,
        actual_cost=costs.actual,
        computed_cost=costs.computed,
    )
    return SliceVariance(
        variance=variance,
        thresholds=thresholds,
        token_level=token_level,
        request_level=request_level,
        cost_level=money_level,
        unpriced=costs.unpriced,
    )


def _variance(
    *,
    estimated_requests: int | None,
    estimated_tokens: int | None,
    actual_requests: int,
    actual_tokens: int,
    breach: BreachLevel = BreachLevel.NONE,
    drivers: tuple[str, ...] = (),
    requests_lower_bound: bool = False,
    estimated_cost: float | None = None,
    actual_cost: float | None = None,
    computed_cost: float | None = None,
) -> Variance:
    """Fill the derived fields (variances, ratios) consistently from the counts and costs."""
    token_variance = None if estimated_tokens is None else actual_tokens - estimated_tokens
    request_variance = None if estimated_requests is None else actual_requests - estimated_requests
    if requests_lower_bound and request_variance is not None and request_variance < 0:
        request_variance = None  # fewer counted than estimated says nothing about the rest
    cost_variance = (
        None
        if estimated_cost is None or actual_cost is None
        else round(actual_cost - estimated_cost, COST_DIGITS)
    )
    return Variance(
        estimated_requests=estimated_requests,
        estimated_tokens=estimated_tokens,
        actual_requests=actual_requests,
        actual_tokens=actual_tokens,
        request_variance=request_variance,
        token_variance=token_variance,
        variance_ratio=None
        if token_variance is None or estimated_tokens is None
        else ratio(variance=token_variance, estimated=estimated_tokens),
        request_variance_ratio=None
        if request_variance is None or estimated_requests is None
        else ratio(variance=request_variance, estimated=estimated_requests),
        breach=breach,
        drivers=drivers,
        requests_lower_bound=requests_lower_bound,
        estimated_cost_usd=estimated_cost,
        actual_cost_usd=actual_cost,
        computed_cost_usd=computed_cost,
        cost_variance_usd=cost_variance,
        cost_variance_ratio=None
        if cost_variance is None or not estimated_cost
        else round(cost_variance / estimated_cost, RATIO_DIGITS),
    )


def compute_variance(
    *,
    estimate: EstimationRecord | None,
    reports: Sequence[UsageReport],
    thresholds: ResolvedThresholds,
    prices: PriceBook | None = None,
) -> Variance:
    """§3.4 numbers for one slice: actual summed over all its runs, with breach and drivers."""
    return assess(estimate=estimate, reports=reports, thresholds=thresholds, prices=prices).variance


def assess_slice(
    *,
    plan: Plan,
    slice_: PlanSlice,
    estimate: EstimationRecord | None,
    reports: Sequence[UsageReport],
    config: GateConfig,
    prices: PriceBook | None = None,
) -> SliceVariance:
    """Resolve the slice's thresholds (phase from its runs) and judge its variance."""
    thresholds = resolve_thresholds(
        plan=plan, slice_=slice_, phase=slice_phase(reports), config=config
    )
    return assess(estimate=estimate, reports=reports, thresholds=thresholds, prices=prices)


def assess_slices(
    *,
    refs: Iterable[SliceRef],
    index: RecordIndex,
    config: GateConfig,
    prices: PriceBook | None = None,
) -> dict[SliceRef, SliceVariance]:
    """Judge every slice in `refs` that exists (unknown refs are orphan findings, not numbers)."""
    judged: dict[SliceRef, SliceVariance] = {}
    for ref in refs:
        entry = index.slice(ref)
        if entry is None:
            continue
        estimate = index.estimate_for(ref)
        judged[ref] = assess_slice(
            plan=entry.plan.record,
            slice_=entry.slice_,
            estimate=None if estimate is None else estimate.record,
            reports=[report.record for report in index.runs_for(ref)],
            config=config,
            prices=prices,
        )
    return judged


def find_drivers(reports: Sequence[UsageReport], *, by_tokens: bool) -> tuple[str, ...]:
    """The biggest runs, agents and models with their share of the slice's spend.

    Shares are of the slice's total tokens (or requests, when only requests tripped). Models
    come from `usage_by_model` rows when present, else the report's `model`; runs naming no
    model are simply not attributed, so model shares may add up to less than 100 %.
    """

    def measure(report: UsageReport) -> int:
        return report.actual_total_tokens if by_tokens else report.actual_requests

    total = sum(measure(report) for report in reports)
    if total == 0:
        return ()
    by_kind: dict[DriverKind, Counter[str]] = {kind: Counter() for kind in DriverKind}
    for report in reports:
        by_kind[DriverKind.RUN][report.run_id] += measure(report)
        by_kind[DriverKind.AGENT][report.agent_id] += measure(report)
        for model, amount in _model_spend(report, by_tokens=by_tokens):
            by_kind[DriverKind.MODEL][model] += amount
    drivers: list[str] = []
    for kind in DriverKind:
        ranked = sorted(by_kind[kind].items(), key=lambda item: (-item[1], item[0]))
        for name, amount in ranked[:DRIVERS_PER_KIND]:
            if amount > 0:
                drivers.append(f"{kind} {name} {round(100 * amount / total)}%")
    return tuple(drivers)


def _model_spend(report: UsageReport, *, by_tokens: bool) -> list[tuple[str, int]]:
    if report.usage_by_model:
        return [
            (
                row.model,
                row.prompt_tokens + row.completion_tokens if by_tokens else row.requests or 0,
            )
            for row in report.usage_by_model
        ]
    if report.model:
        amount = report.actual_total_tokens if by_tokens else report.actual_requests
        return [(report.model, amount)]
    return []


def run_counts(reports: Iterable[UsageReport]) -> RunCounts:
    counts = Counter(report.status for report in reports)
    return RunCounts(
        passed=counts[RunStatus.PASS],
        failed=counts[RunStatus.FAIL],
        blocked=counts[RunStatus.BLOCKED],
    )


def total_variance(variances: Iterable[Variance]) -> Variance:
    """The total over slices.

    Actuals sum every slice. Estimates sum only the slices that have one, so spend on an
    unestimated slice counts as overrun (it was not budgeted); when no slice has an estimate the
    estimate, variances and ratios are None. The total is not judged (breach stays NONE):
    thresholds are per slice. Costs follow the same rule, and a total cost is unknown (None)
    when any slice's is.
    """
    items = list(variances)
    estimated = [item for item in items if item.estimated_tokens is not None]
    any_cost = any(item.cost_known for item in items)
    return _variance(
        estimated_requests=sum(item.estimated_requests or 0 for item in estimated)
        if estimated
        else None,
        estimated_tokens=sum(item.estimated_tokens or 0 for item in estimated)
        if estimated
        else None,
        actual_requests=sum(item.actual_requests for item in items),
        actual_tokens=sum(item.actual_tokens for item in items),
        requests_lower_bound=any(item.requests_lower_bound for item in items),
        estimated_cost=sum_known(item.estimated_cost_usd for item in estimated)
        if any_cost and estimated
        else None,
        actual_cost=sum_known(item.actual_cost_usd for item in items) if any_cost else None,
        computed_cost=sum_known(item.computed_cost_usd for item in items) if any_cost else None,
    )
