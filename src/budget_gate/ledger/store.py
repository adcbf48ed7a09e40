"""The ledger database: opening and migrating it, and writing one batch of commits at a time.

Guarantees users rely on:

- Each batch of commits is one transaction that ends by recording its last commit, so the
  database always holds a whole prefix of the walk: a run killed midway (or a full disk) leaves
  the state of the last finished batch, and the next run resumes from there.
- WAL mode: readers (`ledger query`, `dashboard`) see the last finished batch while a run
  writes the next one.
- `PRAGMA user_version` is the schema version; an older database is migrated in place, one
  version per transaction; a newer one (written by a newer budget-gate) is refused, not
  damaged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from budget_gate.errors import GateError
from budget_gate.git.history import HistoryCommit
from budget_gate.ledger.files import ArtifactFile, FileRecord
from budget_gate.ledger.schema import MIGRATIONS, SCHEMA_VERSION, SLICE_STATES, TABLES
from budget_gate.ledger.state import SliceState
from budget_gate.load.records import ArtifactKind
from budget_gate.models.usage import UsageReport

BUSY_TIMEOUT_MS = 10_000
_DATA_TABLES = [table.name for table in reversed(TABLES) if table.name != "phases"]
_STATE_COLUMNS = [column.name for column in SLICE_STATES.columns]
_INSERT_STATE = (
    f"INSERT INTO slice_states ({', '.join(_STATE_COLUMNS)}) "  # noqa: S608 - schema names
    f"VALUES ({', '.join(':' + name for name in _STATE_COLUMNS)})"
)


class LedgerError(GateError):
    """The database cannot be used; the message says which file and what to do."""


_FIX = "point --db at another file, or delete this one and run `budget-gate ledger` to rebuild"


def open_ledger(path: Path) -> sqlite3.Connection:
    """The ledger at `path`, created or migrated to `SCHEMA_VERSION`, in WAL mode, in
    autocommit mode (transactions are explicit). A file that is not a ledger, or a newer one,
    is refused before anything is written to it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except (OSError, sqlite3.Error) as error:
        raise LedgerError(f"cannot open the ledger {path}: {error}; {_FIX}") from error
    try:
        version = _version(connection, path)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA foreign_keys=ON")
        _migrate(connection, version)
    except sqlite3.DatabaseError as error:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        connection.close()
        raise LedgerError(f"{path} is not a usable ledger ({error}); {_FIX}") from error
    except LedgerError:
        connection.close()
        raise
    return connection


def _version(connection: sqlite3.Connection, path: Path) -> int:
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if version == 0 and connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        raise LedgerError(f"{path} is an SQLite database but not a ledger; {_FIX}")
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"{path} has ledger schema version {version}, newer than this budget-gate's "
            f"{SCHEMA_VERSION}; upgrade budget-gate, or delete the file and run "
            "`budget-gate ledger` to rebuild it"
        )
    return version


def _migrate(connection: sqlite3.Connection, version: int) -> None:
    """One transaction per version, each ending with its `user_version`."""
    for target in range(version, SCHEMA_VERSION):
        connection.execute("BEGIN IMMEDIATE")
        for statement in MIGRATIONS[target]:
            connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {target + 1}")
        connection.execute("COMMIT")


class LedgerStore:
    """The ledger at `path`, opened and migrated."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.connection = open_ledger(path)

    def close(self) -> None:
        self.connection.close()

    def meta(self) -> dict[str, str]:
        return dict(self.connection.execute("SELECT key, value FROM meta").fetchall())

    def last_seq(self) -> int:
        return int(
            self.connection.execute("SELECT coalesce(max(seq), 0) FROM commits").fetchone()[0]
        )

    def stored_files(self) -> list[ArtifactFile]:
        rows = self.connection.execute(
            "SELECT path, kind, object_id, plan_id, slice_id, run_id FROM artifact_files "
            "ORDER BY rowid"
        ).fetchall()
        files: dict[str, tuple[ArtifactKind, str, list[FileRecord]]] = {}
        for path, kind, object_id, plan_id, slice_id, run_id in rows:
            _, _, records = files.setdefault(path, (ArtifactKind(kind), object_id, []))
            if plan_id is not None:
                records.append(FileRecord(plan_id=plan_id, slice_id=slice_id, run_id=run_id))
        return [
            ArtifactFile(path=path, kind=kind, object_id=object_id, records=tuple(records))
            for path, (kind, object_id, records) in files.items()
        ]

    @contextmanager
    def batch(self) -> Iterator[Batch]:
        """One transaction: everything written inside is kept together or not at all."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield Batch(self.connection)
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")


class Batch:
    """Writes within one transaction."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def meta(self) -> dict[str, str]:
        """The settings as this transaction sees them."""
        return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def clear(self) -> None:
        """Forget everything the ledger held (a rebuild), within this transaction."""
        for table in _DATA_TABLES:
            self._db.execute(f"DELETE FROM {table}")  # noqa: S608 - names from the schema

    def set_meta(self, values: dict[str, str]) -> None:
        self._db.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            sorted(values.items()),
        )

    def add_commit(self, seq: int, commit: HistoryCommit) -> None:
        self._db.execute(
            "INSERT INTO commits (seq, sha, parent, authored_at, author, subject) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                seq,
                commit.sha,
                commit.parent,
                utc_text(commit.authored_at),
                commit.author,
                commit.subject,
            ),
        )
        self._db.executemany(
            "INSERT INTO trailers (commit_seq, position, key, value) VALUES (?, ?, ?, ?)",
            [(seq, position, key, value) for position, (key, value) in enumerate(commit.trailers)],
        )

    def put_files(self, removed: Iterable[str], added: Iterable[ArtifactFile]) -> None:
        """Replace the stored index rows of these paths."""
        self._db.executemany("DELETE FROM artifact_files WHERE path = ?", [(p,) for p in removed])
        rows = []
        for item in added:
            records = item.records or (None,)
            for record in records:
                rows.append(
                    (
                        item.path,
                        item.kind.value,
                        item.object_id,
                        None if record is None else record.plan_id,
                        None if record is None else record.slice_id,
                        None if record is None else record.run_id,
                    )
                )
        self._db.executemany(
            "INSERT INTO artifact_files (path, kind, object_id, plan_id, slice_id, run_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    def put_runs(self, seq: int, runs: Iterable[tuple[str, UsageReport, float | None]]) -> None:
        """Add or update runs (path, report, cost); a run seen before keeps its `added_seq`."""
        self._db.executemany(
            "INSERT INTO runs (run_id, added_seq, removed_seq, path, plan_id, slice_id, agent_id, "
            "provider, model, status, phase, requests, prompt_tokens, completion_tokens, "
            "total_tokens, duration_seconds, report_timestamp, tokens_estimated, cost_usd) "
            "VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (run_id) DO UPDATE SET removed_seq = NULL, path = excluded.path, "
            "plan_id = excluded.plan_id, slice_id = excluded.slice_id, "
            "agent_id = excluded.agent_id, provider = excluded.provider, model = excluded.model, "
            "status = excluded.status, phase = excluded.phase, requests = excluded.requests, "
            "prompt_tokens = excluded.prompt_tokens, "
            "completion_tokens = excluded.completion_tokens, "
            "total_tokens = excluded.total_tokens, duration_seconds = excluded.duration_seconds, "
            "report_timestamp = excluded.report_timestamp, "
            "tokens_estimated = excluded.tokens_estimated, cost_usd = excluded.cost_usd",
            [_run_row(seq, path, report, cost) for path, report, cost in runs],
        )

    def remove_runs(self, seq: int, run_ids: Iterable[str]) -> None:
        self._db.executemany(
            "UPDATE runs SET removed_seq = ? WHERE run_id = ? AND removed_seq IS NULL",
            [(seq, run_id) for run_id in run_ids],
        )

    def add_states(self, seq: int, states: Iterable[SliceState]) -> None:
        slices: list[dict[str, object]] = []
        phases: list[tuple[object, ...]] = []
        for state in states:
            slices.append(_state_values(seq, state))
            judged = state.judged
            for row in judged.phases if judged is not None else ():
                phases.append(
                    (
                        seq,
                        state.ref.plan_id,
                        state.ref.slice_id,
                        row.phase.value,
                        row.source.value,
                        row.budget_tokens,
                        row.actual_tokens,
                        row.utilisation,
                        row.status.value,
                        row.budget_latency_ms,
                        row.actual_duration_ms,
                    )
                )
        self._db.executemany(_INSERT_STATE, slices)
        self._db.executemany(
            "INSERT INTO phase_states VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", phases
        )


def utc_text(epoch: int) -> str:
    """`2026-01-31T12:00:00Z`: sortable, and `substr(…, 1, 7)` is its month."""
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _run_row(seq: int, path: str, report: UsageReport, cost: float | None) -> tuple[object, ...]:
    model = report.model
    if model is None and report.usage_by_model:
        top = max(report.usage_by_model, key=lambda row: row.prompt_tokens + row.completion_tokens)
        model = top.model
    return (
        report.run_id,
        seq,
        path,
        report.plan_id,
        report.slice_id,
        report.agent_id,
        report.provider,
        model,
        report.status.value,
        None if report.phase is None else report.phase.value,
        report.actual_requests,
        report.actual_prompt_tokens,
        report.actual_completion_tokens,
        report.actual_total_tokens,
        float(report.duration_seconds),
        report.report_timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        int(report.tokens_estimated),
        cost,
    )


def _state_values(seq: int, state: SliceState) -> dict[str, object]:
    spend, judged, estimate = state.spend, state.judged, state.estimate
    values: dict[str, object] = dict.fromkeys(_STATE_COLUMNS)
    values.update(
        commit_seq=seq,
        plan_id=state.ref.plan_id,
        slice_id=state.ref.slice_id,
        present=0,
        actual_tokens=spend.tokens,
        actual_requests=spend.requests,
        runs=spend.runs,
        tokens_estimated=spend.tokens_estimated_runs,
        latency_ms=spend.latency_ms,
        stop_loss="none",
        breach="none",
        unpriced_runs=spend.unpriced_runs,
        top_agent=spend.top_agent,
        top_model=spend.top_model,
    )
    if estimate is not None:
        values.update(
            estimation_method=estimate.estimation_method.value,
            estimated_tokens=estimate.estimated_total_tokens,
            estimated_requests=estimate.estimated_requests,
        )
    if judged is not None:
        values.update(
            present=1,
            status=judged.status.value,
            environment=judged.environment,
            complexity=judged.complexity,
            importance=judged.importance,
            budget_source=judged.budget_source,
            budget_tokens=judged.budget_tokens,
            utilisation=judged.utilisation,
            budget_status=judged.budget_status.value,
            latency_budget_ms=judged.latency_budget_ms,
            latency_utilisation=judged.latency_utilisation,
            stop_loss=judged.stop_loss.value,
            variance_ratio=judged.variance_ratio,
            breach=judged.breach,
            cost_usd=judged.cost_usd,
            estimated_cost_usd=judged.estimated_cost_usd,
        )
    return values
