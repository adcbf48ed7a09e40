"""The Action's run: read the runtime → judge → render once → files, summary, outputs → post.

`budget-gate action` (the container's entrypoint) calls `main`. Under `workflow_run` it is the
trusted second stage of the fork-safe setup and publishes the bundle the first stage uploaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TextIO

from budget_gate.action.bundle import write_manifest
from budget_gate.action.events import EventName, GateEvent, Skipped, is_sha, parse_event
from budget_gate.action.gate import judge_event
from budget_gate.action.outputs import (
    exit_status,
    log_published,
    open_client,
    post_cannot_judge,
    set_outputs,
    write_report_files,
)
from budget_gate.action.publisher import Published, Renderer, Target, publish
from budget_gate.action.release import judge_release, publish_release
from budget_gate.action.remediation import remediation_wanted, run_remediation
from budget_gate.action.runtime import ActionSettings, Runtime, read_event, read_settings
from budget_gate.action.telemetry import export_for_action
from budget_gate.action.trusted_stage import publish_bundle
from budget_gate.errors import GateError
from budget_gate.git.runner import GitError
from budget_gate.github.client import RepoClient
from budget_gate.github.limits import STEP_SUMMARY_MAX_CHARS
from budget_gate.render.environment import TemplateProblem
from budget_gate.render.links import LinkContext
from budget_gate.workspace.check import CheckOutcome

PUBLISHING_EVENTS = frozenset(
    {EventName.PULL_REQUEST, EventName.PULL_REQUEST_TARGET, EventName.MERGE_GROUP, EventName.PUSH}
)


def main(env: Mapping[str, str], *, stream: TextIO, now: datetime) -> int:
    settings = read_settings(env)
    runtime = Runtime(settings, stream)
    runtime.mask(settings.token.get_secret_value())
    event = parse_event(settings.event_name, read_event(settings), sha=settings.sha)
    if isinstance(event, Skipped):
        runtime.annotate("notice", f"budget-gate: {event.reason}; nothing to do")
        return 0
    if event.name is EventName.WORKFLOW_RUN:
        bundle = settings.in_workspace(settings.bundle)
        return publish_bundle(settings, runtime, event, bundle=bundle, now=now)
    if event.tag is not None:
        return _release(settings, runtime, event, now=now)
    return _gate(settings, runtime, event, now=now)


def _release(settings: ActionSettings, runtime: Runtime, event: GateEvent, *, now: datetime) -> int:
    """A release or a tag push: the release gate, its evidence on the release, the check."""
    client = open_client(settings)
    try:
        judged = judge_release(settings, event, now=now)
    except (GateError, GitError, TemplateProblem) as error:
        _cannot_judge(runtime, client, settings, event, reason=str(error))
        raise
    check = judged.outcome.check
    export_for_action(settings, runtime, report=check.report, config=check.config.telemetry)
    return publish_release(settings, runtime, event, judged, client=client, now=now)


def _gate(settings: ActionSettings, runtime: Runtime, event: GateEvent, *, now: datetime) -> int:
    publishing = event.name in PUBLISHING_EVENTS
    client = open_client(settings) if publishing else None
    try:
        outcome = judge_event(settings, event, pulls=client, now=now)
        report = outcome.report
        head = report.head or settings.sha
        links = LinkContext(
            server_url=settings.server_url,
            repository=settings.repository,
            head_sha=head,
            full_report_url=settings.run_url,
        )
        render = Renderer(report, links=links, template_dir=outcome.template_dir)
        markdown = render(STEP_SUMMARY_MAX_CHARS)
    except (GateError, GitError, TemplateProblem) as error:
        if client is not None:
            _cannot_judge(runtime, client, settings, event, reason=str(error))
        raise
    runtime.emit(
        f"budget-gate: {report.kind.value} {(report.base or '')[:12]}..{head[:12]}: "
        f"{report.verdict.value}, {len(report.findings)} findings, {len(report.slices)} slices"
    )
    report_path, summary_path = write_report_files(settings, report=report, markdown=markdown)
    runtime.add_summary(markdown)
    published = Published()
    if client is not None:
        published = publish(
            client,
            render=render,
            target=_target(settings, event, outcome, head=head, now=now),
            token=settings.token.get_secret_value(),
        )
    pull = event.pull_request
    if pull is not None:
        write_manifest(
            settings.in_workspace(settings.bundle),
            report=report,
            repository=settings.repository,
            pull_request=pull.number,
            base_sha=pull.base_sha,
            as_of=event.as_of,
            published=published.comment is not None and published.check is not None,
        )
    comment_url = published.comment.url if published.comment and published.comment.url else ""
    set_outputs(
        runtime,
        report=report,
        report_path=report_path,
        summary_path=summary_path,
        comment_url=comment_url,
    )
    if publishing:
        log_published(
            runtime,
            settings,
            published,
            report=report,
            from_fork=pull is not None and pull.from_fork,
        )
    if remediation_wanted(settings, outcome.config, event):
        run_remediation(
            settings,
            runtime,
            client=client,
            report=report,
            config=outcome.config,
            template_dir=outcome.template_dir,
        )
    export_for_action(settings, runtime, report=report, config=outcome.config.telemetry)
    return exit_status(report, settings, published)


def _cannot_judge(
    runtime: Runtime, client: RepoClient, settings: ActionSettings, event: GateEvent, *, reason: str
) -> None:
    """Report a failing check on the judged commit before the run ends with exit status 2."""
    head = event.head
    if head is not None and is_sha(head):
        post_cannot_judge(runtime, client, settings, head_sha=head, reason=reason)


def _target(
    settings: ActionSettings,
    event: GateEvent,
    outcome: CheckOutcome,
    *,
    head: str,
    now: datetime,
) -> Target:
    pull = event.pull_request
    return Target(
        head_sha=head,
        pull_request=pull.number if pull is not None else None,
        as_of=event.as_of or now,
        check_name=settings.check_name or outcome.config.check.name,
        comment_mode=settings.comment_mode or outcome.config.comment.mode,
        max_comment_chars=outcome.config.limits.max_comment_chars,
        target_url=settings.run_url,
    )
