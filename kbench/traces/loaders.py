"""One loader per trace format, each returning a Trace in the canonical schema.

Files are read as text with polars, then every column is cast and checked at once
(kbench.traces.parse): no Python loop over rows. A bad value raises TraceError naming the
file, the line and the column; ``skip_bad_rows=True`` drops such rows and counts them in
``Trace.skipped``. SWF job logs that are plain enough (nearly all) are instead read by one
compiled pass over the bytes (kbench.traces.swf_scan), with the same table and errors.

Formats whose values are normalised (Alibaba 2018, Google 2019) are scaled with the
``*_per_unit`` arguments; the defaults are assumptions, stated on each loader.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import polars as pl
import pyarrow as pa

from kbench.traces.names import numbered
from kbench.traces.parse import Column, Rule, csv_dtypes, parse_columns, require_columns
from kbench.traces.schema import LOAD_KIND, NODES_KIND, PODS_KIND, SCHEMAS, USAGE_KIND
from kbench.traces.swf_scan import FLOAT, INT, SKIP, scan
from kbench.traces.trace import Trace, TraceError

MIB = 2 ** 20
GIB = 2 ** 30


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------

def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped if it is gzip-compressed."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TraceError(f"cannot read the file ({error.strerror or error})",
                         source=str(path)) from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise TraceError(f"not a readable gzip file ({error})", source=str(path)) from None
    return data


def _ragged_line(data: bytes, separator: str, fields: int, first_line: int) -> tuple[int, int]:
    """(line, field count) of the first line whose field count is not ``fields`` (slow path,
    run only after polars has refused the file)."""
    lines = data.decode("utf-8", errors="replace").split("\n")
    counts = pl.Series(lines).str.count_matches(separator, literal=True) + 1
    empty = pl.Series(lines).str.strip_chars() == ""
    bad = ((counts != fields) & ~empty).arg_true()
    bad = bad.filter(bad >= first_line - 1)
    if bad.len() == 0:
        return 0, 0
    return int(bad[0]) + 1, int(counts[int(bad[0])])


def read_text_csv(path: Path, names: list[str] | None = None,
                  columns: list[Column] = ()) -> pl.DataFrame:
    """A CSV file as a frame plus ``__line`` (its line in the file); with ``names`` the file
    has no header and must have exactly that many fields per row. Blank lines are dropped.

    ``columns`` are read typed by polars' CSV reader (the fast path); if any of their values
    does not parse, the whole file is read as text instead so that parse_columns can say
    which value it was. Other columns are text.
    """
    data = read_bytes(path)
    first_line = 1 if names else 2
    options = dict(infer_schema=False, has_header=names is None, raise_if_empty=False)
    dtypes = csv_dtypes(list(columns))
    if names is not None:   # polars names header-less columns column_1, column_2, ...
        dtypes = {f"column_{names.index(name) + 1}": dtype for name, dtype in dtypes.items()}
    frame = None
    if columns:
        try:
            frame = pl.read_csv(data, schema_overrides=dtypes, **options)
        except pl.exceptions.ComputeError:
            frame = None
    if frame is None:
        try:
            frame = pl.read_csv(data, **options)
        except pl.exceptions.ComputeError as error:
            header = data.split(b"\n", 1)[0].decode("utf-8", errors="replace")
            fields = len(names) if names else header.count(",") + 1
            line, found = _ragged_line(data, ",", fields, first_line)
            if line:
                raise TraceError(f"expected {fields} fields, found {found}", source=str(path),
                                 row=line) from None
            raise TraceError(f"not a readable CSV file ({str(error).splitlines()[0]})",
                             source=str(path)) from None
    if names is not None:
        if frame.width != len(names):
            raise TraceError(f"expected {len(names)} fields ({','.join(names)}), found "
                             f"{frame.width}", source=str(path), row=1)
        frame.columns = names
    frame = frame.with_row_index("__line", offset=first_line)
    return frame.filter(~pl.all_horizontal(pl.exclude("__line").is_null()))


def canonical_table(frame: pl.DataFrame, kind: str) -> pa.Table:
    """The frame's columns of ``kind``'s schema, in its order and types."""
    schema = SCHEMAS[kind]
    arrow = frame.select(schema.names).to_arrow()
    arrays = [arrow.column(name).cast(field.type) for name, field in zip(schema.names, schema)]
    return pa.Table.from_arrays(arrays, schema=schema)


def in_arrival_order(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows by time_s, ties in file order (most traces already are: then no sort)."""
    times = frame["time_s"]
    if times.null_count() == 0 and times.is_sorted():
        return frame
    return frame.sort("time_s", maintain_order=True)


def _text(value: str | None) -> pl.Expr:
    return pl.lit(value, dtype=pl.String)


def _no_gpu_models() -> pl.Expr:
    return pl.lit([], dtype=pl.List(pl.String))


# ---------------------------------------------------------------------------
# openb (Alibaba PAI GPU cluster, Weng et al. ATC 2023)
# ---------------------------------------------------------------------------

OPENB_NODE_COLUMNS = ["sn", "cpu_milli", "memory_mib", "gpu", "model"]
OPENB_POD_COLUMNS = ["name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "gpu_spec",
                     "qos", "pod_phase", "creation_time", "deletion_time", "scheduled_time"]


def load_openb_nodes(path: Path, skip_bad_rows: bool = False) -> Trace:
    """openb node list (``sn,cpu_milli,memory_mib,gpu,model``): nodes; an empty model is a
    CPU-only node."""
    columns = [Column("cpu_milli"), Column("memory_mib"), Column("gpu")]
    raw = read_text_csv(path, columns=columns)
    require_columns(raw.columns, OPENB_NODE_COLUMNS, str(path))
    parsed, skipped = parse_columns(
        raw, columns, path,
        lines=raw["__line"], skip_bad_rows=skip_bad_rows,
        rules=[Rule("sn", pl.col("sn").is_null() | (pl.col("sn") == ""), "missing node name")],
        keep=["sn", "model"])
    frame = parsed.select(
        name=pl.col("sn"), cpu_milli=pl.col("cpu_milli"),
        memory_bytes=pl.col("memory_mib") * MIB, gpu=pl.col("gpu"),
        gpu_model=pl.when(pl.col("model") == "").then(None).otherwise(pl.col("model")),
        zone=_text(None), instance_type=_text(None), pool=_text(None))
    return Trace(NODES_KIND, canonical_table(frame, NODES_KIND), "openb-nodes", str(path),
                 skipped)


def load_openb_pods(path: Path, skip_bad_rows: bool = False) -> Trace:
    """openb pod list (default and gpushare variants): pods arriving at creation_time and
    living until deletion_time (duration_s = deletion - creation; null if no deletion time).
    ``gpu_spec`` (models separated by ``|``) becomes gpu_models; QoS is kept as given."""
    columns = [Column("cpu_milli"), Column("memory_mib"), Column("num_gpu"),
               Column("gpu_milli"), Column("creation_time", pl.Float64),
               Column("deletion_time", pl.Float64, required=False)]
    raw = read_text_csv(path, columns=columns)
    needed = ["name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "creation_time"]
    require_columns(raw.columns, needed, str(path))
    for optional in ("gpu_spec", "qos", "deletion_time"):
        if optional not in raw.columns:
            raw = raw.with_columns(_text(None).alias(optional))
    parsed, skipped = parse_columns(
        raw, columns, path, lines=raw["__line"], skip_bad_rows=skip_bad_rows, keep=["name", "gpu_spec", "qos"],
        rules=[Rule("name", pl.col("name").is_null() | (pl.col("name") == ""),
                    "missing pod name"),
               Rule("gpu_milli", pl.col("gpu_milli") > 1000,
                    "a GPU share is at most 1000 (thousandths of a GPU)"),
               Rule("gpu_milli", (pl.col("num_gpu") > 1) & (pl.col("gpu_milli") < 1000),
                    "a GPU share below 1000 needs num_gpu == 1"),
               Rule("deletion_time", pl.col("deletion_time") < pl.col("creation_time"),
                    "deletion_time is before creation_time")])
    models = (pl.when(pl.col("gpu_spec").is_null() | (pl.col("gpu_spec") == ""))
              .then(_no_gpu_models()).otherwise(pl.col("gpu_spec").str.split("|")))
    frame = parsed.select(
        name=pl.col("name"), time_s=pl.col("creation_time"), cpu_milli=pl.col("cpu_milli"),
        memory_bytes=pl.col("memory_mib") * MIB,
        cpu_limit_milli=pl.lit(None, dtype=pl.Int64),
        memory_limit_bytes=pl.lit(None, dtype=pl.Int64), gpu=pl.col("num_gpu"),
        gpu_milli=pl.when(pl.col("num_gpu") > 0).then(pl.col("gpu_milli")).otherwise(0),
        gpu_models=models, duration_s=pl.col("deletion_time") - pl.col("creation_time"),
        owner=_text(None), priority=pl.lit(0, dtype=pl.Int32),
        qos=pl.when(pl.col("qos") == "").then(None).otherwise(pl.col("qos")))
    frame = in_arrival_order(frame)
    return Trace(PODS_KIND, canonical_table(frame, PODS_KIND), "openb-pods", str(path), skipped)


# ---------------------------------------------------------------------------
# Azure
# ---------------------------------------------------------------------------

AZURE_LLM_COLUMNS = ["TIMESTAMP", "ContextTokens", "GeneratedTokens"]
AZURE_LLM_TIME_FORMAT = "%Y-%m-%d %H:%M:%S%.f"


def load_azure_llm(path: Path, skip_bad_rows: bool = False, service: str | None = None) -> Trace:
    """Azure LLM inference trace 2023 (``TIMESTAMP,ContextTokens,GeneratedTokens``): one load
    row per request (requests 1, interval 0) at its time from the first request; the service
    is named after the file unless given."""
    columns = [Column("TIMESTAMP", datetime_format=AZURE_LLM_TIME_FORMAT),
               Column("ContextTokens"), Column("GeneratedTokens")]
    raw = read_text_csv(path, columns=columns)
    require_columns(raw.columns, AZURE_LLM_COLUMNS, str(path))
    parsed, skipped = parse_columns(
        raw, columns, path, lines=raw["__line"], skip_bad_rows=skip_bad_rows)
    start = pl.col("TIMESTAMP").min()
    frame = parsed.select(
        time_s=(pl.col("TIMESTAMP") - start).dt.total_nanoseconds() / 1e9,
        service=_text(service or path.name.split(".")[0]),
        requests=pl.lit(1.0), interval_s=pl.lit(0.0),
        input_tokens=pl.col("ContextTokens"), output_tokens=pl.col("GeneratedTokens"))
    frame = in_arrival_order(frame)
    return Trace(LOAD_KIND, canonical_table(frame, LOAD_KIND), "azure-llm", str(path), skipped)


def load_azure_vm_2017(path: Path, skip_bad_rows: bool = False, step_s: float = 300.0) -> Trace:
    """Azure VM CPU 2017 matrix (``step,vm_<id>...``, CPU % per VM per 300 s step, steps from
    1): usage series, one per VM column, cpu_fraction = percent / 100."""
    raw = read_text_csv(path)
    require_columns(raw.columns, ["step"], str(path))
    series = [name for name in raw.columns if name not in ("step", "__line")]
    if not series:
        raise TraceError("no VM columns after step", source=str(path), row=1)
    parsed, skipped = parse_columns(
        raw, [Column("step"), *[Column(name, pl.Float64) for name in series]], path,
        lines=raw["__line"], skip_bad_rows=skip_bad_rows,
        rules=[Rule("step", pl.col("step") < 1, "steps count from 1")])
    long = parsed.unpivot(index="step", on=series, variable_name="series", value_name="percent")
    frame = long.select(time_s=(pl.col("step") - 1) * step_s, series=pl.col("series"),
                        cpu_fraction=pl.col("percent") / 100.0,
                        cpu_cores=pl.lit(None, dtype=pl.Float64),
                        memory_fraction=pl.lit(None, dtype=pl.Float64))
    return Trace(USAGE_KIND, canonical_table(frame, USAGE_KIND), "azure-vm-2017", str(path),
                 skipped)


def load_google2019_usage(path: Path, skip_bad_rows: bool = False,
                          step_s: float = 300.0) -> Trace:
    """Aggregated Google ClusterData2019 cell usage (``avg_cpu,avg_mem,...``, fractions, one
    row per 300 s, no time column): one usage series named after the file."""
    columns = [Column("avg_cpu", pl.Float64), Column("avg_mem", pl.Float64)]
    raw = read_text_csv(path, columns=columns)
    require_columns(raw.columns, ["avg_cpu", "avg_mem"], str(path))
    parsed, skipped = parse_columns(
        raw, columns, path,
        lines=raw["__line"], skip_bad_rows=skip_bad_rows, keep=["__line"])
    # Time is the row's position in the file (skipped rows keep their slot).
    first = int(raw["__line"][0]) if raw.height else 2
    frame = parsed.select(time_s=(pl.col("__line") - first).cast(pl.Float64) * step_s,
                          series=_text(path.name.split(".")[0]),
                          cpu_fraction=pl.col("avg_cpu"),
                          cpu_cores=pl.lit(None, dtype=pl.Float64),
                          memory_fraction=pl.col("avg_mem"))
    return Trace(USAGE_KIND, canonical_table(frame, USAGE_KIND), "google2019-usage", str(path),
                 skipped)


def load_azure2019_usage(path: Path, skip_bad_rows: bool = False) -> Trace:
    """Aggregated Azure 2019 VM CPU (``timestamp,cpu_usage,assigned_mem``; seconds, cores
    used in total): one usage series in cores, named after the file."""
    columns = [Column("timestamp", pl.Float64), Column("cpu_usage", pl.Float64)]
    raw = read_text_csv(path, columns=columns)
    require_columns(raw.columns, ["timestamp", "cpu_usage"], str(path))
    parsed, skipped = parse_columns(
        raw, columns, path,
        lines=raw["__line"], skip_bad_rows=skip_bad_rows)
    frame = parsed.select(time_s=pl.col("timestamp"), series=_text(path.name.split(".")[0]),
                          cpu_fraction=pl.lit(None, dtype=pl.Float64),
                          cpu_cores=pl.col("cpu_usage"),
                          memory_fraction=pl.lit(None, dtype=pl.Float64))
    return Trace(USAGE_KIND, canonical_table(frame, USAGE_KIND), "azure2019-usage", str(path),
                 skipped)


# ---------------------------------------------------------------------------
# Standard Workload Format (Parallel Workloads Archive)
# ---------------------------------------------------------------------------

def _single_spaced(data: bytes) -> bytes:
    """Whitespace-separated text with one space between fields, none at line ends and no
    blank lines, so polars' CSV reader can split it (a few passes of bytes.replace, no loop
    over lines)."""
    data = data.replace(b"\r", b"").replace(b"\t", b" ")
    while b"  " in data:
        data = data.replace(b"    ", b" ").replace(b"  ", b" ")
    data = data.replace(b"\n ", b"\n").replace(b" \n", b"\n")
    data = data[1:] if data.startswith(b" ") else data
    data = data[:-1] if data.endswith(b" ") else data   # a last line without its newline
    # Blank lines become empty comments: the CSV reader skips them, line numbers stay.
    while b"\n\n" in data:
        data = data.replace(b"\n\n", b"\n;\n")
    return b";" + data if data.startswith(b"\n") else data


SWF_FIELDS = ["job", "submit", "wait", "run_time", "allocated_procs", "average_cpu",
              "used_memory", "requested_procs", "requested_time", "requested_memory",
              "status", "user", "group", "executable", "queue", "partition",
              "preceding_job", "think_time"]
#: The fields the loader reads; -1 means unknown except for job and submit.
SWF_NUMBERS = [Column("job"), Column("submit", pl.Float64),
               *[Column(name, pl.Float64, sentinel=-1) for name in
                 ("run_time", "allocated_procs", "used_memory", "requested_procs",
                  "requested_memory")],
               Column("user", sentinel=-1)]


def _swf_job_lines(data: bytes) -> pl.DataFrame:
    """Job lines (not blank, not ``;`` comments) as ``text`` with their ``__line`` numbers."""
    lines = pl.read_csv(data, has_header=False, separator="\x00", quote_char=None,
                        new_columns=["text"], infer_schema=False, raise_if_empty=False)
    if lines.width != 1:
        raise TraceError("not a text file")
    return lines.with_row_index("__line", offset=1).filter(
        pl.col("text").is_not_null() & (pl.col("text") != "")
        & ~pl.col("text").str.starts_with(";"))


_SWF_OPTIONS = dict(has_header=False, separator=" ", quote_char=None, comment_prefix=";",
                    infer_schema=False, raise_if_empty=False)


def _swf_fields_fast(data: bytes) -> pl.DataFrame | None:
    """The job fields, numbers parsed by the CSV reader; None if any line has the wrong
    number of fields or a number does not parse (then _swf_fields_checked finds which)."""
    # Only the fields the loader uses, and the last one, which a short line lacks.
    wanted = sorted({SWF_FIELDS.index(c.name) for c in SWF_NUMBERS} | {len(SWF_FIELDS) - 1})
    try:
        raw = pl.read_csv(data, new_columns=SWF_FIELDS, columns=wanted,
                          schema_overrides=csv_dtypes(SWF_NUMBERS), **_SWF_OPTIONS)
    except pl.exceptions.PolarsError:
        return None
    if raw.width != len(wanted) or raw.null_count().sum_horizontal()[0] > 0:
        return None   # a short line
    # The reader does not look at the fields it skips: a long line shows as extra spaces.
    if data.count(b" ") - _comment_spaces(data) != (len(SWF_FIELDS) - 1) * raw.height:
        return None
    return raw


def _comment_spaces(data: bytes) -> int:
    """Spaces in the ``;`` comment lines (a loop over comment lines only)."""
    total = 0
    position = 0 if data.startswith(b";") else data.find(b"\n;")
    while position != -1:
        start = position if data[position:position + 1] == b";" else position + 1
        end = data.find(b"\n", start)
        end = len(data) if end == -1 else end
        total += data.count(b" ", start, end)
        position = data.find(b"\n;", end)
    return total


def _swf_fields_checked(data: bytes, path: Path, skip_bad_rows: bool) -> tuple[pl.DataFrame, int]:
    """The slow path: number the lines, check each has 18 fields, read them as text and
    parse them with reports naming the line."""
    try:
        lines = _swf_job_lines(data)
    except TraceError as error:
        raise TraceError(error.reason, source=str(path)) from None
    counts = lines["text"].str.count_matches(" ", literal=True) + 1
    wrong = counts != len(SWF_FIELDS)
    if wrong.any() and not skip_bad_rows:
        first = int(wrong.arg_true()[0])
        raise TraceError(f"expected {len(SWF_FIELDS)} fields, found {counts[first]}",
                         source=str(path), row=int(lines["__line"][first]))
    try:
        raw = pl.read_csv(data, new_columns=SWF_FIELDS, truncate_ragged_lines=True,
                          **_SWF_OPTIONS)
    except pl.exceptions.PolarsError as error:
        raise TraceError(f"not a readable SWF file ({str(error).splitlines()[0]})",
                         source=str(path)) from None
    raw = raw.filter(~pl.all_horizontal(pl.all().is_null()))
    if raw.height != lines.height:   # pragma: no cover - both passes skip the same lines
        raise TraceError(f"{lines.height} job lines but {raw.height} rows read",
                         source=str(path))
    raw = raw.with_columns(lines["__line"]).filter(~wrong)
    parsed, skipped = parse_columns(raw, SWF_NUMBERS, path, lines=raw["__line"],
                                    skip_bad_rows=skip_bad_rows)
    return parsed, skipped + int(wrong.sum())


def _swf_fields_polars(data: bytes, path: Path, skip_bad_rows: bool) -> tuple[pl.DataFrame, int]:
    """The job fields of any SWF text, the polars way: blanks collapsed, then the fast path
    (polars parses the numbers) or, if that fails, the checked path (finds the bad row)."""
    data = _single_spaced(data)
    raw = _swf_fields_fast(data)
    if raw is not None:   # every job line has 18 fields and every number parses
        return parse_columns(raw, SWF_NUMBERS, path,
                             lines=lambda: _swf_job_lines(data)["__line"],
                             skip_bad_rows=skip_bad_rows)
    return _swf_fields_checked(data, path, skip_bad_rows)


#: What the compiled scan does with each of SWF_FIELDS, and where it puts the value (the
#: row of its floats or ints array).
_SWF_KINDS = np.array([{pl.Int64: INT, pl.Float64: FLOAT}.get(
    {c.name: c.dtype for c in SWF_NUMBERS}.get(name), SKIP) for name in SWF_FIELDS], dtype=np.int8)
_SWF_SLOTS = np.array([int((_SWF_KINDS[:i] == kind).sum()) for i, kind in enumerate(_SWF_KINDS)],
                      dtype=np.int64)


def _swf_fields_scanned(data: bytes) -> tuple[pl.DataFrame, np.ndarray] | None:
    """The job fields the loader uses, typed, and each row's line, from one compiled pass
    (kbench.traces.swf_scan); None unless the file is plain enough for it (then the polars
    way reads it, and reports what is wrong)."""
    floats, ints, lines, rows, stop_line, _ = scan(data, _SWF_KINDS, _SWF_SLOTS)
    if stop_line or rows == 0:
        return None
    raw = pl.DataFrame([
        pl.Series(c.name, (floats if c.dtype == pl.Float64 else ints)[
            _SWF_SLOTS[SWF_FIELDS.index(c.name)], :rows]) for c in SWF_NUMBERS])
    return raw, lines[:rows]


def _swf_fields(data: bytes, path: Path, skip_bad_rows: bool) -> tuple[pl.DataFrame, int]:
    """SWF_NUMBERS of every job line, checked (bad rows raise, or are skipped and counted):
    the compiled scan when it accepts the file, else the polars way; both give the same."""
    scanned = _swf_fields_scanned(data)
    if scanned is None:
        return _swf_fields_polars(data, path, skip_bad_rows)
    raw, lines = scanned
    return parse_columns(raw, SWF_NUMBERS, path, lines=lambda: pl.Series(lines),
                         skip_bad_rows=skip_bad_rows)


def load_swf(path: Path, skip_bad_rows: bool = False, cpu_milli_per_processor: int = 1000) -> Trace:
    """SWF job log (18 whitespace-separated fields, ``;`` comments, -1 = unknown): one pod per
    job arriving at its submit time and running for its run time (unknown: null).
    Processors = requested (else allocated) processors, each ``cpu_milli_per_processor``;
    memory = requested (else used) KB per processor times processors; unknown -> 0."""
    parsed, skipped = _swf_fields(read_bytes(path), path, skip_bad_rows)

    def known(name: str) -> pl.Expr:
        return pl.when(pl.col(name) >= 0).then(pl.col(name))

    procs = pl.coalesce(known("requested_procs"), known("allocated_procs"), pl.lit(0.0))
    memory_kb = pl.coalesce(known("requested_memory"), known("used_memory"), pl.lit(0.0))
    # name (job-<job>) and owner (user-<user>, unknown: null) are written into the Arrow
    # table once the rows are in order (kbench.traces.names: polars' string building is
    # most of the time left after the scan).
    frame = parsed.select(
        name=_text(None), time_s=pl.col("submit"),
        cpu_milli=(procs * cpu_milli_per_processor).round().cast(pl.Int64),
        memory_bytes=(memory_kb * 1024 * procs).round().cast(pl.Int64),
        cpu_limit_milli=pl.lit(None, dtype=pl.Int64),
        memory_limit_bytes=pl.lit(None, dtype=pl.Int64),
        gpu=pl.lit(0, dtype=pl.Int32), gpu_milli=pl.lit(0, dtype=pl.Int32),
        gpu_models=_no_gpu_models(), duration_s=known("run_time"),
        owner=_text(None), priority=pl.lit(0, dtype=pl.Int32), qos=_text(None),
        job=pl.col("job"), user=pl.col("user"))
    frame = in_arrival_order(frame)
    users = frame["user"].to_numpy()
    table = _with_columns(canonical_table(frame, PODS_KIND), {
        "name": numbered("job-", frame["job"].to_numpy()),
        "owner": numbered("user-", users, users >= 0)})
    return Trace(PODS_KIND, table, "swf", str(path), skipped)


def _with_columns(table: pa.Table, arrays: dict[str, pa.Array]) -> pa.Table:
    """``table`` with these columns replaced (same fields, so the same schema)."""
    for name, array in arrays.items():
        index = table.schema.get_field_index(name)
        table = table.set_column(index, table.schema.field(index), array)
    return table


# ---------------------------------------------------------------------------
# Alibaba cluster-trace-v2018 (no header; alibaba/clusterdata cluster-trace-v2018/schema.md)
# ---------------------------------------------------------------------------

ALIBABA_MACHINE_META = ["machine_id", "time_stamp", "failure_domain_1", "failure_domain_2",
                        "cpu_num", "mem_size", "status"]
ALIBABA_CONTAINER_META = ["container_id", "machine_id", "time_stamp", "app_du", "status",
                          "cpu_request", "cpu_limit", "mem_size"]
ALIBABA_BATCH_TASK = ["task_name", "instance_num", "job_name", "task_type", "status",
                      "start_time", "end_time", "plan_cpu", "plan_mem"]

#: Bytes of a normalised memory size of 100 in cluster-trace-v2018 (an assumption: the trace
#: hides the real size; its machines have 96 cores).
ALIBABA_FULL_MEMORY_BYTES = 512 * GIB


def _required_text(name: str, what: str) -> Rule:
    return Rule(name, pl.col(name).is_null() | (pl.col(name) == ""), f"missing {what}")


def load_alibaba_machines(path: Path, skip_bad_rows: bool = False,
                          full_memory_bytes: int = ALIBABA_FULL_MEMORY_BYTES) -> Trace:
    """machine_meta.csv: one node per machine (its last record), cpu_num cores, mem_size/100
    of ``full_memory_bytes``; failure_domain_1 as zone, failure_domain_2 as pool."""
    columns = [Column("time_stamp", pl.Float64), Column("cpu_num"),
               Column("mem_size", pl.Float64)]
    raw = read_text_csv(path, ALIBABA_MACHINE_META, columns)
    parsed, skipped = parse_columns(
        raw, columns, path, lines=raw["__line"],
        skip_bad_rows=skip_bad_rows, keep=["machine_id", "failure_domain_1", "failure_domain_2"],
        rules=[_required_text("machine_id", "machine id"),
               Rule("mem_size", pl.col("mem_size") > 100, "normalised memory is at most 100")])
    last = parsed.group_by("machine_id", maintain_order=True).last()
    frame = last.select(
        name=pl.col("machine_id"), cpu_milli=pl.col("cpu_num") * 1000,
        memory_bytes=(pl.col("mem_size") / 100 * full_memory_bytes).round().cast(pl.Int64),
        gpu=pl.lit(0, dtype=pl.Int32), gpu_model=_text(None),
        zone=pl.col("failure_domain_1"), instance_type=_text(None),
        pool=pl.col("failure_domain_2"))
    return Trace(NODES_KIND, canonical_table(frame, NODES_KIND), "alibaba2018-machines",
                 str(path), skipped)


def load_alibaba_containers(path: Path, skip_bad_rows: bool = False,
                            full_memory_bytes: int = ALIBABA_FULL_MEMORY_BYTES) -> Trace:
    """container_meta.csv: one pod per container, arriving at its first record, with the
    requests of that record (cpu_request 100 = 1 core, limit likewise; mem_size/100 of
    ``full_memory_bytes``), owned by its app_du; online services, so no duration."""
    columns = [Column("time_stamp", pl.Float64), Column("cpu_request"), Column("cpu_limit"),
               Column("mem_size", pl.Float64)]
    raw = read_text_csv(path, ALIBABA_CONTAINER_META, columns)
    parsed, skipped = parse_columns(
        raw, columns, path, lines=raw["__line"],
        skip_bad_rows=skip_bad_rows, keep=["container_id", "app_du"],
        rules=[_required_text("container_id", "container id"),
               Rule("mem_size", pl.col("mem_size") > 100, "normalised memory is at most 100")])
    first = parsed.sort("time_stamp", maintain_order=True).group_by(
        "container_id", maintain_order=True).first()
    frame = first.select(
        name=pl.col("container_id"), time_s=pl.col("time_stamp"),
        cpu_milli=pl.col("cpu_request") * 10,
        memory_bytes=(pl.col("mem_size") / 100 * full_memory_bytes).round().cast(pl.Int64),
        cpu_limit_milli=pl.col("cpu_limit") * 10,
        memory_limit_bytes=pl.lit(None, dtype=pl.Int64),
        gpu=pl.lit(0, dtype=pl.Int32), gpu_milli=pl.lit(0, dtype=pl.Int32),
        gpu_models=_no_gpu_models(), duration_s=pl.lit(None, dtype=pl.Float64),
        owner=pl.when(pl.col("app_du") == "").then(None).otherwise(pl.col("app_du")),
        priority=pl.lit(0, dtype=pl.Int32), qos=_text(None))
    return Trace(PODS_KIND, canonical_table(frame, PODS_KIND), "alibaba2018-containers",
                 str(path), skipped)


def load_alibaba_batch_tasks(path: Path, skip_bad_rows: bool = False,
                             full_memory_bytes: int = ALIBABA_FULL_MEMORY_BYTES) -> Trace:
    """batch_task.csv: one pod per task instance (``{job}-{task}-{i}``, i < instance_num),
    arriving at start_time and running until end_time (null if end_time is not after
    start_time); plan_cpu 100 = 1 core, plan_mem/100 of ``full_memory_bytes`` (empty: 0)."""
    columns = [Column("instance_num"), Column("start_time", pl.Float64),
               Column("end_time", pl.Float64), Column("plan_cpu", pl.Float64, required=False),
               Column("plan_mem", pl.Float64, required=False)]
    raw = read_text_csv(path, ALIBABA_BATCH_TASK, columns)
    parsed, skipped = parse_columns(
        raw, columns, path, lines=raw["__line"],
        skip_bad_rows=skip_bad_rows, keep=["task_name", "job_name"],
        rules=[_required_text("task_name", "task name"), _required_text("job_name", "job name"),
               Rule("plan_mem", pl.col("plan_mem") > 100, "normalised memory is at most 100")])
    tasks = parsed.with_columns(instance=pl.int_ranges(0, pl.col("instance_num"))).explode(
        "instance").drop_nulls("instance")
    ends_after = pl.col("end_time") > pl.col("start_time")
    frame = tasks.select(
        name=pl.format("{}-{}-{}", pl.col("job_name"), pl.col("task_name"), pl.col("instance")),
        time_s=pl.col("start_time"),
        cpu_milli=(pl.col("plan_cpu").fill_null(0) * 10).round().cast(pl.Int64),
        memory_bytes=(pl.col("plan_mem").fill_null(0) / 100 * full_memory_bytes).round()
        .cast(pl.Int64),
        cpu_limit_milli=pl.lit(None, dtype=pl.Int64),
        memory_limit_bytes=pl.lit(None, dtype=pl.Int64),
        gpu=pl.lit(0, dtype=pl.Int32), gpu_milli=pl.lit(0, dtype=pl.Int32),
        gpu_models=_no_gpu_models(),
        duration_s=pl.when(ends_after).then(pl.col("end_time") - pl.col("start_time")),
        owner=pl.col("job_name"), priority=pl.lit(0, dtype=pl.Int32), qos=_text(None))
    frame = in_arrival_order(frame)
    return Trace(PODS_KIND, canonical_table(frame, PODS_KIND), "alibaba2018-batch-tasks",
                 str(path), skipped)


# ---------------------------------------------------------------------------
# Google ClusterData2019 tables exported to CSV (google/cluster-data
# clusterdata_trace_format_v3.proto; nested resources flattened to "<record>.<field>")
# ---------------------------------------------------------------------------

GOOGLE_INSTANCE_EVENTS = ["time", "type", "collection_id", "priority", "instance_index",
                          "resource_request.cpus", "resource_request.memory"]
GOOGLE_MACHINE_EVENTS = ["time", "machine_id", "type", "capacity.cpus", "capacity.memory"]

#: Microseconds of Google's "after the end of the trace" time (2^63 - 1).
GOOGLE_END_OF_TRACE = 2 ** 63 - 1
#: ClusterData2019 scales cpus and memory so the largest machine has 1.0; these say what
#: 1.0 stands for (assumptions: the trace does not say).
GOOGLE_CPU_MILLI_PER_UNIT = 100_000
GOOGLE_MEMORY_BYTES_PER_UNIT = 512 * GIB
#: EventType of the proto: SUBMIT, SCHEDULE, and the ends EVICT, FAIL, FINISH, KILL, LOST.
GOOGLE_SUBMIT, GOOGLE_SCHEDULE, GOOGLE_ENDS = 0, 3, (4, 5, 6, 7, 8)
GOOGLE_SCHEDULING_CLASSES = ["MOST_INSENSITIVE", "INSENSITIVE", "SENSITIVE", "MOST_SENSITIVE"]


def _flattened_names(frame: pl.DataFrame, records: tuple[str, ...]) -> pl.DataFrame:
    """Accept ``resource_request_cpus`` (a common export spelling) for
    ``resource_request.cpus``."""
    renames = {f"{record}_{field}": f"{record}.{field}" for record in records
               for field in ("cpus", "memory")}
    return frame.rename({old: new for old, new in renames.items() if old in frame.columns})


def load_google_instance_events(path: Path, skip_bad_rows: bool = False,
                                cpu_milli_per_unit: int = GOOGLE_CPU_MILLI_PER_UNIT,
                                memory_bytes_per_unit: int = GOOGLE_MEMORY_BYTES_PER_UNIT) -> Trace:
    """instance_events as CSV: one pod per task (collection_type 0) named
    ``{collection_id}-{instance_index}``, arriving at its first SUBMIT (times are µs; 0 is
    before the trace), requesting what that SUBMIT asked for, running from its first SCHEDULE
    to the first end event after it (null if none); priority kept, scheduling_class as qos.
    Alloc instances (collection_type 1) are left out."""
    raw = _flattened_names(read_text_csv(path), ("resource_request",))
    require_columns(raw.columns, GOOGLE_INSTANCE_EVENTS, str(path))
    if "collection_type" not in raw.columns:
        raw = raw.with_columns(collection_type=_text("0"))
    if "scheduling_class" not in raw.columns:
        raw = raw.with_columns(scheduling_class=_text(None))
    parsed, skipped = parse_columns(
        raw, [Column("time"), Column("type"), Column("collection_id"), Column("priority"),
              Column("instance_index"), Column("collection_type"),
              Column("scheduling_class", required=False),
              Column("resource_request.cpus", pl.Float64, required=False),
              Column("resource_request.memory", pl.Float64, required=False)],
        path, lines=raw["__line"], skip_bad_rows=skip_bad_rows,
        rules=[Rule("type", pl.col("type") > 10, "event types are 0-10"),
               Rule("scheduling_class", pl.col("scheduling_class") > 3,
                    "scheduling classes are 0-3")])
    key = ["collection_id", "instance_index"]
    events = parsed.filter(pl.col("collection_type") == 0).with_columns(
        time_s=pl.when(pl.col("time") < GOOGLE_END_OF_TRACE).then(pl.col("time") / 1e6))
    events = events.sort("time", maintain_order=True).with_columns(
        start=pl.col("time_s").filter(pl.col("type") == GOOGLE_SCHEDULE).min().over(key))
    submits = events.filter(pl.col("type") == GOOGLE_SUBMIT)
    ends = events.filter(pl.col("type").is_in(GOOGLE_ENDS) & (pl.col("time_s") >= pl.col("start")))
    first = submits.group_by(key, maintain_order=True).agg(
        pl.col("time_s").first(), pl.col("start").first(), pl.col("priority").first(),
        pl.col("scheduling_class").first(),
        pl.col("resource_request.cpus").drop_nulls().first().alias("cpus"),
        pl.col("resource_request.memory").drop_nulls().first().alias("memory"))
    end = ends.group_by(key).agg(pl.col("time_s").min().alias("end"))
    pods = first.join(end, on=key, how="left", maintain_order="left")
    frame = pods.select(
        name=pl.format("{}-{}", pl.col("collection_id"), pl.col("instance_index")),
        time_s=pl.col("time_s"),
        cpu_milli=(pl.col("cpus").fill_null(0) * cpu_milli_per_unit).round().cast(pl.Int64),
        memory_bytes=(pl.col("memory").fill_null(0) * memory_bytes_per_unit).round()
        .cast(pl.Int64),
        cpu_limit_milli=pl.lit(None, dtype=pl.Int64),
        memory_limit_bytes=pl.lit(None, dtype=pl.Int64),
        gpu=pl.lit(0, dtype=pl.Int32), gpu_milli=pl.lit(0, dtype=pl.Int32),
        gpu_models=_no_gpu_models(), duration_s=pl.col("end") - pl.col("start"),
        owner=pl.col("collection_id").cast(pl.String), priority=pl.col("priority"),
        qos=pl.col("scheduling_class").replace_strict(
            list(range(4)), GOOGLE_SCHEDULING_CLASSES, default=None, return_dtype=pl.String))
    frame = frame.sort(["time_s", "name"], maintain_order=True)
    return Trace(PODS_KIND, canonical_table(frame, PODS_KIND), "google2019-instance-events",
                 str(path), skipped)


def load_google_machine_events(path: Path, skip_bad_rows: bool = False,
                               cpu_milli_per_unit: int = GOOGLE_CPU_MILLI_PER_UNIT,
                               memory_bytes_per_unit: int = GOOGLE_MEMORY_BYTES_PER_UNIT) -> Trace:
    """machine_events as CSV: one node per machine that was ever added (``machine-{id}``),
    with the capacity of its last ADD or UPDATE; platform_id as instance type, switch_id as
    pool."""
    raw = _flattened_names(read_text_csv(path), ("capacity",))
    require_columns(raw.columns, GOOGLE_MACHINE_EVENTS, str(path))
    for optional in ("platform_id", "switch_id"):
        if optional not in raw.columns:
            raw = raw.with_columns(_text(None).alias(optional))
    parsed, skipped = parse_columns(
        raw, [Column("time"), Column("machine_id"), Column("type"),
              Column("capacity.cpus", pl.Float64, required=False),
              Column("capacity.memory", pl.Float64, required=False)],
        path, lines=raw["__line"], skip_bad_rows=skip_bad_rows,
        keep=["platform_id", "switch_id"],
        rules=[Rule("type", pl.col("type") > 3, "machine event types are 0-3")])
    sized = parsed.filter(pl.col("type").is_in((1, 3)) & pl.col("capacity.cpus").is_not_null())
    last = sized.sort("time", maintain_order=True).group_by(
        "machine_id", maintain_order=True).last().sort("machine_id")
    frame = last.select(
        name=pl.format("machine-{}", pl.col("machine_id")),
        cpu_milli=(pl.col("capacity.cpus") * cpu_milli_per_unit).round().cast(pl.Int64),
        memory_bytes=(pl.col("capacity.memory").fill_null(0) * memory_bytes_per_unit).round()
        .cast(pl.Int64),
        gpu=pl.lit(0, dtype=pl.Int32), gpu_model=_text(None), zone=_text(None),
        instance_type=pl.when(pl.col("platform_id") == "").then(None)
        .otherwise(pl.col("platform_id")),
        pool=pl.when(pl.col("switch_id") == "").then(None).otherwise(pl.col("switch_id")))
    return Trace(NODES_KIND, canonical_table(frame, NODES_KIND), "google2019-machine-events",
                 str(path), skipped)


# ---------------------------------------------------------------------------
# Canonical Parquet (what `kbench trace convert` writes)
# ---------------------------------------------------------------------------

def load_parquet(path: Path, skip_bad_rows: bool = False) -> Trace:
    """A Parquet file in one of the canonical schemas."""
    import pyarrow.parquet as pq
    from kbench.traces.schema import kind_of
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        raise TraceError(f"not a readable Parquet file ({error})", source=str(path)) from None
    kind = kind_of(table.schema)
    if kind is None:
        raise TraceError("Parquet columns are not a canonical trace schema (nodes, pods, "
                         f"usage or load): {', '.join(table.schema.names)}", source=str(path))
    return Trace(kind, pa.Table.from_arrays(table.columns, schema=SCHEMAS[kind]), "parquet",
                 str(path))


@dataclass(frozen=True)
class Format:
    """A trace format: its ``kind`` of canonical table, ``loader`` and a one-line ``about``."""

    name: str
    kind: str
    loader: Callable[..., Trace]
    about: str


FORMATS = {f.name: f for f in [
    Format("openb-nodes", NODES_KIND, load_openb_nodes, "openb GPU-cluster node list"),
    Format("openb-pods", PODS_KIND, load_openb_pods, "openb GPU-cluster pod list"),
    Format("azure-llm", LOAD_KIND, load_azure_llm, "Azure LLM inference requests 2023"),
    Format("azure-vm-2017", USAGE_KIND, load_azure_vm_2017, "Azure VM CPU % per 5 min, 2017"),
    Format("google2019-usage", USAGE_KIND, load_google2019_usage,
           "aggregated Google 2019 cell usage per 5 min"),
    Format("azure2019-usage", USAGE_KIND, load_azure2019_usage,
           "aggregated Azure 2019 CPU cores per 5 min"),
    Format("swf", PODS_KIND, load_swf, "Standard Workload Format job log"),
    Format("alibaba2018-machines", NODES_KIND, load_alibaba_machines,
           "Alibaba cluster-trace-v2018 machine_meta.csv"),
    Format("alibaba2018-containers", PODS_KIND, load_alibaba_containers,
           "Alibaba cluster-trace-v2018 container_meta.csv"),
    Format("alibaba2018-batch-tasks", PODS_KIND, load_alibaba_batch_tasks,
           "Alibaba cluster-trace-v2018 batch_task.csv"),
    Format("google2019-instance-events", PODS_KIND, load_google_instance_events,
           "Google ClusterData2019 instance_events as CSV"),
    Format("google2019-machine-events", NODES_KIND, load_google_machine_events,
           "Google ClusterData2019 machine_events as CSV"),
    Format("parquet", "", load_parquet, "canonical trace table written by trace convert"),
]}
