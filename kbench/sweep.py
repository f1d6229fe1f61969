"""Parameter sweeps: one experiment spec run at every point of a grid of ``--set`` values,
each with several seeds, in parallel on local processes or on a Dask distributed cluster.

A sweep writes ``<out>/<name>/sweep-NNN/``: ``sweep.json`` (spec, grid, seeds), one run
folder per point and seed under ``runs/`` (the layout of kbench.results) and
``summary.parquet``, one row per run: ``point``, one column per grid key (the value as
given), ``seed``, ``run`` (the run folder, relative) and the run's summary.json scalars.
Every run is seeded, so the results do not depend on the executor, the number of workers or
the order in which runs finish. With ``--executor dask --address tcp://HOST:8786`` the
workers write their run folders themselves: the results folder must be on a filesystem they
share.
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from kbench.errors import KbenchError

EXECUTORS = ("local", "dask")


class SweepError(KbenchError, ValueError):
    """A sweep that cannot run: a malformed --grid, an unknown executor."""


@dataclass(frozen=True)
class Point:
    """One run of a sweep: a grid point and a seed."""

    index: int                      # the grid point (all seeds of a point share it)
    values: tuple[tuple[str, str], ...]
    seed: int

    @property
    def folder(self) -> str:
        return f"p{self.index:03d}-seed{self.seed}"

    @property
    def overrides(self) -> list[str]:
        return [f"{key}={value}" for key, value in self.values] + [f"seed={self.seed}"]


def parse_grid(items: list[str]) -> dict[str, list[str]]:
    """``["scheduler.percentage=50,100", "tick=1s"]`` -> ``{key: [values]}``, in order."""
    grid: dict[str, list[str]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise SweepError(f"--grid {item!r}: expected key=value1,value2,...")
        if key == "seed":
            raise SweepError("--grid seed=...: seeds are given with --seeds")
        if key in grid:
            raise SweepError(f"--grid {key}: given twice")
        parts = [v.strip() for v in values.split(",")]
        if any(not v for v in parts):
            raise SweepError(f"--grid {item!r}: an empty value")
        grid[key] = parts
    return grid


def sweep_points(grid: dict[str, list[str]], seeds: int, first_seed: int = 0) -> list[Point]:
    """Every grid point (the cartesian product, first key slowest) times ``seeds`` seeds
    ``first_seed, first_seed + 1, ...``."""
    if seeds < 1:
        raise SweepError(f"--seeds {seeds}: at least one seed")
    keys = list(grid)
    combos = list(itertools.product(*(grid[k] for k in keys))) if keys else [()]
    return [Point(i, tuple(zip(keys, combo)), first_seed + s)
            for i, combo in enumerate(combos) for s in range(seeds)]


def _next_folder(parent: Path) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    taken = [int(p.name[6:]) for p in parent.glob("sweep-[0-9][0-9][0-9]")
             if p.name[6:].isdigit()]
    return parent / f"sweep-{1 + max(taken, default=0):03d}"


def _summary_row(point: Point, run: Path, summary: dict) -> dict:
    row = {"point": point.index, **dict(point.values), "seed": point.seed,
           "run": str(Path("runs") / point.folder)}
    for key, value in _flatten(summary).items():
        if key not in row and (value is None or isinstance(value, (int, float, str, bool))):
            row[key] = value
    return row


def _flatten(data: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def write_summary(rows: list[dict], path: Path) -> pa.Table:
    """summary.parquet: rows in point / seed order; a column takes the type of its values."""
    rows = sorted(rows, key=lambda r: (r["point"], r["seed"]))
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    table = pa.table({c: pa.array([row.get(c) for row in rows]) for c in columns})
    pq.write_table(table, path)
    return table


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def _dump(data) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def run_point(spec_path: str, point: Point, folder: str) -> dict:
    """One run of a sweep, in a worker: the spec with the point's overrides, into
    ``folder``; returns its summary.json row for summary.parquet."""
    from kbench.experiments import load_spec, run_experiment
    spec = load_spec(spec_path, point.overrides)
    Path(folder).mkdir(parents=True)
    result = run_experiment(spec, folder)
    return _summary_row(point, Path(folder), result.summary)


def check_points(spec_path: str | Path, points: list[Point]):
    """Every point's spec, checked before any run starts (a bad --grid key or value names
    its field here). Returns the first point's spec."""
    from kbench.experiments import load_spec
    specs = [load_spec(spec_path, point.overrides) for point in points]
    return specs[0]


def run_sweep(spec_path: str | Path, grid: dict[str, list[str]], seeds: int,
              out: str | Path = "results", executor: str = "local",
              address: str | None = None, workers: int | None = None) -> Path:
    """Run every point of ``grid`` with ``seeds`` seeds (from the spec's seed on); returns
    the sweep folder. ``executor``: "local" (processes on this machine) or "dask" (the
    Dask distributed scheduler at ``address``, or a LocalCluster when none is given)."""
    if executor not in EXECUTORS:
        raise SweepError(f"--executor {executor!r}: one of {', '.join(EXECUTORS)}")
    if address is not None and executor != "dask":
        raise SweepError("--address needs --executor dask")
    spec_path = Path(spec_path).resolve()
    from kbench.experiments import load_spec
    base = load_spec(spec_path)
    points = sweep_points(grid, seeds, base.seed)
    check_points(spec_path, points)
    folder = _next_folder(Path(out) / base.name)
    folder.mkdir()
    (folder / "runs").mkdir()
    (folder / "sweep.json").write_text(_dump({
        "spec": str(spec_path), "grid": grid, "seeds": [p.seed for p in points
                                                        if p.index == 0],
        "executor": executor, "address": address,
        "runs": [{"point": p.index, "values": dict(p.values), "seed": p.seed,
                  "run": str(Path("runs") / p.folder)} for p in points]}))
    targets = [str(folder / "runs" / p.folder) for p in points]
    workers = workers or min(default_workers(), len(points))
    if executor == "local":
        rows = _run_local(str(spec_path), points, targets, workers)
    else:
        rows = _run_dask(str(spec_path), points, targets, address, workers)
    write_summary(rows, folder / "summary.parquet")
    return folder


def _run_local(spec_path: str, points: list[Point], targets: list[str],
               workers: int) -> list[dict]:
    if workers == 1:
        return [run_point(spec_path, p, t) for p, t in zip(points, targets)]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(max_workers=workers,
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(run_point, [spec_path] * len(points), points, targets))


def _run_dask(spec_path: str, points: list[Point], targets: list[str], address: str | None,
              workers: int) -> list[dict]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - a dependency of kbench
        raise SweepError("--executor dask needs the distributed package") from None
    cluster = None
    if address is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        futures = client.map(run_point, [spec_path] * len(points), points, targets,
                             pure=False)
        return client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
