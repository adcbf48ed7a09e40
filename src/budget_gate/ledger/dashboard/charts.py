"""The dashboard's charts as Vega-Lite specifications: plain data, built from query rows.

Every chart draws its data points in a layer named `data` (its SVG group has the class
`data_marks`) and its reference lines or bands in layers named `target` or `band`, so a reader
(and the browser test) can tell the data from the decoration. Times are UTC throughout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from budget_gate.ledger.dashboard.data import Row
from budget_gate.ledger.queries import HIT_BAND, RATE_TARGET, UTILISATION_BAND

Spec = dict[str, Any]
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
WIDTH, HEIGHT = 560, 220
BAND_COLOUR = "#2ca02c"
TARGET_COLOUR = "#d62728"


@dataclass(frozen=True, slots=True)
class Chart:
    key: str
    title: str
    caption: str
    points: int
    """How many data points it draws (0: nothing to draw yet)."""
    spec: Spec
    empty: str
    """Shown instead of the chart when there is nothing to draw."""


def _base(values: Sequence[Mapping[str, object]], layers: list[Spec]) -> Spec:
    return {
        "$schema": SCHEMA,
        "width": WIDTH,
        "height": HEIGHT,
        "data": {"values": [dict(value) for value in values]},
        "layer": layers,
        "config": {
            "font": "sans-serif",
            "axis": {"labelFontSize": 11, "titleFontSize": 12},
            "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
            "view": {"stroke": None},
        },
    }


def _month(row: Row) -> Spec:
    return {**row, "date": f"{row['month']}-01"}


_MONTH_X = {
    "field": "date",
    "type": "temporal",
    "timeUnit": "utcyearmonth",
    "title": "month",
    "axis": {"format": "%b %Y", "labelAngle": 0},
}


def _band(low: float, high: float) -> Spec:
    """A shaded target band across the chart (its axis title comes from the data layer)."""
    return {
        "name": "band",
        "data": {"values": [{"low": low, "high": high}]},
        "mark": {"type": "rect", "color": BAND_COLOUR, "opacity": 0.15},
        "encoding": {
            "y": {"field": "low", "type": "quantitative", "title": None},
            "y2": {"field": "high"},
        },
    }


def _target(value: float) -> Spec:
    return {
        "name": "target",
        "data": {"values": [{"target": value}]},
        "mark": {"type": "rule", "color": TARGET_COLOUR, "strokeDash": [6, 4]},
        "encoding": {"y": {"field": "target", "type": "quantitative", "title": None}},
    }


def utilisation_over_time(rows: Sequence[Row]) -> Chart:
    values = [_month(row) for row in rows]
    y = {
        "field": "average_utilisation",
        "type": "quantitative",
        "title": "average utilisation",
        "axis": {"format": "%"},
    }
    encoding = {"x": _MONTH_X, "y": y}
    return Chart(
        key="utilisation",
        title="Utilisation over time",
        caption="Average utilisation (tokens spent / budget) of the slices finished each month; "
        f"the band is the {UTILISATION_BAND[0]:.0%}–{UTILISATION_BAND[1]:.0%} target.",
        points=len(values),
        spec=_base(
            values,
            [
                _band(*UTILISATION_BAND),
                {"name": "line", "mark": {"type": "line"}, "encoding": encoding},
                {
                    "name": "data",
                    "mark": {"type": "point", "filled": True, "size": 60},
                    "encoding": {**encoding, "tooltip": [{"field": "slices"}]},
                },
            ],
        ),
        empty="No slice has been finished yet.",
    )


def rates_by_month(rows: Sequence[Row]) -> Chart:
    values = [
        {**_month(row), "kind": kind, "rate": row[field]}
        for row in rows
        for kind, field in (("breach rate", "breach_rate"), ("stop-loss rate", "stop_loss_rate"))
    ]
    encoding = {
        "x": _MONTH_X,
        "y": {
            "field": "rate",
            "type": "quantitative",
            "title": "share of slices",
            "axis": {"format": "%"},
        },
        "color": {"field": "kind", "type": "nominal", "title": None},
    }
    return Chart(
        key="rates",
        title="Breach and stop-loss rate per month",
        caption="Share of the slices with spend that changed each month which ended it over "
        "budget (breach) or past their stop-loss; the dashed line is the "
        f"{RATE_TARGET:.0%} target.",
        points=len(values),
        spec=_base(
            values,
            [
                _target(RATE_TARGET),
                {"name": "line", "mark": {"type": "line"}, "encoding": encoding},
                {
                    "name": "data",
                    "mark": {"type": "point", "filled": True, "size": 60},
                    "encoding": encoding,
                },
            ],
        ),
        empty="No slice has spent anything yet.",
    )


def utilisation_by_phase(rows: Sequence[Row]) -> Chart:
    values = [dict(row) for row in rows]
    order = [str(row["phase"]) for row in rows]
    return Chart(
        key="phases",
        title="Average utilisation per phase",
        caption="Average utilisation of each phase over the finished slices whose runs report "
        f"phases; the band is the {UTILISATION_BAND[0]:.0%}–{UTILISATION_BAND[1]:.0%} target.",
        points=len(values),
        spec=_base(
            values,
            [
                _band(*UTILISATION_BAND),
                {
                    "name": "data",
                    "mark": {"type": "bar", "width": {"band": 0.6}},
                    "encoding": {
                        "x": {
                            "field": "phase",
                            "type": "nominal",
                            "sort": order,
                            "title": None,
                            "axis": {"labelAngle": 0},
                        },
                        "y": {
                            "field": "average_utilisation",
                            "type": "quantitative",
                            "title": "average utilisation",
                            "axis": {"format": "%"},
                        },
                    },
                },
            ],
        ),
        empty="No finished slice's runs report phases yet.",
    )


def estimate_ratios(rows: Sequence[Row], *, by: str) -> Chart:
    values = [dict(row) for row in rows]
    label = "estimation method" if by == "method" else "agent"
    encoding = {
        "x": {
            "field": "at",
            "type": "temporal",
            "title": "finished",
            "scale": {"type": "utc"},
            "axis": {"format": "%b %Y", "labelAngle": 0},
        },
        "y": {
            "field": "ratio",
            "type": "quantitative",
            "title": "actual / estimate",
            "scale": {"type": "log"},
        },
        "color": {"field": by, "type": "nominal", "title": label},
        "tooltip": [{"field": "slice"}, {"field": "ratio", "format": ".2f"}],
    }
    return Chart(
        key=f"ratios-{by}",
        title=f"Estimate ratio over time, per {label}",
        caption="Actual / estimated tokens of each finished slice (log scale); the band is "
        f"within ×{HIT_BAND[1]:g} of the estimate ({HIT_BAND[0]:g} to {HIT_BAND[1]:g}).",
        points=len(values),
        spec=_base(
            values,
            [
                _band(*HIT_BAND),
                _target(1.0) | {"mark": {"type": "rule", "color": "#888888"}},
                {
                    "name": "data",
                    "mark": {"type": "point", "filled": True, "size": 60},
                    "encoding": encoding,
                },
            ],
        ),
        empty="No finished slice has both an estimate and spend yet.",
    )


def spend_by_month(rows: Sequence[Row]) -> Chart:
    values = [_month(row) for row in rows]
    return Chart(
        key="spend",
        title="Spend per month (USD)",
        caption="Cost of the usage reports that landed each month (reported by the agent, else "
        "priced from the tokens); runs whose model has no price are left out and counted.",
        points=len(values),
        spec=_base(
            values,
            [
                {
                    "name": "data",
                    "mark": {"type": "bar", "width": {"band": 0.6}},
                    "encoding": {
                        "x": {**_MONTH_X, "type": "ordinal"},
                        "y": {
                            "field": "cost_usd",
                            "type": "quantitative",
                            "title": "USD",
                            "axis": {"format": "$,.2f"},
                        },
                        "tooltip": [{"field": "runs"}, {"field": "unpriced_runs"}],
                    },
                }
            ],
        ),
        empty="No usage report has landed yet.",
    )


def all_charts(rows: Mapping[str, Sequence[Row]]) -> list[Chart]:
    ratios = rows["estimate-ratios"]
    return [
        utilisation_over_time(rows["utilisation-by-month"]),
        rates_by_month(rows["rates-by-month"]),
        utilisation_by_phase(rows["utilisation-by-phase"]),
        estimate_ratios(ratios, by="method"),
        estimate_ratios(ratios, by="agent"),
        spend_by_month(rows["spend-by-month"]),
    ]
