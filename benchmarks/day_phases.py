"""Where a simulated day's ticks spend their time: ``python -m benchmarks.day_phases
[--hours H] [--skip S]`` builds the day benchmark's cluster (5,000 nodes, 1,000 Deployments of
150 with HPAs), runs its first tick, skips S simulated hours untimed, then prints each engine
phase's wall and CPU milliseconds per 15 s tick over the next H hours. A development tool:
the benchmark itself is benchmarks/test_day_speed.py."""

from __future__ import annotations

import argparse
import collections
import time

import kbench.sim.engine as engine_module
from benchmarks.day import day_cluster

#: (object path from the engine, attribute) of every timed phase; nested phases are timed too
#: (apply runs inside the controllers' phase, retry_rows inside the scheduler's).
PHASES = [("", "_events_due"), ("", "_schedule"), ("", "retry_rows"), ("", "_autoscale"),
          ("", "apply"), ("kubelet", "admit"), ("kubelet", "handle"), ("metrics", "scrape"),
          ("pod_gc", "sync"), ("deployments", "sync"), ("jobs", "sync"), ("cronjobs", "sync")]
MODULE_PHASES = ["sync_replicasets", "sync_statefulsets", "sync_daemonsets", "collect_garbage"]


def timed(function, label: str, wall: dict, cpu: dict):
    def wrapper(*args, **kwargs):
        w, c = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            wall[label] += time.perf_counter() - w
            cpu[label] += time.process_time() - c
    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=0.5)
    parser.add_argument("--skip", type=float, default=0.0)
    parser.add_argument("--nodes", type=int, default=5_000)
    parser.add_argument("--deployments", type=int, default=1_000)
    parser.add_argument("--replicas", type=int, default=150)
    args = parser.parse_args()
    wall, cpu = collections.defaultdict(float), collections.defaultdict(float)
    start = time.perf_counter()
    cluster = day_cluster(args.nodes, args.deployments, args.replicas)
    print(f"built in {time.perf_counter() - start:.1f} s", flush=True)
    engine = cluster.engine
    for path, name in PHASES:
        owner = getattr(engine, path) if path else engine
        label = f"{path}.{name}" if path else name
        setattr(owner, name, timed(getattr(owner, name), label, wall, cpu))
    for name in MODULE_PHASES:
        setattr(engine_module, name, timed(getattr(engine_module, name), name, wall, cpu))
    start = time.perf_counter()
    cluster.step("15s")
    print(f"first tick {time.perf_counter() - start:.1f} s", flush=True)
    if args.skip:
        cluster.run(cluster.state.time + args.skip * 3600)
    wall.clear()
    cpu.clear()
    ticks = round(args.hours * 3600 / 15)
    w, c = time.perf_counter(), time.process_time()
    cluster.run(cluster.state.time + ticks * 15)
    w, c = time.perf_counter() - w, time.process_time() - c
    pods = cluster.state.tables["pods"]
    print(f"{ticks} ticks: {w / ticks * 1e3:.1f} ms wall, {c / ticks * 1e3:.1f} ms CPU per "
          f"tick; {pods.live_count} pods in {len(pods)} rows")
    for label in sorted(wall, key=lambda key: -cpu[key]):
        print(f"  {label:28s} {wall[label] / ticks * 1e3:6.2f} ms wall "
              f"{cpu[label] / ticks * 1e3:6.2f} ms CPU")


if __name__ == "__main__":
    main()
