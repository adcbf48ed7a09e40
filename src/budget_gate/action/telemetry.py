"""The Action's `otel: true`: export the report's metrics, a problem as a `::warning::`."""

from __future__ import annotations

from budget_gate.action.runtime import ActionSettings, Runtime
from budget_gate.judge.report import Report
from budget_gate.models.telemetry import TelemetryConfig


def export_for_action(
    settings: ActionSettings, runtime: Runtime, *, report: Report, config: TelemetryConfig
) -> None:
    """Best effort, after everything else is published; never changes the step's outcome."""
    if not settings.otel:
        return
    from budget_gate.telemetry.publish import export_metrics  # only when asked for

    result = export_metrics(report, config=config)
    if result.warning:
        runtime.annotate("warning", f"budget-gate: {result.message}")
    else:
        runtime.emit(f"budget-gate: {result.message}")
