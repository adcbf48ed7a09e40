"""The Action as shipped: action.yml, the Dockerfile, the README, and the entrypoint itself.

The Dockerfile's stages are checked in tests/packaging/test_dockerfile.py (and built and run by
`make container-test`); here its ENTRYPOINT command is run directly.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from actionkit import PLAN, PLAN_PATH

from budget_gate.action.runtime import INPUT_FIELDS, OUTPUT_NAMES, ActionSettings
from gitrepo import GitRepoBuilder, isolated_git_env
from locations import ROOT


def _action() -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
    return data


def _readme_section() -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    start = text.index("## GitHub Action\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text("utf-8"))
    instructions = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), " ".join(rest.split())))
    return instructions


def test_action_yml_declares_the_inputs_outputs_and_docker_image() -> None:
    action = _action()
    inputs = action["inputs"]
    assert isinstance(inputs, dict)
    assert set(inputs) == set(INPUT_FIELDS)
    assert inputs["github-token"]["default"] == "${{ github.token }}"
    assert inputs["fail-on-error"]["default"] == "true"
    outputs = action["outputs"]
    assert isinstance(outputs, dict)
    assert tuple(outputs) == OUTPUT_NAMES
    assert action["runs"]["using"] == "docker"  # the image: tests/packaging/test_release.py
    assert action["branding"] == {"icon": "shield", "color": "purple"}
    assert all(item.get("description") for item in [*inputs.values(), *outputs.values()])


def test_every_input_and_output_is_documented_and_known_to_the_settings() -> None:
    section = _readme_section()
    for name in INPUT_FIELDS:
        assert f"| `{name}` |" in section, f"input {name} is missing from the README"
        assert INPUT_FIELDS[name] in ActionSettings.model_fields
    for name in OUTPUT_NAMES:
        assert f"| `{name}` |" in section, f"output {name} is missing from the README"
    for permission in ("checks: write", "pull-requests: write", "contents: read"):
        assert permission in section


def _entrypoint() -> list[str]:
    (entrypoint,) = [args for keyword, args in _dockerfile() if keyword == "ENTRYPOINT"]
    command: list[str] = json.loads(entrypoint)
    script = Path(sys.executable).parent / command[0]
    assert script.exists(), "install the package (make test does) to get the console script"
    return [str(script), *command[1:]]


def _runner_env(tmp_path: Path, workspace: Path, event: str, payload: object) -> dict[str, str]:
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(payload), "utf-8")
    env = {
        key: value
        for key, value in isolated_git_env().items()
        if not key.startswith(("GITHUB_", "INPUT_", "RUNNER_"))
    }
    env.update(
        {
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REPOSITORY": "Codertocat/Hello-World",
            "GITHUB_API_URL": "https://api.github.com",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_OUTPUT": str(tmp_path / "output"),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
            "INPUT_GITHUB-TOKEN": "",
            "INPUT_FAIL-ON-ERROR": "true",
        }
    )
    return env


@pytest.mark.e2e
def test_the_entrypoint_runs_the_gate_as_the_container_would(tmp_path: Path) -> None:
    builder = GitRepoBuilder.create(tmp_path / "workspace")
    builder.write(PLAN_PATH, PLAN)
    head = builder.commit("Plan")
    env = _runner_env(tmp_path, builder.root, "workflow_dispatch", {"inputs": {}})
    env["GITHUB_SHA"] = head

    result = subprocess.run(
        _entrypoint(), env=env, cwd=builder.root, capture_output=True, text=True, check=False
    )

    assert result.returncode == 1, result.stderr  # PAY-1/S2 is approved without an estimate
    assert "budget-gate: audit" in result.stdout
    assert "verdict<<" in (tmp_path / "output").read_text()
    assert (tmp_path / "summary").read_text().startswith("## ❌ Plan Budget Gate: fail")


@pytest.mark.e2e
def test_the_entrypoint_outside_actions_is_a_one_line_error(tmp_path: Path) -> None:
    env = _runner_env(tmp_path, tmp_path, "pull_request", {})
    del env["GITHUB_EVENT_NAME"]

    result = subprocess.run(_entrypoint(), env=env, capture_output=True, text=True, check=False)

    assert result.returncode == 2
    assert result.stderr.startswith("budget-gate: error: GITHUB_EVENT_NAME is not set;")
    assert result.stderr.count("\n") == 1
