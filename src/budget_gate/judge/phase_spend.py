"""Each run's token spend put in its phase(s), for the phase budgets (§6.3).

A run with `phase` puts all its spend in that phase, a run with `phases` its breakdown; the rest
is unattributed (it counts toward the cumulative spend, not toward any phase).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from budget_gate.models.common import Phase
from budget_gate.models.usage import UsageReport


@dataclass(frozen=True, slots=True)
class PhaseSpend:
    tokens: int = 0
    requests: int = 0
    duration_seconds: float | None = 0.0
    """None once any run spending in the phase does not say how long it took there."""

    def plus(self, *, tokens: int, requests: int, duration_seconds: float | None) -> PhaseSpend:
        duration = (
            None
            if self.duration_seconds is None or duration_seconds is None
            else self.duration_seconds + duration_seconds
        )
        return PhaseSpend(
            tokens=self.tokens + tokens,
            requests=self.requests + requests,
            duration_seconds=duration,
        )


@dataclass(frozen=True, slots=True)
class SpendByPhase:
    phases: Mapping[Phase, PhaseSpend]
    unattributed_tokens: int
    total_tokens: int
    has_phase_data: bool


def spend_by_phase(reports: Iterable[UsageReport]) -> SpendByPhase:
    """Each run's spend put in its phase(s); see the module docstring."""
    phases: dict[Phase, PhaseSpend] = {}
    unattributed = total = 0
    has_phase_data = False
    for report in reports:
        total += report.actual_total_tokens
        if report.phase is not None:
            has_phase_data = True
            phases[report.phase] = phases.get(report.phase, PhaseSpend()).plus(
                tokens=report.actual_total_tokens,
                requests=report.actual_requests,
                duration_seconds=report.duration_seconds,
            )
        elif report.phases:
            has_phase_data = True
            attributed = 0
            for phase, usage in report.phases.items():
                attributed += usage.total_tokens
                phases[phase] = phases.get(phase, PhaseSpend()).plus(
                    tokens=usage.total_tokens,
                    requests=usage.requests,
                    duration_seconds=usage.duration_seconds,
                )
            unattributed += max(0, report.actual_total_tokens - attributed)
        else:
            unattributed += report.actual_total_tokens
    return SpendByPhase(
        phases=phases,
        unattributed_tokens=unattributed,
        total_tokens=total,
        has_phase_data=has_phase_data,
    )
