"""Read → judge for `budget-gate action`: the event says what to judge, git or the API what changed.

- The change comes from local git when the workspace has both the base and the head commit
  (`actions/checkout` with `fetch-depth: 0`); otherwise, for a pull request, from the API
  (`pulls/{n}/files` and `pulls/{n}/commits`, with their caps stated in the report).
- Labels (the waiver) come from the event payload.
- Under `pull_request_target` the config and templates are read from `GITHUB_SHA`, the base
  branch commit the workflow itself runs from, and the PR's files only as data from its head
  commit (read through git, never checked out or run).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from budget_gate.action.events import EventName, GateEvent, PullRequest
from budget_gate.action.runtime import ActionError, ActionSettings
from budget_gate.git.repo import GitRepo
from budget_gate.git.runner import GitError
from budget_gate.github.pulls import PullApi, change_from_api
from budget_gate.workspace.check import CheckOutcome, CheckRequest, run_check


def has_commits(repo: GitRepo, *shas: str) -> bool:
    """Whether the workspace's clone holds every one of these commits."""
    if not repo.is_repository():
        return False
    try:
        for sha in shas:
            repo.resolve(sha)
    except GitError:
        return False
    return True


def _check_workspace(settings: ActionSettings) -> None:
    workspace = settings.workspace
    if not workspace.is_dir() or not any(workspace.iterdir()):
        raise ActionError(
            f"GITHUB_WORKSPACE {workspace} holds no checkout; add actions/checkout (with "
            "fetch-depth: 0) before this step"
        )


def _target_head_fetched(repo: GitRepo, pull: PullRequest) -> None:
    if not has_commits(repo, pull.head_sha):
        raise ActionError(
            f"pull_request_target: the pull request's head {pull.head_sha[:12]} is not in the "
            f"workspace; fetch it as data with `git fetch origin pull/{pull.number}/head` after "
            "checking out the base branch (docs/workflows/pull-request-target.yml); the gate "
            "reads it through git and never checks it out"
        )


def judge_event(
    settings: ActionSettings, event: GateEvent, *, pulls: PullApi | None, now: datetime
) -> CheckOutcome:
    """Judge what the event (and the `base`/`head` inputs, which win) name."""
    _check_workspace(settings)
    pull = event.pull_request
    trusted_config = event.name is EventName.PULL_REQUEST_TARGET
    base = settings.base or event.base
    head = settings.head or event.head
    request = CheckRequest(
        repo=settings.workspace,
        base=base,
        head=head,
        config_path=settings.config,
        labels=pull.labels if pull is not None else frozenset(),
        mode=settings.mode,
        config_ref=settings.sha if trusted_config else None,
    )
    repo = GitRepo(settings.workspace)
    if trusted_config and pull is not None:
        _target_head_fetched(repo, pull)
    listed_by_api = (
        pull is not None
        and (base, head) == (pull.base_sha, pull.head_sha)
        and not has_commits(repo, pull.base_sha, pull.head_sha)
    )
    if listed_by_api and pull is not None and pulls is not None:
        change = change_from_api(
            pulls,
            number=pull.number,
            base=pull.base_sha,
            head=pull.head_sha,
            total_files=pull.changed_files,
            total_commits=pull.commits,
        )
        request = replace(request, change=change)
    return run_check(request, now=now)
