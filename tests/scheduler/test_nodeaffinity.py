"""NodeAffinity Filter and Score, ported from node_affinity_test.go (TestNodeAffinity,
TestNodeAffinityPriority).

Through ``impl.filter`` a failing PreFilter gives every node the PreFilter's status (Go's test
checks the PreFilter status and then the Filter status separately); the PreFilterResult node
names are checked in test_reference_scheduler.py, where the scheduler uses them.
"""

import pytest

from scheduler.builders import make_node, make_pod

REASON_POD = "node(s) didn't match Pod's node affinity/selector"
REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity"
REASON_CONFLICT = "pod affinity terms conflict"
UNRESOLVABLE = "UnschedulableAndUnresolvable"


def expr(key, operator, *values):
    requirement = {"key": key, "operator": operator}
    if values:
        requirement["values"] = list(values)
    return requirement


def name_field(*values):
    return {"key": "metadata.name", "operator": "In", "values": list(values)}


def required(*terms):
    """A pod whose required node affinity has these NodeSelectorTerms."""
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def added_required(*terms):
    return {"addedAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


# TestNodeAffinity: (name, pod, node labels, node name, args, want (code, reasons) or None)
FILTER_CASES = [
    ("missing labels", make_pod().node_selector(foo="bar"), {}, "node", None, (UNRESOLVABLE, [REASON_POD])),
    ("same labels", make_pod().node_selector(foo="bar"), {"foo": "bar"}, "node", None, None),
    ("node labels are superset", make_pod().node_selector(foo="bar"), {"foo": "bar", "baz": "blah"}, "node",
     None, None),
    ("node labels are subset", make_pod().node_selector(foo="bar", baz="blah"), {"foo": "bar"}, "node", None,
     (UNRESOLVABLE, [REASON_POD])),
    ("Pod with matchExpressions using In operator that matches the existing node",
     make_pod().affinity(required({"matchExpressions": [expr("foo", "In", "bar", "value2")]})),
     {"foo": "bar"}, "node", None, None),
    ("Pod with matchExpressions using Gt operator that matches the existing node",
     make_pod().affinity(required({"matchExpressions": [expr("kernel-version", "Gt", "0204")]})),
     {"kernel-version": "0206"}, "node", None, None),
    ("Pod with matchExpressions using NotIn operator that matches the existing node",
     make_pod().affinity(required({"matchExpressions": [expr("mem-type", "NotIn", "DDR", "DDR2")]})),
     {"mem-type": "DDR3"}, "node", None, None),
    ("Pod with matchExpressions using Exists operator that matches the existing node",
     make_pod().affinity(required({"matchExpressions": [expr("GPU", "Exists")]})),
     {"GPU": "NVIDIA-GRID-K1"}, "node", None, None),
    ("Pod with affinity that don't match node's labels won't schedule onto the node",
     make_pod().affinity(required({"matchExpressions": [expr("foo", "In", "value1", "value2")]})),
     {"foo": "bar"}, "node", None, (UNRESOLVABLE, [REASON_POD])),
    ("Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the node",
     make_pod().affinity(required({"matchExpressions": []})),
     {"foo": "bar"}, "node", None, (UNRESOLVABLE, [REASON_POD])),
    # PreFilter returns Skip: the Filter does not run.
    ("Pod with no Affinity will schedule onto a node", make_pod(), {"foo": "bar"}, "node", None, None),
    ("Pod with Affinity but nil NodeSelector will schedule onto a node",
     make_pod().affinity({"nodeAffinity": {}}), {"foo": "bar"}, "node", None, None),
    ("Pod with multiple matchExpressions ANDed that matches the existing node",
     make_pod().affinity(required({"matchExpressions": [expr("GPU", "Exists"), expr("GPU", "NotIn", "AMD", "INTER")]})),
     {"GPU": "NVIDIA-GRID-K1"}, "node", None, None),
    ("Pod with multiple matchExpressions ANDed that doesn't match the existing node",
     make_pod().affinity(required({"matchExpressions": [expr("GPU", "Exists"), expr("GPU", "In", "AMD", "INTER")]})),
     {"GPU": "NVIDIA-GRID-K1"}, "node", None, (UNRESOLVABLE, [REASON_POD])),
    ("Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will schedule onto the node",
     make_pod().affinity(required({"matchExpressions": [expr("foo", "In", "bar", "value2")]},
                                  {"matchExpressions": [expr("diffkey", "In", "wrong", "value2")]})),
     {"foo": "bar"}, "node", None, None),
    ("Pod with an Affinity and a PodSpec.NodeSelector(the old thing that we are deprecating) both are satisfied, "
     "will schedule onto the node",
     make_pod().node_selector(foo="bar").affinity(required({"matchExpressions": [expr("foo", "Exists")]})),
     {"foo": "bar"}, "node", None, None),
    ("Pod with an Affinity matches node's labels but the PodSpec.NodeSelector(the old thing that we are deprecating) "
     "is not satisfied, won't schedule onto the node",
     make_pod().node_selector(foo="bar").affinity(required({"matchExpressions": [expr("foo", "Exists")]})),
     {"foo": "barrrrrr"}, "node", None, (UNRESOLVABLE, [REASON_POD])),
    ("Pod with an invalid value in Affinity term won't be scheduled onto the node",
     make_pod().affinity(required({"matchExpressions": [expr("foo", "NotIn", "invalid value: ___@#$%^")]})),
     {"foo": "bar"}, "node", None, (UNRESOLVABLE, [REASON_POD])),
    # PreFilterResult {node1}
    ("Pod with matchFields using In operator that matches the existing node",
     make_pod().affinity(required({"matchFields": [name_field("node1")]})), {}, "node1", None, None),
    ("Pod with matchFields using In operator that does not match the existing node",
     make_pod().affinity(required({"matchFields": [name_field("node1")]})), {}, "node2", None,
     (UNRESOLVABLE, [REASON_POD])),
    ("Pod with two terms: matchFields does not match, but matchExpressions matches",
     make_pod().affinity(required({"matchFields": [name_field("node1"), name_field("node2")]},
                                  {"matchExpressions": [expr("foo", "In", "bar")]})),
     {"foo": "bar"}, "node2", None, None),
    ("Pod with one term: matchFields does not match, but matchExpressions matches",
     make_pod().affinity(required({"matchFields": [name_field("node1")],
                                   "matchExpressions": [expr("foo", "In", "bar")]})),
     {"foo": "bar"}, "node2", None, (UNRESOLVABLE, [REASON_POD])),
    ("Pod with one term: both matchFields and matchExpressions match",
     make_pod().affinity(required({"matchFields": [name_field("node1")],
                                   "matchExpressions": [expr("foo", "In", "bar")]})),
     {"foo": "bar"}, "node1", None, None),
    ("Pod with two terms: both matchFields and matchExpressions do not match",
     make_pod().affinity(required({"matchFields": [name_field("node1")]},
                                  {"matchExpressions": [expr("foo", "In", "not-match-to-bar")]})),
     {"foo": "bar"}, "node2", None, (UNRESOLVABLE, [REASON_POD])),
    ("Pod with two terms of node.Name affinity",
     make_pod().affinity(required({"matchFields": [name_field("node1")]}, {"matchFields": [name_field("node2")]})),
     {}, "node2", None, None),
    # Go: PreFilter UnschedulableAndUnresolvable "pod affinity terms conflict" (its Filter alone
    # would give ErrReasonPod); through impl.filter every node gets the PreFilter status.
    ("Pod with two conflicting mach field requirements",
     make_pod().affinity(required({"matchFields": [name_field("node1"), name_field("node2")]})),
     {"foo": "bar"}, "node2", None, (UNRESOLVABLE, [REASON_CONFLICT])),
    ("Matches added affinity and Pod's node affinity",
     make_pod().affinity(required({"matchExpressions": [expr("zone", "In", "foo")]})),
     {"zone": "foo"}, "node2", added_required({"matchFields": [name_field("node2")]}), None),
    ("Matches added affinity but not Pod's node affinity",
     make_pod().affinity(required({"matchExpressions": [expr("zone", "In", "bar")]})),
     {"zone": "foo"}, "node2", added_required({"matchFields": [name_field("node2")]}),
     (UNRESOLVABLE, [REASON_POD])),
    ("Doesn't match added affinity",
     make_pod(), {"zone": "foo"}, "node2", added_required({"matchExpressions": [expr("zone", "In", "bar")]}),
     (UNRESOLVABLE, [REASON_ENFORCED])),
    ("Matches node selector correctly even if PreFilter is not called",
     make_pod().node_selector(foo="bar"), {"foo": "bar", "baz": "blah"}, "node", None, None),
    ("Matches node affinity correctly even if PreFilter is not called",
     make_pod().affinity(required({"matchExpressions": [expr("GPU", "Exists"), expr("GPU", "NotIn", "AMD", "INTER")]})),
     {"GPU": "NVIDIA-GRID-K1"}, "node", None, None),
]


@pytest.mark.parametrize("name,pod,labels,node_name,args,want", FILTER_CASES, ids=[c[0][:70] for c in FILTER_CASES])
def test_node_affinity_filter(impl, name, pod, labels, node_name, args, want):
    node = make_node(node_name).labels(labels).obj()
    status = impl.filter("NodeAffinity", pod.obj(), [node], args=args)[node_name]
    if want is None:
        assert status.is_success()
    else:
        assert (status.code, status.reasons) == want


LABEL1 = {"foo": "bar"}
LABEL2 = {"key": "value"}
LABEL3 = {"az": "az1"}
LABEL4 = {"abc": "az11", "def": "az22"}
LABEL5 = {"foo": "bar", "key": "value", "az": "az1"}

PREFERRED1 = [{"weight": 2, "preference": {"matchExpressions": [expr("foo", "In", "bar")]}}]
PREFERRED2 = [
    {"weight": 2, "preference": {"matchExpressions": [expr("foo", "In", "bar")]}},
    {"weight": 4, "preference": {"matchExpressions": [expr("key", "In", "value")]}},
    {"weight": 5, "preference": {"matchExpressions": [expr("foo", "In", "bar"), expr("key", "In", "value"),
                                                       expr("az", "In", "az1")]}},
]


def preferred(terms):
    return {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": terms}}


def nodes_with(*pairs):
    return [make_node(name).labels(labels).obj() for name, labels in pairs]


# TestNodeAffinityPriority: (name, pod, nodes, args, expected)
SCORE_CASES = [
    ("all nodes are same priority as NodeAffinity is nil", make_pod().annotations({}),
     nodes_with(("node1", LABEL1), ("node2", LABEL2), ("node3", LABEL3)), None,
     {"node1": 0, "node2": 0, "node3": 0}),
    # PreScore returns Skip: all scores 0.
    ("Skip is returned in PreScore when NodeAffinity is nil", make_pod().annotations({}),
     nodes_with(("node1", LABEL1)), None, {"node1": 0}),
    ("no node matches preferred scheduling requirements in NodeAffinity of pod so all nodes' priority is zero",
     make_pod().affinity(preferred(PREFERRED1)),
     nodes_with(("node1", LABEL4), ("node2", LABEL2), ("node3", LABEL3)), None,
     {"node1": 0, "node2": 0, "node3": 0}),
    ("only node1 matches the preferred scheduling requirements of pod",
     make_pod().affinity(preferred(PREFERRED1)),
     nodes_with(("node1", LABEL1), ("node2", LABEL2), ("node3", LABEL3)), None,
     {"node1": 100, "node2": 0, "node3": 0}),
    # Raw: node1 2, node5 2+4+5 = 11, node2 4 -> 100*2/11 = 18, 100, 100*4/11 = 36
    ("all nodes matches the preferred scheduling requirements of pod but with different priorities ",
     make_pod().affinity(preferred(PREFERRED2)),
     nodes_with(("node1", LABEL1), ("node5", LABEL5), ("node2", LABEL2)), None,
     {"node1": 18, "node5": 100, "node2": 36}),
    ("added affinity", make_pod(),
     nodes_with(("node1", LABEL1), ("node2", LABEL2)),
     {"addedAffinity": preferred(PREFERRED1)["nodeAffinity"]},
     {"node1": 100, "node2": 0}),
    # Raw: node1 2, node2 3, node3 2+3 = 5 -> 40, 60, 100
    ("added affinity and pod has default affinity", make_pod().affinity(preferred(PREFERRED1)),
     nodes_with(("node1", LABEL1), ("node2", LABEL2), ("node3", LABEL5)),
     {"addedAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
         {"weight": 3, "preference": {"matchExpressions": [expr("key", "In", "value")]}}]}},
     {"node1": 40, "node2": 60, "node3": 100}),
    ("calculate the priorities correctly even if PreScore is not called",
     make_pod().affinity(preferred(PREFERRED2)),
     nodes_with(("node1", LABEL1), ("node5", LABEL5), ("node2", LABEL2)), None,
     {"node1": 18, "node5": 100, "node2": 36}),
]


@pytest.mark.parametrize("name,pod,nodes,args,expected", SCORE_CASES, ids=[c[0][:70] for c in SCORE_CASES])
def test_node_affinity_score(impl, name, pod, nodes, args, expected):
    assert impl.score("NodeAffinity", pod.obj(), nodes, args=args) == expected
