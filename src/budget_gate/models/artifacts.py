"""Validated records together with where they came from, so every finding can name `path:line`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from budget_gate.models.estimate import EstimationRecord
from budget_gate.models.findings import Finding
from budget_gate.models.plan import Plan
from budget_gate.models.usage import UsageReport

RecordT = TypeVar("RecordT")


@dataclass(frozen=True, slots=True)
class Sourced(Generic[RecordT]):
    record: RecordT
    path: str
    line: int
    """Line (1-based) where the record's mapping starts."""
    field_lines: Mapping[str, int] = field(default_factory=dict)
    """Line of each top-level key of the record."""

    item_lines: Mapping[str, int] = field(default_factory=dict)
    """For plans: the line of each slice's entry under `slices:`, by slice_id."""

    def line_of(self, field_name: str) -> int:
        return self.field_lines.get(field_name, self.line)


@dataclass(frozen=True, slots=True)
class PlanOutline:
    """What a plan means to everything but its own slices: its ID and the paths its slices own.

    A pull request needs every plan's outline (which slices own the changed paths, which IDs
    exist, which plans share an ID) but the full plan only of the slices it puts in scope, and
    an outline is small enough to keep in the plan cache between runs (`load/plan_cache.py`).
    """

    path: str
    line: int
    id_line: int
    """The line of `plan_id` (duplicate plans are reported there)."""
    plan_id: str
    sliced: bool
    """Whether the plan lists slices (else it is one `FULL_PLAN` slice)."""
    slices: tuple[tuple[str, tuple[str, ...]], ...]
    """Each slice the gate judges (`Plan.effective_slices`): its ID and its `paths` globs."""

    @classmethod
    def of(cls, plan: Sourced[Plan]) -> PlanOutline:
        record = plan.record
        return cls(
            path=plan.path,
            line=plan.line,
            id_line=plan.line_of("plan_id"),
            plan_id=record.plan_id,
            sliced=bool(record.slices),
            slices=tuple((item.slice_id, tuple(item.paths)) for item in record.effective_slices()),
        )

    @property
    def slice_ids(self) -> list[str]:
        return [slice_id for slice_id, _ in self.slices]

    def line_of(self, field_name: str) -> int:
        """The line of `plan_id`, else of the plan (an outline keeps no other field's line)."""
        return self.id_line if field_name == "plan_id" else self.line


@dataclass(slots=True)
class Artifacts:
    """Everything the loader read, plus the findings about files it could not accept."""

    plans: list[Sourced[Plan]] = field(default_factory=list)
    estimates: list[Sourced[EstimationRecord]] = field(default_factory=list)
    reports: list[Sourced[UsageReport]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files_read: int = 0
    base_estimates: list[Sourced[EstimationRecord]] | None = None
    """For a pull request, the records of its changed artifact files as they were at the merge
    base, so scope can tell an edited or deleted record from its untouched neighbours."""
    base_reports: list[Sourced[UsageReport]] | None = None
    outlines: list[PlanOutline] | None = None
    """Every plan of the repository, in load order, when `plans` holds only some of them in
    full (a pull request read the others' outlines from the plan cache); None when `plans` is
    every plan."""

    def extend(self, other: Artifacts) -> None:
        self.plans.extend(other.plans)
        self.estimates.extend(other.estimates)
        self.reports.extend(other.reports)
        self.findings.extend(other.findings)
        self.files_read += other.files_read
