"""Local clone queries: refs, merge bases, changed files, commits with trailers.

git runs only through `git_runner.run_git` (see there for the fixed, read-only environment);
`git_objects.py` reads trees and blobs, `git_tree.py` a commit as a `FileSource`, and
`git_tags.py` release tags. Errors are `GitError`s whose one-line message says the fix.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from budget_gate.git import objects as git_objects
from budget_gate.git import tags as git_tags
from budget_gate.git.objects import TreeEntry, TreeItem
from budget_gate.git.runner import FETCH_HINT, GitError, decode, git_failure, run_git
from budget_gate.git.tags import Tag
from budget_gate.scope.change import ChangedFile, Commit, FileStatus

# Commit fields, separated by control characters no author or trailer contains. The subject is
# last, so it may contain anything but NUL. `%an <%ae>` ignores `.mailmap`: a PR cannot rename
# an agent author away by editing it. `key_value_separator` needs a recent git (checked: 2.39).
_FIELD, _TRAILER_SEP, _KEY_VALUE_SEP = "\x1f", "\x1e", "\x1d"
LOG_TRAILERS_FORMAT = "%(trailers:only,unfold,separator=%x1e,key_value_separator=%x1d)"
"""A commit's trailers in a `git log --format`, as `parse_trailers` reads them."""
_LOG_FORMAT = f"%H%x1f%an <%ae>%x1f{LOG_TRAILERS_FORMAT}%x1f%s"

_DIFF = ["diff", "-z", "--name-status", "-M", "--no-ext-diff", "--no-textconv", "--no-relative"]
_LOG = ["log", "-z", "--no-merges", "--topo-order", "--reverse", "--no-show-signature"]

_STATUS = {
    "A": FileStatus.ADDED,
    "D": FileStatus.DELETED,
    "M": FileStatus.MODIFIED,
    "T": FileStatus.MODIFIED,  # type change, e.g. file -> symlink
    "U": FileStatus.MODIFIED,  # unmerged, working-tree mode only
}


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

    def _run(
        self, args: Sequence[str], *, stdin: bytes | None = None, ok: tuple[int, ...] = (0,)
    ) -> subprocess.CompletedProcess[bytes]:
        return run_git(self.root, args, stdin=stdin, ok=ok)

    def _text(self, args: Sequence[str]) -> str:
        return decode(self._run(args).stdout).strip()

    # -- refs ----------------------------------------------------------------------------------

    def is_repository(self) -> bool:
        return self._run(["rev-parse", "--git-dir"], ok=(0, 128)).returncode == 0

    def is_shallow(self) -> bool:
        return self._text(["rev-parse", "--is-shallow-repository"]) == "true"

    def git_dir(self) -> Path:
        """The repository's own directory (`.git`), where the gate keeps its plan cache."""
        return Path(self._text(["rev-parse", "--absolute-git-dir"]))

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
        sha = decode(result.stdout).strip()
        if result.returncode != 0 or not sha or not ref.strip():
            if not self.is_repository():
                raise git_failure(root=self.root, args=["rev-parse"], result=result)
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
        sha = decode(result.stdout).strip()
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
        name = decode(result.stdout).strip()
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
        return _parse_name_status(decode(out))

    def _untracked(self) -> list[str]:
        out = self._run(
            ["ls-files", "-z", "--others", "--exclude-standard", "--full-name", "--", ":/"]
        ).stdout
        return [path for path in decode(out).split("\0") if path]

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

    # -- release tags and commits as data ------------------------------------------------------

    def tags(self, pattern: str, *, merged_into: str | None = None) -> tuple[Tag, ...]:
        """Tags matching `pattern`, newest first, peeled to commits (see `git_tags.list_tags`)."""
        return git_tags.list_tags(self.root, pattern, merged_into=merged_into)

    def previous_tag(self, commit: str, pattern: str) -> Tag | None:
        """The nearest tag matching `pattern` reachable from `commit`, not on `commit` itself."""
        return git_tags.previous_tag(self.root, self._commit(commit, role="ref"), pattern)

    # Tree and blob reads go through the repository (see `git_objects`), so one seam sees
    # every git process a `GitTreeSource` starts.

    def tree_entries(self, commit: str) -> dict[str, TreeEntry]:
        """Every blob (files and symlinks, not submodules) of `commit`, by path."""
        return git_objects.tree_entries(self.root, commit)

    def lookup_entries(self, commit: str, paths: Sequence[str]) -> dict[str, TreeEntry]:
        """The blobs at exactly these paths of `commit` (others left out), without listing it."""
        return git_objects.lookup_entries(self.root, commit, paths)

    def read_trees(self, names: Sequence[str]) -> list[list[TreeItem] | None]:
        """The entries of each tree named, in the order asked; None for a name that is no tree."""
        return git_objects.read_trees(self.root, names)

    def object_sizes(self, object_ids: Sequence[str]) -> dict[str, int]:
        """Sizes of objects by ID; missing ones left out."""
        return git_objects.object_sizes(self.root, object_ids)

    def read_blobs(self, object_ids: Sequence[str]) -> dict[str, bytes]:
        """Blob contents by object ID; missing ones left out."""
        return git_objects.read_blobs(self.root, object_ids)

    def paths_changed(self, old: str, new: str) -> list[str]:
        """Every path whose entry (type, mode or contents) differs between two commits."""
        return git_objects.paths_changed(self.root, old, new)

    def grep_paths(self, commit: str, needles: Sequence[str], paths: Sequence[str]) -> set[str]:
        """Which of `paths` contain any needle (fixed strings) at `commit`."""
        return git_objects.grep_paths(self.root, commit, needles, paths)


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
                trailers=parse_trailers(trailer_text),
            )
        )
    return tuple(commits)


def parse_trailers(text: str) -> tuple[tuple[str, str], ...]:
    trailers: list[tuple[str, str]] = []
    for item in text.split(_TRAILER_SEP):
        key, sep, value = item.partition(_KEY_VALUE_SEP)
        if sep and key.strip():
            trailers.append((key.strip(), value.strip()))
    return tuple(trailers)
