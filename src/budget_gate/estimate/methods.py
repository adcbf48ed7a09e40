"""Estimates for planners (`budget-gate estimate`), before a slice is approved.

HEURISTIC: every chosen phase's limit from the phase budget formula (plan and slice
`phase_budgets:` included), tokens split into prompt and completion by
`heuristic.completion_share`, with the per-phase breakdown in the record. HISTORICAL: the median
actuals (every run, whatever its status) of finished slices of the same complexity and
importance, refused below `historical.min_sample` of them. Pure: the owner and `now` come from
the command line layer.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction

from budget_gate.errors import GateError
from budget_gate.judge.budgets import BudgetSource, Sizing, exact, slice_limits
from budget_gate.judge.messages import listing
from budget_gate.models.budgets import PhaseBudgetConfig
from budget_gate.models.common import Complexity, Importance, Phase, PlanStatus, SliceRef
from budget_gate.models.estimate import EstimationMethod, EstimationRecord, PhaseEstimate
from budget_gate.scope.index import RecordIndex, SliceEntry, did_you_mean


class EstimateError(GateError):
    """The estimate cannot be made as asked; the message says what is missing."""


@dataclass(frozen=True, slots=True)
class EstimateRequest:
    plan_id: str
    slice_id: str | None = None
    method: EstimationMethod = EstimationMethod.HEURISTIC
    complexity: Complexity | None = None
    importance: Importance | None = None
    phases: tuple[Phase, ...] = ()
    """The phases to budget (HEURISTIC); empty means every phase."""
    model: str | None = None
    min_sample: int | None = None
    """Overrides `historical.min_sample` of the phase budgets."""


def parse_phases(text: str) -> tuple[Phase, ...]:
    """`THINK,implement` -> (THINK, IMPLEMENT), in the order given, each once."""
    by_name = {phase.value.lower(): phase for phase in Phase}
    chosen: list[Phase] = []
    for word in (part.strip() for part in text.split(",")):
        if not word:
            continue
        phase = by_name.get(word.lower())
        if phase is None:
            names = ", ".join(phase.value for phase in Phase)
            raise EstimateError(f"--phases names {word!r}, which is not a phase; use {names}")
        if phase not in chosen:
            chosen.append(phase)
    if not chosen:
        raise EstimateError("--phases names no phase; give e.g. --phases THINK,IMPLEMENT,VERIFY")
    return tuple(chosen)


def find_slice(index: RecordIndex, *, plan_id: str, slice_id: str | None) -> SliceEntry:
    """The slice to estimate; an unsliced plan's is FULL_PLAN."""
    plan = index.plan(plan_id)
    if plan is None:
        guess = did_you_mean(plan_id, index.plans_by_id)
        hint = f"; did you mean {guess}?" if guess else "; check --plan against the plan files"
        raise EstimateError(f"no plan has plan_id {plan_id}{hint}")
    known = plan.slice_ids
    if slice_id is None:
        if plan.sliced:
            raise EstimateError(
                f"plan {plan_id} has slices ({listing(known)}); choose one with --slice"
            )
        slice_id = known[0]
    entry = index.slice(SliceRef(plan_id=plan_id, slice_id=slice_id))
    if entry is None:
        guess = did_you_mean(slice_id, known)
        hint = f"did you mean {guess}?" if guess else f"its slices are {listing(known)}"
        raise EstimateError(f"plan {plan_id} has no slice {slice_id}; {hint}")
    return entry


def sizing_for(entry: SliceEntry, request: EstimateRequest) -> Sizing:
    """Complexity and importance from the command line, else the slice's, else the plan's."""
    plan = entry.plan.record
    complexity = request.complexity or entry.slice_.complexity or plan.complexity
    importance = request.importance or entry.slice_.importance or plan.importance
    missing = [
        name
        for name, value in (("complexity", complexity), ("importance", importance))
        if value is None
    ]
    if complexity is None or importance is None:
        raise EstimateError(
            f"{entry.ref} has no {' or '.join(missing)}; pass --{missing[0]} or set "
            f"{missing[0]}: in {entry.plan.path}"
        )
    return Sizing(complexity=complexity, importance=importance)


def build_estimate(
    request: EstimateRequest,
    *,
    index: RecordIndex,
    budgets: PhaseBudgetConfig,
    owner: str,
    now: datetime,
) -> EstimationRecord:
    """The estimation record the request asks for, stamped `now` (UTC, whole seconds)."""
    entry = find_slice(index, plan_id=request.plan_id, slice_id=request.slice_id)
    sizing = sizing_for(entry, request)
    stamp = now.astimezone(UTC).replace(microsecond=0)
    if request.method is EstimationMethod.HISTORICAL:
        minimum = request.min_sample or budgets.historical.min_sample
        return historical_estimate(
            entry, sizing=sizing, index=index, min_sample=minimum, owner=owner, now=stamp
        ).model_copy(update={"model": request.model})
    if request.method is not EstimationMethod.HEURISTIC:
        raise EstimateError("estimate writes HEURISTIC or HISTORICAL estimates only")
    return heuristic_estimate(
        entry,
        sizing=sizing,
        phases=request.phases or tuple(Phase),
        budgets=budgets,
        owner=owner,
        now=stamp,
    ).model_copy(update={"model": request.model})


def heuristic_estimate(
    entry: SliceEntry,
    *,
    sizing: Sizing,
    phases: Sequence[Phase],
    budgets: PhaseBudgetConfig,
    owner: str,
    now: datetime,
) -> EstimationRecord:
    """Each phase's limit as its estimate; the record's totals are their sums."""
    limits = slice_limits(budgets, plan=entry.plan.record, slice_=entry.slice_, sizing=sizing)
    share = exact(budgets.heuristic.completion_share)
    breakdown: dict[Phase, PhaseEstimate] = {}
    for phase in phases:
        tokens = limits[phase].tokens
        completion = math.ceil(tokens * share)
        breakdown[phase] = PhaseEstimate(
            requests=limits[phase].requests,
            prompt_tokens=tokens - completion,
            completion_tokens=completion,
        )
    overridden = [
        phase.value for phase in phases if limits[phase].source is not BudgetSource.FORMULA
    ]
    notes = (
        f"budget-gate estimate: phase budgets for complexity {sizing.complexity} "
        f"(x{budgets.complexity[sizing.complexity]}) and importance {sizing.importance} "
        f"(x{budgets.importance[sizing.importance]})"
    )
    if overridden:
        notes += f"; the plan's phase_budgets set {', '.join(overridden)}"
    return EstimationRecord(
        plan_id=entry.ref.plan_id,
        slice_id=entry.ref.slice_id,
        estimated_requests=sum(item.requests for item in breakdown.values()),
        estimated_prompt_tokens=sum(item.prompt_tokens for item in breakdown.values()),
        estimated_completion_tokens=sum(item.completion_tokens for item in breakdown.values()),
        estimation_method=EstimationMethod.HEURISTIC,
        estimation_owner=owner,
        estimation_timestamp=now,
        phases=breakdown,
        notes=notes + ".",
    )


@dataclass(frozen=True, slots=True)
class Finished:
    """A finished slice's actuals, summed over all its runs."""

    ref: SliceRef
    requests: int
    prompt_tokens: int
    completion_tokens: int


def finished_like(index: RecordIndex, *, sizing: Sizing, exclude: SliceRef) -> list[Finished]:
    """Done slices of the same complexity and importance that have usage reports."""
    found: list[Finished] = []
    for ref, entry in sorted(index.slices_by_ref.items()):
        if ref == exclude or entry.status is not PlanStatus.DONE:
            continue
        theirs = Sizing.of(entry.plan.record, entry.slice_)
        if theirs.assumed or (theirs.complexity, theirs.importance) != (
            sizing.complexity,
            sizing.importance,
        ):
            continue
        runs = [report.record for report in index.runs_for(ref)]
        if not runs:
            continue
        found.append(
            Finished(
                ref=ref,
                requests=sum(run.actual_requests for run in runs),
                prompt_tokens=sum(run.actual_prompt_tokens for run in runs),
                completion_tokens=sum(run.actual_completion_tokens for run in runs),
            )
        )
    return found


def median(values: Sequence[int]) -> int:
    """The median, rounded up when it falls between two counts."""
    return math.ceil(Fraction(statistics.median(Fraction(value) for value in values)))


def historical_estimate(
    entry: SliceEntry,
    *,
    sizing: Sizing,
    index: RecordIndex,
    min_sample: int,
    owner: str,
    now: datetime,
) -> EstimationRecord:
    sample = finished_like(index, sizing=sizing, exclude=entry.ref)
    what = f"complexity {sizing.complexity} and importance {sizing.importance}"
    if len(sample) < min_sample:
        have = (
            f"only {len(sample)} ({listing([str(item.ref) for item in sample])})"
            if sample
            else "none"
        )
        raise EstimateError(
            f"a HISTORICAL estimate needs at least {min_sample} finished slices (status done, "
            f"with usage reports) of {what}; the repository has {have}. Use --method heuristic, "
            "or lower phase_budgets.historical.min_sample (or --min-sample) in the config"
        )
    names = listing([str(item.ref) for item in sample])
    return EstimationRecord(
        plan_id=entry.ref.plan_id,
        slice_id=entry.ref.slice_id,
        estimated_requests=median([item.requests for item in sample]),
        estimated_prompt_tokens=median([item.prompt_tokens for item in sample]),
        estimated_completion_tokens=median([item.completion_tokens for item in sample]),
        estimation_method=EstimationMethod.HISTORICAL,
        estimation_owner=owner,
        estimation_timestamp=now,
        notes=f"budget-gate estimate: median actuals of {len(sample)} finished slices of "
        f"{what} ({names}).",
    )


@dataclass(frozen=True, slots=True)
class EstimateTarget:
    """Where the record goes: a file, and the line of the record it replaces (if any)."""

    path: str
    replace_line: int | None = None


def estimate_target(
    index: RecordIndex,
    *,
    entry: SliceEntry,
    home: str,
    file: str | None,
    force: bool,
    is_estimate_path: Callable[[str], bool],
) -> EstimateTarget:
    """The existing estimate's place when `force` replaces it, else `file` or `home` (where
    the config says the slice's estimates live). Refuses to replace without `force`."""
    existing = index.estimates_for(entry.ref)
    if existing and not force:
        first = existing[0]
        raise EstimateError(
            f"{entry.ref} already has an estimation record at {first.path}:{first.line} "
            f"({first.record.estimation_method} by {first.record.estimation_owner}); pass "
            "--force to replace it"
        )
    if len(existing) > 1:
        places = listing([f"{item.path}:{item.line}" for item in existing])
        raise EstimateError(
            f"{entry.ref} has {len(existing)} estimation records ({places}); remove all but "
            "one before replacing it"
        )
    if existing:
        return EstimateTarget(path=existing[0].path, replace_line=existing[0].line)
    path = file if file is not None else home
    if any(char in path for char in "*?[") or path.startswith("/") or ".." in path.split("/"):
        raise EstimateError(
            f"the configured estimate globs give no single file for {entry.ref} ({path}); "
            "name one with --file PATH (relative to the repository)"
        )
    if not is_estimate_path(path):
        raise EstimateError(
            f"{path} matches none of the configured paths.estimates globs, so the gate would "
            "never read it; choose a file they match or add a glob to the config"
        )
    return EstimateTarget(path=path)
