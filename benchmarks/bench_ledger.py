"""Time `budget-gate ledger` on a generated history and compare with the targets.

Targets (issue 17): the ledger of a 10,000-commit history is built in under a minute, and a
re-run after one new commit (a usage report) takes under 2 s. Both are `budget-gate ledger` run
as a subprocess, as a nightly job runs it (interpreter start and imports included).

The history is `tests/synthetic_history.py`'s: 25 commits per plan (a plan and its estimate,
20 usage reports, 3 code-only commits, the plan marked done), so 400 plans make 10,000 commits
with 8,000 usage reports and 2,000 slices. Exits 1 when a target is missed.

    python benchmarks/bench_ledger.py                 # 10,000 commits (as `make bench-ledger`)
    python benchmarks/bench_ledger.py --plans 40      # 1,000 commits, a smoke test
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from synthetic_history import (  # noqa: E402
    COMMITS_PER_PLAN,
    append_commit,
    build_history,
    late_report,
)

FULL_LIMIT_SECONDS = 60.0
INCREMENTAL_LIMIT_SECONDS = 2.0


def _ledger(root: Path, db: Path) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "budget_gate", "ledger", "--repo", str(root), "--db", str(db)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"budget-gate ledger failed: {result.stderr.strip()}")
    return elapsed, result.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=400, help="plans (25 commits each)")
    args = parser.parse_args()
    commits = args.plans * COMMITS_PER_PLAN
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as scratch:
        root = Path(scratch) / "repo"
        start = time.perf_counter()
        build_history(root, plans=args.plans)
        print(f"history: {commits:,} commits generated in {time.perf_counter() - start:.1f} s")
        db = Path(scratch) / "ledger.sqlite"
        full, said = _ledger(root, db)
        print(f"full build:  {full:6.2f} s  (target < {FULL_LIMIT_SECONDS:.0f} s)  {said}")
        append_commit(root, n=commits, files={"plans/GEN-0000/usage/late.yaml": late_report()})
        again, said = _ledger(root, db)
        print(f"one commit:  {again:6.2f} s  (target < {INCREMENTAL_LIMIT_SECONDS:.0f} s)  {said}")
        size = db.stat().st_size
        print(f"database:    {size / 1_048_576:.1f} MiB")
    missed = []
    if commits >= 10_000 and full >= FULL_LIMIT_SECONDS:
        missed.append("full build")
    if again >= INCREMENTAL_LIMIT_SECONDS:
        missed.append("one new commit")
    if missed:
        print(f"MISSED: {', '.join(missed)}")
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
