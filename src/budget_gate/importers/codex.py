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
    Fields,
    ImportedRun,
    UsageUnit,
    read_documents,
    tokens,
)
from budget_gate.models.usage import RunStatus

FORMAT = "codex-exec-json"
PROVIDER = "openai"
TOOL_ITEMS = frozenset({"command_execution", "file_change", "mcp_tool_call", "web_search"})


def parse(text: str, *, source: str) -> ImportedRun:
    units: list[UsageUnit] = []
    thread_id: str | None = None
    failures = 0
    tools: set[str] = set()
    for document in read_documents(text, source=source):
        event = Fields(document.value, source=source, line=document.line)
        kind = event.text("type")
        if kind == "thread.started":
            thread_id = thread_id or event.text("thread_id")
        elif kind == "turn.completed":
            units.append(_turn(event))
        elif kind in ("turn.failed", "error"):
            failures += 1
        elif kind == "item.completed":
            item = event.object("item")
            if item is not None and item.text("type") in TOOL_ITEMS:
                tools.add(item.text("id") or f"line {document.line}")
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
    )


def _turn(event: Fields) -> UsageUnit:
    usage = event.object("usage", required=True)
    assert usage is not None
    return UsageUnit(
        model=None,
        provider=PROVIDER,
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
