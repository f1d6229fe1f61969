"""What recording a run costs at the day benchmark's scale (5,000 nodes, 150,000 pods, 1,000
Deployments with HPAs; pytest-benchmark, run with `make bench`, never part of `make test`).

Reported, measured in one run on this machine: the pod log's work at the end of a tick (new
pods, pods gone, first starts and readiness) and one sample of the time series (pools,
nodes, HPAs, loads, workloads), each against the engine's own 15 s tick; the snapshot of the
running cluster with what a resume needs (engine state, rows, strings), written and read.
"""

from __future__ import annotations

import time

from benchmarks.day import day_cluster
from kbench.experiments.recorder import PodLog, SeriesRecorder, Vocabulary
from kbench.state import read_snapshot


def test_recording_the_day_cluster(benchmark, tmp_path):
    cluster = day_cluster(5_000, 1_000, 150)
    cluster.step("15s")        # 150,000 pods created and placed
    vocabulary = Vocabulary()
    log, series = PodLog(vocabulary), SeriesRecorder(vocabulary)
    log.capture(cluster.state)
    series.record(cluster, log)
    start = time.perf_counter()
    cluster.step("15s")
    tick = time.perf_counter() - start

    def one_tick_of_recording():
        log.tick(cluster.state)

    benchmark.pedantic(one_tick_of_recording, rounds=20, iterations=1)
    per_tick = benchmark.stats.stats.mean
    start = time.perf_counter()
    rounds = 5
    for _ in range(rounds):
        log.capture(cluster.state)
        series.record(cluster, log)
    sample = (time.perf_counter() - start) / rounds
    rows = series.take().num_rows / rounds
    start = time.perf_counter()
    cluster.snapshot(tmp_path / "snap")
    written = time.perf_counter() - start
    start = time.perf_counter()
    read_snapshot(tmp_path / "snap")
    read = time.perf_counter() - start
    benchmark.extra_info.update(
        pods=log.size, engine_tick_seconds=round(tick, 3),
        pod_log_per_tick_ms=round(per_tick * 1000, 2), sample_ms=round(sample * 1000, 1),
        rows_per_sample=int(rows), snapshot_write_seconds=round(written, 2),
        snapshot_read_seconds=round(read, 2))
    print(f"\n{log.size:,} pods: pod log {per_tick * 1000:.2f} ms per tick, one time series "
          f"sample {sample * 1000:.1f} ms ({rows:,.0f} rows), against an engine tick of "
          f"{tick * 1000:.0f} ms; snapshot with engine state written in {written:.2f} s, "
          f"read in {read:.2f} s")
    assert log.size >= 150_000
