"""Events recorded in one step (record_events): each named <object name>.<event counter in hex>,
whether the events are all about one object or about several."""

from __future__ import annotations

import numpy as np

from kbench.sim.events import record_events
from kbench.state import ClusterState


def event_names(state: ClusterState) -> list[str]:
    events = state.tables["events"]
    return state.strings.decode(events["name"][events.live_rows()])


def test_events_of_one_object_and_of_several_are_named_alike():
    state = ClusterState(seed=0)
    web, db = state.strings.intern("web"), state.strings.intern("db")
    record_events(state, "ReplicaSet", np.array([web] * 11), state.strings.intern("default"),
                  "Normal", "SuccessfulCreate", "Created pod", "replicaset-controller")
    record_events(state, "ReplicaSet", np.array([db, web, db]), state.strings.intern("default"),
                  "Normal", "SuccessfulDelete", ["a", "b", "c"], "replicaset-controller")
    record_events(state, "ReplicaSet", np.array([db]), state.strings.intern("default"),
                  "Normal", "SuccessfulDelete", ["d"], "replicaset-controller")
    assert event_names(state) == ([f"web.{i:x}" for i in range(1, 12)]
                                  + ["db.c", "web.d", "db.e", "db.f"])
