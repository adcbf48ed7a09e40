"""Which directories a search for files matching some globs must open, and which it can skip.

A repository with 100,000 usage reports under `plans/*/usage/` should not be listed in full to
find its 4,000 `plans/*/plan.md` files. A `GlobWalk` answers, for each directory met on the way
down, whether any path below it could match one of the globs (`may_contain`), so a source lists
only those directories: for `plans/*/plan.md` that is `plans` and each `plans/X`, never
`plans/X/usage`. It is conservative, never wrong: below a `**` every directory may contain a
match. Files met are then matched exactly (`matches`), with the same dialect as everywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, runtime_checkable

from budget_gate.scope.globs import GlobSet, compile_glob, normalize_glob

_ANY = "**"

EnterRule = Callable[[str], bool]
"""A caller's own pruning: given a directory (`a/b`, never the root), whether to open it."""


class _DirectoryRule:
    """For one glob: which directories can hold a match somewhere below them."""

    __slots__ = ("_open_depth", "_segments")

    def __init__(self, glob: str) -> None:
        segments = normalize_glob(glob).split("/")
        # Up to the first `**`, each directory segment must match its glob segment; from there
        # on anything may follow. Without `**`, a match is at most len(segments) deep.
        first_any = segments.index(_ANY) if _ANY in segments else len(segments)
        self._segments: tuple[re.Pattern[str], ...] = tuple(
            compile_glob(segment) for segment in segments[:first_any]
        )
        self._open_depth = first_any < len(segments)

    def may_contain(self, parts: Sequence[str]) -> bool:
        if len(parts) >= len(self._segments):
            if not self._open_depth:
                return False  # a match here would need more segments than the glob has
            parts = parts[: len(self._segments)]
        return all(
            pattern.fullmatch(part) is not None
            for pattern, part in zip(self._segments, parts, strict=False)
        )


class GlobWalk:
    """The globs to find, as a matcher for files and a filter for directories to open."""

    __slots__ = ("_rules", "globs")

    def __init__(self, globs: Iterable[str]) -> None:
        self.globs = GlobSet(globs)
        self._rules = tuple(_DirectoryRule(glob) for glob in self.globs.globs)

    def __repr__(self) -> str:
        return f"GlobWalk({list(self.globs.globs)!r})"

    def matches(self, path: str) -> bool:
        return self.globs.matches(path)

    def may_contain(self, directory: str) -> bool:
        """Whether some path strictly below `directory` (`a/b`; the root is always opened)
        could match a glob."""
        parts = directory.split("/")
        return any(rule.may_contain(parts) for rule in self._rules)

    def opens(self, directory: str, enter: EnterRule | None) -> bool:
        """Whether a walk opens `directory`: the caller wants it (asked first: a caller's rule
        is a few set lookups, the globs are patterns) and it may hold a match."""
        return (enter is None or enter(directory)) and self.may_contain(directory)

    def filter(self, paths: Iterable[str], enter: EnterRule | None = None) -> list[str]:
        """What a walk finds, computed from a full listing instead (same order as `paths`).

        A path is found when it matches and every directory above it would have been opened.
        """
        opened: dict[str, bool] = {"": True}

        def is_open(directory: str) -> bool:
            known = opened.get(directory)
            if known is None:
                parent = directory.rpartition("/")[0]
                known = is_open(parent) and self.opens(directory, enter)
                opened[directory] = known
            return known

        return [path for path in paths if self.matches(path) and is_open(_parent(path))]


@runtime_checkable
class WalkingSource(Protocol):
    """A `FileSource` that can find files by glob without listing the whole repository."""

    def paths_matching(self, walk: GlobWalk, *, enter: EnterRule | None = None) -> list[str]:
        """The files matching `walk` in directories it opens, in `list_paths` order."""
        ...


def _parent(path: str) -> str:
    return path.rpartition("/")[0]
