"""Small builders for model values, so tests state only the fields that matter to them.

Every builder fills the remaining required fields with plain, valid defaults. Records wrapped
by `sourced` get loader-like positions: the mapping starts at `line` with its first key, and
each further field it sets sits on the next line in model order (so for an estimate at line 1:
plan_id 1, slice_id 2, estimated_requests 3, estimated_prompt_tokens 4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel

from budget_gate.judge.rules import RuleContext
from budget_gate.models.artifacts import Artifacts, Sourced
from budget_gate.models.common import Environment, Phase, PlanStatus, SliceRef, Thresholds
from budget_gate.models.config import GateConfig
from budget_gate.models.estimate import EstimationMethod, EstimationRecord
from budget_gate.models.plan import Plan, PlanSlice
from budget_gate.models.usage import ModelUsage, PhaseUsage, RunStatus, UsageReport
from budget_gate.scope.change import Commit
from budget_gate.scope.slices import AgentRun, Scope, ScopeReason, SliceTrailer

ModelT = TypeVar("ModelT", bound=BaseModel)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
HUMAN = "Dana Developer <dana@example.com>"
CLAUDE = "Claude <noreply@anthropic.com>"


def ref(text: str) -> SliceRef:
    """`"P1/S1"` -> SliceRef."""
    parsed = SliceRef.parse(text)
    assert parsed is not None, text
    return parsed


def sha(seed: str) -> str:
    """A full 40-hex SHA that starts with `seed` (hex digits), so tests can read it."""
    return (seed + "0" * 40)[:40]


def sourced(record: ModelT, *, path: str, line: int = 1) -> Sourced[ModelT]:
    names = [name for name in type(record).model_fields if name in record.model_fields_set]
    return Sourced(
        record=record,
        path=path,
        line=line,
        field_lines={name: line + offset for offset, name in enumerate(names)},
    )


def plan_slice(
    slice_id: str,
    *,
    status: PlanStatus | None = None,
    paths: Sequence[str] = (),
    thresholds: Thresholds | None = None,
) -> PlanSlice:
    return PlanSlice(slice_id=slice_id, status=status, paths=list(paths), thresholds=thresholds)


def plan(
    plan_id: str = "P1",
    *,
    status: PlanStatus = PlanStatus.APPROVED,
    slices: Sequence[PlanSlice] = (),
    environment: Environment | None = None,
    thresholds: Thresholds | None = None,
) -> Plan:
    return Plan(
        plan_id=plan_id,
        title=f"Plan {plan_id}",
        status=status,
        environment=environment,
        slices=list(slices),
        thresholds=thresholds,
    )


def estimate(
    plan_id: str = "P1",
    slice_id: str = "S1",
    *,
    requests: int = 10,
    prompt: int = 8_000,
    completion: int = 2_000,
) -> EstimationRecord:
    return EstimationRecord(
        plan_id=plan_id,
        slice_id=slice_id,
        estimated_requests=requests,
        estimated_prompt_tokens=prompt,
        estimated_completion_tokens=completion,
        estimation_method=EstimationMethod.MANUAL,
        estimation_owner="planner",
        estimation_timestamp=NOW,
    )


def model_usage(
    model: str, *, prompt: int, completion: int, requests: int | None = None
) -> ModelUsage:
    return ModelUsage(
        model=model, prompt_tokens=prompt, completion_tokens=completion, requests=requests
    )


def report(
    run_id: str = "r-1",
    plan_id: str = "P1",
    slice_id: str = "S1",
    *,
    agent: str = "claude-code",
    requests: int = 10,
    prompt: int = 8_000,
    completion: int = 2_000,
    status: RunStatus = RunStatus.PASS,
    model: str | None = None,
    usage_by_model: Sequence[ModelUsage] | None = None,
    commits: Sequence[str] = (),
    phase: Phase | None = None,
    phases: Mapping[Phase, PhaseUsage] | None = None,
    duration_seconds: float = 60.0,
) -> UsageReport:
    """A report whose `actual_total_tokens` is prompt + completion, as the model requires."""
    return UsageReport(
        run_id=run_id,
        plan_id=plan_id,
        slice_id=slice_id,
        agent_id=agent,
        actual_requests=requests,
        actual_prompt_tokens=prompt,
        actual_completion_tokens=completion,
        actual_total_tokens=prompt + completion,
        duration_seconds=duration_seconds,
        status=status,
        report_timestamp=NOW,
        model=model,
        usage_by_model=None if usage_by_model is None else list(usage_by_model),
        commits=list(commits),
        phase=phase,
        phases=None if phases is None else dict(phases),
    )


def plan_path(plan_id: str) -> str:
    return f"plans/{plan_id.lower()}/plan.yaml"


def artifacts(
    *,
    plans: Iterable[Plan | Sourced[Plan]] = (),
    estimates: Iterable[EstimationRecord | Sourced[EstimationRecord]] = (),
    reports: Iterable[UsageReport | Sourced[UsageReport]] = (),
) -> Artifacts:
    """Wrap bare records at the default locations (§3): one file per record."""
    return Artifacts(
        plans=[
            item if isinstance(item, Sourced) else sourced(item, path=plan_path(item.plan_id))
            for item in plans
        ],
        estimates=[
            item
            if isinstance(item, Sourced)
            else sourced(item, path=f"plans/{item.plan_id.lower()}/estimation.yaml")
            for item in estimates
        ],
        reports=[
            item
            if isinstance(item, Sourced)
            else sourced(item, path=f"plans/{item.plan_id.lower()}/usage/{item.run_id}.yaml")
            for item in reports
        ],
    )


def commit(
    seed: str,
    *,
    author: str = HUMAN,
    subject: str = "Build the thing",
    trailers: Sequence[tuple[str, str]] = (),
) -> Commit:
    return Commit(sha=sha(seed), author=author, subject=subject, trailers=tuple(trailers))


def scope(
    *refs: str,
    owned: Mapping[str, Sequence[str]] | None = None,
    agent_runs: Sequence[tuple[str, str]] = (),
    slice_trailers: Sequence[tuple[str, str]] = (),
    agent_commits: Sequence[Commit] = (),
    malformed_trailers: Sequence[tuple[str, str]] = (),
) -> Scope:
    """Slices by `"PLAN/SLICE"`; runs as (run_id, sha seed); trailers as ("P/S", sha seed)."""
    return Scope(
        slices={ref(text): frozenset({ScopeReason.PLAN_CHANGED}) for text in refs},
        owned_changes={ref(text): tuple(paths) for text, paths in (owned or {}).items()},
        agent_runs=tuple(
            AgentRun(run_id=run_id, commit_sha=sha(seed)) for run_id, seed in agent_runs
        ),
        slice_trailers=tuple(
            SliceTrailer(ref=ref(text), commit_sha=sha(seed)) for text, seed in slice_trailers
        ),
        agent_commits=tuple(agent_commits),
        malformed_trailers=tuple((sha(seed), raw) for seed, raw in malformed_trailers),
    )


def context(
    *,
    scope: Scope,
    artifacts: Artifacts,
    config: GateConfig | None = None,
) -> RuleContext:
    return RuleContext.build(scope=scope, artifacts=artifacts, config=config or GateConfig())
