"""Claude Code: `claude -p --output-format json` and `--output-format stream-json`.

Both end in one `result` object: the status (`subtype`: `success`, `error_max_turns`, ...;
`is_error`), `duration_ms`, `session_id`, the agent's own `total_cost_usd`, and `modelUsage`,
the exact per-model totals of the invocation (`inputTokens`, `outputTokens`,
`cacheReadInputTokens`, `cacheCreationInputTokens`, `costUSD`), background and subagent calls
included. The result's figures are the report's whenever there is a result line.

`stream-json` also prints every message as it happens: each assistant message carries its API
message's `id`, `model` and `usage`, printed once per content block. Those are used only for
what `modelUsage` lacks: the requests (the distinct message ids; `num_turns` counts turns, not
requests, and on real runs is two to three times the requests) and the size of each request, so
a long-context tier is priced per request. Their `output_tokens` are snapshots taken before the
message finished (even the last one for an id falls short), so whatever the result counts
beyond the streamed messages (the rest of the output, calls never streamed) is added from
`modelUsage`. A stream cut short (no result line) gives only the streamed messages, and every
figure is then a lower bound.

`json` prints the result alone: no message ids, so the requests are only known to be at least
one per model (`--output-format stream-json` counts them). `json --verbose` prints every message
as one JSON array, read like stream-json. A file holding several sessions (different
`session_id`s) gives one run per session; result lines of one session (a resumed session) are
summed, as each reports its own invocation.

Prompt tokens = `input_tokens` + `cache_read_input_tokens` + `cache_creation_input_tokens`;
completion tokens = `output_tokens` (thinking included; Claude Code reports no split).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from budget_gate.cost.pricing import TokenCounts
from budget_gate.importers.anthropic import USAGE_READ, anthropic_tokens
from budget_gate.importers.common import (
    AgentOutputError,
    Document,
    ExtraUsage,
    Fidelity,
    Fields,
    ImportedRun,
    UsageUnit,
    read_documents,
    remainder,
    tokens,
)
from budget_gate.importers.sessions import only_session
from budget_gate.models.usage import RunStatus

JSON_FORMAT = "claude-code-json"
STREAM_FORMAT = "claude-code-stream-json"
SUCCESS = "success"
SYNTHETIC_MODEL = "<synthetic>"
"""Claude Code's stand-in for messages it made up itself (no API request behind them)."""
NO_TOKENS = TokenCounts(prompt=0, completion=0)
MODEL_USAGE_READ = frozenset(
    {
        "inputTokens",
        "outputTokens",
        "cacheReadInputTokens",
        "cacheCreationInputTokens",
        "costUSD",
        "contextWindow",
        "maxOutputTokens",
    }
)
FIDELITY = Fidelity(
    name="claude-code",
    reads=(
        "result: `modelUsage` (per model: `inputTokens`, `outputTokens`, "
        "`cacheReadInputTokens`, `cacheCreationInputTokens`), `total_cost_usd`, `subtype`, "
        "`is_error`, `duration_ms`, `session_id`",
        "stream-json assistant lines: `message.id`, `message.model`, `message.usage` "
        "(requests and each request's size), `tool_use` blocks (tool calls)",
    ),
    exact=(
        "tokens per model and in total, cache reads and writes (the result's `modelUsage`)",
        "the agent's own cost (`total_cost_usd`), status, duration",
        "stream-json: requests (distinct API message ids) when every model's calls were streamed",
    ),
    lower_bounds=(
        "json: requests (at least one per model; `num_turns` counts turns, not requests)",
        "stream-json: requests when the result counts calls that were never streamed",
        "a stream cut short (no result line): every figure",
        "computed cost of calls not streamed (priced below any long-context tier)",
    ),
)


@dataclass(slots=True)
class _Streamed:
    model: str
    tokens: TokenCounts
    usage: Fields


@dataclass(slots=True)
class _Session:
    session_id: str | None
    documents: list[Document] = field(default_factory=list)


def parse(text: str, *, source: str) -> ImportedRun:
    """The one session of the output (several are refused: see `sessions.only_session`)."""
    return only_session(read(read_documents(text, source=source), source=source), source=source)


def read(documents: list[Document], *, source: str) -> list[ImportedRun]:
    """One run per session of the output, in the order they appear."""
    if len(documents) == 1 and isinstance(documents[0].value, list):
        line = documents[0].line
        documents = [Document(value=item, line=line) for item in documents[0].value]
    if len(documents) == 1:
        result = Fields(documents[0].value, source=source, line=documents[0].line)
        if result.text("type") != "result":
            raise result.problem(
                "type",
                f"is {result.text('type')!r}, not 'result'; pass the output of "
                "`claude -p --output-format json` (or stream-json)",
            )
        return [_result_only(result)]
    return [_stream(session, source) for session in _sessions(documents, source)]


def _sessions(documents: list[Document], source: str) -> list[_Session]:
    """The lines of each `session_id`, first seen first; a line without one joins the last."""
    sessions: dict[str | None, _Session] = {}
    current: _Session | None = None
    for document in documents:
        line = Fields(document.value, source=source, line=document.line)
        session_id = line.text("session_id")
        if session_id is not None or current is None:
            current = sessions.get(session_id)
            if current is None:
                current = sessions[session_id] = _Session(session_id)
        current.documents.append(document)
    return list(sessions.values())


def _result_only(result: Fields) -> ImportedRun:
    extra = ExtraUsage(MODEL_USAGE_READ)
    units = _model_usage(result, extra)
    if not units:
        usage = result.object("usage", required=True)
        assert usage is not None
        units = {None: anthropic_tokens(usage)}
        extra = ExtraUsage(USAGE_READ)
        extra.add(usage)
    return ImportedRun(
        source_format=JSON_FORMAT,
        units=tuple(
            UsageUnit(model=model, provider=None, tokens=counts, requests=None)
            for model, counts in units.items()
        ),
        requests=max(1, sum(1 for counts in units.values() if counts.total)),
        requests_lower_bound=True,
        status=_status(result),
        duration_seconds=_duration(result),
        session_id=result.text("session_id"),
        reported_cost_usd=result.number("total_cost_usd"),
        notes=(
            "Claude Code's json output does not count model requests: actual_requests is one "
            "per model, a lower bound (num_turns counts turns, not requests; "
            "--output-format stream-json counts the requests).",
        ),
        extra_usage=extra.result(),
    )


def _stream(session: _Session, source: str) -> ImportedRun:
    messages: dict[str, _Streamed] = {}
    tool_uses: set[str] = set()
    results: list[Fields] = []
    for document in session.documents:
        line = Fields(document.value, source=source, line=document.line)
        kind = line.text("type")
        if kind == "result":
            results.append(line)
        elif kind == "assistant":
            _assistant(line, messages, tool_uses)
    if not messages and not results:
        raise AgentOutputError(
            f"{source}: no assistant message and no result line; pass the output of "
            "`claude -p --output-format stream-json --verbose`"
        )
    if not results:
        return _cut_short(session, messages, tool_uses)
    return _finished(session, messages, tool_uses, results)


def _cut_short(
    session: _Session, messages: dict[str, _Streamed], tool_uses: set[str]
) -> ImportedRun:
    extra = ExtraUsage(USAGE_READ)
    for message in messages.values():
        extra.add(message.usage)
    return ImportedRun(
        source_format=STREAM_FORMAT,
        units=tuple(
            UsageUnit(model=item.model, provider=None, tokens=item.tokens, requests=1)
            for item in messages.values()
        ),
        requests=len(messages),
        requests_lower_bound=True,
        session_id=session.session_id,
        tool_calls=len(tool_uses),
        notes=(
            "The stream has no result line (the run was cut short), so these figures are "
            "partial: only the streamed messages are counted, their output_tokens are snapshots "
            "taken before each message finished, and every figure is a lower bound. The stream "
            "does not say how the run ended or how long it took.",
        ),
        extra_usage=extra.result(),
    )


def _finished(
    session: _Session,
    messages: dict[str, _Streamed],
    tool_uses: set[str],
    results: list[Fields],
) -> ImportedRun:
    extra = ExtraUsage(MODEL_USAGE_READ)
    totals: dict[str | None, TokenCounts] = {}
    for result in results:
        for model, counts in _model_usage(result, extra).items():
            totals[model] = totals.get(model, NO_TOKENS) + counts
    notes: list[str] = []
    if not totals:
        totals, extra = _result_usage(results, messages)
        notes.append(
            "The result line has no modelUsage, so its usage totals are used as one aggregate."
        )
    units: list[UsageUnit] = []
    unstreamed: list[str] = []
    for model, total in totals.items():
        streamed = [item for item in messages.values() if item.model == model]
        units.extend(_model_units(model, total, streamed, unstreamed, notes))
    extra_models = sorted({item.model for item in messages.values()} - set(totals))
    for item in messages.values():
        if item.model in extra_models:
            units.append(UsageUnit(model=item.model, provider=None, tokens=item.tokens, requests=1))
    if extra_models:
        notes.append(
            f"Streamed messages of {', '.join(extra_models)} are not in the result's modelUsage; "
            "their streamed usage is added."
        )
    if unstreamed:
        notes.append(
            f"The result counts calls of {', '.join(unstreamed)} that were not streamed "
            "(background or subagent calls), so actual_requests is a lower bound; their tokens "
            "come from the result's modelUsage."
        )
    if len(results) > 1:
        notes.append(
            f"{len(results)} result lines of this session (each one invocation, as when a "
            "session is resumed) are summed."
        )
    last = results[-1]
    costs = [result.number("total_cost_usd") for result in results]
    durations = [_duration(result) for result in results]
    return ImportedRun(
        source_format=STREAM_FORMAT,
        units=tuple(units),
        requests=len(messages) or max(1, len(totals)),
        requests_lower_bound=bool(unstreamed) or not messages,
        status=RunStatus.FAIL
        if any(_status(result) is RunStatus.FAIL for result in results)
        else RunStatus.PASS,
        duration_seconds=None
        if any(item is None for item in durations)
        else round(sum(item or 0 for item in durations), 3),
        session_id=last.text("session_id") or session.session_id,
        reported_cost_usd=None
        if any(cost is None for cost in costs)
        else round(sum(cost or 0 for cost in costs), 10),
        tool_calls=len(tool_uses),
        notes=tuple(notes),
        extra_usage=extra.result(),
    )


def _model_units(
    model: str | None,
    total: TokenCounts,
    streamed: list[_Streamed],
    unstreamed: list[str],
    notes: list[str],
) -> list[UsageUnit]:
    """The streamed requests of one model as they were, plus what the result counts beyond
    them: the rest of their output, and calls that were never streamed."""
    rest = remainder(total, sum((item.tokens for item in streamed), NO_TOKENS))
    name = model or "the model"
    if rest is None:
        notes.append(
            f"The streamed messages of {name} count more tokens than the result's modelUsage; "
            "the result's totals are used as one aggregate."
        )
        return [UsageUnit(model=model, provider=None, tokens=total, requests=len(streamed) or None)]
    units = [
        UsageUnit(model=model, provider=None, tokens=item.tokens, requests=1) for item in streamed
    ]
    if rest.total == 0:
        return units
    if rest.prompt > 0 or not streamed:
        unstreamed.append(name)
        units.append(UsageUnit(model=model, provider=None, tokens=rest, requests=None))
        return units
    notes.append(
        f"The streamed output_tokens of {name} fall {rest.completion:,} short of the result's "
        "modelUsage (they are snapshots taken before each message finished); the result's "
        "totals are used."
    )
    units.append(UsageUnit(model=model, provider=None, tokens=rest, requests=0))
    return units


def _result_usage(
    results: list[Fields], messages: dict[str, _Streamed]
) -> tuple[dict[str | None, TokenCounts], ExtraUsage]:
    """Results without modelUsage (older releases): their `usage`, for the one streamed model."""
    extra = ExtraUsage(USAGE_READ)
    total = NO_TOKENS
    for result in results:
        usage = result.object("usage", required=True)
        assert usage is not None
        total = total + anthropic_tokens(usage)
        extra.add(usage)
    models = {item.model for item in messages.values()}
    return {models.pop() if len(models) == 1 else None: total}, extra


def _assistant(line: Fields, messages: dict[str, _Streamed], tool_uses: set[str]) -> None:
    """Record one API message by id; repeats (one per content block, later snapshots) keep the
    larger count of each kind, never add."""
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
    counts = anthropic_tokens(usage)
    seen = messages.get(message_id)
    if seen is not None:
        counts = _larger(seen.tokens, counts)
    messages[message_id] = _Streamed(model=model, tokens=counts, usage=usage)


def _larger(a: TokenCounts, b: TokenCounts) -> TokenCounts:
    return TokenCounts(
        prompt=max(a.prompt, b.prompt),
        completion=max(a.completion, b.completion),
        cache_read=max(a.cache_read, b.cache_read),
        cache_write=max(a.cache_write, b.cache_write),
        cache_write_1h=max(a.cache_write_1h, b.cache_write_1h),
        reasoning=max(a.reasoning, b.reasoning),
    )


def _model_usage(result: Fields, extra: ExtraUsage) -> dict[str | None, TokenCounts]:
    by_model = result.object("modelUsage")
    if by_model is None:
        return {}
    totals: dict[str | None, TokenCounts] = {}
    for model in by_model.data:
        row = by_model.object(model, required=True)
        assert row is not None
        extra.add(row)
        cache_read = row.count("cacheReadInputTokens", required=False)
        cache_write = row.count("cacheCreationInputTokens", required=False)
        totals[model] = tokens(
            row,
            prompt=row.count("inputTokens") + cache_read + cache_write,
            completion=row.count("outputTokens"),
            cache_read=cache_read,
            cache_write=cache_write,
            prompt_key="inputTokens",
            completion_key="outputTokens",
        )
    return totals


def _status(result: Fields) -> RunStatus:
    """`success` (and no `is_error`) is PASS; every `error_*` subtype is FAIL."""
    failed = result.data.get("is_error") is True or result.text("subtype") != SUCCESS
    return RunStatus.FAIL if failed else RunStatus.PASS


def _duration(result: Fields) -> float | None:
    millis = result.number("duration_ms")
    return None if millis is None else round(millis / 1000, 3)
