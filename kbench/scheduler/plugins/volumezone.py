"""VolumeZone: PreFilter (the zone and region labels of the PVs bound to the pod's claims) and
Filter (a node with topology labels must carry, for each of those PV labels, a value in the
PV's set). Kubernetes v1.33 pkg/scheduler/framework/plugins/volumezone/volume_zone.go
(getPVbyPod, getPVTopologies, Filter, translateToGALabel) and k8s.io/cloud-provider/volume/
helpers/zones.go (LabelZonesToSet).

The Filter is static within a batch: it reads the pod's claims, their PVs and the
StorageClasses (kbench has no PV controller: nothing binds during a pass), and the nodes'
labels, evaluated for all nodes at once with the node LabelMatrix, one step per PV label.

Not-found messages are those of kube-scheduler's informer listers (``persistentvolumeclaim
"x" not found``, ``persistentvolume "x" not found``, ``storageclass.storage.k8s.io "x" not
found``); listers fail no other way here, so there is no Error status.
"""

from __future__ import annotations

import numpy as np

from kbench.scheduler.batch import BETA_REGION_LABEL, BETA_ZONE_LABEL, REGION_LABEL, ZONE_LABEL
from kbench.scheduler.plugins import volumebinding

NAME = "VolumeZone"
REASON_CONFLICT = "node(s) had no available volume zone"
WAIT_FOR_FIRST_CONSUMER = "WaitForFirstConsumer"
MULTI_ZONE_DELIMITER = "__"  # cloudvolume.LabelMultiZoneDelimiter

#: volume_zone.go topologyLabels, in its order
TOPOLOGY_LABELS = (BETA_ZONE_LABEL, BETA_REGION_LABEL, ZONE_LABEL, REGION_LABEL)


def translate_to_ga_label(key: str) -> str:
    """translateToGALabel: a beta failure-domain key's GA topology key."""
    return {BETA_REGION_LABEL: REGION_LABEL, BETA_ZONE_LABEL: ZONE_LABEL}.get(key, key)


def label_zones_to_set(value: str) -> frozenset[str] | None:
    """volumehelpers.LabelZonesToSet: the "__"-separated zones, trimmed; None (Go's error, the
    label is then ignored) when one of them is empty."""
    zones = [zone.strip() for zone in value.split(MULTI_ZONE_DELIMITER)]
    return None if any(not zone for zone in zones) else frozenset(zones)


def pv_topologies(pv: dict) -> list[tuple[str, frozenset[str]]]:
    """getPVTopologies: (label key, zone set) of each topology label the PV has."""
    labels = (pv.get("metadata") or {}).get("labels") or {}
    topologies = []
    for key in TOPOLOGY_LABELS:
        if key in labels:
            zones = label_zones_to_set(labels[key])
            if zones is not None:
                topologies.append((key, zones))
    return topologies


def pod_topologies(batch, template) -> tuple[str | None, list[tuple[str, frozenset[str]]]]:
    """getPVbyPod: (UnschedulableAndUnresolvable message or None, the PV topologies of the
    pod's persistentVolumeClaim volumes; unbound WaitForFirstConsumer claims are skipped)."""
    volumes = volumebinding.batch_volumes(batch)  # the batch's claims, PVs and classes, cached
    namespace = template.namespace or "default"
    topologies: list[tuple[str, frozenset[str]]] = []
    for volume in template.spec.get("volumes") or []:
        if volume.get("persistentVolumeClaim") is None:
            continue
        name = volume["persistentVolumeClaim"].get("claimName") or ""
        if not name:
            return "PersistentVolumeClaim had no name", []
        claim = volumes.claim(namespace, name)
        if claim is None:
            return f'persistentvolumeclaim "{name}" not found', []
        pv_name = (claim.get("spec") or {}).get("volumeName") or ""
        if not pv_name:
            class_name = volumebinding.class_of(claim)
            if not class_name:
                return "PersistentVolumeClaim had no pv name and storageClass name", []
            sc = volumes.storage_class(class_name)
            if sc is None:
                return f'storageclass.storage.k8s.io "{class_name}" not found', []
            mode = sc.get("volumeBindingMode")
            if mode is None:
                return f'VolumeBindingMode not set for StorageClass "{class_name}"', []
            if mode == WAIT_FOR_FIRST_CONSUMER:
                continue  # skip unbound volumes
            return "PersistentVolume had no name", []
        pv = volumes.pv(pv_name)
        if pv is None:
            return f'persistentvolume "{pv_name}" not found', []
        topologies.extend(pv_topologies(pv))
    return None, topologies


def pre_filter(batch, template) -> str | None:
    """PreFilter's UnschedulableAndUnresolvable message, or None (pass or Skip)."""
    return pod_topologies(batch, template)[0]


def _value_in(labels, key: str, zones: frozenset[str]) -> np.ndarray:
    """Nodes whose ``key`` label value is one of ``zones`` (False where the key is absent)."""
    codes = [labels.values[zone] for zone in zones if zone in labels.values]
    return np.isin(labels.column(key), np.array(codes, dtype=np.int32))


def static_filter(batch, template, args=None) -> np.ndarray:
    """Filter on every node: a reason id per node (0: fits). Without PreFilter state Go's
    Filter computes getPVbyPod itself and returns its failure on every node; with PreFilter
    enabled that failure rejected the pod before any Filter ran."""
    reasons = np.zeros(batch.node_count, dtype=np.int32)
    if not template.spec.get("volumes"):
        return reasons  # Filter's fast path
    rejected, topologies = pod_topologies(batch, template)
    if rejected is not None:
        reasons[:] = batch.reasons.id(rejected)
        return reasons
    if not topologies:
        return reasons  # PreFilter Skip
    labels = batch.node_labels
    # a node with none of the topology labels passes (single-zone clusters)
    constrained = np.zeros(batch.node_count, dtype=np.bool_)
    for key in TOPOLOGY_LABELS:
        constrained |= labels.column(key) >= 0
    fits = np.ones(batch.node_count, dtype=np.bool_)
    for key, zones in topologies:
        # the node's value of the same key; failing that, of the key's GA form
        has_key = labels.column(key) >= 0
        fits &= np.where(has_key, _value_in(labels, key, zones),
                         _value_in(labels, translate_to_ga_label(key), zones))
    reasons[constrained & ~fits] = batch.reasons.id(REASON_CONFLICT)
    return reasons
