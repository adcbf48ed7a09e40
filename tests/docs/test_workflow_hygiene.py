"""Every workflow we run (.github/workflows/) or tell users to copy (docs/workflows/), and
action.yml: no expression inside a script, actions pinned by commit, least permissions per job,
no credentials left in a checkout.

`${{ }}` inside `run:` is pasted into the script before the shell sees it, so a step output
such as `summary-path` holding `$(id)` would run; values reach scripts through `env:` only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from locations import ROOT

WORKFLOWS = sorted(
    [*(ROOT / ".github" / "workflows").glob("*.yml"), *(ROOT / "docs" / "workflows").glob("*.yml")]
)
ACTION = ROOT / "action.yml"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+)*\b")
CHECKOUT = "actions/checkout@"


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name} is not a mapping"
    return data


def _steps(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_name, job in (data.get("jobs") or {}).items():
        for step in job.get("steps") or []:
            yield job_name, step
    runs = data.get("runs")
    if isinstance(runs, dict):  # a composite action.yml
        for step in runs.get("steps") or []:
            yield "action", step


def expressions_in_scripts(data: dict[str, Any]) -> list[str]:
    """`job: script line` for every `${{` inside a `run:` script."""
    return [
        f"{job}: {line.strip()}"
        for job, step in _steps(data)
        for line in str(step.get("run", "")).splitlines()
        if "${{" in line
    ]


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION], ids=_rel)
def test_no_expression_inside_a_run_script(path: Path) -> None:
    assert expressions_in_scripts(_load(path)) == [], f"{_rel(path)}: pass the value through env:"


def test_the_script_check_finds_an_expression() -> None:
    """The reported injection, as it was: the check itself must catch it."""
    release = {
        "jobs": {
            "release-gate": {
                "steps": [{"run": 'echo "summary at ${{ steps.gate.outputs.summary-path }}"'}]
            }
        }
    }
    assert expressions_in_scripts(release) == [
        'release-gate: echo "summary at ${{ steps.gate.outputs.summary-path }}"'
    ]
    assert expressions_in_scripts({"jobs": {"a": {"steps": [{"env": {"X": "${{ x }}"}}]}}}) == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=_rel)
def test_every_action_is_pinned_by_commit_with_its_version_in_a_comment(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        found = re.match(r"^\s*(?:-\s+)?uses:\s+(\S+)(.*)$", line)
        if found is None or found[1].startswith("./"):
            continue
        where = f"{_rel(path)}:{number}"
        assert PINNED.match(found[1]), f"{where}: {found[1]} is not pinned by a full commit SHA"
        assert VERSION_COMMENT.search(found[2]), f"{where}: say the version in a comment"


@pytest.mark.parametrize("path", WORKFLOWS, ids=_rel)
def test_permissions_are_granted_per_job_and_say_why(path: Path) -> None:
    data = _load(path)
    assert data.get("permissions") == {}, f"{_rel(path)}: grant nothing at the workflow level"
    text = path.read_text(encoding="utf-8")
    for name, job in data["jobs"].items():
        granted = job.get("permissions")
        assert isinstance(granted, dict) and granted, f"{_rel(path)}: job {name} sets none"
        for scope, level in granted.items():
            line = re.search(rf"^\s+{re.escape(scope)}: {level}\b.*$", text, re.MULTILINE)
            assert line is not None and "#" in line[0], f"{_rel(path)}: {scope} does not say why"


@pytest.mark.parametrize("path", WORKFLOWS, ids=_rel)
def test_no_checkout_leaves_its_credentials_behind(path: Path) -> None:
    for job, step in _steps(_load(path)):
        if str(step.get("uses", "")).startswith(CHECKOUT):
            with_ = step.get("with") or {}
            assert with_.get("persist-credentials") is False, f"{_rel(path)}: job {job}"
