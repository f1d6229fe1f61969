"""Struct-of-arrays tables that grow by capacity doubling, with tombstones for deleted rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: How a column's values are to be read (and written to Arrow).
COLUMN_KINDS = ("str", "json", "int8", "int32", "int64", "bool", "float64", "time", "enum",
                "resources")

_DTYPES = {"str": np.int32, "json": np.int32, "int8": np.int8, "int32": np.int32,
           "int64": np.int64, "bool": np.bool_, "float64": np.float64, "time": np.float64,
           "enum": np.int8, "resources": np.int64}

_FILLS = {"str": -1, "json": -1, "time": np.nan, "enum": 0, "resources": 0}


@dataclass(frozen=True)
class Column:
    """One column: its name, how to read it, the value of a fresh row, the object field it mirrors.

    ``path`` is the field of the Kubernetes object this column holds (``spec.replicas``), or None
    for values the simulator derives (a pod's summed requests). ``enum`` lists the names of an
    enum column's codes. ``absent`` is the value that means "field not set" (omitted when the
    object is rebuilt); ``omit_zero`` drops zero values as Kubernetes' omitempty does.
    """

    name: str
    kind: str
    path: str | None = None
    enum: tuple[str, ...] = ()
    fill: object = None
    absent: object = None
    omit_zero: bool = False

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"column {self.name}: unknown kind {self.kind!r}")

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(_DTYPES[self.kind])

    @property
    def fill_value(self):
        if self.fill is not None:
            return self.fill
        return _FILLS.get(self.kind, 0)


class Table:
    """Rows of one kind, stored column by column in numpy arrays.

    Appends write into spare capacity; when it runs out every column doubles, so n inserts cost
    O(n) copies in total, never a copy per insert. Deleted rows are tombstoned (``alive`` False)
    and keep their index, so other tables may refer to rows by index, until ``compact`` drops
    them (the engine compacts the pods table: kbench.state.compaction). ``resources`` columns are
    2-D (rows x resources) and widen when a new extended resource appears.
    """

    def __init__(self, columns: list[Column], capacity: int = 16, resource_count: int = 0):
        names = [c.name for c in columns]
        if len(set(names)) != len(names) or "alive" in names:
            raise ValueError(f"duplicate or reserved column names in {names}")
        self.columns: dict[str, Column] = {c.name: c for c in columns}
        self._size = 0
        self._capacity = max(int(capacity), 1)
        self._resource_count = resource_count
        self._alive = np.zeros(self._capacity, dtype=np.bool_)
        self._data: dict[str, np.ndarray] = {c.name: self._empty(c, self._capacity)
                                              for c in columns}
        self._live: np.ndarray | None = None  # live_rows(), until a row is added or deleted
        self.alive_version = 0  # bumped whenever a row is added or deleted

    def _empty(self, column: Column, rows: int) -> np.ndarray:
        if column.kind == "resources":
            return np.zeros((rows, self._resource_count), dtype=np.int64)
        return np.full(rows, column.fill_value, dtype=column.dtype)

    # -- size ------------------------------------------------------------------------------

    def __len__(self) -> int:
        """Rows ever appended, deleted ones included (the length of every column view)."""
        return self._size

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def live_count(self) -> int:
        return len(self.live_rows())

    @property
    def alive(self) -> np.ndarray:
        """Which rows are alive (read-only: rows change through append / delete)."""
        view = self._alive[: self._size]
        view.flags.writeable = False
        return view

    def live_rows(self) -> np.ndarray:
        """The alive rows' indices, ascending (kept until a row is added or deleted; do not
        write into it)."""
        if self._live is None:
            self._live = np.flatnonzero(self._alive[: self._size])
            self._live.flags.writeable = False
        return self._live

    def _alive_changed(self) -> None:
        self._live = None
        self.alive_version += 1

    def nbytes(self) -> int:
        return self._alive.nbytes + sum(a.nbytes for a in self._data.values())

    # -- columns ---------------------------------------------------------------------------

    def __getitem__(self, name: str) -> np.ndarray:
        """A writable view of the column over the used rows."""
        return self._data[name][: self._size]

    def __contains__(self, name: str) -> bool:
        return name in self._data

    def set_resource_count(self, count: int) -> None:
        """Widen every resources column to ``count`` resources (new ones start at zero)."""
        if count <= self._resource_count:
            return
        for name, column in self.columns.items():
            if column.kind == "resources":
                old = self._data[name]
                wide = np.zeros((self._capacity, count), dtype=np.int64)
                wide[:, : old.shape[1]] = old
                self._data[name] = wide
        self._resource_count = count

    # -- rows ------------------------------------------------------------------------------

    def _reserve(self, rows: int) -> None:
        if rows <= self._capacity:
            return
        capacity = self._capacity
        while capacity < rows:
            capacity *= 2
        for name, column in self.columns.items():
            grown = self._empty(column, capacity)
            grown[: self._size] = self._data[name][: self._size]
            self._data[name] = grown
        alive = np.zeros(capacity, dtype=np.bool_)
        alive[: self._size] = self._alive[: self._size]
        self._alive = alive
        self._capacity = capacity

    def append(self, values: dict[str, object]) -> int:
        """Add one row; columns not given take their fill value. Returns the row index."""
        unknown = set(values) - set(self._data)
        if unknown:
            raise KeyError(f"unknown columns {sorted(unknown)}")
        self._reserve(self._size + 1)
        row = self._size
        for name, value in values.items():
            self._data[name][row] = value
        self._alive[row] = True
        self._size += 1
        self._alive_changed()
        return row

    def append_many(self, count: int, values: dict[str, np.ndarray]) -> np.ndarray:
        """Add ``count`` rows at once from column arrays; returns their indices."""
        unknown = set(values) - set(self._data)
        if unknown:
            raise KeyError(f"unknown columns {sorted(unknown)}")
        self._reserve(self._size + count)
        start, stop = self._size, self._size + count
        for name, column_values in values.items():
            self._data[name][start:stop] = column_values
        self._alive[start:stop] = True
        self._size = stop
        self._alive_changed()
        return np.arange(start, stop)

    def allocate(self, count: int) -> None:
        """Make an empty table ``count`` rows long, all alive, for a snapshot being read to
        write each column into (``table[name][:] = ...``) once: those views start
        uninitialised; the spare capacity after them holds fill values (the capacity is
        what appending would have grown to)."""
        if self._size:
            raise ValueError("Table.allocate: the table is not empty")
        capacity = self._capacity
        while capacity < count:
            capacity *= 2
        for name, column in self.columns.items():
            array = np.empty((capacity, self._resource_count) if column.kind == "resources"
                             else capacity, dtype=column.dtype)
            array[count:] = 0 if column.kind == "resources" else column.fill_value
            self._data[name] = array
        self._alive = np.zeros(capacity, dtype=np.bool_)
        self._alive[:count] = True
        self._capacity, self._size = capacity, count
        self._alive_changed()

    def delete(self, row: int) -> None:
        self.delete_many(np.array([row], dtype=np.int64))

    def delete_many(self, rows: np.ndarray) -> None:
        """Tombstone these rows (they keep their index)."""
        self._alive[: self._size][rows] = False
        self._alive_changed()

    def compact(self) -> np.ndarray:
        """Drop the deleted rows: the live rows move down to rows 0, 1, 2... in their order
        (the capacity stays). Returns the new row of every old row (-1 for a deleted one);
        whoever holds row numbers must renumber them (kbench.state.compaction)."""
        live = self.live_rows()
        new_of_old = np.full(self._size, -1, dtype=np.int64)
        new_of_old[live] = np.arange(len(live))
        count = len(live)
        for name, column in self.columns.items():
            data = self._data[name]
            data[:count] = data[live]
            data[count:self._size] = 0 if column.kind == "resources" else column.fill_value
        self._alive[:count] = True
        self._alive[count:self._size] = False
        self._size = count
        self._alive_changed()
        return new_of_old

    def keep_only(self, rows: np.ndarray) -> None:
        """Make exactly these rows the alive ones (a snapshot read with gaps)."""
        self._alive[: self._size] = False
        self._alive[: self._size][rows] = True
        self._alive_changed()

    def row(self, row: int) -> dict[str, object]:
        """One row as a dict of plain values (resources columns as numpy vectors)."""
        return {name: self._data[name][row] for name in self._data}
