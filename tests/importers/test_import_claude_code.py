"""Claude Code `--output-format json` and `stream-json` output to usage reports.

Prices (genai-prices 0.2.3, per million tokens): claude-sonnet-4-5 input $3, output $15,
cache read $0.30, cache write $3.75; claude-haiku-4-5 input $1, output $5.
"""

from __future__ import annotations

import json

import pytest

from agent_output import assembled, fixture
from budget_gate.importers import claude_code
from budget_gate.importers.common import AgentOutputError
from budget_gate.importers.formats import import_runs
from budget_gate.models.usage import CostSource, RunStatus

SONNET = "claude-sonnet-4-5-20250929"
HAIKU = "claude-haiku-4-5-20251001"
PARTIAL = "claude-code-stream-partial-usage.jsonl"


def test_a_cache_heavy_json_result_with_two_models() -> None:
    run = claude_code.parse(fixture("claude-code-result.json"), source="result.json")
    report = assembled(run).report

    # sonnet: 1,842 input + 1,203,415 cache read + 96,210 cache write = 1,301,467 prompt
    # haiku:  3,126 input                                             =     3,126 prompt
    assert report.actual_prompt_tokens == 1_304_593
    assert report.actual_completion_tokens == 24_518 + 412
    assert report.actual_total_tokens == 1_304_593 + 24_930
    assert report.actual_cache_read_tokens == 1_203_415
    assert report.actual_cache_write_tokens == 96_210
    assert report.actual_reasoning_tokens == 0
    # json has no message ids: at least one request per model (num_turns is 41, but it
    # counts turns, which on real runs are two to three times the requests)
    assert (report.actual_requests, report.requests_lower_bound) == (2, True)
    assert (report.status, report.duration_seconds) == (RunStatus.PASS, 612.34)
    assert report.session_id == "4f0c6d2e-8b1a-4c47-9d35-2a6f1e0b7c93"
    assert report.source_format == "claude-code-json"
    assert (report.model, report.provider) == (SONNET, "anthropic")

    rows = {row.model: row for row in report.usage_by_model or []}
    sonnet, haiku = rows[SONNET], rows[HAIKU]
    assert (sonnet.prompt_tokens, sonnet.completion_tokens) == (1_301_467, 24_518)
    assert (sonnet.cache_read_tokens, sonnet.cache_write_tokens) == (1_203_415, 96_210)
    assert (haiku.prompt_tokens, haiku.completion_tokens, haiku.requests) == (3_126, 412, None)
    # sonnet: 1,842 x 3 + 24,518 x 15 + 1,203,415 x 0.30 + 96,210 x 3.75 (per million)
    #       = 0.005526 + 0.36777 + 0.3610245 + 0.3607875 = 1.095108
    assert sonnet.cost_usd == 1.095108
    # haiku: 3,126 x 1 + 412 x 5 = 0.003126 + 0.00206 = 0.005186
    assert haiku.cost_usd == 0.005186
    # the agent's own total_cost_usd is kept as reported; the price data agrees
    assert (report.actual_cost_usd, report.cost_source) == (1.100294, CostSource.REPORTED)
    assert report.computed_cost_usd == 1.100294  # 1.095108 + 0.005186
    assert report.price_data == "genai-prices 0.2.3"


def test_an_error_subtype_is_a_failed_run_and_a_differing_reported_cost_is_kept() -> None:
    run = claude_code.parse(fixture("claude-code-error-max-turns.json"), source="r.json")
    report = assembled(run).report

    assert report.status is RunStatus.FAIL
    assert report.actual_prompt_tokens == 611 + 402_908 + 40_122
    assert report.actual_completion_tokens == 9_115
    assert report.duration_seconds == 305.112
    # computed: 611 x 3 + 9,115 x 15 + 402,908 x 0.30 + 40,122 x 3.75 (per million)
    #         = 0.001833 + 0.136725 + 0.1208724 + 0.1504575 = 0.4098879
    assert report.computed_cost_usd == 0.409888
    assert (report.actual_cost_usd, report.cost_source) == (0.452131, CostSource.REPORTED)
    assert report.usage_by_model is None  # one model: the report's own fields say it all


@pytest.mark.parametrize("subtype", ["error_during_execution", "error_max_budget_usd"])
def test_every_error_subtype_fails(subtype: str) -> None:
    data = json.loads(fixture("claude-code-result.json"))
    data["subtype"] = subtype
    assert claude_code.parse(json.dumps(data), source="r.json").status is RunStatus.FAIL


def test_stream_json_counts_each_api_message_once() -> None:
    run = claude_code.parse(fixture("claude-code-stream.jsonl"), source="stream.jsonl")
    report = assembled(run).report

    # msg_01Q2... is printed twice (a text block, then a tool_use block) with the same usage
    assert (report.actual_requests, report.requests_lower_bound) == (3, False)
    # prompts: (3 + 18,046 + 0) + (5 + 1,204 + 18,046) + (2 + 889 + 19,250)
    assert report.actual_prompt_tokens == 18_049 + 19_255 + 20_141
    assert report.actual_completion_tokens == 412 + 236 + 1_503
    assert report.actual_total_tokens == 57_445 + 2_151
    assert report.actual_cache_read_tokens == 18_046 + 19_250
    assert report.actual_cache_write_tokens == 18_046 + 1_204 + 889
    assert report.actual_reasoning_tokens == 0
    assert report.tool_calls == 2
    assert (report.status, report.duration_seconds) == (RunStatus.PASS, 48.213)
    assert report.source_format == "claude-code-stream-json"
    # priced per request (per million): 3 x 3 + 18,046 x 3.75 + 412 x 15 = 0.0738615
    #   5 x 3 + 1,204 x 3.75 + 18,046 x 0.30 + 236 x 15 = 0.0134838
    #   2 x 3 + 889 x 3.75 + 19,250 x 0.30 + 1,503 x 15 = 0.03165975  -> 0.11900505
    assert report.computed_cost_usd == 0.119005
    assert (report.actual_cost_usd, report.cost_source) == (0.11900505, CostSource.REPORTED)


def test_models_only_the_result_lists_are_added_and_make_requests_a_lower_bound() -> None:
    lines = fixture("claude-code-stream.jsonl").splitlines()
    result = json.loads(lines[-1])
    result["modelUsage"][HAIKU] = {"inputTokens": 640, "outputTokens": 38, "costUSD": 0.00083}
    text = "\n".join([*lines[:-1], json.dumps(result)])
    report = assembled(claude_code.parse(text, source="s.jsonl")).report

    assert report.actual_prompt_tokens == 57_445 + 640
    assert report.actual_completion_tokens == 2_151 + 38
    assert (report.actual_requests, report.requests_lower_bound) == (3, True)
    rows = {row.model: row for row in report.usage_by_model or []}
    assert (rows[SONNET].requests, rows[HAIKU].requests) == (3, None)
    assert rows[HAIKU].cost_usd == 0.00083  # 640 x $1 + 38 x $5 per million


def test_a_stream_without_a_result_line_does_not_guess_the_outcome() -> None:
    text = "\n".join(fixture("claude-code-stream.jsonl").splitlines()[:-1])
    run = claude_code.parse(text, source="s.jsonl")

    assert (run.status, run.duration_seconds, run.reported_cost_usd) == (None, None, None)
    # a stream cut short: three requests streamed, maybe more made; every figure partial
    assert (run.requests, run.requests_lower_bound) == (3, True)
    (note,) = run.notes
    assert "no result line (the run was cut short), so these figures are partial" in note


def test_the_result_totals_win_over_streamed_snapshots_and_add_unstreamed_calls() -> None:
    """The stream's per-message output_tokens are snapshots (74 of sonnet's 2,237), and haiku's
    subagent was streamed but its background calls were not: the result's modelUsage counts
    both, and the requests are the distinct streamed message ids, a lower bound."""
    run = claude_code.parse(fixture(PARTIAL), source="p.jsonl")
    report = assembled(run).report

    # sonnet: 13 input + 44,622 cache read + 23,734 cache write; haiku: 8,290 input
    assert report.actual_prompt_tokens == 68_369 + 8_290
    assert report.actual_completion_tokens == 2_237 + 303  # the streamed messages say 74 + 21
    assert (report.actual_cache_read_tokens, report.actual_cache_write_tokens) == (44_622, 23_734)
    # five distinct message ids streamed (one of them printed twice); haiku made more calls
    assert (report.actual_requests, report.requests_lower_bound) == (5, True)
    rows = {row.model: row for row in report.usage_by_model or []}
    assert (rows[SONNET].requests, rows[HAIKU].requests) == (3, None)
    assert (rows[HAIKU].prompt_tokens, rows[HAIKU].completion_tokens) == (8_290, 303)
    # sonnet: 13 x 3 + 23,734 x 3.75 + 44,622 x 0.30 + 2,237 x 15 = 0.1359831 (per million)
    # haiku:  8,290 x 1 + 303 x 5                                  = 0.009805
    assert (rows[SONNET].cost_usd, rows[HAIKU].cost_usd) == (0.135983, 0.009805)
    # Claude Code's own figure also charges two web searches ($10 per 1,000)
    assert (report.actual_cost_usd, report.computed_cost_usd) == (0.1657881, 0.145788)
    assert (report.status, report.duration_seconds, report.tool_calls) == (
        RunStatus.PASS,
        96.412,
        3,
    )
    assert any(
        "output_tokens of claude-sonnet-4-5-20250929 fall 2,163 short" in n for n in run.notes
    )
    assert any(f"calls of {HAIKU} that were not streamed" in note for note in run.notes)


def test_usage_the_importer_does_not_read_is_kept_and_named() -> None:
    result = assembled(claude_code.parse(fixture(PARTIAL), source="p.jsonl"))

    assert result.report.extra_usage == {"webSearchRequests": 2.0}
    (warning,) = result.warnings
    assert warning.startswith("The output has usage fields budget-gate does not read: ")
    assert "webSearchRequests (2)" in warning


def test_two_sessions_are_never_merged() -> None:
    text = fixture("claude-code-stream.jsonl") + fixture(PARTIAL)

    with pytest.raises(AgentOutputError) as caught:
        claude_code.parse(text, source="two.jsonl")
    assert str(caught.value) == (
        "two.jsonl holds 2 sessions (b3e1f9a2-5c7d-4e8f-a1b2-c3d4e5f60718, "
        "7d3c1f0a-92b4-4e61-8f2d-5a6b7c8d9e01); nothing was written. Import one with "
        "--session ID, or each as its own report with --split"
    )
    split = import_runs(text, requested="claude-code", source="two.jsonl", split=True)
    first, second = (assembled(run).report for run in split.runs)
    assert (first.actual_total_tokens, first.actual_cost_usd) == (59_596, 0.11900505)
    assert (second.actual_total_tokens, second.actual_cost_usd) == (79_199, 0.1657881)
    picked = import_runs(
        text, requested="auto", source="two.jsonl", session="7d3c1f0a-92b4-4e61-8f2d-5a6b7c8d9e01"
    )
    assert [run.session_id for run in picked.runs] == ["7d3c1f0a-92b4-4e61-8f2d-5a6b7c8d9e01"]
    with pytest.raises(AgentOutputError, match=r"^two.jsonl has no session 'nope'; its sessions"):
        import_runs(text, requested="auto", source="two.jsonl", session="nope")


def test_result_lines_of_one_resumed_session_are_summed() -> None:
    lines = fixture("claude-code-stream.jsonl").splitlines()
    result = json.loads(lines[-1])
    resumed = {**result, "duration_ms": 1000, "total_cost_usd": 0.01, "num_turns": 1}
    resumed["modelUsage"] = {SONNET: {"inputTokens": 100, "outputTokens": 50}}
    run = claude_code.parse("\n".join([*lines, json.dumps(resumed)]), source="r.jsonl")

    assert sum(unit.tokens.total for unit in run.units) == 59_596 + 150
    assert (run.duration_seconds, run.reported_cost_usd) == (49.213, 0.12900505)
    assert any("2 result lines of this session" in note for note in run.notes)


def test_json_verbose_prints_the_messages_as_one_array() -> None:
    lines = [json.loads(line) for line in fixture("claude-code-stream.jsonl").splitlines()]
    run = claude_code.parse(json.dumps(lines), source="verbose.json")
    assert (run.requests, run.source_format) == (3, "claude-code-stream-json")


def test_another_json_object_is_refused_with_the_field_named() -> None:
    with pytest.raises(AgentOutputError, match=r"^x.json:1: type is 'assistant', not 'result'"):
        claude_code.parse('{"type": "assistant"}', source="x.json")


def test_a_negative_token_count_names_the_line_and_field() -> None:
    lines = fixture("claude-code-stream.jsonl").splitlines()
    lines[4] = lines[4].replace('"output_tokens":236', '"output_tokens":-236')
    with pytest.raises(AgentOutputError, match=r"^s.jsonl:5: message.usage.output_tokens must"):
        claude_code.parse("\n".join(lines), source="s.jsonl")
