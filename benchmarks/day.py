"""Seeded generator of the day-long benchmark (only append, never change): nodes of mixed
shapes in 3 zones, Deployments whose load follows a day (a diurnal pattern with its own phase
and noise per Deployment), one HPA each (CPU at 50 % of the request)."""

from __future__ import annotations

from benchmarks.scheduling import node_manifests
from kbench.experiments.sources import deployment_manifests
from kbench import Cluster
from kbench.sim.kubelet import KubeletConfig


def day_cluster(nodes: int, deployments: int, replicas: int, seed: int = 0) -> Cluster:
    """The cluster at time 0, its engine at 15 s ticks (kubelet events off: a day of them is
    millions of rows nobody reads in a benchmark)."""
    cluster = Cluster.from_manifests(node_manifests(nodes, seed)
                                     + deployment_manifests(deployments, replicas, seed),
                                     seed=seed)
    cluster.configure_engine(tick="15s", kubelet=KubeletConfig(record_events=False))
    return cluster
