"""`ledger query`: named queries in three formats, and `--sql` on a connection that cannot
write, attach or reconfigure anything."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from ledgerkit import isolate_git, ledger_path, run, sql

from budget_gate.ledger.queries import QueryResult
from budget_gate.ledger.table import TableFormat, render_table
from synthetic_history import build_history


@pytest.fixture(scope="module")
def one_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated plan (25 commits, 5 slices, 20 runs) and its ledger."""
    root = tmp_path_factory.mktemp("queries") / "repo"
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate_git(monkeypatch)
        build_history(root, plans=1)
        from budget_gate.cli import main

        assert main(["ledger", "--repo", str(root)]) == 0
    return root


@pytest.mark.parametrize(
    ("statement", "why"),
    [
        ("DELETE FROM runs", "not authorized"),
        ("UPDATE slice_states SET utilisation = 0", "not authorized"),
        ("DROP TABLE runs", "not authorized"),
        ("CREATE TEMP TABLE scratch (x)", "not authorized"),
        ("PRAGMA query_only = OFF", "not authorized"),
        ("PRAGMA journal_mode = DELETE", "not authorized"),
        ("ATTACH DATABASE 'elsewhere.sqlite' AS elsewhere", "not authorized"),
        ("SELECT 1; DELETE FROM runs", "one statement"),
        ("INSERT INTO meta VALUES ('k', 'v')", "not authorized"),
    ],
)
def test_sql_cannot_change_anything(one_plan: Path, statement: str, why: str, capsys) -> None:
    db = ledger_path(one_plan)
    before = db.read_bytes()
    code, out, err = run(capsys, "ledger", "query", "--repo", one_plan, "--sql", statement)
    assert code == 2 and out == ""
    assert err.startswith("budget-gate: error: the query failed: ") and why in err
    assert err.count("\n") == 1
    assert db.read_bytes() == before
    # A reader of a WAL database shares its -wal and -shm files; nothing else appears.
    assert {p.name for p in db.parent.iterdir()} <= {
        ".gitignore",
        db.name,
        f"{db.name}-wal",
        f"{db.name}-shm",
    }
    assert not (one_plan / "elsewhere.sqlite").exists()
    assert sql(capsys, one_plan, "SELECT count(*) AS n FROM runs") == [{"n": 20}]


def test_sql_reads_tables_views_and_their_columns(one_plan: Path, capsys) -> None:
    rows = sql(
        capsys,
        one_plan,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) "
        "SELECT (SELECT count(*) FROM n) AS three, (SELECT count(*) FROM latest_slice_states) "
        "AS slices, round(exp(ln(2.0)), 6) AS two",
    )
    assert rows == [{"three": 3, "slices": 5, "two": 2.0}]
    columns = sql(capsys, one_plan, "PRAGMA table_info(runs)")
    assert columns[0]["name"] == "run_id"


def test_named_queries_in_text_json_and_csv(one_plan: Path, capsys) -> None:
    code, text, _ = run(capsys, "ledger", "query", "rates-by-month", "--repo", one_plan)
    assert code == 0
    # Plan 0 is row 0 of the table: 1.25 and 1.6 breach, 1.6 trips (see synthetic_history).
    assert text.splitlines() == [
        "  rates-by-month: 1 row",
        "  month    slices  breaches  breach_rate  stop_losses  stop_loss_rate",
        "  2025-01       5         2       0.4000            1          0.2000",
    ]
    code, out, _ = run(
        capsys, "ledger", "query", "rates-by-month", "--repo", one_plan, "--format", "csv"
    )
    assert list(csv.reader(io.StringIO(out))) == [
        ["month", "slices", "breaches", "breach_rate", "stop_losses", "stop_loss_rate"],
        ["2025-01", "5", "2", "0.4", "1", "0.2"],
    ]
    code, out, _ = run(
        capsys, "ledger", "query", "rates-by-month", "--repo", one_plan, "--format", "json"
    )
    assert json.loads(out) == {
        "query": "rates-by-month",
        "columns": ["month", "slices", "breaches", "breach_rate", "stop_losses", "stop_loss_rate"],
        "rows": [
            {
                "month": "2025-01",
                "slices": 5,
                "breaches": 2,
                "breach_rate": 0.4,
                "stop_losses": 1,
                "stop_loss_rate": 0.2,
            }
        ],
    }


def test_queries_are_listed_and_a_wrong_name_is_refused(one_plan: Path, capsys) -> None:
    code, out, _ = run(capsys, "ledger", "query", "--repo", one_plan)
    assert code == 0 and "success-metrics" in out and "breach-status" in out
    code, _, err = run(capsys, "ledger", "query", "breach-rate", "--repo", one_plan)
    assert code == 2 and "no named query 'breach-rate'" in err and "success-metrics" in err
    code, _, err = run(
        capsys, "ledger", "query", "breach-status", "--sql", "SELECT 1", "--repo", one_plan
    )
    assert code == 2 and "not both" in err


def test_text_output_never_starts_a_line_with_a_value() -> None:
    result = QueryResult(
        columns=("model", "slices"),
        rows=[("::error title=x::forged", 1), ("two\nlines", None)],
    )
    lines = render_table(result, TableFormat.TEXT, title="utilisation-by-model").splitlines()
    assert all(line.startswith("  ") for line in lines)
    assert lines[2].split() == ["::error", "title=x::forged", "1"]
    assert lines[3].split() == ["two\\x0alines", "-"]
