"""Paired comparison of two sets of runs: for each key metric, the difference B - A of runs
that share a seed (and grid point), its mean over the pairs and a 95 % confidence interval
from Student's t distribution. Pairing removes the variation the seed causes in both arms
alike, which is why sweeps run every arm on the same seeds."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from kbench.errors import KbenchError

#: two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom, then a few beyond
#: (the usual table; 1.960 is the normal limit)
_T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
         9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131,
         16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074,
         23: 2.069, 24: 2.064, 25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045,
         30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}


class CompareError(KbenchError, ValueError):
    """Two result sets that cannot be compared."""


def t_quantile_975(degrees: int) -> float:
    """The 97.5 % quantile of Student's t with ``degrees`` degrees of freedom (the nearest
    tabulated value at or below it; 1.96 past 120)."""
    if degrees < 1:
        raise ValueError("at least one degree of freedom")
    if degrees > 120:
        return 1.960
    return _T975[max(d for d in _T975 if d <= degrees)]


@dataclass(frozen=True)
class Difference:
    metric: str
    pairs: int
    mean_a: float
    mean_b: float
    mean_difference: float   # mean of (B - A) over the pairs
    low: float               # 95 % confidence interval of the mean difference
    high: float

    @property
    def relative(self) -> float:
        return self.mean_difference / abs(self.mean_a) if self.mean_a else math.nan


def paired_differences(a: pl.DataFrame, b: pl.DataFrame, keys: list[str],
                       metrics: list[str] | None = None) -> list[Difference]:
    """Differences B - A of each metric over the rows of ``a`` and ``b`` that agree on
    ``keys`` (seed, and grid values when both have them). ``metrics``: the numeric columns
    both have, unless given."""
    if metrics is None:
        metrics = [c for c in a.columns if c in b.columns and c not in keys
                   and a.schema[c].is_numeric() and b.schema[c].is_numeric()]
    joined = a.select([*keys, *metrics]).join(b.select([*keys, *metrics]), on=keys,
                                               how="inner", suffix="__b")
    if joined.height == 0:
        raise CompareError(f"no runs pair up on {', '.join(keys)}: "
                           f"A has {a.height} run(s), B has {b.height}")
    out = []
    for metric in metrics:
        values_a = joined[metric].cast(pl.Float64).to_numpy()
        values_b = joined[f"{metric}__b"].cast(pl.Float64).to_numpy()
        keep = ~(np.isnan(values_a) | np.isnan(values_b))
        values_a, values_b = values_a[keep], values_b[keep]
        if len(values_a) == 0:
            continue
        delta = values_b - values_a
        mean = float(delta.mean())
        if len(delta) > 1:
            half = t_quantile_975(len(delta) - 1) * float(delta.std(ddof=1)) / math.sqrt(
                len(delta))
        else:
            half = math.nan
        out.append(Difference(metric, len(delta), float(values_a.mean()),
                              float(values_b.mean()), mean, mean - half, mean + half))
    return out


#: summary.json fields compared by default (kbench.results.SUMMARY_FIELDS)
KEY_METRICS = ("pods_created", "pods_scheduled", "pods_unschedulable",
               "startup_latency_p50_seconds", "startup_latency_p90_seconds",
               "startup_latency_p99_seconds", "startup_within_slo_fraction",
               "mean_cpu_requested_fraction", "mean_memory_requested_fraction",
               "peak_pods_pending", "scheduling_throughput_pods_per_second")


def read_runs(folder: str | Path) -> tuple[pl.DataFrame, dict[str, list[str]]]:
    """The runs of a results folder as one row each, and the grid they vary: a sweep
    folder (its summary.parquet), a run folder (its summary.json) or an experiment's folder
    (every run-NNN in it)."""
    from kbench.results import RUN_ID_PREFIX, SUMMARY_FILE
    folder = Path(folder)
    if (folder / "summary.parquet").is_file():
        grid = json.loads((folder / "sweep.json").read_text()).get("grid", {}) if (
            folder / "sweep.json").is_file() else {}
        return pl.read_parquet(folder / "summary.parquet"), grid
    if (folder / SUMMARY_FILE).is_file():
        runs = [folder]
    else:
        runs = sorted(p for p in folder.glob(f"{RUN_ID_PREFIX}*")
                      if (p / SUMMARY_FILE).is_file())
    if not runs:
        raise CompareError(f"{folder}: no runs (neither a sweep's summary.parquet, a run's "
                           f"summary.json nor run folders)")
    rows = []
    for run in runs:
        summary = json.loads((run / SUMMARY_FILE).read_text())
        rows.append({k: v for k, v in summary.items()
                     if v is None or isinstance(v, (int, float, str, bool))})
    return pl.DataFrame(rows, infer_schema_length=None), {}


def compare_folders(a: str | Path, b: str | Path,
                    metrics: list[str] | None = None) -> list[Difference]:
    """Paired differences B - A of two results folders' key metrics, runs paired by seed
    and by the grid keys both vary over the same values (a key whose values differ between
    the two is what is being compared)."""
    runs_a, grid_a = read_runs(a)
    runs_b, grid_b = read_runs(b)
    keys = ["seed", *[k for k in grid_a if sorted(grid_a[k]) == sorted(grid_b.get(k, []))]]
    for frame, name in ((runs_a, a), (runs_b, b)):
        if "seed" not in frame.columns:
            raise CompareError(f"{name}: its runs do not say their seed")
    wanted = list(metrics) if metrics else [m for m in KEY_METRICS
                                            if m in runs_a.columns and m in runs_b.columns]
    for metric in wanted:
        for frame, name in ((runs_a, a), (runs_b, b)):
            if metric not in frame.columns:
                raise CompareError(f"{name}: no metric {metric!r} in its summaries")
    for frame, name in ((runs_a, a), (runs_b, b)):
        repeated = frame.select(keys).is_duplicated()
        if repeated.any():
            raise CompareError(f"{name}: several runs share {', '.join(keys)} "
                               f"{frame.filter(repeated).row(0)}: cannot pair them")
    return paired_differences(runs_a.with_columns(pl.col(wanted).cast(pl.Float64)),
                              runs_b.with_columns(pl.col(wanted).cast(pl.Float64)),
                              keys, wanted)


def format_differences(differences: list[Difference]) -> str:
    """A plain table: metric, pairs, mean A, mean B, B - A and its 95 % interval."""
    header = ("metric", "pairs", "A", "B", "B - A", "95% CI", "change")
    rows = [header]
    for d in differences:
        interval = ("n/a (one pair)" if math.isnan(d.low)
                    else f"[{_num(d.low)}, {_num(d.high)}]")
        change = "" if math.isnan(d.relative) else f"{d.relative * 100:+.1f}%"
        rows.append((d.metric, str(d.pairs), _num(d.mean_a), _num(d.mean_b),
                     _num(d.mean_difference), interval, change))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                     for row in rows) + "\n"


def _num(value: float) -> str:
    return f"{value:.4g}"
