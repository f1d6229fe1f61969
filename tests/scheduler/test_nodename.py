"""NodeName Filter, ported from node_name_test.go TestNodeName."""

import pytest

from scheduler.builders import make_node, make_pod

REASON = "node(s) didn't match the requested node name"

CASES = [
    ("no host specified", make_pod("p"), "foo", None),
    ("host matches", make_pod("p").node_name("foo"), "foo", None),
    ("host doesn't match", make_pod("p").node_name("bar"), "foo",
     ("UnschedulableAndUnresolvable", [REASON])),
]


@pytest.mark.parametrize("name,pod,node_name,want", CASES, ids=[c[0] for c in CASES])
def test_node_name(impl, name, pod, node_name, want):
    status = impl.filter("NodeName", pod.obj(), [make_node(node_name).obj()])[node_name]
    if want is None:
        assert status.is_success()
    else:
        assert (status.code, status.reasons) == want
