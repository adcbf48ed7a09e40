"""The resource variance summary (§3.4): written by the gate, one record per slice in scope."""

from __future__ import annotations

from pydantic import Field

from budget_gate.models.common import ArtifactModel, Count, Identifier, Timestamp


class RunCountsRecord(ArtifactModel):
    PASS: Count = 0
    FAIL: Count = 0
    BLOCKED: Count = 0


class SliceVarianceRecord(ArtifactModel):
    plan_id: Identifier
    slice_id: Identifier
    title: str | None = None
    status: str
    estimated_requests: Count | None
    estimated_total_tokens: Count | None
    actual_requests: Count
    actual_total_tokens: Count
    request_variance: int | None
    token_variance: int | None
    variance_ratio: float | None
    request_variance_ratio: float | None
    runs: RunCountsRecord
    breach: str
    estimated_cost_usd: float | None = None
    actual_cost_usd: float | None = None
    unpriced_runs: Count = 0
    """Runs whose cost is unknown: `actual_cost_usd` is then the priced runs' (a lower bound)."""


class FindingCountsRecord(ArtifactModel):
    error: Count = 0
    warning: Count = 0
    notice: Count = 0


class VarianceTotals(ArtifactModel):
    estimated_requests: Count
    estimated_total_tokens: Count
    actual_requests: Count
    actual_total_tokens: Count
    request_variance: int
    token_variance: int
    variance_ratio: float | None
    request_variance_ratio: float | None
    runs: RunCountsRecord
    estimated_cost_usd: float | None = None
    actual_cost_usd: float | None = None
    unpriced_runs: Count = 0


class VarianceSummary(ArtifactModel):
    schema_version: int = 1
    generated_at: Timestamp
    base: str | None
    head: str | None
    verdict: str
    base_ref: str | None = None
    """The tag or ref the range starts after (None: the whole history)."""
    head_ref: str | None = None
    findings: FindingCountsRecord = Field(default_factory=FindingCountsRecord)
    uncovered_slices: list[str] = Field(default_factory=list)
    """`PLAN/SLICE` of slices with a missing-estimate or missing-usage-report finding."""
    slices: list[SliceVarianceRecord] = Field(default_factory=list)
    totals: VarianceTotals
