"""VolumeBinding reference plugin: PreFilter and Filter (the Score part is off in v1.33).

Ported from Kubernetes v1.33:
  pkg/scheduler/framework/plugins/volumebinding/volume_binding.go  podHasPVCs, PreFilter,
      Filter, PreScore (Skip: StorageCapacityScoring is off, no scorer), Score (0)
  pkg/scheduler/framework/plugins/volumebinding/binder.go  GetPodVolumeClaims, FindPodVolumes,
      checkBoundClaims, findMatchingVolumes (byPVCSize), checkVolumeProvisions
  k8s.io/component-helpers/storage/volume  IsDelayBindingMode, FindMatchingVolume,
      CheckNodeAffinity, CheckAccessModes, CheckVolumeModeMismatches, IsVolumeBoundToClaim,
      GetPersistentVolume(Claim)Class
  pkg/apis/core/v1/helper  MatchTopologySelectorTerms (StorageClass allowedTopologies)
  k8s.io/component-helpers/storage/ephemeral  VolumeClaimName, VolumeIsForPod

Simplifications (kbench has no PV controller, no CSI objects):
  * a claim is bound when spec.volumeName is set (Go also wants the
    pv.kubernetes.io/bind-completed annotation; without a PV controller nobody sets it);
  * no CSIStorageCapacity: storage is always sufficient, so ErrReasonNotEnoughSpace never
    appears; no CSI migration translation of in-tree PVs;
  * VolumeAttributesClass is enabled (beta, on in v1.33): claim and PV classes must be equal;
  * a generic ephemeral volume's claim is the pod's when its controller owner reference is
    the pod (Go compares UIDs; the reference's pods may have none, so kind and name decide).
"""

from __future__ import annotations

from kbench.api.labels import node_selector_matches, selector_from_dict
from kbench.api.resources import resource_list
from kbench.errors import SelectorError
from reference.framework import (
    SKIP,
    CycleState,
    NodeInfo,
    Plugin,
    Snapshot,
    Status,
    unschedulable,
)

# binder.go ConflictReasons
ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
ERR_REASON_NODE_CONFLICT = "node(s) had volume node affinity conflict"
ERR_REASON_NOT_ENOUGH_SPACE = "node(s) did not have enough free storage"
ERR_REASON_PV_NOT_EXIST = ("node(s) unavailable due to one or more pvc(s) bound to "
                           "non-existent pv(s)")
# volume_binding.go PreFilter
ERR_REASON_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"

ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"
NOT_SUPPORTED_PROVISIONER = "kubernetes.io/no-provisioner"
WAIT_FOR_FIRST_CONSUMER = "WaitForFirstConsumer"

STATE_KEY = "PreFilterVolumeBinding"


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def _spec(obj: dict) -> dict:
    return obj.get("spec") or {}


def claim_class(claim: dict) -> str:
    """GetPersistentVolumeClaimClass: the beta annotation, then spec.storageClassName."""
    annotations = _meta(claim).get("annotations") or {}
    if ANN_STORAGE_CLASS in annotations:
        return annotations[ANN_STORAGE_CLASS]
    return _spec(claim).get("storageClassName") or ""


def volume_class(pv: dict) -> str:
    """GetPersistentVolumeClass: the beta annotation, then spec.storageClassName."""
    annotations = _meta(pv).get("annotations") or {}
    if ANN_STORAGE_CLASS in annotations:
        return annotations[ANN_STORAGE_CLASS]
    return _spec(pv).get("storageClassName") or ""


def storage_bytes(amounts: dict | None) -> int:
    value = (amounts or {}).get("storage")
    return 0 if value is None else resource_list({"storage": value})["storage"]


def claim_request(claim: dict) -> int:
    return storage_bytes((_spec(claim).get("resources") or {}).get("requests"))


def volume_capacity(pv: dict) -> int:
    return storage_bytes(_spec(pv).get("capacity"))


def ephemeral_claim_name(pod: dict, volume: dict) -> str:
    """ephemeral.VolumeClaimName: <pod name>-<volume name>."""
    return f"{_meta(pod).get('name', '')}-{volume.get('name', '')}"


def volume_is_for_pod(pod: dict, claim: dict) -> str | None:
    """ephemeral.VolumeIsForPod: None, or the error when the claim is not controlled by the pod."""
    for ref in _meta(claim).get("ownerReferences") or []:
        if ref.get("controller"):
            pod_uid = _meta(pod).get("uid")
            same = (ref.get("uid") == pod_uid if pod_uid and ref.get("uid")
                    else ref.get("kind") == "Pod" and ref.get("name") == _meta(pod).get("name"))
            if same:
                return None
            break
    namespace = _meta(claim).get("namespace") or "default"
    return (f"PVC {namespace}/{_meta(claim).get('name', '')} was not created for pod "
            f"{_meta(pod).get('namespace') or 'default'}/{_meta(pod).get('name', '')} "
            f"(pod is not owner)")


def pv_node_affinity_matches(pv: dict, labels: dict[str, str]) -> bool:
    """volume.CheckNodeAffinity(pv, node.Labels) == nil: no required affinity, or a term
    matching a node that has only those labels (no name, so matchFields are ignored);
    malformed terms never match."""
    required = (_spec(pv).get("nodeAffinity") or {}).get("required")
    if required is None:
        return True
    for term in required.get("nodeSelectorTerms") or []:
        try:
            if node_selector_matches({"nodeSelectorTerms": [term]}, labels, {}):
                return True
        except SelectorError:
            continue
    return False


def topology_matches(terms: list[dict] | None, labels: dict[str, str]) -> bool:
    """v1helper.MatchTopologySelectorTerms: no terms match all; else some non-empty term
    whose every matchLabelExpressions requirement has the node's value among its values."""
    if not terms:
        return True
    for term in terms:
        expressions = term.get("matchLabelExpressions") or []
        if not expressions:
            continue
        if all(req.get("values") and req.get("key") in labels
               and labels[req["key"]] in req["values"] for req in expressions):
            return True
    return False


def volume_bound_to_claim(pv: dict, claim: dict) -> bool:
    """IsVolumeBoundToClaim: claimRef names the claim (and its UID, when both have one)."""
    ref = _spec(pv).get("claimRef")
    if not ref:
        return False
    if ref.get("name") != _meta(claim).get("name"):
        return False
    if (ref.get("namespace") or "") != (_meta(claim).get("namespace") or "default"):
        return False
    uid = ref.get("uid")
    return not uid or not _meta(claim).get("uid") or uid == _meta(claim).get("uid")


def access_modes_ok(claim: dict, pv: dict) -> bool:
    """CheckAccessModes: every mode the claim asks for is one of the PV's."""
    modes = set(_spec(pv).get("accessModes") or [])
    return all(mode in modes for mode in _spec(claim).get("accessModes") or [])


def find_matching_volume(claim: dict, volumes: list[dict], labels: dict[str, str],
                         excluded: set[str]) -> dict | None:
    """FindMatchingVolume on the scheduler path (node given, delayBinding): the PV pre-bound
    to the claim if its node affinity fits (else none), otherwise the smallest available PV of
    the claim's class that fits the request, volume mode, attributes class, access modes and
    the node."""
    requested = claim_request(claim)
    requested_class = claim_class(claim)
    claim_mode = _spec(claim).get("volumeMode") or "Filesystem"
    claim_vac = _spec(claim).get("volumeAttributesClassName") or ""
    selector = _spec(claim).get("selector")
    if selector is not None:
        try:
            selector = selector_from_dict(selector)
        except SelectorError:  # Go: FindMatchingVolume's error; here: no PV matches
            return None
    smallest, smallest_qty = None, None
    for pv in volumes:
        name = _meta(pv).get("name")
        if name in excluded:
            continue
        if _spec(pv).get("claimRef") and not volume_bound_to_claim(pv, claim):
            continue
        qty = volume_capacity(pv)
        if qty < requested:
            continue
        if (_spec(pv).get("volumeMode") or "Filesystem") != claim_mode:
            continue
        if (_spec(pv).get("volumeAttributesClassName") or "") != claim_vac:
            continue
        if _meta(pv).get("deletionTimestamp"):
            continue
        affinity_ok = pv_node_affinity_matches(pv, labels)
        if volume_bound_to_claim(pv, claim):
            return pv if affinity_ok else None
        if (pv.get("status") or {}).get("phase") != "Available":
            continue
        if selector is not None:
            if not selector.matches(_meta(pv).get("labels") or {}):
                continue
        if volume_class(pv) != requested_class:
            continue
        if not affinity_ok:
            continue
        if not access_modes_ok(claim, pv):
            continue
        if smallest is None or smallest_qty > qty:
            smallest, smallest_qty = pv, qty
    return smallest


class VolumeBinding(Plugin):
    name = "VolumeBinding"

    def _claims(self, snapshot: Snapshot) -> dict[tuple[str, str], dict]:
        return {(_meta(c).get("namespace") or "default", _meta(c).get("name")): c
                for c in snapshot.persistent_volume_claims}

    def pre_filter(self, state: CycleState, pod: dict, snapshot: Snapshot) -> Status:
        namespace = _meta(pod).get("namespace") or "default"
        claims = self._claims(snapshot)
        classes = {_meta(sc).get("name"): sc for sc in snapshot.storage_classes}
        # podHasPVCs: every claim the pod uses exists, is not lost and not being deleted.
        pod_claims: list[dict] = []
        for volume in _spec(pod).get("volumes") or []:
            if volume.get("persistentVolumeClaim") is not None:
                claim_name = volume["persistentVolumeClaim"].get("claimName", "")
                ephemeral = False
            elif volume.get("ephemeral") is not None:
                claim_name = ephemeral_claim_name(pod, volume)
                ephemeral = True
            else:
                continue
            claim = claims.get((namespace, claim_name))
            if claim is None:
                message = (f"waiting for ephemeral volume controller to create the "
                           f'persistentvolumeclaim "{claim_name}"' if ephemeral
                           else f'persistentvolumeclaim "{claim_name}" not found')
                return unschedulable(message, resolvable=False)
            if (claim.get("status") or {}).get("phase") == "Lost":
                return unschedulable(
                    f'persistentvolumeclaim "{claim_name}" bound to non-existent '
                    f'persistentvolume "{_spec(claim).get("volumeName", "")}"', resolvable=False)
            if _meta(claim).get("deletionTimestamp"):
                return unschedulable(f'persistentvolumeclaim "{claim_name}" is being deleted',
                                     resolvable=False)
            if ephemeral:
                error = volume_is_for_pod(pod, claim)
                if error is not None:
                    return unschedulable(error, resolvable=False)
            pod_claims.append(claim)
        if not pod_claims:
            return Status(SKIP)
        # GetPodVolumeClaims: bound, unbound with delayed binding, unbound immediate.
        bound, delayed = [], []
        for claim in pod_claims:
            if _spec(claim).get("volumeName"):
                bound.append(claim)
                continue
            sc = classes.get(claim_class(claim)) if claim_class(claim) else None
            if sc is not None and sc.get("volumeBindingMode") == WAIT_FOR_FIRST_CONSUMER:
                delayed.append(claim)
            else:
                return unschedulable(ERR_REASON_UNBOUND_IMMEDIATE, resolvable=False)
        state[STATE_KEY] = {
            "bound": bound,
            "delayed": delayed,
            "volumes": {_meta(pv).get("name"): pv for pv in snapshot.persistent_volumes},
            "classes": classes,
        }
        return Status()

    def filter(self, state: CycleState, pod: dict, node: NodeInfo) -> Status:
        data = state[STATE_KEY]
        reasons = self.find_pod_volumes(data, node)
        if reasons:
            return unschedulable(*reasons, resolvable=False)
        return Status()

    def find_pod_volumes(self, data: dict, node: NodeInfo) -> list[str]:
        """binder.go FindPodVolumes: the conflict reasons for the node."""
        labels = node.labels
        bound_ok, bound_found, unbound_ok = True, True, True
        # checkBoundClaims: stops at the first claim whose PV is missing or does not fit.
        for claim in data["bound"]:
            pv = data["volumes"].get(_spec(claim).get("volumeName"))
            if pv is None:
                bound_found = False
                break
            if not pv_node_affinity_matches(pv, labels):
                bound_ok = False
                break
        delayed = data["delayed"]
        if delayed:
            unbound_ok = self._unbound_satisfied(data, delayed, node)
        reasons = []
        if not bound_ok:
            reasons.append(ERR_REASON_NODE_CONFLICT)
        if not unbound_ok:
            reasons.append(ERR_REASON_BIND_CONFLICT)
        if not bound_found:
            reasons.append(ERR_REASON_PV_NOT_EXIST)
        return reasons

    def _unbound_satisfied(self, data: dict, delayed: list[dict], node: NodeInfo) -> bool:
        to_match, to_provision = [], []
        for claim in delayed:
            annotations = _meta(claim).get("annotations") or {}
            if ANN_SELECTED_NODE in annotations:
                if annotations[ANN_SELECTED_NODE] != node.name:
                    return False  # fast path: provisioning was started for another node
                to_provision.append(claim)
            else:
                to_match.append(claim)
        satisfied = True
        if to_match:
            # findMatchingVolumes: claims by increasing request, each taking its PV.
            chosen: set[str] = set()
            for claim in sorted(to_match, key=claim_request):
                cls = claim_class(claim)
                volumes = [pv for pv in data["volumes"].values() if volume_class(pv) == cls]
                pv = find_matching_volume(claim, volumes, node.labels, chosen)
                if pv is None:
                    to_provision.append(claim)
                    satisfied = False
                    continue
                chosen.add(_meta(pv).get("name"))
        if to_provision:
            # checkVolumeProvisions (storage capacity is not modelled: always sufficient)
            for claim in to_provision:
                sc = data["classes"].get(claim_class(claim)) or {}
                provisioner = sc.get("provisioner") or ""
                if provisioner in ("", NOT_SUPPORTED_PROVISIONER):
                    return False
                if not topology_matches(sc.get("allowedTopologies"), node.labels):
                    return False
            return True
        return satisfied

    def pre_score(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> Status:
        return Status(SKIP)  # no scorer: StorageCapacityScoring is off in v1.33

    def score(self, state: CycleState, pod: dict, node: NodeInfo) -> int:
        return 0
