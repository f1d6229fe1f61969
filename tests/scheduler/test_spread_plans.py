"""compile_spread's plans kept between batches (podtopologyspread._Plans): a run whose plans
are made anew (the bound on plans kept at 1, so they are cleared at nearly every new
template) places every pod as a run that keeps them, and the bound holds."""

from __future__ import annotations

import gc

import numpy as np

from kbench import Cluster
from kbench.experiments.sources import deployment_manifests
from kbench.scheduler.plugins import podtopologyspread


def node_manifest(i: int) -> dict:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {
        "name": f"node-{i:02d}", "labels": {"kubernetes.io/hostname": f"node-{i:02d}",
                                            "topology.kubernetes.io/zone": f"z{i % 3}"}},
        "status": {"capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"}}}


def placements() -> tuple[list, int]:
    gc.collect()
    before = list(podtopologyspread._PLANS.keys())   # node sets of other clusters
    cluster = Cluster.from_manifests([node_manifest(i) for i in range(9)]
                                     + deployment_manifests(6, 4, seed=3), seed=3)
    cluster.configure_engine(tick="15s")
    cluster.run(120)
    cluster.scale("deployment", "svc-0001", 9)
    cluster.set_image("deployment", "svc-0002", "app", "registry.example/svc-0002:2.0")
    cluster.run(360)
    pods = cluster.state.tables["pods"]
    live = pods.live_rows()
    kept = max((len(known) for labels, (_, known) in podtopologyspread._PLANS.items()
                if not any(labels is other for other in before)), default=0)
    return [cluster.state.strings.decode(pods["name"][live]),
            cluster.state.strings.decode(pods["node_name"][live])], kept


def test_plans_made_anew_place_pods_as_kept_ones(monkeypatch):
    kept_run, kept_count = placements()
    monkeypatch.setattr(podtopologyspread, "_PLANS_KEPT", 1)
    fresh_run, fresh_count = placements()
    assert kept_run == fresh_run
    assert len(kept_run[0]) > 15 and all(node is not None for node in kept_run[1])
    assert kept_count > 1 and fresh_count <= 1
    assert np.unique(kept_run[1]).size > 3   # spread over the nodes
