"""Fixtures for the Action's tests: the Actions runtime, a workspace clone and a fake GitHub.

`run_action(...)` runs `budget-gate action` in-process exactly as the container's entrypoint
does (`cli.main(["action"])`) with GitHub's variables set through `monkeypatch`, and returns its
exit status, stdout, stderr, the step outputs and the job summary. HTTP goes to `FakeGitHub`
(`responses`); git runs for real on a throwaway repository. `time.sleep` is recorded, never
waited. Helpers are in `actionkit.py`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses
from actionkit import (
    PLAN,
    PLAN_PATH,
    TOKEN,
    ActionResult,
    RunAction,
    Workspace,
    parse_outputs,
)
from fakegithub import API, REPO, SERVER, FakeGitHub

from budget_gate import cli
from gitrepo import GitRepoBuilder


@pytest.fixture(autouse=True)
def clean_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    """No variable of a real Actions runner (CI may run inside one) leaks into a test."""
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "INPUT_", "RUNNER_")) or name == "BUDGET_GATE_DEBUG":
            monkeypatch.delenv(name)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture(autouse=True)
def slept(slept: list[float]) -> list[float]:
    """The top-level `slept`, on for every test here: no Action test waits for real."""
    return slept


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def github(http: responses.RequestsMock) -> FakeGitHub:
    return FakeGitHub(http)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A clone with the plan on main and a PR branch that touches S2's code."""
    builder = GitRepoBuilder.create(tmp_path / "workspace")
    builder.write(PLAN_PATH, PLAN)
    builder.write("README.md", "# payments\n")
    base = builder.commit("Plan PAY-1")
    builder.branch("feature")
    builder.write("src/refund/refund.py", "def refund():\n    pass\n")
    head = builder.commit("Refunds", trailers=[("Plan-Slice", "PAY-1/S2")])
    return Workspace(builder=builder, base=base, head=head)


@pytest.fixture
def run_action(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> RunAction:
    counter = iter(range(1, 1000))

    def run(
        workspace: Path,
        payload: dict[str, Any],
        *,
        event: str = "pull_request",
        inputs: dict[str, str] | None = None,
        token: str = TOKEN,
        api_url: str = API,
        server_url: str = SERVER,
        sha: str | None = None,
        env: dict[str, str] | None = None,
        command: tuple[str, ...] = ("action",),
    ) -> ActionResult:
        index = next(counter)
        runner = tmp_path / f"runner-{index}"
        runner.mkdir()
        event_path = runner / "event.json"
        event_path.write_text(json.dumps(payload), "utf-8")
        output, summary = runner / "output", runner / "summary"
        output.touch()
        summary.touch()
        variables = {
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_API_URL": api_url,
            "GITHUB_SERVER_URL": server_url,
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_SHA": sha or "a" * 40,
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_RUN_ID": "4242",
            "INPUT_GITHUB-TOKEN": token,
            "INPUT_FAIL-ON-ERROR": "true",
            **{f"INPUT_{name.upper()}": value for name, value in (inputs or {}).items()},
            **(env or {}),
        }
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = cli.main(list(command))
        captured = capsys.readouterr()
        return ActionResult(
            exit_code=code,
            stdout=captured.out,
            stderr=captured.err,
            outputs=parse_outputs(output.read_text("utf-8")),
            summary=summary.read_text("utf-8"),
        )

    return run
