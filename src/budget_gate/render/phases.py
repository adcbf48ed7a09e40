"""The per-phase budget tables (§6.3) as templates, the terminal and JSON see them.

Only slices whose runs report phases have a table (every slice with a usage report has a
`phase_budget` in JSON: its cumulative figures). Tables are ordered worst first (a tripped
stop-loss, then one allowed to complete, then by the worst status), so cutting the markdown to
fit keeps the ones that matter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from budget_gate.judge.budgets import BudgetStatus, SliceBudget, StopLoss
from budget_gate.judge.report import SliceResult
from budget_gate.render.escape import plain
from budget_gate.render.links import LinkContext
from budget_gate.render.numbers import count, plural, seconds, utilisation

_STOP_RANK = {StopLoss.TRIGGERED: 0, StopLoss.ALLOWED: 1, StopLoss.NONE: 2}
_STATUS_RANK = {BudgetStatus.EXCEEDED: 0, BudgetStatus.WARNING: 1, BudgetStatus.WITHIN: 2}
TABLE_OVERHEAD_ROWS = 4
"""Heading, header and rule lines of one table, for the markdown size estimate."""


@dataclass(frozen=True, slots=True)
class PhaseLine:
    phase: str
    source: str
    budget_tokens: int
    actual_tokens: int
    utilisation: float | None
    status: str
    budget_requests: int
    actual_requests: int
    budget_latency_ms: int
    actual_duration_ms: int | None
    latency_utilisation: float | None = None
    latency_status: str | None = None
    """`within`, `warning` or `exceeded` like `status`; None when the duration is unknown."""


@dataclass(frozen=True, slots=True)
class PhaseTable:
    """One slice's phase budgets; `stop_loss` is `none`, `triggered` or `allowed`."""

    ref: str
    url: Markup | None
    complexity: str
    importance: str
    assumed: bool
    budget_source: str
    budget_tokens: int
    actual_tokens: int
    utilisation: float | None
    status: str
    unattributed_tokens: int
    stop_loss: str
    rows: tuple[PhaseLine, ...]
    duration_ms: int | None = None
    """The slice's run time and its latency budget (the phases its runs report)."""
    latency_budget_ms: int | None = None
    latency_utilisation: float | None = None


def with_phase_data(slices: Iterable[SliceResult]) -> tuple[SliceResult, ...]:
    """The slices that have a phase table, worst first."""

    def key(result: SliceResult) -> tuple[int, int, int, object]:
        budget = result.phase_budget
        assert budget is not None
        worst = min((_STATUS_RANK[row.status] for row in budget.phases), default=2)
        return (_STOP_RANK[budget.stop_loss], _STATUS_RANK[budget.status], worst, result.ref)

    tabled = (item for item in slices if has_phase_table(item))
    return tuple(sorted(tabled, key=key))


def has_phase_table(result: SliceResult) -> bool:
    """Whether the slice's runs report phases (every slice with runs has a `phase_budget`)."""
    return result.phase_budget is not None and result.phase_budget.has_phase_data


def table_rows(results: Sequence[SliceResult]) -> int:
    """Rows these tables take in markdown (for the size budget)."""
    return sum(
        TABLE_OVERHEAD_ROWS + len(item.phase_budget.phases)
        for item in results
        if item.phase_budget is not None
    )


def phase_table(
    result: SliceResult, links: LinkContext | None, short: Callable[[str, int], str | None]
) -> PhaseTable:
    budget = result.phase_budget
    assert budget is not None, "only slices with phase data have a table"
    return PhaseTable(
        ref=short(str(result.ref), 200) or "",
        url=links.blob_url(result.plan_path, result.plan_line) if links else None,
        complexity=budget.sizing.complexity.value,
        importance=budget.sizing.importance.value,
        assumed=budget.sizing.assumed,
        budget_source=budget.budget_source.value,
        budget_tokens=budget.budget_tokens,
        actual_tokens=budget.actual_tokens,
        utilisation=budget.utilisation,
        status=budget.status.value,
        unattributed_tokens=budget.unattributed_tokens,
        stop_loss=budget.stop_loss.value,
        duration_ms=None if budget.latency is None else budget.latency.actual_ms,
        latency_budget_ms=None if budget.latency is None else budget.latency.budget_ms,
        latency_utilisation=None if budget.latency is None else budget.latency.utilisation,
        rows=tuple(
            PhaseLine(
                phase=row.phase.value,
                source=row.source.value,
                budget_tokens=row.budget_tokens,
                actual_tokens=row.actual_tokens,
                utilisation=row.utilisation,
                status=row.status.value,
                budget_requests=row.budget_requests,
                actual_requests=row.actual_requests,
                budget_latency_ms=row.budget_latency_ms,
                actual_duration_ms=row.actual_duration_ms,
                latency_utilisation=row.latency_utilisation,
                latency_status=None if row.latency_status is None else row.latency_status.value,
            )
            for row in budget.phases
        ),
    )


# --- terminal -------------------------------------------------------------------------------

_HEADERS = (
    "PHASE",
    "BUDGET FROM",
    "BUDGET tok",
    "ACTUAL tok",
    "USED",
    "REQUESTS act / budget",
    "DURATION act / budget",
    "STATUS",
    "TIME",
)
_STOP_WORDS = {
    "triggered": "STOP-LOSS",
    "allowed": "past the stop-loss, allowed to complete (done)",
}


def text_lines(tables: Sequence[PhaseTable]) -> list[str]:
    """The phase tables for `budget-gate check --format text`."""
    if not tables:
        return []
    lines = ["", f"Phase budgets ({plural(len(tables), 'slice')} with phase data):"]
    for table in tables:
        stop = _STOP_WORDS.get(table.stop_loss)
        lines.append(
            f"  {plain(table.ref)} ({table.complexity} × {table.importance}"
            f"{', assumed' if table.assumed else ''}): cumulative "
            f"{count(table.actual_tokens)} of {count(table.budget_tokens)} tokens "
            f"({table.budget_source}) {utilisation(table.utilisation)} {table.status}"
            + (
                f"; run time {seconds(table.duration_ms)} of {seconds(table.latency_budget_ms)} "
                f"{utilisation(table.latency_utilisation)}"
                if table.duration_ms is not None
                else ""
            )
            + (f"; {stop}" if stop else "")
        )
        rows = [
            (
                row.phase,
                row.source,
                str(count(row.budget_tokens)),
                str(count(row.actual_tokens)),
                str(utilisation(row.utilisation)),
                f"{count(row.actual_requests)} / {count(row.budget_requests)}",
                f"{seconds(row.actual_duration_ms)} / {seconds(row.budget_latency_ms)}",
                row.status,
                row.latency_status or "—",
            )
            for row in table.rows
        ]
        if table.unattributed_tokens:
            unattributed = str(count(table.unattributed_tokens))
            rows.append(("(no phase)", "", "", unattributed, "", "", "", "", ""))
        widths = [max(len(row[i]) for row in (_HEADERS, *rows)) for i in range(len(_HEADERS))]
        for row in (_HEADERS, *rows):
            cells = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            lines.append(("    " + cells).rstrip())
    return lines


# --- JSON -----------------------------------------------------------------------------------


def to_json(budget: SliceBudget | None) -> dict[str, Any] | None:
    """A slice's `phase_budget` in the JSON report (null without a usage report)."""
    if budget is None:
        return None
    latency = budget.latency
    return {
        "complexity": budget.sizing.complexity.value,
        "importance": budget.sizing.importance.value,
        "sizing_assumed": budget.sizing.assumed,
        "phase_data": budget.has_phase_data,
        "cumulative": {
            "budget_source": budget.budget_source.value,
            "budget_tokens": budget.budget_tokens,
            "actual_tokens": budget.actual_tokens,
            "utilisation": budget.utilisation,
            "status": budget.status.value,
        },
        "unattributed_tokens": budget.unattributed_tokens,
        "stop_loss": budget.stop_loss.value,
        "enforced": budget.enforced,
        "trips": [
            {
                "phase": None if trip.phase is None else trip.phase.value,
                "actual_tokens": trip.actual_tokens,
                "budget_tokens": trip.budget_tokens,
                "utilisation": trip.utilisation,
                "limit": trip.limit,
                "allowed": trip.allowed,
            }
            for trip in budget.trips
        ],
        "latency": None
        if latency is None
        else {
            "budget_ms": latency.budget_ms,
            "actual_ms": latency.actual_ms,
            "utilisation": latency.utilisation,
            "status": latency.status.value,
            "trips": [
                {
                    "phase": None if trip.phase is None else trip.phase.value,
                    "actual_ms": trip.actual_ms,
                    "budget_ms": trip.budget_ms,
                    "utilisation": trip.utilisation,
                    "limit": trip.limit,
                }
                for trip in latency.trips
            ],
        },
        "phases": [
            {
                "phase": row.phase.value,
                "budget_source": row.source.value,
                "budget_tokens": row.budget_tokens,
                "actual_tokens": row.actual_tokens,
                "utilisation": row.utilisation,
                "status": row.status.value,
                "budget_requests": row.budget_requests,
                "actual_requests": row.actual_requests,
                "budget_latency_ms": row.budget_latency_ms,
                "actual_duration_ms": row.actual_duration_ms,
                "latency_utilisation": row.latency_utilisation,
                "latency_status": None if row.latency_status is None else row.latency_status.value,
            }
            for row in budget.phases
        ],
    }
