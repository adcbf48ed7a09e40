"""The first-parent history as the ledger reads it: each commit with its author time, trailers
and its changes against its first parent, blob IDs included."""

from __future__ import annotations

import pytest

from budget_gate.git.history import default_branch, first_parent_history
from gitrepo import GitRepoBuilder, isolated_git_env


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in isolated_git_env().items():
        monkeypatch.setenv(key, value)


def test_merges_count_once_with_everything_they_brought(repo: GitRepoBuilder) -> None:
    repo.set_time(1_767_225_600)  # 2026-01-01T00:00:00Z
    repo.write_many({"a.txt": "a\n", "dir/b.txt": "b\n"})
    root = repo.commit("Root")
    repo.branch("feature")
    repo.write("feature.txt", "f\n")
    repo.commit("On the branch", trailers=[("Agent-Run", "r1"), ("Plan-Slice", "P/S1")])
    repo.write("more.txt", "m\n")
    repo.commit("More on the branch")
    repo.checkout("main")
    repo.write("a.txt", "a2\n")
    repo.commit("On main")
    merge = repo.merge("feature")
    repo.rename("dir/b.txt", "dir/c.txt")
    repo.delete("more.txt")
    last = repo.commit("Rename and delete")

    commits = first_parent_history(repo.root, "HEAD")
    assert [c.subject for c in commits] == ["Root", "On main", "Merge feature", "Rename and delete"]
    assert commits[0].sha == root and commits[0].parent is None
    assert commits[2].sha == merge and commits[2].parent == commits[1].sha
    assert commits[0].authored_at == 1_767_225_600
    assert commits[0].author == "Test Author <author@example.com>"
    # The merge's changes are the branch's, against main before it: both files.
    assert sorted(c.path for c in commits[2].changes) == ["feature.txt", "more.txt"]
    blob = repo.git("rev-parse", "HEAD:dir/c.txt")
    changes = {c.path: (c.before, c.after) for c in commits[3].changes}
    assert changes == {
        "dir/b.txt": (blob, None),  # a rename is a deletion and an addition
        "dir/c.txt": (None, blob),
        "more.txt": (repo.git("rev-parse", f"{merge}:more.txt"), None),
    }
    assert [c.sha for c in first_parent_history(repo.root, "HEAD", after=merge)] == [last]
    # Trailers of a commit on the branch are not on the first-parent line.
    assert all(c.trailers == () for c in commits)


def test_trailers_symlinks_and_odd_paths(repo: GitRepoBuilder) -> None:
    repo.write("weird name\twith tab.yaml", "x: 1\n")
    repo.symlink("link.yaml", "weird name\twith tab.yaml")
    repo.commit("Odd", trailers=[("Agent-Run", "run-1"), ("Co-authored-by", "Bot <b@x>")])
    (commit,) = first_parent_history(repo.root, "HEAD")
    assert commit.trailers == (("Agent-Run", "run-1"), ("Co-authored-by", "Bot <b@x>"))
    changes = {c.path: c.after for c in commit.changes}
    assert changes["weird name\twith tab.yaml"] is not None
    assert changes["link.yaml"] is None  # a symlink is no artifact file


def test_default_branch_is_origin_head_when_known(repo: GitRepoBuilder) -> None:
    repo.write("a", "a\n")
    repo.commit("A")
    assert default_branch(repo.root) == "HEAD"
    repo.git("update-ref", "refs/remotes/origin/trunk", "HEAD")
    repo.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
    assert default_branch(repo.root) == "refs/remotes/origin/trunk"
