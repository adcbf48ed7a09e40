"""The trusted second stage of the fork-safe setup (`budget-gate publish --bundle DIR`).

Runs in a `workflow_run` job (write token, no pull request code) on the bundle the untrusted
`pull_request` job uploaded. A fork's `pull_request` run uses the workflow files of the PR, so
the bundle's report is only a claim: this stage takes from it the pull request's number, checks
that the bundle belongs to the run that triggered this one (same repository, the run's head SHA,
a pull request of this repository whose head is that SHA), and then judges the pull request
itself, as `pull_request_target` does: config and templates from this run's own commit (the
default branch), the PR's commits read as data through git (fetched by the workflow, never
checked out), labels from the API. What is posted is that judgement; when stage 1 said
otherwise, a warning says so.

`budget-gate action` does the same under a `workflow_run` event, with the `bundle` input.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TextIO

from budget_gate.action.bundle import (
    REPORT_MARKDOWN,
    Bundle,
    BundleError,
    BundleManifest,
    read_bundle,
)
from budget_gate.action.events import EventName, GateEvent, WorkflowRun, parse_event
from budget_gate.action.gate import has_commits
from budget_gate.action.outputs import (
    exit_status,
    log_published,
    open_client,
    post_cannot_judge,
    set_outputs,
    workspace_relative,
)
from budget_gate.action.publisher import Renderer, Target, publish
from budget_gate.action.runtime import (
    ActionError,
    ActionSettings,
    Runtime,
    read_event,
    read_settings,
)
from budget_gate.errors import GateError
from budget_gate.git.repo import GitRepo
from budget_gate.git.runner import GitError
from budget_gate.github.client import PullInfo
from budget_gate.github.limits import STEP_SUMMARY_MAX_CHARS
from budget_gate.judge.report import Report
from budget_gate.render.environment import TemplateProblem
from budget_gate.render.json_report import render_json
from budget_gate.render.links import LinkContext
from budget_gate.workspace.check import CheckOutcome, CheckRequest, run_check


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


def _rejudge(
    settings: ActionSettings, manifest: BundleManifest, pull: PullInfo, *, now: datetime
) -> CheckOutcome:
    """The pull request judged here: stage 1's findings are never taken on trust."""
    if not has_commits(GitRepo(settings.workspace), pull.base_sha, manifest.head_sha):
        raise ActionError(
            f"the commits of pull request #{manifest.pull_request} ({pull.base_sha[:12]}.."
            f"{manifest.head_sha[:12]}) are not in the workspace; check out the default branch "
            "with fetch-depth: 0 and fetch the head as data with `git fetch --no-tags origin "
            "${{ github.event.workflow_run.head_sha }}` (docs/workflows/fork-safe-publish.yml); "
            "the gate reads it through git and never checks it out"
        )
    request = CheckRequest(
        repo=settings.workspace,
        base=pull.base_sha,
        head=manifest.head_sha,
        config_path=settings.config,
        labels=pull.labels,
        mode=settings.mode,
        config_ref=settings.sha,
    )
    return run_check(request, now=now)


def _differs(claimed: Report, judged: Report) -> str | None:
    """How stage 1's report differs from the trusted one (None when they agree)."""

    def gist(report: Report) -> tuple[str, list[tuple[str, str, str | None]]]:
        codes = sorted((f.code.value, f.severity.value, f.path) for f in report.findings)
        return report.verdict.value, codes

    if gist(claimed) == gist(judged):
        return None
    return (
        f"the pull_request run reported {claimed.verdict.value} with "
        f"{len(claimed.findings)} findings, but judged here the pull request is a "
        f"{judged.verdict.value} with {len(judged.findings)}; this run's judgement is posted "
        "(a pull request can change what its own workflow run reports)"
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
    manifest = loaded.manifest
    if manifest.published:
        runtime.emit("budget-gate: the pull_request run posted its report itself; nothing to do")
        return 0
    _check_run(settings, loaded, run)
    client = open_client(settings)
    pull = client.pull_request(manifest.pull_request)
    _check_pull(settings, loaded, pull)
    try:
        outcome = _rejudge(settings, manifest, pull, now=now)
    except (ActionError, GateError, GitError, TemplateProblem) as error:
        post_cannot_judge(runtime, client, settings, head_sha=manifest.head_sha, reason=str(error))
        raise
    report, config = outcome.report, outcome.config
    difference = _differs(loaded.report, report)
    if difference is not None:
        runtime.annotate("warning", f"budget-gate: {difference}")
    links = LinkContext(
        server_url=settings.server_url,
        repository=settings.repository,
        head_sha=manifest.head_sha,
        full_report_url=settings.run_url,  # this run's summary holds the judgement
    )
    render = Renderer(report, links=links, template_dir=outcome.template_dir)
    markdown = render(STEP_SUMMARY_MAX_CHARS)
    summary = bundle / REPORT_MARKDOWN
    try:  # the trusted judgement replaces the bundle's own files
        summary.write_text(markdown, "utf-8")
        loaded.report_path.write_text(render_json(report), "utf-8")
    except OSError as error:
        raise ActionError(f"cannot write into {bundle}: {error.strerror}") from None
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
            target_url=settings.run_url,
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
