"""`budget-gate init`: a starter config and example plan."""

from __future__ import annotations

import argparse
from pathlib import Path

from budget_gate.commands.scaffold import write_init


def add_arguments(init: argparse.ArgumentParser) -> None:
    init.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    init.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    for line in write_init(args.repo):
        print(line)
    return 0
