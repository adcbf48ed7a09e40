"""The other events: pull_request_target (config from the base), merge_group, push, dispatch."""

from __future__ import annotations

import copy

from actionkit import PLAN_PATH, RunAction, Workspace, load_payload, pr_payload
from fakegithub import FakeGitHub

R = "/repos/Codertocat/Hello-World"
CHECK = f"POST {R}/check-runs"
BASE_CONFIG = 'check:\n  name: "Budget (base)"\ntemplates:\n  directory: .github/budget-templates\n'
BASE_TEMPLATE = '{% extends "shipped/report.md.j2" %}{% block footer %}BASE FOOTER{% endblock %}\n'


def _target_workspace(workspace: Workspace) -> str:
    """Config and a template on the base branch; the PR loosens both. Returns the PR head."""
    builder = workspace.builder
    builder.checkout("main")
    builder.write(".github/plan-budget-gate.yml", BASE_CONFIG)
    builder.write(".github/budget-templates/report.md.j2", BASE_TEMPLATE)
    builder.commit("Gate config")
    builder.git("rebase", "-q", "main", "feature", env=builder._next_identity("A <a@b.c>"))
    builder.write(".github/plan-budget-gate.yml", 'mode: observe\ncheck:\n  name: "Loose"\n')
    builder.write(".github/budget-templates/report.md.j2", BASE_TEMPLATE.replace("BASE", "PR"))
    head = builder.commit("Loosen the gate")
    builder.checkout("main")  # pull_request_target checks out the base branch
    return head


def test_pull_request_target_reads_config_and_templates_from_the_base(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    head = _target_workspace(workspace)
    base = workspace.builder.rev("main")
    payload = pr_payload(workspace, head=head, base=base)

    result = run_action(workspace.root, payload, event="pull_request_target", sha=base)

    (check,) = github.check_runs.values()
    assert (check["name"], check["conclusion"], check["head_sha"]) == (
        "Budget (base)",
        "failure",
        head,
    )
    body = github.bodies()[0]
    assert "BASE FOOTER" in body and "PR FOOTER" not in body
    assert result.exit_code == 1
    assert workspace.builder.git("rev-parse", "HEAD") == base  # nothing was checked out


def test_pull_request_target_without_the_head_fetched_says_how_to_fetch_it(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    payload = pr_payload(workspace, head="5" * 40)

    result = run_action(workspace.root, payload, event="pull_request_target")

    assert result.exit_code == 2
    assert result.stderr == (
        "budget-gate: error: pull_request_target: the pull request's head 555555555555 is not in "
        "the workspace; fetch it as data with `git fetch origin pull/2/head` after checking out "
        "the base branch (docs/workflows/pull-request-target.yml); the gate reads it through git "
        "and never checks it out\n"
    )
    assert github.requests() == [CHECK]
    (check,) = github.check_runs.values()
    assert (check["head_sha"], check["conclusion"]) == ("5" * 40, "failure")


def test_a_merge_group_gets_its_check_and_no_comment(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    payload = copy.deepcopy(load_payload("merge_group.checks_requested.payload.json"))
    payload["merge_group"]["base_sha"] = workspace.base
    payload["merge_group"]["head_sha"] = workspace.head

    result = run_action(workspace.root, payload, event="merge_group", sha=workspace.head)

    assert github.requests() == [CHECK]
    (check,) = github.check_runs.values()
    assert (check["head_sha"], check["conclusion"]) == (workspace.head, "failure")
    assert result.outputs["comment-url"] == ""
    assert result.exit_code == 1


def test_a_push_is_judged_from_before_to_after(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    payload = copy.deepcopy(load_payload("push.payload.json"))
    payload["before"], payload["after"] = workspace.base, workspace.head
    payload["ref"], payload["deleted"] = "refs/heads/feature", False  # the example deletes a tag

    result = run_action(workspace.root, payload, event="push", sha=workspace.head)

    assert github.requests() == [CHECK]
    (check,) = github.check_runs.values()
    assert check["output"]["title"] == "fail: 1 error, 0 warnings"
    assert result.outputs["uncovered-slices"] == '["PAY-1/S2"]'


def test_a_push_that_creates_a_branch_audits_every_slice(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    payload = copy.deepcopy(load_payload("push.payload.json"))
    payload["before"], payload["after"] = "0" * 40, workspace.head
    payload["ref"], payload["created"], payload["deleted"] = "refs/heads/feature", True, False

    result = run_action(workspace.root, payload, event="push", sha=workspace.head)

    assert github.requests() == [CHECK]
    assert '"kind": "audit"' in (workspace.root / ".plan-budget-gate/report.json").read_text()
    assert result.outputs["verdict"] == "fail"


def test_a_deleted_branch_needs_nothing(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    payload = load_payload("push.payload.json")  # GitHub's example deletes a tag

    result = run_action(workspace.root, payload, event="push")

    assert result.exit_code == 0
    assert result.lines("::notice::") == [
        "::notice::budget-gate: the push deleted a branch or tag; nothing to do"
    ]
    assert github.requests() == []


def test_workflow_dispatch_judges_the_inputs_without_posting(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    payload = load_payload("workflow_dispatch.payload.json")

    result = run_action(
        workspace.root,
        payload,
        event="workflow_dispatch",
        inputs={"base": "main"},
        sha=workspace.head,
        token="",
    )

    assert github.requests() == []
    assert result.exit_code == 1
    assert result.outputs["verdict"] == "fail"
    assert result.summary.startswith("## ❌ Plan Budget Gate: fail")
    assert f"{PLAN_PATH}#L7" in result.summary


def test_events_the_gate_does_not_handle_end_with_a_notice(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    result = run_action(workspace.root, {"action": "created"}, event="issue_comment")

    assert result.exit_code == 0
    (notice,) = result.lines("::notice::")
    assert notice.startswith("::notice::budget-gate: the issue_comment event is not one the gate")
    assert github.requests() == []


def test_pull_request_actions_that_change_nothing_end_with_a_notice(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    payload = pr_payload(workspace)
    payload["action"] = "closed"

    result = run_action(workspace.root, payload)

    assert result.exit_code == 0
    assert result.lines("::notice::") == [
        "::notice::budget-gate: pull_request closed changes nothing the gate judges; nothing to do"
    ]
    assert github.requests() == []


def test_a_merge_group_without_history_fails_its_check_and_says_to_fetch(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    payload = copy.deepcopy(load_payload("merge_group.checks_requested.payload.json"))
    payload["merge_group"]["head_sha"] = workspace.head  # base_sha stays GitHub's example

    result = run_action(workspace.root, payload, event="merge_group")

    assert result.exit_code == 2
    assert "fetch it (actions/checkout with fetch-depth: 0)" in result.stderr
    (check,) = github.check_runs.values()
    assert (check["head_sha"], check["conclusion"]) == (workspace.head, "failure")
    assert check["output"]["title"].startswith("could not judge: ")


def test_a_scheduled_run_audits_without_posting(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    result = run_action(
        workspace.root, {"schedule": "17 3 * * *"}, event="schedule", sha=workspace.head
    )

    assert github.requests() == []
    assert '"kind": "audit"' in (workspace.root / ".plan-budget-gate/report.json").read_text()
    assert result.exit_code == 1


def test_a_workflow_run_of_another_event_has_nothing_to_publish(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    payload = load_payload("workflow_run.completed.with-pull-requests.payload.json")

    result = run_action(workspace.root, payload, event="workflow_run")

    assert result.exit_code == 0
    assert result.lines("::notice::") == [
        "::notice::budget-gate: the triggering run was a repository_dispatch run; only "
        "pull_request runs leave a bundle to publish"
    ]
    assert github.requests() == []
