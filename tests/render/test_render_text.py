"""The terminal report: compiler-style finding lines, aligned columns, no terminal escapes."""

from __future__ import annotations

import re
from dataclasses import replace

from test_render_samples import audit_report, failing_report, observe_report, waived_report

from budget_gate.models.findings import Finding, FindingCode
from budget_gate.render.text import render_text


def test_findings_are_compiler_style() -> None:
    lines = render_text(failing_report()).splitlines()
    assert (
        "plans/imp-cost-01/estimation.yaml:4: error invalid-artifact: "
        "estimated_requests: Input should be a valid integer"
    ) in lines
    assert "    fix: write a whole number, e.g. estimated_requests: 40" in lines
    assert (
        "error unreported-agent-run: commit 89abcde names Agent-Run: run-77 "
        "but no usage report has that run_id"
    ) in lines
    assert "src/budgets/calc.py: warning work-on-unapproved-slice: IMP-COST-01/S4: " in "\n".join(
        lines
    )


def test_verdict_line_first_and_columns_aligned() -> None:
    lines = render_text(failing_report()).splitlines()
    assert lines[0] == "❌ Plan Budget Gate: fail — 7 errors, 5 warnings"
    table = lines[lines.index("Slices in scope (5):") + 1 :][:7]
    assert table[0].startswith("  SLICE ")
    assert table[-1].startswith("  Total ")
    column = table[0].index("ESTIMATE")
    for row in table:
        assert row[column - 2 : column] == "  "
        assert row[column] != " "


def test_modes_and_notes_are_stated() -> None:
    assert "Observe mode" in render_text(observe_report())
    assert "Waived by the label budget-gate:waive" in render_text(waived_report())
    assert "note: Audit: every slice" in render_text(audit_report())


def test_user_strings_cannot_drive_the_terminal() -> None:
    finding = Finding.of(
        FindingCode.ORPHAN_RECORD,
        "evil\x1b[2J\x1b]0;title\x07\nsecond line",
        path="a\x1b[31m.yaml",
        line=2,
    )
    text = render_text(replace(failing_report(), findings=(finding,)))
    assert "\x1b" not in text
    assert "\x07" not in text
    assert re.search(r"^a\ufffd\[31m\.yaml:2: error orphan-record: evil", text, re.MULTILINE)
    assert "second line" in text.splitlines()[text.splitlines().index("Findings (1):") + 1]


def test_fixes_are_printed_in_full() -> None:
    text = render_text(failing_report())
    assert "# Missing estimate for IMP-COST-01/S3 -> plans/imp-cost-01/estimation.yaml" in text
    assert 'plan_id: "IMP-COST-01"' in text


def _is_workflow_command(line: str) -> bool:
    """What the Actions runner runs: `::` first after leading whitespace, or `##[` anywhere
    (actions/runner `ActionCommand.TryParseV2` and the legacy `TryParse`)."""
    return line.lstrip().startswith("::") or "##[" in line


def test_a_file_named_like_a_workflow_command_is_printed_inert() -> None:
    """A custom glob can reach a file named `::error title=X::….yaml`: printed first on a line
    in a `run:` step it would forge an annotation."""
    forged = "::error title=Budget OK::all slices pass.yaml"
    findings = (
        Finding.of(FindingCode.INVALID_ARTIFACT, "bad yaml", path=forged, line=3),
        Finding.of(FindingCode.ORPHAN_RECORD, "see ##[error]here", path=f"  {forged}", line=1),
        Finding.of(FindingCode.ORPHAN_RECORD, "::warning::in a message", path=None),
    )
    text = render_text(replace(failing_report(), findings=findings))

    assert [line for line in text.splitlines() if _is_workflow_command(line)] == []
    # the same path, which an editor still opens
    assert f"./{forged}:3: error invalid-artifact: bad yaml" in text.splitlines()
    assert "see #\u200b#[error]here" in text
