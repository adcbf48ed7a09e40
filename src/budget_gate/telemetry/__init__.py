"""OpenTelemetry metrics of a report (`--otel`): pure points in `metrics`, the SDK in `export`.

Nothing here imports OpenTelemetry until an export is asked for, so the gate starts as fast
without the `otel` extra as with it.
"""
