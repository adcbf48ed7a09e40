"""Record metric points with the OpenTelemetry SDK and send them over OTLP/HTTP (protobuf).

Imported only when `--otel` asks for it (the SDK is the optional `otel` extra). The collector,
headers, resource and temporality come from the standard `OTEL_*` variables, which the SDK
reads itself. Export is best effort: it runs in a daemon thread joined for at most the
configured bound, so a collector that is down or slow costs that long at most, and the SDK's own
log lines are gathered into one `problem` instead of reaching the user's terminal.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.metrics import Meter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricExporter, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource

from budget_gate import __version__
from budget_gate.telemetry.metrics import (
    INSTRUMENTS,
    TOKEN_BUCKETS,
    InstrumentKind,
    MetricPoint,
)

SERVICE = "budget-gate"
METER_NAME = "budget_gate"
MS_PER_SECOND = 1000
_SDK_LOGGER = "opentelemetry"
MAX_PROBLEM_CHARS = 300


def record(points: Iterable[MetricPoint], meter: Meter) -> None:
    """Create every instrument (so each is described even without points) and record."""
    histograms, gauges, counters = {}, {}, {}
    for item in INSTRUMENTS:
        if item.kind is InstrumentKind.HISTOGRAM:
            histograms[item.name] = meter.create_histogram(
                item.name,
                unit=item.unit,
                description=item.description,
                explicit_bucket_boundaries_advisory=list(TOKEN_BUCKETS),
            )
        elif item.kind is InstrumentKind.GAUGE:
            gauges[item.name] = meter.create_gauge(
                item.name, unit=item.unit, description=item.description
            )
        else:
            counters[item.name] = meter.create_counter(
                item.name, unit=item.unit, description=item.description
            )
    for point in points:
        name, attributes = point.instrument.name, point.attribute_map()
        if name in histograms:
            histograms[name].record(point.value, attributes=attributes)
        elif name in gauges:
            gauges[name].set(point.value, attributes=attributes)
        else:
            counters[name].add(point.value, attributes=attributes)


def resource() -> Resource:
    """`OTEL_RESOURCE_ATTRIBUTES` / `OTEL_SERVICE_NAME` as the SDK reads them, with this tool's
    name and version where they say nothing."""
    detected = Resource.create()
    defaults: dict[str, str] = {SERVICE_VERSION: __version__}
    if str(detected.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        defaults[SERVICE_NAME] = SERVICE
    return Resource(defaults).merge(
        Resource({k: v for k, v in detected.attributes.items() if k not in defaults})
    )


@dataclass(frozen=True, slots=True)
class ExportOutcome:
    points: int
    problem: str | None = None
    """Why the metrics may not have arrived (one line), None when the collector took them."""


class _Gathered(logging.Handler):
    """The SDK's warnings during an export, kept for one line instead of printed."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().splitlines()[0] if record.msg else "")


def send(
    points: tuple[MetricPoint, ...],
    *,
    timeout_seconds: float,
    exporter: MetricExporter | None = None,
) -> ExportOutcome:
    """Send the points once, taking at most `timeout_seconds`; never raises for the collector."""
    exporter = exporter or OTLPMetricExporter(timeout=timeout_seconds)
    reader = PeriodicExportingMetricReader(
        exporter,
        export_interval_millis=math.inf,  # no background thread: one export, on flush
        export_timeout_millis=timeout_seconds * MS_PER_SECOND,
    )
    provider = MeterProvider(metric_readers=[reader], resource=resource(), shutdown_on_exit=False)
    record(points, provider.get_meter(METER_NAME, __version__))
    sdk_logger = logging.getLogger(_SDK_LOGGER)
    gathered = _Gathered()
    sdk_logger.addHandler(gathered)
    propagate, sdk_logger.propagate = sdk_logger.propagate, False

    def flush() -> None:
        provider.force_flush(timeout_millis=timeout_seconds * MS_PER_SECOND)
        provider.shutdown(timeout_millis=timeout_seconds * MS_PER_SECOND)

    worker = threading.Thread(target=flush, name="budget-gate-otel-export", daemon=True)
    worker.start()
    worker.join(timeout_seconds)
    if worker.is_alive():
        # The thread may still log while the process exits: the SDK logger stays quiet.
        return ExportOutcome(
            points=len(points),
            problem=f"the collector did not answer within {timeout_seconds:g} s",
        )
    sdk_logger.removeHandler(gathered)
    sdk_logger.propagate = propagate
    problems = [message for message in gathered.messages if message]
    problem = problems[0] if problems else None  # the first says why (refused, 503, …)
    if problem is not None and len(problem) > MAX_PROBLEM_CHARS:
        problem = problem[: MAX_PROBLEM_CHARS - 1] + "…"
    return ExportOutcome(points=len(points), problem=problem)
