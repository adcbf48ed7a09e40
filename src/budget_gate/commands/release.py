"""`budget-gate release`: the release gate and the resource variance summary for a tag range."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from budget_gate.commands import otel_option
from budget_gate.commands.check import EXIT_FAIL, EXIT_PASS, render
from budget_gate.commands.output import emit
from budget_gate.judge.report import Verdict
from budget_gate.models.config import Mode
from budget_gate.release.gate import ReleaseOutcome, ReleaseRequest, run_release
from budget_gate.release.summary_files import SummaryFiles, configured_path, write_summary
from budget_gate.render.summary_markdown import render_summary_markdown


def add_arguments(release: argparse.ArgumentParser) -> None:
    release.description = (
        "Judge the commits since the previous release tag (or --from) up to --to "
        "like `check` does, requiring an estimate and a usage report of every in-progress or "
        "done slice in the range, and write the resource variance summary (YAML and markdown)."
    )
    release.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    release.add_argument(
        "--from",
        dest="from_ref",
        metavar="REF",
        help="start after this ref (default: the previous tag matching release.tag_pattern; "
        "none: the whole history)",
    )
    release.add_argument(
        "--to", dest="to_ref", metavar="REF", help="the release's commit or tag (default: HEAD)"
    )
    release.add_argument("--config", help="config file in the repository")
    release.add_argument(
        "--format", choices=("markdown", "json", "text"), default="text", help="report format"
    )
    release.add_argument("--output", type=Path, help="write the report here instead of stdout")
    release.add_argument(
        "--summary-path",
        type=Path,
        help="where to write the summary YAML (default: paths.variance_summary in the repository); "
        "the markdown goes beside it as .md",
    )
    release.add_argument(
        "--mode", choices=[mode.value for mode in Mode], help="override config mode"
    )
    otel_option.add_argument(release)
    release.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    request = ReleaseRequest(
        repo=args.repo,
        from_ref=args.from_ref,
        to_ref=args.to_ref,
        config_path=args.config,
        mode=Mode(args.mode) if args.mode else None,
    )
    outcome = run_release(request, now=datetime.now(UTC))
    print(f"budget-gate: {outcome.range.describe()}", file=sys.stderr)
    # Rendered before anything is written, so a broken template leaves no file behind.
    report = render(outcome.check, args.format)
    markdown = render_summary_markdown(outcome.summary, template_dir=outcome.check.template_dir)
    emit(report, args.output)
    files = write_files(outcome, markdown, summary_path=args.summary_path, repo=args.repo)
    print(
        f"budget-gate: wrote the variance summary to {files.yaml_path} and {files.markdown_path}",
        file=sys.stderr,
    )
    if args.otel:
        otel_option.export(outcome.check.report, outcome.check.config.telemetry)
    return EXIT_FAIL if outcome.check.report.verdict is Verdict.FAIL else EXIT_PASS


def write_files(
    outcome: ReleaseOutcome, markdown: str, *, summary_path: Path | None, repo: Path
) -> SummaryFiles:
    """The summary YAML and its markdown twin, at `--summary-path` or the configured path."""
    target = summary_path or configured_path(repo, outcome.check.config.paths.variance_summary)
    return write_summary(outcome.summary, target, markdown=markdown)
