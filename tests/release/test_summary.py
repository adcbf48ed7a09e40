"""The variance summary (§3.4): built from a Report, written as deterministic YAML that loads
back through the gate's own loader into the same model, with a markdown twin."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from budget_gate.errors import ConfigError, GateError
from budget_gate.judge.report import BreachLevel, Report, RunCounts, SliceResult, Variance, Verdict
from budget_gate.models.common import PlanStatus, SliceRef
from budget_gate.models.config import Mode
from budget_gate.models.findings import Finding, FindingCode, Severity
from budget_gate.models.schema import all_schemas
from budget_gate.release.summary import build_summary
from budget_gate.release.summary_files import (
    configured_path,
    load_summary,
    markdown_path,
    summary_yaml,
    write_summary,
)
from budget_gate.render.summary_markdown import render_summary_markdown
from budget_gate.scope.change import ScopeKind
from budget_gate.scope.slices import ScopeReason

BASE = "a" * 40
HEAD = "b" * 40
# 10:15:30.123456 at UTC+02:00 is 08:15:30 UTC; the summary keeps whole seconds only.
GENERATED = datetime(2026, 3, 1, 10, 15, 30, 123456, tzinfo=timezone(timedelta(hours=2)))


def _variance(
    estimated: tuple[int, int] | None,
    actual: tuple[int, int],
    *,
    breach: BreachLevel = BreachLevel.NONE,
    cost: tuple[float | None, float | None] = (None, None),
) -> Variance:
    """(requests, tokens) estimated and actual; ratios as variance.py rounds them."""
    requests, tokens = actual
    if estimated is None:
        return Variance(None, None, requests, tokens, None, None, None, None, breach=breach)
    est_requests, est_tokens = estimated
    return Variance(
        estimated_requests=est_requests,
        estimated_tokens=est_tokens,
        actual_requests=requests,
        actual_tokens=tokens,
        request_variance=requests - est_requests,
        token_variance=tokens - est_tokens,
        variance_ratio=round((tokens - est_tokens) / est_tokens, 4) if est_tokens else None,
        request_variance_ratio=round((requests - est_requests) / est_requests, 4)
        if est_requests
        else None,
        breach=breach,
        estimated_cost_usd=cost[0],
        actual_cost_usd=cost[1],
    )


def _slice(
    plan_id: str,
    slice_id: str,
    variance: Variance,
    runs: RunCounts,
    *,
    title: str | None = None,
    status: PlanStatus = PlanStatus.DONE,
) -> SliceResult:
    return SliceResult(
        ref=SliceRef(plan_id=plan_id, slice_id=slice_id),
        title=title,
        status=status,
        reasons=frozenset({ScopeReason.PLAN_CHANGED}),
        variance=variance,
        runs=runs,
        plan_path=f"plans/{plan_id}/plan.yaml",
        plan_line=1,
    )


def report(*, slices_reversed: bool = False, generated_at: datetime = GENERATED) -> Report:
    """Two slices: `0012/NO` (IDs YAML would turn into 12 and False) and `APP/S1`.

    APP/S1: estimate 10 requests / 50,000 tokens, spent 13 / 70,000 in 2 runs (1 FAIL), breach.
    0012/NO: no estimate, spent 2 / 4,000 in 1 BLOCKED run.
    Totals (estimates over the slices with one): 10 / 50,000 against 15 / 74,000.
    """
    slices = (
        _slice(
            "APP",
            "S1",
            _variance((10, 50_000), (13, 70_000), breach=BreachLevel.BREACH, cost=(1.5, 2.25)),
            RunCounts(passed=1, failed=1),
            title="Parser: <b>fast</b> & @team\nsecond line",
        ),
        _slice(
            "0012",
            "NO",
            _variance(None, (2, 4_000)),
            RunCounts(blocked=1),
            title="yes",
            status=PlanStatus.IN_PROGRESS,
        ),
    )
    findings = (
        Finding(
            FindingCode.MISSING_ESTIMATE, "no estimate", Severity.ERROR, None, None, "0012", "NO"
        ),
        Finding(FindingCode.VARIANCE_BREACH, "over", Severity.WARNING, None, None, "APP", "S1"),
    )
    return Report(
        verdict=Verdict.FAIL,
        mode=Mode.ENFORCE,
        kind=ScopeKind.RELEASE,
        base=BASE,
        head=HEAD,
        slices=slices[::-1] if slices_reversed else slices,
        findings=findings,
        totals=_variance((10, 50_000), (15, 74_000)),
        total_runs=RunCounts(passed=1, failed=1, blocked=1),
        generated_at=generated_at,
    )


def test_summary_numbers_come_from_the_report() -> None:
    summary = build_summary(report(), base_ref="v1.0.0", head_ref="v1.1.0")

    assert summary.generated_at == datetime(2026, 3, 1, 8, 15, 30, tzinfo=UTC)
    assert (summary.base, summary.head, summary.verdict) == (BASE, HEAD, "fail")
    assert (summary.base_ref, summary.head_ref) == ("v1.0.0", "v1.1.0")
    assert (summary.findings.error, summary.findings.warning, summary.findings.notice) == (1, 1, 0)
    assert summary.uncovered_slices == ["0012/NO"]
    assert [(item.plan_id, item.slice_id) for item in summary.slices] == [
        ("0012", "NO"),
        ("APP", "S1"),
    ]
    unestimated, app = summary.slices
    assert (unestimated.estimated_total_tokens, unestimated.token_variance) == (None, None)
    assert (unestimated.variance_ratio, unestimated.runs.BLOCKED) == (None, 1)
    assert (app.token_variance, app.request_variance) == (20_000, 3)
    assert (app.variance_ratio, app.request_variance_ratio) == (0.4, 0.3)
    assert (app.runs.PASS, app.runs.FAIL, app.breach) == (1, 1, "breach")
    assert (app.estimated_cost_usd, app.actual_cost_usd) == (1.5, 2.25)
    totals = summary.totals
    assert (totals.estimated_total_tokens, totals.actual_total_tokens) == (50_000, 74_000)
    assert (totals.token_variance, totals.variance_ratio) == (24_000, 0.48)
    assert (totals.request_variance, totals.request_variance_ratio) == (5, 0.5)
    assert (totals.runs.PASS, totals.runs.FAIL, totals.runs.BLOCKED) == (1, 1, 1)


def test_a_partial_cost_is_kept_as_a_lower_bound_with_its_unpriced_runs() -> None:
    base = report()
    app = base.slices[0]
    partial = replace(app, variance=replace(app.variance, actual_cost_usd=1.2, unpriced_runs=2))
    totals = replace(base.totals, actual_cost_usd=1.2, unpriced_runs=2)
    summary = build_summary(
        replace(base, slices=(partial, *base.slices[1:]), totals=totals),
        base_ref="v1.0.0",
        head_ref="v1.1.0",
    )
    record = next(item for item in summary.slices if item.plan_id == "APP")
    assert (record.actual_cost_usd, record.unpriced_runs) == (1.2, 2)
    assert (summary.totals.actual_cost_usd, summary.totals.unpriced_runs) == (1.2, 2)
    markdown = render_summary_markdown(summary)
    row = next(line for line in markdown.splitlines() if "APP/S1" in line)
    assert row.endswith("| \\$1.50 / ≥ \\$1.20 (2 runs unpriced) |")


def test_totals_without_any_estimate_count_all_spend_as_overrun() -> None:
    unestimated = report()
    only = Report(
        **{
            **{name: getattr(unestimated, name) for name in Report.__dataclass_fields__},
            "slices": unestimated.slices[1:],
            "totals": _variance(None, (2, 4_000)),
        }
    )
    totals = build_summary(only).totals
    assert (totals.estimated_total_tokens, totals.estimated_requests) == (0, 0)
    assert (totals.token_variance, totals.request_variance) == (4_000, 2)
    assert (totals.variance_ratio, totals.request_variance_ratio) == (None, None)


EXPECTED_YAML = """\
# Resource variance summary written by `budget-gate release`; do not edit by hand.
schema_version: 1
generated_at: '2026-03-01T08:15:30Z'
base: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
head: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
verdict: fail
base_ref: v1.0.0
head_ref: v1.1.0
findings:
  error: 1
  warning: 1
  notice: 0
uncovered_slices:
- 0012/NO
slices:
- plan_id: '0012'
  slice_id: 'NO'
  title: 'yes'
  status: in-progress
  estimated_requests: null
  estimated_total_tokens: null
  actual_requests: 2
  actual_total_tokens: 4000
  request_variance: null
  token_variance: null
  variance_ratio: null
  request_variance_ratio: null
  runs:
    PASS: 0
    FAIL: 0
    BLOCKED: 1
  breach: none
  estimated_cost_usd: null
  actual_cost_usd: null
  unpriced_runs: 0
- plan_id: APP
  slice_id: S1
  title: "Parser: <b>fast</b> & @team\\nsecond line"
  status: done
  estimated_requests: 10
  estimated_total_tokens: 50000
  actual_requests: 13
  actual_total_tokens: 70000
  request_variance: 3
  token_variance: 20000
  variance_ratio: 0.4
  request_variance_ratio: 0.3
  runs:
    PASS: 1
    FAIL: 1
    BLOCKED: 0
  breach: breach
  estimated_cost_usd: 1.5
  actual_cost_usd: 2.25
  unpriced_runs: 0
totals:
  estimated_requests: 10
  estimated_total_tokens: 50000
  actual_requests: 15
  actual_total_tokens: 74000
  request_variance: 5
  token_variance: 24000
  variance_ratio: 0.48
  request_variance_ratio: 0.5
  runs:
    PASS: 1
    FAIL: 1
    BLOCKED: 1
  estimated_cost_usd: null
  actual_cost_usd: null
  unpriced_runs: 0
"""


def test_yaml_is_exactly_this() -> None:
    summary = build_summary(report(), base_ref="v1.0.0", head_ref="v1.1.0")
    assert summary_yaml(summary) == EXPECTED_YAML


def test_yaml_is_deterministic() -> None:
    """Slice order in the report and the sub-second part of the clock change nothing."""
    first = summary_yaml(build_summary(report()))
    again = summary_yaml(build_summary(report(slices_reversed=True)))
    later = summary_yaml(build_summary(report(generated_at=GENERATED.replace(microsecond=999_999))))
    assert first == again == later


def test_yaml_round_trips_through_the_gate_loader() -> None:
    summary = build_summary(report(), base_ref="v1.0.0", head_ref="v1.1.0")
    text = summary_yaml(summary)
    loaded, findings = load_summary("summary.yaml", text.encode("utf-8"))
    assert findings == []
    assert loaded == summary
    assert loaded is not None
    assert (loaded.slices[0].plan_id, loaded.slices[0].slice_id) == ("0012", "NO")
    assert loaded.slices[0].title == "yes"
    # Writing what was read gives the same bytes.
    assert summary_yaml(loaded) == text


def test_a_broken_summary_is_a_finding_with_its_line() -> None:
    text = EXPECTED_YAML.replace("  actual_requests: 13\n", "  actual_requests: lots\n")
    loaded, findings = load_summary("docs/summary.yaml", text.encode("utf-8"))
    assert loaded is None
    assert [(item.code, item.path, item.line) for item in findings] == [
        (FindingCode.INVALID_ARTIFACT, "docs/summary.yaml", 42)
    ]
    assert "actual_requests" in findings[0].message

    loaded, findings = load_summary("docs/summary.yaml", b"- just\n- a list\n")
    assert loaded is None
    assert findings[0].message == "a variance summary is one mapping of fields"


def test_write_summary_replaces_both_files_atomically(tmp_path: Path) -> None:
    target = tmp_path / "docs" / "artifacts" / "resource-variance-summary.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("old\n")
    summary = build_summary(report())
    files = write_summary(summary, target, markdown="# md\n")

    assert files.yaml_path == target
    assert files.markdown_path == tmp_path / "docs/artifacts/resource-variance-summary.md"
    assert target.read_text(encoding="utf-8") == summary_yaml(summary)
    assert files.markdown_path.read_text(encoding="utf-8") == "# md\n"
    assert sorted(item.name for item in target.parent.iterdir()) == [
        "resource-variance-summary.md",
        "resource-variance-summary.yaml",
    ]


def test_write_summary_says_what_it_could_not_write(tmp_path: Path) -> None:
    (tmp_path / "docs").write_text("a file, not a directory\n")
    with pytest.raises(GateError, match=r"cannot write .*docs/summary\.yaml"):
        write_summary(build_summary(report()), tmp_path / "docs" / "summary.yaml", markdown="")


def test_markdown_path_is_beside_the_yaml() -> None:
    assert markdown_path(Path("a/summary.yaml")) == Path("a/summary.md")
    assert markdown_path(Path("a/summary.YML")) == Path("a/summary.md")
    assert markdown_path(Path("a/summary")) == Path("a/summary.md")


def test_configured_path_stays_inside_the_repository(tmp_path: Path) -> None:
    assert configured_path(tmp_path, "docs/s.yaml") == tmp_path.resolve() / "docs/s.yaml"
    for outside in ("../s.yaml", "/etc/s.yaml", "docs/../../s.yaml", "."):
        with pytest.raises(ConfigError, match=r"paths\.variance_summary"):
            configured_path(tmp_path, outside)


def test_markdown_renders_user_strings_literally() -> None:
    summary = build_summary(report(), base_ref="v1.0.0", head_ref="v1.1.0")
    markdown = render_summary_markdown(summary)

    assert markdown.startswith(
        "# Resource variance summary\n\n❌ **Budget gate: fail** — 1 error, 1 warning · "
        "2 slices in scope\n"
    )
    assert "- Range: `v1.0.0` (`aaaaaaa`) … `v1.1.0` (`bbbbbbb`)\n" in markdown
    assert "- Generated: 2026-03-01 08:15:30 UTC\n" in markdown
    assert "- Uncovered slices (missing estimate or usage report): `0012/NO`\n" in markdown
    row = next(line for line in markdown.splitlines() if line.startswith("| `APP/S1`"))
    assert row == (
        "| `APP/S1` Parser\\: &lt;b&gt;fast&lt;/b&gt; &amp; @&#8203;team second line | done | "
        "50,000 / 10 | 70,000 / 13 | +20,000 (+40.0 %) | +3 (+30.0 %) | 1 / 1 / 0 | 🔥 breach |"
        " \\$1.50 / \\$2.25 |"
    )
    assert (
        "| **Total** | | 50,000 / 10 | 74,000 / 15 | +24,000 (+48.0 %) | +5 (+50.0 %) "
        "| 1 / 1 / 1 | | — / — |" in markdown
    )
    assert "<b>" not in markdown


def test_every_key_written_is_in_the_published_schema() -> None:
    """Editors validate committed summaries with `budget-gate schema`; the writer must not drift
    from it (required keys written, no key the schema does not know)."""
    schema = all_schemas()["variance-summary.schema.json"]
    defs = schema["$defs"]
    data = yaml.safe_load(summary_yaml(build_summary(report(), base_ref="v1", head_ref="v2")))
    top = schema if "properties" in schema else defs["VarianceSummary"]
    assert set(data) == set(top["properties"])
    assert set(top["required"]) <= set(data)
    for item in data["slices"]:
        assert set(item) == set(defs["SliceVarianceRecord"]["properties"])
    assert set(data["totals"]) == set(defs["VarianceTotals"]["properties"])
