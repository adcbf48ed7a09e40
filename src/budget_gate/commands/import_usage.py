"""`budget-gate import FORMAT FILE --plan ID --slice ID`: a usage report from an agent's output.

Thin shell: read the file, settle its format (`auto` detects it; an explicit format is checked
against what the file holds), read its runs (one per session; several need `--session` or
`--split`), add IDs, prices and the time, find where each report goes, then write them
atomically. Any problem with the input is one line naming the file and line (exit 2) and
nothing is written.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from budget_gate.cost.pricing import GenaiPrices
from budget_gate.errors import GateError
from budget_gate.importers.assemble import (
    Assembled,
    Prices,
    RunIdentity,
    assemble,
    default_run_id,
)
from budget_gate.importers.common import ImportedRun, naming
from budget_gate.importers.destination import Destination, find_destination
from budget_gate.importers.formats import CHOICES, import_runs
from budget_gate.importers.report_file import check_loads, render_report
from budget_gate.models.common import ID_PATTERN
from budget_gate.models.usage import CostSource, RunStatus
from budget_gate.render.escape import inert
from budget_gate.writing import write_new_file

MAX_INPUT_BYTES = 256 * 1024 * 1024
STDIN = "-"

_DESCRIPTION = """\
Write a usage report (one file per run) from what an agent already printed:
  auto         find the format from the file's objects
  claude-code  `claude -p --output-format json` or `--output-format stream-json` output
  codex        `codex exec --json` output (JSON Lines)
  openai       Chat Completions / Responses API objects with usage (one, or JSON Lines)
  anthropic    Messages API objects with usage (one, or JSON Lines)
  openhands    OpenHands metrics JSON (accumulated_token_usage, token_usages)
A file that plainly holds another format is refused with the format to use. A file with several
sessions needs --session ID (one of them) or --split (one report each).
Costs are computed per request from the genai-prices data installed with budget-gate."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = _DESCRIPTION
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("format", choices=CHOICES, metavar="FORMAT", help=", ".join(CHOICES))
    parser.add_argument("file", metavar="FILE", help="the agent's output file (- for stdin)")
    parser.add_argument("--plan", required=True, dest="plan_id", help="plan_id of the slice")
    parser.add_argument(
        "--slice", required=True, dest="slice_id", help="slice_id (FULL_PLAN for an unsliced plan)"
    )
    parser.add_argument("--run-id", help="default: from the session id, else the file's hash")
    parser.add_argument("--agent-id", help="default: the format name, e.g. claude-code")
    sessions = parser.add_mutually_exclusive_group()
    sessions.add_argument(
        "--session", metavar="ID", help="import this session of a file that holds several"
    )
    sessions.add_argument(
        "--split", action="store_true", help="import each session of the file as its own report"
    )
    parser.add_argument(
        "--status",
        choices=[status.value for status in RunStatus],
        help="how the run ended (default: what the output says; required when it says nothing)",
    )
    parser.add_argument(
        "--duration",
        type=_seconds,
        metavar="SECONDS",
        help="how long the run took (required when the output does not say)",
    )
    parser.add_argument("--model", help="the model, for output that does not name it (codex)")
    parser.add_argument(
        "--provider",
        help="the provider, e.g. openai, anthropic, azure (default: found from the model name)",
    )
    parser.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    parser.add_argument("--config", help="config file in the repository")
    parser.add_argument(
        "--output", help="write here instead of the configured place (- prints the report)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return import_file(args, prices=GenaiPrices(), now=datetime.now(UTC))


def import_file(args: argparse.Namespace, *, prices: Prices, now: datetime) -> int:
    content, source = _read(args.file)
    text = _decode(content, source)
    imported = import_runs(
        text, requested=args.format, source=source, session=args.session, split=args.split
    )
    if args.run_id is not None and len(imported.runs) > 1:
        raise GateError(
            f"--run-id names one run, but {source} has {len(imported.runs)} sessions to import; "
            "leave it out (each run is named from its session id) or pick one with --session"
        )
    reports = [
        _assembled(args, run, imported.format, content, source, prices=prices, now=now)
        for run in imported.runs
    ]
    if args.output == STDIN:
        for assembled in reports:
            output = render_report(
                assembled.report, header=_header(imported.format, source, assembled)
            )
            check_loads("<stdout>", output)
            sys.stdout.write(inert(output))
            _warn(assembled)
        return 0
    planned = _destinations(args, reports)
    for assembled, target in planned:
        output = render_report(assembled.report, header=_header(imported.format, source, assembled))
        check_loads(target.relative, output)
        write_new_file(target.path, output)
        for line in summary(assembled, written=target.relative, prices=prices):
            print(inert(line))
        _warn(assembled)
    return 0


def _assembled(
    args: argparse.Namespace,
    run: ImportedRun,
    format_name: str,
    content: bytes,
    source: str,
    *,
    prices: Prices,
    now: datetime,
) -> Assembled:
    named = naming(run, model=args.model, provider=args.provider)
    identity = RunIdentity(
        run_id=args.run_id
        or default_run_id(prefix=format_name, session_id=named.session_id, content=content),
        plan_id=args.plan_id,
        slice_id=args.slice_id,
        agent_id=args.agent_id or format_name,
    )
    _check_ids(identity)
    return assemble(
        named,
        identity=identity,
        status=_status(args, named, source),
        duration_seconds=_duration(args, named, source),
        prices=prices,
        now=now.replace(microsecond=0),
    )


def _destinations(
    args: argparse.Namespace, reports: list[Assembled]
) -> list[tuple[Assembled, Destination]]:
    """Where every report goes, all found before any is written."""
    if args.output is not None and len(reports) > 1:
        raise GateError(
            "--output names one file, but --split imports several sessions; leave it out (each "
            "report goes where the config's usage report paths put it)"
        )
    planned = []
    for assembled in reports:
        report = assembled.report
        target = find_destination(
            repo=args.repo,
            config_path=args.config,
            identity=RunIdentity(
                run_id=report.run_id,
                plan_id=report.plan_id,
                slice_id=report.slice_id,
                agent_id=report.agent_id,
            ),
            output=None if args.output is None else Path(args.output),
        )
        planned.append((assembled, target))
    return planned


def _warn(assembled: Assembled) -> None:
    for line in assembled.warnings:
        print(f"budget-gate: warning: {inert(line)}", file=sys.stderr)


def _read(name: str) -> tuple[bytes, str]:
    if name == STDIN:
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        source = "<stdin>"
    else:
        path = Path(name)
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
        except OSError as error:
            raise GateError(f"cannot read {name}: {error.strerror}") from error
        source = name
    if len(data) > MAX_INPUT_BYTES:
        raise GateError(f"{source} is over {MAX_INPUT_BYTES // 1024 // 1024} MiB; is it a log?")
    return data, source


def _decode(content: bytes, source: str) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise GateError(
            f"{source}:{line}: not UTF-8 text (byte {error.start}); pass the agent's JSON output"
        ) from error


def _status(args: argparse.Namespace, imported: ImportedRun, source: str) -> RunStatus:
    if args.status is not None:
        return RunStatus(args.status)
    if imported.status is None:
        raise GateError(
            f"{source} does not say how the run ended; pass --status PASS, FAIL or BLOCKED"
        )
    return imported.status


def _duration(args: argparse.Namespace, imported: ImportedRun, source: str) -> float:
    if args.duration is not None:
        return float(args.duration)
    if imported.duration_seconds is None:
        raise GateError(
            f"{source} does not say how long the run took; pass --duration SECONDS (the agent "
            "step's wall-clock time, e.g. from your CI job or `time`)"
        )
    return imported.duration_seconds


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 or more)")
    return value


def _check_ids(identity: RunIdentity) -> None:
    pattern = re.compile(ID_PATTERN)
    for option, value in (
        ("--run-id", identity.run_id),
        ("--plan", identity.plan_id),
        ("--slice", identity.slice_id),
        ("--agent-id", identity.agent_id),
    ):
        if len(value) > 128 or not pattern.match(value):
            raise GateError(
                f"{option} {value!r} is not a valid ID: use letters, digits and . _ : + - "
                "(no spaces or slashes), at most 128 characters"
            )


def _header(format_name: str, source: str, assembled: Assembled) -> list[str]:
    return [
        f"Imported by `budget-gate import {format_name}` from {Path(source).name}.",
        "Tokens follow the OpenTelemetry GenAI meanings: prompt includes cache reads and "
        "writes, completion includes reasoning, total = prompt + completion.",
        *assembled.notes,
        *(f"Warning: {line}" for line in assembled.warnings),
    ]


def summary(assembled: Assembled, *, written: str, prices: Prices) -> list[str]:
    """What was written, in a few lines a person reads in a CI log."""
    report = assembled.report
    lines = [
        f"wrote {written}: run {report.run_id} of {report.plan_id}/{report.slice_id} "
        f"({report.status}, {report.duration_seconds:g} s)",
        f"  tokens: {report.actual_total_tokens:,} = {report.actual_prompt_tokens:,} prompt "
        f"({report.actual_cache_read_tokens:,} cache read, {report.actual_cache_write_tokens:,} "
        f"cache write) + {report.actual_completion_tokens:,} completion "
        f"({report.actual_reasoning_tokens:,} reasoning)",
        f"  requests: {'at least ' if report.requests_lower_bound else ''}"
        f"{report.actual_requests:,}",
        f"  cost: {_cost_line(assembled, prices)}",
    ]
    lines.extend(f"note: {note}" for note in assembled.notes)
    return lines


def _cost_line(assembled: Assembled, prices: Prices) -> str:
    report = assembled.report
    if report.actual_cost_usd is None:
        return "n/a (see the notes)"
    if report.cost_source is CostSource.REPORTED:
        computed = (
            f"${report.computed_cost_usd:,.4f} computed from {prices.version}"
            if report.computed_cost_usd is not None
            else "no computed cost"
        )
        return f"${report.actual_cost_usd:,.4f} reported by the agent; {computed}"
    return f"${report.actual_cost_usd:,.4f} computed from {prices.version}"
