"""NodeResourcesFit MostAllocated scoring, ported from most_allocated_test.go
TestMostAllocatedScoringStrategy.

Not ported: the args validation cases (weights -1, 0, 101; resources nil), as in
test_least_allocated.py.
"""

import pytest

from scheduler.builders import make_node, make_pod
from scheduler.test_least_allocated import (
    DEFAULT_RESOURCES,
    EXTENDED_RES,
    EXTENDED_RESOURCE_SET,
    R1,
    R2,
    existing,
    node,
    pod,
)

# (name, pod, nodes, existing pods, resources, expected)
CASES = [
    # CPU Score: (0 * MaxNodeScore) / 4000 = 0, Memory 0 -> 0
    ("nothing scheduled, nothing requested", pod(),
     [node("node1", "4000", "10000"), node("node2", "4000", "10000")], [], DEFAULT_RESOURCES,
     {"node1": 0, "node2": 0}),
    # Node1 CPU: (3000 * 100) / 4000 = 75, Memory: (5000 * 100) / 10000 = 50 -> 62
    # Node2 CPU: (3000 * 100) / 6000 = 50, Memory 50 -> 50
    ("nothing scheduled, resources requested, differently sized nodes", pod(R1, R2),
     [node("node1", "4000", "10000"), node("node2", "6000", "10000")], [], DEFAULT_RESOURCES,
     {"node1": 62, "node2": 50}),
    # Node1 CPU: (6000 * 100) / 10000 = 60, Memory: (0 * 100) / 20000 = 0 -> 30
    # Node2 CPU 60, Memory: (5000 * 100) / 20000 = 25 -> 42
    ("no resources requested, pods scheduled with resources", pod(),
     [node("node1", "10000", "20000"), node("node2", "10000", "20000")],
     [existing("node1", "3000", "0", "e1"), existing("node1", "3000", "0", "e2"),
      existing("node2", "3000", "0", "e3"), existing("node2", "3000", "5000", "e4")], DEFAULT_RESOURCES,
     {"node1": 30, "node2": 42}),
    # Node1 CPU 60, Memory: (5000 * 100) / 20000 = 25 -> 42; Node2 CPU 60, Memory 50 -> 55
    ("resources requested, pods scheduled with resources", pod(R1, R2),
     [node("node1", "10000", "20000"), node("node2", "10000", "20000")],
     [existing("node1", "3000", "0", "e1"), existing("node2", "3000", "5000", "e2")], DEFAULT_RESOURCES,
     {"node1": 42, "node2": 55}),
    # Node1 CPU: 5000 * 100 / 5000 = 100, Memory: (9000 * 100) / 10000 = 90 -> 95
    # Node2 CPU: (5000 * 100) / 10000 = 50, Memory: 9000 * 100 / 9000 = 100 -> 75
    ("resources requested equal node capacity",
     pod({"cpu": "2000", "memory": "4000"}, {"cpu": "3000", "memory": "5000"}),
     [node("node1", "5000", "10000"), node("node2", "10000", "9000")], [], DEFAULT_RESOURCES,
     {"node1": 95, "node2": 75}),
    # Node1: (75 * 1 + 50 * 2) / (1 + 2) = 58; Node2: (50 * 1 + 50 * 2) / (1 + 2) = 50
    ("nothing scheduled, resources requested, differently sized nodes (memory weight 2)", pod(R1, R2),
     [node("node1", "4000", "10000"), node("node2", "6000", "10000")], [],
     [{"name": "memory", "weight": 2}, {"name": "cpu", "weight": 1}],
     {"node1": 58, "node2": 50}),
    # Non-zero requests: 100m cpu and 200Mi memory for each container without requests.
    # Node1 CPU Fraction: 300 / 250 = 100%, Memory: 600 / 1000 = 60% -> (100 + 60) / 2 = 80
    # Node2 CPU Fraction: 100 / 250 = 40%, Memory: 200 / 1000 = 20% -> (20 + 40) / 2 = 30
    ("no resources requested, pods scheduled, nonzero request for resource",
     make_pod("pod").container(name="container").obj(),
     [make_node("node1").alloc(cpu="250m", memory="1000Mi").obj(),
      make_node("node2").alloc(cpu="250m", memory="1000Mi").obj()],
     [existing("node1", name="e1", container=True), existing("node1", name="e2", container=True)],
     DEFAULT_RESOURCES, {"node1": 80, "node2": 30}),
    ("bypass extended resource if the pod does not request", pod(R1, R2),
     [node("node1", "6000", "10000"), node("node2", "6000", "10000", x=4)], [], EXTENDED_RESOURCE_SET,
     {"node1": 50, "node2": 50}),
    # Extended: node1 2 / 4 * 100 = 50 -> (50 + 50 + 50) / 3 = 50; node2 2 / 10 * 100 = 20 -> 40
    ("honor extended resource if the pod request",
     pod({"cpu": "3000", "memory": "5000", EXTENDED_RES: "2"}, node_name="node1"),
     [node("node1", "6000", "10000", x=4), node("node2", "6000", "10000", x=10)], [], EXTENDED_RESOURCE_SET,
     {"node1": 50, "node2": 40}),
    # CPU: (3000 * 100) / 6000 = 50, Memory: (4000 * 100) / 10000 = 40 -> 45
    ("if the node doesn't have a resource", pod({"cpu": "3000", "memory": "4000"}, node_name="node1"),
     [node("node1", "6000", "10000"), node("node2", "6000", "10000", x=4)], [],
     [{"name": EXTENDED_RES, "weight": 2}, {"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}],
     {"node1": 45, "node2": 45}),
]


@pytest.mark.parametrize("name,pod,nodes,pods,resources,expected", CASES, ids=[c[0] for c in CASES])
def test_most_allocated_scoring_strategy(impl, name, pod, nodes, pods, resources, expected):
    args = {"scoringStrategy": {"type": "MostAllocated", "resources": resources}}
    assert impl.score("NodeResourcesFit", pod, nodes, pods, args) == expected
