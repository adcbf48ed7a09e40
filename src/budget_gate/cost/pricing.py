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
  threshold (the usual case for agent work; the result is then a lower bound), and a charge
  per request (a few models have one) is counted once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal, localcontext
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # imported when a price is first computed: its data takes long to load
    from genai_prices import Usage
    from genai_prices.types import ModelInfo, ModelPrice, PriceCalculation

from budget_gate.cost.providers import provider_serving

MICRO_DOLLARS = Decimal("0.000001")
_EXACT = Decimal("1e-12")
_WIDE = Context(prec=60)

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
    """The `genai-prices` package's bundled data (never its network updater).

    genai-prices prices one usage at a time, re-deriving its unit table each call (about 80 µs);
    an audit prices every report, so that alone would outweigh parsing them. A request's price
    is linear in its token counts within one long-context tier, so each (model price, tier) is
    asked seven times for its rates (through genai-prices' public `ModelPrice.calc_price`) and
    every later report of that model is priced by multiplying. A usage the rates do not cover
    (a tier too narrow to measure, counts genai-prices would refuse) goes to the library itself.
    `tests/cost/test_pricing_rates.py` checks both ways agree on every model of the pinned data.
    """

    def __init__(self) -> None:
        self._models: dict[tuple[str, str | None], ModelInfo | None] = {}
        self._tiers: dict[int, _TieredRates] = {}

    @property
    def version(self) -> str:
        """The installed data's name, read without importing it (as genai-prices does)."""
        from importlib.metadata import version

        return f"genai-prices {version('genai-prices')}"

    def provider_of(self, model: str) -> str | None:
        """The provider that serves `model` by its name in this data (`cost.providers`)."""
        return provider_serving(model)

    def price(self, query: PriceQuery) -> Decimal | None:
        """The USD price, or None when the data has no such model or provider."""
        tokens = query.tokens
        if tokens.total == 0:
            return Decimal(0)
        model = self._model(query.model, query.provider, query.at)
        if model is None:
            return None
        parts = _parts(query)
        if _is_valid(tokens):
            rates = self._tiered_rates(model.get_prices(query.at)).of(tokens.prompt, parts)
            if rates is not None:
                return _exact(rates.total(tokens, billed=_billed(query)))
        from genai_prices import Usage

        try:
            each = self._library_price(query, RequestShare.of(tokens, parts).usage())
            # The split into one-token requests must not multiply a charge per request.
            unbilled = parts - _billed(query)
            fees = self._library_price(query, Usage()) * unbilled if unbilled else 0
        except (LookupError, ValueError):  # no such model; counts the data cannot price
            return None
        return _exact(each * parts - fees)

    @staticmethod
    def _library_price(query: PriceQuery, usage: Usage) -> Decimal:
        return _calculation(query.model, query.provider, query.at, usage).total_price

    def _model(self, model: str, provider: str | None, at: datetime) -> ModelInfo | None:
        key = (model, provider)
        if key not in self._models:
            from genai_prices import Usage

            try:
                found = _calculation(model, provider, at, Usage(input_tokens=1))
            except (LookupError, ValueError):  # unknown, or data genai-prices itself refuses
                self._models[key] = None
            else:
                self._models[key] = found.model
        return self._models[key]

    def _tiered_rates(self, model_price: ModelPrice) -> _TieredRates:
        found = self._tiers.get(id(model_price))
        if found is None:
            found = self._tiers[id(model_price)] = _TieredRates(model_price)
        return found


class _TieredRates:
    """The rates of one model price in each of its long-context tiers, measured when needed."""

    def __init__(self, model_price: ModelPrice) -> None:
        self.model_price = model_price  # kept so that its id, the key of this, is never reused
        self.starts = _tier_starts(model_price)
        self._bands: dict[int, _Rates | None] = {}

    def of(self, prompt: int, parts: int) -> _Rates | None:
        """The rates for `parts` equal requests of `prompt` tokens in all."""
        # How many thresholds one request passes: prompt / parts > start, in integers.
        band = 0
        for start in self.starts:
            if prompt <= start * parts:
                break
            band += 1
        if band not in self._bands:
            try:
                self._bands[band] = _Rates.measure(self.model_price, self.starts, band)
            except ValueError:  # price data genai-prices refuses: the library path says so
                self._bands[band] = None
        return self._bands[band]


def _calculation(model: str, provider: str | None, at: datetime, usage: Usage) -> PriceCalculation:
    """genai-prices' own calculation: the model found by its matching rules, priced as of `at`."""
    from genai_prices import calc_price

    return calc_price(usage, model, provider_id=provider_id(provider), genai_request_timestamp=at)


def _is_valid(tokens: TokenCounts) -> bool:
    """Whether genai-prices would accept these counts (else it alone may say why not)."""
    return (
        tokens.cache_read + tokens.cache_write <= tokens.prompt
        and tokens.cache_write_1h <= tokens.cache_write
        and tokens.reasoning <= tokens.completion
    )


@dataclass(frozen=True, slots=True)
class RequestShare:
    """One request's share of a record's tokens (see `_share` for the rounding)."""

    prompt: int | Decimal
    completion: int | Decimal
    cache_read: int | Decimal
    cache_write: int | Decimal
    cache_write_1h: int | Decimal
    reasoning: int | Decimal

    @classmethod
    def of(cls, tokens: TokenCounts, parts: int) -> RequestShare:
        return cls(
            prompt=_share(tokens.prompt, parts, whole=True),
            completion=_share(tokens.completion, parts, whole=True),
            cache_read=_share(tokens.cache_read, parts),
            cache_write=_share(tokens.cache_write, parts),
            cache_write_1h=_share(tokens.cache_write_1h, parts),
            reasoning=_share(tokens.reasoning, parts),
        )

    def usage(self) -> Usage:
        from genai_prices import Usage

        return Usage(
            input_tokens=self.prompt or None,
            output_tokens=self.completion or None,
            cache_read_tokens=self.cache_read or None,
            cache_write_tokens=self.cache_write or None,
            cache_write_1h_tokens=self.cache_write_1h or None,
            output_reasoning_tokens=self.reasoning or None,
        )


@dataclass(frozen=True, slots=True)
class _Rates:
    """One request's price within one tier band: a fixed part plus a rate per token of each kind
    (each rate is what one more token of that kind adds, so cache rates are net of input's)."""

    fixed: Decimal
    prompt: Decimal
    completion: Decimal
    cache_read: Decimal
    cache_write: Decimal
    cache_write_1h: Decimal
    reasoning: Decimal

    @classmethod
    def measure(cls, model_price: ModelPrice, starts: tuple[int, ...], band: int) -> _Rates | None:
        """Ask genai-prices for the price of a few requests inside the band and take the
        differences; None when the band is too narrow to hold the two prompts this needs."""
        from genai_prices import Usage

        low = starts[band - 1] + 1 if band else 1  # a prompt just past the band's threshold
        if band < len(starts) and low + 1 > starts[band]:
            return None

        def price(**counts: int) -> Decimal:
            return model_price.calc_price(Usage(**counts))["total_price"]

        at_low = price(input_tokens=low)
        above = price(input_tokens=low + 1)
        prompt = above - at_low
        with_output = price(input_tokens=low, output_tokens=1)
        with_write = price(input_tokens=low + 1, cache_write_tokens=1)
        with_write_1h = price(input_tokens=low + 1, cache_write_tokens=1, cache_write_1h_tokens=1)
        return cls(
            fixed=at_low - prompt * low,
            prompt=prompt,
            completion=with_output - at_low,
            cache_read=price(input_tokens=low + 1, cache_read_tokens=1) - above,
            cache_write=with_write - above,
            cache_write_1h=with_write_1h - with_write,
            reasoning=price(input_tokens=low, output_tokens=1, output_reasoning_tokens=1)
            - with_output,
        )

    def total(self, tokens: TokenCounts, *, billed: int) -> Decimal:
        """The price of requests of this band adding up to `tokens` (exact: no shares), `billed`
        of which pay the fixed part."""
        return (
            self.fixed * billed
            + self.prompt * tokens.prompt
            + self.completion * tokens.completion
            + self.cache_read * tokens.cache_read
            + self.cache_write * tokens.cache_write
            + self.cache_write_1h * tokens.cache_write_1h
            + self.reasoning * tokens.reasoning
        )


def _tier_starts(model_price: ModelPrice) -> tuple[int, ...]:
    """The prompt sizes past which a request pays another tier's rates, in order."""
    from genai_prices.types import TieredPrices

    return tuple(
        sorted(
            {
                tier.start
                for value in vars(model_price).values()
                if isinstance(value, TieredPrices)
                for tier in value.tiers
            }
        )
    )


def _exact(price: Decimal) -> Decimal:
    """A price to a millionth of a micro-dollar: the last digits of 28-digit arithmetic on
    request shares (10/9 of a token, say) are noise, which would otherwise decide the rounding
    of an exact half micro-dollar one way or the other depending on the order of operations."""
    return price.quantize(_EXACT, context=_WIDE)


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


def _billed(query: PriceQuery) -> int:
    """How many requests pay a model's charge per request: one when the count is unknown."""
    return query.requests if query.requests is not None and query.requests > 0 else 1


def _share(count: int, parts: int, *, whole: bool = False) -> int | Decimal:
    """One request's share of a count. Wholes round up and their parts (cache, reasoning) round
    down, so a part's share never exceeds its whole's, which genai-prices rightly refuses."""
    if count == 0 or parts == 1:
        return count
    with localcontext() as context:
        context.rounding = ROUND_CEILING if whole else ROUND_FLOOR
        return Decimal(count) / parts


def to_usd(value: Decimal) -> float:
    """A price as the float stored in files, rounded to a millionth of a dollar."""
    return float(value.quantize(MICRO_DOLLARS))
