"""`GitTreeSource`: a commit's files as a `FileSource`, read through git, never checked out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from budget_gate.git.objects import GITLINK_MODE, TREE_MODE, TreeEntry, TreeItem
from budget_gate.git.repo import GitRepo
from budget_gate.git.runner import FETCH_HINT, GitError, encode
from budget_gate.load.glob_walk import EnterRule, GlobWalk
from budget_gate.load.source import ReadResult


class GitTreeSource:
    """A commit's files read as data through git, never checked out (the PR head, safely).

    Nothing is listed up front: `paths_matching` opens only the directories its globs can
    reach, `read_many` looks up the paths it is given, and only `list_paths` lists every file.
    What git answered is kept for the life of the source (one run), so no tree is read twice.
    """

    parallel_reads = False
    """Blobs come through git processes of this one; the workers get them read in advance."""

    def __init__(self, repo: GitRepo, rev: str) -> None:
        self.repo = repo
        self.commit = repo.resolve(rev)
        self._known: dict[str, TreeEntry | None] = {}
        """Blobs by path; None for a path looked up and found to be no blob."""
        self._listing: list[str] | None = None
        self._trees: dict[str, list[TreeItem] | None] = {}

    def __repr__(self) -> str:
        return f"GitTreeSource({self.repo!r}, commit={self.commit[:12]!r})"

    def list_paths(self) -> list[str]:
        if self._listing is None:
            entries = self.repo.tree_entries(self.commit)
            self._known.update(entries)
            self._listing = list(entries)
        return list(self._listing)

    def paths_matching(self, walk: GlobWalk, *, enter: EnterRule | None = None) -> list[str]:
        """Files matching `walk`, reading one level of trees per `git cat-file --batch`."""
        found: list[str] = []
        level = [("", f"{self.commit}^{{tree}}")]
        while level:
            next_level: list[tuple[str, str]] = []
            trees = self._read_trees([name for _, name in level])
            for (directory, _), items in zip(level, trees, strict=True):
                for mode, name, object_id in items or ():
                    path = f"{directory}/{name}" if directory else name
                    if mode == TREE_MODE:
                        if walk.opens(path, enter):
                            next_level.append((path, object_id))
                    elif mode != GITLINK_MODE and walk.matches(path):
                        found.append(path)
                        self._known.setdefault(path, TreeEntry(path, mode, object_id))
            level = next_level
        found.sort(key=encode)  # `git ls-tree -r` order, as `list_paths` gives
        return found

    def _read_trees(self, names: Sequence[str]) -> list[list[TreeItem] | None]:
        unread = [name for name in dict.fromkeys(names) if name not in self._trees]
        self._trees.update(zip(unread, self.repo.read_trees(unread), strict=True))
        return [self._trees[name] for name in names]

    def _entries(self, paths: Sequence[str]) -> dict[str, TreeEntry | None]:
        missing = [path for path in paths if path not in self._known]
        if missing and self._listing is None:
            found = self.repo.lookup_entries(self.commit, missing)
            self._known.update((path, found.get(path)) for path in missing)
        return {path: self._known.get(path) for path in paths}

    def blob_ids(self, paths: Sequence[str]) -> Mapping[str, str]:
        """The blob id of each path that is a regular file (known from the walk that found it:
        no blob is read). The plan cache is keyed by them."""
        entries = self._entries(list(dict.fromkeys(paths)))
        return {
            path: entry.object_id for path, entry in entries.items() if entry and entry.is_regular
        }

    def file_entries(self, paths: Sequence[str]) -> Mapping[str, tuple[str, bool]]:
        """(object id, whether a regular file) of each path that is a file or a symlink here;
        other paths are left out. The walk that found a path already knows it."""
        entries = self._entries(list(dict.fromkeys(paths)))
        return {
            path: (entry.object_id, entry.is_regular) for path, entry in entries.items() if entry
        }

    def paths_changed_since(self, commit: str) -> list[str] | None:
        """The paths whose entries differ between `commit` and this source's commit; None when
        git cannot compare them (`commit` is not in this clone)."""
        try:
            return self.repo.paths_changed(commit, self.commit)
        except GitError:
            return None

    def read_many(self, paths: Sequence[str], *, max_bytes: int) -> Mapping[str, ReadResult]:
        unique = list(dict.fromkeys(paths))
        entries = self._entries(unique)
        sizes = self.repo.object_sizes(
            sorted(
                {
                    entry.object_id
                    for entry in entries.values()
                    if entry is not None and not entry.is_symlink and entry.size is None
                }
            )
        )
        results: dict[str, ReadResult] = {}
        wanted: dict[str, list[str]] = {}
        for path, entry in entries.items():
            size = None if entry is None else entry.size
            if entry is not None and size is None:
                size = sizes.get(entry.object_id)
            if entry is None:
                results[path] = ReadResult(
                    problem=f"{path} is not a file at commit {self.commit[:12]}; "
                    "check the path and that the commit is the one you meant"
                )
            elif entry.is_symlink:
                results[path] = ReadResult(
                    problem=f"{path} is a symbolic link; "
                    "the gate reads artifacts only from regular files"
                )
            elif size is not None and size > max_bytes:
                results[path] = ReadResult(
                    problem=f"{path} is {size:,} bytes, over the {max_bytes:,}-byte "
                    "limit (limits.max_file_bytes); split it or raise the limit in the config"
                )
            else:
                wanted.setdefault(entry.object_id, []).append(path)
        blobs = self.repo.read_blobs(list(wanted))
        for object_id, names in wanted.items():
            data = blobs.get(object_id)
            for name in names:
                results[name] = (
                    ReadResult(data=data)
                    if data is not None
                    else ReadResult(
                        problem=f"{name} could not be read from git (object {object_id[:12]} "
                        f"is missing); {FETCH_HINT}"
                    )
                )
        return {path: results[path] for path in unique}

    def paths_containing(self, needles: Sequence[str], among: Sequence[str]) -> list[str]:
        """The regular files in `among` containing any needle, in `among`'s order.

        git grep matches within a line, so a needle must not contain a newline.
        """
        wanted = [needle for needle in dict.fromkeys(needles) if needle]
        if any("\n" in needle or "\r" in needle for needle in wanted):
            raise ValueError("paths_containing needles must be single-line strings")
        entries = self._entries(list(dict.fromkeys(among)))
        candidates = [path for path, entry in entries.items() if entry and entry.is_regular]
        if not wanted or not candidates:
            return []
        found = self.repo.grep_paths(self.commit, wanted, candidates)
        return [path for path in candidates if path in found]
