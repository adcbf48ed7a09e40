"""`budget-gate ledger`: walk the history and write each commit's runs and slice states.

For each commit, in order: the artifact files it changed are re-read (one `git cat-file` per
batch of commits), the slices those files name are judged again with the config of that commit
(`ledger.state`), and the commit, its new or changed usage reports and those slice states are
written. A commit that changes the config re-judges every slice (its thresholds or budgets may
have changed) and, when it changes the artifact globs, re-lists the tree.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from budget_gate import __version__
from budget_gate.cost.pricing import GenaiPrices, PriceBook
from budget_gate.cost.usd import run_cost
from budget_gate.git.history import HistoryCommit
from budget_gate.git.repo import GitRepo
from budget_gate.ledger.files import ArtifactFile, ArtifactFiles, FileChange
from budget_gate.ledger.state import slice_state
from budget_gate.ledger.store import Batch, LedgerError, LedgerStore
from budget_gate.ledger.walk import GitBlobs, WalkSpec, plan_walk
from budget_gate.load.phase_budgets import effective_phase_budgets
from budget_gate.load.records import ArtifactKind, load_config
from budget_gate.load.repository import ArtifactLayout
from budget_gate.models.config import DEFAULT_CONFIG_PATH, GateConfig
from budget_gate.models.findings import Severity
from budget_gate.models.usage import UsageReport

DEFAULT_BATCH = 500


@dataclass(frozen=True, slots=True)
class LedgerRequest:
    repo: GitRepo
    db: Path
    spec: WalkSpec
    config_path: str | None = None
    batch_size: int = DEFAULT_BATCH


@dataclass(slots=True)
class LedgerOutcome:
    commits: int = 0
    runs: int = 0
    states: int = 0
    rebuilt: str | None = None
    """Why the database was rebuilt (None: a first build or an incremental run)."""
    last_commit: str | None = None
    notes: list[str] = field(default_factory=list)


Progress = Callable[[str], None]


def build_ledger(request: LedgerRequest, *, progress: Progress) -> LedgerOutcome:
    store = LedgerStore(request.db)
    try:
        return _Builder(request, store, progress).run()
    except sqlite3.Error as error:
        raise LedgerError(
            f"the ledger {request.db} could not be written ({error}); it still holds the last "
            "finished batch, so free the space or fix the file and run again"
        ) from error
    finally:
        store.close()


class _Builder:
    def __init__(self, request: LedgerRequest, store: LedgerStore, progress: Progress) -> None:
        self.request = request
        self.repo = request.repo
        self.store = store
        self.progress = progress
        self.config_path = request.config_path or DEFAULT_CONFIG_PATH
        self.config = GateConfig()
        self.budgets = effective_phase_budgets(self.config.phase_budgets)
        self.prices: PriceBook = GenaiPrices()
        self.files = self._new_files()
        self.outcome = LedgerOutcome()

    def _new_files(self) -> ArtifactFiles:
        reader = GitBlobs(self.repo, max_bytes=self.config.limits.max_file_bytes)
        return ArtifactFiles(reader, self.config.limits)

    def run(self) -> LedgerOutcome:
        meta = self.store.meta()
        walk = plan_walk(self.repo, self.request.spec, meta, config_path=self.config_path)
        self.outcome.rebuilt = walk.reason
        if self.repo.is_shallow():
            self.outcome.notes.append(
                "this clone is shallow, so the ledger starts at its oldest fetched commit; "
                "fetch the whole history (actions/checkout with fetch-depth: 0)"
            )
        if walk.resume_from is not None:
            self._set_config(self._config_at(walk.resume_from))
            self.files.restore(self.store.stored_files())
            self.outcome.last_commit = walk.resume_from
        elif walk.commits and walk.commits[0].parent is not None:
            start = walk.commits[0].parent
            self._set_config(self._config_at(start))
            self._relist(start)
        expected = meta.get("last_commit")
        seq = self.store.last_seq() if walk.resume_from is not None else 0
        size = max(1, self.request.batch_size)
        for offset in range(0, max(len(walk.commits), 1 if walk.rebuild else 0), size):
            chunk = walk.commits[offset : offset + size]
            with self.store.batch() as batch:
                if batch.meta().get("last_commit") != expected:
                    raise LedgerError(
                        f"another `budget-gate ledger` run updated {self.request.db} while this "
                        "one was reading; run this one again"
                    )
                if offset == 0 and walk.resume_from is None:
                    batch.clear()  # a rebuild starts from nothing; so does a first build
                    batch.put_files([], self.files.files.values())
                self._prefetch(chunk)
                for commit in chunk:
                    seq += 1
                    self._commit(batch, seq, commit)
                expected = chunk[-1].sha if chunk else None
                batch.set_meta(self._meta(expected))
            self.outcome.last_commit = expected
            self.progress(f"ledger: {offset + len(chunk)}/{len(walk.commits)} commits written")
        return self.outcome

    def _meta(self, last_commit: str | None) -> dict[str, str]:
        values = {
            "walk": self.request.spec.key(),
            "built_by": __version__,
            "config": self.config_path,
        }
        if last_commit is not None:
            values["last_commit"] = last_commit
        return values

    # -- one commit ----------------------------------------------------------------------------

    def _commit(self, batch: Batch, seq: int, commit: HistoryCommit) -> None:
        batch.add_commit(seq, commit)
        self.outcome.commits += 1
        changes = self._artifact_changes(commit)
        everything = False
        config_change = next((c for c in commit.changes if c.path == self.config_path), None)
        if config_change is not None:
            config = self._read_config(config_change.after, commit.sha)
            if config != self.config:
                globs_changed = config.paths != self.config.paths
                self._set_config(config)
                everything = True
                if globs_changed:
                    changes = self._reclassified(commit.sha)
        before = {change.path: self.files.files.get(change.path) for change in changes}
        touched, changed = self.files.apply(changes)
        batch.put_files(before, changed)
        self._runs(batch, seq, before, changed)
        if everything:
            touched |= self.files.all_slices()
        states = [
            slice_state(records, config=self.config, budgets=self.budgets, prices=self.prices)
            for records in self.files.records_for(touched)
        ]
        batch.add_states(seq, states)
        self.outcome.states += len(states)

    def _runs(
        self,
        batch: Batch,
        seq: int,
        before: dict[str, ArtifactFile | None],
        changed: Sequence[ArtifactFile],
    ) -> None:
        reports: list[tuple[str, UsageReport, float | None]] = []
        for item in changed:
            if item.kind is not ArtifactKind.USAGE_REPORT:
                continue
            for sourced in self.files.artifacts_of(item).reports:
                report = sourced.record
                reports.append((item.path, report, run_cost(report, self.prices).shown))
        old_runs = {run for item in before.values() if item is not None for run in item.run_ids}
        gone = sorted(run for run in old_runs if not self.files.holds_run(run))
        batch.put_runs(seq, reports)
        batch.remove_runs(seq, gone)
        self.outcome.runs += len({report.run_id for _, report, _ in reports})

    # -- files and config ----------------------------------------------------------------------

    def _artifact_changes(self, commit: HistoryCommit) -> list[FileChange]:
        layout = ArtifactLayout.classify([change.path for change in commit.changes], self.config)
        kinds = {path: kind for kind, paths in layout.by_kind.items() for path in paths}
        out: list[FileChange] = []
        for change in commit.changes:
            kind = kinds.get(change.path)
            if kind is not None:
                out.append(FileChange(path=change.path, kind=kind, object_id=change.after))
        return out

    def _prefetch(self, commits: Sequence[HistoryCommit]) -> None:
        wanted: list[tuple[str, ArtifactKind, str]] = []
        for commit in commits:
            for change in self._artifact_changes(commit):
                if change.object_id is not None:
                    wanted.append((change.path, change.kind, change.object_id))
        self.files.prefetch(wanted)

    def _tree(self, commit: str) -> dict[str, str]:
        """Regular files of a commit: path → blob."""
        return {
            path: entry.object_id
            for path, entry in self.repo.tree_entries(commit).items()
            if entry.is_regular
        }

    def _target(self, commit: str) -> dict[str, tuple[ArtifactKind, str]]:
        tree = self._tree(commit)
        layout = ArtifactLayout.classify(sorted(tree), self.config)
        return {
            path: (kind, tree[path]) for kind, paths in layout.by_kind.items() for path in paths
        }

    def _relist(self, commit: str) -> None:
        """Start from every artifact file of `commit` (a walk that does not start at a root)."""
        target = self._target(commit)
        self.files.prefetch((path, kind, blob) for path, (kind, blob) in target.items())
        self.files.apply(
            [
                FileChange(path=path, kind=kind, object_id=blob)
                for path, (kind, blob) in target.items()
            ]
        )

    def _reclassified(self, commit: str) -> list[FileChange]:
        """The changes that turn the current files into the artifact files of `commit` under a
        config whose globs changed."""
        target = self._target(commit)
        changes = [
            FileChange(path=path, kind=item.kind, object_id=None)
            for path, item in self.files.files.items()
            if path not in target
        ]
        changes += [
            FileChange(path=path, kind=kind, object_id=blob)
            for path, (kind, blob) in target.items()
            if (old := self.files.files.get(path)) is None
            or (old.kind, old.object_id) != (kind, blob)
        ]
        self.files.prefetch(
            (item.path, item.kind, item.object_id) for item in changes if item.object_id is not None
        )
        return changes

    def _config_at(self, commit: str) -> GateConfig:
        entry = self.repo.lookup_entries(commit, [self.config_path]).get(self.config_path)
        blob = entry.object_id if entry is not None and entry.is_regular else None
        return self._read_config(blob, commit)

    def _read_config(self, blob: str | None, commit: str) -> GateConfig:
        """The config in this blob; the defaults when there is none; the one in force until
        now (with a note) when it is not valid."""
        if blob is None:
            return GateConfig()
        data = self.repo.read_blobs([blob]).get(blob)
        config, findings = (
            (None, [])
            if data is None
            else load_config(self.config_path, data, max_aliases=self.config.limits.max_aliases)
        )
        if config is None:
            first = next((f for f in findings if f.severity is Severity.ERROR), None)
            why = f": {first.location}: {first.message}" if first is not None else ""
            self.outcome.notes.append(
                f"the config at commit {commit[:12]} is not valid{why}; "
                "its slices were judged with the config before it"
            )
            return self.config
        return config

    def _set_config(self, config: GateConfig) -> None:
        limits_changed = config.limits != self.config.limits
        self.config = config
        self.budgets = effective_phase_budgets(config.phase_budgets)
        if limits_changed:
            files = list(self.files.files.values())
            self.files = self._new_files()
            self.files.restore(files)
