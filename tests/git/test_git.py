"""git.py against real throwaway repositories (no mocks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from budget_gate.git import objects as git_objects
from budget_gate.git import runner as git_runner
from budget_gate.git.repo import GitRepo
from budget_gate.git.runner import GitError
from budget_gate.git.tree import GitTreeSource
from budget_gate.load.source import FileSource
from budget_gate.scope.change import ChangedFile, FileStatus
from gitrepo import GitRepoBuilder


@pytest.fixture(autouse=True)
def _no_user_git_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def builder(tmp_path: Path) -> GitRepoBuilder:
    repo = GitRepoBuilder.create(tmp_path / "repo")
    repo.write("README.md", "hello\n")
    repo.write("src/app.py", "print('app')\n" * 20)
    repo.commit("Initial commit")
    return repo


def _files(repo: GitRepo, base: str, head: str | None) -> set[ChangedFile]:
    return set(repo.changed_files(base, head))


# -- refs --------------------------------------------------------------------------------------


def test_resolve_gives_the_full_sha(builder: GitRepoBuilder) -> None:
    builder.tag("v1")
    repo = GitRepo(builder.root)
    assert repo.is_repository()
    assert repo.resolve("main") == builder.head()
    assert repo.resolve("v1") == builder.head()


def test_unknown_ref_says_how_to_fix(builder: GitRepoBuilder) -> None:
    repo = GitRepo(builder.root)
    with pytest.raises(GitError) as caught:
        repo.changed_files("origin/main", "HEAD")
    message = str(caught.value)
    assert "base 'origin/main' is not a commit in this clone" in message
    assert "fetch-depth: 0" in message
    with pytest.raises(GitError, match="head 'nope'"):
        repo.changed_files("main", "nope")
    with pytest.raises(GitError, match="ref '--output=x'"):
        repo.resolve("--output=x")


def test_a_directory_that_is_no_repository(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    assert not repo.is_repository()
    with pytest.raises(GitError, match="is not a git repository"):
        repo.resolve("HEAD")


def test_unrelated_histories_have_no_merge_base(builder: GitRepoBuilder) -> None:
    builder.git("checkout", "-q", "--orphan", "other")
    builder.write("other.txt", "x\n")
    builder.commit("Unrelated root")
    with pytest.raises(GitError, match="no common ancestor"):
        GitRepo(builder.root).merge_base("main", "other")


def test_shallow_clone_without_the_fork_point_says_fetch_depth(
    builder: GitRepoBuilder, tmp_path: Path
) -> None:
    builder.branch("feature")
    builder.write("feature.txt", "x\n")
    builder.commit("Feature")
    builder.checkout("main")
    builder.write("main.txt", "x\n")
    builder.commit("Main moves on")
    clone = tmp_path / "shallow"
    origin = f"file://{builder.root}"
    builder.git("clone", "-q", "--depth", "1", "--no-single-branch", origin, str(clone))
    repo = GitRepo(clone)
    assert repo.is_shallow()
    with pytest.raises(GitError, match=r"shallow clone; fetch the full history .*fetch-depth: 0"):
        repo.changed_files("origin/main", "origin/feature")


def test_caller_environment_cannot_redirect_git(
    builder: GitRepoBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = GitRepoBuilder.create(tmp_path / "elsewhere")
    elsewhere.write("x", "x")
    elsewhere.commit("Elsewhere")
    monkeypatch.setenv("GIT_DIR", str(elsewhere.root / ".git"))
    assert GitRepo(builder.root).resolve("HEAD") == builder.head()


def test_user_name(builder: GitRepoBuilder) -> None:
    repo = GitRepo(builder.root)
    assert repo.user_name() is None
    builder.git("config", "user.name", "Ada Lovelace")
    assert repo.user_name() == "Ada Lovelace"


# -- changed files -----------------------------------------------------------------------------


def test_merge_base_semantics_ignore_changes_made_only_on_base(builder: GitRepoBuilder) -> None:
    fork = builder.head()
    builder.branch("feature")
    builder.write("feature.txt", "feature\n")
    builder.commit("Feature work")
    builder.checkout("main")
    builder.write("main-only.txt", "main advanced\n")
    builder.write("README.md", "changed on main\n")
    builder.commit("Main moves on")

    repo = GitRepo(builder.root)
    assert repo.merge_base("main", "feature") == fork
    assert _files(repo, "main", "feature") == {
        ChangedFile(path="feature.txt", status=FileStatus.ADDED)
    }


def test_modified_deleted_and_renamed(builder: GitRepoBuilder) -> None:
    base = builder.head()
    builder.write("README.md", "changed\n")
    builder.delete("src/app.py")
    builder.write("docs/old name.md", "the same text, long enough to be recognised\n" * 5)
    builder.commit("Add doc")
    middle = builder.head()
    builder.rename("docs/old name.md", "docs/new name.md")
    builder.commit("Rename doc")

    repo = GitRepo(builder.root)
    assert _files(repo, middle, "HEAD") == {
        ChangedFile(
            path="docs/new name.md", status=FileStatus.RENAMED, previous_path="docs/old name.md"
        )
    }
    assert _files(repo, base, "HEAD") == {
        ChangedFile(path="README.md", status=FileStatus.MODIFIED),
        ChangedFile(path="src/app.py", status=FileStatus.DELETED),
        ChangedFile(path="docs/new name.md", status=FileStatus.ADDED),
    }


def test_paths_with_spaces_unicode_and_odd_characters(builder: GitRepoBuilder) -> None:
    base = builder.head()
    odd = ["plans/Ärger ü/plan.yaml", "docs/日本語.md", "a\ttab.txt", 'quote"s.txt', "-dash.txt"]
    for path in odd:
        builder.write(path, f"{path}\n")
    builder.commit("Odd names")
    changed = GitRepo(builder.root).changed_files(base, "HEAD")
    assert {item.path for item in changed} == set(odd)
    assert all(item.status is FileStatus.ADDED for item in changed)


def test_working_tree_mode_includes_uncommitted_and_untracked(builder: GitRepoBuilder) -> None:
    builder.branch("feature")
    builder.write("committed.txt", "on the branch\n")
    builder.commit("Branch commit")
    builder.write(".gitignore", "*.log\n")
    builder.write("README.md", "edited, not staged\n")
    builder.write("staged.txt", "staged\n")
    builder.git("add", "staged.txt")
    builder.write("new dir/untracked ü.txt", "untracked\n")
    builder.write("debug.log", "ignored\n")
    (builder.root / "src" / "app.py").unlink()

    repo = GitRepo(builder.root)
    assert repo.changed_files("main", None) == (
        ChangedFile(path=".gitignore", status=FileStatus.ADDED),
        ChangedFile(path="README.md", status=FileStatus.MODIFIED),
        ChangedFile(path="committed.txt", status=FileStatus.ADDED),
        ChangedFile(path="new dir/untracked ü.txt", status=FileStatus.ADDED),
        ChangedFile(path="src/app.py", status=FileStatus.DELETED),
        ChangedFile(path="staged.txt", status=FileStatus.ADDED),
    )
    # Reading the working tree must not touch the index.
    assert builder.git("diff", "--cached", "--name-only") == "staged.txt"


def test_working_tree_mode_sees_a_staged_rename(builder: GitRepoBuilder) -> None:
    builder.rename("src/app.py", "src/main.py")
    assert GitRepo(builder.root).changed_files("main", None) == (
        ChangedFile(path="src/main.py", status=FileStatus.RENAMED, previous_path="src/app.py"),
    )


def test_working_tree_mode_uses_the_merge_base(builder: GitRepoBuilder) -> None:
    builder.branch("feature")
    builder.checkout("main")
    builder.write("main-only.txt", "x\n")
    builder.commit("Main moves on")
    builder.checkout("feature")
    builder.write("wip.txt", "work in progress\n")
    assert GitRepo(builder.root).changed_files("main", None) == (
        ChangedFile(path="wip.txt", status=FileStatus.ADDED),
    )


# -- commits and trailers ----------------------------------------------------------------------


def test_commits_with_trailers_as_git_parses_them(builder: GitRepoBuilder) -> None:
    base = builder.head()
    first = builder.commit(
        "Build slice S1: budgets | calculator",
        body="Implements the calculator.\nPlan-Slice: NOT/IN-BODY is prose, not a trailer\n\n"
        "More prose.",
        trailers=[
            ("Plan-Slice", "IMP-COST-01/S1"),
            ("Plan-Slice", "IMP-COST-01/S2"),
            ("Agent-Run", "run-2024-001"),
            ("Co-authored-by", "Claude <noreply@anthropic.com>"),
            ("Co-authored-by", "Ada <ada@example.com>"),
        ],
        author="Human Dev <dev@example.com>",
        allow_empty=True,
    )
    folded_message_trailers = [
        ("Agent-Run", "run-2024-002"),
        ("Note", "a long value\n  folded onto a second line"),
        ("Signed-off-by", "Human Dev <dev@example.com>"),
    ]
    second = builder.commit(
        "Second",
        trailers=folded_message_trailers,
        author="Codex <codex@openai.com>",
        allow_empty=True,
    )
    third = builder.commit(
        "No trailers", body="The reason: a colon in prose is no trailer", allow_empty=True
    )

    commits = GitRepo(builder.root).commits(base, "HEAD")
    assert [commit.sha for commit in commits] == [first, second, third]
    one, two, three = commits
    assert one.author == "Human Dev <dev@example.com>"
    assert one.subject == "Build slice S1: budgets | calculator"
    assert one.trailer_values("plan-slice") == ["IMP-COST-01/S1", "IMP-COST-01/S2"]
    assert one.trailer_values("Agent-Run") == ["run-2024-001"]
    assert one.co_authors == ["Claude <noreply@anthropic.com>", "Ada <ada@example.com>"]
    assert two.author == "Codex <codex@openai.com>"
    assert two.trailers == (
        ("Agent-Run", "run-2024-002"),
        ("Note", "a long value folded onto a second line"),
        ("Signed-off-by", "Human Dev <dev@example.com>"),
    )
    assert three.trailers == ()


def test_a_trailer_block_git_rejects_yields_no_trailers(builder: GitRepoBuilder) -> None:
    # A last paragraph that is mostly prose, without a git-generated trailer, is no trailer
    # block for git; the gate takes git's word for it.
    base = builder.head()
    builder.commit(
        "Prose ending",
        body="Plan-Slice: A/S1\nthis line is prose\nand so is this one",
        allow_empty=True,
    )
    (commit,) = GitRepo(builder.root).commits(base, "HEAD")
    assert commit.trailers == ()


def test_merge_commits_are_left_out(builder: GitRepoBuilder) -> None:
    base = builder.head()
    builder.branch("feature")
    work = builder.commit("Feature", trailers=[("Agent-Run", "r1")], allow_empty=True)
    builder.checkout("main")
    builder.write("main.txt", "x\n")
    on_main = builder.commit("Main moves on")
    builder.checkout("feature")
    builder.merge("main", message="Merge branch 'main' into feature")
    commits = GitRepo(builder.root).commits(base, "feature")
    assert {commit.sha for commit in commits} == {work, on_main}
    assert GitRepo(builder.root).commits(on_main, "feature")[0].sha == work


# -- reading a commit --------------------------------------------------------------------------


@pytest.fixture
def tree_repo(builder: GitRepoBuilder) -> GitRepoBuilder:
    builder.write("plans/A/plan.yaml", "plan_id: A\n")
    builder.write("plans/Ü b/plan.yaml", "plan_id: UB\nrun_id: r-42\n")
    builder.write("plans/A/usage/run.yaml", "run_id: r-1\n")
    builder.write("big.yaml", "x" * 2048)
    builder.write("bin.dat", b"\x00\x01needle\x00")
    builder.symlink("plans/link.yaml", "A/plan.yaml")
    builder.commit("Artifacts")
    # A submodule is a `commit` entry in the tree; it is no file.
    builder.git("update-index", "--add", "--cacheinfo", f"160000,{builder.head()},vendor/sub")
    builder.commit("Add a submodule entry", stage_all=False)
    return builder


def test_tree_source_lists_files_and_symlinks_not_submodules(tree_repo: GitRepoBuilder) -> None:
    source: FileSource = GitTreeSource(repo=GitRepo(tree_repo.root), rev="HEAD")
    paths = source.list_paths()
    assert "plans/Ü b/plan.yaml" in paths
    assert "plans/link.yaml" in paths
    assert "vendor/sub" not in paths


def test_tree_source_reads_the_commit_not_the_working_tree(tree_repo: GitRepoBuilder) -> None:
    commit = tree_repo.head()
    tree_repo.write("plans/A/plan.yaml", "plan_id: CHANGED\n")
    tree_repo.commit("Change plan")
    source = GitTreeSource(repo=GitRepo(tree_repo.root), rev=commit)
    assert source.commit == commit
    results = source.read_many(
        ["plans/A/plan.yaml", "plans/Ü b/plan.yaml", "bin.dat", "plans/A/plan.yaml"],
        max_bytes=1000,
    )
    assert list(results) == ["plans/A/plan.yaml", "plans/Ü b/plan.yaml", "bin.dat"]
    assert results["plans/A/plan.yaml"].data == b"plan_id: A\n"
    assert results["plans/Ü b/plan.yaml"].data == b"plan_id: UB\nrun_id: r-42\n"
    assert results["bin.dat"].data == b"\x00\x01needle\x00"


def test_tree_source_problems_name_the_fix(tree_repo: GitRepoBuilder) -> None:
    source = GitTreeSource(repo=GitRepo(tree_repo.root), rev="HEAD")
    results = source.read_many(
        ["plans/link.yaml", "big.yaml", "missing.yaml", "vendor/sub"], max_bytes=1000
    )
    assert results["plans/link.yaml"].data is None
    assert results["plans/link.yaml"].problem == (
        "plans/link.yaml is a symbolic link; the gate reads artifacts only from regular files"
    )
    big = results["big.yaml"].problem
    assert big is not None
    assert "2,048 bytes" in big
    assert "limits.max_file_bytes" in big
    assert results["missing.yaml"].problem is not None
    assert results["vendor/sub"].problem is not None
    assert source.read_many([], max_bytes=10) == {}


def test_paths_containing(tree_repo: GitRepoBuilder) -> None:
    source = GitTreeSource(repo=GitRepo(tree_repo.root), rev="HEAD")
    among = source.list_paths()
    assert source.paths_containing(["r-42", "r-1"], among) == [
        "plans/A/usage/run.yaml",
        "plans/Ü b/plan.yaml",
    ]
    # restricted to `among`; symlinks and binary junk are judged like read_many would
    assert source.paths_containing(["r-42", "r-1"], ["plans/A/usage/run.yaml"]) == [
        "plans/A/usage/run.yaml"
    ]
    assert source.paths_containing(["plan_id: A"], among) == ["plans/A/plan.yaml"]
    assert source.paths_containing(["--not-an-option"], among) == []
    assert source.paths_containing([], among) == []
    assert source.paths_containing(["x"], ["missing.yaml"]) == []
    with pytest.raises(ValueError, match="single-line"):
        source.paths_containing(["two\nlines"], among)


def test_paths_containing_splits_long_path_lists(
    builder: GitRepoBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(30):
        builder.write(f"reports/run-{index:02d}.yaml", f"run_id: run-{index:02d}\n")
    builder.commit("Reports")
    monkeypatch.setattr(git_objects, "_ARGV_BUDGET", 100)  # a few paths per git grep
    source = GitTreeSource(repo=GitRepo(builder.root), rev="HEAD")
    among = sorted(path for path in source.list_paths() if path.startswith("reports/"))
    assert source.paths_containing(["run-03", "run-27"], among) == [
        "reports/run-03.yaml",
        "reports/run-27.yaml",
    ]


def test_redaction_of_credentials() -> None:
    text = "fatal: https://x-access-token:ghs_abcdefghijklmnopqrstuvwx@github.com/o/r failed"
    redacted = git_runner._redact(text)
    assert "ghs_" not in redacted
    assert "x-access-token" not in redacted
    assert "https://github.com/o/r" in redacted
