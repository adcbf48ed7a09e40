"""The database file: created and migrated by `PRAGMA user_version`, WAL, refused with one line
when it is not a ledger or is newer than this budget-gate."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from ledgerkit import isolate_git, run

from budget_gate.ledger.schema import MIGRATIONS, SCHEMA_VERSION, TABLES
from budget_gate.ledger.store import LedgerError, LedgerStore
from gitrepo import GitRepoBuilder


def test_a_new_ledger_has_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "deep" / "ledger.sqlite"
    LedgerStore(db).close()
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {table.name for table in TABLES} | {"latest_slice_states"} <= names
    assert len(MIGRATIONS) == SCHEMA_VERSION


def test_an_older_ledger_is_migrated_one_version_at_a_time(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    with sqlite3.connect(db) as connection:  # an empty database: version 0
        assert connection.execute("PRAGMA user_version").fetchone() == (0,)
    LedgerStore(db).close()
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert connection.execute("SELECT count(*) FROM phases").fetchone() == (9,)


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda c: c.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}"), "newer than this"),
        (lambda c: c.execute("CREATE TABLE notes (text TEXT)"), "is an SQLite database but not"),
    ],
)
def test_a_database_that_is_not_this_ledger_is_refused(
    tmp_path: Path, prepare, message: str
) -> None:
    db = tmp_path / "ledger.sqlite"
    with sqlite3.connect(db) as connection:
        prepare(connection)
    before = db.read_bytes()
    with pytest.raises(LedgerError, match=message):
        LedgerStore(db)
    assert db.read_bytes() == before


def test_the_cli_says_in_one_line_when_the_file_is_no_database(
    repo: GitRepoBuilder, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    isolate_git(monkeypatch)
    repo.write("README.md", "hello\n")
    repo.commit("Start")
    db = repo.root / "notes.txt"
    db.write_text("these are my notes, not a database\n" * 100)
    code, out, err = run(capsys, "ledger", "--repo", repo.root, "--db", db)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "is not a usable ledger" in err and str(db) in err
    code, _, err = run(capsys, "ledger", "query", "breach-status", "--db", db)
    assert code == 2 and err.count("\n") == 1 and "cannot be read as a ledger" in err


def test_outside_a_repository_the_ledger_says_so(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "ledger", "--repo", tmp_path)
    assert code == 2 and "is not a git repository" in err and err.count("\n") == 1
    code, _, err = run(capsys, "ledger", "query", "success-metrics", "--repo", tmp_path)
    assert code == 2 and "no ledger at" in err and "run `budget-gate ledger` first" in err
