"""NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods tolerating it."""

from __future__ import annotations

import numpy as np

from kbench.scheduler.plugins.tolerations import tolerated

NAME = "NodeUnschedulable"
REASON = "node(s) were unschedulable"  # nodeunschedulable/node_unschedulable.go
UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}


def static_filter(batch, template) -> np.ndarray:
    """Reason id per node: REASON where the node is unschedulable and the pod does not
    tolerate the unschedulable taint, else 0."""
    if tolerated(template.spec.get("tolerations") or [], UNSCHEDULABLE_TAINT):
        return np.zeros(batch.node_count, dtype=np.int32)
    return np.where(batch.node_unschedulable, batch.reasons.id(REASON), 0).astype(np.int32)
