"""The pods bound to the nodes, kept between scheduling passes: what a pass reads of them, updated
from the pod rows that changed since the last pass instead of recomputed from every pod.

A pod is *bound* when it holds resources on one of the batch's nodes: alive, its node_index a
node of the batch, not Succeeded or Failed (ClusterState.active_pod_rows); PodTopologySpread
*counts* the bound pods not being deleted. Each pass compares the pods table's columns that
decide this (alive, node_index, phase, deletion_time, namespace, labels, body) with their copy
from the last pass and moves only the rows that differ in and out of the totals: per node the
non-zero cpu and memory requests; per (namespace, labels) pair the number of bound pods; per
pair and node the counted pods (for the pairs a pass asked about); how many bound pods have
host ports, or (anti-)affinity terms. A pass then reads totals, not 150,000 pods.

Comparing the columns costs a few vectorised operations per pod row per pass, whoever changed
them; the totals are integers, so they equal a recount exactly.
"""

from __future__ import annotations

import weakref

import numpy as np

from kbench.scheduler.plugins import nodeports
from kbench.scheduler.plugins.noderesources import nonzero_requests
from kbench.state.label_groups import pair_keys
from kbench.state.schema import POD_PHASES

SUCCEEDED, FAILED = POD_PHASES.index("Succeeded"), POD_PHASES.index("Failed")

#: the pods table's columns a pod's part in the totals depends on, and their copies' dtypes
#: (deletion_time is compared by its bits: NaN equals NaN)
WATCHED = {"node_index": np.int32, "phase": np.int8, "deletion_time": np.int64,
           "namespace": np.int32, "labels": np.int32, "body": np.int32}


class BodyTable:
    """Per pod body code (a dense table over the string codes, grown as they are): its
    non-zero cpu and memory requests, its host ports (for the bodies that have any), and
    whether its spec has podAffinity or podAntiAffinity terms. Each body is read once per
    cluster. Index -1 (no body) reads a spare entry: no requests, no ports, no terms."""

    def __init__(self) -> None:
        self.requests = np.zeros((1, 2), dtype=np.int64)
        self.known = np.zeros(1, dtype=np.bool_)
        self.has_ports = np.zeros(1, dtype=np.bool_)
        self.has_terms = np.zeros(1, dtype=np.bool_)
        self.ports: dict[int, list] = {}
        self.with_ports: list[int] = []  # bodies with host ports, in the order first read

    def read(self, strings, bodies: np.ndarray) -> None:
        """Read every body code of ``bodies`` not read yet."""
        size = len(strings) + 1  # the spare last entry stays unread
        if len(self.known) < size:
            grown = max(size, 2 * len(self.known))
            extra = grown - len(self.known)
            self.requests = np.concatenate([self.requests, np.zeros((extra, 2), np.int64)])
            self.known = np.concatenate([self.known, np.zeros(extra, np.bool_)])
            self.has_ports = np.concatenate([self.has_ports, np.zeros(extra, np.bool_)])
            self.has_terms = np.concatenate([self.has_terms, np.zeros(extra, np.bool_)])
        bodies = bodies[bodies >= 0]
        for body in np.unique(bodies[~self.known[bodies]]).tolist():
            spec = (strings.document(body) or {}).get("spec") or {}
            self.requests[body] = nonzero_requests(spec)
            ports = nodeports.host_ports(spec)
            if ports:
                self.ports[body] = ports
                self.with_ports.append(body)
                self.has_ports[body] = True
            affinity = spec.get("affinity") or {}
            self.has_terms[body] = bool(affinity.get("podAffinity")
                                        or affinity.get("podAntiAffinity"))
            self.known[body] = True


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
        self.seen = 0  # pod rows compared so far
        self.alive = np.zeros(0, dtype=np.bool_)
        self.columns = {name: np.zeros(0, dtype=dtype) for name, dtype in WATCHED.items()}
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
        size = len(pods)
        if size < self.seen:  # a new table: start over
            self.__init__(self.node_rows, len(self.position) - 1)
        seen = self.seen
        current = {name: _watched(pods, name) for name in WATCHED}
        changed = pods.alive[:seen] != self.alive[:seen]
        for name, column in current.items():
            changed |= column[:seen] != self.columns[name][:seen]
        rows = np.concatenate([np.flatnonzero(changed), np.arange(seen, size)])
        if len(rows) == 0:
            return
        old = self._parts(self.alive, self.columns, rows[rows < seen])
        self._grow(size)
        self.alive[rows] = pods.alive[rows]
        for name, column in current.items():
            self.columns[name][rows] = column[rows]
        new = self._parts(self.alive, self.columns, rows)
        self.seen = size
        body_table(state, new[3][new[0] >= 0])
        self._move(state, old, -1)
        self._move(state, new, 1)

    def _grow(self, size: int) -> None:
        if len(self.alive) >= size:
            return
        capacity = max(size, 2 * len(self.alive))
        alive = np.zeros(capacity, dtype=np.bool_)
        alive[:len(self.alive)] = self.alive
        self.alive = alive
        for name, column in self.columns.items():
            grown = np.zeros(capacity, dtype=column.dtype)
            grown[:len(column)] = column
            self.columns[name] = grown

    def _parts(self, alive, columns, rows):
        """(node position, -1 when not bound; counted; pair key; body) of each row."""
        phase = columns["phase"][rows]
        node = self.position[columns["node_index"][rows]]
        bound = alive[rows] & (node >= 0) & (phase != SUCCEEDED) & (phase != FAILED)
        node = np.where(bound, node, -1)
        counted = bound & np.isnan(columns["deletion_time"][rows].view(np.float64))
        pair = pair_keys(columns["namespace"][rows], columns["labels"][rows])
        return node, counted, pair, columns["body"][rows].astype(np.int64)

    def _move(self, state, parts, sign: int) -> None:
        """Add (sign 1) or take away (-1) the rows' parts from the totals."""
        node, counted, pair, body = parts
        bound = node >= 0
        node, counted, pair, body = node[bound], counted[bound], pair[bound], body[bound]
        if len(node) == 0:
            return
        table = body_table(state, np.zeros(0, dtype=np.int64))
        np.add.at(self.nonzero, node, sign * table.requests[body])
        self.count += sign * len(node)
        self.port_pods += sign * int(table.has_ports[body].sum())
        self.term_pods += sign * int(table.has_terms[body].sum())
        keys, sizes = np.unique(pair, return_counts=True)
        for key, number in zip(keys.tolist(), sizes.tolist()):
            total = self.pairs.get(key, 0) + sign * number
            if total:
                self.pairs[key] = total
            else:
                del self.pairs[key]
                self._pair_keys = None
            if total == sign * number:
                self._pair_keys = None
        if self.slots:
            slot = self._slot_of(pair[counted])
            where = slot >= 0
            np.add.at(self.counted, (slot[where], node[counted][where]), sign)

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
        seen = self.seen
        pair = pair_keys(self.columns["namespace"][:seen], self.columns["labels"][:seen])
        rows = np.flatnonzero(np.isin(pair, np.array(keys, dtype=np.int64)))
        node, counted, pair, _ = self._parts(self.alive, self.columns, rows)
        keep = counted
        slot = np.array([self.slots[key] for key in pair[keep].tolist()], dtype=np.int64)
        np.add.at(self.counted, (slot, node[keep]), 1)


def _watched(pods, name: str) -> np.ndarray:
    column = pods[name]
    return column.view(np.int64) if name == "deletion_time" else column


#: per cluster (its string table)
_BOUND_PODS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


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
