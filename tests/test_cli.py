"""The kbench command: apply, get, describe; bad input is one line on stderr and exit status 2."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from clirun import run

MULTI = textwrap.dedent("""
    apiVersion: v1
    kind: Node
    metadata: {name: node-a, labels: {node-role.kubernetes.io/worker: ""}}
    status: {capacity: {cpu: "4", memory: 8Gi}, nodeInfo: {kubeletVersion: v1.31.0}}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, labels: {app: web}}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: "nginx:1.27"}]}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: one, labels: {app: web}}
    spec: {containers: [{name: c, image: busybox}]}
    """)


@pytest.fixture
def snapshot(tmp_path):
    manifest = tmp_path / "multi.yaml"
    manifest.write_text(MULTI)
    code, out, err = run("apply", "-f", manifest, "--snapshot", tmp_path / "s")
    assert code == 0, err
    assert out.splitlines() == ["node/node-a created", "deployment.apps/web created",
                                "pod/one created"]
    return tmp_path / "s"


def test_get_deployments_prints_kubectl_columns(snapshot):
    code, out, _ = run("get", "deploy", "-f", snapshot)
    assert code == 0
    assert out.splitlines() == ["NAME   READY   UP-TO-DATE   AVAILABLE   AGE",
                                "web    0/2     0            0           0s"]


def test_get_nodes_pods_and_all_namespaces(snapshot):
    _, out, _ = run("get", "nodes", "-f", snapshot)
    assert out.splitlines()[1].split() == ["node-a", "Ready", "worker", "0s", "v1.31.0"]
    _, out, _ = run("get", "po", "-f", snapshot, "-A")
    assert out.splitlines()[0].split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS",
                                           "AGE"]
    assert out.splitlines()[1].split() == ["default", "one", "0/1", "Pending", "0", "0s"]


def test_get_with_selector_name_and_formats(snapshot):
    _, out, _ = run("get", "pods", "-f", snapshot, "-l", "app=db")
    assert out == ""
    _, out, _ = run("get", "deploy", "web", "-f", snapshot, "-o", "yaml")
    assert yaml.safe_load(out)["spec"]["replicas"] == 2
    _, out, _ = run("get", "deploy,po", "-f", snapshot, "-o", "json")
    assert [item["kind"] for item in json.loads(out)["items"]] == ["Deployment", "Pod"]
    _, out, _ = run("get", "deploy,po", "-f", snapshot, "-o", "name")
    assert out.splitlines() == ["deployment.apps/web", "pod/one"]
    _, out, _ = run("get", "deploy", "-f", snapshot, "-o", "wide")
    assert out.splitlines()[0].split()[-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"]


def test_describe_deployment(snapshot):
    code, out, _ = run("describe", "deployment", "web", "-f", snapshot)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["Name:", "web"]
    assert "Replicas:               2 desired | 0 updated | 0 total | 0 available | 0 unavailable" in lines
    assert "RollingUpdateStrategy:  25% max unavailable, 25% max surge" in lines
    assert any(line.strip() == "Image:         nginx:1.27" for line in lines)
    assert lines[-1].split() == ["Events:", "<none>"]


def test_bad_manifest_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(MULTI.replace("replicas: 2", "replicas: 2\n  minReadySeconds: -1")
                   .replace('"nginx:1.27"', '"nginx:1.27", resources: {requests: {cpu: 12x}}'))
    code, out, err = run("apply", "-f", bad, "--snapshot", tmp_path / "s")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"error: {bad}: document 2: Deployment/web: spec.")
    assert not (tmp_path / "s").exists()


def test_unknown_kind_with_and_without_allow_unknown(tmp_path):
    file = tmp_path / "crd.yaml"
    file.write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
    code, _, err = run("apply", "-f", file, "--snapshot", tmp_path / "s")
    assert code == 2 and 'no matches for kind "Widget"' in err
    code, out, _ = run("apply", "-f", file, "--snapshot", tmp_path / "s", "--allow-unknown")
    assert code == 0 and out.strip() == "widget.example.com/w created"


def test_not_found_unknown_type_and_bad_snapshot(snapshot, tmp_path):
    code, _, err = run("get", "deploy", "nope", "-f", snapshot)
    assert code == 1 and err.strip() == 'Error from server (NotFound): deployments.apps "nope" not found'
    code, _, err = run("get", "widgets", "-f", snapshot)
    assert code == 2 and 'doesn\'t have a resource type "widgets"' in err
    code, _, err = run("get", "pods", "-f", tmp_path / "missing")
    assert code == 2 and err.count("\n") == 1 and "no such snapshot folder" in err


def test_installed_command_end_to_end(tmp_path):
    """The done criterion: `kbench apply -f multi.yaml --snapshot s && kbench get deploy -f s`."""
    (tmp_path / "multi.yaml").write_text(MULTI)
    kbench = Path(sys.executable).with_name("kbench")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    subprocess.run([kbench, "apply", "-f", "multi.yaml", "--snapshot", "s"], cwd=tmp_path,
                   check=True, capture_output=True, env=env)
    done = subprocess.run([kbench, "get", "deploy", "-f", "s"], cwd=tmp_path, check=True,
                          capture_output=True, text=True, env=env)
    assert done.stdout.splitlines()[1].split()[:2] == ["web", "0/2"]


def test_schedule_and_explain_commands(snapshot, tmp_path):
    code, out, err = run("explain", "one", "-f", snapshot)
    assert code == 0, err
    header, row = out.splitlines()[:2]
    assert header.split()[:2] == ["node", "NodeUnschedulable.filter"]
    assert row.split()[0] == "node-a" and row.split()[-1] == "True"  # the only node: selected
    code, out, err = run("schedule", "-f", snapshot, "--out", tmp_path / "scheduled")
    assert code == 0, err
    assert out.splitlines() == ["pod/one bound to node-a",
                                "1 pods bound; snapshot written to " + str(tmp_path / "scheduled")]
    _, out, _ = run("get", "pods", "-f", tmp_path / "scheduled", "-o", "wide")
    assert out.splitlines()[1].split()[:3] == ["one", "0/1", "ContainerCreating"]
    assert "node-a" in out.splitlines()[1].split()


def test_explain_with_a_bad_scheduler_config_is_one_line(snapshot, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("apiVersion: kubescheduler.config.k8s.io/v1\n"
                      "kind: KubeSchedulerConfiguration\n"
                      "profiles:\n- schedulerName: default-scheduler\n"
                      "  plugins:\n    score:\n      enabled: [{name: NoSuchPlugin}]\n")
    code, _, err = run("explain", "one", "-f", snapshot, "--config", config)
    assert code == 2 and err.count("\n") == 1
    assert "profiles[0].plugins.score.enabled[0].name" in err


def test_step_runs_a_snapshot_forward(snapshot, tmp_path):
    code, out, err = run("step", "-f", snapshot, "--for", "1m", "--out", tmp_path / "later")
    assert code == 0, err
    assert out.strip() == ("simulated 0s -> 60s; pods: 3 Running; snapshot written to "
                           + str(tmp_path / "later"))
    _, out, _ = run("get", "deploy", "-f", tmp_path / "later")
    assert out.splitlines()[1].split()[:4] == ["web", "2/2", "2", "2"]
    _, out, _ = run("get", "pods", "-f", tmp_path / "later")
    assert [line.split()[2] for line in out.splitlines()[1:]] == ["Running"] * 3
    code, _, err = run("step", "-f", tmp_path / "later", "--for", "soon", "--out",
                       tmp_path / "x")
    assert code == 2 and "--for" in err and len(err.strip().splitlines()) == 1
    code, out, err = run("step", "-f", tmp_path / "later", "--for", "30s", "--out",
                         tmp_path / "more")
    assert code == 0 and "60s -> 90s" in out


def test_top_reads_metrics_from_a_snapshot_taken_mid_run(snapshot, tmp_path):
    code, out, err = run("top", "pods", "-f", snapshot)
    assert code == 1 and err.strip() == "error: metrics not available yet"
    code, out, err = run("step", "-f", snapshot, "--for", "1m", "--out", tmp_path / "later")
    assert code == 0, err
    code, out, err = run("top", "nodes", "-f", tmp_path / "later")
    assert code == 0, err
    header, line = out.splitlines()
    assert header.split() == ["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"]
    assert line.split()[0] == "node-a"
    code, out, err = run("top", "pods", "-f", tmp_path / "later")
    assert code == 0 and len(out.splitlines()) == 4  # header and the three pods


def test_run_writes_a_new_run_folder_each_time(tmp_path):
    spec = Path(__file__).parents[1] / "experiments" / "rolling-update" / "experiment.yaml"
    for number in (1, 2):
        code, out, err = run("run", spec, "--out", tmp_path)
        assert code == 0, err
        folder = tmp_path / "rolling-update" / f"run-{number:03d}"
        assert out.strip().endswith(f"results in {folder}")
        assert {p.name for p in folder.iterdir()} == {
            "spec.yaml", "summary.json", "pods.parquet", "timeseries.parquet",
            "events.parquet", "snapshots"}
    code, _, err = run("run", tmp_path / "missing.yaml")
    assert code == 2 and "no such file" in err


def test_run_set_fork_resume_and_report(tmp_path):
    spec = Path(__file__).parents[1] / "experiments" / "rolling-update" / "experiment.yaml"
    code, out, err = run("run", spec, "--out", tmp_path, "--set", "snapshot_every=1m",
                         "--set", "seed=2")
    assert code == 0, err
    first = tmp_path / "rolling-update" / "run-001"
    assert yaml.safe_load((first / "spec.yaml").read_text())["seed"] == 2
    code, out, err = run("run", spec, "--out", tmp_path, "--from-snapshot",
                         first / "snapshots" / "t0000060", "--set", "seed=2")
    assert code == 0, err
    forked = json.loads((tmp_path / "rolling-update" / "run-002" / "summary.json").read_text())
    assert forked["forked_from"] == str(first / "snapshots" / "t0000060")
    assert forked["status"] == "complete"
    code, out, err = run("run", "--resume", first)
    assert code == 2 and err.count("\n") == 1 and "the run is complete" in err
    code, out, err = run("report", first)
    assert code == 0, err
    assert out.strip() == f"report: {first / 'report' / 'report.html'}"
    assert (first / "report" / "pods.png").stat().st_size > 0


@pytest.mark.parametrize("argv, words", [
    (["--set", "kubelet.speed=2"], "kubelet.speed: unknown field"),
    (["--set", "seed"], "--set: 'seed': expected key=value"),
    (["--set", "duration=soon"], "duration: "),
])
def test_run_with_a_bad_override_is_one_line_and_exit_2(tmp_path, argv, words):
    spec = Path(__file__).parents[1] / "experiments" / "rolling-update" / "experiment.yaml"
    code, out, err = run("run", spec, "--out", tmp_path, *argv)
    assert code == 2 and err.count("\n") == 1 and words in err, err
    assert not (tmp_path / "rolling-update").exists()   # nothing started


def test_run_with_a_bad_spec_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "bad.yaml").write_text("name: x\nduration: 1m\nactions: [{at: 5m, dance: {}}]\n")
    code, out, err = run("run", tmp_path / "bad.yaml", "--out", tmp_path)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"error: {tmp_path / 'bad.yaml'}: actions[0].at: ")
    code, out, err = run("run", "--out", tmp_path)
    assert code == 2 and "give an experiment spec" in err


def test_run_progress_bar_when_asked(tmp_path):
    spec = Path(__file__).parents[1] / "experiments" / "rolling-update" / "experiment.yaml"
    code, out, err = run("run", spec, "--out", tmp_path, "--progress")
    assert code == 0, err
    assert "120/120s simulated" in out and "pods/s" in out and "pending" in out
    code, out, err = run("run", spec, "--out", tmp_path)   # not a terminal: no bar
    assert code == 0 and "simulated" not in out.replace("simulated 120s", "")


def test_run_with_a_bad_trace_row_fails_before_a_run_folder(tmp_path):
    trace = tmp_path / "nodes.csv"
    trace.write_text("sn,cpu_milli,memory_mib,gpu,model\nn1,32000,1024,0,\nn2,lots,1024,0,\n")
    (tmp_path / "bad.yaml").write_text(
        "name: x\nduration: 1m\nnodes: [{trace: nodes.csv}]\n")
    code, out, err = run("run", tmp_path / "bad.yaml", "--out", tmp_path / "results")
    assert code == 2 and err.count("\n") == 1
    assert "nodes.csv: row 3: column cpu_milli: 'lots'" in err
    assert not (tmp_path / "results").exists()
    (tmp_path / "bad.yaml").write_text(
        "name: x\nduration: 1m\nnodes: [{trace: nodes.csv, skip_bad_rows: true}]\n")
    code, out, err = run("run", tmp_path / "bad.yaml", "--out", tmp_path / "results")
    assert code == 0, err
