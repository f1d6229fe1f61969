"""record_events_in_order gives what one record_event call per event gives: the same rows,
counts, uids, counters and string codes, repeats (of earlier events, of dead ones, within the
batch) and events without a namespace included."""

from __future__ import annotations

import numpy as np

from kbench.sim.events import record_event, record_events_in_order
from kbench.state import ClusterState

EARLIER = [("web", "default", "Normal", "SuccessfulRescale", "New size: 3"),
           ("db", "default", "Warning", "FailedGetScale", "not found"),
           ("gone", "default", "Normal", "SuccessfulRescale", "New size: 1")]

BATCH = [("web", "default", "Normal", "SuccessfulRescale", "New size: 3"),   # a repeat
         ("web", "default", "Normal", "SuccessfulRescale", "New size: 4"),   # a new message
         ("gone", "default", "Normal", "SuccessfulRescale", "New size: 1"),  # its row is dead
         ("db", "other", "Warning", "FailedGetScale", "not found"),          # another namespace
         ("web", "default", "Normal", "SuccessfulRescale", "New size: 4"),   # repeat in the batch
         ("cluster", None, "Warning", "Odd", "no namespace"),
         ("cluster", "", "Warning", "Odd", "no namespace"),                  # the same event
         ("db", "default", "Warning", "FailedGetScale", "not found"),
         ("new-app", "fresh", "Normal", "SuccessfulRescale", "New size: 9")]


def recorded(batched: bool) -> ClusterState:
    state = ClusterState(seed=3)
    state.strings.intern("unrelated")
    for event in EARLIER:
        record_event(state, "HorizontalPodAutoscaler", *event, "horizontal-pod-autoscaler")
    gone = state.event_rows[tuple(state.strings.code_of(t) for t in (
        "HorizontalPodAutoscaler", "gone", "default", "SuccessfulRescale", "New size: 1"))]
    state.remove("events", gone)
    state.time = 30.0
    if batched:
        record_events_in_order(state, "HorizontalPodAutoscaler", BATCH,
                               "horizontal-pod-autoscaler")
    else:
        for event in BATCH:
            record_event(state, "HorizontalPodAutoscaler", *event, "horizontal-pod-autoscaler")
    return state


def test_a_batch_records_what_one_call_per_event_records():
    one_by_one, batched = recorded(False), recorded(True)
    assert batched.strings.strings() == one_by_one.strings.strings()
    assert batched.counters == one_by_one.counters
    assert batched.event_rows == one_by_one.event_rows
    expected, got = one_by_one.tables["events"], batched.tables["events"]
    assert len(got) == len(expected) == 8
    assert np.array_equal(got.alive, expected.alive)
    for name in expected.columns:
        assert np.array_equal(got[name], expected[name], equal_nan=True), name
    # web 3, db, gone (dead), web 4, gone again, db in other, cluster, new-app
    assert got["count"].tolist() == [2, 2, 1, 2, 1, 1, 2, 1]
    for row in got.live_rows().tolist():  # indexed by name
        name, namespace = (batched.strings[int(got[c][row])] for c in ("name", "namespace"))
        assert batched.find("events", name, namespace) == row


def test_an_empty_batch_changes_nothing():
    state = ClusterState(seed=3)
    record_events_in_order(state, "Pod", [], "kubelet")
    assert len(state.tables["events"]) == 0 and "event" not in state.counters
