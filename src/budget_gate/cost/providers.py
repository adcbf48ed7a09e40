"""Which provider serves a model, from its name alone, in the genai-prices data.

An importer whose format does not fix the provider (the OpenAI API is served by DeepSeek,
Azure and many more; Anthropic's by Bedrock and Vertex) asks this, so a `deepseek-chat` run is
priced as DeepSeek's and `us.anthropic.claude-sonnet-4-5-20250929-v1:0` as Bedrock's:

1. genai-prices' own choice: the provider whose name rule matches the model (`deepseek*`,
   `*claude*`, `gpt-*`, ...), when that provider prices the model;
2. else every provider whose price list matches the model, the one whose model id shares the
   longest run of characters with the name (Bedrock's `regional.anthropic.claude-…-v1:0` over
   Vertex's `claude-sonnet-4-5` for a Bedrock id); a tie is no answer.

None means the data cannot tell: the report then names no provider unless `--provider` does.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=256)
def provider_serving(model: str) -> str | None:
    from genai_prices import Usage, calc_price  # loaded only when asked
    from genai_prices.data_snapshot import get_snapshot

    ref = model.strip().lower()
    if not ref:
        return None
    try:
        return str(calc_price(Usage(input_tokens=1), ref).provider.id)
    except (LookupError, ValueError):  # no name rule matches, or data genai-prices refuses
        pass
    providers = get_snapshot().providers
    scored: list[tuple[int, str]] = []
    for provider in providers:
        found = provider.find_model(ref, all_providers=providers)
        if found is not None:
            scored.append((_shared(ref, found.id.lower()), provider.id))
    if not scored:
        return None
    scored.sort(reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None
    return scored[0][1]


def _shared(a: str, b: str) -> int:
    """The length of the longest run of characters both names have."""
    from difflib import SequenceMatcher  # here: only an importer's provider lookup needs it

    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match().size
