"""Nodes and workloads from traces and generators in experiment specs
(kbench.experiments.sources): checked with field paths, built into nodes, arrivals and
loads, resumed without creating a pod twice; the openb replay example and its sweep."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest

from kbench.experiments import SpecError, new_run_folder, run_experiment
from kbench.experiments import resume_experiment
from kbench.experiments.spec import parse_spec
from kbench.sweep import run_sweep
from kbench.sweep_report import write_sweep_report

ROOT = Path(__file__).parents[2]
TRACES = ROOT / "traces"
OPENB = ROOT / "experiments" / "openb-replay" / "experiment.yaml"


def spec(**fields):
    return parse_spec({"name": "t", "duration": "2m", **fields}, ROOT / "experiments",
                      "t.yaml")


def nodes_trace(**more):
    return {"trace": "../traces/openb_node_list_all_node.csv", **more}


def pods_trace(**more):
    return {"trace": "../traces/openb_pod_list_default.csv", **more}


@pytest.mark.parametrize("fields, path, reason", [
    ({"nodes": {"trace": "x"}}, "nodes", "a list"),
    ({"nodes": [{"trace": "missing.csv"}]}, "nodes[0].trace", "no such file"),
    ({"nodes": [{"generator": "mixed_nodes", "count": 3, "seed": 1, "trace": "x"}]},
     "nodes[0]", "exactly one of"),
    ({"nodes": [{"generator": "big_nodes"}]}, "nodes[0].generator", "one of"),
    ({"nodes": [{"generator": "mixed_nodes", "count": 3}]}, "nodes[0]", "seed"),
    ({"nodes": [nodes_trace(limit=-1)]}, "nodes[0].limit", "non-negative"),
    ({"nodes": [nodes_trace(colour="red")]}, "nodes[0].colour", "unknown field"),
    ({"nodes": [pods_trace()]}, "nodes[0]", "is a pods trace, not nodes"),
    ({"nodes": [nodes_trace(format="tsv")]}, "nodes[0].format", "unknown trace format"),
    ({"workloads": [pods_trace(interarrival="0s")]}, "workloads[0].interarrival", "positive"),
    ({"workloads": [pods_trace(interarrival="1s", time_scale=2)]}, "workloads[0]", "exclude"),
    ({"workloads": [pods_trace(durations="no")]}, "workloads[0].durations", "true or false"),
    ({"workloads": [{"load": "../traces/AzureLLMInferenceTrace_conv.csv"}]},
     "workloads[0].deployment", "required"),
    ({"workloads": [{"load": "../traces/openb_pod_list_default.csv", "deployment": "x"}]},
     "workloads[0]", "is a pods trace, not load"),
])
def test_bad_sources_name_their_field(fields, path, reason):
    with pytest.raises(SpecError) as error:
        spec(**fields)
    assert error.value.field == path
    assert reason in error.value.reason


def test_nodes_from_a_trace_and_a_generator():
    result = run_experiment(spec(
        duration="1s", nodes=[nodes_trace(limit=5),
                              {"generator": "mixed_nodes", "count": 4, "seed": 2,
                               "gpu_share": 0.5}]))
    nodes = result.cluster.list("nodes")
    assert len(nodes) == 9
    first = nodes[0].to_dict()
    # openb-nodes row 1: the first node of the shipped list, read independently
    header, row = (TRACES / "openb_node_list_all_node.csv").read_text().splitlines()[:2]
    values = dict(zip(header.split(","), row.split(",")))
    assert first["metadata"]["name"] == values["sn"]
    assert first["status"]["allocatable"]["cpu"] == f"{int(values['cpu_milli']) // 1000}"
    assert sum("nvidia.com/gpu" in n.to_dict()["status"]["allocatable"] for n in nodes[5:]) == 2


def test_pods_arrive_evenly_in_trace_order_and_stay():
    result = run_experiment(spec(duration="30s", record_every="10s",
                                 nodes=[nodes_trace(limit=50)],
                                 workloads=[pods_trace(limit=20, interarrival="2s",
                                                       start="1s", durations=False)]))
    pods = result.pods.to_pandas()
    assert len(pods) == 15  # arrivals at 1, 3, ..., 29 s
    assert pods["created"].tolist() == [1.0 + 2 * k for k in range(15)]
    trace = pl.read_csv(TRACES / "openb_pod_list_default.csv").sort(
        "creation_time", maintain_order=True)
    assert pods["name"].tolist() == trace["name"][:15].to_list()
    for pod in result.cluster.list("pods"):
        assert "kbench.io/run-for" not in (pod.to_dict()["metadata"].get("annotations") or {})


def test_trace_times_scaled_and_durations_kept():
    result = run_experiment(spec(duration="1m", nodes=[nodes_trace(limit=50)],
                                 workloads=[{"generator": "poisson_jobs", "rate_per_s": 0.5,
                                             "duration_s": 50, "seed": 3, "median_s": 5}]))
    pods = result.pods.to_pandas()
    from kbench.traces.generators import poisson_jobs
    table = poisson_jobs(0.5, 50, 3, median_s=5)
    assert pods["name"].tolist() == table.column("name").to_pylist()
    assert pods["created"].tolist() == table.column("time_s").to_pylist()
    assert (pods["phase"] == "Succeeded").sum() > 0  # short jobs ran their time


def test_generated_deployments_and_a_trace_load():
    result = run_experiment(spec(
        duration="3m", nodes=[{"generator": "homogeneous_nodes", "count": 3}],
        workloads=[{"generator": "deployments", "count": 2, "replicas": 2, "seed": 1},
                   {"load": "../traces/AzureLLMInferenceTrace_conv.csv",
                    "deployment": "svc-0000", "interval": "1m", "scale": 0.5}]))
    assert {d.metadata.name for d in result.cluster.list("deployments")} == {"svc-0000",
                                                                              "svc-0001"}
    assert len(result.cluster.list("hpa")) == 2
    series = result.timeseries.to_pandas()
    load = series[(series.kind == "Deployment") & (series.name == "svc-0000")
                  & (series.metric == "load_requests_per_second")]
    frame = pl.read_csv(TRACES / "AzureLLMInferenceTrace_conv.csv", try_parse_dates=True)
    start = frame["TIMESTAMP"].min()
    seconds = (frame["TIMESTAMP"] - start).dt.total_microseconds().to_numpy() / 1e6
    first_minute = np.count_nonzero(seconds < 60) / 60 * 0.5
    assert load[load.time == 30.0]["value"].item() == pytest.approx(first_minute)


def test_a_resumed_replay_creates_every_pod_once(tmp_path):
    fields = dict(duration="40s", record_every="5s", snapshot_every="20s",
                  nodes=[nodes_trace(limit=30)],
                  workloads=[pods_trace(limit=40, interarrival="1s", durations=False)])
    whole = new_run_folder(tmp_path / "a", "t")
    run_experiment(spec(**fields), whole)
    cut = new_run_folder(tmp_path / "b", "t")
    (cut / "spec.yaml").parent.mkdir(exist_ok=True)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(spec(**fields), cut, stop_at=25)
    resume_experiment(cut)
    a = pq.read_table(whole / "pods.parquet").to_pandas()
    b = pq.read_table(cut / "pods.parquet").to_pandas()
    assert len(b) == 40 and b["name"].is_unique
    assert a.equals(b)


def test_openb_replay_sweep_and_its_report(tmp_path):
    """The example, cut to its first 300 pods on its first 300 nodes (124 CPU-only), under its three profiles."""
    sweep = run_sweep(OPENB, {"scheduler": ["least-allocated.yaml", "most-allocated.yaml",
                                            "gpu-packing.yaml"],
                              "nodes[0].limit": ["300"], "workloads[0].limit": ["300"],
                              "duration": ["6m"]}, 1, tmp_path, workers=1)
    summary = pl.read_parquet(sweep / "summary.parquet")
    assert summary["pods_created"].to_list() == [300, 300, 300]
    for run in summary["run"]:
        series = pl.read_parquet(sweep / run / "timeseries.parquet")
        arrived = series.filter(pl.col("metric") == "gpu_milli_arrived_fraction")["value"]
        assert arrived.max() > 0
    page = write_sweep_report(sweep)
    text = page.read_text()
    assert "GPU allocation as the GPU workload arrives" in text
    assert (page.parent / "sweep_gpu_allocation.png").stat().st_size > 10_000
    assert json.loads((sweep / "sweep.json").read_text())["grid"]["scheduler"][2] == \
        "gpu-packing.yaml"


def test_faults_fail_nodes_and_kill_pods():
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                  "spec": {"replicas": 6, "selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
                               "containers": [{"name": "app", "image": "app:1"}]}}}}
    import yaml
    folder = ROOT / "tests" / "experiments"
    fields = dict(duration="3m", record_every="10s",
                  nodes=[{"generator": "homogeneous_nodes", "count": 4}],
                  faults=[{"at": "30s", "fail_nodes": {"count": 2}},
                          {"at": "90s", "kill_pods": {"selector": "app=web", "count": 2}}])

    def run():
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "web.yaml"
            path.write_text(yaml.safe_dump(deployment))
            result = run_experiment(parse_spec({"name": "t", "manifests": [str(path)],
                                                **fields}, folder, "t.yaml"))
        return result
    result = run()
    assert len(result.cluster.list("nodes")) == 2
    pods = result.pods.to_pandas()
    # pods of the failed nodes were collected and replaced; two more were killed
    assert len(pods) > 6 and pods["deleted"].notna().sum() == len(pods) - 6
    live = result.cluster.list("pods")
    assert len(live) == 6
    assert {p.spec.nodeName for p in live} <= {n.metadata.name
                                                for n in result.cluster.list("nodes")}
    again = run()
    assert again.pods.equals(result.pods)  # the same nodes and pods picked


@pytest.mark.parametrize("fault, path, reason", [
    ({"at": "1m", "fail_nodes": {}}, "faults[0].fail_nodes.names", "required"),
    ({"at": "1m", "fail_nodes": {"count": 0}}, "faults[0].fail_nodes.count", "positive"),
    ({"at": "1m", "fail_nodes": {"names": ["a"], "count": 1}}, "faults[0].fail_nodes.names",
     "exclude"),
    ({"at": "1m", "kill_pods": {"selector": 3}}, "faults[0].kill_pods.selector", "selector"),
    ({"at": "1m", "scale": {"deployment": "x", "replicas": 1}}, "faults[0]", "one fault of"),
    ({"at": "9m", "kill_pods": {"count": 1}}, "faults[0].at", "within the duration"),
])
def test_bad_faults(fault, path, reason):
    with pytest.raises(SpecError) as error:
        spec(faults=[fault])
    assert error.value.field == path and reason in error.value.reason
