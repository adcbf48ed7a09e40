"""A ledger run killed midway (SIGKILL: no cleanup, no rollback handler) leaves the database as
it was after its last finished batch, and the next run finishes the job exactly."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from ledgerkit import dump, isolate_git, ledger_path, run

from gitrepo import isolated_git_env
from synthetic_history import build_history, extend_history

BATCH = 50


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_a_killed_run_keeps_the_previous_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    isolate_git(monkeypatch)
    root = tmp_path / "repo"
    build_history(root, plans=10)  # 250 commits
    assert run(capsys, "ledger", "--repo", root)[0] == 0
    db = ledger_path(root)
    before = dump(db)
    extend_history(root, plans=20, first=10)  # 250 more
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "budget_gate",
            "ledger",
            "--repo",
            str(root),
            "--batch-size",
            str(BATCH),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=isolated_git_env(),
        text=True,
    )
    assert process.stderr is not None
    first = process.stderr.readline()
    # The first batch is committed; the second is being written: kill it now.
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert first.startswith(f"ledger: {BATCH}/250 commits written"), first
    assert process.returncode == -signal.SIGKILL

    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        commits = connection.execute("SELECT count(*), max(seq) FROM commits").fetchone()
        last = connection.execute("SELECT value FROM meta WHERE key = 'last_commit'").fetchone()
        newest = connection.execute("SELECT sha FROM commits ORDER BY seq DESC LIMIT 1").fetchone()
        beyond = connection.execute(
            "SELECT (SELECT count(*) FROM slice_states WHERE commit_seq > ?) "
            "+ (SELECT count(*) FROM runs WHERE added_seq > ?)",
            (commits[1], commits[1]),
        ).fetchone()
    # Whole batches only: the old 250 commits plus one or more batches of 50, never part of one.
    assert commits[0] == commits[1]
    assert commits[0] >= 250 + BATCH and (commits[0] - 250) % BATCH == 0, commits
    assert commits[0] < 500, "the run finished before it was killed; nothing was tested"
    assert last == newest  # the stored resume point is the last commit stored
    assert beyond == (0,)
    kept = dump(db)
    for table in ("commits", "runs", "slice_states", "trailers"):
        assert set(before[table]) <= set(kept[table])  # nothing of the previous state is lost

    # The next run resumes after the last stored commit and ends as a single full run would.
    code, out, err = run(capsys, "ledger", "--repo", root)
    assert code == 0, err
    assert out.startswith(f"ledger: {500 - commits[0]} new commits")
    fresh = tmp_path / "fresh.sqlite"
    assert run(capsys, "ledger", "--repo", root, "--db", fresh)[0] == 0
    assert dump(db) == dump(fresh)
