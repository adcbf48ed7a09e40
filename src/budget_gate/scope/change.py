"""What a pull request or release range changed: files and commits, as plain values.

`git.py` (or the GitHub API in the Action) builds a `Change`; the pure core only reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FileStatus(StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"


class ScopeKind(StrEnum):
    """Why the gate runs: a PR range, a release range, or an audit of every slice."""

    PULL_REQUEST = "pull-request"
    RELEASE = "release"
    AUDIT = "audit"


@dataclass(frozen=True, slots=True)
class ChangedFile:
    path: str
    status: FileStatus
    previous_path: str | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    author: str
    """`Name <email>` of the commit author."""
    subject: str
    trailers: tuple[tuple[str, str], ...] = ()
    """Trailer (key, value) pairs as `git interpret-trailers --parse` reads them."""

    def trailer_values(self, key: str) -> list[str]:
        wanted = key.lower()
        return [value for name, value in self.trailers if name.lower() == wanted]

    @property
    def co_authors(self) -> list[str]:
        return self.trailer_values("Co-authored-by")


@dataclass(frozen=True, slots=True)
class Change:
    kind: ScopeKind
    base: str | None = None
    head: str | None = None
    files: tuple[ChangedFile, ...] = ()
    commits: tuple[Commit, ...] = ()
    notes: tuple[str, ...] = field(default=())
    """Caveats the report must show, e.g. a file list cut at GitHub's 3,000-file cap."""

    @property
    def touched_paths(self) -> frozenset[str]:
        """Every path the change wrote, including a rename's old name."""
        paths = {item.path for item in self.files}
        paths.update(item.previous_path for item in self.files if item.previous_path)
        return frozenset(paths)
