"""The loader against the raw C parser, file kind by file kind, on a synthetic repository.

`load_artifact` does more than `yaml.load(data, Loader=yaml.CSafeLoader)`: IDs kept as text,
line numbers for every key, duplicate keys, alias limits, pydantic validation, unknown-field
warnings. This measures what that costs per file, from bytes in memory and with the reading
(`WorktreeSource` with its symlink and size checks, `GitTreeSource` through `git cat-file`).

    python benchmarks/bench_load.py                    # 4,000 plans, 100,000 reports
    python benchmarks/bench_load.py --plans 200 --reports 5000
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from budget_gate.git.repo import GitRepo
from budget_gate.git.tree import GitTreeSource
from budget_gate.load.records import ArtifactKind, load_artifact
from budget_gate.load.repository import ArtifactLayout
from budget_gate.load.worktree import WorktreeSource
from budget_gate.models.config import GateConfig
from synthetic_repo import Shape, build

HERE = Path(__file__).resolve().parent
MAX_BYTES = 1 << 20


def best(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def raw(data: bytes, kind: ArtifactKind, path: str) -> object:
    if kind is ArtifactKind.PLAN and path.endswith(".md"):
        return next(yaml.load_all(data, Loader=yaml.CSafeLoader))  # the front matter
    return yaml.load(data, Loader=yaml.CSafeLoader)


def compare(repo: Path, kind: ArtifactKind, paths: Sequence[str], runs: int) -> None:
    worktree = WorktreeSource(repo)
    blobs = {
        path: result.data or b""
        for path, result in worktree.read_many(paths, max_bytes=MAX_BYTES).items()
    }

    def raw_parse() -> None:
        for path in paths:
            raw(blobs[path], kind, path)

    def our_parse() -> None:
        for path in paths:
            loaded = load_artifact(path, blobs[path], kind, max_aliases=100)
            assert not loaded.findings, loaded.findings

    def raw_read_parse() -> None:
        for path in paths:
            raw((repo / path).read_bytes(), kind, path)

    def our_read_parse() -> None:
        results = WorktreeSource(repo).read_many(paths, max_bytes=MAX_BYTES)
        for path in paths:
            load_artifact(path, results[path].data or b"", kind, max_aliases=100)

    def git_read() -> None:
        GitTreeSource(GitRepo(repo), "main").read_many(paths, max_bytes=MAX_BYTES)

    count = len(paths)
    figures = {
        "raw yaml.load (bytes in memory)": best(raw_parse, runs),
        "load_artifact (bytes in memory)": best(our_parse, runs),
        "raw read_bytes + yaml.load": best(raw_read_parse, runs),
        "WorktreeSource.read_many + load_artifact": best(our_read_parse, runs),
        "GitTreeSource.read_many (git cat-file)": best(git_read, runs),
    }
    floor = figures["raw yaml.load (bytes in memory)"]
    print(f"\n{count:,} {kind.value} files")
    for name, seconds in figures.items():
        print(
            f"  {name:42s} {seconds:7.3f} s  {seconds / count * 1e6:6.1f} us/file  "
            f"{seconds / floor:5.2f}x raw parse"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=4000)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    args = parser.parse_args(argv)
    repo = build(Shape(plans=args.plans, reports=args.reports), args.cache)
    layout = ArtifactLayout.classify(WorktreeSource(repo).list_paths(), GateConfig())
    gc.disable()  # as while `load_artifacts` runs
    for kind, paths in layout.by_kind.items():
        compare(repo, kind, paths, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
