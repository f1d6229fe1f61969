"""A run's results under the metric names Prometheus users already query: kube-state-metrics
(kube_pod_status_phase, kube_deployment_status_replicas, kube_horizontalpodautoscaler_*,
...) and cAdvisor / kubelet (container_cpu_usage_seconds_total, ...), so that dashboards
made for real clusters show a simulated one.

Sources, all in the run folder (layout: kbench.results):
- timeseries.parquet: workload and autoscaler series map onto kube-state-metrics names
  (KSM_SERIES); every other series keeps its kbench name as ``kbench_<kind>_<metric>``.
- pods.parquet: each pod's lifecycle times give its phase, info, requests and start time at
  every sample time (kube_pod_*), exactly as they were.
- the per-pod use a run records with ``outputs: [..., pod_usage]`` (kind "Pod" in
  timeseries.parquet): CPU cores summed over time into the counter
  container_cpu_usage_seconds_total, and container_memory_working_set_bytes.
- the run's last snapshot: node allocatable (kube_node_status_allocatable) and what each HPA
  targets (the metric_name / metric_target_type labels).

Samples are taken at the record times of timeseries.parquet, or every ``every`` seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl

from kbench.export.openmetrics import Family, write_openmetrics
from kbench.errors import KbenchError

PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")

#: (kind, kbench metric) -> (kube-state-metrics family, the object's label, help)
KSM_SERIES: dict[tuple[str, str], tuple[str, str, str]] = {
    ("Deployment", "spec_replicas"): ("kube_deployment_spec_replicas", "deployment",
                                      "Number of desired pods for a deployment."),
    ("Deployment", "replicas"): ("kube_deployment_status_replicas", "deployment",
                                 "The number of replicas per deployment."),
    ("Deployment", "updated_replicas"): ("kube_deployment_status_replicas_updated", "deployment",
                                         "The number of updated replicas per deployment."),
    ("Deployment", "ready_replicas"): ("kube_deployment_status_replicas_ready", "deployment",
                                       "The number of ready replicas per deployment."),
    ("Deployment", "available_replicas"): ("kube_deployment_status_replicas_available",
                                           "deployment",
                                           "The number of available replicas per deployment."),
    ("ReplicaSet", "spec_replicas"): ("kube_replicaset_spec_replicas", "replicaset",
                                      "Number of desired pods for a ReplicaSet."),
    ("ReplicaSet", "replicas"): ("kube_replicaset_status_replicas", "replicaset",
                                 "The number of replicas per ReplicaSet."),
    ("ReplicaSet", "ready_replicas"): ("kube_replicaset_status_ready_replicas", "replicaset",
                                       "The number of ready replicas per ReplicaSet."),
    ("StatefulSet", "spec_replicas"): ("kube_statefulset_replicas", "statefulset",
                                       "Number of desired pods for a StatefulSet."),
    ("StatefulSet", "ready_replicas"): ("kube_statefulset_status_replicas_ready", "statefulset",
                                        "The number of ready replicas per StatefulSet."),
    ("Job", "active"): ("kube_job_status_active", "job_name",
                        "The number of actively running pods."),
    ("Job", "succeeded"): ("kube_job_status_succeeded", "job_name",
                           "The number of pods which reached Phase Succeeded."),
    ("Job", "failed"): ("kube_job_status_failed", "job_name",
                        "The number of pods which reached Phase Failed."),
    ("HorizontalPodAutoscaler", "current_replicas"): (
        "kube_horizontalpodautoscaler_status_current_replicas", "horizontalpodautoscaler",
        "Current number of replicas of pods managed by this autoscaler."),
    ("HorizontalPodAutoscaler", "desired_replicas"): (
        "kube_horizontalpodautoscaler_status_desired_replicas", "horizontalpodautoscaler",
        "Desired number of replicas of pods managed by this autoscaler."),
}
#: HPA metric series that carry metric_name / metric_target_type labels, as in KSM
HPA_METRIC_SERIES = {
    "target": ("kube_horizontalpodautoscaler_spec_target_metric",
               "The metric specifications used by this autoscaler when calculating the "
               "desired replica count."),
    "current_metric": ("kube_horizontalpodautoscaler_status_target_metric",
                       "The current metric status used by this autoscaler when calculating "
                       "the desired replica count."),
}
#: kbench's target types -> kube-state-metrics' metric_target_type label
_TARGET_TYPES = {"Utilization": "utilization", "AverageValue": "average", "Value": "value"}


class ExportInputError(KbenchError, ValueError):
    """A run folder that cannot be exported."""


def _read(run: Path, name: str, required: bool = True) -> pl.DataFrame | None:
    path = run / name
    if not path.is_file():
        if required:
            raise ExportInputError(f"{run}: no {name}: not a kbench run folder "
                                   f"(see kbench.results)")
        return None
    frame = pl.read_parquet(path)
    return frame.with_columns(pl.col(pl.Categorical).cast(pl.Utf8))


def sample_times(timeseries: pl.DataFrame, every: float | None,
                 end: float | None = None) -> np.ndarray:
    """The times at which every series is sampled."""
    times = np.unique(timeseries["time"].to_numpy()) if timeseries.height else np.zeros(1)
    if every is None:
        return times
    if every <= 0:
        raise ExportInputError(f"--every {every}: must be positive")
    last = float(times.max()) if end is None else end
    return np.arange(float(times.min()), last + every * 1e-9, every)


def _at_times(frame: pl.DataFrame, times: np.ndarray, keys: list[str]) -> pl.DataFrame:
    """Each series of ``frame`` (keys, time, value) sampled at ``times``: the last value at
    or before each time (as Prometheus sees a gauge between scrapes)."""
    if frame.height == 0:
        return frame
    grid = pl.DataFrame({"time": times}).cast({"time": pl.Float64})
    series = frame.select(keys).unique(maintain_order=True)
    wanted = series.join(grid, how="cross").sort([*keys, "time"])
    return wanted.join_asof(frame.sort([*keys, "time"]), on="time", by=keys,
                            strategy="backward", check_sortedness=False).drop_nulls("value")


def series_families(timeseries: pl.DataFrame, times: np.ndarray,
                    hpa_labels: pl.DataFrame) -> list[Family]:
    """Families from timeseries.parquet: KSM names where one exists, kbench_* otherwise."""
    families = []
    keys = ["kind", "namespace", "name", "metric"]
    sampled = _at_times(timeseries, times, keys)
    for (kind, metric), (family, label, help_text) in KSM_SERIES.items():
        rows = sampled.filter((pl.col("kind") == kind) & (pl.col("metric") == metric))
        families.append(Family(family, "gauge", help_text, rows.select(
            "namespace", pl.col("name").alias(label), "time", "value")))
    for metric, (family, help_text) in HPA_METRIC_SERIES.items():
        rows = sampled.filter((pl.col("kind") == "HorizontalPodAutoscaler")
                              & (pl.col("metric") == metric))
        rows = rows.join(hpa_labels, on=["namespace", "name"], how="left").with_columns(
            pl.col("metric_name").fill_null(""), pl.col("metric_target_type").fill_null(""))
        families.append(Family(family, "gauge", help_text, rows.select(
            "namespace", pl.col("name").alias("horizontalpodautoscaler"), "metric_name",
            "metric_target_type", "time", "value")))
    mapped = [*KSM_SERIES, *(("HorizontalPodAutoscaler", m) for m in HPA_METRIC_SERIES)]
    rest = sampled.join(pl.DataFrame({"kind": [k for k, _ in mapped],
                                      "metric": [m for _, m in mapped]}),
                        on=["kind", "metric"], how="anti").filter(pl.col("kind") != "Pod")
    for (kind, metric), rows in sorted(rest.group_by(["kind", "metric"]),
                                       key=lambda item: item[0]):
        label = KIND_LABELS.get(kind, kind.lower())
        columns = ["time", "value"]
        if kind in ("NodePool", "Node"):
            columns = [pl.col("name").alias(label), *columns]
        elif kind != "Cluster":
            columns = ["namespace", pl.col("name").alias(label), *columns]
        # a cumulative series (…_total) is a counter; its family name drops the suffix
        counter = metric.endswith("_total")
        name = f"kbench_{kind.lower()}_{metric.removesuffix('_total')}"
        families.append(Family(name, "counter" if counter else "gauge",
                               f"kbench {kind} {metric} (kbench.results METRICS).",
                               rows.select(columns)))
    return families


#: the label naming the object of each kind in kbench_* families (kube-state-metrics' own
#: label names where it has the kind)
KIND_LABELS = {"NodePool": "pool", "Node": "node", "Deployment": "deployment",
               "ReplicaSet": "replicaset", "StatefulSet": "statefulset", "Job": "job_name",
               "HorizontalPodAutoscaler": "horizontalpodautoscaler", "Service": "service"}


def pod_families(pods: pl.DataFrame, times: np.ndarray, chunk: int = 20_000) -> list[Family]:
    """kube_pod_status_phase (all five phases, 0 or 1, as kube-state-metrics writes them),
    kube_pod_info, kube_pod_created, kube_pod_start_time and
    kube_pod_container_resource_requests of every pod, at every sample time it existed."""
    created = pods["created"].to_numpy()
    end = np.where(np.isnan(pods["deleted"].to_numpy()), np.inf, pods["deleted"].to_numpy())
    started = np.nan_to_num(pods["started"].to_numpy(), nan=np.inf)
    finished = np.nan_to_num(pods["finished"].to_numpy(), nan=np.inf)
    failed = (pods["phase"] == "Failed").to_numpy()
    parts: dict[str, list[pl.DataFrame]] = {n: [] for n in
                                            ("phase", "info", "created", "start", "requests")}
    for first in range(0, pods.height, chunk):
        sl = slice(first, first + chunk)
        alive = (created[sl, None] <= times[None, :]) & (times[None, :] < end[sl, None])
        pod, when = np.nonzero(alive)
        t = times[when]
        row = pod + first
        code = np.where(t < started[row], 0, np.where(t < finished[row], 1,
                                                       np.where(failed[row], 3, 2)))
        ids = pods[sl].select("namespace", pl.col("name").alias("pod"), "uid")[pod]
        for phase_index, phase in enumerate(PHASES):
            parts["phase"].append(ids.with_columns(
                pl.lit(phase).alias("phase"), pl.Series("time", t),
                pl.Series("value", (code == phase_index).astype(np.float64))))
        info = pods[sl].select(
            "namespace", pl.col("name").alias("pod"), "uid",
            pl.col("node"), pl.col("owner_kind").alias("created_by_kind"),
            pl.col("owner_name").alias("created_by_name"))[pod]
        parts["info"].append(info.with_columns(pl.Series("time", t),
                                               pl.lit(1.0).alias("value")))
        parts["created"].append(ids.with_columns(
            pl.Series("time", t), pl.Series("value", created[row] + _epoch())))
        running = np.isfinite(started[row]) & (started[row] <= t)
        parts["start"].append(ids.filter(running).with_columns(
            pl.Series("time", t[running]), pl.Series("value", started[row][running] + _epoch())))
        bound = pods[sl]["node"].to_numpy()[pod] != ""
        requests = pods[sl].select(
            "namespace", pl.col("name").alias("pod"), "uid", "node",
            "requests_cpu_milli", "requests_memory_bytes", "requests_gpu")[pod].with_columns(
            pl.Series("time", t)).filter(bound)
        for resource, unit, column, scale in (("cpu", "core", "requests_cpu_milli", 1e-3),
                                              ("memory", "byte", "requests_memory_bytes", 1.0),
                                              ("nvidia_com_gpu", "integer", "requests_gpu",
                                               1.0)):
            some = requests.filter(pl.col(column) > 0) if resource != "cpu" else requests
            parts["requests"].append(some.select(
                "namespace", "pod", "uid", "node", pl.lit(resource).alias("resource"),
                pl.lit(unit).alias("unit"), "time",
                (pl.col(column).cast(pl.Float64) * scale).alias("value")))

    def joined(name: str) -> pl.DataFrame:
        return pl.concat(parts[name]) if parts[name] else pl.DataFrame(
            {"time": [], "value": []}, schema={"time": pl.Float64, "value": pl.Float64})

    return [
        Family("kube_pod_status_phase", "gauge", "The pods current phase.", joined("phase")),
        Family("kube_pod_info", "gauge", "Information about pod.", joined("info")),
        Family("kube_pod_created", "gauge", "Unix creation timestamp", joined("created")),
        Family("kube_pod_start_time", "gauge", "Start time in unix timestamp for a pod.",
               joined("start")),
        Family("kube_pod_container_resource_requests", "gauge",
               "The number of requested request resource by a container (kbench: summed "
               "over the pod's containers).", joined("requests")),
    ]


def _epoch() -> float:
    from kbench.export.openmetrics import EPOCH_UNIX
    return float(EPOCH_UNIX)


def usage_families(timeseries: pl.DataFrame, pods: pl.DataFrame,
                   times: np.ndarray) -> list[Family]:
    """container_cpu_usage_seconds_total (CPU cores integrated over time from each pod's
    first sample: each sample's rate times the time since the one before) and
    container_memory_working_set_bytes, per pod, from the recorded "Pod" series."""
    keys = ["namespace", "pod"]
    usage = (timeseries.filter(pl.col("kind") == "Pod")
             .pivot("metric", index=["namespace", "name", "time"], values="value")
             .rename({"name": "pod", "cpu_usage_cores": "cpu_cores",
                      "memory_working_set_bytes": "memory_bytes"}))
    nodes = pods.select("namespace", pl.col("name").alias("pod"), "node").unique(
        keys, keep="last", maintain_order=True)
    usage = usage.join(nodes, on=keys, how="left").with_columns(pl.col("node").fill_null(""))
    frame = usage.sort([*keys, "time"])
    frame = frame.with_columns(
        (pl.col("cpu_cores") * pl.col("time").diff().over(keys).fill_null(0.0))
        .cum_sum().over(keys).alias("cpu_seconds"))
    cpu = _at_times(frame.select(*keys, "node", "time", pl.col("cpu_seconds").alias("value")),
                    times, [*keys, "node"])
    memory = _at_times(frame.select(*keys, "node", "time",
                                    pl.col("memory_bytes").cast(pl.Float64).alias("value")),
                       times, [*keys, "node"])
    return [
        Family("container_cpu_usage_seconds", "counter",
               "Cumulative cpu time consumed in seconds.",
               cpu.select(pl.col("node").alias("instance"), *keys, "time", "value")),
        Family("container_memory_working_set_bytes", "gauge",
               "Current working set in bytes.",
               memory.select(pl.col("node").alias("instance"), *keys, "time", "value")),
    ]


def snapshot_families(run: Path, times: np.ndarray) -> tuple[list[Family], pl.DataFrame]:
    """kube_node_status_allocatable of the nodes in the run's last snapshot, at every sample
    time; and each HPA's metric_name / metric_target_type (of its first metric)."""
    from kbench.cluster import Cluster
    empty_hpas = pl.DataFrame(schema={"namespace": pl.Utf8, "name": pl.Utf8,
                                      "metric_name": pl.Utf8, "metric_target_type": pl.Utf8})
    summary = json.loads((run / "summary.json").read_text())
    snapshots = summary.get("snapshots") or []
    if not snapshots:
        return [], empty_hpas
    cluster = Cluster.restore(run / snapshots[-1])
    nodes = []
    for node in cluster.list("Node"):
        doc = node.to_dict()
        for resource, value in (doc.get("status", {}).get("allocatable") or {}).items():
            unit, number = _quantity(resource, value)
            nodes.append({"node": doc["metadata"]["name"], "resource": _label(resource),
                          "unit": unit, "value": number})
    node_frame = pl.DataFrame(nodes, schema={"node": pl.Utf8, "resource": pl.Utf8,
                                             "unit": pl.Utf8, "value": pl.Float64})
    grid = pl.DataFrame({"time": times}).cast({"time": pl.Float64})
    allocatable = Family("kube_node_status_allocatable", "gauge",
                         "The allocatable for different resources of a node that are "
                         "available for scheduling.", node_frame.join(grid, how="cross"))
    hpas = []
    for hpa in cluster.list("HorizontalPodAutoscaler", namespace=None):
        doc = hpa.to_dict()
        metrics = doc.get("spec", {}).get("metrics") or []
        name, target_type = "", ""
        if metrics:
            source = metrics[0].get(_source_key(metrics[0])) or {}
            name = (source.get("name") or (source.get("metric") or {}).get("name") or "")
            target_type = _TARGET_TYPES.get((source.get("target") or {}).get("type"), "")
        hpas.append({"namespace": doc["metadata"].get("namespace", "default"),
                     "name": doc["metadata"]["name"], "metric_name": name,
                     "metric_target_type": target_type})
    return [allocatable], (pl.DataFrame(hpas, schema=empty_hpas.schema) if hpas else empty_hpas)


def _source_key(metric: dict) -> str:
    kind = metric.get("type", "")
    return {"Resource": "resource", "ContainerResource": "containerResource", "Pods": "pods",
            "Object": "object", "External": "external"}.get(kind, "resource")


def _label(resource: str) -> str:
    """kube-state-metrics' resource label: / . - become _."""
    return resource.replace("/", "_").replace(".", "_").replace("-", "_")


def _quantity(resource: str, value) -> tuple[str, float]:
    from kbench.api.quantity import parse_quantity
    number = float(parse_quantity(str(value)).value)
    if resource == "cpu":
        return "core", number
    if resource in ("memory", "ephemeral-storage") or resource.startswith("hugepages-"):
        return "byte", number
    return "integer", number


def run_families(run: str | Path, every: float | None = None) -> list[Family]:
    """Every family of a run folder, in file order."""
    run = Path(run)
    if not run.is_dir():
        raise ExportInputError(f"{run}: no such run folder")
    timeseries = _read(run, "timeseries.parquet")
    pods = _read(run, "pods.parquet")
    summary = json.loads((run / "summary.json").read_text()) if (
        run / "summary.json").is_file() else {}
    times = sample_times(timeseries, every, summary.get("simulated_seconds"))
    node_families, hpa_labels = snapshot_families(run, times)
    families = [*pod_families(pods, times), *node_families,
                *series_families(timeseries, times, hpa_labels)]
    if (timeseries["kind"] == "Pod").any():
        families += usage_families(timeseries, pods, times)
    return families


def export_openmetrics(run: str | Path, out: str | Path, every: float | None = None) -> int:
    """Write a run as one OpenMetrics file; returns the number of samples."""
    return write_openmetrics(run_families(run, every), out)
