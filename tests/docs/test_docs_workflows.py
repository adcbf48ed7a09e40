"""The ready-to-copy workflows in docs/workflows/: the setups users ask for exist, each states its
permissions and why, and each uses only the inputs and outputs `action.yml` declares."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from locations import ROOT

WORKFLOWS = sorted((ROOT / "docs" / "workflows").glob("*.yml"))
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
INPUTS = set(ACTION["inputs"])
OUTPUTS = set(ACTION["outputs"])
GATE_USES = re.compile(r"^(?:[\w.-]+/plan-budget-gate@[\w./-]+|\./?)$")
# Permissions, pinning and credentials of these files: tests/docs/test_workflow_hygiene.py.
OUTPUT_REF = re.compile(r"steps\.([\w-]+)\.outputs\.([\w-]+)")


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name} is not a workflow mapping"
    # YAML 1.1 reads the key `on` as the boolean true.
    data["on"] = data.pop(True, data.get("on"))
    return data


def _events(data: dict[str, Any]) -> set[str]:
    on = data["on"]
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return set(on)
    return set(on)


def _gate_steps(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    steps = []
    for job_name, job in data["jobs"].items():
        for step in job.get("steps", []):
            if GATE_USES.match(str(step.get("uses", ""))):
                steps.append((job_name, step))
    return steps


def test_every_setup_the_docs_promise_has_a_workflow() -> None:
    events = {path.name: _events(_load(path)) for path in WORKFLOWS}
    wanted = {
        "basic required PR check": lambda e: {"pull_request", "merge_group"} <= e,
        "fork-safe stage 1": lambda e: e == {"pull_request"},
        "fork-safe stage 2": lambda e: "workflow_run" in e,
        "pull_request_target": lambda e: "pull_request_target" in e,
        "merge queue": lambda e: e == {"merge_group"},
        "release gate": lambda e: "release" in e or "push" in e,
        "nightly audit": lambda e: "schedule" in e,
    }
    missing = [name for name, test in wanted.items() if not any(map(test, events.values()))]
    assert missing == [], f"no workflow for {missing}: {events}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_each_workflow_uses_only_declared_inputs_and_outputs(path: Path) -> None:
    data = _load(path)
    steps = _gate_steps(data)
    assert steps, f"{path.name} never runs the action"
    gate_ids = {step["id"] for _, step in steps if "id" in step}
    for _, step in steps:
        unknown = set(step.get("with") or {}) - INPUTS
        assert unknown == set(), f"{path.name}: inputs {unknown} are not in action.yml"
    text = path.read_text(encoding="utf-8")
    for step_id, output in OUTPUT_REF.findall(text):
        if step_id in gate_ids:
            assert output in OUTPUTS, f"{path.name}: output {output!r} is not in action.yml"


def test_the_output_check_catches_an_undeclared_name() -> None:
    """The scan itself finds references, so a typo in a workflow cannot pass unseen."""
    sample = "echo ${{ steps.gate.outputs.verdict }} ${{ steps.gate.outputs.verdicts }}"
    assert OUTPUT_REF.findall(sample) == [("gate", "verdict"), ("gate", "verdicts")]
    assert "verdicts" not in OUTPUTS
    assert GATE_USES.match("acme/plan-budget-gate@v1")
    assert GATE_USES.match("./")
    assert not GATE_USES.match("actions/checkout@v4")
