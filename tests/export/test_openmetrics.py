"""The OpenMetrics writer: what it writes is what prometheus_client's parser (an independent
implementation of the spec) reads back, and what promtool turns into TSDB blocks."""

import math
import shutil
import subprocess

import polars as pl
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from kbench.export.openmetrics import EPOCH_UNIX, ExportError, Family, write_openmetrics


def families():
    phase = Family("kube_pod_status_phase", "gauge", "The pods current phase.", pl.DataFrame({
        "namespace": ["default", "default", "default"],
        "pod": ['we"b\\1\nx', "db", "db"],
        "phase": ["Running", "Pending", "Pending"],
        "time": [15.0, 30.0, 15.0],
        "value": [1.0, 0.0, 1.0]}))
    cpu = Family("container_cpu_usage_seconds", "counter", "Cumulative cpu time consumed.",
                 pl.DataFrame({"pod": ["db", "db"], "time": [15.0, 0.0], "value": [2.5, 0.0]}))
    special = Family("kbench_value", "gauge", "Non-finite values.", pl.DataFrame({
        "time": [0.0, 1.0, 2.0], "value": [math.nan, math.inf, -math.inf]}))
    return [phase, cpu, special]


def parsed(path):
    return {(s.name, tuple(sorted(s.labels.items())), float(s.timestamp)): s.value
            for family in text_string_to_metric_families(path.read_text())
            for s in family.samples}


def test_written_samples_parse_back(tmp_path):
    path = tmp_path / "run.om"
    assert write_openmetrics(families(), path) == 8
    samples = parsed(path)
    pod = (("namespace", "default"), ("phase", "Running"), ("pod", 'we"b\\1\nx'))
    assert samples[("kube_pod_status_phase", pod, EPOCH_UNIX + 15.0)] == 1.0
    db = (("namespace", "default"), ("phase", "Pending"), ("pod", "db"))
    assert samples[("kube_pod_status_phase", db, EPOCH_UNIX + 30.0)] == 0.0
    assert samples[("container_cpu_usage_seconds_total", (("pod", "db"),),
                    EPOCH_UNIX + 15.0)] == 2.5
    assert math.isnan(samples[("kbench_value", (), EPOCH_UNIX + 0.0)])
    assert samples[("kbench_value", (), EPOCH_UNIX + 1.0)] == math.inf
    assert samples[("kbench_value", (), EPOCH_UNIX + 2.0)] == -math.inf
    assert len(samples) == 8


def test_samples_are_ordered_by_series_then_time(tmp_path):
    path = tmp_path / "run.om"
    write_openmetrics(families(), path)
    lines = path.read_text().splitlines()
    assert lines[-1] == "# EOF"
    db = [line for line in lines if line.startswith('kube_pod_status_phase{namespace="default",'
                                                    'pod="db"')]
    assert [line.rsplit(" ", 1)[1] for line in db] == [f"{EPOCH_UNIX + 15}.0",
                                                       f"{EPOCH_UNIX + 30}.0"]
    assert lines[0] == "# TYPE kube_pod_status_phase gauge"
    assert "# TYPE container_cpu_usage_seconds counter" in lines


def test_same_input_same_bytes(tmp_path):
    write_openmetrics(families(), tmp_path / "a.om")
    write_openmetrics(families(), tmp_path / "b.om")
    assert (tmp_path / "a.om").read_bytes() == (tmp_path / "b.om").read_bytes()


@pytest.mark.parametrize("name, kind, columns, message", [
    ("9bad", "gauge", {"time": [0.0], "value": [1.0]}, "not a valid metric name"),
    ("x", "summary", {"time": [0.0], "value": [1.0]}, "is not one of"),
    ("x_total", "counter", {"time": [0.0], "value": [1.0]}, "without the _total"),
    ("x", "gauge", {"value": [1.0]}, "lack column(s) time"),
    ("x", "gauge", {"__name__": ["y"], "time": [0.0], "value": [1.0]}, "valid label name"),
])
def test_bad_families_are_refused(name, kind, columns, message):
    with pytest.raises(ExportError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Family(name, kind, "help", pl.DataFrame(columns))


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_promtool_creates_blocks(tmp_path):
    path = tmp_path / "run.om"
    write_openmetrics(families(), path)
    done = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", str(path),
                           str(tmp_path / "blocks")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "NUM SAMPLES" in done.stdout
