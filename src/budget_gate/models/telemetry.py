"""The `telemetry:` section of the gate's config: how OpenTelemetry export behaves."""

from __future__ import annotations

from pydantic import Field

from budget_gate.models.common import ArtifactModel


class TelemetryConfig(ArtifactModel):
    """Export is best effort: it may cost at most `timeout_seconds`, never the verdict.

    Where the metrics go is the standard `OTEL_EXPORTER_OTLP_*` variables' business, not this
    file's: the collector is the runner's setting, the bound is the repository's.
    """

    timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="Most time the OpenTelemetry export may take (seconds, over 0, at most 60).",
    )
