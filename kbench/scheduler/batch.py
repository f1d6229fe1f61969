"""What one scheduling pass sees, prepared once: nodes in kube-scheduler's order, pod templates,
the queue of pending pods, and the table of failure reasons.

A *template* is the set of pending pods that the scheduler cannot tell apart before placing
them: same namespace, labels, spec (interned body), priority, scheduler name and owners.
Everything that depends only on the template and the nodes (taints, node affinity, images) is
computed once per template here, never once per pod.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import weakref
from typing import NamedTuple

import numpy as np

from kbench.scheduler.labelmatrix import LabelMatrix
from kbench.state import ClusterState
from kbench.state.schema import POD_PHASES

PENDING = POD_PHASES.index("Pending")
ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"
BETA_ZONE_LABEL = "failure-domain.beta.kubernetes.io/zone"
BETA_REGION_LABEL = "failure-domain.beta.kubernetes.io/region"


class Reasons:
    """Failure reasons as small integers (0 is "no failure"), so kernels count them in arrays."""

    def __init__(self) -> None:
        self.texts: list[str] = [""]
        self._ids: dict[str, int] = {"": 0}
        # a Status with several reasons (VolumeBinding's conflicts): its id -> the reasons,
        # which FitError counts one by one; its text joins them with ", "
        self.parts: dict[int, tuple[str, ...]] = {}

    def id(self, text: str) -> int:
        if text not in self._ids:
            self._ids[text] = len(self.texts)
            self.texts.append(text)
        return self._ids[text]

    def combined(self, texts: list[str]) -> int:
        """The id of a failure with several reasons (one reason: its own id)."""
        if len(texts) == 1:
            return self.id(texts[0])
        reason = self.id(", ".join(texts))
        self.parts[reason] = tuple(texts)
        return reason

    def __len__(self) -> int:
        return len(self.texts)


@dataclass
class Template:
    """One pod template: what its pods share."""

    index: int
    representative: int  # a pod row of this template
    namespace: str
    labels: dict
    spec: dict
    priority: int
    scheduler_name: str


@dataclass
class Batch:
    state: ClusterState
    node_rows: np.ndarray            # state rows of the nodes, in the scheduler's order
    node_names: list[str]
    node_labels: LabelMatrix
    node_taints: list[list[dict]]
    taint_group: np.ndarray          # per node: index into taint_groups (nodes sharing taints)
    taint_groups: list[list[dict]]   # the distinct taint lists
    node_unschedulable: np.ndarray
    node_images: list             # per node: status.images (read only)
    templates: list[Template]
    queue: np.ndarray                # pod rows, in PrioritySort order
    queue_template: np.ndarray       # template index of each queued pod
    reasons: Reasons = field(default_factory=Reasons)

    @property
    def node_count(self) -> int:
        return len(self.node_rows)


def bound_pods(batch: Batch) -> tuple[np.ndarray, np.ndarray]:
    """The pods holding resources on the batch's nodes (their rows) and each one's node
    position in the batch; worked out once per batch (its node arrays and pod groups both
    read them)."""
    cached = getattr(batch, "_bound_pods", None)
    if cached is None:
        state = batch.state
        position = np.full(len(state.tables["nodes"]) + 1, -1, dtype=np.int64)
        position[batch.node_rows] = np.arange(len(batch.node_rows))
        bound = state.active_pod_rows()
        node = position[state.tables["pods"]["node_index"][bound]]
        on_batch = node >= 0
        cached = batch._bound_pods = (bound[on_batch], node[on_batch])
    return cached


def node_tree_order(zones: list[str]) -> np.ndarray:
    """Positions of nodes in kube-scheduler's snapshot order: nodeTree lists nodes zone by zone,
    round robin (pkg/scheduler/backend/cache/node_tree.go list()), zones in the order they first
    appeared, nodes within a zone in the order they were added."""
    ids = dict(zip(dict.fromkeys(zones), range(len(zones))))  # zones by first appearance
    zone = np.fromiter(map(ids.__getitem__, zones), dtype=np.int64, count=len(zones))
    # each node's round: how many nodes of its zone came before it
    by_zone = np.argsort(zone, kind="stable")
    sizes = np.bincount(zone)
    rank = np.empty(len(zones), dtype=np.int64)
    rank[by_zone] = np.arange(len(zones)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.lexsort((zone, rank)).astype(np.int64)


def zone_key(labels: dict) -> str:
    """utilnode.GetZoneKey: region and zone (the deprecated beta labels win when present), or
    "" when the node has neither."""
    zone = labels.get(BETA_ZONE_LABEL, labels.get(ZONE_LABEL, ""))
    region = labels.get(BETA_REGION_LABEL, labels.get(REGION_LABEL, ""))
    return "" if not region and not zone else f"{region}:\x00:{zone}"


def pending_pod_rows(state: ClusterState, scheduler_names: set[str] | None = None) -> np.ndarray:
    """Pods waiting for the scheduler: alive, Pending, no node name, not being deleted."""
    pods = state.tables["pods"]
    mask = (pods.alive & (pods["phase"] == PENDING) & (pods["node_name"] < 0)
            & np.isnan(pods["deletion_time"]))
    return np.flatnonzero(mask)


def queue_order(state: ClusterState, rows: np.ndarray) -> np.ndarray:
    """PrioritySort: higher priority first, then earlier creation (queuesort/priority_sort.go
    Less compares priority, then the time the pod entered the queue), then row for ties."""
    pods = state.tables["pods"]
    order = np.lexsort((rows, pods["creation_time"][rows], -pods["priority"][rows].astype(np.int64)))
    return rows[order]


def build_batch(state: ClusterState, pod_rows: np.ndarray) -> Batch:
    """Nodes, templates and the queue for scheduling ``pod_rows`` (already in queue order)."""
    nodes = _node_part(state)
    templates, queue_template = _templates(state, pod_rows)
    return Batch(state=state, node_rows=nodes.node_rows, node_names=nodes.names,
                 node_labels=nodes.labels, node_taints=nodes.taints,
                 taint_group=nodes.taint_group, taint_groups=nodes.taint_groups,
                 node_unschedulable=nodes.unschedulable.copy(),
                 node_images=nodes.images, templates=templates, queue=pod_rows,
                 queue_template=queue_template)


class _NodePart(NamedTuple):
    """What a batch reads of the nodes (read only: shared by the batches of one cluster
    while its nodes' names, labels, taints, bodies and unschedulable flags stay the same)."""

    fingerprint: bytes
    node_rows: np.ndarray
    names: list
    labels: LabelMatrix
    taints: list
    taint_group: np.ndarray
    taint_groups: list
    unschedulable: np.ndarray
    images: list


_NODE_PARTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _node_part(state: ClusterState) -> _NodePart:
    strings = state.strings
    nodes = state.tables["nodes"]
    live = nodes.live_rows()
    fingerprint = b"".join(np.ascontiguousarray(array).tobytes() for array in (
        live, nodes["name"][live], nodes["labels"][live], nodes["taints"][live],
        nodes["body"][live], nodes["unschedulable"][live]))
    cached = _NODE_PARTS.get(strings)
    if cached is not None and cached.fingerprint == fingerprint:
        return cached
    label_sets = [labels or {} for labels in strings.documents(nodes["labels"][live])]
    order = node_tree_order([zone_key(labels) for labels in label_sets])
    node_rows = live[order]
    labels = [label_sets[i] for i in order.tolist()]
    names = strings.decode(nodes["name"][node_rows])
    distinct, taint_group = np.unique(nodes["taints"][node_rows], return_inverse=True)
    taint_group = taint_group.reshape(-1)
    taint_groups = [taints or [] for taints in strings.documents(distinct)]
    images = _node_images(strings, nodes["body"][node_rows])
    part = _NodePart(fingerprint, node_rows, names, LabelMatrix(labels, names),
                     [taint_groups[group] for group in taint_group.tolist()], taint_group,
                     taint_groups, nodes["unschedulable"][node_rows].copy(), images)
    _NODE_PARTS[strings] = part
    return part


def _node_images(strings, bodies: np.ndarray) -> list:
    """status.images of each node body (only the bodies whose text names images are parsed;
    the others share one empty tuple)."""
    images: list = [()] * len(bodies)
    with_images = [i for i, code in enumerate(bodies.tolist())
                   if code >= 0 and '"images"' in strings[code]]
    for i, body in zip(with_images, strings.documents(bodies[with_images])):
        images[i] = ((body or {}).get("status") or {}).get("images") or ()
    return images


def _unique_rows(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(key, axis=0, return_index=True, return_inverse=True)[1:], faster (the unique
    rows in another order): the rows are hashed to one int64 each and the hashes made
    unique; when two different rows share a hash (checked), the exact row-wise unique
    decides."""
    mixed = key.astype(np.uint64) * _MIX[0, :key.shape[1]]  # each column mixed on its own,
    mixed ^= mixed >> np.uint64(29)                         # all columns at once
    mixed *= _MIX[1, :key.shape[1]]
    mixed = np.bitwise_xor.reduce(mixed, axis=1)
    _, first, inverse = np.unique(mixed, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    if not (key == key[first][inverse]).all():
        _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


#: _unique_rows' odd multipliers, two per column (any will do: the rows are checked)
_MIX = np.random.default_rng(2654435769).integers(0, 2 ** 62, size=(2, 16),
                                                   dtype=np.uint64) * np.uint64(2) + np.uint64(1)


#: the pod columns a template shares (owner references too: PodTopologySpread's default
#: constraints select by the controller)
TEMPLATE_COLUMNS = ("namespace", "labels", "body", "priority", "scheduler_name", "node_name",
                    "owner_references")


def _templates(state: ClusterState, pod_rows: np.ndarray) -> tuple[list[Template], np.ndarray]:
    pods = state.tables["pods"]
    if len(pod_rows) == 0:
        return [], np.zeros(0, dtype=np.int32)
    columns = [pods[column][pod_rows] for column in TEMPLATE_COLUMNS]
    # the pods of a template mostly follow one another in the queue: the runs of equal
    # columns are made unique, not every pod
    run_start = np.zeros(len(pod_rows), dtype=np.bool_)
    run_start[0] = True
    for column in columns:
        run_start[1:] |= column[1:] != column[:-1]
    heads = np.flatnonzero(run_start)
    first, inverse = _unique_rows(np.stack([column[heads] for column in columns], axis=1,
                                           dtype=np.int64))
    first = heads[first]  # the first pod of each template
    inverse = inverse[np.cumsum(run_start) - 1]
    # number templates in order of first appearance in the queue, so results never depend on
    # how np.unique sorts the keys
    appearance = np.argsort(first, kind="stable")
    renumber = np.empty_like(appearance)
    renumber[appearance] = np.arange(len(appearance))
    queue_template = renumber[inverse].astype(np.int32)
    strings = state.strings
    rows = pod_rows[np.sort(first)]
    bodies = strings.documents(pods["body"][rows])
    label_sets = strings.documents(pods["labels"][rows])
    namespaces = strings.decode(pods["namespace"][rows])
    scheduler_names = strings.decode(pods["scheduler_name"][rows])
    node_names = pods["node_name"][rows].tolist()
    priorities = pods["priority"][rows].tolist()
    templates = []
    for index, row in enumerate(rows.tolist()):
        spec = (bodies[index] or {}).get("spec") or {}
        if node_names[index] >= 0:  # the NodeName plugin reads it from the spec
            spec["nodeName"] = strings[node_names[index]]
        templates.append(Template(
            index=index, representative=row, namespace=namespaces[index],
            labels=label_sets[index] or {}, spec=spec, priority=priorities[index],
            scheduler_name=scheduler_names[index] or "default-scheduler"))
    return templates, queue_template
