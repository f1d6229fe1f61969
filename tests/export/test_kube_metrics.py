"""`kbench export --format openmetrics`: a run's results under kube-state-metrics names. Each
family is checked against the run's own tables, read independently with plain Python."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from kbench.cli import main
from kbench.experiments import load_spec, new_run_folder, run_experiment
from kbench.export.kube import ExportInputError, export_openmetrics
from kbench.export.openmetrics import EPOCH_UNIX

HPA_LAB = Path(__file__).parents[2] / "experiments" / "hpa-lab" / "experiment.yaml"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """hpa-lab for 4 minutes: load at 1 min, the HPA scales the Deployment up."""
    spec = load_spec(HPA_LAB, ["duration=4m", "actions[1].at=3m", "record_every=30s",
                               "outputs=[pods, timeseries, events, snapshots, pod_usage]"])
    folder = new_run_folder(tmp_path_factory.mktemp("runs"), spec.name)
    run_experiment(spec, folder)
    return folder


@pytest.fixture(scope="module")
def exported(run, tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "run.om"
    count = export_openmetrics(run, path)
    samples = {}
    for family in text_string_to_metric_families(path.read_text()):
        for s in family.samples:
            samples.setdefault(s.name, []).append(
                (dict(s.labels), float(s.timestamp) - EPOCH_UNIX, s.value))
    return path, count, samples


def phase_at(pod: dict, t: float) -> str | None:
    """The pod's phase at time t from its lifecycle times, the obvious way."""
    def when(key):
        value = pod[key]
        return math.inf if value is None or math.isnan(value) else value
    if t < pod["created"] or t >= when("deleted"):
        return None
    if t < when("started"):
        return "Pending"
    if t < when("finished"):
        return "Running"
    return "Failed" if pod["phase"] == "Failed" else "Succeeded"


def test_pod_phases_follow_each_pods_lifecycle(run, exported):
    _, _, samples = exported
    pods = pq.read_table(run / "pods.parquet").to_pylist()
    times = sorted({t for _, t, _ in samples["kube_deployment_status_replicas"]})
    expected = {}
    for pod in pods:
        for t in times:
            phase = phase_at(pod, t)
            if phase is not None:
                for each in ("Pending", "Running", "Succeeded", "Failed", "Unknown"):
                    expected[(pod["name"], each, t)] = float(each == phase)
    got = {(labels["pod"], labels["phase"], t): value
           for labels, t, value in samples["kube_pod_status_phase"]}
    assert got == expected
    assert any(v == 1.0 and phase == "Running" for (_, phase, _), v in got.items())


def test_workload_series_carry_the_recorded_values(run, exported):
    _, _, samples = exported
    series = pq.read_table(run / "timeseries.parquet").to_pylist()
    wanted = {(r["name"], r["time"]): r["value"] for r in series
              if r["kind"] == "Deployment" and r["metric"] == "replicas"}
    got = {(labels["deployment"], t): v
           for labels, t, v in samples["kube_deployment_status_replicas"]}
    assert got == wanted
    desired = {(r["name"], r["time"]): r["value"] for r in series
               if r["kind"] == "HorizontalPodAutoscaler" and r["metric"] == "desired_replicas"}
    got = {(labels["horizontalpodautoscaler"], t): v for labels, t, v in
           samples["kube_horizontalpodautoscaler_status_desired_replicas"]}
    assert got == desired and max(got.values()) > 1  # the load scaled it up


def test_hpa_target_names_its_metric(exported):
    _, _, samples = exported
    targets = samples["kube_horizontalpodautoscaler_spec_target_metric"]
    assert {(labels["metric_name"], labels["metric_target_type"], v)
            for labels, _, v in targets} == {("cpu", "utilization", 50.0)}


def test_pod_requests_and_node_allocatable(run, exported):
    _, _, samples = exported
    cpu = {v for labels, _, v in samples["kube_pod_container_resource_requests"]
           if labels["resource"] == "cpu"}
    assert cpu == {0.2}  # php-apache asks for 200m
    nodes = {labels["node"] for labels, _, _ in samples["kube_node_status_allocatable"]}
    assert nodes and all(labels["unit"] in ("core", "byte", "integer")
                         for labels, _, _ in samples["kube_node_status_allocatable"])
    created = {v for name, series in samples.items() if name == "kbench_cluster_pods_created_total"
               for _, _, v in series}
    assert created  # cumulative kbench series become counters


def test_export_is_deterministic_and_counts_its_samples(run, exported, tmp_path):
    path, count, samples = exported
    assert count == sum(len(v) for v in samples.values())
    again = tmp_path / "again.om"
    export_openmetrics(run, again)
    assert again.read_bytes() == path.read_bytes()


def test_every_resamples(run, tmp_path):
    path = tmp_path / "every.om"
    export_openmetrics(run, path, every=60)
    times = {float(s.timestamp) - EPOCH_UNIX
             for family in text_string_to_metric_families(path.read_text())
             if family.name == "kube_deployment_status_replicas" for s in family.samples}
    assert times == {0.0, 60.0, 120.0, 180.0, 240.0}


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_promtool_accepts_the_export(exported, tmp_path):
    path, count, _ = exported
    done = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", str(path),
                           str(tmp_path / "blocks")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f" {count} " in done.stdout  # NUM SAMPLES of the block(s)


def test_not_a_run_folder(tmp_path, capsys):
    with pytest.raises(ExportInputError, match="no timeseries.parquet"):
        export_openmetrics(tmp_path, tmp_path / "x.om")
    with pytest.raises(SystemExit) as stop:
        main(["export", str(tmp_path / "missing")])
    assert stop.value.code == 2
    assert "no such run folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["export", str(tmp_path), "--format", "csv"])
    assert stop.value.code == 2


def test_container_usage_from_the_recorded_pod_series(run, exported):
    _, _, samples = exported
    series = [r for r in pq.read_table(run / "timeseries.parquet").to_pylist()
              if r["kind"] == "Pod"]
    assert series, "the run recorded per-pod use"
    cpu = {}
    for r in series:
        if r["metric"] == "cpu_usage_cores":
            cpu.setdefault(r["name"], []).append((r["time"], r["value"]))
    counters = {}
    for labels, t, value in samples["container_cpu_usage_seconds_total"]:
        counters.setdefault(labels["pod"], []).append((t, value))
    assert set(counters) == set(cpu)
    for pod, points in cpu.items():
        points.sort()
        total, previous, expected = 0.0, None, []
        for t, cores in points:   # each sample's rate over the time since the last one
            total += 0.0 if previous is None else cores * (t - previous)
            previous = t
            expected.append((t, total))
        got = sorted(counters[pod])
        assert [t for t, _ in got] == [t for t, _ in expected]
        assert [v for _, v in got] == pytest.approx([v for _, v in expected])
        assert all(b >= a for (_, a), (_, b) in zip(got, got[1:]))
    nodes = {labels["instance"] for labels, _, _ in samples["container_cpu_usage_seconds_total"]}
    assert "" not in nodes
    memory = {(r["name"], r["time"]): r["value"] for r in series
              if r["metric"] == "memory_working_set_bytes"}
    assert {(labels["pod"], t): v for labels, t, v in
            samples["container_memory_working_set_bytes"]} == memory
