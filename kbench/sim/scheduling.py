"""Applying the scheduler's decisions: bind pods, record Scheduled / FailedScheduling events,
set the PodScheduled condition's message and kube-scheduler's backoff, and carry out
DefaultPreemption's decisions (nominatedNodeName, evicting the victims)."""

from __future__ import annotations

import numpy as np

from kbench.scheduler.scheduler import NOT_NOMINATED, Decisions
from kbench.sim.events import record_event, record_pod_events
from kbench.state import ClusterState

SCHEDULER = "default-scheduler"
INITIAL_BACKOFF = 1.0   # seconds; pkg/scheduler/backend/queue podInitialBackoffDuration
MAX_BACKOFF = 10.0      # podMaxBackoffDuration


def backoff(attempts: np.ndarray) -> np.ndarray:
    """The scheduling queue's backoff after ``attempts`` failed attempts: 1 s doubling to 10 s."""
    # (np.minimum / np.maximum: np.clip's checks took 50 us a call on a few values)
    exponent = np.minimum(np.maximum(attempts - 1, 0), 30).astype(np.float64)
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


def _record_scheduled(state: ClusterState, pod_rows: np.ndarray, node_rows: np.ndarray) -> None:
    """One Normal "Scheduled" event per bound pod, appended in one step."""
    strings = state.strings
    pods, nodes = state.tables["pods"], state.tables["nodes"]
    messages = (f"Successfully assigned {ns}/{name} to {node}" for ns, name, node in zip(
        strings.decode(pods["namespace"][pod_rows]), strings.decode(pods["name"][pod_rows]),
        strings.decode(nodes["name"][node_rows])))
    record_pod_events(state, pod_rows, "Normal", "Scheduled", list(messages), SCHEDULER)


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
