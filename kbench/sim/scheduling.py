"""Applying the scheduler's decisions: bind pods, record Scheduled / FailedScheduling events,
set the PodScheduled condition's message and kube-scheduler's backoff, and carry out
DefaultPreemption's decisions (nominatedNodeName, evicting the victims)."""

from __future__ import annotations

import numpy as np

from kbench.scheduler.scheduler import NOT_NOMINATED, Decisions
from kbench.sim.events import record_event
from kbench.state import ClusterState
from kbench.state.schema import EVENT_TYPES

SCHEDULER = "default-scheduler"
INITIAL_BACKOFF = 1.0   # seconds; pkg/scheduler/backend/queue podInitialBackoffDuration
MAX_BACKOFF = 10.0      # podMaxBackoffDuration


def backoff(attempts: np.ndarray) -> np.ndarray:
    """The scheduling queue's backoff after ``attempts`` failed attempts: 1 s doubling to 10 s."""
    exponent = np.clip(attempts - 1, 0, 30).astype(np.float64)
    return np.minimum(INITIAL_BACKOFF * 2.0 ** exponent, MAX_BACKOFF)


def apply_decisions(state: ClusterState, decisions: Decisions) -> None:
    pods = state.tables["pods"]
    placed = decisions.node_rows >= 0
    bound_pods, bound_nodes = decisions.pod_rows[placed], decisions.node_rows[placed]
    considered = decisions.pod_rows[~decisions.unknown_scheduler]
    pods["scheduling_attempts"][considered] += 1
    state.bind_pods(bound_pods, bound_nodes)
    pods["scheduled_time"][bound_pods] = state.time
    pods["unschedulable_message"][bound_pods] = -1
    _record_scheduled(state, bound_pods, bound_nodes)
    for i in np.flatnonzero(~placed & ~decisions.unknown_scheduler).tolist():
        pod = int(decisions.pod_rows[i])
        message = decisions.messages[i]
        pods["unschedulable_message"][pod] = state.strings.intern(message)
        pods["backoff_until"][pod] = state.time + backoff(pods["scheduling_attempts"][pod:pod + 1])[0]
        record_event(state, "Pod", state.strings[int(pods["name"][pod])],
                     state.strings[int(pods["namespace"][pod])], "Warning",
                     "FailedScheduling", message, SCHEDULER)
    _preempt(state, decisions)
    for pod in decisions.pod_rows[decisions.unknown_scheduler].tolist():
        name = state.strings[int(pods["scheduler_name"][pod])]
        record_event(state, "Pod", state.strings[int(pods["name"][pod])],
                     state.strings[int(pods["namespace"][pod])], "Warning",
                     "FailedScheduling", f'no scheduler profile has schedulerName "{name}"; '
                     f"the pod waits for a scheduler that does not exist", SCHEDULER)


def _record_scheduled(state: ClusterState, pods_rows: np.ndarray, node_rows: np.ndarray) -> None:
    """One Normal "Scheduled" event per bound pod, appended in one step."""
    count = len(pods_rows)
    if count == 0:
        return
    strings = state.strings
    pods, nodes = state.tables["pods"], state.tables["nodes"]
    names = strings.decode(pods["name"][pods_rows])
    namespaces = strings.decode(pods["namespace"][pods_rows])
    node_names = strings.decode(nodes["name"][node_rows])
    first = state.counters.get("event", 0) + 1
    state.counters["event"] = first + count - 1
    values = {
        "name": strings.intern_many(f"{name}.{first + i:x}" for i, name in enumerate(names)),
        "namespace": pods["namespace"][pods_rows],
        "creation_time": np.full(count, state.time),
        "involved_kind": np.full(count, strings.intern("Pod"), dtype=np.int32),
        "involved_name": pods["name"][pods_rows],
        "involved_namespace": pods["namespace"][pods_rows],
        "type": np.full(count, EVENT_TYPES.index("Normal"), dtype=np.int8),
        "reason": np.full(count, strings.intern("Scheduled"), dtype=np.int32),
        "message": strings.intern_many(
            f"Successfully assigned {ns}/{name} to {node}"
            for ns, name, node in zip(namespaces, names, node_names)),
        "source_component": np.full(count, strings.intern(SCHEDULER), dtype=np.int32),
        "first_time": np.full(count, state.time), "last_time": np.full(count, state.time),
        "count": np.ones(count, dtype=np.int32)}
    # A pod is scheduled once, so these events never aggregate: no event_rows entries.
    state.index_rows("events", state.tables["events"].append_many(count, values))


def _preempt(state: ClusterState, decisions: Decisions) -> None:
    """preemption.go prepareCandidate and the nomination (handleSchedulingFailure): the
    preemptor's status.nominatedNodeName is set (or cleared), each victim gets a "Preempted"
    event and is deleted, and lower-priority pods nominated to that node lose their
    nomination. kbench deletes victims at once: graceful termination comes with the kubelet
    model; a victim already being deleted is left as it is (no second API call)."""
    pods, nodes = state.tables["pods"], state.tables["nodes"]
    changed = np.flatnonzero(decisions.nominated_rows != NOT_NOMINATED)
    if len(changed) == 0:
        return
    # pods nominated before this pass; those nominated in it come in queue order, so a later
    # nomination is never of a higher priority than an earlier one
    nominated = np.flatnonzero(pods.alive & (pods["nominated_node_name"] >= 0))
    for i in changed.tolist():
        pod, node = int(decisions.pod_rows[i]), int(decisions.nominated_rows[i])
        pods["nominated_node_name"][pod] = -1 if node < 0 else nodes["name"][node]
        if i not in decisions.victims:
            continue
        node_name = nodes["name"][node]
        uid = state.strings[int(pods["uid"][pod])]
        for victim in decisions.victims[i].tolist():
            if not pods.alive[victim] or not np.isnan(pods["deletion_time"][victim]):
                continue
            record_event(state, "Pod", state.strings[int(pods["name"][victim])],
                         state.strings[int(pods["namespace"][victim])], "Normal", "Preempted",
                         f"Preempted by pod {uid} on node {state.strings[int(node_name)]}",
                         SCHEDULER)
            state.remove("pods", victim)
        lower = nominated[pods.alive[nominated]
                          & (pods["nominated_node_name"][nominated] == node_name)
                          & (pods["priority"][nominated] < pods["priority"][pod])]
        pods["nominated_node_name"][lower] = -1
