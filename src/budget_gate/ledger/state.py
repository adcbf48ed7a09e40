"""One slice's budget state after a commit: pure, and computed by the judge's own functions.

The ledger must say what the gate would have said at that commit, so nothing here re-derives
budget math: variance, breach and cost come from `judge.variance.assess_slice`; the cumulative
and per-phase budgets, stop-loss and latency from `judge.budgets.assess_budget`. A slice with no
run yet has spent nothing: its budget is the same cumulative one (`cumulative_budget`), its
latency budget that of every phase (`assess_latency` with no duration), its stop-loss `none`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from budget_gate.cost.pricing import PriceBook
from budget_gate.cost.usd import run_cost
from budget_gate.judge.budgets import (
    BudgetStatus,
    PhaseLimit,
    PhaseUtilisation,
    Sizing,
    StopLoss,
    assess_budget,
    band,
    cumulative_budget,
    slice_limits,
    utilisation,
)
from budget_gate.judge.latency import SliceLatency, assess_latency, to_ms
from budget_gate.judge.run_usage import biggest, tokens_by_agent, tokens_by_model
from budget_gate.judge.variance import assess_slice
from budget_gate.models.budgets import PhaseBudgetConfig
from budget_gate.models.common import Phase, PlanStatus, SliceRef
from budget_gate.models.config import GateConfig
from budget_gate.models.estimate import EstimationRecord
from budget_gate.models.plan import Plan, PlanSlice
from budget_gate.models.usage import UsageReport


@dataclass(frozen=True, slots=True)
class SliceSpend:
    """What the slice's runs spent, each run once."""

    tokens: int
    requests: int
    runs: int
    tokens_estimated_runs: int
    """Runs whose token counts are estimates (`tokens_estimated: true`)."""
    latency_ms: int
    """The runs' durations summed."""
    unpriced_runs: int
    """Runs whose cost is unknown (no price for their model)."""
    top_agent: str | None
    """The agent that spent most of the tokens (ties: the first alphabetically)."""
    top_model: str | None


@dataclass(frozen=True, slots=True)
class SliceJudgement:
    """The gate's numbers for a slice a plan declares."""

    status: PlanStatus
    environment: str | None
    complexity: str
    importance: str
    budget_source: str
    budget_tokens: int
    utilisation: float | None
    budget_status: BudgetStatus
    latency_budget_ms: int
    latency_utilisation: float | None
    stop_loss: StopLoss
    variance_ratio: float | None
    breach: str
    cost_usd: float | None
    estimated_cost_usd: float | None
    phases: tuple[PhaseUtilisation, ...]
    """Per-phase utilisation, when the runs report phases."""


@dataclass(frozen=True, slots=True)
class SliceState:
    """A slice after one commit: its estimate, its spend and, while a plan declares it, the
    gate's judgement (None once its plan is gone)."""

    ref: SliceRef
    estimate: EstimationRecord | None
    spend: SliceSpend
    judged: SliceJudgement | None


@dataclass(frozen=True, slots=True)
class SliceRecords:
    """What the repository holds for one slice at one commit (`plan`/`slice_` None once no plan
    declares it; `runs` each run once, as the gate counts them)."""

    ref: SliceRef
    plan: Plan | None
    slice_: PlanSlice | None
    estimate: EstimationRecord | None
    runs: Sequence[UsageReport]


def slice_state(
    records: SliceRecords,
    *,
    config: GateConfig,
    budgets: PhaseBudgetConfig,
    prices: PriceBook | None,
) -> SliceState:
    """The slice's budget state as the gate judges it with this config and these budgets."""
    runs = records.runs
    spend = SliceSpend(
        tokens=sum(run.actual_total_tokens for run in runs),
        requests=sum(run.actual_requests for run in runs),
        runs=len(runs),
        tokens_estimated_runs=sum(1 for run in runs if run.tokens_estimated),
        latency_ms=to_ms(sum(run.duration_seconds for run in runs)),
        unpriced_runs=sum(1 for run in runs if not run_cost(run, prices).known),
        top_agent=biggest(tokens_by_agent(runs)),
        top_model=biggest(tokens_by_model(runs)),
    )
    judged = None
    if records.plan is not None and records.slice_ is not None:
        judged = _judge(
            records,
            records.plan,
            records.slice_,
            spend,
            config=config,
            budgets=budgets,
            prices=prices,
        )
    return SliceState(ref=records.ref, estimate=records.estimate, spend=spend, judged=judged)


def _judge(
    records: SliceRecords,
    plan: Plan,
    slice_: PlanSlice,
    spend: SliceSpend,
    *,
    config: GateConfig,
    budgets: PhaseBudgetConfig,
    prices: PriceBook | None,
) -> SliceJudgement:
    estimate, runs = records.estimate, records.runs
    status = plan.slice_status(slice_)
    variance = assess_slice(
        plan=plan, slice_=slice_, estimate=estimate, reports=runs, config=config, prices=prices
    ).variance
    sizing = Sizing.of(plan, slice_)
    limits = slice_limits(budgets, plan=plan, slice_=slice_, sizing=sizing)
    judged = assess_budget(
        plan=plan,
        slice_=slice_,
        done=status is PlanStatus.DONE,
        estimate=estimate,
        reports=runs,
        budgets=budgets,
        limits=limits,
    )
    if judged is not None:
        budget, source = judged.budget_tokens, judged.budget_source
        state, stop_loss, phases = judged.status, judged.stop_loss, judged.phases
        latency = judged.latency or _unspent_latency(limits, budgets)
    else:
        budget, source = cumulative_budget(estimate=estimate, limits=limits)
        state = band(actual=spend.tokens, budget=budget, bands=budgets.bands)
        stop_loss, phases = StopLoss.NONE, ()
        latency = _unspent_latency(limits, budgets)
    return SliceJudgement(
        status=status,
        environment=plan.environment.value if plan.environment else None,
        complexity=sizing.complexity.value,
        importance=sizing.importance.value,
        budget_source=source.value,
        budget_tokens=budget,
        utilisation=utilisation(actual=spend.tokens, budget=budget),
        budget_status=state,
        latency_budget_ms=latency.budget_ms,
        latency_utilisation=latency.utilisation,
        stop_loss=stop_loss,
        variance_ratio=variance.variance_ratio,
        breach=variance.breach.value,
        cost_usd=variance.actual_cost_usd,
        estimated_cost_usd=variance.estimated_cost_usd,
        phases=phases,
    )


def _unspent_latency(
    limits: Mapping[Phase, PhaseLimit], budgets: PhaseBudgetConfig
) -> SliceLatency:
    """The latency budget of a slice no run has reported on: every phase's limit, nothing spent."""
    return assess_latency(
        actual_ms=0,
        limits_ms={phase: limit.latency_ms for phase, limit in limits.items()},
        phase_durations_ms={},
        settings=budgets.stop_loss,
        bands=budgets.bands,
    )
