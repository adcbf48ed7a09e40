"""`budget-gate`: argument parsing, dispatch and exit codes (0 pass, 1 fail, 2 could not judge).

Each subcommand lives in `budget_gate.commands.<module>` with `add_arguments(parser)` and
`run(args)`; adding one is that module plus one line in `COMMANDS`. Only the module of the
command being run is imported (`--version` and `--help` import none), so every command starts
in the time its own imports take, not the sum of all of them (issue 16).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from budget_gate import __version__
from budget_gate.errors import GateError
from budget_gate.git.runner import GitError
from budget_gate.render.escape import inert
from budget_gate.render.problems import TemplateProblem

EXIT_CANNOT_JUDGE = 2

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module in budget_gate.commands, its line in `budget-gate --help`)
    "check": ("check", "judge the slices a change touches (the gate)"),
    "schema": ("schema", "print or write the JSON Schemas of every file"),
    "init": ("init", "write a config and an example plan (never overwrites)"),
    "release": ("release", "judge every slice of a release range and write the variance summary"),
    "action": ("action", "run as the GitHub Action (reads GITHUB_* and INPUT_* variables)"),
    "publish": (
        "publish",
        "judge a fork PR named by its bundle in a trusted workflow_run job, and post it",
    ),
    "estimate": (
        "estimate",
        "write a HEURISTIC (phase budget formula) or HISTORICAL estimate for a slice",
    ),
    "import": ("import_usage", "write a usage report from an agent's own usage output"),
    "history": (
        "history",
        "estimate accuracy over the repository, with suggested budget multipliers",
    ),
    "ledger": (
        "ledger",
        "build or update the SQLite ledger of usage and budgets over the git history",
    ),
    "dashboard": ("dashboard", "draw the ledger as one self-contained HTML page of charts"),
}


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on bad usage, which is our 'could not judge' status too."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_CANNOT_JUDGE, f"budget-gate: error: {message} (see budget-gate --help)\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser, with the full arguments of the command `argv` names (every command when
    `argv` is None); the others are listed by name and help line only."""
    parser = _Parser(
        prog="budget-gate",
        description="Gate plan slices on estimates, usage reports and budget variance.",
    )
    parser.add_argument("--version", action="version", version=f"budget-gate {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    # The top level has no option taking a value, so the first word is the command.
    chosen = None if argv is None else next((a for a in argv if not a.startswith("-")), "")
    for name, (module, help_line) in COMMANDS.items():
        command = commands.add_parser(name, help=help_line)
        if chosen is None or name == chosen:
            importlib.import_module(f"budget_gate.commands.{module}").add_arguments(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(arguments).parse_args(arguments)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except (GateError, GitError, TemplateProblem) as error:
        print(f"budget-gate: error: {inert(str(error))}", file=sys.stderr)
        return EXIT_CANNOT_JUDGE
    except Exception as error:  # the last line of defence: no traceback reaches a user
        if os.environ.get("BUDGET_GATE_DEBUG"):
            raise
        print(
            f"budget-gate: internal error: {type(error).__name__}: {error} "
            "(set BUDGET_GATE_DEBUG=1 for a traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_CANNOT_JUDGE
