"""Number formats shared by every renderer, so the comment, the summary and the terminal agree.

They return `Markup` because their output is built from numbers only and is already safe.
"""

from __future__ import annotations

import math

from markupsafe import Markup

from budget_gate.cost.usd import format_usd
from budget_gate.render.escape import md_text, trusted

MISSING = "—"
UNKNOWN_COST = "n/a"


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


def usd_text(value: float | None, *, signed: bool = False) -> str:
    """`$1,234.57` (`$0.0042` under a cent, `+$4.40` signed); `n/a` when the cost is unknown."""
    if value is None or not math.isfinite(value):
        return UNKNOWN_COST
    return format_usd(value, signed=signed)


def usd(value: float | None) -> Markup:
    """`usd_text` for markdown: `\\$`, so two amounts in a row never open GitHub math."""
    return trusted(usd_text(value).replace("$", "\\$"))


def signed_usd(value: float | None) -> Markup:
    """`+\\$4.40` / `-\\$1.20` for a cost difference in markdown; `n/a` when unknown."""
    return trusted(usd_text(value, signed=True).replace("$", "\\$"))


def usd_at_least_text(value: float | None, unpriced_runs: int) -> str:
    """`≥ $1.20` when the cost leaves out unpriced runs; `n/a` when nothing is priced."""
    shown = usd_text(value)
    return f"≥ {shown}" if unpriced_runs and value is not None else shown


def usd_at_least(value: float | None, unpriced_runs: int) -> Markup:
    """`usd_at_least_text` for markdown (`≥ \\$1.20`)."""
    return trusted(usd_at_least_text(value, unpriced_runs).replace("$", "\\$"))


def unpriced_text(unpriced_runs: int) -> str:
    """`2 runs unpriced`; empty when every run is priced."""
    if not unpriced_runs:
        return ""
    return f"{unpriced_runs:,} {'run' if unpriced_runs == 1 else 'runs'} unpriced"


def nowrap(text: Markup | str) -> Markup:
    """Keep a number and its unit together in a table cell (no-break spaces): `+37.5 %`.
    Anything not already safe markdown is escaped first."""
    safe = text if isinstance(text, Markup) else md_text(text)
    return trusted(str(safe).replace(" ", "&nbsp;"))


def over(first: Markup | str, *rest: Markup | str) -> Markup:
    """`296,607 / 110,000`, `3 / 1 / 0`: figures read together, kept on one line."""
    return nowrap(Markup(" / ").join(nowrap(part) for part in (first, *rest)))


def at_least(value: int | None, lower_bound: bool) -> Markup:
    """`≥12` when `value` is only a lower bound (an agent that did not count requests)."""
    shown = count(value)
    return trusted(f"≥{shown}") if lower_bound and value is not None else shown


def utilisation(ratio: float | None) -> Markup:
    """A share of a budget as a percent with one decimal (`1.5833` -> `158.3 %`); `—` when
    unknown (a zero budget)."""
    if ratio is None or not math.isfinite(ratio):
        return trusted(MISSING)
    return trusted(f"{ratio * 100:,.1f} %")


def seconds(milliseconds: int | None) -> Markup:
    """A duration in whole seconds (`1,840 s`); `—` when unknown."""
    if milliseconds is None:
        return trusted(MISSING)
    return trusted(f"{round(milliseconds / 1000):,} s")
