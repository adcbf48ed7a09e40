"""Remediation issues: one `FIX-BUDGET-BREACH` issue per slice past its stop-loss, kept by the
Action on pushes to the default branch, scheduled and manual runs.

The workspace: plan PAY-1 (`actionkit.PLAN`) with slice S2 estimated at 25,000 tokens; a push to
`main` adds usage reports. 40,000 tokens is 160 % of the estimate, past the 120 % stop-loss.
Every test asserts the exact requests sent, in order, so the cost of keeping the issue is
pinned: a re-run with nothing changed lists the issues and asks who the token is, nothing more.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from actionkit import PLAN, PLAN_PATH, TOKEN, RunAction, load_payload, pr_payload
from fakegithub import BOT, FORBIDDEN, FakeGitHub

from gitrepo import GitRepoBuilder

R = "/repos/Codertocat/Hello-World"
CHECK = f"POST {R}/check-runs"
LIST = f"GET {R}/issues?labels=budget-breach&per_page=100&state=all"
CREATE = f"POST {R}/issues"
VIEWER = "POST /graphql"
TITLE = "FIX-BUDGET-BREACH PAY-1/S2"
MARKER = "<!-- plan-budget-gate:remediation PAY-1/S2 -->"
ESTIMATE = """\
plan_id: PAY-1
slice_id: S2
estimated_requests: 10
estimated_prompt_tokens: {prompt}
estimated_completion_tokens: 5000
estimation_method: MANUAL
estimation_owner: ana.planner
estimation_timestamp: 2025-05-01T09:00:00Z
"""
CONFIG = "remediation:\n  issues: true\n"


def usage(run_id: str, tokens: int, *, slice_id: str = "S2") -> str:
    return f"""\
run_id: {run_id}
plan_id: PAY-1
slice_id: {slice_id}
agent_id: claude-code
actual_requests: 12
actual_prompt_tokens: {tokens - 1000}
actual_completion_tokens: 1000
actual_total_tokens: {tokens}
duration_seconds: 120
status: PASS
report_timestamp: 2025-05-02T09:00:00Z
"""


class Pushes:
    """The workspace repository and the push payloads of its commits to `main`."""

    def __init__(self, root: Path, *, config: str = CONFIG) -> None:
        self.builder = GitRepoBuilder.create(root)
        self.builder.write(".github/plan-budget-gate.yml", config)
        self.builder.write(PLAN_PATH, PLAN)
        self.builder.write("plans/PAY-1/estimation.yaml", ESTIMATE.format(prompt=20_000))
        self.last = self.builder.commit("Plan PAY-1")

    @property
    def root(self) -> Path:
        return self.builder.root

    def commit(self, files: dict[str, str], *, ref: str = "refs/heads/main") -> dict[str, Any]:
        """Commit `files` and return the push event of that one commit."""
        self.builder.write_many(files)
        before, self.last = self.last, self.builder.commit("Agent work")
        return self.payload(before, self.last, ref=ref)

    @staticmethod
    def payload(before: str, after: str, *, ref: str = "refs/heads/main") -> dict[str, Any]:
        payload = copy.deepcopy(load_payload("push.payload.json"))
        payload.update(ref=ref, before=before, after=after, created=False, deleted=False)
        payload["repository"]["default_branch"] = "main"
        return payload


@pytest.fixture
def pushes(tmp_path: Path) -> Pushes:
    return Pushes(tmp_path / "workspace")


def run_push(run_action: RunAction, pushes: Pushes, payload: dict[str, Any], **kwargs: Any) -> Any:
    return run_action(pushes.root, payload, event="push", sha=payload["after"], **kwargs)


def the_issue(github: FakeGitHub) -> dict[str, Any]:
    (issue,) = github.issues.values()
    return issue


def test_a_slice_past_its_stop_loss_gets_exactly_one_issue_across_two_runs(
    pushes: Pushes, github: FakeGitHub, run_action: RunAction
) -> None:
    push = pushes.commit({"plans/PAY-1/usage/run-1.yaml": usage("run-1", 40_000)})

    first = run_push(run_action, pushes, push)

    # The check, the list, the issue, and the list again (a concurrent run's duplicate).
    assert github.requests() == [CHECK, LIST, CREATE, LIST]
    issue = the_issue(github)
    assert issue["title"] == TITLE
    assert [label["name"] for label in issue["labels"]] == ["budget-breach"]
    assert (issue["state"], issue["user"]["login"]) == ("open", BOT)
    body = issue["body"]
    assert body.startswith("## 🛑 [`PAY-1/S2`](https://github.com/Codertocat/Hello-World/blob/")
    assert "| Tokens, all runs (estimate) | 40,000 | 25,000 | 160.0 % | 120.0 % |" in body
    assert "| `run-1` | claude\\-code | 40,000 | 100.0 % |" in body
    assert "re\\-estimate PAY\\-1/S2 in plans/PAY\\-1/estimation\\.yaml" in body
    assert body.endswith(MARKER + "\n")
    assert first.exit_code == 1  # the stop-loss fails the gate; the issue changes nothing
    assert first.lines("budget-gate: remediation") == [
        "budget-gate: remediation issue #1 opened: "
        "https://github.com/Codertocat/Hello-World/issues/1"
    ]

    before = len(github.sent)
    second = run_push(run_action, pushes, push)  # a re-run of the same push

    assert github.requests()[before:] == [CHECK, LIST, VIEWER]
    assert the_issue(github)["body"] == body
    assert second.exit_code == 1
    assert second.lines("budget-gate: remediation") == []


def test_the_issue_is_updated_when_the_figures_change_and_closed_when_the_slice_recovers(
    pushes: Pushes, github: FakeGitHub, run_action: RunAction
) -> None:
    run_push(
        run_action, pushes, pushes.commit({"plans/PAY-1/usage/run-1.yaml": usage("run-1", 40_000)})
    )
    start = len(github.sent)

    more = pushes.commit({"plans/PAY-1/usage/run-2.yaml": usage("run-2", 5_000)})
    run_push(run_action, pushes, more)

    assert github.requests()[start:] == [CHECK, LIST, VIEWER, f"PATCH {R}/issues/1"]
    patch = github.sent[-1].body
    assert set(patch) == {"title", "body"}  # figures only: the state is left alone
    assert "| Tokens, all runs (estimate) | 45,000 | 25,000 | 180.0 % | 120.0 % |" in patch["body"]
    assert the_issue(github)["body"] == patch["body"]
    start = len(github.sent)

    # Re-estimated at 50,000 tokens: 90 % of the new estimate, back within the stop-loss.
    recovered = pushes.commit({"plans/PAY-1/estimation.yaml": ESTIMATE.format(prompt=45_000)})
    result = run_push(run_action, pushes, recovered)

    assert github.requests()[start:] == [
        CHECK,
        LIST,
        VIEWER,
        f"POST {R}/issues/1/comments",
        f"PATCH {R}/issues/1",
    ]
    assert github.sent[-1].body == {"state": "closed", "state_reason": "completed"}
    assert github.issue_comments(1) == [
        "✅ `PAY-1/S2` is back within its stop-loss: 45,000 of 50,000 tokens (90.0 %). "
        "Closing this issue."
    ]
    assert the_issue(github)["state"] == "closed"
    assert result.exit_code == 0
    assert result.lines("budget-gate: remediation") == [
        "budget-gate: remediation issue #1 closed (the slice recovered): "
        "https://github.com/Codertocat/Hello-World/issues/1"
    ]


def test_a_slice_past_its_stop_loss_again_reopens_its_issue(
    pushes: Pushes, github: FakeGitHub, run_action: RunAction
) -> None:
    number = github.add_issue(
        TITLE, f"old figures\n\n{MARKER}\n", labels=("budget-breach",), state="closed"
    )
    push = pushes.commit({"plans/PAY-1/usage/run-1.yaml": usage("run-1", 40_000)})

    run_push(run_action, pushes, push)

    assert github.requests() == [
        CHECK,
        LIST,
        VIEWER,
        f"PATCH {R}/issues/{number}",
        f"POST {R}/issues/{number}/comments",
    ]
    issue = the_issue(github)
    assert (issue["state"], issue["state_reason"]) == ("open", "reopened")
    assert "160.0 %" in issue["body"]
    assert github.issue_comments(number) == [
        "🛑 `PAY-1/S2` is past its stop-loss again. Reopening this issue with the new figures."
    ]


def test_a_token_that_may_not_write_issues_gives_a_warning_and_changes_nothing_else(
    pushes: Pushes, github: FakeGitHub, run_action: RunAction
) -> None:
    github.fail("POST", r"/issues$", 403, message=FORBIDDEN)
    push = pushes.commit({"plans/PAY-1/usage/run-1.yaml": usage("run-1", 40_000)})

    result = run_push(run_action, pushes, push)

    assert github.requests() == [CHECK, LIST, CREATE]
    assert github.issues == {}
    assert result.lines("::warning::") == [
        "::warning::budget-gate: remediation issues were not kept up to date (opening a "
        "remediation issue: GitHub answered 403: Resource not accessible by integration); give "
        "the job `permissions: issues: write`. The verdict and the report are not affected."
    ]
    assert result.exit_code == 1
    assert result.outputs["verdict"] == "fail"
    (check,) = github.check_runs.values()
    assert check["conclusion"] == "failure"


def test_issues_of_other_authors_are_never_taken_for_the_gates_own(
    pushes: Pushes, github: FakeGitHub, run_action: RunAction
) -> None:
    """Anyone can paste the marker; neither a person nor another bot owns the gate's issue."""
    body = f"copied\n\n{MARKER}\n"
    mimic = github.add_issue(TITLE, body, labels=("budget-breach",), login="renovate[bot]")
    person = github.add_issue(
        TITLE, body, labels=("budget-breach",), login="mallory", user_type="User"
    )
    push = pushes.commit({"plans/PAY-1/usage/run-1.yaml": usage("run-1", 40_000)})

    run_push(run_action, pushes, push)

    assert github.requests() == [CHECK, LIST, VIEWER, CREATE, LIST]
    assert github.issues[mimic]["body"] == github.issues[person]["body"] == body
    assert github.issues[mimic]["state"] == github.issues[person]["state"] == "open"
    created = max(github.issues)
    assert github.issues[created]["user"]["login"] == BOT


def test_a_duplicate_left_by_a_concurrent_run_is_closed_and_the_oldest_kept(
    pushes: Pushes, github: FakeGitHub, run_action: RunAction
) -> None:
    push = pushes.commit({"plans/PAY-1/usage/run-1.yaml": usage("run-1", 40_000)})
    run_push(run_action, pushes, push)
    body = github.issues[1]["body"]
    twin = github.add_issue(TITLE, body, labels=("budget-breach",))  # the racing run's
    start = len(github.sent)

    run_push(run_action, pushes, push)

    assert github.requests()[start:] == [
        CHECK,
        LIST,
        VIEWER,
        f"POST {R}/issues/{twin}/comments",
        f"PATCH {R}/issues/{twin}",
    ]
    assert github.sent[-1].body == {"state": "closed", "state_reason": "not_planned"}
    assert github.issue_comments(twin) == [
        "Duplicate of #1, which Plan Budget Gate keeps up to date. Closing this one."
    ]
    assert github.issues[1]["state"] == "open"


def test_a_scheduled_audit_keeps_issues_with_the_action_input_alone(
    tmp_path: Path, github: FakeGitHub, run_action: RunAction
) -> None:
    pushes = Pushes(tmp_path / "workspace", config="")
    pushes.commit({"plans/PAY-1/usage/run-1.yaml": usage("run-1", 40_000)})

    result = run_action(
        pushes.root,
        {"schedule": "17 3 * * *"},
        event="schedule",
        sha=pushes.last,
        inputs={"remediation-issues": "true"},
    )

    assert github.requests() == [LIST, CREATE, LIST]  # an audit posts no check run
    assert the_issue(github)["title"] == TITLE
    assert result.exit_code == 1


def test_an_audit_closes_the_issue_of_a_slice_no_plan_has_any_more(
    pushes: Pushes, github: FakeGitHub, run_action: RunAction
) -> None:
    gone = "<!-- plan-budget-gate:remediation PAY-1/S9 -->"
    number = github.add_issue(
        "FIX-BUDGET-BREACH PAY-1/S9", f"x\n\n{gone}\n", labels=("budget-breach",)
    )

    run_action(pushes.root, {"schedule": "17 3 * * *"}, event="schedule", sha=pushes.last)

    assert github.requests() == [
        LIST,
        VIEWER,
        f"POST {R}/issues/{number}/comments",
        f"PATCH {R}/issues/{number}",
    ]
    assert github.issue_comments(number) == [
        "✅ `PAY-1/S9` is no longer in any plan the gate reads. Closing this issue."
    ]


@pytest.mark.parametrize(
    ("event", "ref"),
    [("push", "refs/heads/feature"), ("pull_request", None)],
)
def test_no_issue_is_kept_off_the_default_branch(
    event: str, ref: str | None, pushes: Pushes, github: FakeGitHub, run_action: RunAction
) -> None:
    pushes.builder.branch("feature")
    push = pushes.commit(
        {"plans/PAY-1/usage/run-1.yaml": usage("run-1", 40_000)}, ref=ref or "refs/heads/feature"
    )
    if event == "pull_request":
        payload = pr_payload(head=push["after"], base=push["before"])
        result = run_action(pushes.root, payload, event=event, token=TOKEN)
        assert all("/issues?" not in line and line != CREATE for line in github.requests())
    else:
        result = run_push(run_action, pushes, push)
        assert github.requests() == [CHECK]
    assert github.issues == {}
    assert result.exit_code == 1


def test_the_workflow_tokens_bot_is_recognised_with_or_without_its_suffix(
    pushes: Pushes, github: FakeGitHub, run_action: RunAction
) -> None:
    """GraphQL may name the account `github-actions`; its issues say `github-actions[bot]`."""
    push = pushes.commit({"plans/PAY-1/usage/run-1.yaml": usage("run-1", 40_000)})
    run_push(run_action, pushes, push)
    github.viewer_login = "github-actions"
    github.issues[1]["body"] = f"stale figures\n\n{MARKER}\n"
    start = len(github.sent)

    run_push(run_action, pushes, push)

    assert github.requests()[start:] == [CHECK, LIST, VIEWER, f"PATCH {R}/issues/1"]
    assert len(github.issues) == 1


def test_a_personal_token_owns_the_issues_its_user_opened(
    pushes: Pushes, github: FakeGitHub, run_action: RunAction
) -> None:
    github.viewer_login = "release-robot"
    ours = github.add_issue(
        TITLE,
        f"old\n\n{MARKER}\n",
        labels=("budget-breach",),
        login="Release-Robot",
        user_type="User",
    )
    push = pushes.commit({"plans/PAY-1/usage/run-1.yaml": usage("run-1", 40_000)})

    run_push(run_action, pushes, push, token="ghp_" + "x" * 36)

    assert github.requests() == [CHECK, LIST, VIEWER, f"PATCH {R}/issues/{ours}"]
    assert "160.0 %" in github.issues[ours]["body"]
