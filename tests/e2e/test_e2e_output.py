"""End to end: waiver, observe mode, config severities, the three formats, `--output`, the demo.

The payments pull request (see e2e_artifacts.py) fails with four errors and one warning:
missing-usage-report on S2 and S3, missing-estimate on S3, unreported-agent-run (S3) and the
untracked-agent-commit warning (S2). Each test changes one thing about how it is judged or shown.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from e2e_artifacts import PLAN_PATH, payments_base, payments_pr
from e2e_support import Cli, finding_rows
from gitrepo import GitRepoBuilder
from locations import DEMO

pytestmark = pytest.mark.e2e

CONFIG = ".github/plan-budget-gate.yml"
MARKER = "<!-- plan-budget-gate:report -->"
PR = ("--base", "main", "--head", "feature")


def payments(repo: GitRepoBuilder, *, config: str | None = None) -> None:
    if config is not None:
        repo.write(CONFIG, config)
    payments_base(repo)
    payments_pr(repo)


def severities(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(item["code"], item["severity"]) for item in report["findings"]]


# -- 9. waiver, observe, severities -------------------------------------------------------------


def test_the_waiver_label_passes_the_gate_and_says_so(cli: Cli, repo: GitRepoBuilder) -> None:
    payments(repo)

    result = cli(
        "check",
        "--repo",
        repo.root,
        *PR,
        "--format",
        "json",
        "--label",
        "needs-review",
        "--label",
        "budget-gate:waive",
    )

    assert result.returncode == 0
    report = result.json()
    assert report["verdict"] == "pass"
    assert report["waiver"] == {"label": "budget-gate:waive", "applied": True}
    # The waiver is shown from the report's waiver object, not repeated as a note.
    assert report["notes"] == []
    # Nothing is hidden: the same five findings, errors shown as warnings.
    assert severities(report) == [
        ("missing-usage-report", "warning"),
        ("missing-estimate", "warning"),
        ("missing-usage-report", "warning"),
        ("unreported-agent-run", "warning"),
        ("untracked-agent-commit", "warning"),
    ]
    text = cli("check", "--repo", repo.root, *PR, "--label", "budget-gate:waive")
    assert text.returncode == 0
    assert "Waived by the label budget-gate:waive: findings do not fail the check." in text.stdout


def test_other_labels_do_not_waive(cli: Cli, repo: GitRepoBuilder) -> None:
    payments(repo)

    result = cli("check", "--repo", repo.root, *PR, "--format", "json", "--label", "waive")

    assert result.returncode == 1
    assert result.json()["waiver"] == {"label": "budget-gate:waive", "applied": False}


def test_the_config_names_the_waiver_label(cli: Cli, repo: GitRepoBuilder) -> None:
    payments(repo, config="waiver:\n  label: budget:skip\n")

    default = cli("check", "--repo", repo.root, *PR, "--label", "budget-gate:waive")
    configured = cli(
        "check", "--repo", repo.root, *PR, "--format", "json", "--label", "budget:skip"
    )

    assert default.returncode == 1
    assert configured.returncode == 0
    assert configured.json()["waiver"] == {"label": "budget:skip", "applied": True}


def test_observe_mode_reports_errors_as_warnings_and_exits_0(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments(repo)

    result = cli("check", "--repo", repo.root, *PR, "--format", "json", "--mode", "observe")

    assert result.returncode == 0
    report = result.json()
    assert (report["verdict"], report["mode"]) == ("pass", "observe")
    assert report["waiver"] == {"label": "budget-gate:waive", "applied": False}
    assert {severity for _, severity in severities(report)} == {"warning"}
    assert len(report["findings"]) == 5
    text = cli("check", "--repo", repo.root, *PR, "--mode", "observe")
    assert text.stdout.splitlines()[:2] == [
        "👀 Plan Budget Gate: pass (observe mode) — 0 errors, 5 warnings",
        "Observe mode: errors are reported as warnings and never fail the check.",
    ]


def test_the_command_line_mode_overrides_the_config(cli: Cli, repo: GitRepoBuilder) -> None:
    payments(repo, config="mode: observe\n")

    observed = cli("check", "--repo", repo.root, *PR, "--format", "json")
    enforced = cli("check", "--repo", repo.root, *PR, "--format", "json", "--mode", "enforce")

    assert (observed.returncode, observed.json()["mode"]) == (0, "observe")
    assert (enforced.returncode, enforced.json()["mode"]) == (1, "enforce")


def test_config_severities_override_the_defaults(cli: Cli, repo: GitRepoBuilder) -> None:
    payments(
        repo,
        config=(
            "severities:\n"
            "  missing-usage-report: notice\n"
            "  missing-estimate: warning\n"
            "  unreported-agent-run: warning\n"
            "  untracked-agent-commit: error\n"
        ),
    )

    result = cli("check", "--repo", repo.root, *PR, "--format", "json")

    # The only error left is the untracked agent commit; findings stay worst first.
    assert result.returncode == 1
    assert finding_rows(result.json()) == [
        ("untracked-agent-commit", "error", None, None, "PAY-01", "S2"),
        ("missing-estimate", "warning", PLAN_PATH, 14, "PAY-01", "S3"),
        ("unreported-agent-run", "warning", None, None, "PAY-01", "S3"),
        ("missing-usage-report", "notice", PLAN_PATH, 11, "PAY-01", "S2"),
        ("missing-usage-report", "notice", PLAN_PATH, 14, "PAY-01", "S3"),
    ]


def test_severities_that_leave_no_error_pass(cli: Cli, repo: GitRepoBuilder) -> None:
    payments(
        repo,
        config=(
            "severities:\n"
            "  missing-usage-report: warning\n"
            "  missing-estimate: warning\n"
            "  unreported-agent-run: notice\n"
        ),
    )

    result = cli("check", "--repo", repo.root, *PR)

    assert result.returncode == 0
    assert result.stdout.startswith("✅ Plan Budget Gate: pass — 0 errors, 4 warnings")


# -- 10. formats and --output -------------------------------------------------------------------


def test_markdown_starts_with_the_verdict_and_carries_the_marker(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    payments(repo)

    result = cli("check", "--repo", repo.root, *PR, "--format", "markdown")

    assert result.returncode == 1
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "## ❌ Plan Budget Gate: fail — 4 errors, 1 warning"
    assert result.stdout.count(MARKER) == 1
    assert "`plans/PAY-01/plan.md:14` `PAY-01/S3`: PAY\\-01/S3 is ready\\-for\\-build" in (
        result.stdout
    )
    # A ready-to-paste stub for each missing record, in a YAML block.
    assert "```yaml\n# Estimation for PAY-01/S3: replace every null." in result.stdout
    assert "**Missing usage report for PAY\\-01/S2**" in result.stdout


def test_text_findings_are_compiler_style_lines(cli: Cli, repo: GitRepoBuilder) -> None:
    payments(repo)

    result = cli("check", "--repo", repo.root, *PR, "--format", "text")

    # Grouped by code (errors first), then by where they are.
    finding_lines = [
        line for line in result.stdout.splitlines() if " missing-" in line and ": " in line
    ]
    assert finding_lines == [
        f"{PLAN_PATH}:14: error missing-estimate: PAY-01/S3: PAY-01/S3 is ready-for-build but has "
        "no estimation record; every slice that is approved or later needs one.",
        f"{PLAN_PATH}:11: error missing-usage-report: PAY-01/S2: PAY-01/S2 has agent work but no "
        "usage report: this change edits paths it owns (src/pay/ledger/book.py) and agent "
        f"commits name it ({repo.rev('feature~1')[:7]}).",
        f"{PLAN_PATH}:14: error missing-usage-report: PAY-01/S3: PAY-01/S3 has agent work but no "
        f"usage report: agent commits name it ({repo.rev('feature')[:7]}).",
    ]


@pytest.mark.parametrize("output_format", ["json", "markdown", "text"])
def test_output_writes_the_file_and_nothing_to_stdout(
    cli: Cli, repo: GitRepoBuilder, tmp_path: Path, output_format: str
) -> None:
    payments(repo)
    target = tmp_path / "out" / f"report.{output_format}"  # the directory is created

    written = cli("check", "--repo", repo.root, *PR, "--format", output_format, "--output", target)
    printed = cli("check", "--repo", repo.root, *PR, "--format", output_format)

    assert (written.returncode, written.stdout, written.stderr) == (1, "", "")
    content = target.read_text(encoding="utf-8")
    if output_format == "json":
        file_report, stdout_report = json.loads(content), printed.json()
        file_report.pop("generated_at")
        stdout_report.pop("generated_at")
        assert file_report == stdout_report
    else:
        assert content.splitlines()[0] == printed.stdout.splitlines()[0]
        assert len(content.splitlines()) == len(printed.stdout.splitlines())


# -- 12. the demo -------------------------------------------------------------------------------


# The demo lives in this repository: its caches go to a temporary directory, not to .git.


def test_the_demo_fails_on_the_missing_estimate_the_overrun_and_both_stop_losses(
    cli: Cli, tmp_path: Path
) -> None:
    result = cli("check", "--repo", DEMO, "--format", "json", "--cache-dir", tmp_path)

    assert result.returncode == 1
    assert result.stderr == ""
    report = result.json()
    assert (report["verdict"], report["kind"]) == ("fail", "audit")
    found = {(f["code"], f["plan_id"], f["slice_id"]): f for f in report["findings"]}
    missing = found[("missing-estimate", "IMP-COST-01", "S5")]
    assert (missing["severity"], missing["path"]) == ("error", "plans/IMP-COST-01/plan.md")
    breach = found[("variance-breach", "IMP-COST-01", "S4")]
    assert breach["path"] == "plans/IMP-COST-01/estimation.yaml"
    s4 = next(s for s in report["slices"] if (s["plan_id"], s["slice_id"]) == ("IMP-COST-01", "S4"))
    assert s4["breach"] == "breach"
    assert s4["variance"]["ratio"] > 0.5
    # S4's runs report no phases, yet at 269.6 % of its estimate it is past its cumulative
    # stop-loss; S3, at 99.8 % in total, still fails by its IMPLEMENT phase (153.3 %).
    s4_stop = found[("stop-loss", "IMP-COST-01", "S4")]
    assert s4_stop["severity"] == "error"
    assert "it spent 269.6% of its estimate in total (stop-loss above 120%" in s4_stop["message"]
    assert (s4["phase_budget"]["stop_loss"], s4["phase_budget"]["phase_data"]) == (
        "triggered",
        False,
    )
    assert s4["phase_budget"]["cumulative"]["utilisation"] == 2.6964
    s3_stop = found[("stop-loss", "IMP-COST-01", "S3")]
    assert s3_stop["severity"] == "error"
    assert "IMPLEMENT spent 116,500 of its 76,000-token budget (153.3%" in s3_stop["message"]
    assert found[("latency-breach", "IMP-COST-01", "S3")]["severity"] == "warning"


def test_the_demo_in_markdown_and_text(cli: Cli, tmp_path: Path) -> None:
    markdown = cli("check", "--repo", DEMO, "--format", "markdown", "--cache-dir", tmp_path)
    text = cli("check", "--repo", DEMO, "--cache-dir", tmp_path)

    assert markdown.returncode == text.returncode == 1
    assert markdown.stdout.startswith("## ❌ Plan Budget Gate: fail")
    assert MARKER in markdown.stdout
    assert text.stdout.startswith("❌ Plan Budget Gate: fail")
    assert "plans/IMP-COST-01/plan.md:" in text.stdout


def test_text_output_in_a_run_step_cannot_forge_a_workflow_command(
    cli: Cli, repo: GitRepoBuilder
) -> None:
    """A file a custom glob reaches, named `::error title=…::….yaml`, with a broken record: its
    finding line starts with the path, which the runner would read as an annotation."""
    repo.write(CONFIG, "paths:\n  usage_reports: ['*.yaml']\n")
    forged = "::error title=Budget approved::all clear.yaml"
    repo.write(forged, "run_id: [unclosed\n")
    repo.commit("A report with a forged name")

    result = cli("check", "--repo", repo.root, "--format", "text")

    lines = result.stdout.splitlines()
    commands = [line for line in lines if line.lstrip().startswith("::") or "##[" in line]
    assert (result.returncode, commands) == (1, [])
    assert any(line.startswith(f"./{forged}:1: error invalid-artifact: ") for line in lines)
