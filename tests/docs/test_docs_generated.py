"""docs/configuration.md and docs/formats.md are what scripts/generate_docs.py makes from the
models today: a field added, renamed or re-described without regenerating fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from budget_gate.models.config import GateConfig
from locations import ROOT

SCRIPT = ROOT / "scripts" / "generate_docs.py"


def test_the_committed_pages_match_the_generator() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_every_config_field_is_documented_with_a_description() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    documented = {row.split("`")[1] for row in rows}
    for section, field in GateConfig.model_fields.items():
        assert section in documented
        if field.annotation is not None and hasattr(field.annotation, "model_fields"):
            for name in field.annotation.model_fields:
                assert f"{section}.{name}" in documented, f"{section}.{name}"
    assert "phase_budgets.stop_loss.cumulative" in documented
    undescribed = [row.split("`")[1] for row in rows if row.rstrip(" |").endswith("|")]
    assert undescribed == []
    # a default shown as the model has it, and the shipped phase budget as the default there
    assert "| `check.name` | string | length ≥ 1, length ≤ 100 | `Plan Budget Gate` |" in page
    assert "shipped: `1.2`" in page


def test_check_mode_reports_a_stale_page(tmp_path: Path) -> None:
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import generate_docs
    finally:
        sys.path.remove(str(SCRIPT.parent))
    stale = tmp_path / "configuration.md"
    stale.write_text("old\n", encoding="utf-8")
    generate_docs.DOCS = tmp_path  # type: ignore[attr-defined]
    try:
        assert generate_docs.main(["--check"]) == 1
        assert generate_docs.main([]) == 0
        assert generate_docs.main(["--check"]) == 0
        assert stale.read_text(encoding="utf-8").startswith("# Configuration reference")
    finally:
        generate_docs.DOCS = ROOT / "docs"  # type: ignore[attr-defined]
