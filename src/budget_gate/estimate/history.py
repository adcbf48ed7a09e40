"""Estimate accuracy over the repository (`budget-gate history`), for maintainers tuning budgets.

Decisions users can rely on:

- A slice is measured when it is done (or any status with `all_statuses`), has an estimate and
  has usage reports. Its ratio is actual / estimate, for tokens and for requests, with actuals
  summed over every run whatever its status, as the gate counts them.
- bias = geometric mean of the ratios; typical error = exp(median |ln ratio|); hit rate = the
  share of ratios within ×2 (from half the estimate to double it, both ends included).
- Ratios are grouped by estimation method, agent and model (the one that spent most of the
  slice's tokens), the plan's environment, and phase (per phase, where the estimate has a
  `phases:` breakdown and the runs report phases).
- A zero estimate or zero spend has no ratio (no logarithm): such slices and phases are listed
  apart, never dropped. So are FAIL/BLOCKED runs: their spend counts in the ratios, and the
  report shows how much it was and what the accuracy would be without it.
- Multipliers are suggested from the HEURISTIC estimates (only those came from the multipliers);
  see `multiplier_fit.py`.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from budget_gate.estimate.multiplier_fit import FitSample, MultiplierFit, fit_multipliers
from budget_gate.judge.budgets import Sizing
from budget_gate.judge.phase_spend import spend_by_phase
from budget_gate.judge.run_usage import biggest, tokens_by_agent, tokens_by_model
from budget_gate.models.budgets import PhaseBudgetConfig
from budget_gate.models.common import Phase, PlanStatus, SliceRef
from budget_gate.models.estimate import EstimationMethod, EstimationRecord
from budget_gate.models.usage import RunStatus, UsageReport
from budget_gate.scope.index import RecordIndex, SliceEntry

UNKNOWN = "(unknown)"
UNSET = "(unset)"
HIT_FACTOR = 2
PHASE_ORDER = {phase: index for index, phase in enumerate(Phase)}


class Measure(StrEnum):
    TOKENS = "tokens"
    REQUESTS = "requests"


class Dimension(StrEnum):
    ALL = "all"
    METHOD = "method"
    AGENT = "agent"
    ENVIRONMENT = "environment"
    PHASE = "phase"
    MODEL = "model"


@dataclass(frozen=True, slots=True)
class Pair:
    """One estimate and what was actually spent against it."""

    estimated: int
    actual: int

    @property
    def ratio(self) -> float | None:
        """actual / estimate; None when either is zero (no logarithm)."""
        if self.estimated == 0 or self.actual == 0:
            return None
        return self.actual / self.estimated

    @property
    def hit(self) -> bool:
        """Within ×2 of the estimate, both ends included (exact on the counts)."""
        return self.estimated <= HIT_FACTOR * self.actual and self.actual <= (
            HIT_FACTOR * self.estimated
        )


@dataclass(frozen=True, slots=True)
class Accuracy:
    count: int
    bias: float
    typical_error: float
    hit_rate: float


def accuracy(pairs: Iterable[Pair]) -> Accuracy | None:
    """Bias, typical error and hit rate of the pairs that have a ratio; None when none has."""
    usable = [pair for pair in pairs if pair.ratio is not None]
    if not usable:
        return None
    logs = [math.log(pair.actual) - math.log(pair.estimated) for pair in usable]
    return Accuracy(
        count=len(usable),
        bias=math.exp(statistics.fmean(logs)),
        typical_error=math.exp(statistics.median(abs(value) for value in logs)),
        hit_rate=sum(pair.hit for pair in usable) / len(usable),
    )


@dataclass(frozen=True, slots=True)
class SliceRatio:
    ref: SliceRef
    status: PlanStatus
    method: EstimationMethod
    agent: str
    model: str
    environment: str
    sizing: Sizing | None
    """Complexity and importance when the slice or its plan sets both."""
    tokens: Pair
    requests: Pair
    runs: int
    passing_tokens: Pair
    """Tokens of its PASS runs only (for the without-FAIL/BLOCKED comparison)."""
    passing_requests: Pair

    def pair(self, measure: Measure) -> Pair:
        return self.tokens if measure is Measure.TOKENS else self.requests


@dataclass(frozen=True, slots=True)
class PhaseRatio:
    ref: SliceRef
    phase: Phase
    tokens: Pair
    requests: Pair


@dataclass(frozen=True, slots=True)
class Unmeasured:
    """A slice (or one of its phases) without a ratio for a measure, and why."""

    ref: SliceRef
    phase: Phase | None
    measure: Measure
    pair: Pair

    @property
    def reason(self) -> str:
        return "zero estimate" if self.pair.estimated == 0 else "nothing spent"


@dataclass(frozen=True, slots=True)
class FailedRun:
    run_id: str
    ref: SliceRef
    agent: str
    status: RunStatus
    tokens: int
    requests: int


@dataclass(frozen=True, slots=True)
class GroupAccuracy:
    dimension: Dimension
    key: str
    tokens: Accuracy | None
    requests: Accuracy | None


@dataclass(frozen=True, slots=True)
class History:
    slices: tuple[SliceRatio, ...]
    overall: GroupAccuracy
    groups: tuple[GroupAccuracy, ...]
    phases: tuple[PhaseRatio, ...]
    unmeasured: tuple[Unmeasured, ...]
    failed_runs: tuple[FailedRun, ...]
    failed_tokens: int
    actual_tokens: int
    without_failed: GroupAccuracy
    """Accuracy of the same slices counting PASS runs only."""
    unfinished: tuple[SliceRef, ...]
    """Estimated slices with runs left out because they are not done (see `all_statuses`)."""
    without_runs: tuple[SliceRef, ...]
    """Estimated slices (in the statuses measured) with no usage report: nothing to compare."""
    fit: MultiplierFit
    all_statuses: bool


def build_history(
    index: RecordIndex, *, budgets: PhaseBudgetConfig, all_statuses: bool = False
) -> History:
    """Every estimated slice of the repository, measured against its actuals."""
    slices: list[SliceRatio] = []
    phases: list[PhaseRatio] = []
    failed: list[FailedRun] = []
    unfinished: list[SliceRef] = []
    without_runs: list[SliceRef] = []
    for ref, entry in sorted(index.slices_by_ref.items()):
        estimate = index.estimate_for(ref)
        if estimate is None:
            continue
        if not all_statuses and entry.status is not PlanStatus.DONE:
            if index.runs_for(ref):
                unfinished.append(ref)
            continue
        runs = [report.record for report in index.runs_for(ref)]
        if not runs:
            without_runs.append(ref)
            continue
        slices.append(_slice_ratio(entry, estimate.record, runs))
        phases.extend(_phase_ratios(ref, estimate.record, runs))
        failed.extend(
            FailedRun(
                run_id=run.run_id,
                ref=ref,
                agent=run.agent_id,
                status=run.status,
                tokens=run.actual_total_tokens,
                requests=run.actual_requests,
            )
            for run in runs
            if run.status is not RunStatus.PASS
        )
    unmeasured = [
        Unmeasured(ref=item.ref, phase=None, measure=measure, pair=item.pair(measure))
        for item in slices
        for measure in Measure
        if item.pair(measure).ratio is None
    ]
    unmeasured.extend(
        Unmeasured(ref=item.ref, phase=item.phase, measure=measure, pair=pair)
        for item in phases
        for measure, pair in ((Measure.TOKENS, item.tokens), (Measure.REQUESTS, item.requests))
        if pair.ratio is None
    )
    return History(
        slices=tuple(slices),
        overall=_group(Dimension.ALL, "all", slices),
        groups=tuple(_groups(slices, phases)),
        phases=tuple(phases),
        unmeasured=tuple(unmeasured),
        failed_runs=tuple(failed),
        failed_tokens=sum(run.tokens for run in failed),
        actual_tokens=sum(item.tokens.actual for item in slices),
        without_failed=GroupAccuracy(
            dimension=Dimension.ALL,
            key="PASS runs only",
            tokens=accuracy(item.passing_tokens for item in slices),
            requests=accuracy(item.passing_requests for item in slices),
        ),
        unfinished=tuple(unfinished),
        without_runs=tuple(without_runs),
        fit=fit_multipliers(_fit_samples(slices), budgets=budgets),
        all_statuses=all_statuses,
    )


def _slice_ratio(
    entry: SliceEntry, estimate: EstimationRecord, runs: Sequence[UsageReport]
) -> SliceRatio:
    plan = entry.plan.record
    sizing = Sizing.of(plan, entry.slice_)
    passing = [run for run in runs if run.status is RunStatus.PASS]
    models = tokens_by_model(runs)
    return SliceRatio(
        ref=entry.ref,
        status=entry.status,
        method=estimate.estimation_method,
        agent=biggest(tokens_by_agent(runs)) or UNKNOWN,
        model=biggest(models) or estimate.model or UNKNOWN,
        environment=plan.environment.value if plan.environment else UNSET,
        sizing=None if sizing.assumed else sizing,
        tokens=Pair(estimate.estimated_total_tokens, sum(r.actual_total_tokens for r in runs)),
        requests=Pair(estimate.estimated_requests, sum(r.actual_requests for r in runs)),
        runs=len(runs),
        passing_tokens=Pair(
            estimate.estimated_total_tokens, sum(r.actual_total_tokens for r in passing)
        ),
        passing_requests=Pair(estimate.estimated_requests, sum(r.actual_requests for r in passing)),
    )


def _phase_ratios(
    ref: SliceRef, estimate: EstimationRecord, runs: Sequence[UsageReport]
) -> list[PhaseRatio]:
    spend = spend_by_phase(runs)
    if not estimate.phases or not spend.has_phase_data:
        return []
    ratios: list[PhaseRatio] = []
    for phase, planned in sorted(estimate.phases.items(), key=lambda item: PHASE_ORDER[item[0]]):
        spent = spend.phases.get(phase)
        ratios.append(
            PhaseRatio(
                ref=ref,
                phase=phase,
                tokens=Pair(planned.total_tokens, spent.tokens if spent else 0),
                requests=Pair(planned.requests, spent.requests if spent else 0),
            )
        )
    return ratios


def _group(dimension: Dimension, key: str, slices: Sequence[SliceRatio]) -> GroupAccuracy:
    return GroupAccuracy(
        dimension=dimension,
        key=key,
        tokens=accuracy(item.tokens for item in slices),
        requests=accuracy(item.requests for item in slices),
    )


def _groups(slices: Sequence[SliceRatio], phases: Sequence[PhaseRatio]) -> list[GroupAccuracy]:
    keyed = {
        Dimension.METHOD: lambda item: item.method.value,
        Dimension.AGENT: lambda item: item.agent,
        Dimension.ENVIRONMENT: lambda item: item.environment,
        Dimension.MODEL: lambda item: item.model,
    }
    out: list[GroupAccuracy] = []
    for dimension in Dimension:
        if dimension is Dimension.ALL:
            continue
        if dimension is Dimension.PHASE:
            by_phase: dict[Phase, list[PhaseRatio]] = defaultdict(list)
            for ratio in phases:
                by_phase[ratio.phase].append(ratio)
            out.extend(
                GroupAccuracy(
                    dimension=dimension,
                    key=phase.value,
                    tokens=accuracy(item.tokens for item in by_phase[phase]),
                    requests=accuracy(item.requests for item in by_phase[phase]),
                )
                for phase in Phase
                if phase in by_phase
            )
            continue
        by_key: dict[str, list[SliceRatio]] = defaultdict(list)
        for item in slices:
            by_key[keyed[dimension](item)].append(item)
        out.extend(_group(dimension, key, by_key[key]) for key in sorted(by_key))
    # A group without any ratio (only zero estimates or zero spend) is listed apart instead.
    return [item for item in out if item.tokens is not None or item.requests is not None]


def _fit_samples(slices: Iterable[SliceRatio]) -> list[FitSample]:
    samples: list[FitSample] = []
    for item in slices:
        ratio = item.tokens.ratio
        if item.method is not EstimationMethod.HEURISTIC or ratio is None or item.sizing is None:
            continue
        samples.append(
            FitSample(
                complexity=item.sizing.complexity,
                importance=item.sizing.importance,
                log_ratio=math.log(item.tokens.actual) - math.log(item.tokens.estimated),
            )
        )
    return samples
