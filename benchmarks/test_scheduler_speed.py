"""Scheduler speed (pytest-benchmark; run with `make bench`, never part of `make test`).

Reports, measured in one run on this machine: pods/s of the compiled kernel on the issue's
workload (150,000 pods from ~1,000 templates onto 5,000 nodes: mixed 4-64 CPU shapes, 3
zones, 10 % tainted nodes, a fifth of the templates with node affinity), with Kubernetes'
adaptive percentageOfNodesToScore and with 100 %; the ratio over the plain-Python reference
scheduler on a smaller input of the same shape; the ratio over kube-scheduler's published
scheduler_perf throughput (SchedulingBasic ~680-810 pods/s, NodeAffinity ~220 at 5,000 nodes);
and the kernel's compile time (first call) separately. DefaultPreemption: pods that must
preempt on 5,000 full nodes, and the ratio over the reference on a smaller input. The same
150,000 pods controlled by ReplicaSets (PodTopologySpread's system default constraints score
every pod) are reported on their own.
"""

from __future__ import annotations

import gc
import time

import pytest

from benchmarks.scheduling import (anti_affinity_cluster, mixed_cluster, preemption_cluster,
                                   replica_set_cluster, scheduling_cluster, zone_spread_cluster)

KUBE_SCHEDULER_PODS_PER_SECOND = {"SchedulingBasic": 745, "NodeAffinity": 220,
                                  "TopologySpreading": 460, "PodAntiAffinity": 60}


def _decide(cluster):
    return cluster.scheduler.decide(cluster.state)


def _collect_garbage() -> None:
    gc.collect()


def _timed_once(benchmark, cluster):
    """One scheduling pass under the benchmark (the scheduler's counters restored first, so
    a rerun decides the same): (decisions, seconds). The garbage of building the workload is
    collected before the timer starts: a full collection of the heap it leaves (~0.1 s)
    would otherwise land in the pass or not by chance."""
    counters = dict(cluster.state.counters)

    def run():
        cluster.state.counters.clear()
        cluster.state.counters.update(counters)
        return _decide(cluster)

    decisions = benchmark.pedantic(run, setup=_collect_garbage, rounds=1, iterations=1)
    return decisions, benchmark.stats.stats.mean


WORKLOADS = {"affinity": scheduling_cluster,  # a fifth of the templates with node affinity
             "affinity+spread": mixed_cluster}  # and a tenth spread over the zones


@pytest.mark.parametrize("workload", list(WORKLOADS))
@pytest.mark.parametrize("percentage", [None, 100], ids=["adaptive", "all-nodes"])
def test_schedule_150k_pods_on_5000_nodes(benchmark, percentage, workload):
    cluster = WORKLOADS[workload](5_000, 150_000, percentage=percentage)
    start = time.perf_counter()
    _decide(scheduling_cluster(200, 200, percentage=percentage))  # compile (or load the cache)
    compile_seconds = time.perf_counter() - start
    decisions, seconds = _timed_once(benchmark, cluster)
    placed = int((decisions.node_rows >= 0).sum())
    rate = len(decisions.pod_rows) / seconds
    benchmark.extra_info.update(
        pods=len(decisions.pod_rows), placed=placed, pods_per_second=round(rate),
        compile_seconds=round(compile_seconds, 2),
        over_kube_scheduler_basic=round(rate / KUBE_SCHEDULER_PODS_PER_SECOND["SchedulingBasic"], 1),
        over_kube_scheduler_affinity=round(rate / KUBE_SCHEDULER_PODS_PER_SECOND["NodeAffinity"], 1))
    print(f"\n{workload}, {percentage or 'adaptive'}: {len(decisions.pod_rows)} pods in "
          f"{seconds:.2f} s = "
          f"{rate:,.0f} pods/s ({placed} placed); compile/load {compile_seconds:.1f} s; "
          f"{rate / 745:.0f}x kube-scheduler SchedulingBasic, {rate / 220:.0f}x NodeAffinity")
    assert placed == len(decisions.pod_rows)


def test_kernel_over_reference(benchmark):
    """Speed-up over the reference scheduler on the same 300-node, 600-pod input, one run."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from reference.scheduler import ReferenceScheduler

    cluster = scheduling_cluster(300, 600, templates=60)
    nodes = [node.to_dict() for node in cluster.list("nodes")]
    pods = [pod.to_dict() for pod in cluster.list("pods")]
    _decide(scheduling_cluster(300, 600, templates=60))  # compiled before timing
    start = time.perf_counter()
    reference = ReferenceScheduler(seed=cluster.state.seed).schedule(nodes, pods)
    reference_seconds = time.perf_counter() - start
    decisions = benchmark.pedantic(lambda: _decide(cluster), rounds=1, iterations=1)
    kernel_seconds = benchmark.stats.stats.mean
    benchmark.extra_info.update(reference_seconds=round(reference_seconds, 2),
                                speedup=round(reference_seconds / kernel_seconds))
    print(f"\nreference {reference_seconds:.2f} s, kernel {kernel_seconds:.4f} s: "
          f"{reference_seconds / kernel_seconds:,.0f}x")
    assert len(reference) == len(decisions.pod_rows)


@pytest.mark.parametrize("case", ["PodAntiAffinity", "TopologySpreading"])
def test_affinity_and_spread_on_5000_nodes(benchmark, case):
    """Reported separately: 5,000 pods with required hostname anti-affinity, and 50,000 pods
    spread over 3 zones, on 5,000 nodes (adaptive percentage)."""
    build = {"PodAntiAffinity": lambda: anti_affinity_cluster(5_000, 5_000),
             "TopologySpreading": lambda: zone_spread_cluster(5_000, 50_000)}[case]
    cluster = build()
    # compiled before timing, DefaultPreemption's dry run included: 60 pods with hostname
    # anti-affinity on 45 untainted nodes leave some that fit nowhere
    _decide(anti_affinity_cluster(50, 60))
    decisions, seconds = _timed_once(benchmark, cluster)
    rate = len(decisions.pod_rows) / seconds
    published = KUBE_SCHEDULER_PODS_PER_SECOND[case]
    benchmark.extra_info.update(pods=len(decisions.pod_rows), pods_per_second=round(rate),
                                over_kube_scheduler=round(rate / published, 1))
    placed = int((decisions.node_rows >= 0).sum())
    print(f"\n{case}: {len(decisions.pod_rows)} pods in {seconds:.2f} s = {rate:,.0f} pods/s "
          f"({placed} placed), {rate / published:.0f}x kube-scheduler's {published}/s")
    assert placed >= 0.9 * len(decisions.pod_rows)  # anti-affinity: one per untainted node


def test_replica_set_pods_on_5000_nodes(benchmark):
    """Reported separately: the 150,000 pods of the affinity workload, each template's pods
    controlled by a ReplicaSet, so that PodTopologySpread's system default constraints
    (hostname and zone, ScheduleAnyway) score every pod, as they do for Deployments' pods
    (adaptive percentage)."""
    cluster = replica_set_cluster(5_000, 150_000)
    _decide(replica_set_cluster(200, 200))  # compiled before timing
    decisions, seconds = _timed_once(benchmark, cluster)
    placed = int((decisions.node_rows >= 0).sum())
    rate = len(decisions.pod_rows) / seconds
    benchmark.extra_info.update(pods=len(decisions.pod_rows), pods_per_second=round(rate))
    print(f"\nReplicaSets' pods: {len(decisions.pod_rows)} pods in {seconds:.2f} s = "
          f"{rate:,.0f} pods/s ({placed} placed)")
    assert placed == len(decisions.pod_rows)

def test_preemption_on_5000_nodes(benchmark):
    """1,000 pending pods of priority 1000 on 5,000 nodes full of priority-0 pods
    (125,000): each fits nowhere and preempts (the dry run checks 500 candidate nodes)."""
    cluster = preemption_cluster(5_000, 1_000)
    _decide(preemption_cluster(50, 5))  # compiled before timing
    decisions, seconds = _timed_once(benchmark, cluster)
    nominated = int((decisions.nominated_rows >= 0).sum())
    rate = len(decisions.pod_rows) / seconds
    benchmark.extra_info.update(pods=len(decisions.pod_rows), nominated=nominated,
                                preemptions_per_second=round(rate))
    print(f"\npreemption: {len(decisions.pod_rows)} pods in {seconds:.2f} s = {rate:,.0f} "
          f"pods/s, {nominated} nominated")
    assert nominated == len(decisions.pod_rows)


def test_preemption_over_reference(benchmark):
    """Speed-up over the reference scheduler on the same 40-node, 10-preemptor input, one
    run; both nominate the same nodes."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from reference.scheduler import ReferenceScheduler

    cluster = preemption_cluster(40, 10)
    nodes = [node.to_dict() for node in cluster.list("nodes")]
    pods = [pod.to_dict() for pod in cluster.list("pods")]
    _decide(preemption_cluster(50, 5))  # compiled before timing
    from kbench.scheduler.scheduler import RNG, START_INDEX
    counters = dict(cluster.state.counters)
    scheduler = ReferenceScheduler(seed=cluster.state.seed)
    # the fillers' pass moved the scheduler's start index and random generator on
    scheduler.rng.state = counters[RNG]
    scheduler.next_start_node_index = counters[START_INDEX]
    start = time.perf_counter()
    reference = scheduler.schedule(nodes, pods)
    reference_seconds = time.perf_counter() - start

    def run():
        cluster.state.counters.clear()
        cluster.state.counters.update(counters)
        return _decide(cluster)

    decisions = benchmark.pedantic(run, rounds=1, iterations=1)
    kernel_seconds = benchmark.stats.stats.mean
    node_names = cluster.state.tables["nodes"]["name"]
    nominated = [cluster.state.strings[int(node_names[row])]
                 for row in decisions.nominated_rows.tolist()]
    assert nominated == [row["nominated_node"] for row in reference]
    benchmark.extra_info.update(reference_seconds=round(reference_seconds, 2),
                                speedup=round(reference_seconds / kernel_seconds))
    print(f"\npreemption: reference {reference_seconds:.2f} s, kernel {kernel_seconds:.4f} s: "
          f"{reference_seconds / kernel_seconds:,.0f}x")
