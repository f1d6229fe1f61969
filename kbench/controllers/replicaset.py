"""The ReplicaSet controller (pkg/controller/replicaset/replica_set.go): create or delete pods
until each ReplicaSet has spec.replicas active pods, and keep its status.

Decided for all ReplicaSets at once: one compiled pass over the live pod rows counts each
ReplicaSet's pods (count_pods); Python runs only for ReplicaSets whose pod count is off.
Differences from kube-controller-manager, none visible in the resulting sizes: creations and
deletions are seen at once (no expectations to wait for), and orphaned pods matching a selector
are not adopted. As the controller's pod control does, each deletion comes with the
ReplicaSet's SuccessfulDelete event.
"""

from __future__ import annotations

import json
import math
import weakref
from typing import NamedTuple

import numpy as np

from kbench._jit import njit
from kbench.controllers.actions import Actions, EventBatch, PodBatch
from kbench.controllers.ownership import (
    controller_reference,
    generate_names,
    row_of_uid,
)
from kbench.state import ClusterState
from kbench.state.schema import POD_PHASES

COMPONENT = "replicaset-controller"
BURST_REPLICAS = 500  # replica_set.go BurstReplicas: creations / deletions per sync
DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"

PENDING, RUNNING = POD_PHASES.index("Pending"), POD_PHASES.index("Running")
SUCCEEDED, FAILED = POD_PHASES.index("Succeeded"), POD_PHASES.index("Failed")
UNKNOWN = POD_PHASES.index("Unknown")


# -- counting pods per ReplicaSet -----------------------------------------------------------------

class OwnedPods(NamedTuple):
    """What the kernels read of the pods: the live rows and the columns (whole-table views)."""

    rows: np.ndarray            # live pod rows, ascending
    controller_uid: np.ndarray  # string code of the controller's uid, -1: none
    phase: np.ndarray
    deletion_time: np.ndarray   # NaN: not being deleted
    ready: np.ndarray
    ready_time: np.ndarray


class PodCounts(NamedTuple):
    """Per ReplicaSet row: its pods that have not ended (alive, not Succeeded or Failed,
    terminating ones included), its active ones (controller.IsPodActive: not ended and not
    being deleted), and of those the ready and the available ones (podutil.IsPodAvailable:
    ready for longer than minReadySeconds)."""

    not_ended: np.ndarray
    active: np.ndarray
    ready: np.ndarray
    available: np.ndarray


def owned_pods(state: ClusterState) -> OwnedPods:
    pods = state.tables["pods"]
    return OwnedPods(pods.live_rows(), pods["controller_uid"], pods["phase"],
                     pods["deletion_time"], pods["ready"], pods["ready_time"])


@njit(inline="always")
def _owner(row, controller_uid, set_of_uid) -> int:
    """The ReplicaSet row owning pod ``row`` (-1: none)."""
    uid = controller_uid[row]
    return -1 if uid < 0 else set_of_uid[uid]


@njit
def _count_pods(pods: OwnedPods, set_of_uid: np.ndarray, min_ready: np.ndarray, now: float,
                set_count: int):
    rows, controller_uid, phase, deletion_time, ready, ready_time = pods  # unpacked once
    not_ended = np.zeros(set_count, dtype=np.int64)
    active = np.zeros(set_count, dtype=np.int64)
    ready_count = np.zeros(set_count, dtype=np.int64)
    available = np.zeros(set_count, dtype=np.int64)
    # a ReplicaSet's pods mostly follow one another (created in batches): counted in local
    # variables along a run of one owner, added to its totals when the owner changes
    current = -1
    run_not_ended = run_active = run_ready = run_available = 0
    for i in range(len(rows)):
        row = rows[i]
        owner = _owner(row, controller_uid, set_of_uid)
        if owner != current:
            if current >= 0:
                not_ended[current] += run_not_ended
                active[current] += run_active
                ready_count[current] += run_ready
                available[current] += run_available
            current = owner
            run_not_ended = run_active = run_ready = run_available = 0
        if owner < 0:
            continue
        if phase[row] == SUCCEEDED or phase[row] == FAILED:
            continue
        run_not_ended += 1
        if not math.isnan(deletion_time[row]):
            continue
        run_active += 1
        if ready[row]:
            run_ready += 1
            # np.floor keeps NaN (no ready time: never available past minReadySeconds 0)
            if min_ready[owner] == 0 or np.floor(ready_time[row]) + min_ready[owner] < now:
                run_available += 1
    if current >= 0:
        not_ended[current] += run_not_ended
        active[current] += run_active
        ready_count[current] += run_ready
        available[current] += run_available
    return not_ended, active, ready_count, available


@njit
def _active_pods_of(pods: OwnedPods, set_of_uid: np.ndarray, chosen: np.ndarray):
    rows, controller_uid, phase, deletion_time = pods[0], pods[1], pods[2], pods[3]
    members = np.empty(len(rows), dtype=np.int64)
    owners = np.empty(len(rows), dtype=np.int64)
    count = 0
    for i in range(len(rows)):
        row = rows[i]
        owner = _owner(row, controller_uid, set_of_uid)
        if owner < 0 or not chosen[owner]:
            continue
        if phase[row] == SUCCEEDED or phase[row] == FAILED or not math.isnan(deletion_time[row]):
            continue
        members[count] = row
        owners[count] = owner
        count += 1
    return members[:count].copy(), owners[:count].copy()


def count_pods(state: ClusterState) -> PodCounts:
    """Each ReplicaSet's pods (PodCounts), counted in one pass over the live pod rows."""
    sets = state.tables["replicasets"]
    min_ready = _spec_field(state, "replicasets", "minReadySeconds", 0)
    return PodCounts(*_count_pods(owned_pods(state), row_of_uid(state, "replicasets"),
                                  min_ready, float(state.time), len(sets)))


def active_pods_of(state: ClusterState, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The active pods (rows, ascending) of the ReplicaSets ``chosen`` (a flag per row), and
    the row of each one's ReplicaSet."""
    chosen = np.asarray(chosen, dtype=np.bool_)
    return _active_pods_of(owned_pods(state), row_of_uid(state, "replicasets"), chosen)


def _spec_field(state: ClusterState, table: str, field: str, default: int) -> np.ndarray:
    """An integer spec field kept in the body, per row (read once per distinct body)."""
    bodies = state.tables[table]["body"]
    codes, inverse = np.unique(bodies, return_inverse=True)
    values = np.array([((state.strings.document(int(c)) or {}).get("spec") or {}).get(
        field, default) if c >= 0 else default for c in codes.tolist()], dtype=np.float64)
    return values[inverse] if len(codes) else np.zeros(0)


# -- the sync ---------------------------------------------------------------------------------------

def sync_replicasets(state: ClusterState) -> Actions:
    """One sync of every ReplicaSet."""
    actions = Actions()
    sets = state.tables["replicasets"]
    if sets.live_count == 0:
        return actions
    now = state.time
    counts = count_pods(state)
    count = counts.active
    live = sets.live_rows()
    diff = count[live] - sets["replicas"][live]
    for row in live[diff < 0].tolist():
        actions.create_pods.append(_creation(state, row, min(
            int(sets["replicas"][row] - count[row]), BURST_REPLICAS)))
    surplus = live[diff > 0]
    if len(surplus):
        doomed = pods_to_delete(state, surplus, count, now)
        actions.delete_pods.append(doomed)
        actions.deletion_events.append(_deletion_events(state, doomed))
    status = {"status_replicas": count, "fully_labeled_replicas": count,
              "ready_replicas": counts.ready, "available_replicas": counts.available,
              "observed_generation": sets["generation"]}
    differs = np.zeros(len(sets), dtype=np.bool_)
    for column, values in status.items():
        differs |= sets[column] != values
    for row in live[differs[live]].tolist():
        changed = {column: values[row] for column, values in status.items()
                   if sets[column][row] != values[row]}
        actions.updates.append(("replicasets", row, changed))
    return actions


#: per cluster (its string table): the pod manifest and its JSON by the codes of a
#: ReplicaSet's template, name, namespace and uid (all it is made of); shared by the batches
#: that create its pods, never changed
_POD_MANIFESTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_KNOWN_MANIFESTS = 1 << 12


def _pod_manifest(state: ClusterState, row: int) -> tuple[dict, str]:
    """The pod the ReplicaSet at ``row`` creates (generateName, its controller reference),
    and its JSON with sorted keys and no spaces (PodPlans' key)."""
    sets = state.tables["replicasets"]
    key = (int(sets["template"][row]), int(sets["name"][row]), int(sets["namespace"][row]),
           int(sets["uid"][row]))
    known = _POD_MANIFESTS.setdefault(state.strings, {})
    found = known.get(key)
    if found is None:
        template = state.strings.document(key[0]) or {}
        metadata = dict(template.get("metadata") or {})
        metadata.pop("name", None)
        metadata["generateName"] = f"{state.strings[key[1]]}-"
        metadata["ownerReferences"] = [controller_reference(state, "replicasets", row,
                                                            "apps/v1", "ReplicaSet")]
        manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
                    "spec": template.get("spec") or {}}
        if len(known) >= _KNOWN_MANIFESTS:
            known.clear()
        found = known[key] = (manifest,
                              json.dumps(manifest, sort_keys=True, separators=(",", ":")))
    return found


def _creation(state: ClusterState, row: int, count: int) -> PodBatch:
    """manageReplicas' creations: pods from the template, named <name>-<5 random chars>."""
    sets = state.tables["replicasets"]
    name = state.strings[int(sets["name"][row])]
    namespace = state.strings[int(sets["namespace"][row])]
    manifest, text = _pod_manifest(state, row)
    names = generate_names(state, f"{name}-", count, namespace=namespace)
    return PodBatch(manifest, names, namespace, "ReplicaSet", name, COMPONENT, text)


def _deletion_events(state: ClusterState, doomed: np.ndarray) -> EventBatch:
    """SuccessfulDelete, "Deleted pod: <name>", by each deleted pod's ReplicaSet."""
    sets, pods = state.tables["replicasets"], state.tables["pods"]
    owner = row_of_uid(state, "replicasets")[pods["controller_uid"][doomed]]
    return EventBatch("ReplicaSet", sets["name"][owner], sets["namespace"][owner], "Normal",
                      "SuccessfulDelete", [f"Deleted pod: {name}" for name in
                                           state.strings.decode(pods["name"][doomed])],
                      COMPONENT)


# -- which pods a scale-down deletes ----------------------------------------------------------------

def _deletion_costs(state: ClusterState, rows: np.ndarray) -> np.ndarray:
    """controller.kubernetes.io/pod-deletion-cost per pod (0 when absent or not a number)."""
    codes, inverse = np.unique(state.tables["pods"]["annotations"][rows], return_inverse=True)
    costs = []
    for code in codes.tolist():
        value = (state.strings.document(int(code)) or {}).get(DELETION_COST) if code >= 0 else None
        try:
            costs.append(int(value) if value is not None else 0)
        except (TypeError, ValueError):
            costs.append(0)
    return np.array(costs, dtype=np.int64)[inverse] if len(codes) else np.zeros(0, np.int64)


def _log_rank(times: np.ndarray, now: float) -> np.ndarray:
    """logarithmicRankDiff's rank: floor(log2(age in nanoseconds)), -1 for no age; times are
    the API's, whole seconds. A missing time (NaN) ranks -2, first, as afterOrZero puts a zero
    timestamp before any other."""
    age = (now - np.floor(times)) * 1e9
    with np.errstate(divide="ignore", invalid="ignore"):
        rank = np.floor(np.log2(age))
    return np.where(np.isnan(times), -2.0, np.where(age > 0, rank, -1.0))


def pods_to_delete(state: ClusterState, surplus_sets: np.ndarray, active: np.ndarray,
                   now: float) -> np.ndarray:
    """getPodsToDelete for every ReplicaSet with too many pods (``active``: each ReplicaSet's
    active pods, PodCounts.active): its active pods ranked by controller.ActivePodsWithRanks
    (unassigned, then Pending < Unknown < Running, not ready, lower pod-deletion-cost, more
    related pods on the same node, ready more recently (log2 buckets), more restarts, created
    more recently (log2 buckets), then uid), the first ``count - replicas`` of each (at most
    BurstReplicas).

    Go's comparator falls back to the uid as soon as two ready times (or creation times) differ
    but share a log2 bucket; here the buckets are compared as keys in that order, then uid,
    which orders such pods the same way whenever their restarts and creation buckets agree."""
    sets, pods = state.tables["replicasets"], state.tables["pods"]
    wanted = np.zeros(len(sets), dtype=np.int64)
    wanted[surplus_sets] = np.minimum(active[surplus_sets] - sets["replicas"][surplus_sets],
                                      BURST_REPLICAS)
    # the rank: active pods of the same Deployment (or ReplicaSet) on the same node; only the
    # families of the surplus ReplicaSets are read
    family = sets["controller_uid"].astype(np.int64)
    family = np.where(family >= 0, family, -2 - np.arange(len(sets)))
    related, related_owner = active_pods_of(state, np.isin(family, family[surplus_sets]))
    keys = family[related_owner] * (1 << 20) + pods["node_index"][related]
    mine = wanted[related_owner] > 0
    candidates, owner = related[mine], related_owner[mine]
    unique, counts = np.unique(keys, return_counts=True)
    rank = counts[np.searchsorted(unique, keys[mine])]
    phase = pods["phase"][candidates]
    phase_order = np.select([phase == PENDING, phase == UNKNOWN], [0, 1], 2)
    ready = pods["ready"][candidates]
    ready_rank = np.where(ready, _log_rank(pods["ready_time"][candidates], now), 0)
    uids = np.array(state.strings.decode(pods["uid"][candidates]), dtype=object)
    uid_order = np.empty(len(candidates), dtype=np.int64)
    uid_order[np.argsort(uids.astype(str), kind="stable")] = np.arange(len(candidates))
    order = np.lexsort((
        uid_order,
        _log_rank(pods["creation_time"][candidates], now),
        -pods["restarts"][candidates].astype(np.int64),
        ready_rank,
        -rank,
        _deletion_costs(state, candidates),
        ready.astype(np.int8),
        phase_order,
        (pods["node_index"][candidates] >= 0).astype(np.int8),
        owner))
    ranked = candidates[order]
    groups = owner[order]
    first = np.searchsorted(groups, groups)  # start of each ReplicaSet's run
    position = np.arange(len(ranked)) - first
    return ranked[position < wanted[groups]]
