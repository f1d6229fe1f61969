"""Faults an experiment injects at given times (spec ``faults:``, or among ``actions:``):

    faults:
      - {at: 5m, fail_nodes: {count: 3, selector: "topology.kubernetes.io/zone=zone-a"}}
      - {at: 6m, fail_nodes: {names: [node-00007]}}
      - {at: 8m, kill_pods: {selector: app=web, count: 2}}

fail_nodes: the Node objects go, as a cloud provider's node controller removes the Node of a
machine that is gone; their pods are then garbage-collected (PodGC's orphaned pods) and their
controllers replace them. kill_pods: pods are deleted as ``kubectl delete pod`` does
(graceful termination). ``count`` picks that many of the matching objects at random, from
the spec's seed and the fault's time, so a rerun picks the same ones.
"""

from __future__ import annotations

import numpy as np

from kbench.errors import KbenchError

#: verb -> fields it takes (with defaults)
FAULTS = {
    "fail_nodes": {"names": None, "count": None, "selector": None},
    "kill_pods": {"names": None, "count": None, "selector": None, "namespace": "default"},
}


class FaultError(KbenchError, ValueError):
    """A fault whose fields do not fit: ``field`` is the field's name."""

    def __init__(self, field: str, reason: str):
        self.field, self.reason = field, reason
        super().__init__(f"{field}: {reason}")


def check_fault(verb: str, args: dict) -> dict:
    """The fault's fields with defaults, checked: names (a list) or selector or count."""
    names, count, selector = args.get("names"), args.get("count"), args.get("selector")
    if names is not None and (not isinstance(names, list)
                              or not all(isinstance(n, str) for n in names)):
        raise FaultError("names", "a list of names")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool)
                              or count < 1):
        raise FaultError("count", f"{count!r}: a positive integer")
    if selector is not None and not isinstance(selector, str):
        raise FaultError("selector", 'a label selector such as "app=web,tier!=db"')
    if names is not None and (count is not None or selector is not None):
        raise FaultError("names", "names exclude count and selector")
    if names is None and count is None and selector is None:
        raise FaultError("names", "one of names, count or selector is required")
    return {**FAULTS[verb], **args}


def chosen_names(cluster, kind: str, args: dict, seed: int, at: float) -> list[str]:
    """The names a fault hits: the names given (each must exist), else the live objects
    matching the selector, ``count`` of them drawn at random (sorted by name)."""
    namespace = args.get("namespace") if kind == "pod" else None
    if args.get("names") is not None:
        for name in args["names"]:
            cluster.get(kind, name, namespace)   # NotFoundError names what is missing
        return list(args["names"])
    rows = cluster.rows(kind, namespace, args.get("selector"))
    table = cluster.state.tables["pods" if kind == "pod" else "nodes"]
    if kind == "pod":   # pods already terminating are not killed again
        rows = rows[np.isnan(table["deletion_time"][rows])]
    names = sorted(cluster.state.strings.decode(table["name"][rows]))
    count = args.get("count")
    if count is None or count >= len(names):
        return names
    rng = np.random.default_rng([seed, int(round(at * 1000))])
    return sorted(np.asarray(names, dtype=object)[rng.choice(len(names), count,
                                                             replace=False)].tolist())


def inject(cluster, verb: str, args: dict, at: float) -> list[str]:
    """Carry out one fault; returns the names it hit."""
    kind = "node" if verb == "fail_nodes" else "pod"
    names = chosen_names(cluster, kind, args, cluster.state.seed, at)
    for name in names:
        cluster.delete(kind, name, args.get("namespace") if kind == "pod" else None)
    return names
