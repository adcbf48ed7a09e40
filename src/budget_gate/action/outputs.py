"""What every Action run leaves behind, whatever GitHub allowed it to post.

The report files, the job summary and the step outputs are always written; the log says what was
posted, what the token was not allowed to do and why, and the findings become workflow-command
annotations when no check run could carry them.
"""

from __future__ import annotations

import json
from pathlib import Path

from budget_gate.action.bundle import REPORT_JSON, REPORT_MARKDOWN
from budget_gate.action.publisher import Published, publish_cannot_judge
from budget_gate.action.runtime import ActionError, ActionSettings, Runtime
from budget_gate.github.checks import CheckChannel
from budget_gate.github.client import GitHubError, RepoClient, connect
from budget_gate.github.limits import ANNOTATIONS_PER_REQUEST
from budget_gate.judge.report import Report, Verdict
from budget_gate.models.common import SliceRef
from budget_gate.models.config import GateConfig
from budget_gate.models.findings import FindingCode, Severity
from budget_gate.render.escape import plain
from budget_gate.render.json_report import render_json

EXIT_PASS, EXIT_FAIL, EXIT_CANNOT_PUBLISH = 0, 1, 2
UNCOVERED_CODES = frozenset({FindingCode.MISSING_ESTIMATE, FindingCode.MISSING_USAGE_REPORT})
_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "notice"}


def open_client(settings: ActionSettings) -> RepoClient:
    """The GitHub client for the run's repository; the token input must not be empty."""
    token = settings.token.get_secret_value()
    if not token:
        raise ActionError(
            f"input github-token is empty, and the gate needs it to post on {settings.event_name}; "
            "pass github-token: ${{ github.token }} (the default) or a token secret"
        )
    return RepoClient(
        connect(token=token, api_url=settings.api_url), settings.repository, secret=token
    )


def post_cannot_judge(
    runtime: Runtime, client: RepoClient, settings: ActionSettings, *, head_sha: str, reason: str
) -> None:
    """Say why the gate could not judge, in the log and as a failing check on `head_sha`, so
    a required check never waits forever; the run then ends with exit status 2."""
    runtime.annotate("error", f"budget-gate: {reason}")
    try:
        publish_cannot_judge(
            client,
            name=settings.check_name or GateConfig().check.name,
            head_sha=head_sha,
            reason=reason,
            target_url=settings.run_url,
        )
    except GitHubError as problem:
        runtime.annotate(
            "warning", f"budget-gate: the failing check could not be posted: {problem}"
        )


def uncovered_slices(report: Report) -> list[str]:
    """`PLAN/SLICE` of every slice missing an estimate or a usage report, sorted."""
    refs = {
        SliceRef(plan_id=item.plan_id, slice_id=item.slice_id)
        for item in report.findings
        if item.code in UNCOVERED_CODES and item.plan_id and item.slice_id
    }
    return [str(ref) for ref in sorted(refs)]


def write_report_files(
    settings: ActionSettings, *, report: Report, markdown: str
) -> tuple[str, str]:
    """report.json and report.md in the output directory; their workspace-relative paths."""
    directory = settings.in_workspace(settings.bundle)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / REPORT_JSON).write_text(render_json(report), "utf-8")
        (directory / REPORT_MARKDOWN).write_text(markdown, "utf-8")
    except OSError as error:
        raise ActionError(f"cannot write the report in {directory}: {error.strerror}") from None
    report_path = workspace_relative(settings, directory / REPORT_JSON)
    return report_path, workspace_relative(settings, directory / REPORT_MARKDOWN)


def workspace_relative(settings: ActionSettings, path: Path) -> str:
    """A path later steps can use: relative to the workspace (the container sees another root)."""
    try:
        return path.resolve().relative_to(settings.workspace.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def set_outputs(
    runtime: Runtime, *, report: Report, report_path: str, summary_path: str, comment_url: str
) -> None:
    runtime.set_outputs(
        {
            "verdict": report.verdict.value,
            "findings": str(len(report.findings)),
            "uncovered-slices": json.dumps(uncovered_slices(report)),
            "report-path": report_path,
            "summary-path": summary_path,
            "comment-url": comment_url,
        }
    )


def _annotate_findings(runtime: Runtime, report: Report) -> None:
    """Findings as `::error file=…,line=…::` lines: GitHub shows these even for a read-only
    token (it keeps only the first few per step, so the most severe come first)."""
    for finding in report.findings[:ANNOTATIONS_PER_REQUEST]:
        message = plain(finding.message)
        if finding.fix:
            message += f" Fix: {plain(finding.fix)}"
        runtime.annotate(
            _COMMAND[finding.severity],
            f"{finding.code.value}: {message}",
            file=finding.path,
            line=finding.line if finding.path else None,
        )


def log_published(
    runtime: Runtime,
    settings: ActionSettings,
    published: Published,
    *,
    report: Report,
    from_fork: bool,
) -> None:
    comment, check = published.comment, published.check
    if comment is not None:
        where = f": {comment.url}" if comment.url else ""
        deleted = (
            f" ({comment.duplicates_deleted} duplicates removed)"
            if comment.duplicates_deleted
            else ""
        )
        runtime.emit(f"budget-gate: PR comment {comment.outcome.value}{where}{deleted}")
        for item in comment.foreign:
            runtime.annotate(
                "warning",
                f"budget-gate: left alone the comment {item.url} by {item.author}: it carries "
                "this report's marker but was not written by this token "
                f"({comment.identity or 'unknown'}), so it is neither edited nor deleted, and "
                "what it says is not this report",
            )
    if check is not None:
        if check.channel is CheckChannel.COMMIT_STATUS:
            runtime.annotate(
                "warning",
                "budget-gate: check runs are not permitted for this token, so the verdict is a "
                "commit status without annotations; give the job `permissions: checks: write`",
            )
        else:
            left = f", {check.annotations_left_out} left out" if check.annotations_left_out else ""
            runtime.emit(
                f"budget-gate: check run with {check.annotations} annotations{left}: {check.url}"
            )
    if published.forbidden:
        reasons = "; ".join(published.forbidden)
        if from_fork:
            runtime.annotate(
                "warning",
                "budget-gate: this pull request comes from a fork, and GitHub gives its workflow "
                "a read-only token, so the report could not be posted as a PR comment or check "
                f"run ({reasons}). The report is in this job's summary. To post it on the pull "
                "request, add the two-stage workflow (this run already wrote the bundle) or use "
                f"pull_request_target: see {settings.docs_url}",
            )
        else:
            runtime.annotate(
                "warning",
                f"budget-gate: the token may not post the report ({reasons}); give the job "
                "`permissions: checks: write, pull-requests: write, statuses: write` (see "
                f"{settings.docs_url})",
            )
    for line in published.failed:
        runtime.annotate("error", f"budget-gate: {line}")
    if check is None or check.channel is CheckChannel.COMMIT_STATUS:
        _annotate_findings(runtime, report)


def exit_status(report: Report, settings: ActionSettings, published: Published) -> int:
    """2 when posting failed for another reason than permissions; else by the verdict."""
    if published.failed:
        return EXIT_CANNOT_PUBLISH
    if report.verdict is Verdict.FAIL and settings.fail_on_error:
        return EXIT_FAIL
    return EXIT_PASS
