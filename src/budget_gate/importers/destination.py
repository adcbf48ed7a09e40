"""Where an imported report goes, and whether the repository already has its run.

Shell code: it reads the repository through the same loader as `check`. The file goes where the
config says usage reports live, beside the plan (`plans/*/usage/*.yaml` gives
`plans/<plan dir>/usage/<run_id>.yaml`), or to `--output` when that is a path the config's
globs match (elsewhere the gate would never read it). The plan and slice must exist, and no
report in the repository may already have the run's `run_id`; only files that contain the
run_id are parsed, so the check costs the same in a repository of 100,000 reports.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from budget_gate.errors import GateError
from budget_gate.importers.assemble import RunIdentity
from budget_gate.judge.messages import listing, record_home
from budget_gate.load.records import ArtifactKind, load_artifact
from budget_gate.load.repository import ArtifactLayout
from budget_gate.load.worktree import WorktreeSource
from budget_gate.models.artifacts import Sourced
from budget_gate.models.config import GateConfig
from budget_gate.models.plan import Plan
from budget_gate.scope.globs import GlobSet
from budget_gate.scope.index import did_you_mean
from budget_gate.workspace.check import read_config


@dataclass(frozen=True, slots=True)
class Destination:
    path: Path
    """Where to write (inside the repository)."""
    relative: str
    """The same, relative to the repository root (POSIX), as findings name files."""


def find_destination(
    *, repo: Path, config_path: str | None, identity: RunIdentity, output: Path | None
) -> Destination:
    if not repo.is_dir():
        raise GateError(f"--repo {repo} is not a directory")
    source = WorktreeSource(repo)
    config, _ = read_config(source, config_path)
    layout = ArtifactLayout.classify(source.list_paths(), config)
    plan = _plan(source, layout, config, identity)
    relative = _relative(repo, output) if output is not None else _home(config, plan.path, identity)
    if not GlobSet(config.paths.usage_reports).matches(relative):
        raise GateError(
            f"{relative} is not matched by the config's usage report paths "
            f"({', '.join(config.paths.usage_reports)}), so the gate would never read it; "
            "write it under one of them"
        )
    _refuse_known_run(source, layout, config, identity.run_id)
    path = repo / relative
    if path.exists():
        raise GateError(
            f"{relative} already exists and was not overwritten; pass --run-id to name this "
            "run differently, or --output for another file"
        )
    return Destination(path=path, relative=relative)


def _plan(
    source: WorktreeSource, layout: ArtifactLayout, config: GateConfig, identity: RunIdentity
) -> Sourced[Plan]:
    every_plan = list(layout.by_kind[ArtifactKind.PLAN])
    # Only files that mention the plan_id are parsed (the rest are listed in a did-you-mean).
    paths = source.paths_containing([identity.plan_id], among=every_plan) or every_plan
    plans: list[Sourced[Plan]] = []
    for path, result in source.read_many(paths, max_bytes=config.limits.max_file_bytes).items():
        if result.data is not None:
            loaded = load_artifact(
                path, result.data, ArtifactKind.PLAN, max_aliases=config.limits.max_aliases
            )
            plans.extend(loaded.plans)
    by_id = {item.record.plan_id: item for item in reversed(plans)}  # the first one wins
    plan = by_id.get(identity.plan_id)
    if plan is None:
        guess = did_you_mean(identity.plan_id, by_id)
        hint = f"; did you mean {guess}?" if guess else f" (plans: {listing(sorted(by_id))})"
        raise GateError(f"no plan has plan_id {identity.plan_id}{hint}")
    slices = [item.slice_id for item in plan.record.effective_slices()]
    if identity.slice_id not in slices:
        guess = did_you_mean(identity.slice_id, slices)
        hint = f"did you mean {guess}?" if guess else f"its slices are {listing(slices)}"
        raise GateError(
            f"plan {identity.plan_id} ({plan.path}) has no slice {identity.slice_id}; {hint}"
        )
    return plan


def _home(config: GateConfig, plan_path: str, identity: RunIdentity) -> str:
    home = record_home(config.paths.usage_reports, plan_path=plan_path, name=identity.run_id)
    one_per_run = identity.run_id in home and home.endswith((".yaml", ".yml"))
    if not one_per_run or any(char in home for char in "*?["):
        raise GateError(
            "the config's usage report paths give no file of its own for a run "
            f"({', '.join(config.paths.usage_reports)}); import writes one file per run: pass "
            "--output with a path they match, or add a glob such as plans/*/usage/*.yaml"
        )
    return home


def _relative(repo: Path, output: Path) -> str:
    root = os.path.realpath(repo)
    target = os.path.realpath(output)
    if not target.startswith(root.rstrip(os.sep) + os.sep):
        raise GateError(f"--output {output} is outside the repository {repo}")
    return Path(os.path.relpath(target, root)).as_posix()


def _refuse_known_run(
    source: WorktreeSource, layout: ArtifactLayout, config: GateConfig, run_id: str
) -> None:
    candidates = source.paths_containing([run_id], among=layout.by_kind[ArtifactKind.USAGE_REPORT])
    found = source.read_many(candidates, max_bytes=config.limits.max_file_bytes)
    for path, result in found.items():
        if result.data is None:
            continue
        loaded = load_artifact(
            path, result.data, ArtifactKind.USAGE_REPORT, max_aliases=config.limits.max_aliases
        )
        for report in loaded.reports:
            if report.record.run_id == run_id:
                raise GateError(
                    f"run_id {run_id} is already reported in {path}:{report.line_of('run_id')}; "
                    "nothing was written. Each run is reported once: pass --run-id if this is "
                    "another run"
                )
