"""The ready-to-paste stubs: valid YAML, every required field, IDs kept as strings, and an
unedited stub rejected by the models rather than accepted with made-up numbers."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from budget_gate.models.common import SliceRef
from budget_gate.models.estimate import EstimationRecord
from budget_gate.models.usage import UsageReport
from budget_gate.render.stubs import estimate_stub, estimates_stub, usage_report_stub

NOW = "2025-03-14T09:26:53+00:00"
TRICKY = SliceRef(plan_id="0012", slice_id="NO")


def _required(model: type[EstimationRecord] | type[UsageReport]) -> set[str]:
    return {name for name, field in model.model_fields.items() if field.is_required()}


def test_estimate_stub_has_every_required_field_and_string_ids() -> None:
    data = yaml.safe_load(estimate_stub(TRICKY, now_iso=NOW))
    assert set(data) == _required(EstimationRecord)
    assert data["plan_id"] == "0012"
    assert data["slice_id"] == "NO"
    assert data["estimation_timestamp"] == NOW
    assert data["estimation_method"] == "MANUAL"


def test_usage_stub_has_every_required_field_and_string_ids() -> None:
    data = yaml.safe_load(usage_report_stub(TRICKY, run_id="1e3"))
    assert set(data) == _required(UsageReport)
    assert (data["run_id"], data["plan_id"], data["slice_id"]) == ("1e3", "0012", "NO")
    assert yaml.safe_load(usage_report_stub(TRICKY, run_id=None))["run_id"] is None


def test_unedited_stubs_do_not_pass_validation() -> None:
    with pytest.raises(ValidationError):
        EstimationRecord.model_validate(yaml.safe_load(estimate_stub(TRICKY, now_iso=NOW)))
    with pytest.raises(ValidationError):
        UsageReport.model_validate(yaml.safe_load(usage_report_stub(TRICKY, run_id="r1")))


def _filled(data: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return {key: values.get(key, value) if value is None else value for key, value in data.items()}


def test_filled_in_stubs_validate() -> None:
    estimate = _filled(
        yaml.safe_load(estimate_stub(TRICKY, now_iso=NOW)),
        {
            "estimated_requests": 20,
            "estimated_prompt_tokens": 30_000,
            "estimated_completion_tokens": 10_000,
            "estimation_owner": "planner",
        },
    )
    assert EstimationRecord.model_validate(estimate).ref == TRICKY
    usage = _filled(
        yaml.safe_load(usage_report_stub(TRICKY, run_id="r1")),
        {
            "agent_id": "claude-code",
            "actual_requests": 3,
            "actual_prompt_tokens": 100,
            "actual_completion_tokens": 20,
            "actual_total_tokens": 120,
            "duration_seconds": 12.5,
            "status": "PASS",
            "report_timestamp": NOW,
        },
    )
    assert UsageReport.model_validate(usage).ref == TRICKY


def test_several_estimates_make_one_file() -> None:
    refs = [SliceRef("P", f"S{index}") for index in range(5)]
    text = estimates_stub(refs, now_iso=NOW)
    records = yaml.safe_load(text)["estimates"]
    assert [record["slice_id"] for record in records] == [f"S{index}" for index in range(5)]
    assert "P/S0, P/S1, P/S2 and 2 more" in text.splitlines()[0]
    assert estimates_stub(refs[:1], now_iso=NOW) == estimate_stub(refs[0], now_iso=NOW)


def test_hostile_ids_cannot_break_the_yaml() -> None:
    ref = SliceRef(plan_id='x"\n: y #', slice_id="a\u2028b")
    assert yaml.safe_load(estimate_stub(ref, now_iso=NOW))["plan_id"] == 'x"\n: y #'
    assert yaml.safe_load(usage_report_stub(ref, run_id="r\x00"))["slice_id"] == "a\u2028b"
