"""`budget-gate history` as text, markdown (the `history.md.j2` template) and JSON.

The numbers are formatted in one place (`bias`, `spread`, `hit_rate`, `ratio_text`) so every
format says the same. User strings (IDs, agents, models) are escaped by the template filters in
markdown and made printable in text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from budget_gate.estimate.history import (
    Accuracy,
    GroupAccuracy,
    History,
    Pair,
    SliceRatio,
)
from budget_gate.estimate.multiplier_fit import LevelSuggestion
from budget_gate.render.environment import make_environment
from budget_gate.render.escape import plain, trusted
from budget_gate.render.numbers import MISSING, count, plural

TEMPLATE = "history.md.j2"
JSON_DIGITS = 4
DEFINITIONS = (
    "ratio = actual / estimate; bias = geometric mean of the ratios; "
    "typical error = exp(median |ln ratio|); hit rate = share within ×2"
)
CONFIG_HINT = "Paste into the phase_budgets: section of .github/plan-budget-gate.yml:"


def bias(value: Accuracy | None) -> Markup:
    return trusted(MISSING if value is None else f"{value.bias:.2f}×")


def spread(value: Accuracy | None) -> Markup:
    return trusted(MISSING if value is None else f"×{value.typical_error:.2f}")


def hit_rate(value: Accuracy | None) -> Markup:
    return trusted(MISSING if value is None else f"{value.hit_rate * 100:.0f} %")


def sample(value: Accuracy | None) -> Markup:
    return trusted("0" if value is None else f"{value.count:,}")


def ratio_text(pair: Pair) -> Markup:
    """`216,000 → 201,700 (0.93)`; the ratio is `—` when it has none."""
    ratio = pair.ratio
    shown = MISSING if ratio is None else f"{ratio:.2f}"
    return trusted(f"{count(pair.estimated)} → {count(pair.actual)} ({shown})")


def suggestion_text(item: LevelSuggestion) -> Markup:
    if item.factor is None:
        return trusted(f"{item.current:g} (no samples: keep)")
    capped = "; capped" if item.suggested != round(item.current * item.factor, 2) else ""
    return trusted(
        f"{item.current:g} → {item.suggested:g} (×{item.factor:.2f}, "
        f"{plural(item.samples, 'slice')}{capped})"
    )


def config_snippet(history: History) -> str | None:
    """The suggested values as YAML for the config; None without any HEURISTIC sample."""
    parts = []
    for name, levels in (
        ("complexity", history.fit.complexity),
        ("importance", history.fit.importance),
    ):
        fitted = [f"{item.level}: {item.suggested:g}" for item in levels if item.factor is not None]
        if fitted:
            parts.append(f"  {name}: {{{', '.join(fitted)}}}")
    return "phase_budgets:\n" + "\n".join(parts) if parts else None


# --- markdown -------------------------------------------------------------------------------


def render_history_markdown(history: History) -> str:
    env = make_environment()
    env.filters.update(
        {
            "bias": bias,
            "spread": spread,
            "hit_rate": hit_rate,
            "sample": sample,
            "ratio_text": ratio_text,
            "suggestion": suggestion_text,
        }
    )
    return env.get_template(TEMPLATE).render(
        history=history,
        definitions=DEFINITIONS,
        snippet=config_snippet(history),
        config_hint=CONFIG_HINT,
        failed_share=_share(history),
    )


def _share(history: History) -> Markup:
    if not history.actual_tokens:
        return trusted(MISSING)
    return trusted(f"{history.failed_tokens / history.actual_tokens * 100:.1f} %")


# --- text -----------------------------------------------------------------------------------


def _table(rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    return [
        (
            indent + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def _accuracy_cells(group: GroupAccuracy) -> tuple[str, ...]:
    return (
        str(sample(group.tokens)),
        str(bias(group.tokens)),
        str(spread(group.tokens)),
        str(hit_rate(group.tokens)),
        str(sample(group.requests)),
        str(bias(group.requests)),
        str(spread(group.requests)),
        str(hit_rate(group.requests)),
    )


def _slice_cells(item: SliceRatio) -> tuple[str, ...]:
    return (
        plain(str(item.ref)),
        item.status.value,
        item.method.value,
        plain(item.agent),
        plain(item.model),
        plain(item.environment),
        str(ratio_text(item.tokens)),
        str(ratio_text(item.requests)),
    )


def render_history_text(history: History) -> str:
    scope = "slices (any status)" if history.all_statuses else "done slices"
    lines = [
        f"Estimate accuracy: {len(history.slices):,} {scope} with an estimate and usage reports.",
        f"  {DEFINITIONS}.",
        "",
    ]
    headers = ("GROUP", "TOK n", "bias", "typ.err", "hit", "REQ n", "bias", "typ.err", "hit")
    groups = [
        (f"{group.dimension.value} {plain(group.key)}", *_accuracy_cells(group))
        for group in history.groups
    ]
    lines += _table([headers, ("all", *_accuracy_cells(history.overall)), *groups])
    if history.slices:
        lines += ["", "Per slice (estimate → actual (ratio)):"]
        slice_headers = ("SLICE", "STATUS", "METHOD", "AGENT", "MODEL", "ENV", "TOKENS", "REQUESTS")
        lines += _table([slice_headers, *map(_slice_cells, history.slices)])
    if history.phases:
        lines += ["", "Per phase (estimate → actual (ratio)):"]
        lines += _table(
            [
                ("SLICE", "PHASE", "TOKENS", "REQUESTS"),
                *(
                    (
                        plain(str(item.ref)),
                        item.phase.value,
                        str(ratio_text(item.tokens)),
                        str(ratio_text(item.requests)),
                    )
                    for item in history.phases
                ),
            ]
        )
    lines += _apart_text(history)
    lines += _suggestions_text(history)
    return "\n".join(lines) + "\n"


def _apart_text(history: History) -> list[str]:
    lines: list[str] = []
    if history.unmeasured:
        lines += ["", "No ratio (a zero estimate or nothing spent), so not in the figures above:"]
        for item in history.unmeasured:
            where = plain(str(item.ref)) + (f" {item.phase.value}" if item.phase else "")
            lines.append(
                f"  {where} {item.measure.value}: {item.reason} "
                f"({count(item.pair.estimated)} estimated, {count(item.pair.actual)} spent)"
            )
    if history.failed_runs:
        passing = history.without_failed
        lines += [
            "",
            "FAIL/BLOCKED runs (counted in the figures above): "
            f"{plural(len(history.failed_runs), 'run')} spent {count(history.failed_tokens)} "
            f"of {count(history.actual_tokens)} tokens "
            f"({_share(history)}). Counting PASS runs only: token bias {bias(passing.tokens)}, "
            f"typical error {spread(passing.tokens)}, hit rate {hit_rate(passing.tokens)}.",
        ]
        lines += _table(
            [
                ("RUN", "SLICE", "AGENT", "STATUS", "TOKENS", "REQUESTS"),
                *(
                    (
                        plain(run.run_id),
                        plain(str(run.ref)),
                        plain(run.agent),
                        run.status.value,
                        str(count(run.tokens)),
                        str(count(run.requests)),
                    )
                    for run in history.failed_runs
                ),
            ]
        )
    if history.unfinished:
        names = ", ".join(plain(str(ref)) for ref in history.unfinished)
        lines += ["", f"Not done yet, left out (--all-statuses includes them): {names}"]
    if history.without_runs:
        names = ", ".join(plain(str(ref)) for ref in history.without_runs)
        lines += ["", f"Estimated but without usage reports (nothing to compare): {names}"]
    return lines


def _suggestions_text(history: History) -> list[str]:
    fit = history.fit
    lines = [
        "",
        "Suggested multipliers (least squares on ln(actual / estimate) of "
        f"{plural(fit.samples, 'HEURISTIC slice')}; assumes they were estimated with the "
        "current multipliers):",
    ]
    rows = [
        (name if index == 0 else "", item.level, str(suggestion_text(item)))
        for name, levels in (("complexity", fit.complexity), ("importance", fit.importance))
        for index, item in enumerate(levels)
    ]
    lines += _table(rows)
    snippet = config_snippet(history)
    if snippet:
        lines += ["", f"  {CONFIG_HINT}", *(f"    {line}" for line in snippet.splitlines())]
    return lines


# --- JSON -----------------------------------------------------------------------------------


def _accuracy_json(value: Accuracy | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "count": value.count,
        "bias": round(value.bias, JSON_DIGITS),
        "typical_error": round(value.typical_error, JSON_DIGITS),
        "hit_rate": round(value.hit_rate, JSON_DIGITS),
    }


def _pair_json(pair: Pair) -> dict[str, Any]:
    ratio = pair.ratio
    return {
        "estimated": pair.estimated,
        "actual": pair.actual,
        "ratio": None if ratio is None else round(ratio, JSON_DIGITS),
    }


def _level_json(item: LevelSuggestion) -> dict[str, Any]:
    return {
        "level": item.level,
        "samples": item.samples,
        "current": item.current,
        "factor": None if item.factor is None else round(item.factor, JSON_DIGITS),
        "suggested": item.suggested,
    }


def history_to_dict(history: History) -> dict[str, Any]:
    """The documented JSON shape (see the README's `budget-gate history` section)."""
    return {
        "all_statuses": history.all_statuses,
        "measured": len(history.slices),
        "overall": {
            "tokens": _accuracy_json(history.overall.tokens),
            "requests": _accuracy_json(history.overall.requests),
        },
        "groups": [
            {
                "dimension": group.dimension.value,
                "key": group.key,
                "tokens": _accuracy_json(group.tokens),
                "requests": _accuracy_json(group.requests),
            }
            for group in history.groups
        ],
        "slices": [
            {
                "plan_id": item.ref.plan_id,
                "slice_id": item.ref.slice_id,
                "status": item.status.value,
                "method": item.method.value,
                "agent": item.agent,
                "model": item.model,
                "environment": item.environment,
                "complexity": item.sizing.complexity.value if item.sizing else None,
                "importance": item.sizing.importance.value if item.sizing else None,
                "runs": item.runs,
                "tokens": _pair_json(item.tokens),
                "requests": _pair_json(item.requests),
            }
            for item in history.slices
        ],
        "phases": [
            {
                "plan_id": item.ref.plan_id,
                "slice_id": item.ref.slice_id,
                "phase": item.phase.value,
                "tokens": _pair_json(item.tokens),
                "requests": _pair_json(item.requests),
            }
            for item in history.phases
        ],
        "unmeasured": [
            {
                "plan_id": item.ref.plan_id,
                "slice_id": item.ref.slice_id,
                "phase": item.phase.value if item.phase else None,
                "measure": item.measure.value,
                "reason": item.reason,
                **_pair_json(item.pair),
            }
            for item in history.unmeasured
        ],
        "failed_runs": {
            "runs": [
                {
                    "run_id": run.run_id,
                    "plan_id": run.ref.plan_id,
                    "slice_id": run.ref.slice_id,
                    "agent": run.agent,
                    "status": run.status.value,
                    "tokens": run.tokens,
                    "requests": run.requests,
                }
                for run in history.failed_runs
            ],
            "tokens": history.failed_tokens,
            "actual_tokens": history.actual_tokens,
            "pass_only": {
                "tokens": _accuracy_json(history.without_failed.tokens),
                "requests": _accuracy_json(history.without_failed.requests),
            },
        },
        "unfinished": [str(ref) for ref in history.unfinished],
        "without_runs": [str(ref) for ref in history.without_runs],
        "suggestions": {
            "samples": history.fit.samples,
            "complexity": [_level_json(item) for item in history.fit.complexity],
            "importance": [_level_json(item) for item in history.fit.importance],
        },
    }


def render_history_json(history: History) -> str:
    return (
        json.dumps(
            history_to_dict(history), indent=2, ensure_ascii=False, sort_keys=True, allow_nan=False
        )
        + "\n"
    )
