"""Anthropic Messages API usage objects to usage reports.

Prices (genai-prices 0.2.3, per million tokens): claude-sonnet-4-5 input $3, output $15,
cache read $0.30, cache write $3.75 (kept one hour: $6). A request whose prompt passes 200,000
tokens pays $6 / $22.50 for all of it, so requests are priced one by one.
"""

from __future__ import annotations

import pytest

from agent_output import assembled, fixture
from budget_gate.importers import anthropic
from budget_gate.importers.common import AgentOutputError
from budget_gate.models.usage import CostSource, RunStatus


def test_cache_heavy_messages_add_the_cache_to_the_prompt() -> None:
    run = anthropic.parse(fixture("anthropic-messages.jsonl"), source="m.jsonl")
    report = assembled(run, status=RunStatus.PASS, duration=95).report

    # input_tokens exclude the cache: prompt = input + cache read + cache write
    assert report.actual_prompt_tokens == (2_311 + 118_204) + (1_024 + 2_048 + 118_204) + (
        517 + 121_276
    )
    assert report.actual_cache_read_tokens == 118_204 + 121_276
    assert report.actual_cache_write_tokens == 118_204 + 2_048
    assert report.actual_completion_tokens == 1_877 + 933 + 2_410
    assert report.actual_reasoning_tokens == 0
    assert report.actual_total_tokens == 363_584 + 5_220
    assert report.actual_requests == 3
    assert (report.model, report.provider) == ("claude-sonnet-4-5-20250929", "anthropic")
    assert report.source_format == "anthropic-messages"
    # 2,311 x 3 + 118,204 x 3.75 + 1,877 x 15                  = 0.478353
    # 1,024 x 3 + 2,048 x 6 (1 hour) + 118,204 x 0.30 + 933 x 15 = 0.0648162
    #   517 x 3 + 121,276 x 0.30 + 2,410 x 15                     = 0.0740838  -> 0.617253
    # (the 363,584 prompt tokens priced as one request would pass the 200,000 tier)
    assert (report.actual_cost_usd, report.cost_source) == (0.617253, CostSource.COMPUTED)


def test_batch_results_and_bare_usage_objects() -> None:
    text = "\n".join(
        [
            '{"custom_id": "a", "result": {"type": "succeeded", "message": {"model": '
            '"claude-haiku-4-5", "usage": {"input_tokens": 100, "output_tokens": 10}}}}',
            '{"custom_id": "b", "result": {"type": "errored", "error": {"type": "overloaded"}}}',
            '{"input_tokens": 7, "cache_read_input_tokens": 50, "output_tokens": 3}',
        ]
    )
    run = anthropic.parse(text, source="b.jsonl")
    assert [(unit.model, unit.tokens.prompt) for unit in run.units] == [
        ("claude-haiku-4-5", 100),
        (None, 57),
    ]


def test_a_string_count_names_line_and_field() -> None:
    with pytest.raises(
        AgentOutputError, match=r'^m:1: usage.input_tokens must be a whole number, got "12"'
    ):
        anthropic.parse(
            '{"type": "message", "usage": {"input_tokens": "12", "output_tokens": 1}}', source="m"
        )


def test_a_bedrock_model_id_is_priced_as_bedrock() -> None:
    """Bedrock returns the same Messages API body; the model id says where it ran."""
    lines = fixture("anthropic-messages.jsonl").splitlines()
    text = "\n".join(
        line.replace(
            '"claude-sonnet-4-5-20250929"', '"us.anthropic.claude-sonnet-4-5-20250929-v1:0"'
        )
        for line in lines
    )
    report = assembled(anthropic.parse(text, source="b.jsonl"), status=RunStatus.PASS, duration=9)
    assert report.report.provider == "aws"
    assert report.report.actual_cost_usd is not None
    plain = assembled(
        anthropic.parse(fixture("anthropic-messages.jsonl"), source="m"),
        status=RunStatus.PASS,
        duration=9,
    )
    assert plain.report.provider == "anthropic"


def test_server_tool_use_is_kept_as_extra_usage() -> None:
    line = (
        '{"type": "message", "role": "assistant", "model": "claude-haiku-4-5", "usage": '
        '{"input_tokens": 10, "output_tokens": 5, "server_tool_use": {"web_search_requests": 3}}}'
    )
    result = assembled(anthropic.parse(line, source="m"), status=RunStatus.PASS, duration=1)
    assert result.report.extra_usage == {"server_tool_use.web_search_requests": 3.0}
