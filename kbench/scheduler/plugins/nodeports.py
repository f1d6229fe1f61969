"""NodePorts: a pod asking for host ports fits only nodes where none of them is taken.
pkg/scheduler/framework/plugins/nodeports/node_ports.go and framework/types.go HostPortInfo."""

from __future__ import annotations

import numpy as np

from kbench._jit import njit

NAME = "NodePorts"
REASON = "node(s) didn't have free ports for the requested pod ports"
BIND_ALL = "0.0.0.0"


def host_ports(spec: dict) -> list[tuple[str, str, int]]:
    """util.GetHostPorts: (ip, protocol, port) of every port with a hostPort, of the
    restartable (sidecar) init containers and then of the containers."""
    containers = [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    ports = []
    for container in containers + list(spec.get("containers") or []):
        for port in container.get("ports") or []:
            if (port.get("hostPort") or 0) > 0:
                ports.append((port.get("hostIP") or BIND_ALL, port.get("protocol") or "TCP",
                              int(port["hostPort"])))
    return ports


def conflict_matrix(keys: list[tuple[str, str, int]]) -> np.ndarray:
    """conflicts[a, b]: port key a is taken when b is used (HostPortInfo.CheckConflict: same
    protocol and port, and the same IP or either side bound to 0.0.0.0)."""
    count = len(keys)
    conflicts = np.zeros((count, count), dtype=np.bool_)
    for a, (ip_a, proto_a, port_a) in enumerate(keys):
        for b, (ip_b, proto_b, port_b) in enumerate(keys):
            conflicts[a, b] = (proto_a == proto_b and port_a == port_b
                               and (ip_a == ip_b or BIND_ALL in (ip_a, ip_b)))
    return conflicts


@njit(inline="always")
def ports_filter(wanted, conflicts, node_usage) -> bool:
    """True when none of the ``wanted`` port keys conflicts with a port used on the node."""
    for i in range(len(wanted)):
        a = wanted[i]
        for b in range(len(node_usage)):
            if node_usage[b] > 0 and conflicts[a, b]:
                return False
    return True
