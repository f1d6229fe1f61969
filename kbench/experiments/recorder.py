"""What a run records (the tables of kbench.results): every pod's lifecycle, the tidy time
series and the events, gathered without looping over pods or nodes in Python.

The recorder keeps its own strings (Vocabulary) so recording never interns into the
cluster's string table, whose codes the simulation's seeded randomness reads: a run records
exactly what it would do unrecorded.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from kbench import results
from kbench.state.schema import POD_PHASES

PENDING = POD_PHASES.index("Pending")
#: Node series (per-node allocation) are kept for at most this many nodes, the first created
MAX_NODE_SERIES = 500

#: what is recorded of each workload kind: table -> {metric: column}
RECORDED = {
    "deployments": {"spec_replicas": "replicas", "replicas": "status_replicas",
                    "updated_replicas": "updated_replicas", "ready_replicas": "ready_replicas",
                    "available_replicas": "available_replicas"},
    "replicasets": {"spec_replicas": "replicas", "replicas": "status_replicas",
                    "ready_replicas": "ready_replicas", "available_replicas": "available_replicas"},
    "statefulsets": {"spec_replicas": "replicas", "ready_replicas": "ready_replicas"},
    "jobs": {"active": "active", "succeeded": "succeeded", "failed": "failed"},
}
KIND_OF = {"deployments": "Deployment", "replicasets": "ReplicaSet",
           "statefulsets": "StatefulSet", "jobs": "Job"}


class Vocabulary:
    """Dense codes for the strings of recorded rows; the cluster's string codes are mapped
    once per distinct code."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {"": 0}
        self.strings: list[str] = [""]
        self._from_state = np.full(0, -1, dtype=np.int32)

    def code(self, text: str) -> int:
        code = self.codes.get(text)
        if code is None:
            code = self.codes[text] = len(self.strings)
            self.strings.append(text)
        return code

    def many(self, texts) -> np.ndarray:
        return np.fromiter((self.code(t) for t in texts), dtype=np.int32)

    def from_state(self, state_codes: np.ndarray, strings) -> np.ndarray:
        """Codes of the cluster's string codes (-1, no string: "")."""
        state_codes = np.asarray(state_codes, dtype=np.int64)
        if len(self._from_state) < max(len(strings), 1):
            grown = np.full(max(len(strings), 1), -1, dtype=np.int32)
            grown[:len(self._from_state)] = self._from_state
            self._from_state = grown
        absent = state_codes < 0
        slots = np.where(absent, 0, state_codes)
        missing = np.unique(slots[(self._from_state[slots] < 0) & ~absent])
        if len(missing):
            texts = [strings[int(c)] if c < len(strings) else "" for c in missing.tolist()]
            self._from_state[missing] = self.many(t if t is not None else "" for t in texts)
        return np.where(absent, 0, self._from_state[slots]).astype(np.int32)

    def dictionary_array(self, codes: np.ndarray) -> pa.DictionaryArray:
        """The strings of ``codes`` as an Arrow dictionary array holding only those used."""
        used, inverse = np.unique(np.asarray(codes, dtype=np.int64), return_inverse=True)
        return pa.DictionaryArray.from_arrays(
            pa.array(inverse.astype(np.int32)),
            pa.array([self.strings[c] for c in used.tolist()], type=pa.string()))


# -- pods ------------------------------------------------------------------------------------

_POD_TIMES = ("created", "scheduled", "started", "ready", "finished", "deleted")
_POD_INTS = ("attempts", "restarts", "priority", "phase")
_POD_STRINGS = ("uid", "namespace", "name", "owner_kind", "owner_name", "node")
_POD_REQUESTS = ("requests_cpu_milli", "requests_memory_bytes", "requests_gpu",
                 "requests_gpu_milli")


class PodLog:
    """One entry per pod that ever existed, in order of creation, kept up to date from the
    pods table: new rows and rows that went away at every tick (an engine hook), the rest
    at every capture (record time). Pods' first start and first readiness are caught at the
    tick they happen, however many restarts follow."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.size = 0
        self.columns: dict[str, np.ndarray] = {}
        for name in _POD_TIMES:
            self.columns[name] = np.zeros(0)
        for name in (*_POD_INTS, *_POD_STRINGS):
            self.columns[name] = np.zeros(0, dtype=np.int32)
        for name in _POD_REQUESTS:
            self.columns[name] = np.zeros(0, dtype=np.int64)
        self.row = np.zeros(0, dtype=np.int64)          # the pod's row, -1 once it is gone
        self.rows_seen = 0                               # pods table rows looked at
        self._waiting = np.zeros(0, dtype=np.int64)      # entries not yet started or ready
        self._present = np.zeros(0, dtype=np.int64)      # entries whose pod is still there
        self._owners: dict[int, tuple[int, int]] = {}

    # -- growth ----------------------------------------------------------------------------

    def _reserve(self, size: int) -> None:
        capacity = len(self.row)
        if size <= capacity:
            return
        capacity = max(size, 2 * capacity, 64)
        for name, array in self.columns.items():
            grown = np.full(capacity, np.nan) if name in _POD_TIMES else np.zeros(
                capacity, dtype=array.dtype)
            grown[:self.size] = array[:self.size]
            self.columns[name] = grown
        row = np.full(capacity, -1, dtype=np.int64)
        row[:self.size] = self.row[:self.size]
        self.row = row

    def _owner_codes(self, state, reference_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(kind, name) vocabulary codes of the controlling ownerReference, per distinct code."""
        distinct, inverse = np.unique(reference_codes, return_inverse=True)
        kinds = np.zeros(len(distinct), dtype=np.int32)
        names = np.zeros(len(distinct), dtype=np.int32)
        for i, code in enumerate(distinct.tolist()):
            found = self._owners.get(code)
            if found is None:
                refs = state.strings.document(code) if code >= 0 else None
                ref = next((r for r in refs or [] if isinstance(r, dict) and r.get("controller")),
                           None)
                found = ((self.vocabulary.code(str(ref.get("kind", ""))),
                          self.vocabulary.code(str(ref.get("name", ""))))
                         if ref else (0, 0))
                self._owners[code] = found
            kinds[i], names[i] = found
        return kinds[inverse], names[inverse]

    # -- capture ---------------------------------------------------------------------------

    def tick(self, state) -> None:
        """At the end of a tick: add new pods, note pods gone, first starts and readiness."""
        pods = state.tables["pods"]
        if len(pods) > self.rows_seen:
            self._add(state, np.arange(self.rows_seen, len(pods)))
        entries = self._present
        alive = pods.alive[self.row[entries]]
        if not alive.all():
            gone = entries[~alive]
            self._capture(state, gone)
            rows = self.row[gone]
            deletion = pods["deletion_time"][rows]
            self.columns["deleted"][gone] = np.where(np.isnan(deletion), state.time, deletion)
            self.row[gone] = -1
            self._present = entries[alive]
        waiting = self._waiting
        if len(waiting):
            rows = self.row[waiting]
            here = rows >= 0
            waiting, rows = waiting[here], rows[here]
            for name, column in (("started", "container_start_time"), ("ready", "ready_time")):
                first = np.isnan(self.columns[name][waiting])
                self.columns[name][waiting[first]] = pods[column][rows[first]]
            self._waiting = waiting[np.isnan(self.columns["started"][waiting])
                                    | np.isnan(self.columns["ready"][waiting])]

    def renumber_pods(self, new_of_old: np.ndarray) -> None:
        """The pods table's rows were compacted (kbench.state.compaction), right after this
        log's tick: every entry still present has a live row."""
        present = self.row[:self.size] >= 0
        self.row[:self.size][present] = new_of_old[self.row[:self.size][present]]
        self.rows_seen = int((new_of_old[:self.rows_seen] >= 0).sum())

    def _add(self, state, rows: np.ndarray) -> None:
        pods = state.tables["pods"]
        start, stop = self.size, self.size + len(rows)
        self._reserve(stop)
        entries = np.arange(start, stop)
        self.size = stop
        self.rows_seen = int(rows[-1]) + 1
        self.row[entries] = rows
        columns, vocabulary = self.columns, self.vocabulary
        for name in ("uid", "namespace", "name"):
            columns[name][entries] = vocabulary.from_state(pods[name][rows], state.strings)
        kinds, names = self._owner_codes(state, pods["owner_references"][rows].astype(np.int64))
        columns["owner_kind"][entries], columns["owner_name"][entries] = kinds, names
        columns["created"][entries] = pods["creation_time"][rows]
        columns["priority"][entries] = pods["priority"][rows]
        requests = pods["requests"][rows]
        columns["requests_cpu_milli"][entries] = requests[:, state.resources.index("cpu")]
        columns["requests_memory_bytes"][entries] = requests[:, state.resources.index("memory")]
        for column, resource in (("requests_gpu", results.GPU_RESOURCE),
                                 ("requests_gpu_milli", results.GPU_MILLI_RESOURCE)):
            if resource in state.resources:
                columns[column][entries] = requests[:, state.resources.index(resource)]
        self._waiting = np.concatenate([self._waiting, entries])
        self._capture(state, entries)
        alive = pods.alive[rows]
        gone = entries[~alive]   # created and removed within one tick
        if len(gone):
            deletion = pods["deletion_time"][self.row[gone]]
            columns["deleted"][gone] = np.where(np.isnan(deletion), state.time, deletion)
            self.row[gone] = -1
        self._present = np.concatenate([self._present, entries[alive]])

    def capture(self, state) -> None:
        """Bring every live pod's entry up to date (at a record time)."""
        self.tick(state)
        self._capture(state, self._present)

    def _capture(self, state, entries: np.ndarray) -> None:
        pods = state.tables["pods"]
        rows = self.row[entries]
        columns = self.columns
        columns["node"][entries] = self.vocabulary.from_state(pods["node_name"][rows],
                                                              state.strings)
        for name, column in (("scheduled", "scheduled_time"), ("finished", "finish_time"),
                             ("deleted", "deletion_time")):
            columns[name][entries] = pods[column][rows]
        for name, column in (("started", "container_start_time"), ("ready", "ready_time")):
            first = np.isnan(columns[name][entries])
            columns[name][entries[first]] = pods[column][rows[first]]
        columns["attempts"][entries] = pods["scheduling_attempts"][rows]
        columns["restarts"][entries] = pods["restarts"][rows]
        columns["phase"][entries] = pods["phase"][rows]

    # -- tables ----------------------------------------------------------------------------

    def scheduled_count(self) -> int:
        return int(np.count_nonzero(~np.isnan(self.columns["scheduled"][:self.size])))

    def to_arrow(self, with_rows: bool = False) -> pa.Table:
        """pods.parquet's table (results.POD_COLUMNS); ``with_rows`` adds each pod's row in the
        pods table (-1: gone), which the recorder keeps in snapshots to go on from them."""
        n = self.size
        columns = {name: array[:n] for name, array in self.columns.items()}
        arrays = {}
        for field in results.POD_COLUMNS:
            name = field.name
            if name in _POD_STRINGS:
                arrays[name] = self.vocabulary.dictionary_array(columns[name])
            elif name == "phase":
                arrays[name] = pa.DictionaryArray.from_arrays(
                    pa.array(columns["phase"].astype(np.int32)),
                    pa.array(list(POD_PHASES), type=pa.string()))
            elif name == "startup_latency_seconds":
                latency = columns["started"] - columns["created"]
                arrays[name] = pa.array(latency, pa.float64(), mask=np.isnan(latency))
            elif name in _POD_TIMES:
                arrays[name] = pa.array(columns[name], pa.float64(),
                                        mask=np.isnan(columns[name]))
            else:
                arrays[name] = pa.array(columns[name].astype(field.type.to_pandas_dtype()),
                                        field.type)
        table = pa.table(arrays)
        if with_rows:
            table = table.append_column("row", pa.array(self.row[:n], pa.int64()))
        return table

    @classmethod
    def from_arrow(cls, table: pa.Table, vocabulary: Vocabulary, pods_count: int) -> "PodLog":
        """The log saved by to_arrow(with_rows=True) beside a snapshot whose pods table has
        ``pods_count`` rows (rows are kept by snapshots, so they still match)."""
        log = cls(vocabulary)
        n = table.num_rows
        log._reserve(n)
        log.size = n
        for name in _POD_STRINGS:
            log.columns[name][:n] = _dictionary_codes(table.column(name), vocabulary.many)
        for name in _POD_TIMES:
            log.columns[name][:n] = table.column(name).to_numpy(zero_copy_only=False)
        for name in ("attempts", "restarts", "priority", *_POD_REQUESTS):
            log.columns[name][:n] = table.column(name).to_numpy(zero_copy_only=False)
        log.columns["phase"][:n] = _dictionary_codes(
            table.column("phase"), lambda names: np.array([POD_PHASES.index(p) for p in names]))
        log.row[:n] = table.column("row").to_numpy(zero_copy_only=False)
        log.rows_seen = pods_count
        present = np.flatnonzero(log.row[:n] >= 0)
        log._present = present
        log._waiting = present[np.isnan(log.columns["started"][present])
                               | np.isnan(log.columns["ready"][present])]
        return log


def _dictionary_codes(column: pa.ChunkedArray, codes_of) -> np.ndarray:
    """``codes_of(strings)`` for a dictionary column, called once per distinct string."""
    array = column.combine_chunks()
    if not pa.types.is_dictionary(array.type):
        array = array.dictionary_encode()
    lookup = np.asarray(codes_of([v or "" for v in array.dictionary.to_pylist()]),
                        dtype=np.int64)
    indices = array.indices.fill_null(0).to_numpy(zero_copy_only=False)
    return lookup[indices] if len(lookup) else np.zeros(len(array), dtype=np.int64)


# -- events ----------------------------------------------------------------------------------

def events_table(state) -> pa.Table:
    """events.parquet's table (results.EVENT_COLUMNS): every Event object, oldest first."""
    from kbench.state.arrow import table_to_arrow
    events = state.tables["events"]
    rows = events.live_rows()
    rows = rows[np.argsort(events["first_time"][rows], kind="stable")]
    arrow = table_to_arrow(events, state.strings.arrow(), state.resources, rows)
    columns = {}
    for field in results.EVENT_COLUMNS:
        column = arrow.column(field.name).combine_chunks()
        if pa.types.is_dictionary(field.type):
            column = column.cast(pa.string()).fill_null("").dictionary_encode()
        columns[field.name] = column.cast(field.type)
    return pa.table(columns, schema=results.EVENT_COLUMNS)


# -- the time series -------------------------------------------------------------------------

class SeriesRecorder:
    """The rows of timeseries.parquet, sample by sample (results.METRICS says what each is)."""

    def __init__(self, vocabulary: Vocabulary, pod_usage: bool = False) -> None:
        self.vocabulary = vocabulary
        self.pod_usage = pod_usage   # record each running pod's use (kind "Pod")
        self.blocks: list[tuple] = []
        self._pools: dict[int, int] = {}      # node labels code -> pool vocabulary code
        self._hpa_targets: dict[int, float] = {}
        self._hpa_currents: dict[int, float] = {}
        self._service_key = None
        self._service_match = (np.zeros(0, np.int64), np.zeros(0, np.int64))

    def add(self, time: float, kind: str, namespaces, names, metric: str, values) -> None:
        """One block of rows: one metric of many objects (namespaces and names as
        vocabulary codes, or one code for all)."""
        values = np.asarray(values, dtype=np.float64)
        count = len(values)
        if count == 0:
            return
        v = self.vocabulary
        self.blocks.append((np.full(count, time), np.full(count, v.code(kind), np.int32),
                            np.broadcast_to(np.asarray(namespaces, np.int32), (count,)),
                            np.broadcast_to(np.asarray(names, np.int32), (count,)),
                            np.full(count, v.code(metric), np.int32), values))

    def take(self) -> pa.Table | None:
        """The rows recorded since the last take, as an Arrow table (None: none)."""
        if not self.blocks:
            return None
        parts = list(zip(*self.blocks))
        self.blocks = []
        time, kind, namespace, name, metric, value = (np.concatenate(p) for p in parts)
        v = self.vocabulary
        return pa.table({"time": pa.array(time, pa.float64()),
                         "kind": v.dictionary_array(kind),
                         "namespace": v.dictionary_array(namespace),
                         "name": v.dictionary_array(name),
                         "metric": v.dictionary_array(metric),
                         "value": pa.array(value, pa.float64())},
                        schema=results.TIMESERIES_COLUMNS)

    # -- one sample ------------------------------------------------------------------------

    def record(self, cluster, log: PodLog) -> dict[str, float]:
        """Record every metric at the cluster's time; returns the cluster-wide values the
        summary aggregates (pods_pending, cpu and memory requested fractions)."""
        state = cluster.state
        t = state.time
        pods = state.tables["pods"]
        alive = pods.alive
        phases = np.bincount(pods["phase"][alive], minlength=len(POD_PHASES)).astype(float)
        for phase, count in zip(POD_PHASES, phases):
            self.add(t, "Cluster", 0, 0, f"pods_{phase.lower()}", [count])
        unschedulable = np.count_nonzero(alive & (pods["phase"] == PENDING)
                                         & (pods["node_index"] < 0)
                                         & (pods["scheduling_attempts"] > 0))
        self.add(t, "Cluster", 0, 0, "pods_unschedulable", [unschedulable])
        self.add(t, "Cluster", 0, 0, "pods_created_total", [log.size])
        self.add(t, "Cluster", 0, 0, "pods_scheduled_total", [log.scheduled_count()])
        if results.GPU_MILLI_RESOURCE in state.resources:
            nodes = state.tables["nodes"]
            capacity = nodes["allocatable"][nodes.live_rows(), state.resources.index(
                results.GPU_MILLI_RESOURCE)].sum()
            if capacity > 0:
                arrived = log.columns["requests_gpu_milli"][:log.size].sum()
                self.add(t, "Cluster", 0, 0, "gpu_milli_arrived_fraction",
                         [arrived / capacity])
        cluster_wide = self._pools_and_nodes(cluster)
        cluster_wide["pods_pending"] = float(phases[PENDING])
        self._workloads(state)
        self._autoscalers(state)
        self._loads(cluster)
        if self.pod_usage:
            self._pods_usage(cluster)
        return cluster_wide

    def _pods_usage(self, cluster) -> None:
        """Every pod metrics-server has a sample of: CPU (cores) and working set (bytes)."""
        state = cluster.state
        pods = state.tables["pods"]
        metrics = cluster.engine.metrics.pod_metrics(len(pods))
        rows = np.flatnonzero(pods.alive & ~np.isnan(metrics.cpu_usage[:len(pods)]))
        if len(rows) == 0:
            return
        namespaces, names = self._names(state, pods, rows)
        self.add(state.time, "Pod", namespaces, names, "cpu_usage_cores",
                 metrics.cpu_usage[rows] / 1000.0)
        self.add(state.time, "Pod", namespaces, names, "memory_working_set_bytes",
                 metrics.memory_usage[rows])

    def _pool_codes(self, state, rows: np.ndarray) -> np.ndarray:
        """The pool (vocabulary code; 0: none) of each node row, per distinct labels code."""
        labels = state.tables["nodes"]["labels"][rows].astype(np.int64)
        distinct, inverse = np.unique(labels, return_inverse=True)
        codes = np.zeros(len(distinct), dtype=np.int32)
        for i, code in enumerate(distinct.tolist()):
            if code not in self._pools:
                found = state.strings.document(code) if code >= 0 else None
                pool = next((found[key] for key in results.POOL_LABELS
                             if isinstance(found, dict) and found.get(key)), "")
                self._pools[code] = self.vocabulary.code(str(pool))
            codes[i] = self._pools[code]
        return codes[inverse]

    def _pools_and_nodes(self, cluster) -> dict[str, float]:
        state = cluster.state
        t = state.time
        nodes = state.tables["nodes"]
        rows = nodes.live_rows()
        resources = state.resources
        cpu, memory = resources.index("cpu"), resources.index("memory")
        gpu = resources.index(results.GPU_RESOURCE) if results.GPU_RESOURCE in resources else -1
        allocatable = nodes["allocatable"][rows].astype(np.float64)
        requested = nodes["requested"][rows].astype(np.float64)
        pools = self._pool_codes(state, rows)
        names = np.unique(pools[pools > 0])
        # group 0: every node; then one group per pool
        group_of = np.searchsorted(names, pools) + 1
        group_of[pools == 0] = 0
        groups = len(names) + 1
        group_names = np.concatenate([[0], names]).astype(np.int32)

        def total(values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
            weights = values if mask is None else np.where(mask, values, 0.0)
            sums = np.bincount(group_of, weights=weights, minlength=groups)
            sums[0] = weights.sum()
            return sums

        def fraction(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
            out = np.zeros(len(numerator))
            np.divide(numerator, denominator, out=out, where=denominator > 0)
            return out

        ones = np.ones(len(rows))
        self.add(t, "NodePool", 0, group_names, "nodes", total(ones))
        self.add(t, "NodePool", 0, group_names, "nodes_ready",
                 total(nodes["ready"][rows].astype(np.float64)))
        cpu_fraction = fraction(total(requested[:, cpu]), total(allocatable[:, cpu]))
        memory_fraction = fraction(total(requested[:, memory]), total(allocatable[:, memory]))
        self.add(t, "NodePool", 0, group_names, "cpu_requested_fraction", cpu_fraction)
        self.add(t, "NodePool", 0, group_names, "memory_requested_fraction", memory_fraction)
        if gpu >= 0:
            gpus = total(allocatable[:, gpu])
            with_gpus = gpus > 0
            self.add(t, "NodePool", 0, group_names[with_gpus], "gpu_requested_fraction",
                     fraction(total(requested[:, gpu]), gpus)[with_gpus])
        if results.GPU_MILLI_RESOURCE in resources:
            milli = resources.index(results.GPU_MILLI_RESOURCE)
            capacity = total(allocatable[:, milli])
            with_gpus = capacity > 0
            self.add(t, "NodePool", 0, group_names[with_gpus], "gpu_milli_requested_fraction",
                     fraction(total(requested[:, milli]), capacity)[with_gpus])
        metrics = cluster.engine.metrics.node_metrics(len(nodes))
        used_cpu = np.nan_to_num(metrics.cpu_usage[rows])
        used_memory = np.nan_to_num(metrics.memory_usage[rows])
        self.add(t, "NodePool", 0, group_names, "cpu_used_fraction",
                 fraction(total(used_cpu), total(allocatable[:, cpu])))
        self.add(t, "NodePool", 0, group_names, "memory_used_fraction",
                 fraction(total(used_memory), total(allocatable[:, memory])))
        # fragmentation: free CPU on nodes where the median live pod no longer fits
        pods = state.tables["pods"]
        live = pods.live_rows()
        free = allocatable - requested
        if len(live):
            typical_cpu = float(np.median(pods["requests"][live, cpu]))
            typical_memory = float(np.median(pods["requests"][live, memory]))
            stranded = (free[:, cpu] < typical_cpu) | (free[:, memory] < typical_memory)
        else:
            stranded = np.zeros(len(rows), dtype=bool)
        free_cpu = np.maximum(free[:, cpu], 0.0)
        self.add(t, "NodePool", 0, group_names, "fragmentation",
                 fraction(total(free_cpu, stranded), total(free_cpu)))
        shown = slice(0, MAX_NODE_SERIES)
        node_names = self.vocabulary.from_state(nodes["name"][rows[shown]], state.strings)
        self.add(t, "Node", 0, node_names, "cpu_requested_fraction",
                 fraction(requested[shown, cpu], allocatable[shown, cpu]))
        self.add(t, "Node", 0, node_names, "memory_requested_fraction",
                 fraction(requested[shown, memory], allocatable[shown, memory]))
        return {"cpu_requested_fraction": float(cpu_fraction[0]),
                "memory_requested_fraction": float(memory_fraction[0])}

    def _names(self, state, table, rows) -> tuple[np.ndarray, np.ndarray]:
        return (self.vocabulary.from_state(table["namespace"][rows], state.strings),
                self.vocabulary.from_state(table["name"][rows], state.strings))

    def _workloads(self, state) -> None:
        t = state.time
        for table_name, metrics in RECORDED.items():
            table = state.tables[table_name]
            rows = table.live_rows()
            if len(rows) == 0:
                continue
            namespaces, names = self._names(state, table, rows)
            for metric, column in metrics.items():
                self.add(t, KIND_OF[table_name], namespaces, names, metric, table[column][rows])

    def _autoscalers(self, state) -> None:
        t = state.time
        table = state.tables["horizontalpodautoscalers"]
        rows = table.live_rows()
        if len(rows) == 0:
            return
        namespaces, names = self._names(state, table, rows)
        kind = "HorizontalPodAutoscaler"
        self.add(t, kind, namespaces, names, "current_replicas", table["current_replicas"][rows])
        self.add(t, kind, namespaces, names, "desired_replicas", table["desired_replicas"][rows])
        self.add(t, kind, namespaces, names, "current_metric", _per_code(
            table["current_metrics"][rows], self._hpa_currents, state,
            lambda doc: _metric_value(doc[0] if isinstance(doc, list) and doc else None,
                                      "current")))
        self.add(t, kind, namespaces, names, "target", _per_code(
            table["body"][rows], self._hpa_targets, state,
            lambda doc: _metric_value(((doc or {}).get("spec") or {}).get("metrics", [None])[0]
                                      if isinstance(doc, dict) else None, "target")))

    def _loads(self, cluster) -> None:
        state = cluster.state
        t = state.time
        deployments = state.tables["deployments"]
        rows = deployments.live_rows()
        if len(rows) == 0:
            return
        load = cluster.engine.usage.deployment_requests(state, t)
        has = ~np.isnan(load[rows])
        if has.any():
            namespaces, names = self._names(state, deployments, rows[has])
            self.add(t, "Deployment", namespaces, names, "load_requests_per_second",
                     load[rows[has]])
        services = state.tables["services"]
        service_rows, deployment_rows = self._service_matches(state)
        if len(service_rows) == 0:
            return
        slots = np.unique(service_rows)
        where = np.searchsorted(slots, service_rows)
        requests = np.bincount(where, weights=np.nan_to_num(load[deployment_rows]),
                               minlength=len(slots))
        ready = np.bincount(where, weights=deployments["ready_replicas"][deployment_rows]
                            .astype(np.float64), minlength=len(slots))
        namespaces, names = self._names(state, services, slots)
        self.add(t, "Service", namespaces, names, "load_requests_per_second", requests)
        self.add(t, "Service", namespaces, names, "ready_endpoints", ready)

    def _service_matches(self, state) -> tuple[np.ndarray, np.ndarray]:
        """(Service row, Deployment row) pairs where the Service's selector matches the
        Deployment's pod template labels; worked out again only when either table changed."""
        services, deployments = state.tables["services"], state.tables["deployments"]
        service_rows, deployment_rows = services.live_rows(), deployments.live_rows()
        key = (service_rows.tobytes(), services["selector"][service_rows].tobytes(),
               deployment_rows.tobytes(), deployments["template"][deployment_rows].tobytes())
        if key == self._service_key:
            return self._service_match
        index: dict[tuple, set] = {}
        templates: dict[int, dict] = {}
        for row, namespace, template in zip(deployment_rows.tolist(),
                                            deployments["namespace"][deployment_rows].tolist(),
                                            deployments["template"][deployment_rows].tolist()):
            if template not in templates:
                doc = state.strings.document(template) or {}
                templates[template] = (doc.get("metadata") or {}).get("labels") or {}
            for label in templates[template].items():
                index.setdefault((namespace, *label), set()).add(row)
        pairs = []
        for row, namespace, selector in zip(service_rows.tolist(),
                                            services["namespace"][service_rows].tolist(),
                                            services["selector"][service_rows].tolist()):
            wanted = state.strings.document(selector) if selector >= 0 else None
            if not wanted or not isinstance(wanted, dict):
                continue
            matched = set.intersection(*(index.get((namespace, k, v), set())
                                         for k, v in wanted.items()))
            pairs.extend((row, d) for d in sorted(matched))
        self._service_key = key
        self._service_match = (np.array([p[0] for p in pairs], dtype=np.int64),
                               np.array([p[1] for p in pairs], dtype=np.int64))
        return self._service_match


def _per_code(codes: np.ndarray, cache: dict, state, read) -> np.ndarray:
    """``read(document)`` of each distinct interned JSON code, cached by code."""
    distinct, inverse = np.unique(codes.astype(np.int64), return_inverse=True)
    values = np.empty(len(distinct))
    for i, code in enumerate(distinct.tolist()):
        if code not in cache:
            cache[code] = read(state.strings.document(code) if code >= 0 else None)
        values[i] = cache[code]
    return values[inverse]


def _metric_value(metric, part: str) -> float:
    """The number in a MetricSpec's target or MetricStatus's current: averageUtilization
    (percent), else averageValue, else value (quantities in base units); NaN when none."""
    from kbench.api.quantity import parse_quantity
    if not isinstance(metric, dict):
        return math.nan
    source = next((v for k, v in metric.items() if k != "type" and isinstance(v, dict)), None)
    found = (source or {}).get(part) or {}
    for key in ("averageUtilization", "averageValue", "value"):
        if found.get(key) is not None:
            try:
                return float(parse_quantity(found[key]).value)
            except (ValueError, TypeError):
                return math.nan
    return math.nan

