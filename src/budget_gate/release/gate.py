"""Read → judge for a release: find the range, build the change, judge it, summarise it.

Shell code (git, files) around the same pure `judge` as `check`, so a release fails with the
same findings and report a PR would show. The range ends at `--to` (default HEAD) and starts
after `--from`, by default the nearest earlier tag matching `release.tag_pattern`; with none, the
first release audits the whole history reachable from `--to`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from budget_gate.cost.pricing import GenaiPrices
from budget_gate.errors import GateError
from budget_gate.git.repo import GitRepo
from budget_gate.git.runner import FETCH_HINT
from budget_gate.git.tags import Tag
from budget_gate.git.tree import GitTreeSource
from budget_gate.judge.engine import judge
from budget_gate.load.bulk import bulk_allocation
from budget_gate.load.phase_budgets import effective_phase_budgets
from budget_gate.load.repository import load_artifacts
from budget_gate.models.config import Mode
from budget_gate.models.summary import VarianceSummary
from budget_gate.release.summary import build_summary
from budget_gate.scope.change import Change, ChangedFile, Commit, FileStatus, ScopeKind
from budget_gate.workspace.check import (
    CheckOutcome,
    open_top_level,
    read_config,
    template_directory,
)

SHORT_SHA = 7


@dataclass(frozen=True, slots=True)
class ReleaseRequest:
    repo: Path
    from_ref: str | None = None
    to_ref: str | None = None
    config_path: str | None = None
    mode: Mode | None = None


@dataclass(frozen=True, slots=True)
class ReleaseRange:
    """The commits a release gate judged: `base..head`, or all of `head`'s history."""

    head: str
    head_ref: str | None
    """The tag (or ref as given) naming the head; None when it is an untagged HEAD."""
    base: str | None
    base_ref: str | None
    tag_pattern: str
    base_from_tag: bool = False
    """Whether the base is the previous release tag found automatically."""
    commit_count: int = 0

    @property
    def first_release(self) -> bool:
        return self.base is None

    def describe(self) -> str:
        """One line saying which commits were judged and why, for the report and the terminal."""
        head = _label(self.head_ref, self.head)
        commits = f"{self.commit_count:,} commit{'' if self.commit_count == 1 else 's'}"
        if self.base is None:
            return (
                f"First release: no earlier tag matching {self.tag_pattern} is reachable from "
                f"{head}, so the whole history ({commits}) was audited."
            )
        how = f", the previous tag matching {self.tag_pattern}" if self.base_from_tag else ""
        return f"Release range: {_label(self.base_ref, self.base)}{how} .. {head} ({commits})."


def _label(ref: str | None, sha: str) -> str:
    return f"{ref} ({sha[:SHORT_SHA]})" if ref and ref != sha else sha[:SHORT_SHA]


@dataclass(frozen=True, slots=True)
class ReleaseOutcome:
    check: CheckOutcome
    """The report, config and template directory, as `check` renders them."""
    range: ReleaseRange
    summary: VarianceSummary


def find_range(
    repo: GitRepo, *, from_ref: str | None, to_ref: str | None, pattern: str
) -> ReleaseRange:
    """The range to judge: after `from_ref` (default: the previous release tag) up to `to_ref`."""
    head = repo.resolve(to_ref or "HEAD")
    head_ref = to_ref if to_ref not in (None, "HEAD") else _tag_at(repo, head, pattern)
    if from_ref is None:
        previous = _previous_release(repo, head=head, head_ref=head_ref, pattern=pattern)
        return ReleaseRange(
            head=head,
            head_ref=head_ref,
            base=previous.commit if previous else None,
            base_ref=previous.name if previous else None,
            tag_pattern=pattern,
            base_from_tag=previous is not None,
        )
    base = repo.resolve(from_ref)
    if not repo.is_ancestor(base, head):
        raise GateError(
            f"--from {from_ref} is not an ancestor of --to {to_ref or 'HEAD'}, so the range "
            "would not be this release's commits; pass the earlier release as --from (are the "
            "two swapped?)"
        )
    return ReleaseRange(
        head=head, head_ref=head_ref, base=base, base_ref=from_ref, tag_pattern=pattern
    )


def _tag_at(repo: GitRepo, commit: str, pattern: str) -> str | None:
    """A release tag on `commit` itself, to name an untagged `--to` (HEAD) in messages."""
    at_commit = [tag for tag in repo.tags(pattern, merged_into=commit) if tag.commit == commit]
    return at_commit[0].name if at_commit else None


def _previous_release(
    repo: GitRepo, *, head: str, head_ref: str | None, pattern: str
) -> Tag | None:
    """The previous release tag; a shallow clone that hides it is an error, not a silent audit
    of whatever history happens to be there."""
    previous = repo.previous_tag(head, pattern)
    if previous is None and repo.is_shallow():
        raise GateError(
            f"no tag matching {pattern} is reachable from {_label(head_ref, head)} in this "
            f"shallow clone, so the previous release cannot be found; {FETCH_HINT} "
            "(it fetches tags too), or pass --from"
        )
    return previous


def release_change(repo: GitRepo, release: ReleaseRange, commits: tuple[Commit, ...]) -> Change:
    """Files of the range (a first release: every file of the head, as added) and its commits."""
    if release.base is None:
        files = tuple(
            ChangedFile(path=path, status=FileStatus.ADDED)
            for path in sorted(repo.tree_entries(release.head))
        )
    else:
        files = repo.changed_files(release.base, release.head)
    return Change(
        kind=ScopeKind.RELEASE,
        base=release.base,
        head=release.head,
        files=files,
        commits=commits,
        notes=(release.describe(),),
    )


def run_release(request: ReleaseRequest, *, now: datetime) -> ReleaseOutcome:
    """Judge the release range and build its variance summary (nothing is written here).

    Config and artifacts are read from the `--to` commit, never from the working tree.
    """
    repo = _open_repository(request.repo)
    head = repo.resolve(request.to_ref or "HEAD")
    source = GitTreeSource(repo, head)
    config, config_findings = read_config(source, request.config_path)
    if request.mode is not None:
        config = config.model_copy(update={"mode": request.mode})
    release = find_range(
        repo, from_ref=request.from_ref, to_ref=request.to_ref, pattern=config.release.tag_pattern
    )
    commits = repo.commits(release.base, release.head)
    release = replace(release, commit_count=len(commits))
    change = release_change(repo, release, commits)
    artifacts = load_artifacts(source, config=config, change=change)
    artifacts.findings.extend(config_findings)
    with bulk_allocation():
        report = judge(
            change=change,
            artifacts=artifacts,
            config=config,
            budgets=effective_phase_budgets(config.phase_budgets),
            labels=(),
            now=now,
            prices=GenaiPrices(),
        )
    return ReleaseOutcome(
        check=CheckOutcome(
            report=report,
            config=config,
            template_dir=template_directory(request.repo, config),
        ),
        range=release,
        summary=build_summary(report, base_ref=release.base_ref, head_ref=release.head_ref),
    )


def _open_repository(root: Path) -> GitRepo:
    """The clone at `root`, which must be a repository's top level (git paths are relative)."""
    if not root.is_dir():
        raise GateError(f"--repo {root} is not a directory")
    return open_top_level(
        root,
        not_a_repository="and the release gate judges a tagged range, so run it in a clone "
        "(actions/checkout with fetch-depth: 0)",
        command="the release gate",
    )
