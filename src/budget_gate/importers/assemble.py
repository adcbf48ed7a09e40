"""An imported run plus IDs and prices -> a valid `UsageReport`. Pure: prices and `now` are given.

Every usage unit (a request, or the finest aggregate the source has) is priced on its own and
the prices are summed per model, so a long-context tier applies per request, never to a session
total. The agent's own cost, when it reports one, is the report's `actual_cost_usd`
(`cost_source: reported`) with the price data's next to it (`computed_cost_usd`); otherwise the
computed cost is the report's (`cost_source: computed`). A unit the price data cannot price
leaves the computed cost unknown (omitted), never partial. A unit whose format does not fix its
provider gets the one the price data finds for its model name. Usage fields the importer did not
read are kept under `extra_usage` and named in a warning.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from budget_gate.cost.pricing import PriceBook, PriceQuery, TokenCounts, to_usd
from budget_gate.importers.common import ImportedRun, UsageUnit
from budget_gate.models.common import ID_PATTERN
from budget_gate.models.usage import CostSource, ModelUsage, RunStatus, UsageReport

MAX_ID = 128
_ID = re.compile(ID_PATTERN)
_NOT_ID_CHARS = re.compile(r"[^A-Za-z0-9._:+-]+")


@dataclass(frozen=True, slots=True)
class RunIdentity:
    run_id: str
    plan_id: str
    slice_id: str
    agent_id: str


class Prices(PriceBook, Protocol):
    """The price book, and which provider serves a model by its name."""

    def provider_of(self, model: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Assembled:
    report: UsageReport
    notes: tuple[str, ...]
    """What the user should know: the source's caveats and anything left unpriced."""
    warnings: tuple[str, ...] = ()
    """What may be missing from the report: usage the importer does not read."""


@dataclass(slots=True)
class _ModelTotal:
    model: str | None
    provider: str | None
    tokens: TokenCounts
    requests: int | None
    cost: Decimal | None


def assemble(
    run: ImportedRun,
    *,
    identity: RunIdentity,
    status: RunStatus,
    duration_seconds: float,
    prices: Prices,
    now: datetime,
) -> Assembled:
    notes = list(run.notes)
    run = replace(run, units=_with_providers(run.units, prices))
    groups = _by_model(run.units, prices=prices, now=now, notes=notes)
    named = [group for group in groups if group.model is not None]
    total = sum((unit.tokens for unit in run.units), TokenCounts(prompt=0, completion=0))
    main = max(
        groups, key=lambda group: (group.model is not None, group.tokens.total), default=None
    )
    computed = _sum_costs(groups)
    reported = run.reported_cost_usd
    cost_usd, source = (reported, CostSource.REPORTED) if reported is not None else (computed, None)
    if source is None and cost_usd is not None:
        source = CostSource.COMPUTED
    report = UsageReport(
        run_id=identity.run_id,
        plan_id=identity.plan_id,
        slice_id=identity.slice_id,
        agent_id=identity.agent_id,
        actual_requests=run.requests,
        actual_prompt_tokens=total.prompt,
        actual_completion_tokens=total.completion,
        actual_total_tokens=total.total,
        duration_seconds=duration_seconds,
        status=status,
        report_timestamp=now,
        provider=None if main is None else main.provider,  # the model with most tokens
        model=None if main is None else main.model,
        actual_cache_read_tokens=total.cache_read,
        actual_cache_write_tokens=total.cache_write,
        actual_reasoning_tokens=total.reasoning,
        usage_by_model=_rows(groups) if len(named) > 1 and len(named) == len(groups) else None,
        actual_cost_usd=cost_usd,
        cost_source=source,
        session_id=_session_id(run.session_id, notes),
        tool_calls=run.tool_calls,
        source_format=run.source_format,
        requests_lower_bound=run.requests_lower_bound,
        computed_cost_usd=computed if reported is not None else None,
        price_data=prices.version if computed is not None else None,
        extra_usage=_extra(run.extra_usage),
    )
    return Assembled(report=report, notes=tuple(notes), warnings=_extra_warning(run.extra_usage))


def _with_providers(units: tuple[UsageUnit, ...], prices: Prices) -> tuple[UsageUnit, ...]:
    return tuple(
        unit
        if unit.provider is not None or unit.model is None
        else replace(unit, provider=prices.provider_of(unit.model))
        for unit in units
    )


def _extra(extra: Mapping[str, float]) -> dict[str, float] | None:
    return {key: float(value) for key, value in extra.items()} or None


def _extra_warning(extra: Mapping[str, float]) -> tuple[str, ...]:
    if not extra:
        return ()
    named = ", ".join(f"{key} ({value:,g})" for key, value in extra.items())
    return (
        f"The output has usage fields budget-gate does not read: {named}. They are kept under "
        "extra_usage and are not counted in the tokens or the cost; check whether they cost "
        "anything.",
    )


def _by_model(
    units: tuple[UsageUnit, ...], *, prices: PriceBook, now: datetime, notes: list[str]
) -> list[_ModelTotal]:
    """Units summed per (model, provider) in first-seen order, each unit priced on its own."""
    groups: dict[tuple[str | None, str | None], _ModelTotal] = {}
    unpriced: dict[str, None] = {}
    for unit in units:
        price = _price(unit, prices=prices, now=now)
        if price is None and unit.model is not None:
            unpriced[unit.model if unit.provider is None else f"{unit.model} ({unit.provider})"] = (
                None
            )
        key = (unit.model, unit.provider)
        group = groups.get(key)
        if group is None:
            groups[key] = _ModelTotal(unit.model, unit.provider, unit.tokens, unit.requests, price)
            continue
        group.tokens = group.tokens + unit.tokens
        group.requests = (
            None
            if group.requests is None or unit.requests is None
            else group.requests + unit.requests
        )
        group.cost = None if group.cost is None or price is None else group.cost + price
    for name in unpriced:
        notes.append(
            f"{prices.version} has no price for model {name}, so no cost is computed for it."
        )
    if any(key[0] is None and group.tokens.total for key, group in groups.items()):
        notes.append("The output does not name the model, so no cost is computed: pass --model.")
    return list(groups.values())


def _price(unit: UsageUnit, *, prices: PriceBook, now: datetime) -> Decimal | None:
    if unit.tokens.total == 0:
        return Decimal(0)
    if unit.model is None:
        return None
    return prices.price(
        PriceQuery(
            model=unit.model,
            provider=unit.provider,
            tokens=unit.tokens,
            requests=unit.requests,
            at=now,
        )
    )


def _sum_costs(groups: list[_ModelTotal]) -> float | None:
    if not groups or any(group.cost is None for group in groups):
        return None
    return to_usd(sum((group.cost for group in groups if group.cost is not None), Decimal(0)))


def _rows(groups: list[_ModelTotal]) -> list[ModelUsage]:
    return [
        ModelUsage(
            model=group.model or "",
            provider=group.provider,
            requests=group.requests,
            prompt_tokens=group.tokens.prompt,
            completion_tokens=group.tokens.completion,
            cache_read_tokens=group.tokens.cache_read,
            cache_write_tokens=group.tokens.cache_write,
            reasoning_tokens=group.tokens.reasoning,
            cost_usd=None if group.cost is None else to_usd(group.cost),
        )
        for group in groups
    ]


def _session_id(session_id: str | None, notes: list[str]) -> str | None:
    if session_id is None:
        return None
    if len(session_id) <= MAX_ID and _ID.match(session_id):
        return session_id
    notes.append(
        "The session id is not a valid ID (letters, digits, . _ : + -), so it is left out."
    )
    return None


def default_run_id(*, prefix: str, session_id: str | None, content: bytes) -> str:
    """Stable: from the session id when the source has one, else from the file's bytes, so
    importing the same output twice finds the first import instead of adding a second run."""
    if session_id:
        tail = _NOT_ID_CHARS.sub("-", session_id).strip("-.:+") or "session"
    else:
        tail = hashlib.sha256(content).hexdigest()[:16]
    return f"{prefix}-{tail}"[:MAX_ID]
