"""Fixtures shared by the tests under tests/: a throwaway git repository and the CLI.

Helpers live in importable modules (`gitrepo.py`, `e2e_support.py`), never here: pytest may load
another directory's conftest under the same module name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e_support import Cli, CliResult, run_cli
from gitrepo import GitRepoBuilder


@pytest.fixture
def repo(tmp_path: Path) -> GitRepoBuilder:
    """A fresh repository on branch `main` under `tmp_path / "repo"`."""
    return GitRepoBuilder.create(tmp_path / "repo")


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """`cli("check", "--repo", ..., cwd=...)` runs `budget-gate` in a new process."""

    def run(*args: str | Path, cwd: Path | None = None) -> CliResult:
        return run_cli(*args, cwd=cwd or tmp_path)

    return run


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every `time.sleep` (retry waits, PyGithub's write spacing), recorded instead of waited."""
    waits: list[float] = []
    monkeypatch.setattr("time.sleep", waits.append)
    return waits
