"""The only module that runs git: refs, changed files, commits with trailers, files at a commit.

Every command is read-only and runs with a fixed environment: no prompts, no pager, no
repository redirection inherited from the caller (`GIT_DIR` and friends), and nothing the
repository carries is executed: no hooks (none of these commands runs one), no external diff
or textconv driver, no fsmonitor. Errors are `GitError`s whose one-line message says the fix.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from budget_gate.change import ChangedFile, Commit, FileStatus
from budget_gate.load.source import ReadResult

FETCH_HINT = "fetch it (actions/checkout with fetch-depth: 0)"

# Variables that would point git at another repository, index or work tree than `root`.
_REDIRECTING_VARIABLES = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_NAMESPACE",
        "GIT_EXTERNAL_DIFF",
        "GIT_PAGER",
    }
)
_FIXED_VARIABLES = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "GIT_OPTIONAL_LOCKS": "0",  # reading must not rewrite the index
    "LC_ALL": "C",  # English messages in logs and in GitError
    "LANGUAGE": "",
}

# Commit fields, separated by control characters no author or trailer contains. The subject is
# last, so it may contain anything but NUL. `%an <%ae>` ignores `.mailmap`: a PR cannot rename
# an agent author away by editing it. `key_value_separator` needs a recent git (checked: 2.39).
_FIELD, _TRAILER_SEP, _KEY_VALUE_SEP = "\x1f", "\x1e", "\x1d"
_LOG_FORMAT = (
    "%H%x1f%an <%ae>%x1f%(trailers:only,unfold,separator=%x1e,key_value_separator=%x1d)%x1f%s"
)

_GLOBAL_OPTIONS = ["--no-pager", "-c", "core.quotepath=off", "-c", "core.fsmonitor=false"]
_DIFF = ["diff", "-z", "--name-status", "-M", "--no-ext-diff", "--no-textconv", "--no-relative"]
_LOG = ["log", "-z", "--no-merges", "--topo-order", "--reverse", "--no-show-signature"]
# Patterns come on stdin (`-f -`), so a needle starting with `-` is never an option.
_GREP = ["grep", "-l", "-z", "-F", "--no-color", "--no-textconv", "--no-recurse-submodules"]

_REGULAR_MODES = frozenset({"100644", "100755"})
SYMLINK_MODE = "120000"
# Bytes of pathspecs per `git grep`, safely under every OS's command-line limit (Windows: 32 KiB).
_ARGV_BUDGET = 30_000

_STATUS = {
    "A": FileStatus.ADDED,
    "D": FileStatus.DELETED,
    "M": FileStatus.MODIFIED,
    "T": FileStatus.MODIFIED,  # type change, e.g. file -> symlink
    "U": FileStatus.MODIFIED,  # unmerged, working-tree mode only
}

_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")
_TOKENS = re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b")


class GitError(Exception):
    """git could not answer; the message says what failed and how to fix it, in one line."""


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """One blob in a commit's tree, as `git ls-tree -l` lists it."""

    path: str
    mode: str
    object_id: str
    size: int

    @property
    def is_symlink(self) -> bool:
        return self.mode == SYMLINK_MODE

    @property
    def is_regular(self) -> bool:
        return self.mode in _REGULAR_MODES


def _redact(text: str) -> str:
    """Drop credentials a remote URL or a token might carry before text reaches a message."""
    return _TOKENS.sub("***", _CREDENTIALS.sub(r"\1", text))


def _decode(raw: bytes) -> str:
    # Non-UTF-8 paths survive the round trip back into a pathspec.
    return raw.decode("utf-8", "surrogateescape")


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


class GitRepo:
    """A local clone at `root` (its top-level directory), queried through the git CLI."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"GitRepo({str(self.root)!r})"

    # -- running git ---------------------------------------------------------------------------

    def _run(
        self, args: Sequence[str], *, stdin: bytes | None = None, ok: tuple[int, ...] = (0,)
    ) -> subprocess.CompletedProcess[bytes]:
        command = ["git", "-C", str(self.root), *_GLOBAL_OPTIONS]
        command += ["-c", f"safe.directory={self.root}", *args]
        env = {k: v for k, v in os.environ.items() if k not in _REDIRECTING_VARIABLES}
        env.update(_FIXED_VARIABLES)
        try:
            result = subprocess.run(command, input=stdin, capture_output=True, env=env, check=False)
        except FileNotFoundError:
            raise GitError("git is not installed or not on PATH; install git") from None
        if result.returncode not in ok:
            raise self._failure(args=args, result=result)
        return result

    def _failure(
        self, *, args: Sequence[str], result: subprocess.CompletedProcess[bytes]
    ) -> GitError:
        stderr = _redact(result.stderr.decode("utf-8", "replace")).strip()
        if "not a git repository" in stderr:
            return GitError(
                f"{self.root} is not a git repository; run the gate in a clone "
                "(actions/checkout) or point it at one"
            )
        detail = stderr.splitlines()[-1] if stderr else f"exit status {result.returncode}"
        return GitError(
            f"git {args[0]} failed in {self.root}: {detail}; run the same git command there "
            "to see why"
        )

    def _text(self, args: Sequence[str]) -> str:
        return _decode(self._run(args).stdout).strip()

    # -- refs ----------------------------------------------------------------------------------

    def is_repository(self) -> bool:
        return self._run(["rev-parse", "--git-dir"], ok=(0, 128)).returncode == 0

    def is_shallow(self) -> bool:
        return self._text(["rev-parse", "--is-shallow-repository"]) == "true"

    def resolve(self, ref: str) -> str:
        """The full SHA of the commit `ref` names (a tag is peeled to its commit)."""
        return self._commit(ref, role="ref")

    def _commit(self, ref: str, *, role: str) -> str:
        result = self._run(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
            ok=(0, 1, 128),
        )
        sha = _decode(result.stdout).strip()
        if result.returncode != 0 or not sha or not ref.strip():
            if not self.is_repository():
                raise self._failure(args=["rev-parse"], result=result)
            if ref == "HEAD":
                raise GitError("HEAD has no commit yet; make a first commit, then run the gate")
            raise GitError(
                f"{role} {ref!r} is not a commit in this clone; {FETCH_HINT}, or check the name"
            )
        return sha

    def merge_base(self, base: str, head: str) -> str:
        """The commit `base...head` diffs from: the best common ancestor."""
        base_sha = self._commit(base, role="base")
        head_sha = self._commit(head, role="head")
        result = self._run(["merge-base", base_sha, head_sha], ok=(0, 1))
        sha = _decode(result.stdout).strip()
        if result.returncode == 0 and sha:
            return sha
        if self.is_shallow():
            raise GitError(
                f"base {base!r} and head {head!r} have no common ancestor in this shallow "
                f"clone; fetch the full history (actions/checkout with fetch-depth: 0)"
            )
        raise GitError(
            f"base {base!r} and head {head!r} have no common ancestor (unrelated histories); "
            "pick a base on the same history as the head"
        )

    def user_name(self) -> str | None:
        """`git config user.name`, or None when unset."""
        result = self._run(["config", "--get", "user.name"], ok=(0, 1))
        name = _decode(result.stdout).strip()
        return name or None

    # -- what a change contains ----------------------------------------------------------------

    def changed_files(self, base: str, head: str | None) -> tuple[ChangedFile, ...]:
        """Files changed on `head` since it left `base` (like `git diff base...head`).

        With `head=None`, the working tree (uncommitted edits and untracked, not ignored,
        files) is compared with merge-base(base, HEAD), so authors can check before committing.
        Untracked files are reported as added; their renames are not detected.
        """
        if head is None:
            start = self.merge_base(base, "HEAD")
            files = {item.path: item for item in self._diff([start])}
            for path in self._untracked():
                files.setdefault(path, ChangedFile(path=path, status=FileStatus.ADDED))
            return tuple(sorted(files.values(), key=lambda item: item.path))
        start = self.merge_base(base, head)
        return tuple(self._diff([start, self._commit(head, role="head")]))

    def _diff(self, revisions: Sequence[str]) -> list[ChangedFile]:
        out = self._run([*_DIFF, *revisions, "--"]).stdout
        return _parse_name_status(_decode(out))

    def _untracked(self) -> list[str]:
        out = self._run(
            ["ls-files", "-z", "--others", "--exclude-standard", "--full-name", "--", ":/"]
        ).stdout
        return [path for path in _decode(out).split("\0") if path]

    def commits(self, base: str, head: str) -> tuple[Commit, ...]:
        """Non-merge commits in `base..head`, oldest first, with trailers as git parses them.

        Merge commits are left out: their changes come from parents that are in the range,
        and agents' "merge main into my branch" commits carry no work or trailers of their own.
        """
        start = self._commit(base, role="base")
        end = self._commit(head, role="head")
        out = self._run(
            [*_LOG, "--encoding=UTF-8", f"--format={_LOG_FORMAT}", end, f"^{start}", "--"]
        ).stdout
        return _parse_log(out.decode("utf-8", "replace"))

    # -- reading a commit as data --------------------------------------------------------------

    def tree(self, rev: str) -> GitTreeSource:
        """The files of `rev` as a `FileSource`."""
        return GitTreeSource(repo=self, rev=rev)

    def tree_entries(self, commit: str) -> dict[str, TreeEntry]:
        """Every blob (files and symlinks, not submodules) of `commit`, by path."""
        out = self._run(["ls-tree", "-r", "-z", "-l", "--full-tree", commit]).stdout
        entries: dict[str, TreeEntry] = {}
        for record in _decode(out).split("\0"):
            meta, tab, path = record.partition("\t")
            fields = meta.split()
            if not tab or len(fields) != 4 or fields[1] != "blob":
                continue  # submodules (`commit` entries) and the trailing empty record
            mode, _kind, object_id, size = fields
            entries[path] = TreeEntry(path=path, mode=mode, object_id=object_id, size=int(size))
        return entries

    def read_blobs(self, object_ids: Sequence[str]) -> dict[str, bytes]:
        """Blob contents by object ID through one `git cat-file --batch`; missing ones left out."""
        if not object_ids:
            return {}
        request = "".join(f"{oid}\n" for oid in object_ids).encode("ascii")
        out = self._run(["cat-file", "--batch"], stdin=request).stdout
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

    def grep_paths(self, commit: str, needles: Sequence[str], paths: Sequence[str]) -> set[str]:
        """Which of `paths` contain any needle (fixed strings) at `commit`.

        Pathspecs go on the command line, so the paths are sent in chunks that fit any OS.
        """
        patterns = "".join(f"{needle}\n" for needle in needles).encode("utf-8")
        found: set[str] = set()
        prefix = f"{commit}:"
        for chunk in _chunks(paths, budget=_ARGV_BUDGET):
            pathspecs = [f":(top,literal){path}" for path in chunk]
            out = self._run(
                [*_GREP, "-f", "-", commit, "--", *pathspecs], stdin=patterns, ok=(0, 1)
            ).stdout
            for name in _decode(out).split("\0"):
                if name:
                    found.add(name.removeprefix(prefix))
        return found


class GitTreeSource:
    """A commit's files read as data through git, never checked out (the PR head, safely)."""

    def __init__(self, repo: GitRepo, rev: str) -> None:
        self.repo = repo
        self.commit = repo.resolve(rev)

    def __repr__(self) -> str:
        return f"GitTreeSource({self.repo!r}, commit={self.commit[:12]!r})"

    @cached_property
    def _entries(self) -> dict[str, TreeEntry]:
        return self.repo.tree_entries(self.commit)

    def list_paths(self) -> list[str]:
        return list(self._entries)

    def read_many(self, paths: Sequence[str], *, max_bytes: int) -> Mapping[str, ReadResult]:
        results: dict[str, ReadResult] = {}
        wanted: dict[str, list[str]] = {}
        for path in dict.fromkeys(paths):
            entry = self._entries.get(path)
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
            elif entry.size > max_bytes:
                results[path] = ReadResult(
                    problem=f"{path} is {entry.size:,} bytes, over the {max_bytes:,}-byte "
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
        return {path: results[path] for path in dict.fromkeys(paths)}

    def paths_containing(self, needles: Sequence[str], among: Sequence[str]) -> list[str]:
        """The regular files in `among` containing any needle, in `among`'s order.

        git grep matches within a line, so a needle must not contain a newline.
        """
        wanted = [needle for needle in dict.fromkeys(needles) if needle]
        if any("\n" in needle or "\r" in needle for needle in wanted):
            raise ValueError("paths_containing needles must be single-line strings")
        candidates = [
            path
            for path in dict.fromkeys(among)
            if (entry := self._entries.get(path)) is not None and entry.is_regular
        ]
        if not wanted or not candidates:
            return []
        found = self.repo.grep_paths(self.commit, wanted, candidates)
        return [path for path in candidates if path in found]


def _chunks(paths: Sequence[str], *, budget: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    used = 0
    for path in paths:
        size = len(_encode(path)) + 20  # pathspec magic, separator, slack
        if chunk and used + size > budget:
            yield chunk
            chunk, used = [], 0
        chunk.append(path)
        used += size
    if chunk:
        yield chunk


def _parse_name_status(text: str) -> list[ChangedFile]:
    """`git diff -z --name-status -M` output: `S\\0path\\0`, or `Rnn\\0old\\0new\\0`."""
    fields = text.split("\0")
    files: list[ChangedFile] = []
    i = 0
    while i < len(fields) and fields[i]:
        code = fields[i][0]
        if code in "RC":
            old, new = fields[i + 1], fields[i + 2]
            i += 3
            if code == "R":
                files.append(ChangedFile(path=new, status=FileStatus.RENAMED, previous_path=old))
            else:  # a copy leaves its source untouched
                files.append(ChangedFile(path=new, status=FileStatus.ADDED))
            continue
        files.append(ChangedFile(path=fields[i + 1], status=_STATUS.get(code, FileStatus.MODIFIED)))
        i += 2
    return files


def _parse_log(text: str) -> tuple[Commit, ...]:
    commits: list[Commit] = []
    for record in text.split("\0"):
        record = record.lstrip("\n")
        if not record:
            continue
        sha, author, trailer_text, subject = record.split(_FIELD, 3)
        commits.append(
            Commit(
                sha=sha,
                author=author,
                subject=subject,
                trailers=_parse_trailers(trailer_text),
            )
        )
    return tuple(commits)


def _parse_trailers(text: str) -> tuple[tuple[str, str], ...]:
    trailers: list[tuple[str, str]] = []
    for item in text.split(_TRAILER_SEP):
        key, sep, value = item.partition(_KEY_VALUE_SEP)
        if sep and key.strip():
            trailers.append((key.strip(), value.strip()))
    return tuple(trailers)
