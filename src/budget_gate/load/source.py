"""Where artifact bytes come from: the working tree, or a commit read through git.

The loader never opens files itself; it asks a `FileSource`, so the same code reads a checkout,
a PR head commit (read as data, never checked out) or an in-memory fake in tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ReadResult:
    """The bytes of one file, or why they could not be read (a sentence naming the fix)."""

    data: bytes | None = None
    problem: str | None = None


class FileSource(Protocol):
    @property
    def parallel_reads(self) -> bool:
        """Whether `read_many` works in forked processes (no shared pipe or process)."""
        ...

    def list_paths(self) -> list[str]:
        """Every file, as repository-relative POSIX paths."""
        ...

    def read_many(self, paths: Sequence[str], *, max_bytes: int) -> Mapping[str, ReadResult]:
        """Read several files in one go (one git process for a commit, not one per file)."""
        ...

    def paths_containing(self, needles: Sequence[str], among: Sequence[str]) -> list[str]:
        """The paths in `among` whose bytes contain any needle (the slow, exact fallback)."""
        ...
