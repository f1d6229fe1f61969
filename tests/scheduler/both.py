"""Scheduling one cluster with both implementations: one Cluster.schedule() pass of the
compiled kernel, and the plain-Python reference scheduler on the same objects and seed."""

from __future__ import annotations

import copy

from kbench import Cluster
from reference.scheduler import ReferenceScheduler


def schedule_both(cluster: Cluster, profile: dict | None = None, seed: int = 0):
    """(kernel rows, reference rows) in the reference's queue order, each row (pod, node,
    score, FailedScheduling message or "", DefaultPreemption's nominated node, its victims as
    "namespace/name"). ``profile``: the one profile both use (the cluster's is configured
    by the caller)."""
    reference = ReferenceScheduler(profile, seed=seed).schedule(
        [n.to_dict() for n in cluster.list("nodes")], [p.to_dict() for p in cluster.list("pods")],
        namespaces={ns.name: dict(ns.metadata.get("labels") or {})
                    for ns in cluster.list("namespaces")},
        services=[s.to_dict() for s in cluster.list("services")],
        replica_sets=[rs.to_dict() for rs in cluster.list("replicasets")],
        pod_disruption_budgets=[p.to_dict() for p in cluster.list("poddisruptionbudgets")])
    preemption = kernel_preemption(cluster)
    bound = {row["pod"]: (row["node"], row["score"]) for row in cluster.schedule().to_pylist()}
    kernel_rows, reference_rows = [], []
    for row in reference:
        name = row["pod"]
        kernel_rows.append((name, *bound.get(name, (None, None)),
                            "" if name in bound else message(cluster, name, row["namespace"]),
                            *preemption.get(name, (None, []))))
        reference_rows.append((name, row["node"], row["score"], row["message"],
                               row.get("nominated_node"), row.get("victims", [])))
    return kernel_rows, reference_rows


def kernel_preemption(cluster: Cluster) -> dict:
    """The kernel's nominated node and victims ("namespace/name") per pod, from the decisions
    of the pass schedule() is about to make (decide() on a copy of the state)."""
    state = copy.deepcopy(cluster.state)
    decisions = cluster.scheduler.decide(state)
    pods, nodes = state.tables["pods"], state.tables["nodes"]
    name = lambda row: state.strings[int(pods["name"][row])]  # noqa: E731
    result = {}
    for i, row in enumerate(decisions.pod_rows.tolist()):
        node = int(decisions.nominated_rows[i])
        result[name(row)] = (
            state.strings[int(nodes["name"][node])] if node >= 0 else None,
            [f"{state.strings[int(pods['namespace'][v])]}/{name(v)}"
             for v in decisions.victims.get(i, []).tolist()] if i in decisions.victims else [])
    return result


def message(cluster: Cluster, name: str, namespace: str = "default") -> str:
    """The pod's PodScheduled condition message."""
    for condition in cluster.get("pod", name, namespace).status.conditions or []:
        if condition["type"] == "PodScheduled":
            return condition.get("message", "")
    return ""
