"""The JSON report: the documented keys exactly, deterministic bytes, nothing cut."""

from __future__ import annotations

import json
from dataclasses import replace

from test_render_samples import failing_report, huge_report_for_json, variance

from budget_gate.models.findings import Finding, FindingCode
from budget_gate.render.json_report import render_json, report_to_dict

TOP_KEYS = {
    "verdict", "mode", "kind", "base", "head", "generated_at", "waiver", "notes",
    "slices", "findings", "totals", "price_data",
}  # fmt: skip
SLICE_KEYS = {
    "plan_id", "slice_id", "title", "status", "reasons", "estimate", "actual", "variance",
    "breach", "drivers", "runs", "plan_path", "estimate_path", "run_ids",
    "requests_lower_bound", "cost", "phase_budget",
}  # fmt: skip
FINDING_KEYS = {
    "code", "severity", "message", "path", "line", "plan_id", "slice_id", "field", "fix",
}  # fmt: skip
NUMBER_KEYS = {
    "estimate", "actual", "requests_lower_bound", "variance", "cost", "breach", "drivers", "runs",
}  # fmt: skip


def test_keys_are_exactly_the_documented_ones() -> None:
    data = report_to_dict(failing_report())
    assert set(data) == TOP_KEYS
    assert all(set(item) == SLICE_KEYS for item in data["slices"])
    assert all(set(item) == FINDING_KEYS for item in data["findings"])
    assert set(data["totals"]) == NUMBER_KEYS
    first = data["slices"][0]
    assert set(first["estimate"]) == {"requests", "tokens"}
    assert set(first["actual"]) == {"requests", "tokens"}
    assert set(first["variance"]) == {"requests", "tokens", "ratio", "request_ratio"}
    assert set(first["cost"]) == {
        "estimated_usd", "actual_usd", "unpriced_runs", "computed_usd", "variance_usd", "ratio",
    }  # fmt: skip
    assert set(first["runs"]) == {"pass", "fail", "blocked", "total"}


def test_values() -> None:
    data = report_to_dict(failing_report())
    assert (data["verdict"], data["mode"], data["kind"]) == ("fail", "enforce", "pull-request")
    assert data["generated_at"] == "2025-03-14T09:26:53Z"
    assert data["waiver"] == {"label": "budget-gate:waive", "applied": False}
    by_ref = {(item["plan_id"], item["slice_id"]): item for item in data["slices"]}
    breached = by_ref[("IMP-COST-01", "S2")]
    assert breached["variance"] == {
        "requests": 31,
        "tokens": 70_000,
        "ratio": 0.875,
        "request_ratio": 0.775,
    }
    assert breached["runs"] == {"pass": 1, "fail": 1, "blocked": 1, "total": 3}
    assert breached["reasons"] == ["owned-path-changed", "record-changed"]
    missing = by_ref[("IMP-COST-01", "S3")]
    assert missing["estimate"] == {"requests": None, "tokens": None}
    assert missing["variance"]["ratio"] is None
    assert missing["estimate_path"] is None


def test_output_is_sorted_and_deterministic() -> None:
    report = failing_report()
    shuffled = replace(report, slices=report.slices[::-1], findings=report.findings[::-1])
    assert render_json(shuffled) == render_json(report)
    data = json.loads(render_json(report))
    refs = [(item["plan_id"], item["slice_id"]) for item in data["slices"]]
    assert refs == sorted(refs)
    severities = [item["severity"] for item in data["findings"]]
    assert severities == sorted(severities, key=["error", "warning", "notice"].index)
    assert render_json(report).endswith("}\n")


def test_nothing_is_cut_and_text_is_not_escaped() -> None:
    report = huge_report_for_json()
    data = json.loads(render_json(report))
    assert len(data["findings"]) == len(report.findings)
    assert data["findings"][0]["message"].startswith("<b>@octocat é")


def test_non_finite_ratios_become_null() -> None:
    report = replace(failing_report(), totals=variance(1, 2))
    report = replace(report, totals=replace(report.totals, variance_ratio=float("nan")))
    assert json.loads(render_json(report))["totals"]["variance"]["ratio"] is None


def test_a_legacy_workflow_command_in_a_string_is_escaped_and_loads_the_same() -> None:
    finding = Finding.of(FindingCode.ORPHAN_RECORD, "##[error]forged", path="a.yaml", line=1)
    report = replace(failing_report(), findings=(finding,))
    text = render_json(report)

    assert "##[" not in text
    assert json.loads(text)["findings"][0]["message"] == "##[error]forged"
