"""Experiment specs: checked before any work, run to a tidy time series, deterministic."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from kbench.experiments import SpecError, load_spec, run_experiment
from kbench.experiments.spec import parse_spec

EXAMPLES = Path(__file__).parents[2] / "experiments"


def replica_set_sizes(table) -> list[tuple]:
    """The distinct (old, new) ReplicaSet sizes in time order."""
    frame = table.to_pandas()
    sizes = frame[(frame.kind == "ReplicaSet") & (frame.metric == "spec_replicas")]
    wide = sizes.pivot_table(index="time", columns="name", values="value", observed=True)
    order = sorted(wide.columns, key=lambda name: wide[name].first_valid_index())
    rows = [tuple(int(v) if v == v else 0 for v in row) for row in wide[order].to_numpy()]
    return [row for i, row in enumerate(rows) if i == 0 or row != rows[i - 1]]


def test_the_rolling_update_example_goes_through_kubernetes_sizes():
    result = run_experiment(load_spec(EXAMPLES / "rolling-update" / "experiment.yaml"))
    # maxSurge 1, maxUnavailable 0 (rolling.go): one new pod, ready, one old pod fewer, ...
    assert replica_set_sizes(result.timeseries) == [
        (3, 0), (3, 1), (2, 1), (2, 2), (1, 2), (1, 3), (0, 3)]
    assert result.cluster.rollout_status("nginx-deployment").startswith(
        'deployment "nginx-deployment" successfully rolled out')


def test_same_spec_same_parquet_bytes(tmp_path):
    spec = load_spec(EXAMPLES / "rolling-update" / "experiment.yaml")
    for name in ("a", "b"):
        pq.write_table(run_experiment(spec).timeseries, tmp_path / f"{name}.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


@pytest.mark.parametrize("change, field, reason", [
    ({"name": ""}, "name", "required"),
    ({"duration": "soon"}, "duration", "not a duration"),
    ({"duration": "-5s"}, "duration", "must be positive"),
    ({"colour": "red"}, "colour", "unknown field"),
    ({"seed": -1}, "seed", "non-negative integer"),
    ({"manifests": ["missing.yaml"]}, "manifests[0]", "no such file"),
    ({"kubelet": {"speed": 1}}, "kubelet.speed", "unknown field"),
    ({"actions": [{"at": "10m", "scale": {"deployment": "a", "replicas": 1}}]},
     "actions[0].at", "within the duration"),
    ({"actions": [{"at": "1s", "dance": {}}]}, "actions[0]", "one verb of"),
    ({"actions": [{"at": "1s", "scale": {"deployment": "a"}}]},
     "actions[0].scale.replicas", "required"),
    ({"actions": [{"at": "1s", "scale": {"deployment": "a", "replicas": -2}}]},
     "actions[0].scale.replicas", "non-negative"),
])
def test_bad_specs_name_the_field(tmp_path, change, field, reason):
    data = {"name": "x", "duration": "1m", **change}
    with pytest.raises(SpecError) as caught:
        parse_spec(data, tmp_path, "spec.yaml")
    assert caught.value.field == field and reason in str(caught.value)
    assert str(caught.value).startswith(f"spec.yaml: {field}: ")


def test_a_missing_or_broken_spec_file(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "nope.yaml")
    (tmp_path / "bad.yaml").write_text("name: [unclosed")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_spec(tmp_path / "bad.yaml")


def test_the_hpa_lab_adds_pods_under_load_and_removes_them_after():
    result = run_experiment(load_spec(EXAMPLES / "hpa-lab" / "experiment.yaml"))
    frame = result.timeseries.to_pandas()
    replicas = frame[(frame.kind == "Deployment") & (frame.metric == "spec_replicas")]
    curve = dict(zip(replicas.time, replicas.value.astype(int)))
    # load from 60 s: the 75 s scrape averages 0 and 600m over its window (300m, 150 % of
    # the 200m request: ceil(1 * 150 / 50) = 3 pods); then the new pods' metrics arrive:
    # 4, then ceil(600m / 100m) = 6, held while the load lasts
    assert [curve[t] for t in (0, 60, 75, 90, 105)] == [1, 1, 3, 4, 6]
    assert all(curve[t] == 6 for t in range(105, 901, 15))
    # load gone at 600 s: 5 minutes of scale-down stabilization keep the highest
    # recommendation of the window (6, then the half-loaded 615 s one: 3), then 1
    assert [curve[t] for t in (915, 930, 1200)] == [3, 1, 1]
    events = [e.to_dict()["message"] for e in result.cluster.events(
        result.cluster.get("hpa", "php-apache"))]
    assert "New size: 6; reason: cpu resource utilization (percentage of request) above target" in events
    assert "New size: 1; reason: All metrics below target" in events


def test_overrides_set_fields_before_the_spec_is_checked(tmp_path):
    from kbench.experiments.spec import apply_overrides
    spec = load_spec(EXAMPLES / "hpa-lab" / "experiment.yaml", [
        "seed=3", "kubelet.container_start_median_seconds=1", "snapshot_every=5m",
        "controllers.hpa.tolerance=0.2", "controllers.hpa_sync_period=30s",
        "actions[1].set_load.requests_per_second=60", "outputs=[pods, timeseries]"])
    assert (spec.seed, spec.kubelet.container_start_median_seconds, spec.snapshot_every) == \
        (3, 1, 300.0)
    assert spec.controllers.hpa.tolerance == 0.2 and spec.controllers.hpa_sync_period == 30.0
    assert spec.actions[1].args["requests_per_second"] == 60
    assert spec.outputs == ("pods", "timeseries")
    # a list item one past the end is appended; deeper paths make their mappings
    data = apply_overrides({"name": "x", "duration": "1m"},
                           ["actions[0]={at: 1s, scale: {deployment: a, replicas: 2}}",
                            "kubelet.image_bytes.app=1000"], tmp_path)
    assert parse_spec(data, tmp_path).actions[0].args["replicas"] == 2
    assert parse_spec(data, tmp_path).kubelet.image_bytes == {"app": 1000}


@pytest.mark.parametrize("override, field, reason", [
    ("kubelet.nope=1", "kubelet.nope", "unknown field"),
    ("seed=-1", "seed", "non-negative integer"),
    ("seed", "--set", "expected key=value"),
    ("actions[7].at=1s", "actions[7]", "no such list item"),
    ("duration=[1", "duration", "not valid YAML"),
    ("controllers.hpa.speed=2", "controllers.hpa.speed", "unknown field"),
    ("controllers.metrics_resolution=-1", "controllers.metrics_resolution", ">= 0"),
    ("snapshot_every=1500ms", "snapshot_every", "multiple of tick"),
    ("outputs=[pods, plots]", "outputs[1]", "one of"),
    ("scheduler.profiles[0].percentageOfNodesToScore=500", "scheduler", "no such list item"),
])
def test_a_bad_override_names_the_field(override, field, reason):
    with pytest.raises(SpecError) as caught:
        load_spec(EXAMPLES / "hpa-lab" / "experiment.yaml", [override])
    assert caught.value.field.startswith(field) and reason in str(caught.value)


def test_an_inline_scheduler_profile_is_checked_with_its_field_path(tmp_path):
    profile = {"apiVersion": "kubescheduler.config.k8s.io/v1",
               "kind": "KubeSchedulerConfiguration",
               "profiles": [{"schedulerName": "default-scheduler",
                             "percentageOfNodesToScore": 50}]}
    spec = parse_spec({"name": "x", "duration": "1m", "scheduler": profile}, tmp_path)
    assert spec.scheduler == profile
    from kbench.experiments.spec import apply_overrides
    bad = apply_overrides({"name": "x", "duration": "1m", "scheduler": profile},
                          ["scheduler.profiles[0].percentageOfNodesToScore=500"], tmp_path)
    with pytest.raises(SpecError) as caught:
        parse_spec(bad, tmp_path, "spec.yaml")
    assert caught.value.field == "scheduler.profiles[0].percentageOfNodesToScore"
    # a profile file is read into the spec when --set reaches inside it
    (tmp_path / "profile.yaml").write_text(yaml.safe_dump(profile))
    data = apply_overrides({"name": "x", "duration": "1m", "scheduler": "profile.yaml"},
                           ["scheduler.profiles[0].percentageOfNodesToScore=20"], tmp_path)
    assert parse_spec(data, tmp_path).scheduler["profiles"][0]["percentageOfNodesToScore"] == 20


def test_the_resolved_spec_parses_back_to_the_same_spec():
    spec = load_spec(EXAMPLES / "hpa-lab" / "experiment.yaml", ["snapshot_every=5m"])
    again = parse_spec(yaml.safe_load(spec.to_yaml()), Path("/"), spec.source)
    assert again == spec
