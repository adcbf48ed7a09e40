"""`budget-gate action`: the container's entrypoint, run by GitHub Actions for each event.

It reads the Actions runtime (`GITHUB_*` variables, `INPUT_*` inputs, the event payload); see
`budget_gate.action.run` for the run itself.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime


def add_arguments(action: argparse.ArgumentParser) -> None:
    action.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: PyGithub takes most of a second to load, which `check` never needs.
    from budget_gate.action.run import main

    return main(os.environ, stream=sys.stdout, now=datetime.now(UTC))
