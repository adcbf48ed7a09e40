"""The end-to-end tests' view of the CLI: run it as a subprocess and read its JSON report.

Imported by the tests and by `conftest.py` (which only wraps `run_cli` as a fixture); tests never
import from `conftest`, since pytest may load another directory's conftest under that name.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitrepo import GitRepoBuilder, isolated_git_env


@dataclass(frozen=True)
class CliResult:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """The JSON report on stdout (fails with the CLI's stderr when it is not JSON)."""
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as error:
            raise AssertionError(f"not JSON ({error}); stderr: {self.stderr!r}") from error


Cli = Callable[..., CliResult]


def run_cli(*args: str | Path, cwd: Path) -> CliResult:
    """`budget-gate ARGS` in a new process, as a user runs it, with the user's git config off."""
    env = isolated_git_env()
    env.pop("BUDGET_GATE_DEBUG", None)  # the user's view: no tracebacks on purpose
    argv = tuple(str(arg) for arg in args)
    result = subprocess.run(
        [sys.executable, "-m", "budget_gate", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    return CliResult(argv, result.returncode, result.stdout, result.stderr)


def finding_rows(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What a user reads off each finding: code, severity, where, and which slice."""
    return [
        (
            item["code"],
            item["severity"],
            item["path"],
            item["line"],
            item["plan_id"],
            item["slice_id"],
        )
        for item in report["findings"]
    ]


def pick(mapping: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The keys a test relies on; the JSON report may gain new keys, never lose or rename these."""
    return {key: mapping[key] for key in keys}


def counts(section: dict[str, Any]) -> dict[str, Any]:
    """`requests` and `tokens` of an `estimate` or `actual` object."""
    return pick(section, "requests", "tokens")


def scope_of(report: dict[str, Any]) -> dict[str, list[str]]:
    return {f"{item['plan_id']}/{item['slice_id']}": item["reasons"] for item in report["slices"]}


def slice_named(report: dict[str, Any], name: str) -> dict[str, Any]:
    matches = [s for s in report["slices"] if f"{s['plan_id']}/{s['slice_id']}" == name]
    assert len(matches) == 1, scope_of(report)
    return matches[0]


def check_json(cli: Cli, repo: GitRepoBuilder, *args: str) -> tuple[CliResult, dict[str, Any]]:
    result = cli("check", "--repo", repo.root, "--format", "json", *args)
    assert result.returncode in (0, 1), result.stderr
    assert result.stderr == ""
    return result, result.json()
