"""The ReplicaSet controller (pkg/controller/replicaset/replica_set.go): create or delete pods
until each ReplicaSet has spec.replicas active pods, and keep its status.

Decided for all ReplicaSets at once with numpy; Python runs only for ReplicaSets whose pod
count is off. Differences from kube-controller-manager, none visible in the resulting sizes:
creations and deletions are seen at once (no expectations to wait for), and orphaned pods
matching a selector are not adopted.
"""

from __future__ import annotations

import numpy as np

from kbench.controllers.actions import Actions, PodBatch
from kbench.controllers.ownership import (
    controller_reference,
    generate_names,
    owner_rows,
)
from kbench.state import ClusterState
from kbench.state.schema import POD_PHASES

COMPONENT = "replicaset-controller"
BURST_REPLICAS = 500  # replica_set.go BurstReplicas: creations / deletions per sync
DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"

PENDING, RUNNING = POD_PHASES.index("Pending"), POD_PHASES.index("Running")
SUCCEEDED, FAILED = POD_PHASES.index("Succeeded"), POD_PHASES.index("Failed")
UNKNOWN = POD_PHASES.index("Unknown")


def active_pods(state: ClusterState) -> np.ndarray:
    """controller.IsPodActive per pod row: alive, not Succeeded / Failed, not being deleted."""
    pods = state.tables["pods"]
    phase = pods["phase"]
    return (pods.alive & (phase != SUCCEEDED) & (phase != FAILED)
            & np.isnan(pods["deletion_time"]))


def _spec_field(state: ClusterState, table: str, field: str, default: int) -> np.ndarray:
    """An integer spec field kept in the body, per row (read once per distinct body)."""
    bodies = state.tables[table]["body"]
    codes, inverse = np.unique(bodies, return_inverse=True)
    values = np.array([((state.strings.document(int(c)) or {}).get("spec") or {}).get(
        field, default) if c >= 0 else default for c in codes.tolist()], dtype=np.float64)
    return values[inverse] if len(codes) else np.zeros(0)


def sync_replicasets(state: ClusterState) -> Actions:
    """One sync of every ReplicaSet."""
    actions = Actions()
    sets, pods = state.tables["replicasets"], state.tables["pods"]
    if sets.live_count == 0:
        return actions
    now = state.time
    owner = owner_rows(state, "pods", "replicasets")
    active = active_pods(state) & (owner >= 0)
    # the counts read only the owned active pods: gather them once
    members = np.flatnonzero(active)
    member_owner = owner[members]
    count = np.bincount(member_owner, minlength=len(sets))
    is_ready = pods["ready"][members]
    ready = np.bincount(member_owner[is_ready], minlength=len(sets))
    # podutil.IsPodAvailable: Ready for longer than minReadySeconds
    min_ready = _spec_field(state, "replicasets", "minReadySeconds", 0)[member_owner]
    is_available = is_ready & ((min_ready == 0)
                               | (np.floor(pods["ready_time"][members]) + min_ready < now))
    avail = np.bincount(member_owner[is_available], minlength=len(sets))
    live = sets.live_rows()
    diff = count[live] - sets["replicas"][live]
    for row in live[diff < 0].tolist():
        actions.create_pods.append(_creation(state, row, min(
            int(sets["replicas"][row] - count[row]), BURST_REPLICAS)))
    surplus = live[diff > 0]
    if len(surplus):
        actions.delete_pods.append(pods_to_delete(state, surplus, owner, active, now))
    status = {"status_replicas": count, "fully_labeled_replicas": count,
              "ready_replicas": ready, "available_replicas": avail,
              "observed_generation": sets["generation"]}
    differs = np.zeros(len(sets), dtype=np.bool_)
    for column, values in status.items():
        differs |= sets[column] != values
    for row in live[differs[live]].tolist():
        changed = {column: values[row] for column, values in status.items()
                   if sets[column][row] != values[row]}
        actions.updates.append(("replicasets", row, changed))
    return actions


def _creation(state: ClusterState, row: int, count: int) -> PodBatch:
    """manageReplicas' creations: pods from the template, named <name>-<5 random chars>."""
    sets = state.tables["replicasets"]
    name = state.strings[int(sets["name"][row])]
    namespace = state.strings[int(sets["namespace"][row])]
    template = state.strings.document(int(sets["template"][row])) or {}
    metadata = dict(template.get("metadata") or {})
    metadata.pop("name", None)
    metadata["generateName"] = f"{name}-"
    metadata["ownerReferences"] = [controller_reference(state, "replicasets", row, "apps/v1",
                                                        "ReplicaSet")]
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
                "spec": template.get("spec") or {}}
    names = generate_names(state, f"{name}-", count, namespace=namespace)
    return PodBatch(manifest, names, namespace, "ReplicaSet", name, COMPONENT)


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


def pods_to_delete(state: ClusterState, surplus_sets: np.ndarray, owner: np.ndarray,
                   active: np.ndarray, now: float) -> np.ndarray:
    """getPodsToDelete for every ReplicaSet with too many pods: its active pods ranked by
    controller.ActivePodsWithRanks (unassigned, then Pending < Unknown < Running, not ready,
    lower pod-deletion-cost, more related pods on the same node, ready more recently (log2
    buckets), more restarts, created more recently (log2 buckets), then uid), the first
    ``count - replicas`` of each (at most BurstReplicas).

    Go's comparator falls back to the uid as soon as two ready times (or creation times) differ
    but share a log2 bucket; here the buckets are compared as keys in that order, then uid,
    which orders such pods the same way whenever their restarts and creation buckets agree."""
    sets, pods = state.tables["replicasets"], state.tables["pods"]
    wanted = np.zeros(len(sets), dtype=np.int64)
    count = np.bincount(owner[active], minlength=len(sets))
    wanted[surplus_sets] = np.minimum(count[surplus_sets] - sets["replicas"][surplus_sets],
                                      BURST_REPLICAS)
    candidates = np.flatnonzero(active & (owner >= 0))
    candidates = candidates[wanted[owner[candidates]] > 0]
    # the rank: active pods of the same Deployment (or ReplicaSet) on the same node
    family = sets["controller_uid"].astype(np.int64)
    family = np.where(family >= 0, family, -2 - np.arange(len(sets)))
    related = np.flatnonzero(active & (owner >= 0))
    related = related[np.isin(family[owner[related]], family[surplus_sets])]  # only those
    keys = family[owner[related]] * (1 << 20) + pods["node_index"][related]
    candidate_keys = family[owner[candidates]] * (1 << 20) + pods["node_index"][candidates]
    unique, counts = np.unique(keys, return_counts=True)
    rank = counts[np.searchsorted(unique, candidate_keys)]
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
        owner[candidates]))
    ranked = candidates[order]
    groups = owner[ranked]
    first = np.searchsorted(groups, groups)  # start of each ReplicaSet's run
    position = np.arange(len(ranked)) - first
    return ranked[position < wanted[groups]]

