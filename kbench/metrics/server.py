"""metrics-server: the last two usage samples of every pod and node at its resolution, rates
from them, per-pod and per-node metrics for the HPA and ``kubectl top``.

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
the two scrape-time usages. What a metric reads of the counters is their rise between the two
samples, so kbench keeps that rise (``increment``) rather than the two cumulative values:
the rate is increment / window, without the rounding of a difference of two large sums.

Nodes: a node's usage is the sum of the usage of its scraped pods plus an optional per-node
overhead (default 0: kbench models no system daemons, kubelet or kernel usage, which the real
node cgroup would include). Node counters rise the same way and start at a node's first
sample.

Everything is float64: CPU in millicores (counters in millicore-seconds), memory in bytes. Unlike
metrics-server, CPU is not truncated to whole nanocores (a difference below 1e-6 millicores);
``kubectl top`` printing (kbench.metrics.top) applies Go's truncation.

The all-rows kernel (``scrape_samples``) is generic over a [rows, metrics] usage matrix:
``counter_metric`` lists the metrics that are counters (rates); the others are gauges,
reported as sampled. The benchmark runs it with ten metrics. MetricsServer uses two metrics
(cpu a counter, memory a gauge) and works from usage groups (UsageModel.live_usage_groups:
pods that use the same share a group): a pod sampled in the same group at the last two
scrapes, without a restart, is *steady*, and its samples are its group's: last at this
scrape, previous at the one before, the rise the trapezoid of the group's two usages. So a
scrape is one pass over the pod rows that sums the nodes and finds the pods that are not
steady (_scrape_groups), then the samples of those few pods (_sample_changed); nothing is
written for a steady pod. Metrics are a table with a column per group and one per pod that
is not steady; each pod names its column (``pod_sample_rows``, what the HPA reads). Per-row
metrics are gathered from it when asked (``pod_metrics``, once per scrape), and samples when
saved. The results are those of the all-rows kernel, bit for bit
(tests/metrics/test_server.py).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from kbench._jit import njit
from kbench.metrics.usage import UsageModel
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

    Of each counter (``counter_metric`` lists which metrics, in order) its rise from the
    previous sample to the last is kept; a gauge's sample is its usage. Metrics are worked out
    from these on request (``metrics_of``), as metrics-server's GetMetrics does.
    """

    time_last: np.ndarray      # [rows] float64, NaN: no sample
    time_prev: np.ndarray      # [rows] float64, NaN: no previous sample
    increment: np.ndarray      # [rows, counters] float64 counter_last - counter_prev
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


def empty_samples(rows: int, metrics: int, counters: int) -> Samples:
    """Samples of ``rows`` rows that have never been scraped."""
    return Samples(np.full(rows, np.nan), np.full(rows, np.nan), np.zeros((rows, counters)),
                   np.zeros((rows, metrics)), np.zeros(rows, dtype=np.int32))


# -- the all-rows kernel ---------------------------------------------------------------------

@njit(inline="always")
def _new_container(sampled, restarts, start_time, now, resolution):
    """(since, previous sample time) of a container's first sample: ``since`` the time since
    the pod started for the first sample of a container that never restarted (counters start
    at usage * since), else 0; a container that started between 10 s and one resolution ago
    gets a zero sample at its start (pod.go), other first samples none (NaN)."""
    since = 0.0
    if not sampled and restarts == 0 and start_time <= now:  # False for NaN
        since = now - start_time
    fresh = since >= FRESH_CONTAINER_MIN_SECONDS and since < resolution
    return since, (now - since if fresh else np.nan)


@njit
def _sample_rows(samples, usage_before, usage, rows, scraped, start_time, restarts,
                 counter_metric, now, resolution):
    """A new sample of every scraped row of ``rows`` (``scraped[i]``: row ``rows[i]`` is);
    the others lose their samples (metrics-server keeps only the latest batch). ``samples``
    are updated in place (its usage_last is not read: ``usage_before`` holds the usage sampled
    with the last samples).

    A row whose last sample is of the same container continues: its counters rise by the
    trapezoid and the last sample becomes the previous one. Otherwise (first sample, or a
    restart) the counters start at ``usage * since``, where ``since`` is the time since the
    pod started for a first sample of a container that never restarted, else 0; a container
    that started between 10 s and one resolution ago also gets a zero sample at its start
    (pod.go), from which the counters rose by that much. One loop over the rows, not a call per
    row: a call costs more than its body.
    """
    rows_before = usage_before.shape[0]
    # the arrays out of the NamedTuples once: a read in the loop costs reference counting
    time_last, time_prev = samples.time_last, samples.time_prev
    increment, restarts_last = samples.increment, samples.restarts_last
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
                increment[r, c] = 0.5 * (usage_before[r, m] + usage[r, m]) * dt
            time_prev[r] = time_last[r]
        else:
            since, time_prev[r] = _new_container(sampled, restarts[r], start_time[r], now,
                                                 resolution)
            for c in range(counter_metric.shape[0]):
                increment[r, c] = usage[r, counter_metric[c]] * since
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
    """One scrape of every row: returns the new (pod samples, node samples, node usage
    [nodes, metrics]).

    The arrays of ``pods`` and ``nodes`` are updated in place and the new samples keep
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
        if len(samples.time_last) != rows or samples.increment.shape != (rows, counters):
            raise ValueError(f"{label} samples hold {samples.increment.shape} counters, the "
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
    pods = pods._replace(usage_last=inputs.pod_usage)
    nodes = nodes._replace(usage_last=node_usage)
    _scrape(inputs, pods, pod_usage_before, nodes, node_usage_before, node_usage,
            np.full(node_count, np.nan), np.zeros(node_count, dtype=np.int32), float(now),
            float(resolution))
    return pods, nodes, node_usage


def metrics_of(samples: Samples, counter_metric: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(metrics [rows, metrics], window [rows]) from the last two samples, NaN where a row has
    none: types.go resourceUsage. A counter is a rate, increment / window; a gauge is the
    last sample. A pair with a counter that went down gives no metric."""
    window = samples.time_last - samples.time_prev
    rows = len(window)
    values = np.array(samples.usage_last[:rows], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        values[:, counter_metric] = samples.increment / window[:, None]
    dropped = np.isnan(window) | (samples.increment < 0).any(axis=1)
    values[dropped] = np.nan
    window = np.where(dropped, np.nan, window)
    return values, window


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
def _metric_columns(rows, time_last, time_prev, increment, usage_last, columns):
    """metrics_of's CPU (counter 0) and memory (a gauge) of ``rows`` into ``columns`` [cpu,
    memory, sample time, window] (NaN where a row has no metric): one loop over ``rows``.
    MetricsServer's samples: CPU is the one counter, memory the gauge."""
    for r in rows:
        _metric_column_row(r, time_last[r], time_last[r] - time_prev[r], increment[r, 0],
                           usage_last[r, MEMORY], columns)


@njit(inline="always")   # in the callers' loops: a call per row would cost more than its body
def _metric_column_row(r, time_last, window, rise, memory, columns):
    """The metrics of row ``r`` into ``columns``: CPU the rate ``rise`` / ``window``, none
    when the rise is negative or there is no window."""
    if rise < 0 or np.isnan(window):
        for k in range(4):
            columns[k, r] = np.nan
        return
    columns[0, r] = _rate(rise, window)
    columns[1, r] = memory
    columns[2, r] = time_last
    columns[3, r] = window


def _metric_arrays(samples: Samples, count: int | None):
    """(cpu, memory, sample_time, window) of MetricsServer's samples, NaN where there is no
    metric, padded with NaN (or cut) to ``count`` rows: metrics_of's CPU and memory columns,
    in one pass (_metric_columns) without a copy of every metric of every row."""
    rows = len(samples.time_last)
    count = rows if count is None else count
    columns = np.full((4, count), np.nan)
    _metric_columns(np.arange(min(count, rows)), samples.time_last, samples.time_prev,
                    samples.increment, samples.usage_last, columns)
    return list(columns)


# -- the live-rows kernels (MetricsServer) ---------------------------------------------------

class LivePods(NamedTuple):
    """What MetricsServer.scrape reads about the pods, by row."""

    alive: np.ndarray        # [pods] bool
    node_index: np.ndarray   # [pods] int32, -1: unbound
    restarts: np.ndarray     # [pods] int32
    group: np.ndarray        # [>= pods] int32 usage group of each live row now (0: inactive)
    values: np.ndarray       # [groups, 2] float64 the groups' (cpu, memory) now


class PodGroups(NamedTuple):
    """What MetricsServer keeps of each pod row (rows past the arrays' end: never sampled)."""

    group: np.ndarray        # [rows] int32 usage group at the last sample, -1: no sample
    restarts: np.ndarray     # [rows] int32 restart count at the last sample
    sample_row: np.ndarray   # [rows] int32 the row of its metrics in the sample table (its
                             # group's, or its own), -1: none


class ScrapeTimes(NamedTuple):
    """The time of a scrape, of the one before, and metrics-server's resolution (seconds)."""

    now: float
    before: float            # the last scrape's time (NaN: none)
    resolution: float


@njit
def _scrape_groups(live, kept, node_scraped, node_usage, changed, changed_group):
    """The pass over the pod rows. A deleted pod loses its samples. A live pod is scraped
    when active (group > 0: bound and Running) on a scraped node: its usage is added to its
    node's in ``node_usage`` (in row order). A steady pod (sampled now and at the last scrape
    in the same group number, without a restart) keeps its group's sample row: nothing is
    written for it. Its counter's rise is the trapezoid of its usage then and now, whatever
    the number meant then: the values of the last scrape are read by the last scrape's
    numbers. Every other pod sampled now or at
    the last scrape is listed in ``changed``, with its group now (-1: not scraped) in
    ``changed_group`` (_sample_changed does those); returns how many."""
    alive, node_index, restarts = live.alive, live.node_index, live.restarts
    group, values = live.group, live.values
    kept_group, kept_restarts, sample_row = kept.group, kept.restarts, kept.sample_row
    listed = 0
    for r in range(alive.shape[0]):   # the alive flags read less than a list of live rows
        if not alive[r]:
            if kept_group[r] >= 0:   # deleted since the last scrape
                kept_group[r] = sample_row[r] = -1
            continue
        g = group[r]
        n = node_index[r]
        if g > 0 and n >= 0 and node_scraped[n]:
            node_usage[n, CPU] += values[g, CPU]
            node_usage[n, MEMORY] += values[g, MEMORY]
        else:
            g = -1
        then = kept_group[r]
        if g == then and (g < 0 or restarts[r] == kept_restarts[r]):
            continue
        changed[listed] = r
        changed_group[listed] = g
        listed += 1
    return listed


class OwnSamples(NamedTuple):
    """The samples of the pods that were not steady at the last scrape (their own); a steady
    pod's are its group's."""

    rows: np.ndarray         # [k] int64 ascending
    time_prev: np.ndarray    # [k] float64, NaN: none
    increment: np.ndarray    # [k] float64 the CPU counter's rise


@njit
def _sample_changed(changed, changed_group, kept, values, values_before, start_time, restarts,
                    times, table, own_time_prev, own_increment):
    """The samples and metrics of the pods that are not steady (``changed``, their group
    now in ``changed_group``, -1: not scraped): _sample_rows' arithmetic for those rows, a
    pod's usage the value of its group (``values`` now, ``values_before`` at the last scrape).
    Updates ``kept``, writes each sampled pod's own previous time and CPU counter rise, and
    its metrics as a row of its own of ``table`` (after the groups' rows); returns how many
    were sampled (their samples first in the own arrays, ``changed`` reordered the same
    way)."""
    sampled_count = 0
    kept_group, kept_restarts, sample_row = kept.group, kept.restarts, kept.sample_row
    now, before = times.now, times.before
    groups = values.shape[0]
    for i in range(changed.shape[0]):
        r = changed[i]
        g = changed_group[i]
        then = kept_group[r]
        if g < 0:
            kept_group[r] = sample_row[r] = -1
            continue
        restarted = then >= 0 and restarts[r] != kept_restarts[r]
        kept_restarts[r] = restarts[r]
        if then >= 0 and not restarted:   # the same container: the trapezoid
            rise = 0.5 * (values_before[then, CPU] + values[g, CPU]) * (now - before)
            prev = before
        else:   # a first sample, or a restart (see _sample_rows)
            since, prev = _new_container(then >= 0, restarts[r], start_time[r], now,
                                         times.resolution)
            rise = values[g, CPU] * since
        kept_group[r] = g
        sample_row[r] = groups + sampled_count
        _metric_column_row(groups + sampled_count, now, now - prev, rise, values[g, MEMORY],
                           table)
        changed[sampled_count] = r
        own_time_prev[sampled_count] = prev
        own_increment[sampled_count] = rise
        sampled_count += 1
    return sampled_count


@njit
def _group_samples(group_rise, values, times, table):
    """The metrics of a steady pod of each group into the group's row of ``table``: the rise
    ``group_rise`` over the window since the last scrape."""
    now = times.now
    window = now - times.before
    for g in range(group_rise.shape[0]):
        _metric_column_row(g, now, window, group_rise[g], values[g, MEMORY], table)


@njit
def _gathered(sample_row, table, columns):
    """columns[:, r] = the metrics of row ``sample_row[r]`` of ``table`` (NaN for -1 and for
    rows past ``sample_row``'s end)."""
    count = min(sample_row.shape[0], columns.shape[1])
    for r in range(columns.shape[1]):
        q = sample_row[r] if r < count else -1
        for k in range(4):
            columns[k, r] = table[k, q] if q >= 0 else np.nan


class MetricsServer:
    """metrics-server over a ClusterState: call ``scrape`` at every resolution boundary.

    The engine's loop::

        while server.next_scrape_time <= state.time:
            server.scrape(state, usage_model, server.next_scrape_time)

    Samples are kept by pod and node row (rows are stable: deleted rows are tombstones, new
    objects append rows; when the engine compacts the pods table, renumber_pods moves the
    samples with their pods, kbench.state.compaction); arrays grow with the tables
    (capacity doubles). A scrape costs a light pass over the live pods plus the samples of
    the pods that are not steady (see the module's docstring), not the rows.
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
        self._nodes = empty_samples(0, metrics, counters)
        self._take_pods(empty_samples(0, metrics, counters))

    # -- the pods' samples -------------------------------------------------------------------

    def _take_pods(self, samples: Samples) -> None:
        """Pod samples as saved (to_arrays): every sampled pod's its own, under group
        numbers of its own (the next scrape finds every pod's group again)."""
        sampled = np.flatnonzero(~np.isnan(samples.time_last))
        self._values = np.concatenate([np.zeros((1, len(self.METRICS))),
                                       samples.usage_last[sampled]])
        group = np.full(len(samples.time_last), -1, dtype=np.int32)
        group[sampled] = 1 + np.arange(len(sampled), dtype=np.int32)
        # the sample table: a row per group (none steady: no metrics), then a row per pod
        own = len(self._values) + np.arange(len(sampled))
        sample_row = np.full(len(group), -1, dtype=np.int32)
        sample_row[sampled] = own
        own_metrics = np.full((4, len(sampled)), np.nan)
        _metric_columns(np.arange(len(sampled)), samples.time_last[sampled],
                        samples.time_prev[sampled], samples.increment[sampled],
                        samples.usage_last[sampled], own_metrics)
        self._table = np.concatenate([np.full((4, len(self._values)), np.nan), own_metrics],
                                     axis=1)
        self._kept = PodGroups(group, np.array(samples.restarts_last, dtype=np.int32),
                               sample_row)
        self._own = OwnSamples(sampled.astype(np.int64), samples.time_prev[sampled].copy(),
                               samples.increment[sampled, 0].copy())
        self._group_rise = np.full(len(self._values), np.nan)   # no pod is steady
        self._columns: np.ndarray | None = None   # pod_metrics' (None: to be gathered)
        self._before = np.nan   # the time of the scrape before the last
        self._group_buffer = np.zeros(0, dtype=np.int32)
        self.pod_count = len(samples.time_last)

    @property
    def pods(self) -> Samples:
        """The pods' samples by pod row, worked out from their groups and own samples."""
        group = self._kept.group[:self.pod_count]
        count = len(group)
        sampled = group >= 0
        time_last = np.where(sampled, self.last_scrape_time, np.nan)
        time_prev = np.where(sampled, self._before, np.nan)
        rise = np.zeros((count, 1))
        rise[sampled, 0] = self._group_rise[group[sampled]]
        own = self._own.rows < count
        time_prev[self._own.rows[own]] = self._own.time_prev[own]
        rise[self._own.rows[own], 0] = self._own.increment[own]
        usage = np.zeros((count, len(self.METRICS)))
        usage[sampled] = self._values[group[sampled]]
        return Samples(time_last, time_prev, rise, usage,
                       self._kept.restarts[:count].copy())

    @property
    def nodes(self) -> Samples:
        return Samples(*(array[:self.node_count] for array in self._nodes))

    def scrape(self, state, usage_model: UsageModel, now: float | None = None) -> None:
        """Sample every Running bound pod on a Ready node, and every Ready node, at ``now``
        (default: the state's clock); the usage comes from ``usage_model.live_usage_groups``."""
        now = state.time if now is None else float(now)
        if not np.isnan(self.last_scrape_time) and now <= self.last_scrape_time:
            raise ValueError(f"scrape at {now:g} s: the last scrape was at "
                             f"{self.last_scrape_time:g} s; scrapes must move forward in time")
        pods, nodes = state.tables["pods"], state.tables["nodes"]
        pod_count, node_count = len(pods), len(nodes)
        if len(self._group_buffer) < pod_count:
            self._group_buffer = np.zeros(max(pod_count, 2 * len(self._group_buffer)),
                                          dtype=np.int32)
        values = usage_model.live_usage_groups(state, self._group_buffer, now)
        # the rise of a steady pod's CPU counter: the trapezoid of its group's two usages
        common = min(len(values), len(self._values))
        group_rise = np.full(len(values), np.nan)
        group_rise[:common] = (0.5 * (self._values[:common, CPU] + values[:common, CPU])
                               * (now - self.last_scrape_time))
        self._kept = self._kept_rows(pod_count)
        live = LivePods(pods.alive, pods["node_index"],
                        np.ascontiguousarray(pods["restarts"], dtype=np.int32),
                        self._group_buffer, values)
        node_scraped = np.ascontiguousarray(nodes.alive & nodes["ready"])
        node_usage = np.zeros((node_count, len(self.METRICS)))
        times = ScrapeTimes(now, self.last_scrape_time, self.resolution)
        changed = np.empty(pods.live_count + 1, dtype=np.int64)
        changed_group = np.empty(pods.live_count + 1, dtype=np.int32)
        listed = _scrape_groups(live, self._kept, node_scraped, node_usage, changed,
                                changed_group)
        # the pods that had samples of their own go back to their group's (those still not
        # steady get their own again below)
        last_own = self._own.rows[self._own.rows < pod_count]
        self._kept.sample_row[last_own] = self._kept.group[last_own]
        table = np.empty((4, len(values) + listed))
        _group_samples(group_rise, values, times, table)
        own_time_prev, own_increment = np.empty(listed), np.empty(listed)
        sampled = _sample_changed(changed[:listed], changed_group[:listed], self._kept, values,
                                  self._values, np.ascontiguousarray(pods["start_time"],
                                                                     dtype=np.float64),
                                  live.restarts, times, table, own_time_prev, own_increment)
        self._table = table[:, :len(values) + sampled]
        self._columns = None
        self._own = OwnSamples(changed[:sampled].copy(), own_time_prev[:sampled],
                               own_increment[:sampled])
        self._values, self._group_rise = values, group_rise
        self._scrape_nodes(node_scraped, node_usage, node_count, now)
        self._before, self.last_scrape_time = self.last_scrape_time, now
        self.next_scrape_time = now + self.resolution
        self.pod_count = pod_count

    def _kept_rows(self, pod_count: int) -> PodGroups:
        """The kept groups and metrics with room for ``pod_count`` rows; rows past the end of
        a shorter table (another state) without samples."""
        kept = self._kept
        have = len(kept.group)
        if have < pod_count:
            size = max(pod_count, 2 * have)
            group = np.full(size, -1, dtype=np.int32)
            restarts = np.zeros(size, dtype=np.int32)
            sample_row = np.full(size, -1, dtype=np.int32)
            group[:have], restarts[:have], sample_row[:have] = kept
            kept = PodGroups(group, restarts, sample_row)
        if pod_count < self.pod_count:
            kept.group[pod_count:] = -1
            kept.sample_row[pod_count:] = -1
        return kept

    def _scrape_nodes(self, node_scraped: np.ndarray, node_usage: np.ndarray, node_count: int,
                      now: float) -> None:
        """The nodes' new samples: their pods' usage (summed by the pass) plus the overhead."""
        if self.node_overhead.any():
            np.add(node_usage, self.node_overhead, out=node_usage, where=node_scraped[:, None])
        nodes = self._nodes
        if len(nodes.time_last) < node_count:
            grown = empty_samples(node_count, len(self.METRICS), len(self.COUNTER_METRIC))
            have = len(nodes.time_last)
            for name in ("time_last", "time_prev", "increment", "usage_last", "restarts_last"):
                getattr(grown, name)[:have] = getattr(nodes, name)
            nodes = grown
        nodes = Samples(*(array[:node_count] for array in nodes))
        _sample_rows(nodes, nodes.usage_last, node_usage, np.arange(node_count), node_scraped,
                     np.full(node_count, np.nan), np.zeros(node_count, dtype=np.int32),
                     self.COUNTER_METRIC, now, self.resolution)
        self._nodes = nodes._replace(usage_last=node_usage)
        self.node_count = node_count

    def pod_metrics(self, pod_count: int | None = None) -> PodMetricsArrays:
        """Metrics of every pod row (NaN: none), padded with NaN to ``pod_count`` rows when the
        pods table grew since the last scrape: pod_sample_rows gathered by row (once per
        scrape). Read-only arrays: copy them to keep them past the next scrape."""
        count = self.pod_count if pod_count is None else pod_count
        columns = self._columns
        if columns is None or columns.shape[1] < count:
            columns = np.empty((4, max(count, self.pod_count)))
            _gathered(self._kept.sample_row[:self.pod_count], self._table, columns)
            columns.flags.writeable = False
            self._columns = columns
        return PodMetricsArrays(*columns[:, :count])

    def pod_sample_rows(self, pod_count: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(sample_of_pod, table): pod p's metrics (pod_metrics) are column
        ``sample_of_pod[p]`` of ``table`` [cpu, memory, sample time, window] (-1: none).
        Steady pods share their group's column, so nothing is worked out per pod. Read-only
        views, ``pod_count`` rows (default: the pods at the last scrape; rows past those have
        no metrics)."""
        count = self.pod_count if pod_count is None else pod_count
        rows = self._kept.sample_row[:min(count, self.pod_count)]
        table = self._table
        rows.flags.writeable = table.flags.writeable = False
        return rows, table

    def node_metrics(self, node_count: int | None = None) -> NodeMetricsArrays:
        """Metrics of every node row (NaN: none)."""
        return NodeMetricsArrays(*_metric_arrays(self.nodes, node_count))

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
        """The samples and scrape times of to_arrays (or of an earlier kbench, which kept the
        two cumulative counters: their difference is the rise)."""
        arrays = dict(arrays)
        for label in ("pod", "node"):
            last, prev = arrays.get(f"{label}_counter_last"), arrays.get(f"{label}_counter_prev")
            if f"{label}_increment" not in arrays and last is not None and prev is not None:
                arrays[f"{label}_increment"] = np.asarray(last) - np.asarray(prev)
        missing = [f"{label}_{field}" for label in ("pod", "node") for field in Samples._fields
                   if f"{label}_{field}" not in arrays]
        if missing:
            raise ValueError(f"saved metrics-server state: no {', '.join(missing)} (saved by "
                             f"another version of kbench?)")
        self.next_scrape_time, self.last_scrape_time = (float(v) for v in arrays["times"])
        self._take_pods(Samples(*(np.array(arrays[f"pod_{f}"]) for f in Samples._fields)))
        self._nodes = Samples(*(np.array(arrays[f"node_{f}"]) for f in Samples._fields))
        self.node_count = len(self._nodes.time_last)
