"""Pods by (namespace, labels) pair, kept across passes: what label selectors over pods see.

The scheduler's PodTopologySpread / InterPodAffinity and the HPA controller group the pods of a
cluster by namespace and label set many times a simulated minute, while only a few pods come
and go in between. LabelGroups keeps each pod row's pair and its place among the sorted
distinct pairs seen so far, updated only for the rows whose pair changed (new pods, relabelled
ones), so grouping costs a few array lookups instead of a sort of every pod.
"""

from __future__ import annotations

import weakref

import numpy as np

from kbench.state.compaction import holds_pod_rows


def pair_keys(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """One int64 per row of two columns of codes >= -1 (below 2**31), ordered as the pairs."""
    return ((first.astype(np.int64) + 1) << 32) | (second.astype(np.int64) + 1)


def key_pairs(keys: np.ndarray) -> np.ndarray:
    """The [n, 2] pairs of pair_keys."""
    return np.stack([(keys >> 32) - 1, (keys & 0xFFFFFFFF) - 1], axis=1)


class LabelGroups:
    """Each row's (first, second) pair and its key's index among the sorted distinct keys
    seen."""

    def __init__(self) -> None:
        self.first = np.zeros(0, dtype=np.int32)      # [rows seen]: the columns when last seen
        self.second = np.zeros(0, dtype=np.int32)
        self.known = np.zeros(0, dtype=np.int64)      # sorted distinct pair keys seen
        self.row_index = np.zeros(0, dtype=np.int64)  # [rows seen]: its key's place in known

    def update(self, first: np.ndarray, second: np.ndarray) -> None:
        """Take the columns as they are now (rows only ever appended; a shorter table is a
        new one)."""
        if len(self.first) > len(first):
            self.__init__()
        seen = len(self.first)
        changed = np.concatenate([
            np.flatnonzero((self.first != first[:seen]) | (self.second != second[:seen])),
            np.arange(seen, len(first))])
        if len(changed) == 0:
            return
        key = pair_keys(first[changed], second[changed])
        fresh = np.setdiff1d(key, self.known)
        if len(fresh):
            merged = np.union1d(self.known, fresh)
            self.row_index = np.searchsorted(merged, self.known)[self.row_index]
            self.known = merged
        row_index = np.zeros(len(first), dtype=np.int64)
        row_index[:seen] = self.row_index
        row_index[changed] = np.searchsorted(self.known, key)
        self.row_index = row_index
        self.first, self.second = first.astype(np.int32), second.astype(np.int32)

    def unique_pairs(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """np.unique of the rows' pairs with return_inverse: the distinct pairs in order
        ([groups, 2]) and each row's group."""
        index = self.row_index[rows]
        present = np.zeros(len(self.known), dtype=np.bool_)
        present[index] = True
        rank = np.cumsum(present) - 1
        return key_pairs(self.known[present]), rank[index]

    def sorted_groups(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``order`` (a stable sort of ``rows``' positions by pair: groups in pair order, each
        group's rows in the order given) and ``bounds`` (group g is order[bounds[g]:
        bounds[g + 1]])."""
        index = self.row_index[rows]
        # a stable sort of small integers is a radix sort: linear, not n log n
        small = index.astype(np.uint16) if len(self.known) <= 1 << 16 else index
        order = np.argsort(small, kind="stable")
        ordered = index[order]
        firsts = (np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
                  if len(order) else np.zeros(0, np.int64))
        return order, np.append(firsts, len(order))


#: per cluster (its string table): the pods' groups (by pod row: dropped when rows are
#: renumbered, kbench.state.compaction)
_POD_GROUPS: "weakref.WeakKeyDictionary" = holds_pod_rows(weakref.WeakKeyDictionary())


def pod_label_groups(state) -> LabelGroups:
    """The pods' (namespace, labels) groups of ``state``, brought up to date."""
    pods = state.tables["pods"]
    groups = _POD_GROUPS.get(state.strings)
    if groups is None:
        groups = _POD_GROUPS[state.strings] = LabelGroups()
    groups.update(pods["namespace"], pods["labels"])
    return groups
