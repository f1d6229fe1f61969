"""NodeResourcesFit RequestedToCapacityRatio scoring, ported from
requested_to_capacity_ratio_test.go: TestRequestedToCapacityRatioScoringStrategy,
TestBrokenLinearFunction (through the shape's effect on a one-resource score),
TestResourceBinPackingSingleExtended, TestResourceBinPackingMultipleExtended."""

import pytest

from reference.plugins.noderesources import broken_linear_function
from scheduler.builders import make_node, make_pod

DEFAULT_RESOURCES = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]
SHAPE = [(0, 10), (100, 0)]


def rtcr(resources, shape):
    return {"scoringStrategy": {"type": "RequestedToCapacityRatio", "resources": resources,
                                "requestedToCapacityRatio": {"shape": [
                                    {"utilization": u, "score": s} for u, s in shape]}}}


def cap_node(name, cpu, memory):
    """st.MakeNode().Capacity: cpu "4000" is 4000 cores."""
    return make_node(name).alloc(cpu=cpu, memory=memory).obj()


def make_test_node(name, milli_cpu, memory, extended):
    """noderesources test_util.go makeNode(node, milliCPU, memory, extendedResource)."""
    return make_node(name).alloc({"cpu": milli_cpu, "memory": memory, **extended}).obj()


# TestRequestedToCapacityRatioScoringStrategy, shape {0: 10, 100: 0}, scaled by
# MaxNodeScore / MaxCustomPriorityScore = 10 to {0: 100, 100: 0}. The existing pods of the Go
# table have no containers, hence no (non-zero) requests.
STRATEGY_CASES = [
    # Nothing requested anywhere: 0% -> 100 for cpu and memory.
    ("nothing scheduled, nothing requested (default - least requested nodes have priority)",
     make_pod("pod").obj(), [cap_node("node1", "4000", "10000"), cap_node("node2", "4000", "10000")],
     [make_pod("e1").node("node1").obj(), make_pod("e2").node("node1").obj()],
     {"node1": 100, "node2": 100}),
    # node1 cpu 3000/4000 = 75% -> 25, memory 5000/10000 = 50% -> 50: round(75 / 2) = 38
    # node2 cpu 3000/6000 = 50% -> 50, memory 50% -> 50: 50
    ("nothing scheduled, resources requested, differently sized nodes (default - least requested nodes have priority)",
     make_pod("pod").req(cpu="1000", memory="2000").req(cpu="2000", memory="3000").obj(),
     [cap_node("node1", "4000", "10000"), cap_node("node2", "6000", "10000")],
     [make_pod("e1").node("node1").obj(), make_pod("e2").node("node1").obj()],
     {"node1": 38, "node2": 50}),
    # The same usage from the existing pods instead: 38 and 50.
    ("no resources requested, pods scheduled with resources (default - least requested nodes have priority)",
     make_pod("pod").obj(), [cap_node("node1", "4000", "10000"), cap_node("node2", "6000", "10000")],
     [make_pod("e1").node("node1").req(cpu="3000", memory="5000").obj(),
      make_pod("e2").node("node2").req(cpu="3000", memory="5000").obj()],
     {"node1": 38, "node2": 50}),
]


@pytest.mark.parametrize("name,pod,nodes,pods,expected", STRATEGY_CASES, ids=[c[0] for c in STRATEGY_CASES])
def test_requested_to_capacity_ratio_scoring_strategy(impl, name, pod, nodes, pods, expected):
    assert impl.score("NodeResourcesFit", pod, nodes, pods, rtcr(DEFAULT_RESOURCES, SHAPE)) == expected


# TestBrokenLinearFunction: helper.BuildBrokenLinearFunction on the raw points. The plugin
# scales the shape before building the function, so these integer values are a property of the
# helper, checked on the reference's helper.
BROKEN_LINEAR_CASES = [
    ([(10, 1), (90, 9)], [(-10, 1), (0, 1), (9, 1), (10, 1), (15, 1), (19, 1), (20, 2), (89, 8), (90, 9),
                          (99, 9), (100, 9), (110, 9)]),
    ([(0, 2), (40, 10), (100, 0)], [(-10, 2), (0, 2), (20, 6), (30, 8), (40, 10), (70, 5), (100, 0), (110, 0)]),
    ([(0, 2), (40, 2), (100, 2)], [(-10, 2), (0, 2), (20, 2), (30, 2), (40, 2), (70, 2), (100, 2), (110, 2)]),
]


@pytest.mark.parametrize("points,assertions", BROKEN_LINEAR_CASES, ids=["case_0", "case_1", "case_2"])
def test_broken_linear_function(points, assertions):
    function = broken_linear_function(points)
    for p, expected in assertions:
        assert function(p) == expected, p


def test_shape_is_scaled_before_interpolation(impl):
    """The shape's scores are multiplied by 10 before BuildBrokenLinearFunction: with points
    {10: 1, 90: 9} a node used 15% scores 10 + (90 - 10) * (15 - 10) / (90 - 10) = 15, not 10 * 1."""
    resource = "example.com/r"
    args = rtcr([{"name": resource, "weight": 1}], [(10, 1), (90, 9)])
    node = make_node("n").alloc({resource: 100}).obj()
    existing = make_pod("e").node("n").container(requests={resource: 14}, limits={resource: 14}).obj()
    incoming = make_pod("pod").container(requests={resource: 1}, limits={resource: 1}).obj()
    assert impl.score("NodeResourcesFit", incoming, [node], [existing], args) == {"n": 15}


FOO = "intel.com/foo"
BAR = "intel.com/bar"
MEM = 10000 * 1024 * 1024


def ext_pod(name="pod", node=None, **amounts):
    requests = {FOO if k == "foo" else BAR: v for k, v in amounts.items()}
    builder = make_pod(name)
    if requests:
        builder.container(requests=requests, limits=requests)
    else:
        builder.container()
    if node:
        builder.node(node)
    return builder.obj()


# TestResourceBinPackingSingleExtended: resources intel.com/foo weight 1, shape {0: 0, 100: 1}
SINGLE_CASES = [
    # The incoming pod does not request the extended resource: bypassed, 0.
    ("nothing scheduled, nothing requested", make_pod("pod").obj(), [], {"node1": 0, "node2": 0}),
    # node1 (0+2)/8 = 25% -> rawScoringFunction(25) = 2; node2 (0+2)/4 = 50% -> 5
    ("resources requested, pods scheduled with less resources", ext_pod(foo="2"), [ext_pod("e")],
     {"node1": 2, "node2": 5}),
    # node2 (2+2)/4 = 100% -> 10
    ("resources requested, pods scheduled with resources, on node with existing pod running ",
     ext_pod(foo="2"), [ext_pod("e", "node2", foo="2")], {"node1": 2, "node2": 10}),
    # node1 (0+4)/8 = 50% -> 5; node2 (0+4)/4 = 100% -> 10
    ("resources requested, pods scheduled with more resources", ext_pod(foo="4"), [ext_pod("e")],
     {"node1": 5, "node2": 10}),
]


@pytest.mark.parametrize("name,pod,pods,expected", SINGLE_CASES, ids=[c[0] for c in SINGLE_CASES])
def test_resource_bin_packing_single_extended(impl, name, pod, pods, expected):
    nodes = [make_test_node("node1", 4000, MEM, {FOO: 8}), make_test_node("node2", 4000, MEM, {FOO: 4})]
    args = rtcr([{"name": FOO, "weight": 1}], [(0, 0), (100, 1)])
    assert impl.score("NodeResourcesFit", pod, nodes, pods, args) == expected


# TestResourceBinPackingMultipleExtended: foo weight 3, bar weight 5, shape {0: 0, 100: 1}
MULTIPLE_CASES = [
    ("nothing scheduled, nothing requested", make_pod("pod").obj(), [], {"node1": 0, "node2": 0}),
    # node1 foo (0+2)/8 = 25% -> 2, bar (0+2)/4 = 50% -> 5: round((2*3 + 5*5) / 8) = 4
    # node2 foo (0+2)/4 -> 5, bar (0+2)/8 -> 2: round((5*3 + 2*5) / 8) = 3
    ("resources requested, pods scheduled with less resources", ext_pod(foo="2", bar="2"), [ext_pod("e")],
     {"node1": 4, "node2": 3}),
    # node2 foo (2+2)/4 = 100% -> 10, bar (2+2)/8 = 50% -> 5: round((10*3 + 5*5) / 8) = 7
    ("resources requested, pods scheduled with resources, on node with existing pod running ",
     ext_pod(foo="2", bar="2"), [ext_pod("e", "node2", foo="4", bar="2")], {"node1": 4, "node2": 7}),
    # node1 foo 4/8 -> 5, bar 2/4 -> 5: 5; node2 foo 4/4 -> 10, bar 2/8 -> 2: round(40 / 8) = 5
    ("resources requested, pods scheduled with more resources", ext_pod(foo="4", bar="2"), [ext_pod("e")],
     {"node1": 5, "node2": 5}),
]


@pytest.mark.parametrize("name,pod,pods,expected", MULTIPLE_CASES, ids=[c[0] for c in MULTIPLE_CASES])
def test_resource_bin_packing_multiple_extended(impl, name, pod, pods, expected):
    nodes = [make_test_node("node1", 4000, MEM, {FOO: 8, BAR: 4}),
             make_test_node("node2", 4000, MEM, {FOO: 4, BAR: 8})]
    args = rtcr([{"name": FOO, "weight": 3}, {"name": BAR, "weight": 5}], [(0, 0), (100, 1)])
    assert impl.score("NodeResourcesFit", pod, nodes, pods, args) == expected
