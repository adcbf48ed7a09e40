"""Generate synthetic repositories for the benchmarks: plans, slices, estimates, usage reports.

One file per agent run, like real teams that import a report per run. Built with
`git fast-import` so a 100,000-report repository takes seconds, then checked out, then a `pr`
branch is added that touches `pr_slices` slices (owned code and one new usage report each, with
`Plan-Slice:` and `Agent-Run:` trailers) — the shape of a typical agent pull request.
"""

from __future__ import annotations

import argparse
import subprocess
from dataclasses import dataclass
from pathlib import Path

SLICES_PER_PLAN = 5
AUTHOR = "Bench <bench@example.com> 1764000000 +0000"


@dataclass(frozen=True)
class Shape:
    plans: int
    reports: int
    pr_slices: int = 10

    @property
    def slices(self) -> int:
        return self.plans * SLICES_PER_PLAN

    @property
    def name(self) -> str:
        return f"p{self.plans}-r{self.reports}-pr{self.pr_slices}"


def plan_text(plan: int) -> str:
    slices = "\n".join(
        f"  - slice_id: S{s}\n    title: Slice {s} of plan {plan}\n    status: in-progress\n"
        f'    paths: ["src/p{plan:05d}/s{s}/**"]'
        for s in range(SLICES_PER_PLAN)
    )
    return (
        f"---\nplan_id: P{plan:05d}\ntitle: Synthetic plan {plan}\nstatus: in-progress\n"
        f"environment: MVP\ncomplexity: Medium\nimportance: medium\nslices:\n{slices}\n---\n\n"
        f"# Plan {plan}\n"
    )


def estimation_text(plan: int) -> str:
    rows = "".join(
        f"  - plan_id: P{plan:05d}\n    slice_id: S{s}\n    estimated_requests: 40\n"
        f"    estimated_prompt_tokens: 150000\n    estimated_completion_tokens: 30000\n"
        f"    estimation_method: HEURISTIC\n    estimation_owner: bench\n"
        f"    estimation_timestamp: 2026-11-01T09:00:00Z\n"
        for s in range(SLICES_PER_PLAN)
    )
    return f"estimates:\n{rows}"


def report_text(run: str, plan: int, slice_no: int) -> str:
    return (
        f"run_id: {run}\nplan_id: P{plan:05d}\nslice_id: S{slice_no}\nagent_id: claude-code\n"
        "provider: anthropic\nmodel: claude-sonnet-4-5\nactual_requests: 12\n"
        "actual_prompt_tokens: 42000\nactual_completion_tokens: 8000\n"
        "actual_total_tokens: 50000\nactual_cache_read_tokens: 20000\n"
        "duration_seconds: 640.5\nstatus: PASS\nreport_timestamp: 2026-11-03T10:00:00Z\n"
    )


def _files(shape: Shape) -> dict[str, str]:
    files: dict[str, str] = {}
    for plan in range(shape.plans):
        files[f"plans/P{plan:05d}/plan.md"] = plan_text(plan)
        files[f"plans/P{plan:05d}/estimation.yaml"] = estimation_text(plan)
    for number in range(shape.reports):
        slice_index = number % shape.slices
        plan, slice_no = divmod(slice_index, SLICES_PER_PLAN)
        run = f"run-{number:06d}"
        files[f"plans/P{plan:05d}/usage/{run}.yaml"] = report_text(run, plan, slice_no)
    return files


def _fast_import(
    repo: Path, branch: str, parent: str | None, message: str, files: dict[str, str]
) -> None:
    chunks = [f"commit refs/heads/{branch}\nauthor {AUTHOR}\ncommitter {AUTHOR}\n".encode()]
    data = message.encode()
    chunks.append(b"data %d\n%s\n" % (len(data), data))
    if parent:
        chunks.append(f"from {parent}\n".encode())
    for path, text in files.items():
        blob = text.encode()
        chunks.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(blob), blob))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(chunks), check=True)


def build(shape: Shape, root: Path) -> Path:
    """Build (or reuse) the repository for `shape` under `root`; returns its path."""
    repo = root / shape.name
    if (repo / ".git" / "budget-bench-ready").exists():
        return repo
    subprocess.run(["rm", "-rf", str(repo)], check=True)
    repo.mkdir(parents=True)
    subprocess.run(["git", "init", "--quiet", "--initial-branch=main"], cwd=repo, check=True)
    _fast_import(repo, "main", None, "Synthetic history\n", _files(shape))
    pr_files: dict[str, str] = {}
    trailers = []
    for index in range(shape.pr_slices):
        plan, slice_no = divmod(index * 7 % shape.slices, SLICES_PER_PLAN)
        run = f"run-pr-{index:03d}"
        pr_files[f"src/p{plan:05d}/s{slice_no}/module.py"] = f"VALUE = {index}\n"
        pr_files[f"plans/P{plan:05d}/usage/{run}.yaml"] = report_text(run, plan, slice_no)
        trailers.append(f"Plan-Slice: P{plan:05d}/S{slice_no}\nAgent-Run: {run}")
    message = "Agent work on ten slices\n\n" + "\n".join(trailers) + "\n"
    _fast_import(repo, "pr", "main", message, pr_files)
    subprocess.run(["git", "checkout", "--quiet", "main"], cwd=repo, check=True)
    (repo / ".git" / "budget-bench-ready").write_text("ok\n")
    return repo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plans", type=int, default=200)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/.cache"))
    args = parser.parse_args()
    print(build(Shape(plans=args.plans, reports=args.reports), args.out))


if __name__ == "__main__":
    main()
