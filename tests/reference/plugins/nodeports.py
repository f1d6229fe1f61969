"""NodePorts reference plugin: a pod fits a node only if none of its host ports is already used there.

Ported from pkg/scheduler/framework/plugins/nodeports/node_ports.go, with
framework/types.go HostPortInfo.CheckConflict (the 0.0.0.0 wildcard rules) and
pkg/scheduler/util GetHostPorts (framework.host_ports).
"""

from __future__ import annotations

from reference.framework import SKIP, CycleState, NodeInfo, Plugin, Snapshot, Status, host_ports, unschedulable

# node_ports.go
ERR_REASON = "node(s) didn't have free ports for the requested pod ports"
PRE_FILTER_STATE_KEY = "PreFilterNodePorts"
DEFAULT_BIND_ALL_HOST_IP = "0.0.0.0"


def check_conflict(used: list[tuple[str, str, int]], ip: str, protocol: str, port: int) -> bool:
    """HostPortInfo.CheckConflict: 0.0.0.0 conflicts with the (protocol, port) on any IP; any
    other IP conflicts with the same IP and with 0.0.0.0."""
    if port <= 0:
        return False
    ip = ip or DEFAULT_BIND_ALL_HOST_IP
    protocol = protocol or "TCP"
    for used_ip, used_protocol, used_port in used:
        if (used_protocol, used_port) != (protocol, port):
            continue
        if ip == DEFAULT_BIND_ALL_HOST_IP or used_ip in (DEFAULT_BIND_ALL_HOST_IP, ip):
            return True
    return False


def fits_ports(want: list[tuple[str, str, int]], node: NodeInfo) -> bool:
    """node_ports.go fitsPorts."""
    return not any(check_conflict(node.used_ports, ip, protocol, port) for ip, protocol, port in want)


class NodePorts(Plugin):
    name = "NodePorts"

    def pre_filter(self, state: CycleState, pod: dict, snapshot: Snapshot) -> Status:
        ports = host_ports(pod)
        if not ports:
            return Status(SKIP)  # Skip if a pod has no ports.
        state[PRE_FILTER_STATE_KEY] = ports
        return Status()

    def filter(self, state: CycleState, pod: dict, node: NodeInfo) -> Status:
        if not fits_ports(state[PRE_FILTER_STATE_KEY], node):
            return unschedulable(ERR_REASON)
        return Status()
