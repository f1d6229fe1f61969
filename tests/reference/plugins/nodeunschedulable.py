"""NodeUnschedulable reference plugin: rejects nodes with spec.unschedulable unless the pod tolerates the unschedulable taint.

Ported from pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go.
"""

from __future__ import annotations

from reference.framework import CycleState, NodeInfo, Plugin, Status, unschedulable
from reference.plugins.tainttoleration import tolerations_tolerate_taint

# node_unschedulable.go
ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable"
# k8s.io/api/core/v1 TaintNodeUnschedulable
TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"


class NodeUnschedulable(Plugin):
    name = "NodeUnschedulable"

    def filter(self, state: CycleState, pod: dict, node: NodeInfo) -> Status:
        if not (node.node.get("spec") or {}).get("unschedulable"):
            return Status()
        # If the pod tolerates the unschedulable taint, it also tolerates node.Spec.Unschedulable.
        taint = {"key": TAINT_NODE_UNSCHEDULABLE, "effect": "NoSchedule"}
        if not tolerations_tolerate_taint((pod.get("spec") or {}).get("tolerations") or [], taint):
            return unschedulable(ERR_REASON_UNSCHEDULABLE, resolvable=False)
        return Status()
