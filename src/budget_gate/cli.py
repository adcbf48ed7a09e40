"""`budget-gate`: argument parsing, dispatch and exit codes (0 pass, 1 fail, 2 could not judge)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from budget_gate import __version__
from budget_gate.errors import GateError
from budget_gate.gate import CheckOutcome, CheckRequest, run_check
from budget_gate.git import GitError
from budget_gate.models.config import Mode
from budget_gate.render.environment import TemplateProblem
from budget_gate.render.json_report import render_json
from budget_gate.render.markdown import render_markdown
from budget_gate.render.text import render_text
from budget_gate.report import Verdict
from budget_gate.scaffold import write_init
from budget_gate.schema import all_schemas

EXIT_PASS, EXIT_FAIL, EXIT_CANNOT_JUDGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on bad usage, which is our 'could not judge' status too."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_CANNOT_JUDGE, f"budget-gate: error: {message} (see budget-gate --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="budget-gate",
        description="Gate plan slices on estimates, usage reports and budget variance.",
    )
    parser.add_argument("--version", action="version", version=f"budget-gate {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = commands.add_parser("check", help="judge the slices a change touches (the gate)")
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

    schema = commands.add_parser("schema", help="print or write the JSON Schemas of every file")
    schema.add_argument("--output", type=Path, help="directory to write one schema file each into")

    init = commands.add_parser("init", help="write a config and an example plan (never overwrites)")
    init.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "schema":
            return _schema(args)
        return _init(args)
    except (GateError, GitError, TemplateProblem) as error:
        print(f"budget-gate: error: {error}", file=sys.stderr)
        return EXIT_CANNOT_JUDGE
    except Exception as error:  # the last line of defence: no traceback reaches a user
        if os.environ.get("BUDGET_GATE_DEBUG"):
            raise
        print(
            f"budget-gate: internal error: {type(error).__name__}: {error} "
            "(set BUDGET_GATE_DEBUG=1 for a traceback and please report it)",
            file=sys.stderr,
        )
        return EXIT_CANNOT_JUDGE


def _check(args: argparse.Namespace) -> int:
    request = CheckRequest(
        repo=args.repo,
        base=args.base,
        head=args.head,
        config_path=args.config,
        labels=frozenset(args.label),
        mode=Mode(args.mode) if args.mode else None,
    )
    outcome = run_check(request, now=datetime.now(UTC))
    _emit(_render(outcome, args.format), args.output)
    return EXIT_FAIL if outcome.report.verdict is Verdict.FAIL else EXIT_PASS


def _render(outcome: CheckOutcome, output_format: str) -> str:
    if output_format == "json":
        return render_json(outcome.report)
    if output_format == "markdown":
        return render_markdown(
            outcome.report,
            template_dir=outcome.template_dir,
            max_chars=outcome.config.limits.max_comment_chars,
        )
    return render_text(outcome.report)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise GateError(f"cannot write --output {output}: {error.strerror}") from error


def _schema(args: argparse.Namespace) -> int:
    schemas = all_schemas()
    if args.output is None:
        print(json.dumps(schemas, indent=2, sort_keys=True))
        return EXIT_PASS
    for name, schema in schemas.items():
        _emit(json.dumps(schema, indent=2, sort_keys=True) + "\n", args.output / name)
    print(f"wrote {len(schemas)} schemas to {args.output}")
    return EXIT_PASS


def _init(args: argparse.Namespace) -> int:
    for line in write_init(args.repo):
        print(line)
    return EXIT_PASS
