"""Run folders (kbench.results): the layout and schemas, byte-identical reruns, every pod
that ever existed, resume equal to an uninterrupted run, forks, load() in pandas and polars,
and kbench report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from kbench import results
from kbench.experiments import (fork_experiment, load_spec, new_run_folder, resume_experiment,
                                run_experiment)
from kbench.experiments.runner import RunError

EXAMPLES = Path(__file__).parents[2] / "experiments"
ROLLING = EXAMPLES / "rolling-update" / "experiment.yaml"
HPA_LAB = EXAMPLES / "hpa-lab" / "experiment.yaml"
TABLES = ("pods", "timeseries", "events")


def run_into(tmp_path, spec, **options):
    folder = new_run_folder(tmp_path, spec.name)
    return folder, run_experiment(spec, folder, **options)


def contents(folder: Path) -> dict:
    """Each table's content, strings decoded (dictionary order does not matter)."""
    frames = {}
    for name in TABLES:
        frame = pq.read_table(folder / f"{name}.parquet").to_pandas()
        frames[name] = frame.astype({c: str for c in frame.columns
                                     if frame[c].dtype == "category"})
    return frames


def test_a_run_folder_has_the_documented_layout_and_schemas(tmp_path):
    spec = load_spec(ROLLING, ["snapshot_every=1m"])
    folder, result = run_into(tmp_path, spec)
    assert folder == tmp_path / "rolling-update" / "run-001"
    assert {p.name for p in folder.iterdir()} == {
        results.SPEC_FILE, results.SUMMARY_FILE, results.PODS_FILE, results.TIMESERIES_FILE,
        results.EVENTS_FILE, results.SNAPSHOTS_DIR}
    assert pq.read_schema(folder / results.PODS_FILE).remove_metadata() == results.POD_COLUMNS
    assert pq.read_schema(folder / results.TIMESERIES_FILE).remove_metadata() == \
        results.TIMESERIES_COLUMNS
    assert pq.read_schema(folder / results.EVENTS_FILE).remove_metadata() == \
        results.EVENT_COLUMNS
    summary = json.loads((folder / results.SUMMARY_FILE).read_text())
    assert list(summary) == list(results.SUMMARY_FIELDS)
    assert summary["status"] == "complete" and summary["run_id"] == "run-001"
    assert summary["snapshots"] == ["snapshots/t0000060", "snapshots/t0000120"]
    for snapshot in summary["snapshots"]:
        assert (folder / snapshot / "manifest.json").is_file()
    # the resolved spec parses back to the same spec
    assert load_spec(folder / results.SPEC_FILE).to_dict() == spec.to_dict()
    # every metric written is a documented one
    series = result.timeseries.to_pandas()
    written = set(zip(series.kind.astype(str), series.metric.astype(str)))
    documented = {(kind, metric) for kind, metrics in results.METRICS.items()
                  for metric in metrics}
    assert written <= documented
    assert new_run_folder(tmp_path, "rolling-update").name == "run-002"  # never the same


def test_two_runs_with_one_seed_write_identical_parquet_files(tmp_path):
    spec = load_spec(ROLLING, ["snapshot_every=30s"])
    first, _ = run_into(tmp_path, spec)
    second, _ = run_into(tmp_path, spec)
    for name in TABLES:
        assert (first / f"{name}.parquet").read_bytes() == \
            (second / f"{name}.parquet").read_bytes(), name


def test_pods_parquet_keeps_pods_deleted_mid_run(tmp_path):
    _, result = run_into(tmp_path, load_spec(ROLLING))
    pods = result.pods.to_pandas()
    # three pods of the first template, replaced one by one by three of the new one
    assert len(pods) == 6 and pods.uid.is_unique
    gone = pods[pods.deleted.notna()]
    assert len(gone) == 3 and set(gone.owner_name) != set(pods[pods.deleted.isna()].owner_name)
    assert (gone.deleted > gone.ready).all() and (gone.deleted >= 30).all()
    assert (pods.startup_latency_seconds == pods.started - pods.created).all()
    assert (pods.node != "").all() and (pods.attempts == 1).all()
    assert result.summary["pods_created"] == 6 and result.summary["pods_scheduled"] == 6


def test_pool_metrics_are_requests_over_allocatable(tmp_path):
    _, result = run_into(tmp_path, load_spec(HPA_LAB))
    frame = result.timeseries.to_pandas()
    cpu = frame[(frame.kind == "NodePool") & (frame.metric == "cpu_requested_fraction")
                & (frame.name == "")].set_index("time").value
    # six php-apache pods at 200m on 3800m + 8000m + 32000m allocatable
    assert cpu[600.0] == pytest.approx(6 * 200 / (3800 + 8000 + 32000))
    hpa = frame[frame.kind == "HorizontalPodAutoscaler"].pivot_table(
        index="time", columns="metric", values="value", observed=True)
    assert (hpa.target == 50).all() and hpa.desired_replicas.max() == 6
    load = frame[(frame.kind == "Service") & (frame.metric == "load_requests_per_second")]
    assert load.set_index("time").value[300.0] == 120


def test_fragmentation_is_free_cpu_where_a_typical_pod_no_longer_fits(tmp_path):
    nodes = [{"apiVersion": "v1", "kind": "Node",
              "metadata": {"name": f"n{i}", "labels": {"kbench.io/pool": pool}},
              "status": {"capacity": {"cpu": "1", "memory": "4Gi", "pods": "110"}}}
             for i, pool in enumerate(["small", "small", "big"])]
    nodes[2]["status"]["capacity"]["cpu"] = "4"
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"},
                  "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "w"}},
                           "template": {"metadata": {"labels": {"app": "w"}},
                                        "spec": {"containers": [{
                                            "name": "c", "image": "c",
                                            "resources": {"requests": {"cpu": "600m"}}}]}}}}
    (tmp_path / "cluster.yaml").write_text(yaml.safe_dump_all([*nodes, deployment]))
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump({
        "name": "fragments", "duration": "30s", "record_every": "10s",
        "manifests": ["cluster.yaml"],
        "scheduler": {"apiVersion": "kubescheduler.config.k8s.io/v1",
                      "kind": "KubeSchedulerConfiguration",
                      "profiles": [{"schedulerName": "default-scheduler",
                                    "pluginConfig": [{"name": "NodeResourcesFit", "args": {
                                        "scoringStrategy": {"type": "MostAllocated"}}}]}]}}))
    _, result = run_into(tmp_path / "out", load_spec(tmp_path / "spec.yaml"))
    frame = result.timeseries.to_pandas()
    last = frame[(frame.kind == "NodePool") & (frame.time == 30.0)].pivot_table(
        index="name", columns="metric", values="value", observed=True)
    # MostAllocated packs the three 600m pods: where they sit, the free CPU (400m on a
    # 1-CPU node, or 4000m - n x 600m) is what the 600m typical pod can or cannot use
    placed = result.pods.to_pandas().node.value_counts().to_dict()
    free = {"n0": 1000, "n1": 1000, "n2": 4000}
    for node, count in placed.items():
        free[node] -= 600 * count
    stranded = sum(f for f in free.values() if f < 600)
    assert last.loc["", "fragmentation"] == pytest.approx(stranded / sum(free.values()))
    small = sum(f for n, f in free.items() if n != "n2")
    assert last.loc["small", "fragmentation"] == pytest.approx(
        sum(f for n, f in free.items() if n != "n2" and f < 600) / small)
    assert last.loc["big", "nodes"] == 1 and last.loc["small", "nodes"] == 2


def test_resume_after_an_interruption_ends_like_an_uninterrupted_run(tmp_path):
    spec = load_spec(ROLLING, ["snapshot_every=20s"])
    whole, _ = run_into(tmp_path, spec)
    broken = new_run_folder(tmp_path, spec.name)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(spec, broken, stop_at=45.0)   # mid-rollout: pods deleted, pulls on
    summary = json.loads((broken / results.SUMMARY_FILE).read_text())
    assert summary["status"] == "interrupted" and summary["simulated_seconds"] == 45.0
    kept = pq.read_table(broken / results.TIMESERIES_FILE).column("time").to_numpy()
    # what was recorded up to the interruption is kept: the samples (every second) up to
    # 44 s; the interruption came inside the tick ending at 45 s, before its sample
    assert kept.max() == 44.0 and len(np.unique(kept)) == 45
    result = resume_experiment(broken)
    assert result.summary["status"] == "complete"
    assert result.summary["resumed_from"].endswith("snapshots/t0000040")
    first, second = contents(whole), contents(broken)
    for name in TABLES:
        assert first[name].equals(second[name]), name
    with pytest.raises(RunError, match="complete"):
        resume_experiment(broken)


def test_a_fork_goes_on_from_a_snapshot_without_replaying_the_prefix(tmp_path):
    spec = load_spec(HPA_LAB, ["snapshot_every=5m"])
    source, _ = run_into(tmp_path, spec)
    snapshot = source / "snapshots" / "t0000300"
    # the same spec from the snapshot: the same run
    same = new_run_folder(tmp_path, spec.name)
    fork_experiment(spec, snapshot, same)
    for name in TABLES:
        assert contents(source)[name].equals(contents(same)[name]), name
    # another policy from the same state: no scale-down window
    other_spec = load_spec(HPA_LAB, ["snapshot_every=5m",
                                     "controllers.hpa.downscale_stabilization_window=0s"])
    other = new_run_folder(tmp_path, spec.name)
    result = fork_experiment(other_spec, snapshot, other)
    assert result.summary["forked_from"] == str(snapshot)
    frame = result.timeseries.to_pandas()
    replicas = frame[(frame.kind == "Deployment") & (frame.metric == "spec_replicas")]
    curve = dict(zip(replicas.time, replicas.value))
    assert curve[300.0] == 6 and curve[660.0] == 1   # down within a minute of the load
    original = contents(source)["timeseries"]
    assert original[original.time <= 300].reset_index(drop=True).equals(
        contents(other)["timeseries"].query("time <= 300").reset_index(drop=True))


def test_load_gives_pandas_and_polars_frames(tmp_path):
    import pandas
    import polars
    folder, _ = run_into(tmp_path, load_spec(ROLLING))
    run = results.load(folder)
    assert isinstance(run.pods, pandas.DataFrame) and len(run.pods) == 6
    assert isinstance(run.timeseries.kind.dtype, pandas.CategoricalDtype)
    assert run.summary["name"] == "rolling-update" and run.spec["seed"] == 1
    fast = results.load(folder, backend="polars")
    assert isinstance(fast.timeseries, polars.DataFrame)
    assert fast.timeseries.height == len(run.timeseries)
    assert fast.events.height == len(run.events) > 0
    running = fast.timeseries.filter((polars.col("metric") == "pods_running")
                                     & (polars.col("time") == 120.0))["value"].to_list()
    assert running == [3.0]
    with pytest.raises(results.ResultsError, match="not a run folder"):
        results.load(tmp_path)


def test_report_draws_every_plot_and_one_self_contained_page(tmp_path):
    from kbench.report import write_report
    folder, _ = run_into(tmp_path, load_spec(HPA_LAB))
    page = write_report(folder)
    pngs = sorted(p.name for p in page.parent.glob("*.png"))
    assert pngs == sorted(["pods.png", "utilisation.png", "startup_latency.png", "hpa.png",
                           "node_allocation.png", "scheduling_throughput.png"])
    for png in page.parent.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    text = page.read_text()
    assert text.count('src="data:image/png;base64,') == 6 and "startup_latency_p99" in text
    again = write_report(folder, tmp_path / "again")
    for png in page.parent.glob("*.png"):
        assert (again.parent / png.name).read_bytes() == png.read_bytes()


def test_summary_latency_figures_come_from_the_pods(tmp_path):
    _, result = run_into(tmp_path, load_spec(HPA_LAB))
    latency = result.pods.to_pandas().startup_latency_seconds.dropna().to_numpy()
    summary = result.summary
    assert summary["startup_latency_p99_seconds"] == pytest.approx(np.quantile(latency, 0.99))
    assert summary["startup_within_slo_fraction"] == np.mean(latency <= 5.0)
    assert summary["scheduling_throughput_pods_per_second"] == pytest.approx(6 / 1200)


def test_a_run_that_fails_keeps_what_it_wrote_and_says_why(tmp_path):
    spec = load_spec(ROLLING, ["snapshot_every=30s",
                               "actions[1]={at: 50s, delete: {kind: pod, name: nope}}"])
    folder = new_run_folder(tmp_path, spec.name)
    with pytest.raises(Exception, match="nope"):
        run_experiment(spec, folder)
    summary = json.loads((folder / results.SUMMARY_FILE).read_text())
    assert summary["status"] == "failed" and "nope" in summary["error"]
    assert summary["snapshots"] == ["snapshots/t0000030"]
    run = results.load(folder)
    assert run.timeseries.time.max() == 49.0 and len(run.pods) > 0
