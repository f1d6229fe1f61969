"""Pods created at their arrival times by a source (kbench.sim.arrivals)."""

from __future__ import annotations

import numpy as np
import pytest

from kbench import Cluster
from kbench.sim.arrivals import PodArrivals

NODE = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
        "status": {"capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"}}}


def pod(cpu: str, priority: int = 0) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {},
            "spec": {"priority": priority, "containers": [{
                "name": "app", "image": "app:1", "resources": {"requests": {"cpu": cpu}}}]}}


def arrivals(**kw) -> PodArrivals:
    # arrival order interleaves the two shapes; times unsorted on purpose
    return PodArrivals(times=[2.5, 0.0, 0.4, 7.0, 2.5], names=["c", "a", "b", "e", "d"],
                       shapes=[1, 0, 1, 0, 0], manifests=[pod("1"), pod("500m")], **kw)


def test_pods_appear_in_the_tick_of_their_arrival_with_their_arrival_time():
    cluster = Cluster.from_manifests([NODE])
    source = arrivals()
    cluster.engine.add_source(source)
    cluster.step("1s")
    assert sorted(p.metadata.name for p in cluster.list("pods")) == ["a", "b"]
    # created before the scheduler of the same tick ran
    assert all(p.spec.nodeName == "n1" for p in cluster.list("pods"))
    cluster.step("2s")
    assert sorted(p.metadata.name for p in cluster.list("pods")) == ["a", "b", "c", "d"]
    pods = cluster.state.tables["pods"]
    rows = pods.live_rows()
    created = dict(zip(cluster.state.strings.decode(pods["name"][rows]),
                       pods["creation_time"][rows].tolist()))
    assert created == {"a": 0.0, "b": 0.4, "c": 2.5, "d": 2.5}
    assert source.remaining == 1
    cluster.step("5s")
    assert source.remaining == 0 and len(cluster.list("pods")) == 5
    requests = {p.metadata.name: p.spec.containers[0]["resources"]["requests"]["cpu"]
                for p in cluster.list("pods")}
    assert requests == {"a": "1", "b": "500m", "c": "500m", "d": "1", "e": "1"}


def test_arrival_order_is_the_scheduling_order():
    # one CPU left for two 1-CPU pods that arrive in one tick: the earlier one gets it
    cluster = Cluster.from_manifests([{**NODE, "status": {"capacity": {
        "cpu": "1", "memory": "1Gi", "pods": "110"}}}])
    cluster.engine.add_source(PodArrivals(times=[0.9, 0.2], names=["late", "early"],
                                          shapes=[1, 0], manifests=[pod("1"), pod("1")]))
    cluster.step("1s")
    bound = {p.metadata.name: p.spec.nodeName for p in cluster.list("pods")}
    assert bound == {"early": "n1", "late": None}


def test_a_run_going_on_from_a_snapshot_does_not_create_pods_again():
    cluster = Cluster.from_manifests([NODE])
    cluster.engine.add_source(arrivals())
    cluster.step("3s")
    source = arrivals(created_until=cluster.time)
    assert source.remaining == 1
    cluster.engine.sources[:] = [source]
    cluster.step("10s")
    assert sorted(p.metadata.name for p in cluster.list("pods")) == ["a", "b", "c", "d", "e"]


def test_bad_arrivals_are_refused():
    with pytest.raises(ValueError, match="names repeat"):
        PodArrivals([0, 1], ["a", "a"], [0, 0], [pod("1")])
    with pytest.raises(ValueError, match="no manifest"):
        PodArrivals([0], ["a"], [1], [pod("1")])


def test_same_arrivals_same_tables():
    def run():
        cluster = Cluster.from_manifests([NODE], seed=3)
        cluster.engine.add_source(arrivals())
        cluster.step("10s")
        pods = cluster.state.tables["pods"]
        return [np.asarray(pods[c]).tobytes() for c in ("name", "creation_time", "node_name",
                                                         "start_time")]
    assert run() == run()
