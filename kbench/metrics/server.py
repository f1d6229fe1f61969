"""metrics-server: cumulative usage counters sampled at its resolution, rates from the last two
samples, per-pod and per-node metrics for the HPA and ``kubectl top``.

Semantics follow kubernetes-sigs/metrics-server pkg/storage (types.go resourceUsage, pod.go and
node.go Store/GetMetrics):

- At each scrape every scraped pod and node gets a new sample (time, cumulative CPU counter,
  working-set memory); the sample before it becomes the previous one. Only the last two are kept.
- A metric exists only with two samples: CPU = (counter_last - counter_prev) / window, where
  window = time_last - time_prev; memory is the last sample's working set. The metric's
  timestamp is time_last. So a pod or node seen for the first time has no metric yet.
- Fresh containers (pod.go): a pod that started less than one resolution but at least 10 s
  before its first sample gets a synthetic previous sample at its start time with counter 0,
  so it has a metric at once.
- A restart (the pod's ``restarts`` went up since the last sample) starts the counter again
  from 0: that scrape keeps no previous sample (pod.go keeps it only if the container started
  before the stored sample), so the pod has no metric until the next scrape. A counter that
  decreases between the two samples drops the metric (types.go: "unexpected decrease in
  cumulative CPU usage value").
- A pod that is not scraped (not Running, unbound, deleted, or on a node that is not Ready)
  loses its samples, as metrics-server keeps only pods of the latest batch.

How the simulator makes counters: the usage model gives each pod's instantaneous usage at the
scrape times; between two scrapes the counter grows by the trapezoid
0.5 * (usage_prev + usage_now) * (t_now - t_prev). The first sample of a container integrates
from its start time with the usage then sampled (a rectangle): counter = usage_now * (now -
start), 0 when the start time is unknown or it just restarted. Rates are therefore the mean of
the two scrape-time usages.

Nodes: a node's usage is the sum of the usage of its scraped pods plus an optional per-node
overhead (default 0: kbench models no system daemons, kubelet or kernel usage, which the real
node cgroup would include). Node counters are integrated the same way and start at 0 at a
node's first sample.

Everything is float64: CPU in millicores (counters in millicore-seconds), memory in bytes. Unlike
metrics-server, CPU is not truncated to whole nanocores (a difference below 1e-6 millicores);
``kubectl top`` printing (kbench.metrics.top) applies Go's truncation.

The scrape kernel is generic over a [rows, metrics] usage matrix: ``counter_metric`` lists the
metrics integrated into counters (rates); the others are gauges, reported as sampled.
MetricsServer uses two metrics (cpu a counter, memory a gauge); the benchmark runs ten. The
kernel only stores samples and sums nodes; metrics are worked out from the two samples when
asked for (``metrics_of``), as metrics-server's GetMetrics does. To move little memory, the
last and previous counter buffers swap at each scrape instead of being copied, and a scrape's
usage matrix is kept as the samples' usage (gauges need no other storage).

MetricsServer.scrape works on the live pod rows only (the pods table keeps deleted rows as
tombstones: a simulated day has far more rows than pods): the usage model writes the live
rows' usage into one of two alternating buffers, the live-rows kernel (_scrape_live) samples
them and clears the samples of the rows live at the previous scrape that are gone, and it
writes each sampled pod's metrics as it goes, so that ``pod_metrics`` (read at every HPA
sync) needs no pass over the rows. The results are those of the all-rows kernel, bit for bit.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from kbench._jit import njit
from kbench.metrics.usage import RUNNING, UsageModel
from kbench.sim.clock import parse_duration
from kbench.state.compaction import kept_rows

__all__ = [
    "CPU",
    "FRESH_CONTAINER_MIN_SECONDS",
    "MEMORY",
    "MetricsServer",
    "NodeMetricsArrays",
    "PodMetricsArrays",
    "Samples",
    "ScrapeInput",
    "empty_samples",
    "metrics_of",
    "scrape_samples",
]

#: Column of each metric in the [rows, metrics] matrices of MetricsServer.
CPU, MEMORY = 0, 1
#: pod.go freshContainerMinMetricsResolution: younger containers get no synthetic sample.
FRESH_CONTAINER_MIN_SECONDS = 10.0


class PodMetricsArrays(NamedTuple):
    """Pod metrics by pod row, what the HPA reads. NaN everywhere for a pod with no metric."""

    cpu_usage: np.ndarray     # float64 millicores
    memory_usage: np.ndarray  # float64 working-set bytes
    sample_time: np.ndarray   # float64 simulated seconds of the newer sample (the timestamp)
    window: np.ndarray        # float64 seconds between the two samples


class NodeMetricsArrays(NamedTuple):
    """Node metrics by node row (``kubectl top nodes``); NaN for a node with no metric."""

    cpu_usage: np.ndarray
    memory_usage: np.ndarray
    sample_time: np.ndarray
    window: np.ndarray


class Samples(NamedTuple):
    """The last two samples of every row (pods or nodes), as metrics-server stores them.

    Counters exist only for the cumulative metrics (``counter_metric`` lists which, in
    order); a gauge's sample is its usage. Metrics are worked out from these on request
    (``metrics_of``), as metrics-server's GetMetrics does.
    """

    time_last: np.ndarray      # [rows] float64, NaN: no sample
    time_prev: np.ndarray      # [rows] float64, NaN: no previous sample
    counter_last: np.ndarray   # [rows, counters] float64 cumulative usage at time_last
    counter_prev: np.ndarray   # [rows, counters] at time_prev
    usage_last: np.ndarray     # [rows, metrics] float64 usage sampled at time_last
    restarts_last: np.ndarray  # [rows] int32 restart count at time_last


class ScrapeInput(NamedTuple):
    """What one scrape sees."""

    pod_usage: np.ndarray      # [pods, metrics] float64 usage at the scrape time
    node_of_pod: np.ndarray    # [pods] int32 node row of a scraped pod, -1: not scraped
    start_time: np.ndarray     # [pods] float64 container start, NaN: unknown
    restarts: np.ndarray       # [pods] int32
    node_scraped: np.ndarray   # [nodes] bool
    node_overhead: np.ndarray  # [nodes, metrics] float64 added to each scraped node
    counter_metric: np.ndarray  # [counters] int64 the metrics integrated into counters


class ReportedMetrics(NamedTuple):
    """Where _metric_columns writes: two ``metrics`` (``counters``: each one's counter, -1: a
    gauge) into ``columns`` [metric 0, metric 1, sample time, window] by row."""

    metrics: np.ndarray    # [2] int64
    counters: np.ndarray   # [2] int64
    columns: np.ndarray    # [4, >= rows] float64


def empty_samples(rows: int, metrics: int, counters: int) -> Samples:
    """Samples of ``rows`` rows that have never been scraped."""
    return Samples(np.full(rows, np.nan), np.full(rows, np.nan),
                   np.zeros((rows, counters)), np.zeros((rows, counters)),
                   np.zeros((rows, metrics)), np.zeros(rows, dtype=np.int32))


def _grown_samples(samples: Samples, rows: int) -> Samples:
    """``samples`` with room for ``rows`` rows (capacity doubles; new rows never scraped).
    ``usage_last`` is left as it is: it is replaced by every scrape."""
    have = len(samples.time_last)
    if have >= rows:
        return samples
    grown = empty_samples(max(rows, 2 * have), samples.usage_last.shape[1],
                          samples.counter_last.shape[1])
    for name in ("time_last", "time_prev", "counter_last", "counter_prev", "restarts_last"):
        getattr(grown, name)[:have] = getattr(samples, name)
    return grown._replace(usage_last=samples.usage_last)


def _rows(samples: Samples, rows: int) -> Samples:
    return Samples(*(array[:rows] for array in samples[:4]), samples.usage_last,
                   samples.restarts_last[:rows])


# -- the kernel ----------------------------------------------------------------------------

@njit
def _sample_rows(samples, usage_before, usage, rows, scraped, start_time, restarts,
                 counter_metric, now, resolution):
    """A new sample of every scraped row of ``rows`` (``scraped[i]``: row ``rows[i]`` is);
    the others lose their samples (metrics-server keeps only the latest batch).
    ``samples.counter_prev`` holds the rows' last counters (the caller swapped the buffers),
    ``usage_before`` the usage sampled with them.

    A row whose last sample is of the same container continues: its counters grow by the
    trapezoid and the last sample becomes the previous one. Otherwise (first sample, or a
    restart) the counters start at ``usage * since``, where ``since`` is the time since the
    pod started for a first sample of a container that never restarted, else 0; a container
    that started between 10 s and one resolution ago also gets a zero sample at its start
    (pod.go). One loop over the rows, not a call per row: a call costs more than its body.
    """
    rows_before = usage_before.shape[0]
    # the arrays out of the NamedTuples once: a read in the loop costs reference counting
    time_last, time_prev = samples.time_last, samples.time_prev
    counter_last, counter_prev = samples.counter_last, samples.counter_prev
    restarts_last = samples.restarts_last
    for i in range(rows.shape[0]):
        r = rows[i]
        if not scraped[i]:
            time_last[r] = np.nan
            time_prev[r] = np.nan
            continue
        sampled = r < rows_before and not np.isnan(time_last[r])
        restarted = sampled and restarts[r] != restarts_last[r]
        restarts_last[r] = restarts[r]
        if sampled and not restarted:
            dt = now - time_last[r]
            for c in range(counter_metric.shape[0]):
                m = counter_metric[c]
                counter_last[r, c] = (counter_prev[r, c]
                                      + 0.5 * (usage_before[r, m] + usage[r, m]) * dt)
            time_prev[r] = time_last[r]
        else:
            since = 0.0
            if not sampled and restarts[r] == 0 and start_time[r] <= now:  # False for NaN
                since = now - start_time[r]
            for c in range(counter_metric.shape[0]):
                counter_last[r, c] = usage[r, counter_metric[c]] * since
                counter_prev[r, c] = 0.0
            fresh = since >= FRESH_CONTAINER_MIN_SECONDS and since < resolution
            time_prev[r] = now - since if fresh else np.nan
        time_last[r] = now


@njit
def _scrape(inputs, pods, pod_usage_before, nodes, node_usage_before, node_usage, node_start,
            node_restarts, now, resolution):
    """One scrape: segment sums of the scraped pods' usage by node into ``node_usage``
    [nodes, metrics] (plus each scraped node's overhead), then a new sample of every pod and
    node. Nodes never restart and have no start time (``node_start`` NaN, ``node_restarts``
    0): their counters start at 0."""
    metrics = node_usage.shape[1]
    pod_scraped = np.empty(inputs.node_of_pod.shape[0], dtype=np.bool_)
    for p in range(inputs.node_of_pod.shape[0]):
        n = inputs.node_of_pod[p]
        pod_scraped[p] = n >= 0
        if n >= 0:
            for m in range(metrics):
                node_usage[n, m] += inputs.pod_usage[p, m]
    for n in range(node_usage.shape[0]):
        if inputs.node_scraped[n]:
            for m in range(metrics):
                node_usage[n, m] += inputs.node_overhead[n, m]
    _sample_rows(pods, pod_usage_before, inputs.pod_usage,
                 np.arange(pod_scraped.shape[0]), pod_scraped, inputs.start_time,
                 inputs.restarts, inputs.counter_metric, now, resolution)
    _sample_rows(nodes, node_usage_before, node_usage, np.arange(node_usage.shape[0]),
                 inputs.node_scraped, node_start, node_restarts, inputs.counter_metric, now,
                 resolution)


class LivePods(NamedTuple):
    """What MetricsServer.scrape reads about the pods: the live rows, and columns by row."""

    rows: np.ndarray         # [live] int64 the alive rows, ascending
    alive: np.ndarray        # [pods] bool
    node_index: np.ndarray   # [pods] int32, -1: unbound
    phase: np.ndarray        # [pods] int8 (POD_PHASES)
    start_time: np.ndarray   # [pods] float64 container start, NaN: unknown
    restarts: np.ndarray     # [pods] int32


class LivePodBuffers(NamedTuple):
    """The pod samples _scrape_live reads and writes."""

    samples: Samples             # the new samples (counter and time buffers already swapped)
    usage_before: np.ndarray     # [rows before, metrics] the usage sampled with the last ones
    rows_before: np.ndarray      # [k] int64 rows that may hold samples (see _scrape_live)
    columns: np.ndarray          # out: [cpu, memory, sample time, window] by row, [4, >= pods]


class NodeBuffers(NamedTuple):
    """The node samples _scrape_live reads and writes."""

    samples: Samples             # the new samples (counter buffers already swapped)
    usage_before: np.ndarray     # [rows before, metrics]
    scraped: np.ndarray          # [nodes] bool
    overhead: np.ndarray         # [metrics] float64 added to each scraped node


@njit
def _scrape_live(live, pods, nodes, counter_metric, now, resolution):
    """_scrape over the live pod rows only (what MetricsServer.scrape runs), for
    MetricsServer's metrics: usage columns (CPU, MEMORY), CPU the one counter. A pod is
    scraped when bound, Running and on a scraped node. ``pods.rows_before`` holds every row
    that may hold samples but is not live now (the previous scrape's live rows; none when no
    pod was added or deleted since): those no longer alive lose their samples. Keeps
    ``pods.columns`` (the pods' metrics, as _metric_columns works them out) up to date, so
    that no pass over every row is needed to read them.

    One pass over the live rows does each pod's node sum, its new sample and its metrics,
    from the values just worked out (the pass is memory-bound: every array is read or
    written once). The sample time buffers were swapped as the counters' (``time_prev``
    holds the last sample times): a pod that continues keeps its previous time where it is
    and only its new time is written. The sums, samples and their arithmetic are _scrape's and
    _metric_columns', in their order (pods by ascending row), so results are equal to the
    last bit; deleted rows cost nothing but their samples' removal."""
    node_usage = nodes.samples.usage_last
    # the arrays out of the NamedTuples once: a read in the loop costs reference counting
    usage, usage_before = pods.samples.usage_last, pods.usage_before
    time_last, time_prev = pods.samples.time_last, pods.samples.time_prev
    counter_last, counter_prev = pods.samples.counter_last, pods.samples.counter_prev
    restarts_last = pods.samples.restarts_last
    cpu_rate, memory_used = pods.columns[0], pods.columns[1]
    sample_time, sample_window = pods.columns[2], pods.columns[3]
    live_rows, alive, node_index, phase = live.rows, live.alive, live.node_index, live.phase
    start_time, restarts = live.start_time, live.restarts
    node_scraped = nodes.scraped
    sampled_rows = usage_before.shape[0]   # rows past these have never been sampled
    for i in range(live_rows.shape[0]):
        r = live_rows[i]
        n = node_index[r]
        if not (n >= 0 and phase[r] == RUNNING and node_scraped[n]):
            time_last[r] = np.nan
            time_prev[r] = np.nan
            cpu_rate[r] = memory_used[r] = sample_time[r] = sample_window[r] = np.nan
            continue
        cpu, memory = usage[r, CPU], usage[r, MEMORY]
        node_usage[n, CPU] += cpu
        node_usage[n, MEMORY] += memory
        last = time_prev[r] if r < sampled_rows else np.nan   # the buffers were swapped
        restarted = False
        if restarts_last[r] != restarts[r]:   # written only when it changes
            restarted = not np.isnan(last)
            restarts_last[r] = restarts[r]
        if not np.isnan(last) and not restarted:   # the same container: the trapezoid
            before = counter_prev[r, 0]
            counter = before + 0.5 * (usage_before[r, CPU] + cpu) * (now - last)
            prev = last   # in time_prev already
        else:   # a first sample, or a restart (see _sample_rows)
            since = 0.0
            if np.isnan(last) and restarts[r] == 0 and start_time[r] <= now:  # False for NaN
                since = now - start_time[r]
            counter = cpu * since
            before = 0.0
            counter_prev[r, 0] = 0.0
            fresh = since >= FRESH_CONTAINER_MIN_SECONDS and since < resolution
            prev = now - since if fresh else np.nan
            time_prev[r] = prev
        counter_last[r, 0] = counter
        time_last[r] = now
        # the metrics: _metric_column_row of the sample just stored
        window = now - prev
        if counter < before or np.isnan(window):
            cpu_rate[r] = memory_used[r] = sample_time[r] = sample_window[r] = np.nan
            continue
        cpu_rate[r] = _rate(counter - before, window)
        memory_used[r] = memory
        sample_time[r] = now
        sample_window[r] = window
    for r in pods.rows_before:
        if r < alive.shape[0] and not alive[r]:   # past the end: another state
            time_last[r] = np.nan
            time_prev[r] = np.nan
            cpu_rate[r] = memory_used[r] = sample_time[r] = sample_window[r] = np.nan
            # both usage buffers keep 0 in every row that is not live
            usage[r, CPU] = usage[r, MEMORY] = 0.0
            if r < usage_before.shape[0]:
                usage_before[r, CPU] = usage_before[r, MEMORY] = 0.0
    overhead = nodes.overhead
    for n in range(node_usage.shape[0]):
        if node_scraped[n]:
            for m in range(node_usage.shape[1]):
                node_usage[n, m] += overhead[m]
    _sample_rows(nodes.samples, nodes.usage_before, node_usage, np.arange(node_usage.shape[0]),
                 node_scraped, np.full(node_usage.shape[0], np.nan),
                 np.zeros(node_usage.shape[0], dtype=np.int32), counter_metric, now,
                 resolution)


@njit
def _first_misplaced(node_of_pod, node_scraped):
    """The first pod scraped on a node that is not scraped (or does not exist), else -1."""
    for p in range(node_of_pod.shape[0]):
        n = node_of_pod[p]
        if n >= 0 and (n >= node_scraped.shape[0] or not node_scraped[n]):
            return p
    return -1


def scrape_samples(inputs: ScrapeInput, pods: Samples, nodes: Samples, now: float,
                   resolution: float) -> tuple[Samples, Samples, np.ndarray]:
    """One scrape: returns the new (pod samples, node samples, node usage [nodes, metrics]).

    The counter buffers of ``pods`` and ``nodes`` are reused (last and previous swap, so the
    last sample becomes the previous one without a copy) and the new samples keep
    ``inputs.pod_usage`` itself as their usage: do not change it afterwards. Checks shapes
    and dtypes, then calls the kernel.
    """
    pod_count, metrics = inputs.pod_usage.shape
    node_count = len(inputs.node_scraped)
    counters = len(inputs.counter_metric)
    expected = {"pod_usage": ((pod_count, metrics), np.float64),
                "node_of_pod": ((pod_count,), np.int32), "start_time": ((pod_count,), np.float64),
                "restarts": ((pod_count,), np.int32), "node_scraped": ((node_count,), np.bool_),
                "node_overhead": ((node_count, metrics), np.float64),
                "counter_metric": ((counters,), np.int64)}
    for name, (shape, dtype) in expected.items():
        array = getattr(inputs, name)
        if array.shape != shape or array.dtype != dtype:
            raise ValueError(f"ScrapeInput.{name}: {array.dtype}{array.shape}, expected "
                             f"{np.dtype(dtype)}{shape}")
    if counters and (inputs.counter_metric.min() < 0 or inputs.counter_metric.max() >= metrics):
        raise ValueError(f"ScrapeInput.counter_metric: {inputs.counter_metric}: metrics are "
                         f"0..{metrics - 1}")
    for label, samples, rows in (("pods", pods, pod_count), ("nodes", nodes, node_count)):
        if len(samples.time_last) != rows or samples.counter_last.shape != (rows, counters):
            raise ValueError(f"{label} samples hold {samples.counter_last.shape} counters, the "
                             f"scrape {(rows, counters)}")
        if samples.usage_last.ndim != 2 or samples.usage_last.shape[1] != metrics:
            raise ValueError(f"{label} samples hold usage of {samples.usage_last.shape}, the "
                             f"scrape {metrics} metrics")
    misplaced = _first_misplaced(inputs.node_of_pod, inputs.node_scraped)
    if misplaced >= 0:
        raise ValueError(f"ScrapeInput.node_of_pod: pod row {misplaced} is scraped on node "
                         f"{inputs.node_of_pod[misplaced]}, which is not scraped")
    pod_usage_before, node_usage_before = pods.usage_last, nodes.usage_last
    node_usage = np.zeros((node_count, metrics), dtype=np.float64)
    pods = pods._replace(counter_last=pods.counter_prev, counter_prev=pods.counter_last,
                         usage_last=inputs.pod_usage)
    nodes = nodes._replace(counter_last=nodes.counter_prev, counter_prev=nodes.counter_last,
                           usage_last=node_usage)
    _scrape(inputs, pods, pod_usage_before, nodes, node_usage_before, node_usage,
            np.full(node_count, np.nan), np.zeros(node_count, dtype=np.int32), float(now),
            float(resolution))
    return pods, nodes, node_usage


def metrics_of(samples: Samples, counter_metric: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(metrics [rows, metrics], window [rows]) from the last two samples, NaN where a row has
    none: types.go resourceUsage. A counter is a rate, (last - prev) / window; a gauge is the
    last sample. A pair with a counter that went down gives no metric."""
    window = samples.time_last - samples.time_prev
    rows = len(window)
    values = np.array(samples.usage_last[:rows], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        values[:, counter_metric] = (samples.counter_last - samples.counter_prev) / window[:, None]
    dropped = np.isnan(window) | (samples.counter_last < samples.counter_prev).any(axis=1)
    values[dropped] = np.nan
    window = np.where(dropped, np.nan, window)
    return values, window


# -- the server ----------------------------------------------------------------------------

class MetricsServer:
    """metrics-server over a ClusterState: call ``scrape`` at every resolution boundary.

    The engine's loop::

        while server.next_scrape_time <= state.time:
            server.scrape(state, usage_model, server.next_scrape_time)

    Samples are kept by pod and node row (rows are stable: deleted rows are tombstones, new
    objects append rows; when the engine compacts the pods table, renumber_pods moves the
    samples with their pods, kbench.state.compaction); arrays grow with the tables
    (capacity doubles). A scrape costs
    in proportion to the live pods, not the rows.
    """

    METRICS = ("cpu", "memory")
    #: CPU is a counter (cpu-seconds, here millicore-seconds); memory is a gauge.
    COUNTER_METRIC = np.array([CPU], dtype=np.int64)

    def __init__(self, resolution: float | str = 15.0, node_overhead_cpu: float = 0.0,
                 node_overhead_memory: float = 0.0) -> None:
        """``resolution``: seconds or a Go duration (metrics-server --metric-resolution, 15s by
        default). ``node_overhead_cpu`` (millicores) and ``node_overhead_memory`` (bytes) are
        added to every scraped node's usage (system daemons; 0 by default)."""
        self.resolution = parse_duration(resolution, field="resolution")
        if not self.resolution > 0:
            raise ValueError(f"resolution: {resolution!r}: must be more than 0 seconds")
        self.node_overhead = np.array([float(node_overhead_cpu), float(node_overhead_memory)])
        if (self.node_overhead < 0).any() or not np.isfinite(self.node_overhead).all():
            raise ValueError("node overhead must be finite and not negative")
        self.next_scrape_time = 0.0
        self.last_scrape_time = np.nan
        self.pod_count = 0
        self.node_count = 0
        metrics, counters = len(self.METRICS), len(self.COUNTER_METRIC)
        self._pods = empty_samples(0, metrics, counters)
        self._nodes = empty_samples(0, metrics, counters)
        # the live pod rows at the last scrape: every row that holds samples is among them
        self._live_before: np.ndarray | None = np.zeros(0, dtype=np.int64)
        # [cpu, memory, sample time, window] of every pod row (None: to be worked out)
        self._pod_columns: np.ndarray | None = np.full((4, 0), np.nan)
        # pod usage buffers, the last scrape's first
        self._usage_buffers: list[np.ndarray | None] = [None, None]

    @property
    def pods(self) -> Samples:
        """The pods' samples by pod row (views of the rows of the last scrape)."""
        return _rows(self._pods, self.pod_count)

    @property
    def nodes(self) -> Samples:
        return _rows(self._nodes, self.node_count)

    def scrape(self, state, usage_model: UsageModel, now: float | None = None) -> None:
        """Sample every Running bound pod on a Ready node, and every Ready node, at ``now``
        (default: the state's clock); the usage comes from ``usage_model.live_usage_into``."""
        now = state.time if now is None else float(now)
        if not np.isnan(self.last_scrape_time) and now <= self.last_scrape_time:
            raise ValueError(f"scrape at {now:g} s: the last scrape was at "
                             f"{self.last_scrape_time:g} s; scrapes must move forward in time")
        pods, nodes = state.tables["pods"], state.tables["nodes"]
        pod_count, node_count = len(pods), len(nodes)
        live = LivePods(pods.live_rows(), pods.alive, pods["node_index"], pods["phase"],
                        np.ascontiguousarray(pods["start_time"], dtype=np.float64),
                        np.ascontiguousarray(pods["restarts"], dtype=np.int32))
        usage = self._next_usage_buffer(pods)
        usage_model.live_usage_into(state, usage, now)
        node_scraped = np.ascontiguousarray(nodes.alive & nodes["ready"])
        rows_before = self._live_before
        if rows_before is None:   # restored by from_arrays: the rows holding a sample
            rows_before = np.flatnonzero(~np.isnan(self._pods.time_last))
        elif rows_before is live.rows:   # no pod added or deleted since
            rows_before = rows_before[:0]
        grown_pods = _swapped(_grown_samples(self._pods, pod_count), usage[:pod_count],
                              times=True)
        grown_nodes = _swapped(_grown_samples(self._nodes, node_count),
                               np.zeros((node_count, len(self.METRICS)), dtype=np.float64),
                               times=False)
        pod_samples, node_samples = _rows(grown_pods, pod_count), _rows(grown_nodes, node_count)
        self._pod_columns = _grown_columns(self._pod_columns, len(grown_pods.time_last))
        pod_buffers = LivePodBuffers(pod_samples, self._pods.usage_last, rows_before,
                                     self._pod_columns)
        node_buffers = NodeBuffers(node_samples, self._nodes.usage_last, node_scraped,
                                   self.node_overhead)
        _scrape_live(live, pod_buffers, node_buffers, self.COUNTER_METRIC, now, self.resolution)
        self._pods, self._nodes = grown_pods, grown_nodes
        self._live_before = live.rows
        self.pod_count, self.node_count = pod_count, node_count
        self.last_scrape_time = now
        self.next_scrape_time = now + self.resolution

    def _next_usage_buffer(self, pods) -> np.ndarray:
        """The buffer this scrape's pod usage goes into: [>= pod rows, metrics], 0 in every
        row that is not live (the usage model writes the live ones). Two buffers alternate,
        as the last scrape's usage is still read (the trapezoid) while the new one is
        written; _scrape_live clears the rows of pods gone since the last scrape in both,
        and rows past the end of a shorter pods table (another state) are cleared here."""
        free = self._usage_buffers[1]
        if free is None or len(free) < len(pods):
            capacity = max(len(pods), 2 * len(free) if free is not None else 0)
            free = np.zeros((capacity, len(self.METRICS)), dtype=np.float64)
        elif len(pods) < self.pod_count:
            for buffer in self._usage_buffers:
                buffer[len(pods):] = 0.0
        self._usage_buffers = [free, self._usage_buffers[0]]
        return free

    def pod_metrics(self, pod_count: int | None = None) -> PodMetricsArrays:
        """Metrics of every pod row (NaN: none), padded with NaN to ``pod_count`` rows when the
        pods table grew since the last scrape. Read-only views, kept up to date by every
        scrape (no pass over the rows here): copy them to keep them past the next scrape."""
        count = self.pod_count if pod_count is None else pod_count
        columns = self._pod_columns
        if columns is None:   # restored, not scraped since
            return PodMetricsArrays(*_metric_arrays(self.pods, self.COUNTER_METRIC, count))
        if count > columns.shape[1]:
            padded = np.full((4, count), np.nan)
            padded[:, :columns.shape[1]] = columns
            columns = padded
        columns = columns[:, :count]
        columns.flags.writeable = False
        return PodMetricsArrays(*columns)

    def node_metrics(self, node_count: int | None = None) -> NodeMetricsArrays:
        """Metrics of every node row (NaN: none)."""
        return NodeMetricsArrays(*_metric_arrays(self.nodes, self.COUNTER_METRIC, node_count))

    def node_usage(self) -> np.ndarray:
        """[nodes, (cpu, memory)] usage summed at the last scrape (pods plus overhead)."""
        return self._nodes.usage_last.copy()

    # -- saving ----------------------------------------------------------------------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The server's whole state as numpy arrays (np.savez-able, no pickle)."""
        arrays = {"resolution": np.array([self.resolution]),
                  "node_overhead": self.node_overhead.copy(),
                  "times": np.array([self.next_scrape_time, self.last_scrape_time])}
        for label, samples in (("pod", self.pods), ("node", self.nodes)):
            for field, array in zip(Samples._fields, samples):
                arrays[f"{label}_{field}"] = np.array(array)
        return arrays

    @classmethod
    def from_arrays(cls, arrays) -> MetricsServer:
        """The server saved by to_arrays."""
        overhead = arrays["node_overhead"]
        server = cls(float(arrays["resolution"][0]), float(overhead[0]), float(overhead[1]))
        server._take_samples(arrays)
        return server

    def renumber_pods(self, new_of_old: np.ndarray) -> None:
        """The pods table was compacted (kbench.state.compaction): the samples of the pods
        that stay move to their new rows, and the server goes on as one restored from them."""
        arrays = self.to_arrays()
        kept = kept_rows(new_of_old, self.pod_count)
        for field in Samples._fields:
            arrays[f"pod_{field}"] = arrays[f"pod_{field}"][kept]
        self._take_samples(arrays)

    def _take_samples(self, arrays) -> None:
        """The samples and scrape times of to_arrays; what is kept by row besides starts
        empty (found again at the next scrape)."""
        self.next_scrape_time, self.last_scrape_time = (float(v) for v in arrays["times"])
        self._pods = Samples(*(np.array(arrays[f"pod_{f}"]) for f in Samples._fields))
        self._nodes = Samples(*(np.array(arrays[f"node_{f}"]) for f in Samples._fields))
        self._live_before = None   # the rows holding samples, found at the next scrape
        self._pod_columns = None
        self._usage_buffers = [None, None]
        self.pod_count, self.node_count = len(self._pods.time_last), len(self._nodes.time_last)


def _swapped(buffers: Samples, usage_last: np.ndarray, times: bool) -> Samples:
    """``buffers`` ready for a new scrape: the last sample becomes the previous one by
    swapping the counter buffers (with ``times``, the sample time buffers too: _scrape_live's
    layout), no copy; ``usage_last``: the new usage."""
    swapped = buffers._replace(counter_last=buffers.counter_prev,
                               counter_prev=buffers.counter_last, usage_last=usage_last)
    if times:
        swapped = swapped._replace(time_last=buffers.time_prev, time_prev=buffers.time_last)
    return swapped


def _reported_metrics(counter_metric: np.ndarray, metric_count: int):
    """(metrics, counters): the metrics pod_metrics / node_metrics report (CPU, memory) and
    the counter that holds each one (its rate is the metric), -1 for a gauge."""
    counter_of = np.full(metric_count, -1, dtype=np.int64)
    counter_of[counter_metric] = np.arange(len(counter_metric))
    metrics = np.array([CPU, MEMORY], dtype=np.int64)
    return metrics, counter_of[metrics]


def _grown_columns(columns: np.ndarray | None, rows: int) -> np.ndarray:
    """Metric columns [4, >= rows], new rows NaN (None: rows never scraped, NaN as well)."""
    if columns is not None and columns.shape[1] >= rows:
        return columns
    grown = np.full((4, rows), np.nan)
    if columns is not None:
        grown[:, :columns.shape[1]] = columns
    return grown


def _metric_arrays(samples: Samples, counter_metric: np.ndarray, count: int | None):
    """(cpu, memory, sample_time, window), NaN where there is no metric, padded with NaN (or
    cut) to ``count`` rows: metrics_of's CPU and memory columns, in one pass (_metric_columns)
    without a copy of every metric of every row."""
    rows = len(samples.time_last)
    count = rows if count is None else count
    kept = min(count, rows)
    metrics, counters = _reported_metrics(counter_metric, samples.usage_last.shape[1])
    columns = np.full((4, count), np.nan)
    _metric_columns(np.arange(kept), samples.time_last, samples.time_prev,
                    samples.counter_last, samples.counter_prev, samples.usage_last,
                    ReportedMetrics(metrics, counters, columns))
    return list(columns)


@njit(inline="always")
def _rate(rise, window):
    """rise / window as numpy divides (a division by zero gives +-inf or NaN; numba's would
    raise)."""
    if window != 0.0:
        return rise / window
    if rise > 0:
        return np.inf
    if rise < 0:
        return -np.inf
    return np.nan


@njit
def _metric_columns(rows, time_last, time_prev, counter_last, counter_prev, usage_last,
                    reported):
    """metrics_of for the ``reported`` metrics of ``rows`` into ``reported.columns`` (NaN
    where a row has no metric): one loop over ``rows``."""
    columns, metrics, counters = reported.columns, reported.metrics, reported.counters
    for r in rows:
        _metric_column_row(r, time_last, time_prev, counter_last, counter_prev, usage_last,
                           columns, metrics, counters)


@njit(inline="always")   # in the callers' loops: a call per row would cost more than its body
def _metric_column_row(r, time_last, time_prev, counter_last, counter_prev, usage_last,
                       columns, metrics, counters):
    """_metric_columns of row ``r`` (``columns``, ``metrics``, ``counters``: ReportedMetrics'
    arrays)."""
    window = time_last[r] - time_prev[r]
    fell = False
    for c in range(counter_last.shape[1]):
        if counter_last[r, c] < counter_prev[r, c]:
            fell = True
    if fell or np.isnan(window):
        for k in range(4):
            columns[k, r] = np.nan
        return
    for m in range(2):
        c = counters[m]
        if c < 0:
            columns[m, r] = usage_last[r, metrics[m]]
            continue
        columns[m, r] = _rate(counter_last[r, c] - counter_prev[r, c], window)
    columns[2, r] = time_last[r]
    columns[3, r] = window
