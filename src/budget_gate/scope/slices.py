"""Which slices a change puts in scope (§4), and which agent runs and commits it contains.

Pure: values in, a `Scope` out. A PR's cost grows with the PR, not the repository: slice
`paths` globs are indexed by their literal directory prefix, so a changed path only tries the
globs filed under its own ancestors.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, TypeVar

from budget_gate.models.artifacts import PlanOutline, Sourced
from budget_gate.models.common import ID_PATTERN, SliceRef
from budget_gate.models.config import GateConfig
from budget_gate.models.estimate import EstimationRecord
from budget_gate.models.plan import Plan
from budget_gate.models.usage import UsageReport
from budget_gate.scope.change import Change, Commit, FileStatus, ScopeKind
from budget_gate.scope.globs import GlobError, compile_glob, literal_prefix, path_prefixes
from budget_gate.scope.index import PlanTable


class ScopeReason(StrEnum):
    """Why a slice is in scope (§4); a slice may have several."""

    PLAN_CHANGED = "plan-changed"
    RECORD_CHANGED = "record-changed"
    OWNED_PATH_CHANGED = "owned-path-changed"
    TRAILER = "plan-slice-trailer"
    AGENT_RUN = "agent-run"
    AUDIT = "audit"


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
    kind: ScopeKind = ScopeKind.PULL_REQUEST
    """The change's kind: a release requires a usage report of every in-progress/done slice."""


PLAN_SLICE_TRAILER = "Plan-Slice"
AGENT_RUN_TRAILER = "Agent-Run"

_ID = re.compile(ID_PATTERN)


def find_scope(
    change: Change,
    *,
    plans: Sequence[Sourced[Plan]],
    estimates: Sequence[Sourced[EstimationRecord]],
    reports: Sequence[Sourced[UsageReport]],
    config: GateConfig,
    base_estimates: Sequence[Sourced[EstimationRecord]] | None = None,
    base_reports: Sequence[Sourced[UsageReport]] | None = None,
    outlines: Sequence[PlanOutline] | None = None,
) -> Scope:
    """The slices `change` puts in scope, with why, plus its agent runs and agent commits.

    `base_estimates` / `base_reports`, when given, are the records of the changed artifact files
    as they were at the merge base. Then only records that were added, changed or removed put
    their slice in scope, not every record of a shared file the change touched. Records and
    trailers naming no known slice put nothing in scope; the rules report them. `outlines` are
    every plan when `plans` holds only some in full (`Artifacts.outlines`).
    """
    table = PlanTable.of(plans, outlines)
    known = table.known
    reasons: dict[SliceRef, set[ScopeReason]] = defaultdict(set)

    def add(refs: Iterable[SliceRef], reason: ScopeReason) -> None:
        for ref in refs:
            if ref in known:
                reasons[ref].add(reason)

    if change.kind is ScopeKind.AUDIT:
        add(known, ScopeReason.AUDIT)
    written = frozenset(item.path for item in change.files if item.status is not FileStatus.DELETED)
    for outline in table.outlines:
        if outline.path in written:
            add(
                (SliceRef(outline.plan_id, slice_id) for slice_id, _ in outline.slices),
                ScopeReason.PLAN_CHANGED,
            )
    add(
        _changed_records(estimates, base_estimates, written=written, key=_estimate_key),
        ScopeReason.RECORD_CHANGED,
    )
    add(
        _changed_records(reports, base_reports, written=written, key=_report_key),
        ScopeReason.RECORD_CHANGED,
    )
    owned = _owned_changes(_globs_by_prefix(table), paths=change.touched_paths)
    add(owned, ScopeReason.OWNED_PATH_CHANGED)
    slice_trailers, malformed = _slice_trailers(change.commits)
    add((trailer.ref for trailer in slice_trailers), ScopeReason.TRAILER)
    agent_runs = _agent_runs(change.commits)
    run_ids = {run.run_id for run in agent_runs}
    add((r.record.ref for r in reports if r.record.run_id in run_ids), ScopeReason.AGENT_RUN)
    identities = tuple(config.agents.all_identities())
    return Scope(
        slices={ref: frozenset(reasons[ref]) for ref in sorted(reasons)},
        owned_changes={ref: tuple(sorted(owned[ref])) for ref in sorted(owned) if ref in known},
        agent_runs=agent_runs,
        slice_trailers=slice_trailers,
        agent_commits=tuple(c for c in change.commits if is_agent_commit(c, identities=identities)),
        malformed_trailers=malformed,
        kind=change.kind,
    )


class _SliceRecord(Protocol):
    @property
    def ref(self) -> SliceRef: ...


RecordT = TypeVar("RecordT", bound=_SliceRecord)


def _estimate_key(record: EstimationRecord) -> Hashable:
    return record.ref


def _report_key(record: UsageReport) -> Hashable:
    return record.run_id


def _changed_records(
    records: Sequence[Sourced[RecordT]],
    base: Sequence[Sourced[RecordT]] | None,
    *,
    written: frozenset[str],
    key: Callable[[RecordT], Hashable],
) -> set[SliceRef]:
    """Slices of records added or modified (and, with `base`, removed) by the change.

    `key` is a record's identity: its slice for estimates, its `run_id` for usage reports.
    """
    after: dict[Hashable, list[RecordT]] = defaultdict(list)
    for sourced in records:
        if sourced.path in written:
            after[key(sourced.record)].append(sourced.record)
    if base is None:
        return {record.ref for group in after.values() for record in group}
    before: dict[Hashable, list[RecordT]] = defaultdict(list)
    for sourced in base:
        before[key(sourced.record)].append(sourced.record)
    refs: set[SliceRef] = set()
    for identity, group in after.items():
        previous = before.get(identity, [])
        if group != previous:  # added or modified; a record moved to another slice leaves both
            refs.update(record.ref for record in (*group, *previous))
    elsewhere = {key(s.record): s.record for s in records if s.path not in written}
    for identity, group in before.items():
        if identity not in after:
            # Gone from the changed files: removed, unless it merely moved to an untouched file.
            refs.update(record.ref for record in group if elsewhere.get(identity) != record)
    return refs


GlobsByPrefix = Mapping[str, Sequence[tuple[SliceRef, str]]]
_last_globs: list[tuple[object, GlobsByPrefix]] = []


def _globs_by_prefix(table: PlanTable) -> GlobsByPrefix:
    """Every slice's `paths` globs filed by literal prefix; kept while the slices are the same
    (`PlanTable.slices`), since one run computes scope several times."""
    if _last_globs and _last_globs[0][0] is table.slices:
        return _last_globs[0][1]
    by_prefix: dict[str, list[tuple[SliceRef, str]]] = defaultdict(list)
    for ref, paths in table.slices:
        for glob in paths:
            try:
                by_prefix[_literal_prefix(glob)].append((ref, glob))
            except GlobError:
                continue  # an unusable glob owns nothing; the plan's validation says why
    _last_globs[:] = [(table.slices, by_prefix)]
    return by_prefix


def _literal_prefix(glob: str) -> str:
    """`globs.literal_prefix`, without its normalising for the usual spelling of a glob.

    A glob with no surrounding space or `/`, no `//` and no backslash is already normal (the
    `**/**` folding only happens past the first wildcard), so its prefix is its leading
    wildcard-free segments. 20,000 slices make this worth it.
    """
    if (
        not glob
        or glob[0] == "/"
        or glob[-1] == "/"
        or "//" in glob
        or "\\" in glob
        or glob != glob.strip()
    ):
        return literal_prefix(glob)
    literal: list[str] = []
    for segment in glob.split("/"):
        if "*" in segment or "?" in segment or "[" in segment:
            break
        literal.append(segment)
    return "/".join(literal)


def _owned_changes(by_prefix: GlobsByPrefix, *, paths: Iterable[str]) -> dict[SliceRef, set[str]]:
    """Changed paths matching each slice's `paths`; a path tries only globs under its ancestors."""
    owned: dict[SliceRef, set[str]] = defaultdict(set)
    for path in paths:
        for prefix in path_prefixes(path):
            for ref, glob in by_prefix.get(prefix, ()):
                if path not in owned.get(ref, ()) and _glob_matches(glob, path):
                    owned[ref].add(path)
    return owned


def _glob_matches(glob: str, path: str) -> bool:
    try:
        return compile_glob(glob).fullmatch(path) is not None
    except GlobError:
        return False


def _slice_trailers(
    commits: Sequence[Commit],
) -> tuple[tuple[SliceTrailer, ...], tuple[tuple[str, str], ...]]:
    trailers: dict[SliceTrailer, None] = {}
    malformed: dict[tuple[str, str], None] = {}
    for commit in commits:
        for value in commit.trailer_values(PLAN_SLICE_TRAILER):
            ref = parse_slice_trailer(value)
            if ref is None:
                malformed[(commit.sha, value)] = None
            else:
                trailers[SliceTrailer(ref=ref, commit_sha=commit.sha)] = None
    return tuple(trailers), tuple(malformed)


def parse_slice_trailer(value: str) -> SliceRef | None:
    """A `Plan-Slice:` value as a SliceRef; None unless it is `PLAN_ID/SLICE_ID` of valid IDs."""
    ref = SliceRef.parse(value)
    if ref is None or not all(_is_id(part) for part in (ref.plan_id, ref.slice_id)):
        return None
    return ref


def _is_id(text: str) -> bool:
    return len(text) <= 128 and _ID.fullmatch(text) is not None


def _agent_runs(commits: Sequence[Commit]) -> tuple[AgentRun, ...]:
    runs: dict[AgentRun, None] = {}
    for commit in commits:
        for value in commit.trailer_values(AGENT_RUN_TRAILER):
            if run_id := value.strip():
                runs[AgentRun(run_id=run_id, commit_sha=commit.sha)] = None
    return tuple(runs)


def is_agent_commit(commit: Commit, *, identities: Sequence[str]) -> bool:
    """Whether the author or a `Co-authored-by` matches a configured agent identity."""
    return any(
        is_agent_identity(person, identities=identities)
        for person in (commit.author, *commit.co_authors)
    )


def is_agent_identity(person: str, *, identities: Sequence[str]) -> bool:
    """Case-insensitive match of `Name <email>` against identity patterns.

    Only `*` and `?` are wildcards; `[` is literal, so `renovate[bot] <*>` means the bot.
    """
    pattern = _identity_pattern(tuple(identities))
    return pattern is not None and pattern.match(" ".join(person.split())) is not None


@functools.lru_cache(maxsize=16)
def _identity_pattern(identities: tuple[str, ...]) -> re.Pattern[str] | None:
    if not identities:
        return None
    sources = (_wildcards_to_regex(" ".join(item.split())) for item in identities)
    return re.compile("|".join(sources), re.IGNORECASE)


def _wildcards_to_regex(pattern: str) -> str:
    parts = (".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return f"(?:{''.join(parts)})\\Z"
