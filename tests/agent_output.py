"""Helpers for the importer tests: the fixture files and a report assembled at a fixed time.

The fixtures in tests/fixtures/agents/ are written from each tool's public documentation of its
output (real field names, realistic numbers); each test states its expected numbers by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime

from budget_gate.cost.pricing import GenaiPrices
from budget_gate.importers.assemble import Assembled, RunIdentity, assemble
from budget_gate.importers.common import ImportedRun
from budget_gate.models.usage import RunStatus
from locations import AGENT_FIXTURES

FIXTURES = AGENT_FIXTURES
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
IDENTITY = RunIdentity(run_id="run-1", plan_id="IMP-COST-01", slice_id="S1", agent_id="agent")
PRICES = GenaiPrices()


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def assembled(
    run: ImportedRun, *, status: RunStatus | None = None, duration: float | None = None
) -> Assembled:
    """The report `budget-gate import` would write, with --status/--duration when given."""
    final_status = status or run.status
    final_duration = duration if duration is not None else run.duration_seconds
    assert final_status is not None and final_duration is not None
    return assemble(
        run,
        identity=IDENTITY,
        status=final_status,
        duration_seconds=final_duration,
        prices=PRICES,
        now=NOW,
    )
