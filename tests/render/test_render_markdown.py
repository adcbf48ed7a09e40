"""The markdown report as a whole: hostile user strings, links, and the comment size budget."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_render_samples import LINKS, failing_report, passing_report, slice_result, variance

from budget_gate.judge.report import BreachLevel, Report
from budget_gate.models.findings import Finding, FindingCode
from budget_gate.render import MARKER
from budget_gate.render.markdown import render_markdown

HOSTILE_TITLE = "<b>x</b> | <!-- @org/team [x](javascript:alert(1))"


def hostile_report() -> Report:
    report = failing_report()
    slices = (slice_result("P-1", "S1", title=HOSTILE_TITLE), *report.slices[1:])
    findings = (
        Finding.of(
            FindingCode.ORPHAN_RECORD,
            "first line\n\n# not a heading\n<!-- " + MARKER + " -->\n@octocat please look",
            path="plans/p`1`/a b|c.yaml",
            line=3,
            plan_id="P-1",
            slice_id="S1",
            fix="[click](javascript:alert(1)) <img src=x onerror=alert(1)>",
        ),
    )
    return replace(report, slices=slices, findings=findings)


def test_hostile_strings_render_literally() -> None:
    text = render_markdown(hostile_report(), links=LINKS)
    assert text.count(MARKER) == 1
    assert text.rstrip().endswith(MARKER)
    assert "<b>" not in text
    assert "<img" not in text
    assert "<!--" not in text.replace(MARKER, "")
    assert "](javascript" not in text
    assert re.search(r"(?<![A-Za-z0-9_])@(?!&#8203;)[A-Za-z]", text) is None
    assert "\n# not a heading" not in text
    assert "first line<br><br>\\# not a heading" in text


def test_table_rows_never_break() -> None:
    text = render_markdown(hostile_report(), links=LINKS)
    table = [line for line in text.splitlines() if line.startswith("|")]
    header_cells = table[0].count(" | ")
    for row in table:
        unescaped_pipes = len(re.findall(r"(?<!\\)\|", row))
        assert unescaped_pipes == header_cells + 2, row


def test_backticks_in_paths_stay_in_code_and_links_are_encoded() -> None:
    text = render_markdown(hostile_report(), links=LINKS)
    assert "[``plans/p`1`/a b|c.yaml:3``](" in text
    assert "/plans/p%601%60/a%20b%7Cc.yaml#L3)" in text


def test_without_links_locations_are_plain_code() -> None:
    text = render_markdown(failing_report(), links=None)
    assert "`plans/imp-cost-01/estimation.yaml:4` estimated" in text
    assert "](http" not in text


def test_verdict_line_comes_first() -> None:
    assert render_markdown(failing_report()).startswith(
        "## ❌ Plan Budget Gate: fail — 7 errors, 5 warnings\n"
    )
    assert render_markdown(passing_report()).startswith("## ✅ Plan Budget Gate: pass")


def huge_report(slices: int = 5_000, findings: int = 5_000, message: str = "") -> Report:
    codes = list(FindingCode)
    results = tuple(
        slice_result(
            f"PLAN-{index // 10}",
            f"S{index % 10}",
            title=f"Slice number {index}",
            numbers=variance(1_000, 3_000, breach=BreachLevel.BREACH, drivers=("run r (90 %)",)),
        )
        for index in range(slices)
    )
    found = tuple(
        Finding.of(
            codes[index % len(codes)],
            message or f"finding {index} about something that went wrong",
            path=f"plans/plan-{index // 10}/plan.md",
            line=index + 1,
            plan_id=f"PLAN-{index // 10}",
            slice_id=f"S{index % 10}",
            fix="do the thing",
        )
        for index in range(findings)
    )
    return replace(failing_report(), slices=results, findings=found)


def _assert_fits(text: str, max_chars: int) -> None:
    assert len(text) <= max_chars
    assert text.startswith("## ❌ Plan Budget Gate: fail — ")
    assert text.count(MARKER) == 1
    assert "Cut to fit the comment size limit" in text


def test_five_thousand_slices_and_findings_fit_in_a_comment() -> None:
    started = time.perf_counter()
    text = render_markdown(huge_report(), links=LINKS)
    elapsed = time.perf_counter() - started
    _assert_fits(text, 65_000)
    assert re.search(r"Showing [\d,]+ of 5,000 findings", text)
    assert "of 5,000 slices that need attention" in text
    assert "`budget-gate check --format json`" in text
    assert "[workflow run](https://github.com/acme/rocket/actions/runs/42)" in text
    assert "❌ `duplicate-record`" in text  # every code keeps a share
    assert elapsed < 5, f"rendering took {elapsed:.1f}s; the budgeting renders too much"


def test_only_passing_slices_lose_their_table_first() -> None:
    report = replace(
        passing_report(),
        slices=tuple(slice_result("P", f"S{index}") for index in range(5_000)),
    )
    text = render_markdown(report, links=LINKS)
    assert len(text) <= 65_000
    assert "The table of 5,000 passing slices is left out." in text
    assert "Details cut to fit" in text


@pytest.mark.parametrize("max_chars", [1_000, 2_000, 10_000, 65_000])
def test_huge_user_strings_fit(max_chars: int) -> None:
    report = huge_report(slices=50, findings=50, message="@x <b> " + "y" * 200_000)
    report = replace(report, notes=("n" * 100_000,) * 50)
    text = render_markdown(report, links=LINKS, max_chars=max_chars)
    _assert_fits(text, max_chars)


def test_a_template_too_long_for_any_level_falls_back_to_verdict_and_marker(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "templates"
    directory.mkdir()
    (directory / "report.md.j2").write_text(
        '{% extends "shipped/report.md.j2" %}{% block footer %}'
        "{% for _ in range(5000) %}padding {% endfor %}{% endblock %}",
        encoding="utf-8",
    )
    text = render_markdown(failing_report(), template_dir=directory, max_chars=5_000)
    _assert_fits(text, 5_000)
    assert "too long to show here" in text


def test_a_tight_budget_never_claims_that_failing_slices_pass() -> None:
    text = render_markdown(huge_report(), links=LINKS, max_chars=3_000)
    _assert_fits(text, 3_000)
    assert "in scope pass" not in text
    assert "need attention" in text


def test_max_chars_must_leave_room_for_the_verdict() -> None:
    with pytest.raises(ValueError, match="at least 1,000"):
        render_markdown(failing_report(), max_chars=100)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=st.text(max_size=3_000),
    message=st.text(max_size=3_000),
    path=st.text(min_size=1, max_size=500),
)
def test_any_strings_fit_and_keep_one_marker(title: str, message: str, path: str) -> None:
    report = replace(
        failing_report(),
        slices=(slice_result("P", "S", title=title),) * 40,
        findings=(Finding.of(FindingCode.ORPHAN_RECORD, message, path=path, line=1),) * 40,
    )
    text = render_markdown(report, links=LINKS, max_chars=4_000)
    assert len(text) <= 4_000
    assert text.count(MARKER) == 1
    assert text.startswith("## ❌ Plan Budget Gate: fail")
