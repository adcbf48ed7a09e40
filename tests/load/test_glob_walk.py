"""Finding artifact files by glob without listing the repository: GlobWalk and both sources."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budget_gate.git import objects as git_objects
from budget_gate.git.repo import GitRepo
from budget_gate.git.tree import GitTreeSource
from budget_gate.load.glob_walk import EnterRule, GlobWalk, WalkingSource
from budget_gate.load.worktree import WorktreeSource
from budget_gate.scope.globs import GlobError, match_glob
from gitrepo import GitRepoBuilder

DEFAULT_GLOBS = [
    "plans/*/plan.md",
    "plans/*/plan.yaml",
    "plans/*/estimation.yaml",
    "docs/artifacts/plan-resource-estimation.yaml",
    "plans/*/usage/*.yaml",
    "docs/artifacts/developer-agent-usage-report.yaml",
]


@pytest.fixture(autouse=True)
def _no_user_git_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


# -- which directories a walk opens --------------------------------------------------------------


@pytest.mark.parametrize(
    ("glob", "directory", "expected"),
    [
        ("plans/*/plan.md", "plans", True),
        ("plans/*/plan.md", "plans/P1", True),
        ("plans/*/plan.md", "plans/P1/usage", False),  # a match is never that deep
        ("plans/*/plan.md", "src", False),
        ("plans/*/usage/*.yaml", "plans/P1/usage", True),
        ("plans/*/usage/*.yaml", "plans/P1/usage/old", False),
        ("plan.yaml", "plans", False),  # a top-level file needs no directory
        ("docs/", "docs/a/b/c", True),  # `docs/` is `docs/**`
        ("src/**/test_*.py", "src/a/b/c", True),
        ("src/**/test_*.py", "lib", False),
        ("**/usage/*.yaml", "anything/at/all", True),
        ("a/[bc]/x.yaml", "a/b", True),
        ("a/[bc]/x.yaml", "a/d", False),
        ("a\\*b/x.yaml", "a*b", True),  # an escaped `*` is a literal star
        ("a\\*b/x.yaml", "axb", False),
    ],
)
def test_may_contain(glob: str, directory: str, expected: bool) -> None:
    assert GlobWalk([glob]).may_contain(directory) is expected


def test_any_glob_may_open_a_directory() -> None:
    walk = GlobWalk(["plans/*/plan.md", "docs/artifacts/*.yaml"])
    assert walk.may_contain("docs/artifacts")
    assert walk.may_contain("plans/P1")
    assert not walk.may_contain("docs/other")


_SEGMENTS = st.sampled_from(["a", "b", "ab", "*", "**", "?", "a*", "[ab]", "[!a]", "x.yaml"])
_NAMES = st.sampled_from(["a", "b", "ab", "ba", "x.yaml", "a.yaml", "c"])


@settings(max_examples=400, deadline=None)
@given(
    glob=st.lists(_SEGMENTS, min_size=1, max_size=5).map("/".join),
    path=st.lists(_NAMES, min_size=1, max_size=6).map("/".join),
)
def test_a_walk_never_skips_a_directory_that_holds_a_match(glob: str, path: str) -> None:
    try:
        matched = match_glob(glob, path)
    except GlobError:
        return
    if matched:
        walk = GlobWalk([glob])
        parts = path.split("/")
        for depth in range(1, len(parts)):
            assert walk.may_contain("/".join(parts[:depth])), (glob, path, depth)


def test_filter_applies_the_callers_pruning_to_every_ancestor() -> None:
    walk = GlobWalk(["plans/*/usage/*.yaml", "plans/*/plan.md"])
    paths = [
        "plans/A/plan.md",
        "plans/A/usage/r1.yaml",
        "plans/B/plan.md",
        "plans/B/usage/r2.yaml",
        "src/app.py",
    ]
    assert walk.filter(paths) == paths[:4]
    # a pruned directory hides everything below it, plan files included
    assert walk.filter(paths, enter=lambda directory: directory != "plans/B") == paths[:2]


# -- both sources find the same files as their full listing, filtered ---------------------------


def _layout(root: Path) -> None:
    files = {
        "plans/A/plan.md": "---\nplan_id: A\n---\n",
        "plans/A/estimation.yaml": "estimates: []\n",
        "plans/A/usage/r-1.yaml": "run_id: r-1\n",
        "plans/A/usage/old/r-0.yaml": "run_id: r-0\n",
        "plans/B c/plan.yaml": "plan_id: B\n",
        "plans/B c/usage/r-2.yaml": "run_id: r-2\n",
        "plans/Ü/usage/r-3.yaml": "run_id: r-3\n",
        "plans/star*/usage/r-4.yaml": "run_id: r-4\n",
        "plans/plan.md": "not in a plan directory\n",
        "docs/artifacts/developer-agent-usage-report.yaml": "reports: []\n",
        "docs/artifacts/other.yaml": "x: 1\n",
        "src/app.py": "print('app')\n",
        "node_modules/plans/X/plan.md": "---\nplan_id: X\n---\n",
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    os.symlink("A", root / "plans/linked")  # a symlinked directory is never entered
    os.symlink("../A/plan.md", root / "plans/B c/usage/link.yaml")  # a symlinked file is listed


WALKS = [
    (DEFAULT_GLOBS, None),
    (["plans/*/plan.md", "plans/*/plan.yaml"], None),
    (["plans/*/usage/*.yaml"], lambda directory: not directory.startswith("plans/A")),
    (["**/*.yaml"], None),
    (["plans/**"], lambda directory: directory != "plans/B c"),
    (["docs/artifacts/developer-agent-usage-report.yaml"], None),
]


@pytest.mark.parametrize(("globs", "enter"), WALKS)
def test_worktree_walk_equals_its_filtered_listing(
    tmp_path: Path, globs: list[str], enter: EnterRule | None
) -> None:
    _layout(tmp_path)
    source = WorktreeSource(tmp_path)
    assert isinstance(source, WalkingSource)
    walk = GlobWalk(globs)
    expected = walk.filter(source.list_paths(), enter)
    assert expected  # every case finds something
    assert source.paths_matching(walk, enter=enter) == expected


@pytest.mark.parametrize(("globs", "enter"), WALKS)
def test_git_walk_equals_its_filtered_listing(
    tmp_path: Path, globs: list[str], enter: EnterRule | None
) -> None:
    builder = GitRepoBuilder.create(tmp_path / "repo")
    _layout(builder.root)
    builder.commit("Artifacts")
    builder.git("update-index", "--add", "--cacheinfo", f"160000,{builder.head()},plans/A/usage/s")
    builder.commit("A submodule entry where a report could be", stage_all=False)
    source = GitTreeSource(GitRepo(builder.root), "HEAD")
    walk = GlobWalk(globs)
    walked = source.paths_matching(walk, enter=enter)
    assert walked == walk.filter(GitTreeSource(GitRepo(builder.root), "HEAD").list_paths(), enter)
    assert walked


def test_git_walk_reads_only_the_trees_its_globs_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builder = GitRepoBuilder.create(tmp_path / "repo")
    _layout(builder.root)
    builder.commit("Artifacts")
    opened: list[str] = []
    source = GitTreeSource(GitRepo(builder.root), "HEAD")
    read_trees = GitRepo.read_trees

    def spy(self: GitRepo, names: list[str]) -> list[object]:
        opened.extend(names)
        return read_trees(self, names)  # type: ignore[return-value]

    monkeypatch.setattr(GitRepo, "read_trees", spy)
    monkeypatch.setattr(GitRepo, "tree_entries", lambda *_: pytest.fail("listed everything"))
    found = source.paths_matching(GlobWalk(["plans/*/plan.md", "plans/*/plan.yaml"]))
    assert found == ["plans/A/plan.md", "plans/B c/plan.yaml"]
    tree = {
        path: builder.git("rev-parse", f"HEAD:{path}")
        for path in ["plans", "plans/A", "plans/A/usage", "plans/B c", "src"]
    }
    assert tree["plans"] in opened
    assert tree["plans/A"] in opened
    assert tree["plans/A/usage"] not in opened  # plans sit one level down; usage is never read
    assert tree["src"] not in opened
    # a second walk reuses the trees already read
    opened.clear()
    source.paths_matching(GlobWalk(["plans/*/plan.md"]))
    assert opened == []


def test_git_reads_without_listing_the_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builder = GitRepoBuilder.create(tmp_path / "repo")
    _layout(builder.root)
    builder.write("big.yaml", "x" * 2048)
    builder.commit("Artifacts")
    monkeypatch.setattr(GitRepo, "tree_entries", lambda *_: pytest.fail("listed everything"))
    monkeypatch.setattr(git_objects, "_ARGV_BUDGET", 60)  # a couple of paths per lookup
    source = GitTreeSource(GitRepo(builder.root), "HEAD")
    wanted = ["plans/A/usage/r-1.yaml", "plans/Ü/usage/r-3.yaml", "big.yaml"]
    wanted += ["plans/B c/usage/link.yaml", "plans/nope.yaml", "plans/A"]
    results = source.read_many(
        wanted,
        max_bytes=1000,
    )
    assert results["plans/A/usage/r-1.yaml"].data == b"run_id: r-1\n"
    assert results["plans/Ü/usage/r-3.yaml"].data == b"run_id: r-3\n"
    assert "2,048 bytes, over the 1,000-byte limit" in (results["big.yaml"].problem or "")
    assert "symbolic link" in (results["plans/B c/usage/link.yaml"].problem or "")
    assert "is not a file at commit" in (results["plans/nope.yaml"].problem or "")
    assert "is not a file at commit" in (results["plans/A"].problem or "")  # a directory
