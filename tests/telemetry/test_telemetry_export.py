"""`--otel` as a user runs it: a real OTLP/HTTP request to a receiver on 127.0.0.1, decoded;
a collector that is down or slow costs at most the bound and a warning; no `--otel`, no SDK."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from telemetry_fixture import (
    fixture_report,
    otlp_receiver,
    refused_url,
    write_repository,
)

from budget_gate.models.telemetry import TelemetryConfig
from budget_gate.telemetry.publish import export_metrics
from gitrepo import isolated_git_env

BOUND = 1.0
MARGIN = 0.5
FAST_CONFIG = "version: 1\ntelemetry:\n  timeout_seconds: 1\n"


def _env(**otel: str) -> dict[str, str]:
    env = {k: v for k, v in isolated_git_env().items() if not k.startswith("OTEL_")}
    env.pop("BUDGET_GATE_DEBUG", None)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(otel)
    return env


def _check(repo: Path, *extra: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "budget_gate",
            "check",
            "--repo",
            str(repo),
            "--format",
            "json",
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def _without_time(report: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(report)
    data.pop("generated_at")
    return data


def _attributes(items: object) -> dict[str, object]:
    values = {}
    for item in items:  # type: ignore[attr-defined]
        value = item.value
        values[item.key] = getattr(value, value.WhichOneof("value"))
    return values


@pytest.mark.e2e
def test_check_otel_sends_the_metrics_to_the_collector(tmp_path: Path) -> None:
    repo = write_repository(tmp_path / "repo")
    with otlp_receiver() as collector:
        result = _check(
            repo,
            "--otel",
            env=_env(
                OTEL_EXPORTER_OTLP_ENDPOINT=collector.url,
                OTEL_EXPORTER_OTLP_HEADERS="x-team=budgets",
                OTEL_RESOURCE_ATTRIBUTES="deployment.environment.name=ci",
            ),
        )

    assert result.returncode == 1, result.stderr  # the verdict (missing estimate of S2), as ever
    assert '"verdict": "fail"' in result.stdout
    assert "budget-gate: exported 25 OpenTelemetry metric points over OTLP/HTTP" in result.stderr
    (request,) = collector.requests
    assert request.path == "/v1/metrics"
    assert request.headers["content-type"] == "application/x-protobuf"
    assert request.headers["x-team"] == "budgets"
    decoded = ExportMetricsServiceRequest.FromString(request.body)
    (resource_metrics,) = decoded.resource_metrics
    resource = _attributes(resource_metrics.resource.attributes)
    assert resource["service.name"] == "budget-gate"
    assert resource["deployment.environment.name"] == "ci"
    (scope,) = resource_metrics.scope_metrics
    assert scope.scope.name == "budget_gate"
    metrics = {metric.name: metric for metric in scope.metrics}
    assert set(metrics) == {
        "gen_ai.client.token.usage",
        "budget_gate.tokens.used",
        "budget_gate.tokens.limit",
        "budget_gate.utilisation",
        "budget_gate.latency",
        "budget_gate.latency.limit",
        "budget_gate.breaches",
        "budget_gate.coverage.gaps",
    }
    usage = metrics["gen_ai.client.token.usage"]
    assert usage.unit == "{token}"
    sums = {
        (
            _attributes(point.attributes)["gen_ai.request.model"],
            _attributes(point.attributes)["gen_ai.token.type"],
        ): point.sum
        for point in usage.histogram.data_points
    }
    assert sums == {
        ("claude-sonnet-4-5", "input"): 6000,
        ("claude-sonnet-4-5", "output"): 1500,
        ("gpt-4.1", "input"): 300,
        ("gpt-4.1", "output"): 100,
        ("claude-haiku-4-5", "input"): 100,
        ("claude-haiku-4-5", "output"): 100,
    }
    limits = {
        _attributes(point.attributes).get("phase"): point.as_int or point.as_double
        for point in metrics["budget_gate.tokens.limit"].gauge.data_points
    }
    assert limits == {None: 8000, "IMPLEMENT": 8960, "PR": 504}
    (gap,) = metrics["budget_gate.coverage.gaps"].sum.data_points
    assert _attributes(gap.attributes)["finding.code"] == "missing-estimate"
    assert gap.as_int == 1 or gap.as_double == 1


@pytest.mark.e2e
def test_a_collector_that_is_down_costs_the_bound_and_a_warning_not_the_verdict(
    tmp_path: Path,
) -> None:
    repo = write_repository(tmp_path / "repo", config=FAST_CONFIG)
    without = _check(repo, env=_env())
    started = time.monotonic()
    result = _check(repo, "--otel", env=_env(OTEL_EXPORTER_OTLP_ENDPOINT=refused_url()))
    elapsed = time.monotonic() - started

    assert result.returncode == without.returncode == 1
    assert _without_time(result.stdout) == _without_time(without.stdout)
    (warning,) = result.stderr.splitlines()
    assert warning.startswith("budget-gate: warning: OpenTelemetry metrics may not have arrived:")
    assert "Connection refused" in warning or "Failed to export metrics batch" in warning
    assert "telemetry.timeout_seconds 1" in warning
    assert elapsed < BOUND + 3  # the bound plus a process start-up; in process, below: tight


def test_export_to_a_refused_port_returns_within_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = fixture_report(tmp_path)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", refused_url())
    started = time.monotonic()
    result = export_metrics(report, config=TelemetryConfig(timeout_seconds=BOUND))
    elapsed = time.monotonic() - started

    assert result.warning
    assert "Connection refused" in result.message or "Failed to export" in result.message
    assert elapsed < BOUND + MARGIN


def test_a_slow_collector_is_abandoned_at_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = fixture_report(tmp_path)
    with otlp_receiver(delay_seconds=4) as collector:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        started = time.monotonic()
        result = export_metrics(report, config=TelemetryConfig(timeout_seconds=BOUND))
        elapsed = time.monotonic() - started

    assert result.warning
    assert elapsed < BOUND + MARGIN
    assert len(collector.requests) >= 1  # it was asked; it just did not answer in time


def test_without_the_extra_the_export_is_a_warning_with_the_install_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = fixture_report(tmp_path)
    monkeypatch.setitem(sys.modules, "budget_gate.telemetry.export", None)

    result = export_metrics(report, config=TelemetryConfig())

    assert result.warning
    assert result.message.endswith("pip install 'plan-budget-gate[otel]'")


def test_a_malformed_otel_variable_is_a_warning_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = fixture_report(tmp_path)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd-please")
    result = export_metrics(report, config=TelemetryConfig(timeout_seconds=BOUND))
    assert result.warning


_LOADED = (
    "import sys\n"
    "from budget_gate.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "print(sorted({m.split('.')[0] + '.' + m.split('.')[1] for m in sys.modules "
    "if m.startswith('opentelemetry.')}))\n"
)


@pytest.mark.e2e
@pytest.mark.parametrize(("flag", "loaded"), [((), False), (("--otel",), True)])
def test_opentelemetry_is_imported_only_with_otel(
    tmp_path: Path, flag: tuple[str, ...], loaded: bool
) -> None:
    repo = write_repository(tmp_path / "repo", config=FAST_CONFIG)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _LOADED,
            "check",
            "--repo",
            str(repo),
            "--output",
            str(tmp_path / "r"),
            *flag,
        ],
        capture_output=True,
        text=True,
        env=_env(OTEL_EXPORTER_OTLP_ENDPOINT=refused_url()),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    modules = result.stdout.strip().splitlines()[-1]
    assert (modules != "[]") is loaded, modules
