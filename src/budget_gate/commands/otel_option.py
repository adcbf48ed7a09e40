"""`--otel` on `check` and `release`: the option and its one stderr line.

Not a subcommand (no `add_arguments`/`run`): the commands that judge share it.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the telemetry models are slow to build: only `--otel` needs them
    from budget_gate.judge.report import Report
    from budget_gate.models.telemetry import TelemetryConfig


def add_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--otel",
        action="store_true",
        help="also export the report's metrics over OTLP/HTTP (needs the otel extra; the "
        "collector comes from OTEL_EXPORTER_OTLP_ENDPOINT; best effort, never changes the exit "
        "status)",
    )


def export(report: Report, config: TelemetryConfig) -> None:
    """Export after the verdict is known; a problem is a `warning:` line, never an exit status."""
    from budget_gate.telemetry.publish import export_metrics

    result = export_metrics(report, config=config)
    prefix = "budget-gate: warning: " if result.warning else "budget-gate: "
    print(prefix + result.message, file=sys.stderr)
