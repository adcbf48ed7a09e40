"""The remediation issue's text: title, marker, body and comments."""

from __future__ import annotations

from budget_gate.judge.engine import judge
from budget_gate.judge.report import Report
from budget_gate.load.phase_budgets import shipped_phase_budgets
from budget_gate.models.common import PlanStatus, SliceRef
from budget_gate.models.config import GateConfig
from budget_gate.models.findings import FindingCode
from budget_gate.models.plan import Plan, PlanSlice
from budget_gate.render.remediation import (
    issue_body,
    issue_marker,
    issue_title,
    marker_ref,
    recovered_comment,
)
from budget_gate.scope.change import Change, ScopeKind
from builders import NOW, artifacts, estimate, report

REF = SliceRef(plan_id="P1", slice_id="S1")


def tripped(
    title: str = "Refunds", *, big: int = 12_000, status: PlanStatus = PlanStatus.IN_PROGRESS
) -> Report:
    """S1: 10,000 tokens estimated, 16,000 spent by two runs (160 %) unless `big` says less."""
    plan = Plan(plan_id="P1", status=status, slices=[PlanSlice(slice_id="S1", title=title)])
    return judge(
        change=Change(kind=ScopeKind.AUDIT),
        artifacts=artifacts(
            plans=[plan],
            estimates=[estimate()],
            reports=[
                report("r-big", prompt=big, completion=0),
                report("r-small", prompt=4_000, completion=0, agent="codex"),
            ],
        ),
        config=GateConfig(),
        budgets=shipped_phase_budgets(),
        labels=(),
        now=NOW,
    )


def body_of(result: Report) -> str:
    [item] = result.slices
    findings = [f for f in result.findings if f.code is FindingCode.STOP_LOSS]
    return issue_body(item, findings, server_url="https://github.com", repository="acme/rocket")


def test_the_title_and_marker_name_the_slice_and_the_marker_is_found_again() -> None:
    assert issue_title(REF) == "FIX-BUDGET-BREACH P1/S1"
    assert marker_ref(f"text\n{issue_marker(REF)}\n") == REF
    quoted = f"{issue_marker(SliceRef(plan_id='P9', slice_id='S9'))}\n{issue_marker(REF)}"
    assert marker_ref(quoted) == REF  # the last marker counts
    assert marker_ref("<!-- plan-budget-gate:remediation P1 -->") is None
    assert marker_ref("<!-- plan-budget-gate:report -->") is None


def test_the_body_has_the_figures_the_runs_that_spent_most_and_the_fix() -> None:
    body = body_of(tripped())
    assert body.startswith(
        "## 🛑 [`P1/S1`](https://github.com/acme/rocket/blob/HEAD/plans/p1/plan.yaml#L1) "
        "is past its stop-loss\n"
    )
    assert "| Tokens, all runs (estimate) | 16,000 | 10,000 | 160.0 % | 120.0 % |" in body
    assert (
        "| `r-big` | claude\\-code | 12,000 | 75.0 % |\n| `r-small` | codex | 4,000 | 25.0 % |"
        in (body)
    )
    assert "1. Stop the agent work on `P1/S1`" in body
    assert "2. Decide how to finish, then re\\-estimate P1/S1 in " in body
    assert body.endswith("<!-- plan-budget-gate:remediation P1/S1 -->\n")


def test_the_body_is_the_same_for_the_same_figures() -> None:
    """No time or commit in it: an unchanged slice never gets its issue edited."""
    assert body_of(tripped()) == body_of(tripped())


def test_user_text_in_the_body_is_escaped() -> None:
    body = body_of(tripped(title="<!-- hide --> @maintainers [x](javascript:alert(1))"))
    assert "<!-- hide -->" not in body
    assert "@maintainers" not in body  # no ping: a zero-width space after the @
    assert "[x](javascript" not in body
    assert body.count("<!--") == 1  # only the marker


def test_the_closing_comment_gives_the_figures_it_recovered_to() -> None:
    [item] = tripped(big=5_000).slices
    assert recovered_comment(REF, item) == (
        "✅ `P1/S1` is back within its stop-loss: 9,000 of 10,000 tokens (90.0 %). "
        "Closing this issue."
    )
    done = tripped(big=8_500, status=PlanStatus.DONE)  # 12,500: 125 %, under 120 % + 10
    [finished] = done.slices
    assert recovered_comment(REF, finished) == (
        "✅ `P1/S1` is done, and close enough to its stop-loss to be allowed to complete: "
        "12,500 of 10,000 tokens (125.0 %). Closing this issue."
    )
    assert recovered_comment(REF, None) == (
        "✅ `P1/S1` is no longer past its stop-loss. Closing this issue."
    )
