"""Snapshots: a folder with one Arrow IPC (Feather v2) file per table and a JSON manifest."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather

from kbench.errors import SnapshotError
import pyarrow.compute as pc

from kbench.state.arrow import (column_from_arrow, dictionary_parts, resource_column_name,
                                table_to_arrow)
from kbench.state.cluster_state import ClusterState
from kbench.state.schema import TABLES

FORMAT = "kbench-snapshot"
SCHEMA_VERSION = 2
MANIFEST = "manifest.json"
EXTRAS = "extras"
ROWS = "rows.feather"
STRINGS = "strings.feather"
CODES = "codes.feather"


def write_snapshot(state: ClusterState, path: str | os.PathLike,
                   extras: dict[str, dict[str, np.ndarray]] | None = None) -> Path:
    """Write ``state`` to the folder ``path`` (replaced whole if it exists; never half-written).

    The folder holds ``<table>.feather`` for every table and ``manifest.json`` with the schema
    version, simulated time, seed, resource names, counters and row counts. ``extras`` are
    the numeric arrays of the parts that run beside the state (the engine's event queue,
    metrics-server's samples, the HPA controller's history): one ``extras/<part>.feather``
    per part, read back by read_extras.

    The table files hold the live rows only. When a table also has deleted rows (tombstones
    whose indices the engine's queue and caches still count by), ``rows.feather`` keeps the
    row index of each live row and the manifest's ``lengths`` the table's length, so a
    restored state has every live object at its original row and a run goes on exactly.
    With ``extras`` (a snapshot of a running cluster), ``strings.feather`` keeps every
    interned string in code order, so the restored state's string codes, which the engine's
    seeded randomness reads, are the original ones, and ``codes.feather`` the code of each
    dictionary entry of each string column (``<table>.<column>``), so reading them back
    needs no string hashing.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        with ThreadPoolExecutor(max_workers=1) as writer:
            # files are compressed and written on a second thread while the next table is
            # converted (Arrow lets go of the GIL while it writes)
            pending = []

            def write(arrow: pa.Table, file: Path) -> None:
                pending.append(writer.submit(feather.write_feather, arrow, file,
                                             compression="lz4"))

            manifest = _write_files(state, extras, staging, write)
            for future in pending:
                future.result()
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        if target.exists():
            if not (target / MANIFEST).exists() and any(target.iterdir()):
                raise SnapshotError(f"{target}: exists and is not a snapshot; not replacing it")
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _write_files(state: ClusterState, extras, staging: Path, write) -> dict:
    """Hand every file of the snapshot to ``write(arrow_table, path)``; the manifest."""
    strings = state.strings.arrow()
    if extras:
        write(pa.table({"string": strings}), staging / STRINGS)
    counts, positions, lengths, codes = {}, {}, {}, {}
    for name, table in state.tables.items():
        live = table.live_rows()
        used = {}
        arrow = table_to_arrow(table, strings, state.resources, live, used, share=True)
        codes.update((f"{name}.{column}", values.astype(np.int32))
                     for column, values in used.items())
        write(arrow, staging / f"{name}.feather")
        counts[name] = arrow.num_rows
        if len(live) != len(table):
            positions[name], lengths[name] = live.astype(np.int64), len(table)
    manifest = {"format": FORMAT, "schema_version": SCHEMA_VERSION, "time": state.time,
                "seed": state.seed, "resources": state.resources,
                "counters": state.counters, "counts": counts}
    if positions:
        write(_arrays_to_arrow(positions), staging / ROWS)
        manifest["lengths"] = lengths
    if extras:
        manifest["strings"] = len(strings)
        write(_codes_to_arrow(codes), staging / CODES)
        manifest["codes"] = CODES
        (staging / EXTRAS).mkdir()
        for part, arrays in extras.items():
            write(_arrays_to_arrow(arrays), staging / EXTRAS / f"{part}.feather")
        manifest["extras"] = sorted(extras)
    return manifest


def read_snapshot(path: str | os.PathLike) -> ClusterState:
    """The ClusterState written to ``path`` by write_snapshot, checked for completeness."""
    folder = Path(path)
    manifest = _read_manifest(folder)
    state = ClusterState(seed=manifest["seed"])
    state.time = float(manifest["time"])
    for resource in manifest["resources"]:
        state.resource_index(resource)
    state.counters.update(manifest.get("counters", {}))
    lengths = manifest.get("lengths", {})
    waiting = {}
    with ThreadPoolExecutor(max_workers=1) as reader:
        # table files are read (and decompressed) on a second thread while the main one
        # decodes the tables before them (Arrow lets go of the GIL while it reads)
        pending = {name: reader.submit(_read_feather, folder, folder / f"{name}.feather",
                                       f"table file {name}.feather") for name in TABLES}
        strings = _read_strings(folder, manifest) if "strings" in manifest else None
        saved = (_read_codes(folder, strings) if strings is not None and manifest.get("codes")
                 else None)
        positions = (_arrays_from_arrow(_read_feather(folder, folder / ROWS, ROWS))
                     if manifest.get("lengths") else {})
        for name in TABLES:
            file = folder / f"{name}.feather"
            arrow = pending[name].result()
            expected = manifest["counts"].get(name)
            if expected is not None and arrow.num_rows != expected:
                raise SnapshotError(f"{file}: {arrow.num_rows} rows, manifest says {expected}")
            dictionaries = {}
            for column in state.tables[name].columns.values():
                if column.kind in ("str", "json"):
                    dictionaries[f"{name}.{column.name}"] = dictionary_parts(
                        _column(arrow, file, column.name))
            if saved is None:
                waiting[name] = arrow, dictionaries
                continue
            _read_table(state, folder, name, arrow, _checked_codes(folder, saved, dictionaries),
                        positions.get(name), lengths.get(name))
    if saved is None:
        strings, lookups = _interned(folder, strings, {
            key: array for _, dictionaries in waiting.values()
            for key, array in dictionaries.items()})
        for name, (arrow, _) in waiting.items():
            _read_table(state, folder, name, arrow, lookups, positions.get(name),
                        lengths.get(name))
    try:
        state.strings.restore(strings)
    except ValueError as error:
        raise SnapshotError(f"{folder / STRINGS}: {error}") from None
    state.reindex()
    return state


def _read_strings(folder: Path, manifest: dict) -> pa.Array:
    """strings.feather's strings, in code order."""
    strings = _read_feather(folder, folder / STRINGS, STRINGS)
    if strings.num_rows != manifest["strings"] or "string" not in strings.column_names:
        raise SnapshotError(f"{folder / STRINGS}: {strings.num_rows} strings, manifest "
                            f"says {manifest['strings']}")
    strings = strings.column("string")
    strings = strings.combine_chunks() if strings.num_chunks != 1 else strings.chunk(0)
    return strings if pa.types.is_string(strings.type) else strings.cast(pa.string())


def _read_codes(folder: Path, strings: pa.Array) -> tuple[dict[str, np.ndarray], np.ndarray,
                                                           int]:
    """codes.feather's codes by column, with the length of every string to check them."""
    saved = _codes_from_arrow(folder, _read_feather(folder, folder / CODES, CODES))
    lengths = np.diff(np.frombuffer(strings.buffers()[1], dtype=np.int32,
                                    count=len(strings) + 1, offset=strings.offset * 4))
    return saved, lengths, len(strings)


def _checked_codes(folder: Path, saved, dictionaries: dict[str, pa.DictionaryArray]
                   ) -> dict[str, np.ndarray]:
    """The string table code of each dictionary entry, as write_snapshot kept them, checked
    against the dictionaries (counts, order, and the length of every string)."""
    codes_of, lengths, count = saved
    for key, array in dictionaries.items():
        codes, dictionary = codes_of.get(key), array.dictionary
        if (codes is None or codes.ndim != 1 or len(codes) != len(dictionary)
                or (len(codes) and (codes[0] < 0 or codes[-1] >= count
                                    or np.any(np.diff(codes) <= 0)))
                or int(lengths[codes].sum()) != _text_bytes(dictionary)
                or dictionary.null_count):
            raise SnapshotError(f"{folder / CODES}: the codes of {key} do not match its "
                                f"strings")
    return codes_of


def _codes_to_arrow(codes: dict[str, np.ndarray]) -> pa.Table:
    """One row per string column (``<table>.<column>``) with the code of each of its
    dictionary's entries."""
    values = np.concatenate(list(codes.values())) if codes else np.zeros(0, np.int32)
    offsets = np.zeros(len(codes) + 1, dtype=np.int32)
    np.cumsum([len(v) for v in codes.values()], out=offsets[1:])
    return pa.table({"column": pa.array(list(codes), type=pa.string()),
                     "codes": pa.ListArray.from_arrays(pa.array(offsets),
                                                       pa.array(values, type=pa.int32()))})


def _codes_from_arrow(folder: Path, table: pa.Table) -> dict[str, np.ndarray]:
    if table.column_names != ["column", "codes"]:
        raise SnapshotError(f"{folder / CODES}: not a table of string codes")
    lists = table.column("codes").combine_chunks()
    offsets = lists.offsets.to_numpy()
    values = lists.values.to_numpy(zero_copy_only=False)
    return {key: values[offsets[i]:offsets[i + 1]]
            for i, key in enumerate(table.column("column").to_pylist())}


def _text_bytes(array: pa.Array) -> int:
    """How many bytes of text a string array holds (its last offset minus its first)."""
    if len(array) == 0:
        return 0
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32, count=len(array) + 1,
                            offset=array.offset * 4)
    return int(offsets[-1] - offsets[0])


def _interned(folder: Path, strings: pa.Array | None,
              dictionaries: dict[str, pa.DictionaryArray]) -> tuple[pa.Array,
                                                                     dict[str, np.ndarray]]:
    """The string table and each dictionary entry's code as interning the dictionaries in
    order (after ``strings``, the saved table, if any) gives: codes in first-seen order."""
    base = strings if strings is not None else pa.array([], type=pa.string())
    parts = [base] + [array.dictionary.cast(pa.string()) for array in dictionaries.values()]
    encoded = pc.dictionary_encode(pa.concat_arrays(parts))
    indices = encoded.indices
    if not np.array_equal(indices.slice(0, len(base)).to_numpy(zero_copy_only=False),
                          np.arange(len(base))):
        raise SnapshotError(f"{folder / STRINGS}: StringTable.restore: strings repeat or are "
                            f"missing")
    codes = indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    lookups, start = {}, len(base)
    for key, array in dictionaries.items():
        stop = start + len(array.dictionary)
        lookups[key] = codes[start:stop]
        start = stop
    return encoded.dictionary, lookups


def read_extras(path: str | os.PathLike) -> dict[str, dict[str, np.ndarray]]:
    """The ``extras`` written with the snapshot at ``path`` (empty when none)."""
    folder = Path(path)
    manifest = _read_manifest(folder)
    result = {}
    for part in manifest.get("extras", []):
        file = folder / EXTRAS / f"{part}.feather"
        result[part] = _arrays_from_arrow(_read_feather(folder, file, f"{EXTRAS}/{file.name}"))
    return result


def _arrays_to_arrow(arrays: dict[str, np.ndarray]) -> pa.Table:
    """Arrays of any lengths and shapes as one-row list columns (plus each shape)."""
    columns = {}
    for name, array in arrays.items():
        array = np.asarray(array)
        if array.dtype.kind == "U":
            columns[name] = pa.array([array.ravel().tolist()], type=pa.list_(pa.string()))
        else:
            values = pa.array(array.ravel(), type=pa.from_numpy_dtype(array.dtype))
            columns[name] = pa.ListArray.from_arrays(pa.array([0, len(values)], pa.int32()),
                                                     values)
        columns[f"{name}.shape"] = pa.array([list(array.shape)], type=pa.list_(pa.int64()))
    return pa.table(columns)


def _arrays_from_arrow(table: pa.Table) -> dict[str, np.ndarray]:
    arrays = {}
    for name in table.column_names:
        if name.endswith(".shape"):
            continue
        values = table.column(name)[0].values
        values = (np.array(values.to_pylist(), dtype=np.str_) if pa.types.is_string(values.type)
                  else values.to_numpy(zero_copy_only=False))
        shape = table.column(f"{name}.shape")[0].as_py()
        arrays[name] = values.reshape(shape)
    return arrays


def _read_manifest(folder: Path) -> dict:
    file = folder / MANIFEST
    if not folder.is_dir():
        raise SnapshotError(f"{folder}: no such snapshot folder")
    if not file.is_file():
        raise SnapshotError(f"{folder}: not a kbench snapshot (no {MANIFEST})")
    try:
        manifest = json.loads(file.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise SnapshotError(f"{file}: corrupt manifest ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SnapshotError(f"{file}: not a kbench snapshot manifest")
    version = manifest.get("schema_version")
    if version != SCHEMA_VERSION:
        raise SnapshotError(f"{file}: schema_version {version!r} is not supported; this kbench "
                            f"reads schema_version {SCHEMA_VERSION}")
    for key, kind in (("time", (int, float)), ("seed", int), ("resources", list),
                      ("counts", dict)):
        if not isinstance(manifest.get(key), kind):
            raise SnapshotError(f"{file}: field {key!r} is missing or of the wrong type")
    return manifest


def _read_feather(folder: Path, file: Path, what: str) -> pa.Table:
    """One Arrow file of the snapshot, or a SnapshotError saying what is wrong with it."""
    if not file.is_file():
        raise SnapshotError(f"{folder}: {what} is missing")
    try:
        return feather.read_table(file, memory_map=False)
    except (pa.ArrowException, OSError) as error:
        raise SnapshotError(f"{file}: corrupt or truncated Arrow file ({error})") from None


def _read_table(state: ClusterState, folder: Path, name: str, arrow: pa.Table,
                lookups: dict[str, np.ndarray], positions: np.ndarray | None = None,
                length=None) -> None:
    """Decode one table's file into the (empty) table: its live rows, at the rows
    ``positions`` of a table ``length`` long when deleted rows lie between them."""
    file = folder / f"{name}.feather"
    table = state.tables[name]
    count = arrow.num_rows
    if positions is not None:
        positions = np.asarray(positions, dtype=np.int64)
        if (len(positions) != count or not isinstance(length, int) or length < count
                or (count and (positions.min() < 0 or positions.max() >= length
                               or np.any(np.diff(positions) <= 0)))):
            raise SnapshotError(f"{folder / ROWS}: row indices do not match the table's "
                                f"{count} rows")
    table.allocate(count if positions is None else length)
    for column in table.columns.values():
        target = table[column.name]
        if positions is not None:
            # deleted rows hold fill values; the live rows are decoded, then moved to theirs
            target[:] = 0 if column.kind == "resources" else column.fill_value
            out = None
        else:
            out = target
        if column.kind == "resources":
            values = out if out is not None else np.empty((count, len(state.resources)),
                                                          dtype=np.int64)
            for i, resource in enumerate(state.resources):
                values[:, i] = _column(arrow, file, resource_column_name(column.name, resource)
                                       ).to_numpy()
        else:
            values = column_from_arrow(column, _column(arrow, file, column.name),
                                       lookup=lookups.get(f"{name}.{column.name}"), out=out)
        if positions is not None:
            target[positions] = values
    if positions is not None:
        table.keep_only(positions)


def _column(arrow: pa.Table, file: Path, name: str) -> pa.ChunkedArray:
    if name not in arrow.column_names:
        raise SnapshotError(f"{file}: column {name!r} is missing")
    return arrow.column(name)
