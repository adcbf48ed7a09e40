"""Anthropic Messages API usage, one JSON document or JSON Lines.

Each object is one request. Accepted per line: a Messages API response (`type: message`, with
`model` and `usage`), a Message Batches result line (`result.message`), or a bare `usage`
object (then `--model` names the model).

Anthropic's `input_tokens` *excludes* the cache, so prompt tokens are `input_tokens` +
`cache_read_input_tokens` + `cache_creation_input_tokens`; `cache_creation` splits the cache
writes by lifetime (`ephemeral_1h_input_tokens` cost more than five-minute ones). Completion
tokens are `output_tokens` (extended thinking included). The API does not say how the agent's
run ended or how long it took (`--status`, `--duration`). The same responses come from Amazon
Bedrock and Google Vertex, so the provider is found from the model name in the price data
(`--provider` names it otherwise).
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

FORMAT = "anthropic-messages"
USAGE_READ = frozenset(
    {
        "input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
        "cache_creation",
        "service_tier",
        "inference_geo",
    }
)
"""The usage fields read (or holding no spend of their own); any other is kept as extra."""
FIDELITY = Fidelity(
    name="anthropic",
    reads=(
        "per response: `model`, `usage.input_tokens`, `usage.output_tokens`, "
        "`usage.cache_read_input_tokens`, `usage.cache_creation_input_tokens`, "
        "`usage.cache_creation.ephemeral_1h_input_tokens`",
        "Message Batches result lines (`result.message`); bare usage objects",
    ),
    exact=("tokens, cache reads and writes, requests (one per response)", "computed cost"),
    lower_bounds=(),
)


def parse(text: str, *, source: str) -> ImportedRun:
    return read(read_documents(text, source=source), source=source)[0]


def read(documents: list[Document], *, source: str) -> list[ImportedRun]:
    """One run: the API has no sessions, every response is one request."""
    units: list[UsageUnit] = []
    extra = ExtraUsage(USAGE_READ)
    for document in documents:
        items = document.value if isinstance(document.value, list) else [document.value]
        for value in items:
            found = _usage_of(Fields(value, source=source, line=document.line))
            if found is None:
                continue
            model, usage = found
            extra.add(usage)
            units.append(
                UsageUnit(model=model, provider=None, tokens=anthropic_tokens(usage), requests=1)
            )
    if not units:
        raise AgentOutputError(
            f"{source}: no usage object found; pass Messages API responses (one JSON document, "
            "or one per line) that include `usage`"
        )
    return [
        ImportedRun(
            source_format=FORMAT,
            units=tuple(units),
            requests=len(units),
            extra_usage=extra.result(),
        )
    ]


def _usage_of(item: Fields) -> tuple[str | None, Fields] | None:
    """(model, usage); None for a batch result that errored (no request was billed)."""
    result = item.object("result")
    if result is not None:
        message = result.object("message")
        if message is None:
            return None
        item = message
    if "usage" in item.data:
        usage = item.object("usage", required=True)
        assert usage is not None
        return item.text("model"), usage
    if item.has("input_tokens"):
        return None, item
    raise item.problem(
        "usage", "is missing: this is not a Messages API response, nor a usage object"
    )


def anthropic_tokens(usage: Fields) -> TokenCounts:
    """Anthropic's usage object: `input_tokens` excludes the cache, so the cache is added."""
    cache_read = usage.count("cache_read_input_tokens", required=False)
    cache_write = usage.count("cache_creation_input_tokens", required=False)
    split = usage.object("cache_creation")
    one_hour = 0 if split is None else split.count("ephemeral_1h_input_tokens", required=False)
    return tokens(
        usage,
        prompt=usage.count("input_tokens") + cache_read + cache_write,
        completion=usage.count("output_tokens"),
        cache_read=cache_read,
        cache_write=cache_write,
        cache_write_1h=one_hour,
        prompt_key="input_tokens",
        completion_key="output_tokens",
    )
