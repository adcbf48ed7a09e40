"""The sticky PR comment: one per pull request, found again on every run, never duplicated.

A comment is ours when its body holds the report's hidden marker **and** the token's own
account wrote it (`github.identity`): anyone can paste the marker, nobody can post as us.

A comment with the marker by anyone else is left alone (never edited, deleted, or let stand in
for our report, whatever its stamp says) and listed in the result, so the log can name it.

Every body ends with a stamp `<!-- plan-budget-gate:stamp head=SHA at=TIME digest=HEX -->`: the
head commit judged, the time of the event judged and a digest of the report's content. A run
whose time is older than the stamp on the comment leaves it alone (a re-run of an old commit's
job never overwrites a newer report); a body with the same head and digest is not sent again.
Duplicates left by racing runs are deleted, keeping the oldest so the comment keeps its place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from budget_gate.github.client import Comment, GitHubError, ProblemKind
from budget_gate.github.identity import IdentityApi, TokenIdentity
from budget_gate.judge.report import utc_stamp
from budget_gate.models.config import CommentMode
from budget_gate.render import MARKER

MIN_BODY_CHARS = 2_000
"""The smallest body tried: the report renderer needs 1,000 characters, the stamp the rest."""
SHRINK_ATTEMPTS = 4
_STAMP = re.compile(
    r"<!-- plan-budget-gate:stamp head=(?P<head>[0-9a-f]{40}) "
    r"at=(?P<at>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) digest=(?P<digest>[0-9a-f]{16,64}) -->"
)


class CommentApi(IdentityApi, Protocol):
    def list_comments(self, number: int) -> list[Comment]: ...

    def create_comment(self, number: int, body: str) -> Comment: ...

    def edit_comment(self, comment_id: int, body: str) -> Comment: ...

    def delete_comment(self, comment_id: int) -> None: ...


@dataclass(frozen=True, slots=True)
class Stamp:
    head_sha: str
    at: datetime
    digest: str

    def render(self) -> str:
        return (
            f"<!-- plan-budget-gate:stamp head={self.head_sha} at={utc_stamp(self.at)} "
            f"digest={self.digest} -->"
        )

    @classmethod
    def find(cls, body: str) -> Stamp | None:
        """The last stamp in a comment body, if it has a valid one."""
        matches = list(_STAMP.finditer(body))
        if not matches:
            return None
        found = matches[-1]
        at = datetime.fromisoformat(found["at"].replace("Z", "+00:00"))
        return cls(head_sha=found["head"], at=at, digest=found["digest"])

    def same_content(self, other: Stamp) -> bool:
        return self.head_sha == other.head_sha and self.digest == other.digest


class CommentOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    RECREATED = "recreated"
    NEWER_EXISTS = "newer-exists"
    OFF = "off"


@dataclass(frozen=True, slots=True)
class ForeignComment:
    """A comment that carries the marker but was written by someone else: left alone."""

    author: str
    url: str


@dataclass(frozen=True, slots=True)
class CommentResult:
    outcome: CommentOutcome
    url: str | None = None
    duplicates_deleted: int = 0
    identity: str | None = None
    """The token's login, when it had to be asked."""
    foreign: tuple[ForeignComment, ...] = ()


def _sized(render: Callable[[int], str], stamp: Stamp, limit: int) -> str:
    line = stamp.render()
    return f"{render(limit - len(line) - 2).rstrip()}\n{line}\n"


def _send(send: Callable[[str], Comment], compose: Callable[[int], str], limit: int) -> Comment:
    """Send the body; when GitHub finds it too long, render it smaller and send it again."""
    for _ in range(SHRINK_ATTEMPTS):
        try:
            return send(compose(limit))
        except GitHubError as problem:
            if problem.kind is not ProblemKind.TOO_LONG or limit <= MIN_BODY_CHARS:
                raise
            limit = max(MIN_BODY_CHARS, limit * 3 // 4)
    return send(compose(MIN_BODY_CHARS))


def _delete_all(api: CommentApi, comments: list[Comment]) -> int:
    deleted = 0
    for comment in comments:
        try:
            api.delete_comment(comment.id)
            deleted += 1
        except GitHubError as problem:
            if problem.kind is not ProblemKind.NOT_FOUND:  # another run deleted it already
                raise
    return deleted


def publish_comment(
    api: CommentApi,
    *,
    number: int,
    render: Callable[[int], str],
    stamp: Stamp,
    mode: CommentMode,
    token: str,
    max_chars: int,
) -> CommentResult:
    """Create, update or recreate the sticky comment on PR `number`.

    `render(limit)` returns the report markdown in at most `limit` characters; the stamp is added
    after it, within `max_chars`.
    """
    if mode is CommentMode.OFF:
        return CommentResult(outcome=CommentOutcome.OFF)

    def compose(limit: int) -> str:
        return _sized(render, stamp, limit)

    def create(body: str) -> Comment:
        return api.create_comment(number, body)

    owner = TokenIdentity(api, token=token)
    marked = [item for item in api.list_comments(number) if MARKER in item.body]
    mine = [item for item in marked if owner.wrote(item.author)]
    found = _Found(
        identity=owner.asked,
        foreign=tuple(
            ForeignComment(author=item.author, url=item.html_url)
            for item in marked
            if item not in mine
        ),
    )
    for item in mine:
        stamped = Stamp.find(item.body)
        if stamped is not None and stamped.at > stamp.at:
            return found.result(CommentOutcome.NEWER_EXISTS, item)
    if mode is CommentMode.RECREATE:
        deleted = _delete_all(api, mine)
        created = _send(create, compose, max_chars)
        outcome = CommentOutcome.RECREATED if mine else CommentOutcome.CREATED
        return found.result(outcome, created, deleted=deleted)
    if not mine:
        return found.result(CommentOutcome.CREATED, _send(create, compose, max_chars))
    keep, duplicates = mine[0], mine[1:]
    deleted = _delete_all(api, duplicates)
    previous = Stamp.find(keep.body)
    if previous is not None and previous.same_content(stamp):
        return found.result(CommentOutcome.UNCHANGED, keep, deleted=deleted)
    try:
        edited = _send(lambda body: api.edit_comment(keep.id, body), compose, max_chars)
    except GitHubError as problem:
        if problem.kind is not ProblemKind.NOT_FOUND:
            raise
        created = _send(create, compose, max_chars)  # deleted between listing and editing
        return found.result(CommentOutcome.CREATED, created, deleted=deleted)
    return found.result(CommentOutcome.UPDATED, edited, deleted=deleted)


@dataclass(frozen=True, slots=True)
class _Found:
    """What the listing showed, carried into every result."""

    identity: str | None
    foreign: tuple[ForeignComment, ...]

    def result(
        self, outcome: CommentOutcome, comment: Comment, *, deleted: int = 0
    ) -> CommentResult:
        return CommentResult(
            outcome=outcome,
            url=comment.html_url,
            duplicates_deleted=deleted,
            identity=self.identity or comment.author,  # else learned from our own comment
            foreign=self.foreign,
        )
