"""asv benchmarks of trace ingest: kbench.traces.load on generated files in the openb pod-list
format and the Standard Workload Format (seeded; the same files every run)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import polars as pl

from kbench.traces import load


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


def swf_text(rows: int, seed: int = 0) -> str:
    """A job log in the Standard Workload Format: a header comment, then one line per job
    with fields separated by two spaces and -1 for the unknown ones."""
    rng = np.random.default_rng(seed)
    procs = rng.integers(1, 129, rows).astype(str)
    unknown = np.full(rows, "-1")
    fields = [np.arange(1, rows + 1).astype(str),
              np.sort(rng.integers(0, 10**7, rows)).astype(str), unknown,
              rng.integers(1, 50_000, rows).astype(str), procs, unknown, unknown, procs,
              unknown, unknown, np.full(rows, "1"), rng.integers(1, 70, rows).astype(str),
              *[unknown] * 6]
    lines = pl.DataFrame({f"field{i}": values for i, values in enumerate(fields)}).select(
        pl.concat_str(pl.all(), separator="  "))
    return "; Version: 2.2\n" + "\n".join(lines.to_series().to_list()) + "\n"


def write_trace(format_name: str, rows: int, folder: Path) -> Path:
    """A generated file of ``rows`` rows in ``format_name`` (openb-pods or swf)."""
    if format_name == "openb-pods":
        path = folder / f"openb_pod_list_{rows}.csv"
        openb_pods_frame(rows).write_csv(path)
    else:
        path = folder / f"jobs_{rows}.swf"
        path.write_text(swf_text(rows))
    return path


class TraceIngestSuite:
    params = (["openb-pods", "swf"], [200_000, 2_000_000])
    param_names = ["format", "rows"]
    timeout = 300

    def setup(self, format_name, rows):
        self.folder = tempfile.TemporaryDirectory()
        self.path = write_trace(format_name, rows, Path(self.folder.name))

    def teardown(self, format_name, rows):
        self.folder.cleanup()

    def time_load(self, format_name, rows):
        load(self.path)
