"""How findings word things: numbers, lists, variance sentences, where a record belongs.

Shared by the rules, stop-loss, estimating and importers, so a percent or a list reads the same in
every message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from budget_gate.cost.usd import format_usd
from budget_gate.judge.report import BreachLevel, Variance
from budget_gate.judge.variance import SliceVariance
from budget_gate.models.common import SliceRef
from budget_gate.scope.globs import GlobError, match_glob
from budget_gate.scope.index import RecordIndex, did_you_mean

SHORT_SHA = 7
MAX_LISTED = 3
"""How many paths, commits or slice IDs a message names before saying `and N more`."""
RUN_ID_PLACEHOLDER = "RUN_ID"


def variance_message(*, ref: SliceRef, judged: SliceVariance) -> str:
    """`IMP-1/S1 spent 15,000 tokens against an estimate of 10,000 (+50%), reaching ...`."""
    variance, limits = judged.variance, judged.thresholds
    dimensions = (
        (judged.token_level, variance.actual_tokens, variance.estimated_tokens, "tokens"),
        (judged.request_level, variance.actual_requests, variance.estimated_requests, "requests"),
    )
    ratios = (variance.variance_ratio, variance.request_variance_ratio)
    spent = [
        f"{actual:,} {unit} against an estimate of {estimated or 0:,}"
        + ("" if ratio is None else f" (+{percent(ratio)})")
        for (level, actual, estimated, unit), ratio in zip(dimensions, ratios, strict=True)
        if level is not BreachLevel.NONE
    ]
    if judged.cost_level is not BreachLevel.NONE:
        spent.append(cost_spent(variance))
    if variance.breach is BreachLevel.BREACH:
        name, value, source = "fail", limits.fail, limits.fail_source
        usd, usd_source = limits.fail_usd, limits.fail_usd_source
    else:
        name, value, source = "warn", limits.warn, limits.warn_source
        usd, usd_source = limits.warn_usd, limits.warn_usd_source
    reached = []
    if variance.breach in (judged.token_level, judged.request_level):
        reached.append(f"the {name} threshold of {percent(value)} set by {limits.describe(source)}")
    if variance.breach is judged.cost_level and usd is not None and usd_source is not None:
        reached.append(
            f"the {name}_usd threshold of {format_usd(usd)} over the estimated cost set by "
            f"{limits.describe(usd_source)}"
        )
    drivers = f" Most spent by: {', '.join(variance.drivers)}." if variance.drivers else ""
    return f"{ref} spent {_and(spent)}, reaching {' and '.join(reached)}.{drivers}"


def _and(items: Sequence[str]) -> str:
    """`a and b`, `a, b and c`."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def cost_spent(variance: Variance) -> str:
    """`$12.40 against an estimated cost of $8.00 (+$4.40)`."""
    actual, estimated = variance.actual_cost_usd or 0.0, variance.estimated_cost_usd or 0.0
    return (
        f"{format_usd(actual)} against an estimated cost of {format_usd(estimated)} "
        f"({format_usd(actual - estimated, signed=True)})"
    )


def percent(ratio: float) -> str:
    """0.5 -> `50%`, 0.3333 -> `33.3%`: whole numbers stay whole."""
    value = round(ratio * 100, 1)
    return f"{value:.0f}%" if value.is_integer() else f"{value:.1f}%"


def listing(items: Sequence[str], *, limit: int = MAX_LISTED) -> str:
    """`a, b, c and 2 more`: enough to act on, short enough for one line."""
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"


def record_home(globs: Sequence[str], *, plan_path: str | None, name: str | None = None) -> str:
    """Where a new record belongs: the first glob that fits beside the plan file, made concrete.

    `plans/*/estimation.yaml` for `plans/imp-1/plan.md` gives `plans/imp-1/estimation.yaml`;
    `plans/*/usage/*.yaml` with name `r-42` gives `plans/imp-1/usage/r-42.yaml`. Failing that,
    the first glob without wildcards, else the first glob as written.
    """
    plan_dir = PurePosixPath(plan_path).parent.parts if plan_path else ()
    for glob in globs:
        parts = PurePosixPath(glob).parts
        if len(parts) <= len(plan_dir) or "**" in parts:
            continue
        if plan_dir and not _matches("/".join(parts[: len(plan_dir)]), "/".join(plan_dir)):
            continue
        rest = list(parts[len(plan_dir) :])
        if name is not None:
            rest[-1] = rest[-1].replace("*", name, 1)
        concrete = PurePosixPath(*plan_dir, *rest).as_posix()
        if not _has_wildcard(concrete):
            return concrete
    plain = [glob for glob in globs if not _has_wildcard(glob)]
    return plain[0] if plain else (globs[0] if globs else "the configured artifact paths")


def _has_wildcard(text: str) -> bool:
    return any(char in text for char in "*?[")


def _matches(glob: str, path: str) -> bool:
    try:
        return match_glob(glob, path)
    except GlobError:  # the config loader reports bad globs; here it simply does not fit
        return False


@dataclass(frozen=True, slots=True)
class UnknownRef:
    """Why a reference names nothing, worded to follow `..., but `."""

    plan_missing: bool
    reason: str
    hint: str

    def __str__(self) -> str:
        return f"{self.reason}. {self.hint}" if self.hint else f"{self.reason}."


def unknown_ref(index: RecordIndex, ref: SliceRef) -> UnknownRef | None:
    """None when the slice exists; else the reason and the nearest known ID."""
    plan = index.plan(ref.plan_id)
    if plan is None:
        guess = did_you_mean(ref.plan_id, index.plans_by_id)
        hint = f"Did you mean {guess}?" if guess else ""
        return UnknownRef(plan_missing=True, reason=f"no plan has plan_id {ref.plan_id}", hint=hint)
    if index.knows(ref):
        return None
    known = plan.slice_ids
    guess = did_you_mean(ref.slice_id, known)
    hint = f"Did you mean {guess}?" if guess else f"Its slices are {listing(known)}."
    return UnknownRef(
        plan_missing=False, reason=f"plan {ref.plan_id} has no slice {ref.slice_id}", hint=hint
    )


def short_sha(sha: str) -> str:
    """A commit as messages name it: its first seven hex digits."""
    return sha[:SHORT_SHA]
