"""Lookup tables over the loaded records, built once so every rule answers in O(1).

Records are keyed by their IDs, never by where they live (§3), so rules ask the index
"which estimates name IMP-1/S1" instead of walking files. Lists keep load order, which makes
"the first record" well defined for duplicates.
"""

from __future__ import annotations

import operator
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar, overload

from budget_gate.models.artifacts import Artifacts, PlanOutline, Sourced
from budget_gate.models.common import PlanStatus, SliceRef
from budget_gate.models.estimate import EstimationRecord
from budget_gate.models.plan import Plan, PlanSlice
from budget_gate.models.usage import UsageReport

MIN_SHA_PREFIX = 7
"""Reports may list abbreviated commit SHAs, but never shorter than git's default."""


@dataclass(frozen=True, slots=True)
class SliceEntry:
    """A slice together with the plan file that declares it."""

    plan: Sourced[Plan]
    slice_: PlanSlice
    ref: SliceRef = field(init=False, repr=False, compare=False)
    """`PLAN/SLICE`, made once: rules ask for it hundreds of thousands of times in an audit."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "ref", self.plan.record.ref(self.slice_))

    @property
    def status(self) -> PlanStatus:
        return self.plan.record.slice_status(self.slice_)


@dataclass(frozen=True, slots=True)
class PlanTable:
    """The slices the plans declare, built in one pass and shared by scope and the rules.

    Built from every plan's outline (`PlanOutline`): a pull request reads most plans only in
    outline (from the plan cache) and in full only those whose slices it puts in scope; a slice
    entry is made from its plan in full, when asked for. With 20,000 slices this pass is a good
    part of a pull request's cost, and one run needs it several times (scope is computed while
    reading, then when judging), so the last table is kept and reused while the plans are the
    very same (frozen) records; when only more plans were read in full since, the outline part
    (IDs, owners, slices) is reused and only the full plans are new.
    """

    plans: tuple[Sourced[Plan], ...]
    """The plans read in full."""
    outlines: tuple[PlanOutline, ...]
    """Every plan, in load order."""
    plans_by_id: Mapping[str, Sequence[PlanOutline]]
    slices_by_ref: Mapping[SliceRef, SliceEntry]
    """The first plan with an ID owns its slices."""
    known: frozenset[SliceRef]
    """Every slice any plan declares (a duplicate plan's too)."""
    slices: Sequence[tuple[SliceRef, Sequence[str]]]
    """Every slice of every plan with its `paths` globs, in plan order (one list object for
    every table of the same outlines, so what is derived from it can be kept by identity)."""
    from_plans: bool
    """Whether the outlines were made from `plans` (every plan was read in full)."""
    owners: Mapping[SliceRef, tuple[str, int]] = field(repr=False, compare=False)
    """The plan file and position of each owned slice."""

    @classmethod
    def of(
        cls, plans: Sequence[Sourced[Plan]], outlines: Sequence[PlanOutline] | None = None
    ) -> PlanTable:
        """The table of `outlines`, or of `plans` when every plan was read in full (None)."""
        last = _last_table[0] if _last_table else None
        if last is not None and last._is_for(plans, outlines):
            return last
        if last is not None and last._has_outlines(outlines):
            table = last._with_plans(plans)
        else:
            table = cls._build(plans, outlines)
        _last_table[:] = [table]
        return table

    @classmethod
    def _build(
        cls, plans: Sequence[Sourced[Plan]], outlines: Sequence[PlanOutline] | None
    ) -> PlanTable:
        from_plans = outlines is None
        if outlines is None:
            outlines = [PlanOutline.of(plan) for plan in plans]
        plans_by_id: dict[str, list[PlanOutline]] = {}
        owned: dict[SliceRef, tuple[str, int]] = {}
        slices: list[tuple[SliceRef, Sequence[str]]] = []
        for outline in outlines:
            plan_id = outline.plan_id
            same_id = plans_by_id.setdefault(plan_id, [])
            same_id.append(outline)
            for position, (slice_id, paths) in enumerate(outline.slices):
                ref = SliceRef(plan_id, slice_id)
                slices.append((ref, paths))
                if len(same_id) == 1:
                    owned[ref] = (outline.path, position)
        return cls(
            plans=tuple(plans),
            outlines=tuple(outlines),
            plans_by_id=plans_by_id,
            slices_by_ref=_SliceEntries(owned, {plan.path: plan for plan in plans}),
            known=frozenset(ref for ref, _ in slices),
            slices=slices,
            from_plans=from_plans,
            owners=owned,
        )

    def _with_plans(self, plans: Sequence[Sourced[Plan]]) -> PlanTable:
        """This table's outline part with other plans in full."""
        return replace(
            self,
            plans=tuple(plans),
            slices_by_ref=_SliceEntries(self.owners, {plan.path: plan for plan in plans}),
        )

    def _is_for(
        self, plans: Sequence[Sourced[Plan]], outlines: Sequence[PlanOutline] | None
    ) -> bool:
        if not _same(plans, self.plans):
            return False
        if outlines is None:  # outlined from its plans, which are the same
            return self.from_plans
        return not self.from_plans and _same(outlines, self.outlines)

    def _has_outlines(self, outlines: Sequence[PlanOutline] | None) -> bool:
        """Whether `outlines` are this table's own (read from the cache, not made from plans)."""
        return outlines is not None and not self.from_plans and _same(outlines, self.outlines)


_last_table: list[PlanTable] = []


def _same(items: Sequence[object], kept: Sequence[object]) -> bool:
    return len(items) == len(kept) and all(map(operator.is_, items, kept))


_T = TypeVar("_T")


class _SliceEntries(Mapping[SliceRef, SliceEntry]):
    """Slices by ref, each `SliceEntry` made when first asked for: a pull request looks up a
    handful of its 20,000 slices, and has only their plans in full."""

    __slots__ = ("_entries", "_owners", "_plans")

    def __init__(
        self, owners: Mapping[SliceRef, tuple[str, int]], plans: Mapping[str, Sourced[Plan]]
    ) -> None:
        self._owners = owners
        self._plans = plans
        self._entries: dict[SliceRef, SliceEntry] = {}

    def __getitem__(self, ref: SliceRef) -> SliceEntry:
        entry = self._entries.get(ref)
        if entry is None:
            path, position = self._owners[ref]
            plan = self._plans.get(path)
            if plan is None:  # the loader reads in full every plan of a slice in scope
                raise LookupError(f"{ref} is declared in {path}, which was read only in outline")
            item = plan.record.effective_slices()[position]
            entry = self._entries[ref] = SliceEntry(plan=plan, slice_=item)
        return entry

    @overload
    def get(self, ref: SliceRef, /) -> SliceEntry | None: ...
    @overload
    def get(self, ref: SliceRef, /, default: SliceEntry | _T) -> SliceEntry | _T: ...
    def get(self, ref: SliceRef, /, default: object = None) -> object:
        """Without the generic `Mapping.get`'s exception for every slice that is not there."""
        return self[ref] if ref in self._owners else default

    def __contains__(self, ref: object) -> bool:
        return ref in self._owners

    def __iter__(self) -> Iterator[SliceRef]:
        return iter(self._owners)

    def __len__(self) -> int:
        return len(self._owners)


@dataclass(frozen=True, slots=True)
class RecordIndex:
    plans: Sequence[Sourced[Plan]]
    estimates: Sequence[Sourced[EstimationRecord]]
    reports: Sequence[Sourced[UsageReport]]
    plans_by_id: Mapping[str, Sequence[PlanOutline]]
    slices_by_ref: Mapping[SliceRef, SliceEntry]
    estimates_by_ref: Mapping[SliceRef, Sequence[Sourced[EstimationRecord]]]
    reports_by_ref: Mapping[SliceRef, Sequence[Sourced[UsageReport]]]
    reports_by_run: Mapping[str, Sequence[Sourced[UsageReport]]]
    commits_by_prefix: Mapping[str, Sequence[str]]
    """Lower-case SHAs listed in reports' `commits`, keyed by their first 7 characters."""
    _runs: dict[SliceRef, tuple[Sourced[UsageReport], ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """`runs_for`, remembered: variance, rules and the report each ask for every slice."""

    @classmethod
    def build(cls, artifacts: Artifacts) -> RecordIndex:
        """One pass over each record list. The first plan with an ID owns its slices."""
        table = PlanTable.of(artifacts.plans, artifacts.outlines)

        estimates_by_ref: dict[SliceRef, list[Sourced[EstimationRecord]]] = {}
        for estimate in artifacts.estimates:
            estimates_by_ref.setdefault(estimate.record.ref, []).append(estimate)

        reports_by_ref: dict[SliceRef, list[Sourced[UsageReport]]] = {}
        reports_by_run: dict[str, list[Sourced[UsageReport]]] = {}
        commits_by_prefix: dict[str, list[str]] = {}
        for report in artifacts.reports:
            reports_by_ref.setdefault(report.record.ref, []).append(report)
            reports_by_run.setdefault(report.record.run_id, []).append(report)
            for sha in report.record.commits:
                lowered = sha.lower()
                commits_by_prefix.setdefault(lowered[:MIN_SHA_PREFIX], []).append(lowered)

        return cls(
            plans=table.plans,
            estimates=tuple(artifacts.estimates),
            reports=tuple(artifacts.reports),
            plans_by_id=table.plans_by_id,
            slices_by_ref=table.slices_by_ref,
            estimates_by_ref=estimates_by_ref,
            reports_by_ref=reports_by_ref,
            reports_by_run=reports_by_run,
            commits_by_prefix=commits_by_prefix,
        )

    def plan(self, plan_id: str) -> PlanOutline | None:
        """The first plan loaded with this ID (later ones are duplicates), in outline."""
        found = self.plans_by_id.get(plan_id)
        return found[0] if found else None

    def slice(self, ref: SliceRef) -> SliceEntry | None:
        """The slice with its plan in full: only for a slice in scope (or any, in an audit)."""
        return self.slices_by_ref.get(ref)

    def knows(self, ref: SliceRef) -> bool:
        """Whether a plan owns this slice (for any slice, in scope or not)."""
        return ref in self.slices_by_ref

    def estimates_for(self, ref: SliceRef) -> Sequence[Sourced[EstimationRecord]]:
        return self.estimates_by_ref.get(ref, ())

    def estimate_for(self, ref: SliceRef) -> Sourced[EstimationRecord] | None:
        """The estimate the numbers use: the first loaded (any others are duplicate findings)."""
        found = self.estimates_by_ref.get(ref)
        return found[0] if found else None

    def reports_for(self, ref: SliceRef) -> Sequence[Sourced[UsageReport]]:
        return self.reports_by_ref.get(ref, ())

    def runs_for(self, ref: SliceRef) -> tuple[Sourced[UsageReport], ...]:
        """The slice's reports counting each run once: a duplicated `run_id` is not spent twice."""
        runs = self._runs.get(ref)
        if runs is None:
            reports = self.reports_for(ref)
            runs = self._runs[ref] = tuple(filter(self.is_first_of_run, reports))
        return runs

    def reports_for_run(self, run_id: str) -> Sequence[Sourced[UsageReport]]:
        return self.reports_by_run.get(run_id, ())

    def is_first_of_run(self, report: Sourced[UsageReport]) -> bool:
        found = self.reports_by_run.get(report.record.run_id)
        return found is not None and found[0] is report

    def commit_is_reported(self, sha: str) -> bool:
        """Whether any report lists this commit; either side may be an abbreviated SHA."""
        wanted = sha.lower()
        if len(wanted) < MIN_SHA_PREFIX:
            return False
        listed = self.commits_by_prefix.get(wanted[:MIN_SHA_PREFIX], ())
        return any(wanted.startswith(item) or item.startswith(wanted) for item in listed)


def did_you_mean(word: str, candidates: Collection[str]) -> str | None:
    """The closest known ID, ignoring case, when one is close enough to be a typo."""
    import difflib  # here: only a finding about an unknown ID needs it

    by_lower = {candidate.lower(): candidate for candidate in candidates}
    close = difflib.get_close_matches(word.lower(), by_lower, n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None
