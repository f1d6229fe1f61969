"""ClusterState's name index and event aggregation keys: one int per key, so the indexes stay
out of the cyclic garbage collector's way, and distinct codes never share a key."""

from __future__ import annotations

import gc

from hypothesis import given
from hypothesis import strategies as st

from kbench import Cluster
from kbench.sim.events import record_event
from kbench.state.cluster_state import event_key, name_key

codes = st.integers(-1, 2**31 - 1)


@given(st.tuples(codes, codes, codes), st.tuples(codes, codes, codes))
def test_name_keys_of_distinct_codes_differ(a, b):
    assert (name_key(*a) == name_key(*b)) == (a == b)


@given(st.tuples(*[codes] * 5), st.tuples(*[codes] * 5))
def test_event_keys_of_distinct_codes_differ(a, b):
    assert (event_key(*a) == event_key(*b)) == (a == b)


def test_indexes_are_not_tracked_by_the_garbage_collector():
    """A dict that holds tuples is walked entry by entry by every collection after it
    changed; one of ints only is not tracked at all (CPython). Objects found and events
    aggregated by the index as before."""
    cluster = Cluster.from_manifests([
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}", "namespace": "default"},
         "spec": {"containers": [{"name": "c", "image": "nginx"}]}} for i in range(3)])
    state = cluster.state
    for _ in range(2):
        row = record_event(state, "Pod", "p1", "default", "Normal", "Pulled", "pulled", "kubelet")
    assert state.tables["events"]["count"][row] == 2
    assert state.find("pods", "p2", "default") == 2 and state.find("pods", "p9", "default") == -1
    state.remove("pods", 1)
    assert state.find("pods", "p1", "default") == -1
    for index in (state._table_index("pods"), state._table_index("events"), state.event_rows):
        assert len(index) and not gc.is_tracked(index)
