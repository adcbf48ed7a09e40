"""The artifact files at the commit being walked, and which slices each one's records name.

The walk changes a few files per commit; this index says which slices that touches and gives
each touched slice its records (plan, estimate, runs) without reading anything else. Files are
parsed once per blob; a file whose blob cannot be parsed counts as holding no record, as in the
gate (where it is an `invalid-artifact` finding). The same index is stored in the database
(`artifact_files`), so an incremental run starts from it without listing the tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from budget_gate.ledger.state import SliceRecords
from budget_gate.load.records import ArtifactKind, load_artifact
from budget_gate.models.artifacts import Artifacts
from budget_gate.models.common import SliceRef
from budget_gate.models.config import LimitsConfig
from budget_gate.scope.index import RecordIndex

_Key = TypeVar("_Key")
_KIND_ORDER = {ArtifactKind.PLAN: 0, ArtifactKind.ESTIMATE: 1, ArtifactKind.USAGE_REPORT: 2}


class BlobReader(Protocol):
    def read_blobs(self, object_ids: Sequence[str]) -> Mapping[str, bytes | None]:
        """Blob contents by ID; None for a blob over the size limit or missing."""
        ...


@dataclass(frozen=True, slots=True)
class FileRecord:
    """What one record of an artifact file names (a plan names each of its slices)."""

    plan_id: str
    slice_id: str | None
    run_id: str | None = None


@dataclass(frozen=True, slots=True)
class ArtifactFile:
    path: str
    kind: ArtifactKind
    object_id: str
    records: tuple[FileRecord, ...]

    @property
    def slices(self) -> frozenset[SliceRef]:
        return frozenset(
            SliceRef(plan_id=item.plan_id, slice_id=item.slice_id)
            for item in self.records
            if item.slice_id is not None
        )

    @property
    def run_ids(self) -> frozenset[str]:
        return frozenset(item.run_id for item in self.records if item.run_id is not None)


@dataclass(frozen=True, slots=True)
class FileChange:
    """A commit's change to one artifact file; `object_id` None when it is gone."""

    path: str
    kind: ArtifactKind
    object_id: str | None


class ArtifactFiles:
    """The artifact files at one commit, parsed on demand, indexed by the slices they name."""

    def __init__(self, reader: BlobReader, limits: LimitsConfig) -> None:
        self._reader = reader
        self._limits = limits
        self.files: dict[str, ArtifactFile] = {}
        self._by_slice: dict[SliceRef, set[str]] = {}
        self._by_plan: dict[str, set[str]] = {}
        self._by_run: dict[str, set[str]] = {}
        self._parsed: dict[tuple[str, str], Artifacts] = {}

    def restore(self, files: Iterable[ArtifactFile]) -> None:
        """Start from a stored index (nothing is parsed until a slice asks for its records)."""
        for item in files:
            self._add(item)

    def prefetch(self, paths_and_blobs: Iterable[tuple[str, ArtifactKind, str]]) -> None:
        """Parse these blobs in one read (the walk calls it once per batch of commits)."""
        wanted = [
            (path, kind, blob)
            for path, kind, blob in paths_and_blobs
            if (path, blob) not in self._parsed
        ]
        data = self._reader.read_blobs(sorted({blob for _, _, blob in wanted}))
        for path, kind, blob in wanted:
            self._parsed[(path, blob)] = self._parse(path, kind, data.get(blob))

    def apply(self, changes: Sequence[FileChange]) -> tuple[set[SliceRef], list[ArtifactFile]]:
        """Apply one commit's changes: the slices they touch (before and after) and the new
        versions of the changed files."""
        touched: set[SliceRef] = set()
        changed: list[ArtifactFile] = []
        for change in changes:
            old = self.files.get(change.path)
            if old is not None:
                touched |= old.slices
                self._remove(old)
            if change.object_id is None:
                continue
            new = ArtifactFile(
                path=change.path,
                kind=change.kind,
                object_id=change.object_id,
                records=_records_of(self._artifacts(change.path, change.kind, change.object_id)),
            )
            self._add(new)
            touched |= new.slices
            changed.append(new)
        return touched, changed

    def all_slices(self) -> set[SliceRef]:
        return set(self._by_slice) | {
            ref for path in self._plan_paths() for ref in self.files[path].slices
        }

    def artifacts_of(self, item: ArtifactFile) -> Artifacts:
        """The parsed records of a file of this index."""
        return self._artifacts(item.path, item.kind, item.object_id)

    def holds_run(self, run_id: str) -> bool:
        return bool(self._by_run.get(run_id))

    def records_for(self, refs: Iterable[SliceRef]) -> Iterator[SliceRecords]:
        """Each slice's plan, estimate and runs, picked as the gate picks them: the first plan
        with an ID owns its slices, the first estimate counts, each run once."""
        refs = sorted(refs)
        needed: dict[SliceRef, list[ArtifactFile]] = {}
        for ref in refs:
            paths = set(self._by_plan.get(ref.plan_id, ())) | self._by_slice.get(ref, set())
            for path in list(paths):
                for run_id in self.files[path].run_ids:
                    paths |= self._by_run.get(run_id, set())
            needed[ref] = sorted(
                (self.files[path] for path in paths),
                key=lambda item: (_KIND_ORDER[item.kind], item.path),
            )
        self.prefetch(
            (item.path, item.kind, item.object_id) for files in needed.values() for item in files
        )
        for ref in refs:
            artifacts = Artifacts()
            for item in needed[ref]:
                artifacts.extend(self.artifacts_of(item))
            index = RecordIndex.build(artifacts)
            entry = index.slice(ref)
            estimate = index.estimate_for(ref)
            yield SliceRecords(
                ref=ref,
                plan=None if entry is None else entry.plan.record,
                slice_=None if entry is None else entry.slice_,
                estimate=None if estimate is None else estimate.record,
                runs=[report.record for report in index.runs_for(ref)],
            )

    # -- bookkeeping ---------------------------------------------------------------------------

    def _artifacts(self, path: str, kind: ArtifactKind, blob: str) -> Artifacts:
        key = (path, blob)
        if key not in self._parsed:
            self.prefetch([(path, kind, blob)])
        return self._parsed[key]

    def _parse(self, path: str, kind: ArtifactKind, data: bytes | None) -> Artifacts:
        if data is None:
            return Artifacts(files_read=1)
        return load_artifact(path, data, kind, max_aliases=self._limits.max_aliases)

    def _plan_paths(self) -> Iterator[str]:
        for paths in self._by_plan.values():
            yield from paths

    def _add(self, item: ArtifactFile) -> None:
        self.files[item.path] = item
        for record in item.records:
            if item.kind is ArtifactKind.PLAN:
                self._by_plan.setdefault(record.plan_id, set()).add(item.path)
                continue
            if record.slice_id is not None:
                ref = SliceRef(plan_id=record.plan_id, slice_id=record.slice_id)
                self._by_slice.setdefault(ref, set()).add(item.path)
            if record.run_id is not None:
                self._by_run.setdefault(record.run_id, set()).add(item.path)

    def _remove(self, item: ArtifactFile) -> None:
        del self.files[item.path]
        for record in item.records:
            if item.kind is ArtifactKind.PLAN:
                _discard(self._by_plan, record.plan_id, item.path)
                continue
            if record.slice_id is not None:
                ref = SliceRef(plan_id=record.plan_id, slice_id=record.slice_id)
                _discard(self._by_slice, ref, item.path)
            if record.run_id is not None:
                _discard(self._by_run, record.run_id, item.path)


def _discard(index: dict[_Key, set[str]], key: _Key, path: str) -> None:
    paths = index.get(key)
    if paths is None:
        return
    paths.discard(path)
    if not paths:
        del index[key]


def _records_of(artifacts: Artifacts) -> tuple[FileRecord, ...]:
    records: list[FileRecord] = []
    for plan in artifacts.plans:
        record = plan.record
        records.append(FileRecord(plan_id=record.plan_id, slice_id=None))
        records.extend(
            FileRecord(plan_id=record.plan_id, slice_id=item.slice_id)
            for item in record.effective_slices()
        )
    records.extend(
        FileRecord(plan_id=item.record.plan_id, slice_id=item.record.slice_id)
        for item in artifacts.estimates
    )
    records.extend(
        FileRecord(
            plan_id=item.record.plan_id, slice_id=item.record.slice_id, run_id=item.record.run_id
        )
        for item in artifacts.reports
    )
    return tuple(records)
