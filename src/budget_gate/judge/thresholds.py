"""Which thresholds judge a slice: field by field, the most specific level that sets one (§6.2).

Levels, most specific first: the slice, its plan, the plan's environment, the phase its runs
report, the config's default, and the shipped default (which sets every field but the USD ones).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from budget_gate.models.common import Environment, Phase, Thresholds
from budget_gate.models.config import GateConfig, ThresholdConfig
from budget_gate.models.plan import Plan, PlanSlice
from budget_gate.models.usage import UsageReport

ValueT = TypeVar("ValueT")

_SHIPPED = ThresholdConfig().default
"""The shipped default, used for any field a user's `default:` leaves out."""


class ThresholdSource(StrEnum):
    """Which level supplied a threshold, most specific first (§6.2)."""

    SLICE = "slice"
    PLAN = "plan"
    ENVIRONMENT = "environment"
    PHASE = "phase"
    DEFAULT = "default"
    SHIPPED = "shipped"


@dataclass(frozen=True, slots=True)
class ResolvedThresholds:
    """Every threshold field filled, with where warn and fail came from (for messages)."""

    warn: float
    fail: float
    min_tokens: int
    min_requests: int
    warn_source: ThresholdSource
    fail_source: ThresholdSource
    environment: Environment | None = None
    phase: Phase | None = None
    warn_usd: float | None = None
    fail_usd: float | None = None
    warn_usd_source: ThresholdSource | None = None
    fail_usd_source: ThresholdSource | None = None

    def describe(self, source: ThresholdSource) -> str:
        """A phrase such as `the MVP environment thresholds` for a message."""
        match source:
            case ThresholdSource.SLICE:
                return "the slice's thresholds"
            case ThresholdSource.PLAN:
                return "the plan's thresholds"
            case ThresholdSource.ENVIRONMENT:
                return f"the {self.environment} environment thresholds"
            case ThresholdSource.PHASE:
                return f"the {self.phase} phase thresholds"
            case ThresholdSource.DEFAULT:
                return "the configured default thresholds"
            case ThresholdSource.SHIPPED:
                return "the shipped default thresholds"


def resolve_thresholds(
    *,
    plan: Plan,
    slice_: PlanSlice | None,
    phase: Phase | None,
    config: GateConfig,
) -> ResolvedThresholds:
    """Field by field, the first level that sets a value wins."""
    levels: list[tuple[ThresholdSource, Thresholds | None]] = [
        (ThresholdSource.SLICE, slice_.thresholds if slice_ is not None else None),
        (ThresholdSource.PLAN, plan.thresholds),
        (
            ThresholdSource.ENVIRONMENT,
            None
            if plan.environment is None
            else config.thresholds.environments.get(plan.environment),
        ),
        (ThresholdSource.PHASE, None if phase is None else config.thresholds.phases.get(phase)),
        (ThresholdSource.DEFAULT, config.thresholds.default),
        (ThresholdSource.SHIPPED, _SHIPPED),
    ]
    present = [(source, values) for source, values in levels if values is not None]
    warn, warn_source = _first(present, lambda values: values.warn)
    fail, fail_source = _first(present, lambda values: values.fail)
    min_tokens, _ = _first(present, lambda values: values.min_tokens)
    min_requests, _ = _first(present, lambda values: values.min_requests)
    warn_usd, warn_usd_source = _first_set(present, lambda values: values.warn_usd)
    fail_usd, fail_usd_source = _first_set(present, lambda values: values.fail_usd)
    return ResolvedThresholds(
        warn=warn,
        fail=fail,
        min_tokens=min_tokens,
        min_requests=min_requests,
        warn_source=warn_source,
        fail_source=fail_source,
        environment=plan.environment,
        phase=phase,
        warn_usd=warn_usd,
        fail_usd=fail_usd,
        warn_usd_source=warn_usd_source,
        fail_usd_source=fail_usd_source,
    )


def _first(
    levels: Sequence[tuple[ThresholdSource, Thresholds]],
    get: Callable[[Thresholds], ValueT | None],
) -> tuple[ValueT, ThresholdSource]:
    """`_first_set` for a field the shipped default always sets."""
    value, source = _first_set(levels, get)
    if value is None or source is None:  # pragma: no cover
        raise AssertionError("the shipped default thresholds set every field")
    return value, source


def _first_set(
    levels: Sequence[tuple[ThresholdSource, Thresholds]],
    get: Callable[[Thresholds], ValueT | None],
) -> tuple[ValueT | None, ThresholdSource | None]:
    """The first level that sets the field, and which; (None, None) when none does.

    Only the USD thresholds can end that way: the shipped default leaves them unset.
    """
    for source, values in levels:
        value = get(values)
        if value is not None:
            return value, source
    return None, None


def slice_phase(reports: Sequence[UsageReport]) -> Phase | None:
    """The phase whose thresholds apply: only when every run reports the same single phase.

    A slice whose runs span phases (or do not say) is judged by the less specific levels, so a
    generous THINK threshold never excuses IMPLEMENT spend.
    """
    found: set[Phase] = set()
    for report in reports:
        phases = {report.phase} if report.phase is not None else set(report.phases or ())
        if len(phases) != 1:
            return None
        found |= phases
    return found.pop() if len(found) == 1 else None
