"""Phase budgets in the gate: per-phase status at each band boundary, the `stop-loss` finding and
its severity, and the per-phase table in every report format.

Plan P1 (Medium × medium) has slice S1 with an estimate split into THINK 10,000 and IMPLEMENT
10,000 tokens (20,000 in total); runs report phases.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from budget_gate.judge.budgets import BudgetSource, BudgetStatus, StopLoss
from budget_gate.judge.engine import judge
from budget_gate.judge.report import Report, Verdict
from budget_gate.load.phase_budgets import effective_phase_budgets, shipped_phase_budgets
from budget_gate.models.common import Complexity, Importance, Phase, PlanStatus
from budget_gate.models.config import GateConfig, Mode
from budget_gate.models.estimate import EstimationRecord, PhaseEstimate
from budget_gate.models.findings import Finding, FindingCode, Severity
from budget_gate.models.plan import Plan, PlanSlice
from budget_gate.models.usage import PhaseUsage, RunStatus, UsageReport
from budget_gate.render.json_report import render_json
from budget_gate.render.markdown import render_markdown
from budget_gate.render.text import render_text
from budget_gate.scope.change import Change, ScopeKind
from builders import NOW, artifacts, estimate, report, sourced

PLAN_PATH = "plans/p1/plan.md"
ESTIMATE_PATH = "plans/p1/estimation.yaml"


def the_plan(status: PlanStatus = PlanStatus.IN_PROGRESS) -> Plan:
    return Plan(
        plan_id="P1",
        status=status,
        complexity=Complexity.MEDIUM,
        importance=Importance.MEDIUM,
        slices=[PlanSlice(slice_id="S1", title="Calculator")],
    )


def phased_estimate() -> EstimationRecord:
    return estimate(requests=10, prompt=16_000, completion=4_000).model_copy(
        update={
            "phases": {
                Phase.THINK: PhaseEstimate(
                    requests=4, prompt_tokens=8_000, completion_tokens=2_000
                ),
                Phase.IMPLEMENT: PhaseEstimate(
                    requests=6, prompt_tokens=8_000, completion_tokens=2_000
                ),
            }
        }
    )


def run(run_id: str, phase: Phase, tokens: int, status: RunStatus = RunStatus.PASS) -> UsageReport:
    return report(run_id, phase=phase, prompt=tokens, completion=0, requests=2, status=status)


def gate(
    *runs: UsageReport,
    plan_status: PlanStatus = PlanStatus.IN_PROGRESS,
    config: GateConfig | None = None,
    estimate_record: EstimationRecord | None = None,
) -> Report:
    est = estimate_record or phased_estimate()
    config = config or GateConfig()
    return judge(
        change=Change(kind=ScopeKind.AUDIT),
        artifacts=artifacts(
            plans=[sourced(the_plan(plan_status), path=PLAN_PATH)],
            estimates=[sourced(est, path=ESTIMATE_PATH, line=3)],
            reports=runs,
        ),
        config=config,
        budgets=effective_phase_budgets(config.phase_budgets),
        labels=(),
        now=NOW,
    )


def stop_losses(report_: Report) -> list[Finding]:
    return [item for item in report_.findings if item.code is FindingCode.STOP_LOSS]


# --- band boundaries in the gate ------------------------------------------------------------


@pytest.mark.parametrize(
    ("think", "status"),
    [
        (10_000, BudgetStatus.WITHIN),  # exactly 100 %
        (10_001, BudgetStatus.WARNING),
        (15_000, BudgetStatus.WARNING),  # exactly 150 %
        (15_001, BudgetStatus.EXCEEDED),
    ],
)
def test_each_band_boundary_in_the_report(think: int, status: BudgetStatus) -> None:
    # IMPLEMENT spends nothing, so the cumulative stays at most 75 %.
    result = gate(run("r-1", Phase.THINK, think)).slices[0].phase_budget
    assert result is not None
    [think_row, implement_row] = result.phases
    assert (think_row.phase, think_row.status, think_row.source) == (
        Phase.THINK,
        status,
        BudgetSource.ESTIMATE,
    )
    assert (implement_row.actual_tokens, implement_row.status) == (0, BudgetStatus.WITHIN)


def test_exactly_150_percent_in_a_phase_is_no_stop_loss_but_one_token_more_is() -> None:
    assert stop_losses(gate(run("r-1", Phase.THINK, 15_000))) == []
    [finding] = stop_losses(gate(run("r-1", Phase.THINK, 15_001)))
    assert finding.severity is Severity.ERROR
    assert finding.message == (
        "P1/S1 passed its stop-loss: THINK spent 15,001 of its 10,000-token budget (150%, "
        "stop-loss above 150%). Stop the agent work on it and re-plan before spending more."
    )
    # At the estimate's `phases:`, its 9th field: line 3 + 8 in the builder's layout.
    assert (finding.path, finding.line, finding.field) == (ESTIMATE_PATH, 11, "phases")
    assert (finding.plan_id, finding.slice_id) == ("P1", "S1")
    assert finding.fix is not None
    assert f"re-estimate P1/S1 in {ESTIMATE_PATH}" in finding.fix


def test_exactly_120_percent_cumulative_is_no_stop_loss_but_one_token_more_is() -> None:
    # 12,000 + 12,000 = 24,000 of 20,000: 120 %, each phase at 120 % (a warning only).
    at_limit = gate(run("r-1", Phase.THINK, 12_000), run("r-2", Phase.IMPLEMENT, 12_000))
    assert stop_losses(at_limit) == []
    budget = at_limit.slices[0].phase_budget
    assert budget is not None
    assert (budget.actual_tokens, budget.budget_tokens, budget.utilisation) == (24_000, 20_000, 1.2)
    assert budget.status is BudgetStatus.WARNING

    over = gate(run("r-1", Phase.THINK, 12_000), run("r-2", Phase.IMPLEMENT, 12_001))
    [finding] = stop_losses(over)
    assert "it spent 24,001 of its 20,000-token budget in total (120%, stop-loss above 120%)" in (
        finding.message
    )


def test_failed_and_blocked_runs_count_toward_the_stop_loss() -> None:
    report_ = gate(
        run("r-1", Phase.THINK, 9_000),
        run("r-2", Phase.THINK, 7_000, status=RunStatus.FAIL),
    )
    assert len(stop_losses(report_)) == 1  # 16,000 of 10,000


def test_a_done_slice_less_than_the_allowance_past_the_limit_completes_without_finding() -> None:
    report_ = gate(run("r-1", Phase.THINK, 15_999), plan_status=PlanStatus.DONE)
    assert stop_losses(report_) == []
    budget = report_.slices[0].phase_budget
    assert budget is not None
    assert budget.stop_loss is StopLoss.ALLOWED
    assert "past the stop-loss but done: allowed to complete" in render_markdown(report_)


def test_a_done_slice_further_past_the_limit_still_gets_the_finding() -> None:
    report_ = gate(run("r-1", Phase.THINK, 16_000), plan_status=PlanStatus.DONE)
    assert len(stop_losses(report_)) == 1


# --- severity -------------------------------------------------------------------------------


def test_stop_loss_disabled_is_reported_as_a_warning_and_passes() -> None:
    config = GateConfig.model_validate({"phase_budgets": {"stop_loss": {"enabled": False}}})
    report_ = gate(run("r-1", Phase.THINK, 20_000), config=config)
    [finding] = stop_losses(report_)
    assert finding.severity is Severity.WARNING
    assert report_.verdict is Verdict.PASS


def test_observe_mode_never_fails_on_the_stop_loss() -> None:
    report_ = gate(run("r-1", Phase.THINK, 20_000), config=GateConfig(mode=Mode.OBSERVE))
    [finding] = stop_losses(report_)
    assert finding.severity is Severity.WARNING
    assert report_.verdict is Verdict.PASS


def test_enforced_stop_loss_fails_the_gate() -> None:
    report_ = gate(run("r-1", Phase.THINK, 20_000))
    assert report_.verdict is Verdict.FAIL


def test_config_severities_still_apply_to_the_stop_loss() -> None:
    config = GateConfig.model_validate({"severities": {"stop-loss": "notice"}})
    [finding] = stop_losses(gate(run("r-1", Phase.THINK, 20_000), config=config))
    assert finding.severity is Severity.NOTICE


# --- which slices get phase budgets ---------------------------------------------------------


def test_a_slice_whose_runs_report_no_phase_has_no_phase_table_but_is_judged_in_total() -> None:
    report_ = gate(report("r-1", prompt=18_000, completion=0))  # 90 % of 20,000
    budget = report_.slices[0].phase_budget
    assert budget is not None
    assert (budget.has_phase_data, budget.phases, budget.stop_loss) == (False, (), StopLoss.NONE)
    assert (budget.budget_source, budget.budget_tokens, budget.utilisation) == (
        BudgetSource.ESTIMATE,
        20_000,
        0.9,
    )
    assert stop_losses(report_) == []
    assert "Phase budgets" not in render_markdown(report_)
    data = json.loads(render_json(report_))["slices"][0]["phase_budget"]
    assert (data["phase_data"], data["phases"], data["stop_loss"]) == (False, [], "none")


def test_a_slice_without_a_usage_report_has_no_budget() -> None:
    assert gate().slices[0].phase_budget is None


# --- the cumulative stop-loss without phase data --------------------------------------------


def unphased(tokens: int, run_id: str = "r-1") -> UsageReport:
    return report(run_id, prompt=tokens, completion=0, requests=2)


def test_a_slice_at_130_percent_of_its_estimate_without_phase_data_trips() -> None:
    report_ = gate(unphased(26_000))  # 1.3 × 20,000
    [finding] = stop_losses(report_)
    assert finding.severity is Severity.ERROR
    assert report_.verdict is Verdict.FAIL
    # 6,000 over is +30 %, a variance warning that already shows the token figures: the
    # stop-loss says how far past its limit the slice is, not the same numbers again.
    [variance] = [item for item in report_.findings if item.code is FindingCode.VARIANCE_WARNING]
    assert "26,000 tokens against an estimate of 20,000 (+30%)" in variance.message
    assert finding.message == (
        "P1/S1 passed its stop-loss: it spent 130% of its estimate in total (stop-loss above "
        "120%; the token figures are in its variance-warning finding). Stop the agent work on "
        "it and re-plan before spending more."
    )
    assert "26,000" not in finding.message
    assert (finding.path, finding.line) == (ESTIMATE_PATH, 11)


def test_without_a_variance_finding_the_stop_loss_shows_the_figures() -> None:
    config = GateConfig.model_validate({"thresholds": {"default": {"warn": 1.0, "fail": 2.0}}})
    report_ = gate(unphased(26_000), config=config)
    [finding] = stop_losses(report_)
    assert "it spent 26,000 of its 20,000-token budget in total (130%, stop-loss above 120%)" in (
        finding.message
    )


def test_exactly_120_percent_without_phase_data_does_not_trip() -> None:
    report_ = gate(unphased(24_000))
    assert stop_losses(report_) == []
    budget = report_.slices[0].phase_budget
    assert budget is not None
    assert (budget.utilisation, budget.stop_loss) == (1.2, StopLoss.NONE)
    assert stop_losses(gate(unphased(24_001))) != []


@pytest.mark.parametrize(
    ("spent", "stop", "findings"),
    [
        (25_000, StopLoss.ALLOWED, 0),  # 1.25: less than 0.1 past 1.2, allowed to complete
        (27_000, StopLoss.TRIGGERED, 1),  # 1.35: too far past
    ],
)
def test_a_done_slice_without_phase_data_may_complete_just_past_the_limit(
    spent: int, stop: StopLoss, findings: int
) -> None:
    report_ = gate(unphased(spent), plan_status=PlanStatus.DONE)
    budget = report_.slices[0].phase_budget
    assert budget is not None
    assert budget.stop_loss is stop
    assert len(stop_losses(report_)) == findings


def test_every_run_counts_whatever_it_reports() -> None:
    # 14,000 in THINK (140 % of its 10,000, under the per-phase limit) and 12,000 reported
    # without a phase: 26,000 of 20,000 in total, 130 %.
    report_ = gate(run("r-1", Phase.THINK, 14_000), unphased(12_000, "r-2"))
    budget = report_.slices[0].phase_budget
    assert budget is not None
    assert (budget.actual_tokens, budget.unattributed_tokens) == (26_000, 12_000)
    [trip] = budget.trips
    assert (trip.phase, trip.utilisation) == (None, 1.3)


# --- staged enforcement ---------------------------------------------------------------------


def high_plan_gate(*runs: UsageReport, config: GateConfig) -> Report:
    plan = the_plan().model_copy(update={"importance": Importance.HIGH})
    return judge(
        change=Change(kind=ScopeKind.AUDIT),
        artifacts=artifacts(
            plans=[sourced(plan, path=PLAN_PATH)],
            estimates=[sourced(phased_estimate(), path=ESTIMATE_PATH, line=3)],
            reports=runs,
        ),
        config=config,
        budgets=effective_phase_budgets(config.phase_budgets),
        labels=(),
        now=NOW,
    )


def test_a_high_slice_is_warned_while_only_low_and_medium_are_enforced() -> None:
    config = GateConfig.model_validate(
        {"phase_budgets": {"stop_loss": {"enforce_importance": ["low", "medium"]}}}
    )
    report_ = high_plan_gate(unphased(30_000), config=config)
    [finding] = stop_losses(report_)
    assert finding.severity is Severity.WARNING
    assert finding.message.endswith(
        "Enforcement for high-importance slices is not on yet "
        "(phase_budgets.stop_loss.enforce_importance: low, medium), so this is a warning."
    )
    budget = report_.slices[0].phase_budget
    assert budget is not None and not budget.enforced
    assert report_.verdict is Verdict.PASS


def test_a_medium_slice_is_enforced_in_the_same_stage() -> None:
    config = GateConfig.model_validate(
        {"phase_budgets": {"stop_loss": {"enforce_importance": ["low", "medium"]}}}
    )
    [finding] = stop_losses(gate(unphased(30_000), config=config))
    assert finding.severity is Severity.ERROR
    assert "not on yet" not in finding.message


def test_by_default_every_importance_is_enforced() -> None:
    [finding] = stop_losses(high_plan_gate(unphased(30_000), config=GateConfig()))
    assert finding.severity is Severity.ERROR


# --- latency --------------------------------------------------------------------------------


def latency_findings(report_: Report) -> list[Finding]:
    return [item for item in report_.findings if item.code is FindingCode.LATENCY_BREACH]


def timed(run_id: str, seconds: float) -> UsageReport:
    return report(run_id, prompt=1_000, completion=0, duration_seconds=seconds)


def test_latency_at_130_percent_of_its_budget_is_a_latency_breach_warning() -> None:
    # No phase reported: the budget is every phase's latency limit, Medium × medium:
    # 30 × 0.8 + 45 + 45 + 60 × 1.5 + 180 × 2 + 120 + 60 + 20 × 0.6 + 20 × 0.5 = 766 s.
    budget_seconds = 24 + 45 + 45 + 90 + 360 + 120 + 60 + 12 + 10
    report_ = gate(timed("r-1", budget_seconds * 1.3))  # 995.8 s
    [finding] = latency_findings(report_)
    assert finding.severity is Severity.WARNING
    assert finding.message == (
        "P1/S1 ran past its latency budget: its runs took 996 s in all against its 766 s "
        "budget (130%, above 120%)."
    )
    assert finding.path == PLAN_PATH
    assert report_.verdict is Verdict.PASS
    assert latency_findings(gate(timed("r-1", budget_seconds * 1.2))) == []


def test_a_phase_over_its_latency_limit_is_named() -> None:
    # THINK's limit is 60 s × 1.5 = 90 s; 136 s is 151.1 %, past the 150 % per-phase limit.
    # With IMPLEMENT (360 s) the runs' budget is 450 s, and 236 s keeps the total well within.
    def runs(think_seconds: float) -> list[UsageReport]:
        return [
            report("r-1", phase=Phase.THINK, duration_seconds=think_seconds),
            report("r-2", phase=Phase.IMPLEMENT, duration_seconds=100),
        ]

    [finding] = latency_findings(gate(*runs(136)))
    assert finding.message == (
        "P1/S1 ran past its latency budget: THINK took 136 s against its 90 s budget "
        "(151.1%, above 150%)."
    )
    assert latency_findings(gate(*runs(135))) == []  # exactly 150 %


def test_latency_breach_severity_follows_the_config() -> None:
    config = GateConfig.model_validate({"severities": {"latency-breach": "error"}})
    report_ = gate(timed("r-1", 2_000), config=config)
    [finding] = latency_findings(report_)
    assert finding.severity is Severity.ERROR
    assert report_.verdict is Verdict.FAIL


def test_without_a_phase_breakdown_the_formula_is_the_phase_budget() -> None:
    plain_estimate = estimate(requests=10, prompt=16_000, completion=4_000)
    report_ = gate(run("r-1", Phase.PR, 1_000), estimate_record=plain_estimate)
    budget = report_.slices[0].phase_budget
    assert budget is not None
    [pr] = budget.phases
    # 1500 × 1.0 × 1.0 × 0.6 = 900: 1,000 is 111.1 %, a warning.
    assert (pr.source, pr.budget_tokens, pr.status) == (
        BudgetSource.FORMULA,
        900,
        BudgetStatus.WARNING,
    )
    assert (budget.budget_source, budget.budget_tokens) == (BudgetSource.ESTIMATE, 20_000)


def test_runs_with_a_phases_breakdown_are_split_and_the_rest_is_unattributed() -> None:
    breakdown = report(
        "r-1",
        prompt=12_000,
        completion=0,
        phases={
            Phase.THINK: PhaseUsage(requests=1, prompt_tokens=6_000),
            Phase.IMPLEMENT: PhaseUsage(requests=1, prompt_tokens=5_000, duration_seconds=90),
        },
    )
    budget = gate(breakdown).slices[0].phase_budget
    assert budget is not None
    assert [(row.phase, row.actual_tokens, row.actual_duration_ms) for row in budget.phases] == [
        (Phase.THINK, 6_000, None),
        (Phase.IMPLEMENT, 5_000, 90_000),
    ]
    assert budget.unattributed_tokens == 1_000
    assert budget.actual_tokens == 12_000


# --- the report ------------------------------------------------------------------------------


def exceeded_report() -> Report:
    return gate(run("r-1", Phase.THINK, 15_001), run("r-2", Phase.IMPLEMENT, 2_000))


def test_the_markdown_report_has_a_phase_table_for_the_slice() -> None:
    # Latency budgets: THINK 60,000 ms × 1.5 = 90 s; IMPLEMENT 180,000 ms × 2.0 = 360 s.
    text = render_markdown(exceeded_report())
    section = text[text.index("### Phase budgets") : text.index("### Findings")]
    assert section.splitlines()[2] == (
        "`P1/S1` · Medium × medium · cumulative 17,001 of 20,000 tokens estimated (85.0 %)"
        " · run time 120 s of 450 s (26.7 %) · 🛑 **stop-loss**"
    )
    assert (
        "| THINK | estimate | 15,001&nbsp;/&nbsp;10,000 (150.0&nbsp;%) | 🔥&nbsp;exceeded | "
        "2&nbsp;/&nbsp;4 | 60&nbsp;s&nbsp;/&nbsp;90&nbsp;s (66.7&nbsp;%) | ✅&nbsp;within |"
    ) in section
    assert (
        "| IMPLEMENT | estimate | 2,000&nbsp;/&nbsp;10,000 (20.0&nbsp;%) | ✅&nbsp;within | "
        "2&nbsp;/&nbsp;6 | 60&nbsp;s&nbsp;/&nbsp;360&nbsp;s (16.7&nbsp;%) | ✅&nbsp;within |"
    ) in section


def test_the_text_report_lists_the_phases() -> None:
    lines = render_text(exceeded_report()).splitlines()
    start = lines.index("Phase budgets (1 slice with phase data):")
    assert lines[start + 1] == (
        "  P1/S1 (Medium × medium): cumulative 17,001 of 20,000 tokens (estimate) 85.0 % within;"
        " run time 120 s of 450 s 26.7 %; STOP-LOSS"
    )
    assert lines[start + 3].split() == [
        "THINK",
        "estimate",
        "10,000",
        "15,001",
        "150.0",
        "%",
        "2",
        "/",
        "4",
        "60",
        "s",
        "/",
        "90",
        "s",
        "exceeded",
        "within",
    ]


def test_the_json_report_carries_the_phase_budget() -> None:
    data = json.loads(render_json(exceeded_report()))["slices"][0]["phase_budget"]
    assert data["stop_loss"] == "triggered"
    assert data["cumulative"] == {
        "budget_source": "estimate",
        "budget_tokens": 20_000,
        "actual_tokens": 17_001,
        "utilisation": 0.85,  # 0.85005 rounded to 4 places
        "status": "within",
    }
    assert data["phases"][0] == {
        "phase": "THINK",
        "budget_source": "estimate",
        "budget_tokens": 10_000,
        "actual_tokens": 15_001,
        "utilisation": 1.5001,
        "status": "exceeded",
        "budget_requests": 4,
        "actual_requests": 2,
        "budget_latency_ms": 90_000,  # 60,000 × 1.0 × 1.0 × 1.5
        "actual_duration_ms": 60_000,
        "latency_utilisation": 0.6667,
        "latency_status": "within",
    }
    assert data["latency"] == {
        "budget_ms": 450_000,  # THINK 90 s + IMPLEMENT 360 s: the phases the runs report
        "actual_ms": 120_000,
        "utilisation": 0.2667,
        "status": "within",
        "trips": [],
    }
    assert (data["phase_data"], data["enforced"]) == (True, True)
    assert data["trips"] == [
        {
            "phase": "THINK",
            "actual_tokens": 15_001,
            "budget_tokens": 10_000,
            "utilisation": 1.5001,
            "limit": 1.5,
            "allowed": False,
        }
    ]
    assert (data["complexity"], data["importance"], data["sizing_assumed"]) == (
        "Medium",
        "medium",
        False,
    )


def test_many_phase_tables_are_cut_to_fit_the_comment_with_a_note() -> None:
    slices = [PlanSlice(slice_id=f"S{index}") for index in range(60)]
    plan = Plan(plan_id="P1", status=PlanStatus.IN_PROGRESS, slices=slices)
    runs: Sequence[UsageReport] = [
        report(f"r-{index}", slice_id=f"S{index}", phase=Phase.THINK, prompt=100, completion=0)
        for index in range(60)
    ]
    report_ = judge(
        change=Change(kind=ScopeKind.AUDIT),
        artifacts=artifacts(plans=[plan], reports=runs),
        config=GateConfig(),
        budgets=shipped_phase_budgets(),
        labels=(),
        now=NOW,
    )
    text = render_markdown(report_, max_chars=12_000)
    assert len(text) <= 12_000
    assert "phase budget tables" in text
    assert "<!-- plan-budget-gate:report -->" in text
