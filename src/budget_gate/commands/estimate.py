"""`budget-gate estimate`: write a HEURISTIC or HISTORICAL estimation record for one slice.

Shell only: reads the working tree and `git config user.name`, takes the clock, then calls the
pure `estimating` core and the checked, atomic `yaml_edit` writer.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from budget_gate.errors import GateError
from budget_gate.estimate.methods import (
    EstimateError,
    EstimateRequest,
    build_estimate,
    estimate_target,
    find_slice,
    parse_phases,
)
from budget_gate.estimate.yaml_edit import (
    EditError,
    edit_records_file,
    record_lines,
    write_atomically,
)
from budget_gate.git.repo import GitRepo
from budget_gate.git.runner import GitError
from budget_gate.judge.messages import record_home
from budget_gate.load.phase_budgets import effective_phase_budgets
from budget_gate.load.records import ArtifactKind
from budget_gate.load.repository import load_artifacts
from budget_gate.load.worktree import WorktreeSource
from budget_gate.models.common import Complexity, Importance
from budget_gate.models.estimate import EstimationMethod, EstimationRecord
from budget_gate.scope.change import Change, ScopeKind
from budget_gate.scope.globs import GlobSet
from budget_gate.scope.index import RecordIndex
from budget_gate.workspace.check import read_config

ESTIMATES_KEY = "estimates"
METHODS = {"heuristic": EstimationMethod.HEURISTIC, "historical": EstimationMethod.HISTORICAL}


def add_arguments(estimate: argparse.ArgumentParser) -> None:
    estimate.description = (
        "Write an estimation record where the config says estimates live, keeping "
        "every other record and comment of the file. Refuses to replace an estimate without "
        "--force."
    )
    estimate.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    estimate.add_argument("--config", help="config file in the repository")
    estimate.add_argument("--plan", required=True, help="plan_id of the plan")
    estimate.add_argument("--slice", help="slice_id (not needed for an unsliced plan)")
    estimate.add_argument(
        "--method", choices=sorted(METHODS), default="heuristic", help="default: heuristic"
    )
    estimate.add_argument(
        "--complexity",
        choices=[item.value for item in Complexity],
        help="default: the slice's, else the plan's",
    )
    estimate.add_argument(
        "--importance",
        choices=[item.value for item in Importance],
        help="default: the slice's, else the plan's",
    )
    estimate.add_argument(
        "--phases", help="comma-separated phases to budget (heuristic; default: every phase)"
    )
    estimate.add_argument("--owner", help="estimation_owner (default: git config user.name)")
    estimate.add_argument("--model", help="the model the estimate assumes (optional)")
    estimate.add_argument(
        "--min-sample", type=int, help="historical: finished slices needed (default: config)"
    )
    estimate.add_argument("--file", help="estimates file to write (default: from paths.estimates)")
    estimate.add_argument("--force", action="store_true", help="replace an existing estimate")
    estimate.add_argument(
        "--dry-run", action="store_true", help="print the record and where it goes; write nothing"
    )
    estimate.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    repo: Path = args.repo
    if not repo.is_dir():
        raise GateError(f"--repo {repo} is not a directory")
    if args.min_sample is not None and args.min_sample < 1:
        raise EstimateError("--min-sample must be at least 1")
    source = WorktreeSource(repo)
    config, _ = read_config(source, args.config)
    artifacts = load_artifacts(source, config=config, change=Change(kind=ScopeKind.AUDIT))
    index = RecordIndex.build(artifacts)
    request = EstimateRequest(
        plan_id=args.plan,
        slice_id=args.slice,
        method=METHODS[args.method],
        complexity=Complexity(args.complexity) if args.complexity else None,
        importance=Importance(args.importance) if args.importance else None,
        phases=parse_phases(args.phases) if args.phases is not None else (),
        model=args.model,
        min_sample=args.min_sample,
    )
    entry = find_slice(index, plan_id=request.plan_id, slice_id=request.slice_id)
    globs = GlobSet(config.paths.estimates)
    target = estimate_target(
        index,
        entry=entry,
        home=record_home(
            config.paths.estimates, plan_path=entry.plan.path, name=entry.ref.slice_id
        ),
        file=args.file,
        force=args.force,
        is_estimate_path=globs.matches,
    )
    record = build_estimate(
        request,
        index=index,
        budgets=effective_phase_budgets(config.phase_budgets),
        owner=args.owner or _git_user(repo),
        now=datetime.now(UTC),
    )
    destination = repo / target.path
    if destination.is_symlink():
        raise EditError(
            f"{target.path} is a symbolic link; estimate writes only regular files inside the "
            "repository"
        )
    old = destination.read_bytes() if destination.is_file() else None
    data = edit_records_file(
        path=target.path,
        old=old,
        record=record,
        kind=ArtifactKind.ESTIMATE,
        list_key=ESTIMATES_KEY,
        replace_line=target.replace_line,
        max_aliases=config.limits.max_aliases,
    )
    verb = "replaced the estimate of" if target.replace_line else "added an estimate for"
    if args.dry_run:
        print(f"dry run: would have {verb} {entry.ref} in {target.path}")
    else:
        write_atomically(destination, data)
        print(f"{verb} {entry.ref} in {target.path}")
    print(_summary(record))
    print("\n".join(record_lines(record.model_dump(exclude_none=True))))
    return 0


def _summary(record: EstimationRecord) -> str:
    phases = f" over {len(record.phases)} phases" if record.phases else ""
    return (
        f"{record.estimation_method}: {record.estimated_total_tokens:,} tokens "
        f"({record.estimated_prompt_tokens:,} prompt + {record.estimated_completion_tokens:,} "
        f"completion), {record.estimated_requests:,} requests{phases}"
    )


def _git_user(repo: Path) -> str:
    try:
        name = GitRepo(repo).user_name()
    except GitError:
        name = None
    if not name:
        raise EstimateError("no estimation owner: pass --owner NAME, or set git config user.name")
    return name
