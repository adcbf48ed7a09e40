"""Helpers of the Action's tests: payloads, the workspace repository, the run's result.

The fixtures that use them are in this directory's `conftest.py`; helpers live here because
pytest loads every directory's conftest under the same module name.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from budget_gate.render import MARKER
from gitrepo import GitRepoBuilder
from locations import EVENT_FIXTURES

FIXTURES = EVENT_FIXTURES
TOKEN = "ghs_" + "Tok3n" * 7 + "x"  # the shape of a workflow's GITHUB_TOKEN
PLAN = """\
plan_id: PAY-1
title: Payments
status: in-progress
slices:
  - slice_id: S1
    paths: ["src/pay/**"]
  - slice_id: S2
    status: approved
    paths: ["src/refund/**"]
"""
PLAN_PATH = "plans/PAY-1/plan.yaml"
S2_LINE = 8
ESTIMATE_S2 = """\
plan_id: PAY-1
slice_id: S2
estimated_requests: 10
estimated_prompt_tokens: 20000
estimated_completion_tokens: 5000
estimation_method: MANUAL
estimation_owner: ana.planner
estimation_timestamp: 2025-05-01T09:00:00Z
"""


def load_payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text("utf-8"))
    return data


@dataclass(frozen=True)
class Workspace:
    builder: GitRepoBuilder
    base: str
    head: str

    @property
    def root(self) -> Path:
        return self.builder.root


def pr_payload(
    workspace: Workspace | None = None,
    *,
    name: str = "pull_request.synchronize.payload.json",
    number: int = 2,
    labels: tuple[str, ...] = (),
    fork: bool = False,
    head: str | None = None,
    base: str | None = None,
    updated_at: str = "2026-03-01T10:00:00Z",
    changed_files: int | None = None,
    commits: int | None = None,
) -> dict[str, Any]:
    """A real pull_request payload with the SHAs, number, labels and fork flag patched."""
    payload = copy.deepcopy(load_payload(name))
    pull = payload["pull_request"]
    payload["number"] = pull["number"] = number
    pull["head"]["sha"] = head or (workspace.head if workspace else "e" * 40)
    pull["base"]["sha"] = base or (workspace.base if workspace else "f" * 40)
    pull["labels"] = [{"id": 1, "name": label, "color": "f29513"} for label in labels]
    pull["updated_at"] = updated_at
    if fork:
        pull["head"]["repo"] = copy.deepcopy(pull["head"]["repo"])
        pull["head"]["repo"]["full_name"] = "forker/Hello-World"
        pull["head"]["repo"]["fork"] = True
    if changed_files is not None:
        pull["changed_files"] = changed_files
    if commits is not None:
        pull["commits"] = commits
    return payload


@dataclass
class ActionResult:
    exit_code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str

    def lines(self, prefix: str) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith(prefix)]


def parse_outputs(text: str) -> dict[str, str]:
    """`name<<DELIMITER` blocks as the runner reads GITHUB_OUTPUT."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        name, marker, delimiter = line.partition("<<")
        assert marker, f"not a multi-line output: {line!r}"
        value: list[str] = []
        for item in lines:
            if item == delimiter:
                break
            value.append(item)
        outputs[name] = "\n".join(value)
    return outputs


RunAction = Callable[..., ActionResult]


# -- what the pull request tests expect -----------------------------------------------------------

R = "/repos/Codertocat/Hello-World"
LIST = f"GET {R}/issues/2/comments?per_page=100"
CREATE = f"POST {R}/issues/2/comments"
VIEWER = "POST /graphql"  # who the token is, asked once a comment carries the marker
CHECK = f"POST {R}/check-runs"
FAIL_HEADLINE = "## ❌ Plan Budget Gate: fail — 1 error, 0 warnings"
PASS_HEADLINE = "## ✅ Plan Budget Gate: pass — no findings"


def stamp(head: str, at: str = "2026-03-01T10:00:00Z", digest: str = "0" * 16) -> str:
    return f"<!-- plan-budget-gate:stamp head={head} at={at} digest={digest} -->"


def old_comment(head: str, at: str = "2026-02-01T10:00:00Z") -> str:
    """A sticky comment an earlier run left."""
    return f"## ✅ an earlier report\n{MARKER}\n{stamp(head, at)}\n"


def add_estimate(workspace: Workspace) -> str:
    """Commit S2's estimate on the PR branch, so the gate passes; returns the new head."""
    workspace.builder.write("plans/PAY-1/estimation.yaml", ESTIMATE_S2)
    return workspace.builder.commit("Estimate S2")
