"""Which remediation issues to open, update, reopen and close: the pure decision."""

from __future__ import annotations

from budget_gate.judge.remediation import (
    IssueAction,
    IssueDraft,
    IssueStep,
    KnownIssue,
    plan_remediation,
)
from budget_gate.models.common import SliceRef

S1 = SliceRef(plan_id="P1", slice_id="S1")
S2 = SliceRef(plan_id="P1", slice_id="S2")


def draft(ref: SliceRef, body: str = "figures") -> IssueDraft:
    return IssueDraft(ref=ref, title=f"FIX-BUDGET-BREACH {ref}", body=body)


def known(number: int, ref: SliceRef, *, body: str = "figures", open_: bool = True) -> KnownIssue:
    return KnownIssue(
        number=number, ref=ref, title=f"FIX-BUDGET-BREACH {ref}", body=body, open=open_
    )


def test_a_tripped_slice_without_an_issue_gets_one() -> None:
    wanted = draft(S1)
    assert plan_remediation(drafts={S1: wanted}, judged={S1}, complete=False, existing=[]) == (
        IssueAction(IssueStep.CREATE, S1, draft=wanted),
    )


def test_an_unchanged_issue_is_left_alone_and_a_changed_one_updated() -> None:
    same = plan_remediation(
        drafts={S1: draft(S1)}, judged={S1}, complete=False, existing=[known(7, S1)]
    )
    assert same == ()
    newer = draft(S1, body="new figures")
    changed = plan_remediation(
        drafts={S1: newer}, judged={S1}, complete=False, existing=[known(7, S1)]
    )
    assert changed == (IssueAction(IssueStep.UPDATE, S1, number=7, draft=newer),)


def test_duplicates_are_closed_and_the_oldest_kept() -> None:
    actions = plan_remediation(
        drafts={S1: draft(S1)},
        judged={S1},
        complete=False,
        existing=[known(9, S1), known(4, S1), known(12, S1)],
    )
    assert actions == (
        IssueAction(IssueStep.CLOSE_DUPLICATE, S1, number=9, keep=4),
        IssueAction(IssueStep.CLOSE_DUPLICATE, S1, number=12, keep=4),
    )


def test_with_only_closed_issues_the_oldest_is_reopened() -> None:
    wanted = draft(S1)
    actions = plan_remediation(
        drafts={S1: wanted},
        judged={S1},
        complete=False,
        existing=[known(8, S1, open_=False), known(3, S1, open_=False)],
    )
    assert actions == (IssueAction(IssueStep.REOPEN, S1, number=3, draft=wanted),)


def test_a_recovered_slice_has_its_open_issues_closed() -> None:
    actions = plan_remediation(
        drafts={},
        judged={S1},
        complete=False,
        existing=[known(3, S1), known(5, S1, open_=False)],
    )
    assert actions == (IssueAction(IssueStep.CLOSE_RECOVERED, S1, number=3),)


def test_a_slice_this_run_did_not_judge_keeps_its_issue() -> None:
    """A push that touches other slices says nothing about this one."""
    assert plan_remediation(drafts={}, judged={S2}, complete=False, existing=[known(3, S1)]) == ()


def test_an_audit_closes_the_issue_of_a_slice_that_is_gone() -> None:
    actions = plan_remediation(drafts={}, judged={S2}, complete=True, existing=[known(3, S1)])
    assert actions == (IssueAction(IssueStep.CLOSE_GONE, S1, number=3),)


def test_steps_come_in_slice_order_and_a_second_plan_after_them_is_empty() -> None:
    drafts = {S2: draft(S2), S1: draft(S1)}
    first = plan_remediation(drafts=drafts, judged={S1, S2}, complete=False, existing=[])
    assert [(item.step, item.ref) for item in first] == [
        (IssueStep.CREATE, S1),
        (IssueStep.CREATE, S2),
    ]
    after = [known(1, S1), known(2, S2)]
    assert plan_remediation(drafts=drafts, judged={S1, S2}, complete=False, existing=after) == ()
