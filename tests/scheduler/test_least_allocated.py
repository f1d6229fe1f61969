"""NodeResourcesFit LeastAllocated scoring, ported from least_allocated_test.go
TestLeastAllocatedScoringStrategy.

Not ported: the cases whose point is a validation error of the args (weights -1, 0, 101 and
resources nil): through the v1 defaults an empty resource list is cpu + memory and a 0 weight
is 1, so they are configuration errors, not scores.
"""

import pytest

from scheduler.builders import make_node, make_pod

EXTENDED_RES = "abc.com/xyz"
DEFAULT_RESOURCES = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]
EXTENDED_RESOURCE_SET = [*DEFAULT_RESOURCES, {"name": EXTENDED_RES, "weight": 1}]


def node(name, cpu, memory, **extended):
    """st.MakeNode().Capacity(...): cpu "4000" is 4000 cores; capacity and allocatable alike."""
    amounts = {"cpu": cpu, "memory": memory}
    amounts.update({EXTENDED_RES: v for v in extended.values()})
    return make_node(name).alloc(amounts).obj()


def pod(*requests, node_name=None):
    builder = make_pod("pod")
    for request in requests:
        builder.req(request)
    if node_name:
        builder.node_name(node_name)
    return builder.obj()


def existing(node_name, cpu=None, memory=None, name="e", container=False):
    """st.MakePod().Node(node)[.Req(...)]: without requests the Go pod has no container at
    all (so no non-zero default requests either), unless ``container`` asks for one."""
    builder = make_pod(name).node(node_name)
    if cpu is not None:
        builder.req(cpu=cpu, memory=memory)
    elif container:
        builder.container(name="container")
    return builder.obj()


R1 = {"cpu": "1000", "memory": "2000"}
R2 = {"cpu": "2000", "memory": "3000"}

# (name, pod, nodes, existing pods, resources, expected)
CASES = [
    # CPU Score: ((4000 - 0) * MaxNodeScore) / 4000 = MaxNodeScore; Memory likewise: 100 each
    ("nothing scheduled, nothing requested", pod(),
     [node("node1", "4000", "10000"), node("node2", "4000", "10000")], [], DEFAULT_RESOURCES,
     {"node1": 100, "node2": 100}),
    # Node1 CPU: ((4000 - 3000) * 100) / 4000 = 25, Memory: ((10000 - 5000) * 100) / 10000 = 50 -> 37
    # Node2 CPU: ((6000 - 3000) * 100) / 6000 = 50, Memory 50 -> 50
    ("nothing scheduled, resources requested, differently sized nodes", pod(R1, R2),
     [node("node1", "4000", "10000"), node("node2", "6000", "10000")], [], DEFAULT_RESOURCES,
     {"node1": 37, "node2": 50}),
    ("no resources requested, pods scheduled", pod(),
     [node("node1", "4000", "10000"), node("node2", "4000", "10000")],
     [existing("node1", name="e1"), existing("node1", name="e2"), existing("node2", name="e3"),
      existing("node2", name="e4")], DEFAULT_RESOURCES,
     {"node1": 100, "node2": 100}),
    # Node1 CPU: ((10000 - 6000) * 100) / 10000 = 40, Memory: ((20000 - 0) * 100) / 20000 = 100 -> 70
    # Node2 CPU 40, Memory: ((20000 - 5000) * 100) / 20000 = 75 -> 57
    ("no resources requested, pods scheduled with resources", pod(),
     [node("node1", "10000", "20000"), node("node2", "10000", "20000")],
     [existing("node1", "3000", "0", "e1"), existing("node1", "3000", "0", "e2"),
      existing("node2", "3000", "0", "e3"), existing("node2", "3000", "5000", "e4")], DEFAULT_RESOURCES,
     {"node1": 70, "node2": 57}),
    # Node1 CPU 40, Memory: ((20000 - 5000) * 100) / 20000 = 75 -> 57
    # Node2 CPU 40, Memory: ((20000 - 10000) * 100) / 20000 = 50 -> 45
    ("resources requested, pods scheduled with resources", pod(R1, R2),
     [node("node1", "10000", "20000"), node("node2", "10000", "20000")],
     [existing("node1", "3000", "0", "e1"), existing("node2", "3000", "5000", "e2")], DEFAULT_RESOURCES,
     {"node1": 57, "node2": 45}),
    # Node2 Memory: ((50000 - 10000) * 100) / 50000 = 80 -> (40 + 80) / 2 = 60
    ("resources requested, pods scheduled with resources, differently sized nodes", pod(R1, R2),
     [node("node1", "10000", "20000"), node("node2", "10000", "50000")],
     [existing("node1", "3000", "0", "e1"), existing("node2", "3000", "5000", "e2")], DEFAULT_RESOURCES,
     {"node1": 57, "node2": 60}),
    # CPU: 4000 - 6000 < 0 -> 0; Node1 Memory 100 -> 50; Node2 Memory 50 -> 25
    ("requested resources exceed node capacity", pod({"cpu": "3000", "memory": "0"}),
     [node("node1", "4000", "10000"), node("node2", "4000", "10000")],
     [existing("node1", "3000", "0", "e1"), existing("node2", "3000", "5000", "e2")], DEFAULT_RESOURCES,
     {"node1": 50, "node2": 25}),
    ("zero node resources, pods scheduled with resources", pod(),
     [make_node("node1").obj(), make_node("node2").obj()],
     [existing("node1", "3000", "0", "e1"), existing("node2", "3000", "5000", "e2")], DEFAULT_RESOURCES,
     {"node1": 0, "node2": 0}),
    # Node1: (25 * 1 + 50 * 2) / (1 + 2) = 41; Node2: (50 * 1 + 50 * 2) / (1 + 2) = 50
    ("nothing scheduled, resources requested with different weight on CPU and memory, differently sized nodes",
     pod(R1, R2, node_name="node1"),
     [node("node1", "4000", "10000"), node("node2", "6000", "10000")], [],
     [{"name": "memory", "weight": 2}, {"name": "cpu", "weight": 1}],
     {"node1": 41, "node2": 50}),
    # The extended resource the pod does not request is bypassed: (50 + 50) / 2 = 50 on both.
    ("bypass extended resource if the pod does not request", pod(R1, R2, node_name="node1"),
     [node("node1", "6000", "10000"), node("node2", "6000", "10000", x=4)], [], EXTENDED_RESOURCE_SET,
     {"node1": 50, "node2": 50}),
    # Extended: node1 (4 - 2) / 4 * 100 = 50 -> (50+50+50)/3 = 50; node2 (10 - 2) / 10 * 100 = 80 -> 60
    ("honor extended resource if the pod requests",
     pod({"cpu": "3000", "memory": "5000", EXTENDED_RES: "2"}, node_name="node1"),
     [node("node1", "6000", "10000", x=4), node("node2", "6000", "10000", x=10)], [], EXTENDED_RESOURCE_SET,
     {"node1": 50, "node2": 60}),
    # CPU: ((6000 - 3000) * 100) / 6000 = 50, Memory: ((10000 - 4000) * 100) / 10000 = 60 -> 55
    ("if the node doesn't have a resource", pod({"cpu": "3000", "memory": "4000"}, node_name="node1"),
     [node("node1", "6000", "10000"), node("node2", "6000", "10000", x=4)], [],
     [{"name": EXTENDED_RES, "weight": 2}, {"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}],
     {"node1": 55, "node2": 55}),
]


@pytest.mark.parametrize("name,pod,nodes,pods,resources,expected", CASES, ids=[c[0] for c in CASES])
def test_least_allocated_scoring_strategy(impl, name, pod, nodes, pods, resources, expected):
    args = {"scoringStrategy": {"type": "LeastAllocated", "resources": resources}}
    assert impl.score("NodeResourcesFit", pod, nodes, pods, args) == expected
