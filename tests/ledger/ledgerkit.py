"""Helpers for the ledger tests: run the CLI in-process, ask named queries, build the demo's
history commit by commit with dates in two months."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from budget_gate.cli import main
from gitrepo import GitRepoBuilder, isolated_git_env
from locations import DEMO

USAGE = "plans/IMP-COST-01/usage"


def isolate_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """The product's git calls without the user's git config (as `gitrepo` runs git)."""
    for key, value in isolated_git_env().items():
        monkeypatch.setenv(key, value)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err


def query(
    capsys: pytest.CaptureFixture[str], root: Path, name: str, *extra: str
) -> list[dict[str, Any]]:
    code, out, err = run(
        capsys, "ledger", "query", name, "--repo", root, "--format", "json", *extra
    )
    assert code == 0, err
    rows: list[dict[str, Any]] = json.loads(out)["rows"]
    return rows


def ledger_path(root: Path) -> Path:
    return root / ".plan-budget-gate" / "ledger.sqlite"


def dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, for comparing two ledgers (commit order, not rowid, is the key)."""
    with sqlite3.connect(db) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in tables
        }


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def demo_file(path: str) -> str:
    return (DEMO / path).read_text(encoding="utf-8")


def build_demo_history(repo: GitRepoBuilder) -> list[str]:
    """The demo's records landing in five commits (SHAs returned in order):

    1. 2026-10-15: the config, both plans (S1 and S2 still in-progress) and the estimates;
    2. 2026-11-06: S1's run;
    3. 2026-11-08: S2's two runs;
    4. 2026-11-20: the plan as it is now (S1 and S2 done);
    5. 2026-12-02: S3's and S4's runs (six files).
    """
    plan = demo_file("plans/IMP-COST-01/plan.md")
    unfinished = plan.replace(
        "title: Config and calculator\n    status: done",
        "title: Config and calculator\n    status: in-progress",
    ).replace("title: Ledger\n    status: done", "title: Ledger\n    status: in-progress")
    assert unfinished.count("status: in-progress") == plan.count("status: in-progress") + 2
    shas = []
    repo.set_time(epoch("2026-10-15T10:00:00"))
    repo.write_many(
        {
            ".github/plan-budget-gate.yml": demo_file(".github/plan-budget-gate.yml"),
            "plans/IMP-COST-01/plan.md": unfinished,
            "plans/IMP-COST-01/estimation.yaml": demo_file("plans/IMP-COST-01/estimation.yaml"),
            "plans/IMP-DOCS-02/plan.yaml": demo_file("plans/IMP-DOCS-02/plan.yaml"),
        }
    )
    shas.append(repo.commit("Plans and estimates"))
    steps = [
        ("2026-11-06T16:30:00", ["run-s1-claude-01.yaml"], None),
        ("2026-11-08T14:00:00", ["run-s2-codex-01.yaml", "run-s2-codex-02.yaml"], None),
        ("2026-11-20T09:00:00", [], plan),
        (
            "2026-12-02T12:00:00",
            [
                "run-s3-claude-01.yaml",
                "run-s3-copilot-01.yaml",
                "run-s4-claude-02.yaml",
                "run-s4-openhands-01.yaml",
                "claude-code-b3e1f9a2-5c7d-4e8f-a1b2-c3d4e5f60718.yaml",
                "openhands-efc3bcc7c5bbd772.yaml",
            ],
            None,
        ),
    ]
    for when, reports, new_plan in steps:
        repo.set_time(epoch(when))
        for name in reports:
            repo.write(f"{USAGE}/{name}", demo_file(f"{USAGE}/{name}"))
        if new_plan is not None:
            repo.write("plans/IMP-COST-01/plan.md", new_plan)
        shas.append(repo.commit(f"Step {when}", trailers=[("Plan-Slice", "IMP-COST-01/S1")]))
    return shas


def sql(capsys: pytest.CaptureFixture[str], root: Path, statement: str) -> list[dict[str, Any]]:
    """Rows of `ledger query --sql` as JSON objects."""
    code, out, err = run(
        capsys, "ledger", "query", "--sql", statement, "--repo", root, "--format", "json"
    )
    assert code == 0, err
    rows: list[dict[str, Any]] = json.loads(out)["rows"]
    return rows
