"""The check run: conclusion, one-line title, the report as summary, findings as annotations.

The run is created completed with the first 50 annotations and updated with 50 more at a time
(GitHub appends them). When the token may not create check runs (403, e.g. no `checks: write`),
a commit status with the same name carries the verdict instead (no annotations, ≤ 140
characters of description).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from budget_gate.github.client import CheckRunRef, GitHubError, ProblemKind
from budget_gate.github.limits import (
    ANNOTATION_MESSAGE_MAX_CHARS,
    ANNOTATIONS_PER_REQUEST,
    CHECK_TITLE_MAX_CHARS,
    MAX_ANNOTATIONS,
    STATUS_DESCRIPTION_MAX_CHARS,
)
from budget_gate.judge.report import Report, Verdict
from budget_gate.models.config import Mode
from budget_gate.models.findings import Finding, Severity
from budget_gate.render.escape import plain, shorten
from budget_gate.render.view import headline
from budget_gate.scope.change import ScopeKind

NO_SLICES = "no plan slices changed"


class Conclusion(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    NEUTRAL = "neutral"

    @property
    def status_state(self) -> str:
        """Commit statuses know no neutral: a not-enforced gate does not block, so success."""
        return "failure" if self is Conclusion.FAILURE else "success"


class CheckChannel(StrEnum):
    CHECK_RUN = "check-run"
    COMMIT_STATUS = "commit-status"


_LEVEL = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.NOTICE: "notice"}


class CheckApi(Protocol):
    def create_check_run(
        self, *, name: str, head_sha: str, conclusion: str, output: dict[str, Any]
    ) -> CheckRunRef: ...

    def update_check_run(self, run_id: int, *, output: dict[str, Any]) -> None: ...

    def create_status(
        self, *, sha: str, state: str, context: str, description: str, target_url: str | None
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class CheckResult:
    channel: CheckChannel
    url: str | None
    annotations: int = 0
    annotations_left_out: int = 0


def conclusion_for(report: Report) -> Conclusion:
    """failure on a failing verdict; neutral when the gate is not enforced (observe, waiver)."""
    if report.verdict is Verdict.FAIL:
        return Conclusion.FAILURE
    if report.mode is Mode.OBSERVE or (report.waiver is not None and report.waiver.applied):
        return Conclusion.NEUTRAL
    return Conclusion.SUCCESS


def check_title(report: Report) -> str:
    """The one-line verdict: `fail: 2 errors, 1 warning`, `pass: no plan slices changed`."""
    parts = headline(report)
    counts = str(parts.counts)
    if not report.slices and report.kind is not ScopeKind.AUDIT:
        counts = NO_SLICES if not report.findings else f"{NO_SLICES}; {counts}"
    return shorten(f"{parts.label}: {counts}", CHECK_TITLE_MAX_CHARS)


def annotations_for(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """Findings with a path as check-run annotations (plain text: GitHub shows them verbatim)."""
    found: list[dict[str, Any]] = []
    for finding in findings:
        if not finding.path:
            continue
        line = finding.line if finding.line and finding.line > 0 else 1
        message = plain(finding.message)
        if finding.fix:
            message += f"\nFix: {plain(finding.fix)}"
        found.append(
            {
                "path": finding.path,
                "start_line": line,
                "end_line": line,
                "annotation_level": _LEVEL[finding.severity],
                "title": shorten(plain(finding.code.value), CHECK_TITLE_MAX_CHARS),
                "message": shorten(message, ANNOTATION_MESSAGE_MAX_CHARS),
            }
        )
    return found


def publish_check(
    api: CheckApi,
    *,
    name: str,
    head_sha: str,
    conclusion: Conclusion,
    title: str,
    summary: str,
    notes: Sequence[dict[str, Any]],
    target_url: str | None,
) -> CheckResult:
    """Report the verdict on `head_sha` as a check run, or as a commit status when forbidden.

    Raises `GitHubError` (kind FORBIDDEN) when neither is permitted.
    """
    title = shorten(title, CHECK_TITLE_MAX_CHARS)
    kept, left_out = list(notes[:MAX_ANNOTATIONS]), max(0, len(notes) - MAX_ANNOTATIONS)
    batches = [
        kept[start : start + ANNOTATIONS_PER_REQUEST]
        for start in range(0, len(kept), ANNOTATIONS_PER_REQUEST)
    ] or [[]]
    try:
        created = api.create_check_run(
            name=name,
            head_sha=head_sha,
            conclusion=conclusion.value,
            output={"title": title, "summary": summary, "annotations": batches[0]},
        )
    except GitHubError as problem:
        if problem.kind is not ProblemKind.FORBIDDEN:
            raise
        api.create_status(
            sha=head_sha,
            state=conclusion.status_state,
            context=name,
            description=shorten(title, STATUS_DESCRIPTION_MAX_CHARS),
            target_url=target_url,
        )
        return CheckResult(channel=CheckChannel.COMMIT_STATUS, url=target_url)
    for batch in batches[1:]:
        api.update_check_run(
            created.id, output={"title": title, "summary": summary, "annotations": batch}
        )
    return CheckResult(
        channel=CheckChannel.CHECK_RUN,
        url=created.html_url,
        annotations=len(kept),
        annotations_left_out=left_out,
    )
