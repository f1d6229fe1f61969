"""kbench sweep (grids, seeds, local and Dask executors) and kbench compare (paired
differences with confidence intervals)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from kbench.cli import main
from kbench.compare import (CompareError, compare_folders, format_differences,
                            paired_differences, t_quantile_975)
from kbench.experiments import SpecError
from kbench.sweep import SweepError, parse_grid, run_sweep, sweep_points

ROLLING = Path(__file__).parents[2] / "experiments" / "rolling-update" / "experiment.yaml"
START = "kubelet.container_start_median_seconds"


def test_grid_points_are_the_product_times_the_seeds():
    grid = parse_grid(["tick=1s,2s", f"{START}=0.5,1,2"])
    assert grid == {"tick": ["1s", "2s"], START: ["0.5", "1", "2"]}
    points = sweep_points(grid, seeds=2, first_seed=5)
    assert len(points) == 12
    assert points[0].overrides == ["tick=1s", f"{START}=0.5", "seed=5"]
    assert points[1].overrides == ["tick=1s", f"{START}=0.5", "seed=6"]
    assert points[-1].overrides == ["tick=2s", f"{START}=2", "seed=6"]
    assert [p.index for p in points] == [i // 2 for i in range(12)]
    assert len({p.folder for p in points}) == 12
    assert sweep_points({}, seeds=3)[2].overrides == ["seed=2"]


@pytest.mark.parametrize("items, message", [
    (["tick"], "expected key=value1"), (["=1"], "expected key=value1"),
    (["seed=1,2"], "given with --seeds"), (["tick=1s", "tick=2s"], "given twice"),
    (["tick=1s,,2s"], "an empty value")])
def test_bad_grids(items, message):
    with pytest.raises(SweepError, match=message):
        parse_grid(items)


def test_a_bad_grid_value_is_refused_before_any_run(tmp_path):
    with pytest.raises(SpecError, match="tick"):
        run_sweep(ROLLING, {"tick": ["1s", "soon"]}, 1, tmp_path)
    assert not list(tmp_path.rglob("run*"))
    with pytest.raises(SweepError, match="--executor"):
        run_sweep(ROLLING, {}, 1, tmp_path, executor="slurm")


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """The same two-point grid with two seeds, on local processes and on a Dask
    LocalCluster."""
    out = tmp_path_factory.mktemp("sweeps")
    grid = {START: ["0.5", "3"]}
    local = run_sweep(ROLLING, grid, 2, out, executor="local", workers=1)
    dask = run_sweep(ROLLING, grid, 2, out, executor="dask", workers=2)
    return local, dask


def test_sweep_folder_and_summary(sweeps):
    local, _ = sweeps
    assert local.name == "sweep-001" and (local / "sweep.json").is_file()
    summary = pl.read_parquet(local / "summary.parquet")
    assert summary["point"].to_list() == [0, 0, 1, 1]
    assert summary["seed"].to_list() == [1, 2, 1, 2]
    assert summary[START].to_list() == ["0.5", "0.5", "3", "3"]
    assert set(summary["status"]) == {"complete"}
    for run in summary["run"]:
        assert (local / run / "pods.parquet").is_file()
    # slower container starts, slower pod starts
    slow = summary.filter(pl.col(START) == "3")["startup_latency_p50_seconds"].to_numpy()
    fast = summary.filter(pl.col(START) == "0.5")["startup_latency_p50_seconds"].to_numpy()
    assert (slow > fast).all()


def test_dask_runs_equal_local_runs(sweeps):
    local, dask = sweeps
    assert dask.name == "sweep-002"
    a = pl.read_parquet(local / "summary.parquet").drop("wall_seconds")
    b = pl.read_parquet(dask / "summary.parquet").drop("wall_seconds")
    assert a.equals(b)
    for run in a["run"]:
        for name in ("pods.parquet", "timeseries.parquet", "events.parquet"):
            assert (local / run / name).read_bytes() == (dask / run / name).read_bytes()


def test_t_quantiles():
    assert t_quantile_975(1) == 12.706 and t_quantile_975(9) == 2.262
    assert t_quantile_975(35) == 2.042 and t_quantile_975(500) == 1.960
    with pytest.raises(ValueError):
        t_quantile_975(0)


def test_paired_differences_by_hand():
    a = pl.DataFrame({"seed": [1, 2, 3, 4], "x": [10.0, 12.0, 11.0, 13.0]})
    b = pl.DataFrame({"seed": [4, 3, 2, 1], "x": [16.0, 13.0, 15.0, 12.0]})
    (d,) = paired_differences(a, b, ["seed"], ["x"])
    delta = np.array([12 - 10, 15 - 12, 13 - 11, 16 - 13], dtype=float)  # paired by seed
    half = 3.182 * delta.std(ddof=1) / math.sqrt(4)
    assert d.pairs == 4 and d.mean_difference == pytest.approx(delta.mean())
    assert (d.low, d.high) == pytest.approx((delta.mean() - half, delta.mean() + half))
    assert d.mean_a == 11.5 and d.mean_b == 14.0
    assert d.relative == pytest.approx(2.5 / 11.5)
    with pytest.raises(CompareError, match="no runs pair up"):
        paired_differences(a, b.with_columns(pl.col("seed") + 10), ["seed"], ["x"])


def test_compare_two_sweeps(sweeps, tmp_path, capsys):
    local, dask = sweeps
    same = {d.metric: d for d in compare_folders(local, dask)}
    assert same["startup_latency_p50_seconds"].mean_difference == 0.0
    assert same["startup_latency_p50_seconds"].pairs == 4
    # one arm each: the grid key is the treatment; runs pair by seed
    out = tmp_path / "arms"
    fast = run_sweep(ROLLING, {START: ["0.5"]}, 2, out, workers=1)
    slow = run_sweep(ROLLING, {START: ["3"]}, 2, out, workers=1)
    differences = {d.metric: d for d in compare_folders(fast, slow)}
    p50 = differences["startup_latency_p50_seconds"]
    assert p50.pairs == 2 and p50.mean_difference > 0
    assert main(["compare", str(fast), str(slow)]) is None
    text = capsys.readouterr().out
    assert text.splitlines()[0].split()[:3] == ["metric", "pairs", "A"]
    assert "startup_latency_p50_seconds" in text
    assert format_differences(list(differences.values())) == text


def test_compare_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["compare", str(tmp_path), str(tmp_path)])
    assert stop.value.code == 2
    assert capsys.readouterr().err.startswith("error: ")
    with pytest.raises(SystemExit) as stop:
        main(["sweep", str(ROLLING), "--grid", "tick", "--out", str(tmp_path)])
    assert stop.value.code == 2
    assert "expected key=value1" in capsys.readouterr().err
