"""The Action on a release (`release` published/prereleased, or a push of a tag).

Judge the range ending at the tag with the release gate, write the variance summary (YAML and
markdown) into the workspace, put the report and the summary in the job summary and outputs
first (so they survive any refusal), then on GitHub: replace the release's evidence assets, put
the "Budget evidence" section in its notes, and report the check on the tagged commit. A token
without `contents: write` gets a warning naming it; the exit status stays the verdict's.
Nothing is ever deleted but this tool's own earlier assets of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from budget_gate.action.events import GateEvent
from budget_gate.action.outputs import (
    EXIT_CANNOT_PUBLISH,
    exit_status,
    log_published,
    set_outputs,
    workspace_relative,
)
from budget_gate.action.publisher import Renderer, Target, publish
from budget_gate.action.runtime import ActionError, ActionSettings, Runtime
from budget_gate.git.repo import GitRepo
from budget_gate.git.runner import GitError
from budget_gate.github.client import GitHubError, ProblemKind, RepoClient, connect
from budget_gate.github.limits import STEP_SUMMARY_MAX_CHARS
from budget_gate.github.release import AssetFile, ReleaseApi, ReleaseClient, replace_assets
from budget_gate.models.config import CommentMode
from budget_gate.release.gate import ReleaseOutcome, ReleaseRequest, run_release
from budget_gate.release.notes import EvidenceLink, render_evidence_section, upsert_evidence_section
from budget_gate.release.summary_files import SummaryFiles, configured_path, write_summary
from budget_gate.render.environment import TemplateProblem
from budget_gate.render.links import LinkContext
from budget_gate.render.summary_markdown import render_summary_markdown

PERMISSION = "contents: write"
CONTENT_TYPES = {
    ".yaml": "application/x-yaml",
    ".yml": "application/x-yaml",
    ".md": "text/markdown",
}


@dataclass(frozen=True, slots=True)
class JudgedRelease:
    outcome: ReleaseOutcome
    render: Renderer
    summary_markdown: str
    """The variance summary's markdown twin (the release asset and the job summary's tail)."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """What happened to the release: its URL when the notes were written, or why not."""

    release_url: str | None = None
    assets: tuple[str, ...] = ()
    forbidden: str | None = None
    failed: str | None = None


def judge_release(settings: ActionSettings, event: GateEvent, *, now: datetime) -> JudgedRelease:
    """The release gate for the range ending at the event's tag (read from the workspace)."""
    tag = event.tag or ""
    try:
        GitRepo(settings.workspace).resolve(tag)
    except GitError:
        raise ActionError(
            f"the tag {tag} is not in the workspace's clone; check it out with actions/checkout "
            "and fetch-depth: 0 (which fetches the tags the release range is found with)"
        ) from None
    outcome = run_release(
        ReleaseRequest(
            repo=settings.workspace,
            from_ref=settings.base,
            to_ref=tag,
            config_path=settings.config,
            mode=settings.mode,
        ),
        now=now,
    )
    links = LinkContext(
        server_url=settings.server_url,
        repository=settings.repository,
        head_sha=outcome.range.head,
        full_report_url=settings.run_url,
    )
    render = Renderer(outcome.check.report, links=links, template_dir=outcome.check.template_dir)
    template_dir = outcome.check.template_dir
    summary_markdown = render_summary_markdown(outcome.summary, template_dir=template_dir)
    # Template problems surface while judging, before anything is published.
    render(_report_budget(summary_markdown))
    render_evidence_section(outcome.summary, template_dir=template_dir)
    return JudgedRelease(outcome=outcome, render=render, summary_markdown=summary_markdown)


def _report_budget(summary_markdown: str) -> int:
    return STEP_SUMMARY_MAX_CHARS - min(len(summary_markdown), STEP_SUMMARY_MAX_CHARS // 2) - 2


def publish_release(
    settings: ActionSettings,
    runtime: Runtime,
    event: GateEvent,
    judged: JudgedRelease,
    *,
    client: RepoClient,
    now: datetime,
) -> int:
    outcome = judged.outcome
    report = outcome.check.report
    files = _write_files(settings, judged)
    runtime.emit(f"budget-gate: {outcome.range.describe()}")
    runtime.emit(
        f"budget-gate: release {event.tag}: {report.verdict.value}, {len(report.findings)} "
        f"findings, {len(report.slices)} slices; summary in {files.yaml_path}"
    )
    _job_summary(runtime, judged, files, settings)
    set_outputs(
        runtime,
        report=report,
        report_path=workspace_relative(settings, files.markdown_path),
        summary_path=workspace_relative(settings, files.yaml_path),
        comment_url="",
    )
    token = settings.token.get_secret_value()
    releases = ReleaseClient(
        connect(token=token, api_url=settings.api_url), settings.repository, secret=token
    )
    evidence = publish_evidence(releases, event, judged, files, run_url=settings.run_url)
    _log_evidence(runtime, settings, event, evidence, files)
    published = publish(
        client,
        render=judged.render,
        target=Target(
            head_sha=outcome.range.head,
            pull_request=None,
            as_of=now,
            check_name=settings.check_name or outcome.check.config.check.name,
            comment_mode=CommentMode.OFF,
            target_url=settings.run_url,
        ),
        token=token,
    )
    log_published(runtime, settings, published, report=report, from_fork=False)
    if evidence.failed is not None:
        return EXIT_CANNOT_PUBLISH
    return exit_status(report, settings, published)


def _write_files(settings: ActionSettings, judged: JudgedRelease) -> SummaryFiles:
    path = configured_path(settings.workspace, judged.outcome.check.config.paths.variance_summary)
    return write_summary(judged.outcome.summary, path, markdown=judged.summary_markdown)


def _job_summary(
    runtime: Runtime, judged: JudgedRelease, files: SummaryFiles, settings: ActionSettings
) -> None:
    """The gate's report, then the variance summary (or where it is, when it is too long)."""
    tail = judged.summary_markdown
    if len(tail) > STEP_SUMMARY_MAX_CHARS // 2:
        where = workspace_relative(settings, files.markdown_path)
        tail = f"The variance summary is too long for the job summary; it is in `{where}`.\n"
    runtime.add_summary(judged.render(_report_budget(judged.summary_markdown)))
    runtime.add_summary(tail)


def publish_evidence(
    api: ReleaseApi,
    event: GateEvent,
    judged: JudgedRelease,
    files: SummaryFiles,
    *,
    run_url: str | None,
) -> Evidence:
    """Assets, then the notes; stops at the first refusal (both need the same permission).

    The release is read fresh (one GET): a re-run's payload has stale notes and assets.
    """
    tag = event.tag or ""
    try:
        found = (
            api.get_release(event.release.id)
            if event.release is not None
            else api.release_by_tag(tag)
        )
        if found is None:
            return Evidence()
        release = found
        uploads = [  # the files as written: the asset is byte for byte the workspace's file
            AssetFile(
                name=path.name,
                data=path.read_bytes(),
                content_type=CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream"),
            )
            for path in (files.yaml_path, files.markdown_path)
        ]
        assets = replace_assets(api, release, uploads)
        links = [EvidenceLink(label=item.name, url=item.url) for item in assets]
        if run_url:
            links.append(EvidenceLink(label="gate run", url=run_url))
        section = render_evidence_section(
            judged.outcome.summary, links=links, template_dir=judged.outcome.check.template_dir
        )
        body = upsert_evidence_section(release.body, section)
        if body != release.body:
            api.edit_body(release.id, body)
    except GitHubError as error:
        if error.kind in (ProblemKind.FORBIDDEN, ProblemKind.UNAUTHORIZED):
            return Evidence(forbidden=str(error))
        return Evidence(failed=str(error))
    except TemplateProblem as problem:  # a user's template that fails only once links exist
        return Evidence(failed=str(problem))
    return Evidence(release_url=release.html_url, assets=tuple(item.name for item in assets))


def _log_evidence(
    runtime: Runtime,
    settings: ActionSettings,
    event: GateEvent,
    evidence: Evidence,
    files: SummaryFiles,
) -> None:
    where = workspace_relative(settings, files.yaml_path)
    if evidence.forbidden is not None:
        runtime.annotate(
            "warning",
            f"budget-gate: the token may not change the release of {event.tag} "
            f"({evidence.forbidden}); give the job `permissions: {PERMISSION}` to upload the "
            "variance summary and update the release notes. The summary is in this job's "
            f"summary and at {where} (output summary-path).",
        )
    elif evidence.failed is not None:
        runtime.annotate("error", f"budget-gate: {evidence.failed}")
    elif evidence.release_url is None:
        runtime.annotate(
            "notice",
            f"budget-gate: the tag {event.tag} has no published release, so the variance summary "
            f"is only in this job's summary and at {where} (output summary-path), and the "
            "verdict in the check; publishing a release of the tag adds the evidence to it",
        )
    else:
        runtime.emit(
            f"budget-gate: release notes updated and {', '.join(evidence.assets)} uploaded: "
            f"{evidence.release_url}"
        )
