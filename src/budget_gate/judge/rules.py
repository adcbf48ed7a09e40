"""Slices and records to findings: one function per finding code (§5).

Rules read values only and yield findings at their code's default severity; `policy.py` applies
the config's severities, observe mode and waivers afterwards. `invalid-artifact` and
`unknown-field` come from the loader, `stop-loss` from the phase budgets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from budget_gate.cost.pricing import PriceBook
from budget_gate.judge.messages import (
    RUN_ID_PLACEHOLDER,
    listing,
    record_home,
    short_sha,
    unknown_ref,
    variance_message,
)
from budget_gate.judge.report import BreachLevel
from budget_gate.judge.unpriced import unpriced_findings
from budget_gate.judge.variance import SliceVariance, assess_slices
from budget_gate.models.artifacts import Artifacts, Sourced
from budget_gate.models.common import PlanStatus, SliceRef
from budget_gate.models.config import GateConfig
from budget_gate.models.estimate import EstimationRecord
from budget_gate.models.findings import Finding, FindingCode
from budget_gate.models.usage import UsageReport
from budget_gate.scope.change import ScopeKind
from budget_gate.scope.index import RecordIndex, SliceEntry
from budget_gate.scope.slices import Scope, ScopeReason


@dataclass(frozen=True, slots=True)
class RuleContext:
    """Everything a rule may look at; built once per run."""

    scope: Scope
    index: RecordIndex
    config: GateConfig
    variances: Mapping[SliceRef, SliceVariance]
    """Every in-scope slice that exists, judged against its resolved thresholds."""
    prices: PriceBook | None = None
    entries: tuple[SliceEntry, ...] = ()
    """What `in_scope` yields, found once: every rule walks it."""

    @classmethod
    def build(
        cls,
        *,
        scope: Scope,
        artifacts: Artifacts,
        config: GateConfig,
        prices: PriceBook | None = None,
    ) -> RuleContext:
        index = RecordIndex.build(artifacts)
        variances = assess_slices(refs=scope.slices, index=index, config=config, prices=prices)
        entries = (index.slice(ref) for ref in sorted(scope.slices))
        return cls(
            scope=scope,
            index=index,
            config=config,
            variances=variances,
            prices=prices,
            entries=tuple(entry for entry in entries if entry is not None),
        )

    def in_scope(self) -> Iterator[SliceEntry]:
        """In-scope slices that exist, in `PLAN/SLICE` order (unknown ones are orphans)."""
        return iter(self.entries)


Rule = Callable[[RuleContext], Iterator[Finding]]


def missing_estimate(ctx: RuleContext) -> Iterator[Finding]:
    """The planning gate: nothing approved or later goes without an estimate."""
    for entry in ctx.in_scope():
        if not entry.status.needs_estimate or ctx.index.estimates_for(entry.ref):
            continue
        home = record_home(ctx.config.paths.estimates, plan_path=entry.plan.path)
        yield _at_slice(
            FindingCode.MISSING_ESTIMATE,
            f"{entry.ref} is {entry.status} but has no estimation record; every slice that is "
            "approved or later needs one.",
            entry=entry,
            fix=f"add an estimation record for {entry.ref} to {home}",
        )


def missing_usage_report(ctx: RuleContext) -> Iterator[Finding]:
    """Agent work with no record of what it spent."""
    agent_shas = {run.commit_sha for run in ctx.scope.agent_runs}
    agent_shas.update(commit.sha for commit in ctx.scope.agent_commits)
    commits_by_ref: dict[SliceRef, list[str]] = {}
    for trailer in ctx.scope.slice_trailers:
        if trailer.commit_sha in agent_shas:
            commits_by_ref.setdefault(trailer.ref, []).append(trailer.commit_sha)
    released = ctx.scope.kind is ScopeKind.RELEASE  # a release needs reports like an audit
    for entry in ctx.in_scope():
        if ctx.index.reports_for(entry.ref):
            continue
        owned = ctx.scope.owned_changes.get(entry.ref, ()) if entry.status.has_agent_work else ()
        commits = commits_by_ref.get(entry.ref, [])
        audited = entry.status.has_agent_work and (
            released or ScopeReason.AUDIT in ctx.scope.slices[entry.ref]
        )
        if not owned and not commits and not audited:
            continue
        evidence = []
        if audited:
            evidence.append(f"it is {entry.status}" + (" in this release" if released else ""))
        if owned:
            evidence.append(f"this change edits paths it owns ({listing(owned)})")
        if commits:
            evidence.append(f"agent commits name it ({listing([short_sha(s) for s in commits])})")
        run_ids = [run.run_id for run in ctx.scope.agent_runs if run.commit_sha in commits]
        home = record_home(
            ctx.config.paths.usage_reports,
            plan_path=entry.plan.path,
            name=run_ids[0] if run_ids else RUN_ID_PLACEHOLDER,
        )
        yield _at_slice(
            FindingCode.MISSING_USAGE_REPORT,
            f"{entry.ref} has agent work but no usage report: {' and '.join(evidence)}.",
            entry=entry,
            fix=f"add a usage report for each agent run on {entry.ref} to {home}",
        )


def unreported_agent_run(ctx: RuleContext) -> Iterator[Finding]:
    """An `Agent-Run:` trailer is a promise that the run's report is in the repository."""
    commits_by_run: dict[str, list[str]] = {}
    for run in ctx.scope.agent_runs:
        commits_by_run.setdefault(run.run_id, []).append(run.commit_sha)
    refs_by_commit = _trailer_refs_by_commit(ctx.scope)
    for run_id, shas in commits_by_run.items():
        if ctx.index.reports_for_run(run_id):
            continue
        refs = sorted({ref for sha in shas for ref in refs_by_commit.get(sha, ())})
        entry = ctx.index.slice(refs[0]) if len(refs) == 1 else None
        home = record_home(
            ctx.config.paths.usage_reports,
            plan_path=None if entry is None else entry.plan.path,
            name=run_id,
        )
        named = "" if entry is None else f" for {entry.ref}"
        yield Finding.of(
            FindingCode.UNREPORTED_AGENT_RUN,
            f"Commit {listing([short_sha(s) for s in shas])} has the trailer Agent-Run: {run_id}, "
            f"but no usage report has run_id {run_id}.",
            plan_id=None if entry is None else entry.ref.plan_id,
            slice_id=None if entry is None else entry.ref.slice_id,
            fix=f"add a usage report with run_id {run_id}{named} to {home}",
        )


def untracked_agent_commit(ctx: RuleContext) -> Iterator[Finding]:
    """Agent work that no run accounts for, so its spend is invisible."""
    run_shas = {run.commit_sha for run in ctx.scope.agent_runs}
    refs_by_commit = _trailer_refs_by_commit(ctx.scope)
    for commit in ctx.scope.agent_commits:
        if commit.sha in run_shas or ctx.index.commit_is_reported(commit.sha):
            continue
        refs = refs_by_commit.get(commit.sha, [])
        ref = refs[0] if len(refs) == 1 else None
        yield Finding.of(
            FindingCode.UNTRACKED_AGENT_COMMIT,
            f'Agent commit {short_sha(commit.sha)} ("{commit.subject}") by {commit.author} has no '
            "Agent-Run trailer and no usage report lists it under commits.",
            plan_id=None if ref is None else ref.plan_id,
            slice_id=None if ref is None else ref.slice_id,
            fix=f"add the trailer Agent-Run: {RUN_ID_PLACEHOLDER} to the commit message, or list "
            f"{short_sha(commit.sha)} under commits in the usage report of the run that made it",
        )


def orphan_record(ctx: RuleContext) -> Iterator[Finding]:
    """Records and trailers must name a slice that exists, or their numbers go nowhere."""
    records: list[tuple[str, Sourced[EstimationRecord] | Sourced[UsageReport]]] = [
        *(("estimation record", estimate) for estimate in ctx.index.estimates),
        *(("usage report", report) for report in ctx.index.reports),
    ]
    for kind, sourced in records:
        ref = sourced.record.ref
        unknown = unknown_ref(ctx.index, ref)
        if unknown is None:
            continue
        field = "plan_id" if unknown.plan_missing else "slice_id"
        yield Finding.of(
            FindingCode.ORPHAN_RECORD,
            f"This {kind} names {ref}, but {unknown}",
            path=sourced.path,
            line=sourced.line_of(field),
            plan_id=ref.plan_id,
            slice_id=ref.slice_id,
            field=field,
            fix="correct plan_id and slice_id to name an existing slice, or remove the record",
        )
    commits_by_ref: dict[SliceRef, list[str]] = {}
    for trailer in ctx.scope.slice_trailers:
        commits_by_ref.setdefault(trailer.ref, []).append(trailer.commit_sha)
    for ref, shas in sorted(commits_by_ref.items()):
        unknown = unknown_ref(ctx.index, ref)
        if unknown is not None:
            yield Finding.of(
                FindingCode.ORPHAN_RECORD,
                f"Commit {listing([short_sha(s) for s in shas])} has the trailer "
                f"Plan-Slice: {ref}, but {unknown}",
                plan_id=ref.plan_id,
                slice_id=ref.slice_id,
                fix="amend the commit message so Plan-Slice names an existing slice",
            )
    for sha, raw in ctx.scope.malformed_trailers:
        yield Finding.of(
            FindingCode.ORPHAN_RECORD,
            f'Commit {short_sha(sha)} has the trailer Plan-Slice: "{raw}", which is not '
            "PLAN_ID/SLICE_ID.",
            fix="amend the commit message to Plan-Slice: PLAN_ID/SLICE_ID",
        )


def duplicate_record(ctx: RuleContext) -> Iterator[Finding]:
    """A run reported twice is spent twice; an estimate given twice is ambiguous.

    The first record loaded is the one counted; each later one gets a finding naming the first.
    Plans sharing a `plan_id` are reported the same way (the first one owns the slices).
    """
    for run_id, reports in ctx.index.reports_by_run.items():
        yield from _duplicates(
            f"Usage reports share run_id {run_id}",
            reports,
            field="run_id",
            ref=lambda report: report.record.ref,
            fix=f"remove one of the two reports, or give this run its own run_id "
            f"(only the report at {reports[0].path} is counted)",
        )
    for ref, estimates in ctx.index.estimates_by_ref.items():
        yield from _duplicates(
            f"{ref} has more than one estimation record",
            estimates,
            field="slice_id",
            ref=lambda estimate: estimate.record.ref,
            fix=f"keep one estimate for {ref} (the one at {estimates[0].path} is used)",
        )
    for plan_id, plans in ctx.index.plans_by_id.items():
        yield from _duplicates(
            f"Plans share plan_id {plan_id}",
            plans,
            field="plan_id",
            ref=lambda _plan: None,
            fix=f"give this plan its own plan_id (the plan at {plans[0].path} is used)",
        )


def variance_warning(ctx: RuleContext) -> Iterator[Finding]:
    return _variance_findings(ctx, level=BreachLevel.WARNING)


def variance_breach(ctx: RuleContext) -> Iterator[Finding]:
    return _variance_findings(ctx, level=BreachLevel.BREACH)


def work_on_unapproved_slice(ctx: RuleContext) -> Iterator[Finding]:
    """Building a draft slice skips the planning gate."""
    for entry in ctx.in_scope():
        owned = ctx.scope.owned_changes.get(entry.ref, ())
        if entry.status is not PlanStatus.DRAFT or not owned:
            continue
        yield _at_slice(
            FindingCode.WORK_ON_UNAPPROVED_SLICE,
            f"{entry.ref} is draft, but this change edits paths it owns: {listing(owned)}.",
            entry=entry,
            fix=f"get {entry.ref} approved (status: approved in {entry.plan.path}) before "
            "building it, or keep these changes out of its paths",
        )


def unpriced_model(ctx: RuleContext) -> Iterator[Finding]:
    """A cost shown as n/a says why: the model the price data does not know."""
    return unpriced_findings(
        variances=ctx.variances,
        index=ctx.index,
        price_data=None if ctx.prices is None else ctx.prices.version,
    )


RULES: tuple[Rule, ...] = (
    missing_estimate,
    missing_usage_report,
    unreported_agent_run,
    untracked_agent_commit,
    orphan_record,
    duplicate_record,
    variance_breach,
    variance_warning,
    work_on_unapproved_slice,
    unpriced_model,
)


def evaluate(ctx: RuleContext) -> list[Finding]:
    """Every rule, worst finding first (stable, so equal keys keep rule order)."""
    return sorted((finding for rule in RULES for finding in rule(ctx)), key=Finding.sort_key)


# --- helpers -------------------------------------------------------------------------------


def _variance_findings(ctx: RuleContext, *, level: BreachLevel) -> Iterator[Finding]:
    code = (
        FindingCode.VARIANCE_BREACH if level is BreachLevel.BREACH else FindingCode.VARIANCE_WARNING
    )
    for entry in ctx.in_scope():
        judged = ctx.variances.get(entry.ref)
        estimate = ctx.index.estimate_for(entry.ref)
        if judged is None or estimate is None or judged.variance.breach is not level:
            continue
        yield Finding.of(
            code,
            variance_message(ref=entry.ref, judged=judged),
            path=estimate.path,
            line=estimate.line_of("estimated_prompt_tokens"),
            plan_id=entry.ref.plan_id,
            slice_id=entry.ref.slice_id,
            fix=f"if the work grew, re-estimate {entry.ref} in {estimate.path}; if this spend "
            f"is expected for such work, set thresholds for it in {entry.plan.path}",
        )


class _Located(Protocol):
    """A record (or a plan's outline) that knows its file and the line of each field."""

    @property
    def path(self) -> str: ...

    def line_of(self, field_name: str) -> int: ...


LocatedT = TypeVar("LocatedT", bound=_Located)


def _duplicates(
    what: str,
    group: Sequence[LocatedT],
    *,
    field: str,
    ref: Callable[[LocatedT], SliceRef | None],
    fix: str,
) -> Iterator[Finding]:
    """A finding on each record of `group` after the first, naming the first (the one counted)."""
    first = group[0]
    for later in group[1:]:
        slice_ref = ref(later)
        yield Finding.of(
            FindingCode.DUPLICATE_RECORD,
            f"{what}: this one and the one at {first.path}:{first.line_of(field)}.",
            path=later.path,
            line=later.line_of(field),
            plan_id=None if slice_ref is None else slice_ref.plan_id,
            slice_id=None if slice_ref is None else slice_ref.slice_id,
            field=field,
            fix=fix,
        )


def _at_slice(code: FindingCode, message: str, *, entry: SliceEntry, fix: str) -> Finding:
    """A finding on the plan file, at the slice's declaration as near as positions allow."""
    plan = entry.plan
    line = plan.item_lines.get(entry.ref.slice_id) or (
        plan.line_of("slices") if plan.record.slices else plan.line
    )
    return Finding.of(
        code,
        message,
        path=plan.path,
        line=line,
        plan_id=entry.ref.plan_id,
        slice_id=entry.ref.slice_id,
        fix=fix,
    )


def _trailer_refs_by_commit(scope: Scope) -> dict[str, list[SliceRef]]:
    refs: dict[str, list[SliceRef]] = {}
    for trailer in scope.slice_trailers:
        refs.setdefault(trailer.commit_sha, []).append(trailer.ref)
    return refs
