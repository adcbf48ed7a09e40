"""USD prices of token usage, from the price data that `genai-prices` ships with each release.

The gate never fetches prices: the data is the installed package version (named in every
report, e.g. `genai-prices 0.2.3`), so a check is reproducible and works offline. Given that
data, pricing is a pure function of the model, the provider, the token counts, the request
count and the date (prices change over time, so each record is priced at its own timestamp).

Token counts have the OpenTelemetry GenAI meanings: prompt tokens include cache reads and
writes, completion tokens include reasoning. genai-prices uses the same convention.

Why the request count matters: some models charge a higher rate for *every* token of a request
whose prompt passes a threshold (a "long-context tier", e.g. 200,000 tokens). Pricing a whole
session as one request would put it in that tier. So:

- one request is priced as it is;
- an aggregate of `n` known requests is priced as `n` requests of its average size;
- an aggregate of an unknown number of requests is priced as if no request passed a tier
  threshold (the usual case for agent work; the result is then a lower bound).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from typing import Protocol

import genai_prices
from genai_prices import Usage, calc_price

MICRO_DOLLARS = Decimal("0.000001")

# OpenTelemetry `gen_ai.provider.name` values whose genai-prices provider id differs.
_PROVIDER_ALIASES = {
    "aws.bedrock": "aws",
    "azure.ai.openai": "azure",
    "azure.ai.inference": "azure",
    "gcp.vertex_ai": "google",
    "gcp.gemini": "google",
    "gcp.gen_ai": "google",
    "x_ai": "x-ai",
    "mistral_ai": "mistral",
}


@dataclass(frozen=True, slots=True)
class TokenCounts:
    """One record's tokens. `cache_read`, `cache_write` are part of `prompt`; `reasoning` is
    part of `completion`; `cache_write_1h` is the part of `cache_write` kept for an hour."""

    prompt: int
    completion: int
    cache_read: int = 0
    cache_write: int = 0
    cache_write_1h: int = 0
    reasoning: int = 0

    @property
    def total(self) -> int:
        return self.prompt + self.completion

    def __add__(self, other: TokenCounts) -> TokenCounts:
        return TokenCounts(
            prompt=self.prompt + other.prompt,
            completion=self.completion + other.completion,
            cache_read=self.cache_read + other.cache_read,
            cache_write=self.cache_write + other.cache_write,
            cache_write_1h=self.cache_write_1h + other.cache_write_1h,
            reasoning=self.reasoning + other.reasoning,
        )


@dataclass(frozen=True, slots=True)
class PriceQuery:
    model: str
    provider: str | None
    tokens: TokenCounts
    requests: int | None
    """How many requests `tokens` add up; None when unknown (see the module docstring)."""
    at: datetime
    """When the tokens were spent (or reported): prices are looked up as of then."""


class PriceBook(Protocol):
    """Prices as the pure core sees them: a version to name, and a price or None (unknown)."""

    @property
    def version(self) -> str: ...

    def price(self, query: PriceQuery) -> Decimal | None: ...


class GenaiPrices:
    """The `genai-prices` package's bundled data (never its network updater)."""

    @property
    def version(self) -> str:
        return f"genai-prices {genai_prices.__version__}"

    def price(self, query: PriceQuery) -> Decimal | None:
        """The USD price, or None when the data has no such model or provider."""
        tokens = query.tokens
        if tokens.total == 0:
            return Decimal(0)
        parts = _parts(query)
        usage = Usage(
            input_tokens=_share(tokens.prompt, parts, whole=True),
            output_tokens=_share(tokens.completion, parts, whole=True),
            cache_read_tokens=_share(tokens.cache_read, parts),
            cache_write_tokens=_share(tokens.cache_write, parts),
            cache_write_1h_tokens=_share(tokens.cache_write_1h, parts),
            output_reasoning_tokens=_share(tokens.reasoning, parts),
        )
        try:
            result = calc_price(
                usage,
                query.model,
                provider_id=provider_id(query.provider),
                genai_request_timestamp=query.at,
            )
        except LookupError:
            return None
        return result.total_price * parts


def provider_id(provider: str | None) -> str | None:
    """The genai-prices provider id for a report's `provider` (OpenTelemetry names allowed)."""
    if provider is None or not provider.strip():
        return None
    name = provider.strip().lower()
    return _PROVIDER_ALIASES.get(name, name)


def _parts(query: PriceQuery) -> int:
    """Into how many equal requests to split the tokens before pricing them."""
    if query.requests is not None and query.requests > 0:
        return query.requests
    # Unknown: requests of at most one prompt token each never reach a tier threshold.
    return max(1, query.tokens.prompt)


def _share(count: int, parts: int, *, whole: bool = False) -> int | Decimal | None:
    """One request's share of a count. Wholes round up and their parts (cache, reasoning) round
    down, so a part's share never exceeds its whole's, which genai-prices rightly refuses."""
    if count == 0:
        return None
    if parts == 1:
        return count
    with localcontext() as context:
        context.rounding = ROUND_CEILING if whole else ROUND_FLOOR
        return Decimal(count) / parts


def to_usd(value: Decimal) -> float:
    """A price as the float stored in files, rounded to a millionth of a dollar."""
    return float(value.quantize(MICRO_DOLLARS))
