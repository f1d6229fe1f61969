"""Seeded synthetic traces in the canonical schemas: node inventories (homogeneous, mixed
instance types over zones with a share of GPU nodes) and workloads (Deployments' diurnal
request load, Poisson batch Jobs with heavy-tailed durations, GPU pods with whole and shared
GPUs). The same arguments and seed give the same table, value for value."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from kbench.traces.schema import LOAD, NODES, PODS
from kbench.traces.trace import TraceError

GIB = 2 ** 30
DAY_S = 86_400.0


@dataclass(frozen=True)
class InstanceType:
    """A machine shape of the built-in catalogue (public cloud sizes)."""

    name: str
    cpu_milli: int
    memory_bytes: int
    gpu: int = 0
    gpu_model: str | None = None


#: A small catalogue of common AWS shapes: general purpose, compute, memory and GPU.
CATALOGUE = {t.name: t for t in [
    InstanceType("m5.xlarge", 4_000, 16 * GIB),
    InstanceType("m5.2xlarge", 8_000, 32 * GIB),
    InstanceType("m5.4xlarge", 16_000, 64 * GIB),
    InstanceType("c5.4xlarge", 16_000, 32 * GIB),
    InstanceType("r5.2xlarge", 8_000, 64 * GIB),
    InstanceType("g4dn.12xlarge", 48_000, 192 * GIB, 4, "T4"),
    InstanceType("p3.8xlarge", 32_000, 244 * GIB, 4, "V100"),
    InstanceType("p4d.24xlarge", 96_000, 1152 * GIB, 8, "A100"),
]}
CPU_TYPES = ("m5.xlarge", "m5.2xlarge", "m5.4xlarge", "c5.4xlarge", "r5.2xlarge")
GPU_TYPES = ("g4dn.12xlarge", "p3.8xlarge", "p4d.24xlarge")
ZONES = ("zone-a", "zone-b", "zone-c")


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise TraceError(message)


def _names(prefix: str, count: int) -> pa.Array:
    """``prefix-00000``, ``prefix-00001``, ... (at least 5 digits)."""
    width = max(5, len(str(max(count - 1, 0))))
    numbers = pl.int_range(count, eager=True, dtype=pl.Int64).cast(pl.String).str.zfill(width)
    return (prefix + "-" + numbers).to_arrow().cast(pa.string())


def _nodes_table(count: int, shapes: list[InstanceType], index: np.ndarray,
                 zones: np.ndarray, pool: str, prefix: str) -> pa.Table:
    cpu = np.array([s.cpu_milli for s in shapes], dtype=np.int64)[index]
    memory = np.array([s.memory_bytes for s in shapes], dtype=np.int64)[index]
    gpu = np.array([s.gpu for s in shapes], dtype=np.int32)[index]
    model = pa.array([s.gpu_model for s in shapes], pa.string()).take(pa.array(index))
    kind = pa.array([s.name for s in shapes], pa.string()).take(pa.array(index))
    return pa.table({"name": _names(prefix, count),
                     "cpu_milli": cpu, "memory_bytes": memory, "gpu": gpu, "gpu_model": model,
                     "zone": pa.array(zones, pa.string()), "instance_type": kind,
                     "pool": pa.array([pool] * count, pa.string())}, schema=NODES)


def homogeneous_nodes(count: int, instance_type: str = "m5.2xlarge",
                      zones: tuple[str, ...] = ZONES, pool: str = "default",
                      prefix: str = "node") -> pa.Table:
    """``count`` nodes of one catalogue shape, spread round-robin over ``zones``."""
    _check(count >= 0, f"node count must not be negative: {count}")
    _check(instance_type in CATALOGUE, f"unknown instance type {instance_type!r}; the "
           f"catalogue has {', '.join(CATALOGUE)}")
    _check(len(zones) > 0, "zones must not be empty")
    zone_of = np.asarray(zones, dtype=object)[np.arange(count) % len(zones)]
    return _nodes_table(count, [CATALOGUE[instance_type]], np.zeros(count, dtype=np.int64),
                        zone_of, pool, prefix)


def mixed_nodes(count: int, seed: int, cpu_types: tuple[str, ...] = CPU_TYPES,
                gpu_types: tuple[str, ...] = GPU_TYPES, gpu_share: float = 0.1,
                zones: tuple[str, ...] = ZONES, pool: str = "default",
                prefix: str = "node") -> pa.Table:
    """``count`` nodes of mixed catalogue shapes: a ``gpu_share`` of them (rounded) GPU
    shapes, the rest CPU shapes, each drawn uniformly, in uniformly drawn zones."""
    _check(count >= 0, f"node count must not be negative: {count}")
    _check(0.0 <= gpu_share <= 1.0, f"gpu_share must be in [0, 1]: {gpu_share}")
    for name in (*cpu_types, *gpu_types):
        _check(name in CATALOGUE, f"unknown instance type {name!r}; the catalogue has "
               f"{', '.join(CATALOGUE)}")
    _check(len(zones) > 0, "zones must not be empty")
    gpu_nodes = int(round(count * gpu_share))
    _check(gpu_nodes == 0 or len(gpu_types) > 0, "gpu_share > 0 needs gpu_types")
    _check(gpu_nodes == count or len(cpu_types) > 0, "gpu_share < 1 needs cpu_types")
    rng = np.random.default_rng(seed)
    shapes = [CATALOGUE[n] for n in (*cpu_types, *gpu_types)]
    is_gpu = np.zeros(count, dtype=bool)
    is_gpu[rng.permutation(count)[:gpu_nodes]] = True
    index = np.where(is_gpu, len(cpu_types) + rng.integers(0, max(len(gpu_types), 1), count),
                     rng.integers(0, max(len(cpu_types), 1), count))
    zone_of = np.asarray(zones, dtype=object)[rng.integers(0, len(zones), count)]
    return _nodes_table(count, shapes, index, zone_of, pool, prefix)


def diurnal_load(services: list[str] | tuple[str, ...], duration_s: float, seed: int,
                 step_s: float = 60.0, mean_rps: float = 100.0, amplitude: float = 0.5,
                 period_s: float = DAY_S, peak_at_s: float = 14 * 3600.0) -> pa.Table:
    """Request load of Deployments behind Services: per service and step, a Poisson count of
    requests at rate ``mean_rps * (1 + amplitude * cos(2 pi (t - peak_at_s) / period_s))``,
    each service's peak shifted by a random phase of up to an hour."""
    _check(duration_s > 0 and step_s > 0, "duration_s and step_s must be positive")
    _check(0.0 <= amplitude <= 1.0, f"amplitude must be in [0, 1]: {amplitude}")
    _check(mean_rps >= 0, f"mean_rps must not be negative: {mean_rps}")
    rng = np.random.default_rng(seed)
    times = np.arange(0.0, duration_s, step_s)
    shift = rng.uniform(-1800.0, 1800.0, len(services))
    phase = 2 * np.pi * (times[None, :] - peak_at_s - shift[:, None]) / period_s
    rate = mean_rps * (1 + amplitude * np.cos(phase))
    counts = rng.poisson(rate * step_s).astype(np.float64)
    return pa.table({
        "time_s": np.tile(times, len(services)),
        "service": pa.array(np.repeat(np.asarray(services, dtype=object), len(times)),
                            pa.string()),
        "requests": counts.ravel(), "interval_s": np.full(counts.size, float(step_s)),
        "input_tokens": pa.nulls(counts.size, pa.int64()),
        "output_tokens": pa.nulls(counts.size, pa.int64())}, schema=LOAD)


def _poisson_times(rng: np.random.Generator, rate_per_s: float, duration_s: float) -> np.ndarray:
    """Arrival times of a Poisson process on [0, duration_s): a Poisson count of uniform
    times, sorted (the same law as exponential gaps)."""
    return np.sort(rng.uniform(0.0, duration_s, rng.poisson(rate_per_s * duration_s)))


def _durations(rng: np.random.Generator, count: int, distribution: str, median_s: float,
               sigma: float, alpha: float) -> np.ndarray:
    if distribution == "lognormal":
        return rng.lognormal(np.log(median_s), sigma, count)
    if distribution == "pareto":
        # Pareto (Lomax + 1) scaled so its median is median_s: median = scale * 2^(1/alpha).
        scale = median_s / 2 ** (1 / alpha)
        return scale * (1 + rng.pareto(alpha, count))
    raise TraceError(f"unknown duration distribution {distribution!r}; use lognormal or pareto")


def _pods_table(names: pa.Array, times: np.ndarray, cpu: np.ndarray, memory: np.ndarray,
                gpu: np.ndarray, gpu_milli: np.ndarray, models: pa.Array,
                durations: np.ndarray, owners: pa.Array, priority: int,
                qos: str | None) -> pa.Table:
    count = len(names)
    return pa.table({
        "name": names, "time_s": times.astype(np.float64),
        "cpu_milli": cpu.astype(np.int64), "memory_bytes": memory.astype(np.int64),
        "cpu_limit_milli": pa.nulls(count, pa.int64()),
        "memory_limit_bytes": pa.nulls(count, pa.int64()),
        "gpu": gpu.astype(np.int32), "gpu_milli": gpu_milli.astype(np.int32),
        "gpu_models": models,
        "duration_s": np.round(durations.astype(np.float64), 3),
        "owner": owners,
        "priority": np.full(count, priority, dtype=np.int32),
        "qos": pa.array([qos] * count, pa.string())}, schema=PODS)


def poisson_jobs(rate_per_s: float, duration_s: float, seed: int,
                 distribution: str = "lognormal", median_s: float = 600.0, sigma: float = 1.5,
                 alpha: float = 1.5, cpu_milli: tuple[int, ...] = (500, 1000, 2000, 4000),
                 memory_bytes: tuple[int, ...] = (GIB, 2 * GIB, 4 * GIB, 8 * GIB),
                 priority: int = 0, prefix: str = "job") -> pa.Table:
    """Batch Jobs (one pod each) arriving as a Poisson process of ``rate_per_s`` over
    ``duration_s``, with heavy-tailed run times (``lognormal`` with ``median_s`` and
    ``sigma``, or ``pareto`` with ``median_s`` and tail index ``alpha``) and a request
    shape drawn uniformly from the pairs of ``cpu_milli`` and ``memory_bytes``."""
    _check(rate_per_s >= 0 and duration_s > 0, "rate_per_s must not be negative and "
           "duration_s must be positive")
    _check(len(cpu_milli) == len(memory_bytes) and len(cpu_milli) > 0,
           "cpu_milli and memory_bytes must be non-empty and of the same length")
    _check(median_s > 0 and sigma > 0 and alpha > 0, "median_s, sigma, alpha must be positive")
    rng = np.random.default_rng(seed)
    times = _poisson_times(rng, rate_per_s, duration_s)
    count = len(times)
    durations = _durations(rng, count, distribution, median_s, sigma, alpha)
    shape = rng.integers(0, len(cpu_milli), count)
    names = _names(prefix, count)
    return _pods_table(names, times, np.asarray(cpu_milli)[shape],
                       np.asarray(memory_bytes)[shape], np.zeros(count), np.zeros(count),
                       pa.array([[]] * count, pa.list_(pa.string())), durations, names,
                       priority, None)


def gpu_pods(rate_per_s: float, duration_s: float, seed: int, share_fraction: float = 0.3,
             gpu_counts: tuple[int, ...] = (1, 2, 4, 8),
             gpu_count_weights: tuple[float, ...] = (0.7, 0.15, 0.1, 0.05),
             models: tuple[str, ...] = ("T4", "V100", "A100"), model_constraint: float = 0.2,
             median_s: float = 3600.0, sigma: float = 1.0, cpu_milli_per_gpu: int = 8000,
             memory_bytes_per_gpu: int = 32 * GIB, priority: int = 0,
             prefix: str = "gpu-pod") -> pa.Table:
    """GPU pods arriving as a Poisson process: a ``share_fraction`` of them share one GPU
    (gpu 1, gpu_milli uniform in 100..900 in steps of 50), the rest take whole GPUs (count
    drawn with ``gpu_count_weights``); a ``model_constraint`` fraction may run only on one
    drawn GPU model; lognormal run times; CPU and memory in proportion to the GPU share."""
    _check(0.0 <= share_fraction <= 1.0, f"share_fraction must be in [0, 1]: {share_fraction}")
    _check(0.0 <= model_constraint <= 1.0, "model_constraint must be in [0, 1]")
    _check(len(gpu_counts) == len(gpu_count_weights) and len(gpu_counts) > 0,
           "gpu_counts and gpu_count_weights must be non-empty and of the same length")
    _check(all(c >= 1 for c in gpu_counts), "gpu_counts must be at least 1")
    _check(rate_per_s >= 0 and duration_s > 0, "rate_per_s must not be negative and "
           "duration_s must be positive")
    rng = np.random.default_rng(seed)
    times = _poisson_times(rng, rate_per_s, duration_s)
    count = len(times)
    weights = np.asarray(gpu_count_weights, dtype=float)
    whole = rng.choice(np.asarray(gpu_counts), size=count, p=weights / weights.sum())
    shared = rng.random(count) < share_fraction
    gpu = np.where(shared, 1, whole)
    gpu_milli = np.where(shared, 50 * rng.integers(2, 19, count), 1000)
    constrained = rng.random(count) < model_constraint
    model_of = rng.integers(0, max(len(models), 1), count)
    if not models:
        constrained[:] = False
    offsets = np.concatenate([[0], np.cumsum(constrained)]).astype(np.int32)
    allowed = pa.ListArray.from_arrays(
        offsets, pa.array(np.asarray(models, dtype=object)[model_of[constrained]]
                          if models else [], pa.string()))
    thousandths = gpu * gpu_milli
    durations = rng.lognormal(np.log(median_s), sigma, count)
    names = _names(prefix, count)
    return _pods_table(names, times, cpu_milli_per_gpu * thousandths // 1000,
                       memory_bytes_per_gpu * thousandths // 1000, gpu, gpu_milli, allowed,
                       durations, names, priority, None)


def merge_pods(*tables: pa.Table) -> pa.Table:
    """Pod tables as one, in arrival order (ties keep the order of the arguments)."""
    table = pa.concat_tables(tables)
    order = np.argsort(table.column("time_s").to_numpy(), kind="stable")
    return table.take(pa.array(order))
