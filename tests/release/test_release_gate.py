"""The release gate on a real tagged history (§4, §5, §3.4), in process and as the CLI.

The history, built once per test by `history`:

    c1  human   plans APP (S1 done, S2 ready-for-build) and DOCS (approved), their estimates
    c2  claude  src/parser + report run-s1-a for APP/S1          Agent-Run: run-s1-a
    --- v1.0.0 (annotated): the first release
    c3  human   APP plan: S2 becomes in-progress
    c4  claude  src/export/e.py + report run-s2-a for APP/S2     Agent-Run: run-s2-a
    c5  claude  src/export/f.py + report run-s2-b (FAIL)         Agent-Run: run-s2-b
    --- v1.1.0 (lightweight)
    c6  human   APP plan: S2 done, new slice S3 done (no code, no report), S3's estimate
    c7  claude  src/export/g.py, no report                       Agent-Run: run-s2-c
    --- v1.2.0 (annotated): fails (S3 done without usage, run-s2-c unreported)

Estimates (requests; prompt + completion tokens): S1 10; 40,000 + 10,000 = 50,000.
S2 8; 30,000 + 10,000 = 40,000. S3 3; 10,000 + 2,000 = 12,000. DOCS 2; 5,000 + 1,000 = 6,000.
Runs: run-s1-a 6 requests, 30,000 + 6,000 = 36,000 (PASS); run-s2-a 5, 20,000 + 5,000 = 25,000
(PASS); run-s2-b 4, 16,000 + 4,000 = 20,000 (FAIL).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from budget_gate.errors import GateError
from budget_gate.judge.report import Verdict
from budget_gate.models.common import SliceRef
from budget_gate.models.config import Mode
from budget_gate.models.findings import FindingCode, Severity
from budget_gate.release.gate import ReleaseOutcome, ReleaseRequest, run_release
from budget_gate.release.summary_files import load_summary
from budget_gate.scope.change import ScopeKind
from budget_gate.scope.slices import ScopeReason
from budget_gate.workspace.check import CheckRequest, run_check
from gitrepo import GitRepoBuilder, isolated_git_env

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
CLAUDE = "Claude <noreply@anthropic.com>"
TAGGER = {"GIT_COMMITTER_NAME": "Rel Manager", "GIT_COMMITTER_EMAIL": "rel@example.com"}

APP_V1 = """\
plan_id: APP
title: App
status: in-progress
slices:
  - slice_id: S1
    title: Parser
    status: done
    paths: ["src/parser/**"]
  - slice_id: S2
    title: Exporter
    status: ready-for-build
    paths: ["src/export/**"]
"""
APP_V2 = APP_V1.replace("status: ready-for-build", "status: in-progress")
APP_V3 = (
    APP_V1.replace("status: ready-for-build", "status: done")
    + """\
  - slice_id: S3
    title: Exporter CLI
    status: done
    paths: ["src/cli/**"]
"""
)
DOCS_PLAN = "plan_id: DOCS\ntitle: Docs site\nstatus: approved\n"


def _estimate(plan: str, slice_id: str, requests: int, prompt: int, completion: int) -> str:
    return (
        f"  - plan_id: {plan}\n    slice_id: {slice_id}\n    estimated_requests: {requests}\n"
        f"    estimated_prompt_tokens: {prompt}\n    estimated_completion_tokens: {completion}\n"
        "    estimation_method: MANUAL\n    estimation_owner: ana\n"
        "    estimation_timestamp: 2026-01-01T09:00:00Z\n"
    )


def _usage(
    run_id: str, slice_id: str, requests: int, prompt: int, completion: int, status: str
) -> str:
    return (
        f"run_id: {run_id}\nplan_id: APP\nslice_id: {slice_id}\nagent_id: claude-code\n"
        f"actual_requests: {requests}\nactual_prompt_tokens: {prompt}\n"
        f"actual_completion_tokens: {completion}\nactual_total_tokens: {prompt + completion}\n"
        f"duration_seconds: 60\nstatus: {status}\nreport_timestamp: 2026-01-02T10:00:00Z\n"
    )


@dataclass(frozen=True)
class History:
    builder: GitRepoBuilder
    shas: dict[str, str]

    @property
    def root(self) -> Path:
        return self.builder.root


def _annotated_tag(builder: GitRepoBuilder, name: str) -> None:
    builder.git("tag", "-a", name, "-m", f"Release {name}", env=TAGGER)


@pytest.fixture(autouse=True)
def _no_user_git_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def history(tmp_path: Path) -> History:
    b = GitRepoBuilder.create(tmp_path / "repo")
    shas: dict[str, str] = {}
    b.write("plans/APP/plan.yaml", APP_V1)
    b.write(
        "plans/APP/estimation.yaml",
        "estimates:\n"
        + _estimate("APP", "S1", 10, 40_000, 10_000)
        + _estimate("APP", "S2", 8, 30_000, 10_000),
    )
    b.write("plans/DOCS/plan.yaml", DOCS_PLAN)
    b.write(
        "plans/DOCS/estimation.yaml",
        "estimates:\n" + _estimate("DOCS", "FULL_PLAN", 2, 5_000, 1_000),
    )
    shas["c1"] = b.commit("Plans and estimates")
    b.write("src/parser/p.py", "parse = 1\n")
    b.write("plans/APP/usage/run-s1-a.yaml", _usage("run-s1-a", "S1", 6, 30_000, 6_000, "PASS"))
    shas["c2"] = b.commit(
        "Parser", author=CLAUDE, trailers=[("Plan-Slice", "APP/S1"), ("Agent-Run", "run-s1-a")]
    )
    _annotated_tag(b, "v1.0.0")
    b.write("plans/APP/plan.yaml", APP_V2)
    shas["c3"] = b.commit("Start the exporter")
    b.write("src/export/e.py", "export = 1\n")
    b.write("plans/APP/usage/run-s2-a.yaml", _usage("run-s2-a", "S2", 5, 20_000, 5_000, "PASS"))
    shas["c4"] = b.commit(
        "Exporter", author=CLAUDE, trailers=[("Plan-Slice", "APP/S2"), ("Agent-Run", "run-s2-a")]
    )
    b.write("src/export/f.py", "fmt = 1\n")
    b.write("plans/APP/usage/run-s2-b.yaml", _usage("run-s2-b", "S2", 4, 16_000, 4_000, "FAIL"))
    shas["c5"] = b.commit("Exporter formats", author=CLAUDE, trailers=[("Agent-Run", "run-s2-b")])
    b.tag("v1.1.0")
    b.write("plans/APP/plan.yaml", APP_V3)
    b.write(
        "plans/APP/estimation.yaml",
        "estimates:\n"
        + _estimate("APP", "S1", 10, 40_000, 10_000)
        + _estimate("APP", "S2", 8, 30_000, 10_000)
        + _estimate("APP", "S3", 3, 10_000, 2_000),
    )
    shas["c6"] = b.commit("Exporter done; CLI slice")
    b.write("src/export/g.py", "more = 1\n")
    shas["c7"] = b.commit(
        "Exporter polish",
        author=CLAUDE,
        trailers=[("Plan-Slice", "APP/S2"), ("Agent-Run", "run-s2-c")],
    )
    _annotated_tag(b, "v1.2.0")
    return History(builder=b, shas=shas)


def _release(history: History, **kwargs: Any) -> ReleaseOutcome:
    return run_release(ReleaseRequest(repo=history.root, **kwargs), now=NOW)


def _codes(outcome: ReleaseOutcome) -> list[tuple[str, str, str | None, str | None]]:
    return sorted(
        (item.code.value, item.severity.value, item.plan_id, item.slice_id)
        for item in outcome.check.report.findings
    )


def _ref(text: str) -> SliceRef:
    plan_id, slice_id = text.split("/")
    return SliceRef(plan_id=plan_id, slice_id=slice_id)


# -- the first release: no earlier tag, the whole history ------------------------------------


def test_first_release_audits_the_whole_history(history: History) -> None:
    outcome = _release(history, to_ref="v1.0.0")
    report = outcome.check.report

    assert outcome.range.first_release
    assert (outcome.range.base, outcome.range.head) == (None, history.shas["c2"])
    assert outcome.range.commit_count == 2
    assert report.kind is ScopeKind.RELEASE
    assert (report.base, report.head) == (None, history.shas["c2"])
    assert report.notes == (
        "First release: no earlier tag matching v* is reachable from v1.0.0 "
        f"({history.shas['c2'][:7]}), so the whole history (2 commits) was audited.",
    )
    # Every plan file is new in the first release, so every slice is in scope.
    assert {item.ref: item.reasons for item in report.slices} == {
        _ref("APP/S1"): {
            ScopeReason.PLAN_CHANGED,
            ScopeReason.RECORD_CHANGED,
            ScopeReason.OWNED_PATH_CHANGED,
            ScopeReason.TRAILER,
            ScopeReason.AGENT_RUN,
        },
        _ref("APP/S2"): {ScopeReason.PLAN_CHANGED, ScopeReason.RECORD_CHANGED},
        _ref("DOCS/FULL_PLAN"): {ScopeReason.PLAN_CHANGED, ScopeReason.RECORD_CHANGED},
    }
    assert _codes(outcome) == []
    assert report.verdict is Verdict.PASS

    summary = outcome.summary
    assert (summary.base, summary.base_ref) == (None, None)
    assert (summary.head, summary.head_ref) == (history.shas["c2"], "v1.0.0")
    assert [(s.plan_id, s.slice_id) for s in summary.slices] == [
        ("APP", "S1"),
        ("APP", "S2"),
        ("DOCS", "FULL_PLAN"),
    ]
    s1 = summary.slices[0]
    assert (s1.estimated_requests, s1.estimated_total_tokens) == (10, 50_000)
    assert (s1.actual_requests, s1.actual_total_tokens) == (6, 36_000)
    assert (s1.request_variance, s1.token_variance) == (-4, -14_000)
    assert (s1.request_variance_ratio, s1.variance_ratio) == (-0.4, -0.28)
    totals = summary.totals
    # Estimates 50,000 + 40,000 + 6,000 tokens and 10 + 8 + 2 requests; one run spent 36,000 / 6.
    assert (totals.estimated_total_tokens, totals.estimated_requests) == (96_000, 20)
    assert (totals.actual_total_tokens, totals.actual_requests) == (36_000, 6)
    assert (totals.token_variance, totals.request_variance) == (-60_000, -14)
    assert (totals.variance_ratio, totals.request_variance_ratio) == (-0.625, -0.7)
    assert (totals.runs.PASS, totals.runs.FAIL, totals.runs.BLOCKED) == (1, 0, 0)


def test_first_release_from_an_untagged_head(history: History) -> None:
    history.builder.git("tag", "-d", "v1.0.0", "v1.1.0", "v1.2.0")
    outcome = _release(history)
    assert outcome.range.first_release
    assert outcome.range.head_ref is None
    assert outcome.range.commit_count == 7
    assert outcome.summary.head == history.shas["c7"]


# -- a normal range: since the previous tag ----------------------------------------------------


def test_normal_range_starts_after_the_previous_annotated_tag(history: History) -> None:
    outcome = _release(history, to_ref="v1.1.0")
    report = outcome.check.report

    assert (outcome.range.base_ref, outcome.range.base) == ("v1.0.0", history.shas["c2"])
    assert outcome.range.head == history.shas["c5"]
    assert outcome.range.commit_count == 3
    assert report.notes == (
        f"Release range: v1.0.0 ({history.shas['c2'][:7]}), the previous tag matching v* .. "
        f"v1.1.0 ({history.shas['c5'][:7]}) (3 commits).",
    )
    # The APP plan changed (both its slices); DOCS was not touched in this range.
    assert {item.ref for item in report.slices} == {_ref("APP/S1"), _ref("APP/S2")}
    assert _ref("APP/S2") in {item.ref for item in report.slices}
    assert _codes(outcome) == []
    assert report.verdict is Verdict.PASS

    summary = outcome.summary
    assert (summary.base_ref, summary.head_ref) == ("v1.0.0", "v1.1.0")
    s2 = next(item for item in summary.slices if item.slice_id == "S2")
    # run-s2-a 25,000 / 5 + run-s2-b 20,000 / 4 (a failed run still spent) against 40,000 / 8.
    assert (s2.actual_total_tokens, s2.actual_requests) == (45_000, 9)
    assert (s2.token_variance, s2.request_variance) == (5_000, 1)
    assert (s2.variance_ratio, s2.request_variance_ratio) == (0.125, 0.125)
    assert (s2.runs.PASS, s2.runs.FAIL) == (1, 1)
    assert s2.breach == "none"
    totals = summary.totals
    # S1 50,000 / 10 + S2 40,000 / 8 estimated; 36,000 / 6 + 45,000 / 9 spent.
    assert (totals.estimated_total_tokens, totals.estimated_requests) == (90_000, 18)
    assert (totals.actual_total_tokens, totals.actual_requests) == (81_000, 15)
    assert (totals.token_variance, totals.request_variance) == (-9_000, -3)
    assert (totals.variance_ratio, totals.request_variance_ratio) == (-0.1, -0.1667)


def test_a_lightweight_previous_tag_and_an_explicit_from(history: History) -> None:
    outcome = _release(history, to_ref="v1.2.0")
    assert (outcome.range.base_ref, outcome.range.base) == ("v1.1.0", history.shas["c5"])
    assert outcome.range.commit_count == 2

    explicit = _release(history, from_ref="v1.0.0", to_ref="v1.1.0")
    assert explicit.range.base == history.shas["c2"]
    assert not explicit.range.base_from_tag
    assert explicit.check.report.notes == (
        f"Release range: v1.0.0 ({history.shas['c2'][:7]}) .. "
        f"v1.1.0 ({history.shas['c5'][:7]}) (3 commits).",
    )


def test_the_tag_pattern_comes_from_the_config(history: History) -> None:
    builder = history.builder
    builder.write(".github/plan-budget-gate.yml", 'release:\n  tag_pattern: "release-*"\n')
    builder.commit("Config")
    builder.tag("release-1")
    builder.write("README.md", "x\n")
    builder.commit("Docs")
    outcome = _release(history)
    assert outcome.range.base_ref == "release-1"
    assert outcome.range.commit_count == 1
    assert "the previous tag matching release-*" in outcome.check.report.notes[0]


# -- incomplete coverage fails -------------------------------------------------------------------


def test_unreported_run_and_done_slice_without_usage_fail_the_release(history: History) -> None:
    outcome = _release(history, to_ref="v1.2.0")
    report = outcome.check.report

    assert report.verdict is Verdict.FAIL
    assert _codes(outcome) == [
        ("missing-usage-report", "error", "APP", "S3"),
        ("unreported-agent-run", "error", "APP", "S2"),
    ]
    by_code = {item.code: item for item in report.findings}
    missing = by_code[FindingCode.MISSING_USAGE_REPORT]
    assert missing.message == (
        "APP/S3 has agent work but no usage report: it is done in this release."
    )
    assert (missing.path, missing.line) == ("plans/APP/plan.yaml", 13)
    unreported = by_code[FindingCode.UNREPORTED_AGENT_RUN]
    assert unreported.message == (
        f"Commit {history.shas['c7'][:7]} has the trailer Agent-Run: run-s2-c, "
        "but no usage report has run_id run-s2-c."
    )
    assert outcome.summary.verdict == "fail"
    assert outcome.summary.uncovered_slices == ["APP/S3"]
    assert (outcome.summary.findings.error, outcome.summary.findings.warning) == (2, 0)
    s3 = next(item for item in outcome.summary.slices if item.slice_id == "S3")
    assert (s3.estimated_total_tokens, s3.actual_total_tokens, s3.token_variance) == (
        12_000,
        0,
        -12_000,
    )


def test_check_would_not_require_the_usage_report_a_release_requires(history: History) -> None:
    """The same range as a pull request: S3 has no agent work in it, so no usage is required."""
    outcome = run_check(CheckRequest(repo=history.root, base="v1.1.0", head="v1.2.0"), now=NOW)
    codes = {item.code for item in outcome.report.findings if item.severity is Severity.ERROR}
    assert codes == {FindingCode.UNREPORTED_AGENT_RUN}


def test_observe_mode_reports_but_passes(history: History) -> None:
    outcome = _release(history, to_ref="v1.2.0", mode=Mode.OBSERVE)
    assert outcome.check.report.verdict is Verdict.PASS
    assert outcome.summary.findings.warning == 2
    assert outcome.summary.uncovered_slices == ["APP/S3"]


# -- what cannot be judged -----------------------------------------------------------------------


def test_a_shallow_clone_without_the_previous_tag_says_fetch(
    history: History, tmp_path: Path
) -> None:
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{history.root}", str(clone)],
        check=True,
        env=isolated_git_env(),
    )
    with pytest.raises(GateError, match=r"shallow clone.*fetch-depth: 0"):
        run_release(ReleaseRequest(repo=clone), now=NOW)


# -- the CLI -------------------------------------------------------------------------------------


def _cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = isolated_git_env()
    env.pop("BUDGET_GATE_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "budget_gate", *(str(arg) for arg in args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.e2e
def test_cli_release_passes_and_writes_the_summary(history: History) -> None:
    history.builder.checkout("v1.1.0")
    result = _cli("release", "--format", "json", cwd=history.root)

    assert result.returncode == 0, result.stderr
    c2, c5 = history.shas["c2"][:7], history.shas["c5"][:7]
    assert (
        f"budget-gate: Release range: v1.0.0 ({c2}), the previous tag matching v* .. "
        f"v1.1.0 ({c5}) (3 commits)." in result.stderr
    )
    assert "resource-variance-summary.yaml" in result.stderr
    report = json.loads(result.stdout)
    assert (report["verdict"], report["kind"]) == ("pass", "release")
    assert (report["base"], report["head"]) == (history.shas["c2"], history.shas["c5"])
    assert [(s["plan_id"], s["slice_id"]) for s in report["slices"]] == [
        ("APP", "S1"),
        ("APP", "S2"),
    ]

    written = history.root / "docs/artifacts/resource-variance-summary.yaml"
    summary, problems = load_summary(str(written), written.read_bytes())
    assert problems == []
    assert summary is not None
    assert (summary.base_ref, summary.head_ref, summary.verdict) == ("v1.0.0", "v1.1.0", "pass")
    assert (summary.totals.actual_total_tokens, summary.totals.token_variance) == (81_000, -9_000)
    markdown = written.with_suffix(".md").read_text(encoding="utf-8")
    assert markdown.startswith("# Resource variance summary\n\n✅ **Budget gate: pass**")
    assert "| **Total** | | 90,000 / 18 | 81,000 / 15 | -9,000 (-10.0 %) |" in markdown


TEMPLATES = ".github/budget-templates"


def _release_with_own_templates(history: History, **templates: str) -> str:
    """Tag v1.1.1 on v1.1.0 plus a config naming a template directory with these templates (a
    release reads its config at its own tag); the tag's name."""
    builder = history.builder
    builder.checkout("v1.1.0")
    builder.write(".github/plan-budget-gate.yml", f"templates:\n  directory: {TEMPLATES}\n")
    for name, text in templates.items():
        builder.write(f"{TEMPLATES}/{name}.md.j2", text)
    builder.commit("Own templates")
    _annotated_tag(builder, "v1.1.1")
    return "v1.1.1"


@pytest.mark.e2e
def test_cli_release_writes_the_summary_with_the_users_own_template(history: History) -> None:
    tag = _release_with_own_templates(
        history,
        summary=(
            "# {{ summary.head_ref }} budget\n\n"
            "{{ summary.totals.actual_total_tokens | count }} tokens in "
            "{{ summary.slices | length | plural('slice') }}, {{ summary.verdict }}\n"
        ),
    )
    result = _cli("release", "--to", tag, cwd=history.root)

    assert result.returncode == 0, result.stderr
    markdown = (history.root / "docs/artifacts/resource-variance-summary.md").read_text("utf-8")
    assert markdown == "# v1\\.1\\.1 budget\n\n0 tokens in 0 slices, pass\n"  # escaped


@pytest.mark.e2e
def test_cli_release_with_a_broken_summary_template_writes_nothing(history: History) -> None:
    tag = _release_with_own_templates(history, summary="# Budget\n\n{{ summary.no_such_field }}\n")
    result = _cli("release", "--to", tag, cwd=history.root)

    assert result.returncode == 2
    assert result.stdout == ""
    assert f"{TEMPLATES}/summary.md.j2:3: " in result.stderr
    assert "no_such_field" in result.stderr and "Traceback" not in result.stderr
    assert not (history.root / "docs/artifacts").exists()


@pytest.mark.e2e
def test_cli_release_fails_on_incomplete_coverage(history: History, tmp_path: Path) -> None:
    target = tmp_path / "out" / "summary.yaml"
    result = _cli(
        "release", "--to", "v1.2.0", "--summary-path", target, "--format", "text", cwd=history.root
    )

    assert result.returncode == 1, result.stderr
    assert "❌ Plan Budget Gate: fail — 2 errors" in result.stdout
    assert "error missing-usage-report: APP/S3" in result.stdout
    assert "error unreported-agent-run" in result.stdout
    text = target.read_text(encoding="utf-8")
    assert "verdict: fail\n" in text
    assert "uncovered_slices:\n- APP/S3\n" in text
    assert (tmp_path / "out" / "summary.md").is_file()
    # Nothing is written into the repository when --summary-path points elsewhere.
    assert not (history.root / "docs").exists()


@pytest.mark.e2e
def test_cli_release_first_release_and_bad_refs(history: History) -> None:
    first = _cli("release", "--to", "v1.0.0", cwd=history.root)
    assert first.returncode == 0, first.stderr
    assert "First release: no earlier tag matching v* is reachable from v1.0.0" in first.stderr

    unknown = _cli("release", "--from", "v0.9", cwd=history.root)
    assert unknown.returncode == 2
    assert unknown.stdout == ""
    assert "budget-gate: error: ref 'v0.9' is not a commit in this clone" in unknown.stderr
    assert "Traceback" not in unknown.stderr


@pytest.mark.e2e
def test_cli_release_with_a_bad_config_cannot_judge(history: History) -> None:
    builder = history.builder
    builder.write(".github/plan-budget-gate.yml", 'release:\n  tag_pattern: "-v*"\n')
    builder.commit("Bad config")
    result = _cli("release", cwd=history.root)
    assert result.returncode == 2
    assert result.stderr == (
        "budget-gate: error: config .github/plan-budget-gate.yml:2: tag_pattern '-v*' must be "
        'one word that does not start with \'-\', e.g. "v*" or "release-*"; '
        "correct release.tag_pattern\n"
    )

    builder.write(".github/plan-budget-gate.yml", "paths:\n  variance_summary: ../outside.yaml\n")
    builder.commit("Summary outside the repository")
    result = _cli("release", cwd=history.root)
    assert result.returncode == 2
    assert result.stderr == (
        "budget-gate: error: config .github/plan-budget-gate.yml:2: paths.variance_summary "
        "'../outside.yaml' has a `..` segment, which leaves its directory; write the path from "
        "the repository root without `..`\n"
    )
    assert not (history.root.parent / "outside.yaml").exists()


def test_a_range_finds_a_report_stored_away_from_its_plan(tmp_path: Path) -> None:
    """A release reads only what its range needs, yet finds records filed under another plan."""
    b = GitRepoBuilder.create(tmp_path / "far")
    b.write(
        "plans/X/plan.yaml",
        'plan_id: X\nstatus: done\nslices:\n  - slice_id: S1\n    paths: ["src/x/**"]\n',
    )
    b.write("plans/X/estimation.yaml", "estimates:\n" + _estimate("X", "S1", 4, 8_000, 2_000))
    b.write("plans/OTHER/plan.yaml", "plan_id: OTHER\nstatus: draft\n")
    b.write(
        "plans/OTHER/usage/run-x-1.yaml",
        _usage("run-x-1", "S1", 3, 6_000, 1_000, "PASS").replace("plan_id: APP", "plan_id: X"),
    )
    b.commit("Plans")
    b.tag("v1")
    b.write("src/x/a.py", "a = 1\n")
    b.commit("Work on X")
    b.tag("v2")

    outcome = run_release(ReleaseRequest(repo=b.root), now=NOW)
    assert [str(item.ref) for item in outcome.check.report.slices] == ["X/S1"]
    assert outcome.check.report.findings == ()
    (only,) = outcome.summary.slices
    assert (only.actual_total_tokens, only.token_variance, only.variance_ratio) == (
        7_000,
        -3_000,
        -0.3,
    )


def test_a_from_that_is_not_behind_to_is_refused(history: History) -> None:
    with pytest.raises(GateError, match=r"--from v1\.2\.0 is not an ancestor of --to v1\.0\.0"):
        _release(history, from_ref="v1.2.0", to_ref="v1.0.0")
