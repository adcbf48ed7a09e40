"""Which provider serves a model, from its name in the pinned genai-prices data (0.2.3)."""

from __future__ import annotations

import pytest

from budget_gate.cost.providers import provider_serving


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        # the provider whose name rule matches and which prices the model
        ("deepseek-chat", "deepseek"),
        ("deepseek-reasoner", "deepseek"),
        ("claude-sonnet-4-5-20250929", "anthropic"),
        ("gpt-5-codex", "openai"),
        ("gemini-2.5-pro", "google"),
        # Bedrock's ids match the anthropic name rule, but only Bedrock's price list has them;
        # Vertex's claude-sonnet-4-5 shares less of the name
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "aws"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "aws"),
        ("amazon.nova-pro-v1:0", "aws"),
        # names the data does not know name no provider
        ("acme-coder-7b-ft", None),
        ("", None),
    ],
)
def test_the_provider_comes_from_the_model_name(model: str, provider: str | None) -> None:
    assert provider_serving(model) == provider
