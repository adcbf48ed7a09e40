"""Which tool wrote a file: `import auto` finds it, and an explicit format that the file plainly
contradicts is refused with the format to use (never read wrongly and written with exit 0)."""

from __future__ import annotations

import json

import pytest

from agent_output import fixture
from budget_gate.importers.common import AgentOutputError
from budget_gate.importers.formats import READERS, import_runs

# Each fixture and the format that wrote it.
WRITTEN_BY = {
    "claude-code-result.json": "claude-code",
    "claude-code-stream.jsonl": "claude-code",
    "claude-code-stream-partial-usage.jsonl": "claude-code",
    "codex-exec.jsonl": "codex",
    "openai-chat-completion.json": "openai",
    "openai-responses.jsonl": "openai",
    "anthropic-messages.jsonl": "anthropic",
    "openhands-metrics.json": "openhands",
}
WRONG_PAIRS = [
    (name, actual, requested)
    for name, actual in WRITTEN_BY.items()
    for requested in READERS
    if requested != actual
]


@pytest.mark.parametrize(("name", "actual"), WRITTEN_BY.items())
def test_auto_finds_the_format_and_reads_it_as_the_named_format_would(
    name: str, actual: str
) -> None:
    text = fixture(name)
    detected = import_runs(text, requested="auto", source=name)
    named = import_runs(text, requested=actual, source=name)

    assert detected.format == actual
    assert detected.runs == named.runs


@pytest.mark.parametrize(("name", "actual", "requested"), WRONG_PAIRS)
def test_every_wrong_format_is_refused_with_the_format_to_use(
    name: str, actual: str, requested: str
) -> None:
    with pytest.raises(AgentOutputError) as caught:
        import_runs(fixture(name), requested=requested, source=name)
    message = str(caught.value)
    assert message.startswith(f"{name}:1: this is ")
    assert f"nothing was written. Import it with: budget-gate import {actual} {name}" in message


def test_anthropic_responses_given_as_openai_name_the_give_away_field() -> None:
    """The reported case: read as OpenAI, the cache reads and writes would be dropped."""
    with pytest.raises(AgentOutputError) as caught:
        import_runs(fixture("anthropic-messages.jsonl"), requested="openai", source="m.jsonl")
    assert str(caught.value) == (
        "m.jsonl:1: this is Anthropic Messages API output (`type: message`), not OpenAI API "
        "output; nothing was written. Import it with: budget-gate import anthropic m.jsonl"
    )


def test_claude_code_output_given_as_anthropic_says_to_use_claude_code() -> None:
    with pytest.raises(AgentOutputError, match=r"budget-gate import claude-code r.json$"):
        import_runs(fixture("claude-code-result.json"), requested="anthropic", source="r.json")


def test_a_mixed_file_is_refused_at_the_first_line_of_the_second_format() -> None:
    anthropic_lines = fixture("anthropic-messages.jsonl").splitlines()
    openai_line = json.dumps(json.loads(fixture("openai-chat-completion.json")))
    text = "\n".join([*anthropic_lines[:2], openai_line, anthropic_lines[2]])

    for requested in ("auto", "anthropic", "openai"):
        with pytest.raises(AgentOutputError) as caught:
            import_runs(text, requested=requested, source="mixed.jsonl")
        assert str(caught.value) == (
            "mixed.jsonl:3: this line is OpenAI API output (`object: chat.completion`), but "
            "line 1 is Anthropic Messages API output (`type: message`); nothing was written. A "
            "file must hold one tool's output: import each tool's output from its own file"
        )


def test_bare_usage_objects_name_no_format_so_auto_asks_for_one() -> None:
    bare = '{"input_tokens": 12, "output_tokens": 3}'
    with pytest.raises(AgentOutputError, match=r"^u.json: cannot tell which tool wrote it"):
        import_runs(bare, requested="auto", source="u.json")
    # either API's bare usage object is accepted when the format is named
    assert import_runs(bare, requested="anthropic", source="u.json").runs[0].requests == 1
    assert import_runs(bare, requested="openai", source="u.json").runs[0].requests == 1
