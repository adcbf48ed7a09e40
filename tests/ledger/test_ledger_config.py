"""The config is read at each commit: new globs re-list the tree, an invalid config is named in
a warning and the one before it stays in force."""

from __future__ import annotations

import pytest
from ledgerkit import isolate_git, run, sql

from gitrepo import GitRepoBuilder

PLAN = """plan_id: A
status: in-progress
complexity: Medium
importance: medium
slices:
  - slice_id: S1
"""
ESTIMATE = """plan_id: A
slice_id: S1
estimated_requests: 4
estimated_prompt_tokens: 8000
estimated_completion_tokens: 2000
estimation_method: MANUAL
estimation_owner: lead
estimation_timestamp: 2026-01-01T00:00:00Z
"""
REPORT = """run_id: r1
plan_id: A
slice_id: S1
agent_id: codex
actual_requests: 2
actual_prompt_tokens: 4000
actual_completion_tokens: 1000
actual_total_tokens: 5000
duration_seconds: 20
status: PASS
report_timestamp: 2026-01-02T00:00:00Z
"""


def test_globs_and_invalid_configs_in_history(
    repo: GitRepoBuilder, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    isolate_git(monkeypatch)
    repo.write_many(
        {"plans/A/plan.yaml": PLAN, "plans/A/estimation.yaml": ESTIMATE, "records/r1.yaml": REPORT}
    )
    repo.commit("Plan, estimate, and a report where the default globs do not look")
    repo.write(".github/plan-budget-gate.yml", "paths:\n  usage_reports: ['records/*.yaml']\n")
    repo.commit("Config: reports live in records/")
    repo.write(".github/plan-budget-gate.yml", "mode: sometimes\n")
    bad = repo.commit("A broken config")
    code, _out, err = run(capsys, "ledger", "--repo", repo.root)
    assert code == 0, err
    assert f"warning: the config at commit {bad[:12]} is not valid: " in err
    assert ".github/plan-budget-gate.yml:1" in err
    rows = sql(
        capsys,
        repo.root,
        "SELECT commit_seq, actual_tokens, utilisation FROM slice_states ORDER BY commit_seq",
    )
    # 1: nothing read yet; 2: the new glob finds r1 (5,000 of 10,000). The broken config
    # changes nothing, so commit 3 writes no state.
    assert rows == [
        {"commit_seq": 1, "actual_tokens": 0, "utilisation": 0.0},
        {"commit_seq": 2, "actual_tokens": 5000, "utilisation": 0.5},
    ]
    assert sql(capsys, repo.root, "SELECT run_id, added_seq, path FROM runs") == [
        {"run_id": "r1", "added_seq": 2, "path": "records/r1.yaml"}
    ]
