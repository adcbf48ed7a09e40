"""Repository path globs for artifact locations and the code a slice owns.

One dialect everywhere, close to `.gitignore`, so a plan author never has to guess:

- a glob is matched against the whole repository-relative POSIX path and is anchored at the
  root (a leading `/` is allowed and means the same): `*.py` is a top-level file only;
- `*` and `?` never cross `/`; `[abc]`, `[a-z]`, `[!abc]` (or `[^abc]`) match one character,
  never `/`; a backslash makes the next character literal;
- `**` as a whole segment matches any number of directories, including none: `**/*.py` is any
  Python file at any depth, `src/**/test_*.py` includes `src/test_x.py`; a trailing `/**`
  matches everything below the directory; `**` inside a segment is an ordinary `*`;
- a trailing `/` means everything below that directory (`src/budgets/` = `src/budgets/**`).

Matching is case-sensitive, like git.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

_WILDCARDS = frozenset("*?[\\")


class GlobError(ValueError):
    """A glob that cannot mean anything; the message names the glob and the fix."""


def normalize_glob(glob: str) -> str:
    """The canonical spelling: no leading `/`, a trailing `/` turned into `/**`."""
    text = glob.strip()
    if text.startswith("/"):
        text = text.lstrip("/")
    if text.endswith("/"):
        text = text.rstrip("/") + "/**"
    segments: list[str] = []
    for segment in text.split("/"):
        if segment == "**" and segments and segments[-1] == "**":
            continue  # `a/**/**/b` means `a/**/b`
        segments.append(segment)
    if not text or "" in segments:
        raise GlobError(
            f"glob {glob!r} is empty or has an empty segment ('//'); write a path such as 'src/**'"
        )
    return "/".join(segments)


def glob_to_regex(glob: str) -> str:
    """Regex source (without anchors) matching exactly the paths the glob names."""
    segments = normalize_glob(glob).split("/")
    parts: list[str] = []
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        if segment == "**":
            if index == last:
                # `a/**` needs something below `a`; a lone `**` matches every path.
                parts.append(".+" if index == 0 else "/.+")
            else:
                # zero or more whole directories, each followed by its slash
                parts.append("(?:[^/]+/)*" if index == 0 else "/(?:[^/]+/)*")
            continue
        if index > 0 and segments[index - 1] != "**":
            parts.append("/")
        parts.append(_segment_to_regex(segment, glob=glob))
    return "".join(parts)


def _segment_to_regex(segment: str, *, glob: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            while i + 1 < len(segment) and segment[i + 1] == "*":
                i += 1
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and i + 1 < len(segment):
            i += 1
            out.append(re.escape(segment[i]))
        elif char == "[":
            end = _class_end(segment, i)
            if end is None:
                out.append(re.escape(char))
            else:
                out.append(_class_to_regex(segment[i + 1 : end], glob=glob))
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _class_end(segment: str, start: int) -> int | None:
    """Index of the `]` closing the class opened at `start`, or None when it is unclosed."""
    i = start + 1
    if i < len(segment) and segment[i] in "!^":
        i += 1
    if i < len(segment) and segment[i] == "]":
        i += 1  # a `]` first in the class is a member
    while i < len(segment):
        if segment[i] == "\\":
            i += 2
            continue
        if segment[i] == "]":
            return i
        i += 1
    return None


def _class_to_regex(body: str, *, glob: str) -> str:
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    members: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            i += 1
            char = body[i]
        if i + 2 < len(body) and body[i + 1] == "-":
            high = body[i + 2]
            if high < char:
                raise GlobError(
                    f"glob {glob!r}: character range {char}-{high} is reversed; "
                    f"write it as {high}-{char}"
                )
            members.append(f"{re.escape(char)}-{re.escape(high)}")
            i += 3
            continue
        members.append(re.escape(char))
        i += 1
    inner = "".join(members)
    # `/` is never matched by a class, negated or not.
    return f"[^/{inner}]" if negate else f"(?!/)[{inner}]"


@functools.lru_cache(maxsize=8192)
def compile_glob(glob: str) -> re.Pattern[str]:
    """The glob as a compiled pattern; use `.fullmatch(path)`. Cached: globs repeat a lot."""
    return re.compile(glob_to_regex(glob))


def match_glob(glob: str, path: str) -> bool:
    return compile_glob(glob).fullmatch(path) is not None


def literal_prefix(glob: str) -> str:
    """The leading whole segments without wildcards (`src/budgets` for `src/budgets/**`).

    Every path the glob matches starts with these segments, so callers can index globs by it
    and only try the globs filed under a path's ancestors. A fully literal glob is its own prefix.
    """
    literal: list[str] = []
    for segment in normalize_glob(glob).split("/"):
        if _WILDCARDS.intersection(segment):
            break
        literal.append(segment)
    return "/".join(literal)


def path_prefixes(path: str) -> list[str]:
    """`""`, each ancestor directory, then the path: every `literal_prefix` that can match it."""
    segments = path.split("/")
    return ["", *("/".join(segments[: count + 1]) for count in range(len(segments)))]


class GlobSet:
    """Many globs matched at once through one combined pattern (artifact globs, slice paths)."""

    __slots__ = ("_pattern", "globs")

    def __init__(self, globs: Iterable[str]) -> None:
        self.globs: tuple[str, ...] = tuple(dict.fromkeys(globs))
        sources = [f"(?:{compile_glob(glob).pattern})" for glob in self.globs]
        self._pattern: re.Pattern[str] | None = re.compile("|".join(sources)) if sources else None

    def __repr__(self) -> str:
        return f"GlobSet({list(self.globs)!r})"

    def __bool__(self) -> bool:
        return bool(self.globs)

    def matches(self, path: str) -> bool:
        return self._pattern is not None and self._pattern.fullmatch(path) is not None

    def matching(self, path: str) -> list[str]:
        """Which globs match the path (for messages); empty when none does."""
        if not self.matches(path):
            return []
        return [glob for glob in self.globs if compile_glob(glob).fullmatch(path)]

    def filter(self, paths: Iterable[str]) -> list[str]:
        """The paths that match any glob, in their given order."""
        return [path for path in paths if self.matches(path)]
