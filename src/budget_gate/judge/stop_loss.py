"""Phase budgets in the gate: each in-scope slice's utilisation, and the `stop-loss` rule.

The numbers come from `budgets.py`; this module picks the records for each slice, words the
finding and decides its default severity: an error when `stop_loss.enabled`, a warning when
not (observe first, enforce later). `mode: observe`, a waiver or the config's `severities:`
adjust it afterwards like any other finding (`policy.py`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace

from budget_gate.judge.budgets import SliceBudget, StopLoss, StopLossTrip, assess_budget
from budget_gate.judge.messages import listing, percent
from budget_gate.judge.rules import RuleContext
from budget_gate.models.budgets import PhaseBudgetConfig
from budget_gate.models.common import PlanStatus, SliceRef
from budget_gate.models.findings import Finding, FindingCode, Severity
from budget_gate.scope.index import SliceEntry


def assess_budgets(ctx: RuleContext, budgets: PhaseBudgetConfig) -> dict[SliceRef, SliceBudget]:
    """Every in-scope slice whose runs report phases, judged against its phase budgets."""
    judged: dict[SliceRef, SliceBudget] = {}
    for entry in ctx.in_scope():
        estimate = ctx.index.estimate_for(entry.ref)
        result = assess_budget(
            plan=entry.plan.record,
            slice_=entry.slice_,
            done=entry.status is PlanStatus.DONE,
            estimate=None if estimate is None else estimate.record,
            reports=[report.record for report in ctx.index.runs_for(entry.ref)],
            budgets=budgets,
        )
        if result is not None:
            judged[entry.ref] = result
    return judged


def stop_loss(
    ctx: RuleContext, judged: Mapping[SliceRef, SliceBudget], budgets: PhaseBudgetConfig
) -> Iterator[Finding]:
    """A slice past its stop-loss must stop spending and be re-planned."""
    severity = Severity.ERROR if budgets.stop_loss.enabled else Severity.WARNING
    for entry in ctx.in_scope():
        result = judged.get(entry.ref)
        if result is None or result.stop_loss is not StopLoss.TRIGGERED:
            continue
        finding = _finding(
            ctx, entry, result, allowance=budgets.stop_loss.allow_completion_threshold
        )
        yield finding if finding.severity is severity else replace(finding, severity=severity)


def _finding(
    ctx: RuleContext, entry: SliceEntry, result: SliceBudget, *, allowance: float
) -> Finding:
    ref = entry.ref
    reasons = [_describe(trip) for trip in result.trips if not trip.allowed]
    estimate = ctx.index.estimate_for(ref)
    if estimate is not None:
        path = estimate.path
        field = "phases" if estimate.record.phases else "estimated_prompt_tokens"
        line = estimate.line_of(field)
        where = f"re-estimate {ref} in {estimate.path}"
    else:
        path = entry.plan.path
        field = None
        line = entry.plan.item_lines.get(ref.slice_id) or entry.plan.line
        where = f"estimate {ref}"
    return Finding.of(
        FindingCode.STOP_LOSS,
        f"{ref} passed its stop-loss: {listing(reasons, limit=4)}. Stop the agent work on it "
        "and re-plan before spending more.",
        path=path,
        line=line,
        plan_id=ref.plan_id,
        slice_id=ref.slice_id,
        field=field,
        fix=f"decide how to finish, then {where} or raise its phase_budgets in "
        f"{entry.plan.path}; a done slice may finish while less than "
        f"{percent(allowance)} past the limit",
    )


def _describe(trip: StopLossTrip) -> str:
    """`IMPLEMENT spent 116,500 of its 76,000-token budget (153.3%, stop-loss above 150%)`."""
    used = "no budget" if trip.utilisation is None else percent(trip.utilisation)
    what, total = ("it", " in total") if trip.phase is None else (trip.phase.value, "")
    return (
        f"{what} spent {trip.actual_tokens:,} of its {trip.budget_tokens:,}-token budget{total} "
        f"({used}, stop-loss above {percent(trip.limit)})"
    )
