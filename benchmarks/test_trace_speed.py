"""Trace ingest speed (pytest-benchmark; run with `make bench`, never part of `make test`).

Reports rows/s of kbench.traces.load on generated ~2 M-row files in the openb pod-list
format (CSV, 11 columns) and in the Standard Workload Format (18 whitespace-separated
fields), from text on disk to the canonical pods table; target >= 1 M rows/s.
"""

from __future__ import annotations

import pytest

from benchmarks.bench_traces import write_trace
from kbench.traces import load

ROWS = 2_000_000
TARGET_ROWS_PER_SECOND = 1e6


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("traces")
    return {name: write_trace(name, ROWS, folder) for name in ("openb-pods", "swf")}


@pytest.mark.parametrize("format_name", ["openb-pods", "swf"])
def test_ingest_rows_per_second(benchmark, files, format_name):
    path = files[format_name]
    trace = benchmark.pedantic(load, args=(path,), rounds=3, iterations=1, warmup_rounds=1)
    seconds = benchmark.stats.stats.median
    rate = trace.num_rows / seconds
    benchmark.extra_info.update(rows=trace.num_rows, rows_per_second=round(rate))
    print(f"\n{format_name}: {trace.num_rows:,} rows in {seconds:.2f} s (median of 3) = "
          f"{rate / 1e6:.2f} M rows/s ({rate / TARGET_ROWS_PER_SECOND:.1f}x the 1 M/s target; "
          f"{path.stat().st_size / 2**20:.0f} MiB)")
    assert trace.format == format_name and trace.num_rows == ROWS and trace.skipped == 0
