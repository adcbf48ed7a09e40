"""Each rule, positive and negative, asserting what the user reads: code, place, message, fix.

The standard repository: plan P1 (approved) with slices S1 (owns `src/s1/**`) and S2 (draft),
and an unsliced plan P2 (in-progress). Plan files put `slices:` on line 7.
"""

from __future__ import annotations

from collections.abc import Sequence

from budget_gate.judge.messages import listing, percent, record_home
from budget_gate.judge.report import BreachLevel
from budget_gate.judge.rules import (
    Rule,
    RuleContext,
    duplicate_record,
    evaluate,
    missing_estimate,
    missing_usage_report,
    orphan_record,
    unreported_agent_run,
    untracked_agent_commit,
    variance_breach,
    variance_warning,
    work_on_unapproved_slice,
)
from budget_gate.models.artifacts import Artifacts, Sourced
from budget_gate.models.common import FULL_PLAN, PlanStatus, Thresholds
from budget_gate.models.estimate import EstimationRecord
from budget_gate.models.findings import Finding, FindingCode, Severity
from budget_gate.models.plan import Plan
from budget_gate.models.usage import UsageReport
from budget_gate.scope.slices import Scope, ScopeReason
from builders import (
    CLAUDE,
    artifacts,
    commit,
    context,
    estimate,
    plan,
    plan_slice,
    ref,
    report,
    scope,
    sourced,
)

P1_PATH = "plans/p1/plan.md"
P2_PATH = "plans/p2/plan.md"


def standard_plans(
    *, s1: PlanStatus | None = None, p2: PlanStatus = PlanStatus.IN_PROGRESS
) -> list[Sourced[Plan]]:
    p1 = plan(
        "P1",
        status=PlanStatus.APPROVED,
        slices=[
            plan_slice("S1", status=s1, paths=["src/s1/**"]),
            plan_slice("S2", status=PlanStatus.DRAFT, paths=["src/s2/**"]),
        ],
    )
    return [
        Sourced(record=p1, path=P1_PATH, line=1, field_lines={"plan_id": 2, "slices": 7}),
        Sourced(record=plan("P2", status=p2), path=P2_PATH, line=3, field_lines={"plan_id": 3}),
    ]


def repo(
    *,
    estimates: Sequence[EstimationRecord | Sourced[EstimationRecord]] = (),
    reports: Sequence[UsageReport | Sourced[UsageReport]] = (),
    plans: Sequence[Sourced[Plan]] | None = None,
) -> Artifacts:
    return artifacts(
        plans=standard_plans() if plans is None else plans, estimates=estimates, reports=reports
    )


def run(rule: Rule, *, change: Scope, records: Artifacts) -> list[Finding]:
    return list(rule(context(scope=change, artifacts=records)))


# --- missing-estimate ----------------------------------------------------------------------


def test_missing_estimate_on_an_approved_slice() -> None:
    [finding] = run(missing_estimate, change=scope("P1/S1"), records=repo())
    assert finding.code is FindingCode.MISSING_ESTIMATE
    assert finding.severity is Severity.ERROR
    assert (finding.path, finding.line) == (P1_PATH, 7)  # the plan's `slices:` key
    assert (finding.plan_id, finding.slice_id) == ("P1", "S1")
    assert finding.message == (
        "P1/S1 is approved but has no estimation record; every slice that is approved or "
        "later needs one."
    )
    assert finding.fix == "add an estimation record for P1/S1 to plans/p1/estimation.yaml"


def test_missing_estimate_on_an_unsliced_plan_points_at_the_plan() -> None:
    [finding] = run(missing_estimate, change=scope(f"P2/{FULL_PLAN}"), records=repo())
    assert (finding.path, finding.line, finding.slice_id) == (P2_PATH, 3, FULL_PLAN)
    assert finding.message.startswith("P2/FULL_PLAN is in-progress but")


def test_slice_status_overrides_the_plans() -> None:
    records = repo(plans=standard_plans(s1=PlanStatus.CANCELLED))
    # S1 cancelled, S2 draft: neither needs an estimate although P1 is approved.
    assert run(missing_estimate, change=scope("P1/S1", "P1/S2"), records=records) == []


def test_no_missing_estimate_when_estimated_or_out_of_scope() -> None:
    records = repo(estimates=[estimate("P1", "S1")])
    assert run(missing_estimate, change=scope("P1/S1"), records=records) == []
    assert run(missing_estimate, change=scope(), records=repo()) == []


# --- missing-usage-report ------------------------------------------------------------------


def test_owned_changes_on_a_slice_in_progress_need_a_report() -> None:
    records = repo(plans=standard_plans(s1=PlanStatus.IN_PROGRESS))
    change = scope("P1/S1", owned={"P1/S1": ["src/s1/a.py", "src/s1/b.py"]})
    [finding] = run(missing_usage_report, change=change, records=records)
    assert finding.code is FindingCode.MISSING_USAGE_REPORT
    assert (finding.path, finding.line) == (P1_PATH, 7)
    assert finding.message == (
        "P1/S1 has agent work but no usage report: this change edits paths it owns "
        "(src/s1/a.py, src/s1/b.py)."
    )
    assert finding.fix == (
        "add a usage report for each agent run on P1/S1 to plans/p1/usage/RUN_ID.yaml"
    )


def test_an_agent_run_naming_the_slice_needs_a_report_whatever_the_status() -> None:
    change = scope("P1/S1", agent_runs=[("r-9", "a1")], slice_trailers=[("P1/S1", "a1")])
    [finding] = run(missing_usage_report, change=change, records=repo())
    assert "agent commits name it (a100000)" in finding.message
    assert finding.fix is not None
    assert finding.fix.endswith("plans/p1/usage/r-9.yaml")


def test_an_agent_authored_commit_naming_the_slice_needs_a_report() -> None:
    change = scope(
        "P1/S1",
        agent_commits=[commit("b2", author=CLAUDE)],
        slice_trailers=[("P1/S1", "b2")],
    )
    assert len(run(missing_usage_report, change=change, records=repo())) == 1


def test_an_audit_requires_a_report_for_every_slice_in_progress_or_done() -> None:
    records = repo(plans=standard_plans(s1=PlanStatus.DONE))
    audit = Scope(slices={ref("P1/S1"): frozenset({ScopeReason.AUDIT})})
    [finding] = run(missing_usage_report, change=audit, records=records)
    assert finding.message == "P1/S1 has agent work but no usage report: it is done."
    # The same slice in a PR with no owned changes and no agent runs is not asked for one.
    assert run(missing_usage_report, change=scope("P1/S1"), records=records) == []


def test_no_missing_usage_report_without_agent_work_or_with_a_report() -> None:
    # approved (not in-progress/done) with owned changes, and a human commit naming it
    change = scope("P1/S1", owned={"P1/S1": ["src/s1/a.py"]}, slice_trailers=[("P1/S1", "c3")])
    assert run(missing_usage_report, change=change, records=repo()) == []
    reported = repo(plans=standard_plans(s1=PlanStatus.DONE), reports=[report("r-1", "P1", "S1")])
    assert run(missing_usage_report, change=change, records=reported) == []


# --- unreported-agent-run ------------------------------------------------------------------


def test_agent_run_trailer_without_report() -> None:
    change = scope(agent_runs=[("r-9", "a1"), ("r-9", "a2")])
    [finding] = run(unreported_agent_run, change=change, records=repo())
    assert finding.code is FindingCode.UNREPORTED_AGENT_RUN
    assert finding.path is None
    assert finding.message == (
        "Commit a100000, a200000 has the trailer Agent-Run: r-9, but no usage report has "
        "run_id r-9."
    )
    # no Plan-Slice trailer: the shared file is the only place that fits without a plan
    assert finding.fix == (
        "add a usage report with run_id r-9 to docs/artifacts/developer-agent-usage-report.yaml"
    )


def test_agent_run_with_a_slice_trailer_names_the_slice() -> None:
    change = scope(agent_runs=[("r-9", "a1")], slice_trailers=[("P1/S1", "a1")])
    [finding] = run(unreported_agent_run, change=change, records=repo())
    assert (finding.plan_id, finding.slice_id) == ("P1", "S1")
    assert finding.fix == "add a usage report with run_id r-9 for P1/S1 to plans/p1/usage/r-9.yaml"


def test_agent_run_reported_anywhere_is_fine() -> None:
    records = repo(reports=[report("r-9", "P2", FULL_PLAN)])
    assert (
        run(unreported_agent_run, change=scope(agent_runs=[("r-9", "a1")]), records=records) == []
    )


# --- untracked-agent-commit ----------------------------------------------------------------


def agent_commit_scope(*, with_run: bool = False) -> Scope:
    return scope(
        agent_commits=[commit("c0ffee1", author=CLAUDE, subject="Add budgets")],
        agent_runs=[("r-1", "c0ffee1")] if with_run else [],
    )


def test_agent_commit_without_run_or_report() -> None:
    [finding] = run(untracked_agent_commit, change=agent_commit_scope(), records=repo())
    assert finding.code is FindingCode.UNTRACKED_AGENT_COMMIT
    assert finding.severity is Severity.WARNING
    assert finding.message == (
        'Agent commit c0ffee1 ("Add budgets") by Claude <noreply@anthropic.com> has no '
        "Agent-Run trailer and no usage report lists it under commits."
    )
    assert finding.fix is not None
    assert "Agent-Run: RUN_ID" in finding.fix


def test_agent_commit_accounted_for() -> None:
    assert (
        run(untracked_agent_commit, change=agent_commit_scope(with_run=True), records=repo()) == []
    )
    full = "c0ffee1" + "0" * 33
    for listed in ("c0ffee1", "C0FFEE10", full):  # short, longer, upper case, full
        records = repo(reports=[report("r-1", "P1", "S1", commits=[listed])])
        assert run(untracked_agent_commit, change=agent_commit_scope(), records=records) == []


def test_agent_commit_listed_under_another_sha_is_still_untracked() -> None:
    records = repo(reports=[report("r-1", "P1", "S1", commits=["c0ffee2"])])
    assert len(run(untracked_agent_commit, change=agent_commit_scope(), records=records)) == 1


# --- orphan-record -------------------------------------------------------------------------


def test_records_naming_unknown_plans_or_slices() -> None:
    records = repo(
        estimates=[estimate("P1X", "S1")],
        reports=[
            report("r-1", "P1", "s1"),  # case typo
            report("r-2", "P1", "BUILD"),  # nothing close
            report("r-3", "P1", FULL_PLAN),  # P1 is sliced
        ],
    )
    findings = run(orphan_record, change=scope(), records=records)
    assert [(f.path, f.line, f.field) for f in findings] == [
        ("plans/p1x/estimation.yaml", 1, "plan_id"),  # plan_id is the first key
        ("plans/p1/usage/r-1.yaml", 3, "slice_id"),  # run_id 1, plan_id 2, slice_id 3
        ("plans/p1/usage/r-2.yaml", 3, "slice_id"),
        ("plans/p1/usage/r-3.yaml", 3, "slice_id"),
    ]
    assert [f.message for f in findings] == [
        "This estimation record names P1X/S1, but no plan has plan_id P1X. Did you mean P1?",
        "This usage report names P1/s1, but plan P1 has no slice s1. Did you mean S1?",
        "This usage report names P1/BUILD, but plan P1 has no slice BUILD. Its slices are S1, S2.",
        "This usage report names P1/FULL_PLAN, but plan P1 has no slice FULL_PLAN. "
        "Its slices are S1, S2.",
    ]
    assert all(f.fix for f in findings)


def test_plan_slice_trailers_naming_nothing() -> None:
    change = scope(
        slice_trailers=[("P3/S1", "a1"), ("P3/S1", "a2")],
        malformed_trailers=[("a3", "P1 S1")],
    )
    first, second = run(orphan_record, change=change, records=repo())
    assert first.path is None
    assert first.message == (
        "Commit a100000, a200000 has the trailer Plan-Slice: P3/S1, but no plan has plan_id P3."
    )
    assert second.message == (
        'Commit a300000 has the trailer Plan-Slice: "P1 S1", which is not PLAN_ID/SLICE_ID.'
    )


def test_known_records_and_trailers_are_not_orphans() -> None:
    records = repo(estimates=[estimate("P1", "S1")], reports=[report("r-1", "P2", FULL_PLAN)])
    change = scope(slice_trailers=[("P1/S2", "a1")])
    assert run(orphan_record, change=change, records=records) == []


# --- duplicate-record ----------------------------------------------------------------------


def test_duplicate_run_ids_estimates_and_plans() -> None:
    records = repo(
        reports=[
            report("r-1", "P1", "S1"),
            sourced(report("r-1", "P1", "S2"), path="plans/p1/usage/again.yaml", line=10),
        ],
        estimates=[
            estimate("P1", "S1"),
            sourced(estimate("P1", "S1"), path="docs/artifacts/plan-resource-estimation.yaml"),
        ],
        plans=[*standard_plans(), sourced(plan("P2"), path="plans/other/plan.yaml")],
    )
    findings = run(duplicate_record, change=scope(), records=records)
    assert [(f.path, f.line, f.field) for f in findings] == [
        ("plans/p1/usage/again.yaml", 10, "run_id"),
        ("docs/artifacts/plan-resource-estimation.yaml", 2, "slice_id"),
        ("plans/other/plan.yaml", 1, "plan_id"),
    ]
    assert findings[0].message == (
        "Usage reports share run_id r-1: this one and the one at plans/p1/usage/r-1.yaml:1."
    )
    assert findings[1].message == (
        "P1/S1 has more than one estimation record: this one and the one at "
        "plans/p1/estimation.yaml:2."
    )
    assert findings[2].message == (
        "Plans share plan_id P2: this one and the one at plans/p2/plan.md:3."
    )
    assert all(f.fix for f in findings)


def test_duplicated_run_is_counted_once() -> None:
    records = repo(
        estimates=[estimate("P1", "S1")],
        reports=[
            report("r-1", "P1", "S1", prompt=8_000, completion=7_000),
            sourced(report("r-1", "P1", "S1", prompt=8_000, completion=7_000), path="copy.yaml"),
        ],
    )
    ctx = context(scope=scope("P1/S1"), artifacts=records)
    # 8,000 + 7,000 = 15,000 once, not 30,000
    assert ctx.variances[ref("P1/S1")].variance.actual_tokens == 15_000


# --- variance-warning / variance-breach ----------------------------------------------------


def test_variance_breach_names_numbers_threshold_and_drivers() -> None:
    # estimate 10,000 tokens; actual 12,000 + 3,000 = 15,000: +5,000 = 50 % = fail.
    # requests 8 + 2 = 10 = estimate, so only tokens are named.
    records = repo(
        estimates=[estimate("P1", "S1")],
        reports=[
            report("r-1", "P1", "S1", requests=8, prompt=10_000, completion=2_000, model="sonnet"),
            report("r-2", "P1", "S1", requests=2, prompt=2_000, completion=1_000, agent="codex"),
        ],
    )
    change = scope("P1/S1")
    assert run(variance_warning, change=change, records=records) == []
    [finding] = run(variance_breach, change=change, records=records)
    assert finding.code is FindingCode.VARIANCE_BREACH
    assert finding.severity is Severity.WARNING
    # estimate keys from line 1: plan_id 1, slice_id 2, requests 3, prompt tokens 4
    assert (finding.path, finding.line) == ("plans/p1/estimation.yaml", 4)
    assert finding.message == (
        "P1/S1 spent 15,000 tokens against an estimate of 10,000 (+50%), reaching the fail "
        "threshold of 50% set by the configured default thresholds. Most spent by: "
        "run r-1 80%, run r-2 20%, agent claude-code 80%, agent codex 20%, model sonnet 80%."
    )
    assert finding.fix == (
        "if the work grew, re-estimate P1/S1 in plans/p1/estimation.yaml; if this spend is "
        "expected for such work, set thresholds for it in plans/p1/plan.md"
    )


def test_variance_warning_with_both_dimensions_and_slice_thresholds() -> None:
    p1 = plan(
        "P1",
        slices=[plan_slice("S1", thresholds=Thresholds(warn=0.2, fail=1.0, min_requests=1))],
    )
    # tokens 10,000 -> 13,000 (+30 %), requests 10 -> 13 (+30 %): warn 20 % <= 30 % < fail 100 %
    records = repo(
        plans=[sourced(p1, path=P1_PATH)],
        estimates=[estimate("P1", "S1")],
        reports=[report("r-1", "P1", "S1", requests=13, prompt=11_000, completion=2_000)],
    )
    [finding] = run(variance_warning, change=scope("P1/S1"), records=records)
    assert finding.code is FindingCode.VARIANCE_WARNING
    assert finding.message.startswith(
        "P1/S1 spent 13,000 tokens against an estimate of 10,000 (+30%) and 13 requests "
        "against an estimate of 10 (+30%), reaching the warn threshold of 20% set by the "
        "slice's thresholds."
    )
    assert run(variance_breach, change=scope("P1/S1"), records=records) == []


def test_zero_estimate_breach_message_has_no_percentage() -> None:
    records = repo(
        estimates=[estimate("P1", "S1", requests=0, prompt=0, completion=0)],
        reports=[report("r-1", "P1", "S1", requests=0, prompt=2_000, completion=500)],
    )
    [finding] = run(variance_breach, change=scope("P1/S1"), records=records)
    assert finding.message.startswith("P1/S1 spent 2,500 tokens against an estimate of 0, ")


def test_no_variance_finding_out_of_scope_or_within_budget() -> None:
    over = repo(
        estimates=[estimate("P1", "S1")],
        reports=[report("r-1", "P1", "S1", prompt=20_000, completion=2_000)],
    )
    assert run(variance_breach, change=scope(), records=over) == []
    within = repo(estimates=[estimate("P1", "S1")], reports=[report("r-1", "P1", "S1")])
    assert run(variance_breach, change=scope("P1/S1"), records=within) == []
    assert run(variance_warning, change=scope("P1/S1"), records=within) == []


# --- work-on-unapproved-slice --------------------------------------------------------------


def test_changes_to_a_draft_slice() -> None:
    paths = ["src/s2/a.py", "src/s2/b.py", "src/s2/c.py", "src/s2/d.py"]
    [finding] = run(
        work_on_unapproved_slice, change=scope("P1/S2", owned={"P1/S2": paths}), records=repo()
    )
    assert finding.code is FindingCode.WORK_ON_UNAPPROVED_SLICE
    assert finding.severity is Severity.WARNING
    assert (finding.path, finding.line, finding.slice_id) == (P1_PATH, 7, "S2")
    assert finding.message == (
        "P1/S2 is draft, but this change edits paths it owns: src/s2/a.py, src/s2/b.py, "
        "src/s2/c.py and 1 more."
    )
    assert finding.fix == (
        "get P1/S2 approved (status: approved in plans/p1/plan.md) before building it, "
        "or keep these changes out of its paths"
    )


def test_no_unapproved_work_when_approved_or_untouched() -> None:
    change = scope("P1/S1", "P1/S2", owned={"P1/S1": ["src/s1/a.py"]})
    assert run(work_on_unapproved_slice, change=change, records=repo()) == []


# --- evaluate and context ------------------------------------------------------------------


def test_evaluate_runs_every_rule_worst_first() -> None:
    records = repo(
        plans=standard_plans(s1=PlanStatus.IN_PROGRESS),
        reports=[report("r-1", "P9", "S1")],
    )
    change = scope(
        "P1/S1",
        "P1/S2",
        owned={"P1/S1": ["src/s1/a.py"], "P1/S2": ["src/s2/a.py"]},
        agent_commits=[commit("c0ffee1", author=CLAUDE)],
    )
    findings = evaluate(context(scope=change, artifacts=records))
    assert [(f.severity, f.path, f.code) for f in findings] == [
        # errors first, then by path (no path sorts last), line, code
        (Severity.ERROR, P1_PATH, FindingCode.MISSING_ESTIMATE),
        (Severity.ERROR, P1_PATH, FindingCode.MISSING_USAGE_REPORT),
        (Severity.ERROR, "plans/p9/usage/r-1.yaml", FindingCode.ORPHAN_RECORD),
        (Severity.WARNING, P1_PATH, FindingCode.WORK_ON_UNAPPROVED_SLICE),
        (Severity.WARNING, None, FindingCode.UNTRACKED_AGENT_COMMIT),
    ]


def test_context_judges_only_known_in_scope_slices() -> None:
    ctx: RuleContext = context(scope=scope("P1/S1", "P3/S1"), artifacts=repo())
    assert set(ctx.variances) == {ref("P1/S1")}
    assert ctx.variances[ref("P1/S1")].variance.breach is BreachLevel.NONE


# --- message helpers -----------------------------------------------------------------------


def test_record_home_fills_the_plan_directory_into_the_glob() -> None:
    estimates = ["plans/*/estimation.yaml", "docs/artifacts/plan-resource-estimation.yaml"]
    usage = ["plans/*/usage/*.yaml", "docs/artifacts/developer-agent-usage-report.yaml"]
    assert record_home(estimates, plan_path="plans/x/plan.md") == "plans/x/estimation.yaml"
    assert record_home(usage, plan_path="plans/x/plan.md", name="r-1") == ("plans/x/usage/r-1.yaml")
    # a plan elsewhere: the first glob without wildcards
    assert record_home(estimates, plan_path="docs/plan.md") == estimates[1]
    assert record_home(["**/est.yaml"], plan_path=None) == "**/est.yaml"


def test_percent_and_listing() -> None:
    assert (percent(0.5), percent(0.3333), percent(2.0), percent(0.25)) == (
        "50%",
        "33.3%",
        "200%",
        "25%",
    )
    assert listing(["a"]) == "a"
    assert listing(["a", "b", "c"]) == "a, b, c"
    assert listing(["a", "b", "c", "d", "e"]) == "a, b, c and 2 more"
