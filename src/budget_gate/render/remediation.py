"""The remediation issue of a slice past its stop-loss (§6.3): title, body and comments.

The body is rendered from `remediation_issue.md.j2` (a user's template of that name replaces
it) and always ends with a hidden marker naming the slice, by which the Action finds the issue
again. It holds figures only, never the time or the commit judged, so an unchanged slice gives
the same body byte for byte and the issue is not edited on every run. Links point at `HEAD`
(the default branch) for the same reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from budget_gate.judge.budgets import SliceBudget, StopLoss
from budget_gate.judge.report import SliceResult
from budget_gate.models.common import SliceRef
from budget_gate.models.findings import Finding
from budget_gate.render.environment import make_environment, render_named
from budget_gate.render.links import LinkContext

TITLE_PREFIX = "FIX-BUDGET-BREACH"
TEMPLATE = "remediation_issue.md.j2"
TOP_RUNS = 5
_ID = r"[A-Za-z0-9][A-Za-z0-9._:+-]*"
_MARKER = re.compile(rf"<!-- plan-budget-gate:remediation (?P<plan>{_ID})/(?P<slice>{_ID}) -->")


def issue_title(ref: SliceRef) -> str:
    """`FIX-BUDGET-BREACH IMP-COST-01/S4` (IDs have no markdown or spaces: safe as they are)."""
    return f"{TITLE_PREFIX} {ref}"


def issue_marker(ref: SliceRef) -> str:
    return f"<!-- plan-budget-gate:remediation {ref} -->"


def marker_ref(body: str) -> SliceRef | None:
    """The slice a remediation issue is about, from the last marker in its body."""
    found = list(_MARKER.finditer(body))
    if not found:
        return None
    return SliceRef(plan_id=found[-1]["plan"], slice_id=found[-1]["slice"])


@dataclass(frozen=True, slots=True)
class RunShare:
    run_id: str
    agent_id: str
    tokens: int
    share: float
    """Of the slice's tokens, 0..1."""


@dataclass(frozen=True, slots=True)
class IssueView:
    """What `remediation_issue.md.j2` sees (as `issue`)."""

    ref: str
    title: str | None
    status: str
    url: Markup | None
    budget: SliceBudget
    finding: Finding | None
    """The slice's `stop-loss` finding: its message and fix are the issue's words."""
    runs: tuple[RunShare, ...]
    runs_total: int
    estimate_path: str | None
    estimate_url: Markup | None
    plan_path: str


def top_runs(result: SliceResult, *, limit: int = TOP_RUNS) -> tuple[RunShare, ...]:
    """The runs that spent most of the slice's tokens, biggest first (ties by run ID)."""
    spent = [
        (run.run_id, run.agent_id, sum(m.input_tokens + m.output_tokens for m in run.models))
        for run in result.usage
    ]
    total = sum(tokens for _, _, tokens in spent)
    ranked = sorted(spent, key=lambda item: (-item[2], item[0]))[:limit]
    return tuple(
        RunShare(run_id=run_id, agent_id=agent, tokens=tokens, share=tokens / total if total else 0)
        for run_id, agent, tokens in ranked
    )


def _links(server_url: str, repository: str) -> LinkContext:
    return LinkContext(server_url=server_url, repository=repository, head_sha="HEAD")


def issue_body(
    result: SliceResult,
    findings: Sequence[Finding],
    *,
    server_url: str,
    repository: str,
    template_dir: Path | None = None,
) -> str:
    """The issue's body for a slice whose `phase_budget` tripped its stop-loss."""
    budget = result.phase_budget
    if budget is None:
        raise ValueError(f"{result.ref} has no budget to remediate")
    links = _links(server_url, repository)
    view = IssueView(
        ref=str(result.ref),
        title=result.title,
        status=result.status.value,
        url=links.blob_url(result.plan_path, result.plan_line or None),
        budget=budget,
        finding=findings[0] if findings else None,
        runs=top_runs(result),
        runs_total=len(result.usage),
        estimate_path=result.estimate_path,
        estimate_url=links.blob_url(result.estimate_path, result.estimate_line)
        if result.estimate_path
        else None,
        plan_path=result.plan_path,
    )
    text = render_named(make_environment(template_dir), TEMPLATE, {"issue": view})
    return f"{text.rstrip()}\n\n{issue_marker(result.ref)}\n"


def recovered_comment(ref: SliceRef, result: SliceResult | None) -> str:
    """Why the issue is closed: the slice is back within its stop-loss (with its figures)."""
    budget = None if result is None else result.phase_budget
    if budget is None or budget.utilisation is None:
        return f"✅ `{ref}` is no longer past its stop-loss. Closing this issue."
    figures = (
        f"{budget.actual_tokens:,} of {budget.budget_tokens:,} tokens "
        f"({budget.utilisation * 100:,.1f} %)"
    )
    if budget.stop_loss is StopLoss.ALLOWED:
        return (
            f"✅ `{ref}` is done, and close enough to its stop-loss to be allowed to complete: "
            f"{figures}. Closing this issue."
        )
    return f"✅ `{ref}` is back within its stop-loss: {figures}. Closing this issue."


def gone_comment(ref: SliceRef) -> str:
    return f"✅ `{ref}` is no longer in any plan the gate reads. Closing this issue."


def duplicate_comment(keep: int) -> str:
    return f"Duplicate of #{keep}, which Plan Budget Gate keeps up to date. Closing this one."


def reopened_comment(ref: SliceRef) -> str:
    return f"🛑 `{ref}` is past its stop-loss again. Reopening this issue with the new figures."
