"""Which slices a change puts in scope (§4), and which agent runs and commits it contains."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from budget_gate.artifacts import Sourced
from budget_gate.change import Change, Commit
from budget_gate.models.common import SliceRef
from budget_gate.models.config import GateConfig
from budget_gate.models.estimate import EstimationRecord
from budget_gate.models.plan import Plan
from budget_gate.models.usage import UsageReport
from budget_gate.report import ScopeReason


@dataclass(frozen=True, slots=True)
class AgentRun:
    """A run named by an `Agent-Run:` trailer."""

    run_id: str
    commit_sha: str


@dataclass(frozen=True, slots=True)
class SliceTrailer:
    """A `Plan-Slice:` trailer, kept even when it names no known slice (rules report that)."""

    ref: SliceRef
    commit_sha: str


@dataclass(frozen=True, slots=True)
class Scope:
    slices: Mapping[SliceRef, frozenset[ScopeReason]]
    """Every slice in scope with the reasons it is there."""
    owned_changes: Mapping[SliceRef, tuple[str, ...]] = field(default_factory=dict)
    """Changed paths matching each slice's `paths` globs."""
    agent_runs: tuple[AgentRun, ...] = ()
    slice_trailers: tuple[SliceTrailer, ...] = ()
    agent_commits: tuple[Commit, ...] = ()
    """Commits whose author or co-author matches a configured agent identity."""
    malformed_trailers: tuple[tuple[str, str], ...] = ()
    """(commit sha, raw value) of `Plan-Slice:` trailers that are not `PLAN/SLICE`."""


def find_scope(
    change: Change,
    *,
    plans: Sequence[Sourced[Plan]],
    estimates: Sequence[Sourced[EstimationRecord]],
    reports: Sequence[Sourced[UsageReport]],
    config: GateConfig,
) -> Scope:
    raise NotImplementedError("being built")
