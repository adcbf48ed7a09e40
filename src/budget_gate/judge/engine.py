"""The pure core of one run: change + artifacts + config → `Report`.

No git, no network, no environment, no clock: `now` is passed in, so the CLI, the Action and the
tests judge identically.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from budget_gate.cost.pricing import PriceBook
from budget_gate.judge.budgets import SliceBudget
from budget_gate.judge.policy import apply_policy
from budget_gate.judge.report import Report, RunCounts, SliceResult, Waiver
from budget_gate.judge.rules import RuleContext, evaluate
from budget_gate.judge.run_usage import run_usage
from budget_gate.judge.stop_loss import assess_budgets, latency_breach, stop_loss
from budget_gate.judge.variance import run_counts, total_variance
from budget_gate.models.artifacts import Artifacts
from budget_gate.models.budgets import PhaseBudgetConfig
from budget_gate.models.common import SliceRef
from budget_gate.models.config import GateConfig
from budget_gate.scope.change import Change
from budget_gate.scope.slices import find_scope


def judge(
    *,
    change: Change,
    artifacts: Artifacts,
    config: GateConfig,
    budgets: PhaseBudgetConfig,
    labels: Iterable[str],
    now: datetime,
    prices: PriceBook | None = None,
) -> Report:
    """`budgets` are the phase budgets in force (the shipped defaults with the config's
    `phase_budgets:` laid over them); `prices` turns tokens into USD costs (without it only costs
    written in records show)."""
    scope = find_scope(
        change,
        plans=artifacts.plans,
        estimates=artifacts.estimates,
        reports=artifacts.reports,
        config=config,
        base_estimates=artifacts.base_estimates,
        base_reports=artifacts.base_reports,
        outlines=artifacts.outlines,
    )
    ctx = RuleContext.build(scope=scope, artifacts=artifacts, config=config, prices=prices)
    waived = config.waiver.label in set(labels)
    phase_budgets = assess_budgets(ctx, budgets)
    findings, verdict = apply_policy(
        [
            *artifacts.findings,
            *evaluate(ctx),
            *stop_loss(ctx, phase_budgets, budgets),
            *latency_breach(ctx, phase_budgets),
        ],
        config=config,
        waived=waived,
    )
    slices = tuple(_slice_results(ctx, phase_budgets))
    return Report(
        verdict=verdict,
        mode=config.mode,
        kind=change.kind,
        base=change.base,
        head=change.head,
        slices=slices,
        findings=tuple(findings),
        totals=total_variance(item.variance for item in slices),
        total_runs=sum((item.runs for item in slices), RunCounts()),
        generated_at=now,
        waiver=Waiver(label=config.waiver.label, applied=waived),
        notes=change.notes,
        price_data=_price_data(prices, slices),
    )


def _price_data(prices: PriceBook | None, slices: tuple[SliceResult, ...]) -> str | None:
    """The price data's name, whenever the report shows costs."""
    if prices is None or not any(item.variance.cost_known for item in slices):
        return None
    return prices.version


def _slice_results(
    ctx: RuleContext, phase_budgets: Mapping[SliceRef, SliceBudget]
) -> Iterable[SliceResult]:
    for entry in ctx.in_scope():
        ref = entry.ref
        runs = ctx.index.runs_for(ref)
        estimate = ctx.index.estimate_for(ref)
        yield SliceResult(
            ref=ref,
            title=entry.slice_.title,
            status=entry.status,
            reasons=ctx.scope.slices[ref],
            variance=ctx.variances[ref].variance,
            runs=run_counts(report.record for report in runs),
            plan_path=entry.plan.path,
            plan_line=entry.plan.line,
            estimate_path=estimate.path if estimate else None,
            estimate_line=estimate.line if estimate else None,
            run_ids=tuple(sorted(report.record.run_id for report in runs)),
            phase_budget=phase_budgets.get(ref),
            environment=entry.plan.record.environment,
            usage=tuple(run_usage(report.record) for report in runs),
        )
