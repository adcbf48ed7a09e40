"""Budgets in the gate: each in-scope slice's utilisation, the `stop-loss` and `latency-breach`
rules.

The numbers come from `budgets.py` and `latency.py`; this module picks the records for each
slice, words the findings and decides the stop-loss's default severity: an error when
`stop_loss.enabled` and the slice's importance is in `stop_loss.enforce_importance`, a warning
that says so when not (observe first, then low and medium, then all). `mode: observe`, a waiver
or the config's `severities:` adjust it afterwards like any other finding (`policy.py`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace

from budget_gate.judge.budgets import (
    PhaseLimit,
    Sizing,
    SliceBudget,
    StopLoss,
    StopLossTrip,
    assess_budget,
    slice_limits,
)
from budget_gate.judge.latency import LatencyTrip
from budget_gate.judge.messages import listing, percent
from budget_gate.judge.report import BreachLevel
from budget_gate.judge.rules import RuleContext
from budget_gate.models.budgets import PhaseBudgetConfig, StopLossSettings
from budget_gate.models.common import Phase, PlanStatus, SliceRef
from budget_gate.models.findings import Finding, FindingCode, Severity
from budget_gate.scope.index import SliceEntry

MS_PER_SECOND = 1000


def assess_budgets(ctx: RuleContext, budgets: PhaseBudgetConfig) -> dict[SliceRef, SliceBudget]:
    """Every in-scope slice with a usage report, judged against its budgets."""
    judged: dict[SliceRef, SliceBudget] = {}
    formula: dict[Sizing, dict[Phase, PhaseLimit]] = {}
    for entry in ctx.in_scope():
        runs = [report.record for report in ctx.index.runs_for(entry.ref)]
        if not runs:
            continue
        plan, slice_ = entry.plan.record, entry.slice_
        limits = None
        if not plan.phase_budgets and not slice_.phase_budgets:  # the formula alone
            sizing = Sizing.of(plan, slice_)
            if sizing not in formula:
                formula[sizing] = slice_limits(budgets, plan=plan, slice_=slice_, sizing=sizing)
            limits = formula[sizing]
        estimate = ctx.index.estimate_for(entry.ref)
        result = assess_budget(
            plan=plan,
            slice_=slice_,
            done=entry.status is PlanStatus.DONE,
            estimate=None if estimate is None else estimate.record,
            reports=runs,
            budgets=budgets,
            limits=limits,
        )
        if result is not None:
            judged[entry.ref] = result
    return judged


def stop_loss(
    ctx: RuleContext, judged: Mapping[SliceRef, SliceBudget], budgets: PhaseBudgetConfig
) -> Iterator[Finding]:
    """A slice past its stop-loss must stop spending and be re-planned."""
    for entry in ctx.in_scope():
        result = judged.get(entry.ref)
        if result is None or result.stop_loss is not StopLoss.TRIGGERED:
            continue
        finding = _finding(ctx, entry, result, settings=budgets.stop_loss)
        severity = Severity.ERROR if result.enforced else Severity.WARNING
        yield finding if finding.severity is severity else replace(finding, severity=severity)


def latency_breach(ctx: RuleContext, judged: Mapping[SliceRef, SliceBudget]) -> Iterator[Finding]:
    """Runs that take far longer than budgeted: a warning (it costs time, not tokens)."""
    for entry in ctx.in_scope():
        result = judged.get(entry.ref)
        if result is None or result.latency is None or not result.latency.trips:
            continue
        reasons = [_describe_latency(trip) for trip in result.latency.trips]
        plan = entry.plan
        yield Finding.of(
            FindingCode.LATENCY_BREACH,
            f"{entry.ref} ran past its latency budget: {listing(reasons, limit=4)}.",
            path=plan.path,
            line=plan.item_lines.get(entry.ref.slice_id) or plan.line,
            plan_id=entry.ref.plan_id,
            slice_id=entry.ref.slice_id,
            fix=f"find out why the runs took this long; if such work needs the time, raise "
            f"latency_ms in the phase_budgets of {entry.ref} in {plan.path} (or "
            "phase_budgets.base in the gate config)",
        )


def _finding(
    ctx: RuleContext, entry: SliceEntry, result: SliceBudget, *, settings: StopLossSettings
) -> Finding:
    ref = entry.ref
    judged = ctx.variances.get(ref)
    tokens_shown = judged is not None and judged.token_level is not BreachLevel.NONE
    variance_code = (
        FindingCode.VARIANCE_BREACH
        if judged is not None and judged.variance.breach is BreachLevel.BREACH
        else FindingCode.VARIANCE_WARNING
    )
    reasons = [
        _describe_total(trip, variance_code)
        if trip.phase is None and tokens_shown
        else _describe(trip)
        for trip in result.trips
        if not trip.allowed
    ]
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
    staged = ""
    if settings.enabled and not result.enforced:
        tiers = ", ".join(item.value for item in settings.enforce_importance) or "none"
        staged = (
            f" Enforcement for {result.sizing.importance}-importance slices is not on yet "
            f"(phase_budgets.stop_loss.enforce_importance: {tiers}), so this is a warning."
        )
    return Finding.of(
        FindingCode.STOP_LOSS,
        f"{ref} passed its stop-loss: {listing(reasons, limit=4)}. Stop the agent work on it "
        f"and re-plan before spending more.{staged}",
        path=path,
        line=line,
        plan_id=ref.plan_id,
        slice_id=ref.slice_id,
        field=field,
        fix=f"decide how to finish, then {where} or raise its phase_budgets in "
        f"{entry.plan.path}; a done slice may finish while less than "
        f"{percent(settings.allow_completion_threshold)} past the limit",
    )


def _describe(trip: StopLossTrip) -> str:
    """`IMPLEMENT spent 116,500 of its 76,000-token budget (153.3%, stop-loss above 150%)`."""
    used = "no budget" if trip.utilisation is None else percent(trip.utilisation)
    what, total = ("it", " in total") if trip.phase is None else (trip.phase.value, "")
    return (
        f"{what} spent {trip.actual_tokens:,} of its {trip.budget_tokens:,}-token budget{total} "
        f"({used}, stop-loss above {percent(trip.limit)})"
    )


def _describe_total(trip: StopLossTrip, variance_code: FindingCode) -> str:
    """The cumulative trip when the variance finding already shows the token figures:
    `it spent 269.6% of its estimate in total (stop-loss above 120%; ...)`."""
    used = "more than its estimate of 0" if trip.utilisation is None else percent(trip.utilisation)
    of = "" if trip.utilisation is None else " of its estimate"
    return (
        f"it spent {used}{of} in total (stop-loss above {percent(trip.limit)}; the token "
        f"figures are in its {variance_code} finding)"
    )


def _seconds(milliseconds: int) -> str:
    return f"{round(milliseconds / MS_PER_SECOND):,} s"


def _describe_latency(trip: LatencyTrip) -> str:
    """`VERIFY took 500 s against its 252 s budget (198.4%, above 150%)`."""
    used = "no budget" if trip.utilisation is None else percent(trip.utilisation)
    what = "its runs took" if trip.phase is None else f"{trip.phase} took"
    total = " in all" if trip.phase is None else ""
    return (
        f"{what} {_seconds(trip.actual_ms)}{total} against its {_seconds(trip.budget_ms)} "
        f"budget ({used}, above {percent(trip.limit)})"
    )
