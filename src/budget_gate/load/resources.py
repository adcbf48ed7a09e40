"""Where the shipped `templates/` and `config/` directories are, installed or in a checkout.

The wheel force-includes them as `budget_gate/templates` and `budget_gate/config`; an editable
install has them only at the repository top level, next to `src/`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

_CHECKOUT_ROOT = Path(__file__).resolve().parents[3]


@cache
def shipped_dir(name: str) -> Path:
    """The shipped directory `name` (`templates` or `config`), package first, then checkout."""
    packaged = resources.files("budget_gate") / name
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = _CHECKOUT_ROOT / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"the shipped {name}/ directory is missing from the budget_gate package and from "
        f"{_CHECKOUT_ROOT}; reinstall plan-budget-gate"
    )


def templates_dir() -> Path:
    return shipped_dir("templates")


def config_dir() -> Path:
    return shipped_dir("config")
