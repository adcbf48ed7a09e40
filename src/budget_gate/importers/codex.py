"""Codex: the JSON Lines of `codex exec --json`.

Events: `thread.started` (`thread_id`), `turn.started`, `item.started` / `item.updated` /
`item.completed` (`item.type`: `agent_message`, `reasoning`, `command_execution`,
`file_change`, `mcp_tool_call`, `web_search`, `todo_list`, ...), `turn.completed` with `usage`
(`input_tokens`, `cached_input_tokens`, `output_tokens`, and in newer versions
`reasoning_output_tokens`), `turn.failed` (`error.message`) and `error` (`message`).

OpenAI's conventions: `input_tokens` includes `cached_input_tokens` and `output_tokens`
includes reasoning, which are already the OpenTelemetry meanings. Each turn's usage is priced
on its own. Codex prints neither the model, nor how many model requests a turn made, nor how
long the run took: the model comes from `--model`, the duration from `--duration`, and
`actual_requests` is the number of completed turns, written as a lower bound.
"""

from __future__ import annotations

from budget_gate.importers.common import (
    AgentOutputError,
    Document,
    ExtraUsage,
    Fidelity,
    Fields,
    ImportedRun,
    UsageUnit,
    read_documents,
    tokens,
)
from budget_gate.importers.sessions import only_session
from budget_gate.models.usage import RunStatus

FORMAT = "codex-exec-json"
TOOL_ITEMS = frozenset({"command_execution", "file_change", "mcp_tool_call", "web_search"})
USAGE_READ = frozenset(
    {"input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens"}
)
FIDELITY = Fidelity(
    name="codex",
    reads=(
        "`thread.started.thread_id` (the session), `turn.completed.usage`: `input_tokens`, "
        "`cached_input_tokens`, `output_tokens`, `reasoning_output_tokens`",
        "`turn.failed` / `error` (the run failed), completed tool items (tool calls)",
    ),
    exact=("tokens, cache reads, reasoning (summed over the turns)", "status"),
    lower_bounds=(
        "requests (the completed turns; each made at least one request)",
        "computed cost (a turn's requests are priced below any long-context tier)",
    ),
)


def parse(text: str, *, source: str) -> ImportedRun:
    """The one session of the output (several are refused: see `sessions.only_session`)."""
    return only_session(read(read_documents(text, source=source), source=source), source=source)


def read(documents: list[Document], *, source: str) -> list[ImportedRun]:
    """One run per thread (`thread.started`), first seen first; a resumed thread (the same
    `thread_id` again) continues its run."""
    threads: dict[str | None, list[Fields]] = {}
    current: str | None = None
    for document in documents:
        event = Fields(document.value, source=source, line=document.line)
        if event.text("type") == "thread.started":
            thread_id = event.text("thread_id")
            if current is None and None in threads and thread_id not in threads:
                threads[thread_id] = threads.pop(None)  # the events before it are its own
            current = thread_id
        threads.setdefault(current, []).append(event)
    return [_thread(thread_id, events, source) for thread_id, events in threads.items()]


def _thread(thread_id: str | None, events: list[Fields], source: str) -> ImportedRun:
    units: list[UsageUnit] = []
    failures = 0
    tools: set[str] = set()
    extra = ExtraUsage(USAGE_READ)
    for event in events:
        kind = event.text("type")
        if kind == "turn.completed":
            units.append(_turn(event, extra))
        elif kind in ("turn.failed", "error"):
            failures += 1
        elif kind == "item.completed":
            item = event.object("item")
            if item is not None and item.text("type") in TOOL_ITEMS:
                tools.add(item.text("id") or f"line {event.line}")
    if not units and not failures:
        raise AgentOutputError(
            f"{source}: no turn.completed or turn.failed event; pass the JSON Lines that "
            "`codex exec --json` printed for a whole run"
        )
    notes = [
        "codex exec --json does not count model requests: actual_requests is the number of "
        "completed turns, a lower bound.",
    ]
    status = RunStatus.FAIL if failures else RunStatus.PASS
    return ImportedRun(
        source_format=FORMAT,
        units=tuple(units),
        requests=len(units),
        requests_lower_bound=True,
        status=status,
        session_id=thread_id,
        tool_calls=len(tools),
        notes=tuple(notes),
        extra_usage=extra.result(),
    )


def _turn(event: Fields, extra: ExtraUsage) -> UsageUnit:
    usage = event.object("usage", required=True)
    assert usage is not None
    extra.add(usage)
    return UsageUnit(
        model=None,
        provider=None,
        tokens=tokens(
            usage,
            prompt=usage.count("input_tokens"),
            completion=usage.count("output_tokens"),
            cache_read=usage.count("cached_input_tokens", required=False),
            reasoning=usage.count("reasoning_output_tokens", required=False),
            prompt_key="input_tokens",
            completion_key="output_tokens",
        ),
        requests=None,
    )
