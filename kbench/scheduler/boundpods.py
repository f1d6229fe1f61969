"""The pods bound to the nodes, kept between scheduling passes: what a pass reads of them, updated
from the pod rows that changed since the last pass instead of recomputed from every pod.

A pod is *bound* when it holds resources on one of the batch's nodes: alive, its node_index a
node of the batch, not Succeeded or Failed (ClusterState.active_pod_rows); PodTopologySpread
*counts* the bound pods not being deleted. Each pass finds the rows whose columns that decide
this (alive, node_index, phase, deletion_time, namespace, labels, body) changed since the last
pass (kbench.state.changes) and moves only those in and out of the totals: per node the
non-zero cpu and memory requests; per (namespace, labels) pair the number of bound pods; per
pair and node the counted pods (for the pairs a pass asked about); how many bound pods have
host ports, or (anti-)affinity terms. A pass then reads totals, not 150,000 pods. The totals
are integers, so they equal a recount exactly.
"""

from __future__ import annotations

import weakref

import numpy as np

from kbench.state.changes import ColumnCopies
from kbench.state.compaction import holds_pod_rows
from kbench.scheduler.plugins import nodeports
from kbench.scheduler.plugins.noderesources import nonzero_requests
from kbench.state.label_groups import key_pairs, pair_keys
from kbench.state.schema import POD_PHASES

SUCCEEDED, FAILED = POD_PHASES.index("Succeeded"), POD_PHASES.index("Failed")

#: the pods table's columns a pod's part in the totals depends on (besides alive)
WATCHED = ("node_index", "phase", "deletion_time", "namespace", "labels", "body")


class BodyTable:
    """Per pod body code: its non-zero cpu and memory requests, its host ports (for the bodies
    that have any), and whether its spec has podAffinity or podAntiAffinity terms. Each body
    is read once per cluster; the codes read are kept sorted, so many bodies are looked up at
    once. Code -1 (no body) has no requests, no ports, no terms."""

    def __init__(self) -> None:
        self.codes = np.array([-1], dtype=np.int64)  # sorted
        self.requests = np.zeros((1, 2), dtype=np.int64)
        self.has_ports = np.zeros(1, dtype=np.bool_)
        self.has_terms = np.zeros(1, dtype=np.bool_)
        self.ports: dict[int, list] = {}
        self.with_ports: list[int] = []  # bodies with host ports, in the order first read

    def read(self, strings, bodies: np.ndarray) -> None:
        """Read every body code of ``bodies`` not read yet."""
        place = np.minimum(np.searchsorted(self.codes, bodies), len(self.codes) - 1)
        if (self.codes[place] == bodies).all():
            return
        fresh = np.setdiff1d(bodies, self.codes)
        if len(fresh) == 0:
            return
        requests = np.zeros((len(fresh), 2), dtype=np.int64)
        has_ports = np.zeros(len(fresh), dtype=np.bool_)
        has_terms = np.zeros(len(fresh), dtype=np.bool_)
        for i, body in enumerate(fresh.tolist()):
            spec = (strings.document(body) or {}).get("spec") or {}
            requests[i] = nonzero_requests(spec)
            ports = nodeports.host_ports(spec)
            if ports:
                self.ports[body] = ports
                self.with_ports.append(body)
                has_ports[i] = True
            affinity = spec.get("affinity") or {}
            has_terms[i] = bool(affinity.get("podAffinity") or affinity.get("podAntiAffinity"))
        codes = np.concatenate([self.codes, fresh])
        order = np.argsort(codes, kind="stable")
        self.codes = codes[order]
        self.requests = np.concatenate([self.requests, requests])[order]
        self.has_ports = np.concatenate([self.has_ports, has_ports])[order]
        self.has_terms = np.concatenate([self.has_terms, has_terms])[order]

    def index(self, bodies: np.ndarray) -> np.ndarray:
        """The place of each (read) body code in the table's arrays."""
        return np.searchsorted(self.codes, bodies)


#: per cluster (its string table)
_BODY_TABLES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def body_table(state, bodies: np.ndarray) -> BodyTable:
    """The cluster's body table, with every code of ``bodies`` read."""
    table = _BODY_TABLES.get(state.strings)
    if table is None:
        table = _BODY_TABLES[state.strings] = BodyTable()
    table.read(state.strings, bodies)
    return table


class BoundPods:
    """The totals over the bound pods of one cluster on one list of nodes (``node_rows``, in
    the batch's order: totals per node are by position in it)."""

    def __init__(self, node_rows: np.ndarray, node_table_rows: int) -> None:
        self.node_rows = node_rows.copy()
        # node row -> position (-1: not a batch node; the last entry serves node_index -1)
        self.position = np.full(node_table_rows + 1, -1, dtype=np.int64)
        self.position[node_rows] = np.arange(len(node_rows))
        self.copies = ColumnCopies(WATCHED)  # the pods' columns at the last update
        self.bodies = BodyTable()  # the cluster's, set by update
        node_count = len(node_rows)
        self.nonzero = np.zeros((node_count, 2), dtype=np.int64)  # non-zero requests per node
        self.count = 0       # bound pods
        self.port_pods = 0   # bound pods whose body has host ports
        self.term_pods = 0   # bound pods whose body has (anti-)affinity terms
        self.pairs: dict[int, int] = {}  # pair key -> its bound pods (> 0)
        self._pair_keys: np.ndarray | None = None  # sorted keys of pairs, until they change
        self.slots: dict[int, int] = {}  # pair key -> its row of counted
        self._slot_keys: tuple[np.ndarray, np.ndarray] | None = None  # slots, sorted
        self.counted = np.zeros((0, node_count), dtype=np.int32)  # counted pods per node

    def same_nodes(self, node_rows: np.ndarray, node_table_rows: int) -> bool:
        return (len(self.position) == node_table_rows + 1
                and np.array_equal(self.node_rows, node_rows))

    # -- update ------------------------------------------------------------------------------

    def update(self, state) -> None:
        """Bring the totals to the pods table as it is now."""
        pods = state.tables["pods"]
        if len(pods) < self.copies.seen:  # a new table: start over
            self.__init__(self.node_rows, len(self.position) - 1)
        rows, seen, before = self.copies.take(pods)
        if len(rows) == 0:
            return
        old = self._parts(before)
        if rows[-1] - rows[0] + 1 == len(rows):  # one run of rows (new ones, mostly): views
            run = slice(int(rows[0]), int(rows[-1]) + 1)
            new = self._parts({name: copy[run] for name, copy in self.copies.copies.items()})
        else:
            new = self._parts({name: copy[rows] for name, copy in self.copies.copies.items()})
        self.bodies = body_table(state, new[3])
        # the old parts out, the new ones in, in one step
        self._move(*(np.concatenate([out, into]) for out, into in zip(old, new)),
                   np.repeat(np.array([-1, 1], dtype=np.int64), [len(old[0]), len(new[0])]))

    def _parts(self, values: dict[str, np.ndarray]):
        """(node position, counted, pair key, body) of the bound ones among rows with these
        column values (the others have no part in the totals)."""
        phase = values["phase"]
        node = self.position[values["node_index"]]
        bound = np.flatnonzero(values["alive"] & (node >= 0) & (phase != SUCCEEDED)
                               & (phase != FAILED))
        counted = np.isnan(values["deletion_time"][bound])
        pair = pair_keys(values["namespace"][bound], values["labels"][bound])
        return node[bound], counted, pair, values["body"][bound].astype(np.int64)

    def _move(self, node, counted, pair, body, sign) -> None:
        """Add the bound rows' parts to the totals with their sign (1: in, -1: out)."""
        if len(node) == 0:
            return
        place = self.bodies.index(body)
        np.add.at(self.nonzero, node, sign[:, None] * self.bodies.requests[place])
        self.count += int(sign.sum())
        self.port_pods += int(sign[self.bodies.has_ports[place]].sum())
        self.term_pods += int(sign[self.bodies.has_terms[place]].sum())
        keys, inverse = np.unique(pair, return_inverse=True)
        for key, number in zip(keys.tolist(), np.bincount(inverse.reshape(-1), weights=sign,
                                                          minlength=len(keys)).tolist()):
            if number == 0:
                continue
            total = self.pairs.get(key, 0) + int(number)
            if total:
                self.pairs[key] = total
            else:
                del self.pairs[key]
            if total == 0 or total == number:  # a pair comes or goes
                self._pair_keys = None
        if self.slots and counted.any():
            slot = self._slot_of(pair[counted])
            where = slot >= 0
            np.add.at(self.counted, (slot[where], node[counted][where]), sign[counted][where])

    def _slot_of(self, keys: np.ndarray) -> np.ndarray:
        """Each pair key's row of counted, -1 for a pair not asked about."""
        if self._slot_keys is None:
            known = np.fromiter(self.slots, dtype=np.int64, count=len(self.slots))
            order = np.argsort(known)
            self._slot_keys = (known[order], np.fromiter(
                self.slots.values(), dtype=np.int64, count=len(self.slots))[order])
        known, slots = self._slot_keys
        place = np.minimum(np.searchsorted(known, keys), len(known) - 1)
        return np.where(known[place] == keys, slots[place], -1)

    # -- reading -------------------------------------------------------------------------------

    def pair_keys(self) -> np.ndarray:
        """The sorted pair keys of the bound pods' (namespace, labels)."""
        if self._pair_keys is None:
            self._pair_keys = np.sort(np.fromiter(self.pairs, dtype=np.int64,
                                                  count=len(self.pairs)))
        return self._pair_keys

    def counted_per_node(self, state, keys: np.ndarray) -> np.ndarray:
        """int64 [nodes]: the counted pods of the pairs ``keys`` on each node."""
        total = np.zeros(len(self.node_rows), dtype=np.int64)
        keys = [key for key in keys.tolist() if key in self.pairs]
        self._materialize(state, [key for key in keys if key not in self.slots])
        for key in keys:
            total += self.counted[self.slots[key]]
        return total

    def _materialize(self, state, keys: list[int]) -> None:
        """Rows of counted for pairs asked about for the first time, from the copies of the
        columns (equal to the table's after update)."""
        if not keys:
            return
        for key in keys:
            self.slots[key] = len(self.slots)
        self._slot_keys = None
        if len(self.slots) > len(self.counted):
            grown = np.zeros((max(len(self.slots), 2 * len(self.counted)), len(self.node_rows)),
                             dtype=np.int32)
            grown[:len(self.counted)] = self.counted
            self.counted = grown
        copies = self.copies.copies
        wanted = np.array(keys, dtype=np.int64)
        # the rows with the pairs' label sets, then those with the pairs
        rows = np.flatnonzero(_among(copies["labels"][:self.copies.seen],
                                     np.unique(key_pairs(wanted)[:, 1]).tolist()))
        node, counted, pair, _ = self._parts({name: copy[rows] for name, copy in copies.items()})
        keep = counted & np.isin(pair, wanted)
        np.add.at(self.counted, (self._slot_of(pair[keep]), node[keep]), 1)


def _among(values: np.ndarray, codes: list[int]) -> np.ndarray:
    """np.isin(values, codes); for a few codes, one comparison per code (isin sorts, or
    makes a table as wide as the codes' range)."""
    if len(codes) > 8:
        return np.isin(values, codes)
    found = values == codes[0]
    for code in codes[1:]:
        found |= values == code
    return found


#: per cluster (its string table; by pod row: dropped when rows are renumbered,
#: kbench.state.compaction)
_BOUND_PODS: "weakref.WeakKeyDictionary" = holds_pod_rows(weakref.WeakKeyDictionary())


def bound_pods_of(batch) -> BoundPods:
    """The cluster's totals on the batch's nodes, up to date (updated once per batch)."""
    cached = getattr(batch, "_bound_totals", None)
    if cached is not None:
        return cached
    state = batch.state
    node_table_rows = len(state.tables["nodes"])
    index = _BOUND_PODS.get(state.strings)
    if index is None or not index.same_nodes(batch.node_rows, node_table_rows):
        index = _BOUND_PODS[state.strings] = BoundPods(batch.node_rows, node_table_rows)
    index.update(state)
    batch._bound_totals = index
    return index
