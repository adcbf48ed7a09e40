"""The plan file: a plan and its slices, with the code paths each slice owns."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from budget_gate.models.budgets import PhaseBudgetValues
from budget_gate.models.common import (
    FULL_PLAN,
    ArtifactModel,
    Complexity,
    Environment,
    Identifier,
    Importance,
    Phase,
    PlanStatus,
    SliceRef,
    Thresholds,
)

PathGlob = Annotated[str, Field(min_length=1, max_length=500)]


class PlanSlice(ArtifactModel):
    slice_id: Identifier
    title: str | None = None
    status: PlanStatus | None = None
    paths: list[PathGlob] = Field(default_factory=list)
    thresholds: Thresholds | None = None
    complexity: Complexity | None = None
    importance: Importance | None = None
    phase_budgets: dict[Phase, PhaseBudgetValues] | None = None
    """Absolute per-phase limits for this slice (tokens, latency_ms, requests), §6.3."""


class Plan(ArtifactModel):
    plan_id: Identifier
    title: str | None = None
    status: PlanStatus
    environment: Environment | None = None
    complexity: Complexity | None = None
    importance: Importance | None = None
    slices: list[PlanSlice] = Field(default_factory=list)
    thresholds: Thresholds | None = None
    phase_budgets: dict[Phase, PhaseBudgetValues] | None = None
    """Absolute per-phase limits for every slice of the plan (a slice's own win), §6.3."""

    @model_validator(mode="after")
    def _slice_ids_unique(self) -> Plan:
        seen: set[str] = set()
        for item in self.slices:
            if item.slice_id in seen:
                raise ValueError(
                    f"slice_id {item.slice_id!r} appears twice in this plan; "
                    "give each slice its own ID"
                )
            seen.add(item.slice_id)
        return self

    def effective_slices(self) -> list[PlanSlice]:
        """The slices the gate judges: an unsliced plan is one `FULL_PLAN` slice."""
        if self.slices:
            return self.slices
        return [PlanSlice(slice_id=FULL_PLAN, title=self.title)]

    def slice_status(self, item: PlanSlice) -> PlanStatus:
        """A slice without a status of its own inherits the plan's."""
        return item.status or self.status

    def ref(self, item: PlanSlice) -> SliceRef:
        return SliceRef(plan_id=self.plan_id, slice_id=item.slice_id)
