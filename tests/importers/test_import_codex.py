"""`codex exec --json` JSON Lines to usage reports.

Prices (genai-prices 0.2.3, per million tokens): gpt-5-codex is priced as gpt-5, input $1.25,
cached input $0.125, output $10.
"""

from __future__ import annotations

import pytest

from agent_output import assembled, fixture
from budget_gate.importers import codex
from budget_gate.importers.common import AgentOutputError, naming
from budget_gate.models.usage import CostSource, RunStatus


def test_turns_are_summed_and_each_priced_on_its_own() -> None:
    run = codex.parse(fixture("codex-exec.jsonl"), source="codex.jsonl")
    # codex prints no model and no duration: the user passes --model and --duration
    report = assembled(naming(run, model="gpt-5-codex", provider=None), duration=1312).report

    # input_tokens include cached_input_tokens (OpenAI's convention, already OpenTelemetry's)
    assert report.actual_prompt_tokens == 486_213 + 212_640
    assert report.actual_cache_read_tokens == 441_088 + 198_912
    assert report.actual_cache_write_tokens == 0
    assert report.actual_completion_tokens == 9_874 + 4_311
    assert report.actual_reasoning_tokens == 0
    assert report.actual_total_tokens == 698_853 + 14_185
    # codex does not count requests: two completed turns made at least two
    assert (report.actual_requests, report.requests_lower_bound) == (2, True)
    assert report.status is RunStatus.PASS
    assert report.session_id == "0199a213-81c0-7800-8aa1-bbab2a035a53"
    assert report.tool_calls == 3  # two command executions and one file change
    assert (report.model, report.provider) == ("gpt-5-codex", "openai")
    # turn 1: 45,125 x 1.25 + 441,088 x 0.125 + 9,874 x 10 = 0.21028225
    # turn 2: 13,728 x 1.25 + 198,912 x 0.125 + 4,311 x 10 = 0.085134   -> 0.29541625
    assert (report.actual_cost_usd, report.cost_source) == (0.295416, CostSource.COMPUTED)
    assert report.computed_cost_usd is None  # nothing reported to keep beside it


def test_without_a_model_there_is_no_cost_and_a_note_says_why() -> None:
    result = assembled(codex.parse(fixture("codex-exec.jsonl"), source="c.jsonl"), duration=60)
    assert (result.report.actual_cost_usd, result.report.model) == (None, None)
    assert any("pass --model" in note for note in result.notes)
    assert any("lower bound" in note for note in result.notes)


def test_a_failed_turn_fails_the_run() -> None:
    run = codex.parse(fixture("codex-exec-failed.jsonl"), source="f.jsonl")
    assert (run.status, run.requests, run.units) == (RunStatus.FAIL, 0, ())


def test_newer_codex_reasoning_output_tokens_are_part_of_the_output() -> None:
    line = (
        '{"type":"turn.completed","usage":{"input_tokens":1000,"cached_input_tokens":200,'
        '"output_tokens":900,"reasoning_output_tokens":700}}'
    )
    (unit,) = codex.parse(line, source="c.jsonl").units
    assert (unit.tokens.completion, unit.tokens.reasoning) == (900, 700)


def test_a_truncated_file_names_its_last_line() -> None:
    with pytest.raises(AgentOutputError) as caught:
        codex.parse(fixture("codex-exec-truncated.jsonl"), source="codex.jsonl")
    message = str(caught.value)
    assert message.startswith("codex.jsonl:13: the file ends in the middle of a JSON value")
    assert "looks truncated; nothing was written" in message


def test_a_broken_line_in_the_middle_names_that_line() -> None:
    lines = fixture("codex-exec.jsonl").splitlines()
    lines[6] = lines[6].replace("{", "[", 1)
    with pytest.raises(AgentOutputError, match=r"^c.jsonl:7: not valid JSON"):
        codex.parse("\n".join(lines), source="c.jsonl")


def test_output_of_another_tool_is_refused() -> None:
    with pytest.raises(AgentOutputError, match=r"no turn\.completed or turn\.failed event"):
        codex.parse('{"type":"thread.started","thread_id":"t"}', source="c.jsonl")


def test_usage_fields_of_newer_releases_are_kept_and_named_not_dropped() -> None:
    """A cache-write count Codex may add is not guessed into the prompt: it is kept as is."""
    lines = fixture("codex-exec.jsonl").splitlines()
    turn = next(index for index, line in enumerate(lines) if '"turn.completed"' in line)
    lines[turn] = lines[turn].replace(
        '"cached_input_tokens":', '"cache_creation_input_tokens":5120,"cached_input_tokens":', 1
    )
    run = naming(
        codex.parse("\n".join(lines), source="c.jsonl"), model="gpt-5-codex", provider=None
    )
    result = assembled(run, duration=60)

    assert result.report.extra_usage == {"cache_creation_input_tokens": 5120.0}
    assert result.report.actual_prompt_tokens == 486_213 + 212_640  # unchanged
    assert "cache_creation_input_tokens (5,120)" in result.warnings[0]


def test_two_threads_are_two_sessions() -> None:
    text = fixture("codex-exec.jsonl")
    other = text.replace(
        "0199a213-81c0-7800-8aa1-bbab2a035a53", "0199a3c4-0000-7000-8000-000000000001"
    )
    with pytest.raises(AgentOutputError, match=r"^c.jsonl holds 2 sessions \(0199a213-"):
        codex.parse(text + other, source="c.jsonl")
    # the same thread again (`codex exec resume`) continues the run
    assert codex.parse(text + text, source="c.jsonl").requests == 4
