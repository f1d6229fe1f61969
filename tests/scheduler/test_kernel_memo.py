"""The kernel's memo kept between scheduling passes (kbench.scheduler.memo): node versions and
the ClassCache of NodeResourcesFit's and BalancedAllocation's results per request class. It
is a memo only, so a scheduler that keeps it across passes decides exactly as a fresh one
does, whatever changed the nodes in between: binds, deletions, scale-downs, a node's
allocatable, a slot of the cache taken over by another class."""

from __future__ import annotations

import numpy as np
import pytest

from kbench import Cluster
from kbench.scheduler import kernel
from kbench.scheduler.kernel import NodeState
from kbench.scheduler.memo import KernelMemo, kernel_memo
from kbench.scheduler.scheduler import Scheduler

ZONES = ["zone-a", "zone-b", "zone-c"]
CPU = ["100m", "200m", "250m", "500m", "750m", "1"]


def node(i: int, cores: int) -> dict:
    spec = {"taints": [{"key": "dedicated", "value": "batch", "effect": "NoSchedule"}]} \
        if i % 10 == 0 else {}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {
        "name": f"node-{i:03d}", "labels": {"kubernetes.io/hostname": f"node-{i:03d}",
                                            "topology.kubernetes.io/zone": ZONES[i % 3]}},
            "spec": spec,
            "status": {"capacity": {"cpu": str(cores), "memory": f"{4 * cores}Gi",
                                    "pods": "30"}}}


def deployment(i: int, replicas: int) -> dict:
    name = f"app-{i}"
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {
                         "containers": [{"name": "app", "image": f"registry.example/{name}:1",
                                         "resources": {"requests": {
                                             "cpu": CPU[i % len(CPU)],
                                             "memory": f"{128 * (1 + i % 2)}Mi"}}}]}}}}


class Checked:
    """The cluster's scheduler, each pass checked against a fresh Scheduler's on the same
    state and counters."""

    def __init__(self, kept: Scheduler) -> None:
        self.kept, self.passes, self.pods = kept, 0, 0

    def decide(self, state, pod_rows=None):
        counters = dict(state.counters)
        fresh = Scheduler(self.kept.configuration).decide(state, pod_rows)
        state.counters.clear()
        state.counters.update(counters)
        kept = self.kept.decide(state, pod_rows)
        np.testing.assert_array_equal(kept.pod_rows, fresh.pod_rows)
        np.testing.assert_array_equal(kept.node_rows, fresh.node_rows)
        np.testing.assert_array_equal(kept.scores, fresh.scores)
        assert kept.messages == fresh.messages
        assert dict(state.counters) == {**counters, **state.counters}
        self.passes += 1
        self.pods += len(kept.pod_rows)
        return kept


def checked_cluster(nodes: int, deployments: int, seed: int) -> tuple[Cluster, Checked]:
    rng = np.random.default_rng(seed)
    manifests = [node(i, int(rng.choice([2, 4, 8]))) for i in range(nodes)]
    manifests += [deployment(i, int(rng.integers(1, 30))) for i in range(deployments)]
    cluster = Cluster.from_manifests(manifests, seed=seed)
    cluster.configure_engine(tick="15s")
    checked = Checked(cluster.scheduler)
    cluster._scheduler = checked
    return cluster, checked


@pytest.mark.parametrize("seed", [0, 1])
def test_a_kept_memo_decides_as_a_fresh_scheduler(seed):
    """Deployments scaled up and down (short runs walk, long ones use trees), pods deleted,
    a node's allocatable changed: every pass equals a fresh scheduler's."""
    cluster, checked = checked_cluster(300, 12, seed)
    rng = np.random.default_rng(seed + 100)
    cluster.step("15s")
    for round_ in range(8):
        for i in rng.choice(12, size=4, replace=False).tolist():
            cluster.scale("deployment", f"app-{i}", int(rng.integers(0, 45)))
        if round_ == 3:  # a node grows: its entries must be dropped
            grown = node(7, 16)
            cluster.apply([grown])
        if round_ == 5:
            bound = [p.name for p in cluster.list("pod") if p.spec.get("nodeName")]
            assert len(bound) >= 10
            for name in bound[:10]:
                cluster.delete("pod", name)
        cluster.step("15s")
    assert checked.passes >= 8 and checked.pods > 200


def test_slots_taken_over_decide_as_fresh(monkeypatch):
    """With two slots for six request classes, classes take slots over from each other
    (their entries dropped): the decisions stay a fresh scheduler's."""
    monkeypatch.setattr(kernel, "CLASS_CACHE_SLOTS", 2)
    cluster, checked = checked_cluster(200, 6, 3)
    for round_ in range(4):
        for i in range(6):
            cluster.scale("deployment", f"app-{i}", 5 + 7 * ((i + round_) % 4))
        cluster.step("15s")
    memo = checked.kept._memos["default-scheduler"]
    assert len(memo.cache.used) == 2
    assert memo.cache.reclaimed[0] > 0 and checked.passes >= 4


def nodes_of(requested: np.ndarray) -> NodeState:
    count = len(requested)
    return NodeState(np.full((count, 3), 1000, dtype=np.int64), requested.copy(),
                     np.zeros((count, 2), dtype=np.int64),
                     np.zeros((count, 1), dtype=np.int32))


def profile_data(weights=(1, 1)):
    data = kernel.ProfileData
    return data(np.zeros(1, np.int32), np.zeros(1, np.int32), np.zeros(1, np.int32),
                np.ones(1, np.int64), np.zeros(3, np.bool_), np.int64(0),
                np.arange(2, dtype=np.int64), np.array(weights, dtype=np.int64),
                np.zeros(0, np.int64), np.zeros(0, np.int64), np.arange(2, dtype=np.int64),
                np.int64(10), np.zeros(0), np.int64(0), np.zeros(0))


def test_versions_bump_on_the_changed_nodes_only():
    memos: dict = {}
    rows = np.arange(6)
    requested = np.zeros((6, 3), dtype=np.int64)
    memo = kernel_memo(memos, "p", rows, profile_data(), nodes_of(requested))
    np.testing.assert_array_equal(memo.versions, 1)
    memo.after(nodes_of(requested))
    changed = requested.copy()
    changed[[1, 4], 2] += 1
    again = kernel_memo(memos, "p", rows, profile_data(), nodes_of(changed))
    assert again is memo
    np.testing.assert_array_equal(memo.versions, [1, 2, 1, 1, 2, 1])
    nodes = nodes_of(changed)
    nodes.allocatable[5, 0] -= 1
    memo.after(nodes_of(changed))
    kernel_memo(memos, "p", rows, profile_data(), nodes)
    np.testing.assert_array_equal(memo.versions, [1, 2, 1, 1, 2, 2])


def test_a_new_memo_for_other_nodes_or_args():
    memos: dict = {}
    requested = np.zeros((4, 3), dtype=np.int64)
    memo = kernel_memo(memos, "p", np.arange(4), profile_data(), nodes_of(requested))
    assert kernel_memo(memos, "p", np.arange(4), profile_data(), nodes_of(requested)) is memo
    assert kernel_memo(memos, "p", np.array([0, 1, 3, 2]), profile_data(),
                       nodes_of(requested)) is not memo
    memo = memos["p"]
    assert kernel_memo(memos, "p", np.array([0, 1, 3, 2]), profile_data((1, 3)),
                       nodes_of(requested)) is not memo
    assert isinstance(memos["p"], KernelMemo)


def bare_pod(name: str, cpu: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "app:1", "resources": {
                "requests": {"cpu": cpu, "memory": "256Mi"}}}]}}


def test_a_walk_after_its_slot_was_taken_over(monkeypatch):
    """One slot: pods of class A walk, a long run of class B takes the slot over for its
    tree, then A's pods walk again; they read their own class's results (compared with the
    plain-Python reference scheduler)."""
    from scheduler.both import schedule_both
    monkeypatch.setattr(kernel, "CLASS_CACHE_SLOTS", 1)
    rng = np.random.default_rng(5)
    manifests = [node(i, int(rng.choice([2, 4, 8]))) for i in range(200)]
    # (A fits on the 4- and 8-core nodes only: class B's verdicts and scores would put
    # its pods on B's nodes of 2 cores)
    manifests += [bare_pod(f"a-{i}", "3") for i in range(3)]
    manifests += [bare_pod(f"b-{i}", "100m") for i in range(40)]
    manifests += [bare_pod(f"c-{i}", "3") for i in range(3)]
    cluster = Cluster.from_manifests(manifests)
    kernel_rows, reference_rows = schedule_both(cluster)
    assert kernel_rows == reference_rows
    assert cluster.scheduler._memos["default-scheduler"].cache.reclaimed[0] >= 1
