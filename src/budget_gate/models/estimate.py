"""The estimation record: what a slice is planned to spend before it is approved."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from budget_gate.models.common import (
    ArtifactModel,
    Count,
    Identifier,
    NonNegativeNumber,
    Phase,
    SliceRef,
    Timestamp,
)


class EstimationMethod(StrEnum):
    HISTORICAL = "HISTORICAL"
    HEURISTIC = "HEURISTIC"
    MANUAL = "MANUAL"


class PhaseEstimate(ArtifactModel):
    requests: Count = 0
    prompt_tokens: Count = 0
    completion_tokens: Count = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class EstimationRecord(ArtifactModel):
    plan_id: Identifier
    slice_id: Identifier
    estimated_requests: Count
    estimated_prompt_tokens: Count
    estimated_completion_tokens: Count
    estimation_method: EstimationMethod
    estimation_owner: str = Field(min_length=1, max_length=200)
    estimation_timestamp: Timestamp
    model: str | None = Field(default=None, max_length=200)
    phases: dict[Phase, PhaseEstimate] | None = None
    estimated_cost_usd: NonNegativeNumber | None = None
    notes: str | None = None

    @property
    def ref(self) -> SliceRef:
        return SliceRef(plan_id=self.plan_id, slice_id=self.slice_id)

    @property
    def estimated_total_tokens(self) -> int:
        return self.estimated_prompt_tokens + self.estimated_completion_tokens
