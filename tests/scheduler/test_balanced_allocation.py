"""NodeResourcesBalancedAllocation scoring, ported from balanced_allocation_test.go
TestNodeResourcesBalancedAllocation (the std-dev formula of balanced_allocation.go:
score = (1 - std) * MaxNodeScore over the usage fractions, |f1 - f2| / 2 for two).

Not ported: the "if PreScore not called" duplicate (PreScore always runs here) and the DRA
extended-resource cases.
"""

import pytest

from scheduler.builders import make_node, make_pod

GPU = "nvidia.com/gpu"
DEFAULT_SET = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]
WITH_GPU = [*DEFAULT_SET, {"name": GPU, "weight": 1}]


def make_test_node(name, milli_cpu, memory, extended=None):
    """noderesources test_util.go makeNode: cpu in millicores, capacity and allocatable alike."""
    return make_node(name).alloc({"cpu": milli_cpu, "memory": memory, **(extended or {})}).obj()


def spec_pod(name, containers, node=None):
    """A pod with these containers' requests (and limits for the extended resource)."""
    builder = make_pod(name)
    for requests in containers:
        limits = {k: v for k, v in requests.items() if "/" in k} or None
        builder.container(requests=requests, limits=limits)
    if node:
        builder.node(node)
    return builder.obj()


CPU_ONLY = [{"cpu": "1000m", "memory": "0"}, {"cpu": "2000m", "memory": "0"}]
CPU_AND_MEMORY = [{"cpu": "1000m", "memory": "2000"}, {"cpu": "2000m", "memory": "3000"}]
CPU_AND_MEMORY_AND_GPU = [{"cpu": "1000m", "memory": "2000"}, {"cpu": "2000m", "memory": "3000", GPU: "3"}]


def cpu_only(node="node1", name="cpu-only"):
    return spec_pod(name, CPU_ONLY, node)


def cpu_and_memory(node="node2", name="cpu-and-memory"):
    return spec_pod(name, CPU_AND_MEMORY, node)


# (name, pod, nodes, existing pods, resources, expected)
CASES = [
    # A best-effort pod: PreScore returns Skip, the plugin gives no score (0 everywhere).
    ("nothing scheduled, nothing requested, skip in PreScore", make_pod("pod").obj(),
     [make_test_node("node1", 4000, 10000), make_test_node("node2", 4000, 10000)], [], DEFAULT_SET,
     {"node1": 0, "node2": 0}),
    # Node1 CPU Fraction: 3000 / 4000 = 75%, Memory Fraction: 5000 / 10000 = 50%
    # Node1 std: (0.75 - 0.5) / 2 = 0.125 -> (1 - 0.125) * MaxNodeScore = 87
    # Node2 CPU Fraction: 3000 / 6000 = 50%, Memory 50%: std 0 -> MaxNodeScore
    ("nothing scheduled, resources requested, differently sized nodes", spec_pod("pod", CPU_AND_MEMORY),
     [make_test_node("node1", 4000, 10000), make_test_node("node2", 6000, 10000)], [], DEFAULT_SET,
     {"node1": 87, "node2": 100}),
    # Node1 CPU 6000 / 10000 = 60%, Memory 5000 / 20000 = 25%: std 0.175 -> 82
    # Node2 CPU 60%, Memory 10000 / 20000 = 50%: std 0.05 -> 95
    ("resources requested, pods scheduled with resources", spec_pod("pod", CPU_AND_MEMORY),
     [make_test_node("node1", 10000, 20000), make_test_node("node2", 10000, 20000)],
     [cpu_only(), cpu_and_memory()], DEFAULT_SET, {"node1": 82, "node2": 95}),
    # Node2 Memory 10000 / 50000 = 20%: std (0.6 - 0.2) / 2 = 0.2 -> 80
    ("resources requested, pods scheduled with resources, differently sized nodes", spec_pod("pod", CPU_AND_MEMORY),
     [make_test_node("node1", 10000, 20000), make_test_node("node2", 10000, 50000)],
     [cpu_only(), cpu_and_memory()], DEFAULT_SET, {"node1": 82, "node2": 80}),
    # Node1 CPU 6000 / 6000 = 1, Memory 0: std 0.5 -> 50
    # Node2 CPU 1, Memory 5000 / 10000 = 50%: std 0.25 -> 75
    ("requested resources at node capacity", spec_pod("pod", CPU_ONLY),
     [make_test_node("node1", 6000, 10000), make_test_node("node2", 6000, 10000)],
     [cpu_only(), cpu_and_memory()], DEFAULT_SET, {"node1": 50, "node2": 75}),
    # Node1 CPU 3000 / 3500 = 85.71%, Memory 5000 / 40000 = 12.5%, GPU 4 / 8 = 50%
    # std sqrt(((0.8571 - 0.503)^2 + (0.503 - 0.125)^2 + (0.503 - 0.5)^2) / 3) = 0.3002 -> 70
    # Node2 CPU 85.71%, Memory 12.5%, GPU 1 / 8 = 12.5%: std 0.345 -> 65
    ("include scalar resource on a node for balanced resource allocation",
     spec_pod("pod", [{"memory": "0", GPU: "1"}]),
     [make_test_node("node1", 3500, 40000, {GPU: 8}), make_test_node("node2", 3500, 40000, {GPU: 8})],
     [cpu_and_memory(), spec_pod("cpu-and-memory-and-gpu", CPU_AND_MEMORY_AND_GPU, "node1")], WITH_GPU,
     {"node1": 70, "node2": 65}),
    # The pod does not request the GPU: skipped on both nodes.
    # CPU 3000 / 3500 = 85.71%, Memory 5000 / 40000 = 12.5%: std 0.36605 -> 63
    ("node without the scalar resource should skip the scalar resource", spec_pod("pod", CPU_AND_MEMORY),
     [make_test_node("node1", 3500, 40000, {GPU: 8}), make_test_node("node2", 3500, 40000)], [], WITH_GPU,
     {"node1": 63, "node2": 63}),
]


@pytest.mark.parametrize("name,pod,nodes,pods,resources,expected", CASES, ids=[c[0] for c in CASES])
def test_node_resources_balanced_allocation(impl, name, pod, nodes, pods, resources, expected):
    args = {"resources": resources}
    assert impl.score("NodeResourcesBalancedAllocation", pod, nodes, pods, args) == expected


def test_default_resources_are_cpu_and_memory(impl):
    """defaults.go SetDefaults_NodeResourcesBalancedAllocationArgs: no args is cpu and memory."""
    nodes = [make_test_node("node1", 4000, 10000), make_test_node("node2", 6000, 10000)]
    got = impl.score("NodeResourcesBalancedAllocation", spec_pod("pod", CPU_AND_MEMORY), nodes)
    assert got == {"node1": 87, "node2": 100}


def test_requests_not_non_zero_defaults(impl):
    """BalancedAllocation uses the requests as they are (useRequested): a container without
    requests adds nothing, unlike NodeResourcesFit's 100m / 200Mi defaults."""
    nodes = [make_test_node("node1", 4000, 10000)]
    existing = [make_pod("e").node("node1").container().obj()]
    got = impl.score("NodeResourcesBalancedAllocation", spec_pod("pod", CPU_AND_MEMORY), nodes, existing)
    assert got == {"node1": 87}
