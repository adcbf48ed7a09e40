"""Remediation issues in the Action (§6.3): when they are kept, and what the log says.

Opt-in (input `remediation-issues: true` or the config's `remediation.issues: true`), and only
where the judged state is the project's own: a push to the default branch, a scheduled run or a
manual one, never a pull request. The steps come from `judge.remediation` (pure), the issue
text from `render.remediation`, the requests from `github.issues`. A token that may not write
issues (no `permissions: issues: write`) or any other GitHub failure is a `::warning::`: the
verdict, the report, the outputs and the exit status stay what they are without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from budget_gate.action.events import EventName, GateEvent
from budget_gate.action.outputs import open_client
from budget_gate.action.runtime import ActionError, ActionSettings, Runtime
from budget_gate.github.client import GitHubError, ProblemKind, RepoClient
from budget_gate.github.identity import TokenIdentity
from budget_gate.github.issues import IssueSync, Step, carry_out, own_issues
from budget_gate.judge.budgets import StopLoss
from budget_gate.judge.remediation import (
    IssueAction,
    IssueDraft,
    IssueStep,
    KnownIssue,
    plan_remediation,
)
from budget_gate.judge.report import Report, SliceResult
from budget_gate.models.common import SliceRef
from budget_gate.models.config import GateConfig
from budget_gate.models.findings import FindingCode
from budget_gate.render.environment import TemplateProblem
from budget_gate.render.remediation import (
    duplicate_comment,
    gone_comment,
    issue_body,
    issue_title,
    recovered_comment,
    reopened_comment,
)
from budget_gate.scope.change import ScopeKind

_LOGGED = {
    IssueStep.CREATE: "opened",
    IssueStep.UPDATE: "updated",
    IssueStep.REOPEN: "reopened",
    IssueStep.CLOSE_RECOVERED: "closed (the slice recovered)",
    IssueStep.CLOSE_GONE: "closed (the slice is gone)",
    IssueStep.CLOSE_DUPLICATE: "closed as a duplicate",
}


def remediation_wanted(settings: ActionSettings, config: GateConfig, event: GateEvent) -> bool:
    """Turned on, and an event whose state is the default branch's (or an audit of it)."""
    if not (settings.remediation_issues or config.remediation.issues):
        return False
    if event.name in (EventName.SCHEDULE, EventName.WORKFLOW_DISPATCH):
        return True
    return event.name is EventName.PUSH and event.tag is None and event.to_default_branch


def drafts_for(
    report: Report, *, settings: ActionSettings, template_dir: Path | None
) -> dict[SliceRef, IssueDraft]:
    """One issue per slice whose stop-loss tripped (whatever its severity: staged or not)."""
    drafts: dict[SliceRef, IssueDraft] = {}
    for result in report.slices:
        budget = result.phase_budget
        if budget is None or budget.stop_loss is not StopLoss.TRIGGERED:
            continue
        findings = [
            item
            for item in report.findings
            if item.code is FindingCode.STOP_LOSS
            and (item.plan_id, item.slice_id) == (result.ref.plan_id, result.ref.slice_id)
        ]
        body = issue_body(
            result,
            findings,
            server_url=settings.server_url,
            repository=settings.repository,
            template_dir=template_dir,
        )
        drafts[result.ref] = IssueDraft(ref=result.ref, title=issue_title(result.ref), body=body)
    return drafts


def _comment(action: IssueAction, results: dict[SliceRef, SliceResult]) -> str | None:
    match action.step:
        case IssueStep.CLOSE_RECOVERED:
            return recovered_comment(action.ref, results.get(action.ref))
        case IssueStep.CLOSE_GONE:
            return gone_comment(action.ref)
        case IssueStep.CLOSE_DUPLICATE:
            return None if action.keep is None else duplicate_comment(action.keep)
        case IssueStep.REOPEN:
            return reopened_comment(action.ref)
        case IssueStep.CREATE | IssueStep.UPDATE:
            return None


def sync_issues(
    client: RepoClient,
    *,
    report: Report,
    drafts: dict[SliceRef, IssueDraft],
    labels: list[str],
    token: str,
    sync: IssueSync,
) -> None:
    """List, plan, carry out; after opening an issue, list again and close any duplicate a
    concurrent run opened meanwhile (every run keeps the same, oldest one)."""
    results = {item.ref: item for item in report.slices}

    def decide(existing: list[KnownIssue]) -> tuple[IssueAction, ...]:
        return plan_remediation(
            drafts=drafts,
            judged=frozenset(results),
            complete=report.kind is ScopeKind.AUDIT,
            existing=existing,
        )

    def send(actions: Iterable[IssueAction]) -> None:
        steps = [Step(item, _comment(item, results)) for item in actions]
        carry_out(client, steps, labels=labels, sync=sync)

    owner = TokenIdentity(client, token=token)
    send(decide(own_issues(client, label=labels[0], owner=owner)))
    if not sync.created:
        return
    again = own_issues(client, label=labels[0], owner=owner, created=sync.created)
    send(item for item in decide(again) if item.step is IssueStep.CLOSE_DUPLICATE)


def run_remediation(
    settings: ActionSettings,
    runtime: Runtime,
    *,
    client: RepoClient | None,
    report: Report,
    config: GateConfig,
    template_dir: Path | None,
) -> IssueSync:
    """Keep the remediation issues; every problem is a warning, never the run's failure."""
    sync = IssueSync()
    try:
        drafts = drafts_for(report, settings=settings, template_dir=template_dir)
        client = client or open_client(settings)
        sync_issues(
            client,
            report=report,
            drafts=drafts,
            labels=list(config.remediation.labels),
            token=settings.token.get_secret_value(),
            sync=sync,
        )
    except GitHubError as error:
        hint = (
            "give the job `permissions: issues: write`"
            if error.kind is ProblemKind.FORBIDDEN
            else "the next run tries again"
        )
        runtime.annotate(
            "warning",
            f"budget-gate: remediation issues were not kept up to date ({error}); {hint}. The "
            "verdict and the report are not affected.",
        )
    except (ActionError, TemplateProblem) as error:
        runtime.annotate("warning", f"budget-gate: remediation issues are on, but {error}")
    for step, number, url in sync.done:
        runtime.emit(f"budget-gate: remediation issue #{number} {_LOGGED[step]}: {url}")
    return sync
