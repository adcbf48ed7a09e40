"""The questions users ask the ledger, as named SQL queries, and raw SQL on a read-only
connection.

Populations the named queries share (so the numbers agree across queries and the dashboard):

- A slice's *month state* is its last state in a calendar month (UTC, by author time) in which
  a commit changed it; its *latest state* is its newest row (`latest_slice_states`).
- *With spend*: declared by a plan (`present`) and at least one token spent.
- *Finished*: with spend and `status = 'done'`. Utilisation and estimate accuracy are measured
  on finished slices only, as `history` does: an unfinished slice's spend is partial.
- A *breach* is a budget status past `within` (over 100 % of the budget); a *stop-loss* is
  `stop_loss = 'triggered'` (a done slice allowed to complete does not count).
- Estimate accuracy: ratio = actual / estimated tokens (slices with both above 0); bias is
  their geometric mean, hit rate the share within ×2 (0.5 to 2, both included).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from budget_gate.ledger.schema import SCHEMA_VERSION
from budget_gate.ledger.store import LedgerError

UTILISATION_BAND = (0.6, 0.8)
"""The design's healthy average utilisation (success metric), both ends included."""
RATE_TARGET = 0.05
"""Breach rate and stop-loss rate should stay under 5 %."""
HIT_BAND = (0.5, 2.0)


@dataclass(frozen=True, slots=True)
class NamedQuery:
    name: str
    help: str
    sql: str


@dataclass(frozen=True, slots=True)
class QueryResult:
    columns: tuple[str, ...]
    rows: list[tuple[object, ...]]


_MONTH_STATES = """
WITH month_states AS (
  SELECT substr(c.authored_at, 1, 7) AS month, c.authored_at, s.*,
         row_number() OVER (
           PARTITION BY s.plan_id, s.slice_id, substr(c.authored_at, 1, 7)
           ORDER BY s.commit_seq DESC) AS newest
  FROM slice_states AS s JOIN commits AS c ON c.seq = s.commit_seq
), active AS (
  SELECT * FROM month_states WHERE newest = 1 AND present = 1 AND actual_tokens > 0
)
"""


def _finished(alias: str = "") -> str:
    """Finished slices: declared, with spend, done, with a utilisation."""
    a = f"{alias}." if alias else ""
    return (
        f"{a}present = 1 AND {a}actual_tokens > 0 AND {a}status = 'done' "
        f"AND {a}utilisation IS NOT NULL"
    )


def _measured(alias: str = "") -> str:
    """Finished slices whose estimate and spend are both above 0 (they have a ratio)."""
    a = f"{alias}." if alias else ""
    return (
        f"{a}present = 1 AND {a}status = 'done' AND {a}estimated_tokens > 0 "
        f"AND {a}actual_tokens > 0"
    )


def _ratio(alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    return f"CAST({a}actual_tokens AS REAL) / {a}estimated_tokens"


_HIT = f"({_ratio()} BETWEEN {HIT_BAND[0]} AND {HIT_BAND[1]})"


def _by(column: str, label: str) -> str:
    return (
        f"SELECT {column} AS {label}, count(*) AS slices, avg(utilisation) AS average_utilisation, "
        "min(utilisation) AS min_utilisation, max(utilisation) AS max_utilisation "
        f"FROM latest_slice_states WHERE {_finished()} GROUP BY 1 ORDER BY 1"
    )


QUERIES: tuple[NamedQuery, ...] = (
    NamedQuery(
        "breach-status",
        "each slice with spend at its latest state, worst budget status first",
        "SELECT s.plan_id || '/' || s.slice_id AS slice, s.status, s.budget_status, "
        "s.utilisation, s.actual_tokens, s.budget_tokens, s.stop_loss, c.authored_at AS since "
        "FROM latest_slice_states AS s JOIN commits AS c ON c.seq = s.commit_seq "
        "WHERE s.present = 1 AND s.actual_tokens > 0 "
        "ORDER BY CASE s.budget_status WHEN 'exceeded' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, "
        "s.utilisation DESC, slice",
    ),
    NamedQuery(
        "utilisation-by-phase",
        "average utilisation of each phase over finished slices whose runs report phases",
        "SELECT p.phase, count(*) AS slices, avg(p.utilisation) AS average_utilisation, "
        "min(p.utilisation) AS min_utilisation, max(p.utilisation) AS max_utilisation "
        "FROM phase_states AS p JOIN latest_slice_states AS s "
        "USING (plan_id, slice_id, commit_seq) JOIN phases AS ph ON ph.name = p.phase "
        f"WHERE {_finished('s')} AND p.utilisation IS NOT NULL "
        "GROUP BY p.phase ORDER BY min(ph.position)",
    ),
    NamedQuery(
        "utilisation-by-agent",
        "average utilisation of finished slices by the agent that spent most of their tokens",
        _by("coalesce(top_agent, '(unknown)')", "agent"),
    ),
    NamedQuery(
        "utilisation-by-model",
        "average utilisation of finished slices by the model that spent most of their tokens",
        _by("coalesce(top_model, '(unknown)')", "model"),
    ),
    NamedQuery(
        "utilisation-by-method",
        "average utilisation of finished slices by estimation method",
        _by("coalesce(estimation_method, '(no estimate)')", "method"),
    ),
    NamedQuery(
        "utilisation-by-month",
        "average utilisation of the slices finished (or changed while done) each month",
        f"{_MONTH_STATES} SELECT month, count(*) AS slices, "
        "avg(utilisation) AS average_utilisation FROM active "
        "WHERE status = 'done' AND utilisation IS NOT NULL GROUP BY month ORDER BY month",
    ),
    NamedQuery(
        "rates-by-month",
        "breach rate and stop-loss rate among the slices with spend that changed each month",
        f"{_MONTH_STATES} SELECT month, count(*) AS slices, "
        "sum(budget_status <> 'within') AS breaches, "
        "avg(budget_status <> 'within') AS breach_rate, "
        "sum(stop_loss = 'triggered') AS stop_losses, "
        "avg(stop_loss = 'triggered') AS stop_loss_rate "
        "FROM active GROUP BY month ORDER BY month",
    ),
    NamedQuery(
        "accuracy-by-month",
        "estimate accuracy (actual / estimate) of the slices finished each month, by method",
        f"{_MONTH_STATES} SELECT month, estimation_method AS method, count(*) AS slices, "
        f"exp(avg(ln({_ratio()}))) AS bias, avg({_HIT}) AS hit_rate FROM active "
        f"WHERE {_measured()} GROUP BY month, method "
        "ORDER BY month, method",
    ),
    NamedQuery(
        "estimate-ratios",
        "each finished slice's actual / estimate, with its method, agent and when it finished",
        f"SELECT s.plan_id || '/' || s.slice_id AS slice, c.authored_at AS at, "
        "s.estimation_method AS method, coalesce(s.top_agent, '(unknown)') AS agent, "
        f"s.estimated_tokens, s.actual_tokens, {_ratio('s')} AS ratio "
        "FROM latest_slice_states AS s JOIN commits AS c ON c.seq = s.commit_seq "
        f"WHERE {_measured('s')} ORDER BY at, slice",
    ),
    NamedQuery(
        "spend-by-month",
        "usage reports and their cost in USD by the month they landed",
        "SELECT substr(c.authored_at, 1, 7) AS month, count(*) AS runs, "
        "sum(r.total_tokens) AS tokens, coalesce(sum(r.cost_usd), 0.0) AS cost_usd, "
        "sum(r.cost_usd IS NULL) AS unpriced_runs "
        "FROM runs AS r JOIN commits AS c ON c.seq = r.added_seq "
        "WHERE r.removed_seq IS NULL GROUP BY month ORDER BY month",
    ),
    NamedQuery(
        "success-metrics",
        "the design's success metrics at the latest state, each met or not",
        "WITH spent AS (SELECT * FROM latest_slice_states "
        "WHERE present = 1 AND actual_tokens > 0), "
        f"finished AS (SELECT * FROM latest_slice_states WHERE {_finished()}), "
        "figures AS ("
        "SELECT 'breach rate' AS metric, 'under 5%' AS target, "
        "(SELECT avg(budget_status <> 'within') FROM spent) AS value, "
        "(SELECT count(*) FROM spent) AS slices "
        "UNION ALL SELECT 'average utilisation', '60% to 80%', "
        "(SELECT avg(utilisation) FROM finished), (SELECT count(*) FROM finished) "
        "UNION ALL SELECT 'stop-loss rate', 'under 5%', "
        "(SELECT avg(stop_loss = 'triggered') FROM spent), (SELECT count(*) FROM spent)) "
        "SELECT metric, target, value, slices, CASE WHEN value IS NULL THEN 'no data' "
        f"WHEN metric = 'average utilisation' THEN iif(value BETWEEN {UTILISATION_BAND[0]} "
        f"AND {UTILISATION_BAND[1]}, 'met', 'not met') "
        f"ELSE iif(value < {RATE_TARGET}, 'met', 'not met') END AS met FROM figures",
    ),
)
BY_NAME = {query.name: query for query in QUERIES}

# What `--sql` may do: read tables and call functions. Anything else (writes, ATTACH, PRAGMA
# assignments, creating temporary objects) is refused before it runs.
_ALLOWED = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION})
_READ_PRAGMAS = frozenset({"table_info", "table_xinfo", "index_list", "index_info"})
_RECURSIVE = 33  # SQLITE_RECURSIVE: a WITH RECURSIVE query (no constant before Python 3.11.?)


def _authorize(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
    if action in _ALLOWED or action == _RECURSIVE:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and arg1 in _READ_PRAGMAS:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def open_read_only(path: Path) -> sqlite3.Connection:
    """The ledger opened so that nothing can change it: read-only file mode, `query_only`, no
    attached databases, and an authorizer that allows reads only."""
    if not path.is_file():
        raise LedgerError(
            f"no ledger at {path}; run `budget-gate ledger` first, or point --db at it"
        )
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        connection.execute("PRAGMA query_only = ON")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise LedgerError(
            f"{path} cannot be read as a ledger ({error}); point --db at the ledger"
        ) from error
    if version != SCHEMA_VERSION:
        newer = version > SCHEMA_VERSION
        connection.close()
        raise LedgerError(
            f"{path} has ledger schema version {version}, this budget-gate reads {SCHEMA_VERSION}; "
            + ("upgrade budget-gate" if newer else "run `budget-gate ledger` to migrate it")
        )
    connection.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    # Portable: not every SQLite is built with its math functions.
    connection.create_function("ln", 1, _ln, deterministic=True)
    connection.create_function("exp", 1, _exp, deterministic=True)
    connection.set_authorizer(_authorize)
    return connection


def _ln(value: float | None) -> float | None:
    return math.log(value) if value is not None and value > 0 else None


def _exp(value: float | None) -> float | None:
    return None if value is None else math.exp(value)


def run_query(
    connection: sqlite3.Connection, sql: str, params: Sequence[object] = ()
) -> QueryResult:
    """Run one statement; a refused or broken one is a `LedgerError` naming SQLite's reason."""
    try:
        cursor = connection.execute(sql, params)
        rows = cursor.fetchall()
    except (sqlite3.DatabaseError, sqlite3.Warning) as error:
        raise LedgerError(
            f"the query failed: {error}; `budget-gate ledger query --sql` runs one read-only "
            "SELECT (see the schema in docs/formats.md)"
        ) from error
    columns = tuple(item[0] for item in cursor.description or ())
    return QueryResult(columns=columns, rows=rows)
