"""Read → judge for one `check`: build the change, the file source and the config, then judge.

This is shell code (git, files); the judging itself is the pure `judge.judge`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from budget_gate.change import Change, ScopeKind
from budget_gate.errors import ConfigError, GateError
from budget_gate.findings import Finding, Severity
from budget_gate.git import GitRepo, GitTreeSource
from budget_gate.judge import judge
from budget_gate.load.records import load_config
from budget_gate.load.repository import load_artifacts
from budget_gate.load.source import FileSource
from budget_gate.load.worktree import WorktreeSource
from budget_gate.models.config import DEFAULT_CONFIG_PATH, GateConfig, Mode
from budget_gate.report import Report

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


@dataclass(frozen=True, slots=True)
class Workspace:
    """What `check` reads: the change, where artifact bytes come from, and the config."""

    change: Change
    source: FileSource
    config: GateConfig
    config_findings: tuple[Finding, ...]


def open_workspace(request: CheckRequest) -> Workspace:
    if not request.repo.is_dir():
        raise GateError(f"--repo {request.repo} is not a directory")
    change, source = _change_and_source(request)
    config, findings = read_config(source, request.config_path)
    if request.mode is not None:
        config = config.model_copy(update={"mode": request.mode})
    return Workspace(change=change, source=source, config=config, config_findings=findings)


def _change_and_source(request: CheckRequest) -> tuple[Change, FileSource]:
    if request.base is None:
        if request.head is not None:
            repo = _git(request.repo)
            audited = repo.resolve(request.head)
            change = Change(kind=ScopeKind.AUDIT, head=audited, notes=(AUDIT_NOTE,))
            return change, GitTreeSource(repo, audited)
        return Change(kind=ScopeKind.AUDIT, notes=(AUDIT_NOTE,)), WorktreeSource(request.repo)
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
    return change, source


def _git(root: Path) -> GitRepo:
    repo = GitRepo(root)
    if not repo.is_repository():
        raise GateError(
            f"{root} is not a git repository, so --base/--head cannot be used; "
            "run without them to audit every slice"
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
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
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
    artifacts = load_artifacts(workspace.source, config=workspace.config, change=workspace.change)
    artifacts.findings.extend(workspace.config_findings)
    report = judge(
        change=workspace.change,
        artifacts=artifacts,
        config=workspace.config,
        labels=request.labels,
        now=now,
    )
    return CheckOutcome(
        report=report,
        config=workspace.config,
        template_dir=template_directory(request.repo, workspace.config),
    )


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
