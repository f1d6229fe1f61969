"""What a trace loader returns (a canonical table and where it came from) and the error it
raises for bad input."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from kbench.errors import KbenchError
from kbench.traces.schema import SCHEMAS


class TraceError(KbenchError, ValueError):
    """A trace file that cannot be read: ``source`` (file), ``row`` (1-based line in the
    file as an editor shows it), ``column``, the bad ``value`` and the ``reason``."""

    def __init__(self, reason: str, *, source: str | None = None, row: int | None = None,
                 column: str | None = None, value: object = None):
        self.reason, self.source, self.row, self.column, self.value = (
            reason, source, row, column, value)
        where = [str(source)] if source is not None else []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column}")
        text = ": ".join(where)
        if value is not None:
            text = f"{text}: {value!r}" if text else repr(value)
        super().__init__(f"{text}: {reason}" if text else reason)


@dataclass(frozen=True)
class Trace:
    """A trace in canonical form: ``kind`` (nodes, pods, usage or load), ``table`` in that
    kind's schema (kbench.traces.schema), the ``format`` and ``source`` it was read from and
    how many bad rows were ``skipped`` (only with skip_bad_rows)."""

    kind: str
    table: pa.Table
    format: str
    source: str
    skipped: int = 0

    def __post_init__(self):
        expected = SCHEMAS[self.kind]
        if not self.table.schema.equals(expected):
            raise TypeError(f"{self.format} table is not in the canonical {self.kind} schema")

    @property
    def num_rows(self) -> int:
        return self.table.num_rows

    def to_arrow(self) -> pa.Table:
        return self.table

    def to_polars(self):
        import polars as pl
        return pl.from_arrow(self.table)

    def to_pandas(self):
        return self.table.to_pandas()
