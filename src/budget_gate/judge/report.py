"""The Report: the one value every output (markdown, JSON, text, comment, check) renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from budget_gate.judge.budgets import SliceBudget
from budget_gate.judge.run_usage import RunUsage
from budget_gate.models.common import Environment, PlanStatus, SliceRef
from budget_gate.models.config import Mode
from budget_gate.models.findings import Finding
from budget_gate.scope.change import ScopeKind
from budget_gate.scope.slices import ScopeReason

COST_SHOWN_APART = 0.005
"""Two costs at least half a cent apart are shown side by side."""


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a secret
    FAIL = "fail"


class BreachLevel(StrEnum):
    NONE = "none"
    WARNING = "warning"
    BREACH = "breach"


@dataclass(frozen=True, slots=True)
class RunCounts:
    passed: int = 0
    failed: int = 0
    blocked: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.blocked

    def __add__(self, other: RunCounts) -> RunCounts:
        return RunCounts(
            passed=self.passed + other.passed,
            failed=self.failed + other.failed,
            blocked=self.blocked + other.blocked,
        )


@dataclass(frozen=True, slots=True)
class Variance:
    """Estimate vs actual for one slice or for the total. Estimates are None when missing;
    ratios are None when the estimate is missing or zero."""

    estimated_requests: int | None
    estimated_tokens: int | None
    actual_requests: int
    actual_tokens: int
    request_variance: int | None
    token_variance: int | None
    variance_ratio: float | None
    request_variance_ratio: float | None
    breach: BreachLevel = BreachLevel.NONE
    drivers: tuple[str, ...] = ()
    """What spent most when breached: `run <id>`, `agent <id>`, `model <name>` with shares."""
    requests_lower_bound: bool = False
    """Some run did not count its requests, so `actual_requests` is a lower bound."""
    estimated_cost_usd: float | None = None
    actual_cost_usd: float | None = None
    """The runs' cost: an agent's reported cost where it gave one, else the price data's.
    A lower bound when `unpriced_runs` (the priced runs only); None (n/a) when no run is priced."""
    computed_cost_usd: float | None = None
    """The same runs priced by the price data alone (None when any cannot be priced)."""
    cost_variance_usd: float | None = None
    """actual − estimated; with unpriced runs only an overrun is certain (else None)."""
    cost_variance_ratio: float | None = None
    unpriced_runs: int = 0
    """Runs whose cost is unknown and left out of `actual_cost_usd`."""

    @property
    def cost_lower_bound(self) -> bool:
        """`actual_cost_usd` is known but leaves out some runs: shown as `≥`."""
        return self.unpriced_runs > 0 and self.actual_cost_usd is not None

    @property
    def cost_known(self) -> bool:
        """Whether a cost says anything: an estimated one, or a known one of some spend."""
        spent = self.actual_cost_usd is not None and self.actual_tokens > 0
        return self.estimated_cost_usd is not None or spent

    @property
    def computed_cost_differs(self) -> bool:
        """Whether the price data's cost is far enough from the one shown to show both."""
        return (
            self.computed_cost_usd is not None
            and self.actual_cost_usd is not None
            and abs(self.computed_cost_usd - self.actual_cost_usd) >= COST_SHOWN_APART
        )


@dataclass(frozen=True, slots=True)
class SliceResult:
    ref: SliceRef
    title: str | None
    status: PlanStatus
    reasons: frozenset[ScopeReason]
    variance: Variance
    runs: RunCounts
    plan_path: str
    plan_line: int
    estimate_path: str | None = None
    estimate_line: int | None = None
    run_ids: tuple[str, ...] = ()
    phase_budget: SliceBudget | None = None
    """Per-phase utilisation and stop-loss, when the slice's runs report phases (§6.3)."""
    environment: Environment | None = None
    """The plan's `environment` (thresholds, and an attribute of the exported metrics)."""
    usage: tuple[RunUsage, ...] = ()
    """Each run's tokens per model, for `gen_ai.client.token.usage` (telemetry/)."""


@dataclass(frozen=True, slots=True)
class Waiver:
    label: str
    applied: bool


@dataclass(frozen=True, slots=True)
class Report:
    verdict: Verdict
    mode: Mode
    kind: ScopeKind
    base: str | None
    head: str | None
    slices: tuple[SliceResult, ...]
    findings: tuple[Finding, ...]
    totals: Variance
    total_runs: RunCounts
    generated_at: datetime
    waiver: Waiver | None = None
    notes: tuple[str, ...] = field(default=())
    """Caveats shown under the verdict (audit scope, API caps, cut detail)."""
    price_data: str | None = None
    """The price data computed costs come from (e.g. `genai-prices 0.2.3`), named in the footer."""


def utc_stamp(moment: datetime) -> str:
    """`2026-11-25T16:56:47Z`: the one timestamp format the gate writes (no microseconds)."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
