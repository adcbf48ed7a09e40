"""Release tags in git.py against real throwaway repositories: which tag a release starts after."""

from __future__ import annotations

from pathlib import Path

import pytest

from budget_gate.git.repo import GitRepo
from budget_gate.git.tags import Tag
from gitrepo import GitRepoBuilder

TAGGER = {"GIT_COMMITTER_NAME": "Rel Manager", "GIT_COMMITTER_EMAIL": "rel@example.com"}


@pytest.fixture(autouse=True)
def _no_user_git_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def annotated(builder: GitRepoBuilder, name: str, ref: str = "HEAD", *, date: int) -> None:
    builder.git(
        "tag",
        "-a",
        name,
        "-m",
        f"Release {name}",
        ref,
        env={**TAGGER, "GIT_COMMITTER_DATE": f"{date} +0000"},
    )


@pytest.fixture
def builder(tmp_path: Path) -> GitRepoBuilder:
    return GitRepoBuilder.create(tmp_path / "repo")


def _commit(builder: GitRepoBuilder, name: str) -> str:
    builder.write(f"{name}.txt", f"{name}\n")
    return builder.commit(name)


def test_annotated_and_lightweight_tags_are_peeled_to_their_commits(
    builder: GitRepoBuilder,
) -> None:
    first = _commit(builder, "one")
    builder.tag("v1.0.0")  # lightweight
    second = _commit(builder, "two")
    annotated(builder, "v1.1.0", date=1_800_000_000)
    annotated(builder, "v1.1.0-again", "v1.1.0", date=1_800_000_100)  # a tag of a tag
    builder.tag("other-1")
    builder.git("tag", "tree-tag", "HEAD^{tree}")  # not a commit: never a release

    repo = GitRepo(builder.root)
    assert repo.tags("v*") == (
        Tag(name="v1.1.0-again", commit=second),
        Tag(name="v1.1.0", commit=second),
        Tag(name="v1.0.0", commit=first),
    )
    assert repo.tags("other-*") == (Tag(name="other-1", commit=second),)
    assert repo.tags("tree-tag") == ()
    assert repo.tags("nothing*") == ()
    assert repo.tags("v*", merged_into=first) == (Tag(name="v1.0.0", commit=first),)


def test_previous_tag_skips_the_tag_on_the_release_commit(builder: GitRepoBuilder) -> None:
    first = _commit(builder, "one")
    annotated(builder, "v1.0.0", date=1_700_000_100)
    _commit(builder, "two")
    builder.tag("v1.1.0")  # lightweight, on the release commit itself
    repo = GitRepo(builder.root)

    assert repo.previous_tag("v1.1.0", "v*") == Tag(name="v1.0.0", commit=first)
    assert repo.previous_tag("HEAD", "v*") == Tag(name="v1.0.0", commit=first)
    assert repo.previous_tag("v1.0.0", "v*") is None  # the first release


def test_previous_tag_of_an_annotated_release_after_a_lightweight_one(
    builder: GitRepoBuilder,
) -> None:
    first = _commit(builder, "one")
    builder.tag("v1.0.0")
    _commit(builder, "two")
    _commit(builder, "three")
    annotated(builder, "v2.0.0", date=1_700_000_500)
    repo = GitRepo(builder.root)
    assert repo.previous_tag("v2.0.0", "v*") == Tag(name="v1.0.0", commit=first)


def test_previous_tag_is_the_nearest_not_the_newest(builder: GitRepoBuilder) -> None:
    """A tag created later on an older commit must not hide the release right before."""
    old = _commit(builder, "one")
    middle = _commit(builder, "two")
    builder.tag("v1.1.0")
    _commit(builder, "three")
    # Tagged last (the newest creator date) but on the oldest commit.
    annotated(builder, "v1.0.0", old, date=1_900_000_000)
    repo = GitRepo(builder.root)
    assert repo.previous_tag("HEAD", "v*") == Tag(name="v1.1.0", commit=middle)


def test_previous_tag_honours_the_pattern(builder: GitRepoBuilder) -> None:
    first = _commit(builder, "one")
    builder.tag("release/1")
    _commit(builder, "two")
    builder.tag("v-not-a-release-pattern")
    repo = GitRepo(builder.root)
    assert repo.previous_tag("HEAD", "release/*") == Tag(name="release/1", commit=first)
    assert repo.previous_tag("HEAD", "nope*") is None


def test_previous_tag_across_a_merge_takes_the_newest_nearest(builder: GitRepoBuilder) -> None:
    _commit(builder, "base")
    builder.tag("v1.0.0")
    builder.branch("release-1.0")
    hotfix = _commit(builder, "hotfix")
    builder.tag("v1.0.1")
    builder.checkout("main")
    feature = _commit(builder, "feature")
    annotated(builder, "v1.1.0-rc1", date=1_700_010_000)
    builder.merge("release-1.0")
    repo = GitRepo(builder.root)
    # Both v1.0.1 and v1.1.0-rc1 are nearest (neither contains the other); v1.0.0 is behind both.
    assert repo.previous_tag("HEAD", "v*") == Tag(name="v1.1.0-rc1", commit=feature)
    assert hotfix != feature


def test_commits_without_a_base_are_the_whole_history(builder: GitRepoBuilder) -> None:
    one = _commit(builder, "one")
    builder.branch("side")
    side = _commit(builder, "side")
    builder.checkout("main")
    two = _commit(builder, "two")
    builder.merge("side")
    repo = GitRepo(builder.root)
    everything = [commit.sha for commit in repo.commits(None, "HEAD")]
    assert everything[0] == one  # oldest first; the merge commit itself is left out
    assert sorted(everything) == sorted([one, side, two])
    assert sorted(commit.sha for commit in repo.commits(one, "HEAD")) == sorted([side, two])
