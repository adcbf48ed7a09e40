"""What a usage report, an estimate and a slice cost in USD, and when a cost overrun is flagged:
pure, given a `PriceBook`.

A run's cost is the agent's own reported cost where it gave one (`cost_source: reported`),
else the price data's (`cost_source: computed`, or priced here from the report's tokens). The
price data's figure is kept beside a reported one so the report can show both when they
differ. A run whose cost cannot be had (a model the price data does not know, or no model at
all) has no cost, never a guessed one: a slice's actual cost is then the sum of its priced runs
only, a lower bound that says how many runs it leaves out (shown as `≥ $1.20`, "2 runs
unpriced"), and unknown (n/a) when no run is priced.

Pricing happens per `usage_by_model` row (never one total across models), with the row's
request count so long-context tiers apply per request (see `pricing`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from budget_gate.cost.pricing import PriceBook, PriceQuery, TokenCounts, to_usd
from budget_gate.models.estimate import EstimationRecord
from budget_gate.models.usage import CostSource, ModelUsage, UsageReport

COST_DIGITS = 6


@dataclass(frozen=True, slots=True, order=True)
class Unpriced:
    """A model (with its provider) that the price data has no price for; `model` None when the
    record names no model at all."""

    model: str | None
    provider: str | None


@dataclass(frozen=True, slots=True)
class RecordCost:
    shown: float | None
    """The cost used in variance and totals: reported when the agent reported one."""
    computed: float | None
    reported: float | None
    unpriced: tuple[Unpriced, ...] = ()
    """Why `shown` is unknown; empty whenever it is known."""

    @property
    def known(self) -> bool:
        return self.shown is not None


NO_COST = RecordCost(shown=None, computed=None, reported=None)


def run_cost(report: UsageReport, prices: PriceBook | None) -> RecordCost:
    reported = report.actual_cost_usd if report.cost_source is CostSource.REPORTED else None
    computed, unpriced = _computed(report, prices)
    shown = reported if reported is not None else computed
    return RecordCost(
        shown=shown,
        computed=computed,
        reported=reported,
        unpriced=() if shown is not None else unpriced,
    )


def _computed(
    report: UsageReport, prices: PriceBook | None
) -> tuple[float | None, tuple[Unpriced, ...]]:
    if report.cost_source is CostSource.COMPUTED and report.actual_cost_usd is not None:
        return report.actual_cost_usd, ()
    if report.computed_cost_usd is not None:
        return report.computed_cost_usd, ()
    if report.actual_total_tokens == 0:
        return 0.0, ()
    rows = report.usage_by_model
    if rows:
        return _rows_cost(report, rows, prices)
    if prices is None:
        return None, ()
    if report.model is None:
        return None, (Unpriced(model=None, provider=report.provider),)
    price = prices.price(
        PriceQuery(
            model=report.model,
            provider=report.provider,
            tokens=report_tokens(report),
            requests=None if report.requests_lower_bound else report.actual_requests,
            at=report.report_timestamp,
        )
    )
    if price is None:
        return None, (Unpriced(model=report.model, provider=report.provider),)
    return to_usd(price), ()


def _rows_cost(
    report: UsageReport, rows: list[ModelUsage], prices: PriceBook | None
) -> tuple[float | None, tuple[Unpriced, ...]]:
    """Each row at its own price: rows with a `cost_usd` keep it, the others are priced."""
    total = Decimal(0)
    unpriced: list[Unpriced] = []
    for row in rows:
        if row.cost_usd is not None:
            total += Decimal(repr(row.cost_usd))
            continue
        if prices is None:
            return None, ()
        requests = row.requests
        if requests is None and len(rows) == 1 and not report.requests_lower_bound:
            requests = report.actual_requests
        provider = row.provider or report.provider
        price = prices.price(
            PriceQuery(
                model=row.model,
                provider=provider,
                tokens=row_tokens(row),
                requests=requests,
                at=report.report_timestamp,
            )
        )
        if price is None:
            unpriced.append(Unpriced(model=row.model, provider=provider))
        else:
            total += price
    if unpriced:
        return None, tuple(unpriced)
    return to_usd(total), ()


def estimate_cost(estimate: EstimationRecord, prices: PriceBook | None) -> RecordCost:
    """The planner's `estimated_cost_usd`, else the estimate's tokens priced for its `model`.

    An estimate has no cache split, so every prompt token is priced at the uncached rate.
    """
    if estimate.estimated_cost_usd is not None:
        return RecordCost(
            shown=estimate.estimated_cost_usd, computed=None, reported=estimate.estimated_cost_usd
        )
    if estimate.estimated_total_tokens == 0:
        return RecordCost(shown=0.0, computed=0.0, reported=None)
    if estimate.model is None or prices is None:
        return NO_COST
    price = prices.price(
        PriceQuery(
            model=estimate.model,
            provider=None,
            tokens=TokenCounts(
                prompt=estimate.estimated_prompt_tokens,
                completion=estimate.estimated_completion_tokens,
            ),
            requests=estimate.estimated_requests or None,
            at=estimate.estimation_timestamp,
        )
    )
    if price is None:
        return RecordCost(
            shown=None,
            computed=None,
            reported=None,
            unpriced=(Unpriced(model=estimate.model, provider=None),),
        )
    usd = to_usd(price)
    return RecordCost(shown=usd, computed=usd, reported=None)


def report_tokens(report: UsageReport) -> TokenCounts:
    return TokenCounts(
        prompt=report.actual_prompt_tokens,
        completion=report.actual_completion_tokens,
        cache_read=report.actual_cache_read_tokens,
        cache_write=report.actual_cache_write_tokens,
        reasoning=report.actual_reasoning_tokens,
    )


def row_tokens(row: ModelUsage) -> TokenCounts:
    return TokenCounts(
        prompt=row.prompt_tokens,
        completion=row.completion_tokens,
        cache_read=row.cache_read_tokens,
        cache_write=row.cache_write_tokens,
        reasoning=row.reasoning_tokens,
    )


def sum_known(values: Iterable[float | None]) -> float | None:
    """The sum when every value is known (None otherwise), rounded so float noise never shows."""
    total = 0.0
    for value in values:
        if value is None:
            return None
        total += value
    return round(total, COST_DIGITS)


def describe(item: Unpriced) -> str:
    """`claude-foo (provider anthropic)` for messages."""
    if item.model is None:
        return "no model"
    return item.model if item.provider is None else f"{item.model} (provider {item.provider})"


@dataclass(frozen=True, slots=True)
class UnpricedUse:
    """Where an unpriced model was met: a run, or (run_id None) a slice's estimate."""

    unpriced: Unpriced
    run_id: str | None


def format_usd(value: float, *, signed: bool = False) -> str:
    """`$1,234.57`; a cost under a cent keeps four decimals (`$0.0042`); `+$0.40` if signed."""
    decimals = 4 if 0 < abs(value) < 0.01 else 2
    sign = ("+" if value >= 0 else "-") if signed else ("-" if value < 0 else "")
    return f"{sign}${abs(value):,.{decimals}f}"


@dataclass(frozen=True, slots=True)
class SliceCosts:
    """A slice's estimated and actual cost, and what could not be priced."""

    estimated: RecordCost | None
    actual: float | None
    """The priced runs' cost; a lower bound when `unpriced_runs`, None when no run is priced."""
    computed: float | None
    unpriced: tuple[UnpricedUse, ...]
    unpriced_runs: int = 0
    """Runs whose cost is unknown, left out of `actual`."""

    @classmethod
    def of(
        cls,
        *,
        estimate: EstimationRecord | None,
        reports: Sequence[UsageReport],
        prices: PriceBook | None,
    ) -> SliceCosts:
        estimated = None if estimate is None else estimate_cost(estimate, prices)
        runs = [(report.run_id, run_cost(report, prices)) for report in reports]
        unpriced = [UnpricedUse(item, run_id) for run_id, cost in runs for item in cost.unpriced]
        if estimated is not None:
            unpriced.extend(UnpricedUse(item, None) for item in estimated.unpriced)
        known = [cost.shown for _, cost in runs if cost.shown is not None]
        actual = sum_known(known) if known or not runs else None  # no runs: nothing spent, 0.0
        computed = sum_known(cost.computed for _, cost in runs)
        return cls(
            estimated=estimated,
            actual=actual,
            computed=computed,
            unpriced=tuple(unpriced),
            unpriced_runs=len(runs) - len(known),
        )
