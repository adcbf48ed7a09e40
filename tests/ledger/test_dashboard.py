"""`budget-gate dashboard`: one HTML file, charts drawn from the ledger's named queries, no
script and no request; without the plotting extra, one line saying how to install it."""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ledgerkit import build_demo_history, isolate_git, run

from budget_gate.ledger.dashboard.charts import all_charts
from budget_gate.ledger.dashboard.data import DashboardData, LedgerSummary
from budget_gate.ledger.dashboard.page import render_page
from budget_gate.ledger.dashboard.plotting import render_svg
from gitrepo import GitRepoBuilder

SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
FIGURE = re.compile(r'<figure class="chart" id="chart-([a-z-]+)".*?</figure>', re.DOTALL)


def data_marks(svg: str) -> int:
    """The data points a chart draws: the children of its `data` layer's mark group."""
    root = ET.fromstring(svg)
    groups = [
        g
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if "data_marks" in g.get("class", "").split()
    ]
    assert len(groups) == 1
    return len(list(groups[0]))


@pytest.fixture
def demo_ledger(repo: GitRepoBuilder, monkeypatch: pytest.MonkeyPatch, capsys) -> Path:
    isolate_git(monkeypatch)
    build_demo_history(repo)
    assert run(capsys, "ledger", "--repo", repo.root)[0] == 0
    return repo.root


def test_the_demo_dashboard(demo_ledger: Path, tmp_path: Path, capsys) -> None:
    output = tmp_path / "out" / "dashboard.html"
    code, out, err = run(capsys, "dashboard", "--repo", demo_ledger, "--output", output)
    assert code == 0, err
    assert out == f"dashboard: 6 of 6 charts drawn with data, written to {output}\n"
    html = output.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "default-src 'none'" in html
    # No address a browser would fetch: only XML namespace names.
    addresses = set(re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html))
    assert addresses == set()
    figures = {match.group(1): match.group(0) for match in FIGURE.finditer(html)}
    # Points, worked out from the demo's five commits (see test_ledger_demo.py): November's
    # average utilisation; breach and stop-loss rate for November and December; S1's three
    # phases; S1's and S2's ratio (twice: by method and by agent); spend in two months.
    expected = {
        "utilisation": 1,
        "rates": 4,
        "phases": 3,
        "ratios-method": 2,
        "ratios-agent": 2,
        "spend": 2,
    }
    assert {key: data_marks(SVG.search(body).group(0)) for key, body in figures.items()} == expected
    assert re.search(r'data-metric="breach rate">.*?50\.0%.*?not met', html, re.DOTALL)
    assert re.search(r'data-metric="stop-loss rate">.*?50\.0%.*?not met', html, re.DOTALL)
    assert re.search(r'data-metric="average utilisation">.*?98\.9%.*?not met', html, re.DOTALL)


def test_an_empty_ledger_says_there_is_nothing_to_draw(
    repo: GitRepoBuilder, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    isolate_git(monkeypatch)
    repo.write("README.md", "nothing planned yet\n")
    repo.commit("Start")
    assert run(capsys, "ledger", "--repo", repo.root)[0] == 0
    output = tmp_path / "dashboard.html"
    code, out, _ = run(capsys, "dashboard", "--repo", repo.root, "--output", output)
    assert code == 0 and out.startswith("dashboard: 0 of 6 charts drawn")
    html = output.read_text(encoding="utf-8")
    assert "<svg" not in html and html.count('<p class="empty">') == 6
    assert html.count("no data") == 3  # each success metric


def test_without_the_plotting_extra_the_command_says_how_to_install_it(
    demo_ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setitem(sys.modules, "vl_convert", None)  # as if not installed
    output = tmp_path / "dashboard.html"
    code, out, err = run(capsys, "dashboard", "--repo", demo_ledger, "--output", output)
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "pip install 'plan-budget-gate[dashboard]'" in err
    assert not output.exists()


def test_strings_from_the_repository_are_escaped() -> None:
    hostile = '<img src=x onerror="alert(1)">'
    rows = {
        "utilisation-by-month": [],
        "rates-by-month": [],
        "utilisation-by-phase": [],
        "estimate-ratios": [
            {
                "slice": f"P/{hostile}",
                "at": "2026-01-05T00:00:00Z",
                "method": hostile,
                "agent": hostile,
                "estimated_tokens": 10,
                "actual_tokens": 12,
                "ratio": 1.2,
            }
        ],
        "spend-by-month": [],
        "success-metrics": [
            {"metric": hostile, "target": hostile, "value": None, "slices": 0, "met": "no data"}
        ],
    }
    data = DashboardData(
        summary=LedgerSummary(
            commits=1, first_at=hostile, last_at=hostile, last_commit=hostile, runs=1, slices=1
        ),
        rows=rows,
    )
    html = render_page(data, draw=render_svg, now=datetime(2026, 1, 6, tzinfo=UTC))
    assert "<img" not in html
    assert html.count("&lt;img") >= 5  # the summary, the metric row and both legends
    assert len(all_charts(rows)) == 6
