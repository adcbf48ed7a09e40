"""Regenerate docs/images/dashboard.png, the README's picture of the dashboard.

Builds the generated 500-commit history of the tests (`tests/synthetic_history.py`: twenty
plans over ten months), its ledger and its dashboard, and photographs the page with headless
Chromium (Debian's `chromium` package).

    .venv/bin/python scripts/dashboard_screenshot.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from synthetic_history import build_history  # noqa: E402

TARGET = ROOT / "docs" / "images" / "dashboard.png"


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("install Debian's chromium package first (apt-get install chromium)")
        return 1
    with tempfile.TemporaryDirectory(prefix="dashboard-") as scratch:
        root = Path(scratch) / "repo"
        build_history(root, plans=20)
        page = Path(scratch) / "dashboard.html"
        for args in (["ledger"], ["dashboard", "--output", str(page)]):
            subprocess.run(
                [sys.executable, "-m", "budget_gate", *args, "--repo", str(root)], check=True
            )
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--window-size=1280,1720",
                f"--screenshot={TARGET}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
        )
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
