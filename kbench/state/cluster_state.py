"""ClusterState: the single source of truth, a set of columnar tables sharing one string table."""

from __future__ import annotations


import numpy as np

from kbench.randomness import hash64, hash64_int
from kbench.state.schema import CORE_RESOURCES, POD_PHASES, TABLES, table_columns
from kbench.state.strings import NO_STRING, StringTable
from kbench.state.table import Table

EVENT_KEY = ("involved_kind", "involved_name", "involved_namespace", "reason", "message")
SUCCEEDED = POD_PHASES.index("Succeeded")
_UID_HIGH, _UID_LOW = 101, 102  # randomness purposes
FAILED = POD_PHASES.index("Failed")


def name_key(namespace: int, name: int, kind: int) -> int:
    """The name index's key of an object's (namespace, name, kind) string codes (-1: none).
    One int rather than a tuple: a dict of ints only is not tracked by Python's cyclic
    garbage collector, while a dict holding tuples is walked entry by entry by every
    collection after it changed (hundreds of thousands of entries, at every tick)."""
    return ((namespace + 1) << 64) | ((name + 1) << 32) | (kind + 1)


def event_key(kind: int, name: int, namespace: int, reason: int, message: int) -> int:
    """The key of event_rows: an event's (involved kind, name, namespace, reason, message)
    string codes (-1: none) as one int (see name_key)."""
    return (((kind + 1) << 128) | ((name + 1) << 96) | ((namespace + 1) << 64)
            | ((reason + 1) << 32) | (message + 1))


def _holds_resources(phase: int) -> bool:
    """A bound pod counts against its node until it has Succeeded or Failed."""
    return phase != SUCCEEDED and phase != FAILED


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
#: where the 32 hex digits of a UUID go in its 36-character text (8-4-4-4-12)
_UUID_DIGIT_SLOTS = np.array([i + (i >= 8) + (i >= 12) + (i >= 16) + (i >= 20)
                              for i in range(32)])


def uuid_texts(high: np.ndarray, low: np.ndarray) -> list[str]:
    """The canonical texts (8-4-4-4-12 lowercase hex digits) of the UUIDs whose 128 bits are
    ``high`` and ``low`` (uint64 arrays), built as one character matrix rather than
    formatted one by one."""
    words = np.empty((len(high), 2), dtype=">u8")
    words[:, 0], words[:, 1] = high, low
    octets = words.view(np.uint8).reshape(len(high), 16)
    digits = np.empty((len(high), 32), dtype=np.uint8)
    digits[:, 0::2], digits[:, 1::2] = octets >> 4, octets & 15
    characters = np.full((len(high), 36), ord("-"), dtype=np.uint8)
    characters[:, _UUID_DIGIT_SLOTS] = _HEX_DIGITS[digits]
    text = characters.tobytes().decode("ascii")
    return [text[i:i + 36] for i in range(0, len(text), 36)]


class ClusterState:
    """Tables of every kind (``state.tables["pods"]``), interned strings, resources and the clock.

    Resources are exact int64 columns: cpu in millicores, memory and storage in bytes, pods and
    extended resources (``nvidia.com/gpu``) as counts. ``resources`` lists their order; a new
    extended resource widens every resources column. Each node's ``requested`` totals are kept
    up to date as pods are bound and removed, never recomputed from scratch.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = int(seed)
        self.time = 0.0  # simulated seconds since the start of the simulation
        self.strings = StringTable()
        self.resources: list[str] = list(CORE_RESOURCES)
        self.tables: dict[str, Table] = {
            name: Table(table_columns(name), resource_count=len(self.resources))
            for name in TABLES}
        self.counters: dict[str, int] = {"uid": 0, "cluster_ip": 0, "node_port": 0}
        #: live rows by name_key(namespace, name, kind), per table, made when first used
        #: (None until then): the events table's, which only grows during a run, is never
        #: made unless something looks an event up
        self._index: dict[str, dict[int, int] | None] = {name: None for name in TABLES}
        self._event_rows: dict[int, int] | None = {}

    # -- resources -------------------------------------------------------------------------

    def resource_index(self, name: str) -> int:
        """Column of resource ``name`` in every resources array, adding it when first seen."""
        try:
            return self.resources.index(name)
        except ValueError:
            self.resources.append(name)
            for table in self.tables.values():
                table.set_resource_count(len(self.resources))
            return len(self.resources) - 1

    def resource_vector(self, amounts: dict[str, int]) -> np.ndarray:
        """A resources row from ``{"cpu": millicores, "memory": bytes, ...}``."""
        for name in amounts:
            self.resource_index(name)
        vector = np.zeros(len(self.resources), dtype=np.int64)
        for name, amount in amounts.items():
            vector[self.resources.index(name)] = amount
        return vector

    @property
    def event_rows(self) -> dict[int, int]:
        """Live events by event_key(involved kind, name, namespace, reason, message): repeats
        aggregate. Restored, it holds the events record_event made (those with a uid; the
        events recorded in bulk are never aggregated, see kbench.sim.events)."""
        rows = self._event_rows
        if rows is None:
            events = self.tables["events"]
            live = events.live_rows()
            live = live[events["uid"][live] >= 0]
            keys = map(event_key, *(events[column][live].tolist() for column in EVENT_KEY))
            rows = self._event_rows = dict(zip(keys, live.tolist()))
        return rows

    @event_rows.setter
    def event_rows(self, rows: dict[int, int]) -> None:
        self._event_rows = rows

    def _table_index(self, table: str) -> dict[int, int]:
        index = self._index[table]
        if index is None:
            index = self._index[table] = {}
            self.index_rows(table, self.tables[table].live_rows())
        return index

    # -- rows by name ----------------------------------------------------------------------

    def _key(self, namespace: str | None, name: str, kind: str | None = None) -> int:
        return name_key(self.strings.code_of(namespace) if namespace else NO_STRING,
                        self.strings.code_of(name),
                        self.strings.code_of(kind) if kind else NO_STRING)

    def find(self, table: str, name: str, namespace: str | None = None,
             kind: str | None = None) -> int:
        """Row of the live object ``namespace/name`` in ``table``, or -1.

        In the ``others`` table, which holds many kinds, ``kind`` is part of the identity.
        """
        index = self._index[table]
        if index is None:
            index = self._table_index(table)
        return index.get(self._key(namespace, name, kind), -1)

    def insert(self, table: str, values: dict[str, object]) -> int:
        """Append a row (``name``, ``namespace``, ``kind`` given as codes) and index it by name."""
        namespace, name = int(values.get("namespace", NO_STRING)), int(values["name"])
        key = name_key(namespace, name, int(values.get("kind", NO_STRING)))
        index = self._index[table]
        if index is None:
            index = self._table_index(table)
        if key in index:
            raise KeyError(f"{table}: {self.strings[namespace]}/{self.strings[name]} exists")
        row = self.tables[table].append(values)
        index[key] = row
        return row

    def append_unique(self, table: str, values: dict[str, object]) -> int:
        """insert() for a row whose name is unique by construction (an event's
        "<object>.<counter>"): appended, and indexed only if the table's index is made."""
        row = self.tables[table].append(values)
        index = self._index[table]
        if index is not None:
            index[self._row_key(table, row)] = row
        return row

    def remove(self, table: str, row: int) -> None:
        """Delete a row: unindex it and, for a bound pod, give its requests back to its node."""
        columns = self.tables[table]
        if table == "pods":
            self.unbind_pod(row)
        del self._table_index(table)[self._row_key(table, row)]
        columns.delete(row)

    def remove_many(self, table: str, rows: np.ndarray) -> None:
        """remove() for many rows at once (the node totals updated in one step)."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == 0:
            return
        columns = self.tables[table]
        if table == "pods":
            self._unbind_many(rows)
        index = self._table_index(table)
        kinds = (columns["kind"][rows].tolist() if "kind" in columns
                 else [NO_STRING] * len(rows))
        for key in map(name_key, columns["namespace"][rows].tolist(),
                       columns["name"][rows].tolist(), kinds):
            del index[key]
        columns.delete_many(rows)

    def forget_index(self, table: str) -> None:
        """Drop the name index of ``table`` (its rows were renumbered): made again when
        first used."""
        self._index[table] = None

    def reindex(self) -> None:
        """Rebuild the name indexes and derived columns from the tables (after a restore;
        the name indexes are made when first used)."""
        self._index = {name: None for name in self.tables}
        self._event_rows = None
        pods, nodes = self.tables["pods"], self.tables["nodes"]
        node_of_name = np.full(len(self.strings) + 1, -1, dtype=np.int32)  # last: no name
        live_nodes = nodes.live_rows()
        node_of_name[nodes["name"][live_nodes]] = live_nodes
        pods["node_index"][:] = node_of_name[pods["node_name"]]
        self.recompute_requested()

    def index_rows(self, table: str, rows: np.ndarray) -> None:
        """Index rows appended in bulk (Table.append_many) by name (nothing to do while the
        table's index is not made: it will index every live row, these included)."""
        index = self._index[table]
        if index is None:
            return
        columns = self.tables[table]
        kinds = (columns["kind"][rows].tolist() if "kind" in columns
                 else [NO_STRING] * len(rows))
        keys = map(name_key, columns["namespace"][rows].tolist(), columns["name"][rows].tolist(),
                   kinds)
        index.update(zip(keys, rows.tolist()))

    def _row_key(self, table: str, row: int) -> int:
        columns = self.tables[table]
        kind = int(columns["kind"][row]) if "kind" in columns else NO_STRING
        return name_key(int(columns["namespace"][row]), int(columns["name"][row]), kind)

    # -- binding and requested totals ------------------------------------------------------

    def bind_pod(self, pod: int, node: int) -> None:
        """Assign pod row ``pod`` to node row ``node`` and add its requests to the node's."""
        pods, nodes = self.tables["pods"], self.tables["nodes"]
        if pods["node_index"][pod] >= 0:
            self.unbind_pod(pod)
        pods["node_index"][pod] = node
        pods["node_name"][pod] = nodes["name"][node]
        if _holds_resources(pods["phase"][pod]):
            nodes["requested"][node] += pods["requests"][pod]

    def bind_pods(self, pods: np.ndarray, nodes: np.ndarray) -> None:
        """bind_pod for many unbound pods at once (one vectorised update of the node totals)."""
        table = self.tables["pods"]
        table["node_index"][pods] = nodes
        table["node_name"][pods] = self.tables["nodes"]["name"][nodes]
        phase = table["phase"][pods]
        holding = (phase != SUCCEEDED) & (phase != FAILED)
        np.add.at(self.tables["nodes"]["requested"], nodes[holding], table["requests"][pods[holding]])

    def unbind_pod(self, pod: int) -> None:
        """Take a pod's requests off its node's totals (the pod keeps its node name)."""
        pods, nodes = self.tables["pods"], self.tables["nodes"]
        node = pods["node_index"][pod]
        if node >= 0 and pods.alive[pod] and _holds_resources(pods["phase"][pod]):
            nodes["requested"][node] -= pods["requests"][pod]
        pods["node_index"][pod] = -1

    def _unbind_many(self, rows: np.ndarray) -> None:
        pods = self.tables["pods"]
        nodes = pods["node_index"][rows]
        phase = pods["phase"][rows]
        holding = (nodes >= 0) & pods.alive[rows] & (phase != SUCCEEDED) & (phase != FAILED)
        np.subtract.at(self.tables["nodes"]["requested"], nodes[holding],
                       pods["requests"][rows[holding]])
        pods["node_index"][rows] = -1

    def set_pods_phase(self, rows: np.ndarray, phases) -> None:
        """set_pod_phase for many pods at once."""
        pods = self.tables["pods"]
        rows = np.asarray(rows, dtype=np.int64)
        phases = np.broadcast_to(np.asarray(phases, dtype=np.int8), rows.shape)
        nodes = pods["node_index"][rows]
        old = pods["phase"][rows]
        before = (old != SUCCEEDED) & (old != FAILED)
        after = (phases != SUCCEEDED) & (phases != FAILED)
        sign = after.astype(np.int64) - before.astype(np.int64)
        changed = (nodes >= 0) & (sign != 0)
        np.add.at(self.tables["nodes"]["requested"], nodes[changed],
                  sign[changed, None] * pods["requests"][rows[changed]])
        pods["phase"][rows] = phases

    def set_pod_phase(self, pod: int, phase: int) -> None:
        """Change a pod's phase; a bound pod that ends gives its requests back to its node."""
        pods, nodes = self.tables["pods"], self.tables["nodes"]
        node = pods["node_index"][pod]
        before, after = _holds_resources(pods["phase"][pod]), _holds_resources(phase)
        if node >= 0 and before != after:
            sign = 1 if after else -1
            nodes["requested"][node] += sign * pods["requests"][pod]
        pods["phase"][pod] = phase

    def active_pod_rows(self) -> np.ndarray:
        """Pods that hold resources on a node: alive, bound, and not Succeeded or Failed."""
        pods = self.tables["pods"]
        phase = pods["phase"]
        return np.flatnonzero(pods.alive & (pods["node_index"] >= 0)
                              & (phase != SUCCEEDED) & (phase != FAILED))

    def recompute_requested(self) -> None:
        """Sum requests of active pods per node from scratch (restore and consistency checks)."""
        pods, nodes = self.tables["pods"], self.tables["nodes"]
        requested = nodes["requested"]
        requested[:] = 0
        rows = self.active_pod_rows()
        np.add.at(requested, pods["node_index"][rows], pods["requests"][rows])

    # -- identities ------------------------------------------------------------------------

    def next_uid(self) -> str:
        """A UUID that depends only on the seed and how many uids were handed out before
        (the same as next_uids(1), without numpy's per-call cost)."""
        self.counters["uid"] += 1
        counter = self.counters["uid"]
        high = (hash64_int(self.seed, _UID_HIGH, counter) & 0xFFFFFFFFFFFF0FFF) | 0x4000
        low = (hash64_int(self.seed, _UID_LOW, counter) & 0x3FFFFFFFFFFFFFFF) | (1 << 63)
        t = f"{high:016x}{low:016x}"
        return f"{t[:8]}-{t[8:12]}-{t[12:16]}-{t[16:20]}-{t[20:]}"

    def next_uids(self, count: int) -> list[str]:
        """``count`` uids at once (version-4 UUIDs whose bits hash (seed, counter))."""
        start = self.counters["uid"] + 1
        self.counters["uid"] += count
        counter = np.arange(start, start + count, dtype=np.int64)
        high = hash64(self.seed, _UID_HIGH, counter)
        low = hash64(self.seed, _UID_LOW, counter)
        high = (high & np.uint64(0xFFFFFFFFFFFF0FFF)) | np.uint64(0x4000)          # version 4
        low = (low & np.uint64(0x3FFFFFFFFFFFFFFF)) | np.uint64(0x8000000000000000)  # variant
        return uuid_texts(high, low)

    # -- size ------------------------------------------------------------------------------

    def nbytes(self) -> int:
        """Bytes held by the tables' arrays (strings not included)."""
        return sum(table.nbytes() for table in self.tables.values())

    def counts(self) -> dict[str, int]:
        return {name: table.live_count for name, table in self.tables.items()}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ClusterState):
            return NotImplemented
        from kbench.state.arrow import state_equal
        return state_equal(self, other)

    __hash__ = None  # mutable

