"""The working tree as a `FileSource`: the CLI's local runs and an Action's checkout.

It reads only regular files inside the root: a symlink that leads outside the repository is
refused, not followed, so a PR cannot make the gate read `/etc/passwd` or the runner's secrets.
Oversized files are refused before they are read.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path

from budget_gate.load.glob_walk import EnterRule, GlobWalk
from budget_gate.load.source import ReadResult

SKIPPED_DIRECTORIES = frozenset({".git", ".venv", "node_modules", "__pycache__"})
_MIB = 1024 * 1024
_KIB = 1024
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class WorktreeSource:
    """Files of a directory tree, addressed by repository-relative POSIX paths."""

    parallel_reads = True
    """Each read opens its own file, so forked workers can read their shares themselves."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self._root = os.path.realpath(root)
        self._inside: dict[str, bool] = {}

    def list_paths(self) -> list[str]:
        """Every file under the root except tool directories (`.git`, `.venv`, ...), sorted."""
        found: list[str] = []
        for directory, subdirectories, files in os.walk(self._root):
            subdirectories[:] = [name for name in subdirectories if name not in SKIPPED_DIRECTORIES]
            relative = os.path.relpath(directory, self._root)
            prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
            found.extend(prefix + name for name in files)
        found.sort()
        return found

    def paths_matching(self, walk: GlobWalk, *, enter: EnterRule | None = None) -> list[str]:
        """Files matching `walk`, opening only the directories it can reach; the same files
        `list_paths` would give, filtered, in the same order."""
        found: list[str] = []
        pending = [("", self._root)]
        while pending:
            relative, directory = pending.pop()
            try:
                with os.scandir(directory) as entries:
                    listed = list(entries)
            except OSError:
                continue  # like os.walk: an unreadable directory is skipped
            for entry in listed:
                path = f"{relative}/{entry.name}" if relative else entry.name
                if not _is_directory(entry):
                    if walk.matches(path):
                        found.append(path)
                elif (
                    entry.name not in SKIPPED_DIRECTORIES
                    and not entry.is_symlink()
                    and walk.opens(path, enter)
                ):
                    pending.append((path, entry.path))
        found.sort()
        return found

    def read_many(self, paths: Sequence[str], *, max_bytes: int) -> Mapping[str, ReadResult]:
        return {path: self._read(path, max_bytes) for path in paths}

    def paths_containing(self, needles: Sequence[str], among: Sequence[str]) -> list[str]:
        """The paths in `among` whose bytes contain any needle (unreadable files never match)."""
        wanted = [needle.encode("utf-8") for needle in needles if needle]
        if not wanted:
            return []
        hits: list[str] = []
        for path in among:
            data = self._read(path, None).data
            if data is not None and any(needle in data for needle in wanted):
                hits.append(path)
        return hits

    def _read(self, path: str, max_bytes: int | None) -> ReadResult:
        parts = [part for part in path.split("/") if part not in ("", ".")]
        if not parts or path.startswith("/") or ".." in parts or (os.sep == "\\" and "\\" in path):
            return ReadResult(problem=f"{path} is not a path inside the repository")
        full = "/".join((self._root, *parts))  # plain str ops: this runs once per file
        if not self._directory_inside(full.rpartition("/")[0]):
            return ReadResult(
                problem=f"{path} lies in a symlinked directory that points outside the "
                "repository; it is not followed. Replace the link with a real directory"
            )
        try:
            fd = os.open(full, _READ_FLAGS | _NO_FOLLOW)
        except FileNotFoundError:
            return ReadResult(problem=f"{path} does not exist")
        except OSError as exc:
            if exc.errno != errno.ELOOP and not Path(full).is_symlink():
                return ReadResult(problem=f"{path} cannot be read: {exc.strerror}")
            return self._read_link(path, full, max_bytes)
        try:
            return _read_open(path, fd, max_bytes)
        finally:
            os.close(fd)

    def _read_link(self, path: str, full: str, max_bytes: int | None) -> ReadResult:
        """A symlink is read only when its target resolves inside the root."""
        target = os.path.realpath(full)
        if not _within(target, self._root):
            return ReadResult(
                problem=f"{path} is a symlink to a file outside the repository; it is not "
                "followed. Commit the file itself instead of a link"
            )
        try:
            fd = os.open(target, _READ_FLAGS)
        except OSError as exc:
            return ReadResult(problem=f"{path} is a symlink that cannot be read: {exc.strerror}")
        try:
            return _read_open(path, fd, max_bytes)
        finally:
            os.close(fd)

    def _directory_inside(self, directory: str) -> bool:
        """Whether a directory resolves inside the root (cached: files share directories)."""
        known = self._inside.get(directory)
        if known is None:
            known = _within(os.path.realpath(directory), self._root)
            self._inside[directory] = known
        return known


def _read_open(path: str, fd: int, max_bytes: int | None) -> ReadResult:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        return ReadResult(problem=f"{path} is not a regular file")
    if max_bytes is not None and info.st_size > max_bytes:
        return ReadResult(problem=_too_big(path, info.st_size, max_bytes))
    cap = None if max_bytes is None else max_bytes + 1
    chunks: list[bytes] = []
    size = 0
    while True:  # usually one read; the file may grow meanwhile, so never read past the cap
        want = info.st_size + 1 - size if size <= info.st_size else 1 << 16
        if cap is not None:
            want = min(want, cap - size)
        chunk = os.read(fd, want)
        chunks.append(chunk)
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            return ReadResult(problem=_too_big(path, size, max_bytes))
        if len(chunk) < want:  # a short read of a regular file is its end
            break
    return ReadResult(data=chunks[0] if len(chunks) == 1 else b"".join(chunks))


def _is_directory(entry: os.DirEntry[str]) -> bool:
    """As os.walk decides: a symlink to a directory counts as a directory (and is not entered)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _too_big(path: str, size: int, max_bytes: int) -> str:
    return (
        f"{path} is {format_size(size)}, over the {format_size(max_bytes)} limit "
        "(limits.max_file_bytes); split it into smaller files or raise the limit in the config"
    )


def format_size(size: int) -> str:
    """Bytes as people say them: `3.2 MiB`, `1 MiB`, `512 KiB`, `900 bytes`."""
    for unit, name in ((_MIB, "MiB"), (_KIB, "KiB")):
        if size >= unit:
            value = f"{size / unit:.1f}".removesuffix(".0")
            return f"{value} {name}"
    return f"{size} bytes"


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
