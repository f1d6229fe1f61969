"""Synthetic traces: canonical schemas, identical for the same seed, and the asked-for
properties (Poisson rate, heavy tails, GPU sharing, zones, diurnal peak)."""

import numpy as np
import pytest

from kbench.traces import LOAD, NODES, PODS, TraceError
from kbench.traces.generators import (
    CATALOGUE,
    ZONES,
    diurnal_load,
    gpu_pods,
    homogeneous_nodes,
    merge_pods,
    mixed_nodes,
    poisson_jobs,
)


def test_same_seed_same_tables_other_seed_other_tables():
    for make in (lambda s: mixed_nodes(200, seed=s), lambda s: poisson_jobs(0.2, 3600, seed=s),
                 lambda s: gpu_pods(0.2, 3600, seed=s),
                 lambda s: diurnal_load(["web", "api"], 86_400, seed=s)):
        assert make(1).equals(make(1))
        assert not make(1).equals(make(2))


def test_homogeneous_nodes_round_robin_zones():
    table = homogeneous_nodes(7, "m5.4xlarge")
    assert table.schema.equals(NODES)
    assert table.column("zone").to_pylist() == [ZONES[i % 3] for i in range(7)]
    assert set(table.column("cpu_milli").to_pylist()) == {16_000}
    assert table.column("name").to_pylist()[:2] == ["node-00000", "node-00001"]
    with pytest.raises(TraceError, match="unknown instance type 'm9.huge'"):
        homogeneous_nodes(3, "m9.huge")


def test_mixed_nodes_gpu_share_and_catalogue_shapes():
    table = mixed_nodes(1000, seed=3, gpu_share=0.2)
    assert table.schema.equals(NODES)
    rows = table.to_pylist()
    gpu_nodes = [r for r in rows if r["gpu"] > 0]
    assert len(gpu_nodes) == 200
    for row in rows:
        shape = CATALOGUE[row["instance_type"]]
        assert (row["cpu_milli"], row["memory_bytes"], row["gpu"], row["gpu_model"]) == (
            shape.cpu_milli, shape.memory_bytes, shape.gpu, shape.gpu_model)
    zones = [r["zone"] for r in rows]
    assert {z: zones.count(z) > 250 for z in ZONES} == {z: True for z in ZONES}
    assert len({r["instance_type"] for r in rows}) == len(CATALOGUE)


def test_poisson_jobs_rate_and_heavy_tail():
    rate, duration = 0.5, 200_000.0
    table = poisson_jobs(rate, duration, seed=7, median_s=600.0, sigma=1.5)
    assert table.schema.equals(PODS)
    times = table.column("time_s").to_numpy()
    # Expected count 100,000, standard deviation sqrt(100,000) ~ 316: within 4 sigma.
    assert abs(len(times) - rate * duration) < 4 * np.sqrt(rate * duration)
    assert np.all(np.diff(times) >= 0) and times.min() >= 0 and times.max() < duration
    gaps = np.diff(times)
    assert gaps.mean() == pytest.approx(1 / rate, rel=0.02)
    assert gaps.std() == pytest.approx(1 / rate, rel=0.05)   # exponential: std == mean
    durations = table.column("duration_s").to_numpy()
    assert np.median(durations) == pytest.approx(600.0, rel=0.05)
    assert durations.mean() > 2 * np.median(durations)      # heavy right tail
    pareto = poisson_jobs(rate, duration, seed=7, distribution="pareto", median_s=600.0,
                          alpha=1.5).column("duration_s").to_numpy()
    assert np.median(pareto) == pytest.approx(600.0, rel=0.05)
    assert pareto.max() > 100 * np.median(pareto)
    with pytest.raises(TraceError, match="unknown duration distribution 'weibull'"):
        poisson_jobs(rate, 10, seed=1, distribution="weibull")


def test_gpu_pods_whole_and_shared():
    table = gpu_pods(1.0, 20_000, seed=5, share_fraction=0.3, model_constraint=0.2)
    assert table.schema.equals(PODS)
    rows = table.to_pylist()
    shared = [r for r in rows if r["gpu_milli"] < 1000]
    assert len(shared) / len(rows) == pytest.approx(0.3, abs=0.02)
    assert all(r["gpu"] == 1 and 100 <= r["gpu_milli"] <= 900 for r in shared)
    assert all(r["gpu"] >= 1 for r in rows)
    assert {r["gpu"] for r in rows if r["gpu_milli"] == 1000} == {1, 2, 4, 8}
    constrained = [r for r in rows if r["gpu_models"]]
    assert len(constrained) / len(rows) == pytest.approx(0.2, abs=0.02)
    # CPU in proportion to the GPU thousandths (8 cores per GPU).
    assert all(r["cpu_milli"] == 8000 * r["gpu"] * r["gpu_milli"] // 1000 for r in rows)


def test_diurnal_load_peaks_in_the_afternoon():
    table = diurnal_load(["web"], 2 * 86_400, seed=2, step_s=300, mean_rps=50, amplitude=0.8)
    assert table.schema.equals(LOAD)
    times = table.column("time_s").to_numpy()
    rate = table.column("requests").to_numpy() / table.column("interval_s").to_numpy()
    assert rate.mean() == pytest.approx(50, rel=0.02)
    hour = (times % 86_400) // 3600
    by_hour = np.array([rate[hour == h].mean() for h in range(24)])
    assert abs(int(by_hour.argmax()) - 14) <= 1 and int(by_hour.argmin()) in (1, 2, 3)


def test_merge_pods_in_arrival_order():
    merged = merge_pods(poisson_jobs(0.1, 1000, seed=1), gpu_pods(0.1, 1000, seed=2))
    times = merged.column("time_s").to_numpy()
    assert merged.schema.equals(PODS) and np.all(np.diff(times) >= 0)
