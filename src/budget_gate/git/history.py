"""A branch's first-parent history as data: each commit with its author time, trailers and the
files it changed against its first parent (with blob IDs), read through one `git log`.

The ledger walks the default branch one commit at a time as it landed: a merge counts as one
commit whose changes are everything it brought in, so `--first-parent` with
`--diff-merges=first-parent`. Renames are listed as a deletion and an addition (`--no-renames`):
what matters is which blob sits at which path after each commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from budget_gate.git.repo import LOG_TRAILERS_FORMAT, parse_trailers
from budget_gate.git.runner import decode, run_git

_FIELD = "\x1f"
_FORMAT = f"%H%x1f%P%x1f%at%x1f%an <%ae>%x1f{LOG_TRAILERS_FORMAT}%x1f%s"
_LOG = [
    "log",
    "-z",
    "--first-parent",
    "--diff-merges=first-parent",
    "--raw",
    "--no-renames",
    "--no-abbrev",
    "--no-ext-diff",
    "--no-textconv",
    "--no-show-signature",
    "--encoding=UTF-8",
    f"--format={_FORMAT}",
]
_REGULAR_MODES = frozenset({"100644", "100755"})


@dataclass(frozen=True, slots=True)
class FileChange:
    """One path a commit changed: its blob before and after (None where there is none)."""

    path: str
    before: str | None
    after: str | None
    """None when the commit deleted the path, or left something there that is no regular file
    (a symlink or a submodule: the gate reads artifacts only from regular files)."""


@dataclass(frozen=True, slots=True)
class HistoryCommit:
    sha: str
    parent: str | None
    """The first parent; None for a root commit."""
    authored_at: int
    """Author time, seconds since the epoch (UTC)."""
    author: str
    subject: str
    trailers: tuple[tuple[str, str], ...]
    changes: tuple[FileChange, ...]


def first_parent_history(
    root: Path, tip: str, *, after: str | None = None, since: str | None = None
) -> list[HistoryCommit]:
    """The first-parent commits of `tip`, oldest first: all of them, those after the commit
    `after` (exclusive), and/or those git's `--since` keeps."""
    args = [*_LOG]
    if since is not None:
        args.append(f"--since={since}")
    args += ["--reverse", tip]
    if after is not None:
        args.append(f"^{after}")
    out = run_git(root, [*args, "--"]).stdout
    return parse_history(decode(out))


def default_branch(root: Path) -> str:
    """The remote's default branch when the clone knows it (`origin/HEAD`), else `HEAD`."""
    result = run_git(root, ["symbolic-ref", "-q", "refs/remotes/origin/HEAD"], ok=(0, 1, 128))
    name = decode(result.stdout).strip()
    return name if result.returncode == 0 and name else "HEAD"


def parse_history(text: str) -> list[HistoryCommit]:
    """`git log -z --raw` with `_FORMAT`: a header, then `:modes ids status\\0path\\0` pairs.

    A header starts with the commit's hex SHA; a raw line starts with `:` (after the newline
    git puts between a header and its first raw line), so the two never mix up.
    """
    commits: list[HistoryCommit] = []
    header: list[str] | None = None
    changes: list[FileChange] = []
    tokens = text.split("\0")
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip("\n")
        if token.startswith(":"):
            changes.append(_change(token, tokens[i + 1]))
            i += 2
            continue
        if token:
            if header is not None:
                commits.append(_commit(header, changes))
            header, changes = token.split(_FIELD, 5), []
        i += 1
    if header is not None:
        commits.append(_commit(header, changes))
    return commits


def _commit(header: Sequence[str], changes: list[FileChange]) -> HistoryCommit:
    sha, parents, authored, author, trailers, subject = header
    first = parents.split(" ")[0] if parents else None
    return HistoryCommit(
        sha=sha,
        parent=first,
        authored_at=int(authored),
        author=author,
        subject=subject,
        trailers=parse_trailers(trailers),
        changes=tuple(changes),
    )


def _change(meta: str, path: str) -> FileChange:
    old_mode, new_mode, old_id, new_id, _status = meta[1:].split(" ")
    return FileChange(
        path=path,
        before=old_id if old_mode in _REGULAR_MODES and set(old_id) != {"0"} else None,
        after=new_id if new_mode in _REGULAR_MODES and set(new_id) != {"0"} else None,
    )
