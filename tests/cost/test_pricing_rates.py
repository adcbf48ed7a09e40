"""The rates `GenaiPrices` derives once per model price agree with genai-prices itself, for
every model and provider of the pinned price data, on both sides of each long-context tier."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from genai_prices import Usage, calc_price, data_snapshot
from genai_prices.types import ModelPrice

from budget_gate.cost.pricing import GenaiPrices, PriceQuery, RequestShare, TokenCounts, _Rates

MOMENTS = (
    datetime(2025, 3, 1, 3, 30, tzinfo=UTC),  # an old price, and off-peak hours
    datetime(2026, 11, 20, 15, 0, tzinfo=UTC),
)
USAGES: tuple[tuple[TokenCounts, int | None], ...] = (
    (TokenCounts(170_500, 31_200, cache_read=98_000, cache_write=21_000, cache_write_1h=5_000), 1),
    (TokenCounts(250_000, 1_000, reasoning=400), 1),  # one request past a 200,000 tier
    (TokenCounts(200_000, 7, cache_read=199_999), 1),  # exactly at a threshold
    (TokenCounts(1_234_567, 89_012, cache_read=600_001, cache_write=33_333, reasoning=11), 7),
    (TokenCounts(42_000, 8_000, cache_read=20_000), None),  # requests unknown
    (TokenCounts(10, 0, cache_read=1, cache_write=9), 9),  # shares of 10/9, 1/9, 9/9
)


def by_the_library(model: str, provider: str, query: PriceQuery) -> Decimal | None:
    """genai-prices' own price of the same request shares, a charge per request counted once
    for an unknown number of requests."""
    tokens, requests = query.tokens, query.requests
    parts = requests if requests else max(1, tokens.prompt)
    usage = RequestShare.of(tokens, parts).usage()  # the same shares, by design
    try:
        each = calc_price(usage, model, provider_id=provider, genai_request_timestamp=query.at)
        empty = calc_price(Usage(), model, provider_id=provider, genai_request_timestamp=query.at)
    except (LookupError, ValueError):
        return None
    return each.total_price * parts - empty.total_price * (parts - (requests or 1))


def every_model() -> list[tuple[str, str]]:
    return [
        (model.id, provider.id)
        for provider in data_snapshot.get_snapshot().providers
        for model in provider.models
    ]


def test_every_model_of_the_pinned_data_is_priced_as_genai_prices_prices_it() -> None:
    prices = GenaiPrices()
    compared = 0
    for model, provider in every_model():
        for at in MOMENTS:
            for tokens, requests in USAGES:
                query = PriceQuery(model, provider, tokens, requests, at)
                expected = by_the_library(model, provider, query)
                got = prices.price(query)
                assert (got is None) == (expected is None), (model, provider, tokens)
                if got is not None and expected is not None:
                    assert got == expected.quantize(Decimal("1e-12")), (model, provider, tokens)
                    compared += 1
    assert compared > 20_000  # nearly every model has a token price


def test_a_model_is_asked_for_its_rates_once_per_tier_not_once_per_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[Usage] = []
    original = ModelPrice.calc_price

    def counting(self: ModelPrice, usage: Usage) -> object:
        asked.append(usage)
        return original(self, usage)

    monkeypatch.setattr(ModelPrice, "calc_price", counting)
    prices = GenaiPrices()
    at = MOMENTS[1]
    small = [TokenCounts(40_000 + n, 8_000, cache_read=n) for n in range(500)]
    large = [TokenCounts(300_000 + n, 8_000) for n in range(500)]
    for tokens in small + large:
        assert prices.price(PriceQuery("claude-sonnet-4-5", "anthropic", tokens, 1, at))
    # one lookup of the model, then seven measurements for each of the two tiers used
    assert len(asked) == 1 + 7 * 2


@pytest.mark.parametrize(
    ("model", "provider"),
    [("claude-sonnet-4-5", "anthropic"), ("sonar", "perplexity"), ("gpt-5", "openai")],
)
def test_without_rates_the_library_gives_the_same_prices(
    model: str, provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The way a tier too narrow to measure is priced (request by request, by genai-prices)."""
    queries = [
        PriceQuery(model, provider, tokens, requests, MOMENTS[1]) for tokens, requests in USAGES
    ]
    with_rates = [GenaiPrices().price(query) for query in queries]
    monkeypatch.setattr(_Rates, "measure", classmethod(lambda *_: None))
    assert [GenaiPrices().price(query) for query in queries] == with_rates
    assert all(price is not None for price in with_rates)
