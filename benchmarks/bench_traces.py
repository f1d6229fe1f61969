"""asv benchmarks of trace ingest: kbench.traces.load on generated files in the openb pod-list
format, the Standard Workload Format and the full-size cluster-trace-v2018 batch_task and
ClusterData2019 instance_events formats (seeded; the same files every run)."""

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


def batch_task_frame(rows: int, seed: int = 0) -> pl.DataFrame:
    """cluster-trace-v2018 batch_task rows (no header in the file): tasks of 1-3 instances,
    start times in order, plan_cpu in 50s, normalised plan_mem."""
    rng = np.random.default_rng(seed)
    start = np.sort(rng.integers(80_000, 700_000, rows))
    return pl.DataFrame({
        "task_name": rng.integers(1, 20, rows), "instance_num": rng.integers(1, 4, rows),
        "job_name": np.arange(rows) // 3,
        "task_type": np.ones(rows, dtype=np.int64), "status": "Terminated",
        "start_time": start, "end_time": start + rng.integers(1, 5_000, rows),
        "plan_cpu": 50.0 * rng.integers(1, 9, rows),
        "plan_mem": np.round(rng.random(rows) * 2, 2)}).with_columns(
        pl.format("M{}", "task_name").alias("task_name"),
        pl.format("j_{}", "job_name").alias("job_name"))


def instance_events_frame(rows: int, seed: int = 0) -> pl.DataFrame:
    """ClusterData2019 instance_events exported to CSV: SUBMIT, SCHEDULE and FINISH of each
    instance (three rows each), times in microseconds."""
    rng = np.random.default_rng(seed)
    instances = rows // 3
    submit = np.sort(rng.integers(0, 2_000_000_000_000, instances))
    times = np.stack([submit, submit + 1_000_000,
                      submit + rng.integers(2_000_000, 900_000_000, instances)], 1).ravel()
    index = np.repeat(np.arange(instances), 3)
    count = len(times)
    return pl.DataFrame({
        "time": times, "type": np.tile([0, 3, 6], instances),
        "collection_id": 100 + index // 10, "scheduling_class": np.full(count, 2),
        "missing_type": pl.Series([None] * count, dtype=pl.Int64),
        "collection_type": np.zeros(count, dtype=np.int64), "priority": np.full(count, 200),
        "alloc_collection_id": np.zeros(count, dtype=np.int64), "instance_index": index % 10,
        "machine_id": rng.integers(0, 10_000, count), "alloc_instance_index": np.full(count, -1),
        "resource_request.cpus": np.repeat(np.round(rng.random(instances) * 0.05, 4), 3),
        "resource_request.memory": np.repeat(np.round(rng.random(instances) * 0.02, 4), 3),
        "constraint": pl.Series([None] * count, dtype=pl.String)})


def write_trace(format_name: str, rows: int, folder: Path) -> Path:
    """A generated file of ``rows`` rows (lines) in ``format_name``: openb-pods, swf,
    alibaba2018-batch-tasks or google2019-instance-events."""
    if format_name == "openb-pods":
        path = folder / f"openb_pod_list_{rows}.csv"
        openb_pods_frame(rows).write_csv(path)
    elif format_name == "swf":
        path = folder / f"jobs_{rows}.swf"
        path.write_text(swf_text(rows))
    elif format_name == "alibaba2018-batch-tasks":
        path = folder / f"batch_task_{rows}.csv"
        batch_task_frame(rows).write_csv(path, include_header=False)
    else:
        path = folder / f"instance_events_{rows}.csv"
        instance_events_frame(rows).write_csv(path)
    return path


class TraceIngestSuite:
    params = (["openb-pods", "swf", "alibaba2018-batch-tasks", "google2019-instance-events"],
              [200_000, 2_000_000])
    param_names = ["format", "rows"]
    timeout = 300

    def setup(self, format_name, rows):
        self.folder = tempfile.TemporaryDirectory()
        self.path = write_trace(format_name, rows, Path(self.folder.name))

    def teardown(self, format_name, rows):
        self.folder.cleanup()

    def time_load(self, format_name, rows):
        load(self.path)
