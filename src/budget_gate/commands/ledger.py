"""`budget-gate ledger`: build or update the SQLite ledger from the git history, and
`budget-gate ledger query`: its named queries, or read-only SQL.

The ledger modules are imported when the command runs, not when the CLI starts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_DB = Path(".plan-budget-gate/ledger.sqlite")
"""Relative to `--repo`."""


def add_arguments(ledger: argparse.ArgumentParser) -> None:
    ledger.description = (
        "Walk the first-parent history of the default branch (or --ref, --since, "
        "--range) and record in a SQLite database each commit, the usage reports it added and "
        "each slice's budget state after it. A second run reads only the new commits; a "
        "rewritten history is rebuilt. `budget-gate ledger query` asks it questions."
    )
    _common(ledger)
    walk = ledger.add_mutually_exclusive_group()
    walk.add_argument(
        "--ref", help="branch or commit to walk (default: origin/HEAD when known, else HEAD)"
    )
    walk.add_argument("--range", metavar="A..B", help="walk the first-parent commits in A..B")
    ledger.add_argument(
        "--since", metavar="DATE", help="only commits since DATE (as `git log --since` reads it)"
    )
    ledger.add_argument("--config", help="config file in the repository, read at each commit")
    ledger.add_argument(
        "--batch-size",
        type=_positive,
        default=500,
        metavar="N",
        help="commits written per transaction (default: 500)",
    )
    ledger.set_defaults(run=run_build)
    queries = ledger.add_subparsers(
        dest="ledger_command", parser_class=type(ledger), metavar="query"
    )
    query = queries.add_parser(
        "query",
        help="ask the ledger a named question, or run read-only SQL",
        description="Run a named query (without NAME: list them) or one read-only SELECT "
        "(--sql) against the ledger; the schema is in docs/formats.md.",
    )
    _common(query)
    query.add_argument("name", nargs="?", metavar="NAME", help="a named query (omit to list them)")
    query.add_argument("--sql", help="one read-only SQL statement instead of a named query")
    query.add_argument(
        "--format", choices=("text", "json", "csv"), default="text", help="output format"
    )
    query.add_argument("--output", type=Path, help="write here instead of stdout")
    query.set_defaults(run=run_query)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    parser.add_argument(
        "--db", type=Path, help=f"the ledger database (default: {DEFAULT_DB} in the repository)"
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def database(args: argparse.Namespace) -> Path:
    db: Path | None = args.db
    return db if db is not None else args.repo / DEFAULT_DB


def _ignored_directory(args: argparse.Namespace) -> None:
    """The default directory ignores itself, so the ledger never shows up in `git status`."""
    directory = args.repo / DEFAULT_DB.parent
    if args.db is None and not directory.exists():
        directory.mkdir(parents=True)
        (directory / ".gitignore").write_text("# Written by budget-gate ledger.\n*\n")


def run_build(args: argparse.Namespace) -> int:
    from budget_gate.ledger.build import LedgerRequest, build_ledger
    from budget_gate.ledger.walk import WalkSpec
    from budget_gate.workspace.check import open_top_level

    repo = open_top_level(
        args.repo,
        not_a_repository="and the ledger is built from its git history; run it in a clone",
        command="the ledger",
    )
    request = LedgerRequest(
        repo=repo,
        db=database(args),
        spec=WalkSpec.of(repo, ref=args.ref, since=args.since, range_=args.range),
        config_path=args.config,
        batch_size=args.batch_size,
    )

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    _ignored_directory(args)
    outcome = build_ledger(request, progress=progress)
    if outcome.rebuilt:
        print(f"budget-gate: note: the ledger was rebuilt: {outcome.rebuilt}", file=sys.stderr)
    for note in outcome.notes:  # each documented in docs/troubleshooting.md
        sys.stderr.write(f"budget-gate: warning: {note}\n")
    last = outcome.last_commit[:12] if outcome.last_commit else "none"
    print(
        f"ledger: {outcome.commits} new commit{'s' if outcome.commits != 1 else ''}, "
        f"{outcome.runs} usage report{'s' if outcome.runs != 1 else ''} read, "
        f"{outcome.states} slice state{'s' if outcome.states != 1 else ''} written "
        f"(last commit {last}) in {request.db}"
    )
    return 0


def run_query(args: argparse.Namespace) -> int:
    from budget_gate.commands.output import emit
    from budget_gate.errors import GateError
    from budget_gate.ledger.queries import BY_NAME, QUERIES, open_read_only, run_query
    from budget_gate.ledger.table import TableFormat, render_table

    if args.name is None and args.sql is None:
        width = max(len(query.name) for query in QUERIES)
        lines = [f"  {query.name.ljust(width)}  {query.help}" for query in QUERIES]
        emit("Named queries (budget-gate ledger query NAME):\n" + "\n".join(lines), args.output)
        return 0
    if args.name is not None and args.sql is not None:
        raise GateError("give a query NAME or --sql, not both")
    if args.name is not None and args.name not in BY_NAME:
        raise GateError(
            f"no named query {args.name!r}; the names are: {', '.join(BY_NAME)} (or use --sql)"
        )
    sql = args.sql if args.sql is not None else BY_NAME[args.name].sql
    connection = open_read_only(database(args))
    try:
        result = run_query(connection, sql)
    finally:
        connection.close()
    title = "sql" if args.sql is not None else args.name
    emit(render_table(result, TableFormat(args.format), title=title), args.output)
    return 0
