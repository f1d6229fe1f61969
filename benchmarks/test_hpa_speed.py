"""HPA decision speed (pytest-benchmark; run with `make bench`, never part of `make test`).

Reports, measured in one run on this machine: the kernel's time to decide 10,000 HPAs
(~15 pods each, warm history) in one sync, against the 5 ms target; the plain-Python
reference on the same input and the ratio; a whole sync (pod selection and metrics packing
included) and the apply (status, replicas, events) beside it, first cold, then in a steady
state (samples moving by 1 % a sync, few HPAs rescaling: the engine's usual sync); the
compile / cache-load time of the first call. The reference's decisions are checked equal to
the kernel's. And the day benchmark's shape, 1,000 HPAs over 150,000 pods: the steady sync +
apply against its 3 ms target, and a sync where ~10 % of the HPAs rescale.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.bench_hpa import NOW, hpa_cluster, warm_controller
from kbench.controllers.hpa import (
    HpaDecisions,
    HpaHistory,
    PodMetrics,
    _pod_namer,
    apply_hpa_decisions,
    compile_hpa_specs,
    decide,
    observe,
)
from kbench.controllers import hpa_kernel as k
from kbench.state.schema import POD_PHASES

TARGET_SECONDS = 0.005
#: sync + apply of 1,000 HPAs over 150,000 pods in a steady state (the day benchmark's shape)
STEADY_TARGET_SECONDS = 0.003


def _timed_syncs(state, metrics, controller, syncs: int, seed: int = 0, hot_share: float = 0.0):
    """(sync seconds, apply seconds, rescaled) of ``syncs`` syncs 15 s apart, each on the
    samples moved by up to 1 %; with ``hot_share``, that share of the Deployments triples its
    usage in the last sync."""
    rng = np.random.default_rng(seed)
    pods = state.tables["pods"]
    results = []
    for s in range(syncs):
        state.time += 15.0
        cpu = np.round(metrics.cpu_usage * rng.uniform(0.99, 1.01, len(metrics.cpu_usage)))
        if hot_share and s == syncs - 1:
            codes = np.unique(pods["labels"][pods.live_rows()])
            hot = np.isin(pods["labels"][:len(cpu)], codes[::round(1 / hot_share)])
            cpu = np.where(hot, cpu * 3, cpu)
        moved = PodMetrics(cpu, metrics.memory_usage, metrics.sample_time + (state.time - NOW),
                           metrics.window)
        start = time.perf_counter()
        decisions = controller.sync(state, moved)
        middle = time.perf_counter()
        apply_hpa_decisions(state, decisions)
        results.append((middle - start, time.perf_counter() - middle, int(decisions.rescale.sum())))
    return results


def _reference_case(state, compiled, inputs, metrics, history: HpaHistory, config):
    """The benchmark's input as the reference's case, and its history as the reference's."""
    hpas = state.tables["horizontalpodautoscalers"]
    values = k.empty_pod_arrays(len(inputs.phase))  # what the kernel reads of each pod
    k.pack_pods(k.PodColumns(*(getattr(inputs, name) for name in k.PodColumns._fields)), values)
    pods = []
    for p in range(len(inputs.phase)):
        cpu, memory = metrics.cpu_usage[p], metrics.memory_usage[p]
        start = values.start_time[p]
        pods.append({
            "phase": POD_PHASES[int(values.phase[p])], "ready": bool(values.ready[p]),
            "has_ready_condition": bool(values.has_ready_condition[p]),
            "start_time": None if math.isnan(start) else float(start),
            "ready_transition_time": float(values.ready_transition_time[p]),
            "deleted": bool(values.deleted[p]),
            "request": {"cpu": int(values.request_milli[0, p]),
                        "memory": int(values.request_milli[1, p]) // 1000},
            "usage": {"cpu": None if math.isnan(cpu) else float(cpu),
                      "memory": None if math.isnan(memory) else float(memory)},
            "sample_time": float(inputs.sample_time[p]), "window": float(inputs.sample_window[p]),
            "custom": {}})
    case_hpas, reference_history = [], {}
    for i, row in enumerate(compiled.specs.hpa_rows.tolist()):
        spec = dict((state.strings.document(int(hpas["body"][row])) or {})["spec"])
        spec.update(minReplicas=int(hpas["min_replicas"][row]), maxReplicas=int(hpas["max_replicas"][row]))
        lo, hi = int(inputs.pod_start[i]), int(inputs.pod_start[i + 1])
        case_hpas.append({
            "row": row, "namespace": compiled.namespaces[i], "name": compiled.names[i], "spec": spec,
            "target_found": bool(inputs.target_found[i]), "target_kind": compiled.target_kinds[i],
            "target_name": compiled.target_names[i], "has_selector": bool(inputs.has_selector[i]),
            "spec_replicas": int(inputs.spec_replicas[i]),
            "status_replicas": int(inputs.status_replicas[i]),
            "pods": inputs.pod_rows[lo:hi].tolist(), "scalars": [None] * len(spec["metrics"])})
        reference_history[row] = {
            "rec": [list(e) for e in history.recommendations(row)],
            "up": [list(e) for e in history.scale_events(row, "up")],
            "down": [list(e) for e in history.scale_events(row, "down")]}
    case = {"now": NOW, "config": config, "pods": pods, "hpas": case_hpas}
    return case, reference_history


def test_decide_10000_hpas(benchmark):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from reference.hpa import reference_sync

    start = time.perf_counter()
    tiny_state, tiny_metrics = hpa_cluster(10, 3)
    warm_controller(tiny_state, tiny_metrics)
    compile_seconds = time.perf_counter() - start

    state, metrics = hpa_cluster(10_000)
    controller = warm_controller(state, metrics)
    compiled = compile_hpa_specs(state, controller.config)
    inputs, _ = observe(state, compiled, metrics)
    saved = controller.history.to_arrays()

    def fresh():
        return (compiled.specs, inputs, HpaHistory.from_arrays(saved), NOW, controller.config), {}

    out = benchmark.pedantic(decide, setup=fresh, rounds=50, iterations=1)
    kernel_seconds = benchmark.stats.stats.mean
    kernel_min = benchmark.stats.stats.min

    case, reference_history = _reference_case(state, compiled, inputs, metrics,
                                              HpaHistory.from_arrays(saved), controller.config)
    start = time.perf_counter()
    reference = reference_sync(case, reference_history)
    reference_seconds = time.perf_counter() - start

    decisions = HpaDecisions(compiled.specs.hpa_rows, out.outcome, out.current_replicas,
                             out.desired_replicas, out.rescale, out, compiled, _pod_namer(state), NOW)
    assert [r["desired"] for r in reference] == out.desired_replicas.tolist()
    for i in range(0, len(reference), 97):  # every field of a sample of HPAs
        assert decisions.describe(i) == reference[i]

    start = time.perf_counter()
    synced = controller.sync(state, metrics)
    sync_seconds = time.perf_counter() - start
    start = time.perf_counter()
    apply_hpa_decisions(state, synced)
    apply_seconds = time.perf_counter() - start  # every status document new, 5,000 events
    state.time += 15.0
    start = time.perf_counter()
    synced = controller.sync(state, metrics)
    next_sync_seconds = time.perf_counter() - start
    start = time.perf_counter()
    apply_hpa_decisions(state, synced)
    next_apply_seconds = time.perf_counter() - start  # the sync after: most documents reused
    next_rescaled = int(synced.rescale.sum())

    steady = _timed_syncs(state, metrics, controller, 12)[-6:]  # after the first wave settled
    steady_sync = float(np.median([a for a, _, _ in steady]))
    steady_apply = float(np.median([b for _, b, _ in steady]))
    steady_rescaled = [r for _, _, r in steady]

    rescaled = int(out.rescale.sum())
    up = int((out.rescale & (out.desired_replicas > out.current_replicas)).sum())
    benchmark.extra_info.update(
        hpas=len(out.outcome), pods=len(inputs.pod_rows), rescaled=rescaled, scaled_up=up,
        kernel_ms=round(kernel_seconds * 1e3, 3), kernel_min_ms=round(kernel_min * 1e3, 3),
        reference_s=round(reference_seconds, 3),
        kernel_over_reference=round(reference_seconds / kernel_seconds),
        sync_ms=round(sync_seconds * 1e3, 1), apply_ms=round(apply_seconds * 1e3, 1),
        next_sync_ms=round(next_sync_seconds * 1e3, 1),
        next_apply_ms=round(next_apply_seconds * 1e3, 1), next_rescaled=next_rescaled,
        steady_sync_ms=round(steady_sync * 1e3, 2), steady_apply_ms=round(steady_apply * 1e3, 2),
        steady_rescaled=steady_rescaled,
        compile_s=round(compile_seconds, 2), target_ms=TARGET_SECONDS * 1e3)
    print(f"\n{len(out.outcome):,} HPAs, {len(inputs.pod_rows):,} pods: kernel "
          f"{kernel_seconds * 1e3:.2f} ms mean ({kernel_min * 1e3:.2f} min; target "
          f"{TARGET_SECONDS * 1e3:.0f} ms); reference {reference_seconds:.2f} s = "
          f"{reference_seconds / kernel_seconds:,.0f}x; {rescaled} rescaled ({up} up); whole sync "
          f"{sync_seconds * 1e3:.0f} ms, apply {apply_seconds * 1e3:.0f} ms; 15 s later: sync "
          f"{next_sync_seconds * 1e3:.0f} ms, apply {next_apply_seconds * 1e3:.0f} ms "
          f"({next_rescaled} rescaled); steady: sync {steady_sync * 1e3:.1f} ms + apply "
          f"{steady_apply * 1e3:.1f} ms (rescaled {steady_rescaled}); "
          f"compile/load {compile_seconds:.1f} s")
    assert np.all(out.current_replicas == 15)


def _near_target(metrics: PodMetrics, hpas: int, pods_per_hpa: int, seed: int = 0) -> PodMetrics:
    """hpa_cluster's samples with each pod's cpu within 3 % of its HPA's target utilization
    (HPA_SPECS: 50, 60, 70 % of 500m, in turn), missing samples kept: every HPA holds."""
    rng = np.random.default_rng(seed)
    target = np.array([50, 60, 70])[np.repeat(np.arange(hpas), pods_per_hpa) % 3]
    cpu = np.round(5.0 * target * rng.uniform(0.97, 1.03, len(target)))
    cpu = np.where(np.isnan(metrics.cpu_usage), np.nan, cpu)
    return metrics._replace(cpu_usage=cpu)


def test_sync_and_apply_1000_hpas_150k_pods(benchmark):
    state, metrics = hpa_cluster(1_000, 150, max_replicas=600)  # room to scale either way
    metrics = _near_target(metrics, 1_000, 150)
    controller = warm_controller(state, metrics)
    _timed_syncs(state, metrics, controller, 12)  # the first decisions' wave settles
    saved = state.time

    def steady_sync():
        state.time = saved  # the same sync each round: samples as 15 s later, moved by 1 %
        return _timed_syncs(state, metrics, controller, 1, seed=1)

    benchmark.pedantic(steady_sync, rounds=20, iterations=1)
    runs = _timed_syncs(state, metrics, controller, 10, seed=2)
    sync_ms = float(np.median([a for a, _, _ in runs])) * 1e3
    apply_ms = float(np.median([b for _, b, _ in runs])) * 1e3
    total_ms = float(np.median([a + b for a, b, _ in runs])) * 1e3
    best_ms = min(a + b for a, b, _ in runs) * 1e3
    rescaled = [r for _, _, r in runs]
    hot_sync, hot_apply, hot_rescaled = _timed_syncs(state, metrics, controller, 1, seed=3,
                                                     hot_share=0.1)[0]
    benchmark.extra_info.update(
        hpas=1_000, pods=len(state.tables["pods"]), steady_sync_ms=round(sync_ms, 2),
        steady_apply_ms=round(apply_ms, 2), steady_total_ms=round(total_ms, 2),
        steady_best_ms=round(best_ms, 2), steady_rescaled=rescaled,
        hot_ms=round((hot_sync + hot_apply) * 1e3, 2), hot_rescaled=hot_rescaled,
        target_ms=STEADY_TARGET_SECONDS * 1e3)
    print(f"\n1,000 HPAs, {len(state.tables['pods']):,} pods, steady: sync {sync_ms:.2f} ms + apply "
          f"{apply_ms:.2f} ms = {total_ms:.2f} ms median ({best_ms:.2f} best; target "
          f"{STEADY_TARGET_SECONDS * 1e3:.0f} ms; rescaled {rescaled}); a sync where "
          f"{hot_rescaled} rescale: {(hot_sync + hot_apply) * 1e3:.2f} ms "
          f"(sync {hot_sync * 1e3:.2f} + apply {hot_apply * 1e3:.2f})")
