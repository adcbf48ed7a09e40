"""Every instrument, unit and attribute of the fixture's report, recorded with the real SDK."""

from __future__ import annotations

from pathlib import Path

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    Gauge,
    Histogram,
    InMemoryMetricReader,
    Metric,
    Sum,
)
from telemetry_fixture import NOW, fixture_report, write_repository

from budget_gate.models.config import GateConfig
from budget_gate.telemetry.export import record
from budget_gate.telemetry.metrics import metric_points
from budget_gate.workspace.check import CheckRequest, run_check

S1 = {"plan.id": "P1", "slice.id": "S1", "environment": "MVP"}
S1_GATE = {**S1, "verdict": "fail"}
IMPLEMENT = {**S1_GATE, "phase": "IMPLEMENT"}
PR = {**S1_GATE, "phase": "PR"}
AGENT = {**S1, "gen_ai.operation.name": "invoke_agent"}


def _key(attributes: dict[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset(attributes.items())


def _usage(provider: str, model: str, phase: str, token_type: str) -> frozenset[tuple[str, str]]:
    return _key(
        {
            **AGENT,
            "gen_ai.provider.name": provider,
            "gen_ai.request.model": model,
            "gen_ai.token.type": token_type,
            "phase": phase,
        }
    )


EXPECTED: dict[str, dict[frozenset[tuple[str, str]], float]] = {
    "gen_ai.client.token.usage": {
        _usage("anthropic", "claude-sonnet-4-5", "IMPLEMENT", "input"): 6000,
        _usage("anthropic", "claude-sonnet-4-5", "IMPLEMENT", "output"): 1500,
        _usage("openai", "gpt-4.1", "PR", "input"): 300,
        _usage("openai", "gpt-4.1", "PR", "output"): 100,
        _usage("anthropic", "claude-haiku-4-5", "PR", "input"): 100,
        _usage("anthropic", "claude-haiku-4-5", "PR", "output"): 100,
    },
    "budget_gate.tokens.used": {
        _key(S1_GATE): 8100,
        _key(IMPLEMENT): 7500,
        _key(PR): 600,
        _key({"plan.id": "P1", "slice.id": "S2", "environment": "MVP", "verdict": "fail"}): 0,
    },
    "budget_gate.tokens.limit": {_key(S1_GATE): 8000, _key(IMPLEMENT): 8960, _key(PR): 504},
    "budget_gate.utilisation": {_key(S1_GATE): 1.0125, _key(IMPLEMENT): 0.8371, _key(PR): 1.1905},
    "budget_gate.latency": {_key(S1_GATE): 132.5, _key(IMPLEMENT): 120.0, _key(PR): 12.5},
    "budget_gate.latency.limit": {_key(IMPLEMENT): 201.6, _key(PR): 6.72},
    "budget_gate.breaches": {
        _key({**S1_GATE, "breach.status": "warning"}): 1,
        _key({**IMPLEMENT, "breach.status": "within"}): 1,
        _key({**PR, "breach.status": "warning"}): 1,
    },
    "budget_gate.coverage.gaps": {
        _key(
            {
                "plan.id": "P1",
                "slice.id": "S2",
                "environment": "MVP",
                "verdict": "fail",
                "finding.code": "missing-estimate",
            }
        ): 1
    },
}

KINDS = {
    "gen_ai.client.token.usage": (Histogram, "{token}"),
    "budget_gate.tokens.used": (Gauge, "{token}"),
    "budget_gate.tokens.limit": (Gauge, "{token}"),
    "budget_gate.utilisation": (Gauge, "1"),
    "budget_gate.latency": (Gauge, "s"),
    "budget_gate.latency.limit": (Gauge, "s"),
    "budget_gate.breaches": (Sum, "{budget}"),
    "budget_gate.coverage.gaps": (Sum, "{finding}"),
}


def _recorded(tmp_path: Path) -> dict[str, Metric]:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    record(metric_points(fixture_report(tmp_path)), provider.get_meter("test"))
    data = reader.get_metrics_data()
    assert data is not None
    (resource_metrics,) = data.resource_metrics
    (scope,) = resource_metrics.scope_metrics
    return {metric.name: metric for metric in scope.metrics}


def test_every_instrument_unit_and_attribute_of_the_fixture(tmp_path: Path) -> None:
    metrics = _recorded(tmp_path)

    assert set(metrics) == set(EXPECTED)
    for name, metric in metrics.items():
        kind, unit = KINDS[name]
        assert isinstance(metric.data, kind), name
        assert metric.unit == unit, name
        assert metric.description, name
        if isinstance(metric.data, Histogram):
            points = {_key(dict(p.attributes or {})): p.sum for p in metric.data.data_points}
            assert all(p.count == 1 for p in metric.data.data_points)
            assert metric.data.data_points[0].explicit_bounds[:3] == (1, 4, 16)
        else:
            points = {_key(dict(p.attributes or {})): p.value for p in metric.data.data_points}
        assert points == pytest.approx(EXPECTED[name]), name


def test_counters_are_monotonic_sums(tmp_path: Path) -> None:
    metrics = _recorded(tmp_path)
    for name in ("budget_gate.breaches", "budget_gate.coverage.gaps"):
        data = metrics[name].data
        assert isinstance(data, Sum) and data.is_monotonic


def test_a_run_without_provider_or_model_leaves_those_attributes_out(tmp_path: Path) -> None:
    root = write_repository(tmp_path)
    (root / "plans/p1/usage/r1.yaml").write_text(
        (root / "plans/p1/usage/r1.yaml")
        .read_text()
        .replace("provider: anthropic\n", "")
        .replace("model: claude-sonnet-4-5\n", ""),
        "utf-8",
    )
    report = run_check(CheckRequest(repo=root), now=NOW).report
    usage = [
        point.attribute_map()
        for point in metric_points(report)
        if point.instrument.name == "gen_ai.client.token.usage"
        and point.attribute_map().get("phase") == "IMPLEMENT"
    ]
    assert len(usage) == 2
    assert all("gen_ai.provider.name" not in item for item in usage)
    assert all("gen_ai.request.model" not in item for item in usage)


def test_the_timeout_is_validated_in_the_config() -> None:
    assert GateConfig().telemetry.timeout_seconds == 5
    assert (
        GateConfig.model_validate({"telemetry": {"timeout_seconds": 1}}).telemetry.timeout_seconds
        == 1
    )
    for bad in (0, -1, 61, "soon"):
        with pytest.raises(ValueError, match="timeout_seconds"):
            GateConfig.model_validate({"telemetry": {"timeout_seconds": bad}})
