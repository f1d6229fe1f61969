"""Python's cyclic garbage collector paused around bulk work."""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector off while the block runs (then back as it was).

    A scheduling pass or a simulation tick makes no reference cycles worth collecting, but
    its allocations trigger collections that walk every parsed document and string list of a
    large cluster: 0.1-0.3 s of a 1 s scheduling pass at 150,000 pods, and ~1 s of the first
    tick that creates them (measured). Allocations counted while paused still lead to a
    collection soon after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
