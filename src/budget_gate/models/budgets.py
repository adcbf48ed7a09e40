"""Phase budgets (§6.3): the shipped `config/phase_budgets.yaml`, a user's overrides of it, and
the absolute per-phase budgets a plan or slice may set.

`PhaseBudgetConfig` is the complete file: every phase, complexity and importance level present,
so the formula never meets a gap. A user's config holds `PhaseBudgetOverrides` (every field
optional) which `apply_to` lays over the shipped file field by field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Annotated, Any, TypeVar

from pydantic import Field, StrictBool, field_validator, model_validator

from budget_gate.models.common import ArtifactModel, Complexity, Count, Importance, Phase

KeyT = TypeVar("KeyT", bound=Enum)

Multiplier = Annotated[float, Field(strict=True, gt=0.0, le=10.0, allow_inf_nan=False)]
"""A factor in the budget formula, in (0, 10]."""
Share = Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)]
Allowance = Annotated[float, Field(strict=True, ge=0.0, le=10.0, allow_inf_nan=False)]
PositiveCount = Annotated[int, Field(strict=True, gt=0, le=10**15)]


class PhaseBudgetValues(ArtifactModel):
    """Tokens, latency and requests of one phase; any may be left out.

    In a plan or slice (`phase_budgets:`) these are absolute limits that replace the formula; in
    the config's `base:` they replace the shipped base budget before the multipliers.
    """

    tokens: PositiveCount | None = Field(default=None, description="Token budget of the phase.")
    latency_ms: PositiveCount | None = Field(
        default=None, description="Latency budget of the phase, in milliseconds."
    )
    requests: Count | None = Field(default=None, description="Request budget of the phase.")


class PhaseBase(ArtifactModel):
    """A phase's base budget, before the complexity, importance and phase-weight multipliers."""

    tokens: PositiveCount
    latency_ms: PositiveCount
    requests: Count


def _bands_ordered(within: float | None, warning: float | None) -> None:
    if within is not None and warning is not None and within >= warning:
        raise ValueError(
            f"bands must be ordered: within ({within}) must be below warning ({warning}); "
            "set within to the utilisation still within budget (e.g. 1.0) and warning above it "
            "(e.g. 1.5)"
        )


class BreachBands(ArtifactModel):
    """Upper bounds of utilisation (actual / budget) for each breach status.

    Up to `within` a phase is within budget, up to `warning` it is a warning, above it exceeded.
    """

    within: Multiplier
    warning: Multiplier

    @model_validator(mode="after")
    def _ordered(self) -> BreachBands:
        _bands_ordered(self.within, self.warning)
        return self


def _all_importances() -> list[Importance]:
    return list(Importance)


class StopLossSettings(ArtifactModel):
    """When a slice must stop spending (§6.3); `enabled: false` reports it as a warning only,
    and so does a trip on a slice whose importance is not in `enforce_importance` (staged
    enforcement: low and medium first, then every tier)."""

    enabled: StrictBool
    cumulative: Multiplier
    per_phase: Multiplier
    allow_completion_threshold: Allowance
    enforce_importance: list[Importance] = Field(default_factory=_all_importances)

    def enforces(self, importance: Importance) -> bool:
        """Whether a trip of a slice of this importance is an error (else a warning)."""
        return self.enabled and importance in self.enforce_importance


class HeuristicSettings(ArtifactModel):
    """How `budget-gate estimate` splits a phase's token budget into prompt and completion."""

    completion_share: Share


class HistoricalSettings(ArtifactModel):
    """How many finished slices a HISTORICAL estimate needs at least."""

    min_sample: int = Field(strict=True, ge=1, le=10_000)


def _require_all(value: Mapping[KeyT, Any], keys: Iterable[KeyT], what: str) -> None:
    missing = [key.value for key in keys if key not in value]
    if missing:
        raise ValueError(
            f"{what} is missing {', '.join(missing)}; every one needs an entry, "
            f"add {missing[0]}: to {what}"
        )


class PhaseBudgetConfig(ArtifactModel):
    """The whole phase budget file; see `config/phase_budgets.yaml` for the meaning of each key."""

    version: int = 1
    base: dict[Phase, PhaseBase]
    weights: dict[Phase, Multiplier]
    complexity: dict[Complexity, Multiplier]
    importance: dict[Importance, Multiplier]
    bands: BreachBands
    stop_loss: StopLossSettings
    heuristic: HeuristicSettings
    historical: HistoricalSettings

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != 1:
            raise ValueError(f"phase budgets version {value} is not supported; use version: 1")
        return value

    @field_validator("base", "weights")
    @classmethod
    def _every_phase(cls, value: Mapping[Phase, Any], info: Any) -> Mapping[Phase, Any]:
        _require_all(value, Phase, info.field_name)
        return value

    @field_validator("complexity")
    @classmethod
    def _every_complexity(cls, value: Mapping[Complexity, float]) -> Mapping[Complexity, float]:
        _require_all(value, Complexity, "complexity")
        return value

    @field_validator("importance")
    @classmethod
    def _every_importance(cls, value: Mapping[Importance, float]) -> Mapping[Importance, float]:
        _require_all(value, Importance, "importance")
        return value


class BandsOverride(ArtifactModel):
    within: Multiplier | None = Field(
        default=None, description="Utilisation up to which a phase is `within` budget."
    )
    warning: Multiplier | None = Field(
        default=None, description="Utilisation up to which a phase is a `warning`; above: exceeded."
    )

    @model_validator(mode="after")
    def _ordered(self) -> BandsOverride:
        _bands_ordered(self.within, self.warning)
        return self


class StopLossOverride(ArtifactModel):
    enabled: StrictBool | None = Field(
        default=None, description="`false` reports stop-loss as a warning, never an error."
    )
    cumulative: Multiplier | None = Field(
        default=None,
        description=(
            "A slice's utilisation (all its tokens / its budget) above which stop-loss fires; "
            "its run time against its latency budget above it is a `latency-breach`."
        ),
    )
    per_phase: Multiplier | None = Field(
        default=None,
        description=(
            "One phase's utilisation above which stop-loss fires (its duration above it: "
            "`latency-breach`)."
        ),
    )
    allow_completion_threshold: Allowance | None = Field(
        default=None, description="How far past the limit a `done` slice may finish."
    )
    enforce_importance: list[Importance] | None = Field(
        default=None,
        description=(
            "Importance tiers whose stop-loss is an error (staged rollout, e.g. `[low, medium]` "
            "first); a trip on any other tier is a warning. Default: all four."
        ),
    )


class HeuristicOverride(ArtifactModel):
    completion_share: Share | None = Field(
        default=None, description="Share of a phase's tokens `estimate` writes as completion."
    )


class HistoricalOverride(ArtifactModel):
    min_sample: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=10_000,
        description="Finished slices a HISTORICAL estimate needs at least.",
    )


class PhaseBudgetOverrides(ArtifactModel):
    """The `phase_budgets:` section of a user's config: any key of the shipped file, any depth.

    `phase_budgets: {complexity: {Large: 1.8}, stop_loss: {enabled: false}}` changes those two
    values and keeps every other one shipped.
    """

    base: dict[Phase, PhaseBudgetValues] = Field(
        default_factory=dict, description="Base budget per phase, before the multipliers."
    )
    weights: dict[Phase, Multiplier] = Field(
        default_factory=dict, description="Weight per phase in the budget formula."
    )
    complexity: dict[Complexity, Multiplier] = Field(
        default_factory=dict, description="Multiplier per complexity (Tiny … Large)."
    )
    importance: dict[Importance, Multiplier] = Field(
        default_factory=dict, description="Multiplier per importance (low … critical)."
    )
    bands: BandsOverride = Field(
        default_factory=BandsOverride, description="Utilisation bands of the phase status."
    )
    stop_loss: StopLossOverride = Field(
        default_factory=StopLossOverride, description="When a slice must stop spending."
    )
    heuristic: HeuristicOverride = Field(
        default_factory=HeuristicOverride, description="How HEURISTIC estimates are split."
    )
    historical: HistoricalOverride = Field(
        default_factory=HistoricalOverride, description="How HISTORICAL estimates are made."
    )

    def apply_to(self, shipped: PhaseBudgetConfig) -> PhaseBudgetConfig:
        """The shipped config with these values laid over it (raises ValidationError when the
        combination is invalid, e.g. a `bands.warning` below the shipped `within`)."""
        merged = _merge(shipped.model_dump(), self.model_dump(exclude_none=True))
        return PhaseBudgetConfig.model_validate(merged)


def _merge(base: dict[Any, Any], top: Mapping[Any, Any]) -> dict[Any, Any]:
    out = dict(base)
    for key, value in top.items():
        current = out.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            out[key] = _merge(current, value)
        else:
            out[key] = value
    return out
