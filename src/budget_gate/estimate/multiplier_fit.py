"""Suggested complexity and importance multipliers, fitted from estimate history.

Each HEURISTIC estimate was the phase budget formula, so ln(actual / estimate) of a slice says how
far its complexity and importance multipliers were off. The fit is least squares on

    ln(ratio_i) = a[complexity_i] + b[importance_i]

and suggests `multiplier × exp(a)` and `multiplier × exp(b)`: with both applied, the formula's
fitted log error becomes zero. The split between a and b is only determined up to a constant, so
within each group of levels the data links together, the importance corrections are made to
average zero over the samples: the overall bias goes into the complexity multipliers. A level
without samples keeps its value. This assumes the estimates were made with the multipliers in
the current config.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from budget_gate.models.budgets import PhaseBudgetConfig
from budget_gate.models.common import Complexity, Importance

SUGGESTION_DIGITS = 2
MIN_MULTIPLIER = 0.01
MAX_MULTIPLIER = 10.0
_PIVOT_EPSILON = 1e-12


@dataclass(frozen=True, slots=True)
class FitSample:
    complexity: Complexity
    importance: Importance
    log_ratio: float


@dataclass(frozen=True, slots=True)
class LevelSuggestion:
    level: str
    samples: int
    current: float
    factor: float | None
    """exp(fitted correction); None when the level has no samples."""
    suggested: float
    """What to write in phase_budgets (the current value when there are no samples)."""


@dataclass(frozen=True, slots=True)
class MultiplierFit:
    samples: int
    complexity: tuple[LevelSuggestion, ...]
    importance: tuple[LevelSuggestion, ...]


def fit_multipliers(samples: Sequence[FitSample], *, budgets: PhaseBudgetConfig) -> MultiplierFit:
    """Least-squares corrections per level (see the module docstring)."""
    complexities = [level for level in Complexity if any(s.complexity is level for s in samples)]
    importances = [level for level in Importance if any(s.importance is level for s in samples)]
    corrections = _solve(samples, complexities, importances) if samples else {}
    counts: Counter[Complexity | Importance] = Counter()
    for sample in samples:
        counts[sample.complexity] += 1
        counts[sample.importance] += 1
    return MultiplierFit(
        samples=len(samples),
        complexity=tuple(
            _suggest(level, budgets.complexity[level], counts[level], corrections.get(level))
            for level in Complexity
        ),
        importance=tuple(
            _suggest(level, budgets.importance[level], counts[level], corrections.get(level))
            for level in Importance
        ),
    )


def _suggest(
    level: Complexity | Importance, current: float, samples: int, correction: float | None
) -> LevelSuggestion:
    if correction is None:
        return LevelSuggestion(
            level=level.value, samples=0, current=current, factor=None, suggested=current
        )
    factor = math.exp(correction)
    suggested = min(MAX_MULTIPLIER, max(MIN_MULTIPLIER, round(current * factor, SUGGESTION_DIGITS)))
    return LevelSuggestion(
        level=level.value, samples=samples, current=current, factor=factor, suggested=suggested
    )


def _solve(
    samples: Sequence[FitSample],
    complexities: Sequence[Complexity],
    importances: Sequence[Importance],
) -> dict[Complexity | Importance, float]:
    """The constrained least-squares solution via its KKT system (a dozen unknowns at most)."""
    params: list[Complexity | Importance] = [*complexities, *importances]
    column = {level: index for index, level in enumerate(params)}
    size = len(params)
    normal = [[0.0] * size for _ in range(size)]
    rhs = [0.0] * size
    for sample in samples:
        ones = (column[sample.complexity], column[sample.importance])
        for row in ones:
            rhs[row] += sample.log_ratio
            for col in ones:
                normal[row][col] += 1.0
    constraints = []
    for component in _components(samples):
        constraint = [0.0] * size
        for sample in samples:
            if sample.complexity in component:
                constraint[column[sample.importance]] += 1.0
        constraints.append(constraint)
    width = size + len(constraints)
    system = [[*normal[row], *(c[row] for c in constraints)] for row in range(size)]
    system.extend([*constraint, *([0.0] * len(constraints))] for constraint in constraints)
    solution = _gauss(system, [*rhs, *([0.0] * len(constraints))], width)
    return {level: solution[column[level]] for level in params}


def _components(samples: Sequence[FitSample]) -> list[set[Complexity | Importance]]:
    """Groups of levels linked by samples (a sample links its complexity and importance)."""
    parent: dict[Complexity | Importance, Complexity | Importance] = {}

    def root(level: Complexity | Importance) -> Complexity | Importance:
        parent.setdefault(level, level)
        while parent[level] is not level:
            level = parent[level]
        return level

    for sample in samples:
        parent[root(sample.complexity)] = root(sample.importance)
    groups: dict[Complexity | Importance, set[Complexity | Importance]] = {}
    for level in list(parent):
        groups.setdefault(root(level), set()).add(level)
    return list(groups.values())


def _gauss(matrix: list[list[float]], rhs: list[float], size: int) -> list[float]:
    """Solve a small square system by Gaussian elimination with partial pivoting."""
    rows = [[*matrix[index], rhs[index]] for index in range(size)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda row: abs(rows[row][col]))
        if abs(rows[pivot][col]) < _PIVOT_EPSILON:
            raise ArithmeticError("the multiplier fit is singular")  # pragma: no cover
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for row in range(size):
            if row != col and rows[row][col] != 0.0:
                factor = rows[row][col] / rows[col][col]
                rows[row] = [a - factor * b for a, b in zip(rows[row], rows[col], strict=True)]
    return [rows[index][size] / rows[index][index] for index in range(size)]
