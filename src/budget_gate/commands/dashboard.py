"""`budget-gate dashboard`: one self-contained HTML page of charts from the ledger.

Needs the `[dashboard]` extra (the plotting library), imported only when the command runs.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from budget_gate.commands.ledger import DEFAULT_DB


def add_arguments(dashboard: argparse.ArgumentParser) -> None:
    dashboard.description = (
        "Charts of budget utilisation over time, breach and stop-loss rates, "
        "utilisation per phase, estimate accuracy and spend, with the success metrics, from "
        "the ledger (`budget-gate ledger`), in one HTML file that needs no network. Needs the "
        "plotting extra: pip install 'plan-budget-gate[dashboard]'."
    )
    dashboard.add_argument(
        "--output", type=Path, required=True, metavar="FILE.html", help="the page to write"
    )
    dashboard.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    dashboard.add_argument(
        "--db", type=Path, help=f"the ledger database (default: {DEFAULT_DB} in the repository)"
    )
    dashboard.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from budget_gate.ledger.dashboard.page import write_dashboard
    from budget_gate.ledger.dashboard.plotting import render_svg, require_plotting

    require_plotting()
    db: Path = args.db if args.db is not None else args.repo / DEFAULT_DB
    output: Path = args.output
    try:
        drawn, charts = write_dashboard(db, output, draw=render_svg, now=datetime.now(tz=UTC))
    except OSError as error:
        from budget_gate.errors import GateError

        raise GateError(f"cannot write {output}: {error.strerror}") from error
    print(f"dashboard: {drawn} of {charts} charts drawn with data, written to {output}")
    return 0
