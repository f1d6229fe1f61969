"""Small clusters for the metrics tests, built from manifests, with pods bound and Running
by writing the state directly (no scheduler or kubelet involved)."""

from __future__ import annotations

import json

import numpy as np

import kbench
from kbench.state.schema import POD_PHASES

RUNNING = POD_PHASES.index("Running")


def node(name: str, cpu: str = "4", memory: str = "8Gi", labels: dict | None = None) -> dict:
    resources = {"cpu": cpu, "memory": memory, "pods": "110"}
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": labels or {}},
            "status": {"capacity": resources, "allocatable": resources}}


def pod(name: str, namespace: str = "default", usage: dict | str | None = None,
        labels: dict | None = None, owner: str | None = None,
        annotations: dict | None = None) -> dict:
    annotations = dict(annotations or {})
    if usage is not None:
        annotations["kbench.io/usage"] = usage if isinstance(usage, str) else json.dumps(usage)
    metadata = {"name": name, "namespace": namespace, "labels": labels or {},
                "annotations": annotations}
    if owner:
        metadata["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                        "name": owner, "uid": f"uid-{owner}",
                                        "controller": True}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": {"containers": [{"name": "app", "image": "registry.example/app:1"}]}}


def deployment(name: str, load=None, cost: dict | None = None, namespace: str = "default",
               replicas: int = 2) -> tuple[dict, dict]:
    """A Deployment and its ReplicaSet ``<name>-rs`` (pods: ``pod(..., owner=f"{name}-rs")``)."""
    annotations = {}
    if load is not None:
        annotations["kbench.io/load"] = json.dumps(load)
    if cost is not None:
        annotations["kbench.io/cost-per-request"] = json.dumps(cost)
    template = {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "registry.example/app:1"}]}}
    spec = {"replicas": replicas, "selector": {"matchLabels": {"app": name}}, "template": template}
    return ({"apiVersion": "apps/v1", "kind": "Deployment",
             "metadata": {"name": name, "namespace": namespace, "annotations": annotations},
             "spec": spec},
            {"apiVersion": "apps/v1", "kind": "ReplicaSet",
             "metadata": {"name": f"{name}-rs", "namespace": namespace,
                          "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                                               "name": name, "uid": f"uid-{name}",
                                               "controller": True}]},
             "spec": spec})


def cluster(documents: list[dict]) -> kbench.Cluster:
    return kbench.Cluster.from_manifests(documents)


def pod_row(c: kbench.Cluster, name: str, namespace: str = "default") -> int:
    return c.state.find("pods", name, namespace)


def run_pods(c: kbench.Cluster, placement: dict[str, str], namespace: str = "default",
             ready: bool = True, start_time: float | None = None) -> np.ndarray:
    """Bind pods (name -> node name) and make them Running (and Ready); returns their rows."""
    state = c.state
    rows = np.array([state.find("pods", name, namespace) for name in placement], dtype=np.int64)
    nodes = np.array([state.find("nodes", node_name) for node_name in placement.values()],
                     dtype=np.int32)
    assert (rows >= 0).all() and (nodes >= 0).all()
    state.bind_pods(rows, nodes)
    for row in rows.tolist():
        state.set_pod_phase(row, RUNNING)
    pods = state.tables["pods"]
    pods["ready"][rows] = ready
    if start_time is not None:
        pods["start_time"][rows] = start_time
    return rows
