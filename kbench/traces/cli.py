"""`kbench trace`: look into a trace file (inspect) and write it as a canonical Parquet table
(convert)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import typer

from kbench.traces.detect import resolve_format
from kbench.traces.schema import SCHEMAS, TIME_COLUMN, describe
from kbench.traces.trace import Trace, TraceError

trace_app = typer.Typer(add_completion=False, no_args_is_help=True,
                        help="Read recorded traces: inspect them, convert them to Parquet.")

FORMAT_HELP = "Trace format (default: detected from the file's name and header)."
SKIP_HELP = "Skip malformed rows (and count them) instead of failing."
HISTOGRAM_BINS = 20
BAR_WIDTH = 40


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _span(seconds: float) -> str:
    for unit, size in (("days", 86_400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:g} s"


def _histogram_column(trace: Trace) -> tuple[str, str]:
    """(column, title) that the histogram shows for this kind of trace."""
    if trace.kind == "nodes":
        return "cpu_milli", "nodes by CPU (millicores)"
    if trace.kind == "usage":
        fractions = trace.table.column("cpu_fraction")
        if fractions.null_count < len(fractions):
            return "cpu_fraction", "samples by CPU fraction"
        return "cpu_cores", "samples by CPU cores"
    if trace.kind == "load":
        return "time_s", "requests over time (s)"
    return "time_s", "arrivals over time (s)"


def histogram(trace: Trace, bins: int = HISTOGRAM_BINS) -> list[str]:
    """Text bars of the kind's main column (arrivals over time, or values)."""
    column, title = _histogram_column(trace)
    values = trace.table.column(column).to_numpy(zero_copy_only=False).astype(float)
    weights = None
    if trace.kind == "load":
        weights = trace.table.column("requests").to_numpy()
    keep = ~np.isnan(values)
    if not keep.any():
        return [f"{title}: no values"]
    counts, edges = np.histogram(values[keep], bins=bins,
                                 weights=None if weights is None else weights[keep])
    top = counts.max() or 1
    lines = [f"{title}:"]
    for count, low, high in zip(counts, edges[:-1], edges[1:]):
        bar = "#" * int(round(BAR_WIDTH * count / top))
        lines.append(f"  [{low:>14.6g}, {high:>14.6g})  {bar:<{BAR_WIDTH}} {count:g}")
    return lines


def _load(path: Path, format_name: Optional[str], skip_bad_rows: bool) -> Trace:
    try:
        chosen = resolve_format(format_name, path)  # checks file and format before any work
        return chosen.loader(path, skip_bad_rows=skip_bad_rows)
    except TraceError as error:
        _fail(str(error))


@trace_app.command()
def inspect(
    file: Path = typer.Argument(..., help="Trace file."),
    format_name: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
    skip_bad_rows: bool = typer.Option(False, "--skip-bad-rows", help=SKIP_HELP),
) -> None:
    """Show a trace's format, canonical schema, row count, time span and a histogram."""
    trace = _load(file, format_name, skip_bad_rows)
    lines = [f"file: {file}", f"format: {trace.format}", f"kind: {trace.kind}",
             f"rows: {trace.num_rows}" + (f" ({trace.skipped} bad rows skipped)"
                                          if trace.skipped else "")]
    time_column = TIME_COLUMN[trace.kind]
    if time_column and trace.num_rows:
        times = trace.table.column(time_column).to_numpy()
        lines.append(f"time span: {times.min():g} s to {times.max():g} s "
                     f"({_span(float(times.max() - times.min()))})")
    lines.append("schema:")
    lines += ["  " + line for line in describe(SCHEMAS[trace.kind]).splitlines()]
    if trace.num_rows:
        lines += histogram(trace)
    typer.echo("\n".join(lines))


@trace_app.command()
def convert(
    file: Path = typer.Argument(..., help="Trace file to read."),
    out: Path = typer.Argument(..., help="Parquet file to write (OUT.parquet)."),
    format_name: Optional[str] = typer.Option(None, "--format", help=FORMAT_HELP),
    skip_bad_rows: bool = typer.Option(False, "--skip-bad-rows", help=SKIP_HELP),
) -> None:
    """Write a trace as its canonical table to Parquet (same input, same bytes)."""
    import pyarrow.parquet as pq

    if out.suffix != ".parquet":
        _fail(f"{out}: the output must be a .parquet file")
    if not out.parent.is_dir():
        _fail(f"{out}: no such folder {out.parent}")
    if out.exists() and file.exists() and out.resolve() == file.resolve():
        _fail(f"{out}: the output would overwrite the input")
    trace = _load(file, format_name, skip_bad_rows)
    pq.write_table(trace.table, out, compression="zstd")
    skipped = f", {trace.skipped} bad rows skipped" if trace.skipped else ""
    typer.echo(f"{trace.format} -> {trace.kind}: {trace.num_rows} rows{skipped}; "
               f"written to {out}")
