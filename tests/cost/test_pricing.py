"""Prices from the genai-prices data, checked against hand arithmetic on its published prices.

The prices below are those of genai-prices 0.2.3 (the pinned version), per million tokens:

    claude-sonnet-4-5  input $3, output $15, cache read $0.30, cache write $3.75 (1 hour: $6);
                       a request whose prompt passes 200,000 tokens pays $6 / $22.50 for all of it
    gpt-5 (and gpt-5-codex, which it prices as gpt-5)  input $1.25, cached $0.125, output $10
    gpt-4.1            input $2, cached $0.50, output $8
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import genai_prices
import pytest

from budget_gate.cost.pricing import GenaiPrices, PriceQuery, TokenCounts, provider_id, to_usd

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PRICES = GenaiPrices()


def price(
    model: str, tokens: TokenCounts, *, requests: int | None = 1, provider: str | None = None
) -> Decimal | None:
    return PRICES.price(
        PriceQuery(model=model, provider=provider, tokens=tokens, requests=requests, at=AT)
    )


def test_the_pinned_price_data_is_the_one_these_expectations_come_from() -> None:
    assert genai_prices.__version__ == "0.2.3"
    assert PRICES.version == "genai-prices 0.2.3"


def test_a_cache_heavy_request_prices_each_kind_of_prompt_token_at_its_own_rate() -> None:
    tokens = TokenCounts(prompt=170_500, completion=31_200, cache_read=98_000, cache_write=21_000)
    # uncached 170,500 - 98,000 - 21,000 = 51,500 x $3 / 1M   = 0.1545
    # cache read              98,000 x $0.30 / 1M               = 0.0294
    # cache write             21,000 x $3.75 / 1M               = 0.07875
    # output                  31,200 x $15 / 1M                 = 0.468
    assert price("claude-sonnet-4-5", tokens, provider="anthropic") == Decimal("0.73065")


def test_one_hour_cache_writes_cost_more_than_five_minute_ones() -> None:
    tokens = TokenCounts(prompt=3_072, completion=933, cache_write=2_048, cache_write_1h=2_048)
    # uncached 1,024 x $3 = 0.003072; 1h writes 2,048 x $6 = 0.012288; output 933 x $15 = 0.013995
    assert price("claude-sonnet-4-5-20250929", tokens) == Decimal("0.029355")


def test_reasoning_tokens_are_output_tokens() -> None:
    tokens = TokenCounts(prompt=22_950, completion=6_144, cache_read=11_904, reasoning=5_632)
    # uncached 11,046 x $1.25 = 0.0138075; cached 11,904 x $0.125 = 0.001488;
    # output (reasoning included) 6,144 x $10 = 0.06144
    assert price("gpt-5-2025-08-07", tokens, provider="openai") == Decimal("0.0767355")


def test_a_long_context_tier_applies_per_request_never_to_a_total() -> None:
    big = TokenCounts(prompt=250_000, completion=1_000)
    # one request of 250,000 prompt tokens passes the 200,000 tier: 250,000 x $6 + 1,000 x $22.50
    assert price("claude-sonnet-4-5", big, requests=1) == Decimal("1.5225")
    # the same tokens as two requests of 125,000: 250,000 x $3 + 1,000 x $15
    assert to_usd(price("claude-sonnet-4-5", big, requests=2) or Decimal(-1)) == 0.765
    # an unknown number of requests is priced as if none passed a tier (a lower bound)
    assert to_usd(price("claude-sonnet-4-5", big, requests=None) or Decimal(-1)) == 0.765


def test_uneven_request_shares_never_make_cache_exceed_the_prompt() -> None:
    # 10 prompt tokens, all cached (1 read + 9 written), over 9 requests: each share is 10/9,
    # 1/9 and 9/9. Rounded naively to 28 digits, 1/9 + 1 exceeds 10/9 and genai-prices refuses
    # the usage; rounded wholes up and parts down, the price is found.
    # By hand: 1 x $0.30 + 9 x $3.75 per 1M (nothing uncached), 0 output = 0.0000340500.
    tokens = TokenCounts(prompt=10, completion=0, cache_read=1, cache_write=9)
    result = price("claude-sonnet-4-5", tokens, requests=9, provider="anthropic")
    assert result is not None
    assert to_usd(result) == 0.000034


def test_a_charge_per_request_is_paid_per_request_and_once_when_the_count_is_unknown() -> None:
    tokens = TokenCounts(prompt=42_000, completion=8_000)
    # sonar: $1 per million tokens in and out, and $12 per thousand requests
    assert price("sonar", tokens, provider="perplexity", requests=3) == Decimal("0.086")
    # unknown count: 50,000 tokens x $1 / 1M + one request's $0.012 (never 42,000 of them)
    assert price("sonar", tokens, provider="perplexity", requests=None) == Decimal("0.062")


def test_aliases_of_a_model_get_its_price() -> None:
    tokens = TokenCounts(prompt=5_231, completion=612, cache_read=3_072)
    # uncached 2,159 x $2 = 0.004318; cached 3,072 x $0.50 = 0.001536; output 612 x $8 = 0.004896
    assert price("gpt-4.1-2025-04-14", tokens) == Decimal("0.01075")
    # gpt-5-codex is priced as gpt-5: 1,000,000 x $1.25 + 1,000,000 x $10
    million = TokenCounts(prompt=1_000_000, completion=1_000_000)
    assert price("gpt-5-codex", million, requests=None) == Decimal("11.25")


@pytest.mark.parametrize(
    ("model", "provider"),
    [("acme-coder-7b-ft", "openai"), ("acme-coder-7b-ft", None), ("gpt-4.1", "my-proxy")],
)
def test_an_unknown_model_or_provider_has_no_price(model: str, provider: str | None) -> None:
    assert price(model, TokenCounts(prompt=100, completion=10), provider=provider) is None


def test_no_tokens_cost_nothing_even_for_an_unknown_model() -> None:
    assert price("acme-coder-7b-ft", TokenCounts(prompt=0, completion=0)) == Decimal(0)


def test_opentelemetry_provider_names_map_to_the_price_data_ids() -> None:
    assert provider_id("gcp.vertex_ai") == "google"
    assert provider_id("aws.bedrock") == "aws"
    assert provider_id("azure.ai.openai") == "azure"
    assert provider_id(" Anthropic ") == "anthropic"
    assert provider_id("") is None


def test_prices_are_stored_to_a_millionth_of_a_dollar() -> None:
    assert to_usd(Decimal("0.29541625")) == 0.295416
    assert to_usd(Decimal("0.0051859999999")) == 0.005186
