"""Read → judge for one `check`: build the change, the file source and the config, then judge.

This is shell code (git, files); the judging itself is the pure `judge.judge`.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from budget_gate.errors import ConfigError, GateError
from budget_gate.git.repo import GitRepo
from budget_gate.git.runner import GitError
from budget_gate.git.tree import GitTreeSource
from budget_gate.judge.engine import judge
from budget_gate.judge.report import Report
from budget_gate.load.bulk import bulk_allocation
from budget_gate.load.phase_budgets import effective_phase_budgets
from budget_gate.load.plan_cache import PlanCache
from budget_gate.load.records import load_config
from budget_gate.load.repository import load_artifacts
from budget_gate.load.source import FileSource
from budget_gate.load.worktree import WorktreeSource
from budget_gate.models.config import DEFAULT_CONFIG_PATH, GateConfig, Mode
from budget_gate.models.findings import Finding, Severity
from budget_gate.scope.change import Change, ScopeKind
from budget_gate.workspace.caches import cache_directory, open_prices, save_prices

AUDIT_NOTE = (
    "Audit scope: no base was given (or no git history), so every slice in the repository was "
    "checked. Pass --base to check only what a change touches."
)


@dataclass(frozen=True, slots=True)
class CheckRequest:
    repo: Path
    base: str | None = None
    head: str | None = None
    config_path: str | None = None
    labels: frozenset[str] = frozenset()
    mode: Mode | None = None
    config_ref: str | None = None
    """Read the config and templates from this commit instead of the head being judged: the
    base branch under `pull_request_target`, so a pull request cannot loosen its own gate."""
    change: Change | None = None
    """A change already listed elsewhere (the GitHub API, when the clone lacks the history);
    artifacts are then read from `head` when the clone has it, else from the working tree."""
    caches: bool = True
    """Keep plans' outlines and computed prices between checks (`caches.py`)."""
    cache_dir: Path | None = None
    """Where the caches live; None: `budget-gate/` in the repository's git directory."""


@dataclass(frozen=True, slots=True)
class Workspace:
    """What `check` reads: the change, where artifact bytes come from, and the config."""

    change: Change
    source: FileSource
    config: GateConfig
    config_findings: tuple[Finding, ...]
    base_source: FileSource | None = None
    """A pull request's merge base, where the old versions of changed artifact files are."""


def open_workspace(request: CheckRequest) -> Workspace:
    if not request.repo.is_dir():
        raise GateError(f"--repo {request.repo} is not a directory")
    change, source, base_source = _change_and_source(request)
    config, findings = read_config(_config_source(request, source), request.config_path)
    if request.mode is not None:
        config = config.model_copy(update={"mode": request.mode})
    return Workspace(
        change=change,
        source=source,
        config=config,
        config_findings=findings,
        base_source=base_source,
    )


def _change_and_source(request: CheckRequest) -> tuple[Change, FileSource, FileSource | None]:
    """The change, the source of its (head) files and, for a pull request, its merge base."""
    if request.change is not None:
        return request.change, _listed_change_source(request), None
    if request.base is None:
        if request.head is not None:
            repo = _git(request.repo)
            audited = repo.resolve(request.head)
            change = Change(kind=ScopeKind.AUDIT, head=audited, notes=(AUDIT_NOTE,))
            return change, GitTreeSource(repo, audited), None
        change = Change(kind=ScopeKind.AUDIT, notes=(AUDIT_NOTE,))
        return change, WorktreeSource(request.repo), None
    repo = _git(request.repo)
    base = repo.resolve(request.base)
    head = repo.resolve(request.head) if request.head is not None else None
    change = Change(
        kind=ScopeKind.PULL_REQUEST,
        base=base,
        head=head,
        files=repo.changed_files(base, head),
        commits=repo.commits(base, head or repo.resolve("HEAD")),
    )
    source: FileSource = GitTreeSource(repo, head) if head else WorktreeSource(request.repo)
    merge_base = repo.merge_base(base, head or "HEAD")
    return change, source, GitTreeSource(repo, merge_base)


def _git(root: Path) -> GitRepo:
    return open_top_level(
        root,
        not_a_repository="so --base/--head cannot be used; run without them to audit every slice",
        command="the gate",
    )


def open_top_level(root: Path, *, not_a_repository: str, command: str) -> GitRepo:
    """The repository whose top level is `root`; `not_a_repository` ends the error otherwise.

    git reports paths from the top level; reading plans from a subdirectory would miss every
    change and pass silently, so a subdirectory is refused too.
    """
    repo = GitRepo(root)
    if not repo.is_repository():
        raise GateError(f"{root} is not a git repository, {not_a_repository}")
    top = repo.top_level()
    if top != repo.root:
        raise GateError(
            f"--repo {root} is inside the git repository {top} but is not its top level; "
            f"run {command} with --repo {top} (artifact globs and slice paths are relative to it)"
        )
    return repo


def read_config(source: FileSource, path: str | None) -> tuple[GateConfig, tuple[Finding, ...]]:
    """The config file, or the defaults when the default file does not exist."""
    wanted = path or DEFAULT_CONFIG_PATH
    result = source.read_many([wanted], max_bytes=GateConfig().limits.max_file_bytes).get(wanted)
    if result is None or result.data is None:
        if path is None:
            return GateConfig(), ()
        reason = result.problem if result is not None else "it does not exist"
        raise ConfigError(f"config {wanted} cannot be read: {reason}")
    config, findings = load_config(wanted, result.data, max_aliases=100)
    if config is None:
        errors = [item for item in findings if item.severity is Severity.ERROR] or findings
        first = errors[0]
        extra = len(errors) - 1
        more = f" (and {extra} more problem{'s' if extra > 1 else ''})" if extra else ""
        fix = f"; {first.fix}" if first.fix else ""
        raise ConfigError(f"config {first.location or wanted}: {first.message}{fix}{more}")
    return config, tuple(findings)


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    report: Report
    config: GateConfig
    template_dir: Path | None
    """The config's user template directory, resolved inside the repository."""


def run_check(request: CheckRequest, *, now: datetime) -> CheckOutcome:
    workspace = open_workspace(request)
    directory = (
        cache_directory(request.repo, workspace.source, chosen=request.cache_dir)
        if request.caches
        else None
    )
    artifacts = load_artifacts(
        workspace.source,
        config=workspace.config,
        change=workspace.change,
        base_source=workspace.base_source,
        plan_cache=_plan_cache(workspace, directory),
    )
    artifacts.findings.extend(workspace.config_findings)
    prices = open_prices(directory)
    with bulk_allocation():
        report = judge(
            change=workspace.change,
            artifacts=artifacts,
            config=workspace.config,
            budgets=effective_phase_budgets(workspace.config.phase_budgets),
            labels=request.labels,
            now=now,
            prices=prices,
        )
    save_prices(directory, prices)
    return CheckOutcome(
        report=report,
        config=workspace.config,
        template_dir=(
            template_directory(request.repo, workspace.config)
            if request.config_ref is None
            else templates_at(
                GitTreeSource(_git(request.repo), request.config_ref), workspace.config
            )
        ),
    )


def _plan_cache(workspace: Workspace, directory: Path | None) -> PlanCache | None:
    """The plan cache for a pull request read from a commit (blob ids come free with it); a
    working tree would have to be read in full to know its blob ids, so it goes without."""
    if directory is None or workspace.change.kind is not ScopeKind.PULL_REQUEST:
        return None
    if not isinstance(workspace.source, GitTreeSource):
        return None
    return PlanCache.open(directory, config=workspace.config)


def template_directory(repo: Path, config: GateConfig) -> Path | None:
    """User templates must live inside the repository (never an arbitrary path on the runner)."""
    if config.templates.directory is None:
        return None
    root = repo.resolve()
    directory = (root / config.templates.directory).resolve()
    if not directory.is_relative_to(root) or not directory.is_dir():
        raise ConfigError(
            f"templates.directory {config.templates.directory!r} is not a directory inside the "
            "repository; point it at a folder of .md.j2 files in the repository"
        )
    return directory


def _config_source(request: CheckRequest, head_source: FileSource) -> FileSource:
    if request.config_ref is None:
        return head_source
    return GitTreeSource(_git(request.repo), request.config_ref)


def _listed_change_source(request: CheckRequest) -> FileSource:
    """The head commit's files when the clone has them, else the working tree."""
    repo = GitRepo(request.repo)
    if request.head is not None and repo.is_repository():
        try:
            return GitTreeSource(repo, request.head)
        except GitError:
            pass
    return WorktreeSource(request.repo)


def templates_at(source: FileSource, config: GateConfig) -> Path | None:
    """The config's template directory copied out of a commit into a temporary directory.

    The files are data: they are only ever rendered in the template sandbox.
    """
    if config.templates.directory is None:
        return None
    prefix = config.templates.directory.strip("/") + "/"
    paths = [path for path in source.list_paths() if path.startswith(prefix)]
    if not paths:
        raise ConfigError(
            f"templates.directory {config.templates.directory!r} has no files in the commit the "
            "config is read from; commit the templates to the base branch or remove the setting"
        )
    target = Path(tempfile.mkdtemp(prefix="budget-gate-templates-"))
    atexit.register(shutil.rmtree, target, True)
    for path, result in source.read_many(paths, max_bytes=config.limits.max_file_bytes).items():
        relative = PurePosixPath(path[len(prefix) :])
        if result.data is None or ".." in relative.parts:
            continue  # a symlink or an oversized file is no template
        destination = target.joinpath(*relative.parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(result.data)
    return target
