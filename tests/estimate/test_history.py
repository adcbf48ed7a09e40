"""`budget-gate history` against a fixture whose figures are computed by hand below.

Plan P1 (MVP, Large × high) and plan P2 (PROD, Small × low). Token ratios actual / estimate:

    slice  method     sizing         agent (most tokens)  tokens            requests
    P1/A   HEURISTIC  Large × high   claude-code          10,000 → 20,000   10 → 10
    P1/B   HEURISTIC  Large × low    codex                10,000 →  5,000   10 → 40
    P1/C   MANUAL     Large × high   claude-code          10,000 → 40,000   10 →  5
    P1/D   MANUAL     Large × high   claude-code           8,000 →  8,000    8 →  8
    P2/X   HEURISTIC  Small × low    aider                 1,000 →  1,250    5 →  5
    P1/E   MANUAL     Large × high   claude-code               0 →    700    3 →  2

A's 20,000 tokens include a FAIL run of codex (5,000 tokens, 2 requests). E's zero token
estimate has no ratio. P1/F is in progress (left out), P1/G is done with no usage report.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from budget_gate.cli import main
from budget_gate.estimate.history import Dimension, History, Pair, accuracy, build_history
from budget_gate.estimate.history_report import (
    render_history_json,
    render_history_markdown,
    render_history_text,
)
from budget_gate.load.phase_budgets import shipped_phase_budgets
from budget_gate.models.common import Complexity, Environment, Importance, Phase, PlanStatus
from budget_gate.models.estimate import EstimationMethod, EstimationRecord, PhaseEstimate
from budget_gate.models.plan import Plan, PlanSlice
from budget_gate.models.usage import PhaseUsage, RunStatus
from budget_gate.scope.index import RecordIndex
from builders import artifacts, estimate, report

LN2 = math.log(2)


def est(
    plan_id: str,
    slice_id: str,
    tokens: int,
    requests: int,
    method: EstimationMethod = EstimationMethod.MANUAL,
) -> EstimationRecord:
    return estimate(plan_id, slice_id, requests=requests, prompt=tokens, completion=0).model_copy(
        update={"estimation_method": method}
    )


def done(slice_id: str, **fields: object) -> PlanSlice:
    return PlanSlice.model_validate({"slice_id": slice_id, "status": "done", **fields})


P1 = Plan(
    plan_id="P1",
    status=PlanStatus.IN_PROGRESS,
    environment=Environment.MVP,
    complexity=Complexity.LARGE,
    importance=Importance.HIGH,
    slices=[
        done("A"),
        done("B", importance="low"),
        done("C"),
        done("D"),
        done("E"),
        PlanSlice(slice_id="F", status=PlanStatus.IN_PROGRESS),
        done("G"),
    ],
)
P2 = Plan(
    plan_id="P2",
    status=PlanStatus.DONE,
    environment=Environment.PROD,
    complexity=Complexity.SMALL,
    importance=Importance.LOW,
)
A_ESTIMATE = est("P1", "A", 10_000, 10, EstimationMethod.HEURISTIC).model_copy(
    update={
        "phases": {
            Phase.THINK: PhaseEstimate(requests=4, prompt_tokens=4_000),
            Phase.IMPLEMENT: PhaseEstimate(requests=5, prompt_tokens=5_000),
            Phase.PR: PhaseEstimate(requests=1, prompt_tokens=1_000),
        }
    }
)
ESTIMATES = [
    A_ESTIMATE,
    est("P1", "B", 10_000, 10, EstimationMethod.HEURISTIC),
    est("P1", "C", 10_000, 10),
    est("P1", "D", 8_000, 8),
    est("P1", "E", 0, 3),
    est("P1", "F", 1_000, 1),
    est("P1", "G", 1_000, 1),
    est("P2", "FULL_PLAN", 1_000, 5, EstimationMethod.HEURISTIC),
]
RUNS = [
    report(
        "a-1",
        "P1",
        "A",
        agent="claude-code",
        model="claude-sonnet-4-5",
        requests=8,
        prompt=15_000,
        completion=0,
        phases={
            Phase.THINK: PhaseUsage(requests=2, prompt_tokens=2_000),
            Phase.IMPLEMENT: PhaseUsage(requests=6, prompt_tokens=13_000),
        },
    ),
    report(
        "a-2",
        "P1",
        "A",
        agent="codex",
        model="gpt-5-codex",
        requests=2,
        prompt=5_000,
        completion=0,
        status=RunStatus.FAIL,
        phase=Phase.IMPLEMENT,
    ),
    report(
        "b-1",
        "P1",
        "B",
        agent="codex",
        model="gpt-5-codex",
        requests=40,
        prompt=5_000,
        completion=0,
    ),
    report("c-1", "P1", "C", agent="claude-code", requests=5, prompt=40_000, completion=0),
    report("d-1", "P1", "D", agent="claude-code", requests=8, prompt=8_000, completion=0),
    report("e-1", "P1", "E", agent="claude-code", requests=2, prompt=700, completion=0),
    report("f-1", "P1", "F", agent="claude-code", requests=1, prompt=900, completion=0),
    report("x-1", "P2", "FULL_PLAN", agent="aider", requests=5, prompt=1_250, completion=0),
]


@pytest.fixture(scope="module")
def history() -> History:
    index = RecordIndex.build(artifacts(plans=[P1, P2], estimates=ESTIMATES, reports=RUNS))
    return build_history(index, budgets=shipped_phase_budgets())


def test_bias_typical_error_and_hit_rate_over_every_measured_slice(history: History) -> None:
    tokens = history.overall.tokens
    assert tokens is not None
    # Ratios 2, 0.5, 4, 1, 1.25: ln sum = ln2 - ln2 + 2 ln2 + 0 + ln 1.25 = ln 5 over 5 slices.
    assert tokens.count == 5
    assert tokens.bias == pytest.approx(5 ** (1 / 5))
    # |ln|: 0, ln 1.25, ln2, ln2, 2 ln2 -> median ln2.
    assert tokens.typical_error == pytest.approx(2.0)
    # Within ×2 (ends included): 2, 0.5, 1, 1.25 yes; 4 no.
    assert tokens.hit_rate == pytest.approx(4 / 5)

    requests = history.overall.requests
    assert requests is not None
    # Ratios 1, 4, 0.5, 1, 1 and E's 2/3: ln sum = 2 ln2 - ln2 + ln(2/3) = ln(4/3) over 6.
    assert requests.count == 6
    assert requests.bias == pytest.approx((4 / 3) ** (1 / 6))
    # |ln|: 0, 0, 0, ln 1.5, ln2, 2 ln2 -> median (0 + ln 1.5) / 2.
    assert requests.typical_error == pytest.approx(math.sqrt(1.5))
    assert requests.hit_rate == pytest.approx(5 / 6)


def group(history: History, dimension: Dimension, key: str) -> tuple[float, float, float, int]:
    [found] = [g for g in history.groups if g.dimension is dimension and g.key == key]
    assert found.tokens is not None
    return (
        found.tokens.bias,
        found.tokens.typical_error,
        found.tokens.hit_rate,
        found.tokens.count,
    )


def test_grouped_by_method_agent_environment_and_model(history: History) -> None:
    # HEURISTIC: 2, 0.5, 1.25 -> bias 1.25^(1/3); |ln| ln2, ln2, ln1.25 -> median ln2.
    assert group(history, Dimension.METHOD, "HEURISTIC") == pytest.approx(
        (1.25 ** (1 / 3), 2, 1, 3)
    )
    # MANUAL: 4, 1 -> bias 2; |ln| 2 ln2, 0 -> median ln2; hit 1 of 2.
    assert group(history, Dimension.METHOD, "MANUAL") == pytest.approx((2, 2, 0.5, 2))
    # A's tokens are mostly claude-code's (15,000 of 20,000): claude-code has A, C, D.
    assert group(history, Dimension.AGENT, "claude-code") == pytest.approx((2, 2, 2 / 3, 3))
    assert group(history, Dimension.AGENT, "codex") == pytest.approx((0.5, 2, 1, 1))
    assert group(history, Dimension.AGENT, "aider") == pytest.approx((1.25, 1.25, 1, 1))
    # MVP: 2, 0.5, 4, 1 -> bias 4^(1/4) = √2; |ln| 0, ln2, ln2, 2 ln2 -> median ln2.
    assert group(history, Dimension.ENVIRONMENT, "MVP") == pytest.approx((math.sqrt(2), 2, 0.75, 4))
    assert group(history, Dimension.ENVIRONMENT, "PROD") == pytest.approx((1.25, 1.25, 1, 1))
    # Models: A by claude-sonnet-4-5 (most tokens), B by gpt-5-codex, the rest name none.
    assert group(history, Dimension.MODEL, "claude-sonnet-4-5") == pytest.approx((2, 2, 1, 1))
    assert group(history, Dimension.MODEL, "gpt-5-codex") == pytest.approx((0.5, 2, 1, 1))
    assert group(history, Dimension.MODEL, "(unknown)") == pytest.approx(
        (5 ** (1 / 3), 1.25, 2 / 3, 3)  # 4, 1, 1.25: ln sum ln 5; |ln| 0, ln1.25, 2ln2
    )


def test_per_phase_ratios_where_the_estimate_has_phases(history: History) -> None:
    # THINK 4,000 -> 2,000; IMPLEMENT 5,000 -> 13,000 + the FAIL run's 5,000; PR 1,000 -> 0.
    assert [(item.phase, item.tokens, item.requests) for item in history.phases] == [
        (Phase.THINK, Pair(4_000, 2_000), Pair(4, 2)),
        (Phase.IMPLEMENT, Pair(5_000, 18_000), Pair(5, 8)),
        (Phase.PR, Pair(1_000, 0), Pair(1, 0)),
    ]
    assert group(history, Dimension.PHASE, "THINK") == pytest.approx((0.5, 2, 1, 1))
    assert group(history, Dimension.PHASE, "IMPLEMENT") == pytest.approx((3.6, 3.6, 0, 1))
    assert [g.key for g in history.groups if g.dimension is Dimension.PHASE] == [
        "THINK",
        "IMPLEMENT",
    ]


def test_zero_estimates_and_zero_spend_are_listed_apart(history: History) -> None:
    apart = [
        (str(item.ref), item.phase, item.measure.value, item.reason, item.pair)
        for item in history.unmeasured
    ]
    assert apart == [
        ("P1/E", None, "tokens", "zero estimate", Pair(0, 700)),
        ("P1/A", Phase.PR, "tokens", "nothing spent", Pair(1_000, 0)),
        ("P1/A", Phase.PR, "requests", "nothing spent", Pair(1, 0)),
    ]


def test_fail_and_blocked_runs_are_counted_and_reported_apart(history: History) -> None:
    [failed] = history.failed_runs
    assert (failed.run_id, str(failed.ref), failed.agent, failed.status, failed.tokens) == (
        "a-2",
        "P1/A",
        "codex",
        RunStatus.FAIL,
        5_000,
    )
    # Of 20,000 + 5,000 + 40,000 + 8,000 + 700 + 1,250 = 74,950 tokens.
    assert (history.failed_tokens, history.actual_tokens) == (5_000, 74_950)
    # PASS runs only, A is 15,000 / 10,000 = 1.5: ln sum ln 1.5 - ln2 + 2 ln2 + ln 1.25 =
    # ln 3.75 over 5.
    passing = history.without_failed.tokens
    assert passing is not None
    assert passing.bias == pytest.approx(3.75 ** (1 / 5))


def test_unfinished_and_unreported_slices_are_named_not_dropped(history: History) -> None:
    assert [str(ref) for ref in history.unfinished] == ["P1/F"]
    assert [str(ref) for ref in history.without_runs] == ["P1/G"]


def test_all_statuses_measures_unfinished_slices_too() -> None:
    index = RecordIndex.build(artifacts(plans=[P1, P2], estimates=ESTIMATES, reports=RUNS))
    everything = build_history(index, budgets=shipped_phase_budgets(), all_statuses=True)
    assert "P1/F" in [str(item.ref) for item in everything.slices]
    assert everything.unfinished == ()


def test_suggested_multipliers_by_least_squares_on_the_heuristic_log_ratios(
    history: History,
) -> None:
    # Samples (HEURISTIC only): A Large×high ln2, B Large×low -ln2, X Small×low ln1.25.
    # Exact fit a_L + b_h = ln2, a_L + b_l = -ln2, a_S + b_l = ln1.25, with importance
    # corrections averaging zero over the samples: b_h + 2 b_l = 0. So b_l = -2/3 ln2,
    # b_h = 4/3 ln2, a_L = -1/3 ln2, a_S = ln1.25 + 2/3 ln2.
    fit = history.fit
    assert fit.samples == 3
    by_level = {item.level: item for item in (*fit.complexity, *fit.importance)}
    large, small = by_level["Large"], by_level["Small"]
    high, low = by_level["high"], by_level["low"]
    assert (large.samples, small.samples, high.samples, low.samples) == (2, 1, 1, 2)
    assert large.factor == pytest.approx(2 ** (-1 / 3))
    assert small.factor == pytest.approx(1.25 * 2 ** (2 / 3))
    assert high.factor == pytest.approx(2 ** (4 / 3))
    assert low.factor == pytest.approx(2 ** (-2 / 3))
    # Suggested = current × factor, to two decimals: 1.5 × 0.7937, 0.8 × 1.9843, ...
    assert (large.suggested, small.suggested, high.suggested, low.suggested) == (
        1.19,
        1.59,
        3.53,
        0.44,
    )
    assert (by_level["Tiny"].factor, by_level["Tiny"].suggested) == (None, 0.5)


def test_accuracy_of_nothing_is_none_and_a_hit_is_exact_on_the_counts() -> None:
    assert accuracy([Pair(0, 5), Pair(5, 0)]) is None
    assert Pair(1_000, 2_000).hit and Pair(1_000, 500).hit
    assert not Pair(1_000, 2_001).hit and not Pair(1_000, 499).hit


# --- the outputs --------------------------------------------------------------------------------


def test_the_text_output_leads_with_the_overall_figures(history: History) -> None:
    lines = render_history_text(history).splitlines()
    # Six slices are measured: E has a request ratio, only its tokens are listed apart.
    assert lines[0] == "Estimate accuracy: 6 done slices with an estimate and usage reports."
    assert lines[4].split() == [
        "all",
        "5",
        "1.38×",
        "×2.00",
        "80",
        "%",
        "6",
        "1.05×",
        "×1.22",
        "83",
        "%",
    ]
    text = "\n".join(lines)
    assert "  P1/E tokens: zero estimate (0 estimated, 700 spent)" in text
    assert (
        "FAIL/BLOCKED runs (counted in the figures above): 1 run spent 5,000 of 74,950 tokens"
        in text
    )
    assert "Not done yet, left out (--all-statuses includes them): P1/F" in text
    assert "  complexity  Tiny      0.5 (no samples: keep)" in text
    assert "              Large     1.5 → 1.19 (×0.79, 2 slices)" in text
    assert "      complexity: {Small: 1.59, Large: 1.19}" in text
    assert "      importance: {low: 0.44, high: 3.53}" in text


def test_the_json_output_has_the_documented_keys(history: History) -> None:
    data = json.loads(render_history_json(history))
    assert set(data) == {
        "all_statuses",
        "measured",
        "overall",
        "groups",
        "slices",
        "phases",
        "unmeasured",
        "failed_runs",
        "unfinished",
        "without_runs",
        "suggestions",
    }
    assert data["overall"]["tokens"] == {
        "count": 5,
        "bias": round(5 ** (1 / 5), 4),
        "typical_error": 2.0,
        "hit_rate": 0.8,
    }
    first = data["slices"][0]
    assert first == {
        "plan_id": "P1",
        "slice_id": "A",
        "status": "done",
        "method": "HEURISTIC",
        "agent": "claude-code",
        "model": "claude-sonnet-4-5",
        "environment": "MVP",
        "complexity": "Large",
        "importance": "high",
        "runs": 2,
        "tokens": {"estimated": 10_000, "actual": 20_000, "ratio": 2.0},
        "requests": {"estimated": 10, "actual": 10, "ratio": 1.0},
    }
    assert data["unmeasured"][0]["reason"] == "zero estimate"
    assert data["failed_runs"]["tokens"] == 5_000


def test_the_markdown_output_escapes_user_strings(history: History) -> None:
    hostile = report(
        "x-1",
        "P2",
        "FULL_PLAN",
        agent="aider",
        model="@octocat|<b>",
        requests=5,
        prompt=1_250,
        completion=0,
    )
    runs = [run for run in RUNS if run.run_id != "x-1"] + [hostile]
    index = RecordIndex.build(artifacts(plans=[P1, P2], estimates=ESTIMATES, reports=runs))
    text = render_history_markdown(build_history(index, budgets=shipped_phase_budgets()))
    assert text.startswith("## Estimate accuracy\n")
    # In a code span (group keys) nothing renders or pings; in a table cell it is escaped.
    assert "| model `@octocat\\|<b>` |" in text
    assert "| @&#8203;octocat\\|&lt;b&gt; |" in text
    assert "| **all** | 5 | 1.38× | ×2.00 | 80 % | 6 | 1.05× | ×1.22 | 83 % |" in text
    assert "```yaml\nphase_budgets:\n  complexity: {Small: 1.59, Large: 1.19}" in text


# --- the command ----------------------------------------------------------------------------------


def write_repo(root: Path) -> None:
    (root / "plans/p1/usage").mkdir(parents=True)
    (root / "plans/p1/plan.yaml").write_text(
        "plan_id: P1\nstatus: done\ncomplexity: Small\nimportance: low\n"
    )
    (root / "plans/p1/estimation.yaml").write_text(
        "plan_id: P1\nslice_id: FULL_PLAN\nestimated_requests: 4\nestimated_prompt_tokens: 800\n"
        "estimated_completion_tokens: 200\nestimation_method: HEURISTIC\nestimation_owner: d\n"
        "estimation_timestamp: 2026-01-01T00:00:00Z\n"
    )
    (root / "plans/p1/usage/r-1.yaml").write_text(
        "run_id: r-1\nplan_id: P1\nslice_id: FULL_PLAN\nagent_id: codex\nactual_requests: 6\n"
        "actual_prompt_tokens: 1200\nactual_completion_tokens: 300\nactual_total_tokens: 1500\n"
        "duration_seconds: 10\nstatus: PASS\nreport_timestamp: 2026-01-02T00:00:00Z\n"
    )


@pytest.mark.parametrize("output_format", ["text", "markdown", "json"])
def test_the_command_reads_the_whole_repository_in_each_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output_format: str
) -> None:
    write_repo(tmp_path)
    assert main(["history", "--repo", str(tmp_path), "--format", output_format]) == 0
    out = capsys.readouterr().out
    if output_format == "json":
        assert json.loads(out)["slices"][0]["tokens"] == {
            "estimated": 1_000,
            "actual": 1_500,
            "ratio": 1.5,
        }
    else:
        assert "1,000 → 1,500 (1.50)" in out
        # One HEURISTIC Small × low slice at 1.5: Small 0.8 → 1.2, low keeps 0.7 (×1.00).
        assert "0.8 → 1.2 (×1.50, 1 slice)" in out


def test_the_command_writes_to_a_file(tmp_path: Path) -> None:
    write_repo(tmp_path)
    target = tmp_path / "out" / "history.md"
    assert (
        main(["history", "--repo", str(tmp_path), "--format", "markdown", "--output", str(target)])
        == 0
    )
    assert target.read_text().startswith("## Estimate accuracy\n")
