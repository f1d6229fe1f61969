"""Seeded generators of scheduling workloads (only append, never change): the issue's
150,000 pods from ~1,000 templates onto 5,000 nodes of mixed shapes in 3 zones, some tainted,
a share of the pods with node affinity."""

from __future__ import annotations

import numpy as np

from kbench import Cluster
from kbench.api.store import create_pods

NODE_SHAPES = [(4, 16), (8, 32), (16, 64), (32, 128), (64, 256)]  # cores, GiB
ZONES = ["zone-a", "zone-b", "zone-c"]


def node_manifests(count: int, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    nodes = []
    for i in range(count):
        cores, memory = NODE_SHAPES[int(rng.integers(len(NODE_SHAPES)))]
        spec = {}
        if i % 10 == 0:  # 10 % dedicated nodes
            spec["taints"] = [{"key": "dedicated", "value": "batch", "effect": "NoSchedule"}]
        nodes.append({"apiVersion": "v1", "kind": "Node", "metadata": {
            "name": f"node-{i:05d}", "labels": {
                "kubernetes.io/hostname": f"node-{i:05d}",
                "topology.kubernetes.io/zone": ZONES[i % 3],
                "node.kubernetes.io/instance-type": f"m{cores}"}},
            "spec": spec,
            "status": {"capacity": {"cpu": str(cores), "memory": f"{memory}Gi", "pods": "110"}}})
    return nodes


def pod_template(index: int, rng) -> dict:
    cpu = int(rng.choice([100, 250, 500, 1000]))
    memory = int(rng.choice([128, 256, 512, 1024]))
    spec = {"containers": [{"name": "app", "image": f"registry.example/app-{index}:1.0",
                            "resources": {"requests": {"cpu": f"{cpu}m",
                                                       "memory": f"{memory}Mi"}}}]}
    if index % 5 == 0:  # a fifth of the templates want a zone or an instance type
        spec["affinity"] = {"nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{
                "matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In",
                                      "values": ZONES[: 1 + index % 3]}]}]},
            "preferredDuringSchedulingIgnoredDuringExecution": [{
                "weight": 50, "preference": {"matchExpressions": [{
                    "key": "node.kubernetes.io/instance-type", "operator": "In",
                    "values": ["m16", "m32"]}]}}]}}
    if index % 10 == 0:
        spec["tolerations"] = [{"key": "dedicated", "operator": "Equal", "value": "batch",
                                "effect": "NoSchedule"}]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"labels": {"app": f"app-{index}"}}, "spec": spec}


def scheduling_cluster(nodes: int, pods: int, templates: int = 1000, seed: int = 0,
                       percentage: int | None = None) -> Cluster:
    """A cluster with ``nodes`` nodes and ``pods`` pending pods (``templates`` templates)."""
    return _template_cluster(nodes, pods, templates, seed, percentage, lambda index, pod: pod,
                             skip_empty=True)


def _template_cluster(nodes, pods, templates, seed, percentage, decorate, skip_empty=False):
    """Nodes, and ``pods`` pods drawn over ``templates`` pod_template()s, each passed through
    ``decorate(index, pod)``. (skip_empty: draw no template for an index without pods, as
    scheduling_cluster always did.)"""
    rng = np.random.default_rng(seed)
    cluster = Cluster(seed=seed)
    cluster.apply(node_manifests(nodes, seed))
    per_template = np.bincount(rng.integers(0, templates, pods), minlength=templates)
    for index in range(templates):
        count = int(per_template[index])
        if skip_empty and not count:
            continue
        pod = decorate(index, pod_template(index, rng))
        if count:
            create_pods(cluster.state, pod, [f"app-{index}-{j:05d}" for j in range(count)])
    if percentage is not None:
        cluster.configure_scheduler({
            "apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
            "percentageOfNodesToScore": percentage})
    return cluster


def anti_affinity_cluster(nodes: int, pods: int, seed: int = 0) -> Cluster:
    """The InterPodAffinity-heavy case: ``pods`` pods of one Deployment-like template with
    required anti-affinity on the hostname (at most one per node)."""
    cluster = Cluster(seed=seed)
    cluster.apply(node_manifests(nodes, seed))
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": {"app": "spread"}},
           "spec": {"containers": [{"name": "app", "image": "registry.example/spread:1.0",
                                    "resources": {"requests": {"cpu": "100m",
                                                               "memory": "128Mi"}}}],
                    "affinity": {"podAntiAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": [{
                            "labelSelector": {"matchLabels": {"app": "spread"}},
                            "topologyKey": "kubernetes.io/hostname"}]}}}}
    create_pods(cluster.state, pod, [f"spread-{i:05d}" for i in range(pods)])
    return cluster


def zone_spread_cluster(nodes: int, pods: int, seed: int = 0) -> Cluster:
    """Pods of 100 templates, each spread evenly over the zones (DoNotSchedule, maxSkew 1)."""
    rng = np.random.default_rng(seed)
    cluster = Cluster(seed=seed)
    cluster.apply(node_manifests(nodes, seed))
    per_template = np.bincount(rng.integers(0, 100, pods), minlength=100)
    for index in range(100):
        pod = pod_template(index, rng)
        pod["spec"]["topologySpreadConstraints"] = [{
            "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": f"app-{index}"}}}]
        create_pods(cluster.state, pod, [f"app-{index}-{j:05d}" for j in
                                         range(int(per_template[index]))])
    return cluster


def mixed_cluster(nodes: int, pods: int, templates: int = 1000, seed: int = 0,
                  percentage: int | None = None, spread_every: int = 10) -> Cluster:
    """The issue's workload in full: scheduling_cluster's nodes and templates, with one
    template in ``spread_every`` (none of those with node affinity) also spread evenly over
    the zones (DoNotSchedule, maxSkew 1)."""
    def spread(index: int, pod: dict) -> dict:
        if index % spread_every == 3:
            pod["spec"]["topologySpreadConstraints"] = [{
                "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": {"matchLabels": {"app": f"app-{index}"}}}]
        return pod
    return _template_cluster(nodes, pods, templates, seed, percentage, spread)


def preemption_cluster(nodes: int, preemptors: int, seed: int = 0) -> Cluster:
    """Every node full of 1-CPU pods of priority 0 (bound by one scheduling pass), then
    ``preemptors`` pending 1-CPU pods of priority 1000: each must preempt (DefaultPreemption's
    dry run on every node, one victim each)."""
    cluster = Cluster(seed=seed)
    manifests = node_manifests(nodes, seed)
    cluster.apply(manifests)
    cores = sum(int(node["status"]["capacity"]["cpu"]) for node in manifests)
    filler = {"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": {"app": "filler"}},
              "spec": {"containers": [{"name": "app", "image": "registry.example/filler:1.0",
                                       "resources": {"requests": {"cpu": "1",
                                                                  "memory": "1Gi"}}}],
                       "tolerations": [{"key": "dedicated", "operator": "Exists"}]}}
    create_pods(cluster.state, filler, [f"filler-{i:06d}" for i in range(cores)])
    cluster.schedule()
    urgent = {"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": {"app": "urgent"}},
              "spec": {"priority": 1000,
                       "containers": [{"name": "app", "image": "registry.example/urgent:1.0",
                                       "resources": {"requests": {"cpu": "1",
                                                                  "memory": "1Gi"}}}]}}
    create_pods(cluster.state, urgent, [f"urgent-{i:05d}" for i in range(preemptors)])
    return cluster


def replica_set_cluster(nodes: int, pods: int, templates: int = 1000, seed: int = 0,
                        percentage: int | None = None) -> Cluster:
    """scheduling_cluster's nodes and pods, each template's pods controlled by a ReplicaSet
    selecting them (as pods of Deployments are): PodTopologySpread's system default
    constraints (hostname maxSkew 3, zone maxSkew 5, ScheduleAnyway) then score every pod."""
    def owned(index: int, pod: dict) -> dict:
        pod["metadata"]["ownerReferences"] = [{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"app-{index}",
            "uid": f"00000000-0000-4000-8000-{index:012d}", "controller": True}]
        return pod
    cluster = _template_cluster(nodes, pods, templates, seed, percentage, owned, skip_empty=True)
    cluster.apply([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": f"app-{i}"},
                    "spec": {"replicas": 0, "selector": {"matchLabels": {"app": f"app-{i}"}},
                             "template": {"metadata": {"labels": {"app": f"app-{i}"}},
                                          "spec": {"containers": [{
                                              "name": "app",
                                              "image": f"registry.example/app-{i}:1.0"}]}}}}
                   for i in range(templates)])
    return cluster
