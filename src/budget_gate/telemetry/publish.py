"""`--otel`: the report's metrics to the collector, best effort, one line either way.

The only module that decides to import the SDK (`telemetry.export`), so a gate run without
`--otel` never loads OpenTelemetry. Whatever happens here (extra not installed, bad
`OTEL_EXPORTER_OTLP_*` value, collector down or slow) is a warning line: the verdict and the
exit status are decided before and never change.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from budget_gate.judge.report import Report
from budget_gate.models.telemetry import TelemetryConfig
from budget_gate.telemetry.metrics import metric_points

INSTALL_HINT = "install it with: pip install 'plan-budget-gate[otel]'"


@dataclass(frozen=True, slots=True)
class TelemetryResult:
    message: str
    """What happened, for the log."""
    warning: bool


def export_metrics(report: Report, *, config: TelemetryConfig) -> TelemetryResult:
    points = metric_points(report)
    try:
        export = importlib.import_module("budget_gate.telemetry.export")  # the otel extra
    except ImportError as error:
        return TelemetryResult(
            message=f"OpenTelemetry metrics not exported: {error.name or 'the SDK'} is not "
            f"installed; {INSTALL_HINT}",
            warning=True,
        )
    try:
        outcome = export.send(points, timeout_seconds=config.timeout_seconds)
    except Exception as error:  # best effort: nothing here may change the verdict
        return TelemetryResult(
            message=f"OpenTelemetry metrics not exported: {type(error).__name__}: {error}; "
            "check the OTEL_EXPORTER_OTLP_* variables",
            warning=True,
        )
    if outcome.problem is not None:
        return TelemetryResult(
            message=f"OpenTelemetry metrics may not have arrived: {outcome.problem} "
            f"(bound: telemetry.timeout_seconds {config.timeout_seconds:g}); "
            "check OTEL_EXPORTER_OTLP_ENDPOINT and the collector",
            warning=True,
        )
    return TelemetryResult(
        message=f"exported {outcome.points} OpenTelemetry metric points over OTLP/HTTP",
        warning=False,
    )
