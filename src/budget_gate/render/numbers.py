"""Number formats shared by every renderer, so the comment, the summary and the terminal agree.

They return `Markup` because their output is built from numbers only and is already safe.
"""

from __future__ import annotations

import math

from markupsafe import Markup

from budget_gate.render.escape import trusted

MISSING = "—"


def count(value: int | None) -> Markup:
    """`12,345` with thousands separators; `—` when the number is unknown."""
    if value is None:
        return trusted(MISSING)
    return trusted(f"{value:,}")


def signed_count(value: int | None) -> Markup:
    """`+1,200` / `-300` for a difference; `—` when unknown."""
    if value is None:
        return trusted(MISSING)
    return trusted(f"{value:+,}")


def signed_percent(ratio: float | None) -> Markup:
    """A ratio as a signed percent with one decimal (`0.375` -> `+37.5 %`); `—` when unknown."""
    if ratio is None or not math.isfinite(ratio):
        return trusted(MISSING)
    return trusted(f"{ratio * 100:+,.1f} %")


def plural(number: int, singular: str, plural_form: str | None = None) -> Markup:
    """`1 error`, `3 errors`, `1,200 slices`."""
    word = singular if number == 1 else (plural_form or singular + "s")
    return trusted(f"{number:,} {word}")
