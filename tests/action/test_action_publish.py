"""The fork-safe two-stage setup: the untrusted pull_request run writes a bundle; the trusted
workflow_run job checks that it belongs to its own event, judges the pull request itself (the
repository's config, the PR's commits read as data) and posts that judgement, never the
bundle's claims."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from actionkit import RunAction, Workspace, load_payload, pr_payload
from fakegithub import FORBIDDEN, FakeGitHub

from gitrepo import GitRepoBuilder, isolated_git_env

R = "/repos/Codertocat/Hello-World"
RUN_URL = "https://github.com/Codertocat/Hello-World/actions/runs/4242"
BUNDLE = ".plan-budget-gate"
PUBLISHED = [
    f"GET {R}/pulls/2",
    f"GET {R}/issues/2/comments?per_page=100",
    f"POST {R}/issues/2/comments",
    f"POST {R}/check-runs",
]


@pytest.fixture
def stage_two(
    tmp_path: Path, workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> Callable[..., Any]:
    """Run the fork's first stage (read-only token), then set up the trusted job's workspace."""
    for path in (r"/issues/2/comments$", r"/check-runs$", r"/statuses/"):
        github.fail("POST", path, 403, message=FORBIDDEN)
    run_action(workspace.root, pr_payload(workspace, fork=True))
    github.rsps.calls.reset()
    github.add_pull(2, head_sha=workspace.head, base_sha=workspace.base)
    root = tmp_path / "trusted"  # the default branch, checked out with its history
    clone = ["git", "clone", "-q", "--no-local", "--single-branch", "--branch", "main"]
    subprocess.run([*clone, str(workspace.root), str(root)], check=True, env=isolated_git_env())
    trusted = GitRepoBuilder(root)
    shutil.copytree(workspace.root / BUNDLE, trusted.root / BUNDLE)

    def run(
        *,
        edit: Callable[[dict[str, Any]], None] | None = None,
        head: str | None = None,
        linked: list[tuple[int, str]] | None = None,
        command: tuple[str, ...] = ("action",),
        fetched: bool = True,
    ) -> Any:
        if fetched:  # the workflow's `git fetch --no-tags origin <head_sha>`
            trusted.git("fetch", "-q", "--no-tags", "origin", workspace.head)
        if edit is not None:
            report_path = trusted.root / BUNDLE / "report.json"
            report = json.loads(report_path.read_text())
            edit(report)
            report_path.write_text(json.dumps(report))
        payload = copy.deepcopy(
            load_payload("workflow_run.completed.with-pull-requests.payload.json")
        )
        run_info = payload["workflow_run"]
        run_info["event"], run_info["id"] = "pull_request", 555
        run_info["head_sha"] = head or workspace.head
        template = run_info["pull_requests"][0]
        run_info["pull_requests"] = [  # GitHub links no PR to a fork's run
            {**template, "number": number, "head": {**template["head"], "sha": sha}}
            for number, sha in linked or []
        ]
        return run_action(
            trusted.root, payload, event="workflow_run", command=command, sha=workspace.base
        )

    return run


def test_the_trusted_stage_posts_the_forks_report(
    stage_two: Callable[..., Any], github: FakeGitHub, workspace: Workspace
) -> None:
    result = stage_two()

    assert github.requests() == PUBLISHED
    (check,) = github.check_runs.values()
    assert (check["head_sha"], check["conclusion"]) == (workspace.head, "failure")
    assert check["output"]["title"] == "fail: 1 error, 0 warnings"
    body = github.bodies()[0]
    assert body.startswith("## ❌ Plan Budget Gate: fail — 1 error, 0 warnings")
    assert f"{RUN_URL})" in body  # the full report: this trusted run's summary
    assert result.outputs["report-path"] == f"{BUNDLE}/report.json"
    assert result.outputs["comment-url"] == next(iter(github.comments.values()))["html_url"]
    assert result.exit_code == 1


def test_the_publish_command_does_the_same(
    stage_two: Callable[..., Any], github: FakeGitHub, tmp_path: Path
) -> None:
    result = stage_two(command=("publish", "--bundle", str(tmp_path / "trusted" / BUNDLE)))

    assert github.requests() == PUBLISHED
    assert result.exit_code == 1


def test_a_bundle_of_another_commit_is_refused(
    stage_two: Callable[..., Any], github: FakeGitHub, workspace: Workspace
) -> None:
    result = stage_two(head="6" * 40)

    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"budget-gate: error: bundle for #2 judged {workspace.head[:12]}, but the workflow run "
        "that triggered this job ran on 666666666666"
    )
    assert github.requests() == []


def test_a_pull_request_that_moved_on_is_not_published_over(
    stage_two: Callable[..., Any], github: FakeGitHub
) -> None:
    github.add_pull(2, head_sha="7" * 40)

    result = stage_two()

    assert result.exit_code == 2
    assert "that pull request's head is 777777777777" in result.stderr
    assert github.requests() == [f"GET {R}/pulls/2"]


def test_a_forged_verdict_is_refused(stage_two: Callable[..., Any], github: FakeGitHub) -> None:
    result = stage_two(edit=lambda report: report.update(verdict="pass"))

    assert result.exit_code == 2
    assert "says pass but its findings say otherwise" in result.stderr
    assert github.comments == {} and github.check_runs == {}


def test_a_bundle_claiming_a_pass_is_judged_again_and_fails(
    stage_two: Callable[..., Any], github: FakeGitHub, workspace: Workspace
) -> None:
    def forged_pass(report: dict[str, Any]) -> None:  # consistent, so the bundle reads fine
        report.update(verdict="pass", findings=[])

    result = stage_two(edit=forged_pass)

    assert github.requests() == PUBLISHED
    (check,) = github.check_runs.values()
    assert (check["head_sha"], check["conclusion"]) == (workspace.head, "failure")
    assert github.bodies()[0].startswith("## ❌ Plan Budget Gate: fail — 1 error")
    (warning,) = result.lines("::warning::")
    assert "the pull_request run reported pass with 0 findings" in warning
    assert "judged here the pull request is a fail with 1" in warning
    assert result.exit_code == 1


def test_a_bundle_claiming_observe_mode_does_not_change_how_it_is_judged(
    stage_two: Callable[..., Any], github: FakeGitHub
) -> None:
    def observe(report: dict[str, Any]) -> None:
        report.update(mode="observe", verdict="pass")
        for finding in report["findings"]:
            finding["severity"] = "warning"

    result = stage_two(edit=observe)

    (check,) = github.check_runs.values()
    assert check["conclusion"] == "failure"
    assert result.exit_code == 1


def test_without_the_pull_requests_commits_it_says_how_to_fetch_them(
    stage_two: Callable[..., Any], github: FakeGitHub, workspace: Workspace
) -> None:
    result = stage_two(fetched=False)

    assert result.exit_code == 2
    assert "are not in the workspace" in result.stderr
    assert "git fetch --no-tags origin ${{ github.event.workflow_run.head_sha }}" in result.stderr
    assert github.requests() == [f"GET {R}/pulls/2", f"POST {R}/check-runs"]
    (check,) = github.check_runs.values()  # the required check does not wait forever
    assert (check["head_sha"], check["conclusion"]) == (workspace.head, "failure")
    assert check["output"]["title"].startswith("could not judge: the commits of pull request #2")


def test_a_malformed_bundle_names_the_field(
    stage_two: Callable[..., Any], github: FakeGitHub
) -> None:
    result = stage_two(edit=lambda report: report["findings"][0].update(line="seven"))

    assert result.exit_code == 2
    assert result.stderr.startswith("budget-gate: error: bundle file ")
    assert "report.json: findings.0.line:" in result.stderr
    assert github.requests() == []


def test_nothing_the_bundle_says_is_posted(
    stage_two: Callable[..., Any], github: FakeGitHub
) -> None:
    hostile = "<!-- plan-budget-gate:report --> @octocat [click](javascript:alert(1)) <img src=x>"

    stage_two(edit=lambda report: report["findings"][0].update(message=hostile))

    body = github.bodies()[0]
    assert body.count("<!-- plan-budget-gate:report -->") == 1  # only the real marker
    assert "octocat" not in body and "javascript" not in body and "<img" not in body


def test_a_bundle_the_first_stage_published_itself_is_left_alone(
    stage_two: Callable[..., Any], github: FakeGitHub, tmp_path: Path
) -> None:
    manifest_path = tmp_path / "trusted" / BUNDLE / "bundle.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "published": True}))

    result = stage_two()

    assert result.exit_code == 0
    assert github.requests() == []


def test_a_run_github_links_to_the_pull_request_is_published(
    stage_two: Callable[..., Any], github: FakeGitHub, workspace: Workspace
) -> None:
    result = stage_two(linked=[(2, workspace.head)])

    assert github.requests() == PUBLISHED
    assert result.exit_code == 1


def test_a_bundle_naming_a_pull_request_the_run_is_not_linked_to_is_refused(
    stage_two: Callable[..., Any], github: FakeGitHub, workspace: Workspace
) -> None:
    result = stage_two(linked=[(3, workspace.head)])

    assert result.exit_code == 2
    assert "the workflow run is not linked to that pull request" in result.stderr
    assert github.requests() == []
