"""The comment at a glance: the demo's report rendered as GitHub renders markdown (cmarkgfm,
GitHub-flavoured), its "Slices that need attention" table read back from the HTML.

At most seven columns keep the table inside a comment's width; numbers read together ("actual /
estimate", a percent and its sign, P/F/B) are joined by no-break spaces so no number wraps.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options

from budget_gate.render.markdown import render_markdown
from budget_gate.workspace.check import CheckRequest, run_check
from locations import DEMO

MAX_COLUMNS = 7
NBSP = "\u00a0"


class _Tables(HTMLParser):
    """Each table after each `<h3>`: its header cells and the text of its body rows."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._heading: str | None = None
        self._in_h3 = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h3":
            self._in_h3, self._heading = True, ""
        elif tag == "table" and self._heading is not None:
            self.tables.setdefault(self._heading, [])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3":
            self._in_h3 = False
        elif tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._heading in self.tables:
            self.tables[self._heading].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._in_h3 and self._heading is not None:
            self._heading += data
        if self._cell is not None:
            self._cell.append(data)


def demo_tables() -> dict[str, list[list[str]]]:
    outcome = run_check(
        CheckRequest(repo=DEMO),
        now=datetime(2026, 12, 1, tzinfo=UTC),
    )
    html = cmarkgfm.github_flavored_markdown_to_html(
        render_markdown(outcome.report), options=Options.CMARK_OPT_UNSAFE
    )
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def test_the_attention_table_has_at_most_seven_columns() -> None:
    header, *rows = demo_tables()["Slices that need attention"]
    assert header == [
        "Slice",
        "Status",
        "Tokens actual / estimate",
        "Requests actual / estimate",
        "Cost actual / estimate",
        "Runs P/F/B",
        "Breach",
    ]
    assert len(header) <= MAX_COLUMNS
    assert all(len(row) == len(header) for row in rows)


def test_numbers_read_together_never_wrap_apart() -> None:
    _, *rows = demo_tables()["Slices that need attention"]
    s4 = next(row for row in rows if row[0].startswith("IMP-COST-01/S4"))
    tokens, requests, cost, runs = s4[2:6]
    assert tokens == f"296,607{NBSP}/{NBSP}110,000 (+169.6{NBSP}%)"
    assert requests == f"46{NBSP}/{NBSP}20 (+130.0{NBSP}%)"
    assert cost == f"$1.72{NBSP}/{NBSP}$0.57 (+$1.15)"
    assert runs == f"3{NBSP}/{NBSP}1{NBSP}/{NBSP}0"
    assert s4[6] == "🛑 stop-loss · 🔥 breach · ⏱️ slow"


def test_who_spent_most_is_under_the_table_not_in_it() -> None:
    _, *rows = demo_tables()["Slices that need attention"]
    assert not any("openhands" in cell for row in rows for cell in row)
