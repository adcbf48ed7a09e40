"""`budget-gate publish --bundle DIR`: the trusted second stage of the fork-safe setup.

Runs in a `workflow_run` job: judges the pull request named by the bundle the untrusted
`pull_request` job uploaded, and posts that judgement; see
`budget_gate.action.trusted_stage`.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bundle", type=Path, required=True, help="the directory the pull_request run uploaded"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: PyGithub takes most of a second to load, which `check` never needs.
    from budget_gate.action.trusted_stage import main

    return main(os.environ, bundle=args.bundle, stream=sys.stdout, now=datetime.now(UTC))
