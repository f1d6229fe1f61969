"""``kbench report SWEEP_FOLDER``: the arms of a sweep side by side. One curve per grid
point (its first seed) on each plot: pods pending over time, the pod startup latency CDF
(all seeds pooled) and, when the cluster has GPU thousandths, GPU allocation against the
arrived GPU workload (the ATC'23 paper's plot); a table of the key metrics per point (mean
over seeds). Written like kbench.report: PNGs without a date stamp and one self-contained
HTML page."""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import numpy as np
import polars as pl

from kbench import results
from kbench.compare import KEY_METRICS
from kbench.report import (DPI, PNG_METADATA, _figure, _series, gpu_allocation_curve,
                           images_html, page_html)

PLOTS = {
    "sweep_gpu_allocation.png": "GPU allocation as the GPU workload arrives",
    "sweep_pods_pending.png": "Pods pending",
    "sweep_startup_latency.png": "Pod startup latency (CDF, all seeds)",
}


def is_sweep(folder: str | os.PathLike) -> bool:
    folder = Path(folder)
    return (folder / "summary.parquet").is_file() and (folder / "sweep.json").is_file()


def _arms(folder: Path) -> tuple[pl.DataFrame, list[str], list[tuple[str, list[Path]]]]:
    """The summary, the grid keys and, per grid point, its label and run folders."""
    summary = pl.read_parquet(folder / "summary.parquet")
    grid = json.loads((folder / "sweep.json").read_text()).get("grid", {})
    arms = []
    for (point,), rows in summary.group_by(["point"], maintain_order=True):
        first = rows.row(0, named=True)
        label = ", ".join(f"{key}={first[key]}" for key in grid) or f"point {point}"
        arms.append((label, [folder / run for run in rows.sort("seed")["run"]]))
    return summary, list(grid), arms


def write_sweep_report(folder: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    """Write the comparison plots and report.html of a sweep folder; returns the page."""
    folder = Path(folder)
    summary, grid, arms = _arms(folder)
    out = Path(out) if out is not None else folder / "report"
    out.mkdir(parents=True, exist_ok=True)
    loaded = [(label, [results.load(run) for run in runs]) for label, runs in arms]
    drawn = {}
    for name, draw in (("sweep_gpu_allocation.png", _gpu_allocation),
                       ("sweep_pods_pending.png", _pending),
                       ("sweep_startup_latency.png", _startup)):
        figure = draw(loaded)
        if figure is None:
            continue
        figure.savefig(out / name, dpi=DPI, metadata=PNG_METADATA)
        drawn[name] = out / name
    page = out / "report.html"
    page.write_text(_html(folder, summary, grid, drawn))
    return page


def _gpu_allocation(loaded):
    curves = [(label, gpu_allocation_curve(runs[0].timeseries)) for label, runs in loaded]
    if not any(len(arrived) and arrived.any() for _, (arrived, _) in curves):
        return None
    figure, (axis,) = _figure(height=4.5, width=7.0)
    top = 100.0
    for label, (arrived, allocated) in curves:
        if len(arrived):
            axis.plot(arrived * 100, allocated * 100,
                      label=f"{label}: {allocated[-1]:.1%} at the end")
            top = max(top, float(arrived.max()) * 100)
    axis.plot([0, 100], [0, 100], color="grey", linestyle=":", label="all arrived allocated")
    axis.set_xlim(0, top)
    axis.set_ylim(0, 100)
    axis.set_xlabel("arrived GPU requests (% of the cluster's GPUs)")
    axis.set_ylabel("GPUs allocated (%)")
    axis.set_title(PLOTS["sweep_gpu_allocation.png"])
    axis.legend(loc="upper left", fontsize="small")
    axis.grid(alpha=0.3)
    return figure


def _pending(loaded):
    figure, (axis,) = _figure()
    minutes = max(float(runs[0].summary.get("simulated_seconds") or 0)
                  for _, runs in loaded) > 300
    for label, runs in loaded:
        times, values = _series(runs[0].timeseries, "Cluster", "pods_pending")
        axis.step(times / (60.0 if minutes else 1.0), values, where="post", label=label)
    axis.set_xlabel("simulated time (min)" if minutes else "simulated time (s)")
    axis.set_ylabel("pods")
    axis.set_ylim(bottom=0)
    axis.set_title(PLOTS["sweep_pods_pending.png"] + " (first seed of each point)")
    axis.legend(loc="best", fontsize="small")
    axis.grid(alpha=0.3)
    return figure


def _startup(loaded):
    figure, (axis,) = _figure()
    slo = results.STARTUP_SLO_SECONDS
    right = slo * 1.2
    for label, runs in loaded:
        latency = np.sort(np.concatenate([
            run.pods["startup_latency_seconds"].dropna().to_numpy() for run in runs]))
        if len(latency) == 0:
            continue
        share = np.arange(1, len(latency) + 1) / len(latency)
        axis.step(latency, share, where="post",
                  label=f"{label}: {np.mean(latency <= slo):.1%} within the SLO")
        right = max(right, float(latency[-1]) * 1.05)
    axis.axvline(slo, color="tab:red", linestyle="--", label=f"SLO {slo:g} s")
    axis.set_xlim(0, right)
    axis.set_ylim(0, 1.02)
    axis.set_xlabel("startup latency: created -> containers running (s)")
    axis.set_ylabel("share of pods")
    axis.set_title(PLOTS["sweep_startup_latency.png"])
    axis.legend(loc="lower right", fontsize="small")
    axis.grid(alpha=0.3)
    return figure


def _html(folder: Path, summary: pl.DataFrame, grid: list[str], drawn: dict) -> str:
    metrics = [m for m in KEY_METRICS if m in summary.columns]
    table = summary.group_by(["point", *grid], maintain_order=True).agg(
        pl.len().alias("seeds"), *[pl.col(m).cast(pl.Float64).mean() for m in metrics])
    header = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = "\n".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row)
                     + "</tr>" for row in table.iter_rows())
    return page_html(f"kbench sweep report: {folder.parent.name} / {folder.name}",
                     "<p>Mean over seeds of each grid point (summary.json fields, "
                     f"kbench.results).</p>\n<table><tr>{header}</tr>\n{body}\n</table>",
                     images_html(drawn, PLOTS), width=1100)


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return "-" if np.isnan(value) else f"{value:.4g}"
    return str(value)
