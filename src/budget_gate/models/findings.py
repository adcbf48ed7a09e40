"""Findings: the one vocabulary every rule, loader and renderer speaks.

Finding codes live only here, so the docs, the config and the templates cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"

    @property
    def rank(self) -> int:
        """Higher is worse; used to sort findings worst first."""
        return {Severity.ERROR: 2, Severity.WARNING: 1, Severity.NOTICE: 0}[self]


class FindingCode(StrEnum):
    INVALID_ARTIFACT = "invalid-artifact"
    UNKNOWN_FIELD = "unknown-field"
    MISSING_ESTIMATE = "missing-estimate"
    MISSING_USAGE_REPORT = "missing-usage-report"
    UNREPORTED_AGENT_RUN = "unreported-agent-run"
    UNTRACKED_AGENT_COMMIT = "untracked-agent-commit"
    ORPHAN_RECORD = "orphan-record"
    DUPLICATE_RECORD = "duplicate-record"
    VARIANCE_WARNING = "variance-warning"
    VARIANCE_BREACH = "variance-breach"
    STOP_LOSS = "stop-loss"
    LATENCY_BREACH = "latency-breach"
    WORK_ON_UNAPPROVED_SLICE = "work-on-unapproved-slice"
    UNPRICED_MODEL = "unpriced-model"


DEFAULT_SEVERITY: dict[FindingCode, Severity] = {
    FindingCode.INVALID_ARTIFACT: Severity.ERROR,
    FindingCode.UNKNOWN_FIELD: Severity.WARNING,
    FindingCode.MISSING_ESTIMATE: Severity.ERROR,
    FindingCode.MISSING_USAGE_REPORT: Severity.ERROR,
    FindingCode.UNREPORTED_AGENT_RUN: Severity.ERROR,
    FindingCode.UNTRACKED_AGENT_COMMIT: Severity.WARNING,
    FindingCode.ORPHAN_RECORD: Severity.ERROR,
    FindingCode.DUPLICATE_RECORD: Severity.ERROR,
    FindingCode.VARIANCE_WARNING: Severity.WARNING,
    FindingCode.VARIANCE_BREACH: Severity.WARNING,
    FindingCode.STOP_LOSS: Severity.ERROR,
    FindingCode.LATENCY_BREACH: Severity.WARNING,
    FindingCode.WORK_ON_UNAPPROVED_SLICE: Severity.WARNING,
    FindingCode.UNPRICED_MODEL: Severity.NOTICE,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem the gate found.

    `message` says what is wrong, `fix` says what to do about it; both are plain text and may
    contain strings from user files, so renderers must escape them.
    """

    code: FindingCode
    message: str
    severity: Severity = Severity.ERROR
    path: str | None = None
    line: int | None = None
    plan_id: str | None = None
    slice_id: str | None = None
    fix: str | None = None
    field: str | None = None

    @classmethod
    def of(
        cls,
        code: FindingCode,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        plan_id: str | None = None,
        slice_id: str | None = None,
        fix: str | None = None,
        field: str | None = None,
    ) -> Finding:
        """Build a finding at the code's default severity (config adjusts it later)."""
        return cls(
            code=code,
            message=message,
            severity=DEFAULT_SEVERITY[code],
            path=path,
            line=line,
            plan_id=plan_id,
            slice_id=slice_id,
            fix=fix,
            field=field,
        )

    @property
    def location(self) -> str | None:
        """`path:line` (or just `path`) for one-line messages."""
        if self.path is None:
            return None
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    def sort_key(self) -> tuple[int, str, int, str]:
        return (-self.severity.rank, self.path or "~", self.line or 0, self.code.value)
