"""A report as metric points: the GenAI token histogram and the budget's own instruments.

Pure: values in, values out, no OpenTelemetry import (the export module records these points
with the SDK). Names, units and attributes are listed in docs/telemetry.md; the choices:

- `gen_ai.client.token.usage` follows the GenAI semantic conventions: one record per usage
  report (per `usage_by_model` row when the report has them) and token type, unit `{token}`.
- Limits, spend, utilisation and latency are states of a slice at this commit, so they are
  gauges: a re-run of the gate sets the same value again instead of adding it twice.
- Breaches and coverage gaps are events of this gate run, so they are counters.
- Slice-wide points have no `phase` attribute; per-phase points (from phase budgets) have one.
- Latency is in seconds, as OpenTelemetry measures durations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from budget_gate.judge.budgets import BudgetStatus, PhaseUtilisation, utilisation
from budget_gate.judge.report import BreachLevel, Report, SliceResult
from budget_gate.models.findings import FindingCode

MS_PER_SECOND = 1000
INVOKE_AGENT = "invoke_agent"
"""`gen_ai.operation.name` of an agent run: what a usage report describes."""

TOKEN_BUCKETS: tuple[float, ...] = (
    1,
    4,
    16,
    64,
    256,
    1024,
    4096,
    16384,
    65536,
    262144,
    1048576,
    4194304,
    16777216,
    67108864,
)
"""The bucket boundaries the GenAI conventions advise for `gen_ai.client.token.usage`."""

GAP_CODES = frozenset(
    {
        FindingCode.MISSING_ESTIMATE,
        FindingCode.MISSING_USAGE_REPORT,
        FindingCode.UNREPORTED_AGENT_RUN,
    }
)
"""The findings that mean the budget cannot be judged: a record that should exist does not."""

_BREACH_STATUS = {
    BreachLevel.NONE: BudgetStatus.WITHIN,
    BreachLevel.WARNING: BudgetStatus.WARNING,
    BreachLevel.BREACH: BudgetStatus.EXCEEDED,
}


class InstrumentKind(StrEnum):
    HISTOGRAM = "histogram"
    GAUGE = "gauge"
    COUNTER = "counter"


@dataclass(frozen=True, slots=True)
class Instrument:
    name: str
    kind: InstrumentKind
    unit: str
    description: str


TOKEN_USAGE = Instrument(
    "gen_ai.client.token.usage",
    InstrumentKind.HISTOGRAM,
    "{token}",
    "Tokens an agent run used, by token type (input, output) and model.",
)
TOKENS_USED = Instrument(
    "budget_gate.tokens.used",
    InstrumentKind.GAUGE,
    "{token}",
    "Tokens a slice (or one of its phases) spent, over all its runs.",
)
TOKENS_LIMIT = Instrument(
    "budget_gate.tokens.limit",
    InstrumentKind.GAUGE,
    "{token}",
    "The slice's token budget: its phase budget, else its estimate; a phase's budget.",
)
UTILISATION = Instrument(
    "budget_gate.utilisation",
    InstrumentKind.GAUGE,
    "1",
    "Tokens used / token limit (1 is the whole budget); absent when the limit is 0.",
)
LATENCY = Instrument(
    "budget_gate.latency",
    InstrumentKind.GAUGE,
    "s",
    "Time the slice's runs (or a phase of them) took, summed.",
)
LATENCY_LIMIT = Instrument(
    "budget_gate.latency.limit",
    InstrumentKind.GAUGE,
    "s",
    "A phase's latency budget.",
)
BREACHES = Instrument(
    "budget_gate.breaches",
    InstrumentKind.COUNTER,
    "{budget}",
    "Budgets judged by this gate run, by `breach.status` (within, warning, exceeded).",
)
COVERAGE_GAPS = Instrument(
    "budget_gate.coverage.gaps",
    InstrumentKind.COUNTER,
    "{finding}",
    "Missing estimates, usage reports and unreported agent runs found by this gate run.",
)

INSTRUMENTS: tuple[Instrument, ...] = (
    TOKEN_USAGE,
    TOKENS_USED,
    TOKENS_LIMIT,
    UTILISATION,
    LATENCY,
    LATENCY_LIMIT,
    BREACHES,
    COVERAGE_GAPS,
)

Attributes = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class MetricPoint:
    instrument: Instrument
    value: float
    attributes: Attributes

    def attribute_map(self) -> dict[str, str]:
        return dict(self.attributes)


def metric_points(report: Report) -> tuple[MetricPoint, ...]:
    """Every point the report yields: per slice in scope, then the coverage gaps."""
    points: list[MetricPoint] = []
    for item in report.slices:
        base = _slice_attributes(item, verdict=report.verdict.value)
        points.extend(_token_usage(item))
        points.extend(_slice_budget(item, base))
        points.extend(_phase_budgets(item, base))
    points.extend(_gaps(report))
    return tuple(points)


def _slice_attributes(item: SliceResult, *, verdict: str) -> dict[str, str]:
    attributes = {"plan.id": item.ref.plan_id, "slice.id": item.ref.slice_id}
    if item.environment is not None:
        attributes["environment"] = item.environment.value
    attributes["verdict"] = verdict
    return attributes


def _point(instrument: Instrument, value: float, attributes: dict[str, str]) -> MetricPoint:
    return MetricPoint(
        instrument=instrument, value=value, attributes=tuple(sorted(attributes.items()))
    )


def _token_usage(item: SliceResult) -> Iterator[MetricPoint]:
    for run in item.usage:
        for row in run.models:
            attributes = {
                "gen_ai.operation.name": INVOKE_AGENT,
                "plan.id": item.ref.plan_id,
                "slice.id": item.ref.slice_id,
            }
            if row.provider is not None:
                attributes["gen_ai.provider.name"] = row.provider
            if row.model is not None:
                attributes["gen_ai.request.model"] = row.model
            if item.environment is not None:
                attributes["environment"] = item.environment.value
            if run.phase is not None:
                attributes["phase"] = run.phase.value
            for token_type, tokens in (("input", row.input_tokens), ("output", row.output_tokens)):
                yield _point(TOKEN_USAGE, tokens, {**attributes, "gen_ai.token.type": token_type})


def _slice_budget(item: SliceResult, base: dict[str, str]) -> Iterator[MetricPoint]:
    """Slice-wide: the phase budget's cumulative figures when there is one, else the estimate."""
    used = item.variance.actual_tokens
    yield _point(TOKENS_USED, used, base)
    if item.usage:
        yield _point(LATENCY, sum(run.duration_seconds for run in item.usage), base)
    budget = item.phase_budget
    if budget is not None and budget.has_phase_data:
        limit: int | None = budget.budget_tokens
        status: BudgetStatus | None = budget.status
    else:
        limit = item.variance.estimated_tokens
        status = None if limit is None else _BREACH_STATUS[item.variance.breach]
    if limit is None or status is None:
        return
    yield _point(TOKENS_LIMIT, limit, base)
    ratio = utilisation(actual=used, budget=limit)
    if ratio is not None:
        yield _point(UTILISATION, ratio, base)
    yield _point(BREACHES, 1, {**base, "breach.status": status.value})


def _phase_budgets(item: SliceResult, base: dict[str, str]) -> Iterator[MetricPoint]:
    if item.phase_budget is None:
        return
    for row in item.phase_budget.phases:
        attributes = {**base, "phase": row.phase.value}
        yield from _phase_points(row, attributes)


def _phase_points(row: PhaseUtilisation, attributes: dict[str, str]) -> Iterator[MetricPoint]:
    yield _point(TOKENS_USED, row.actual_tokens, attributes)
    yield _point(TOKENS_LIMIT, row.budget_tokens, attributes)
    if row.utilisation is not None:
        yield _point(UTILISATION, row.utilisation, attributes)
    if row.actual_duration_ms is not None:
        yield _point(LATENCY, row.actual_duration_ms / MS_PER_SECOND, attributes)
    yield _point(LATENCY_LIMIT, row.budget_latency_ms / MS_PER_SECOND, attributes)
    yield _point(BREACHES, 1, {**attributes, "breach.status": row.status.value})


def _gaps(report: Report) -> Iterator[MetricPoint]:
    environments = {
        (item.ref.plan_id, item.ref.slice_id): item.environment for item in report.slices
    }
    for finding in report.findings:
        if finding.code not in GAP_CODES:
            continue
        attributes = {"finding.code": finding.code.value, "verdict": report.verdict.value}
        if finding.plan_id is not None:
            attributes["plan.id"] = finding.plan_id
        if finding.slice_id is not None:
            attributes["slice.id"] = finding.slice_id
        environment = environments.get((finding.plan_id or "", finding.slice_id or ""))
        if environment is not None:
            attributes["environment"] = environment.value
        yield _point(COVERAGE_GAPS, 1, attributes)
