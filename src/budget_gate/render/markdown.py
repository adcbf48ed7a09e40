"""The markdown report (PR comment, job summary, check run), fitted to a size budget.

GitHub refuses a comment over 65,536 characters. Rather than fail, the report gives up detail in
stages until it fits: first the table of passing slices, then findings beyond a fair share per
code, then slice rows beyond the worst ones, then long texts; after that every cap is scaled
down together (bisected: a handful of renders of at most a few hundred rows). The verdict line and
the marker are never cut, and the report says what was cut and where the full one is. A level
whose rows cannot possibly fit is skipped without rendering it, so 5,000 findings cost a few
small renders, not one huge one per stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from markupsafe import Markup

from budget_gate.judge.report import Report
from budget_gate.render import MARKER
from budget_gate.render.environment import make_environment, render_template
from budget_gate.render.escape import md_code
from budget_gate.render.links import LinkContext
from budget_gate.render.phases import table_rows
from budget_gate.render.prepare import Prepared, prepare
from budget_gate.render.view import Detail, build_view, headline

__all__ = ["MARKER", "LinkContext", "render_markdown"]

DEFAULT_MAX_CHARS = 65_000
MIN_MAX_CHARS = 1_000
# No row of the shipped templates is shorter than this, so a level showing more rows than
# max_chars // MIN_ROW_CHARS cannot fit and is not rendered at all.
MIN_ROW_CHARS = 25
STUB_LINES_PER_REF = 12
FINDINGS_CAP = 200
PER_CODE_CAP = 50
SLICE_ROWS_CAP = 200
STUBS_CAP = 10
PHASE_TABLES_CAP = 20
SHORT_TEXT = 200
SCALE_STEPS = 64


def _ladder(prepared: Prepared) -> list[Detail]:
    full = Detail()
    no_passing = replace(full, passing_details=False)
    findings_capped = replace(
        no_passing,
        findings=min(len(prepared.report.findings), FINDINGS_CAP),
        per_code=PER_CODE_CAP,
        stubs=min(len(prepared.stubs), STUBS_CAP),
        refs_per_stub=5,
    )
    rows_capped = replace(
        findings_capped,
        slice_rows=min(len(prepared.attention), SLICE_ROWS_CAP),
        phase_tables=min(len(prepared.phase_results), PHASE_TABLES_CAP),
    )
    texts_cut = replace(rows_capped, text_chars=SHORT_TEXT, notes=5)
    return [full, no_passing, findings_capped, rows_capped, texts_cut]


def _rows(prepared: Prepared, detail: Detail) -> int:
    """How many rows a level shows at most: its cost in MIN_ROW_CHARS units."""
    findings = len(prepared.report.findings)
    rows = len(prepared.attention)
    stubs = prepared.stubs
    return (
        (findings if detail.findings is None else min(findings, detail.findings))
        + (rows if detail.slice_rows is None else min(rows, detail.slice_rows))
        + (len(prepared.passing) if detail.passing_details else 0)
        + sum(
            STUB_LINES_PER_REF * min(len(spec.refs), detail.refs_per_stub)
            for spec in (stubs if detail.stubs is None else stubs[: detail.stubs])
        )
        + min(len(prepared.report.notes), detail.notes)
        + table_rows(
            prepared.phase_results
            if detail.phase_tables is None
            else prepared.phase_results[: detail.phase_tables]
        )
    )


def _scaled(detail: Detail, step: int) -> Detail:
    def scale(cap: int | None) -> int:
        return (cap or 0) * step // SCALE_STEPS

    return replace(
        detail,
        findings=scale(detail.findings),
        per_code=max(1, scale(detail.per_code)),
        slice_rows=scale(detail.slice_rows),
        stubs=scale(detail.stubs),
        phase_tables=scale(detail.phase_tables),
        refs_per_stub=max(1, scale(detail.refs_per_stub)),
        notes=min(detail.notes, max(1, step)),
    )


def _shrink(attempt: Callable[[Detail], str | None], detail: Detail) -> str | None:
    """The largest scaling of `detail`'s caps that fits, by bisection; None if none does."""
    best = attempt(_scaled(detail, 0))
    if best is None:
        return attempt(replace(_scaled(detail, 0), text_chars=60, notes=1))
    low, high = 0, SCALE_STEPS
    while high - low > 1:
        middle = (low + high) // 2
        text = attempt(_scaled(detail, middle))
        if text is None:
            high = middle
        else:
            low, best = middle, text
    return best


def _last_resort(report: Report, links: LinkContext | None) -> str:
    """Verdict, a note and the marker: what is left when even the smallest level is too long
    (a custom template with huge fixed text, or a tiny max_chars)."""
    where = md_code("budget-gate check --format json")
    url = links.report_url if links else None
    if url is not None:
        where = Markup("[the workflow run]({}) or {}").format(url, where)
    note = Markup(
        "✂️ **Cut to fit the comment size limit:** the report is too long to show here. "
        "Full report: {}."
    ).format(where)
    return f"## {headline(report).text}\n\n{note}\n\n{MARKER}\n"


def render_markdown(
    report: Report,
    *,
    links: LinkContext | None = None,
    template_dir: Path | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> str:
    """The report as markdown of at most `max_chars` characters, whatever the report holds.

    `links` turns locations into links at the head commit; `template_dir` is the user's template
    directory (rendered in a sandbox). Raises `TemplateProblem` for a template that cannot be used.
    """
    if max_chars < MIN_MAX_CHARS:
        raise ValueError(f"max_chars must be at least {MIN_MAX_CHARS:,}, not {max_chars:,}")
    env = make_environment(template_dir)
    prepared = prepare(report)

    def attempt(detail: Detail) -> str | None:
        text = render_template(env, {"report": build_view(prepared, detail, links)})
        return text if len(text) <= max_chars else None

    ladder = _ladder(prepared)
    for detail in ladder:
        if _rows(prepared, detail) * MIN_ROW_CHARS > max_chars:
            continue
        if (text := attempt(detail)) is not None:
            return text
    return _shrink(attempt, ladder[-1]) or _last_resort(report, links)
