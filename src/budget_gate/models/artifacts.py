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

    def extend(self, other: Artifacts) -> None:
        self.plans.extend(other.plans)
        self.estimates.extend(other.estimates)
        self.reports.extend(other.reports)
        self.findings.extend(other.findings)
        self.files_read += other.files_read
