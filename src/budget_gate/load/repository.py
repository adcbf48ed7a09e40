"""Which artifact files to read for a change, so a PR's cost grows with the PR, not the repository.

A plan's *home* is the directory of its plan file. For a pull request the gate reads every plan
(they map code paths to slices), the artifact files the change touched, the homes of the plans in
scope and the shared artifact files that live in no home. Only when that leaves a slice without
its records, or an `Agent-Run:` without its report, does it search the remaining files for the
missing IDs (one `git grep`), so a record stored far from its plan is still found. A release
range is read the same way (a first release touches every file, so it reads everything); an
audit reads everything.

Files are found by walking only the directories the globs can reach (`GlobWalk`), and for a pull
request only those that can hold a file it reads: the usage reports of plans outside the change
are never even listed.

With a plan cache (`plan_cache.py`) and a source that is a commit, a pull request finds its plan
files from the cache's listing and git's list of what changed since (`plan_listing.py`), takes
each unchanged plan's outline and findings from the cache and reads in full only the plans that
are new or changed and those owning a slice in scope: the result is the same as reading every
plan in full (tests/load/test_plan_cache_equivalence.py compares both).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from budget_gate.load.bulk import bulk_allocation
from budget_gate.load.glob_walk import EnterRule, GlobWalk, WalkingSource
from budget_gate.load.parallel import load_files
from budget_gate.load.plan_cache import PlanCache
from budget_gate.load.plan_listing import CommitSource
from budget_gate.load.records import ArtifactKind, load_artifact
from budget_gate.load.source import FileSource
from budget_gate.models.artifacts import Artifacts, PlanOutline
from budget_gate.models.common import SliceRef
from budget_gate.models.config import GateConfig
from budget_gate.scope.change import Change, FileStatus, ScopeKind
from budget_gate.scope.globs import GlobSet
from budget_gate.scope.slices import Scope, find_scope


@dataclass(frozen=True, slots=True)
class ArtifactLayout:
    """The artifact files of a repository, classified once by the configured globs."""

    by_kind: dict[ArtifactKind, tuple[str, ...]]

    @classmethod
    def classify(cls, paths: Iterable[str], config: GateConfig) -> ArtifactLayout:
        globs = {
            ArtifactKind.PLAN: GlobSet(config.paths.plans),
            ArtifactKind.ESTIMATE: GlobSet(config.paths.estimates),
            ArtifactKind.USAGE_REPORT: GlobSet(config.paths.usage_reports),
        }
        found: dict[ArtifactKind, list[str]] = {kind: [] for kind in globs}
        for path in paths:
            for kind, glob_set in globs.items():
                if glob_set.matches(path):
                    found[kind].append(path)
                    break
        return cls(by_kind={kind: tuple(items) for kind, items in found.items()})

    def records(self) -> list[tuple[str, ArtifactKind]]:
        """Estimation and usage files (everything but plans)."""
        return [
            (path, kind)
            for kind in (ArtifactKind.ESTIMATE, ArtifactKind.USAGE_REPORT)
            for path in self.by_kind[kind]
        ]


class _Reader:
    """Reads and parses artifact files at most once each, accumulating one `Artifacts`."""

    def __init__(self, source: FileSource, config: GateConfig) -> None:
        self._source = source
        self._config = config
        self.loaded: set[str] = set()
        self.artifacts = Artifacts()

    def read(self, files: Sequence[tuple[str, ArtifactKind]]) -> None:
        wanted = [(path, kind) for path, kind in files if path not in self.loaded]
        for (path, _), loaded in zip(
            wanted, load_files(self._source, wanted, limits=self._config.limits), strict=True
        ):
            self.loaded.add(path)
            self.artifacts.extend(loaded)

    def read_plans(self, paths: Sequence[str], cache: PlanCache, blobs: Mapping[str, str]) -> None:
        """Every plan file: from the cache in outline where it has them, else parsed in full
        (and added to it). Findings keep the order of reading every file in full."""
        hits = {path: cache.get(path, blob) for path, blob in blobs.items()}
        misses = [(path, ArtifactKind.PLAN) for path in paths if hits.get(path) is None]
        parsed = dict(
            zip(
                [path for path, _ in misses],
                load_files(self._source, misses, limits=self._config.limits),
                strict=True,
            )
        )
        outlines: list[PlanOutline] = []
        for path in paths:
            cached = hits.get(path)
            if cached is not None:
                self.artifacts.findings.extend(cached.findings)
                outlines.extend([] if cached.outline is None else [cached.outline])
                continue
            loaded = parsed[path]
            self.artifacts.extend(loaded)
            outlines.extend(PlanOutline.of(plan) for plan in loaded.plans)
            if path in blobs:
                cache.put(path, blobs[path], loaded)
        self.loaded.update(paths)
        self.artifacts.outlines = outlines

    def read_in_full(self, paths: Iterable[str]) -> None:
        """Plans known only in outline, parsed for their full records (their findings are
        already in)."""
        full = {plan.path for plan in self.artifacts.plans}
        wanted = [(path, ArtifactKind.PLAN) for path in dict.fromkeys(paths) if path not in full]
        for loaded in load_files(self._source, wanted, limits=self._config.limits):
            self.artifacts.plans.extend(loaded.plans)

    def search(self, needles: Sequence[str], *, among: Sequence[str]) -> list[str]:
        return self._source.paths_containing(needles, among)

    def layout(self) -> ArtifactLayout:
        """Every artifact file of the source (a full listing)."""
        return ArtifactLayout.classify(self._source.list_paths(), self._config)


def load_artifacts(
    source: FileSource,
    *,
    config: GateConfig,
    change: Change,
    base_source: FileSource | None = None,
    plan_cache: PlanCache | None = None,
) -> Artifacts:
    """Read the artifacts this change needs (all of them for an audit).

    `base_source` is the pull request's merge base: the artifact files the change modified,
    renamed or deleted are read there too, so an edit to one record of a shared file puts only
    that record's slice in scope, and a deleted record still puts its slice in scope.
    `plan_cache` serves a pull request's unchanged plans in outline when `source` is a commit
    (it is saved afterwards); `Artifacts.outlines` then lists every plan.
    """
    with bulk_allocation():
        artifacts = _load(
            source, config=config, change=change, base_source=base_source, plan_cache=plan_cache
        )
    if plan_cache is not None:
        plan_cache.save()
    return artifacts


def _load(
    source: FileSource,
    *,
    config: GateConfig,
    change: Change,
    base_source: FileSource | None,
    plan_cache: PlanCache | None,
) -> Artifacts:
    reader = _Reader(source, config)
    if change.kind is ScopeKind.AUDIT:
        layout = _find(source, config, [*config.paths.plans, *_record_globs(config)])
        reader.read([(path, ArtifactKind.PLAN) for path in layout.by_kind[ArtifactKind.PLAN]])
        reader.read(layout.records())
        return reader.artifacts

    if plan_cache is not None and isinstance(source, CommitSource):
        base = base_source if isinstance(base_source, CommitSource) else None
        listing = plan_cache.plan_listing(source, GlobWalk(config.paths.plans), base=base)
        reader.read_plans(list(listing.files), plan_cache, listing.blob_ids())
    else:
        plans = _find(source, config, config.paths.plans).by_kind[ArtifactKind.PLAN]
        reader.read([(path, ArtifactKind.PLAN) for path in plans])
    if base_source is not None:
        _read_base_records(base_source, change=change, config=config, into=reader.artifacts)
    touched = {item.path for item in change.files if item.status is not FileStatus.DELETED}
    above_touched = {directory for path in touched for directory in _directories_above(path)}
    layout = _find(source, config, _record_globs(config), enter=above_touched.__contains__)
    reader.read([(path, kind) for path, kind in layout.records() if path in touched])
    scope = _scope(change, reader, config)

    homes = _homes_in_scope(reader.artifacts, scope)
    all_homes = {posixpath.dirname(path) for _, path in _plan_files(reader.artifacts)}
    layout = _find(source, config, _record_globs(config), enter=_home_rule(homes, all_homes))
    reader.read(
        [
            (path, kind)
            for path, kind in layout.records()
            if _home_of(path, homes) is not None or _home_of(path, all_homes) is None
        ]
    )
    _search_for_missing(reader, config, _scope(change, reader, config))
    if reader.artifacts.outlines is not None:
        reader.read_in_full(_owners_in_scope(reader.artifacts, _scope(change, reader, config)))
    return reader.artifacts


def _record_globs(config: GateConfig) -> list[str]:
    return [*config.paths.estimates, *config.paths.usage_reports]


def _find(
    source: FileSource, config: GateConfig, globs: Sequence[str], *, enter: EnterRule | None = None
) -> ArtifactLayout:
    """The artifact files matching `globs` in the directories `enter` lets a walk open,
    classified like a full listing would be (a plan glob wins over a record glob)."""
    walk = GlobWalk(globs)
    if isinstance(source, WalkingSource):
        paths = source.paths_matching(walk, enter=enter)
    else:
        paths = walk.filter(source.list_paths(), enter)
    return ArtifactLayout.classify(paths, config)


def _directories_above(path: str) -> Iterable[str]:
    """`a/b` and `a` for `a/b/c` (never the root, which every walk opens)."""
    directory = posixpath.dirname(path)
    while directory:
        yield directory
        directory = posixpath.dirname(directory)


def _home_rule(homes: set[str], all_homes: set[str]) -> EnterRule:
    """Open a directory only if a record below it can be in an in-scope home or in no home."""
    above_homes = {
        directory for home in homes if home for directory in _directories_above(f"{home}/-")
    }

    def enter(directory: str) -> bool:
        if directory in above_homes:
            return True
        # One walk up (`_home_of` twice, fused: 4,000 homes ask this): an in-scope home at or
        # above opens it; else any other home closes it.
        in_a_home = False
        while True:
            if directory in homes:
                return True
            in_a_home = in_a_home or directory in all_homes
            if not directory:
                return not in_a_home
            directory = posixpath.dirname(directory)

    return enter


def _scope(change: Change, reader: _Reader, config: GateConfig) -> Scope:
    artifacts = reader.artifacts
    return find_scope(
        change,
        plans=artifacts.plans,
        estimates=artifacts.estimates,
        reports=artifacts.reports,
        config=config,
        base_estimates=artifacts.base_estimates,
        base_reports=artifacts.base_reports,
        outlines=artifacts.outlines,
    )


def _read_base_records(
    base_source: FileSource, *, change: Change, config: GateConfig, into: Artifacts
) -> None:
    """The records of the changed artifact files as they were at the merge base.

    Problems in those old versions are not this change's findings, so they are dropped.
    """
    before = [
        item.previous_path or item.path
        for item in change.files
        if item.status is not FileStatus.ADDED
    ]
    layout = ArtifactLayout.classify(before, config)
    files = layout.records()
    results = base_source.read_many(
        [path for path, _ in files], max_bytes=config.limits.max_file_bytes
    )
    into.base_estimates, into.base_reports = [], []
    for path, kind in files:
        result = results.get(path)
        if result is None or result.data is None:
            continue
        loaded = load_artifact(path, result.data, kind, max_aliases=config.limits.max_aliases)
        into.base_estimates.extend(loaded.estimates)
        into.base_reports.extend(loaded.reports)


def _plan_files(artifacts: Artifacts) -> list[tuple[str, str]]:
    """(plan_id, path) of every plan, in load order."""
    if artifacts.outlines is not None:
        return [(outline.plan_id, outline.path) for outline in artifacts.outlines]
    return [(plan.record.plan_id, plan.path) for plan in artifacts.plans]


def _homes_in_scope(artifacts: Artifacts, scope: Scope) -> set[str]:
    plan_ids = {ref.plan_id for ref in scope.slices}
    return {
        posixpath.dirname(path) for plan_id, path in _plan_files(artifacts) if plan_id in plan_ids
    }


def _owners_in_scope(artifacts: Artifacts, scope: Scope) -> list[str]:
    """The plan file owning each slice in scope (the first plan with its ID)."""
    owners: dict[str, str] = {}
    for plan_id, path in _plan_files(artifacts):
        owners.setdefault(plan_id, path)
    return [owners[plan_id] for plan_id in dict.fromkeys(ref.plan_id for ref in scope.slices)]


def _home_of(path: str, homes: set[str]) -> str | None:
    """The nearest enclosing home directory of `path`, if any."""
    directory = posixpath.dirname(path)
    while True:
        if directory in homes:
            return directory
        if not directory:
            return None
        directory = posixpath.dirname(directory)


def _search_for_missing(reader: _Reader, config: GateConfig, scope: Scope) -> None:
    """The exact fallback: find records stored away from their plan's home by their IDs.

    Only here is every artifact file listed, and only when some record is missing."""
    artifacts = reader.artifacts
    with_estimate = {item.record.ref for item in artifacts.estimates}
    with_report = {item.record.ref for item in artifacts.reports}
    reported_runs = {item.record.run_id for item in artifacts.reports}
    missing: set[SliceRef] = {
        ref for ref in scope.slices if ref not in with_estimate or ref not in with_report
    }
    needles = {ref.plan_id for ref in missing}
    needles.update(run.run_id for run in scope.agent_runs if run.run_id not in reported_runs)
    if not needles:
        return
    records = reader.layout().records()
    unread = [path for path, _ in records if path not in reader.loaded]
    if not unread:
        return
    hits = set(reader.search(sorted(needles), among=unread))
    reader.read([(path, kind) for path, kind in records if path in hits])
