"""The dashboard page: the ledger's summary, the success metrics (met or not) and the charts,
in one HTML file that loads nothing (no script, no stylesheet, no font, no image: the charts
are inline SVG) and forbids loading anything (`Content-Security-Policy: default-src 'none'`).

Every value from the ledger is escaped by Jinja's autoescape; the SVG comes from vl-convert,
which escapes the text it draws.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from budget_gate import __version__
from budget_gate.judge.report import utc_stamp
from budget_gate.ledger.dashboard.charts import Chart, Spec, all_charts
from budget_gate.ledger.dashboard.data import DashboardData, Row, read_dashboard_data
from budget_gate.load.resources import templates_dir

TEMPLATE = "dashboard.html.j2"
DEFAULT_TITLE = "Plan Budget Gate: budgets over time"


@dataclass(frozen=True, slots=True)
class MetricRow:
    metric: str
    target: str
    shown: str
    slices: int
    met: str
    css: str


@dataclass(frozen=True, slots=True)
class DrawnChart:
    key: str
    title: str
    caption: str
    points: int
    svg: object
    """The chart's SVG as markup, or None when there is nothing to draw."""
    empty: str


def render_page(
    data: DashboardData,
    *,
    draw: Callable[[Spec], str],
    now: datetime,
    title: str = DEFAULT_TITLE,
) -> str:
    import jinja2  # only the dashboard renders HTML

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    charts = [_drawn(chart, draw) for chart in all_charts(data.rows)]
    return env.get_template(TEMPLATE).render(
        title=title,
        version=__version__,
        generated=utc_stamp(now),
        summary=data.summary,
        metrics=_metrics(data.rows["success-metrics"]),
        charts=charts,
    )


def write_dashboard(
    db: Path, output: Path, *, draw: Callable[[Spec], str], now: datetime
) -> tuple[int, int]:
    """Write the page; returns how many charts were drawn with data, of how many."""
    data = read_dashboard_data(db)
    html = render_page(data, draw=draw, now=now)
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.tmp")
    temporary.write_text(html, encoding="utf-8")
    temporary.replace(output)
    charts = all_charts(data.rows)
    return sum(1 for chart in charts if chart.points), len(charts)


def _drawn(chart: Chart, draw: Callable[[Spec], str]) -> DrawnChart:
    from markupsafe import Markup

    return DrawnChart(
        key=chart.key,
        title=chart.title,
        caption=chart.caption,
        points=chart.points,
        svg=Markup(draw(chart.spec)) if chart.points else None,  # noqa: S704 - vl-convert's SVG
        empty=chart.empty,
    )


def _metrics(rows: Sequence[Row]) -> list[MetricRow]:
    out = []
    for row in rows:
        value = row["value"]
        met = str(row["met"])
        out.append(
            MetricRow(
                metric=str(row["metric"]),
                target=str(row["target"]),
                shown="–" if not isinstance(value, int | float) else f"{value:.1%}",
                slices=row["slices"] if isinstance(row["slices"], int) else 0,
                met=met,
                css=met.replace(" ", "-"),
            )
        )
    return out
