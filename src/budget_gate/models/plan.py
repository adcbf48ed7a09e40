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
    slice_id: Identifier = Field(
        description="Slice ID, unique in the plan; `FULL_PLAN` names an unsliced plan."
    )
    title: str | None = Field(default=None, description="Human title, shown in the report.")
    status: PlanStatus | None = Field(
        default=None, description="Lifecycle status; defaults to the plan's."
    )
    paths: list[PathGlob] = Field(
        default_factory=list,
        description="Globs of the code this slice owns; a change there puts it in scope.",
    )
    thresholds: Thresholds | None = Field(
        default=None, description="Variance thresholds for this slice (most specific level)."
    )
    complexity: Complexity | None = Field(
        default=None,
        description="Complexity for phase budgets and `estimate`; defaults to the plan's.",
    )
    importance: Importance | None = Field(
        default=None,
        description="Importance for phase budgets and `estimate`; defaults to the plan's.",
    )
    phase_budgets: dict[Phase, PhaseBudgetValues] | None = None
    """Absolute per-phase limits for this slice (tokens, latency_ms, requests), §6.3."""


class Plan(ArtifactModel):
    plan_id: Identifier = Field(description="Plan ID, a string as written (`0012` stays `0012`).")
    title: str | None = Field(default=None, description="Human title, shown in the report.")
    status: PlanStatus = Field(description="Lifecycle status; approved or later needs an estimate.")
    environment: Environment | None = Field(
        default=None, description="Selects the environment's thresholds."
    )
    complexity: Complexity | None = Field(
        default=None, description="Complexity multiplier of the phase budgets."
    )
    importance: Importance | None = Field(
        default=None, description="Importance multiplier of the phase budgets."
    )
    slices: list[PlanSlice] = Field(
        default_factory=list, description="The slices; none means one `FULL_PLAN` slice."
    )
    thresholds: Thresholds | None = Field(
        default=None, description="Variance thresholds for every slice of the plan."
    )
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
