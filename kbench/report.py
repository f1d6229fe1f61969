"""``kbench report``: the plots of a run folder (PNG, matplotlib) and one self-contained HTML
page with them and the summary.

Plots: pods pending and running over time; utilisation (requested and used, CPU, memory, GPU
when there are GPUs); the pod startup latency CDF against the 5 s SLO; HPA replicas against
load (up to MAX_HPAS); a node allocation heatmap (nodes x time, requested CPU; up to
MAX_HEATMAP_NODES nodes, sampled evenly); scheduling throughput (pods scheduled per minute).
Figures are drawn without pyplot (no global state) and saved without a date or software
stamp, so the same run gives the same bytes.
"""

from __future__ import annotations

import base64
import html
import os
from pathlib import Path

import numpy as np

from kbench import results

MAX_HPAS = 4
MAX_HEATMAP_NODES = 60
DPI = 100
PNG_METADATA = {"Software": None}

PLOTS = {
    "pods.png": "Pods pending and running",
    "utilisation.png": "Utilisation",
    "startup_latency.png": "Pod startup latency",
    "hpa.png": "HPA replicas against load",
    "node_allocation.png": "Node allocation",
    "scheduling_throughput.png": "Scheduling throughput",
    "gpu_allocation.png": "GPU allocation as the GPU workload arrives",
}


def write_report(folder: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    """Write the PNGs and report.html of the run in ``folder`` to ``out`` (default
    ``folder/report``); returns the HTML page's path."""
    run = results.load(folder)
    out = Path(out) if out is not None else Path(folder) / "report"
    out.mkdir(parents=True, exist_ok=True)
    series = run.timeseries
    pods = run.pods
    drawn = {}
    for name, draw in (("pods.png", _pods), ("utilisation.png", _utilisation),
                       ("startup_latency.png", _startup_latency), ("hpa.png", _hpa),
                       ("node_allocation.png", _node_allocation),
                       ("scheduling_throughput.png", _throughput),
                       ("gpu_allocation.png", _gpu_allocation)):
        figure = draw(series, pods, run)
        if figure is None:
            continue
        figure.savefig(out / name, dpi=DPI, metadata=PNG_METADATA)
        drawn[name] = out / name
    page = out / "report.html"
    page.write_text(_html(run, drawn))
    return page


# -- figures ----------------------------------------------------------------------------------

def _integer_ticks(**options):
    """Axis ticks at whole numbers (pods and replicas are counts)."""
    from matplotlib.ticker import MaxNLocator
    return MaxNLocator(**options)


def _figure(rows: int = 1, height: float = 3.2, width: float = 9.0):
    from matplotlib.figure import Figure
    figure = Figure(figsize=(width, height * rows), layout="constrained")
    return figure, [figure.add_subplot(rows, 1, i + 1) for i in range(rows)]


def _series(frame, kind: str, metric: str, name: str | None = None):
    """(times, values) of one series, or of each name: {name: (times, values)}."""
    mask = (frame["kind"] == kind) & (frame["metric"] == metric)
    if name is not None:
        mask &= frame["name"] == name
    chosen = frame[mask]
    return chosen["time"].to_numpy(), chosen["value"].to_numpy()


def _in_minutes(run) -> bool:
    """Times are shown in minutes for runs longer than 5 minutes, else in seconds."""
    span = run.summary.get("simulated_seconds") or run.summary.get("duration_seconds") or 0
    return float(span) > 300


def _time_axis(axis, run) -> None:
    axis.set_xlabel("simulated time (min)" if _in_minutes(run) else "simulated time (s)")


def _scale(times, run):
    return np.asarray(times, dtype=float) / (60.0 if _in_minutes(run) else 1.0)


def _pods(series, pods, run):
    figure, (axis,) = _figure()
    for metric, label, colour in (("pods_pending", "pending", "tab:orange"),
                                  ("pods_running", "running", "tab:blue"),
                                  ("pods_unschedulable", "unschedulable", "tab:red")):
        times, values = _series(series, "Cluster", metric)
        if metric == "pods_unschedulable" and not values.any():
            continue
        axis.step(_scale(times, run), values, where="post", label=label, color=colour,
                  linestyle="--" if metric == "pods_unschedulable" else "-")
    axis.set_ylabel("pods")
    axis.yaxis.set_major_locator(_integer_ticks(integer=True))
    axis.set_ylim(bottom=0)
    axis.set_title(PLOTS["pods.png"])
    axis.legend(loc="best")
    axis.grid(alpha=0.3)
    _time_axis(axis, run)
    return figure


def _utilisation(series, pods, run):
    figure, (axis,) = _figure()
    pool = series[series["name"] == ""] if "name" in series else series
    labels = {"gpu": "whole GPUs", "gpu_milli": "GPU thousandths (shares too)"}
    for resource, colour in (("cpu", "tab:blue"), ("memory", "tab:green"), ("gpu", "tab:purple"),
                             ("gpu_milli", "tab:pink")):
        times, requested = _series(pool, "NodePool", f"{resource}_requested_fraction")
        if len(times) == 0 or (resource.startswith("gpu") and not requested.any()):
            continue
        axis.plot(_scale(times, run), requested * 100, color=colour,
                  label=f"{labels.get(resource, resource)} requested")
        used_times, used = _series(pool, "NodePool", f"{resource}_used_fraction")
        if len(used_times) and used.any():
            axis.plot(_scale(used_times, run), used * 100, color=colour, linestyle="--",
                      label=f"{resource} used")
    if not axis.lines or not any(line.get_ydata().any() for line in axis.lines):
        axis.text(0.5, 0.5, "the pods request no CPU or memory", transform=axis.transAxes,
                  ha="center", color="grey")
    times_f, fragmentation = _series(pool, "NodePool", "fragmentation")
    if len(times_f) and fragmentation.any():
        axis.plot(_scale(times_f, run), fragmentation * 100, color="grey", linestyle=":",
                  label="fragmentation")
    axis.set_ylabel("% of allocatable")
    axis.set_ylim(0, max(5.0, float(axis.get_ylim()[1])))
    axis.set_title(PLOTS["utilisation.png"] + " (all nodes)")
    axis.legend(loc="best", ncols=2, fontsize="small")
    axis.grid(alpha=0.3)
    _time_axis(axis, run)
    return figure


def _startup_latency(series, pods, run):
    latency = np.sort(pods["startup_latency_seconds"].dropna().to_numpy())
    figure, (axis,) = _figure()
    slo = results.STARTUP_SLO_SECONDS
    title = PLOTS["startup_latency.png"] + " (CDF)"
    if len(latency):
        share = np.arange(0, len(latency) + 1) / len(latency)
        axis.step(np.concatenate([[latency[0]], latency]), share, where="post",
                  color="tab:blue", label=f"{len(latency)} pods started")
        within = float(np.mean(latency <= slo))
        p99 = float(np.quantile(latency, 0.99))
        axis.set_xlim(0, max(slo * 1.2, float(latency[-1]) * 1.05))
        title += f": p99 {p99:.2f} s, {within:.1%} within the SLO"
    else:
        axis.text(0.5, 0.5, "no pod started", transform=axis.transAxes, ha="center")
        axis.set_xlim(0, slo * 1.2)
    axis.axvline(slo, color="tab:red", linestyle="--", label=f"SLO {slo:g} s")
    axis.axhline(0.99, color="grey", linestyle=":", linewidth=0.8)
    axis.set_ylim(0, 1.02)
    axis.set_xlabel("startup latency: created -> containers running (s)")
    axis.set_ylabel("share of pods")
    axis.set_title(title)
    axis.legend(loc="lower right")
    axis.grid(alpha=0.3)
    return figure


def _hpa_targets(run) -> dict[str, str]:
    """HPA name -> the name of what it scales, from the run's last snapshot."""
    import pyarrow.feather as feather
    snapshots = run.summary.get("snapshots") or []
    if not snapshots:
        return {}
    file = run.folder / snapshots[-1] / "horizontalpodautoscalers.feather"
    if not file.is_file():
        return {}
    table = feather.read_table(file, columns=["name", "target_name"]).to_pylist()
    return {row["name"]: row["target_name"] for row in table}


def _hpa(series, pods, run):
    hpas = series[series["kind"] == "HorizontalPodAutoscaler"]
    names = sorted(set(hpas["name"].astype(str)))[:MAX_HPAS]
    if not names:
        return None
    targets = _hpa_targets(run)
    figure, axes = _figure(rows=len(names))
    for axis, name in zip(axes, names):
        times, desired = _series(hpas, "HorizontalPodAutoscaler", "desired_replicas", name)
        _, current = _series(hpas, "HorizontalPodAutoscaler", "current_replicas", name)
        scaled = _scale(times, run)
        axis.step(scaled, current, where="post", color="tab:blue", label="current replicas")
        axis.step(scaled, desired, where="post", color="tab:blue", linestyle="--",
                  alpha=0.6, label="desired replicas")
        axis.set_ylabel("replicas")
        axis.yaxis.set_major_locator(_integer_ticks(integer=True))
        axis.set_ylim(0, max(float(np.nanmax(np.concatenate([current, desired, [1]]))) + 1, 2))
        other = axis.twinx()
        load_times, load = _series(series, "Deployment", "load_requests_per_second",
                                   targets.get(name, name))
        if len(load_times):
            other.step(_scale(load_times, run), load, where="post", color="tab:orange",
                       label="load (requests/s)")
            other.set_ylabel("requests/s")
            other.set_ylim(0, max(float(np.nanmax(load)) * 1.15, 1.0))
        else:
            metric_times, metric = _series(hpas, "HorizontalPodAutoscaler", "current_metric",
                                           name)
            _, target = _series(hpas, "HorizontalPodAutoscaler", "target", name)
            other.plot(_scale(metric_times, run), metric, color="tab:orange",
                       label="current metric")
            other.plot(_scale(metric_times, run), target, color="tab:red", linestyle=":",
                       label="target")
            other.set_ylabel("metric")
            other.set_ylim(bottom=0)
        handles = axis.get_legend_handles_labels()
        extra = other.get_legend_handles_labels()
        axis.legend(handles[0] + extra[0], handles[1] + extra[1], loc="center right",
                    fontsize="small")
        axis.set_title(f"HorizontalPodAutoscaler {name}")
        axis.grid(alpha=0.3)
        _time_axis(axis, run)
    return figure


def _node_allocation(series, pods, run):
    nodes = series[(series["kind"] == "Node") & (series["metric"] == "cpu_requested_fraction")]
    if len(nodes) == 0:
        return None
    wide = nodes.pivot_table(index="name", columns="time", values="value", observed=True,
                             aggfunc="last")
    wide = wide.sort_index()
    if len(wide) > MAX_HEATMAP_NODES:
        keep = np.linspace(0, len(wide) - 1, MAX_HEATMAP_NODES).round().astype(int)
        wide = wide.iloc[np.unique(keep)]
    times = wide.columns.to_numpy(dtype=float)
    scaled = _scale(times, run)
    figure, (axis,) = _figure(height=min(7.0, max(2.4, 0.28 * len(wide) + 1.4)))
    percent = wide.to_numpy() * 100
    # the colour scale ends at the highest allocation seen (at least 1 %), so a lightly
    # loaded cluster still shows its pattern; the colour bar says where it ends
    top = max(1.0, float(np.nanmax(percent)) if np.isfinite(percent).any() else 1.0)
    image = axis.imshow(percent, aspect="auto", interpolation="nearest",
                        cmap="viridis", vmin=0, vmax=top,
                        extent=(float(scaled[0]), float(scaled[-1]), len(wide) - 0.5, -0.5))
    every = max(1, int(np.ceil(len(wide) / 20)))   # at most 20 node names on the axis
    axis.set_yticks(range(0, len(wide), every))
    axis.set_yticklabels([str(n) for n in wide.index[::every]], fontsize="small")
    axis.set_ylabel("node")
    colourbar = figure.colorbar(image, ax=axis)
    colourbar.set_label("CPU requested (%)")
    axis.set_title(PLOTS["node_allocation.png"] + (
        f" ({len(wide)} of the nodes, sampled evenly)"
        if len(wide) < nodes["name"].nunique() else ""))
    _time_axis(axis, run)
    return figure


def _throughput(series, pods, run):
    scheduled = pods["scheduled"].dropna().to_numpy()
    duration = float(run.summary.get("simulated_seconds") or 0.0)
    if duration <= 0:
        return None
    figure, (axis,) = _figure()
    # minutes for runs longer than 10 minutes, else 10-second bins (as a rate per minute)
    width = 60.0 if duration > 600 else 10.0
    edges = np.arange(0.0, duration + width, width)
    counts, _ = np.histogram(scheduled, bins=edges)
    axis.bar(_scale(edges[:-1], run), counts * (60.0 / width), width=float(
        _scale(np.array([width]), run)[0]), align="edge", color="tab:blue",
        edgecolor="white", linewidth=0.5)
    _time_axis(axis, run)
    axis.set_ylabel("pods scheduled per minute")
    axis.set_title(PLOTS["scheduling_throughput.png"] + f" ({len(scheduled)} pods in all, "
                   f"{width:g} s bins)")
    axis.grid(alpha=0.3, axis="y")
    return figure


# -- the page ---------------------------------------------------------------------------------

def gpu_allocation_curve(series) -> tuple[np.ndarray, np.ndarray]:
    """(arrived, allocated) GPU thousandths as fractions of the cluster's, at each record
    time: what the ATC'23 paper plots (allocation ratio against arrived GPU workload)."""
    _, arrived = _series(series, "Cluster", "gpu_milli_arrived_fraction")
    pool = series[series["name"] == ""]
    _, allocated = _series(pool, "NodePool", "gpu_milli_requested_fraction")
    count = min(len(arrived), len(allocated))
    return arrived[:count], allocated[:count]


def _gpu_allocation(series, pods, run):
    arrived, allocated = gpu_allocation_curve(series)
    if len(arrived) == 0 or not arrived.any():
        return None
    figure, (axis,) = _figure(height=4.0, width=6.0)
    axis.plot(arrived * 100, allocated * 100, color="tab:purple", label="allocated")
    top = max(100.0, float(arrived.max()) * 100)
    axis.plot([0, 100], [0, 100], color="grey", linestyle=":", label="all arrived allocated")
    axis.set_xlim(0, top)
    axis.set_ylim(0, 100)
    axis.set_xlabel("arrived GPU requests (% of the cluster's GPUs)")
    axis.set_ylabel("GPUs allocated (%)")
    axis.set_title(PLOTS["gpu_allocation.png"] +
                   f": {allocated[-1]:.1%} at the end")
    axis.legend(loc="lower right")
    axis.grid(alpha=0.3)
    return figure


def _html(run, drawn: dict[str, Path]) -> str:
    summary = run.summary
    rows = "\n".join(
        f"<tr><th>{html.escape(key)}</th><td>{html.escape(_format(summary.get(key)))}</td>"
        f"<td class=help>{html.escape(help_text)}</td></tr>"
        for key, help_text in results.SUMMARY_FIELDS.items())
    return page_html(f"kbench report: {summary.get('name')} / {summary.get('run_id')}",
                     f"<p>Run folder: <code>{html.escape(str(run.folder))}</code></p>\n"
                     f"<table>\n{rows}\n</table>", images_html(drawn, PLOTS))


def images_html(drawn: dict[str, Path], titles: dict[str, str]) -> str:
    """The PNGs, each under its title, embedded (base64) so the page stands alone."""
    return "\n".join(
        f'<h2>{html.escape(titles[name])}</h2>\n<img alt="{html.escape(titles[name])}" '
        f'src="data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()}">'
        for name, path in drawn.items())


def page_html(title: str, body: str, images: str, width: int = 960) -> str:
    """One self-contained HTML page: title, body (HTML), then the images."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; max-width: {width}px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; font-size: 0.9em; }}
th, td {{ text-align: left; padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; }}
td.help {{ color: #777; }}
img {{ max-width: 100%; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
{body}
{images}
</body></html>
"""


def _format(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    return str(value)
