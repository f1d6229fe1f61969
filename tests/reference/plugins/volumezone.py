"""VolumeZone reference plugin: PreFilter and Filter.

Ported from Kubernetes v1.33:
  pkg/scheduler/framework/plugins/volumezone/volume_zone.go  topologyLabels,
      translateToGALabel, PreFilter, getPVbyPod, Filter, getErrorAsStatus, getPVTopologies,
      getPersistentVolumeClaimNameFromPod
  k8s.io/cloud-provider/volume/helpers/zones.go  LabelZonesToSet (stringToSet on "__")
  k8s.io/component-helpers/storage/volume  GetPersistentVolumeClaimClass

The listers' NotFound errors are those of kube-scheduler's informer listers:
persistentvolumeclaim "x" not found, persistentvolume "x" not found,
storageclass.storage.k8s.io "x" not found (Go's unit test uses fake listers whose messages
differ). Listers fail no other way here, so getErrorAsStatus never gives an Error status.
"""

from __future__ import annotations

from reference.framework import SKIP, CycleState, NodeInfo, Plugin, Snapshot, Status, unschedulable

# v1 well-known labels
LABEL_FAILURE_DOMAIN_BETA_ZONE = "failure-domain.beta.kubernetes.io/zone"
LABEL_FAILURE_DOMAIN_BETA_REGION = "failure-domain.beta.kubernetes.io/region"
LABEL_TOPOLOGY_ZONE = "topology.kubernetes.io/zone"
LABEL_TOPOLOGY_REGION = "topology.kubernetes.io/region"

TOPOLOGY_LABELS = [
    LABEL_FAILURE_DOMAIN_BETA_ZONE,
    LABEL_FAILURE_DOMAIN_BETA_REGION,
    LABEL_TOPOLOGY_ZONE,
    LABEL_TOPOLOGY_REGION,
]

ERR_REASON_CONFLICT = "node(s) had no available volume zone"
ANN_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"
WAIT_FOR_FIRST_CONSUMER = "WaitForFirstConsumer"
LABEL_MULTI_ZONE_DELIMITER = "__"

STATE_KEY = "PreFilterVolumeZone"


def translate_to_ga_label(label: str) -> str:
    if label == LABEL_FAILURE_DOMAIN_BETA_REGION:
        return LABEL_TOPOLOGY_REGION
    if label == LABEL_FAILURE_DOMAIN_BETA_ZONE:
        return LABEL_TOPOLOGY_ZONE
    return label


def label_zones_to_set(value: str) -> set[str] | None:
    """LabelZonesToSet: None stands for Go's error (an empty zone in the list)."""
    zones = set()
    for zone in value.split(LABEL_MULTI_ZONE_DELIMITER):
        trimmed = zone.strip()
        if trimmed == "":
            return None
        zones.add(trimmed)
    return zones


def claim_class(claim: dict) -> str:
    """GetPersistentVolumeClaimClass: the beta annotation, then spec.storageClassName."""
    annotations = (claim.get("metadata") or {}).get("annotations") or {}
    if ANN_STORAGE_CLASS in annotations:
        return annotations[ANN_STORAGE_CLASS]
    return (claim.get("spec") or {}).get("storageClassName") or ""


def get_pv_topologies(pv: dict) -> list[tuple[str, str, set[str]]]:
    """getPVTopologies: (pv name, label key, zone set) per topology label of the PV; a label
    LabelZonesToSet cannot parse is ignored."""
    topologies = []
    labels = (pv.get("metadata") or {}).get("labels") or {}
    for key in TOPOLOGY_LABELS:
        if key in labels:
            zones = label_zones_to_set(labels[key])
            if zones is None:
                continue
            topologies.append(((pv.get("metadata") or {}).get("name"), key, zones))
    return topologies


def claim_names(pod: dict) -> list[str]:
    """getPersistentVolumeClaimNameFromPod."""
    names = []
    for volume in (pod.get("spec") or {}).get("volumes") or []:
        if volume.get("persistentVolumeClaim") is None:
            continue
        names.append(volume["persistentVolumeClaim"].get("claimName") or "")
    return names


class VolumeZone(Plugin):
    name = "VolumeZone"

    def get_pv_by_pod(self, pod: dict, snapshot: Snapshot) -> tuple[list | None, Status]:
        """getPVbyPod (the listers: the snapshot's claims, volumes and classes)."""
        namespace = (pod.get("metadata") or {}).get("namespace") or "default"
        claims = {((c.get("metadata") or {}).get("namespace") or "default",
                   (c.get("metadata") or {}).get("name")): c
                  for c in snapshot.persistent_volume_claims}
        volumes = {(v.get("metadata") or {}).get("name"): v for v in snapshot.persistent_volumes}
        classes = {(c.get("metadata") or {}).get("name"): c for c in snapshot.storage_classes}
        topologies = []
        for claim_name in claim_names(pod):
            if claim_name == "":
                return None, unschedulable("PersistentVolumeClaim had no name", resolvable=False)
            claim = claims.get((namespace, claim_name))
            if claim is None:
                return None, unschedulable(f'persistentvolumeclaim "{claim_name}" not found',
                                           resolvable=False)
            pv_name = (claim.get("spec") or {}).get("volumeName") or ""
            if pv_name == "":
                sc_name = claim_class(claim)
                if len(sc_name) == 0:
                    return None, unschedulable(
                        "PersistentVolumeClaim had no pv name and storageClass name",
                        resolvable=False)
                sc = classes.get(sc_name)
                if sc is None:
                    return None, unschedulable(
                        f'storageclass.storage.k8s.io "{sc_name}" not found', resolvable=False)
                mode = sc.get("volumeBindingMode")
                if mode is None:
                    return None, unschedulable(
                        f'VolumeBindingMode not set for StorageClass "{sc_name}"',
                        resolvable=False)
                if mode == WAIT_FOR_FIRST_CONSUMER:
                    continue  # skip unbound volumes
                return None, unschedulable("PersistentVolume had no name", resolvable=False)
            pv = volumes.get(pv_name)
            if pv is None:
                return None, unschedulable(f'persistentvolume "{pv_name}" not found',
                                           resolvable=False)
            topologies.extend(get_pv_topologies(pv))
        return topologies, Status()

    def pre_filter(self, state: CycleState, pod: dict, snapshot: Snapshot) -> Status:
        topologies, status = self.get_pv_by_pod(pod, snapshot)
        if not status.is_success():
            return status
        if len(topologies) == 0:
            return Status(SKIP)
        state[STATE_KEY] = topologies
        return Status()

    def filter(self, state: CycleState, pod: dict, node: NodeInfo) -> Status:
        if not (pod.get("spec") or {}).get("volumes"):
            return Status()
        if STATE_KEY in state:
            topologies = state[STATE_KEY]
        else:
            # fallback: no PreFilter state, compute the PV list here
            topologies, status = self.get_pv_by_pod(pod, self.snapshot)
            if not status.is_success():
                return status
        labels = node.labels
        has_any_node_constraint = False
        for topology_label in TOPOLOGY_LABELS:
            if topology_label in labels:
                has_any_node_constraint = True
                break
        if not has_any_node_constraint:
            # the node has no zone constraints (a single-zone cluster): OK to schedule
            return Status()
        for _pv_name, key, zones in topologies:
            ok = key in labels
            value = labels.get(key)
            if not ok:
                # pv's beta label against the node's GA label
                ok = translate_to_ga_label(key) in labels
                value = labels.get(translate_to_ga_label(key))
            if not ok or value not in zones:
                return unschedulable(ERR_REASON_CONFLICT, resolvable=False)
        return Status()
