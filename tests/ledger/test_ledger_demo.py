"""The demo's records landing in five commits (see `ledgerkit.build_demo_history`), with every
figure worked out by hand from the demo's files.

Estimates (prompt + completion): S1 180,000 + 36,000 = 216,000; S2 120,000 + 30,000 = 150,000;
S3 140,000 + 28,000 = 168,000; S4 90,000 + 20,000 = 110,000; S5 and IMP-DOCS-02 have none.
Spend (actual_total_tokens): S1 201,700 (phases PLAN 31,000, IMPLEMENT 128,000, VERIFY 42,700);
S2 60,400 + 96,300 = 156,700; S3 142,500 + 25,100 = 167,600 (IMPLEMENT 116,500); S4 25,600 +
160,800 + 59,596 + 50,611 = 296,607.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ledgerkit import build_demo_history, isolate_git, query, run, sql

from gitrepo import GitRepoBuilder

# actual / budget, rounded to 4 decimals as the gate shows utilisation:
S1 = 201_700 / 216_000  # 0.93380
S2 = 156_700 / 150_000  # 1.04467
S3 = 167_600 / 168_000  # 0.99762
S4 = 296_607 / 110_000  # 2.69643


@pytest.fixture
def demo(
    repo: GitRepoBuilder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    isolate_git(monkeypatch)
    build_demo_history(repo)
    code, out, err = run(capsys, "ledger", "--repo", repo.root)
    assert code == 0, err
    # 5 commits; reports read: 1 + 2 + 6 = 9; states: 6 slices at commit 1 (IMP-COST-01's five
    # and IMP-DOCS-02's FULL_PLAN), S1, S2, then the five slices of the edited plan, S3 and S4.
    assert out.startswith("ledger: 5 new commits, 9 usage reports read, 15 slice states written")
    return repo.root


def test_breach_status_lists_each_slice_with_spend_worst_first(demo: Path, capsys) -> None:
    rows = query(capsys, demo, "breach-status")
    assert [(r["slice"], r["budget_status"], r["stop_loss"], r["status"]) for r in rows] == [
        ("IMP-COST-01/S4", "exceeded", "triggered", "in-progress"),  # 2.6964 > 1.2 cumulative
        ("IMP-COST-01/S2", "warning", "none", "done"),  # 1.0447: over 1.0, under 1.5
        # 0.9976, but IMPLEMENT 116,500 / 76,000 = 1.5329 > 1.5 and S3 is not done
        ("IMP-COST-01/S3", "within", "triggered", "in-progress"),
        # PLAN 31,000 / 20,000 = 1.55 > 1.5, but S1 is done and 1.55 < 1.5 + 0.1
        ("IMP-COST-01/S1", "within", "allowed", "done"),
    ]
    assert [r["utilisation"] for r in rows] == [
        round(S4, 4),
        round(S2, 4),
        round(S3, 4),
        round(S1, 4),
    ]
    assert [(r["actual_tokens"], r["budget_tokens"]) for r in rows] == [
        (296_607, 110_000),
        (156_700, 150_000),
        (167_600, 168_000),
        (201_700, 216_000),
    ]
    assert [r["since"] for r in rows] == [
        "2026-12-02T12:00:00Z",
        "2026-11-20T09:00:00Z",
        "2026-12-02T12:00:00Z",
        "2026-11-20T09:00:00Z",
    ]


def test_stop_loss_follows_the_slice_through_its_history(demo: Path, capsys) -> None:
    rows = sql(
        capsys,
        demo,
        "SELECT s.stop_loss, s.status FROM slice_states s JOIN commits c ON c.seq = s.commit_seq "
        "WHERE s.slice_id = 'S1' ORDER BY s.commit_seq",
    )
    assert [(r["stop_loss"], r["status"]) for r in rows] == [
        ("none", "in-progress"),  # planned, nothing spent
        ("triggered", "in-progress"),  # its run: PLAN at 155 %
        ("allowed", "done"),  # marked done: within the 10 % completion allowance
    ]


def test_budgets_without_an_estimate_come_from_the_phase_formula(demo: Path, capsys) -> None:
    rows = sql(
        capsys,
        demo,
        "SELECT plan_id, slice_id, budget_source, budget_tokens, latency_budget_ms "
        "FROM latest_slice_states WHERE estimation_method IS NULL ORDER BY plan_id",
    )
    # Σ base × weight over the nine phases: 2000×0.8 + 3000 + 3000 + 4000×1.5 + 8000×2 + 4000
    # + 3000 + 1500×0.6 + 1000×0.5 = 38,000 tokens. S5 is Large/high: × 1.5 × 1.4 = 79,800;
    # IMP-DOCS-02 Small/low: × 0.8 × 0.7 = 21,280 (no phase's product needs rounding up).
    # Latency likewise (no run, so every phase): 30,000×0.8 + 45,000 + 45,000 + 60,000×1.5
    # + 180,000×2 + 120,000 + 60,000 + 20,000×0.6 + 20,000×0.5 = 766,000 ms; × 2.1 = 1,608,600
    # and × 0.56 = 428,960.
    assert [tuple(r.values()) for r in rows] == [
        ("IMP-COST-01", "S5", "formula", 79_800, 1_608_600),
        ("IMP-DOCS-02", "FULL_PLAN", "formula", 21_280, 428_960),
    ]


def test_rates_by_month_judge_each_slice_at_the_end_of_the_month(demo: Path, capsys) -> None:
    rows = query(capsys, demo, "rates-by-month")
    # October: nothing spent yet, no row. November: S1 (within, allowed once done) and S2
    # (warning): 1 breach of 2, no stop-loss (S1's trip on Nov 6 was allowed by Nov 20).
    # December: S3 (within, triggered by IMPLEMENT) and S4 (exceeded; triggered: 2.6964 of its
    # estimate in total, past the cumulative 1.2): 1 breach and 2 stop-losses of 2.
    assert rows == [
        {
            "month": "2026-11",
            "slices": 2,
            "breaches": 1,
            "breach_rate": 0.5,
            "stop_losses": 0,
            "stop_loss_rate": 0.0,
        },
        {
            "month": "2026-12",
            "slices": 2,
            "breaches": 1,
            "breach_rate": 0.5,
            "stop_losses": 2,
            "stop_loss_rate": 1.0,
        },
    ]


def test_success_metrics_are_measured_at_the_latest_state(demo: Path, capsys) -> None:
    rows = {r["metric"]: r for r in query(capsys, demo, "success-metrics")}
    # Breaches: S2 and S4 of the four slices with spend; stop-loss: S3 and S4 of four.
    assert rows["breach rate"]["value"] == 0.5
    assert rows["stop-loss rate"]["value"] == 0.5
    # Finished slices: S1 and S2 only.
    assert rows["average utilisation"]["value"] == pytest.approx((round(S1, 4) + round(S2, 4)) / 2)
    assert rows["average utilisation"]["slices"] == 2
    assert {name: row["met"] for name, row in rows.items()} == dict.fromkeys(rows, "not met")


def test_utilisation_groups_over_finished_slices(demo: Path, capsys) -> None:
    # Only S1's runs report phases: PLAN 31,000 / 20,000, IMPLEMENT 128,000 / 144,000, VERIFY
    # 42,700 / 52,000 (its estimate's phases), in phase order.
    phases = query(capsys, demo, "utilisation-by-phase")
    assert [(r["phase"], r["slices"], r["average_utilisation"]) for r in phases] == [
        ("PLAN", 1, 1.55),
        ("IMPLEMENT", 1, 0.8889),
        ("VERIFY", 1, 0.8212),
    ]
    agents = query(capsys, demo, "utilisation-by-agent")
    assert [(r["agent"], r["average_utilisation"]) for r in agents] == [
        ("claude-code", round(S1, 4)),
        ("codex", round(S2, 4)),
    ]
    models = query(capsys, demo, "utilisation-by-model")
    assert [r["model"] for r in models] == ["claude-sonnet-4-5", "gpt-5-codex"]
    methods = query(capsys, demo, "utilisation-by-method")
    assert [(r["method"], r["slices"]) for r in methods] == [("HEURISTIC", 1), ("MANUAL", 1)]
    months = query(capsys, demo, "utilisation-by-month")
    assert months == [
        {
            "month": "2026-11",
            "slices": 2,
            "average_utilisation": pytest.approx((round(S1, 4) + round(S2, 4)) / 2),
        }
    ]


def test_estimate_accuracy(demo: Path, capsys) -> None:
    ratios = query(capsys, demo, "estimate-ratios")
    assert [(r["slice"], r["method"], r["agent"]) for r in ratios] == [
        ("IMP-COST-01/S1", "HEURISTIC", "claude-code"),
        ("IMP-COST-01/S2", "MANUAL", "codex"),
    ]
    assert [r["ratio"] for r in ratios] == [pytest.approx(S1), pytest.approx(S2)]
    accuracy = query(capsys, demo, "accuracy-by-month")
    assert [(r["month"], r["method"], r["slices"], r["hit_rate"]) for r in accuracy] == [
        ("2026-11", "HEURISTIC", 1, 1.0),
        ("2026-11", "MANUAL", 1, 1.0),
    ]
    assert [r["bias"] for r in accuracy] == [pytest.approx(S1), pytest.approx(S2)]


def test_runs_are_recorded_with_the_commit_that_added_them(demo: Path, capsys) -> None:
    spend = query(capsys, demo, "spend-by-month")
    # November: S1's run and S2's two (201,700 + 60,400 + 96,300); December: the other six.
    assert [(r["month"], r["runs"], r["tokens"]) for r in spend] == [
        ("2026-11", 3, 358_400),
        ("2026-12", 6, 464_207),
    ]
    rows = sql(
        capsys,
        demo,
        "SELECT r.run_id, r.added_seq, r.cost_usd, r.tokens_estimated FROM runs r "
        "WHERE r.agent_id = 'openhands' OR r.run_id LIKE 'claude-code-%' ORDER BY r.run_id",
    )
    # The two imported runs carry the cost their agents reported.
    assert [(r["run_id"], r["added_seq"], r["cost_usd"], r["tokens_estimated"]) for r in rows] == [
        ("claude-code-b3e1f9a2-5c7d-4e8f-a1b2-c3d4e5f60718", 5, 0.11900505, 0),
        ("openhands-efc3bcc7c5bbd772", 5, 0.09841, 0),
        ("run-s4-openhands-01", 5, rows[2]["cost_usd"], 0),
    ]
    trailers = sql(capsys, demo, "SELECT commit_seq, key, value FROM trailers ORDER BY 1")
    assert [(r["commit_seq"], r["key"], r["value"]) for r in trailers] == [
        (seq, "Plan-Slice", "IMP-COST-01/S1") for seq in (2, 3, 4, 5)
    ]
