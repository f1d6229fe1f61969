"""The DaemonSet controller (pkg/controller/daemon: daemon_controller.go, update.go,
util/daemonset_util.go): one pod per eligible node, pinned to it by node affinity; pods on
nodes no longer eligible, on deleted nodes, failed or surplus, deleted; RollingUpdate
(maxUnavailable, maxSurge) and OnDelete; status.

Eligibility (NodeShouldRunDaemonPod) is decided per DaemonSet for all nodes at once: the
template's nodeSelector and required node affinity with the scheduler's LabelMatrix (built only
when some template has a selector, and kept while the nodes' labels do not change), the node's
taints against the template's tolerations plus the ones every daemon pod gets, once per
distinct taint list. The per-node
decisions (podsShouldBeOnNode, rollingUpdate) are numpy over nodes; Python runs per DaemonSet
and per pod created.

The revision hash is the Deployment controller's pod-template-hash of the template (FNV-32a of
its canonical JSON): the shape of a ControllerRevision's hash, not its value.

Differences from kube-controller-manager: creations and deletions are seen at once (no
expectations; the rolling update runs on the pods as manage left them, as in Go's unit tests,
whose fake pod control observes its creations and deletions at once); a failed daemon pod is
deleted at once, without the failed-pods back-off (1 s doubling to 15 min); daemon pods bound to
a node that no longer exists are deleted here (Go leaves them to the pod garbage collector,
which kbench does not have); status is computed from the pods as the sync found them; the
deprecated pod-template-generation label is not set (kbench's DaemonSets have no
templateGeneration); orphans are not adopted; nodes are visited in row order where Go ranges
over a map; revisionHistoryLimit has no ControllerRevisions to prune.
"""

from __future__ import annotations

import weakref

import numpy as np

from kbench.api.objects import copy_json
from kbench.controllers.actions import Actions, ObjectEvent, PodBatch
from kbench.controllers.deployment import pod_template_hash, scaled_value
from kbench.controllers.ownership import (
    controller_reference,
    generate_names,
    owner_rows,
)
from kbench.scheduler.labelmatrix import LabelMatrix
from kbench.scheduler.plugins.tolerations import first_untolerated
from kbench.state import ClusterState
from kbench.state.schema import POD_PHASES

COMPONENT = "daemonset-controller"
REVISION_LABEL = "controller-revision-hash"   # apps.DefaultDaemonSetUniqueLabelKey
BURST_REPLICAS = 250                          # daemon controller's burstReplicas

PENDING, RUNNING = POD_PHASES.index("Pending"), POD_PHASES.index("Running")
SUCCEEDED, FAILED = POD_PHASES.index("Succeeded"), POD_PHASES.index("Failed")


# -- daemonset_util.go --------------------------------------------------------------------------

def _exists(key: str, effect: str) -> dict:
    return {"key": key, "operator": "Exists", "effect": effect}


#: AddOrUpdateDaemonPodTolerations: what every daemon pod tolerates.
DEFAULT_TOLERATIONS = (
    _exists("node.kubernetes.io/not-ready", "NoExecute"),
    _exists("node.kubernetes.io/unreachable", "NoExecute"),
    _exists("node.kubernetes.io/disk-pressure", "NoSchedule"),
    _exists("node.kubernetes.io/memory-pressure", "NoSchedule"),
    _exists("node.kubernetes.io/pid-pressure", "NoSchedule"),
    _exists("node.kubernetes.io/unschedulable", "NoSchedule"),
)
#: ... and, with hostNetwork, this one.
HOST_NETWORK_TOLERATION = _exists("node.kubernetes.io/network-unavailable", "NoSchedule")


def _same_toleration(a: dict, b: dict) -> bool:
    """Toleration.MatchToleration: tolerations are unique by key, operator, value, effect."""
    return all((a.get(k) or "") == (b.get(k) or "") for k in ("key", "operator", "value",
                                                               "effect"))


def daemon_pod_tolerations(pod_spec: dict) -> list[dict]:
    """The pod spec's tolerations after AddOrUpdateDaemonPodTolerations."""
    tolerations = [dict(t) for t in pod_spec.get("tolerations") or []]
    wanted = list(DEFAULT_TOLERATIONS)
    if pod_spec.get("hostNetwork"):
        wanted.append(HOST_NETWORK_TOLERATION)
    for toleration in wanted:
        if not any(_same_toleration(t, toleration) for t in tolerations):
            tolerations.append(dict(toleration))
    return tolerations


def pin_to_node(affinity: dict | None, node_name: str) -> dict:
    """ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes one term,
    matchFields metadata.name In [node]; preferred terms and other affinities are kept."""
    term = {"matchFields": [{"key": "metadata.name", "operator": "In",
                             "values": [node_name]}]}
    affinity = copy_json(affinity) if affinity else {}
    node_affinity = affinity.setdefault("nodeAffinity", {})
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if required is None:
        node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {
            "nodeSelectorTerms": [term]}
    else:
        required["nodeSelectorTerms"] = [term]
    return affinity


def target_node_name(pod_spec: dict) -> str | None:
    """util.GetTargetNodeName: spec.nodeName, else the single metadata.name of the required
    affinity's matchFields; None when neither names one node."""
    if pod_spec.get("nodeName"):
        return pod_spec["nodeName"]
    required = (((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    for term in required.get("nodeSelectorTerms") or []:
        for requirement in term.get("matchFields") or []:
            values = requirement.get("values") or []
            if requirement.get("key") == "metadata.name" and \
                    requirement.get("operator") == "In" and len(values) == 1:
                return values[0]
    return None


def pod_template(template: dict, revision_hash: str) -> dict:
    """util.CreatePodTemplate: default tolerations added, the revision hash label set."""
    template = copy_json(template)
    spec = template.setdefault("spec", {})
    spec["tolerations"] = daemon_pod_tolerations(spec)
    metadata = template.setdefault("metadata", {})
    metadata["labels"] = {**(metadata.get("labels") or {}), REVISION_LABEL: revision_hash}
    return template


# -- eligibility over all nodes -------------------------------------------------------------------

#: The last LabelMatrix built per string table (so per cluster), with the node label codes and
#: names it was built from.
_LABEL_MATRICES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()

class Nodes:
    """The live nodes as a sync reads them: names, and label / taint lists parsed lazily."""

    def __init__(self, state: ClusterState) -> None:
        self.state = state
        table = state.tables["nodes"]
        self.rows = table.live_rows()
        self.name_codes = table["name"][self.rows]
        self.names = np.asarray(state.strings.decode(self.name_codes), dtype=object)
        taint_codes = table["taints"][self.rows]
        self.distinct_taints, self.taint_group = np.unique(taint_codes, return_inverse=True)
        self.taint_group = self.taint_group.reshape(-1)
        self.taint_lists = [state.strings.document(int(c)) or []
                            for c in self.distinct_taints.tolist()]
        self._labels: LabelMatrix | None = None

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def labels(self) -> LabelMatrix:
        """The nodes' labels as a LabelMatrix, rebuilt only when the nodes or their labels
        changed since the last sync (a cache: the same codes of one string table always
        mean the same label sets)."""
        if self._labels is None:
            codes = self.state.tables["nodes"]["labels"][self.rows]
            key = codes.tobytes() + self.name_codes.tobytes()
            cached = _LABEL_MATRICES.get(self.state.strings)
            if cached is not None and cached[0] == key:
                self._labels = cached[1]
            else:
                distinct = {c: self.state.strings.document(c) or {}
                            for c in set(codes.tolist())}
                self._labels = LabelMatrix([distinct[c] for c in codes.tolist()], self.names)
                _LABEL_MATRICES[self.state.strings] = (key, self._labels)
        return self._labels

    def index_of_names(self, name_codes: np.ndarray) -> np.ndarray:
        """Position among the live nodes of each node-name code (-1: no such node)."""
        lookup = np.full(len(self.state.strings) + 1, -1, dtype=np.int64)
        lookup[self.name_codes] = np.arange(len(self.rows))
        return lookup[name_codes]


def should_run(nodes: Nodes, pod_spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """NodeShouldRunDaemonPod for every node: (shouldRun, shouldContinueRunning)."""
    count = len(nodes)
    fits = np.ones(count, dtype=np.bool_)
    if pod_spec.get("nodeName"):
        fits &= nodes.names == pod_spec["nodeName"]
    selector = pod_spec.get("nodeSelector") or {}
    required = (((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if selector:
        fits &= nodes.labels.equals_set(selector)
    if required is not None:
        fits &= nodes.labels.node_selector(required)
    tolerations = daemon_pod_tolerations(pod_spec)
    untolerated = np.array([first_untolerated(taints, tolerations, ("NoSchedule", "NoExecute"))
                            is not None for taints in nodes.taint_lists], dtype=np.bool_)
    no_execute = np.array([first_untolerated(taints, tolerations, ("NoExecute",)) is not None
                           for taints in nodes.taint_lists], dtype=np.bool_)
    if count == 0:
        return fits, fits
    return fits & ~untolerated[nodes.taint_group], fits & ~no_execute[nodes.taint_group]


# -- the sync ------------------------------------------------------------------------------------

_STATUS_COLUMNS = ("desired_number_scheduled", "current_number_scheduled",
                   "number_misscheduled", "number_ready", "updated_number_scheduled",
                   "number_available", "observed_generation")


def sync_daemonsets(state: ClusterState) -> Actions:
    """One sync of every DaemonSet."""
    actions = Actions()
    sets = state.tables["daemonsets"]
    if sets.live_count == 0:
        return actions
    pods = state.tables["pods"]
    nodes = Nodes(state)
    owner = owner_rows(state, "pods", "daemonsets")
    mine = np.flatnonzero(pods.alive & (owner >= 0))
    node_of_pod = _target_nodes(state, nodes, mine)
    order = np.argsort(owner[mine], kind="stable")
    grouped, grouped_node = mine[order], node_of_pod[order]
    grouped_owner = owner[mine][order]
    for row in sets.live_rows().tolist():
        begin, end = np.searchsorted(grouped_owner, [row, row + 1])
        _sync_one(state, nodes, row, grouped[begin:end], grouped_node[begin:end], actions)
    return actions


def _target_nodes(state: ClusterState, nodes: Nodes, rows: np.ndarray) -> np.ndarray:
    """The live-node position each daemon pod is for (-1: its node is gone); spec.nodeName of
    bound pods, the pinning affinity of the others (read once per distinct pod body)."""
    pods = state.tables["pods"]
    name_codes = pods["node_name"][rows].copy()
    unbound = np.flatnonzero(name_codes < 0)
    if len(unbound):
        bodies = pods["body"][rows[unbound]]
        names = {}
        for code in set(bodies.tolist()):
            name = target_node_name((state.strings.document(code) or {}).get("spec") or {})
            names[code] = state.strings.code_of(name) if name else -1
        name_codes[unbound] = [names[c] for c in bodies.tolist()]
    return np.where(name_codes >= 0, nodes.index_of_names(name_codes), -1)


def _sync_one(state: ClusterState, nodes: Nodes, row: int, rows: np.ndarray,
              node: np.ndarray, actions: Actions) -> None:
    """syncDaemonSet for the DaemonSet at ``row`` (its pods ``rows``, each for the live node at
    position ``node``, -1 if gone): manage, rollingUpdate, status."""
    sets, pods = state.tables["daemonsets"], state.tables["pods"]
    text = state.strings
    name = text[int(sets["name"][row])]
    namespace = text[int(sets["namespace"][row])]
    body = (text.document(int(sets["body"][row])) or {}).get("spec") or {}
    template = text.document(int(sets["template"][row])) or {}
    if not text.document(int(sets["selector"][row])):
        actions.events.append(ObjectEvent(
            "DaemonSet", name, namespace, "Warning", "SelectingAll",
            "This daemon set is selecting all pods. A non-empty selector is required.",
            COMPONENT))
        return
    revision = pod_template_hash(template, None)  # status.collisionCount: not kept
    run, keep = should_run(nodes, template.get("spec") or {})
    count = len(nodes)
    phase = pods["phase"][rows]
    terminating = ~np.isnan(pods["deletion_time"][rows])
    labels = pods["labels"][rows]
    updated = np.zeros(len(rows), dtype=np.bool_)
    for code in np.unique(labels).tolist():
        pod_labels = text.document(int(code)) or {}
        updated[labels == code] = pod_labels.get(REVISION_LABEL) == revision
    now = state.time
    min_ready = float(body.get("minReadySeconds") or 0)
    ready = pods["ready"][rows].copy()
    available = ready & ((min_ready == 0)
                         | (np.floor(pods["ready_time"][rows]) + min_ready < now))
    # podByCreationTimestampAndPhase: scheduled first, then older, then by name
    names = np.asarray(text.decode(pods["name"][rows]), dtype=object)
    oldest_first = np.lexsort((names.astype(str), pods["creation_time"][rows],
                               (pods["node_name"][rows] < 0).astype(np.int8), node))
    on_node = node >= 0
    exists = np.bincount(node[on_node], minlength=count) > 0
    surge = _surge(body, int(run.sum()))

    # -- manage (podsShouldBeOnNode for every node) --
    create = run & ~exists
    delete = np.zeros(len(rows), dtype=np.bool_)
    keep_pod = on_node & keep[np.maximum(node, 0)]
    ended = (phase == FAILED) | (phase == SUCCEEDED)
    delete |= keep_pod & ~terminating & ended
    running = keep_pod & ~terminating & ~ended
    running_count = np.bincount(node[running], minlength=count)
    rank = np.zeros(len(rows), dtype=np.int64)        # among the node's running pods, oldest 0
    ranked = oldest_first[running[oldest_first]]
    if len(ranked):
        first = np.searchsorted(node[ranked], node[ranked])
        rank[ranked] = np.arange(len(ranked)) - first
    if surge == 0:
        delete |= running & (rank > 0)
    else:
        delete |= _surge_manage(running, node, updated, ready, available, oldest_first)
        create |= run & exists & (running_count == 0)
    # nodes where the pod may not even keep running, and pods of nodes that are gone
    delete |= on_node & ~keep[np.maximum(node, 0)] & ~terminating
    delete |= ~on_node & ~terminating   # (Go leaves bound ones to the pod garbage collector)
    for pod in np.flatnonzero(keep_pod & ~terminating & (phase == FAILED)).tolist():
        actions.events.append(ObjectEvent(
            "DaemonSet", name, namespace, "Warning", "FailedDaemonPod",
            f"Found failed daemon pod {namespace}/{names[pod]} on node "
            f"{nodes.names[node[pod]]}, will try to kill it", COMPONENT))
    for pod in np.flatnonzero(keep_pod & ~terminating & (phase == SUCCEEDED)).tolist():
        actions.events.append(ObjectEvent(
            "DaemonSet", name, namespace, "Normal", "SucceededDaemonPod",
            f"Found succeeded daemon pod {namespace}/{names[pod]} on node "
            f"{nodes.names[node[pod]]}, will try to delete it", COMPONENT))

    # -- rollingUpdate, on the pods as manage left them (its changes are seen at once) --
    strategy = body.get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        create_more, delete_more = _rolling_update(
            body, run, rows, node, terminating | delete, updated, available, create, count,
            surge)
        create |= create_more
        delete |= delete_more

    _status(state, row, run, node, rows, oldest_first, updated, ready, available, actions)
    _create(state, row, name, namespace, template, revision,
            nodes.names[np.flatnonzero(create)][:BURST_REPLICAS], actions)
    doomed = rows[delete][:BURST_REPLICAS]
    if len(doomed):
        actions.delete_pods.append(doomed)
        for pod_name in text.decode(pods["name"][doomed]):
            actions.events.append(ObjectEvent(
                "DaemonSet", name, namespace, "Normal", "SuccessfulDelete",
                f"Deleted pod: {pod_name}", COMPONENT))


def _surge(body: dict, desired: int) -> int:
    """util.SurgeCount: maxSurge of RollingUpdate, rounded up (0 for OnDelete)."""
    strategy = body.get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return 0
    value = (strategy.get("rollingUpdate") or {}).get("maxSurge")
    return scaled_value(value, desired, True) if value is not None else 0


def _unavailable_count(body: dict, desired: int) -> int:
    """util.UnavailableCount: maxUnavailable of RollingUpdate, rounded up."""
    value = ((body.get("updateStrategy") or {}).get("rollingUpdate") or {}).get(
        "maxUnavailable", 1)
    return scaled_value(value, desired, True)


def update_counts(body: dict, desired: int) -> tuple[int, int]:
    """updatedDesiredNodeCounts' (maxSurge, maxUnavailable) for ``desired`` nodes; both 0 on
    a cluster that wants pods means maxUnavailable 1."""
    surge, unavailable = _surge(body, desired), _unavailable_count(body, desired)
    if desired > 0 and surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def _surge_manage(running, node, updated, ready, available, oldest_first) -> np.ndarray:
    """podsShouldBeOnNode with surge: on a node with more than one running pod keep the oldest
    pod of the current revision and the oldest other one; of these two, the old one goes when
    it is not ready or the new one is available."""
    delete = np.zeros(len(running), dtype=np.bool_)
    by_node: dict[int, list[int]] = {}
    for pod in oldest_first[running[oldest_first]].tolist():
        by_node.setdefault(int(node[pod]), []).append(pod)
    for members in by_node.values():
        if len(members) <= 1:
            continue
        oldest_new = oldest_old = None
        for pod in members:
            if updated[pod] and oldest_new is None:
                oldest_new = pod
            elif not updated[pod] and oldest_old is None:
                oldest_old = pod
            else:
                delete[pod] = True
        if oldest_new is not None and oldest_old is not None and (
                not ready[oldest_old] or available[oldest_new]):
            delete[oldest_old] = True
    return delete


def _rolling_update(body, run, rows, node, terminating, updated, available, created,
                    count, surge) -> tuple[np.ndarray, np.ndarray]:
    """rollingUpdate (update.go) over the pods as manage left them (``terminating`` includes
    its deletions, ``created`` marks the nodes it starts a new pod on): which old pods to
    delete (maxSurge 0), or on which nodes to start a new pod next to the old one (maxSurge >
    0). Nodes are visited in row order (Go ranges over a map)."""
    desired = int(run.sum())
    surge, max_unavailable = update_counts(body, desired)
    create = np.zeros(count, dtype=np.bool_)
    delete = np.zeros(len(rows), dtype=np.bool_)
    live = (node >= 0) & ~terminating
    where = np.maximum(node, 0)
    # findUpdatedPodsOnNode: at most one new and one old non-terminating pod per node
    new_count = np.bincount(node[live & updated], minlength=count) + created
    old_count = np.bincount(node[live & ~updated], minlength=count)
    new_available = np.bincount(node[live & updated & available], minlength=count) > 0
    old_available = np.bincount(node[live & ~updated & available], minlength=count) > 0
    old_pod = np.full(count, -1, dtype=np.int64)
    old_pod[where[live & ~updated]] = np.flatnonzero(live & ~updated)
    has_pods = (np.bincount(node[node >= 0], minlength=count) > 0) | created
    considered = run | has_pods          # nodes with pods, and nodes that want one
    excess = (new_count > 1) | (old_count > 1)
    has_new, has_old = new_count > 0, old_count > 0
    order = np.flatnonzero(considered)   # Go's counters grow as it walks the nodes
    if surge == 0:
        unavailable_node = excess | (has_new == has_old) | (has_new & ~new_available)
        old_only = ~excess & has_old & ~has_new
        replacement = old_only & ~old_available
        counted = unavailable_node[order]
        before = np.cumsum(counted) - counted    # unavailable nodes met before this one
        candidate = np.zeros(count, dtype=np.bool_)
        candidate[order] = (old_only & old_available)[order] & (before < max_unavailable)
        allowed = max(max_unavailable - int(counted.sum()), 0)
        chosen = np.flatnonzero(candidate[order])[:allowed]
        delete[old_pod[replacement]] = True
        delete[old_pod[order[chosen]]] = True
        return create, delete
    # maxSurge > 0: a new pod starts next to each old one (at once where the old one is not
    # available, else up to maxSurge at a time); the old one goes when the new one is available
    fine = ~excess
    surged_node = excess | (fine & has_old & has_new & ~new_available)
    available_nodes = int((fine & np.where(has_old, old_available,
                                           has_new & new_available))[order].sum())
    old_only = fine & has_old & ~has_new
    delete[old_pod[old_only & ~old_available & ~run]] = True
    allowed_new = old_only & ~old_available & run
    not_wanted = np.flatnonzero((old_only & old_available & ~run)[order])
    counted = surged_node[order]
    before = np.cumsum(counted) - counted
    candidate = np.zeros(count, dtype=np.bool_)
    candidate[order] = (old_only & old_available & run)[order] & (before < surge)
    delete[old_pod[fine & has_old & has_new & new_available]] = True
    # with surge, a pod on a node it should leave goes only once enough others are available
    deletable = max(available_nodes - desired, 0)
    delete[old_pod[order[not_wanted[:deletable]]]] = True
    allowed = max(surge - int(counted.sum()), 0)
    create[allowed_new] = True
    create[order[np.flatnonzero(candidate[order])[:allowed]]] = True
    return create, delete


def _status(state, row, run, node, rows, oldest_first, updated, ready, available,
            actions) -> None:
    """updateDaemonSetStatus: the oldest pod of each node speaks for it."""
    sets = state.tables["daemonsets"]
    count = len(run)
    on_node = oldest_first[node[oldest_first] >= 0]
    oldest = np.full(count, -1, dtype=np.int64)
    if len(on_node):
        first = np.r_[True, node[on_node][1:] != node[on_node][:-1]]
        oldest[node[on_node][first]] = on_node[first]
    scheduled = oldest >= 0
    speaking = oldest[run & scheduled]
    values = {"desired_number_scheduled": int(run.sum()),
              "current_number_scheduled": int((run & scheduled).sum()),
              "number_misscheduled": int((~run & scheduled).sum()),
              "number_ready": int(ready[speaking].sum()),
              "updated_number_scheduled": int(updated[speaking].sum()),
              "number_available": int((ready & available)[speaking].sum()),
              "observed_generation": int(sets["generation"][row])}
    changed = {column: values[column] for column in _STATUS_COLUMNS
               if int(sets[column][row]) != values[column]}
    if changed:
        actions.updates.append(("daemonsets", row, changed))


def _create(state, row, name, namespace, template, revision, node_names, actions) -> None:
    """syncNodes' creations: the template with the daemon tolerations and revision label,
    pinned to its node, named ``<ds>-<5 random characters>``; one PodBatch per node."""
    if len(node_names) == 0:
        return
    base = pod_template(template, revision)
    metadata = dict(base.get("metadata") or {})
    metadata.pop("name", None)
    metadata["generateName"] = f"{name}-"
    metadata["ownerReferences"] = [controller_reference(state, "daemonsets", row, "apps/v1",
                                                        "DaemonSet")]
    names = generate_names(state, f"{name}-", len(node_names), namespace=namespace)
    for pod_name, node_name in zip(names, node_names.tolist()):
        spec = dict(base.get("spec") or {})
        spec["affinity"] = pin_to_node(spec.get("affinity"), node_name)
        manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}
        actions.create_pods.append(PodBatch(manifest, [pod_name], namespace, "DaemonSet",
                                            name, COMPONENT))


__all__ = ["sync_daemonsets", "should_run", "update_counts", "daemon_pod_tolerations",
           "pin_to_node", "target_node_name", "pod_template", "DEFAULT_TOLERATIONS"]
