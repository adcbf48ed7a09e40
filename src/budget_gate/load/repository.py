"""Which artifact files to read for a change, so a PR's cost grows with the PR, not the repository.

A plan's *home* is the directory of its plan file. For a pull request the gate reads every plan
(they map code paths to slices), the artifact files the change touched, the homes of the plans in
scope and the shared artifact files that live in no home. Only when that leaves a slice without
its records, or an `Agent-Run:` without its report, does it search the remaining files for the
missing IDs (one `git grep`), so a record stored far from its plan is still found. An audit or a
release reads everything.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from budget_gate.artifacts import Artifacts
from budget_gate.change import Change, FileStatus, ScopeKind
from budget_gate.findings import Finding, FindingCode
from budget_gate.globs import GlobSet
from budget_gate.load.records import ArtifactKind, load_artifact
from budget_gate.load.source import FileSource
from budget_gate.models.common import SliceRef
from budget_gate.models.config import GateConfig
from budget_gate.scope import Scope, find_scope


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
        if not wanted:
            return
        results = self._source.read_many(
            [path for path, _ in wanted], max_bytes=self._config.limits.max_file_bytes
        )
        for path, kind in wanted:
            self.loaded.add(path)
            result = results.get(path)
            if result is None or result.data is None:
                problem = result.problem if result is not None else "the file could not be read"
                self.artifacts.findings.append(
                    Finding.of(
                        FindingCode.INVALID_ARTIFACT,
                        problem or "the file could not be read",
                        path=path,
                        fix="make it a regular UTF-8 YAML file inside the repository",
                    )
                )
                self.artifacts.files_read += 1
                continue
            self.artifacts.extend(
                load_artifact(path, result.data, kind, max_aliases=self._config.limits.max_aliases)
            )

    def search(self, needles: Sequence[str], *, among: Sequence[str]) -> list[str]:
        return self._source.paths_containing(needles, among)


def load_artifacts(source: FileSource, *, config: GateConfig, change: Change) -> Artifacts:
    """Read the artifacts this change needs (all of them for an audit or a release)."""
    layout = ArtifactLayout.classify(source.list_paths(), config)
    reader = _Reader(source, config)
    reader.read([(path, ArtifactKind.PLAN) for path in layout.by_kind[ArtifactKind.PLAN]])
    if change.kind is not ScopeKind.PULL_REQUEST:
        reader.read(layout.records())
        return reader.artifacts

    touched = {item.path for item in change.files if item.status is not FileStatus.DELETED}
    reader.read([(path, kind) for path, kind in layout.records() if path in touched])
    scope = _scope(change, reader, config)

    homes = _homes_in_scope(reader.artifacts, scope)
    all_homes = {posixpath.dirname(item.path) for item in reader.artifacts.plans}
    reader.read(
        [
            (path, kind)
            for path, kind in layout.records()
            if _home_of(path, homes) is not None or _home_of(path, all_homes) is None
        ]
    )
    _search_for_missing(reader, layout, _scope(change, reader, config))
    return reader.artifacts


def _scope(change: Change, reader: _Reader, config: GateConfig) -> Scope:
    artifacts = reader.artifacts
    return find_scope(
        change,
        plans=artifacts.plans,
        estimates=artifacts.estimates,
        reports=artifacts.reports,
        config=config,
    )


def _homes_in_scope(artifacts: Artifacts, scope: Scope) -> set[str]:
    plan_ids = {ref.plan_id for ref in scope.slices}
    return {
        posixpath.dirname(item.path) for item in artifacts.plans if item.record.plan_id in plan_ids
    }


def _home_of(path: str, homes: set[str]) -> str | None:
    """The nearest enclosing home directory of `path`, if any."""
    directory = posixpath.dirname(path)
    while True:
        if directory in homes:
            return directory
        if not directory:
            return None
        directory = posixpath.dirname(directory)


def _search_for_missing(reader: _Reader, layout: ArtifactLayout, scope: Scope) -> None:
    """The exact fallback: find records stored away from their plan's home by their IDs."""
    artifacts = reader.artifacts
    with_estimate = {item.record.ref for item in artifacts.estimates}
    with_report = {item.record.ref for item in artifacts.reports}
    reported_runs = {item.record.run_id for item in artifacts.reports}
    missing: set[SliceRef] = {
        ref for ref in scope.slices if ref not in with_estimate or ref not in with_report
    }
    needles = {ref.plan_id for ref in missing}
    needles.update(run.run_id for run in scope.agent_runs if run.run_id not in reported_runs)
    unread = [path for path, _ in layout.records() if path not in reader.loaded]
    if not needles or not unread:
        return
    hits = set(reader.search(sorted(needles), among=unread))
    reader.read([(path, kind) for path, kind in layout.records() if path in hits])
