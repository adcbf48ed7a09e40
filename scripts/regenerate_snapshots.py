"""Rewrite tests/snapshots/ from the sample reports in tests/render/test_render_samples.py.

Run after an intended change to the templates or renderers, then review `git diff tests/snapshots`:
the diff is exactly what users will see change.

    .venv/bin/python scripts/regenerate_snapshots.py
"""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"


def main() -> int:
    sys.path[:0] = [str(TESTS), str(TESTS / "render")]
    from test_render_samples import SNAPSHOTS, rendered_snapshots

    SNAPSHOTS.mkdir(parents=True, exist_ok=True)
    expected = rendered_snapshots()
    for stale in SNAPSHOTS.iterdir():
        if stale.is_file() and stale.name not in expected:
            stale.unlink()
            print(f"removed {stale.relative_to(TESTS.parent)}")
    for name, text in sorted(expected.items()):
        target = SNAPSHOTS / name
        old = target.read_text(encoding="utf-8") if target.exists() else None
        if old != text:
            target.write_text(text, encoding="utf-8")
            print(f"{'wrote' if old is None else 'updated'} {target.relative_to(TESTS.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
