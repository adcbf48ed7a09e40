"""Pausing the cycle collector while a run builds its large, acyclic data."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Pause the cycle collector while artifacts load or are judged, then freeze what is alive.

    Loading and judging allocate millions of small objects (parsed YAML, validated records,
    variances, findings) that form no reference cycles. The collector would scan them again and
    again while they are created (as much time as the parsing itself at 20,000 slices, and half
    the judging) and once more at each later full collection; frozen, they are left alone, and
    reference counting still frees them when the run lets go of them. Nesting is harmless.
    What an earlier run froze is handed back to the collector first, so a long-lived process
    (tests, an embedding tool) never keeps garbage frozen for good.
    """
    enabled = gc.isenabled()
    gc.unfreeze()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
