"""The webhook payload of the event that started the run, as the few values the gate needs.

Pure: `parse_event(name, payload, sha=…)` takes the decoded JSON (`actions.read_event` reads the
file). A payload missing a value the gate needs is an `EventError` naming the JSON path; an
event the gate does not handle is a `Skipped` with the reason (a notice, exit 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from budget_gate.errors import GateError

T = TypeVar("T")
ZERO_SHA = "0" * 40
PR_ACTIONS = frozenset(
    {"opened", "synchronize", "reopened", "labeled", "unlabeled", "ready_for_review"}
)
RELEASE_ACTIONS = frozenset({"published", "prereleased"})
TAG_PREFIX = "refs/tags/"
BRANCH_PREFIX = "refs/heads/"


class EventName(StrEnum):
    PULL_REQUEST = "pull_request"
    PULL_REQUEST_TARGET = "pull_request_target"
    MERGE_GROUP = "merge_group"
    PUSH = "push"
    WORKFLOW_DISPATCH = "workflow_dispatch"
    SCHEDULE = "schedule"
    WORKFLOW_RUN = "workflow_run"
    RELEASE = "release"


class EventError(GateError):
    """The payload lacks a value the gate needs (the runner writes it: a re-run usually helps)."""


@dataclass(frozen=True, slots=True)
class PullRequest:
    number: int
    head_sha: str
    base_sha: str
    base_repo: str
    head_repo: str | None
    """`owner/name` of the head repository; None when the fork was deleted."""
    labels: frozenset[str]
    updated_at: datetime | None
    changed_files: int | None
    commits: int | None

    @property
    def from_fork(self) -> bool:
        return self.head_repo != self.base_repo


@dataclass(frozen=True, slots=True)
class WorkflowRun:
    """The `workflow_run` that finished: what the second stage of a two-stage setup trusts."""

    id: int
    event: str
    head_sha: str
    pull_requests: tuple[tuple[int, str], ...]
    """(number, head SHA) of the PRs GitHub links to the run (empty for fork PRs)."""
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class Release:
    """The release a `release` event names; its body and assets are read fresh from the API
    (the payload's are stale on a re-run and would overwrite the author's later edits)."""

    id: int
    tag: str
    prerelease: bool


@dataclass(frozen=True, slots=True)
class GateEvent:
    name: EventName
    base: str | None
    head: str | None
    as_of: datetime | None
    """When the judged state came to be (the PR's last update): orders sticky-comment writes."""
    pull_request: PullRequest | None = None
    workflow_run: WorkflowRun | None = None
    tag: str | None = None
    """The release tag (a `release` event, or a push of `refs/tags/…`): the release gate runs."""
    release: Release | None = None
    to_default_branch: bool = False
    """A push to the repository's default branch (where remediation issues are kept)."""


@dataclass(frozen=True, slots=True)
class Skipped:
    reason: str


class _Reader:
    def __init__(self, payload: Mapping[str, Any], event: str) -> None:
        self._payload = payload
        self._event = event

    def _walk(self, path: str) -> Any:
        node: Any = self._payload
        for part in path.split("."):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, Mapping):
                node = node.get(part)
            else:
                return None
        return node

    def _fail(self, path: str, wanted: str) -> EventError:
        return EventError(
            f"the {self._event} event payload has no {wanted} at {path}; "
            "GitHub writes this file, so re-run the job (or fix the test payload)"
        )

    def text(self, path: str) -> str:
        value = self._walk(path)
        if not isinstance(value, str) or not value:
            raise self._fail(path, "string")
        return value

    def sha(self, path: str) -> str:
        value = self._walk(path)
        if not isinstance(value, str) or not is_sha(value):
            raise self._fail(path, "commit SHA")
        return value

    def number(self, path: str) -> int:
        value = self._walk(path)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self._fail(path, "positive number")
        return value

    def optional(self, path: str, kind: type[T]) -> T | None:
        value = self._walk(path)
        return value if isinstance(value, kind) and not isinstance(value, bool) else None

    def flag(self, path: str) -> bool:
        return self._walk(path) is True

    def time(self, path: str) -> datetime | None:
        value = self._walk(path)
        if not isinstance(value, str):
            return None
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo is not None else None

    def labels(self, path: str) -> frozenset[str]:
        value = self._walk(path)
        if not isinstance(value, list):
            return frozenset()
        return frozenset(
            item["name"]
            for item in value
            if isinstance(item, Mapping) and isinstance(item.get("name"), str)
        )


def _is_hex(text: str) -> bool:
    return all(char in "0123456789abcdef" for char in text)


def is_sha(text: str) -> bool:
    """A full commit SHA, as check runs need (not a branch name)."""
    return len(text) == 40 and _is_hex(text)


def _pull_request(read: _Reader) -> PullRequest:
    return PullRequest(
        number=read.number("pull_request.number"),
        head_sha=read.sha("pull_request.head.sha"),
        base_sha=read.sha("pull_request.base.sha"),
        base_repo=read.text("pull_request.base.repo.full_name"),
        head_repo=read.optional("pull_request.head.repo.full_name", str),
        labels=read.labels("pull_request.labels"),
        updated_at=read.time("pull_request.updated_at"),
        changed_files=read.optional("pull_request.changed_files", int),
        commits=read.optional("pull_request.commits", int),
    )


def _workflow_run(read: _Reader) -> WorkflowRun:
    pulls: list[tuple[int, str]] = []
    listed = read.optional("workflow_run.pull_requests", list) or []
    for index in range(len(listed)):
        pulls.append(
            (
                read.number(f"workflow_run.pull_requests.{index}.number"),
                read.sha(f"workflow_run.pull_requests.{index}.head.sha"),
            )
        )
    return WorkflowRun(
        id=read.number("workflow_run.id"),
        event=read.text("workflow_run.event"),
        head_sha=read.sha("workflow_run.head_sha"),
        pull_requests=tuple(pulls),
        updated_at=read.time("workflow_run.updated_at"),
    )


def parse_event(name: str, payload: Mapping[str, Any], *, sha: str) -> GateEvent | Skipped:
    """The event's base, head and PR; `sha` is `GITHUB_SHA` (the head when no payload says)."""
    try:
        event = EventName(name)
    except ValueError:
        handled = ", ".join(item.value for item in EventName)
        return Skipped(f"the {name} event is not one the gate handles ({handled})")
    read = _Reader(payload, name)
    action = read.optional("action", str)
    if event in (EventName.PULL_REQUEST, EventName.PULL_REQUEST_TARGET):
        if action not in PR_ACTIONS:
            return Skipped(f"{name} {action} changes nothing the gate judges")
        pull = _pull_request(read)
        return GateEvent(
            name=event,
            base=pull.base_sha,
            head=pull.head_sha,
            as_of=pull.updated_at,
            pull_request=pull,
        )
    if event is EventName.MERGE_GROUP:
        if action not in (None, "checks_requested"):
            return Skipped(f"merge_group {action} needs no check")
        return GateEvent(
            name=event,
            base=read.sha("merge_group.base_sha"),
            head=read.sha("merge_group.head_sha"),
            as_of=read.time("merge_group.head_commit.timestamp"),
        )
    if event is EventName.PUSH:
        if payload.get("deleted") is True:
            return Skipped("the push deleted a branch or tag")
        before = read.sha("before")
        ref = read.optional("ref", str) or ""
        default = read.optional("repository.default_branch", str)
        return GateEvent(
            name=event,
            base=None if before == ZERO_SHA else before,
            head=read.sha("after"),
            as_of=read.time("head_commit.timestamp"),
            tag=ref.removeprefix(TAG_PREFIX) if ref.startswith(TAG_PREFIX) else None,
            to_default_branch=default is not None and ref == f"{BRANCH_PREFIX}{default}",
        )
    if event is EventName.RELEASE:
        if action not in RELEASE_ACTIONS:
            return Skipped(f"release {action} needs no gate (it runs on published, prereleased)")
        release = Release(
            id=read.number("release.id"),
            tag=read.text("release.tag_name"),
            prerelease=read.flag("release.prerelease"),
        )
        return GateEvent(
            name=event,
            base=None,
            head=sha,
            as_of=read.time("release.published_at"),
            tag=release.tag,
            release=release,
        )
    if event is EventName.WORKFLOW_RUN:
        run = _workflow_run(read)
        return GateEvent(
            name=event, base=None, head=run.head_sha, as_of=run.updated_at, workflow_run=run
        )
    return GateEvent(name=event, base=None, head=sha, as_of=None)  # dispatch, schedule: audit
