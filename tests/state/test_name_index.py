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


def test_the_events_index_is_made_only_when_an_event_is_looked_up():
    """Events only accumulate during a run (some 140 per tick on the day benchmark): their
    name index is not kept up meanwhile, and a lookup finds every one of them."""
    cluster = Cluster.from_manifests([
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
         "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}},
                               "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}},
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
         "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "20"}}}])
    cluster.configure_engine(tick="15s")
    state = cluster.state
    record_event(state, "Pod", "p1", "default", "Normal", "Pulled", "pulled", "kubelet")
    cluster.run("2m")
    assert state._index["events"] is None
    events = state.tables["events"]
    rows = events.live_rows()
    assert len(rows) > 6  # SuccessfulCreate, Scheduled, the kubelet's, the one above
    for row in rows.tolist():
        name = state.strings[int(events["name"][row])]
        assert state.find("events", name, "default") == row
        assert cluster.get("event", name).name == name
    assert len(state._index["events"]) == len(rows)
