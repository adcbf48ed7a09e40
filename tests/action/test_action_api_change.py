"""Without the PR's history in the workspace, the change comes from the API, caps stated."""

from __future__ import annotations

import json
from pathlib import Path

from actionkit import PLAN, PLAN_PATH, RunAction, Workspace, pr_payload
from fakegithub import FakeGitHub, api_commit, api_file

from gitrepo import GitRepoBuilder

R = "/repos/Codertocat/Hello-World"
BASE, HEAD = "1" * 40, "2" * 40


def _shallow(tmp_path: Path) -> Path:
    builder = GitRepoBuilder.create(tmp_path / "shallow")
    builder.write(PLAN_PATH, PLAN)
    builder.write("src/refund/refund.py", "def refund():\n    pass\n")
    builder.commit("Merge 2 into main")
    return builder.root


def _report(workspace: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((workspace / ".plan-budget-gate/report.json").read_text())
    return data


def test_the_api_change_judges_like_git(
    tmp_path: Path, workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    run_action(workspace.root, pr_payload(workspace))
    from_git = _report(workspace.root)
    shallow = _shallow(tmp_path)
    github.pr_files[2] = [api_file("src/refund/refund.py", status="added")]
    github.pr_commits[2] = [
        api_commit(HEAD, "Refunds\n\nPlan-Slice: PAY-1/S2\n"),
        api_commit("4" * 40, "Merge branch 'main' into feature", parents=2),
    ]

    run_action(shallow, pr_payload(base=BASE, head=HEAD))
    from_api = _report(shallow)

    assert github.requests()[3:5] == [
        f"GET {R}/pulls/2/files?per_page=100",
        f"GET {R}/pulls/2/commits?per_page=100",
    ]
    assert from_api["findings"] == from_git["findings"]
    assert [item["reasons"] for item in from_api["slices"]] == [  # type: ignore[attr-defined]
        ["owned-path-changed", "plan-slice-trailer"]
    ]
    assert from_api["notes"] == []


def test_a_3000_file_pull_request_says_the_list_was_cut(
    tmp_path: Path, github: FakeGitHub, run_action: RunAction
) -> None:
    shallow = _shallow(tmp_path)
    github.pr_files[2] = [api_file(f"docs/page-{index:04}.md") for index in range(3_500)]
    github.pr_commits[2] = [api_commit(HEAD, f"Commit {index}") for index in range(260)]

    run_action(shallow, pr_payload(base=BASE, head=HEAD, changed_files=3_500, commits=260))

    pages = [item for item in github.requests() if "/files" in item]
    assert len(pages) == 30  # 3,000 files, 100 a page: GitHub lists no more
    assert pages[1] == f"GET {R}/pulls/2/files?page=2&per_page=100"
    notes = _report(shallow)["notes"]
    assert notes == [
        "GitHub's API lists at most 3,000 changed files and this pull request changes 3,500; "
        "slices touched only by the others are not in scope. Check out with fetch-depth: 0 so "
        "the gate reads the change from git.",
        "GitHub's API lists at most 250 commits and this pull request has 260; trailers and "
        "agent authors of the others are not seen. Check out with fetch-depth: 0 so the gate "
        "reads the commits from git.",
    ]
    comment = github.bodies()[0]
    assert "at most 3,000 changed files and this pull request changes 3,500" in comment
