"""Vega-Lite to static SVG with vl-convert, the one module that imports the plotting library.

vl-convert compiles and renders in-process (no browser, no network), so the page needs no
chart runtime: each chart is an `<svg>` of its own. It is the optional `[dashboard]` extra; the
gate's image does not carry it, and without it `dashboard` stops with one line saying how to
install it.
"""

from __future__ import annotations

from types import ModuleType

from budget_gate.errors import GateError
from budget_gate.ledger.dashboard.charts import Spec

INSTALL_HINT = "pip install 'plan-budget-gate[dashboard]'"


class PlottingMissing(GateError):  # noqa: N818 - worded like the other problems users see
    """The `[dashboard]` extra is not installed."""


def _vl_convert() -> ModuleType:
    try:
        import vl_convert  # the optional extra, only when a page is drawn
    except ImportError as error:
        raise PlottingMissing(
            "the dashboard draws its charts with vl-convert, which is not installed; "
            f"install the extra: {INSTALL_HINT}"
        ) from error
    return vl_convert


def require_plotting() -> None:
    """Fail before any work when the extra is missing."""
    _vl_convert()


def render_svg(spec: Spec) -> str:
    return str(_vl_convert().vegalite_to_svg(vl_spec=spec))
