"""`budget-gate action` on pull_request events, end to end: real payloads, a real git workspace,
GitHub faked at the HTTP layer. Each test asserts the requests sent and what a user then sees."""

from __future__ import annotations

import json

import pytest
from actionkit import (
    CHECK,
    CREATE,
    FAIL_HEADLINE,
    LIST,
    PLAN_PATH,
    TOKEN,
    R,
    RunAction,
    Workspace,
    pr_payload,
    stamp,
)
from fakegithub import FORBIDDEN, SERVER, FakeGitHub

from budget_gate.render import MARKER

ANNOTATION = {
    "path": PLAN_PATH,
    "start_line": 7,
    "end_line": 7,
    "annotation_level": "failure",
    "title": "missing-estimate",
}


def test_first_run_creates_the_comment_and_the_check(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    result = run_action(workspace.root, pr_payload(workspace))

    assert result.exit_code == 1  # the verdict is fail and fail-on-error defaults to true
    assert github.requests() == [LIST, CREATE, CHECK]
    (comment,) = github.comments.values()
    body = comment["body"]
    assert body.startswith(FAIL_HEADLINE + "\n")
    assert MARKER in body
    assert body.endswith(stamp(workspace.head, digest=body[-21:-5]) + "\n")
    link = f"{SERVER}/Codertocat/Hello-World/blob/{workspace.head}/{PLAN_PATH}#L7"
    assert link in body

    (check,) = github.check_runs.values()
    assert (check["name"], check["head_sha"], check["status"], check["conclusion"]) == (
        "Plan Budget Gate",
        workspace.head,
        "completed",
        "failure",
    )
    assert check["output"]["title"] == "fail: 1 error, 0 warnings"
    assert check["output"]["summary"] == body.rsplit("\n<!-- plan-budget-gate:stamp", 1)[0] + "\n"
    (annotation,) = check["_annotations"]
    assert {key: annotation[key] for key in ANNOTATION} == ANNOTATION
    assert annotation["message"].startswith("PAY-1/S2 is approved but has no estimation record")

    assert result.outputs == {
        "verdict": "fail",
        "findings": "1",
        "uncovered-slices": '["PAY-1/S2"]',
        "report-path": ".plan-budget-gate/report.json",
        "summary-path": ".plan-budget-gate/report.md",
        "comment-url": comment["html_url"],
    }
    assert result.summary.startswith(FAIL_HEADLINE)
    report = json.loads((workspace.root / ".plan-budget-gate/report.json").read_text())
    assert (report["verdict"], report["head"]) == ("fail", workspace.head)
    assert f"PR comment created: {comment['html_url']}" in result.stdout
    assert not result.lines("::error")  # the check run carries the findings
    assert result.stderr == ""


def test_the_waiver_label_makes_the_check_neutral_and_says_so(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    payload = pr_payload(
        workspace, name="pull_request.labeled.payload.json", labels=("budget-gate:waive",)
    )

    result = run_action(workspace.root, payload)

    assert result.exit_code == 0
    (check,) = github.check_runs.values()
    assert check["conclusion"] == "neutral"
    assert check["output"]["title"] == "waived: 0 errors, 1 warning"
    assert "**Waived** by the label `budget-gate:waive`" in github.bodies()[0]
    assert check["_annotations"][0]["annotation_level"] == "warning"


def test_observe_mode_reports_a_neutral_check(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    result = run_action(workspace.root, pr_payload(workspace), inputs={"mode": "observe"})

    assert result.exit_code == 0
    (check,) = github.check_runs.values()
    assert check["conclusion"] == "neutral"
    assert check["output"]["title"] == "pass (observe mode): 0 errors, 1 warning"
    assert result.outputs["verdict"] == "pass"


def test_a_pull_request_that_touches_no_slice_still_gets_its_check(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    builder = workspace.builder
    builder.checkout("main")
    builder.branch("docs")
    builder.write("README.md", "# payments, documented\n")
    head = builder.commit("Docs")

    result = run_action(workspace.root, pr_payload(workspace, head=head))

    assert result.exit_code == 0
    (check,) = github.check_runs.values()
    assert (check["conclusion"], check["output"]["title"]) == (
        "success",
        "pass: no plan slices changed",
    )
    assert check["_annotations"] == []


def test_more_than_50_findings_are_annotated_50_per_request(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    slices = "".join(f"  - slice_id: S{i}\n    status: approved\n" for i in range(120))
    workspace.builder.write(
        "plans/BIG/plan.yaml", f"plan_id: BIG\nstatus: approved\nslices:\n{slices}"
    )
    head = workspace.builder.commit("A big plan")

    run_action(workspace.root, pr_payload(workspace, head=head))

    (run_id,) = github.check_runs
    assert github.requests() == [
        LIST,
        CREATE,
        CHECK,
        f"PATCH {R}/check-runs/{run_id}",
        f"PATCH {R}/check-runs/{run_id}",
    ]
    batches = [len(item.body["output"]["annotations"]) for item in github.sent[2:]]
    assert batches == [50, 50, 21]  # 120 slices of BIG and PAY-1/S2
    annotations = github.check_runs[run_id]["_annotations"]
    assert len({(item["path"], item["start_line"]) for item in annotations}) == 121


def test_check_runs_not_permitted_fall_back_to_a_commit_status(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    github.fail("POST", r"/check-runs$", 403, message=FORBIDDEN)

    result = run_action(workspace.root, pr_payload(workspace))

    assert github.requests() == [LIST, CREATE, CHECK, f"POST {R}/statuses/{workspace.head}"]
    assert github.statuses == [
        {
            "sha": workspace.head,
            "state": "failure",
            "context": "Plan Budget Gate",
            "description": "fail: 1 error, 0 warnings",
            "target_url": f"{SERVER}/Codertocat/Hello-World/actions/runs/4242",
        }
    ]
    assert any("checks: write" in line for line in result.lines("::warning::"))
    assert result.lines(f"::error file={PLAN_PATH},line=7::missing-estimate")
    assert result.exit_code == 1


def test_a_fork_with_a_read_only_token_gets_the_report_in_the_job_summary(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    for path in (r"/issues/2/comments$", r"/check-runs$", r"/statuses/"):
        github.fail("POST", path, 403, message=FORBIDDEN)

    result = run_action(
        workspace.root,
        pr_payload(workspace, fork=True),
        env={"GITHUB_ACTION_REPOSITORY": "acme/plan-budget-gate", "GITHUB_ACTION_REF": "v1"},
    )

    assert github.requests() == [LIST, CREATE, CHECK, f"POST {R}/statuses/{workspace.head}"]
    assert github.comments == {} and github.check_runs == {}
    (warning,) = result.lines("::warning::")
    assert "comes from a fork" in warning and "read-only token" in warning
    assert "https://github.com/acme/plan-budget-gate/blob/v1/docs/workflows/README.md" in warning
    assert result.summary.startswith(FAIL_HEADLINE)
    assert result.lines(f"::error file={PLAN_PATH},line=7::missing-estimate")
    assert result.exit_code == 1  # by the verdict, not by the refusal
    manifest = json.loads((workspace.root / ".plan-budget-gate/bundle.json").read_text())
    assert (manifest["pull_request"], manifest["head_sha"], manifest["published"]) == (
        2,
        workspace.head,
        False,
    )


def test_a_502_is_retried_and_the_run_succeeds(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    github.fail("GET", r"/issues/2/comments$", 502, message="Bad Gateway")

    result = run_action(workspace.root, pr_payload(workspace))

    assert github.requests() == [LIST, LIST, CREATE, CHECK]
    assert len(github.comments) == 1 and len(github.check_runs) == 1
    assert result.exit_code == 1 and not result.lines("::error")


def test_a_secondary_rate_limit_is_waited_out_as_retry_after_says(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction, slept: list[float]
) -> None:
    github.fail(
        "POST",
        r"/check-runs$",
        403,
        message="You have exceeded a secondary rate limit. Please wait a few minutes.",
        headers={"Retry-After": "7"},
    )

    result = run_action(workspace.root, pr_payload(workspace))

    assert github.requests() == [LIST, CREATE, CHECK, CHECK]
    assert 7.0 in slept
    assert len(github.check_runs) == 1 and result.exit_code == 1


def test_a_rate_limit_longer_than_the_run_may_wait_fails_the_step_clearly(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction, slept: list[float]
) -> None:
    github.fail(
        "POST",
        r"/check-runs$",
        403,
        message="API rate limit exceeded for installation ID 1.",
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "9999999999"},
    )

    result = run_action(workspace.root, pr_payload(workspace))

    assert github.requests() == [LIST, CREATE, CHECK]
    assert max(slept, default=0) < 120
    (error,) = result.lines("::error::")
    assert "creating the check run 'Plan Budget Gate': GitHub answered 403" in error
    assert "rate limit" in error
    assert result.exit_code == 2
    assert result.outputs["verdict"] == "fail"  # outputs and summary are written regardless
    assert result.summary.startswith(FAIL_HEADLINE)


def test_github_enterprise_server_urls_are_used_everywhere(
    workspace: Workspace, http: object, run_action: RunAction
) -> None:
    import responses

    assert isinstance(http, responses.RequestsMock)
    ghes = FakeGitHub(
        http, api_url="https://ghe.example.com/api/v3", server_url="https://ghe.example.com"
    )

    run_action(
        workspace.root,
        pr_payload(workspace),
        api_url="https://ghe.example.com/api/v3",
        server_url="https://ghe.example.com",
    )

    urls = [call.request.url for call in http.calls]
    assert urls and all(url.startswith("https://ghe.example.com") for url in urls)
    assert ghes.requests() == [LIST, CREATE, CHECK]
    body = ghes.bodies()[0]
    assert f"https://ghe.example.com/Codertocat/Hello-World/blob/{workspace.head}/" in body
    assert "github.com" not in body.replace("ghe.example.com", "")


def test_the_token_never_appears_in_any_output(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    github.fail("POST", r"/issues/2/comments$", 401, message=f"Bad credentials {TOKEN}")
    github.fail("POST", r"/check-runs$", 500, message="boom", times=10)

    result = run_action(workspace.root, pr_payload(workspace))

    mask_line = f"::add-mask::{TOKEN}"
    assert result.stdout.splitlines()[0] == mask_line  # only the runner reads this line
    assert TOKEN not in result.stdout.replace(mask_line, "")
    assert TOKEN not in result.stderr
    assert TOKEN not in result.summary and TOKEN not in json.dumps(result.outputs)
    for path in (workspace.root / ".plan-budget-gate").iterdir():
        assert TOKEN not in path.read_text()
    assert result.exit_code == 2


@pytest.mark.parametrize("value", ["false", "False"])
def test_fail_on_error_false_lets_the_step_pass_on_a_failing_verdict(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction, value: str
) -> None:
    result = run_action(workspace.root, pr_payload(workspace), inputs={"fail-on-error": value})

    assert result.exit_code == 0
    assert [run["conclusion"] for run in github.check_runs.values()] == ["failure"]


def test_a_broken_config_still_reports_a_failing_check(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    workspace.builder.write(".github/plan-budget-gate.yml", "mode: sometimes\n")
    head = workspace.builder.commit("Break the config")

    result = run_action(workspace.root, pr_payload(workspace, head=head))

    reason = (
        "config .github/plan-budget-gate.yml:1: mode must be one of enforce, observe, got "
        "'sometimes'; set mode to one of: enforce, observe"
    )
    assert result.exit_code == 2
    assert result.stderr == f"budget-gate: error: {reason}\n"
    assert github.requests() == [CHECK]  # the required check must not wait forever
    (check,) = github.check_runs.values()
    assert (check["head_sha"], check["conclusion"]) == (head, "failure")
    assert check["output"]["title"] == f"could not judge: {reason}"
    assert f"```\n{reason}\n```" in check["output"]["summary"]
    assert result.lines(f"::error::budget-gate: {reason}")
