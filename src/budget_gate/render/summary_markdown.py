"""Markdown of the variance summary and of the release notes' evidence section.

Both come from templates in the escape-by-default environment, so every string that came from
a user's file (titles, IDs, tag names) renders literally: the shipped ones, or the user's of the
same name in the config's template directory, rendered in the sandbox like the report's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC
from pathlib import Path

from markupsafe import Markup

from budget_gate.models.summary import VarianceSummary
from budget_gate.render.environment import make_environment, render_named
from budget_gate.render.escape import trusted
from budget_gate.render.numbers import MISSING

SUMMARY_TEMPLATE = "summary.md.j2"


def usd(value: float | None) -> Markup:
    """`$1,234.57`; `<$0.01` for a positive amount that rounds to nothing; `—` when unknown.

    The `$` is escaped: two amounts in one line must not become GitHub inline math.
    """
    if value is None or not math.isfinite(value):
        return trusted(MISSING)
    if 0 < value < 0.005:
        return trusted("&lt;\\$0.01")
    return trusted(f"\\${value:,.2f}")


def render_summary_template(
    name: str, context: Mapping[str, object], *, template_dir: Path | None = None
) -> str:
    """Render one template with the report's filters plus `usd`: the user's when
    `template_dir` has one of that name (else the shipped one)."""
    env = make_environment(template_dir)
    env.filters["usd"] = usd
    return render_named(env, name, context)


def generated_label(summary: VarianceSummary) -> Markup:
    return trusted(f"{summary.generated_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC")


def render_summary_markdown(summary: VarianceSummary, *, template_dir: Path | None = None) -> str:
    """The summary's markdown twin: verdict, range, one row per slice and the totals."""
    show_cost = any(
        item.estimated_cost_usd is not None or item.actual_cost_usd is not None
        for item in summary.slices
    )
    return render_summary_template(
        SUMMARY_TEMPLATE,
        {"summary": summary, "generated": generated_label(summary), "show_cost": show_cost},
        template_dir=template_dir,
    )
