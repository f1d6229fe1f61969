"""HPA decisions (asv): N Deployments with an HPA each, ~15 pods per Deployment, mixed metric
specs (cpu Utilization, cpu + memory AverageValue with a behavior, cpu with a scale-down
policy), a warm history (a few syncs already made), usage spread around the targets so that
some HPAs scale up, some down, most hold."""

from __future__ import annotations

import functools

import numpy as np

from kbench.controllers.hpa import (
    HorizontalController,
    HpaHistory,
    PodMetrics,
    compile_hpa_specs,
    decide,
    observe,
)
from kbench.state import ClusterState

#: The three HPA specs the generated HPAs cycle through (bodies are shared documents).
HPA_SPECS = [
    {"scaleTargetRef": {"apiVersion": "apps/v1"},
     "metrics": [{"type": "Resource", "resource": {
         "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]},
    {"scaleTargetRef": {"apiVersion": "apps/v1"},
     "metrics": [{"type": "Resource", "resource": {
                     "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}},
                 {"type": "Resource", "resource": {
                     "name": "memory", "target": {"type": "AverageValue", "averageValue": "300Mi"}}}],
     "behavior": {"scaleUp": {"stabilizationWindowSeconds": 0}}},
    {"scaleTargetRef": {"apiVersion": "apps/v1"},
     "metrics": [{"type": "Resource", "resource": {
         "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}],
     "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60, "policies": [
         {"type": "Pods", "value": 2, "periodSeconds": 30}]}}},
]
NOW = 3600.0
WARM_SYNCS = 4


@functools.lru_cache(maxsize=2)
def hpa_cluster(hpas: int, pods_per_hpa: int = 15, seed: int = 0,
                max_replicas: int = 50) -> tuple[ClusterState, PodMetrics]:
    """``hpas`` Deployments of ``pods_per_hpa`` running pods (500m, 256Mi each) with an HPA each
    (maxReplicas ``max_replicas``), built straight into the tables, and a metrics-server sample
    per pod."""
    rng = np.random.default_rng(seed)
    state = ClusterState(seed=seed)
    strings = state.strings
    state.time = NOW
    default = strings.intern("default")
    names = [f"app-{i:05d}" for i in range(hpas)]
    name_codes = strings.intern_many(names)
    selectors = strings.intern_many(f'{{"matchLabels":{{"app":"{n}"}}}}' for n in names)
    labels = strings.intern_many(f'{{"app":"{n}"}}' for n in names)
    deployments = state.tables["deployments"]
    rows = deployments.append_many(hpas, {
        "name": name_codes, "namespace": np.full(hpas, default, np.int32),
        "replicas": np.full(hpas, pods_per_hpa, np.int32), "selector": selectors,
        "status_replicas": np.full(hpas, pods_per_hpa, np.int32), "creation_time": np.zeros(hpas)})
    state.index_rows("deployments", rows)
    bodies = np.array([strings.intern_document({"spec": s}) for s in HPA_SPECS], np.int32)
    rows = state.tables["horizontalpodautoscalers"].append_many(hpas, {
        "name": name_codes, "namespace": np.full(hpas, default, np.int32),
        "target_kind": np.full(hpas, strings.intern("Deployment"), np.int32),
        "target_name": name_codes, "min_replicas": np.ones(hpas, np.int32),
        "max_replicas": np.full(hpas, max_replicas, np.int32), "body": bodies[np.arange(hpas) % 3],
        "creation_time": np.zeros(hpas)})
    state.index_rows("horizontalpodautoscalers", rows)

    count = hpas * pods_per_hpa
    owner = np.repeat(np.arange(hpas), pods_per_hpa)
    pods = state.tables["pods"]
    start = rng.uniform(0, NOW - 400, count)
    phase = np.where(rng.random(count) < 0.01, 0, 1).astype(np.int8)  # 1 % still Pending
    rows = pods.append_many(count, {
        "name": strings.intern_many(f"{names[o]}-{j:02d}" for o, j in
                                    zip(owner.tolist(), np.tile(np.arange(pods_per_hpa), hpas).tolist())),
        "namespace": np.full(count, default, np.int32), "labels": labels[owner],
        "node_name": np.full(count, strings.intern("node-0"), np.int32),
        "requests": np.tile([500, 256 << 20, 0, 1], (count, 1)),
        "phase": phase, "ready": (phase == 1) & (rng.random(count) < 0.98),
        "start_time": start, "ready_time": start + 5.0, "creation_time": start})
    state.index_rows("pods", rows)
    load = rng.lognormal(0.0, 0.45, hpas)[owner]  # per Deployment: some hot, some idle
    cpu = 300.0 * load * rng.uniform(0.8, 1.2, count)
    cpu[rng.random(count) < 0.02] = np.nan  # samples missing
    memory = rng.uniform(200e6, 400e6, count)
    metrics = PodMetrics(cpu_usage=np.round(cpu), memory_usage=np.round(memory),
                         sample_time=np.full(count, NOW - 10.0), window=np.full(count, 30.0))
    return state, metrics


def warm_controller(state: ClusterState, metrics: PodMetrics) -> HorizontalController:
    """A controller that has synced WARM_SYNCS times (15 s apart, no writes) before NOW."""
    controller = HorizontalController()
    for k in range(WARM_SYNCS, 0, -1):
        state.time = NOW - 15.0 * k
        controller.sync(state, metrics)
    state.time = NOW
    return controller


class HpaSuite:
    params = [1_000, 10_000]  # noqa: RUF012 (asv reads these class attributes)
    param_names = ["hpas"]  # noqa: RUF012
    timeout = 300

    def setup(self, hpas):
        self.state, self.metrics = hpa_cluster(hpas)
        self.controller = warm_controller(self.state, self.metrics)
        self.compiled = compile_hpa_specs(self.state)
        self.inputs, _ = observe(self.state, self.compiled, self.metrics)
        self.history = self.controller.history.to_arrays()

    def time_decide(self, hpas):
        """The kernel call: every HPA decided (history restored first, so each run is alike)."""
        decide(self.compiled.specs, self.inputs, HpaHistory.from_arrays(self.history), NOW)

    def time_sync(self, hpas):
        """A whole sync: cached specs, pod selection and metrics packing, the kernel."""
        self.controller.sync(self.state, self.metrics)


def time_first_call():
    """Compile (or load from numba's cache) and run the kernel once on a tiny cluster."""
    state, metrics = hpa_cluster(10, 3)
    HorizontalController().sync(state, metrics)
