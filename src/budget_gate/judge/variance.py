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
  (`warn_usd`) US dollars is a breach (warning). Unknown costs flag nothing. A cost that leaves
  out unpriced runs is a lower bound: its overrun is certain, an underrun unknown (None).
- A run that did not count its requests (`requests_lower_bound`) makes the slice's actual
  requests a lower bound: an overrun is still certain, an underrun is unknown (None).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from budget_gate.cost.pricing import PriceBook
from budget_gate.cost.usd import COST_DIGITS, SliceCosts, UnpricedUse, sum_known
from budget_gate.judge.report import BreachLevel, RunCounts, Variance
from budget_gate.judge.thresholds import ResolvedThresholds, resolve_thresholds, slice_phase
from budget_gate.models.common import SliceRef
from budget_gate.models.config import GateConfig
from budget_gate.models.estimate import EstimationRecord
from budget_gate.models.plan import Plan, PlanSlice
from budget_gate.models.usage import RunStatus, UsageReport
from budget_gate.scope.index import RecordIndex

RATIO_DIGITS = 4
DRIVERS_PER_KIND = 2
"""How many runs, agents and models a breach names (the biggest spenders of each kind)."""


class DriverKind(StrEnum):
    RUN = "run"
    AGENT = "agent"
    MODEL = "model"


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


def cost_level(
    *,
    estimated: float | None,
    actual: float | None,
    warn_usd: float | None,
    fail_usd: float | None,
) -> BreachLevel:
    """Breach level of cost: its USD overrun against `fail_usd` / `warn_usd`."""
    if estimated is None or actual is None:
        return BreachLevel.NONE
    overrun = round(actual - estimated, COST_DIGITS)
    if overrun <= 0:
        return BreachLevel.NONE
    if fail_usd is not None and overrun >= fail_usd:
        return BreachLevel.BREACH
    if warn_usd is not None and overrun >= warn_usd:
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
        unpriced_runs=costs.unpriced_runs,
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
    unpriced_runs: int = 0,
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
    if unpriced_runs and cost_variance is not None and cost_variance < 0:
        cost_variance = None  # the unpriced runs may well make up the difference
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
        unpriced_runs=unpriced_runs,
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
    thresholds are per slice. Costs follow the same rule; the actual cost is the sum of what is
    known (a lower bound counting every slice's unpriced runs), unknown (None) when nothing is.
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
        actual_cost=_known_sum(item.actual_cost_usd for item in items) if any_cost else None,
        computed_cost=sum_known(item.computed_cost_usd for item in items) if any_cost else None,
        unpriced_runs=sum(item.unpriced_runs for item in items),
    )


def _known_sum(values: Iterable[float | None]) -> float | None:
    """The sum of the known values; None when none is known."""
    known = [value for value in values if value is not None]
    return sum_known(known) if known else None
