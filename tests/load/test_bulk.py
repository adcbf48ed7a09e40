"""The collector pause around loading and judging: restored afterwards, harmless when nested,
and nothing kept alive or frozen for good in a long-lived process."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from budget_gate.load.bulk import bulk_allocation


@pytest.fixture(autouse=True)
def collector_as_found() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()
    else:
        gc.disable()


class Record:
    """Something a run allocates."""


def test_the_collector_is_paused_inside_and_enabled_again_after() -> None:
    gc.enable()
    with bulk_allocation():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_the_caller_disabled_stays_disabled() -> None:
    gc.disable()
    with bulk_allocation():
        pass
    assert not gc.isenabled()


def test_nesting_keeps_the_pause_until_the_outer_block_ends() -> None:
    gc.enable()
    with bulk_allocation():
        with bulk_allocation():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_what_a_run_froze_is_handed_back_when_the_next_run_starts() -> None:
    with bulk_allocation():
        kept = [Record() for _ in range(100)]
    assert gc.get_freeze_count() >= len(kept)
    with bulk_allocation():
        assert gc.get_freeze_count() == 0  # the earlier run's objects are collectable again
    del kept


def test_objects_a_run_lets_go_of_are_still_freed() -> None:
    with bulk_allocation():
        record = Record()
        alive = weakref.ref(record)
    del record
    assert alive() is None  # reference counting frees it, frozen or not
