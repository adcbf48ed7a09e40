"""`budget-gate history`: estimate accuracy over the repository, for maintainers tuning budgets.

An audit: it reads every plan, estimate and usage report of the working tree.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from budget_gate.commands.output import emit
from budget_gate.errors import GateError
from budget_gate.estimate.history import build_history
from budget_gate.estimate.history_report import (
    render_history_json,
    render_history_markdown,
    render_history_text,
)
from budget_gate.load.phase_budgets import effective_phase_budgets
from budget_gate.load.repository import load_artifacts
from budget_gate.load.worktree import WorktreeSource
from budget_gate.scope.change import Change, ScopeKind
from budget_gate.scope.index import RecordIndex
from budget_gate.workspace.check import read_config


def add_arguments(history: argparse.ArgumentParser) -> None:
    history.description = (
        "Bias, typical error and hit rate of actual / estimate per slice, grouped "
        "by estimation method, agent, environment, phase and model, with complexity and "
        "importance multipliers fitted from the HEURISTIC estimates."
    )
    history.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    history.add_argument("--config", help="config file in the repository")
    history.add_argument(
        "--format", choices=("text", "markdown", "json"), default="text", help="output format"
    )
    history.add_argument("--output", type=Path, help="write here instead of stdout")
    history.add_argument(
        "--all-statuses",
        action="store_true",
        help="measure slices of any status, not only done ones (their actuals may be partial)",
    )
    history.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    repo: Path = args.repo
    if not repo.is_dir():
        raise GateError(f"--repo {repo} is not a directory")
    source = WorktreeSource(repo)
    config, _ = read_config(source, args.config)
    artifacts = load_artifacts(source, config=config, change=Change(kind=ScopeKind.AUDIT))
    history = build_history(
        RecordIndex.build(artifacts),
        budgets=effective_phase_budgets(config.phase_budgets),
        all_statuses=args.all_statuses,
    )
    renderers = {
        "json": render_history_json,
        "markdown": render_history_markdown,
        "text": render_history_text,
    }
    emit(renderers[args.format](history), args.output)
    return 0
