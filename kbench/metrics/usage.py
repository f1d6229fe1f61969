"""The usage model: how much CPU and working-set memory every pod uses at a simulated time.

A pod's usage comes from, in this order of precedence (per resource):

1. a pin: ``UsageModel.pin(rows, cpu="250m", memory="64Mi")`` fixes the value;
2. otherwise its pattern plus its share of load:
   - the pattern is the one set with ``set_pattern`` or, failing that, the one in the pod's
     ``kbench.io/usage`` annotation (so every pod of a Deployment gets its template's);
   - the load share is the requests/s of the pod's Deployment (``kbench.io/load`` on the
     Deployment, or ``set_load``) split evenly over the Deployment's ready pods, times the
     pod's cost per request (``kbench.io/cost-per-request`` on the pod, else on the
     Deployment); pods that are not ready get no load.
3. a pod with none of these uses 0.

Only a live pod that is bound to a node and Running uses anything; every other pod uses 0.
Usage never goes below 0 (a pattern that dips below is clipped).

Patterns are small specs (dict, list or scalar, as parsed from JSON/YAML)::

    "200m"                                            constant (a bare quantity)
    {"pattern": "constant", "value": "200m"}
    {"pattern": "diurnal", "mean": "200m", "amplitude": "100m",
     "period": "24h", "phase": "6h"}                  mean + amplitude*sin(2*pi*(t-phase)/period)
    {"pattern": "steps", "steps": [["0s", "100m"], ["1h", "300m"]]}
                                                      value of the last step at or before t (0 before the first)
    {"pattern": "spikes", "period": "1h", "duration": "5m", "height": "500m", "start": "0s"}
                                                      height while (t-start) mod period < duration, t >= start
    {"pattern": "noise", "amplitude": "50m", "interval": "15s", "seed": 1}
                                                      uniform in [-amplitude, amplitude), new value each interval
    {"pattern": "sum", "of": [spec, spec, ...]}       or just a list of specs: their sum

Amounts are Kubernetes quantities: CPU in cores ("250m", 0.25), memory in bytes ("64Mi"),
load in requests per second (100, "1k"). Durations are seconds or Go durations ("15s", "1h30m").

Noise is a counter-based hash of (model seed, pattern seed, key, step index): the key is the
pod's uid code (the Deployment's for load), the step index is floor(t / interval). The same
inputs give the same value however often and in whatever order the model is sampled.

Everything the model holds (pins, patterns, loads) is numpy arrays and JSON text:
``to_arrays()`` / ``from_arrays()`` save and restore it without pickle.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np
import yaml

from kbench._jit import njit
from kbench.api.quantity import Quantity
from kbench.api.yaml_text import safe_load_text
from kbench.errors import ManifestError, QuantityError
from kbench.sim.clock import DurationError, parse_duration
from kbench.state.compaction import kept_rows
from kbench.state.schema import POD_PHASES
from kbench.state.strings import canonical_json

__all__ = [
    "COST_ANNOTATION",
    "CompiledPatterns",
    "LOAD_ANNOTATION",
    "USAGE_ANNOTATION",
    "PodUsage",
    "UsageModel",
    "UsageSpecError",
    "active_pod_mask",
    "evaluate_patterns",
    "parse_pattern",
    "patterns_at",
    "uniform_hash",
]

USAGE_ANNOTATION = "kbench.io/usage"
LOAD_ANNOTATION = "kbench.io/load"
COST_ANNOTATION = "kbench.io/cost-per-request"

RUNNING = POD_PHASES.index("Running")
#: Columns of the [pods, 2] usage matrix.
RESOURCES = ("cpu", "memory")

#: What an amount of each unit is measured in, and its factor over the quantity's value.
UNITS = {"cpu": ("millicores", 1000), "memory": ("bytes", 1), "load": ("requests/s", 1)}

DAY = 86400.0


class UsageSpecError(ManifestError):
    """A usage, load or cost spec that cannot be read: says where (object, field path), the bad
    value and what would be right."""


class PodUsage(NamedTuple):
    """Usage of every pod row at one time: ``cpu`` millicores, ``memory`` working-set bytes."""

    cpu: np.ndarray
    memory: np.ndarray


# -- patterns ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Constant:
    value: float
    per_pod: ClassVar[bool] = False

    def evaluate(self, t: float, keys, seed: int):
        return self.value


@dataclass(frozen=True)
class Diurnal:
    mean: float
    amplitude: float
    period: float
    phase: float
    per_pod: ClassVar[bool] = False

    def evaluate(self, t: float, keys, seed: int):
        return self.mean + self.amplitude * math.sin(2.0 * math.pi * (t - self.phase) / self.period)


@dataclass(frozen=True)
class Steps:
    times: tuple[float, ...]
    values: tuple[float, ...]
    per_pod: ClassVar[bool] = False

    def evaluate(self, t: float, keys, seed: int):
        index = int(np.searchsorted(np.asarray(self.times), t, side="right")) - 1
        return self.values[index] if index >= 0 else 0.0


@dataclass(frozen=True)
class Spikes:
    period: float
    duration: float
    height: float
    start: float
    per_pod: ClassVar[bool] = False

    def evaluate(self, t: float, keys, seed: int):
        if t < self.start:
            return 0.0
        return self.height if math.fmod(t - self.start, self.period) < self.duration else 0.0


@dataclass(frozen=True)
class Noise:
    amplitude: float
    interval: float
    seed: int
    per_pod: ClassVar[bool] = True

    def evaluate(self, t: float, keys, seed: int):
        step = math.floor(t / self.interval)
        return self.amplitude * (2.0 * uniform_hash(seed, self.seed, keys, step) - 1.0)


@dataclass(frozen=True)
class Sum:
    parts: tuple
    per_pod: ClassVar[bool] = False  # set per instance in parse (a sum is per pod if a part is)

    def evaluate(self, t: float, keys, seed: int):
        total = 0.0
        for part in self.parts:
            total = total + part.evaluate(t, keys, seed)
        return total


class _PerPodSum(Sum):
    per_pod: ClassVar[bool] = True


_MASK64 = (1 << 64) - 1


@njit
def _splitmix64(x):
    """SplitMix64's finaliser (Steele et al. 2014): a bijective mix of a 64-bit word."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@njit
def _uniform_hash(prefix, keys, step, out):
    """out[i] = the top 53 bits of mix(mix(prefix ^ keys[i]) ^ step) as a fraction of 2**53."""
    for i in range(keys.shape[0]):
        h = _splitmix64(_splitmix64(prefix ^ keys[i]) ^ step)
        out[i] = np.float64(h >> np.uint64(11)) * (1.0 / 9007199254740992.0)


def uniform_hash(model_seed: int, pattern_seed: int, keys, step: int) -> np.ndarray:
    """Uniform numbers in [0, 1), one per key, from a hash of (seeds, key, step): no RNG state,
    so a value depends only on its inputs, never on how often anything was sampled."""
    keys = np.ascontiguousarray(np.atleast_1d(np.asarray(keys, dtype=np.int64))).view(np.uint64)
    out = np.empty(len(keys), dtype=np.float64)
    with np.errstate(over="ignore"):   # wrapping is meant (only numpy warns, without the JIT)
        _uniform_hash(_noise_prefix(model_seed, pattern_seed), keys, np.uint64(step & _MASK64),
                      out)
    return out


def _noise_prefix(model_seed: int, pattern_seed: int) -> np.uint64:
    """The hash prefix of one noise pattern in one model: mix(mix(model seed) ^ pattern seed)."""
    with np.errstate(over="ignore"):   # wrapping is meant (only numpy warns, without the JIT)
        return np.uint64(_splitmix64(_splitmix64(np.uint64(model_seed & _MASK64))
                                     ^ np.uint64(pattern_seed & _MASK64)))


# -- compiled patterns ---------------------------------------------------------------------
#
# Every registered pattern is compiled once into rows of one node table: a node per pattern
# and per part of a sum, each pattern's nodes contiguous and in post-order (parts before
# their sum, the pattern's own node last). At a time t, one kernel call (patterns_at)
# evaluates every node that is the same for every key; per-pod nodes (noise, and sums with
# noise inside) are then evaluated per key by _keyed_values, grouped by pattern, as columns.
# No Python call per pattern: a scrape of a cluster with 1,000 Deployments, each with its
# own load pattern, makes a few kernel calls, not thousands of Python ones. The arithmetic
# is the pattern classes' evaluate, operation for operation and in the same order, so that
# values are equal to the last bit (tests/reference/metrics.py pattern_value is the twin).

CONSTANT, DIURNAL, STEPS, SPIKES, NOISE, SUM = range(6)


class CompiledPatterns(NamedTuple):
    """The node table of a model's patterns (see above). ``params`` columns by kind:
    constant (value), diurnal (mean, amplitude, period, phase), spikes (period, duration,
    height, start), noise (amplitude, interval); steps and sum parts are CSR ranges."""

    kind: np.ndarray           # [nodes] int8: CONSTANT ... SUM
    per_pod: np.ndarray        # [nodes] bool: the value depends on the key (noise inside)
    params: np.ndarray         # [nodes, 4] float64
    noise_prefix: np.ndarray   # [nodes] uint64 hash prefix of a noise node (_noise_prefix)
    step_start: np.ndarray     # [nodes + 1] int64: node n's steps: step_*[start[n]:start[n + 1]]
    step_time: np.ndarray      # [steps] float64, increasing within a node
    step_value: np.ndarray     # [steps] float64
    part_start: np.ndarray     # [nodes + 1] int64: sum n's parts: part_node[start[n]:start[n + 1]]
    part_node: np.ndarray      # [parts] int32 node of each part, in the sum's order
    first_node: np.ndarray     # [patterns] int32 the first node of each pattern
    root_node: np.ndarray      # [patterns] int32 each pattern's own node (its last)


class _PatternCompiler:
    """Appends patterns to a node table as Python lists; ``arrays()`` packs them (again only
    after patterns were added)."""

    def __init__(self, model_seed: int) -> None:
        self.model_seed = model_seed
        self.kind, self.params, self.noise_prefix = [], [], []
        self.step_start, self.step_time, self.step_value = [0], [], []
        self.part_start, self.part_node = [0], []
        self.first_node, self.root_node = [], []
        self.per_pod = []
        self._arrays: CompiledPatterns | None = None

    def __len__(self) -> int:
        return len(self.root_node)

    def add(self, pattern) -> None:
        self.first_node.append(len(self.kind))
        self.root_node.append(self._node(pattern))
        self._arrays = None

    def _node(self, pattern) -> int:
        parts = [self._node(part) for part in pattern.parts] if isinstance(pattern, Sum) else []
        kind, params, prefix = _NODE_OF[type(pattern)](pattern, self.model_seed)
        if isinstance(pattern, Steps):
            self.step_time.extend(pattern.times)
            self.step_value.extend(pattern.values)
        self.step_start.append(len(self.step_time))
        self.part_node.extend(parts)
        self.part_start.append(len(self.part_node))
        self.kind.append(kind)
        self.params.append(params + (0.0,) * (4 - len(params)))
        self.noise_prefix.append(prefix)
        self.per_pod.append(pattern.per_pod)
        return len(self.kind) - 1

    def arrays(self) -> CompiledPatterns:
        if self._arrays is None:
            self._arrays = CompiledPatterns(
                np.array(self.kind, dtype=np.int8), np.array(self.per_pod, dtype=np.bool_),
                np.array(self.params, dtype=np.float64).reshape(-1, 4),
                np.array(self.noise_prefix, dtype=np.uint64),
                np.array(self.step_start, dtype=np.int64),
                np.array(self.step_time, dtype=np.float64),
                np.array(self.step_value, dtype=np.float64),
                np.array(self.part_start, dtype=np.int64),
                np.array(self.part_node, dtype=np.int32),
                np.array(self.first_node, dtype=np.int32),
                np.array(self.root_node, dtype=np.int32))
        return self._arrays


#: What each pattern class becomes in the node table: (kind, params, noise prefix).
_NODE_OF = {
    Constant: lambda p, seed: (CONSTANT, (p.value,), 0),
    Diurnal: lambda p, seed: (DIURNAL, (p.mean, p.amplitude, p.period, p.phase), 0),
    Steps: lambda p, seed: (STEPS, (), 0),
    Spikes: lambda p, seed: (SPIKES, (p.period, p.duration, p.height, p.start), 0),
    Noise: lambda p, seed: (NOISE, (p.amplitude, p.interval), int(_noise_prefix(seed, p.seed))),
    Sum: lambda p, seed: (SUM, (), 0),
    _PerPodSum: lambda p, seed: (SUM, (), 0),
}


class PatternsAt(NamedTuple):
    """The compiled patterns at one time t: what does not depend on the key."""

    value: np.ndarray        # [nodes] float64 value of every node the same for every key
    noise_step: np.ndarray   # [nodes] uint64 floor(t / interval) of every noise node


def patterns_at(patterns: CompiledPatterns, t: float) -> PatternsAt:
    """Every node's key-independent value (and noise step) at ``t``: one kernel call."""
    at = PatternsAt(np.zeros(len(patterns.kind)), np.zeros(len(patterns.kind), dtype=np.uint64))
    _shared_values(patterns, float(t), at)
    return at


@njit
def _shared_values(patterns, t, at):
    """``at.value`` [nodes]: every node's value at ``t`` that is the same for all keys (per-pod
    nodes are left as they are); ``at.noise_step``: each noise node's step index. The
    arithmetic is the pattern classes' evaluate, operation for operation, so that values are
    equal to the last bit."""
    values = at.value
    for n in range(patterns.kind.shape[0]):
        if patterns.kind[n] == NOISE:   # the step as Noise.evaluate takes it, wrapped to 64 bits
            at.noise_step[n] = np.uint64(np.int64(math.floor(t / patterns.params[n, 1])))
        if patterns.per_pod[n]:
            continue
        kind = patterns.kind[n]
        a, b, c, d = (patterns.params[n, 0], patterns.params[n, 1], patterns.params[n, 2],
                      patterns.params[n, 3])
        if kind == CONSTANT:
            values[n] = a
        elif kind == DIURNAL:
            values[n] = a + b * math.sin(2.0 * math.pi * (t - d) / c)
        elif kind == STEPS:
            # np.searchsorted(times, t, side="right") - 1: the last step at or before t
            low, high = patterns.step_start[n], patterns.step_start[n + 1]
            while low < high:
                middle = (low + high) // 2
                if patterns.step_time[middle] <= t:
                    low = middle + 1
                else:
                    high = middle
            values[n] = patterns.step_value[low - 1] if low > patterns.step_start[n] else 0.0
        elif kind == SPIKES:
            if t < d:
                values[n] = 0.0
            else:
                values[n] = c if np.fmod(t - d, a) < b else 0.0   # math.fmod: exact, too
        elif kind == SUM:
            total = 0.0
            for i in range(patterns.part_start[n], patterns.part_start[n + 1]):
                total = total + values[patterns.part_node[i]]
            values[n] = total


@njit
def _keyed_values(patterns, at, pattern_of, key_of, out):
    """out[i] = the value of per-pod pattern pattern_of[i] for noise key key_of[i] (uint64) at
    the time of ``at``. Rows are grouped by pattern (a counting sort), then each pattern's
    per-pod nodes are evaluated in post-order as columns over its rows: tight loops, like
    uniform_hash's, rather than one walk of the pattern per row."""
    patterns_count = patterns.root_node.shape[0]
    start = np.zeros(patterns_count + 1, dtype=np.int64)
    for i in range(pattern_of.shape[0]):
        start[pattern_of[i] + 1] += 1
    for q in range(patterns_count):
        start[q + 1] += start[q]
    order = np.empty(pattern_of.shape[0], dtype=np.int64)
    filled = start[:-1].copy()
    for i in range(pattern_of.shape[0]):
        order[filled[pattern_of[i]]] = i
        filled[pattern_of[i]] += 1
    for q in range(patterns_count):
        rows = order[start[q]:start[q + 1]]
        if rows.shape[0] == 0:
            continue
        first = patterns.first_node[q]
        root = patterns.root_node[q]
        columns = np.empty((root - first + 1, rows.shape[0]), dtype=np.float64)
        for n in range(first, root + 1):
            if not patterns.per_pod[n]:
                continue   # the same for every row: at.value[n]
            column = columns[n - first]
            if patterns.kind[n] == NOISE:   # Noise.evaluate: amplitude * (2 u - 1)
                prefix, step = patterns.noise_prefix[n], at.noise_step[n]
                amplitude = patterns.params[n, 0]
                for i in range(rows.shape[0]):
                    h = _splitmix64(_splitmix64(prefix ^ key_of[rows[i]]) ^ step)
                    fraction = np.float64(h >> np.uint64(11)) * (1.0 / 9007199254740992.0)
                    column[i] = amplitude * (2.0 * fraction - 1.0)
            else:   # a sum with a per-pod part: 0.0 + part + part ..., in order (Sum.evaluate)
                column[:] = 0.0
                for j in range(patterns.part_start[n], patterns.part_start[n + 1]):
                    part = patterns.part_node[j]
                    if patterns.per_pod[part]:
                        part_column = columns[part - first]
                        for i in range(rows.shape[0]):
                            column[i] = column[i] + part_column[i]
                    else:
                        value = at.value[part]
                        for i in range(rows.shape[0]):
                            column[i] = column[i] + value
        result = columns[root - first]
        for i in range(rows.shape[0]):
            out[rows[i]] = result[i]


@njit
def _pattern_values(patterns, at, ids, keys, out):
    """out[i] = the value of pattern ids[i] (-1: none, 0) for key keys[i] at ``at``'s time."""
    keyed = np.zeros(ids.shape[0], dtype=np.bool_)
    for i in range(ids.shape[0]):
        pattern = ids[i]
        if pattern < 0:
            out[i] = 0.0
        elif patterns.per_pod[patterns.root_node[pattern]]:
            keyed[i] = True
        else:
            out[i] = at.value[patterns.root_node[pattern]]
    rows = np.flatnonzero(keyed)
    values = np.empty(rows.shape[0], dtype=np.float64)
    _keyed_values(patterns, at, ids[rows], keys[rows], values)
    out[rows] = values


def evaluate_patterns(patterns: CompiledPatterns, ids: np.ndarray, keys: np.ndarray,
                      t: float) -> np.ndarray:
    """Values of patterns ``ids`` (-1: none, 0) at ``t``, per-pod ones for ``keys`` (uid codes):
    every shared pattern once, then one pass over the rows, all compiled."""
    ids = np.ascontiguousarray(ids, dtype=np.int32)
    keys = np.ascontiguousarray(keys, dtype=np.int64).view(np.uint64)
    if ids.shape != keys.shape:
        raise ValueError(f"{len(ids)} pattern ids for {len(keys)} keys")
    if len(ids) and ids.max() >= len(patterns.root_node):
        raise ValueError(f"pattern id {ids.max()}: only {len(patterns.root_node)} are compiled")
    out = np.empty(len(ids), dtype=np.float64)
    with np.errstate(over="ignore"):   # hashing wraps (only numpy warns, without the JIT)
        _pattern_values(patterns, patterns_at(patterns, t), ids, keys, out)
    return out


# -- parsing -------------------------------------------------------------------------------

#: Each pattern's fields: name -> (kind, default); a default of _REQUIRED must be given.
_REQUIRED = object()
_PATTERN_FIELDS = {
    "constant": {"value": ("amount", _REQUIRED)},
    "diurnal": {"mean": ("amount", _REQUIRED), "amplitude": ("amount", 0.0),
                "period": ("duration", DAY), "phase": ("duration", 0.0)},
    "steps": {"steps": ("steps", _REQUIRED)},
    "spikes": {"period": ("duration", _REQUIRED), "duration": ("duration", _REQUIRED),
               "height": ("amount", _REQUIRED), "start": ("duration", 0.0)},
    "noise": {"amplitude": ("amount", _REQUIRED), "interval": ("duration", 15.0),
              "seed": ("int", 0)},
    "sum": {"of": ("list", _REQUIRED)},
}


def _join(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


def _amount(value: object, unit: str, path: str) -> float:
    """A quantity as a float in the unit's measure (CPU millicores, memory bytes, load req/s)."""
    if isinstance(value, (dict, list)) or value is None:
        raise UsageSpecError(f"must be a quantity (e.g. {_EXAMPLE[unit]})", field=path, value=value)
    try:
        return float(Quantity.parse(value).value * UNITS[unit][1])
    except QuantityError as error:
        raise UsageSpecError(str(error), field=path) from None


_EXAMPLE = {"cpu": '"250m" or 0.25 (cores)', "memory": '"64Mi" or 67108864 (bytes)',
            "load": "100 (requests/s)"}


def _duration(value: object, path: str) -> float:
    try:
        return parse_duration(value, field=path)
    except DurationError as error:
        raise UsageSpecError(str(error).split(": ", 2)[-1], field=path, value=value) from None


def parse_pattern(spec: object, unit: str, path: str = "") -> object:
    """The pattern a spec describes; ``unit`` is "cpu", "memory" or "load". Raises
    UsageSpecError naming the field path (``path`` is prefixed, e.g. "cpu")."""
    if unit not in UNITS:
        raise ValueError(f"unit {unit!r}: must be one of {', '.join(UNITS)}")
    if isinstance(spec, list):
        return _sum([parse_pattern(part, unit, _join(path, i)) for i, part in enumerate(spec)])
    if not isinstance(spec, dict):
        return Constant(_amount(spec, unit, path))
    name = spec.get("pattern", "constant" if "value" in spec else None)
    if name not in _PATTERN_FIELDS:
        where = _join(path, "pattern")
        known = ", ".join(_PATTERN_FIELDS)
        if name is None:
            raise UsageSpecError(f"required: one of {known}", field=where)
        raise UsageSpecError(f"unknown pattern; must be one of {known}", field=where, value=name)
    fields = _PATTERN_FIELDS[name]
    unknown = sorted(set(spec) - set(fields) - {"pattern"})
    if unknown:
        raise UsageSpecError(f"unknown field of a {name} pattern; its fields are "
                             f"{', '.join(['pattern', *fields])}", field=_join(path, unknown[0]))
    values = {}
    for field, (kind, default) in fields.items():
        where = _join(path, field)
        if field not in spec:
            if default is _REQUIRED:
                raise UsageSpecError(f"required by a {name} pattern", field=where)
            values[field] = default
            continue
        raw = spec[field]
        if kind == "amount":
            values[field] = _amount(raw, unit, where)
        elif kind == "duration":
            values[field] = _duration(raw, where)
        elif kind == "int":
            if isinstance(raw, bool) or not isinstance(raw, int):
                raise UsageSpecError("must be an integer", field=where, value=raw)
            values[field] = raw
        elif kind == "list":
            if not isinstance(raw, list) or not raw:
                raise UsageSpecError("must be a non-empty list of patterns", field=where, value=raw)
            values[field] = [parse_pattern(part, unit, _join(where, i)) for i, part in enumerate(raw)]
        else:
            values[field] = _steps(raw, unit, where)
    return _build(name, values, path)


def _steps(raw: object, unit: str, path: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    if not isinstance(raw, list) or not raw:
        raise UsageSpecError('must be a non-empty list of [time, value] pairs, e.g. '
                             '[["0s", "100m"], ["1h", "300m"]]', field=path, value=raw)
    times, values = [], []
    for i, step in enumerate(raw):
        where = _join(path, i)
        if isinstance(step, dict) and set(step) == {"time", "value"}:
            time_value, amount, time_path, value_path = (step["time"], step["value"],
                                                         _join(where, "time"), _join(where, "value"))
        elif isinstance(step, list) and len(step) == 2:
            time_value, amount, time_path, value_path = (step[0], step[1], _join(where, 0),
                                                         _join(where, 1))
        else:
            raise UsageSpecError('must be a [time, value] pair or {"time": ..., "value": ...}',
                                 field=where, value=step)
        times.append(_duration(time_value, time_path))
        values.append(_amount(amount, unit, value_path))
        if i and times[-1] <= times[-2]:
            raise UsageSpecError(f"step times must increase; the step before is at {times[-2]:g} s",
                                 field=time_path, value=time_value)
    return tuple(times), tuple(values)


def _build(name: str, values: dict, path: str):
    def positive(field: str) -> None:
        if not values[field] > 0:
            raise UsageSpecError("must be more than 0", field=_join(path, field),
                                 value=values[field])

    if name == "constant":
        return Constant(values["value"])
    if name == "diurnal":
        positive("period")
        return Diurnal(values["mean"], values["amplitude"], values["period"], values["phase"])
    if name == "steps":
        return Steps(*values["steps"])
    if name == "spikes":
        positive("period")
        if values["duration"] < 0:
            raise UsageSpecError("must not be negative", field=_join(path, "duration"),
                                 value=values["duration"])
        return Spikes(values["period"], values["duration"], values["height"], values["start"])
    if name == "noise":
        positive("interval")
        if values["amplitude"] < 0:
            raise UsageSpecError("must not be negative", field=_join(path, "amplitude"),
                                 value=values["amplitude"])
        return Noise(values["amplitude"], values["interval"], values["seed"])
    return _sum(values["of"])


def _sum(parts: list):
    parts = tuple(parts)
    return (_PerPodSum if any(part.per_pod for part in parts) else Sum)(parts)


def _load_document(text: object, path: str) -> object:
    """An annotation's value: JSON or YAML text (annotations are strings)."""
    if not isinstance(text, str):
        return text
    try:
        return safe_load_text(text)
    except yaml.YAMLError as error:
        raise UsageSpecError(f"not valid JSON or YAML: {str(error).splitlines()[0]}",
                             field=path, value=text) from None


class PodPatternInputs(NamedTuple):
    """What the pod usage kernel reads about pods, by pod row (explicit and pinned arrays at
    least as long as the pods table, or empty when none is set) and by annotation code + 1
    (index 0: no annotations)."""

    node_index: np.ndarray       # [pods] int32, -1: unbound
    phase: np.ndarray            # [pods] int8 (POD_PHASES)
    annotations: np.ndarray      # [pods] int32 annotation document code, -1: none
    uid: np.ndarray              # [pods] int32 uid string code: the key of per-pod noise
    known: np.ndarray            # [codes + 1] bool: the document was parsed
    annotated: np.ndarray        # [codes + 1, 2] int32 (cpu, memory) pattern ids, -1: none
    explicit: np.ndarray         # [>= pods, 2] int32 patterns set with set_pattern, -1: none
    pinned: np.ndarray           # [>= pods, 2] float64 pins, NaN: none


#: explicit / pinned of a model where no pod ever had a pattern set / a pin (nothing to read).
_NONE_SET = np.full((0, 2), -1, dtype=np.int32)
_NONE_PINNED = np.full((0, 2), np.nan)


class LoadInputs(NamedTuple):
    """What the pod usage kernel reads about Deployment load; every array is empty when no
    Deployment has load."""

    requests: np.ndarray           # [deployments] float64 requests/s at the time
    ready: np.ndarray              # [pods] bool
    deployment_of_pod: np.ndarray  # [>= pods] int32 owning Deployment row, -1: none
    deployment_alive: np.ndarray   # [deployments] bool
    cost_cpu: np.ndarray           # [codes + 1] float64 millicores per request/s, NaN: not given
    cost_memory: np.ndarray        # [codes + 1] float64 bytes per request/s, NaN: not given
    deployment_cost: np.ndarray    # [deployments, 2] float64 (cpu, memory) per request/s


NO_LOAD = LoadInputs(np.zeros(0), np.zeros(0, dtype=np.bool_), np.zeros(0, dtype=np.int32),
                     np.zeros(0, dtype=np.bool_), np.zeros(0), np.zeros(0), np.zeros((0, 2)))


# -- usage groups ----------------------------------------------------------------------------
#
# Pods that use the same at every time share a usage group: without a pin, a set pattern or a
# per-pod pattern, a pod's usage depends only on its annotations document, its Deployment and
# whether it is ready. Every active pod row has a base (UsageModel._base): the shared base of
# its (annotations, Deployment), or a base of its own. Its group is 2 * base + ready; group 0
# is (0, 0), the usage of every inactive pod (base 0 is none). Usage is then worked out once
# per group (_group_values), with the arithmetic of the precedence above (pin, pattern, load
# share) in a fixed order, so that a pod's value is the same to the last bit whichever pods
# share its group (tests/metrics/test_usage.py holds it against a pod-by-pod evaluation); a
# pass over the pods only finds each one's group (_pod_groups). Group numbers mostly stay
# from call to call, but bases are made anew when pods are renumbered or owners change.


class GroupBases(NamedTuple):
    """What every base stands for, by base id (row 0: none)."""

    code: np.ndarray         # [bases] int64 annotation code + 1 (0: no annotations)
    deployment: np.ndarray   # [bases] int32 the pods' Deployment row, -1: none
    row: np.ndarray          # [bases] int64 the pod row of a base of its own, -1: shared


@njit
def _pod_groups(alive, node_index, phase, ready, annotations, base, base_code, group, count,
                unresolved):
    """group[p] of every ``alive`` row p (0: inactive), and count[g] += 1 for each active
    pod's group g. An active row without a base, or whose annotations are no longer those of
    its base, is listed in ``unresolved`` instead (its group is left to the caller): returns
    how many. Neighbouring pods mostly share a group: a run's count is added once (adding 1
    to the same counter pod after pod would wait on memory each time)."""
    listed = 0
    run_group = run = 0
    for p in range(alive.shape[0]):   # the alive flags read less than a list of live rows
        if not alive[p]:
            continue
        if not (node_index[p] >= 0 and phase[p] == RUNNING):
            if group[p] != 0:   # written only when it changes: a clean cache line
                group[p] = 0    # is not written back
            continue
        b = base[p]
        if b <= 0 or base_code[b] != annotations[p] + 1:
            unresolved[listed] = p
            listed += 1
            continue
        g = 2 * b + (1 if ready[p] else 0)
        if group[p] != g:
            group[p] = g
        if g != run_group:
            count[run_group] += run
            run_group, run = g, 0
        run += 1
    count[run_group] += run
    return listed


@njit
def _group_values(bases, inputs, load, patterns, at, slot_value, slot_per_pod, count, values):
    """values [2 * bases, 2]: the usage of every group with active pods (``count``), 0 for
    the others. With load, a Deployment's ready active pods (its bases' ready groups) share its
    requests/s. Each resource: the base's pod's pin if pinned, else the value of its pattern
    (its pod's set pattern, else its annotations'; ``slot_value`` by pattern id + 1) plus the
    share times the cost per request (the annotations', else the Deployment's), never below
    0; a per-pod pattern's value for its pod's uid is added (_keyed_values) before the clip."""
    annotated, explicit, pinned, uid = inputs.annotated, inputs.explicit, inputs.pinned, inputs.uid
    requests, deployment_alive, deployment_cost = load.requests, load.deployment_alive, \
        load.deployment_cost
    cost_cpu, cost_memory = load.cost_cpu, load.cost_memory
    with_load = requests.shape[0] > 0
    with_explicit = explicit.shape[0] > 0
    with_pins = pinned.shape[0] > 0
    base_count = bases.code.shape[0]
    ready_count = np.zeros(requests.shape[0], dtype=np.int64)
    if with_load:
        for b in range(1, base_count):
            d = bases.deployment[b]
            if d >= 0 and deployment_alive[d]:
                ready_count[d] += count[2 * b + 1]
    share = np.zeros(ready_count.shape[0], dtype=np.float64)   # requests/s per ready pod
    for d in range(ready_count.shape[0]):
        if ready_count[d] > 0:
            rate = requests[d]
            share[d] = (rate if (rate >= 0.0 or np.isnan(rate)) else 0.0) / ready_count[d]
    keyed = np.empty(2 * values.shape[0], dtype=np.int64)   # g * 2 + unit of per-pod values
    pattern_of = np.empty(2 * values.shape[0], dtype=np.int32)
    key_of = np.empty(2 * values.shape[0], dtype=np.uint64)
    keyed_count = 0
    values[:] = 0.0
    for g in range(2, 2 * base_count):
        if count[g] == 0:
            continue
        b = g // 2
        code, row = bases.code[b], bases.row[b]
        d = bases.deployment[b]
        if not (g % 2 == 1 and d >= 0 and with_load and deployment_alive[d]):
            d = -1   # a ready pod of a live Deployment with load shares its load
        for unit in range(2):
            if with_pins and row >= 0:
                pin = pinned[row, unit]
                if not np.isnan(pin):
                    values[g, unit] = max(pin, 0.0)
                    continue
            pattern = explicit[row, unit] if (with_explicit and row >= 0) else -1
            if pattern < 0:
                pattern = annotated[code, unit]
            unit_value = slot_value[pattern + 1]
            if with_load:
                load_value = 0.0
                if d >= 0:
                    cost = cost_cpu[code] if unit == 0 else cost_memory[code]
                    if np.isnan(cost):
                        cost = deployment_cost[d, unit]
                    load_value = share[d] * (0.0 if np.isnan(cost) else cost)
                unit_value += load_value
            if pattern >= 0 and slot_per_pod[pattern + 1]:   # a base of its own (row >= 0)
                values[g, unit] = unit_value   # clipped once the per-pod value is added
                keyed[keyed_count] = 2 * g + unit
                pattern_of[keyed_count] = pattern
                key_of[keyed_count] = np.uint64(np.int64(uid[row]))   # as uniform_hash
                keyed_count += 1
            else:
                values[g, unit] = max(unit_value, 0.0)
    added = np.empty(keyed_count, dtype=np.float64)
    _keyed_values(patterns, at, pattern_of[:keyed_count], key_of[:keyed_count], added)
    for k in range(keyed_count):
        g, unit = keyed[k] // 2, keyed[k] % 2
        value = values[g, unit] + added[k]
        values[g, unit] = value if (value >= 0.0 or np.isnan(value)) else 0.0  # as np.maximum


@njit
def _spread_groups(rows, group, values, usage):
    """usage[p] = values[group[p]] for every row p of ``rows``."""
    for i in range(rows.shape[0]):
        p = rows[i]
        g = group[p]
        usage[p, 0] = values[g, 0]
        usage[p, 1] = values[g, 1]


def active_pod_mask(state) -> np.ndarray:
    """By pod row: the pod uses resources (alive, bound to a node, and Running)."""
    pods = state.tables["pods"]
    return pods.alive & (pods["node_index"] >= 0) & (pods["phase"] == RUNNING)


# -- the model -----------------------------------------------------------------------------

def _grown(array: np.ndarray, length: int, fill) -> np.ndarray:
    """``array`` with at least ``length`` rows, new ones ``fill`` (capacity doubles)."""
    if len(array) >= length:
        return array
    grown = np.full((max(length, 2 * len(array)), *array.shape[1:]), fill, dtype=array.dtype)
    grown[: len(array)] = array
    return grown


class _Annotations(NamedTuple):
    """What one interned annotations document says about usage (pattern ids -1: none)."""

    cpu: int
    memory: int
    load: int
    cost_cpu: float      # millicores per request/s, NaN: not given
    cost_memory: float   # bytes per request/s, NaN: not given


class UsageModel:
    """Pins, patterns and loads of a cluster's pods; ``usage(state, t)`` evaluates them all.

    Patterns are compiled into one node table (CompiledPatterns) as they are registered;
    each evaluation is then a few compiled calls, whatever the number of patterns: every
    pattern that is the same for every pod (constant, diurnal, steps, spikes) is evaluated
    once, per-pod ones (noise inside) once per pod in one loop. Annotation documents are
    parsed once per interned document and remembered by their string code.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = int(seed)
        self._texts: list[str] = []          # canonical JSON {"unit", "spec"} of each pattern
        self._patterns: list[object] = []
        self._ids: dict[str, int] = {}
        self._compiler = _PatternCompiler(self.seed)
        # by pod row, (cpu, memory): pins (NaN: none) and patterns set (-1: none)
        self._pinned = np.full((0, 2), np.nan)
        self._explicit = np.full((0, 2), -1, dtype=np.int32)
        # whether pin / set_pattern were ever used (else the kernel skips those arrays)
        self._any_pin = self._any_set_pattern = False
        self.load_pattern = np.zeros(0, dtype=np.int32)        # by Deployment row, -1: none set
        self._reset_caches(None)

    def _reset_caches(self, strings) -> None:
        """Caches derived from one state's string table (codes mean nothing elsewhere)."""
        self._strings = strings
        self._annotations: dict[int, _Annotations] = {}
        self._owner_refs: dict[int, tuple[str, str] | None] = {}
        # per annotation code + 1 (index 0: no annotations), filled as documents are parsed
        self._known = np.zeros(1, dtype=np.bool_)
        self._annotated = np.full((1, 2), -1, dtype=np.int32)   # (cpu, memory) pattern ids
        self._ann_load = np.full(1, -1, dtype=np.int32)
        self._ann_cost_cpu = np.full(1, np.nan)
        self._ann_cost_memory = np.full(1, np.nan)
        self._known[0] = True
        # Deployment row of each pod row (-1: none), valid for rows < _owners_resolved while
        # the ReplicaSet and Deployment tables keep the sizes in _owner_sizes
        self._deployment_of_pod = np.zeros(0, dtype=np.int32)
        self._owners_resolved = 0
        self._owner_sizes = (-1, -1)
        self._reset_bases()

    def _reset_bases(self) -> None:
        """Forget every pod's usage group base (see "usage groups"): they are found again
        for the active pods, under new group numbers."""
        self._base = np.zeros(0, dtype=np.int32)   # by pod row, 0: none yet
        self._base_code = [0]                      # GroupBases' columns as lists
        self._base_deployment = [-1]
        self._base_row = [-1]
        self._bases: GroupBases | None = None      # the lists as arrays (None: changed)
        #: shared bases by annotation code << 32 | Deployment row + 1
        self._shared_base: dict[int, int] = {}
        self._bases_with_owners = False   # bases tell Deployments apart (some have load)

    # -- setting usage ---------------------------------------------------------------------

    def pattern_id(self, spec: object, unit: str, path: str = "") -> int:
        """The id of a pattern spec in this model's registry (added when new)."""
        try:
            text = canonical_json({"unit": unit, "spec": spec})
        except (TypeError, ValueError):
            raise UsageSpecError("must be plain JSON data (strings, numbers, lists, mappings)",
                                 field=path or unit, value=spec) from None
        known = self._ids.get(text)
        if known is not None:
            return known
        pattern = parse_pattern(spec, unit, path)
        self._ids[text] = len(self._texts)
        self._texts.append(text)
        self._patterns.append(pattern)
        return len(self._texts) - 1

    def pin(self, pod_rows, cpu=None, memory=None) -> None:
        """Fix the usage of pods: a quantity ("250m", 0.25 cores; "64Mi") for all of
        ``pod_rows``, or one per row. None leaves that resource as it was. A pattern spec
        (dict or list) instead of a quantity attaches that pattern (see set_pattern)."""
        rows = np.atleast_1d(np.asarray(pod_rows, dtype=np.int64))
        for unit, value in (("cpu", cpu), ("memory", memory)):
            if value is None:
                continue
            if isinstance(value, dict):
                self.set_pattern(rows, **{unit: value})
                continue
            amounts = (np.array([_amount(v, unit, f"{unit}[{i}]") for i, v in enumerate(value)])
                       if isinstance(value, (list, tuple, np.ndarray))
                       else _amount(value, unit, unit))
            if np.ndim(amounts) and len(amounts) != len(rows):
                raise ValueError(f"{unit}: {len(amounts)} values for {len(rows)} pods")
            self._pinned = _grown(self._pinned, int(rows.max(initial=-1)) + 1, np.nan)
            self._pinned[rows, RESOURCES.index(unit)] = amounts
            self._any_pin = True
            self._forget_bases(rows)

    def unpin(self, pod_rows, cpu: bool = True, memory: bool = True) -> None:
        """Remove pins, so the pods' patterns and load decide again."""
        rows = np.atleast_1d(np.asarray(pod_rows, dtype=np.int64))
        for column, chosen in enumerate((cpu, memory)):
            if chosen:
                self._pinned[rows[rows < len(self._pinned)], column] = np.nan
        self._forget_bases(rows)

    def set_pattern(self, pod_rows, cpu=None, memory=None) -> None:
        """Attach pattern specs to pods (overriding their ``kbench.io/usage`` annotation).
        None leaves a resource as it was; use ``clear_pattern`` to remove."""
        rows = np.atleast_1d(np.asarray(pod_rows, dtype=np.int64))
        for unit, spec in (("cpu", cpu), ("memory", memory)):
            if spec is None:
                continue
            pattern = self.pattern_id(spec, unit, unit)
            self._explicit = _grown(self._explicit, int(rows.max(initial=-1)) + 1, -1)
            self._explicit[rows, RESOURCES.index(unit)] = pattern
            self._any_set_pattern = True
            self._forget_bases(rows)

    def clear_pattern(self, pod_rows, cpu: bool = True, memory: bool = True) -> None:
        rows = np.atleast_1d(np.asarray(pod_rows, dtype=np.int64))
        for column, chosen in enumerate((cpu, memory)):
            if chosen:
                self._explicit[rows[rows < len(self._explicit)], column] = -1
        self._forget_bases(rows)

    def _forget_bases(self, rows: np.ndarray) -> None:
        """The pods of ``rows`` find their usage group bases again (their pins or set
        patterns changed)."""
        self._base[rows[(rows >= 0) & (rows < len(self._base))]] = 0

    def set_load(self, deployment_rows, load) -> None:
        """The requests/s reaching Deployments (a load pattern spec, e.g. 100 or a diurnal),
        overriding their ``kbench.io/load`` annotation; None removes it."""
        rows = np.atleast_1d(np.asarray(deployment_rows, dtype=np.int64))
        self.load_pattern = _grown(self.load_pattern, int(rows.max(initial=-1)) + 1, -1)
        self.load_pattern[rows] = -1 if load is None else self.pattern_id(load, "load", "load")

    # -- annotations -----------------------------------------------------------------------

    def _parse_annotations(self, state, code: int, kind: str, row: int) -> _Annotations:
        """Read the usage, load and cost annotations of one interned annotations document."""
        annotations = state.strings.document(code) or {}
        table = state.tables["pods" if kind == "Pod" else "deployments"]
        name = state.strings[int(table["name"][row])]
        namespace = state.strings[int(table["namespace"][row])]
        where = {"kind": kind, "name": f"{namespace}/{name}"}
        try:
            return self._read_annotations(annotations)
        except UsageSpecError as error:
            field = f"metadata.annotations[{error.field}" if error.field else "metadata.annotations"
            raise UsageSpecError(error.reason, field=field, value=error.value, **where) from None

    def _read_annotations(self, annotations: dict) -> _Annotations:
        cpu = memory = load = -1
        cost_cpu = cost_memory = math.nan
        if USAGE_ANNOTATION in annotations:
            key = USAGE_ANNOTATION
            doc = _load_document(annotations[key], f"{key}]")
            if not isinstance(doc, dict) or not doc or set(doc) - {"cpu", "memory"}:
                raise UsageSpecError('must be a mapping {"cpu": <pattern>, "memory": <pattern>}',
                                     field=f"{key}]", value=annotations[key])
            if "cpu" in doc:
                cpu = self.pattern_id(doc["cpu"], "cpu", f"{key}].cpu")
            if "memory" in doc:
                memory = self.pattern_id(doc["memory"], "memory", f"{key}].memory")
        if LOAD_ANNOTATION in annotations:
            key = LOAD_ANNOTATION
            doc = _load_document(annotations[key], f"{key}]")
            load = self.pattern_id(doc, "load", f"{key}]")
        if COST_ANNOTATION in annotations:
            key = COST_ANNOTATION
            doc = _load_document(annotations[key], f"{key}]")
            if not isinstance(doc, dict) or not doc or set(doc) - {"cpu", "memory"}:
                raise UsageSpecError('must be a mapping {"cpu": <quantity>, "memory": <quantity>} '
                                     "(usage per request/s)", field=f"{key}]",
                                     value=annotations[key])
            if "cpu" in doc:
                cost_cpu = _amount(doc["cpu"], "cpu", f"{key}].cpu")
            if "memory" in doc:
                cost_memory = _amount(doc["memory"], "memory", f"{key}].memory")
        return _Annotations(cpu, memory, load, cost_cpu, cost_memory)

    def _annotation_codes(self, state, kind: str, rows: np.ndarray) -> np.ndarray:
        """Annotation code + 1 of each row (0: none), every distinct document parsed."""
        table = state.tables["pods" if kind == "Pod" else "deployments"]
        codes = table["annotations"][rows].astype(np.int64) + 1
        self._annotation_tables(len(state.strings) + 1)
        unknown = ~self._known[codes]
        if unknown.any():
            new, first = np.unique(codes[unknown], return_index=True)
            first_rows = rows[np.flatnonzero(unknown)[first]]
            for code, row in zip(new.tolist(), first_rows.tolist()):
                parsed = self._annotations.get(code - 1)
                if parsed is None:
                    parsed = self._parse_annotations(state, code - 1, kind, row)
                    self._annotations[code - 1] = parsed
                self._annotated[code] = (parsed.cpu, parsed.memory)
                self._ann_load[code] = parsed.load
                self._ann_cost_cpu[code] = parsed.cost_cpu
                self._ann_cost_memory[code] = parsed.cost_memory
                self._known[code] = True
        return codes

    def _annotation_tables(self, size: int) -> None:
        """Grow the tables by annotation code + 1 to ``size`` entries."""
        if len(self._known) < size:
            self._known = _grown(self._known, size, False)
            self._annotated = _grown(self._annotated, size, -1)
            self._ann_load = _grown(self._ann_load, size, -1)
            self._ann_cost_cpu = _grown(self._ann_cost_cpu, size, np.nan)
            self._ann_cost_memory = _grown(self._ann_cost_memory, size, np.nan)

    def check(self, state) -> None:
        """Parse every usage, load and cost annotation of live pods and Deployments now, so a
        bad one fails before a run rather than in its middle. Raises UsageSpecError."""
        self._sync(state)
        self._annotation_codes(state, "Pod", state.tables["pods"].live_rows())
        self._deployment_loads(state)

    # -- owners ----------------------------------------------------------------------------

    def _controller(self, state, code: int) -> tuple[str, str] | None:
        """(kind, name) of the controller in an ownerReferences document (metav1.GetControllerOf)."""
        if code not in self._owner_refs:
            refs = state.strings.document(code) or []
            found = next(((ref.get("kind"), ref.get("name")) for ref in refs
                          if isinstance(ref, dict) and ref.get("controller")), None)
            self._owner_refs[code] = found
        return self._owner_refs[code]

    def _deployment_of(self, state, owner_code: int, namespace_code: int) -> int:
        """Deployment row of a pod with these owner references: pod -> ReplicaSet -> Deployment."""
        namespace = state.strings[namespace_code]
        owner = self._controller(state, owner_code)
        if owner is not None and owner[0] == "ReplicaSet":
            rs = state.find("replicasets", owner[1], namespace)
            if rs < 0:
                return -1
            owner = self._controller(state, int(state.tables["replicasets"]["owner_references"][rs]))
        if owner is None or owner[0] != "Deployment":
            return -1
        return state.find("deployments", owner[1], namespace)

    def deployments_of_pods(self, state, rows: np.ndarray) -> np.ndarray:
        """Deployment row of each pod row (-1: not owned by a live Deployment's ReplicaSet).

        A pod's owners never change, so answers are kept per pod row; they are worked out
        again for all pods only when ReplicaSets or Deployments were added, and each time once
        per distinct (ownerReferences, namespace), not once per pod.
        """
        deployments = self._resolve_owners(state)[rows]
        alive = state.tables["deployments"].alive
        deployments[deployments >= 0] = np.where(alive[deployments[deployments >= 0]],
                                                 deployments[deployments >= 0], -1)
        return deployments

    def renumber_pods(self, new_of_old: np.ndarray) -> None:
        """The pods table was compacted (kbench.state.compaction): pins, set patterns and
        the pods' Deployments move to the new rows of the pods that stay."""
        self._pinned = self._pinned[kept_rows(new_of_old, len(self._pinned))]
        self._explicit = self._explicit[kept_rows(new_of_old, len(self._explicit))]
        self._deployment_of_pod = self._deployment_of_pod[
            kept_rows(new_of_old, self._owners_resolved)]
        self._owners_resolved = len(self._deployment_of_pod)
        self._reset_bases()

    def _resolve_owners(self, state) -> np.ndarray:
        """The Deployment row of every pod row, cached (see deployments_of_pods); the array may
        be longer than the pods table. Dead Deployments are not filtered here."""
        pods = state.tables["pods"]
        sizes = (len(state.tables["replicasets"]), len(state.tables["deployments"]))
        if sizes != self._owner_sizes:
            self._owner_sizes, self._owners_resolved = sizes, 0
            self._reset_bases()   # a pod's Deployment may have changed
        if self._owners_resolved < len(pods):
            start, stop = self._owners_resolved, len(pods)
            self._deployment_of_pod = _grown(self._deployment_of_pod, stop, -1)
            owners = pods["owner_references"][start:stop].astype(np.int64)
            keys = (owners << 32) | pods["namespace"][start:stop].astype(np.int64) & 0xFFFFFFFF
            found = np.full(stop - start, -1, dtype=np.int32)
            has = owners >= 0
            if has.any():
                distinct, inverse = np.unique(keys[has], return_inverse=True)
                answers = np.array([self._deployment_of(state, key >> 32, key & 0xFFFFFFFF)
                                    for key in distinct.tolist()], dtype=np.int32)
                found[has] = answers[inverse]
            self._deployment_of_pod[start:stop] = found
            self._owners_resolved = stop
        return self._deployment_of_pod

    def _deployment_loads(self, state):
        """(requests/s, cost cpu, cost memory) by Deployment row, or None when no Deployment
        has load (then the owner lookups are skipped entirely)."""
        deployments = state.tables["deployments"]
        rows = deployments.live_rows()
        count = len(deployments)
        if not len(rows):
            return None
        codes = self._annotation_codes(state, "Deployment", rows)
        annotation_load = self._ann_load[codes]
        self.load_pattern = _grown(self.load_pattern, count, -1)
        set_load = self.load_pattern[rows]
        load_ids = np.full(count, -1, dtype=np.int32)
        load_ids[rows] = np.where(set_load >= 0, set_load, annotation_load)
        if not (load_ids >= 0).any():
            return None
        cost_cpu = np.full(count, np.nan)
        cost_memory = np.full(count, np.nan)
        cost_cpu[rows] = self._ann_cost_cpu[codes]
        cost_memory[rows] = self._ann_cost_memory[codes]
        return load_ids, deployments["uid"], cost_cpu, cost_memory

    # -- evaluation ------------------------------------------------------------------------

    def compiled_patterns(self) -> CompiledPatterns:
        """Every registered pattern as one node table (patterns registered since the last
        call are compiled now; pattern id i is row i of ``first_node`` / ``root_node``)."""
        if self._compiler.model_seed != self.seed:   # noise prefixes depend on the seed
            self._compiler = _PatternCompiler(self.seed)
        while len(self._compiler) < len(self._patterns):
            self._compiler.add(self._patterns[len(self._compiler)])
        return self._compiler.arrays()

    def _sync(self, state) -> None:
        if self._strings is not state.strings:
            self._reset_caches(state.strings)

    def active_rows(self, state) -> np.ndarray:
        """Pod rows that use resources: alive, bound to a node, and Running."""
        return np.flatnonzero(active_pod_mask(state))

    def usage(self, state, t: float | None = None) -> PodUsage:
        """CPU millicores and working-set bytes of every pod row at time ``t`` (default: the
        state's clock). Rows that are not active (see active_rows) use 0."""
        matrix = self.usage_matrix(state, t)
        return PodUsage(matrix[:, 0], matrix[:, 1])

    def usage_matrix(self, state, t: float | None = None) -> np.ndarray:
        """usage() as one [pod rows, (cpu, memory)] float64 matrix."""
        usage = np.zeros((len(state.tables["pods"]), 2), dtype=np.float64)
        self.live_usage_into(state, usage, t)
        return usage

    def live_usage_into(self, state, usage: np.ndarray, t: float | None = None) -> None:
        """Write the usage of every live pod row into ``usage`` [>= pod rows, (cpu, memory)]
        float64; rows of deleted pods are not written. live_usage_groups spread over the
        rows."""
        pods = state.tables["pods"]
        count = len(pods)
        if usage.ndim != 2 or usage.shape[0] < count or usage.shape[1] != 2 \
                or usage.dtype != np.float64:
            raise ValueError(f"usage: {usage.dtype}{usage.shape}, expected float64 "
                             f"[>= {count}, 2]")
        group = np.zeros(count, dtype=np.int32)
        values = self.live_usage_groups(state, group, t)
        _spread_groups(pods.live_rows(), group, values, usage)

    def live_usage_groups(self, state, group: np.ndarray, t: float | None = None) -> np.ndarray:
        """The usage of every live pod row at ``t`` (default: the state's clock) as usage
        groups (see "usage groups"), what metrics-server reads: writes ``group[p]`` of every
        live row p (int32 [>= pod rows]; rows of deleted pods are not written) and returns
        the groups' values [groups, (cpu millicores, memory bytes)]; group 0 is (0, 0), every
        inactive pod's. A pod's group number may change from call to call even when its usage
        does not (bases are made anew after a compaction): a reader holds each number
        together with the values of its call.

        A reader of every pod's usage reads a group number of 4 bytes per pod and a small
        table, not two floats per pod. Every pattern is evaluated once (compiled,
        patterns_at), Deployment loads once per Deployment, each group's usage once; the pods
        are one pass that finds their groups (_pod_groups). No Python call per pattern, pod
        or Deployment, and no work for deleted rows.
        """
        self._sync(state)
        t = state.time if t is None else float(t)
        pods = state.tables["pods"]
        count = len(pods)
        if group.ndim != 1 or group.shape[0] < count or group.dtype != np.int32:
            raise ValueError(f"group: {group.dtype}{group.shape}, expected int32 [>= {count}]")
        loads = self._deployment_loads(state)   # may register patterns: before compiling
        owners = self._resolve_owners(state) if loads is not None else None
        if (owners is not None) != self._bases_with_owners:
            self._reset_bases()   # the bases' Deployments matter from now on, or no longer
            self._bases_with_owners = owners is not None
        self._base = _grown(self._base, count, 0)
        inputs = self._pattern_inputs(state, count)
        counts = np.zeros(2 * len(self._base_code), dtype=np.int64)
        unresolved = np.empty(pods.live_count, dtype=np.int64)
        listed = _pod_groups(pods.alive, pods["node_index"], pods["phase"], pods["ready"],
                             pods["annotations"], self._base, self.group_bases().code, group,
                             counts, unresolved)
        if listed:
            unresolved = unresolved[:listed]
            self._assign_bases(state, unresolved, owners)
            found = 2 * self._base[unresolved] + pods["ready"][unresolved]
            group[unresolved] = found
            counts = np.concatenate([counts, np.zeros(2 * len(self._base_code) - len(counts),
                                                      dtype=np.int64)])
            np.add.at(counts, found, 1)
        patterns = self.compiled_patterns()
        at = patterns_at(patterns, t)
        # by pattern id + 1 (slot 0: no pattern): the value if the same for every pod
        slot_value = np.zeros(len(patterns.root_node) + 1, dtype=np.float64)
        slot_value[1:] = at.value[patterns.root_node]
        slot_per_pod = np.zeros(len(patterns.root_node) + 1, dtype=np.bool_)
        slot_per_pod[1:] = patterns.per_pod[patterns.root_node]
        load = self._load_inputs(state, loads, patterns, at)
        values = np.empty((len(counts), 2), dtype=np.float64)
        with np.errstate(over="ignore"):   # hashing wraps (numpy warns without the JIT)
            _group_values(self.group_bases(), inputs, load, patterns, at, slot_value,
                          slot_per_pod, counts, values)
        return values

    def group_bases(self) -> GroupBases:
        """What each usage group base stands for (see "usage groups")."""
        if self._bases is None:
            self._bases = GroupBases(np.array(self._base_code, dtype=np.int64),
                                     np.array(self._base_deployment, dtype=np.int32),
                                     np.array(self._base_row, dtype=np.int64))
        return self._bases

    def _assign_bases(self, state, rows: np.ndarray, owners: np.ndarray | None) -> None:
        """Bases for the active pod rows ``rows`` (their annotations parsed now: a bad one
        raises UsageSpecError): a base of its own for a pod with a pin, a set pattern or a
        per-pod pattern, else the shared base of its (annotations, Deployment)."""
        codes = self._annotation_codes(state, "Pod", rows)
        deployments = (owners[rows] if owners is not None
                       else np.full(len(rows), -1, dtype=np.int32))
        own = np.zeros(len(rows), dtype=np.bool_)
        explicit = np.full((len(rows), 2), -1, dtype=np.int32)
        if self._any_set_pattern:
            explicit = self._explicit[rows]
            own |= (explicit >= 0).any(axis=1)
        if self._any_pin:
            own |= ~np.isnan(self._pinned[rows]).all(axis=1)
        patterns = np.where(explicit >= 0, explicit, self._annotated[codes])
        compiled = self.compiled_patterns()
        per_pod = np.append(compiled.per_pod[compiled.root_node], False)   # [-1]: none
        own |= per_pod[patterns].any(axis=1)
        bases = np.empty(len(rows), dtype=np.int32)
        shared = np.flatnonzero(~own)
        if len(shared):
            keys = (codes[shared] << 32) | (deployments[shared].astype(np.int64) + 1)
            distinct, inverse = np.unique(keys, return_inverse=True)
            found = np.empty(len(distinct), dtype=np.int32)
            for j, key in enumerate(distinct.tolist()):
                base = self._shared_base.get(key)
                if base is None:
                    base = self._shared_base[key] = len(self._base_code)
                    self._base_code.append(key >> 32)
                    self._base_deployment.append((key & 0xFFFFFFFF) - 1)
                    self._base_row.append(-1)
                found[j] = base
            bases[shared] = found[inverse]
        alone = np.flatnonzero(own)
        bases[alone] = len(self._base_code) + np.arange(len(alone))
        self._base_code.extend(codes[alone].tolist())
        self._base_deployment.extend(deployments[alone].tolist())
        self._base_row.extend(rows[alone].tolist())
        self._base[rows] = bases
        self._bases = None

    def _pattern_inputs(self, state, count: int) -> PodPatternInputs:
        pods = state.tables["pods"]
        self._annotation_tables(len(state.strings) + 1)
        self._explicit = _grown(self._explicit, count, -1)
        self._pinned = _grown(self._pinned, count, np.nan)
        return PodPatternInputs(pods["node_index"], pods["phase"], pods["annotations"],
                                pods["uid"], self._known, self._annotated,
                                self._explicit if self._any_set_pattern else _NONE_SET,
                                self._pinned if self._any_pin else _NONE_PINNED)

    def _load_inputs(self, state, loads, patterns: CompiledPatterns,
                     at: PatternsAt) -> LoadInputs:
        """The load kernel's inputs (NO_LOAD when no Deployment has load): requests/s of every
        Deployment at the time of ``at`` (``loads``: _deployment_loads), pod readiness and
        owners, costs per request."""
        if loads is None:
            return NO_LOAD
        load_ids, deployment_keys, deployment_cost_cpu, deployment_cost_memory = loads
        requests = np.empty(len(load_ids), dtype=np.float64)
        with np.errstate(over="ignore"):   # hashing wraps (only numpy warns, without the JIT)
            _pattern_values(patterns, at, load_ids,
                            np.ascontiguousarray(deployment_keys, dtype=np.int64).view(np.uint64),
                            requests)
        pods = state.tables["pods"]
        return LoadInputs(requests, pods["ready"], self._resolve_owners(state),
                          state.tables["deployments"].alive, self._ann_cost_cpu,
                          self._ann_cost_memory,
                          np.column_stack([deployment_cost_cpu, deployment_cost_memory]))

    def deployment_requests(self, state, t: float | None = None) -> np.ndarray:
        """The requests/s reaching each Deployment row at ``t`` (default: the state's clock):
        its set_load or kbench.io/load pattern's value; NaN for a row without load."""
        self._sync(state)
        t = state.time if t is None else float(t)
        out = np.full(len(state.tables["deployments"]), np.nan)
        loads = self._deployment_loads(state)
        if loads is None:
            return out
        patterns = self.compiled_patterns()
        requests = self._load_inputs(state, loads, patterns, patterns_at(patterns, t)).requests
        has = loads[0][:len(out)] >= 0
        out[has] = requests[:len(out)][has]
        return out

    def requests_per_pod(self, state, t: float | None = None) -> np.ndarray:
        """Each pod row's share of its Deployment's requests/s at ``t`` (the load the usage
        model spreads): the Deployment's rate over its ready active pods for a ready active
        pod, 0 for another active pod of a Deployment with load, NaN for every other row."""
        self._sync(state)
        t = state.time if t is None else float(t)
        pods = state.tables["pods"]
        out = np.full(len(pods), np.nan)
        loads = self._deployment_loads(state)
        if loads is None:
            return out
        patterns = self.compiled_patterns()
        load = self._load_inputs(state, loads, patterns, patterns_at(patterns, t))
        owner = load.deployment_of_pod[:len(pods)]
        active = active_pod_mask(state) & (owner >= 0)
        active[active] = load.deployment_alive[owner[active]] & (loads[0][owner[active]] >= 0)
        ready = active & pods["ready"]
        count = np.bincount(owner[ready], minlength=len(load.requests))
        rate = load.requests[owner[ready]]
        out[active] = 0.0
        out[ready] = np.where((rate >= 0) | np.isnan(rate), rate, 0.0) / count[owner[ready]]
        return out

    # -- saving ----------------------------------------------------------------------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Everything needed to rebuild this model, as numpy arrays (np.savez-able, no pickle)."""
        return {"seed": np.array([self.seed], dtype=np.int64),
                "patterns": np.array(self._texts, dtype=np.str_),
                "pinned": self._pinned.copy(),
                "patterns_set": self._explicit.copy(),
                "load_pattern": self.load_pattern.copy()}

    @classmethod
    def from_arrays(cls, arrays) -> UsageModel:
        """The model saved by to_arrays (pattern ids keep their meaning)."""
        model = cls(seed=int(arrays["seed"][0]))
        for text in arrays["patterns"].tolist():
            entry = json.loads(text)
            if model.pattern_id(entry["spec"], entry["unit"]) != len(model._texts) - 1:
                raise ValueError("saved usage model repeats a pattern")
        model._pinned = np.array(arrays["pinned"], dtype=np.float64).reshape(-1, 2)
        model._explicit = np.array(arrays["patterns_set"], dtype=np.int32).reshape(-1, 2)
        model._any_pin = bool((~np.isnan(model._pinned)).any())
        model._any_set_pattern = bool((model._explicit >= 0).any())
        model.load_pattern = np.asarray(arrays["load_pattern"], dtype=np.int32).copy()
        return model
