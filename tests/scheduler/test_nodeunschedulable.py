"""NodeUnschedulable Filter, ported from node_unschedulable_test.go TestNodeUnschedulable."""

import pytest

from scheduler.builders import make_node, make_pod

REASON = "node(s) were unschedulable"

CASES = [
    # (name, pod, node, want (code, reasons) or None for success)
    ("Does not schedule pod to unschedulable node (node.Spec.Unschedulable==true)",
     make_pod("p"), make_node("n").unschedulable(),
     ("UnschedulableAndUnresolvable", [REASON])),
    ("Schedule pod to normal node",
     make_pod("p"), make_node("n").unschedulable(False), None),
    ("Schedule pod with toleration to unschedulable node (node.Spec.Unschedulable==true)",
     make_pod("p").toleration("node.kubernetes.io/unschedulable", effect="NoSchedule", operator=""),
     make_node("n").unschedulable(), None),
]


@pytest.mark.parametrize("name,pod,node,want", CASES, ids=[c[0] for c in CASES])
def test_node_unschedulable(impl, name, pod, node, want):
    status = impl.filter("NodeUnschedulable", pod.obj(), [node.obj()])["n"]
    if want is None:
        assert status.is_success()
    else:
        assert (status.code, status.reasons) == want
