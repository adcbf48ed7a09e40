"""A second run reads only new commits and ends exactly where a full build ends; a rewritten
history, a different walk or another budget-gate version rebuilds, and says why."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from ledgerkit import dump, isolate_git, ledger_path, run, sql

from gitrepo import GitRepoBuilder
from synthetic_history import append_commit, build_history, late_report

REPORT = late_report()


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_git(monkeypatch)
    root = tmp_path / "repo"
    build_history(root, plans=2)  # 50 commits
    return root


def test_a_second_run_reads_only_the_new_commit(history: Path, tmp_path: Path, capsys) -> None:
    assert run(capsys, "ledger", "--repo", history)[0] == 0
    append_commit(history, n=50, files={"plans/GEN-0000/usage/late.yaml": REPORT})
    code, out, err = run(capsys, "ledger", "--repo", history)
    assert code == 0, err
    assert out.startswith("ledger: 1 new commit, 1 usage report read, 1 slice state written")
    assert "rebuilt" not in err
    # GEN-0000/S2 (u = 0.7: 70,000 of 100,000) plus 10,000 = 80,000; VERIFY 2 × 7,000 + 10,000.
    rows = sql(
        capsys,
        history,
        "SELECT s.actual_tokens, s.utilisation, s.tokens_estimated, p.actual_tokens AS verify "
        "FROM latest_slice_states s JOIN phase_states p USING (plan_id, slice_id, commit_seq) "
        "WHERE s.plan_id = 'GEN-0000' AND s.slice_id = 'S2' AND p.phase = 'VERIFY'",
    )
    assert rows == [
        {"actual_tokens": 80_000, "utilisation": 0.8, "tokens_estimated": 1, "verify": 24_000}
    ]
    # The incremental ledger is the one a single full run builds.
    fresh = tmp_path / "fresh.sqlite"
    assert run(capsys, "ledger", "--repo", history, "--db", fresh)[0] == 0
    assert dump(ledger_path(history)) == dump(fresh)


def test_a_rewritten_history_is_rebuilt(history: Path, capsys) -> None:
    append_commit(history, n=50, files={"plans/GEN-0000/usage/late.yaml": REPORT})
    assert run(capsys, "ledger", "--repo", history)[0] == 0
    # A force-push: the last commit is replaced by another one.
    GitRepoBuilder(history).git("update-ref", "refs/heads/main", "main~1")
    append_commit(history, n=50, files={"docs/notes.md": "no report after all\n"})
    code, out, err = run(capsys, "ledger", "--repo", history)
    assert code == 0, err
    assert "the ledger was rebuilt" in err and "history rewritten" in err
    assert out.startswith("ledger: 51 new commits")
    assert sql(capsys, history, "SELECT count(*) AS n FROM runs WHERE run_id = 'late-run'") == [
        {"n": 0}
    ]


def test_another_walk_or_version_rebuilds(history: Path, capsys) -> None:
    assert run(capsys, "ledger", "--repo", history)[0] == 0
    code, out, err = run(capsys, "ledger", "--repo", history, "--since", "2025-01-20 00:00 +0000")
    assert code == 0, err
    assert "the ledger was rebuilt: it followed" in err
    # Commits 0-49 are dated 2025-01-01 … 2025-01-25, two a day: 20th to 25th is 12 commits.
    assert out.startswith("ledger: 12 new commits")
    with sqlite3.connect(ledger_path(history)) as connection:
        connection.execute("UPDATE meta SET value = '0.0.1' WHERE key = 'built_by'")
    code, out, err = run(capsys, "ledger", "--repo", history, "--since", "2025-01-20 00:00 +0000")
    assert "it was built by budget-gate 0.0.1" in err
    assert out.startswith("ledger: 12 new commits")
    code, out, err = run(
        capsys,
        "ledger",
        "--repo",
        history,
        "--since",
        "2025-01-20 00:00 +0000",
        "--config",
        "ci/gate.yml",
    )
    assert "it read the config from .github/plan-budget-gate.yml, this run from ci/gate.yml" in err
    assert out.startswith("ledger: 12 new commits")


def test_a_range_walks_only_its_commits(history: Path, capsys) -> None:
    code, out, err = run(capsys, "ledger", "--repo", history, "--range", "main~10..main~5")
    assert code == 0, err
    assert out.startswith("ledger: 5 new commits")
    # Starting mid-history, the files already there are known: plan 1's runs added before the
    # range still count toward its slices' states.
    rows = sql(capsys, history, "SELECT max(runs) AS runs FROM slice_states")
    assert rows == [{"runs": 4}]
    code, _, err = run(capsys, "ledger", "--repo", history, "--range", "main")
    assert code == 2 and "is not A..B" in err


def test_a_run_that_raced_another_stops_without_writing(
    history: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from budget_gate.ledger import build

    planned = build.plan_walk

    def raced(repo, spec, meta, **options):  # type: ignore[no-untyped-def]
        plan = planned(repo, spec, meta, **options)
        with sqlite3.connect(ledger_path(history)) as connection:  # another run lands first
            connection.execute("INSERT INTO meta (key, value) VALUES ('last_commit', 'other')")
        return plan

    monkeypatch.setattr(build, "plan_walk", raced)
    code, out, err = run(capsys, "ledger", "--repo", history)
    assert code == 2 and out == ""
    assert "another `budget-gate ledger` run updated" in err
    with sqlite3.connect(ledger_path(history)) as connection:
        assert connection.execute("SELECT count(*) FROM commits").fetchone() == (0,)


def test_a_shallow_clone_is_named(history: Path, tmp_path: Path, capsys) -> None:
    clone = tmp_path / "shallow"
    GitRepoBuilder(tmp_path).git("clone", "-q", "--depth", "3", history.as_uri(), str(clone))
    code, out, err = run(capsys, "ledger", "--repo", clone)
    assert code == 0, err
    assert "this clone is shallow" in err and "fetch-depth: 0" in err
    assert out.startswith("ledger: 3 new commits")
