"""Whole-output snapshot tests: fixed reports rendered as markdown, JSON and text.

The sample reports live here so `scripts/regenerate_snapshots.py` renders exactly what the tests
compare. Regenerate after an intended change with `.venv/bin/python scripts/regenerate_snapshots.py`
and review the diff of tests/snapshots/.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from budget_gate.judge.budgets import assess_budget
from budget_gate.judge.report import (
    BreachLevel,
    Report,
    RunCounts,
    SliceResult,
    Variance,
    Verdict,
    Waiver,
)
from budget_gate.load.phase_budgets import shipped_phase_budgets
from budget_gate.models.common import Complexity, Importance, Phase, PlanStatus, SliceRef
from budget_gate.models.config import Mode
from budget_gate.models.estimate import EstimationMethod, EstimationRecord, PhaseEstimate
from budget_gate.models.findings import Finding, FindingCode, Severity
from budget_gate.models.plan import Plan, PlanSlice
from budget_gate.models.usage import PhaseUsage, RunStatus, UsageReport
from budget_gate.render.json_report import render_json
from budget_gate.render.links import LinkContext
from budget_gate.render.markdown import render_markdown
from budget_gate.render.text import render_text
from budget_gate.scope.change import ScopeKind
from budget_gate.scope.slices import ScopeReason
from locations import SNAPSHOTS

NO_RUNS = RunCounts()
NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
HEAD = "0123456789abcdef0123456789abcdef01234567"
LINKS = LinkContext(
    server_url="https://github.com",
    repository="acme/rocket",
    head_sha=HEAD,
    full_report_url="https://github.com/acme/rocket/actions/runs/42",
)


def variance(
    estimated_tokens: int | None,
    actual_tokens: int,
    *,
    estimated_requests: int | None = None,
    actual_requests: int = 0,
    breach: BreachLevel = BreachLevel.NONE,
    drivers: tuple[str, ...] = (),
) -> Variance:
    def ratio(diff: int | None, base: int | None) -> float | None:
        return None if diff is None or not base else diff / base

    token_diff = None if estimated_tokens is None else actual_tokens - estimated_tokens
    request_diff = None if estimated_requests is None else actual_requests - estimated_requests
    return Variance(
        estimated_requests=estimated_requests,
        estimated_tokens=estimated_tokens,
        actual_requests=actual_requests,
        actual_tokens=actual_tokens,
        request_variance=request_diff,
        token_variance=token_diff,
        variance_ratio=ratio(token_diff, estimated_tokens),
        request_variance_ratio=ratio(request_diff, estimated_requests),
        breach=breach,
        drivers=drivers,
    )


def slice_result(
    plan_id: str,
    slice_id: str,
    *,
    title: str | None = "A slice",
    status: PlanStatus = PlanStatus.DONE,
    numbers: Variance | None = None,
    runs: RunCounts = NO_RUNS,
    estimate: bool = True,
    run_ids: tuple[str, ...] = (),
) -> SliceResult:
    return SliceResult(
        ref=SliceRef(plan_id=plan_id, slice_id=slice_id),
        title=title,
        status=status,
        reasons=frozenset({ScopeReason.OWNED_PATH_CHANGED, ScopeReason.RECORD_CHANGED}),
        variance=numbers or variance(40_000, 42_000, estimated_requests=20, actual_requests=21),
        runs=runs,
        plan_path=f"plans/{plan_id.lower()}/plan.md",
        plan_line=7,
        estimate_path=f"plans/{plan_id.lower()}/estimation.yaml" if estimate else None,
        estimate_line=1 if estimate else None,
        run_ids=run_ids,
    )


def passing_report() -> Report:
    slices = (
        slice_result("IMP-COST-01", "S1", title="Config and calculator", runs=RunCounts(2, 0, 0)),
        slice_result(
            "IMP-COST-01",
            "S2",
            title="Stop-loss",
            numbers=variance(120_000, 96_500, estimated_requests=60, actual_requests=48),
            runs=RunCounts(1, 1, 0),
        ),
        slice_result("DOCS-7", "FULL_PLAN", title=None, status=PlanStatus.APPROVED),
    )
    return Report(
        verdict=Verdict.PASS,
        mode=Mode.ENFORCE,
        kind=ScopeKind.PULL_REQUEST,
        base="main",
        head=HEAD,
        slices=slices,
        findings=(),
        totals=variance(200_000, 180_500, estimated_requests=100, actual_requests=90),
        total_runs=RunCounts(3, 1, 0),
        generated_at=NOW,
        waiver=Waiver(label="budget-gate:waive", applied=False),
    )


def every_code_findings() -> tuple[Finding, ...]:
    """One finding per code, with the locations and fixes the rules would give."""
    plan = "plans/imp-cost-01/plan.md"
    return (
        Finding.of(
            FindingCode.INVALID_ARTIFACT,
            "estimated_requests: Input should be a valid integer",
            path="plans/imp-cost-01/estimation.yaml",
            line=4,
            field="estimated_requests",
            fix="write a whole number, e.g. estimated_requests: 40",
        ),
        Finding.of(
            FindingCode.UNKNOWN_FIELD,
            "unknown field `estimated_tokenz`",
            path="plans/imp-cost-01/estimation.yaml",
            line=9,
            fix="did you mean estimated_prompt_tokens?",
        ),
        Finding.of(
            FindingCode.MISSING_ESTIMATE,
            "IMP-COST-01/S3 is ready-for-build but has no estimation record",
            path=plan,
            line=21,
            plan_id="IMP-COST-01",
            slice_id="S3",
            fix="add the estimation record below (How to fix)",
        ),
        Finding.of(
            FindingCode.MISSING_USAGE_REPORT,
            "IMP-COST-01/S2 has agent work but no usage report",
            path=plan,
            line=15,
            plan_id="IMP-COST-01",
            slice_id="S2",
        ),
        Finding.of(
            FindingCode.UNREPORTED_AGENT_RUN,
            "commit 89abcde names Agent-Run: run-77 but no usage report has that run_id",
        ),
        Finding.of(
            FindingCode.UNTRACKED_AGENT_COMMIT,
            "commit 89abcde by Claude <noreply@anthropic.com> has no Agent-Run: trailer",
        ),
        Finding.of(
            FindingCode.ORPHAN_RECORD,
            "usage report run-12 names plan GHOST-1, which does not exist",
            path="plans/imp-cost-01/usage/run-12.yaml",
            line=3,
        ),
        Finding.of(
            FindingCode.DUPLICATE_RECORD,
            "run_id run-9 appears twice (also in plans/imp-cost-01/usage/run-9.yaml:1)",
            path="docs/artifacts/developer-agent-usage-report.yaml",
            line=40,
        ),
        Finding.of(
            FindingCode.VARIANCE_WARNING,
            "tokens +31.0 % over the estimate (warn at +25 %)",
            plan_id="IMP-COST-01",
            slice_id="S1",
        ),
        Finding.of(
            FindingCode.VARIANCE_BREACH,
            "tokens +87.5 % over the estimate (fail at +50 %)",
            path=plan,
            line=15,
            plan_id="IMP-COST-01",
            slice_id="S2",
        ),
        Finding.of(
            FindingCode.STOP_LOSS,
            "cumulative utilisation 1.35 passes the stop-loss limit 1.2",
            plan_id="IMP-COST-01",
            slice_id="S2",
        ),
        Finding.of(
            FindingCode.WORK_ON_UNAPPROVED_SLICE,
            "src/budgets/calc.py changed while IMP-COST-01/S4 is draft",
            path="src/budgets/calc.py",
            plan_id="IMP-COST-01",
            slice_id="S4",
        ),
    )


def failing_report() -> Report:
    slices = (
        slice_result(
            "IMP-COST-01",
            "S1",
            title="Config and calculator",
            numbers=variance(
                40_000,
                52_400,
                estimated_requests=20,
                actual_requests=24,
                breach=BreachLevel.WARNING,
            ),
            runs=RunCounts(2, 0, 0),
        ),
        slice_result(
            "IMP-COST-01",
            "S2",
            title="Stop-loss | guard",
            status=PlanStatus.IN_PROGRESS,
            numbers=variance(
                80_000,
                150_000,
                estimated_requests=40,
                actual_requests=71,
                breach=BreachLevel.BREACH,
                drivers=("run run-9 (62 %)", "model claude-sonnet-4 (80 %)"),
            ),
            runs=RunCounts(1, 1, 1),
            run_ids=("run-8", "run-9", "run-10"),
        ),
        slice_result(
            "IMP-COST-01",
            "S3",
            title="Release summary",
            status=PlanStatus.READY_FOR_BUILD,
            numbers=variance(None, 0),
            estimate=False,
        ),
        slice_result("IMP-COST-01", "S4", title="Draft idea", status=PlanStatus.DRAFT),
        slice_result("DOCS-7", "FULL_PLAN", title=None, status=PlanStatus.APPROVED),
    )
    return Report(
        verdict=Verdict.FAIL,
        mode=Mode.ENFORCE,
        kind=ScopeKind.PULL_REQUEST,
        base="main",
        head=HEAD,
        slices=slices,
        findings=every_code_findings(),
        totals=variance(200_000, 244_400, estimated_requests=100, actual_requests=116),
        total_runs=RunCounts(3, 1, 1),
        generated_at=NOW,
        waiver=Waiver(label="budget-gate:waive", applied=False),
    )


def observe_report() -> Report:
    report = failing_report()
    findings = tuple(
        replace(item, severity=Severity.WARNING) if item.severity is Severity.ERROR else item
        for item in report.findings
    )
    return replace(report, verdict=Verdict.PASS, mode=Mode.OBSERVE, findings=findings)


def waived_report() -> Report:
    return replace(failing_report(), waiver=Waiver(label="budget-gate:waive", applied=True))


def audit_report() -> Report:
    report = passing_report()
    return replace(
        report,
        kind=ScopeKind.AUDIT,
        base=None,
        head=None,
        notes=(
            "Audit: every slice in the repository is in scope, not only those the change touches.",
            "GitHub listed only the first 3,000 changed files; slices owning later files may be"
            " missing.",
        ),
        findings=(
            Finding(
                code=FindingCode.UNKNOWN_FIELD,
                message="unknown field `owner`",
                severity=Severity.NOTICE,
                path="plans/docs-7/plan.md",
                line=3,
            ),
        ),
    )


def huge_report_for_json() -> Report:
    """Many raw, unescaped strings: the JSON keeps them all, exactly."""
    findings = tuple(
        Finding.of(FindingCode.ORPHAN_RECORD, f"<b>@octocat é {index}", path="a|b.yaml", line=index)
        for index in range(1, 3_001)
    )
    return replace(failing_report(), findings=findings)


def costs_report() -> Report:
    """Costs known: cost columns, an agent's reported cost beside the computed one, a request
    count that is only a lower bound, a run the price data cannot price (its slice's cost and
    the total shown as a lower bound), its notice and the price data's name."""
    report = failing_report()
    costs = {
        "S1": {"estimated_cost_usd": 1.08, "actual_cost_usd": 0.73, "unpriced_runs": 1},
        "S2": {
            "estimated_cost_usd": 0.6,
            "actual_cost_usd": 2.35,
            "computed_cost_usd": 2.1,
            "requests_lower_bound": True,
        },
        "S3": {"actual_cost_usd": 0.0042, "computed_cost_usd": 0.0042},
    }
    slices = tuple(
        replace(item, variance=_with_costs(item.variance, **costs.get(item.ref.slice_id, {})))
        for item in report.slices
    )
    unpriced = Finding.of(
        FindingCode.UNPRICED_MODEL,
        "genai-prices 0.2.3 has no price for model acme-coder-7b-ft (provider openai), so the "
        "cost of run run-11 (IMP-COST-01/S1) is unknown and left out of the costs shown.",
        path="plans/imp-cost-01/usage/run-11.yaml",
        line=6,
        plan_id="IMP-COST-01",
        slice_id="S1",
        field="model",
    )
    totals = _with_costs(
        report.totals,
        estimated_cost_usd=1.68,
        actual_cost_usd=3.0842,
        requests_lower_bound=True,
        unpriced_runs=1,
    )
    return replace(
        report,
        slices=slices,
        totals=totals,
        findings=(*report.findings, unpriced),
        price_data="genai-prices 0.2.3",
    )


def _with_costs(numbers: Variance, **costs: float | bool) -> Variance:
    estimated = costs.get("estimated_cost_usd")
    actual = costs.get("actual_cost_usd")
    difference = None if estimated is None or actual is None else round(actual - estimated, 6)
    if costs.get("unpriced_runs") and difference is not None and difference < 0:
        difference = None  # a lower bound under the estimate says nothing
    return replace(
        numbers,
        **costs,  # type: ignore[arg-type]
        cost_variance_usd=difference,
        cost_variance_ratio=None
        if difference is None or not estimated
        else round(difference / estimated, 4),
    )


def phases_report() -> Report:
    """Phase budgets (§6.3): S2 past its stop-loss in IMPLEMENT with spend in no phase, S1 done
    and allowed to complete, both computed by the real calculator from the shipped config."""
    report = failing_report()
    plan = Plan(
        plan_id="IMP-COST-01",
        status=PlanStatus.IN_PROGRESS,
        complexity=Complexity.LARGE,
        importance=Importance.HIGH,
        slices=[PlanSlice(slice_id="S1"), PlanSlice(slice_id="S2")],
    )

    def phased(slice_id: str, **tokens: int) -> EstimationRecord:
        return EstimationRecord(
            plan_id="IMP-COST-01",
            slice_id=slice_id,
            estimated_requests=20,
            estimated_prompt_tokens=sum(tokens.values()),
            estimated_completion_tokens=0,
            estimation_method=EstimationMethod.HEURISTIC,
            estimation_owner="maria",
            estimation_timestamp=NOW,
            phases={
                Phase(name): PhaseEstimate(requests=5, prompt_tokens=n)
                for name, n in tokens.items()
            },
        )

    def run(slice_id: str, tokens: int, **phases: tuple[int, float | None]) -> UsageReport:
        return UsageReport(
            run_id=f"run-{slice_id.lower()}",
            plan_id="IMP-COST-01",
            slice_id=slice_id,
            agent_id="claude-code",
            actual_requests=12,
            actual_prompt_tokens=tokens,
            actual_completion_tokens=0,
            actual_total_tokens=tokens,
            duration_seconds=900,
            status=RunStatus.PASS,
            report_timestamp=NOW,
            phases={
                Phase(name): PhaseUsage(requests=6, prompt_tokens=n, duration_seconds=seconds)
                for name, (n, seconds) in phases.items()
            },
        )

    budgets = {
        "S1": assess_budget(
            plan=plan,
            slice_=plan.slices[0],
            done=True,
            estimate=phased("S1", PLAN=20_000, IMPLEMENT=20_000),
            reports=[run("S1", 40_000, PLAN=(31_000, 240.0), IMPLEMENT=(9_000, 600.0))],
            budgets=shipped_phase_budgets(),
        ),
        "S2": assess_budget(
            plan=plan,
            slice_=plan.slices[1],
            done=False,
            estimate=phased("S2", THINK=30_000, IMPLEMENT=50_000),
            reports=[run("S2", 150_000, THINK=(40_000, None), IMPLEMENT=(100_000, 700.0))],
            budgets=shipped_phase_budgets(),
        ),
    }
    slices = tuple(
        replace(item, phase_budget=budgets.get(item.ref.slice_id)) for item in report.slices
    )
    return replace(report, slices=slices)


SAMPLES: dict[str, Callable[[], Report]] = {
    "passing": passing_report,
    "phases": phases_report,
    "costs": costs_report,
    "failing": failing_report,
    "observe": observe_report,
    "waived": waived_report,
    "audit": audit_report,
}


def rendered_snapshots() -> dict[str, str]:
    """Every snapshot file name and its expected content."""
    out: dict[str, str] = {}
    for name, build in SAMPLES.items():
        report = build()
        out[f"{name}.md"] = render_markdown(report, links=LINKS)
        out[f"{name}.json"] = render_json(report)
        out[f"{name}.txt"] = render_text(report)
    out["failing-nolinks.md"] = render_markdown(failing_report(), links=None)
    return out


@pytest.mark.parametrize("name", sorted(rendered_snapshots()))
def test_snapshot(name: str) -> None:
    expected = (SNAPSHOTS / name).read_text(encoding="utf-8")
    assert rendered_snapshots()[name] == expected, (
        f"{name} changed; if intended, run scripts/regenerate_snapshots.py and review the diff"
    )
