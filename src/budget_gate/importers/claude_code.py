"""Claude Code: `claude -p --output-format json` and `--output-format stream-json`.

`json` prints one result object: `usage` (Anthropic's fields, where `input_tokens` excludes the
cache), `modelUsage` per model (`inputTokens`, `outputTokens`, `cacheReadInputTokens`,
`cacheCreationInputTokens`, `costUSD`), `num_turns`, `duration_ms`, `total_cost_usd`,
`subtype` (`success`, `error_max_turns`, `error_during_execution`, ...) and `session_id`. It
does not count model requests: `num_turns` counts the main conversation's turns (each made at
least one request; subagents and background calls are not counted), so it is written as a
lower bound. `json --verbose` prints every message as one JSON array, read like stream-json.

`stream-json` prints one message a line. Each assistant message carries its API message's
`id`, `model` and `usage`; one API message is printed once per content block with the same
usage, so it is counted once, and the requests are the distinct message ids. The closing
`result` line gives the status, duration and the agent's own cost; models it lists that no
streamed message used (background calls) are added from its `modelUsage`.

Prompt tokens = `input_tokens` + `cache_read_input_tokens` + `cache_creation_input_tokens`;
completion tokens = `output_tokens` (thinking included; Claude Code reports no split).
"""

from __future__ import annotations

from budget_gate.cost.pricing import TokenCounts
from budget_gate.importers.anthropic import anthropic_tokens
from budget_gate.importers.common import (
    AgentOutputError,
    Document,
    Fields,
    ImportedRun,
    UsageUnit,
    read_documents,
    tokens,
)
from budget_gate.models.usage import RunStatus

JSON_FORMAT = "claude-code-json"
STREAM_FORMAT = "claude-code-stream-json"
SUCCESS = "success"
SYNTHETIC_MODEL = "<synthetic>"
"""Claude Code's stand-in for messages it made up itself (no API request behind them)."""


def parse(text: str, *, source: str) -> ImportedRun:
    documents = read_documents(text, source=source)
    if len(documents) == 1 and isinstance(documents[0].value, list):
        items = documents[0].value
        return _stream([Document(value=item, line=documents[0].line) for item in items], source)
    if len(documents) == 1:
        result = Fields(documents[0].value, source=source, line=documents[0].line)
        if result.text("type") != "result":
            raise result.problem(
                "type",
                f"is {result.text('type')!r}, not 'result'; pass the output of "
                "`claude -p --output-format json` (or stream-json)",
            )
        return _result_only(result)
    return _stream(documents, source)


def _result_only(result: Fields) -> ImportedRun:
    units = _model_usage_units(result, skip=frozenset())
    if not units:
        usage = result.object("usage", required=True)
        assert usage is not None
        units = [
            UsageUnit(model=None, provider=None, tokens=anthropic_tokens(usage), requests=None)
        ]
    return ImportedRun(
        source_format=JSON_FORMAT,
        units=tuple(units),
        requests=result.count("num_turns"),
        requests_lower_bound=True,
        status=_status(result),
        duration_seconds=_duration(result),
        session_id=result.text("session_id"),
        reported_cost_usd=result.number("total_cost_usd"),
        notes=(
            "Claude Code's json output does not count model requests: actual_requests is "
            "num_turns, a lower bound (use --output-format stream-json for an exact count).",
        ),
    )


def _stream(documents: list[Document], source: str) -> ImportedRun:
    messages: dict[str, tuple[str, TokenCounts]] = {}
    tool_uses: set[str] = set()
    result: Fields | None = None
    session_id: str | None = None
    for document in documents:
        line = Fields(document.value, source=source, line=document.line)
        kind = line.text("type")
        session_id = session_id or line.text("session_id")
        if kind == "result":
            result = line
        elif kind == "assistant":
            _assistant(line, messages, tool_uses)
    if not messages and result is None:
        raise AgentOutputError(
            f"{source}: no assistant message and no result line; pass the output of "
            "`claude -p --output-format stream-json --verbose`"
        )
    units = [
        UsageUnit(model=model, provider=provider_for(model), tokens=counts, requests=1)
        for model, counts in messages.values()
    ]
    notes: list[str] = []
    extra: list[UsageUnit] = []
    if result is not None:
        extra = _model_usage_units(result, skip=frozenset(model for model, _ in messages.values()))
    if extra:
        notes.append(
            f"Usage of {', '.join(sorted(str(unit.model) for unit in extra))} comes from the "
            "result's modelUsage (those requests were not streamed), so actual_requests is a "
            "lower bound."
        )
    if result is None:
        notes.append(
            "The stream has no result line (the run did not finish), so it does not say how the "
            "run ended or how long it took."
        )
    return ImportedRun(
        source_format=STREAM_FORMAT,
        units=(*units, *extra),
        requests=len(messages),
        requests_lower_bound=bool(extra),
        status=None if result is None else _status(result),
        duration_seconds=None if result is None else _duration(result),
        session_id=(result.text("session_id") if result else None) or session_id,
        reported_cost_usd=None if result is None else result.number("total_cost_usd"),
        tool_calls=len(tool_uses),
        notes=tuple(notes),
    )


def _assistant(
    line: Fields, messages: dict[str, tuple[str, TokenCounts]], tool_uses: set[str]
) -> None:
    """Record one API message by id; repeats (one per content block) replace, never add."""
    message = line.object("message", required=True)
    assert message is not None
    model = message.text("model") or SYNTHETIC_MODEL
    usage = message.object("usage")
    message_id = message.text("id")
    for block in message.objects("content"):
        if block.text("type") == "tool_use" and (tool_id := block.text("id")):
            tool_uses.add(tool_id)
    if model == SYNTHETIC_MODEL or usage is None or message_id is None:
        return
    messages[message_id] = (model, anthropic_tokens(usage))


def _model_usage_units(result: Fields, *, skip: frozenset[str]) -> list[UsageUnit]:
    by_model = result.object("modelUsage")
    if by_model is None:
        return []
    units = []
    for model in by_model.data:
        if model in skip:
            continue
        row = by_model.object(model, required=True)
        assert row is not None
        cache_read = row.count("cacheReadInputTokens", required=False)
        cache_write = row.count("cacheCreationInputTokens", required=False)
        completion = row.count("outputTokens")
        counts = tokens(
            row,
            prompt=row.count("inputTokens") + cache_read + cache_write,
            completion=completion,
            cache_read=cache_read,
            cache_write=cache_write,
            prompt_key="inputTokens",
            completion_key="outputTokens",
        )
        units.append(
            UsageUnit(model=model, provider=provider_for(model), tokens=counts, requests=None)
        )
    return units


def provider_for(model: str) -> str | None:
    """Anthropic's own model names; Bedrock or Vertex ids are left for the price data to match."""
    return "anthropic" if model.startswith("claude-") else None


def _status(result: Fields) -> RunStatus:
    """`success` (and no `is_error`) is PASS; every `error_*` subtype is FAIL."""
    failed = result.data.get("is_error") is True or result.text("subtype") != SUCCESS
    return RunStatus.FAIL if failed else RunStatus.PASS


def _duration(result: Fields) -> float | None:
    millis = result.number("duration_ms")
    return None if millis is None else round(millis / 1000, 3)
