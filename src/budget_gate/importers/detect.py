"""Which tool wrote a file: each supported format recognised from its own objects.

`budget-gate import auto FILE` imports what this finds; behind an explicit format it is a check,
so output of another tool is refused with the format to use instead of being read wrongly (an
Anthropic response read as OpenAI drops the cache from the prompt; Claude Code output read as
Anthropic finds no usage). Each object gives its format only when a field plainly belongs to it
(`modelUsage`, `turn.completed`, `cache_creation_input_tokens`, `object: response`, ...);
objects every format can hold (a bare `{input_tokens, output_tokens}`, an `error` event) give
none. A file whose objects name two formats is refused at the first line of the second.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from budget_gate.importers.common import AgentOutputError, Document

CLAUDE_CODE = "claude-code"
CODEX = "codex"
OPENAI = "openai"
ANTHROPIC = "anthropic"
OPENHANDS = "openhands"
AUTO = "auto"

DESCRIBED = {
    CLAUDE_CODE: "Claude Code output",
    CODEX: "Codex `exec --json` output",
    OPENAI: "OpenAI API output",
    ANTHROPIC: "Anthropic Messages API output",
    OPENHANDS: "OpenHands metrics",
}
_CLAUDE_CODE_TYPES = frozenset({"system", "assistant", "user", "result", "stream_event"})
_CODEX_TYPES = frozenset(
    {
        "thread.started",
        "turn.started",
        "turn.completed",
        "turn.failed",
        "item.started",
        "item.updated",
        "item.completed",
    }
)
_OPENAI_OBJECTS = frozenset({"chat.completion", "chat.completion.chunk", "response"})
_OPENAI_USAGE = ("prompt_tokens", "completion_tokens", "input_tokens_details", "total_tokens")
_ANTHROPIC_USAGE = ("cache_creation_input_tokens", "cache_read_input_tokens")
_OPENHANDS_KEYS = ("accumulated_token_usage", "usage_to_metrics", "token_usages")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One object's format and the field that gave it away."""

    format: str
    line: int
    why: str

    def describe(self) -> str:
        return f"{DESCRIBED[self.format]} ({self.why})"


def settle(documents: list[Document], *, requested: str, source: str) -> str:
    """The format to import with: `requested`, unless the file plainly is another tool's (then
    the error names the format to use), or for `auto` the one the objects show."""
    evidence = _consistent(list(_evidence(documents)), source)
    if requested == AUTO:
        if evidence is None:
            raise AgentOutputError(
                f"{source}: cannot tell which tool wrote it (no object has a field only one "
                "format has); name the format: budget-gate import FORMAT FILE, with FORMAT one "
                f"of {', '.join(DESCRIBED)}"
            )
        return evidence.format
    if evidence is not None and evidence.format != requested:
        raise AgentOutputError(
            f"{source}:{evidence.line}: this is {evidence.describe()}, not "
            f"{DESCRIBED[requested]}; nothing was written. Import it with: budget-gate import "
            f"{evidence.format} {source}"
        )
    return requested


def _consistent(found: list[Evidence], source: str) -> Evidence | None:
    if not found:
        return None
    first = found[0]
    for item in found[1:]:
        if item.format != first.format:
            raise AgentOutputError(
                f"{source}:{item.line}: this line is {item.describe()}, but line {first.line} "
                f"is {first.describe()}; nothing was written. A file must hold one tool's "
                "output: import each tool's output from its own file"
            )
    return first


def _evidence(documents: list[Document]) -> Iterator[Evidence]:
    for document in documents:
        items = document.value if isinstance(document.value, list) else [document.value]
        for item in items:
            if isinstance(item, Mapping):
                found = classify(item)
                if found is not None:
                    yield Evidence(format=found[0], line=document.line, why=found[1])


def classify(item: Mapping[str, Any]) -> tuple[str, str] | None:
    """(format, the field that shows it) for one JSON object; None when any format could hold
    it."""
    kind = item.get("type")
    if any(key in item for key in _OPENHANDS_KEYS):
        key = next(key for key in _OPENHANDS_KEYS if key in item)
        return OPENHANDS, f"`{key}`"
    if isinstance(item.get("metrics"), Mapping) and "accumulated_token_usage" in item["metrics"]:
        return OPENHANDS, "`metrics.accumulated_token_usage`"
    if kind in _CLAUDE_CODE_TYPES and ("session_id" in item or "modelUsage" in item):
        return CLAUDE_CODE, f"`type: {kind}` with `session_id`"
    if kind in _CODEX_TYPES:
        return CODEX, f"`type: {kind}`"
    if item.get("object") in _OPENAI_OBJECTS:
        return OPENAI, f"`object: {item['object']}`"
    if isinstance(kind, str) and kind.startswith("response."):
        return OPENAI, f"`type: {kind}`"
    if kind == "message" and item.get("role") == "assistant":
        return ANTHROPIC, "`type: message`"
    if isinstance(item.get("result"), Mapping) and "custom_id" in item:
        return ANTHROPIC, "a Message Batches result (`custom_id`, `result`)"
    usage = item.get("usage", item)
    return _usage_format(usage, prefix="usage." if usage is not item else "")


def _usage_format(usage: Any, *, prefix: str) -> tuple[str, str] | None:
    if not isinstance(usage, Mapping):
        return None
    for key in _ANTHROPIC_USAGE:
        if key in usage:
            return ANTHROPIC, f"`{prefix}{key}`"
    for key in _OPENAI_USAGE:
        if key in usage:
            return OPENAI, f"`{prefix}{key}`"
    return None
