"""The results of an experiment run: the folder layout, its Parquet schemas, and load().

A run of ``kbench run SPEC`` writes one folder, ``<out>/<spec name>/<run id>/`` (``out`` is
``results`` by default; run ids are ``run-001``, ``run-002``, ... in the order runs start; a
run never writes into another run's folder)::

    spec.yaml              the resolved spec: the spec file after --set overrides, as YAML
    summary.json           what the run was and how it went (SUMMARY_FIELDS); written first
                           with status "running" and rewritten at each snapshot and at the end
    pods.parquet           one row per pod that ever existed (POD_COLUMNS)
    timeseries.parquet     one row per (record time, series, metric): tidy / long (TIMESERIES_COLUMNS)
    events.parquet         the core/v1 Events the cluster recorded (EVENT_COLUMNS)
    snapshots/t0000300/    the cluster at simulated second 300 (a kbench snapshot folder,
                           readable by ``kbench get -f`` and Cluster.restore), one every
                           ``snapshot_every`` seconds of the spec and one at the end; each also
                           holds ``recorder/`` (what the recorder had gathered by then), from
                           which ``kbench run --resume`` and ``--from-snapshot`` go on
    parts/                 only while a run is under way or after it was killed: the time
                           series rows flushed so far, ``timeseries-00001.parquet``, ...

Files are written as the run goes: at every snapshot the time series recorded since the last
one is flushed as a part, and pods.parquet / events.parquet / summary.json are rewritten
whole (each file is written to a temporary name and renamed, so a reader never sees half a
file). When the run ends, normally or by Ctrl-C or an exception, the parts are joined into
timeseries.parquet and summary.json says how it ended (``status``: "running" while under way
or when the process was killed, "interrupted" after Ctrl-C, "failed" after an error, with
``error``; "complete" when the whole duration ran). ``kbench run --resume DIR`` goes on from
the folder's last snapshot and ends with the same content as a run that was never stopped.
``kbench run SPEC --from-snapshot DIR/snapshots/tNNNNNNN`` starts a new run folder from that
snapshot (summary.json ``forked_from``); its files begin with what the run of DIR recorded up
to the snapshot's time, so forks of one prefix compare directly.

Time is simulated seconds since the start of the run (float64). Strings are dictionary
encoded. Resources use kbench's exact units: CPU in millicores, memory in bytes, GPUs
(``nvidia.com/gpu``) as a count. Two runs of one resolved spec (same seed) write
byte-identical Parquet files. The schemas here are the contract other tools (``kbench
report``, ``kbench export``, ``kbench sweep``/``compare``) read; a change to them bumps
RESULTS_VERSION.

pods.parquet (one row per pod, in order of creation; the times are null when the pod never
got there)

    =========================  =========  ====================================================
    uid                        string     metadata.uid
    namespace, name            string     metadata.namespace / metadata.name
    owner_kind, owner_name     string     the controlling ownerReference ("" when none)
    node                       string     spec.nodeName ("" while never bound)
    created                    float64    metadata.creationTimestamp
    scheduled                  float64    bound to a node (the PodScheduled condition)
    started                    float64    its containers first running (startedAt)
    ready                      float64    first Ready
    finished                   float64    Succeeded or Failed
    deleted                    float64    deletion requested (metadata.deletionTimestamp), or
                                          when it was removed without one
    attempts                   int32      scheduling attempts
    restarts                   int32      container restarts
    startup_latency_seconds    float64    started - created (image pulls included; the
                                          Kubernetes SLO is p99 <= 5 s for stateless pods)
    requests_cpu_milli         int64      summed container requests
    requests_memory_bytes      int64
    requests_gpu               int64      nvidia.com/gpu
    requests_gpu_milli         int64      kbench.io/gpu-milli: thousandths of GPUs, whole
                                          or shared (kbench.traces.manifests)
    priority                   int32      spec.priority
    phase                      string     the last phase seen: Pending, Running, Succeeded,
                                          Failed, Unknown
    =========================  =========  ====================================================

timeseries.parquet (tidy: filter by kind and metric, pivot by name; rows in time order)

    time       float64   simulated seconds of the sample (one sample every record_every)
    kind       string    "Cluster", "NodePool", "Node", "HorizontalPodAutoscaler",
                         "Deployment", "ReplicaSet", "StatefulSet", "Job", "Service",
                         "Pod" (only with outputs: pod_usage)
    namespace  string    the object's namespace ("" for Cluster, NodePool, Node)
    name       string    the object's name; for NodePool the pool ("" = every node)
    metric     string    one of METRICS (below)
    value      float64

  A node's pool is the value of its ``kbench.io/pool`` label, else of its
  ``node.kubernetes.io/instance-type`` label; nodes with neither are counted in pool "" only.
  The metrics, by kind, are in METRICS. Fractions are of allocatable, in [0, 1] (0 when a
  pool has none of that resource). Node series are kept for the first 500 live nodes (by
  creation) only, so a 5,000-node run stays small; the pools cover every node.

events.parquet (one row per Event object, in order of first occurrence)

    involved_kind, involved_namespace, involved_name   string
    type                string    Normal / Warning
    reason, message     string
    source_component    string    default-scheduler, kubelet, replicaset-controller, ...
    first_time          float64   firstTimestamp
    last_time           float64   lastTimestamp
    count               int32     occurrences (repeats aggregate, as in Kubernetes)

summary.json: SUMMARY_FIELDS, in that order.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import yaml

from kbench.errors import KbenchError

#: bumped whenever a file name, column, type or metric name below changes meaning
RESULTS_VERSION = 1

SPEC_FILE = "spec.yaml"
SUMMARY_FILE = "summary.json"
PODS_FILE = "pods.parquet"
TIMESERIES_FILE = "timeseries.parquet"
EVENTS_FILE = "events.parquet"
SNAPSHOTS_DIR = "snapshots"
PARTS_DIR = "parts"
#: inside each snapshot folder: what the recorder had gathered by the snapshot's time
RECORDER_DIR = "recorder"
RUN_ID_PREFIX = "run-"

#: the node labels that name a node's pool, first found wins
POOL_LABELS = ("kbench.io/pool", "node.kubernetes.io/instance-type")
GPU_RESOURCE = "nvidia.com/gpu"
#: GPU thousandths, whole GPUs and shares alike (kbench.traces.manifests)
GPU_MILLI_RESOURCE = "kbench.io/gpu-milli"
#: the pod startup latency SLO (kubernetes/community sig-scalability), seconds
STARTUP_SLO_SECONDS = 5.0

_STR = pa.dictionary(pa.int32(), pa.string())

POD_COLUMNS = pa.schema([
    ("uid", _STR), ("namespace", _STR), ("name", _STR),
    ("owner_kind", _STR), ("owner_name", _STR), ("node", _STR),
    ("created", pa.float64()), ("scheduled", pa.float64()), ("started", pa.float64()),
    ("ready", pa.float64()), ("finished", pa.float64()), ("deleted", pa.float64()),
    ("attempts", pa.int32()), ("restarts", pa.int32()),
    ("startup_latency_seconds", pa.float64()),
    ("requests_cpu_milli", pa.int64()), ("requests_memory_bytes", pa.int64()),
    ("requests_gpu", pa.int64()), ("requests_gpu_milli", pa.int64()), ("priority", pa.int32()), ("phase", _STR),
])

TIMESERIES_COLUMNS = pa.schema([
    ("time", pa.float64()), ("kind", _STR), ("namespace", _STR), ("name", _STR),
    ("metric", _STR), ("value", pa.float64()),
])

EVENT_COLUMNS = pa.schema([
    ("involved_kind", _STR), ("involved_namespace", _STR), ("involved_name", _STR),
    ("type", _STR), ("reason", _STR), ("message", _STR), ("source_component", _STR),
    ("first_time", pa.float64()), ("last_time", pa.float64()), ("count", pa.int32()),
])

#: kind -> {metric: what it is}: every metric timeseries.parquet may hold
METRICS: dict[str, dict[str, str]] = {
    "Cluster": {
        "pods_pending": "pods in phase Pending (bound or not)",
        "pods_running": "pods in phase Running",
        "pods_succeeded": "pods in phase Succeeded (not yet removed)",
        "pods_failed": "pods in phase Failed (not yet removed)",
        "pods_unknown": "pods in phase Unknown",
        "pods_unschedulable": "pending, unbound pods the scheduler has tried and failed to place",
        "pods_created_total": "pods created since the start (cumulative)",
        "pods_scheduled_total": "pods bound to a node since the start (cumulative); its "
                                "differences are the scheduling throughput",
        "gpu_milli_arrived_fraction": "kbench.io/gpu-milli requested by every pod created so "
                                      "far (bound or not) / allocatable kbench.io/gpu-milli "
                                      "of the live nodes: the arrived GPU workload (only "
                                      "when nodes have GPU thousandths)",
    },
    "NodePool": {
        "nodes": "live nodes in the pool",
        "nodes_ready": "nodes whose Ready condition is True",
        "cpu_requested_fraction": "summed requests of bound pods / allocatable CPU",
        "memory_requested_fraction": "summed requests of bound pods / allocatable memory",
        "gpu_requested_fraction": "summed requests / allocatable nvidia.com/gpu (only for "
                                  "pools with GPUs)",
        "gpu_milli_requested_fraction": "summed requests / allocatable kbench.io/gpu-milli:"
                                        " the GPU allocation ratio with shared GPUs (only "
                                        "for pools with GPU thousandths)",
        "cpu_used_fraction": "CPU used (metrics-server's last scrape) / allocatable CPU",
        "memory_used_fraction": "working set (metrics-server's last scrape) / allocatable "
                                "memory",
        "fragmentation": "share of the pool's free CPU that sits on nodes where a typical pod "
                         "(the median CPU and memory requests of the live pods) no longer "
                         "fits: free CPU or free memory below that pod's requests",
    },
    "Node": {
        "cpu_requested_fraction": "summed requests of bound pods / allocatable CPU",
        "memory_requested_fraction": "summed requests of bound pods / allocatable memory",
    },
    "HorizontalPodAutoscaler": {
        "current_replicas": "status.currentReplicas",
        "desired_replicas": "status.desiredReplicas",
        "current_metric": "the first metric's current value (status.currentMetrics[0]): "
                          "averageUtilization in percent, else averageValue, else value; "
                          "NaN before the first sync",
        "target": "the first metric's target (spec.metrics[0].*.target), same unit",
    },
    "Deployment": {
        "spec_replicas": "spec.replicas", "replicas": "status.replicas",
        "updated_replicas": "status.updatedReplicas", "ready_replicas": "status.readyReplicas",
        "available_replicas": "status.availableReplicas",
        "load_requests_per_second": "requests/s reaching the Deployment (set_load or its "
                                    "kbench.io/load annotation); only for Deployments with load",
    },
    "ReplicaSet": {
        "spec_replicas": "spec.replicas", "replicas": "status.replicas",
        "ready_replicas": "status.readyReplicas", "available_replicas": "status.availableReplicas",
    },
    "StatefulSet": {"spec_replicas": "spec.replicas", "ready_replicas": "status.readyReplicas"},
    "Job": {"active": "status.active", "succeeded": "status.succeeded",
            "failed": "status.failed"},
    "Pod": {
        "cpu_usage_cores": "CPU use in cores, metrics-server's last sample (only with the "
                           "spec's outputs including pod_usage)",
        "memory_working_set_bytes": "working-set memory in bytes, the same way",
    },
    "Service": {
        "load_requests_per_second": "requests/s reaching the pods the Service selects: the "
                                    "load of the Deployments whose pod template it selects",
        "ready_endpoints": "ready pods of the Deployments whose pod template the Service "
                           "selects",
    },
}

#: summary.json: field -> what it holds
SUMMARY_FIELDS: dict[str, str] = {
    "results_version": "RESULTS_VERSION of this layout",
    "kbench_version": "kbench.__version__ of the run",
    "name": "the spec's name",
    "run_id": "the run folder's name (run-001, ...)",
    "status": '"running", "interrupted", "failed" or "complete"',
    "error": "the error that stopped a failed run (null otherwise)",
    "seed": "the seed of the cluster's randomness: the spec's (a fork keeps the one of the "
            "snapshot it starts from)",
    "duration_seconds": "the spec's duration (simulated seconds)",
    "simulated_seconds": "simulated time reached so far",
    "wall_seconds": "wall-clock seconds the run took (summed over resumes; the one value "
                    "that differs between identical runs)",
    "resumed_from": "the snapshot a --resume went on from (null otherwise)",
    "forked_from": "the snapshot a --from-snapshot run started from (null otherwise)",
    "pods_created": "pods that ever existed",
    "pods_scheduled": "pods ever bound to a node",
    "pods_unschedulable": "pods still pending and unbound at the end after at least one "
                          "failed scheduling attempt",
    "startup_latency_p50_seconds": "median startup_latency_seconds of started pods (null "
                                   "when none started)",
    "startup_latency_p90_seconds": "90th percentile",
    "startup_latency_p99_seconds": "99th percentile",
    "startup_within_slo_fraction": "share of started pods that started within "
                                   "STARTUP_SLO_SECONDS",
    "mean_cpu_requested_fraction": "mean over record times of the cluster's (pool \"\") "
                                   "cpu_requested_fraction",
    "mean_memory_requested_fraction": "the same for memory",
    "peak_pods_pending": "highest pods_pending of any record time",
    "scheduling_throughput_pods_per_second": "pods_scheduled / simulated_seconds",
    "snapshots": "the snapshot folders written, relative to the run folder",
}


class ResultsError(KbenchError):
    """A folder that is not a run folder, or a results file that cannot be read."""


BACKENDS = ("pandas", "polars")


class RunResults:
    """The results of one run folder (see the module docstring for what each holds).

    ``pods``, ``timeseries`` and ``events`` are DataFrames of the chosen backend (pandas:
    string columns are categoricals; polars: Categorical), read when first used;
    ``summary`` and ``spec`` are dicts. ``to_arrow(name)``, ``to_pandas(name)`` and
    ``to_polars(name)`` give any table in any form. The time series of a run still under
    way (or killed) is read from its parts.
    """

    def __init__(self, folder: Path, backend: str = "pandas") -> None:
        if backend not in BACKENDS:
            raise ResultsError(f"backend {backend!r}: one of {', '.join(BACKENDS)}")
        self.folder, self.backend = folder, backend
        self.summary = _read_json(folder / SUMMARY_FILE)
        spec_file = folder / SPEC_FILE
        self.spec = yaml.safe_load(spec_file.read_text()) if spec_file.is_file() else None
        self._arrow: dict[str, pa.Table] = {}

    def __repr__(self) -> str:
        return (f"<RunResults {self.summary.get('name')}/{self.summary.get('run_id')} "
                f"{self.summary.get('status')} at {self.folder}>")

    def to_arrow(self, name: str) -> pa.Table:
        """One table ("pods", "timeseries" or "events") as a pyarrow Table."""
        if name not in self._arrow:
            self._arrow[name] = _read_table(self.folder, name)
        return self._arrow[name]

    def to_pandas(self, name: str):
        return self.to_arrow(name).to_pandas()

    def to_polars(self, name: str):
        import polars
        return polars.from_arrow(self.to_arrow(name))

    def _frame(self, name: str):
        return self.to_polars(name) if self.backend == "polars" else self.to_pandas(name)

    @property
    def pods(self):
        return self._frame("pods")

    @property
    def timeseries(self):
        return self._frame("timeseries")

    @property
    def events(self):
        return self._frame("events")


def load(folder: str | os.PathLike, backend: str = "pandas") -> RunResults:
    """The results of a run folder (``results/<name>/run-NNN``): ``.pods``, ``.timeseries``,
    ``.events`` as pandas DataFrames (``backend="polars"``: polars), ``.summary``, ``.spec``.

    >>> run = load("results/hpa-lab/run-001")
    >>> ts = run.timeseries
    >>> ts[(ts.kind == "HorizontalPodAutoscaler") & (ts.metric == "desired_replicas")]
    """
    folder = Path(folder)
    if not (folder / SUMMARY_FILE).is_file():
        raise ResultsError(f"{folder}: not a run folder (no {SUMMARY_FILE})")
    return RunResults(folder, backend)


_FILES = {"pods": (PODS_FILE, POD_COLUMNS), "timeseries": (TIMESERIES_FILE, TIMESERIES_COLUMNS),
          "events": (EVENTS_FILE, EVENT_COLUMNS)}


def _read_table(folder: Path, name: str) -> pa.Table:
    import pyarrow.parquet as pq
    if name not in _FILES:
        raise ResultsError(f"{name!r}: one of {', '.join(_FILES)}")
    file_name, schema = _FILES[name]
    files = [folder / file_name]
    if name == "timeseries" and not files[0].is_file():
        files = sorted((folder / PARTS_DIR).glob("timeseries-*.parquet"))
    files = [f for f in files if f.is_file()]
    if not files:
        return schema.empty_table()
    try:
        tables = [pq.read_table(f) for f in files]
    except (OSError, pa.ArrowException) as error:
        raise ResultsError(f"{files[0]}: cannot read ({error})") from None
    table = pa.concat_tables(tables).unify_dictionaries().combine_chunks()
    missing = [c for c in schema.names if c not in table.column_names]
    if missing:
        raise ResultsError(f"{files[0]}: columns {missing} are missing")
    return table


def _read_json(file: Path) -> dict:
    try:
        value = json.loads(file.read_text())
    except (OSError, ValueError) as error:
        raise ResultsError(f"{file}: cannot read ({error})") from None
    if not isinstance(value, dict):
        raise ResultsError(f"{file}: not a JSON object")
    return value
