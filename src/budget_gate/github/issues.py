"""Remediation issues on GitHub: find the gate's own, and carry out the planned steps.

An issue is the gate's own when its body holds the remediation marker **and** the token's own
account opened it (`github.identity`): another bot's or a person's issue is never edited or
closed. Issues are found by listing the repository's issues
with the first label (`state=all`), never by the search API, whose index lags behind a
just-created issue and would let a re-run open a second one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from budget_gate.github.client import Comment, IssueInfo
from budget_gate.github.identity import IdentityApi, TokenIdentity
from budget_gate.judge.remediation import IssueAction, IssueStep, KnownIssue
from budget_gate.render.remediation import marker_ref

_STATE_REASON = {
    IssueStep.CLOSE_RECOVERED: "completed",
    IssueStep.CLOSE_GONE: "completed",
    IssueStep.CLOSE_DUPLICATE: "not_planned",
}


class IssueApi(IdentityApi, Protocol):
    def list_issues(self, *, label: str) -> list[IssueInfo]: ...

    def create_issue(self, *, title: str, body: str, labels: list[str]) -> IssueInfo: ...

    def edit_issue(self, number: int, **fields: str) -> IssueInfo: ...

    def create_comment(self, number: int, body: str) -> Comment: ...


def own_issues(
    api: IssueApi, *, label: str, owner: TokenIdentity, created: Collection[int] = ()
) -> list[KnownIssue]:
    """The gate's remediation issues with `label`; `created` are numbers this run opened
    (known to be ours without asking who the token is)."""
    found: list[KnownIssue] = []
    for issue in api.list_issues(label=label):
        ref = None if issue.is_pull_request else marker_ref(issue.body)
        if ref is None or (issue.number not in created and not owner.wrote(issue.author)):
            continue
        found.append(
            KnownIssue(
                number=issue.number,
                ref=ref,
                title=issue.title,
                body=issue.body,
                open=issue.open,
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class Step:
    """A planned action with the comment that goes with it (closing and reopening say why)."""

    action: IssueAction
    comment: str | None = None


@dataclass(slots=True)
class IssueSync:
    """What happened, one `(step, number, url)` a line, for the job's log."""

    done: list[tuple[IssueStep, int, str]] = field(default_factory=list)

    @property
    def created(self) -> list[int]:
        return [number for step, number, _ in self.done if step is IssueStep.CREATE]


def carry_out(api: IssueApi, steps: Sequence[Step], *, labels: list[str], sync: IssueSync) -> None:
    """Send each step, noting it in `sync`; raises `GitHubError` at the first refusal (what was
    done stays done, and `sync` says what)."""
    for item in steps:
        action = item.action
        draft = action.draft
        if action.step is IssueStep.CREATE and draft is not None:
            issue = api.create_issue(title=draft.title, body=draft.body, labels=labels)
        elif action.step is IssueStep.UPDATE and draft is not None and action.number:
            issue = api.edit_issue(action.number, title=draft.title, body=draft.body)
        elif action.step is IssueStep.REOPEN and draft is not None and action.number:
            issue = api.edit_issue(
                action.number,
                title=draft.title,
                body=draft.body,
                state="open",
                state_reason="reopened",
            )
            if item.comment:
                api.create_comment(action.number, item.comment)
        elif action.step in _STATE_REASON and action.number:
            if item.comment:
                api.create_comment(action.number, item.comment)
            issue = api.edit_issue(
                action.number, state="closed", state_reason=_STATE_REASON[action.step]
            )
        else:  # pragma: no cover - plan_remediation never builds such a step
            raise ValueError(f"incomplete remediation step {action}")
        sync.done.append((action.step, issue.number, issue.html_url))
