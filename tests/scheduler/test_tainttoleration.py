"""TaintToleration Filter and Score, ported from taint_toleration_test.go
(TestTaintTolerationScore, TestTaintTolerationFilter)."""

import pytest

from scheduler.builders import make_node, make_pod


def taint(key, value, effect):
    return {"key": key, "value": value, "effect": effect}


def toleration(key, value, effect="", operator=""):
    return {"key": key, "operator": operator, "value": value, "effect": effect}


def node(name, *taints):
    return make_node(name).taints(list(taints)).obj()


def pod(*tolerations):
    return make_pod("pod1").tolerations(list(tolerations)).obj()


PREFER = "PreferNoSchedule"

# TestTaintTolerationScore: (name, pod, nodes, expected {node: score})
SCORE_CASES = [
    ("node with taints tolerated by the pod, gets a higher score than those node with intolerable taints",
     pod(toleration("foo", "bar", PREFER, "Equal")),
     [node("nodeA", taint("foo", "bar", PREFER)), node("nodeB", taint("foo", "blah", PREFER))],
     {"nodeA": 100, "nodeB": 0}),
    ("the nodes that all of their taints are tolerated by the pod, get the same score, "
     "no matter how many tolerable taints a node has",
     pod(toleration("cpu-type", "arm64", PREFER, "Equal"), toleration("disk-type", "ssd", PREFER, "Equal")),
     [node("nodeA"), node("nodeB", taint("cpu-type", "arm64", PREFER)),
      node("nodeC", taint("cpu-type", "arm64", PREFER), taint("disk-type", "ssd", PREFER))],
     {"nodeA": 100, "nodeB": 100, "nodeC": 100}),
    # intolerable counts 0, 1, 2 -> 100 - 100 * count / 2 (reverse DefaultNormalizeScore)
    ("the more intolerable taints a node has, the lower score it gets.",
     pod(toleration("foo", "bar", PREFER, "Equal")),
     [node("nodeA"), node("nodeB", taint("cpu-type", "arm64", PREFER)),
      node("nodeC", taint("cpu-type", "arm64", PREFER), taint("disk-type", "ssd", PREFER))],
     {"nodeA": 100, "nodeB": 50, "nodeC": 0}),
    ("only taints and tolerations that have effect PreferNoSchedule are checked by taints-tolerations priority function",
     pod(toleration("cpu-type", "arm64", "NoSchedule", "Equal"), toleration("disk-type", "ssd", "NoSchedule", "Equal")),
     [node("nodeA"), node("nodeB", taint("cpu-type", "arm64", "NoSchedule")),
      node("nodeC", taint("cpu-type", "arm64", PREFER), taint("disk-type", "ssd", PREFER))],
     {"nodeA": 100, "nodeB": 100, "nodeC": 0}),
    ("Default behaviour No taints and tolerations, lands on node with no taints",
     pod(),
     [node("nodeA"), node("nodeB", taint("cpu-type", "arm64", PREFER))],
     {"nodeA": 100, "nodeB": 0}),
]


@pytest.mark.parametrize("name,pod,nodes,expected", SCORE_CASES, ids=[c[0][:60] for c in SCORE_CASES])
def test_taint_toleration_score(impl, name, pod, nodes, expected):
    assert impl.score("TaintToleration", pod, nodes) == expected


UNRESOLVABLE = "UnschedulableAndUnresolvable"

# TestTaintTolerationFilter: (name, pod, node, want (code, reasons) or None)
FILTER_CASES = [
    ("A pod having no tolerations can't be scheduled onto a node with nonempty taints",
     pod(), node("nodeA", taint("dedicated", "user1", "NoSchedule")),
     (UNRESOLVABLE, ["node(s) had untolerated taint {dedicated: user1}"])),
    ("A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule",
     pod(toleration("dedicated", "user1", "NoSchedule")), node("nodeA", taint("dedicated", "user1", "NoSchedule")),
     None),
    ("A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
     pod(toleration("dedicated", "user2", "NoSchedule", "Equal")),
     node("nodeA", taint("dedicated", "user1", "NoSchedule")),
     (UNRESOLVABLE, ["node(s) had untolerated taint {dedicated: user1}"])),
    ("A pod can be scheduled onto the node, with a toleration uses operator Exists that tolerates the taints on the node",
     pod(toleration("foo", "", "NoSchedule", "Exists")), node("nodeA", taint("foo", "bar", "NoSchedule")),
     None),
    ("A pod has multiple tolerations, node has multiple taints, all the taints are tolerated, pod can be scheduled onto the node",
     pod(toleration("dedicated", "user2", "NoSchedule", "Equal"), toleration("foo", "", "NoSchedule", "Exists")),
     node("nodeA", taint("dedicated", "user2", "NoSchedule"), taint("foo", "bar", "NoSchedule")),
     None),
    ("A pod has a toleration that keys and values match the taint on the node, but (non-empty) effect doesn't match, "
     "can't be scheduled onto the node",
     pod(toleration("foo", "bar", PREFER, "Equal")), node("nodeA", taint("foo", "bar", "NoSchedule")),
     (UNRESOLVABLE, ["node(s) had untolerated taint {foo: bar}"])),
    ("The pod has a toleration that keys and values match the taint on the node, the effect of toleration is empty, "
     "and the effect of taint is NoSchedule. Pod can be scheduled onto the node",
     pod(toleration("foo", "bar", "", "Equal")), node("nodeA", taint("foo", "bar", "NoSchedule")),
     None),
    ("The pod has a toleration that key and value don't match the taint on the node, "
     "but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
     pod(toleration("dedicated", "user2", "NoSchedule", "Equal")),
     node("nodeA", taint("dedicated", "user1", PREFER)),
     None),
    ("The pod has no toleration, but the effect of taint on node is PreferNoSchedule. Pod can be scheduled onto the node",
     pod(), node("nodeA", taint("dedicated", "user1", PREFER)),
     None),
]


@pytest.mark.parametrize("name,pod,node,want", FILTER_CASES, ids=[c[0][:60] for c in FILTER_CASES])
def test_taint_toleration_filter(impl, name, pod, node, want):
    status = impl.filter("TaintToleration", pod, [node])["nodeA"]
    if want is None:
        assert status.is_success()
    else:
        assert (status.code, status.reasons) == want


def test_untolerated_taint_reason_has_empty_value(impl):
    """The reason prints an empty value as nothing: "{key: }" (fmt "%s: %s")."""
    status = impl.filter("TaintToleration", pod(),
                         [node("nodeA", taint("node-role.kubernetes.io/control-plane", "", "NoSchedule"))])["nodeA"]
    assert status.reasons == ["node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"]


def test_no_execute_taint_is_filtered_and_first_untolerated_taint_is_reported(impl):
    """FindMatchingUntoleratedTaint returns the first untolerated NoSchedule/NoExecute taint."""
    status = impl.filter("TaintToleration", pod(toleration("a", "", "NoSchedule", "Exists")),
                         [node("nodeA", taint("p", "x", PREFER), taint("a", "1", "NoSchedule"),
                               taint("b", "2", "NoExecute"), taint("c", "3", "NoSchedule"))])["nodeA"]
    assert status.reasons == ["node(s) had untolerated taint {b: 2}"]
