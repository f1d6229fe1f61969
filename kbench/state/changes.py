"""Which rows of a table changed since the last look: copies of some of its columns, compared
block by block with the columns as they are now.

Kept totals (the scheduler's bound-pod totals, kbench.scheduler.boundpods) are updated from the rows
that changed rather than recomputed from every row. Whoever writes a column, the comparison
sees it: it reads each watched column once per look, at memory speed (a kernel compares
block by block, then only the rows of a block with a difference one by one).
"""

from __future__ import annotations

import numpy as np

from kbench._jit import njit

BLOCK = 256  # rows per block of changed_rows


@njit
def changed_rows(current, last, marked, rows, count):
    """Append to ``rows`` (from ``count`` on) the rows r not ``marked`` yet where ``current``
    and ``last`` (integer arrays of one length) differ, and mark them; returns the new count.
    Each block of BLOCK rows is compared first as one xor-or (a constant length makes the
    inner loop vectorised); only the rows of a block that differs are compared one by one."""
    full = len(current) // BLOCK
    for k in range(full):
        base = k * BLOCK
        difference = 0
        for r in range(BLOCK):
            difference |= current[base + r] ^ last[base + r]
        if difference != 0:
            for r in range(base, base + BLOCK):
                if current[r] != last[r] and not marked[r]:
                    marked[r] = True
                    rows[count] = r
                    count += 1
    for r in range(full * BLOCK, len(current)):
        if current[r] != last[r] and not marked[r]:
            marked[r] = True
            rows[count] = r
            count += 1
    return count


def _integers(column: np.ndarray) -> np.ndarray:
    """The column as integers of its width (floats by their bits: NaN equals NaN)."""
    if column.dtype == np.float64:
        return column.view(np.int64)
    if column.dtype == np.bool_:
        return column.view(np.uint8)
    return column


class ColumnCopies:
    """Copies of a table's ``alive`` flags and of the named columns, as last taken."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.seen = 0  # rows copied
        self.copies: dict[str, np.ndarray] | None = None
        self.marked = np.zeros(0, dtype=np.bool_)  # scratch of take: all False between takes

    def take(self, table) -> tuple[np.ndarray, int, dict[str, np.ndarray]]:
        """(rows, seen, before): the rows that changed since the last take, ascending (rows
        below ``seen`` whose alive flag or a named column differs, then the rows appended
        since), and those below ``seen``'s values before (``before[name]``, "alive"
        included); the copies take the table's values. A table shorter than the rows seen
        is a new one: every row is new."""
        size = len(table)
        current = {"alive": table.alive, **{name: table[name] for name in self.names}}
        if self.copies is None or size < self.seen:
            self.seen = 0
            self.copies = {name: np.zeros(0, dtype=column.dtype)
                           for name, column in current.items()}
            self.marked = np.zeros(0, dtype=np.bool_)
        seen = self.seen
        found = np.empty(seen, dtype=np.int64)
        count = 0
        for name, column in current.items():
            count = changed_rows(_integers(column[:seen]), _integers(self.copies[name][:seen]),
                                 self.marked, found, count)
        changed = np.sort(found[:count])
        self.marked[changed] = False
        rows = np.concatenate([changed, np.arange(seen, size)])
        before = {name: copy[changed] for name, copy in self.copies.items()}
        self._grow(size)
        for name, column in current.items():
            self.copies[name][rows] = column[rows]
        self.seen = size
        return rows, seen, before

    def _grow(self, size: int) -> None:
        capacity = len(self.copies["alive"])
        if capacity >= size:
            return
        capacity = max(size, 2 * capacity)
        for name, copy in self.copies.items():
            grown = np.zeros(capacity, dtype=copy.dtype)
            grown[:len(copy)] = copy
            self.copies[name] = grown
        self.marked = np.zeros(capacity, dtype=np.bool_)
