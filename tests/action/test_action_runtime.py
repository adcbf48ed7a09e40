"""The Actions runtime: variables, inputs and payload read once, bad ones a one-line error."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from actionkit import RunAction, Workspace, parse_outputs, pr_payload
from fakegithub import FakeGitHub

from budget_gate.action.runtime import (
    INPUT_FIELDS,
    ActionError,
    ActionSettings,
    Runtime,
    command,
    escape_data,
    escape_property,
    input_variable,
    read_settings,
)

ENV = {
    "GITHUB_EVENT_NAME": "pull_request",
    "GITHUB_EVENT_PATH": "/github/workflow/event.json",
    "GITHUB_REPOSITORY": "Codertocat/Hello-World",
    "GITHUB_API_URL": "https://api.github.com",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_WORKSPACE": "/github/workspace",
    "GITHUB_SHA": "a" * 40,
}


def test_inputs_are_read_as_the_runner_names_them() -> None:
    assert input_variable("github-token") == "INPUT_GITHUB-TOKEN"
    settings = read_settings(
        {
            **ENV,
            "INPUT_GITHUB-TOKEN": "ghs_x",
            "INPUT_MODE": "observe",
            "INPUT_COMMENT-MODE": "off",
            "INPUT_CHECK-NAME": "Budget",
            "INPUT_FAIL-ON-ERROR": "False",
            "INPUT_CONFIG": "",  # an input left empty is unset
        }
    )
    assert settings.token.get_secret_value() == "ghs_x"
    assert (settings.mode, settings.comment_mode, settings.check_name) == (
        "observe",
        "off",
        "Budget",
    )
    assert settings.fail_on_error is False and settings.config is None
    assert settings.run_url is None
    assert "ghs_x" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GITHUB_EVENT_PATH": ""}, "GITHUB_EVENT_PATH is not set; budget-gate action runs inside"),
        (
            {"GITHUB_SHA": "main"},
            "GITHUB_SHA: String should match pattern '^[0-9a-f]{40}$' (got 'main'); GitHub sets "
            "it: check that the workflow's env does not override it",
        ),
        (
            {"INPUT_MODE": "obsrve"},
            "input mode (INPUT_MODE): Input should be 'enforce' or 'observe' (got 'obsrve'); "
            "use enforce or observe",
        ),
        (
            {"INPUT_FAIL-ON-ERROR": "yes"},
            "input fail-on-error (INPUT_FAIL-ON-ERROR): must be true or false (got 'yes'); "
            "fix the step's with: value",
        ),
        ({"INPUT_BASE": "--upload-pack=x"}, "input base (INPUT_BASE): must be a git ref or SHA"),
        ({"GITHUB_API_URL": "api.github.com"}, "GITHUB_API_URL: String should match pattern"),
    ],
)
def test_a_bad_variable_or_input_is_named_in_one_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(ActionError) as caught:
        read_settings({**ENV, **env})
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_a_missing_variable_exits_2_with_one_line(
    workspace: Workspace, run_action: RunAction
) -> None:
    result = run_action(workspace.root, pr_payload(workspace), env={"GITHUB_REPOSITORY": ""})

    assert result.exit_code == 2
    assert result.stderr == (
        "budget-gate: error: GITHUB_REPOSITORY is not set; budget-gate action runs inside GitHub "
        "Actions, which sets it (to try it locally, set the GITHUB_* variables yourself)\n"
    )


def test_a_malformed_payload_exits_2_with_one_line(
    tmp_path: Path, workspace: Workspace, run_action: RunAction
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", "utf-8")

    result = run_action(workspace.root, {}, env={"GITHUB_EVENT_PATH": str(broken)})

    assert result.exit_code == 2
    assert result.stderr.startswith(f"budget-gate: error: GITHUB_EVENT_PATH {broken} is not valid")
    assert result.stderr.count("\n") == 1


def test_a_payload_without_the_head_sha_exits_2_naming_the_field(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    payload = pr_payload(workspace)
    del payload["pull_request"]["head"]["sha"]

    result = run_action(workspace.root, payload)

    assert result.exit_code == 2
    assert result.stderr == (
        "budget-gate: error: the pull_request event payload has no commit SHA at "
        "pull_request.head.sha; GitHub writes this file, so re-run the job (or fix the test "
        "payload)\n"
    )
    assert github.requests() == []


def test_an_empty_token_on_a_pull_request_exits_2(
    workspace: Workspace, github: FakeGitHub, run_action: RunAction
) -> None:
    result = run_action(workspace.root, pr_payload(workspace), token="")

    assert result.exit_code == 2
    assert "input github-token is empty" in result.stderr
    assert github.requests() == []


def test_a_workspace_without_a_checkout_says_to_add_one(
    tmp_path: Path, github: FakeGitHub, run_action: RunAction
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    result = run_action(empty, pr_payload())

    assert result.exit_code == 2
    assert "holds no checkout; add actions/checkout" in result.stderr


def test_every_action_input_is_a_settings_field() -> None:
    assert set(INPUT_FIELDS.values()) <= set(ActionSettings.model_fields)


# -- workflow commands and outputs ---------------------------------------------------------------


def test_workflow_command_data_and_properties_are_escaped() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    assert (
        command("error", "bad: value\nsecond", file="plans/a,b.yaml", line=3)
        == "::error file=plans/a%2Cb.yaml,line=3::bad: value%0Asecond"
    )
    assert command("notice", "plain") == "::notice::plain"


def test_outputs_survive_multi_line_values_and_delimiter_lookalikes(tmp_path: Path) -> None:
    output = tmp_path / "output"
    settings = read_settings({**ENV, "GITHUB_OUTPUT": str(output)})
    tricky = "line one\nghadelimiter_0123\nEOF\nlast"
    runtime = Runtime(settings, io.StringIO())

    runtime.set_outputs({"verdict": "fail", "uncovered-slices": json.dumps(["A/S1"]), "x": tricky})

    assert parse_outputs(output.read_text()) == {
        "verdict": "fail",
        "uncovered-slices": '["A/S1"]',
        "x": tricky,
    }
    delimiters = [line.split("<<")[1] for line in output.read_text().splitlines() if "<<" in line]
    assert len(set(delimiters)) == 3 and all(item not in tricky for item in delimiters)
