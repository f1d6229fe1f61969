"""NodeAffinity: Filter on nodeSelector, required node affinity and the profile's addedAffinity;
Score summing the weights of matching preferred terms. pkg/scheduler/framework/plugins/
nodeaffinity/node_affinity.go."""

from __future__ import annotations

import numpy as np

NAME = "NodeAffinity"
NORMALIZE = "default"  # DefaultNormalizeScore(MaxNodeScore, false, scores)
REASON_POD = "node(s) didn't match Pod's node affinity/selector"
REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity"


def required_mask(batch, spec: dict) -> np.ndarray:
    """GetRequiredNodeAffinity(pod).Match for every node: nodeSelector AND required terms."""
    labels = batch.node_labels
    mask = labels.equals_set(spec.get("nodeSelector") or {})
    affinity = ((spec.get("affinity") or {}).get("nodeAffinity") or {})
    required = affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if required is not None:
        mask &= labels.node_selector(required)
    return mask


def static_filter(batch, template, args=None) -> np.ndarray:
    reasons = np.zeros(batch.node_count, dtype=np.int32)
    pod_mask = required_mask(batch, template.spec)
    reasons[~pod_mask] = batch.reasons.id(REASON_POD)
    added = (args.added_affinity if args is not None else None) or {}
    added_required = added.get("requiredDuringSchedulingIgnoredDuringExecution")
    if added_required is not None:
        # the enforced affinity is checked first, so its reason wins
        reasons[~batch.node_labels.node_selector(added_required)] = batch.reasons.id(
            REASON_ENFORCED)
    return reasons


def static_score(batch, template, args=None) -> np.ndarray | None:
    """Raw score: sum of the weights of the preferred terms (the pod's and the profile's
    addedAffinity's) a node matches; None when there are none (PreScore returns Skip)."""
    affinity = (template.spec.get("affinity") or {}).get("nodeAffinity") or {}
    terms = list(affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or [])
    added = (args.added_affinity if args is not None else None) or {}
    terms += added.get("preferredDuringSchedulingIgnoredDuringExecution") or []
    if not terms:
        return None
    raw = np.zeros(batch.node_count, dtype=np.int64)
    for term in terms:
        weight = int(term.get("weight") or 0)
        if weight == 0:
            continue
        preference = term.get("preference") or {}
        raw += np.where(batch.node_labels.node_selector_term(preference), weight, 0)
    return raw
