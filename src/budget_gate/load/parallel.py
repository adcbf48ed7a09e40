"""Parse many artifact files on several CPUs.

Parsing YAML is most of a run's work: every plan file is read for a pull request (4,000 at
DESIGN's 20,000 slices) and every file for an audit. The C parser holds the GIL, so threads do
not help; forked workers do. Each worker parses a contiguous share of the files and sends its
records back pickled; the results are put back in file order, so the outcome is exactly that of
parsing in one process. A worker that fails for any reason has its share parsed here instead.

Forking is used only on Linux (macOS and Windows have no safe `fork`), only while this process
runs no other thread (a lock held by another thread at `fork` time would never be released in
the child), and only for batches big enough to pay for it; anything else is parsed here. A
worker that has not answered by a generous deadline is killed and its share parsed here, so a
stuck worker can slow a run down but never hang it.
"""

from __future__ import annotations

import functools
import os
import pickle
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Final

from budget_gate.artifacts import Artifacts
from budget_gate.load.records import ArtifactKind, load_artifact

FILES_PER_WORKER: Final = 400
"""Below this many files per extra process, forking and pickling cost more than they save."""
MAX_WORKERS: Final = 8
DEADLINE_SECONDS: Final = 60.0
SECONDS_PER_FILE: Final = 0.01
"""A worker's deadline: a minute plus 10 ms a file (parsing takes about 0.1 ms a file)."""
_CHUNK: Final = 1 << 20

Job = tuple[str, bytes, ArtifactKind]
"""One file to parse: its path, its bytes and what it holds."""


def parse_files(
    jobs: Sequence[Job], *, max_aliases: int, workers: int | None = None
) -> list[Artifacts]:
    """Each file's records and findings, in the order given (`workers`: None = by CPU count)."""
    count = _worker_count(len(jobs)) if workers is None else workers
    if count <= 1 or not _can_fork():
        return _parse(jobs, max_aliases)
    size = -(-len(jobs) // count)
    shares = [jobs[start : start + size] for start in range(0, len(jobs), size)]
    deadline = time.monotonic() + DEADLINE_SECONDS + SECONDS_PER_FILE * len(jobs)
    children = [
        _fork(functools.partial(_parse, share, max_aliases), deadline=deadline)
        for share in shares[1:]
    ]
    results = _parse(shares[0], max_aliases)
    for collect, share in zip(children, shares[1:], strict=True):
        parsed = collect()
        results.extend(parsed if parsed is not None else _parse(share, max_aliases))
    return results


def _parse(jobs: Sequence[Job], max_aliases: int) -> list[Artifacts]:
    return [load_artifact(path, data, kind, max_aliases=max_aliases) for path, data, kind in jobs]


def _can_fork() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


def _worker_count(files: int) -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS, files // FILES_PER_WORKER))


def _fork(
    work: Callable[[], list[Artifacts]], *, deadline: float
) -> Callable[[], list[Artifacts] | None]:
    """Run `work` in a child process; the returned function waits for its result (None when
    the child failed or missed the `time.monotonic()` deadline)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, and leave without running any cleanup of ours
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(work(), pipe, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)

    def collect() -> list[Artifacts] | None:
        data = _read_until(read_end, deadline)
        if data is None:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        if data is None or status != 0:
            return None
        try:
            result: list[Artifacts] = pickle.loads(data)  # noqa: S301 (our own child's output)
        except Exception:  # a truncated or corrupt stream: parse the share here instead
            return None
        return result

    return collect


def _read_until(fd: int, deadline: float) -> bytes | None:
    """Everything written to the pipe until it closes; None if the deadline passes first."""
    chunks: list[bytes] = []
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, _CHUNK)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)
