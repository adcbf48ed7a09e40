"""`unpriced-model` notices: say which model left a cost unknown, never fail over it.

One notice per model (with its provider) the price data has no price for, naming the runs and
estimates it left without a cost and pointing at the first one's `model:` line. Runs that name
no model at all get one notice together, and only when the report shows costs at all, so a
repository that never records models is not told about it on every run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from budget_gate.cost.usd import Unpriced, describe
from budget_gate.judge.variance import SliceVariance
from budget_gate.models.common import SliceRef
from budget_gate.models.findings import Finding, FindingCode
from budget_gate.scope.index import RecordIndex

MAX_NAMED = 3


@dataclass(frozen=True, slots=True)
class _Use:
    ref: SliceRef
    run_id: str | None


def unpriced_findings(
    *,
    variances: Mapping[SliceRef, SliceVariance],
    index: RecordIndex,
    price_data: str | None,
) -> Iterator[Finding]:
    uses: dict[Unpriced, list[_Use]] = {}
    for ref in sorted(variances):
        for use in variances[ref].unpriced:
            uses.setdefault(use.unpriced, []).append(_Use(ref=ref, run_id=use.run_id))
    costs_shown = any(judged.variance.cost_known for judged in variances.values())
    data = price_data or "the price data"
    for item in sorted(uses, key=lambda key: (key.model is None, key)):
        found = uses[item]
        if item.model is None:
            if costs_shown:
                yield _no_model(found, index)
            continue
        yield _unpriced(
            found,
            index,
            f"{data} has no price for model {describe(item)}, so the cost of "
            f"{_named(found)} is unknown and left out of the costs shown.",
            field="model",
            fix="write the provider's API model name (e.g. claude-sonnet-4-5, gpt-5) and "
            "provider, or record the cost itself: actual_cost_usd with cost_source: reported "
            "in a usage report, estimated_cost_usd in an estimate",
        )


def _no_model(found: list[_Use], index: RecordIndex) -> Finding:
    return _unpriced(
        found,
        index,
        f"{_named(found)} {'names' if len(found) == 1 else 'name'} no model, so "
        f"{'its' if len(found) == 1 else 'their'} cost is unknown and left out of the costs shown.",
        field=None,
        fix="add model: (and provider:) to these usage reports, or record their cost as "
        "actual_cost_usd with cost_source: reported",
    )


def _unpriced(
    found: list[_Use], index: RecordIndex, message: str, *, field: str | None, fix: str
) -> Finding:
    """At the first record concerned; named by slice only when all of them are one slice."""
    path, line = _where(found[0], index)
    refs = sorted({use.ref for use in found})
    return Finding.of(
        FindingCode.UNPRICED_MODEL,
        message,
        path=path,
        line=line,
        plan_id=refs[0].plan_id if len(refs) == 1 else None,
        slice_id=refs[0].slice_id if len(refs) == 1 else None,
        field=field,
        fix=fix,
    )


def _named(found: list[_Use]) -> str:
    """`run r-1 (P/S1), the estimate of P/S2 and 3 more`."""
    names = [
        f"the estimate of {use.ref}" if use.run_id is None else f"run {use.run_id} ({use.ref})"
        for use in found
    ]
    shown = ", ".join(names[:MAX_NAMED])
    return shown if len(names) <= MAX_NAMED else f"{shown} and {len(names) - MAX_NAMED} more"


def _where(use: _Use, index: RecordIndex) -> tuple[str | None, int | None]:
    if use.run_id is None:
        estimate = index.estimate_for(use.ref)
        return (None, None) if estimate is None else (estimate.path, estimate.line_of("model"))
    reports = index.reports_for_run(use.run_id)
    if not reports:
        return None, None
    first = reports[0]
    field = "usage_by_model" if first.record.usage_by_model else "model"
    return first.path, first.line_of(field)
