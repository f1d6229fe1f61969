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
from kbench.errors import ManifestError, QuantityError
from kbench.sim.clock import DurationError, parse_duration
from kbench.state.schema import POD_PHASES
from kbench.state.strings import canonical_json

__all__ = [
    "COST_ANNOTATION",
    "LOAD_ANNOTATION",
    "USAGE_ANNOTATION",
    "PodUsage",
    "UsageModel",
    "UsageSpecError",
    "active_pod_mask",
    "parse_pattern",
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
        prefix = _splitmix64(_splitmix64(np.uint64(model_seed & _MASK64))
                             ^ np.uint64(pattern_seed & _MASK64))
        _uniform_hash(np.uint64(prefix), keys, np.uint64(step & _MASK64), out)
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
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise UsageSpecError(f"not valid JSON or YAML: {str(error).splitlines()[0]}",
                             field=path, value=text) from None


class PodPatternInputs(NamedTuple):
    """What the assembly kernels read, by pod row (explicit and pinned arrays at least as long
    as the pods table) and by annotation code + 1 (index 0: no annotations)."""

    alive: np.ndarray            # [pods] bool
    node_index: np.ndarray       # [pods] int32, -1: unbound
    phase: np.ndarray            # [pods] int8 (POD_PHASES)
    annotations: np.ndarray      # [pods] int32 annotation document code, -1: none
    known: np.ndarray            # [codes + 1] bool: the document was parsed
    annotated: np.ndarray        # [codes + 1, 2] int32 (cpu, memory) pattern ids, -1: none
    explicit: np.ndarray         # [>= pods, 2] int32 patterns set with set_pattern, -1: none
    pinned: np.ndarray           # [>= pods, 2] float64 pins, NaN: none


@njit
def _pattern_ids(inputs, ids, used):
    """Each active pod's (cpu, memory) pattern id into ``ids`` [pods, 2] (-1: none or
    pinned), marking ``used`` [patterns + 1] (slot id + 1). Returns the first active pod row
    whose annotations were not parsed yet, or -1 (then nothing is written)."""
    for p in range(inputs.alive.shape[0]):
        if not (inputs.alive[p] and inputs.node_index[p] >= 0 and inputs.phase[p] == RUNNING):
            ids[p, 0] = -1
            ids[p, 1] = -1
            continue
        code = inputs.annotations[p] + 1
        if not inputs.known[code]:
            return p
        for unit in range(2):
            pattern = inputs.explicit[p, unit]
            if pattern < 0:
                pattern = inputs.annotated[code, unit]
            if not np.isnan(inputs.pinned[p, unit]):
                pattern = -1
            ids[p, unit] = pattern
            used[pattern + 1] = True
    return -1


@njit
def _assemble(inputs, ids, shared, per_pod, load, usage):
    """usage [pods, 2] of every pod: 0 unless active; a pin if pinned; else the shared
    pattern's value (``shared`` by id + 1) plus its load share (``load`` [pods, 2], or no
    rows when no Deployment has load), never below 0. Rows left for a per-pod pattern keep
    their id in ``ids`` and are not clipped yet; every other id is set to -1."""
    with_load = load.shape[0] > 0
    for p in range(inputs.alive.shape[0]):
        if not (inputs.alive[p] and inputs.node_index[p] >= 0 and inputs.phase[p] == RUNNING):
            usage[p, 0] = 0.0
            usage[p, 1] = 0.0
            continue
        for unit in range(2):
            pin = inputs.pinned[p, unit]
            if not np.isnan(pin):
                usage[p, unit] = max(pin, 0.0)
                continue
            pattern = ids[p, unit]
            value = shared[pattern + 1]
            if with_load:
                value += load[p, unit]
            if pattern >= 0 and per_pod[pattern + 1]:
                usage[p, unit] = value
            else:
                usage[p, unit] = max(value, 0.0)
                ids[p, unit] = -1


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


def _groups(ids: np.ndarray, pattern_ids: list[int]) -> list[tuple[int, np.ndarray]]:
    """(pattern id, rows whose id it is) for each of ``pattern_ids`` that some row has: a
    mask per pattern when they are few, else one stable sort of the rows that have one."""
    if len(pattern_ids) <= 8:
        groups = [(i, np.flatnonzero(ids == i)) for i in pattern_ids]
        return [(i, rows) for i, rows in groups if len(rows)]
    rows = np.flatnonzero(np.isin(ids, pattern_ids))
    rows = rows[np.argsort(ids[rows], kind="stable")]
    return [(int(ids[group[0]]), group)
            for group in np.split(rows, np.flatnonzero(np.diff(ids[rows])) + 1) if len(group)]


class _Annotations(NamedTuple):
    """What one interned annotations document says about usage (pattern ids -1: none)."""

    cpu: int
    memory: int
    load: int
    cost_cpu: float      # millicores per request/s, NaN: not given
    cost_memory: float   # bytes per request/s, NaN: not given


class UsageModel:
    """Pins, patterns and loads of a cluster's pods; ``usage(state, t)`` evaluates them all.

    Work is per distinct pattern, never per pod: patterns that are the same for every pod
    (constant, diurnal, steps, spikes) are evaluated once and spread with numpy; per-pod ones
    (noise) once per group of pods. Annotation documents are parsed once per interned
    document and remembered by their string code.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = int(seed)
        self._texts: list[str] = []          # canonical JSON {"unit", "spec"} of each pattern
        self._patterns: list[object] = []
        self._ids: dict[str, int] = {}
        # by pod row, (cpu, memory): pins (NaN: none) and patterns set (-1: none)
        self._pinned = np.full((0, 2), np.nan)
        self._explicit = np.full((0, 2), -1, dtype=np.int32)
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

    def unpin(self, pod_rows, cpu: bool = True, memory: bool = True) -> None:
        """Remove pins, so the pods' patterns and load decide again."""
        rows = np.atleast_1d(np.asarray(pod_rows, dtype=np.int64))
        for column, chosen in enumerate((cpu, memory)):
            if chosen:
                self._pinned[rows[rows < len(self._pinned)], column] = np.nan

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

    def clear_pattern(self, pod_rows, cpu: bool = True, memory: bool = True) -> None:
        rows = np.atleast_1d(np.asarray(pod_rows, dtype=np.int64))
        for column, chosen in enumerate((cpu, memory)):
            if chosen:
                self._explicit[rows[rows < len(self._explicit)], column] = -1

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
        pods = state.tables["pods"]
        sizes = (len(state.tables["replicasets"]), len(state.tables["deployments"]))
        if sizes != self._owner_sizes:
            self._owner_sizes, self._owners_resolved = sizes, 0
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
        deployments = self._deployment_of_pod[rows]
        alive = state.tables["deployments"].alive
        deployments[deployments >= 0] = np.where(alive[deployments[deployments >= 0]],
                                                 deployments[deployments >= 0], -1)
        return deployments

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

    def _evaluate(self, ids: np.ndarray, keys: np.ndarray, t: float) -> np.ndarray:
        """Values of patterns ``ids`` (-1: none, 0) at ``t``: once per distinct shared pattern,
        once per group of rows for per-pod patterns (``keys`` give each row's noise key)."""
        slots = ids + 1   # slot 0: no pattern
        used = np.flatnonzero(np.bincount(slots, minlength=len(self._patterns) + 1)[1:])
        table = np.zeros(len(self._patterns) + 1, dtype=np.float64)
        per_pod = []
        for pattern_id in used.tolist():
            pattern = self._patterns[pattern_id]
            if pattern.per_pod:
                per_pod.append(pattern_id)
            else:
                table[pattern_id + 1] = pattern.evaluate(t, None, self.seed)
        values = table[slots]
        for pattern_id, group in _groups(ids, per_pod):
            values[group] = self._patterns[pattern_id].evaluate(t, keys[group], self.seed)
        return values

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
        """usage() as one [pod rows, (cpu, memory)] float64 matrix (what metrics-server reads).

        Two passes of compiled loops over the pods (which pattern each uses; then the values),
        with the patterns evaluated in between: once each for shared ones, once per group of
        pods for per-pod ones (noise), and Deployment load spread with numpy when any.
        """
        self._sync(state)
        t = state.time if t is None else float(t)
        pods = state.tables["pods"]
        count = len(pods)
        inputs = self._pattern_inputs(state, count)
        ids = np.empty((count, 2), dtype=np.int32)
        used = np.zeros(len(self._patterns) + 1, dtype=np.bool_)
        unparsed = _pattern_ids(inputs, ids, used)
        while unparsed >= 0:   # new annotation documents: parse them, then look again
            self._annotation_codes(state, "Pod", self.active_rows(state))
            inputs = self._pattern_inputs(state, count)
            used = np.zeros(len(self._patterns) + 1, dtype=np.bool_)
            unparsed = _pattern_ids(inputs, ids, used)
        shared = np.zeros(len(self._patterns) + 1, dtype=np.float64)
        per_pod = np.zeros(len(self._patterns) + 1, dtype=np.bool_)
        for slot in np.flatnonzero(used[1:]).tolist():
            pattern = self._patterns[slot]
            if pattern.per_pod:
                per_pod[slot + 1] = True
            else:
                shared[slot + 1] = pattern.evaluate(t, None, self.seed)
        usage = np.empty((count, 2), dtype=np.float64)
        _assemble(inputs, ids, shared, per_pod, self._load_usage(state, t), usage)
        if per_pod.any():
            keys = pods["uid"]
            per_pod_ids = np.flatnonzero(per_pod[1:]).tolist()
            for unit in range(2):
                for pattern_id, group in _groups(ids[:, unit], per_pod_ids):
                    values = self._patterns[pattern_id].evaluate(t, keys[group], self.seed)
                    usage[group, unit] = np.maximum(usage[group, unit] + values, 0.0)
        return usage

    def _pattern_inputs(self, state, count: int) -> PodPatternInputs:
        pods = state.tables["pods"]
        self._annotation_tables(len(state.strings) + 1)
        self._explicit = _grown(self._explicit, count, -1)
        self._pinned = _grown(self._pinned, count, np.nan)
        return PodPatternInputs(pods.alive, pods["node_index"], pods["phase"], pods["annotations"],
                                self._known, self._annotated, self._explicit, self._pinned)

    def _load_usage(self, state, t: float) -> np.ndarray:
        """[pods, 2] usage from Deployment load (share of requests/s times cost per request),
        or an empty [0, 2] array when no Deployment has load."""
        loads = self._deployment_loads(state)
        if loads is None:
            return np.zeros((0, 2), dtype=np.float64)
        load_ids, deployment_keys, deployment_cost_cpu, deployment_cost_memory = loads
        rps = self._evaluate(load_ids, deployment_keys, t)
        pods = state.tables["pods"]
        rows = self.active_rows(state)
        codes = self._annotation_codes(state, "Pod", rows)
        deployment = self.deployments_of_pods(state, rows)
        ready = pods["ready"][rows] & (deployment >= 0)
        ready_count = np.bincount(deployment[ready], minlength=len(rps))
        share = np.zeros(len(rows), dtype=np.float64)
        share[ready] = np.maximum(rps[deployment[ready]], 0.0) / ready_count[deployment[ready]]
        usage = np.zeros((len(pods), 2), dtype=np.float64)
        for unit, pod_cost, deployment_cost in (
                (0, self._ann_cost_cpu[codes], deployment_cost_cpu),
                (1, self._ann_cost_memory[codes], deployment_cost_memory)):
            cost = np.where(np.isnan(pod_cost), deployment_cost[np.maximum(deployment, 0)],
                            pod_cost)
            usage[rows, unit] = share * np.where(ready & ~np.isnan(cost), cost, 0.0)
        return usage

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
        model.load_pattern = np.asarray(arrays["load_pattern"], dtype=np.int32).copy()
        return model
