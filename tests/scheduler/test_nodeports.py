"""NodePorts PreFilter/Filter, ported from node_ports_test.go TestNodePorts (and GetHostPorts'
sidecar rule from pkg/scheduler/util)."""

import pytest

from scheduler.builders import make_node, make_pod

REASON = "node(s) didn't have free ports for the requested pod ports"


def pod_with_ports(name, *port_infos, node=None):
    """node_ports_test.go newPod: "PROTOCOL/IP/PORT" host ports on one container."""
    builder = make_pod(name).container()
    for info in port_infos:
        protocol, ip, port = info.split("/")
        builder.host_port(int(port), protocol=protocol, ip=ip)
    if node:
        builder.node(node)
    return builder.obj()


# (name, pod ports, existing pod ports, want None or (code, reasons)); "skip filter" is the
# pod without ports, whose PreFilter returns Skip.
CASES = [
    ("skip filter", [], [], None),
    ("other port", ["UDP/127.0.0.1/8080"], ["UDP/127.0.0.1/9090"], None),
    ("same udp port", ["UDP/127.0.0.1/8080"], ["UDP/127.0.0.1/8080"], ("Unschedulable", [REASON])),
    ("same tcp port", ["TCP/127.0.0.1/8080"], ["TCP/127.0.0.1/8080"], ("Unschedulable", [REASON])),
    ("different host ip", ["TCP/127.0.0.1/8080"], ["TCP/127.0.0.2/8080"], None),
    ("different protocol", ["UDP/127.0.0.1/8080"], ["TCP/127.0.0.1/8080"], None),
    ("second udp port conflict", ["UDP/127.0.0.1/8000", "UDP/127.0.0.1/8080"], ["UDP/127.0.0.1/8080"],
     ("Unschedulable", [REASON])),
    ("first tcp port conflict", ["TCP/127.0.0.1/8001", "UDP/127.0.0.1/8080"],
     ["TCP/127.0.0.1/8001", "UDP/127.0.0.1/8081"], ("Unschedulable", [REASON])),
    ("first tcp port conflict due to 0.0.0.0 hostIP", ["TCP/0.0.0.0/8001"], ["TCP/127.0.0.1/8001"],
     ("Unschedulable", [REASON])),
    ("TCP hostPort conflict due to 0.0.0.0 hostIP", ["TCP/10.0.10.10/8001", "TCP/0.0.0.0/8001"],
     ["TCP/127.0.0.1/8001"], ("Unschedulable", [REASON])),
    ("second tcp port conflict to 0.0.0.0 hostIP", ["TCP/127.0.0.1/8001"], ["TCP/0.0.0.0/8001"],
     ("Unschedulable", [REASON])),
    ("second different protocol", ["UDP/127.0.0.1/8001"], ["TCP/0.0.0.0/8001"], None),
    ("UDP hostPort conflict due to 0.0.0.0 hostIP", ["UDP/127.0.0.1/8001"], ["TCP/0.0.0.0/8001", "UDP/0.0.0.0/8001"],
     ("Unschedulable", [REASON])),
]


@pytest.mark.parametrize("name,ports,existing,want", CASES, ids=[c[0] for c in CASES])
def test_node_ports(impl, name, ports, existing, want):
    pod = pod_with_ports("p", *ports)
    pods = [pod_with_ports("existing", *existing, node="m1")] if existing else []
    status = impl.filter("NodePorts", pod, [make_node("m1").obj()], pods)["m1"]
    if want is None:
        assert status.is_success()
    else:
        assert (status.code, status.reasons) == want


def test_empty_host_ip_and_protocol_default_to_wildcard_and_tcp(impl):
    """HostPortInfo.sanitize: no hostIP is 0.0.0.0, no protocol is TCP."""
    pod = make_pod("p").container(ports=[{"containerPort": 80, "hostPort": 8080}]).obj()
    existing = pod_with_ports("existing", "TCP/10.0.0.1/8080", node="m1")
    status = impl.filter("NodePorts", pod, [make_node("m1").obj()], [existing])["m1"]
    assert status.reasons == [REASON]


def test_sidecar_host_ports_count_and_plain_init_container_ports_do_not(impl):
    """GetHostPorts: restartable init containers' host ports are used; other init containers' are not."""
    existing = make_pod("existing").node("m1").container().spec(initContainers=[
        {"name": "sidecar", "image": "s", "restartPolicy": "Always",
         "ports": [{"containerPort": 1, "hostPort": 9000, "protocol": "TCP"}]},
        {"name": "init", "image": "i", "ports": [{"containerPort": 1, "hostPort": 9001, "protocol": "TCP"}]},
    ]).obj()
    node = make_node("m1").obj()
    assert impl.filter("NodePorts", pod_with_ports("a", "TCP//9000"), [node], [existing])["m1"].reasons == [REASON]
    assert impl.filter("NodePorts", pod_with_ports("b", "TCP//9001"), [node], [existing])["m1"].is_success()


def test_container_port_without_host_port_is_ignored(impl):
    pod = make_pod("p").container_port(8080).obj()
    existing = make_pod("existing").node("m1").container_port(8080).obj()
    assert impl.filter("NodePorts", pod, [make_node("m1").obj()], [existing])["m1"].is_success()
