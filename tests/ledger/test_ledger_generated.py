"""A generated history of 500 commits (`synthetic_history`: 20 plans of 25 commits, two plans a
month from 2025-01 to 2025-10), with figures derived from the generator's own numbers.

Every slice ends done at utilisation u = UTILISATION[plan % 4][slice], in total and in both of
its phases (IMPLEMENT 80,000·u of 80,000, VERIFY 20,000·u of 20,000). So:

- breach (u > 1.0): 1.25 and 1.6 in row 0, 1.1 in row 1, none in row 2; 1.25, 1.6 and 2.0 in
  row 3;
- stop-loss once done: a phase above 1.5 trips, and is allowed only below 1.5 + 0.1, so u = 1.6
  and 2.0 are triggered; u = 1.25 trips the cumulative 1.2 but is allowed (under 1.3).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from ledgerkit import isolate_git, query, run, sql

from synthetic_history import (
    COMMITS_PER_PLAN,
    ESTIMATE_TOKENS,
    SLICES,
    USD_PER_TOKEN,
    UTILISATION,
    build_history,
    method,
    month_of,
    utilisation,
)

PLANS = 20


def _rows(plans: range) -> list[float]:
    return [utilisation(plan, s) for plan in plans for s in range(SLICES)]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated") / "repo"
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate_git(monkeypatch)
        build_history(root, plans=PLANS)
    return root


@pytest.fixture
def ledger(
    generated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    isolate_git(monkeypatch)
    code, _out, err = run(capsys, "ledger", "--repo", generated, "--batch-size", "120")
    assert code == 0, err
    return generated


def test_the_whole_history_is_read_once(ledger: Path, capsys) -> None:
    counts = sql(
        capsys,
        ledger,
        "SELECT (SELECT count(*) FROM commits) AS commits, (SELECT count(*) FROM runs) AS runs, "
        "(SELECT count(DISTINCT plan_id || slice_id) FROM slice_states) AS slices",
    )
    assert counts == [{"commits": PLANS * COMMITS_PER_PLAN, "runs": PLANS * 20, "slices": 100}]
    code, out, _ = run(capsys, "ledger", "--repo", ledger)
    assert code == 0
    # A second run on the same history reads nothing new.
    assert out.startswith("ledger: 0 new commits, 0 usage reports read, 0 slice states written")


def test_success_metrics(ledger: Path, capsys) -> None:
    values = _rows(range(PLANS))
    rows = {r["metric"]: r for r in query(capsys, ledger, "success-metrics")}
    assert rows["breach rate"]["value"] == pytest.approx(
        sum(u > 1.0 for u in values) / len(values)  # 30 of 100
    )
    assert rows["stop-loss rate"]["value"] == pytest.approx(
        sum(u >= 1.6 for u in values) / len(values)  # 15 of 100
    )
    assert rows["average utilisation"]["value"] == pytest.approx(sum(values) / len(values))
    assert rows["breach rate"]["value"] == pytest.approx(0.30)
    assert rows["average utilisation"]["value"] == pytest.approx(0.9425)
    assert rows["stop-loss rate"]["value"] == pytest.approx(0.15)


def test_rates_and_spend_by_month(ledger: Path, capsys) -> None:
    rates = query(capsys, ledger, "rates-by-month")
    spend = query(capsys, ledger, "spend-by-month")
    assert len(rates) == len(spend) == PLANS // 2
    for month, (rate, paid) in enumerate(zip(rates, spend, strict=True)):
        plans = range(2 * month, 2 * month + 2)
        values = _rows(plans)
        assert rate["month"] == paid["month"] == month_of(month * 2 * COMMITS_PER_PLAN)
        assert rate["slices"] == 10
        assert rate["breaches"] == sum(u > 1.0 for u in values)
        assert rate["stop_losses"] == sum(u >= 1.6 for u in values)
        tokens = round(sum(u * ESTIMATE_TOKENS for u in values))
        assert (paid["runs"], paid["tokens"]) == (40, tokens)
        assert paid["cost_usd"] == pytest.approx(tokens * USD_PER_TOKEN)
        assert paid["unpriced_runs"] == 0
    # Months alternate rows 0+1 (3 breaches, 1 stop-loss) and rows 2+3 (3 and 2).
    assert [r["stop_losses"] for r in rates[:2]] == [1, 2]


def test_utilisation_by_phase_method_and_agent(ledger: Path, capsys) -> None:
    values = _rows(range(PLANS))
    phases = query(capsys, ledger, "utilisation-by-phase")
    assert [(r["phase"], r["slices"]) for r in phases] == [("IMPLEMENT", 100), ("VERIFY", 100)]
    assert [r["average_utilisation"] for r in phases] == [pytest.approx(sum(values) / 100)] * 2
    methods = {r["method"]: r for r in query(capsys, ledger, "utilisation-by-method")}
    for name in ("HEURISTIC", "MANUAL"):
        mine = [utilisation(p, s) for p in range(PLANS) if method(p) == name for s in range(SLICES)]
        assert methods[name]["slices"] == len(mine) == 50
        assert methods[name]["average_utilisation"] == pytest.approx(sum(mine) / len(mine))
    agents = query(capsys, ledger, "utilisation-by-agent")
    # Plans 0, 3, 6, … by claude-code (7 plans), 1, 4, … by codex (7), 2, 5, … by openhands (6).
    assert [(r["agent"], r["slices"]) for r in agents] == [
        ("claude-code", 35),
        ("codex", 35),
        ("openhands", 30),
    ]


def test_accuracy_by_month(ledger: Path, capsys) -> None:
    rows = query(capsys, ledger, "accuracy-by-month")
    assert len(rows) == PLANS  # one plan (one method) per month and method
    for row in rows:
        month = next(m for m in range(PLANS // 2) if month_of(m * 50) == row["month"])
        plan = next(p for p in (2 * month, 2 * month + 1) if method(p) == row["method"])
        ratios = [utilisation(plan, s) for s in range(SLICES)]
        assert row["slices"] == SLICES
        assert row["bias"] == pytest.approx(math.exp(sum(map(math.log, ratios)) / SLICES))
        assert row["hit_rate"] == 1.0  # every ratio is within 0.5 … 2.0, both included
    assert UTILISATION[3][4] == 2.0  # the edge of the ×2 band is a hit
