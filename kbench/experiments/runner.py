"""Running an experiment spec: build the cluster, run the engine, carry out the actions at
their times and record a tidy time series (time, kind, namespace, name, metric, value) that
pandas and polars read as it is."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa

from kbench.cluster import Cluster
from kbench.experiments.spec import ExperimentSpec
from kbench.state.schema import POD_PHASES

#: what is recorded of each kind: table -> {metric: column}
RECORDED = {
    "deployments": {"spec_replicas": "replicas", "replicas": "status_replicas",
                    "updated_replicas": "updated_replicas", "ready_replicas": "ready_replicas",
                    "available_replicas": "available_replicas"},
    "replicasets": {"spec_replicas": "replicas", "replicas": "status_replicas",
                    "ready_replicas": "ready_replicas", "available_replicas": "available_replicas"},
    "statefulsets": {"spec_replicas": "replicas", "ready_replicas": "ready_replicas"},
    "horizontalpodautoscalers": {"current_replicas": "current_replicas",
                                 "desired_replicas": "desired_replicas"},
    "jobs": {"active": "active", "succeeded": "succeeded", "failed": "failed"},
}
KIND_OF = {"deployments": "Deployment", "replicasets": "ReplicaSet",
           "statefulsets": "StatefulSet", "horizontalpodautoscalers": "HorizontalPodAutoscaler",
           "jobs": "Job"}


class ExperimentResult(NamedTuple):
    spec: ExperimentSpec
    cluster: Cluster
    timeseries: pa.Table


def build_cluster(spec: ExperimentSpec) -> Cluster:
    """The cluster at time 0: manifests applied, scheduler and engine configured, every
    kbench.io/ usage annotation checked."""
    cluster = Cluster(seed=spec.seed)
    if spec.manifests:
        cluster.apply(list(spec.manifests))
    if spec.scheduler:
        cluster.configure_scheduler(spec.scheduler)
    cluster.configure_engine(tick=spec.tick, kubelet=spec.kubelet)
    cluster.engine.usage.check(cluster.state)
    return cluster


def run_experiment(spec: ExperimentSpec) -> ExperimentResult:
    cluster = build_cluster(spec)
    records: list[dict[str, np.ndarray]] = [record(cluster)]
    times = sorted({*(a.at for a in spec.actions),
                    *np.arange(spec.record_every, spec.duration + 1e-9, spec.record_every),
                    spec.duration})
    pending = list(spec.actions)
    for when in times:
        cluster.run(when)
        while pending and pending[0].at <= when:
            perform(cluster, pending.pop(0))
        if np.isclose(when / spec.record_every, round(when / spec.record_every)) or \
                when == spec.duration:
            records.append(record(cluster))
    columns = {key: np.concatenate([r[key] for r in records]) for key in records[0]}
    return ExperimentResult(spec, cluster, pa.table({
        "time": pa.array(columns["time"], pa.float64()),
        "kind": pa.array(columns["kind"].tolist(), pa.string()).dictionary_encode(),
        "namespace": pa.array(columns["namespace"].tolist(), pa.string()).dictionary_encode(),
        "name": pa.array(columns["name"].tolist(), pa.string()).dictionary_encode(),
        "metric": pa.array(columns["metric"].tolist(), pa.string()).dictionary_encode(),
        "value": pa.array(columns["value"], pa.float64())}))


def perform(cluster: Cluster, action) -> None:
    """Carry out one action of the spec."""
    args = action.args
    if action.verb == "set_image":
        cluster.set_image("deployment", args["deployment"], args["container"], args["image"],
                          args["namespace"])
    elif action.verb == "scale":
        cluster.scale(args["kind"], args["deployment"], args["replicas"], args["namespace"])
    elif action.verb == "set_load":
        cluster.set_load(args["deployment"], args["requests_per_second"], args["namespace"])
    elif action.verb == "set_usage":
        cluster.set_usage(args["pods"], args["cpu"], args["memory"], args["namespace"])
    elif action.verb == "apply":
        cluster.apply(args["path"])
    elif action.verb == "delete":
        cluster.delete(args["kind"], args["name"], args["namespace"])
    elif action.verb == "rollout_undo":
        cluster.rollout_undo(args["deployment"], args["to_revision"], args["namespace"])


def record(cluster: Cluster) -> dict[str, np.ndarray]:
    """One sample of everything RECORDED, plus the pods per phase."""
    state = cluster.state
    strings = state.strings
    parts = []
    pods = state.tables["pods"]
    phases = np.bincount(pods["phase"][pods.alive], minlength=len(POD_PHASES))
    parts.append(("Cluster", [""] * len(POD_PHASES), [""] * len(POD_PHASES),
                  [f"pods_{phase.lower()}" for phase in POD_PHASES], phases.astype(float)))
    for table_name, metrics in RECORDED.items():
        table = state.tables[table_name]
        rows = table.live_rows()
        if len(rows) == 0:
            continue
        names = strings.decode(table["name"][rows])
        namespaces = strings.decode(table["namespace"][rows])
        for metric, column in metrics.items():
            parts.append((KIND_OF[table_name], namespaces, names, [metric] * len(rows),
                          table[column][rows].astype(float)))
    count = sum(len(p[4]) for p in parts)
    return {"time": np.full(count, state.time),
            "kind": np.array([p[0] for p in parts for _ in range(len(p[4]))], dtype=object),
            "namespace": np.array([n for p in parts for n in p[1]], dtype=object),
            "name": np.array([n for p in parts for n in p[2]], dtype=object),
            "metric": np.array([m for p in parts for m in p[3]], dtype=object),
            "value": np.concatenate([p[4] for p in parts])}
