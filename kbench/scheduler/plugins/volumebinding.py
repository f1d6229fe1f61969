"""VolumeBinding: PreFilter (the pod's claims exist, none is lost, being deleted, or unbound with
Immediate binding) and Filter (bound claims' PVs fit the node; WaitForFirstConsumer claims find
an available PV on the node or can be provisioned there). Kubernetes v1.33
pkg/scheduler/framework/plugins/volumebinding/volume_binding.go and binder.go (FindPodVolumes),
k8s.io/component-helpers/storage/volume (FindMatchingVolume, CheckNodeAffinity).

The Filter is static within a batch: it reads the pod's claims, the PersistentVolumes and the
StorageClasses, never other pods' placements (kbench has no PV controller: nothing binds during a
pass). It is evaluated for all nodes at once with the node LabelMatrix.

Simplifications: a claim is bound when spec.volumeName is set (Go also wants the
pv.kubernetes.io/bind-completed annotation a PV controller would set); no CSIStorageCapacity
(storage is always sufficient) and no CSI migration of in-tree PVs; a generic ephemeral volume's
claim name uses the template's representative pod's name; the Score part is off in v1.33
(StorageCapacityScoring disabled: PreScore skips).
"""

from __future__ import annotations

import numpy as np

from kbench.api.labels import Requirement, _compile_term, selector_from_dict
from kbench.api.resources import resource_list
from kbench.errors import SelectorError

NAME = "VolumeBinding"
REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
REASON_NODE_CONFLICT = "node(s) had volume node affinity conflict"
REASON_PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
REASON_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"

ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"
NOT_SUPPORTED_PROVISIONER = "kubernetes.io/no-provisioner"
WAIT_FOR_FIRST_CONSUMER = "WaitForFirstConsumer"


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def _spec(obj: dict) -> dict:
    return obj.get("spec") or {}


def class_of(obj: dict) -> str:
    """GetPersistentVolume(Claim)Class: the beta annotation, then spec.storageClassName."""
    annotations = _meta(obj).get("annotations") or {}
    if ANN_STORAGE_CLASS in annotations:
        return annotations[ANN_STORAGE_CLASS]
    return _spec(obj).get("storageClassName") or ""


def _storage(amounts: dict | None) -> int:
    value = (amounts or {}).get("storage")
    return 0 if value is None else resource_list({"storage": value})["storage"]


class _Volumes:
    """The batch's PVCs, PVs and StorageClasses, decoded on first use (claims and bound PVs
    one by one; all PVs only when some claim must find one)."""

    def __init__(self, state) -> None:
        self.state = state
        self._claims: dict[tuple[str, str], dict | None] = {}
        self._pvs: dict[str, dict | None] = {}
        self._classes: dict[str, dict] | None = None
        self._all: _PVTable | None = None
        self._affinity: dict[str, np.ndarray] = {}

    def _decode(self, table: str, name: str, namespace: str | None = None) -> dict | None:
        from kbench.api.store import decode
        if table not in self.state.tables:
            return None
        row = self.state.find(table, name, namespace)
        return None if row < 0 else decode(self.state, table, int(row)).to_dict()

    def claim(self, namespace: str, name: str) -> dict | None:
        key = (namespace, name)
        if key not in self._claims:
            self._claims[key] = self._decode("persistentvolumeclaims", name, namespace)
        return self._claims[key]

    def pv(self, name: str) -> dict | None:
        if name not in self._pvs:
            self._pvs[name] = self._decode("persistentvolumes", name)
        return self._pvs[name]

    def storage_class(self, name: str) -> dict | None:
        if self._classes is None:
            from kbench.api.store import decode
            table = self.state.tables.get("storageclasses")
            rows = table.live_rows() if table is not None else []
            classes = [decode(self.state, "storageclasses", int(row)).to_dict() for row in rows]
            self._classes = {_meta(sc).get("name"): sc for sc in classes}
        return self._classes.get(name)

    def table(self, labels) -> "_PVTable":
        """Every PV (row order) as arrays, for matching claims on all nodes at once."""
        if self._all is None:
            from kbench.api.store import decode
            table = self.state.tables.get("persistentvolumes")
            pvs = [decode(self.state, "persistentvolumes", int(row)).to_dict()
                   for row in (table.live_rows() if table is not None else [])]
            for pv in pvs:
                self._pvs.setdefault(_meta(pv).get("name"), pv)
            self._all = _PVTable(pvs, [self.affinity(labels, pv) for pv in pvs])
        return self._all

    def affinity(self, labels, pv: dict) -> np.ndarray:
        """volume.CheckNodeAffinity(pv, node.Labels) == nil for every node: the node is given
        by its labels only, so matchFields are ignored; malformed terms never match."""
        name = _meta(pv).get("name")
        if name not in self._affinity:
            required = (_spec(pv).get("nodeAffinity") or {}).get("required")
            self._affinity[name] = pv_affinity_mask(labels, required)
        return self._affinity[name]


class _PVTable:
    """The PVs' fields FindMatchingVolume reads, as arrays, and every (PV, node) pair where
    the PV's node affinity fits."""

    def __init__(self, pvs: list[dict], fits: list[np.ndarray]) -> None:
        self.pvs = pvs
        count = len(pvs)
        specs = [_spec(pv) for pv in pvs]
        self.capacity = np.array([_storage(spec.get("capacity")) for spec in specs],
                                 dtype=np.int64)
        self.cls = np.array([class_of(pv) for pv in pvs] or [""], dtype=object)[:count]
        self.mode = np.array([spec.get("volumeMode") or "Filesystem" for spec in specs]
                             or [""], dtype=object)[:count]
        self.vac = np.array([spec.get("volumeAttributesClassName") or "" for spec in specs]
                            or [""], dtype=object)[:count]
        self.deleted = np.array([bool(_meta(pv).get("deletionTimestamp")) for pv in pvs],
                                dtype=np.bool_)
        self.has_ref = np.array([bool(spec.get("claimRef")) for spec in specs], dtype=np.bool_)
        self.available = np.array([(pv.get("status") or {}).get("phase") == "Available"
                                   for pv in pvs], dtype=np.bool_)
        self.mode_bits: dict[str, int] = {}
        self.access = np.array([self.bits(spec.get("accessModes") or [], add=True)
                                for spec in specs], dtype=np.int64)
        # the order FindMatchingVolume prefers: smallest capacity, then the first listed
        order = np.lexsort((np.arange(count), self.capacity))
        self.rank = np.empty(count, dtype=np.int64)
        self.rank[order] = np.arange(count)
        nodes = [np.flatnonzero(mask) for mask in fits]
        self.pair_pv = np.repeat(np.arange(count, dtype=np.int64),
                                 [len(n) for n in nodes]).astype(np.int64)
        self.pair_node = (np.concatenate(nodes).astype(np.int64) if nodes
                          else np.zeros(0, dtype=np.int64))

    def bits(self, modes, add: bool = False) -> int | None:
        """Access modes as a bit set (None: a mode no PV has)."""
        value = 0
        for mode in modes:
            if mode not in self.mode_bits:
                if not add:
                    return None
                self.mode_bits[mode] = 1 << len(self.mode_bits)
            value |= self.mode_bits[mode]
        return value


def pv_affinity_mask(labels, required: dict | None) -> np.ndarray:
    """Nodes matching a PV's nodeAffinity.required (terms ORed; matchFields ignored, as
    CheckNodeAffinity matches a node made of labels only; malformed or empty terms never
    match); None: every node."""
    if required is None:
        return np.ones(labels.rows, dtype=np.bool_)
    mask = np.zeros(labels.rows, dtype=np.bool_)
    for term in required.get("nodeSelectorTerms") or []:
        if not isinstance(term, dict) or (not term.get("matchExpressions")
                                          and not term.get("matchFields")):
            continue  # an empty term selects nothing
        try:
            selector, _fields = _compile_term(term, "")
        except SelectorError:
            continue
        mask |= labels.selector(selector) if selector is not None else True
    return mask


def topology_mask(labels, terms: list | None) -> np.ndarray:
    """v1helper.MatchTopologySelectorTerms for every node (StorageClass allowedTopologies)."""
    if not terms:
        return np.ones(labels.rows, dtype=np.bool_)
    mask = np.zeros(labels.rows, dtype=np.bool_)
    for term in terms:
        expressions = (term or {}).get("matchLabelExpressions") or []
        if not expressions:
            continue
        term_mask = np.ones(labels.rows, dtype=np.bool_)
        for requirement in expressions:
            values = tuple(requirement.get("values") or ())
            if not values:
                term_mask[:] = False
                break
            term_mask &= labels.requirement(Requirement(requirement.get("key", ""), "In", values))
        mask |= term_mask
    return mask


def batch_volumes(batch) -> _Volumes:
    cached = batch.__dict__.get("_volume_binding")
    if cached is None:
        cached = _Volumes(batch.state)
        batch.__dict__["_volume_binding"] = cached
    return cached


def _pod(batch, template) -> dict:
    from kbench.api.store import decode
    return decode(batch.state, "pods", int(template.representative)).to_dict()


def _uses_claims(spec: dict) -> bool:
    return any(v.get("persistentVolumeClaim") is not None or v.get("ephemeral") is not None
               for v in spec.get("volumes") or [])


def pod_claims(batch, template):
    """volume_binding.go podHasPVCs + GetPodVolumeClaims: (rejection text or None, bound claims,
    unbound WaitForFirstConsumer claims). No claims at all: (None, [], []) (PreFilter Skip)."""
    spec = template.spec
    if not _uses_claims(spec):
        return None, [], []
    volumes = batch_volumes(batch)
    namespace = template.namespace or "default"
    pod = None
    claims = []
    for volume in spec.get("volumes") or []:
        if volume.get("persistentVolumeClaim") is not None:
            name, ephemeral = volume["persistentVolumeClaim"].get("claimName", ""), False
        elif volume.get("ephemeral") is not None:
            pod = pod or _pod(batch, template)
            name, ephemeral = f"{_meta(pod).get('name', '')}-{volume.get('name', '')}", True
        else:
            continue
        claim = volumes.claim(namespace, name)
        if claim is None:
            return ((f'waiting for ephemeral volume controller to create the '
                     f'persistentvolumeclaim "{name}"') if ephemeral
                    else f'persistentvolumeclaim "{name}" not found'), [], []
        if (claim.get("status") or {}).get("phase") == "Lost":
            return (f'persistentvolumeclaim "{name}" bound to non-existent persistentvolume '
                    f'"{_spec(claim).get("volumeName", "")}"'), [], []
        if _meta(claim).get("deletionTimestamp"):
            return f'persistentvolumeclaim "{name}" is being deleted', [], []
        if ephemeral and not _controlled_by(claim, pod):
            return (f"PVC {namespace}/{name} was not created for pod "
                    f"{namespace}/{_meta(pod).get('name', '')} (pod is not owner)"), [], []
        claims.append(claim)
    bound, delayed = [], []
    for claim in claims:
        if _spec(claim).get("volumeName"):
            bound.append(claim)
            continue
        sc = volumes.storage_class(class_of(claim)) if class_of(claim) else None
        if sc is not None and sc.get("volumeBindingMode") == WAIT_FOR_FIRST_CONSUMER:
            delayed.append(claim)
        else:
            return REASON_UNBOUND_IMMEDIATE, [], []
    return None, bound, delayed


def _controlled_by(claim: dict, pod: dict) -> bool:
    for ref in _meta(claim).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref.get("uid") == _meta(pod).get("uid") or (
                not ref.get("uid") and ref.get("kind") == "Pod"
                and ref.get("name") == _meta(pod).get("name"))
    return False


def pre_filter(batch, template) -> str | None:
    """PreFilter's UnschedulableAndUnresolvable message, or None (pass or Skip)."""
    return pod_claims(batch, template)[0]


def _bound_to(pv: dict, claim: dict) -> bool:
    """IsVolumeBoundToClaim."""
    ref = _spec(pv).get("claimRef")
    if not ref or ref.get("name") != _meta(claim).get("name"):
        return False
    if (ref.get("namespace") or "") != (_meta(claim).get("namespace") or "default"):
        return False
    return not ref.get("uid") or ref.get("uid") == _meta(claim).get("uid")


def _match_claim(volumes: _Volumes, labels, claim: dict, chosen: np.ndarray) -> np.ndarray:
    """FindMatchingVolume on the scheduler path, for every node at once: whether the claim
    finds a PV; the (PV, node) pairs taken are marked in ``chosen`` (over the table's pairs)."""
    nodes = labels.rows
    table = volumes.table(labels)
    requested = _storage((_spec(claim).get("resources") or {}).get("requests"))
    base = ((table.cls == class_of(claim)) & (table.capacity >= requested)
            & (table.mode == (_spec(claim).get("volumeMode") or "Filesystem"))
            & (table.vac == (_spec(claim).get("volumeAttributesClassName") or ""))
            & ~table.deleted)
    for i in np.flatnonzero(base & table.has_ref).tolist():
        if _bound_to(table.pvs[i], claim):
            # the first PV pre-bound to the claim: it, where its node affinity fits, else
            # nothing (a PV claimed by another claim is skipped)
            pairs = table.pair_pv == i
            chosen[pairs] = True
            matched = np.zeros(nodes, dtype=np.bool_)
            matched[table.pair_node[pairs]] = True
            return matched
    wanted = table.bits(_spec(claim).get("accessModes") or [])
    if wanted is None:
        return np.zeros(nodes, dtype=np.bool_)
    candidates = base & ~table.has_ref & table.available & ((table.access & wanted) == wanted)
    selector = _spec(claim).get("selector")
    if selector is not None:
        try:
            selector = selector_from_dict(selector)
        except SelectorError:  # Go: FindMatchingVolume's error; here: no PV matches
            return np.zeros(nodes, dtype=np.bool_)
        for i in np.flatnonzero(candidates).tolist():
            candidates[i] = selector.matches(_meta(table.pvs[i]).get("labels") or {})
    pairs = np.flatnonzero(candidates[table.pair_pv] & ~chosen)
    # per node, the pair of the smallest (then first listed) PV
    pairs = pairs[np.lexsort((table.rank[table.pair_pv[pairs]], table.pair_node[pairs]))]
    node_of = table.pair_node[pairs]
    first = np.ones(len(pairs), dtype=np.bool_)
    first[1:] = node_of[1:] != node_of[:-1]
    winners = pairs[first]
    chosen[winners] = True
    matched = np.zeros(nodes, dtype=np.bool_)
    matched[table.pair_node[winners]] = True
    return matched


def _provisionable(volumes: _Volumes, labels, claim: dict) -> np.ndarray:
    """checkVolumeProvisions for one claim (storage capacity not modelled)."""
    sc = volumes.storage_class(class_of(claim)) or {}
    if (sc.get("provisioner") or "") in ("", NOT_SUPPORTED_PROVISIONER):
        return np.zeros(labels.rows, dtype=np.bool_)
    return topology_mask(labels, sc.get("allowedTopologies"))


def static_filter(batch, template, args=None) -> np.ndarray:
    """FindPodVolumes on every node: a reason id per node (0: fits). Several reasons on one
    node make one multi-part reason (Reasons.parts), counted part by part."""
    reasons = np.zeros(batch.node_count, dtype=np.int32)
    rejected, bound, delayed = pod_claims(batch, template)
    if rejected is not None or (not bound and not delayed):
        return reasons
    volumes = batch_volumes(batch)
    labels = batch.node_labels
    nodes = batch.node_count
    # checkBoundClaims: stops at the first claim whose PV is missing or does not fit
    undecided = np.ones(nodes, dtype=np.bool_)
    node_conflict = np.zeros(nodes, dtype=np.bool_)
    pv_missing = np.zeros(nodes, dtype=np.bool_)
    for claim in bound:
        volume = volumes.pv(_spec(claim).get("volumeName"))
        if volume is None:
            pv_missing = undecided.copy()
            break
        fits = volumes.affinity(labels, volume)
        node_conflict |= undecided & ~fits
        undecided &= fits
    unbound_fail = np.zeros(nodes, dtype=np.bool_)
    if delayed:
        names = np.asarray(batch.node_names, dtype=object)
        provision_ok = np.ones(nodes, dtype=np.bool_)
        to_match = []
        for claim in delayed:
            selected = (_meta(claim).get("annotations") or {}).get(ANN_SELECTED_NODE)
            if selected is not None:
                unbound_fail |= names != selected  # fast path: provisioning chose another node
                provision_ok &= _provisionable(volumes, labels, claim)
            else:
                to_match.append(claim)
        # findMatchingVolumes: claims by increasing request (stable), each taking its PV
        to_match.sort(key=lambda c: _storage((_spec(c).get("resources") or {}).get("requests")))
        chosen = np.zeros(len(volumes.table(labels).pair_pv) if to_match else 0,
                          dtype=np.bool_)
        for claim in to_match:
            matched = _match_claim(volumes, labels, claim, chosen)
            if not matched.all():
                provision_ok &= matched | _provisionable(volumes, labels, claim)
        unbound_fail |= ~provision_ok
    code = node_conflict * 4 + unbound_fail * 2 + pv_missing
    for value in np.unique(code[code > 0]).tolist():
        parts = [text for bit, text in ((4, REASON_NODE_CONFLICT), (2, REASON_BIND_CONFLICT),
                                        (1, REASON_PV_NOT_EXIST)) if value & bit]
        reasons[code == value] = batch.reasons.combined(parts)
    return reasons


def static_score(batch, template, args=None):
    """No scorer without StorageCapacityScoring (off in v1.33): PreScore returns Skip."""
    return None
