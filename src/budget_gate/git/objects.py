"""A commit's trees and blobs read through git plumbing (`ls-tree`, `cat-file`, `grep`).

Nothing is checked out: `GitTreeSource` reads a commit as data through these functions.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from budget_gate.git.runner import GitError, decode, encode, run_git

# Patterns come on stdin (`-f -`), so a needle starting with `-` is never an option.
_GREP = ["grep", "-l", "-z", "-F", "--no-color", "--no-textconv", "--no-recurse-submodules"]

_DIFF_TREE = ["diff-tree", "-r", "-z", "--name-only", "--no-renames", "--ignore-submodules=none"]
_REGULAR_MODES = frozenset({"100644", "100755"})
SYMLINK_MODE = "120000"
TREE_MODE = "040000"
GITLINK_MODE = "160000"
_TREE_ENTRY = re.compile(rb"([0-7]+) ([^\0]*)\0")
_MODES = {b"40000": TREE_MODE, b"100644": "100644", b"100755": "100755", b"120000": SYMLINK_MODE}

TreeItem = tuple[str, str, str]
"""One entry of a tree object: (mode as `git ls-tree` shows it, name, object ID)."""
# Bytes of pathspecs per `git grep`, safely under every OS's command-line limit (Windows: 32 KiB).
_ARGV_BUDGET = 30_000


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """One blob in a commit's tree, as `git ls-tree` lists it.

    `size` is None until asked for: listing sizes makes git open every blob, and only the
    files the gate reads need one.
    """

    path: str
    mode: str
    object_id: str
    size: int | None = None

    @property
    def is_symlink(self) -> bool:
        return self.mode == SYMLINK_MODE

    @property
    def is_regular(self) -> bool:
        return self.mode in _REGULAR_MODES


def tree_entries(root: Path, commit: str) -> dict[str, TreeEntry]:
    """Every blob (files and symlinks, not submodules) of `commit`, by path."""
    out = run_git(root, ["ls-tree", "-r", "-z", "--full-tree", commit]).stdout
    return _parse_ls_tree(out)


def lookup_entries(root: Path, commit: str, paths: Sequence[str]) -> dict[str, TreeEntry]:
    """The blobs at exactly these paths of `commit` (others left out), without listing it."""
    entries: dict[str, TreeEntry] = {}
    wanted = set(paths)
    for chunk in _chunks(sorted(wanted), budget=_ARGV_BUDGET):
        pathspecs = [f":(literal){path}" for path in chunk]
        out = run_git(root, ["ls-tree", "-z", "--full-tree", commit, "--", *pathspecs]).stdout
        for path, entry in _parse_ls_tree(out).items():
            if path in wanted:
                entries[path] = entry
    return entries


def read_trees(root: Path, names: Sequence[str]) -> list[list[TreeItem] | None]:
    """The entries of each tree named (`<oid>`, `<commit>^{tree}`), in the order asked.

    One `git cat-file --batch` for all of them; None for a name that is not a tree.
    """
    if not names:
        return []
    out = run_git(root, ["cat-file", "--batch"], stdin=encode("".join(f"{n}\n" for n in names)))
    return [
        _parse_tree(body, id_width=len(object_id) // 2) if kind == "tree" else None
        for object_id, kind, body in _batch_objects(out.stdout)
    ]


def object_sizes(root: Path, object_ids: Sequence[str]) -> dict[str, int]:
    """Sizes of objects through one `git cat-file --batch-check`; missing ones left out."""
    if not object_ids:
        return {}
    request = "".join(f"{oid}\n" for oid in object_ids).encode("ascii")
    out = run_git(root, ["cat-file", "--batch-check"], stdin=request).stdout
    sizes: dict[str, int] = {}
    for line in out.decode("ascii", "replace").splitlines():
        header = line.split(" ")
        if len(header) == 3:  # not `<oid> missing`
            sizes[header[0]] = int(header[2])
    return sizes


def read_blobs(root: Path, object_ids: Sequence[str]) -> dict[str, bytes]:
    """Blob contents by object ID through one `git cat-file --batch`; missing ones left out."""
    if not object_ids:
        return {}
    request = "".join(f"{oid}\n" for oid in object_ids).encode("ascii")
    out = run_git(root, ["cat-file", "--batch"], stdin=request).stdout
    blobs: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        header = out[pos:end].decode("ascii", "replace").split(" ")
        pos = end + 1
        if len(header) != 3:
            continue  # `<oid> missing`
        object_id, _kind, size_text = header
        size = int(size_text)
        blobs[object_id] = out[pos : pos + size]
        pos += size + 1
    return blobs


def paths_changed(root: Path, old: str, new: str) -> list[str]:
    """Every path whose entry differs between the commits `old` and `new`, files and symlinks
    added, removed or changed (a rename is its two paths), through one `git diff-tree`.

    git compares the trees by object id, so directories that did not change are never read:
    the cost is the difference, not the size of either commit. Plumbing, so no `diff.*` config
    (renames, ignored submodules, external drivers) changes the answer.
    """
    out = run_git(root, [*_DIFF_TREE, old, new, "--"]).stdout
    return [path for path in decode(out).split("\0") if path]


def grep_paths(root: Path, commit: str, needles: Sequence[str], paths: Sequence[str]) -> set[str]:
    """Which of `paths` contain any needle (fixed strings) at `commit`.

    Pathspecs go on the command line, so the paths are sent in chunks that fit any OS.
    """
    patterns = "".join(f"{needle}\n" for needle in needles).encode("utf-8")
    found: set[str] = set()
    prefix = f"{commit}:"
    for chunk in _chunks(paths, budget=_ARGV_BUDGET):
        pathspecs = [f":(top,literal){path}" for path in chunk]
        out = run_git(
            root, [*_GREP, "-f", "-", commit, "--", *pathspecs], stdin=patterns, ok=(0, 1)
        ).stdout
        for name in decode(out).split("\0"):
            if name:
                found.add(name.removeprefix(prefix))
    return found


def _chunks(paths: Sequence[str], *, budget: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    used = 0
    for path in paths:
        size = len(encode(path)) + 20  # pathspec magic, separator, slack
        if chunk and used + size > budget:
            yield chunk
            chunk, used = [], 0
        chunk.append(path)
        used += size
    if chunk:
        yield chunk


def _parse_ls_tree(out: bytes) -> dict[str, TreeEntry]:
    """`git ls-tree -z` output: the blobs (files and symlinks), not trees or submodules."""
    entries: dict[str, TreeEntry] = {}
    for record in decode(out).split("\0"):
        meta, tab, path = record.partition("\t")
        fields = meta.split()
        if not tab or len(fields) != 3 or fields[1] != "blob":
            continue  # trees, submodules (`commit` entries) and the trailing empty record
        mode, _kind, object_id = fields
        entries[path] = TreeEntry(path=path, mode=mode, object_id=object_id)
    return entries


def _batch_objects(out: bytes) -> Iterator[tuple[str, str, bytes]]:
    """`git cat-file --batch` output as (object ID, type, contents), one per name asked; the
    type is `missing` for a name that names no object."""
    pos = 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        header = out[pos:end].rsplit(b" ", 2)
        pos = end + 1
        if len(header) != 3 or not header[2].isdigit():
            yield "", "missing", b""
            continue
        size = int(header[2])
        yield (
            header[0].decode("ascii", "replace"),
            header[1].decode("ascii", "replace"),
            out[pos : pos + size],
        )
        pos += size + 1


def _parse_tree(body: bytes, *, id_width: int) -> list[TreeItem]:
    """A raw tree object: `<octal mode> <name>\\0<binary object ID>` per entry.

    `id_width` is 20 bytes in SHA-1 repositories, 32 in SHA-256 ones.
    """
    items: list[TreeItem] = []
    pos, size, match = 0, len(body), _TREE_ENTRY.match
    while pos < size:
        found = match(body, pos)
        if found is None:
            raise GitError("git returned a tree object that cannot be parsed; run `git fsck`")
        end = found.end()
        mode = _MODES.get(found[1]) or _canonical_mode(int(found[1], 8))
        items.append((mode, decode(found[2]), body[end : end + id_width].hex()))
        pos = end + id_width
    return items


def _canonical_mode(mode: int) -> str:
    """The mode as `git ls-tree` shows it (old trees may hold e.g. 100664 for a file)."""
    if stat.S_ISDIR(mode):
        return TREE_MODE
    if mode in (0o120000, 0o160000):
        return f"{mode:06o}"
    return "100755" if mode & 0o100 else "100644"
