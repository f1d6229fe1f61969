"""NodeName reference plugin: a pod that names a node (spec.nodeName) fits only that node.

Ported from pkg/scheduler/framework/plugins/nodename/node_name.go.
"""

from __future__ import annotations

from reference.framework import CycleState, NodeInfo, Plugin, Status, unschedulable

# node_name.go
ERR_REASON = "node(s) didn't match the requested node name"


def fits(pod: dict, node: NodeInfo) -> bool:
    """node_name.go Fits: no nodeName, or the node's own name."""
    node_name = (pod.get("spec") or {}).get("nodeName") or ""
    return node_name == "" or node_name == node.name


class NodeName(Plugin):
    name = "NodeName"

    def filter(self, state: CycleState, pod: dict, node: NodeInfo) -> Status:
        if not fits(pod, node):
            return unschedulable(ERR_REASON, resolvable=False)
        return Status()
