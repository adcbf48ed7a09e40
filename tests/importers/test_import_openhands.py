"""OpenHands metrics JSON to usage reports.

Prices (genai-prices 0.2.3, per million tokens): claude-sonnet-4-5 input $3, output $15,
cache read $0.30, cache write $3.75.
"""

from __future__ import annotations

import json

import pytest

from agent_output import assembled, fixture
from budget_gate.importers import openhands
from budget_gate.importers.common import AgentOutputError
from budget_gate.models.usage import CostSource, RunStatus


def test_token_usages_are_the_requests_and_each_is_priced() -> None:
    run = openhands.parse(fixture("openhands-metrics.json"), source="metrics.json")
    report = assembled(run, status=RunStatus.PASS, duration=260).report

    # LiteLLM's prompt_tokens already include cache reads and writes
    assert report.actual_prompt_tokens == 9_842 + 11_206 + 12_931 + 14_055
    assert report.actual_cache_read_tokens == 0 + 9_830 + 11_192 + 12_917
    assert report.actual_cache_write_tokens == 9_830 + 1_362 + 1_725 + 1_124
    assert report.actual_completion_tokens == 611 + 402 + 1_208 + 356
    assert report.actual_reasoning_tokens == 0
    assert report.actual_total_tokens == 48_034 + 2_577
    assert (report.actual_requests, report.requests_lower_bound) == (4, False)
    # the LiteLLM name's prefix is the provider
    assert (report.model, report.provider) == ("claude-sonnet-4-5-20250929", "anthropic")
    # per request (per million): 12 x 3 + 9,830 x 3.75 + 611 x 15                 = 0.0460635
    #   14 x 3 + 1,362 x 3.75 + 9,830 x 0.30 + 402 x 15                             = 0.0141285
    #   14 x 3 + 1,725 x 3.75 + 11,192 x 0.30 + 1,208 x 15                          = 0.02798835
    #   14 x 3 + 1,124 x 3.75 + 12,917 x 0.30 + 356 x 15                            = 0.0134721
    assert report.computed_cost_usd == 0.101652
    # OpenHands' own accumulated_cost differs; it is kept as the reported cost
    assert (report.actual_cost_usd, report.cost_source) == (0.09841, CostSource.REPORTED)


def test_a_trimmed_token_usages_list_makes_requests_a_lower_bound() -> None:
    data = json.loads(fixture("openhands-metrics.json"))
    data["token_usages"] = data["token_usages"][2:]  # OpenHands keeps only the latest entries
    run = openhands.parse(json.dumps(data), source="m.json")
    report = assembled(run, status=RunStatus.PASS, duration=1).report

    assert (report.actual_requests, report.requests_lower_bound) == (2, True)
    assert report.actual_total_tokens == 48_034 + 2_577  # the accumulated usage still counts
    assert any("lower bound" in note for note in run.notes)


def test_conversation_stats_of_several_llms_add_up() -> None:
    metrics = json.loads(fixture("openhands-metrics.json"))
    stats = {"usage_to_metrics": {"agent": metrics, "condenser": metrics}}
    run = openhands.parse(json.dumps(stats), source="stats.json")
    assert run.requests == 8
    assert run.reported_cost_usd == pytest.approx(2 * 0.09841)


def test_inconsistent_metrics_are_refused() -> None:
    data = json.loads(fixture("openhands-metrics.json"))
    data["accumulated_token_usage"]["completion_tokens"] = 10
    with pytest.raises(AgentOutputError, match=r"^m.json:1: token_usages add up to more tokens"):
        openhands.parse(json.dumps(data), source="m.json")


def test_something_else_is_refused_with_the_missing_field_named() -> None:
    with pytest.raises(AgentOutputError, match=r"^m.json:1: accumulated_token_usage is missing"):
        openhands.parse('{"history": []}', source="m.json")
