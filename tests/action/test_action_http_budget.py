"""The cost of a typical pull request: at most 6 HTTP requests, and exactly these.

The worst typical case: a shallow checkout (no base commit), so files and commits come from the
API, and a sticky comment from an earlier run to update, which is ours only once the token's
identity (GraphQL `viewer`, as `GET /user` is 403 for the workflow's token) is its author.
Every request is registered once with `assert_all_requests_are_fired`, and anything else would
fail the run (no lazy-loading GETs).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import responses
from actionkit import PLAN, PLAN_PATH, RunAction, pr_payload
from fakegithub import api_commit, api_file
from responses import matchers

from budget_gate.render import MARKER
from gitrepo import GitRepoBuilder

API = r"https://api\.github\.com(:443)?/repos/Codertocat/Hello-World"
BASE, HEAD = "1" * 40, "2" * 40
PAGE = matchers.query_param_matcher({"per_page": "100"})


def _shallow_workspace(tmp_path: Path) -> Path:
    """A checkout of the PR's merge result without the PR's history (fetch-depth: 1)."""
    builder = GitRepoBuilder.create(tmp_path / "shallow")
    builder.write(PLAN_PATH, PLAN)
    builder.write("src/refund/refund.py", "def refund():\n    pass\n")
    builder.commit("Merge 2 into main")
    return builder.root


def test_a_typical_pull_request_takes_six_requests(tmp_path: Path, run_action: RunAction) -> None:
    workspace = _shallow_workspace(tmp_path)
    earlier = (
        f"## an earlier report\n{MARKER}\n"
        f"<!-- plan-budget-gate:stamp head={'3' * 40} at=2026-02-01T00:00:00Z "
        f"digest={'0' * 16} -->\n"
    )
    comment = {
        "id": 77,
        "url": "https://api.github.com/repos/Codertocat/Hello-World/issues/comments/77",
        "html_url": "https://github.com/Codertocat/Hello-World/pull/2#issuecomment-77",
        "body": earlier,
        "user": {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"},
    }
    check_run = {
        "id": 9,
        "url": "https://api.github.com/repos/Codertocat/Hello-World/check-runs/9",
        "html_url": "https://github.com/Codertocat/Hello-World/runs/9",
    }
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        http.get(
            re.compile(f"{API}/pulls/2/files"),
            match=[PAGE],
            json=[api_file("src/refund/refund.py", status="added")],
        )
        http.get(
            re.compile(f"{API}/pulls/2/commits"),
            match=[PAGE],
            json=[api_commit(HEAD, "Refunds\n\nPlan-Slice: PAY-1/S2\n")],
        )
        http.get(re.compile(f"{API}/issues/2/comments"), match=[PAGE], json=[comment])
        http.post(
            re.compile(r"https://api\.github\.com(:443)?/graphql$"),
            json={"data": {"viewer": {"login": "github-actions[bot]"}}},
        )
        http.patch(re.compile(f"{API}/issues/comments/77$"), json={**comment, "body": "new"})
        http.post(re.compile(f"{API}/check-runs$"), json=check_run, status=201)  # fmt: skip

        result = run_action(workspace, pr_payload(base=BASE, head=HEAD))

        sent = [(call.request.method, re.sub(r"^https://[^/]+", "", call.request.url or ""))
                for call in http.calls]  # fmt: skip
        patch = json.loads(http.calls[4].request.body or "{}")
        check = json.loads(http.calls[5].request.body or "{}")

    assert sent == [
        ("GET", "/repos/Codertocat/Hello-World/pulls/2/files?per_page=100"),
        ("GET", "/repos/Codertocat/Hello-World/pulls/2/commits?per_page=100"),
        ("GET", "/repos/Codertocat/Hello-World/issues/2/comments?per_page=100"),
        ("POST", "/graphql"),
        ("PATCH", "/repos/Codertocat/Hello-World/issues/comments/77"),
        ("POST", "/repos/Codertocat/Hello-World/check-runs"),
    ]
    assert len(sent) <= 6
    assert patch["body"].startswith("## ❌ Plan Budget Gate: fail — 1 error, 0 warnings")
    assert (check["name"], check["head_sha"], check["status"], check["conclusion"]) == (
        "Plan Budget Gate",
        HEAD,
        "completed",
        "failure",
    )
    assert check["output"]["title"] == "fail: 1 error, 0 warnings"
    assert [item["path"] for item in check["output"]["annotations"]] == [PLAN_PATH]
    assert result.exit_code == 1
