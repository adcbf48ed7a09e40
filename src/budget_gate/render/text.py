"""The terminal report (`budget-gate check --format text`).

Findings are printed compiler style, `path:line: severity code: message`, so editors and CI log
viewers can jump to them. User strings are printed with control characters made visible: a
usage report cannot move the cursor or recolour the terminal. No line is a workflow command when
the CLI runs in an Actions `run:` step: a file named `::error title=X::….yaml` is printed as
`./::error…`, and `escape.inert` guards the whole text. Nothing is cut.
"""

from __future__ import annotations

from collections.abc import Sequence

from budget_gate.judge.report import Report
from budget_gate.render.escape import inert, plain, plain_path
from budget_gate.render.numbers import (
    at_least,
    count,
    signed_percent,
    unpriced_text,
    usd_at_least_text,
    usd_text,
)
from budget_gate.render.phases import text_lines as phase_text_lines
from budget_gate.render.prepare import prepare
from budget_gate.render.view import Detail, FindingItem, ReportView, SliceRow, build_view

_HEADERS = ("SLICE", "STATUS", "ESTIMATE tok / req", "ACTUAL tok / req", "VARIANCE tok / req")
_HEADERS_COST = ("COST est / actual / variance",)
_HEADERS_TAIL = ("RUNS P/F/B", "BREACH")
_EVERYTHING = Detail(refs_per_stub=1_000_000_000, text_chars=1_000_000_000)


def _cells(row: SliceRow, *, cost: bool = False) -> tuple[str, ...]:
    v = row.variance
    breach = row.breach if row.breach != "none" else "—"
    if row.drivers:
        breach += f" ({', '.join(plain(item) for item in row.drivers)})"
    costs: tuple[str, ...] = ()
    if cost:
        actual = usd_at_least_text(v.actual_cost_usd, v.unpriced_runs)
        if v.unpriced_runs:
            actual += f" ({unpriced_text(v.unpriced_runs)})"
        if v.computed_cost_differs:
            actual += f" (computed {usd_text(v.computed_cost_usd)})"
        estimated, difference = (
            usd_text(v.estimated_cost_usd),
            usd_text(v.cost_variance_usd, signed=True),
        )
        costs = (f"{estimated} / {actual} / {difference}",)
    return (
        plain(row.ref),
        row.status or "",
        f"{count(v.estimated_tokens)} / {count(v.estimated_requests)}",
        f"{count(v.actual_tokens)} / {at_least(v.actual_requests, v.requests_lower_bound)}",
        f"{signed_percent(v.variance_ratio)} / {signed_percent(v.request_variance_ratio)}",
        *costs,
        f"{row.runs.passed}/{row.runs.failed}/{row.runs.blocked}",
        breach,
    )


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    return [
        "  "
        + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _finding_line(item: FindingItem) -> list[str]:
    where = f"{plain_path(item.location)}: " if item.location else ""
    subject = f"{plain(item.slice)}: " if item.slice else ""
    lines = [f"{where}{item.severity} {item.code}: {subject}{plain(item.message)}"]
    if item.fix:
        lines.append(f"    fix: {plain(item.fix)}")
    return lines


def _header(view: ReportView) -> list[str]:
    lines = [view.headline.text]
    if view.waived:
        lines.append(
            f"Waived by the label {plain(view.waiver_label)}: findings do not fail the check."
        )
    if view.observe:
        lines.append("Observe mode: errors are reported as warnings and never fail the check.")
    lines.extend(f"note: {plain(note)}" for note in view.notes)
    return lines


def render_text(report: Report) -> str:
    """The whole report as plain text for a terminal, ending in a newline."""
    view = build_view(prepare(report), _EVERYTHING, links=None)
    lines = _header(view)
    slices = [*view.rows, *view.passing_rows]
    if slices:
        lines += ["", f"Slices in scope ({len(slices):,}):"]
        cost = view.show_cost
        headers = (*_HEADERS, *(_HEADERS_COST if cost else ()), *_HEADERS_TAIL)
        rows = [_cells(row, cost=cost) for row in (*slices, view.totals)]
        lines += _table([headers, *rows])
        if cost and view.price_data:
            lines.append(f"  Computed costs use {plain(view.price_data)}.")
    else:
        lines += ["", "No plan slices are in scope for this change."]
    lines += phase_text_lines(view.phase_tables)
    if view.groups:
        lines += ["", f"Findings ({view.findings_total:,}):"]
        for group in view.groups:
            for item in group.items:
                lines += _finding_line(item)
    if view.stubs:
        lines += ["", "How to fix: paste these records (replace every null)."]
        for stub in view.stubs:
            target = f" -> {plain(stub.path_hint)}" if stub.path_hint else ""
            lines += ["", f"# {plain(stub.title)}{target}", stub.yaml.rstrip("\n")]
    return inert("\n".join(lines)) + "\n"
