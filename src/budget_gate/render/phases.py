"""The per-phase budget tables (§6.3) as templates, the terminal and JSON see them.

Only slices whose runs report phases have a table. Tables are ordered worst first (a tripped
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


def with_phase_data(slices: Iterable[SliceResult]) -> tuple[SliceResult, ...]:
    """The slices that have a phase table, worst first."""

    def key(result: SliceResult) -> tuple[int, int, int, object]:
        budget = result.phase_budget
        assert budget is not None
        worst = min((_STATUS_RANK[row.status] for row in budget.phases), default=2)
        return (_STOP_RANK[budget.stop_loss], _STATUS_RANK[budget.status], worst, result.ref)

    return tuple(sorted((item for item in slices if item.phase_budget is not None), key=key))


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
            )
            for row in table.rows
        ]
        if table.unattributed_tokens:
            unattributed = str(count(table.unattributed_tokens))
            rows.append(("(no phase)", "", "", unattributed, "", "", "", ""))
        widths = [max(len(row[i]) for row in (_HEADERS, *rows)) for i in range(len(_HEADERS))]
        for row in (_HEADERS, *rows):
            cells = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            lines.append(("    " + cells).rstrip())
    return lines


# --- JSON -----------------------------------------------------------------------------------


def to_json(budget: SliceBudget | None) -> dict[str, Any] | None:
    """A slice's `phase_budget` in the JSON report (null without phase data)."""
    if budget is None:
        return None
    return {
        "complexity": budget.sizing.complexity.value,
        "importance": budget.sizing.importance.value,
        "sizing_assumed": budget.sizing.assumed,
        "cumulative": {
            "budget_source": budget.budget_source.value,
            "budget_tokens": budget.budget_tokens,
            "actual_tokens": budget.actual_tokens,
            "utilisation": budget.utilisation,
            "status": budget.status.value,
        },
        "unattributed_tokens": budget.unattributed_tokens,
        "stop_loss": budget.stop_loss.value,
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
            }
            for row in budget.phases
        ],
    }
