"""Records from files: validation in plain words at the right line, and the adversarial corpus."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget_gate.load.records import ArtifactKind, load_artifact, load_config
from budget_gate.load.worktree import WorktreeSource
from budget_gate.models.artifacts import Artifacts
from budget_gate.models.common import PlanStatus
from budget_gate.models.config import GateConfig, Mode
from budget_gate.models.findings import Finding, FindingCode, Severity
from budget_gate.models.usage import RunStatus
from locations import CORPUS

MANIFEST: list[dict[str, Any]] = yaml.safe_load((CORPUS / "manifest.yaml").read_text("utf-8"))

REPORT = """\
run_id: run-0001
plan_id: IMP-COST-01
slice_id: S1
agent_id: claude-code
actual_requests: 12
actual_prompt_tokens: 42000
actual_completion_tokens: 8000
actual_total_tokens: 50000
duration_seconds: 640.5
status: PASS
report_timestamp: 2026-11-03T10:00:00Z
"""

ESTIMATE = """\
plan_id: IMP-COST-01
slice_id: S1
estimated_requests: 40
estimated_prompt_tokens: 150000
estimated_completion_tokens: 30000
estimation_method: HEURISTIC
estimation_owner: dana
estimation_timestamp: 2026-11-01T09:00:00Z
"""

PLAN_MD = """\
---
plan_id: IMP-COST-01
title: Cost/latency budgets
status: ready-for-build
slices:
  - slice_id: S1
    status: done
    paths: ["src/budgets/**"]
  - slice_id: S2
---

# Cost/latency budgets
"""


def load(text: str | bytes, kind: ArtifactKind, path: str = "f.yaml") -> Artifacts:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return load_artifact(path, data, kind, max_aliases=100)


def report(**changes: str) -> str:
    """REPORT with some `key: value` lines replaced (or appended)."""
    lines = REPORT.splitlines()
    for key, value in changes.items():
        keys = [line.split(":")[0] for line in lines]
        if key in keys:
            lines[keys.index(key)] = f"{key}: {value}"
        else:
            lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n"


def one_finding(artifacts: Artifacts) -> Finding:
    assert len(artifacts.findings) == 1, [item.message for item in artifacts.findings]
    return artifacts.findings[0]


# --- the adversarial corpus ------------------------------------------------------------------


def test_the_corpus_is_big_enough_and_every_file_is_listed() -> None:
    listed = {entry["file"] for entry in MANIFEST}
    on_disk = {path.name for path in CORPUS.iterdir() if not path.name.startswith(".")}
    on_disk.discard("manifest.yaml")
    assert listed == on_disk
    assert len(listed) >= 25


@pytest.mark.parametrize("entry", MANIFEST, ids=[entry["file"] for entry in MANIFEST])
def test_corpus_file(entry: dict[str, Any]) -> None:
    name = entry["file"]
    result = WorktreeSource(CORPUS).read_many([name], max_bytes=1_048_576)[name]
    assert result.data is not None, result.problem
    if entry["kind"] == "config":
        config, findings = load_config(name, result.data, max_aliases=100)
        records = 0 if config is None else 1
    else:
        artifacts = load_artifact(name, result.data, ArtifactKind(entry["kind"]), max_aliases=100)
        findings = artifacts.findings
        records = len(artifacts.plans) + len(artifacts.estimates) + len(artifacts.reports)
        assert artifacts.files_read == 1
    assert records == entry["records"]
    got = sorted((item.code.value, item.line, item.field) for item in findings)
    expected = sorted((item["code"], item["line"], item["field"]) for item in entry["findings"])
    assert got == expected
    for item in entry["findings"]:
        finding = next(f for f in findings if (f.line, f.field) == (item["line"], item["field"]))
        assert finding.path == name
        assert item["says"] in finding.message
        assert finding.fix
        if "fix" in item:
            assert item["fix"] in finding.fix


# --- good files --------------------------------------------------------------------------------


def test_a_usage_report_with_its_positions() -> None:
    artifacts = load(REPORT, ArtifactKind.USAGE_REPORT, "plans/x/usage/run-0001.yaml")
    assert artifacts.findings == []
    assert artifacts.files_read == 1
    [sourced] = artifacts.reports
    assert sourced.path == "plans/x/usage/run-0001.yaml"
    assert sourced.line == 1
    assert sourced.line_of("status") == 10
    assert sourced.line_of("model") == 1  # absent: the record's line
    assert dict(sourced.field_lines)["report_timestamp"] == 11
    record = sourced.record
    assert record.status is RunStatus.PASS
    assert record.report_timestamp == datetime(2026, 11, 3, 10, tzinfo=UTC)


def test_reports_under_a_reports_key_each_know_their_lines() -> None:
    body = "".join(
        "  " + ("- " if index == 0 else "  ") + line + "\n"
        for run in ("run-0001", "run-0002")
        for index, line in enumerate(report(run_id=run).splitlines())
    )
    artifacts = load("# two runs\nreports:\n" + body, ArtifactKind.USAGE_REPORT)
    assert artifacts.findings == []
    assert [
        (item.record.run_id, item.line, item.line_of("status")) for item in artifacts.reports
    ] == [
        ("run-0001", 3, 12),
        ("run-0002", 14, 23),
    ]


def test_estimates_as_a_top_level_list_and_under_estimates() -> None:
    item = "".join(
        ("- " if index == 0 else "  ") + line + "\n"
        for index, line in enumerate(ESTIMATE.splitlines())
    )
    as_list = load(item + item.replace("slice_id: S1", "slice_id: S2"), ArtifactKind.ESTIMATE)
    assert [e.record.slice_id for e in as_list.estimates] == ["S1", "S2"]
    assert [e.line for e in as_list.estimates] == [1, 9]
    nested = load(
        "estimates:\n" + "".join("  " + line + "\n" for line in item.splitlines()),
        ArtifactKind.ESTIMATE,
    )
    assert nested.findings == []
    assert [(e.record.slice_id, e.line) for e in nested.estimates] == [("S1", 2)]


def test_a_single_estimate_mapping() -> None:
    [estimate] = load(ESTIMATE, ArtifactKind.ESTIMATE).estimates
    assert estimate.record.estimated_total_tokens == 180_000


def test_a_plan_in_markdown_front_matter_has_the_markdown_lines() -> None:
    artifacts = load(PLAN_MD, ArtifactKind.PLAN, "plans/cost/plan.md")
    assert artifacts.findings == []
    [plan] = artifacts.plans
    assert plan.line == 2
    assert plan.line_of("slices") == 5
    assert plan.record.status is PlanStatus.READY_FOR_BUILD
    assert [s.slice_id for s in plan.record.slices] == ["S1", "S2"]


def test_a_plan_yaml_is_read_without_front_matter() -> None:
    text = PLAN_MD.split("---\n")[1]
    [plan] = load(text, ArtifactKind.PLAN, "plans/cost/plan.yaml").plans
    assert plan.line == 1


def test_a_file_named_md_that_is_not_a_plan_is_plain_yaml() -> None:
    assert load(REPORT, ArtifactKind.USAGE_REPORT, "notes.md").reports


# --- IDs stay text -----------------------------------------------------------------------------


def test_ids_that_look_like_other_types_stay_text_in_the_records() -> None:
    text = report(plan_id="0012", slice_id="NO", run_id="1e3", agent_id="true")
    [sourced] = load(text, ArtifactKind.USAGE_REPORT).reports
    record = sourced.record
    assert (record.plan_id, record.slice_id, record.run_id, record.agent_id) == (
        "0012",
        "NO",
        "1e3",
        "true",
    )


def test_plan_and_slice_ids_stay_text() -> None:
    text = PLAN_MD.replace("plan_id: IMP-COST-01", "plan_id: 0012").replace("S2", "off")
    [plan] = load(text, ArtifactKind.PLAN, "p.md").plans
    assert plan.record.plan_id == "0012"
    assert [s.slice_id for s in plan.record.slices] == ["S1", "off"]


def test_a_null_id_is_an_error_not_the_text_tilde() -> None:
    finding = one_finding(load(report(plan_id="~"), ArtifactKind.USAGE_REPORT))
    assert (finding.field, finding.line, finding.message) == (
        "plan_id",
        2,
        "plan_id is empty (null)",
    )


# --- errors in plain words ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "line", "message"),
    [
        (
            {"actual_requests": "twelve"},
            "actual_requests",
            5,
            "actual_requests must be a whole number ≥ 0, got 'twelve'",
        ),
        (
            {"duration_seconds": "slow"},
            "duration_seconds",
            9,
            "duration_seconds must be a number ≥ 0, got 'slow'",
        ),
        (
            {"status": "Pass"},
            "status",
            10,
            "status must be one of PASS, FAIL, BLOCKED, got 'Pass'; did you mean PASS?",
        ),
        (
            {"status": "DONE"},
            "status",
            10,
            "status must be one of PASS, FAIL, BLOCKED, got 'DONE'",
        ),
        (
            {"report_timestamp": "2026-11-03T10:00:00"},
            "report_timestamp",
            11,
            "report_timestamp 2026-11-03T10:00:00 has no timezone; "
            "add a timezone, e.g. 2026-01-01T12:00:00Z",
        ),
        (
            {"report_timestamp": "yesterday"},
            "report_timestamp",
            11,
            "report_timestamp must be a timestamp with a timezone, got 'yesterday'",
        ),
        (
            {"commits": "abc1234"},
            "commits",
            12,
            "commits must be a list, got 'abc1234'",
        ),
        (
            {"commits": "[abc1234, nope]"},
            "commits[1]",
            12,
            "commits[1] 'nope' is not a commit SHA (7 to 64 hexadecimal digits)",
        ),
        (
            {"phases": "{think: {requests: 1}}"},
            "phases.think",
            12,
            "phases has the key 'think'; keys must be one of STRATEGIZE, SPEC, PLAN, THINK, "
            "IMPLEMENT, VERIFY, REVIEW, PR, MONITOR; did you mean THINK?",
        ),
        (
            {"actual_cost_usd": "1.5"},
            "cost_source",
            12,
            "actual_cost_usd needs cost_source: reported or computed",
        ),
        (
            {"run_id": "'run 1'"},
            "run_id",
            1,
            "run_id 'run 1' is not a valid ID: use only letters, digits and . _ : + - and start "
            "with a letter or digit (no slashes or spaces, so PLAN/SLICE stays clear)",
        ),
    ],
)
def test_error_messages(changes: dict[str, str], field: str, line: int, message: str) -> None:
    finding = one_finding(load(report(**changes), ArtifactKind.USAGE_REPORT))
    assert finding.code is FindingCode.INVALID_ARTIFACT
    assert finding.severity is Severity.ERROR
    assert (finding.field, finding.line, finding.message) == (field, line, message)
    assert (finding.plan_id, finding.slice_id) == ("IMP-COST-01", "S1")
    assert finding.fix


def test_missing_field_message_and_fix() -> None:
    text = ESTIMATE.replace("estimation_owner: dana\n", "")
    finding = one_finding(load(text, ArtifactKind.ESTIMATE))
    assert finding.message == "missing required field estimation_owner"
    assert finding.fix == "add `estimation_owner: …` (text)"
    assert finding.line == 1


def test_each_error_is_its_own_finding() -> None:
    text = report(actual_requests="-1", actual_prompt_tokens="1.5", status="ok")
    artifacts = load(text, ArtifactKind.USAGE_REPORT)
    assert sorted((f.field, f.line) for f in artifacts.findings) == [
        ("actual_prompt_tokens", 6),
        ("actual_requests", 5),
        ("status", 10),
    ]


def test_plan_errors_name_the_slice() -> None:
    text = PLAN_MD.replace("    status: done", "    status: finished")
    finding = one_finding(load(text, ArtifactKind.PLAN, "p.md"))
    assert (finding.field, finding.line, finding.plan_id, finding.slice_id) == (
        "slices[0].status",
        7,
        "IMP-COST-01",
        "S1",
    )


def test_one_bad_record_does_not_drop_the_good_ones() -> None:
    good = "".join(
        ("- " if i == 0 else "  ") + line + "\n" for i, line in enumerate(REPORT.splitlines())
    )
    bad = good.replace("run-0001", "run-0002").replace("status: PASS", "status: maybe")
    artifacts = load(good + bad + good.replace("run-0001", "run-0003"), ArtifactKind.USAGE_REPORT)
    assert [r.record.run_id for r in artifacts.reports] == ["run-0001", "run-0003"]
    finding = one_finding(artifacts)
    assert (finding.field, finding.line) == ("[1].status", 21)


# --- unknown fields ----------------------------------------------------------------------------


def test_unknown_fields_are_warnings_with_a_guess_and_the_record_still_loads() -> None:
    artifacts = load(report(modle="claude"), ArtifactKind.USAGE_REPORT)
    assert len(artifacts.reports) == 1
    finding = one_finding(artifacts)
    assert finding.code is FindingCode.UNKNOWN_FIELD
    assert finding.severity is Severity.WARNING
    assert (finding.field, finding.line) == ("modle", 12)
    assert finding.message == "unknown field 'modle' in this usage report; did you mean model?"


def test_unknown_nested_fields_are_found_at_their_line() -> None:
    text = report(
        usage_by_model="\n  - model: m\n    prompt_tokens: 1\n    completion_tokens: 1"
        "\n    cost: 2",
        phases="\n  THINK:\n    requests: 1\n    latency: 3",
    )
    artifacts = load(text, ArtifactKind.USAGE_REPORT)
    assert len(artifacts.reports) == 1
    assert sorted((f.code.value, f.field, f.line) for f in artifacts.findings) == [
        ("unknown-field", "phases.THINK.latency", 20),
        ("unknown-field", "usage_by_model[0].cost", 16),
    ]


def test_extension_keys_are_never_reported() -> None:
    text = (
        report(**{"x-team": "core", "x_cost_centre": "42"}) + "phases:\n  PLAN:\n    x-note: hi\n"
    )
    artifacts = load(text, ArtifactKind.USAGE_REPORT)
    assert artifacts.findings == []
    assert len(artifacts.reports) == 1


def test_keys_next_to_a_reports_list_are_reported() -> None:
    text = "version: 2\nx-owner: me\nreports: []\n"
    finding = one_finding(load(text, ArtifactKind.USAGE_REPORT))
    assert (finding.code, finding.field, finding.line) == (FindingCode.UNKNOWN_FIELD, "version", 1)


# --- config --------------------------------------------------------------------------------------


def test_a_valid_config() -> None:
    config, findings = load_config(
        ".github/plan-budget-gate.yml",
        b"mode: observe\nseverities:\n  variance-breach: error\nlimits:\n  max_aliases: 5\n",
        max_aliases=100,
    )
    assert findings == []
    assert config is not None
    assert config.mode is Mode.OBSERVE
    assert config.limits.max_aliases == 5


@pytest.mark.parametrize("text", [b"", b"# defaults\n", b"---\n"])
def test_an_empty_config_is_the_default(text: bytes) -> None:
    assert load_config("c.yml", text, max_aliases=100) == (GateConfig(), [])


def test_config_unknown_keys_are_warnings_and_the_config_is_kept() -> None:
    config, findings = load_config("c.yml", b"mode: observe\ncheck:\n  nmae: X\n", max_aliases=100)
    assert config is not None
    assert [(f.severity, f.field, f.line) for f in findings] == [
        (Severity.WARNING, "check.nmae", 3)
    ]
    assert (
        findings[0].message == "unknown field 'nmae' in this config (in check); did you mean name?"
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (b"version: 2\n", 1, "config version 2 is not supported"),
        (b"- mode: observe\n", 1, "expected a mapping of fields, got a list"),
        (b"mode: [\n", 1, "YAML syntax error"),
        (b"mode: observe\nmode: enforce\n", 2, "appears twice"),
    ],
)
def test_config_errors_mean_no_config(text: bytes, line: int, message: str) -> None:
    config, findings = load_config("c.yml", text, max_aliases=100)
    assert config is None
    assert [(f.line, f.code) for f in findings] == [(line, FindingCode.INVALID_ARTIFACT)]
    assert message in findings[0].message


# --- never raises --------------------------------------------------------------------------------

KINDS = st.sampled_from(list(ArtifactKind))
PATHS = st.sampled_from(["f.yaml", "plans/p/plan.md"])


def check_artifacts(artifacts: Artifacts, path: str) -> None:
    assert artifacts.files_read == 1
    for finding in artifacts.findings:
        assert finding.path == path
        assert finding.line is None or finding.line >= 1
        assert finding.message


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=600), kind=KINDS, path=PATHS)
def test_arbitrary_bytes_never_raise(data: bytes, kind: ArtifactKind, path: str) -> None:
    check_artifacts(load_artifact(path, data, kind, max_aliases=3), path)
    load_config(path, data, max_aliases=3)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet=st.characters(), max_size=300), kind=KINDS, path=PATHS)
def test_arbitrary_text_never_raises(text: str, kind: ArtifactKind, path: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    check_artifacts(load_artifact(path, data, kind, max_aliases=3), path)
    load_config(path, data, max_aliases=3)


YAML_BITS = st.sampled_from(
    [
        ":",
        "- ",
        "[",
        "]",
        "{",
        "}",
        "&a ",
        "*a",
        "!!",
        "! ",
        "\t",
        "\n",
        "---\n",
        "...\n",
        "'",
        '"',
        "? ",
        "<<: *a\n",
        "  ",
        "#",
        "~",
        "0x",
        "1e3",
        "-1",
        "2026-02-30",
        "yes",
        "\x00",
        "\\",
        *(f"!!{tag} " for tag in ("int", "float", "bool", "timestamp", "binary", "set", "omap")),
        *(f"!!{tag} " for tag in ("pairs", "map", "seq", "str", "null", "python/none")),
        "!local ",
    ]
)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, ArtifactKind, str]:
    kind = draw(KINDS)
    base = {ArtifactKind.PLAN: PLAN_MD, ArtifactKind.ESTIMATE: ESTIMATE}.get(kind, REPORT)
    text = base
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(YAML_BITS) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 8)) :]
    return text, kind, "plans/p/plan.md" if kind is ArtifactKind.PLAN else "f.yaml"


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated())
def test_mutated_valid_files_never_raise(case: tuple[str, ArtifactKind, str]) -> None:
    text, kind, path = case
    data = text.encode("utf-8", "surrogatepass")
    artifacts = load_artifact(path, data, kind, max_aliases=3)
    check_artifacts(artifacts, path)
    records = len(artifacts.plans) + len(artifacts.estimates) + len(artifacts.reports)
    assert records <= 1
    load_config(path, data, max_aliases=3)


def test_plan_records_the_line_of_each_slice_entry() -> None:
    text = (
        "---\nplan_id: P1\nstatus: approved\nslices:\n"
        "  - slice_id: S1\n    title: one\n"
        "  - title: two\n    slice_id: S2\n"
        "---\n"
    )
    loaded = load_artifact("plans/p1/plan.md", text.encode(), ArtifactKind.PLAN, max_aliases=10)
    assert loaded.findings == []
    # Lines are those of the .md file: the `---` opener is line 1.
    assert dict(loaded.plans[0].item_lines) == {"S1": 5, "S2": 7}


@pytest.mark.parametrize(
    ("yaml_text", "line", "field", "message"),
    [
        (
            b"paths:\n  variance_summary: docs/x$(id).yaml\n",
            2,
            "paths.variance_summary",
            "paths.variance_summary 'docs/x$(id).yaml' has characters a shell reads specially "
            "($ ( ))",
        ),
        (
            b"paths:\n  usage_reports:\n    - plans/*/usage/*.yaml\n    - 'plans/`id`/*.yaml'\n",
            4,
            "paths.usage_reports[1]",
            "paths.usage_reports[1] 'plans/`id`/*.yaml' has characters a shell reads specially (`)",
        ),
        (
            b"paths:\n  plans: [plans/../../etc/*.md]\n",
            2,
            "paths.plans[0]",
            "paths.plans[0] 'plans/../../etc/*.md' has a `..` segment, which leaves its directory",
        ),
        (
            b"paths:\n  variance_summary: -rf.yaml\n",
            2,
            "paths.variance_summary",
            "paths.variance_summary '-rf.yaml' starts with '-', which commands read as an option",
        ),
    ],
)
def test_config_paths_a_shell_would_read_specially_are_refused(
    yaml_text: bytes, line: int, field: str, message: str
) -> None:
    """`summary-path` reaches `run:` steps: a config path is a finding naming file, line, field
    and fix before any shell sees it."""
    config, findings = load_config(".github/plan-budget-gate.yml", yaml_text, max_aliases=100)

    assert config is None
    (finding,) = findings
    assert (finding.severity, finding.path, finding.line, finding.field) == (
        Severity.ERROR,
        ".github/plan-budget-gate.yml",
        line,
        field,
    )
    assert finding.message == message
    assert finding.fix


def test_ordinary_globs_and_paths_are_accepted() -> None:
    text = (
        b"paths:\n  plans: ['plans/**/plan.md', 'docs/plans/[a-z]*.yaml', 'x/[!_]*.md']\n"
        b"  variance_summary: docs/release-evidence/v1.2+build@x/summary.yaml\n"
    )
    config, findings = load_config("c.yml", text, max_aliases=100)
    assert (findings, config is not None) == ([], True)
