"""Reference metrics-server scrape: the obvious loops, straight from metrics-server's storage.

Ported from kubernetes-sigs/metrics-server pkg/storage/:
  types.go   MetricsPoint, resourceUsage (rate = counter delta / window; a counter that
             decreases drops the metric)
  pod.go     podStorage.Store (the last point moves to prev unless the container restarted;
             fresh containers, 10 s <= age < resolution, get a zero point at their start time)
             and GetMetrics (a metric needs both points)
  node.go    nodeStorage.Store / GetMetrics (the same without the fresh-container rule)
plus kbench's counter model (kbench.metrics.server): counters grow by the trapezoid of the
usage sampled at consecutive scrapes; a first sample integrates usage * (now - start). A point
holds each counter's rise since the point before (what the rate reads: the difference of the
two cumulative values).

Rows are dicts of Python floats; the twin of kbench.metrics.server._scrape, compared exactly.

Also the usage model's patterns, one pattern and one key at a time (``pattern_value``): the
twin of kbench.metrics.usage's compiled pattern kernels (_shared_values, _keyed_value), with
the noise hash in Python integers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

FRESH_CONTAINER_MIN_SECONDS = 10.0


@dataclass
class Point:
    """metrics-server's MetricsPoint: a timestamp and, per metric, the counter's rise since
    the point before (cumulative metrics) or value (gauges); ``usage`` is the instantaneous
    usage sampled with it."""

    timestamp: float
    values: list[float]
    usage: list[float]


@dataclass
class Row:
    last: Point | None = None
    prev: Point | None = None
    restarts: int = 0
    metric: list[float] | None = None   # None: no metric
    window: float | None = None


@dataclass
class ReferenceStorage:
    """Samples of every pod and node row."""

    pods: list[Row] = field(default_factory=list)
    nodes: list[Row] = field(default_factory=list)

    def grow(self, pods: int, nodes: int) -> None:
        self.pods += [Row() for _ in range(pods - len(self.pods))]
        self.nodes += [Row() for _ in range(nodes - len(self.nodes))]


def resource_usage(last: Point, prev: Point, cumulative: list[bool]):
    """types.go resourceUsage: (metric values, window) or None when the counter decreased."""
    for m, is_counter in enumerate(cumulative):
        if is_counter and last.values[m] < 0:
            return None
    window = last.timestamp - prev.timestamp
    values = [_divide(last.values[m], window) if is_counter else last.values[m]
              for m, is_counter in enumerate(cumulative)]
    return values, window


def _divide(rise: float, window: float) -> float:
    """rise / window, as numpy divides by 0 (inf or NaN)."""
    if window != 0.0:
        return rise / window
    return math.copysign(math.inf, rise) if rise != 0 else math.nan


def _store(row: Row, usage: list[float], cumulative: list[bool], now: float,
           continues: bool, since: float, fresh: bool) -> None:
    if continues:
        last = row.last
        dt = now - last.timestamp
        values = [0.5 * (last.usage[m] + usage[m]) * dt if is_counter
                  else usage[m] for m, is_counter in enumerate(cumulative)]
        row.prev, row.last = last, Point(now, values, list(usage))
    else:
        values = [usage[m] * since if is_counter else usage[m]
                  for m, is_counter in enumerate(cumulative)]
        row.last = Point(now, values, list(usage))
        row.prev = None
        if fresh:  # pod.go: a synthetic point at the container's start with zero counters
            row.prev = Point(now - since, [0.0 if is_counter else usage[m]
                                           for m, is_counter in enumerate(cumulative)],
                             list(usage))
    row.metric, row.window = None, None
    if row.prev is not None and not math.isnan(row.last.timestamp - row.prev.timestamp):
        result = resource_usage(row.last, row.prev, cumulative)
        if result is not None:
            row.metric, row.window = result


def _forget(row: Row) -> None:
    row.last = row.prev = None
    row.metric = row.window = None


def scrape(storage: ReferenceStorage, pod_usage, node_of_pod, start_time, restarts,
           node_scraped, node_overhead, cumulative, now: float, resolution: float):
    """One scrape; returns the node usage summed at ``now`` as lists."""
    pod_usage = [list(map(float, row)) for row in pod_usage]
    cumulative = [bool(c) for c in cumulative]
    metrics = len(cumulative)
    storage.grow(len(pod_usage), len(node_scraped))
    node_usage = [[0.0] * metrics for _ in node_scraped]
    for p, node in enumerate(int(n) for n in node_of_pod):
        row = storage.pods[p]
        if node < 0:
            _forget(row)
            continue
        for m in range(metrics):
            node_usage[node][m] += pod_usage[p][m]
        sampled = row.last is not None
        restarted = sampled and int(restarts[p]) != row.restarts
        continues = sampled and not restarted
        since = 0.0
        start = float(start_time[p])
        if not sampled and int(restarts[p]) == 0 and start <= now:
            since = now - start
        fresh = FRESH_CONTAINER_MIN_SECONDS <= since < resolution
        row.restarts = int(restarts[p])
        _store(row, pod_usage[p], cumulative, now, continues, since, fresh)
    for n, scraped in enumerate(node_scraped):
        row = storage.nodes[n]
        if not scraped:
            _forget(row)
            continue
        for m in range(metrics):
            node_usage[n][m] += float(node_overhead[n][m])
        _store(row, node_usage[n], cumulative, now, row.last is not None, 0.0, False)
    return node_usage


# -- usage patterns --------------------------------------------------------------------------

MASK64 = (1 << 64) - 1


def splitmix64(x: int) -> int:
    """SplitMix64's finaliser (Steele et al. 2014) on Python ints, wrapping at 64 bits."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def _constant(pattern, t, key, model_seed):
    return pattern.value


def _diurnal(pattern, t, key, model_seed):
    return pattern.mean + pattern.amplitude * math.sin(
        2.0 * math.pi * (t - pattern.phase) / pattern.period)


def _steps(pattern, t, key, model_seed):
    value = 0.0   # before the first step
    for time, step_value in zip(pattern.times, pattern.values):
        if time <= t:
            value = step_value
    return value


def _spikes(pattern, t, key, model_seed):
    if t < pattern.start:
        return 0.0
    into_period = math.fmod(t - pattern.start, pattern.period)
    return pattern.height if into_period < pattern.duration else 0.0


def _noise(pattern, t, key, model_seed):
    step = math.floor(t / pattern.interval)
    prefix = splitmix64(splitmix64(model_seed & MASK64) ^ (pattern.seed & MASK64))
    mixed = splitmix64(splitmix64(prefix ^ (key & MASK64)) ^ (step & MASK64))
    fraction = (mixed >> 11) * (1.0 / 9007199254740992.0)   # top 53 bits / 2**53
    return pattern.amplitude * (2.0 * fraction - 1.0)


def _sum(pattern, t, key, model_seed):
    total = 0.0
    for part in pattern.parts:
        total = total + pattern_value(part, t, key, model_seed)
    return total


#: By the pattern class's name (kbench.metrics.usage: Constant, Diurnal, ...).
PATTERN_VALUES = {"Constant": _constant, "Diurnal": _diurnal, "Steps": _steps,
                  "Spikes": _spikes, "Noise": _noise, "Sum": _sum, "_PerPodSum": _sum}


def pattern_value(pattern, t: float, key: int, model_seed: int) -> float:
    """The value of a parsed pattern (kbench.metrics.usage.parse_pattern) at ``t`` for one
    noise key (a uid code) in a model seeded ``model_seed``."""
    return PATTERN_VALUES[type(pattern).__name__](pattern, t, key, model_seed)
