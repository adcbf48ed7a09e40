"""The only module that runs git: refs, changed files, commits with trailers, files at a commit.

Every command is read-only and runs with a fixed environment: no prompts, no pager, no
repository redirection inherited from the caller (`GIT_DIR` and friends), and nothing the
repository carries is executed: no hooks (none of these commands runs one), no external diff
or textconv driver, no fsmonitor. Errors are `GitError`s whose one-line message says the fix.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from budget_gate.change import ChangedFile, Commit, FileStatus
from budget_gate.load.glob_walk import EnterRule, GlobWalk
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
_TREE_MODE = "040000"
_GITLINK_MODE = "160000"
_TREE_ENTRY = re.compile(rb"([0-7]+) ([^\0]*)\0")

TreeItem = tuple[str, str, str]
"""One entry of a tree object: (mode as `git ls-tree` shows it, name, object ID)."""
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


@dataclass(frozen=True, slots=True)
class Tag:
    """A tag name and the commit it points at (annotated tags peeled)."""

    name: str
    commit: str


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
        # Commits and merge bases already verified, by SHA: one run asks for the same ones many
        # times, and each answer is a git process.
        self._commits: dict[str, str] = {}
        self._merge_bases: dict[tuple[str, str], str] = {}

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

    def top_level(self) -> Path:
        """The top-level directory of the working tree that contains `root`."""
        return Path(self._text(["rev-parse", "--show-toplevel"])).resolve()

    def resolve(self, ref: str) -> str:
        """The full SHA of the commit `ref` names (a tag is peeled to its commit)."""
        return self._commit(ref, role="ref")

    def _commit(self, ref: str, *, role: str) -> str:
        known = self._commits.get(ref)
        if known is not None:
            return known
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
        self._commits[sha] = sha  # a SHA always names the same commit; a branch may move
        return sha

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether `ancestor` is reachable from `descendant` (a commit is its own ancestor)."""
        result = self._run(["merge-base", "--is-ancestor", ancestor, descendant], ok=(0, 1))
        return result.returncode == 0

    def merge_base(self, base: str, head: str) -> str:
        """The commit `base...head` diffs from: the best common ancestor."""
        base_sha = self._commit(base, role="base")
        head_sha = self._commit(head, role="head")
        known = self._merge_bases.get((base_sha, head_sha))
        if known is not None:
            return known
        result = self._run(["merge-base", base_sha, head_sha], ok=(0, 1))
        sha = _decode(result.stdout).strip()
        if result.returncode == 0 and sha:
            self._merge_bases[(base_sha, head_sha)] = self._commits[sha] = sha
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

    def commits(self, base: str | None, head: str) -> tuple[Commit, ...]:
        """Non-merge commits in `base..head`, oldest first, with trailers as git parses them.

        `base=None` means the whole history reachable from `head` (a first release).
        Merge commits are left out: their changes come from parents that are in the range,
        and agents' "merge main into my branch" commits carry no work or trailers of their own.
        """
        end = self._commit(head, role="head")
        exclude = [] if base is None else [f"^{self._commit(base, role='base')}"]
        out = self._run(
            [*_LOG, "--encoding=UTF-8", f"--format={_LOG_FORMAT}", end, *exclude, "--"]
        ).stdout
        return _parse_log(out.decode("utf-8", "replace"))

    # -- release tags --------------------------------------------------------------------------

    def tags(self, pattern: str, *, merged_into: str | None = None) -> tuple[Tag, ...]:
        """Tags matching `pattern` (`git tag --list` wildcards), newest first, peeled to commits.

        Annotated and lightweight tags alike (a tag of a tag too); tags of trees or blobs are
        left out. `merged_into` keeps only tags reachable from that commit.
        """
        merged = [] if merged_into is None else [f"--merged={merged_into}"]
        sort = ["--sort=-v:refname", "--sort=-creatordate"]  # the last key is the first
        out = self._run(
            ["tag", "--list", *merged, *sort, "--format=%(refname:strip=2)", "--", pattern]
        ).stdout
        names = [name for name in _decode(out).split("\n") if name]
        if not names:
            return ()
        request = "".join(f"refs/tags/{name}^{{commit}}\n" for name in names)
        peeled = self._run(
            ["cat-file", "--batch-check=%(objectname) %(objecttype)"], stdin=_encode(request)
        ).stdout
        tags: list[Tag] = []
        for name, line in zip(names, _decode(peeled).splitlines(), strict=True):
            sha, _, kind = line.partition(" ")
            if kind == "commit":
                tags.append(Tag(name=name, commit=sha))
        return tuple(tags)

    def previous_tag(self, commit: str, pattern: str) -> Tag | None:
        """The nearest tag matching `pattern` reachable from `commit`, not on `commit` itself.

        Nearest means no other candidate lies between it and `commit` (`merge-base
        --independent`); when a merge brings in several such tags, the newest one wins.
        """
        sha = self._commit(commit, role="ref")
        candidates = [tag for tag in self.tags(pattern, merged_into=sha) if tag.commit != sha]
        commits = list(dict.fromkeys(tag.commit for tag in candidates))
        if len(commits) > 1:
            out = self._run(["merge-base", "--independent", *commits]).stdout
            nearest = set(_decode(out).split())
            candidates = [tag for tag in candidates if tag.commit in nearest]
        return candidates[0] if candidates else None

    # -- reading a commit as data --------------------------------------------------------------

    def tree(self, rev: str) -> GitTreeSource:
        """The files of `rev` as a `FileSource`."""
        return GitTreeSource(repo=self, rev=rev)

    def tree_entries(self, commit: str) -> dict[str, TreeEntry]:
        """Every blob (files and symlinks, not submodules) of `commit`, by path."""
        out = self._run(["ls-tree", "-r", "-z", "--full-tree", commit]).stdout
        return _parse_ls_tree(out)

    def lookup_entries(self, commit: str, paths: Sequence[str]) -> dict[str, TreeEntry]:
        """The blobs at exactly these paths of `commit` (others left out), without listing it."""
        entries: dict[str, TreeEntry] = {}
        wanted = set(paths)
        for chunk in _chunks(sorted(wanted), budget=_ARGV_BUDGET):
            pathspecs = [f":(literal){path}" for path in chunk]
            out = self._run(["ls-tree", "-z", "--full-tree", commit, "--", *pathspecs]).stdout
            for path, entry in _parse_ls_tree(out).items():
                if path in wanted:
                    entries[path] = entry
        return entries

    def read_trees(self, names: Sequence[str]) -> list[list[TreeItem] | None]:
        """The entries of each tree named (`<oid>`, `<commit>^{tree}`), in the order asked.

        One `git cat-file --batch` for all of them; None for a name that is not a tree.
        """
        if not names:
            return []
        out = self._run(["cat-file", "--batch"], stdin=_encode("".join(f"{n}\n" for n in names)))
        return [
            _parse_tree(body, id_width=len(object_id) // 2) if kind == "tree" else None
            for object_id, kind, body in _batch_objects(out.stdout)
        ]

    def object_sizes(self, object_ids: Sequence[str]) -> dict[str, int]:
        """Sizes of objects through one `git cat-file --batch-check`; missing ones left out."""
        if not object_ids:
            return {}
        request = "".join(f"{oid}\n" for oid in object_ids).encode("ascii")
        out = self._run(["cat-file", "--batch-check"], stdin=request).stdout
        sizes: dict[str, int] = {}
        for line in out.decode("ascii", "replace").splitlines():
            header = line.split(" ")
            if len(header) == 3:  # not `<oid> missing`
                sizes[header[0]] = int(header[2])
        return sizes

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
    """A commit's files read as data through git, never checked out (the PR head, safely).

    Nothing is listed up front: `paths_matching` opens only the directories its globs can
    reach, `read_many` looks up the paths it is given, and only `list_paths` lists every file.
    What git answered is kept for the life of the source (one run), so no tree is read twice.
    """

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
                    if mode == _TREE_MODE:
                        if walk.opens(path, enter):
                            next_level.append((path, object_id))
                    elif mode != _GITLINK_MODE and walk.matches(path):
                        found.append(path)
                        self._known.setdefault(path, TreeEntry(path, mode, object_id))
            level = next_level
        found.sort(key=_encode)  # `git ls-tree -r` order, as `list_paths` gives
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


def _parse_ls_tree(out: bytes) -> dict[str, TreeEntry]:
    """`git ls-tree -z` output: the blobs (files and symlinks), not trees or submodules."""
    entries: dict[str, TreeEntry] = {}
    for record in _decode(out).split("\0"):
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
        items.append((mode, _decode(found[2]), body[end : end + id_width].hex()))
        pos = end + id_width
    return items


def _canonical_mode(mode: int) -> str:
    """The mode as `git ls-tree` shows it (old trees may hold e.g. 100664 for a file)."""
    if stat.S_ISDIR(mode):
        return _TREE_MODE
    if mode in (0o120000, 0o160000):
        return f"{mode:06o}"
    return "100755" if mode & 0o100 else "100644"


_MODES = {b"40000": _TREE_MODE, b"100644": "100644", b"100755": "100755", b"120000": SYMLINK_MODE}


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
