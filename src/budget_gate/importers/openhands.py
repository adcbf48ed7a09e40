"""OpenHands: its metrics JSON (`Metrics.get()`, as saved with a conversation or an
evaluation's output).

Fields: `accumulated_cost` (the agent's own cost, via LiteLLM's prices), `accumulated_token_usage`
and one `token_usages` entry per completion call, each with `model`, `prompt_tokens`,
`completion_tokens`, `cache_read_tokens`, `cache_write_tokens` (and in the V1 SDK
`reasoning_tokens`), `response_id`. Accepted: the metrics object itself, an object holding it
under `metrics`, or the V1 SDK's conversation stats (`usage_to_metrics`: one metrics object per
LLM, e.g. the agent and the condenser).

LiteLLM's `prompt_tokens` already include cache reads and writes, and `completion_tokens`
include reasoning: the OpenTelemetry meanings. Requests are the `token_usages` entries, each
priced on its own. OpenHands keeps only the latest 500 entries; when the entries add up to less
than the accumulated usage, the rest is priced as one aggregate and `actual_requests` is a
lower bound. The metrics do not say how the run ended or how long it took (`--status`,
`--duration`). Models are LiteLLM names (`anthropic/claude-sonnet-4-5-20250929`): the prefix
is the provider.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    remainder,
    split_provider,
    tokens,
)

FORMAT = "openhands-metrics"
NO_TOKENS = TokenCounts(prompt=0, completion=0)
USAGE_READ = frozenset(
    {
        "prompt_tokens",
        "completion_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "reasoning_tokens",
        "model",
        "response_id",
        "context_window",
        "per_turn_token",
    }
)
FIDELITY = Fidelity(
    name="openhands",
    reads=(
        "`accumulated_cost`, `accumulated_token_usage` and each `token_usages` entry: "
        "`model`, `prompt_tokens`, `completion_tokens`, `cache_read_tokens`, "
        "`cache_write_tokens`, `reasoning_tokens`",
        "the V1 SDK's `usage_to_metrics` (one metrics object per LLM)",
    ),
    exact=(
        "tokens, cache reads and writes, reasoning (`accumulated_token_usage`)",
        "the agent's own cost (`accumulated_cost`)",
        "requests, when every call is still listed in `token_usages`",
    ),
    lower_bounds=("requests, when OpenHands dropped old `token_usages` entries (it keeps 500)",),
)


@dataclass(frozen=True, slots=True)
class _Metrics:
    units: tuple[UsageUnit, ...]
    requests: int
    complete: bool
    cost: float | None


def parse(text: str, *, source: str) -> ImportedRun:
    return read(read_documents(text, source=source), source=source)[0]


def read(documents: list[Document], *, source: str) -> list[ImportedRun]:
    """One run: the metrics of one conversation."""
    if len(documents) != 1:
        raise AgentOutputError(
            f"{source}:{documents[1].line}: expected one JSON document (OpenHands metrics), "
            "found another; import each run's metrics on its own"
        )
    top = Fields(documents[0].value, source=source, line=documents[0].line)
    extra = ExtraUsage(USAGE_READ)
    found = [_metrics(item, extra) for item in _metrics_objects(top)]
    costs = [item.cost for item in found]
    complete = all(item.complete for item in found)
    notes = []
    if not complete:
        notes.append(
            "OpenHands kept fewer token_usages entries than it made calls (it keeps the latest "
            "500), so actual_requests is a lower bound."
        )
    run = ImportedRun(
        source_format=FORMAT,
        units=tuple(unit for item in found for unit in item.units),
        requests=sum(item.requests for item in found),
        requests_lower_bound=not complete,
        reported_cost_usd=None
        if any(cost is None for cost in costs)
        else sum(c or 0 for c in costs),
        notes=tuple(notes),
        extra_usage=extra.result(),
    )
    return [run]


def _metrics_objects(top: Fields) -> list[Fields]:
    per_llm = top.object("usage_to_metrics")
    if per_llm is not None:
        found = [per_llm.object(name, required=True) for name in per_llm.data]
        return [item for item in found if item is not None]
    nested = top.object("metrics")
    if nested is not None:
        return [nested]
    if not top.has("accumulated_token_usage"):
        raise top.problem(
            "accumulated_token_usage",
            "is missing: pass OpenHands' metrics JSON (accumulated_cost, "
            "accumulated_token_usage, token_usages)",
        )
    return [top]


def _metrics(metrics: Fields, extra: ExtraUsage) -> _Metrics:
    total_fields = metrics.object("accumulated_token_usage", required=True)
    assert total_fields is not None
    extra.add(total_fields)
    default_model = metrics.text("model_name") or total_fields.text("model")
    total = _tokens(total_fields)
    units = [_unit(entry, default_model, requests=1) for entry in metrics.objects("token_usages")]
    listed = sum((unit.tokens for unit in units), NO_TOKENS)
    rest = remainder(total, listed)
    if rest is None:
        raise metrics.problem(
            "token_usages",
            "add up to more tokens than accumulated_token_usage; the metrics are inconsistent",
        )
    complete = rest.total == 0
    if not complete:
        provider, model = _model(default_model)
        units.append(UsageUnit(model=model, provider=provider, tokens=rest, requests=None))
    return _Metrics(
        units=tuple(units),
        requests=len(metrics.objects("token_usages")),
        complete=complete,
        cost=metrics.number("accumulated_cost"),
    )


def _unit(entry: Fields, default_model: str | None, *, requests: int) -> UsageUnit:
    provider, model = _model(entry.text("model") or default_model)
    return UsageUnit(model=model, provider=provider, tokens=_tokens(entry), requests=requests)


def _model(name: str | None) -> tuple[str | None, str | None]:
    if name is None or name == "default":
        return None, None
    return split_provider(name)


def _tokens(usage: Fields) -> TokenCounts:
    return tokens(
        usage,
        prompt=usage.count("prompt_tokens"),
        completion=usage.count("completion_tokens"),
        cache_read=usage.count("cache_read_tokens", required=False),
        cache_write=usage.count("cache_write_tokens", required=False),
        reasoning=usage.count("reasoning_tokens", required=False),
        prompt_key="prompt_tokens",
        completion_key="completion_tokens",
    )
