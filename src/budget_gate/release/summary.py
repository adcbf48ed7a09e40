"""The resource variance summary (§3.4) of a judged range: a `Report` as a `VarianceSummary`.

Pure: the summary carries exactly the numbers of the report it is built from (so the release
evidence, the YAML file and the gate's verdict cannot disagree), with slices in `PLAN/SLICE`
order and `generated_at` cut to the second in UTC, the only time in it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC

from budget_gate.judge.report import Report, RunCounts, SliceResult, Variance
from budget_gate.models.findings import Finding, FindingCode, Severity
from budget_gate.models.summary import (
    FindingCountsRecord,
    RunCountsRecord,
    SliceVarianceRecord,
    VarianceSummary,
    VarianceTotals,
)

COVERAGE_CODES = frozenset({FindingCode.MISSING_ESTIMATE, FindingCode.MISSING_USAGE_REPORT})
"""Findings that make a slice *uncovered*: its estimate or its usage reports are missing."""


def build_summary(
    report: Report, *, base_ref: str | None = None, head_ref: str | None = None
) -> VarianceSummary:
    """The summary of `report`; `base_ref`/`head_ref` name the range's ends (tags) for readers."""
    slices = sorted(report.slices, key=lambda item: item.ref)
    return VarianceSummary(
        generated_at=report.generated_at.astimezone(UTC).replace(microsecond=0),
        base=report.base,
        head=report.head,
        verdict=report.verdict.value,
        base_ref=base_ref,
        head_ref=head_ref,
        findings=_finding_counts(report.findings),
        uncovered_slices=uncovered_slices(report.findings),
        slices=[_slice_record(item) for item in slices],
        totals=_totals(report),
    )


def uncovered_slices(findings: Iterable[Finding]) -> list[str]:
    """`PLAN/SLICE` of each slice a coverage finding names, sorted, once each."""
    refs = {
        f"{item.plan_id}/{item.slice_id}"
        for item in findings
        if item.code in COVERAGE_CODES and item.plan_id and item.slice_id
    }
    return sorted(refs)


def _finding_counts(findings: Iterable[Finding]) -> FindingCountsRecord:
    counts = Counter(item.severity for item in findings)
    return FindingCountsRecord(
        error=counts[Severity.ERROR],
        warning=counts[Severity.WARNING],
        notice=counts[Severity.NOTICE],
    )


def _runs(counts: RunCounts) -> RunCountsRecord:
    return RunCountsRecord(PASS=counts.passed, FAIL=counts.failed, BLOCKED=counts.blocked)


def _slice_record(item: SliceResult) -> SliceVarianceRecord:
    variance = item.variance
    return SliceVarianceRecord(
        plan_id=item.ref.plan_id,
        slice_id=item.ref.slice_id,
        title=item.title,
        status=item.status.value,
        estimated_requests=variance.estimated_requests,
        estimated_total_tokens=variance.estimated_tokens,
        actual_requests=variance.actual_requests,
        actual_total_tokens=variance.actual_tokens,
        request_variance=variance.request_variance,
        token_variance=variance.token_variance,
        variance_ratio=variance.variance_ratio,
        request_variance_ratio=variance.request_variance_ratio,
        runs=_runs(item.runs),
        breach=variance.breach.value,
        estimated_cost_usd=variance.estimated_cost_usd,
        actual_cost_usd=variance.actual_cost_usd,
        unpriced_runs=variance.unpriced_runs,
    )


def _totals(report: Report) -> VarianceTotals:
    """The report's totals; with no estimate at all, the estimate is 0 and all spend overrun."""
    totals: Variance = report.totals
    estimated_requests = totals.estimated_requests or 0
    estimated_tokens = totals.estimated_tokens or 0
    return VarianceTotals(
        estimated_requests=estimated_requests,
        estimated_total_tokens=estimated_tokens,
        actual_requests=totals.actual_requests,
        actual_total_tokens=totals.actual_tokens,
        request_variance=totals.actual_requests - estimated_requests,
        token_variance=totals.actual_tokens - estimated_tokens,
        variance_ratio=totals.variance_ratio,
        request_variance_ratio=totals.request_variance_ratio,
        runs=_runs(report.total_runs),
        estimated_cost_usd=totals.estimated_cost_usd,
        actual_cost_usd=totals.actual_cost_usd,
        unpriced_runs=totals.unpriced_runs,
    )
