"""Parsing on several CPUs gives exactly what parsing in one process gives."""

from __future__ import annotations

import os
import pickle
import sys
import threading
import time

import pytest

from budget_gate.load import parallel
from budget_gate.load.parallel import Job, parse_files
from budget_gate.load.records import ArtifactKind
from e2e_artifacts import plan, usage

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux")


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

    def broken_dump(*_: object, **__: object) -> None:
        raise OSError("the pipe broke")

    monkeypatch.setattr(pickle, "dump", broken_dump)  # fails in the forked workers
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
    monkeypatch.setattr(pickle, "dump", lambda *_, **__: time.sleep(30))  # workers never answer
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
