"""Seeded generator of the day-long benchmark (only append, never change): nodes of mixed
shapes in 3 zones, Deployments whose load follows a day (a diurnal pattern with its own phase
and noise per Deployment), one HPA each (CPU at 50 % of the request)."""

from __future__ import annotations

import json

import numpy as np

from benchmarks.scheduling import node_manifests
from kbench import Cluster
from kbench.sim.kubelet import KubeletConfig


def deployment_manifests(count: int, replicas: int, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    objects = []
    for i in range(count):
        name = f"svc-{i:04d}"
        cpu = int(rng.choice([100, 200, 250, 500]))
        cost = cpu / 1000 / 10   # cores per request: 10 requests/s fill one pod's request
        mean = replicas * 5      # requests/s: half a request's CPU per pod, as at 50 % target
        load = {"pattern": "sum", "of": [
            {"pattern": "diurnal", "mean": mean, "amplitude": mean * 0.6, "period": "24h",
             "phase": f"{int(rng.integers(0, 24))}h"},
            {"pattern": "noise", "amplitude": mean * 0.05, "interval": "5m", "seed": i}]}
        objects.append({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "annotations": {
                "kbench.io/load": json.dumps(load),
                "kbench.io/cost-per-request": json.dumps({"cpu": f"{cost:.4f}"})}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{
                                      "name": "app", "image": f"registry.example/{name}:1.0",
                                      "resources": {"requests": {
                                          "cpu": f"{cpu}m", "memory": "128Mi"}}}]}}}})
        objects.append({
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                        "name": name},
                     "minReplicas": max(1, replicas // 4), "maxReplicas": replicas * 3,
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                         "type": "Utilization", "averageUtilization": 50}}}]}})
    return objects


def day_cluster(nodes: int, deployments: int, replicas: int, seed: int = 0) -> Cluster:
    """The cluster at time 0, its engine at 15 s ticks (kubelet events off: a day of them is
    millions of rows nobody reads in a benchmark)."""
    cluster = Cluster.from_manifests(node_manifests(nodes, seed)
                                     + deployment_manifests(deployments, replicas, seed),
                                     seed=seed)
    cluster.configure_engine(tick="15s", kubelet=KubeletConfig(record_events=False))
    return cluster
