"""Reading and parsing on several CPUs gives exactly what one process gives."""

from __future__ import annotations

import os
import pickle
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from budget_gate.load import parallel
from budget_gate.load.parallel import load_files, map_shares
from budget_gate.load.records import ArtifactKind
from budget_gate.load.source import ReadResult
from budget_gate.load.worktree import WorktreeSource
from budget_gate.models.artifacts import Artifacts
from budget_gate.models.config import LimitsConfig
from budget_gate.models.findings import FindingCode
from e2e_artifacts import plan, usage

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux")

Job = tuple[str, bytes, ArtifactKind]


class MemorySource:
    """Files in memory, read like a commit is: all at once, in this process."""

    parallel_reads = False

    def __init__(self, jobs: list[Job]) -> None:
        self.files = {path: data for path, data, _ in jobs}
        self.reads = 0

    def list_paths(self) -> list[str]:
        return sorted(self.files)

    def read_many(self, paths: Sequence[str], *, max_bytes: int) -> dict[str, ReadResult]:
        self.reads += 1
        return {path: ReadResult(data=self.files[path]) for path in paths}

    def paths_containing(self, needles: Sequence[str], among: Sequence[str]) -> list[str]:
        return []


def parse_files(
    jobs: list[Job], *, max_aliases: int, workers: int | None = None
) -> list[Artifacts]:
    source = MemorySource(jobs)
    files = [(path, kind) for path, _, kind in jobs]
    loaded = load_files(
        source, files, limits=LimitsConfig(max_aliases=max_aliases), workers=workers
    )
    assert source.reads == 1  # one read for all, by this process, as one git process would
    return loaded


def _jobs() -> list[Job]:
    jobs: list[Job] = []
    for index in range(30):
        jobs.append(
            (
                f"plans/P{index}/plan.yaml",
                plan(f"P{index}", ("S1", "in-progress", f"src/{index}/**")).encode(),
                ArtifactKind.PLAN,
            )
        )
        report = usage(f"run-{index}", f"P{index}", "S1", requests=1, prompt=10, completion=5)
        jobs.append((f"plans/P{index}/usage/run.yaml", report.encode(), ArtifactKind.USAGE_REPORT))
    jobs.insert(7, ("plans/bad/plan.yaml", b"plan_id: [\n", ArtifactKind.PLAN))
    jobs.insert(40, ("plans/P3/usage/bad.yaml", b"\xff\xfe not utf-8", ArtifactKind.USAGE_REPORT))
    jobs.insert(
        50, ("plans/P4/usage/odd.yaml", b"run_id: r\nbogus: 1\n", ArtifactKind.USAGE_REPORT)
    )
    return jobs


@pytest.mark.parametrize("workers", [2, 3, 7])
def test_workers_give_the_same_records_and_findings_in_the_same_order(workers: int) -> None:
    jobs = _jobs()
    alone = parse_files(jobs, max_aliases=100, workers=1)
    assert len(alone) == len(jobs)
    assert any(item.findings for item in alone)  # the bad files are in the comparison
    assert parse_files(jobs, max_aliases=100, workers=workers) == alone


def test_a_failing_worker_has_its_share_parsed_here(monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = _jobs()
    alone = parse_files(jobs, max_aliases=100, workers=1)

    def broken_dumps(*_: object, **__: object) -> None:
        raise OSError("the pipe broke")

    monkeypatch.setattr(pickle, "dumps", broken_dumps)  # fails in the forked workers
    assert parse_files(jobs, max_aliases=100, workers=3) == alone


def test_small_batches_stay_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "fork", lambda: pytest.fail("forked for a small batch"))
    jobs = _jobs()
    assert len(parse_files(jobs, max_aliases=100)) == len(jobs)  # 63 files: one process


def test_a_stuck_worker_is_killed_at_its_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = _jobs()
    alone = parse_files(jobs, max_aliases=100, workers=1)
    monkeypatch.setattr(parallel, "DEADLINE_SECONDS", 0.5)
    monkeypatch.setattr(parallel, "SECONDS_PER_FILE", 0.0)
    monkeypatch.setattr(pickle, "dumps", lambda *_, **__: time.sleep(30))  # workers never answer
    started = time.monotonic()
    assert parse_files(jobs, max_aliases=100, workers=2) == alone
    assert time.monotonic() - started < 10


def test_no_worker_is_forked_while_another_thread_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "fork", lambda: pytest.fail("forked beside a running thread"))
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        jobs = _jobs()
        assert len(parse_files(jobs, max_aliases=100, workers=2)) == len(jobs)
    finally:
        release.set()
        thread.join()


def test_workers_read_their_own_files_from_a_working_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files: list[tuple[str, ArtifactKind]] = []
    for path, data, kind in _jobs():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
        files.append((path, kind))
    (tmp_path / "outside.yaml").write_text("run_id: r\n")
    (tmp_path / "plans/P9/usage/link.yaml").symlink_to("../../../../outside.yaml")
    files.append(("plans/P9/usage/link.yaml", ArtifactKind.USAGE_REPORT))  # refused, not read
    files.append(("plans/P9/usage/gone.yaml", ArtifactKind.USAGE_REPORT))  # listed, then deleted
    source = WorktreeSource(tmp_path)
    read_here: list[str] = []
    read_many = WorktreeSource.read_many

    def spy(self: WorktreeSource, paths: list[str], *, max_bytes: int) -> dict[str, ReadResult]:
        read_here.extend(paths)  # only this process's reads reach this list
        return dict(read_many(self, paths, max_bytes=max_bytes))

    monkeypatch.setattr(WorktreeSource, "read_many", spy)
    limits = LimitsConfig()
    alone = load_files(source, files, limits=limits, workers=1)
    read_here.clear()
    assert load_files(source, files, limits=limits, workers=3) == alone
    assert 0 < len(read_here) < len(files) / 2  # the workers read the rest themselves
    unreadable = [item.findings[0] for item in alone[-2:]]
    assert [item.code for item in unreadable] == [FindingCode.INVALID_ARTIFACT] * 2
    assert "symlink" in unreadable[0].message and "does not exist" in unreadable[1].message


@pytest.mark.parametrize("items", [1, 2, 3, 10, 99, 1000])
@pytest.mark.parametrize("workers", [2, 3, 8])
def test_shares_cover_every_item_once_in_order_and_this_process_takes_the_most(
    items: int, workers: int
) -> None:
    shares = parallel._shares(list(range(items)), workers)
    assert [item for share in shares for item in share] == list(range(items))
    assert len(shares) <= workers
    assert all(len(shares[0]) >= len(share) for share in shares)


def test_results_come_back_in_order_whatever_each_share_returns() -> None:
    squares = map_shares(range(2_000), lambda share: [n * n for n in share], workers=4)
    assert squares == [n * n for n in range(2_000)]
