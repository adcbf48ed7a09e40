"""The dashboard in a real browser: Debian's Chromium, headless, driven by Playwright.

It loads the page from a file and checks what a reader would notice: nothing in the console,
no request beyond the file itself (any other is recorded and refused), and every chart drawn
with its data points on screen. Screenshots go to build/ for review. Skipped, with the reason,
only where no Chromium is installed (`apt-get install chromium`).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gitrepo import isolated_git_env
from locations import ROOT
from synthetic_history import build_history

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no Chromium on this machine: install Debian's `chromium` package "
        "(apt-get install chromium) to run the browser test",
    ),
]
CHARTS = ("utilisation", "rates", "phases", "ratios-method", "ratios-agent", "spend")


def _budget_gate(*args: str | Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "budget_gate", *map(str, args)],
        capture_output=True,
        text=True,
        env=isolated_git_env(),
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dashboard of a generated history of 8 plans (200 commits over four months)."""
    root = tmp_path_factory.mktemp("browser") / "repo"
    build_history(root, plans=8)
    _budget_gate("ledger", "--repo", root)
    output = root / "dashboard.html"
    _budget_gate("dashboard", "--repo", root, "--output", output)
    return output


def test_the_dashboard_renders_in_chromium(page_file: Path) -> None:
    from playwright.sync_api import sync_playwright

    console: list[str] = []
    requests: list[str] = []
    refused: list[str] = []

    def route(route):  # type: ignore[no-untyped-def]
        url = route.request.url
        if url == page_file.as_uri():
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
            page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
            page.on("request", lambda request: requests.append(request.url))
            page.route("**/*", route)
            page.goto(page_file.as_uri(), wait_until="load")
            drawn = {}
            for key in CHARTS:
                figure = page.locator(f"#chart-{key}")
                marks = figure.locator("svg g.data_marks > *")
                expected = int(figure.get_attribute("data-points") or 0)
                box = figure.locator("svg").bounding_box()
                assert box is not None and box["width"] > 200 and box["height"] > 100, key
                visible = [marks.nth(i).bounding_box() for i in range(marks.count())]
                assert all(item and item["width"] > 0 for item in visible), key
                drawn[key] = (marks.count(), expected)
            screenshots = ROOT / "build"
            screenshots.mkdir(exist_ok=True)
            page.screenshot(path=str(screenshots / "dashboard-browser-test.png"), full_page=True)
        finally:
            browser.close()

    assert [line for line in console if line.startswith(("error", "pageerror"))] == []
    assert console == []
    assert requests == [page_file.as_uri()]
    assert refused == []
    # 8 plans = 4 months (see synthetic_history): a point a month, two rates a month, two
    # phases, 40 finished slices' ratios twice, four months of spend.
    assert drawn == {
        "utilisation": (4, 4),
        "rates": (8, 8),
        "phases": (2, 2),
        "ratios-method": (40, 40),
        "ratios-agent": (40, 40),
        "spend": (4, 4),
    }
