"""NodeAffinity: Filter on nodeSelector, required node affinity and the profile's addedAffinity;
Score summing the weights of matching preferred terms. pkg/scheduler/framework/plugins/
nodeaffinity/node_affinity.go."""

from __future__ import annotations

import numpy as np

NAME = "NodeAffinity"
NORMALIZE = "default"  # DefaultNormalizeScore(MaxNodeScore, false, scores)
REASON_POD = "node(s) didn't match Pod's node affinity/selector"
REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity"
REASON_CONFLICT = "pod affinity terms conflict"
CONFLICT = "conflict"


def pre_filter(spec: dict):
    """PreFilter's node-name narrowing: when every required term names nodes with
    ``matchFields: metadata.name In``, only those nodes are candidates (the union over the terms
    of each term's intersection). Returns None (all nodes), a set of names, or CONFLICT when the
    terms name no node at all (UnschedulableAndUnresolvable "pod affinity terms conflict")."""
    affinity = (spec.get("affinity") or {}).get("nodeAffinity") or {}
    required = affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    terms = (required or {}).get("nodeSelectorTerms") or []
    names: set[str] | None = None
    for term in terms:
        term_names: set[str] | None = None
        for requirement in term.get("matchFields") or []:
            if requirement.get("key") == "metadata.name" and requirement.get("operator") == "In":
                values = set(requirement.get("values") or [])
                term_names = values if term_names is None else term_names & values
        if term_names is None:
            return None  # a term not naming nodes admits every node (terms are ORed)
        names = term_names if names is None else names | term_names
    if names is not None and not names:
        return CONFLICT
    return names or None


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
