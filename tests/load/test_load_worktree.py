"""The working tree as a file source: listing, size limits, symlinks that escape, missing files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from budget_gate.load.records import ArtifactKind, load_artifact
from budget_gate.load.source import FileSource, ReadResult
from budget_gate.load.worktree import WorktreeSource, format_size
from locations import CORPUS

MIB = 1024 * 1024


def write(root: Path, relative: str, data: bytes | str = b"x: 1\n") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def read_one(root: Path, relative: str, max_bytes: int = MIB) -> ReadResult:
    return WorktreeSource(root).read_many([relative], max_bytes=max_bytes)[relative]


def test_it_is_a_file_source(tmp_path: Path) -> None:
    source: FileSource = WorktreeSource(tmp_path)
    assert source.list_paths() == []


def test_list_paths_is_sorted_posix_and_skips_tool_directories(tmp_path: Path) -> None:
    for relative in [
        "plans/b/plan.md",
        "plans/a/usage/run-1.yaml",
        ".github/plan-budget-gate.yml",
        "README.md",
        ".git/config",
        ".venv/lib/site.py",
        "web/node_modules/pkg/index.js",
        "src/__pycache__/x.pyc",
        "src/deep/.git/HEAD",
    ]:
        write(tmp_path, relative)
    assert WorktreeSource(tmp_path).list_paths() == [
        ".github/plan-budget-gate.yml",
        "README.md",
        "plans/a/usage/run-1.yaml",
        "plans/b/plan.md",
    ]


def test_list_paths_does_not_walk_into_symlinked_directories(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, "secret.yaml")
    root = tmp_path / "repo"
    write(root, "plans/p/plan.md")
    (root / "linked").symlink_to(outside, target_is_directory=True)
    assert WorktreeSource(root).list_paths() == ["plans/p/plan.md"]


def test_read_many_returns_bytes(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", b"a: 1\n")
    write(tmp_path, "dir/b.yaml", b"")
    results = WorktreeSource(tmp_path).read_many(["a.yaml", "dir/b.yaml"], max_bytes=MIB)
    assert results == {"a.yaml": ReadResult(data=b"a: 1\n"), "dir/b.yaml": ReadResult(data=b"")}


def test_a_file_over_the_limit_is_refused_with_its_size(tmp_path: Path) -> None:
    write(tmp_path, "plans/p/usage/big.yaml", b"#" * int(3.2 * MIB))
    result = read_one(tmp_path, "plans/p/usage/big.yaml")
    assert result.data is None
    assert result.problem == (
        "plans/p/usage/big.yaml is 3.2 MiB, over the 1 MiB limit (limits.max_file_bytes); "
        "split it into smaller files or raise the limit in the config"
    )


def test_the_limit_itself_is_allowed(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", b"#" * 100)
    assert read_one(tmp_path, "a.yaml", max_bytes=100).data == b"#" * 100
    assert read_one(tmp_path, "a.yaml", max_bytes=99).problem == (
        "a.yaml is 100 bytes, over the 99 bytes limit (limits.max_file_bytes); "
        "split it into smaller files or raise the limit in the config"
    )


def test_a_missing_file(tmp_path: Path) -> None:
    assert read_one(tmp_path, "plans/gone.yaml") == ReadResult(
        problem="plans/gone.yaml does not exist"
    )


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "plans").mkdir()
    assert read_one(tmp_path, "plans").problem == "plans is not a regular file"


@pytest.mark.parametrize("path", ["../outside.yaml", "/etc/passwd", "a/../../x", ""])
def test_paths_outside_the_root_are_refused(tmp_path: Path, path: str) -> None:
    result = read_one(tmp_path / "repo", path)
    assert result.data is None
    assert result.problem == f"{path} is not a path inside the repository"


def test_a_symlink_escaping_the_repository_is_not_followed(tmp_path: Path) -> None:
    secret = write(tmp_path, "secret.txt", b"token: hunter2\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "report.yaml").symlink_to(secret)
    result = read_one(root, "report.yaml")
    assert result.data is None
    assert result.problem == (
        "report.yaml is a symlink to a file outside the repository; it is not followed. "
        "Commit the file itself instead of a link"
    )


def test_a_relative_symlink_climbing_out_is_not_followed(tmp_path: Path) -> None:
    write(tmp_path, "secret.yaml")
    root = tmp_path / "repo"
    (root / "plans").mkdir(parents=True)
    (root / "plans" / "plan.yaml").symlink_to("../../secret.yaml")
    assert read_one(root, "plans/plan.yaml").data is None


def test_a_file_inside_a_symlinked_directory_outside_is_not_read(tmp_path: Path) -> None:
    write(tmp_path, "outside/secret.yaml")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "plans").symlink_to(tmp_path / "outside", target_is_directory=True)
    result = read_one(root, "plans/secret.yaml")
    assert result.data is None
    assert result.problem is not None
    assert "symlinked directory that points outside the repository" in result.problem


def test_a_symlink_within_the_repository_is_followed(tmp_path: Path) -> None:
    write(tmp_path, "shared/report.yaml", b"a: 1\n")
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "report.yaml").symlink_to("../shared/report.yaml")
    assert read_one(tmp_path, "plans/report.yaml").data == b"a: 1\n"


def test_a_dangling_symlink_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "report.yaml").symlink_to(tmp_path / "nowhere.yaml")
    result = read_one(tmp_path, "report.yaml")
    assert result.data is None
    assert result.problem is not None
    assert result.problem.startswith("report.yaml is a symlink that cannot be read")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of permissions")
def test_an_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path, "locked.yaml").chmod(0)
    result = read_one(tmp_path, "locked.yaml")
    assert result.problem == "locked.yaml cannot be read: Permission denied"


def test_paths_containing(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "run_id: run-7\n")
    write(tmp_path, "b.yaml", "plan_id: P-2\n")
    write(tmp_path, "c.yaml", "nothing\n")
    source = WorktreeSource(tmp_path)
    among = ["c.yaml", "b.yaml", "a.yaml", "missing.yaml"]
    assert source.paths_containing(["run-7", "P-2"], among) == ["b.yaml", "a.yaml"]
    assert source.paths_containing(["P-2"], ["a.yaml"]) == []
    assert source.paths_containing([], among) == []


def test_a_large_file_is_still_searched(tmp_path: Path) -> None:
    write(tmp_path, "big.yaml", b"#" * (2 * MIB) + b"\nrun_id: run-9\n")
    assert WorktreeSource(tmp_path).paths_containing(["run-9"], ["big.yaml"]) == ["big.yaml"]


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 bytes"),
        (1023, "1023 bytes"),
        (1024, "1 KiB"),
        (1536, "1.5 KiB"),
        (MIB, "1 MiB"),
        (int(3.2 * MIB), "3.2 MiB"),
        (64 * MIB, "64 MiB"),
    ],
)
def test_format_size(size: int, text: str) -> None:
    assert format_size(size) == text


def test_worktree_and_loader_together(tmp_path: Path) -> None:
    """Generated hostile files of the corpus: one over the size limit, one escaping by symlink."""
    write(tmp_path, "secret.yaml", "run_id: stolen\n")
    root = tmp_path / "repo"
    write(
        root,
        "plans/p/usage/ok.yaml",
        (CORPUS / "usage-bom.yaml").read_bytes(),
    )
    write(root, "plans/p/usage/big.yaml", b"# padding\n" * 200_000)
    (root / "plans/p/usage/link.yaml").symlink_to(tmp_path / "secret.yaml")
    source = WorktreeSource(root)
    paths = source.list_paths()
    assert paths == ["plans/p/usage/big.yaml", "plans/p/usage/link.yaml", "plans/p/usage/ok.yaml"]
    results = source.read_many(paths, max_bytes=MIB)
    assert [path for path in paths if results[path].data is None] == paths[:2]
    loaded = results["plans/p/usage/ok.yaml"].data
    assert loaded is not None
    artifacts = load_artifact(
        "plans/p/usage/ok.yaml", loaded, ArtifactKind.USAGE_REPORT, max_aliases=100
    )
    assert [item.record.run_id for item in artifacts.reports] == ["run-0001"]
