"""`budget-gate`: argument parsing, dispatch and exit codes (0 pass, 1 fail, 2 could not judge).

Each subcommand lives in `budget_gate.commands.<name>`; adding one is a module plus a line in
`COMMANDS`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from budget_gate import __version__
from budget_gate.commands import (
    action,
    check,
    dashboard,
    estimate,
    history,
    import_usage,
    init,
    ledger,
    publish,
    release,
    schema,
)
from budget_gate.errors import GateError
from budget_gate.git.runner import GitError
from budget_gate.render.environment import TemplateProblem

EXIT_CANNOT_JUDGE = 2

COMMANDS = (
    check,
    schema,
    init,
    release,
    action,
    publish,
    estimate,
    import_usage,
    history,
    ledger,
    dashboard,
)


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on bad usage, which is our 'could not judge' status too."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_CANNOT_JUDGE, f"budget-gate: error: {message} (see budget-gate --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="budget-gate",
        description="Gate plan slices on estimates, usage reports and budget variance.",
    )
    parser.add_argument("--version", action="version", version=f"budget-gate {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except (GateError, GitError, TemplateProblem) as error:
        print(f"budget-gate: error: {error}", file=sys.stderr)
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
