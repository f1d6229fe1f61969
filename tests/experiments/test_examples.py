"""Every example in experiments/ is a valid spec, and each runs (the big ones cut down with
--set overrides, as a user would try them first)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbench.experiments import load_spec, new_run_folder, run_experiment

EXAMPLES = Path(__file__).parents[2] / "experiments"
SPECS = sorted(EXAMPLES.glob("*/experiment.yaml"))

#: overrides that cut an example to a test's size
SMALLER = {
    "scale-5000": ["nodes[0].count=60", "workloads[0].count=12", "workloads[0].replicas=10",
                   "duration=10m", "snapshot_every=5m"],
    "openb-replay": ["nodes[0].limit=300", "workloads[0].limit=200", "duration=4m",
                     "snapshot_every=2m"],
}


def test_the_examples_are_the_expected_ones():
    assert {p.parent.name for p in SPECS} >= {"quickstart-run", "rolling-update", "hpa-lab",
                                              "openb-replay", "scale-5000"}


@pytest.mark.parametrize("path", SPECS, ids=[p.parent.name for p in SPECS])
def test_each_example_runs(path, tmp_path):
    spec = load_spec(path, SMALLER.get(path.parent.name, []))
    folder = new_run_folder(tmp_path, spec.name)
    result = run_experiment(spec, folder)
    assert result.summary["status"] == "complete"
    assert result.summary["pods_created"] > 0
    assert result.summary["pods_scheduled"] > 0
    assert (folder / "timeseries.parquet").is_file() and (folder / "pods.parquet").is_file()
