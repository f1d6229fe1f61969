"""Trace ingest speed (pytest-benchmark; run with `make bench`, never part of `make test`).

Reports rows/s of kbench.traces.load on generated ~2 M-row files in the openb pod-list
format (CSV, 11 columns) and in the Standard Workload Format (18 whitespace-separated
fields), from text on disk to the canonical pods table; target >= 1 M rows/s. For SWF also
the speed-up, measured in one run, of the compiled scan (kbench.traces.swf_scan) over the
polars way it replaced for plain files (blanks collapsed by bytes.replace, then polars' CSV
reader), from the file's bytes to the checked job fields.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from benchmarks.bench_traces import write_trace
from kbench.traces import load, loaders

ROWS = 2_000_000
TARGET_ROWS_PER_SECOND = 1e6


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("traces")
    return {name: write_trace(name, ROWS, folder) for name in FORMATS}


#: the formats measured; rows/s counts the file's rows (lines), whatever they become (a
#: batch_task row is one pod per instance; three instance_events rows make one pod)
FORMATS = ["openb-pods", "swf", "alibaba2018-batch-tasks", "google2019-instance-events"]


@pytest.mark.parametrize("format_name", FORMATS)
def test_ingest_rows_per_second(benchmark, files, format_name):
    path = files[format_name]
    trace = benchmark.pedantic(load, args=(path,), rounds=3, iterations=1, warmup_rounds=1)
    seconds = benchmark.stats.stats.median
    rate = ROWS / seconds
    benchmark.extra_info.update(rows=ROWS, pods=trace.num_rows, rows_per_second=round(rate))
    print(f"\n{format_name}: {ROWS:,} rows in {seconds:.2f} s (median of 3) = "
          f"{rate / 1e6:.2f} M rows/s ({rate / TARGET_ROWS_PER_SECOND:.1f}x the 1 M/s target; "
          f"{path.stat().st_size / 2**20:.0f} MiB; {trace.num_rows:,} pods)")
    assert trace.format == format_name and trace.skipped == 0 and trace.num_rows > 0
    if format_name in ("openb-pods", "swf"):
        assert trace.num_rows == ROWS


def test_swf_scan_against_the_polars_way(benchmark, files):
    path = files["swf"]
    data = loaders.read_bytes(path)

    def fields():
        return loaders._swf_fields(data, Path(path), False)

    parsed, _ = benchmark.pedantic(fields, rounds=3, iterations=1, warmup_rounds=1)
    scan_seconds = benchmark.stats.stats.median
    polars_seconds = []
    for _ in range(3):
        start = time.perf_counter()
        expected, _ = loaders._swf_fields_polars(data, Path(path), False)
        polars_seconds.append(time.perf_counter() - start)
    polars_seconds = sorted(polars_seconds)[1]
    speedup = polars_seconds / scan_seconds
    benchmark.extra_info.update(speedup=round(speedup, 2))
    print(f"\nswf fields: compiled scan {scan_seconds:.2f} s, the polars way "
          f"{polars_seconds:.2f} s (medians of 3, {parsed.height:,} rows) = {speedup:.1f}x")
    assert parsed.equals(expected)
