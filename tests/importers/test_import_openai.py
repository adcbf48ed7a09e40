"""OpenAI Chat Completions and Responses usage objects to usage reports.

Prices (genai-prices 0.2.3, per million tokens): gpt-5 input $1.25, cached input $0.125,
output $10; gpt-4.1 input $2, cached input $0.50, output $8.
"""

from __future__ import annotations

import json

import pytest

from agent_output import assembled, fixture
from budget_gate.importers import openai
from budget_gate.importers.common import AgentOutputError, naming
from budget_gate.models.usage import CostSource, RunStatus


def test_a_reasoning_heavy_responses_jsonl() -> None:
    run = openai.parse(fixture("openai-responses.jsonl"), source="r.jsonl")
    report = assembled(run, status=RunStatus.PASS, duration=410).report

    assert report.actual_prompt_tokens == 12_408 + 22_950 + 31_377
    assert report.actual_cache_read_tokens == 0 + 11_904 + 22_784
    assert report.actual_cache_write_tokens == 0
    assert report.actual_completion_tokens == 9_216 + 6_144 + 3_805
    assert report.actual_reasoning_tokens == 8_448 + 5_632 + 2_944
    assert report.actual_total_tokens == 66_735 + 19_165
    assert (report.actual_requests, report.requests_lower_bound) == (3, False)
    assert (report.model, report.provider) == ("gpt-5-2025-08-07", "openai")
    assert report.source_format == "openai-responses"
    # 12,408 x 1.25 + 9,216 x 10                  = 0.10767
    # 11,046 x 1.25 + 11,904 x 0.125 + 6,144 x 10  = 0.0767355
    #  8,593 x 1.25 + 22,784 x 0.125 + 3,805 x 10  = 0.05163925   -> 0.23604475
    assert (report.actual_cost_usd, report.cost_source) == (0.236045, CostSource.COMPUTED)


def test_one_chat_completion() -> None:
    run = openai.parse(fixture("openai-chat-completion.json"), source="c.json")
    report = assembled(run, status=RunStatus.PASS, duration=12).report

    assert (report.actual_prompt_tokens, report.actual_cache_read_tokens) == (5_231, 3_072)
    assert report.actual_cache_write_tokens == 0
    assert (report.actual_completion_tokens, report.actual_reasoning_tokens) == (612, 0)
    assert report.actual_total_tokens == 5_843
    assert report.actual_requests == 1
    assert report.source_format == "openai-chat-completions"
    # 2,159 x 2 + 3,072 x 0.50 + 612 x 8 = 0.004318 + 0.001536 + 0.004896
    assert report.actual_cost_usd == 0.01075


def test_an_unknown_model_keeps_the_tokens_and_leaves_the_cost_out() -> None:
    run = openai.parse(fixture("openai-unknown-model.json"), source="u.json")
    result = assembled(run, status=RunStatus.PASS, duration=12)

    assert result.report.actual_total_tokens == 5_843
    # the OpenAI API is served by many providers: the price data knows none for this model
    assert (result.report.model, result.report.provider) == ("acme-coder-7b-ft", None)
    assert (result.report.actual_cost_usd, result.report.cost_source) == (None, None)
    assert result.report.price_data is None
    assert result.notes == (
        "genai-prices 0.2.3 has no price for model acme-coder-7b-ft, so no cost is "
        "computed for it.",
    )


def test_a_deepseek_model_is_priced_as_deepseek_without_a_provider_option() -> None:
    """DeepSeek serves the Chat Completions API; the price data knows `deepseek-*` is its."""
    completion = json.loads(fixture("openai-chat-completion.json"))
    completion["model"] = "deepseek-chat"
    run = openai.parse(json.dumps(completion), source="d.json")
    report = assembled(run, status=RunStatus.PASS, duration=12).report

    assert (report.model, report.provider) == ("deepseek-chat", "deepseek")
    assert report.actual_cost_usd is not None and report.cost_source is CostSource.COMPUTED
    # --provider still decides: DeepSeek's model on a provider the data does not price
    named = naming(run, model=None, provider="acme-cloud")
    other = assembled(named, status=RunStatus.PASS, duration=12).report
    assert (other.provider, other.actual_cost_usd) == ("acme-cloud", None)


def test_usage_details_it_does_not_read_are_kept_under_extra_usage() -> None:
    completion = json.loads(fixture("openai-chat-completion.json"))
    completion["usage"]["completion_tokens_details"].update(
        {"accepted_prediction_tokens": 40, "rejected_prediction_tokens": 12}
    )
    result = assembled(
        openai.parse(json.dumps(completion), source="c.json"), status=RunStatus.PASS, duration=1
    )

    assert result.report.extra_usage == {
        "completion_tokens_details.accepted_prediction_tokens": 40.0,
        "completion_tokens_details.rejected_prediction_tokens": 12.0,
    }
    assert result.report.actual_completion_tokens == 612  # the extra counts are not added
    assert "completion_tokens_details.rejected_prediction_tokens (12)" in result.warnings[0]


def test_the_api_does_not_say_how_the_run_ended_unless_a_response_failed() -> None:
    assert openai.parse(fixture("openai-responses.jsonl"), source="r").status is None
    lines = fixture("openai-responses.jsonl").splitlines()
    lines[1] = lines[1].replace('"status":"completed"', '"status":"failed"', 1)
    assert openai.parse("\n".join(lines), source="r").status is RunStatus.FAIL


def test_bare_usage_objects_and_stream_events() -> None:
    usage = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    completed = json.loads(fixture("openai-responses.jsonl").splitlines()[0])
    lines = [
        json.dumps(usage),
        json.dumps({"type": "response.output_text.delta", "delta": "Hi"}),
        json.dumps({"type": "response.completed", "response": completed}),
        json.dumps({"object": "chat.completion.chunk", "model": "gpt-4.1", "usage": None}),
    ]
    run = naming(openai.parse("\n".join(lines), source="s"), model="gpt-4.1", provider=None)

    assert run.requests == 2
    assert [unit.model for unit in run.units] == ["gpt-4.1", "gpt-5-2025-08-07"]
    assert run.source_format == "openai-usage"


def test_cached_tokens_above_the_prompt_are_refused() -> None:
    bad = (
        '{"prompt_tokens": 10, "completion_tokens": 1, '
        '"prompt_tokens_details": {"cached_tokens": 11}}'
    )
    with pytest.raises(AgentOutputError, match=r"^x:1: prompt_tokens \(10\) is smaller than"):
        openai.parse(bad, source="x")


def test_an_object_without_usage_names_the_field() -> None:
    with pytest.raises(AgentOutputError, match=r"^x:2: usage is missing"):
        openai.parse('{"usage": {"input_tokens": 1, "output_tokens": 1}}\n{"id": "x"}', source="x")
