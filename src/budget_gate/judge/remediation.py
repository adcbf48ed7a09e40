"""Which remediation issues to open, update, reopen and close (§6.3): a pure decision.

Given the issues a slice past its stop-loss should have (`IssueDraft`) and the gate's own
issues found on GitHub (`KnownIssue`), return the steps that make GitHub match, so the same
inputs always give the same steps and a re-run changes nothing:

- a slice past its stop-loss keeps exactly one open issue: its oldest open one is updated when
  its title or body differ, every newer open one is closed as a duplicate (two runs racing may
  each have opened one; both runs keep the same, oldest issue); with none open, its oldest
  closed one is reopened; with none at all, one is created;
- a slice judged in this run and no longer past its stop-loss has each of its open issues
  closed (recovered); so has a slice no longer in any plan, when the run judged every slice
  (`complete`, an audit); a slice this run did not judge keeps its issues as they are.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from budget_gate.models.common import SliceRef


@dataclass(frozen=True, slots=True)
class IssueDraft:
    ref: SliceRef
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class KnownIssue:
    """One of the gate's own remediation issues on GitHub."""

    number: int
    ref: SliceRef
    title: str
    body: str
    open: bool


class IssueStep(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REOPEN = "reopen"
    CLOSE_RECOVERED = "close-recovered"
    CLOSE_GONE = "close-gone"
    CLOSE_DUPLICATE = "close-duplicate"


@dataclass(frozen=True, slots=True)
class IssueAction:
    step: IssueStep
    ref: SliceRef
    number: int | None = None
    """The issue acted on; None for CREATE."""
    draft: IssueDraft | None = None
    """The title and body to write (CREATE, UPDATE, REOPEN)."""
    keep: int | None = None
    """For CLOSE_DUPLICATE: the issue that stays open."""


def plan_remediation(
    *,
    drafts: Mapping[SliceRef, IssueDraft],
    judged: Collection[SliceRef],
    complete: bool,
    existing: Iterable[KnownIssue],
) -> tuple[IssueAction, ...]:
    """The steps, slice by slice in `PLAN/SLICE` order; see the module docstring."""
    by_ref: dict[SliceRef, list[KnownIssue]] = {}
    for issue in existing:
        by_ref.setdefault(issue.ref, []).append(issue)
    actions: list[IssueAction] = []
    for ref in sorted(set(drafts) | set(by_ref)):
        issues = sorted(by_ref.get(ref, []), key=lambda item: item.number)
        draft = drafts.get(ref)
        if draft is not None:
            actions.extend(_keep_one(ref, draft, issues))
        elif ref in judged or complete:
            step = IssueStep.CLOSE_RECOVERED if ref in judged else IssueStep.CLOSE_GONE
            actions.extend(
                IssueAction(step, ref, number=item.number) for item in issues if item.open
            )
    return tuple(actions)


def _keep_one(ref: SliceRef, draft: IssueDraft, issues: list[KnownIssue]) -> list[IssueAction]:
    opened = [item for item in issues if item.open]
    if not opened:
        if issues:
            return [IssueAction(IssueStep.REOPEN, ref, number=issues[0].number, draft=draft)]
        return [IssueAction(IssueStep.CREATE, ref, draft=draft)]
    keep, *duplicates = opened
    actions = [
        IssueAction(IssueStep.CLOSE_DUPLICATE, ref, number=item.number, keep=keep.number)
        for item in duplicates
    ]
    if (keep.title, keep.body) != (draft.title, draft.body):
        actions.insert(0, IssueAction(IssueStep.UPDATE, ref, number=keep.number, draft=draft))
    return actions
