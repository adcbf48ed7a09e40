"""Trailers of API commit messages: the pure parser must agree with git on every message."""

from __future__ import annotations

from pathlib import Path

import pytest

from budget_gate.git.repo import GitRepo
from budget_gate.scope.trailers import parse_trailers, subject
from gitrepo import GitRepoBuilder

MESSAGES = {
    "plain block": "Subject\n\nBody\n\nPlan-Slice: A/S1\nAgent-Run: r1\n",
    "prose after a trailer": "Subject\n\nPlan-Slice: A/S1\nthis line is prose\nand this one\n",
    "divider in the body": "Subject\n\nBody\n---\nPlan-Slice: A/S1\n",
    "divider paragraph": "Subject\n\nBody\n\n---\nPlan-Slice: A/S1\n",
    "signed-off quarter": "S\n\nB\n\nprose one\nprose two\nprose three\nSigned-off-by: A <a@b>\n",
    "signed-off too few": "S\n\nB\n\np1\np2\np3\np4\nSigned-off-by: A <a@b>\n",
    "folded value": "S\n\nB\n\nNote: a long value\n  folded onto a second line\nAgent-Run: r2\n",
    "title only": "Subject\nPlan-Slice: A/S1\n",
    "spaces before the colon": "Subject\n\nPlan-Slice : A/S1\nKey  :  spaced\n",
    "indented first line": "Subject\n\n Plan-Slice: A/S1\n",
    "cherry-pick note": "S\n\nB\n\n(cherry picked from commit abc)\nPlan-Slice: A/S1\nnot one\n",
    "comment cuts a continuation": "S\n\nB\n\nAgent-Run: r1\n# comment\n  continued?\n",
    "trailing comment": "Subject\n\nBody\n\nAgent-Run: r1\n\n\n# trailing comment\n",
    "two-line title": "Subject line one\nline two\n\nAgent-Run: r9\n",
    "co-authors": "S\n\nB\n\nCo-authored-by: Claude <noreply@anthropic.com>\nURL: https://x.y/z\n",
    "non-ascii token": "Subject\n\nBody\n\nÜber: nope\nAgent-Run: r1\n",
    "no space and empty": "Subject\n\nBody\n\nAgent-Run:r1\nEmpty:\n",
    "blank lines before": "Subject\n\n\n\nAgent-Run: r1\n",
    "whitespace line at the end": "Subject\n\nBody\n\nAgent-Run: r1\n  \n",
    "continuation then prose": "S\n\nB\n\nSigned-off-by: A <a@b>\n  cont\nprose\n",
    "crlf": "Subject\r\n\r\nBody\r\n\r\nAgent-Run: r1\r\n",
}


@pytest.fixture(scope="module")
def git_answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[object, str]]:
    """Every message committed verbatim, as `GitRepo.commits` reads it back."""
    builder = GitRepoBuilder.create(Path(tmp_path_factory.mktemp("trailers")) / "repo")
    base = builder.commit("start", allow_empty=True)
    for message in MESSAGES.values():
        builder.git(
            "commit", "-q", "--allow-empty", "--cleanup=verbatim", "-F", "-",
            stdin=message, env=builder._next_identity("Dana <dana@example.com>"),
        )  # fmt: skip
    commits = GitRepo(builder.root).commits(base, "HEAD")
    return {
        name: (commit.trailers, commit.subject)
        for name, commit in zip(MESSAGES, commits, strict=True)
    }


@pytest.mark.parametrize("name", list(MESSAGES))
def test_the_parser_agrees_with_git(name: str, git_answers: dict[str, tuple[object, str]]) -> None:
    message = MESSAGES[name]
    assert (parse_trailers(message), subject(message)) == git_answers[name]


def test_what_the_gate_relies_on() -> None:
    assert parse_trailers(MESSAGES["plain block"]) == (("Plan-Slice", "A/S1"), ("Agent-Run", "r1"))
    assert parse_trailers(MESSAGES["folded value"]) == (
        ("Note", "a long value folded onto a second line"),
        ("Agent-Run", "r2"),
    )
    assert parse_trailers(MESSAGES["prose after a trailer"]) == ()
    assert subject(MESSAGES["two-line title"]) == "Subject line one line two"
