"""One simulated day of 5,000 nodes, 150,000 pods and 1,000 Deployments with HPAs at 15 s
steps (issue target: <= 60 s wall, <= 4 GiB RSS on a 2-core machine). Reported: the first
tick (creating and placing the 150,000 pods), the day's wall time and its ratio over real
time, seconds per tick, peak RSS. KBENCH_DAY_HOURS runs a shorter day (e.g. 1 for a quick
look); the figures then say so."""

from __future__ import annotations

import os
import resource
import time

from benchmarks.day import day_cluster

HOURS = float(os.environ.get("KBENCH_DAY_HOURS", "24"))


def test_one_simulated_day(benchmark):
    start = time.perf_counter()
    cluster = day_cluster(5_000, 1_000, 150)
    built = time.perf_counter() - start
    start = time.perf_counter()
    cluster.step("15s")
    first = time.perf_counter() - start

    def day():
        cluster.run(15 + HOURS * 3600)

    benchmark.pedantic(day, rounds=1, iterations=1)
    seconds = benchmark.stats.stats.mean
    ticks = HOURS * 3600 / 15
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    pods = cluster.state.counts()["pods"]
    benchmark.extra_info.update(
        hours=HOURS, apply_seconds=round(built, 1), first_tick_seconds=round(first, 1),
        wall_seconds=round(seconds, 1), ms_per_tick=round(seconds / ticks * 1000, 1),
        faster_than_real_time=round(HOURS * 3600 / seconds), peak_rss_gib=round(rss, 2),
        pods_at_end=pods)
    print(f"\n{HOURS:g} h simulated in {seconds:.1f} s ({seconds / ticks * 1000:.1f} ms per "
          f"15 s tick, {HOURS * 3600 / seconds:,.0f}x real time); manifests applied in "
          f"{built:.1f} s, first tick (150,000 pods created and placed) {first:.1f} s; peak "
          f"RSS {rss:.2f} GiB; {pods} pods at the end")
    assert pods > 0
