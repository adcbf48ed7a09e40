"""The pure core of one run: change + artifacts + config → `Report`.

No git, no network, no environment, no clock: `now` is passed in, so the CLI, the Action and the
tests judge identically.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from budget_gate.artifacts import Artifacts
from budget_gate.change import Change
from budget_gate.models.config import GateConfig
from budget_gate.policy import apply_policy
from budget_gate.report import Report, RunCounts, SliceResult, Waiver
from budget_gate.rules import RuleContext, evaluate
from budget_gate.scope import find_scope
from budget_gate.variance import run_counts, total_variance

WAIVED_NOTE = "Waived by the `{label}` label: errors are reported as warnings for this change."


def judge(
    *,
    change: Change,
    artifacts: Artifacts,
    config: GateConfig,
    labels: Iterable[str],
    now: datetime,
) -> Report:
    scope = find_scope(
        change,
        plans=artifacts.plans,
        estimates=artifacts.estimates,
        reports=artifacts.reports,
        config=config,
    )
    ctx = RuleContext.build(scope=scope, artifacts=artifacts, config=config)
    waived = config.waiver.label in set(labels)
    findings, verdict = apply_policy(
        [*artifacts.findings, *evaluate(ctx)], config=config, waived=waived
    )
    slices = tuple(_slice_results(ctx))
    notes = list(change.notes)
    if waived:
        notes.append(WAIVED_NOTE.format(label=config.waiver.label))
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
        waiver=Waiver(label=config.waiver.label, applied=True) if waived else None,
        notes=tuple(notes),
    )


def _slice_results(ctx: RuleContext) -> Iterable[SliceResult]:
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
        )
