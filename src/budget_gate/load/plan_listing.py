"""Which plan files a commit holds, found without walking its plan directories.

Finding the plans of a commit walks every plan directory in git (`GlobWalk`): 4,000 plans are
4,000 trees to read and match on every pull request. Two commits differ in few paths, and git
says which without walking either (it compares trees by object id and skips every directory
that did not change). So the plan cache keeps the plan files of one commit, the last pull
request's merge base (a commit of the base branch, which later clones have too), and a check
asks git which paths differ between that commit and the one it reads: those are looked up
again, every other plan file is as kept. The result is exactly what the walk finds, in the same
order; a listing is only used for the globs it was made with (the plan cache's key holds the
config), and when git cannot compare the commits the walk runs as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from budget_gate.load.glob_walk import GlobWalk

FileEntry = tuple[str, bool]
"""A file's git object id and whether it is a regular file (else a symlink)."""


@runtime_checkable
class CommitSource(Protocol):
    """A `FileSource` reading one commit through git (`git/tree.py`)."""

    commit: str

    def paths_matching(self, walk: GlobWalk) -> list[str]:
        """The files matching `walk`, found by walking the directories it opens."""
        ...

    def file_entries(self, paths: Sequence[str]) -> Mapping[str, FileEntry]:
        """The entry of each path that is a file or symlink in this commit; others left out."""
        ...

    def paths_changed_since(self, commit: str) -> Sequence[str] | None:
        """The paths whose entries differ between `commit` and this one; None when git cannot
        compare them (`commit` is not in this clone)."""
        ...


@dataclass(frozen=True, slots=True)
class PlanListing:
    """The plan files of `commit` with their entries, in `git ls-tree` order."""

    commit: str
    files: Mapping[str, FileEntry]

    @classmethod
    def walked(cls, source: CommitSource, walk: GlobWalk) -> PlanListing:
        """The listing found the long way: walking every plan directory."""
        paths = source.paths_matching(walk)
        entries = source.file_entries(paths)
        return cls(commit=source.commit, files={path: entries[path] for path in paths})

    def moved_to(self, source: CommitSource, walk: GlobWalk) -> PlanListing | None:
        """This listing as it is in `source`'s commit; None when git cannot compare the two."""
        if source.commit == self.commit:
            return self
        changed = source.paths_changed_since(self.commit)
        if changed is None:
            return None
        gone = set(changed)
        files = {path: entry for path, entry in self.files.items() if path not in gone}
        # A path the walk would find: it matches and the walk opens every directory above it.
        files.update(source.file_entries(walk.filter(changed)))
        return PlanListing(commit=source.commit, files=dict(sorted(files.items(), key=_git_order)))

    def blob_ids(self) -> dict[str, str]:
        """The object id of each regular plan file (the plan cache's keys)."""
        return {path: object_id for path, (object_id, regular) in self.files.items() if regular}


def _git_order(item: tuple[str, FileEntry]) -> bytes:
    """Paths in the order `git ls-tree -r` lists them (bytewise, as git stores the names)."""
    return item[0].encode("utf-8", "surrogateescape")
