"""The sticky comment's rules against an in-memory comment API (the HTTP tests cover the wire)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from budget_gate.github.client import Comment, GitHubError, ProblemKind
from budget_gate.github.comment import (
    MIN_BODY_CHARS,
    SHRINK_ATTEMPTS,
    CommentOutcome,
    Stamp,
    publish_comment,
)
from budget_gate.models.config import CommentMode
from budget_gate.render import MARKER

STAMP = Stamp(head_sha="a" * 40, at=datetime(2026, 3, 1, 10, tzinfo=UTC), digest="0123456789abcdef")


class MemoryComments:
    """Comments in a dict; `refuse_longer_than` makes GitHub find bodies too long."""

    def __init__(
        self,
        *,
        login: str | None = None,
        viewer: str | None = "github-actions[bot]",
        refuse_longer_than: int = 65_536,
    ) -> None:
        self.comments: dict[int, Comment] = {}
        self.login = login
        self.viewer = viewer
        self.limit = refuse_longer_than
        self.sent: list[int] = []

    def add(self, body: str, *, author: str = "github-actions[bot]") -> int:
        comment_id = len(self.comments) + 1
        self.comments[comment_id] = Comment(comment_id, body, author, f"url/{comment_id}")
        return comment_id

    def list_comments(self, number: int) -> list[Comment]:
        return list(self.comments.values())

    def _check(self, body: str) -> None:
        self.sent.append(len(body))
        if len(body) > self.limit:
            raise GitHubError(kind=ProblemKind.TOO_LONG, action="x", status=422, detail="too long")

    def create_comment(self, number: int, body: str) -> Comment:
        self._check(body)
        comment_id = self.add(body)
        return self.comments[comment_id]

    def edit_comment(self, comment_id: int, body: str) -> Comment:
        self._check(body)
        old = self.comments[comment_id]
        self.comments[comment_id] = Comment(comment_id, body, old.author, old.html_url)
        return self.comments[comment_id]

    def delete_comment(self, comment_id: int) -> None:
        del self.comments[comment_id]

    def authenticated_login(self) -> str:
        if self.login is None:
            raise GitHubError(kind=ProblemKind.FORBIDDEN, action="x", status=403, detail="no")
        return self.login

    def viewer_login(self) -> str:
        if self.viewer is None:
            raise GitHubError(kind=ProblemKind.REJECTED, action="x", status=400, detail="no")
        return self.viewer


def report(limit: int) -> str:
    """A report that fills whatever budget it gets, as a large one does."""
    text = f"## report\n{'x' * (limit - 50)}\n{MARKER}\n"
    assert len(text) <= limit
    return text


def test_the_stamp_reads_back_what_it_wrote() -> None:
    body = f"text\n{STAMP.render()}\n"
    assert Stamp.find(body) == STAMP
    assert STAMP.render() == (
        f"<!-- plan-budget-gate:stamp head={'a' * 40} at=2026-03-01T10:00:00Z "
        "digest=0123456789abcdef -->"
    )
    assert Stamp.find("no stamp here") is None


def test_a_body_refused_as_too_long_shrinks_until_the_floor_then_fails() -> None:
    api = MemoryComments(refuse_longer_than=100)

    with pytest.raises(GitHubError) as caught:
        publish_comment(
            api,
            number=2,
            render=report,
            stamp=STAMP,
            mode=CommentMode.UPDATE,
            token="ghs_x",
            max_chars=65_000,
        )

    assert caught.value.kind is ProblemKind.TOO_LONG
    assert len(api.sent) <= SHRINK_ATTEMPTS + 1
    assert api.sent == sorted(api.sent, reverse=True)
    assert api.sent[0] <= 65_000 and api.sent[-1] <= MIN_BODY_CHARS


def test_every_body_fits_the_budget_with_its_stamp() -> None:
    api = MemoryComments()

    result = publish_comment(
        api, number=2, render=report, stamp=STAMP, mode=CommentMode.UPDATE, token="ghs_x",
        max_chars=65_000,
    )  # fmt: skip

    assert result.outcome is CommentOutcome.CREATED
    (body,) = (item.body for item in api.comments.values())
    assert len(body) <= 65_000 and body.endswith(STAMP.render() + "\n")


def test_a_token_whose_user_cannot_be_read_is_known_by_its_graphql_viewer() -> None:
    """An installation token in another format: `GET /user` is 403, GraphQL names it."""
    api = MemoryComments(login=None, viewer="budget-gate-app[bot]")
    ours = api.add(f"old\n{MARKER}\n", author="budget-gate-app[bot]")
    api.add(f"pasted\n{MARKER}\n", author="mallory")
    other_bot = api.add(f"other\n{MARKER}\n", author="github-actions[bot]")

    result = publish_comment(
        api, number=2, render=report, stamp=STAMP, mode=CommentMode.UPDATE,
        token="0123456789abcdef0123456789abcdef01234567", max_chars=10_000,
    )  # fmt: skip

    assert (result.outcome, result.identity) == (CommentOutcome.UPDATED, "budget-gate-app[bot]")
    assert api.comments[ours].body.endswith(STAMP.render() + "\n")
    assert api.comments[2].body == f"pasted\n{MARKER}\n"
    assert api.comments[other_bot].body == f"other\n{MARKER}\n"
    assert [item.author for item in result.foreign] == ["mallory", "github-actions[bot]"]


def test_when_graphql_cannot_say_the_identity_is_the_workflows_own_token() -> None:
    api = MemoryComments(viewer=None)
    ours = api.add(f"old\n{MARKER}\n")  # github-actions[bot]
    api.add(f"later\n{MARKER}\n{Stamp('b' * 40, STAMP.at.replace(year=2099), 'f' * 16).render()}",
            author="renovate[bot]")  # fmt: skip

    result = publish_comment(
        api, number=2, render=report, stamp=STAMP, mode=CommentMode.UPDATE, token="ghs_x",
        max_chars=10_000,
    )  # fmt: skip

    assert (result.outcome, result.identity) == (CommentOutcome.UPDATED, "github-actions[bot]")
    assert api.comments[ours].body.endswith(STAMP.render() + "\n")


def test_with_no_marked_comment_the_identity_is_learned_from_the_comment_created() -> None:
    api = MemoryComments(viewer=None)
    result = publish_comment(
        api, number=2, render=report, stamp=STAMP, mode=CommentMode.UPDATE, token="ghs_x",
        max_chars=10_000,
    )  # fmt: skip
    assert (result.outcome, result.identity, result.foreign) == (
        CommentOutcome.CREATED,
        "github-actions[bot]",
        (),
    )
