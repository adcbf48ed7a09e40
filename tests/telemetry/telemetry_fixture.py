"""The telemetry tests' repository, its report, and a tiny OTLP/HTTP receiver.

The fixture, by hand (plan P1: environment MVP, complexity Small, importance low):

- P1/S1 (done), estimate 6,000 + 2,000 = 8,000 tokens, two runs:
  - r1: phase IMPLEMENT, anthropic claude-sonnet-4-5, 6,000 in + 1,500 out, 120 s;
  - r2: phase PR, 12.5 s, usage_by_model openai gpt-4.1 300 + 100 and claude-haiku-4-5 (no
    provider: the run's, anthropic) 100 + 100.
  Spend 8,100 of 8,000: utilisation 1.0125, `warning` (above 100 %, not past the 120 %
  stop-loss). IMPLEMENT limit ceil(8000 × 0.8 × 0.7 × 2.0) = 8,960 tokens, latency
  ceil(180000 × 1.12) ms = 201.6 s; 7,500 / 8,960 = 0.8371, within. PR limit
  ceil(1500 × 0.8 × 0.7 × 0.6) = 504 tokens, latency ceil(20000 × 0.336) ms = 6.72 s;
  600 / 504 = 1.1905, warning.
- P1/S2 (approved) has no estimate: a `missing-estimate` gap, and the verdict is fail.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from budget_gate.judge.report import Report
from budget_gate.workspace.check import CheckRequest, run_check

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

PLAN = """\
plan_id: P1
title: Telemetry fixture
status: in-progress
environment: MVP
complexity: Small
importance: low
slices:
  - slice_id: S1
    status: done
  - slice_id: S2
    status: approved
"""
ESTIMATE = """\
plan_id: P1
slice_id: S1
estimated_requests: 10
estimated_prompt_tokens: 6000
estimated_completion_tokens: 2000
estimation_method: MANUAL
estimation_owner: ana.planner
estimation_timestamp: 2026-11-01T09:00:00Z
"""
RUN_1 = """\
run_id: r1
plan_id: P1
slice_id: S1
agent_id: claude-code
provider: anthropic
model: claude-sonnet-4-5
actual_requests: 5
actual_prompt_tokens: 6000
actual_completion_tokens: 1500
actual_total_tokens: 7500
duration_seconds: 120
status: PASS
report_timestamp: 2026-11-02T10:00:00Z
phase: IMPLEMENT
"""
RUN_2 = """\
run_id: r2
plan_id: P1
slice_id: S1
agent_id: claude-code
provider: anthropic
actual_requests: 2
actual_prompt_tokens: 400
actual_completion_tokens: 200
actual_total_tokens: 600
duration_seconds: 12.5
status: PASS
report_timestamp: 2026-11-02T11:00:00Z
phase: PR
usage_by_model:
  - {model: gpt-4.1, provider: openai, prompt_tokens: 300, completion_tokens: 100}
  - {model: claude-haiku-4-5, prompt_tokens: 100, completion_tokens: 100}
"""


def write_repository(root: Path, *, config: str | None = None) -> Path:
    files = {
        "plans/p1/plan.yaml": PLAN,
        "plans/p1/estimation.yaml": ESTIMATE,
        "plans/p1/usage/r1.yaml": RUN_1,
        "plans/p1/usage/r2.yaml": RUN_2,
    }
    if config is not None:
        files[".github/plan-budget-gate.yml"] = config
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
    return root


def fixture_report(root: Path) -> Report:
    return run_check(CheckRequest(repo=write_repository(root)), now=NOW).report


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)


@contextmanager
def otlp_receiver(*, delay_seconds: float = 0.0) -> Iterator[Receiver]:
    """An OTLP/HTTP collector on 127.0.0.1 that keeps each request and answers 200 (after
    `delay_seconds`: a slow collector)."""
    received: list[Received] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            time.sleep(delay_seconds)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(url=f"http://127.0.0.1:{server.server_address[1]}", requests=received)
    finally:
        server.shutdown()
        server.server_close()


def refused_url() -> str:
    """A local port nobody listens on: the collector is down."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
