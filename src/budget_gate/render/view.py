"""The report as templates see it: capped to a `Detail` level, links resolved.

Templates get a `ReportView` (documented names, plain values) rather than the `Report` itself, so
the report's internals can change without breaking users' templates. Strings stay raw here (only
shortened); the templates escape them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC

from markupsafe import Markup

from budget_gate.judge.report import Report, RunCounts, SliceResult, Variance, Verdict, utc_stamp
from budget_gate.models.common import SliceRef
from budget_gate.models.config import Mode
from budget_gate.models.findings import Finding, FindingCode, Severity
from budget_gate.render.escape import md_code, shorten, trusted
from budget_gate.render.links import LinkContext
from budget_gate.render.numbers import plural
from budget_gate.render.phases import PhaseTable, phase_table
from budget_gate.render.prepare import Prepared, StubSpec, allot
from budget_gate.render.stubs import estimates_stub, usage_report_stub

SEVERITY_ICON = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.NOTICE: "ℹ️"}
MAX_DRIVERS = 6


@dataclass(frozen=True, slots=True)
class Detail:
    """How much to show. `None` means everything; `render_markdown` lowers these to fit."""

    passing_details: bool = True
    findings: int | None = None
    per_code: int | None = None
    slice_rows: int | None = None
    stubs: int | None = None
    refs_per_stub: int = 20
    text_chars: int = 1_000
    notes: int = 20
    phase_tables: int | None = None


@dataclass(frozen=True, slots=True)
class Headline:
    """The verdict line's parts; our own words and numbers only, so already safe markdown."""

    icon: Markup
    label: Markup
    counts: Markup

    @property
    def text(self) -> str:
        return f"{self.icon} Plan Budget Gate: {self.label} — {self.counts}"


@dataclass(frozen=True, slots=True)
class SliceRow:
    ref: str
    title: str | None
    status: str
    url: Markup | None
    variance: Variance
    runs: RunCounts
    breach: str
    drivers: tuple[str, ...]
    errors: int
    warnings: int
    stop_loss: bool = False
    """The slice has a `stop-loss` finding."""
    latency: bool = False
    """The slice has a `latency-breach` finding."""


@dataclass(frozen=True, slots=True)
class FindingItem:
    code: str
    severity: str
    icon: str
    message: str
    fix: str | None
    location: str | None
    url: Markup | None
    slice: str | None


@dataclass(frozen=True, slots=True)
class FindingGroup:
    code: str
    severity: str
    icon: str
    items: tuple[FindingItem, ...]
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True, slots=True)
class StubItem:
    title: str
    path_hint: str | None
    yaml: str


@dataclass(frozen=True, slots=True)
class ReportView:
    headline: Headline
    verdict: str
    mode: str
    observe: bool
    kind: str
    base: str | None
    head: str | None
    generated_at: Markup
    waiver_label: str | None
    waived: bool
    errors: int
    warnings: int
    notices: int
    notes: tuple[str, ...]
    notes_hidden: int
    cut_note: Markup | None
    rows: tuple[SliceRow, ...]
    rows_hidden: int
    passing_rows: tuple[SliceRow, ...]
    passing_count: int
    passing_details: bool
    totals: SliceRow
    groups: tuple[FindingGroup, ...]
    findings_total: int
    findings_shown: int
    stubs: tuple[StubItem, ...]
    stubs_hidden: int
    full_report_url: Markup | None
    show_cost: bool = False
    """Whether any cost is known: the cost columns and totals are shown only then."""
    price_data: str | None = None
    phase_tables: tuple[PhaseTable, ...] = ()
    """Per-phase budgets of the slices whose runs report phases, worst first (§6.3)."""
    phase_tables_hidden: int = 0
    """Where computed costs come from, e.g. `genai-prices 0.2.3` (named in the footer)."""


class _Shortener:
    """Shortens user strings to the detail level and remembers whether it had to."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.cut = False

    def __call__(self, text: str | None, limit: int | None = None) -> str | None:
        if text is None:
            return None
        wanted = min(self.limit, limit) if limit is not None else self.limit
        if len(text) > wanted:
            self.cut = True
        return shorten(text, wanted)


def _headline(report: Report, counts: Counter[Severity]) -> Headline:
    parts = [plural(counts[Severity.ERROR], "error"), plural(counts[Severity.WARNING], "warning")]
    if counts[Severity.NOTICE]:
        parts.append(plural(counts[Severity.NOTICE], "notice"))
    text = Markup(", ").join(parts) if counts else Markup("no findings")
    if report.waiver is not None and report.waiver.applied:
        return Headline(icon=Markup("⏭️"), label=Markup("waived"), counts=text)
    verdict = report.verdict.value
    if report.mode is Mode.OBSERVE:
        return Headline(icon=Markup("👀"), label=trusted(f"{verdict} (observe mode)"), counts=text)
    icon = trusted("✅" if report.verdict is Verdict.PASS else "❌")
    return Headline(icon=icon, label=trusted(verdict), counts=text)


def headline(report: Report) -> Headline:
    """The verdict line's parts, shared by the markdown and text renderers."""
    return _headline(report, Counter(finding.severity for finding in report.findings))


def _row(
    result: SliceResult,
    errors: int,
    warnings: int,
    links: LinkContext | None,
    short: _Shortener,
    codes: frozenset[FindingCode] = frozenset(),
) -> SliceRow:
    return SliceRow(
        ref=str(result.ref),
        title=short(result.title, 200),
        status=result.status.value,
        url=links.blob_url(result.plan_path, result.plan_line) if links else None,
        variance=result.variance,
        runs=result.runs,
        breach=result.variance.breach.value,
        drivers=tuple(short(item, 100) or "" for item in result.variance.drivers[:MAX_DRIVERS]),
        errors=errors,
        warnings=warnings,
        stop_loss=FindingCode.STOP_LOSS in codes,
        latency=FindingCode.LATENCY_BREACH in codes,
    )


def _item(finding: Finding, links: LinkContext | None, short: _Shortener) -> FindingItem:
    ref = None
    if finding.plan_id is not None and finding.slice_id is not None:
        ref = str(SliceRef(plan_id=finding.plan_id, slice_id=finding.slice_id))
    url = links.blob_url(finding.path, finding.line) if links and finding.path else None
    return FindingItem(
        code=finding.code.value,
        severity=finding.severity.value,
        icon=SEVERITY_ICON[finding.severity],
        message=short(finding.message) or "",
        fix=short(finding.fix),
        location=short(finding.location, 300),
        url=url,
        slice=short(ref, 200),
    )


def _stub(spec: StubSpec, report: Report, detail: Detail, short: _Shortener) -> StubItem:
    names = ", ".join(str(ref) for ref in spec.refs[:3])
    if len(spec.refs) > 3:
        names += f" and {len(spec.refs) - 3:,} more"
    if spec.kind is FindingCode.MISSING_ESTIMATE:
        path = f"{spec.plan_dir}/estimation.yaml" if spec.plan_dir else None
        refs = spec.refs[: max(1, detail.refs_per_stub)]
        text = estimates_stub(refs, now_iso=utc_stamp(report.generated_at))
        if len(refs) < len(spec.refs):
            text += f"# … {len(spec.refs) - len(refs):,} more slices of this plan need one too\n"
        title = f"Missing estimate for {names}"
    else:
        path = f"{spec.plan_dir}/usage/RUN_ID.yaml" if spec.plan_dir else None
        text = usage_report_stub(spec.refs[0], run_id=None)
        title = f"Missing usage report for {names}"
    return StubItem(title=short(title, 300) or "", path_hint=short(path, 300), yaml=text)


def _cut_note(shown: list[str], other: list[str], links: LinkContext | None) -> Markup | None:
    """One paragraph saying what this level leaves out and where the full report is."""
    if not shown and not other:
        return None
    sentences = []
    if shown:
        listed = ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]
        sentences.append(f"Showing {listed}.")
    sentences.extend(other)
    command = md_code("budget-gate check --format json")
    url = links.report_url if links else None
    where = Markup("the job summary, the JSON artifact and {}").format(command)
    if url is not None:
        where = Markup("the [workflow run]({}) (job summary, JSON artifact) and {}").format(
            url, command
        )
    return Markup("✂️ **Cut to fit the comment size limit.** {} The full report is in {}.").format(
        trusted(" ".join(sentences)), where
    )


def build_view(prepared: Prepared, detail: Detail, links: LinkContext | None) -> ReportView:
    """The view at one detail level, with a note saying what that level leaves out."""
    report = prepared.report
    short = _Shortener(detail.text_chars)
    shown: list[str] = []
    other: list[str] = []

    shown_counts = allot(
        [len(items) for _, _, items in prepared.groups], detail.findings, detail.per_code
    )
    groups = tuple(
        FindingGroup(
            code=code.value,
            severity=severity.value,
            icon=SEVERITY_ICON[severity],
            items=tuple(_item(finding, links, short) for finding in items[:shown]),
            total=len(items),
        )
        for (code, severity, items), shown in zip(prepared.groups, shown_counts, strict=True)
    )
    findings_total, findings_shown = len(report.findings), sum(shown_counts)
    if findings_shown < findings_total:
        capped = detail.per_code is not None and detail.per_code in shown_counts
        per_code = f" (at most {detail.per_code:,} per code)" if capped else ""
        shown.append(f"{findings_shown:,} of {findings_total:,} findings{per_code}")

    attention = prepared.attention
    row_cap = len(attention) if detail.slice_rows is None else detail.slice_rows
    rows = tuple(
        _row(result, err, warn, links, short, prepared.codes_by_slice.get(result.ref, frozenset()))
        for result, err, warn in attention[:row_cap]
    )
    if len(rows) < len(attention):
        shown.append(f"{len(rows):,} of {len(attention):,} slices that need attention")
    passing_rows: tuple[SliceRow, ...] = ()
    if detail.passing_details:
        passing_rows = tuple(_row(result, 0, 0, links, short) for result in prepared.passing)
    elif prepared.passing:
        other.append(f"The table of {len(prepared.passing):,} passing slices is left out.")

    stub_cap = len(prepared.stubs) if detail.stubs is None else detail.stubs
    stubs = tuple(_stub(spec, report, detail, short) for spec in prepared.stubs[:stub_cap])
    if len(stubs) < len(prepared.stubs):
        shown.append(f"{len(stubs):,} of {len(prepared.stubs):,} fix stubs")

    phase_cap = len(prepared.phase_results) if detail.phase_tables is None else detail.phase_tables
    phase_tables = tuple(
        phase_table(result, links, short) for result in prepared.phase_results[:phase_cap]
    )
    if len(phase_tables) < len(prepared.phase_results):
        shown.append(
            f"{len(phase_tables):,} of {len(prepared.phase_results):,} phase budget tables"
        )

    notes = tuple(short(note) or "" for note in report.notes[: detail.notes])
    totals = SliceRow(
        ref="Total",
        title=None,
        status="",
        url=None,
        variance=report.totals,
        runs=report.total_runs,
        breach=report.totals.breach.value,
        drivers=(),
        errors=0,
        warnings=0,
    )
    if short.cut:
        other.append(f"Long texts are shortened to {detail.text_chars:,} characters.")
    counts = prepared.severity_counts
    return ReportView(
        headline=_headline(report, counts),
        verdict=report.verdict.value,
        mode=report.mode.value,
        observe=report.mode is Mode.OBSERVE,
        kind=report.kind.value,
        base=report.base,
        head=report.head,
        generated_at=trusted(f"{report.generated_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"),
        waiver_label=short(report.waiver.label, 100) if report.waiver else None,
        waived=report.waiver is not None and report.waiver.applied,
        errors=counts[Severity.ERROR],
        warnings=counts[Severity.WARNING],
        notices=counts[Severity.NOTICE],
        notes=notes,
        notes_hidden=len(report.notes) - len(notes),
        cut_note=_cut_note(shown, other, links),
        rows=rows,
        rows_hidden=len(attention) - len(rows),
        passing_rows=passing_rows,
        passing_count=len(prepared.passing),
        passing_details=detail.passing_details,
        totals=totals,
        groups=groups,
        findings_total=findings_total,
        findings_shown=findings_shown,
        stubs=stubs,
        stubs_hidden=len(prepared.stubs) - len(stubs),
        full_report_url=links.report_url if links else None,
        show_cost=shows_cost(report),
        price_data=report.price_data,
        phase_tables=phase_tables,
        phase_tables_hidden=len(prepared.phase_results) - len(phase_tables),
    )


def shows_cost(report: Report) -> bool:
    """Cost columns only when some slice or the total has a known cost."""
    return report.totals.cost_known or any(item.variance.cost_known for item in report.slices)
