"""Pods grouped by namespace and labels: what label selectors over pods see.

PodTopologySpread and InterPodAffinity match label selectors against pods: the pods bound to
the batch's nodes and the pending pods of its templates. Pods sharing namespace and labels
form one *group*, and a LabelMatrix over the groups evaluates a selector for every pod at once
(a Deployment's 20,000 replicas are one group, one row).
"""

from __future__ import annotations

import weakref
from functools import cached_property

import numpy as np

from kbench.scheduler.batch import bound_pods
from kbench.scheduler.boundpods import bound_pods_of
from kbench.scheduler.labelmatrix import LabelMatrix
from kbench.state.label_groups import key_pairs, pair_keys

DEFAULT_NAMESPACE = "default"


class PodGroups:
    """The groups of a batch's bound pods and templates, in the order of their (namespace,
    labels) pair keys, and each bound pod's group, node and body (worked out when first read:
    most passes read only the groups)."""

    def __init__(self, batch, keys: np.ndarray, template_group: np.ndarray) -> None:
        state = batch.state
        pairs = key_pairs(keys)
        self.state = state
        # the batch keeps its groups: a weak reference back, so that a finished batch is
        # freed at once rather than by the cyclic garbage collector
        self._batch = weakref.ref(batch)
        self.keys = keys                                       # int64 [groups]: pair keys
        self.labels = _group_labels(state, pairs[:, 1])        # one row per group
        self.namespaces = _group_namespaces(state, pairs[:, 0])  # object [groups]
        self.template_group = template_group                   # int64 [templates]

    @cached_property
    def bound_rows(self) -> np.ndarray:
        """int64 [bound pods]: their rows in the pods table, ascending."""
        return bound_pods(self._batch())[0].astype(np.int64)

    @cached_property
    def bound_node(self) -> np.ndarray:
        """int64 [bound pods]: the node's position in the batch."""
        return bound_pods(self._batch())[1]

    @cached_property
    def bound_group(self) -> np.ndarray:
        """int64 [bound pods]."""
        pods = self.state.tables["pods"]
        rows = self.bound_rows
        return np.searchsorted(self.keys, pair_keys(pods["namespace"][rows],
                                                    pods["labels"][rows])).astype(np.int64)

    @cached_property
    def bound_body(self) -> np.ndarray:
        """int64 [bound pods]: body code (the spec lives there)."""
        return self.state.tables["pods"]["body"][self.bound_rows].astype(np.int64)

    @cached_property
    def bound_terminating(self) -> np.ndarray:
        """bool [bound pods]: deletionTimestamp set."""
        return ~np.isnan(self.state.tables["pods"]["deletion_time"][self.bound_rows])

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


def merged_keys(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """np.union1d(sorted_keys, keys) as int64 for ``sorted_keys`` sorted and unique (the bound
    pods' pairs, many): the few ``keys`` not among them are inserted in place, no sort of all."""
    new = np.unique(keys).astype(np.int64)
    place = np.searchsorted(sorted_keys, new)
    found = place < len(sorted_keys)
    found[found] = sorted_keys[place[found]] == new[found]
    return np.insert(sorted_keys.astype(np.int64), place[~found], new[~found])


def pod_groups(batch) -> PodGroups:
    """The groups of the batch's bound pods and templates (computed once per batch): the
    bound pods' pairs come from the totals kept between passes (boundpods)."""
    cached = getattr(batch, "_pod_groups", None)
    if cached is not None:
        return cached
    pods = batch.state.tables["pods"]
    representatives = np.array([t.representative for t in batch.templates], dtype=np.int64)
    template_keys = pair_keys(pods["namespace"][representatives],
                              pods["labels"][representatives])
    keys = merged_keys(bound_pods_of(batch).pair_keys(), template_keys)
    groups = PodGroups(batch, keys, np.searchsorted(keys, template_keys).astype(np.int64))
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
    matrix = LabelMatrix(state.strings.documents(codes))
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
