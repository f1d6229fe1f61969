"""Trace ingest speed (pytest-benchmark; run with `make bench`, never part of `make test`).

Reports rows/s of kbench.traces.load on generated ~2 M-row files in the openb pod-list
format (CSV, 11 columns) and in the Standard Workload Format (18 whitespace-separated
fields), from text on disk to the canonical pods table; target >= 1 M rows/s.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from kbench.traces import load

ROWS = 2_000_000
TARGET_ROWS_PER_SECOND = 1e6


def openb_pods_frame(rows: int, seed: int = 0) -> pl.DataFrame:
    """A pod list in the openb format: GPU counts 0-2, shares for single GPUs, some models."""
    rng = np.random.default_rng(seed)
    gpus = rng.integers(0, 3, rows)
    created = np.sort(rng.integers(0, 10_000_000, rows))
    return pl.DataFrame({
        "name": pl.int_range(rows, eager=True).cast(pl.String),
        "cpu_milli": rng.integers(100, 32_000, rows),
        "memory_mib": rng.integers(100, 65_536, rows), "num_gpu": gpus,
        "gpu_milli": np.where(gpus == 1, rng.integers(1, 1001, rows), np.where(gpus > 1, 1000, 0)),
        "gpu_spec": np.where(rng.random(rows) < 0.1, "V100M16|V100M32", ""),
        "qos": np.where(rng.random(rows) < 0.5, "LS", "BE"), "pod_phase": "Running",
        "creation_time": created, "deletion_time": created + rng.integers(1, 100_000, rows),
        "scheduled_time": created}).with_columns(pl.format("pod-{}", "name").alias("name"))


def swf_lines(rows: int, seed: int = 0) -> pl.DataFrame:
    """Job lines in the Standard Workload Format, -1 for the unknown fields."""
    rng = np.random.default_rng(seed)
    procs = rng.integers(1, 129, rows).astype(str)
    fields = [np.arange(1, rows + 1).astype(str), np.sort(rng.integers(0, 10**7, rows)).astype(str),
              np.full(rows, "-1"), rng.integers(1, 50_000, rows).astype(str), procs,
              np.full(rows, "-1"), np.full(rows, "-1"), procs, np.full(rows, "-1"),
              np.full(rows, "-1"), np.full(rows, "1"), rng.integers(1, 70, rows).astype(str),
              *[np.full(rows, "-1")] * 6]
    return pl.DataFrame({f"field{i}": values for i, values in enumerate(fields)}).select(
        pl.concat_str(pl.all(), separator="  ").alias("line"))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("traces")
    pods = folder / "openb_pod_list_2m.csv"
    openb_pods_frame(ROWS).write_csv(pods)
    swf = folder / "jobs_2m.swf"
    swf.write_text("; Version: 2.2\n" + "\n".join(swf_lines(ROWS)["line"].to_list()) + "\n")
    return {"openb-pods": pods, "swf": swf}


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
