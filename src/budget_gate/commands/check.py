"""`budget-gate check`: the gate for a change (or an audit of every slice)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from budget_gate.commands import otel_option
from budget_gate.commands.output import emit
from budget_gate.models.config import Mode

if TYPE_CHECKING:
    from budget_gate.workspace.check import CheckOutcome

EXIT_PASS, EXIT_FAIL = 0, 1


def add_arguments(check: argparse.ArgumentParser) -> None:
    check.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    check.add_argument("--base", help="base ref; without it every slice is audited")
    check.add_argument("--head", help="head ref (default: the working tree)")
    check.add_argument("--config", help="config file in the repository")
    check.add_argument(
        "--format", choices=("markdown", "json", "text"), default="text", help="report format"
    )
    check.add_argument("--output", type=Path, help="write the report here instead of stdout")
    check.add_argument(
        "--label", action="append", default=[], help="a PR label (repeatable; waiver label waives)"
    )
    check.add_argument("--mode", choices=[mode.value for mode in Mode], help="override config mode")
    check.add_argument(
        "--cache-dir",
        type=Path,
        help="where to keep the plan and price caches between checks (default: "
        ".git/budget-gate; keep it in CI with actions/cache)",
    )
    check.add_argument(
        "--no-cache",
        action="store_true",
        help="keep no cache: parse every plan in full and price every usage from the price data",
    )
    otel_option.add_argument(check)
    check.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from budget_gate.judge.report import Verdict
    from budget_gate.workspace.check import CheckRequest, run_check

    request = CheckRequest(
        repo=args.repo,
        base=args.base,
        head=args.head,
        config_path=args.config,
        labels=frozenset(args.label),
        mode=Mode(args.mode) if args.mode else None,
        caches=not args.no_cache,
        cache_dir=args.cache_dir,
    )
    outcome = run_check(request, now=datetime.now(UTC))
    emit(render(outcome, args.format), args.output)
    if args.otel:
        otel_option.export(outcome.report, outcome.config.telemetry)
    return EXIT_FAIL if outcome.report.verdict is Verdict.FAIL else EXIT_PASS


def render(outcome: CheckOutcome, output_format: str) -> str:
    """The report in one format; each renderer is imported only when used (Jinja is slow to
    import and only markdown needs it)."""
    if output_format == "json":
        from budget_gate.render.json_report import render_json

        return render_json(outcome.report)
    if output_format == "markdown":
        from budget_gate.render.markdown import render_markdown

        return render_markdown(
            outcome.report,
            template_dir=outcome.template_dir,
            max_chars=outcome.config.limits.max_comment_chars,
        )
    from budget_gate.render.text import render_text

    return render_text(outcome.report)
