"""Remembered prices are genai-prices' prices, digit for digit, and a warm run asks it nothing;
anything in the file that is not a price this code wrote is priced again, never trusted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from genai_prices import data_snapshot
from hypothesis import given, settings
from hypothesis import strategies as st

from budget_gate.cost import remembered
from budget_gate.cost.pricing import GenaiPrices, PriceQuery, TokenCounts
from budget_gate.cost.remembered import KEEP, RememberedPrices, cache_key, query_key
from budget_gate.load import cache_file

PRICES = GenaiPrices()
KNOWN = sorted(
    (model.id, provider.id)
    for provider in data_snapshot.get_snapshot().providers
    for model in provider.models
)


class NoPriceData:
    """A price book that fails if asked: a warm run must not need the price data."""

    version = PRICES.version

    def price(self, query: PriceQuery) -> Decimal | None:
        raise AssertionError(f"asked the price data for {query}")


@st.composite
def queries(draw: st.DrawFn) -> PriceQuery:
    model, provider = draw(st.sampled_from([*KNOWN, ("no-such-model", "openai")]))
    prompt = draw(st.integers(min_value=0, max_value=3_000_000))
    cache_read = draw(st.integers(min_value=0, max_value=prompt))
    cache_write = draw(st.integers(min_value=0, max_value=prompt - cache_read))
    completion = draw(st.integers(min_value=0, max_value=400_000))
    tokens = TokenCounts(
        prompt=prompt,
        completion=completion,
        cache_read=cache_read,
        cache_write=cache_write,
        cache_write_1h=draw(st.integers(min_value=0, max_value=cache_write)),
        reasoning=draw(st.integers(min_value=0, max_value=completion)),
    )
    at = datetime(2024, 6, 1, tzinfo=UTC) + timedelta(
        minutes=draw(st.integers(min_value=0, max_value=2 * 365 * 24 * 60))
    )
    requests = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=500)))
    provider_name = draw(st.sampled_from([provider, None]))
    return PriceQuery(model=model, provider=provider_name, tokens=tokens, requests=requests, at=at)


def round_trip(prices: RememberedPrices) -> object:
    """The entries as the next run reads them back from the file."""
    key = cache_key(PRICES.version)
    data = cache_file.encode(prices.entries(), format_number=remembered.FORMAT, key=key)
    return cache_file.decode(data, format_number=remembered.FORMAT, key=key)


@settings(max_examples=60, deadline=None)
@given(st.lists(queries(), min_size=1, max_size=8))
def test_remembered_prices_are_the_price_datas_digit_for_digit(batch: list[PriceQuery]) -> None:
    expected = [PRICES.price(query) for query in batch]
    cold = RememberedPrices(GenaiPrices(), {})
    assert [cold.price(query) for query in batch] == expected

    body = round_trip(cold)
    assert isinstance(body, dict)
    warm = RememberedPrices(NoPriceData(), body)
    got = [warm.price(query) for query in batch]
    assert [str(price) for price in got] == [str(price) for price in expected]
    assert warm.added == 0


def query(prompt: int = 1000) -> PriceQuery:
    tokens = TokenCounts(prompt=prompt, completion=100)
    at = datetime(2026, 1, 2, tzinfo=UTC)
    return PriceQuery("claude-sonnet-4-5", "anthropic", tokens, requests=1, at=at)


@pytest.mark.parametrize("value", ["not a number", "NaN", "-Infinity", 12, 0.5, [], {}])
def test_a_value_this_code_never_writes_is_priced_again(value: object) -> None:
    prices = RememberedPrices(GenaiPrices(), {query_key(query()): value})
    assert prices.price(query()) == PRICES.price(query())
    assert prices.added == 1


def test_a_model_without_a_price_is_remembered_as_none() -> None:
    unknown = PriceQuery("no-such-model", None, TokenCounts(10, 1), requests=1, at=query().at)
    cold = RememberedPrices(GenaiPrices(), {})
    assert cold.price(unknown) is None
    body = round_trip(cold)
    assert body == {query_key(unknown): None}
    assert RememberedPrices(NoPriceData(), body).price(unknown) is None  # type: ignore[arg-type]


def test_every_part_of_a_query_is_part_of_its_key() -> None:
    base = query()
    tokens = base.tokens
    variants = [
        PriceQuery("claude-opus-4-1", base.provider, tokens, base.requests, base.at),
        PriceQuery(base.model, "aws.bedrock", tokens, base.requests, base.at),
        PriceQuery(base.model, None, tokens, base.requests, base.at),
        PriceQuery(base.model, base.provider, TokenCounts(1000, 101), base.requests, base.at),
        PriceQuery(base.model, base.provider, TokenCounts(1000, 100, 1), base.requests, base.at),
        PriceQuery(base.model, base.provider, TokenCounts(1000, 100, 0, 1), base.requests, base.at),
        PriceQuery(
            base.model, base.provider, TokenCounts(1000, 100, 0, 1, 1), base.requests, base.at
        ),
        PriceQuery(
            base.model, base.provider, TokenCounts(1000, 100, reasoning=1), base.requests, base.at
        ),
        PriceQuery(base.model, base.provider, tokens, None, base.at),
        PriceQuery(base.model, base.provider, tokens, 2, base.at),
        PriceQuery(base.model, base.provider, tokens, base.requests, base.at + timedelta(hours=1)),
    ]
    keys = {query_key(item) for item in [base, *variants]}
    assert len(keys) == len(variants) + 1


def test_the_key_changes_with_the_price_data_and_the_pricing_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = cache_key("genai-prices 0.2.3")
    assert cache_key("genai-prices 0.2.4") != key
    assert cache_key("genai-prices 0.2.3") == key
    code = tmp_path / "pricing.py"
    code.write_text("# other pricing code\n")
    (tmp_path / "remembered.py").write_bytes(Path(remembered.__file__).read_bytes())
    monkeypatch.setattr(remembered, "__file__", str(tmp_path / "remembered.py"))
    assert cache_key("genai-prices 0.2.3") != key


def test_the_entries_kept_are_this_runs_first_then_earlier_ones_up_to_a_bound() -> None:
    earlier = {f"earlier {number}": "1.5" for number in range(KEEP)}
    prices = RememberedPrices(GenaiPrices(), earlier)
    prices.price(query(prompt=1234))
    kept = prices.entries()
    assert len(kept) == KEEP
    assert next(iter(kept)) == query_key(query(prompt=1234))
    assert "earlier 0" in kept
    assert f"earlier {KEEP - 1}" not in kept
