"""Pods grouped by namespace and labels: what label selectors over pods see.

PodTopologySpread and InterPodAffinity match label selectors against pods: the pods bound to
the batch's nodes and the pending pods of its templates. Pods sharing namespace and labels
form one *group*, and a LabelMatrix over the groups evaluates a selector for every pod at once
(a Deployment's 20,000 replicas are one group, one row).
"""

from __future__ import annotations

from dataclasses import dataclass

import weakref

import numpy as np

from kbench.scheduler.batch import bound_pods
from kbench.scheduler.labelmatrix import LabelMatrix
from kbench.state.label_groups import key_pairs, pair_keys, pod_label_groups

DEFAULT_NAMESPACE = "default"


@dataclass
class PodGroups:
    labels: LabelMatrix            # one row per group
    namespaces: np.ndarray         # object [groups]: the group's namespace
    template_group: np.ndarray     # int64 [templates]
    bound_rows: np.ndarray         # int64 [bound pods]: their rows in the pods table
    bound_group: np.ndarray        # int64 [bound pods]
    bound_node: np.ndarray         # int64 [bound pods]: the node's position in the batch
    bound_body: np.ndarray         # int64 [bound pods]: body code (the spec lives there)
    bound_terminating: np.ndarray  # bool [bound pods]: deletionTimestamp set

    def namespace_mask(self, accepts) -> np.ndarray:
        """Groups whose namespace ``accepts(name)`` says yes to (called once per namespace)."""
        verdicts = {name: bool(accepts(name)) for name in set(self.namespaces.tolist())}
        return np.array([verdicts[name] for name in self.namespaces.tolist()], dtype=np.bool_)


def unique_pairs(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(np.stack([first, second], axis=1), axis=0, return_inverse=True) for two
    columns of codes >= -1 (below 2**31), as one int64 key each: the same rows in the same
    (lexicographic) order, without the slow row-wise sort."""
    unique, inverse = np.unique(pair_keys(first, second), return_inverse=True)
    return key_pairs(unique), inverse.reshape(-1)


def pod_groups(batch) -> PodGroups:
    """The groups of the batch's bound pods and templates (computed once per batch)."""
    cached = getattr(batch, "_pod_groups", None)
    if cached is not None:
        return cached
    state = batch.state
    pods = state.tables["pods"]
    bound, bound_node = bound_pods(batch)
    representatives = np.array([t.representative for t in batch.templates], dtype=np.int64)
    rows = np.concatenate([bound, representatives])
    unique, inverse = pod_label_groups(state).unique_pairs(rows)
    groups = PodGroups(
        labels=_group_labels(state, unique[:, 1]),
        namespaces=_group_namespaces(state, unique[:, 0]),
        template_group=inverse[len(bound):].astype(np.int64),
        bound_rows=bound.astype(np.int64),
        bound_group=inverse[:len(bound)].astype(np.int64),
        bound_node=bound_node,
        bound_body=pods["body"][bound].astype(np.int64),
        bound_terminating=~np.isnan(pods["deletion_time"][bound]))
    batch._pod_groups = groups
    return groups


#: per cluster (its string table): the last groups' label codes and their LabelMatrix, and
#: namespace codes and their names (between batches, the groups mostly stay the same)
_LAST_LABELS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_LAST_NAMESPACES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _group_labels(state, codes: np.ndarray) -> LabelMatrix:
    key = codes.tobytes()
    last = _LAST_LABELS.get(state.strings)
    if last is not None and last[0] == key:
        return last[1]
    matrix = LabelMatrix([state.strings.document(int(code)) or {} for code in codes.tolist()])
    _LAST_LABELS[state.strings] = (key, matrix)
    return matrix


def _group_namespaces(state, codes: np.ndarray) -> np.ndarray:
    key = codes.tobytes()
    last = _LAST_NAMESPACES.get(state.strings)
    if last is not None and last[0] == key:
        return last[1]
    names = np.array([state.strings[int(code)] or DEFAULT_NAMESPACE for code in codes.tolist()],
                     dtype=object)
    _LAST_NAMESPACES[state.strings] = (key, names)
    return names


def namespace_labels(state) -> dict[str, dict]:
    """Labels of every live Namespace, by name (GetNamespaceLabelsSnapshot reads them)."""
    namespaces = state.tables["namespaces"]
    rows = namespaces.live_rows()
    return {state.strings[int(name)]: state.strings.document(int(labels)) or {}
            for name, labels in zip(namespaces["name"][rows].tolist(),
                                    namespaces["labels"][rows].tolist())}
