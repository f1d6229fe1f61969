"""The compiled part of writing string columns (kbench.state.arrow): which codes of the
string table a column uses, in code order, and each value's position among them."""

from __future__ import annotations

import numpy as np

from kbench._jit import njit


@njit
def used_codes(codes, seen, position):
    """(used, indices) as np.unique(codes, return_inverse=True) gives, for codes into a
    table of len(seen) strings: one pass marks the codes used, one walks the marked range
    in code order, one maps each value. ``seen`` (all False) is left all False again;
    ``position`` is scratch."""
    lo, hi = len(seen), -1
    for i in range(len(codes)):
        code = codes[i]
        seen[code] = True
        if code < lo:
            lo = code
        if code > hi:
            hi = code
    count = 0
    for code in range(lo, hi + 1):
        if seen[code]:
            count += 1
    used = np.empty(count, dtype=np.int64)
    k = 0
    for code in range(lo, hi + 1):
        if seen[code]:
            seen[code] = False
            position[code] = k
            used[k] = code
            k += 1
    indices = np.empty(len(codes), dtype=np.int32)
    for i in range(len(codes)):
        indices[i] = position[codes[i]]
    return used, indices
