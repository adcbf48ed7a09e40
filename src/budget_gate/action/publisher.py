"""Publish one judged report on GitHub: the sticky comment and the check (or commit status).

Shared by `budget-gate action` (one job) and `budget-gate publish` (the trusted second stage of
the fork-safe setup). A refusal or failure of one channel does not stop the other: each ends as
a one-line entry in `Published`, and the command decides what the job's log and exit say.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from budget_gate import __version__
from budget_gate.github.checks import (
    CheckApi,
    CheckResult,
    Conclusion,
    annotations_for,
    check_title,
    conclusion_for,
    publish_check,
)
from budget_gate.github.client import GitHubError, ProblemKind
from budget_gate.github.comment import CommentApi, CommentResult, Stamp, publish_comment
from budget_gate.github.limits import CHECK_SUMMARY_MAX_CHARS, COMMENT_MAX_CHARS
from budget_gate.judge.report import Report
from budget_gate.models.config import CommentMode
from budget_gate.render.escape import code_block
from budget_gate.render.json_report import render_json
from budget_gate.render.links import LinkContext
from budget_gate.render.markdown import render_markdown

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Renderer:
    """The report's markdown at a size budget; a text that fits a smaller budget is reused.

    `render_markdown` returns the most detailed level that fits, so a text rendered for a
    larger budget is also the answer for any smaller budget it still fits.
    """

    def __init__(
        self, report: Report, *, links: LinkContext | None, template_dir: Path | None
    ) -> None:
        self.report = report
        self._links = links
        self._template_dir = template_dir
        self._texts: dict[int, str] = {}

    def __call__(self, limit: int) -> str:
        for rendered_for, text in self._texts.items():
            if len(text) <= limit <= rendered_for:
                return text
        text = render_markdown(
            self.report, links=self._links, template_dir=self._template_dir, max_chars=limit
        )
        self._texts[limit] = text
        return text


def report_digest(report: Report, *, head_sha: str) -> str:
    """A fingerprint of what the comment shows, leaving out when it was generated."""
    content = render_json(replace(report, generated_at=_EPOCH))
    data = f"{__version__}\n{head_sha}\n{content}".encode()
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Target:
    """Where and how to publish."""

    head_sha: str
    pull_request: int | None
    as_of: datetime
    check_name: str
    comment_mode: CommentMode
    max_comment_chars: int = COMMENT_MAX_CHARS
    target_url: str | None = None
    """The workflow run's page, for a commit status."""


@dataclass(frozen=True, slots=True)
class Published:
    comment: CommentResult | None = None
    check: CheckResult | None = None
    forbidden: tuple[str, ...] = field(default=())
    """What the token was not allowed to do (a fork's read-only token, missing permissions)."""
    failed: tuple[str, ...] = field(default=())
    """Other failures, one line each (GitHub down, rate limit, invalid answer)."""


class GitHubApi(CommentApi, CheckApi, Protocol):
    """What publishing needs from the client (`github.client.RepoClient` has it all)."""


def publish(api: GitHubApi, *, render: Renderer, target: Target, token: str) -> Published:
    """Post the sticky comment (pull requests only) and the check; never raises `GitHubError`."""
    report = render.report
    forbidden: list[str] = []
    failed: list[str] = []
    comment: CommentResult | None = None
    if target.pull_request is not None:
        stamp = Stamp(
            head_sha=target.head_sha,
            at=target.as_of,
            digest=report_digest(report, head_sha=target.head_sha),
        )
        try:
            comment = publish_comment(
                api,
                number=target.pull_request,
                render=render,
                stamp=stamp,
                mode=target.comment_mode,
                token=token,
                max_chars=min(target.max_comment_chars, COMMENT_MAX_CHARS),
            )
        except GitHubError as error:
            (forbidden if error.kind is ProblemKind.FORBIDDEN else failed).append(str(error))
    check: CheckResult | None = None
    try:
        check = publish_check(
            api,
            name=target.check_name,
            head_sha=target.head_sha,
            conclusion=conclusion_for(report),
            title=check_title(report),
            summary=render(CHECK_SUMMARY_MAX_CHARS),
            notes=annotations_for(report.findings),
            target_url=target.target_url,
        )
    except GitHubError as error:
        (forbidden if error.kind is ProblemKind.FORBIDDEN else failed).append(str(error))
    return Published(comment=comment, check=check, forbidden=tuple(forbidden), failed=tuple(failed))


CANNOT_JUDGE = """## ⚠️ Plan Budget Gate could not judge this change

{reason}

Fix the problem above and push again; the job's log has the details.
"""


def publish_cannot_judge(
    api: CheckApi, *, name: str, head_sha: str, reason: str, target_url: str | None
) -> CheckResult:
    """A failing check that says why the gate could not judge: a required check never waits
    forever, not even for a broken config. Raises `GitHubError` when it cannot be posted."""
    return publish_check(
        api,
        name=name,
        head_sha=head_sha,
        conclusion=Conclusion.FAILURE,
        title=f"could not judge: {reason}",
        summary=CANNOT_JUDGE.format(reason=code_block(reason)),
        notes=[],
        target_url=target_url,
    )
