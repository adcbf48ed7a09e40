"""The release notes' "Budget evidence" section: rendered from the summary, and put between
markers so that a re-run replaces it and the author's text survives byte for byte."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from budget_gate.models.summary import (
    FindingCountsRecord,
    RunCountsRecord,
    VarianceSummary,
    VarianceTotals,
)
from budget_gate.release.notes import (
    SECTION_END,
    SECTION_START,
    EvidenceLink,
    render_evidence_section,
    upsert_evidence_section,
)

OLD = "## Budget evidence\n\nold verdict\n"
NEW = "## Budget evidence\n\n✅ new verdict\n"


def block(content: str, newline: str = "\n") -> str:
    return (
        f"{SECTION_START}{newline}{content.strip().replace(chr(10), newline)}{newline}{SECTION_END}"
    )


# -- upsert ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [None, ""])
def test_an_empty_body_gets_just_the_section(body: str | None) -> None:
    assert upsert_evidence_section(body, NEW) == block(NEW) + "\n"


@pytest.mark.parametrize(
    ("body", "separator"),
    [
        ("What's new:\n* faster", "\n\n"),
        ("What's new:\n* faster\n", "\n"),
        ("What's new:\n* faster\n\n", ""),
    ],
)
def test_the_section_is_appended_after_a_blank_line(body: str, separator: str) -> None:
    result = upsert_evidence_section(body, NEW)
    assert result == body + separator + block(NEW) + "\n"


def test_a_rerun_replaces_the_section_and_keeps_the_authors_text() -> None:
    before = "  Intro with trailing spaces  \n\n<!-- author comment -->\n\n"
    after = "\n\n## Thanks\n@someone did it \t\n"
    body = before + block(OLD) + after
    result = upsert_evidence_section(body, NEW)
    assert result == before + block(NEW) + after
    assert result.startswith(before)
    assert result.endswith(after)
    # Idempotent: the same section again changes nothing.
    assert upsert_evidence_section(result, NEW) == result


def test_a_crlf_body_keeps_its_bytes_and_gets_a_crlf_section() -> None:
    body = "Release notes\r\n\r\n- item one\r\n- item two"
    appended = upsert_evidence_section(body, NEW)
    assert appended == body + "\r\n\r\n" + block(NEW, "\r\n") + "\r\n"
    assert "\n" not in appended.replace("\r\n", "")

    edited = appended.replace("- item two", "- item two (edited)")
    replaced = upsert_evidence_section(edited, "## Budget evidence\n\nthird\n")
    assert replaced == (
        "Release notes\r\n\r\n- item one\r\n- item two (edited)\r\n\r\n"
        + block("## Budget evidence\n\nthird", "\r\n")
        + "\r\n"
    )


def test_later_copies_of_the_section_are_dropped() -> None:
    body = f"A\n{block(OLD)}\nB\n{block('stale copy')}\nC\n"
    assert upsert_evidence_section(body, NEW) == f"A\n{block(NEW)}\nB\n\nC\n"


def test_a_stray_start_marker_is_author_text_not_a_section() -> None:
    """An author deleted our end marker: nothing after the stray start may be swallowed."""
    body = f"Intro\n{SECTION_START}\nauthor text that followed\n"
    first = upsert_evidence_section(body, OLD)
    assert first == body + "\n" + block(OLD) + "\n"
    second = upsert_evidence_section(first, NEW)
    assert second == body + "\n" + block(NEW) + "\n"


def test_a_section_containing_a_marker_is_refused() -> None:
    with pytest.raises(ValueError, match="markers"):
        upsert_evidence_section("body", f"x {SECTION_END} y")


# -- the section's words ----------------------------------------------------------------------


def summary(
    *,
    verdict: str = "pass",
    errors: int = 0,
    warnings: int = 0,
    uncovered: list[str] | None = None,
    head_ref: str | None = "v1.1.0",
    base: str | None = "a" * 40,
    cost: float | None = None,
) -> VarianceSummary:
    return VarianceSummary(
        generated_at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        base=base,
        head="b" * 40,
        verdict=verdict,
        base_ref="v1.0.0" if base else None,
        head_ref=head_ref,
        findings=FindingCountsRecord(error=errors, warning=warnings),
        uncovered_slices=uncovered or [],
        totals=VarianceTotals(
            estimated_requests=18,
            estimated_total_tokens=90_000,
            actual_requests=15,
            actual_total_tokens=81_000,
            request_variance=-3,
            token_variance=-9_000,
            variance_ratio=-0.1,
            request_variance_ratio=-0.1667,
            runs=RunCountsRecord(PASS=2, FAIL=1),
            actual_cost_usd=cost,
        ),
    )


YAML_URL = "https://github.com/acme/app/releases/download/v1.1.0/resource-variance-summary.yaml"


def test_a_passing_release_section() -> None:
    section = render_evidence_section(
        summary(warnings=1),
        links=[
            EvidenceLink("resource-variance-summary.yaml", YAML_URL),
            EvidenceLink("resource-variance-summary.md"),
        ],
    )
    assert section == (
        "## Budget evidence\n"
        "\n"
        "✅ **Budget gate passed** for this release: every slice in the range has its estimate "
        "and usage reports (1 warning).\n"
        "\n"
        "- Range: `v1.0.0` (`aaaaaaa`) … `v1.1.0` (`bbbbbbb`)\n"
        "- Slices: 0 in scope; runs: 2 pass, 1 fail, 0 blocked\n"
        "- Tokens: 81,000 spent against an estimate of 90,000 (-9,000, -10.0 %)\n"
        "- Requests: 15 against 18 (-3, -16.7 %)\n"
        f"- Evidence: [resource\\-variance\\-summary\\.yaml]({YAML_URL}) · "
        "resource\\-variance\\-summary\\.md\n"
    )


def test_a_failing_release_says_so_plainly() -> None:
    uncovered = [f"APP/S{index:02d}" for index in range(12)]
    section = render_evidence_section(
        summary(verdict="fail", errors=13, uncovered=uncovered, base=None, cost=3.5)
    )
    assert section.splitlines()[2] == (
        "❌ **Budget gate failed** for this release with 13 errors: budget coverage is "
        "incomplete. The release stays as it is; the gate run lists every finding and how to "
        "fix it."
    )
    assert "- Range: the whole history (first release) … `v1.1.0` (`bbbbbbb`)\n" in section
    assert "- Cost: \\$3.50\n" in section
    listed = ", ".join(f"`APP/S{index:02d}`" for index in range(10))
    assert f"- Uncovered slices: {listed} and 2 more\n" in section


def test_user_strings_in_the_section_cannot_break_out() -> None:
    """A tag name is shown as code (literal, no HTML, no ping, no marker); a link that is not
    http(s) is dropped and its label escaped."""
    hostile = f"v2 {SECTION_END} <img src=x> @org/team"
    section = render_evidence_section(
        summary(head_ref=hostile),
        links=[EvidenceLink("gate run](javascript:alert(1)", "javascript:alert(1)")],
    )
    lines = section.splitlines()
    assert lines[4] == (
        "- Range: `v1.0.0` (`aaaaaaa`) … "
        "`v2 <\u200b!-- plan-budget-gate:release-evidence:end --> <img src=x> @org/team` "
        "(`bbbbbbb`)"
    )
    assert lines[-1] == "- Evidence: gate run\\]\\(javascript\\:alert\\(1\\)"
    assert SECTION_END not in section
    assert upsert_evidence_section(None, section).count(SECTION_END) == 1
