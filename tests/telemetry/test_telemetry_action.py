"""The Action's `otel` input: read like the other booleans, a problem is a `::warning::`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from telemetry_fixture import fixture_report, refused_url

from budget_gate.action.runtime import ActionError, Runtime, read_settings
from budget_gate.action.telemetry import export_for_action
from budget_gate.models.telemetry import TelemetryConfig

RUNNER = {
    "GITHUB_EVENT_NAME": "pull_request",
    "GITHUB_EVENT_PATH": "/tmp/event.json",
    "GITHUB_REPOSITORY": "Codertocat/Hello-World",
    "GITHUB_API_URL": "https://api.github.com",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_WORKSPACE": "/tmp",
    "GITHUB_SHA": "0" * 40,
}


def test_the_otel_input_is_a_boolean_off_by_default() -> None:
    assert read_settings(RUNNER).otel is False
    assert read_settings({**RUNNER, "INPUT_OTEL": "true"}).otel is True
    with pytest.raises(ActionError, match=r"input otel \(INPUT_OTEL\): must be true or false"):
        read_settings({**RUNNER, "INPUT_OTEL": "yes"})


def test_a_collector_that_is_down_is_a_warning_annotation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", refused_url())
    stream = io.StringIO()
    settings = read_settings({**RUNNER, "INPUT_OTEL": "true"})

    export_for_action(
        settings,
        Runtime(settings, stream),
        report=fixture_report(tmp_path),
        config=TelemetryConfig(timeout_seconds=1),
    )

    (line,) = stream.getvalue().splitlines()
    assert line.startswith("::warning::budget-gate: OpenTelemetry metrics may not have arrived:")


def test_without_the_input_nothing_is_exported(tmp_path: Path) -> None:
    stream = io.StringIO()
    settings = read_settings(RUNNER)
    export_for_action(
        settings,
        Runtime(settings, stream),
        report=fixture_report(tmp_path),
        config=TelemetryConfig(),
    )
    assert stream.getvalue() == ""
