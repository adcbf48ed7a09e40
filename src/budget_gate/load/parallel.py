"""Read and parse many artifact files on several CPUs.

Parsing YAML is most of a run's work: every plan file is read for a pull request (4,000 at
DESIGN's 20,000 slices) and every file for an audit. The C parser holds the GIL, so threads do
not help; forked workers do. Each worker reads and parses a contiguous share of the files and
sends its records back pickled; the results are put back in file order, so the outcome is
exactly that of one process. A worker that fails for any reason has its share done here instead.

Forking is used only on Linux (macOS and Windows have no safe `fork`), only while this process
runs no other thread (a lock held by another thread at `fork` time would never be released in
the child), and only for batches big enough to pay for it; anything else is parsed here. A
worker that has not answered by a generous deadline is killed and its share parsed here, so a
stuck worker can slow a run down but never hang it.
"""

from __future__ import annotations

import functools
import math
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Final, Protocol, TypeVar

from budget_gate.load.records import ArtifactKind, load_artifact
from budget_gate.load.source import FileSource, ReadResult
from budget_gate.models.artifacts import Artifacts
from budget_gate.models.config import LimitsConfig
from budget_gate.models.findings import Finding, FindingCode

FILES_PER_WORKER: Final = 400
"""Below this many files per extra process, forking and pickling cost more than they save."""
MAX_WORKERS: Final = 8
DEADLINE_SECONDS: Final = 60.0
SECONDS_PER_FILE: Final = 0.01
"""A worker's deadline: a minute plus 10 ms a file (parsing takes about 0.1 ms a file)."""
OWN_SHARE: Final = 1.25
"""This process's share of the files against a worker's: a worker also pickles its records,
which costs it more than unpickling them costs this process (measured: with 1.25 on 2 CPUs
neither waits more than 0.1 s for the other in a 108,000-file audit)."""
_CHUNK: Final = 1 << 20

Item = TypeVar("Item")
Result = TypeVar("Result")


def load_files(
    source: FileSource,
    files: Sequence[tuple[str, ArtifactKind]],
    *,
    limits: LimitsConfig,
    workers: int | None = None,
) -> list[Artifacts]:
    """Each file's records and findings, in the order given (`workers`: None = by CPU count).

    A source that can be read from forked processes (the working tree) is read by the workers
    themselves; any other (a commit, read through one git process) is read here first.
    """
    reader: _Reads = source
    if not source.parallel_reads:
        paths = [path for path, _ in files]
        reader = _Preread(source.read_many(paths, max_bytes=limits.max_file_bytes))
    load = functools.partial(_read_and_parse, reader, limits)
    return map_shares(files, load, workers=workers)


def map_shares(
    items: Sequence[Item],
    work: Callable[[Sequence[Item]], list[Result]],
    *,
    workers: int | None = None,
) -> list[Result]:
    """`work` over contiguous shares of `items` in forked workers, results in the items' order.

    `work` must return one result per item and may run in a child process (so its results must
    pickle) or, when a child fails, here.
    """
    count = _worker_count(len(items)) if workers is None else workers
    if count <= 1 or not _can_fork():
        return work(items)
    shares = _shares(items, count)
    deadline = time.monotonic() + DEADLINE_SECONDS + SECONDS_PER_FILE * len(items)
    children = [_fork(functools.partial(work, share), deadline=deadline) for share in shares[1:]]
    results = work(shares[0])
    for collect, share in zip(children, shares[1:], strict=True):
        done = collect()
        results.extend(done if done is not None else work(share))
    return results


def _shares(items: Sequence[Item], count: int) -> list[Sequence[Item]]:
    """`count` contiguous shares, the first (this process's) `OWN_SHARE` times the others."""
    own = min(len(items), math.ceil(len(items) * OWN_SHARE / (OWN_SHARE + count - 1)))
    size = max(1, math.ceil((len(items) - own) / (count - 1)))
    return [items[:own], *(items[start : start + size] for start in range(own, len(items), size))]


class _Reads(Protocol):
    """What the workers need of a source: its files by path."""

    def read_many(self, paths: Sequence[str], *, max_bytes: int) -> Mapping[str, ReadResult]: ...


def _read_and_parse(
    reader: _Reads, limits: LimitsConfig, files: Sequence[tuple[str, ArtifactKind]]
) -> list[Artifacts]:
    results = reader.read_many([path for path, _ in files], max_bytes=limits.max_file_bytes)
    return [
        _parse(path, kind, results.get(path), max_aliases=limits.max_aliases)
        for path, kind in files
    ]


def _parse(
    path: str, kind: ArtifactKind, result: ReadResult | None, *, max_aliases: int
) -> Artifacts:
    if result is not None and result.data is not None:
        return load_artifact(path, result.data, kind, max_aliases=max_aliases)
    problem = result.problem if result is not None else None
    unreadable = Finding.of(
        FindingCode.INVALID_ARTIFACT,
        problem or "the file could not be read",
        path=path,
        fix="make it a regular UTF-8 YAML file inside the repository",
    )
    return Artifacts(findings=[unreadable], files_read=0)  # not read: nothing to cache


class _Preread:
    """Files read in advance, served to the workers through the memory they inherit."""

    def __init__(self, results: Mapping[str, ReadResult]) -> None:
        self._results = results

    def read_many(self, paths: Sequence[str], *, max_bytes: int) -> Mapping[str, ReadResult]:
        return {path: self._results[path] for path in paths if path in self._results}


def _can_fork() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


def _worker_count(files: int) -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS, files // FILES_PER_WORKER))


def _fork(
    work: Callable[[], list[Result]], *, deadline: float
) -> Callable[[], list[Result] | None]:
    """Run `work` in a child process; the returned function waits for its result (None when
    the child failed or missed the `time.monotonic()` deadline)."""
    import pickle  # here, before forking: only a batch large enough for workers needs it

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, and leave without running any cleanup of ours
        status = 1
        try:
            os.close(read_end)
            # Pickled whole before writing: the pipe fills at 64 KiB until this process reads
            # it, which it does only once its own share is done.
            payload = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)

    def collect() -> list[Result] | None:
        data = _read_until(read_end, deadline)
        if data is None:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        if data is None or status != 0:
            return None
        try:
            result: list[Result] = pickle.loads(data)  # noqa: S301 (our own child's output)
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
