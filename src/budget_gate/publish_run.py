"""The trusted second stage of the fork-safe setup (`budget-gate publish --bundle DIR`).

Runs in a `workflow_run` job (write token, no pull request code) on the bundle the untrusted
`pull_request` job uploaded. Before posting anything it checks that the bundle belongs to the
run that triggered this one: same repository, the run's head SHA, a pull request of this
repository whose head is that SHA, and the report's mode and waiver as this repository's own
config and the pull request's labels allow. The report is rendered again from the validated
JSON through the escaping templates; the bundle's markdown is never posted.

`budget-gate action` does the same under a `workflow_run` event, with the `bundle` input.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TextIO

from budget_gate.action_output import (
    exit_status,
    log_published,
    open_client,
    set_outputs,
    workspace_relative,
)
from budget_gate.actions import ActionError, ActionSettings, Runtime, read_event, read_settings
from budget_gate.bundle import REPORT_MARKDOWN, Bundle, BundleError, read_bundle
from budget_gate.events import EventName, GateEvent, WorkflowRun, parse_event
from budget_gate.gate import read_config, template_directory
from budget_gate.github.client import PullInfo
from budget_gate.github.limits import STEP_SUMMARY_MAX_CHARS
from budget_gate.load.worktree import WorktreeSource
from budget_gate.models.config import GateConfig
from budget_gate.publisher import Renderer, Target, publish
from budget_gate.render.links import LinkContext


def main(env: Mapping[str, str], *, bundle: Path, stream: TextIO, now: datetime) -> int:
    settings = read_settings(env)
    runtime = Runtime(settings, stream)
    runtime.mask(settings.token.get_secret_value())
    event = parse_event(settings.event_name, read_event(settings), sha=settings.sha)
    if not isinstance(event, GateEvent) or event.name is not EventName.WORKFLOW_RUN:
        raise ActionError(
            f"budget-gate publish runs in a workflow_run job, not on {settings.event_name}; "
            "see docs/workflows/fork-safe-publish.yml"
        )
    return publish_bundle(settings, runtime, event, bundle=bundle, now=now)


def _check_run(settings: ActionSettings, bundle: Bundle, run: WorkflowRun) -> None:
    """The bundle belongs to this repository and to the run that triggered this job."""
    manifest = bundle.manifest
    where = f"bundle for #{manifest.pull_request}"
    if manifest.repository != settings.repository:
        raise BundleError(f"{where} names {manifest.repository}, not {settings.repository}")
    if manifest.head_sha != run.head_sha:
        raise BundleError(
            f"{where} judged {manifest.head_sha[:12]}, but the workflow run that triggered this "
            f"job ran on {run.head_sha[:12]}; download the artifact of that run (run-id: "
            "${{ github.event.workflow_run.id }})"
        )
    linked = dict(run.pull_requests)
    if linked and linked.get(manifest.pull_request) != manifest.head_sha:
        raise BundleError(f"{where}: the workflow run is not linked to that pull request")


def _check_pull(settings: ActionSettings, bundle: Bundle, pull: PullInfo) -> None:
    """The pull request the bundle names is of this repository and still at the judged head."""
    manifest = bundle.manifest
    if pull.head_sha != manifest.head_sha or pull.base_repo != settings.repository:
        raise BundleError(
            f"bundle for #{manifest.pull_request}: that pull request's head is "
            f"{pull.head_sha[:12]} in {pull.base_repo}, not {manifest.head_sha[:12]}; it moved "
            "on (the newer run publishes its own bundle) or the bundle is not from this repository"
        )


def _check_policy(
    settings: ActionSettings, bundle: Bundle, config: GateConfig, labels: frozenset[str]
) -> None:
    report = bundle.report
    mode = settings.mode or config.mode
    if report.mode is not mode:
        raise BundleError(
            f"the bundle's report was judged in {report.mode.value} mode, but this repository's "
            f"config says {mode.value}; a pull request cannot change how it is judged"
        )
    waiver = report.waiver
    if (
        waiver is not None
        and waiver.applied
        and (waiver.label != config.waiver.label or waiver.label not in labels)
    ):
        raise BundleError(
            f"the bundle's report is waived by {waiver.label!r}, but the pull request does not "
            "carry this repository's waiver label"
        )


def publish_bundle(
    settings: ActionSettings, runtime: Runtime, event: GateEvent, *, bundle: Path, now: datetime
) -> int:
    run = event.workflow_run
    if run is None or run.event != "pull_request":
        what = run.event if run is not None else "unknown"
        runtime.annotate(
            "notice",
            f"budget-gate: the triggering run was a {what} run; only pull_request runs leave a "
            "bundle to publish",
        )
        return 0
    loaded = read_bundle(bundle)
    report, manifest = loaded.report, loaded.manifest
    if manifest.published:
        runtime.emit("budget-gate: the pull_request run posted its report itself; nothing to do")
        return 0
    _check_run(settings, loaded, run)
    client = open_client(settings)
    pull = client.pull_request(manifest.pull_request)
    _check_pull(settings, loaded, pull)
    source = WorktreeSource(settings.workspace)
    config, _ = read_config(source, settings.config)
    _check_policy(settings, loaded, config, pull.labels)
    first_run_url = f"{settings.server_url.rstrip('/')}/{settings.repository}/actions/runs/{run.id}"
    links = LinkContext(
        server_url=settings.server_url,
        repository=settings.repository,
        head_sha=manifest.head_sha,
        full_report_url=first_run_url,
    )
    render = Renderer(
        report, links=links, template_dir=template_directory(settings.workspace, config)
    )
    markdown = render(STEP_SUMMARY_MAX_CHARS)
    summary = bundle / REPORT_MARKDOWN
    try:
        summary.write_text(markdown, "utf-8")  # the trusted rendering replaces the bundle's own
    except OSError as error:
        raise ActionError(f"cannot write {summary}: {error.strerror}") from None
    runtime.add_summary(markdown)
    latest = run.updated_at or now
    as_of = min(manifest.as_of or latest, latest)  # a bundle cannot claim to be from the future
    published = publish(
        client,
        render=render,
        target=Target(
            head_sha=manifest.head_sha,
            pull_request=manifest.pull_request,
            as_of=as_of,
            check_name=settings.check_name or config.check.name,
            comment_mode=settings.comment_mode or config.comment.mode,
            max_comment_chars=config.limits.max_comment_chars,
            target_url=first_run_url,
        ),
        token=settings.token.get_secret_value(),
    )
    set_outputs(
        runtime,
        report=report,
        report_path=workspace_relative(settings, loaded.report_path),
        summary_path=workspace_relative(settings, summary),
        comment_url=published.comment.url if published.comment and published.comment.url else "",
    )
    log_published(runtime, settings, published, report=report, from_fork=False)
    return exit_status(report, settings, published)
