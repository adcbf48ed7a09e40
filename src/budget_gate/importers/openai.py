"""OpenAI API usage: Chat Completions and Responses objects, one JSON document or JSON Lines.

Each object is one request. Accepted per line: a response object with its `model` and `usage`
(a `chat.completion`, a `response`, the last `chat.completion.chunk` of a stream), a
`response.completed` / `response.incomplete` / `response.failed` stream event (its `response`),
or a bare `usage` object (then `--model` names the model). Stream lines without usage are
skipped.

Chat Completions `usage`: `prompt_tokens` (includes `prompt_tokens_details.cached_tokens`),
`completion_tokens` (includes `completion_tokens_details.reasoning_tokens`). Responses `usage`:
`input_tokens` (includes `input_tokens_details.cached_tokens`), `output_tokens` (includes
`output_tokens_details.reasoning_tokens`). Both are already the OpenTelemetry meanings.

The API does not say how the agent's run ended or how long it took (`--status`, `--duration`),
except that a `failed` response makes the run FAIL. Many providers serve the same API
(DeepSeek, Azure, OpenRouter, ...), so the provider is found from the model name in the price
data (`--provider` names it otherwise).
"""

from __future__ import annotations

from budget_gate.cost.pricing import TokenCounts
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
from budget_gate.models.usage import RunStatus

CHAT_FORMAT = "openai-chat-completions"
RESPONSES_FORMAT = "openai-responses"
FINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed"})
USAGE_READ = frozenset(
    {
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "prompt_tokens_details.cached_tokens",
        "completion_tokens_details.reasoning_tokens",
        "input_tokens",
        "output_tokens",
        "input_tokens_details.cached_tokens",
        "output_tokens_details.reasoning_tokens",
    }
)
FIDELITY = Fidelity(
    name="openai",
    reads=(
        "per response: `model`, `status`; Chat Completions `usage.prompt_tokens`, "
        "`completion_tokens`, `prompt_tokens_details.cached_tokens`, "
        "`completion_tokens_details.reasoning_tokens`; Responses `usage.input_tokens`, "
        "`output_tokens`, `input_tokens_details.cached_tokens`, "
        "`output_tokens_details.reasoning_tokens`",
        "`response.completed` / `incomplete` / `failed` stream events; bare usage objects",
    ),
    exact=("tokens, cache reads, reasoning, requests (one per response)", "computed cost"),
    lower_bounds=(),
)


def parse(text: str, *, source: str) -> ImportedRun:
    return read(read_documents(text, source=source), source=source)[0]


def read(documents: list[Document], *, source: str) -> list[ImportedRun]:
    """One run: the API has no sessions, every response is one request."""
    units: list[UsageUnit] = []
    flavours: set[str] = set()
    failed = False
    extra = ExtraUsage(USAGE_READ)
    for document in _flatten(documents):
        item = Fields(document[0], source=source, line=document[1])
        found = _usage_of(item)
        if found is None:
            continue
        response, usage = found
        flavour = CHAT_FORMAT if usage.has("prompt_tokens") else RESPONSES_FORMAT
        flavours.add(flavour)
        failed = failed or (response is not None and response.text("status") == "failed")
        extra.add(usage)
        units.append(
            UsageUnit(
                model=None if response is None else response.text("model"),
                provider=None,
                tokens=chat_tokens(usage) if flavour == CHAT_FORMAT else responses_tokens(usage),
                requests=1,
            )
        )
    if not units:
        raise AgentOutputError(
            f"{source}: no usage object found; pass Chat Completions or Responses API objects "
            "(one JSON document, or one per line) that include `usage`"
        )
    run = ImportedRun(
        source_format=flavours.pop() if len(flavours) == 1 else "openai-usage",
        units=tuple(units),
        requests=len(units),
        status=RunStatus.FAIL if failed else None,
        extra_usage=extra.result(),
    )
    return [run]


def _flatten(documents: list[Document]) -> list[tuple[object, int]]:
    """Every object of the input: a JSON array counts as its items."""
    flat: list[tuple[object, int]] = []
    for document in documents:
        items = document.value if isinstance(document.value, list) else [document.value]
        flat.extend((item, document.line) for item in items)
    return flat


def _usage_of(item: Fields) -> tuple[Fields | None, Fields] | None:
    """(the response, its usage); None for a stream line that carries no usage."""
    kind = item.text("type")
    if kind in FINAL_EVENTS:
        response = item.object("response", required=True)
        assert response is not None
        usage = response.object("usage", required=True)
        assert usage is not None
        return response, usage
    if kind is not None and kind.startswith("response."):
        return None  # a streaming event before the final one
    if "usage" in item.data:
        usage = item.object("usage")
        return None if usage is None else (item, usage)
    if item.has("prompt_tokens") or item.has("input_tokens"):
        return None, item
    raise item.problem(
        "usage",
        "is missing: this is not a Chat Completions or Responses object, nor a usage object",
    )


def chat_tokens(usage: Fields) -> TokenCounts:
    return _api_tokens(usage, prompt="prompt", completion="completion")


def responses_tokens(usage: Fields) -> TokenCounts:
    return _api_tokens(usage, prompt="input", completion="output")


def _api_tokens(usage: Fields, *, prompt: str, completion: str) -> TokenCounts:
    """Both APIs name the same counts `<prompt>_tokens` / `<completion>_tokens` with details."""
    details = usage.object(f"{prompt}_tokens_details")
    output = usage.object(f"{completion}_tokens_details")
    return tokens(
        usage,
        prompt=usage.count(f"{prompt}_tokens"),
        completion=usage.count(f"{completion}_tokens"),
        cache_read=0 if details is None else details.count("cached_tokens", required=False),
        reasoning=0 if output is None else output.count("reasoning_tokens", required=False),
        prompt_key=f"{prompt}_tokens",
        completion_key=f"{completion}_tokens",
    )
