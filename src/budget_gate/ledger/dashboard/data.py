"""What the dashboard shows, read from the ledger through the named queries (read-only)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from budget_gate.ledger.queries import BY_NAME, open_read_only, run_query

Row = Mapping[str, object]

CHART_QUERIES = (
    "utilisation-by-month",
    "rates-by-month",
    "utilisation-by-phase",
    "estimate-ratios",
    "spend-by-month",
    "success-metrics",
)
_SUMMARY = (
    "SELECT (SELECT count(*) FROM commits) AS commits, "
    "(SELECT min(authored_at) FROM commits) AS first_at, "
    "(SELECT max(authored_at) FROM commits) AS last_at, "
    "(SELECT sha FROM commits ORDER BY seq DESC LIMIT 1) AS last_commit, "
    "(SELECT count(*) FROM runs WHERE removed_seq IS NULL) AS runs, "
    "(SELECT count(*) FROM latest_slice_states WHERE present = 1) AS slices"
)


@dataclass(frozen=True, slots=True)
class LedgerSummary:
    commits: int
    first_at: str | None
    last_at: str | None
    last_commit: str | None
    runs: int
    slices: int


@dataclass(frozen=True, slots=True)
class DashboardData:
    summary: LedgerSummary
    rows: Mapping[str, list[Row]]
    """Each of `CHART_QUERIES`' rows, as column → value."""


def read_dashboard_data(db: Path) -> DashboardData:
    connection = open_read_only(db)
    try:
        row = _rows(connection, _SUMMARY)[0]
        return DashboardData(
            summary=LedgerSummary(
                commits=_count(row["commits"]),
                first_at=_text(row["first_at"]),
                last_at=_text(row["last_at"]),
                last_commit=_text(row["last_commit"]),
                runs=_count(row["runs"]),
                slices=_count(row["slices"]),
            ),
            rows={name: _rows(connection, BY_NAME[name].sql) for name in CHART_QUERIES},
        )
    finally:
        connection.close()


def _rows(connection: sqlite3.Connection, sql: str) -> list[Row]:
    result = run_query(connection, sql)
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def _count(value: object) -> int:
    return value if isinstance(value, int) else 0


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
