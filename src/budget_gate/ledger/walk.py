"""Which commits a ledger run reads, and reading their blobs, through `git` only.

Decisions users can rely on:

- The walk follows the first-parent history of a branch (`--ref`, by default the remote's
  default branch when the clone knows it, else `HEAD`), optionally cut by `--since` (as
  `git log --since` reads it) or given as `--range A..B`.
- A second run reads only the commits after the last one stored. When that commit is no longer
  on the branch's first-parent history (a force-push rewrote it), when the walk asked for
  changed, when the config is read from another file, or when the database was built by another
  budget-gate version (whose judgement may differ), the ledger is rebuilt from scratch, and the
  run says why.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from budget_gate import __version__
from budget_gate.errors import GateError
from budget_gate.git.history import HistoryCommit, default_branch, first_parent_history
from budget_gate.git.repo import GitRepo
from budget_gate.git.runner import GitError


@dataclass(frozen=True, slots=True)
class WalkSpec:
    """What the user asked to walk, as given (a branch may move; the ask stays the same)."""

    ref: str
    since: str | None = None
    base: str | None = None
    """`A` of `--range A..B` (then `ref` is `B`)."""

    @classmethod
    def of(
        cls, repo: GitRepo, *, ref: str | None, since: str | None, range_: str | None
    ) -> WalkSpec:
        if range_ is not None:
            base, sep, head = range_.partition("..")
            if not sep or head.startswith(".") or not base or not head:
                raise GateError(
                    f"--range {range_!r} is not A..B; give two commits or branches joined by "
                    "two dots, e.g. --range v1.0..main"
                )
            if ref is not None:
                raise GateError("give either --range or --ref, not both")
            return cls(ref=head, since=since, base=base)
        return cls(ref=ref or default_branch(repo.root), since=since)

    def key(self) -> str:
        return json.dumps({"ref": self.ref, "since": self.since, "base": self.base}, sort_keys=True)


@dataclass(frozen=True, slots=True)
class WalkPlan:
    """The commits to read, whether the database must be emptied first, and why."""

    commits: list[HistoryCommit]
    rebuild: bool
    reason: str | None
    """Why a rebuild, in words; None for a first build or an incremental run."""
    resume_from: str | None
    """The stored last commit the new commits follow (None when starting over)."""


def plan_walk(
    repo: GitRepo, spec: WalkSpec, meta: Mapping[str, str], *, config_path: str
) -> WalkPlan:
    tip = repo.resolve(spec.ref)
    base = None if spec.base is None else repo.resolve(spec.base)
    last = meta.get("last_commit")
    reason = _rebuild_reason(spec, meta, config_path=config_path)
    if reason is None and last:
        try:
            repo.resolve(last)
        except GitError:
            reason = f"its last commit {last[:12]} is not in this clone (history rewritten?)"
        else:
            new = first_parent_history(repo.root, tip, after=last, since=spec.since)
            if (new and new[0].parent == last) or (not new and tip == last):
                return WalkPlan(commits=new, rebuild=False, reason=None, resume_from=last)
            reason = (
                f"its last commit {last[:12]} is no longer on the first-parent history of "
                f"{spec.ref} (history rewritten)"
            )
    commits = first_parent_history(repo.root, tip, after=base, since=spec.since)
    return WalkPlan(commits=commits, rebuild=True, reason=reason, resume_from=None)


def _rebuild_reason(spec: WalkSpec, meta: Mapping[str, str], *, config_path: str) -> str | None:
    if not meta:
        return None
    if meta.get("walk") != spec.key():
        return f"it followed {meta.get('walk')}, this run asks for {spec.key()}"
    if meta.get("config", config_path) != config_path:
        return f"it read the config from {meta.get('config')}, this run from {config_path}"
    built_by = meta.get("built_by")
    if built_by != __version__:
        return f"it was built by budget-gate {built_by}, this is {__version__}"
    return None


class GitBlobs:
    """Blobs read through git in bulk, skipping any over the size limit without reading it."""

    def __init__(self, repo: GitRepo, *, max_bytes: int) -> None:
        self._repo = repo
        self._max_bytes = max_bytes

    def read_blobs(self, object_ids: Sequence[str]) -> Mapping[str, bytes | None]:
        if not object_ids:
            return {}
        sizes = self._repo.object_sizes(object_ids)
        small = [
            oid for oid in object_ids if sizes.get(oid, self._max_bytes + 1) <= self._max_bytes
        ]
        return dict.fromkeys(object_ids) | dict(self._repo.read_blobs(small))
