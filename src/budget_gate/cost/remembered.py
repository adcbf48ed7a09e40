"""Prices computed by an earlier run, remembered so that a warm run needs no price data at all.

Importing genai-prices is a good part of a small repository's `check`: its data is 1.6 MB of
literals and its package brings an HTTP client along for its updater. Given the installed data,
a price is a pure function of the query (`pricing` module docstring): the model, the provider,
the token counts, the request count and the time. So a price once computed is kept under exactly
those, the data's version and the pricing code (the caller's `key`), and a later query with the
same values gets the same `Decimal`, digit for digit, without importing anything. Queries not
remembered go to the price book behind, which imports its data only then.

Pure: the caller reads and writes the remembered entries (`workspace`).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

import orjson

from budget_gate import __version__
from budget_gate.cost.pricing import PriceBook, PriceQuery

FORMAT: Final = 1
KEEP: Final = 10_000
"""At most this many entries are kept: the cache is for the runs that importing the price data
dominates; a run pricing more distinct usages than this spends far longer on other things."""
_PRICING_CODE: Final = ("pricing.py", "remembered.py")
"""The modules whose code decides a remembered price: their sources are part of the key."""


class RememberedPrices:
    """A `PriceBook` answering from `remembered` where it can, else from `book` (and then
    remembering that answer too)."""

    def __init__(self, book: PriceBook, remembered: Mapping[str, object]) -> None:
        self._book = book
        self._remembered = _valid(remembered)
        self._used: dict[str, str | None] = {}
        self.added = 0
        """Prices this run had to compute: the entries are worth saving only when it is not 0."""

    @functools.cached_property
    def version(self) -> str:
        """The price data's name, looked up once (the key and the report both ask for it)."""
        return self._book.version

    def price(self, query: PriceQuery) -> Decimal | None:
        key = query_key(query)
        if key in self._used:
            return _decimal(self._used[key])
        if key in self._remembered:
            known = self._used[key] = self._remembered[key]
            return _decimal(known)
        price = self._book.price(query)
        self._used[key] = None if price is None else str(price)
        self.added += 1
        return price

    def entries(self) -> dict[str, str | None]:
        """What to remember: this run's prices first, then earlier ones, up to `KEEP`."""
        kept = dict(list(self._used.items())[:KEEP])
        for key, value in self._remembered.items():
            if len(kept) >= KEEP:
                break
            kept.setdefault(key, value)
        return kept


def cache_key(version: str) -> str:
    """What remembered prices are valid for: this format, this budget-gate, the price data's
    `version` and the pricing code's sources (a price computed by other code is never reused)."""
    digest = hashlib.sha256(f"{FORMAT} {__version__} {version}\n".encode())
    here = Path(__file__).resolve().parent
    for name in _PRICING_CODE:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def query_key(query: PriceQuery) -> str:
    """Everything that decides a price, as one JSON array (unambiguous whatever the names)."""
    tokens = query.tokens
    return orjson.dumps(
        [
            query.model,
            query.provider,
            tokens.prompt,
            tokens.completion,
            tokens.cache_read,
            tokens.cache_write,
            tokens.cache_write_1h,
            tokens.reasoning,
            query.requests,
            query.at.isoformat(),
        ]
    ).decode()


def _valid(remembered: Mapping[str, object]) -> dict[str, str | None]:
    """The entries as `entries` writes them: None (no price) or a finite number's text; any
    other value (a damaged or foreign file) is left out, and so priced again."""
    valid: dict[str, str | None] = {}
    for key, value in remembered.items():
        if value is None or (isinstance(value, str) and _decimal(value) is not None):
            valid[key] = value
    return valid


def _decimal(text: str | None) -> Decimal | None:
    """A remembered price back as the `Decimal` it was written from (`str` of a `Decimal` gives
    back the same sign, digits and exponent); None for None or text that is no finite number."""
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
