"""Utilisation arithmetic shared by the token and the latency budgets (§6.3).

Exact on the decimals a config writes: `exact(1.2)` is six fifths, so `actual > budget × 1.2`
never flips on a float's rounding, and exactly on a limit never passes it.
"""

from __future__ import annotations

from enum import StrEnum
from fractions import Fraction
from functools import cache

from budget_gate.models.budgets import BreachBands

UTILISATION_DIGITS = 4


class BudgetStatus(StrEnum):
    WITHIN = "within"
    WARNING = "warning"
    EXCEEDED = "exceeded"


@cache
def exact(value: float) -> Fraction:
    """A config number as the decimal the user wrote (its shortest round-trip form);
    memoised, since a config has a handful of numbers used for every slice."""
    return Fraction(repr(value))


def utilisation(*, actual: int, budget: int) -> float | None:
    """actual / budget, rounded for display; None for a zero budget."""
    if budget == 0:
        return None
    return round(actual / budget, UTILISATION_DIGITS)


def above(*, actual: int, budget: int, ratio: Fraction) -> bool:
    """Whether actual / budget is strictly above `ratio` (a zero budget: any spend is).
    In whole numbers: an audit asks this several times for every slice."""
    return actual * ratio.denominator > budget * ratio.numerator


def band(*, actual: int, budget: int, bands: BreachBands) -> BudgetStatus:
    if not above(actual=actual, budget=budget, ratio=exact(bands.within)):
        return BudgetStatus.WITHIN
    if not above(actual=actual, budget=budget, ratio=exact(bands.warning)):
        return BudgetStatus.WARNING
    return BudgetStatus.EXCEEDED
