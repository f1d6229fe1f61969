"""Which rows of a table changed since the last look: copies of some of its columns, compared
block by block with the columns as they are now.

Kept totals (the scheduler's bound-pod totals, kbench.scheduler.boundpods) are updated from the rows
that changed rather than recomputed from every row. Whoever writes a column, the comparison
sees it: it reads each watched column once per look, at memory speed (a kernel finds the
blocks of rows with a difference, then only those blocks are compared row by row).
"""

from __future__ import annotations

import numpy as np

from kbench._jit import njit

BLOCK = 256  # rows per block of dirty_blocks


@njit
def dirty_blocks(current, last, dirty):
    """Mark dirty[k] where ``current`` and ``last`` (integer arrays of one length) differ in
    block k, rows [k * BLOCK, (k + 1) * BLOCK). Blocks of a constant length make the inner
    loop a vectorised xor-or."""
    full = len(current) // BLOCK
    for k in range(full):
        base = k * BLOCK
        difference = 0
        for r in range(BLOCK):
            difference |= current[base + r] ^ last[base + r]
        if difference != 0:
            dirty[k] = True
    difference = 0
    for r in range(full * BLOCK, len(current)):
        difference |= current[r] ^ last[r]
    if difference != 0:
        dirty[full] = True


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
        seen = self.seen
        dirty = np.zeros(seen // BLOCK + 1, dtype=np.bool_)
        for name, column in current.items():
            dirty_blocks(_integers(column[:seen]), _integers(self.copies[name][:seen]), dirty)
        blocks = np.flatnonzero(dirty)
        rows = (blocks[:, None] * BLOCK + np.arange(BLOCK)).reshape(-1)
        rows = rows[rows < seen]
        changed = np.zeros(len(rows), dtype=np.bool_)
        for name, column in current.items():
            changed |= _integers(column[rows]) != _integers(self.copies[name][rows])
        rows = np.concatenate([rows[changed], np.arange(seen, size)])
        before = {name: copy[rows[:int(changed.sum())]] for name, copy in self.copies.items()}
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
