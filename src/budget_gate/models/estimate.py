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
    requests: Count = Field(default=0, description="Planned model requests in this phase.")
    prompt_tokens: Count = Field(
        default=0, description="Planned prompt (input) tokens in this phase."
    )
    completion_tokens: Count = Field(
        default=0, description="Planned completion (output) tokens in this phase."
    )

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class EstimationRecord(ArtifactModel):
    plan_id: Identifier = Field(description="Plan the estimated slice belongs to.")
    slice_id: Identifier = Field(description="Estimated slice (`FULL_PLAN` for an unsliced plan).")
    estimated_requests: Count = Field(description="Planned model requests.")
    estimated_prompt_tokens: Count = Field(
        description="Planned prompt (input) tokens, cache included."
    )
    estimated_completion_tokens: Count = Field(
        description="Planned completion (output) tokens, reasoning included."
    )
    estimation_method: EstimationMethod = Field(description="How the numbers were made.")
    estimation_owner: str = Field(
        min_length=1, max_length=200, description="Who made the estimate."
    )
    estimation_timestamp: Timestamp = Field(description="When, ISO 8601 with a timezone.")
    model: str | None = Field(
        default=None, max_length=200, description="Model the estimate assumes; prices the estimate."
    )
    phases: dict[Phase, PhaseEstimate] | None = Field(
        default=None, description="Planned spend per phase (the phase budgets of the report)."
    )
    estimated_cost_usd: NonNegativeNumber | None = Field(
        default=None, description="Planned cost in US dollars; else computed from `model`."
    )
    notes: str | None = Field(
        default=None, description="Free text, e.g. what a HISTORICAL estimate was based on."
    )

    @property
    def ref(self) -> SliceRef:
        return SliceRef(plan_id=self.plan_id, slice_id=self.slice_id)

    @property
    def estimated_total_tokens(self) -> int:
        return self.estimated_prompt_tokens + self.estimated_completion_tokens
