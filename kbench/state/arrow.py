"""ClusterState tables to and from Arrow: readable, dictionary-encoded string columns, no codes."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kbench.state.table import Column, Table

_UNITS = {"cpu": "millicores", "memory": "bytes", "ephemeral-storage": "bytes", "pods": "count"}
_PLAIN_TYPES = {"int8": pa.int8(), "int32": pa.int32(), "int64": pa.int64(),
                "bool": pa.bool_(), "float64": pa.float64()}


def resource_column_name(prefix: str, resource: str) -> str:
    """The Arrow column of one resource of a resources column: ``requests_cpu_milli``,
    ``allocatable_memory_bytes``, ``allocatable_pods``, ``allocatable_nvidia.com/gpu``."""
    if resource == "cpu":
        return f"{prefix}_cpu_milli"
    if resource in ("memory", "ephemeral-storage"):
        return f"{prefix}_{resource.replace('-', '_')}_bytes"
    return f"{prefix}_{resource}"


class _Marks:
    """Scratch arrays as long as the string table, shared by the columns of one table:
    which codes a column uses, and each used code's position among them."""

    def __init__(self, count: int) -> None:
        self.seen = np.zeros(count, dtype=np.bool_)
        self.position = np.empty(count, dtype=np.int32)


def _used_codes(codes: np.ndarray, marks: _Marks | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """The distinct codes (sorted) and each value's position among them, as np.unique(...,
    return_inverse=True) gives, without sorting a column long against the range of codes
    it spans: that one marks the codes it uses instead (one pass over the column, one over
    the range)."""
    if len(codes):
        lo, hi = int(codes.min()), int(codes.max())
    if len(codes) == 0 or len(codes) * 16 < hi - lo + 1 or marks is None:
        used, indices = np.unique(codes, return_inverse=True)
        return used, indices.astype(np.int32).reshape(-1)
    if lo == hi:
        return np.array([lo], dtype=np.int64), np.zeros(len(codes), dtype=np.int32)
    span = hi - lo + 1
    seen, position = marks.seen[:span], marks.position[:span]
    relative = codes - lo
    seen[relative] = True
    used = np.flatnonzero(seen)
    seen[used] = False
    position[used] = np.arange(len(used), dtype=np.int32)
    return used + lo, position[relative]


def _strings_array(codes: np.ndarray, strings) -> pa.DictionaryArray:
    """Codes into the string table (an Arrow string array, or a list) -> a compact
    dictionary array (only the strings used, in code order)."""
    return _strings_array_and_codes(codes, strings)[0]


def _strings_array_and_codes(codes: np.ndarray, strings, marks: _Marks | None = None
                             ) -> tuple[pa.DictionaryArray, np.ndarray]:
    """_strings_array, and the code of each dictionary entry."""
    missing = codes < 0
    any_missing = bool(missing.any())
    if len(strings) == 0:
        used = np.zeros(0, dtype=np.int64)
        indices = np.zeros(len(codes), dtype=np.int32)
        dictionary = pa.array([], type=pa.string())
    else:
        used, indices = _used_codes(np.where(missing, 0, codes) if any_missing else codes,
                                    marks)
        dictionary = (strings.take(pa.array(used)) if isinstance(strings, pa.Array)
                      else pa.array([strings[c] for c in used.tolist()], type=pa.string()))
    index_array = pa.array(indices, mask=missing if any_missing else None)
    return pa.DictionaryArray.from_arrays(index_array, dictionary), used


def _enum_array(codes: np.ndarray, names: tuple[str, ...]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)),
                                          pa.array(list(names), type=pa.string()))


def table_to_arrow(table: Table, strings, resources: list[str],
                   rows: np.ndarray | None = None, codes: dict | None = None,
                   share: bool = False) -> pa.Table:
    """The live rows of a table (or the given rows) as an Arrow table with readable columns.

    ``strings``: the string table's strings in code order (StringTable.arrow(), or a list).
    ``codes``, when given, receives the string table code of each dictionary entry of each
    string column (by column name), as snapshots of a running cluster keep them. With
    ``share`` the numeric columns may be views of the table's own arrays (for a table
    written out at once, before the state changes again): no copy when every row is
    wanted."""
    if rows is None:
        rows = table.live_rows()
    every = share and len(rows) == len(table) and np.array_equal(rows, np.arange(len(rows)))
    marks = _Marks(len(strings)) if len(rows) >= 1024 and len(strings) else None
    arrays, fields = [], []
    for column in table.columns.values():
        values = table[column.name] if every else table[column.name][rows]
        if column.kind == "resources":
            for i, resource in enumerate(resources):
                name = resource_column_name(column.name, resource)
                arrays.append(pa.array(values[:, i], type=pa.int64()))
                fields.append(pa.field(name, pa.int64(), metadata={
                    "resource": resource, "unit": _UNITS.get(resource, "count")}))
            continue
        if column.kind in ("str", "json"):
            array, used = _strings_array_and_codes(values, strings, marks)
            if codes is not None:
                codes[column.name] = used
        elif column.kind == "enum":
            array = _enum_array(values, column.enum)
        elif column.kind == "time":
            array = pa.array(values, type=pa.float64(), mask=np.isnan(values))
        else:
            array = pa.array(values, type=_PLAIN_TYPES[column.kind])
        metadata = {"kind": column.kind}
        if column.path:
            metadata["path"] = column.path
        if column.kind == "time":
            metadata["unit"] = "simulated seconds"
        arrays.append(array)
        fields.append(pa.field(column.name, array.type, metadata=metadata))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def dictionary_parts(array: pa.ChunkedArray | pa.Array) -> pa.DictionaryArray:
    """A string column as one dictionary array (encoded here when it was written plain)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if not pa.types.is_dictionary(array.type):
        array = array.dictionary_encode()
    return array


def column_from_arrow(column: Column, array: pa.ChunkedArray | pa.Array,
                      intern_many=None, lookup: np.ndarray | None = None,
                      out: np.ndarray | None = None) -> np.ndarray:
    """Decode one Arrow column back to the state's representation: a string column's codes
    are ``lookup`` (the code of each dictionary entry) when given, else its strings are
    interned with ``intern_many``. Written into ``out`` when given."""
    if out is None:
        out = np.empty(len(array), dtype=column.dtype)
    if column.kind in ("str", "json", "enum"):
        array = dictionary_parts(array)
        if column.kind == "enum":
            dictionary = array.dictionary.to_pylist()
            lookup = [column.enum.index(name) for name in dictionary]
        elif lookup is None:
            dictionary = array.dictionary.to_pylist()
            lookup = intern_many(dictionary) if dictionary else []
        lookup = np.asarray(lookup, dtype=column.dtype)
        if len(lookup) == 0:
            lookup = np.zeros(1, dtype=column.dtype)
        indices = array.indices
        if indices.null_count:
            np.take(lookup, indices.fill_null(0).to_numpy(), out=out)
            out[~indices.is_valid().to_numpy(zero_copy_only=False)] = -1
        else:
            np.take(lookup, indices.to_numpy(), out=out)
        return out
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    out[:] = array.to_numpy(zero_copy_only=False)
    return out


def state_tables(state, names: list[str] | None = None) -> dict[str, pa.Table]:
    """Arrow tables of the state's live rows, keyed by table name."""
    strings = state.strings.arrow()
    return {name: table_to_arrow(state.tables[name], strings, state.resources)
            for name in (names or list(state.tables))}


def state_equal(a, b) -> bool:
    """Two states hold the same objects, in the same order, at the same time and seed."""
    if (a.time, a.seed, a.resources, a.counters) != (b.time, b.seed, b.resources, b.counters):
        return False
    tables_a, tables_b = state_tables(a), state_tables(b)
    return all(_decoded(tables_a[name]).equals(_decoded(tables_b[name])) for name in tables_a)


def _decoded(table: pa.Table) -> pa.Table:
    """The table with dictionary columns decoded, so dictionary order does not matter."""
    columns = [column.cast(column.type.value_type) if pa.types.is_dictionary(column.type)
               else column for column in table.columns]
    return pa.Table.from_arrays(columns, names=table.column_names)
