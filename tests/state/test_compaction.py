"""Pod-row compaction (kbench.state.compaction): the table's renumbering, and a busy run that
compacts at every tick against the same run that never compacts, compared tick by tick."""

from __future__ import annotations

import hashlib
import weakref

import numpy as np

from kbench import Cluster
from kbench.experiments.sources import deployment_manifests
from kbench.sim.kubelet import KubeletConfig
from kbench.state import ClusterState
from kbench.state.compaction import compact_pods, holds_pod_rows, kept_rows, renumbered
from kbench.state.table import Column, Table


# -- the table and the renumbering ---------------------------------------------------------------

def test_compact_moves_the_live_rows_down_in_order():
    table = Table([Column("value", "int64"), Column("name", "str"),
                   Column("usage", "resources")], resource_count=2)
    for i in range(6):
        table.append({"value": 10 * i, "name": i, "usage": np.array([i, -i])})
    table.delete_many(np.array([0, 2, 3]))
    version = table.alive_version
    new_of_old = table.compact()
    # rows 1, 4, 5 live: they become 0, 1, 2
    assert new_of_old.tolist() == [-1, 0, -1, -1, 1, 2]
    assert len(table) == 3 and table.alive.all() and table.live_rows().tolist() == [0, 1, 2]
    assert table["value"].tolist() == [10, 40, 50]
    assert table["name"].tolist() == [1, 4, 5]
    assert table["usage"].tolist() == [[1, -1], [4, -4], [5, -5]]
    assert table.alive_version != version
    # the rows past the end hold fill values again: an append starts from a fresh row
    row = table.append({"value": 7})
    assert row == 3 and table["name"][3] == -1 and table["usage"][3].tolist() == [0, 0]


def test_compact_without_dead_rows_changes_nothing():
    table = Table([Column("value", "int64")])
    table.append_many(3, {"value": np.array([1, 2, 3])})
    assert table.compact().tolist() == [0, 1, 2]
    assert table["value"].tolist() == [1, 2, 3]


def test_renumbered_and_kept_rows():
    new_of_old = np.array([-1, 0, -1, 1, 2])
    # -1 stays -1; a deleted pod's row becomes -1
    assert renumbered(np.array([3, -1, 0, 4, 1]), new_of_old).tolist() == [1, -1, -1, 2, 0]
    # an array by pod row 4 long keeps the old rows 1 and 3 (row 4 was added after it)
    assert kept_rows(new_of_old, 4).tolist() == [1, 3]


def test_compact_pods_renames_the_index_and_drops_the_registered_caches():
    state = ClusterState()
    strings = state.strings
    for i in range(5):
        state.insert("pods", {"name": strings.intern(f"p{i}"),
                              "namespace": strings.intern("default")})
    state.remove_many("pods", np.array([0, 3]))
    cache = holds_pod_rows(weakref.WeakKeyDictionary())
    cache[strings] = "rows of pods"
    assert state.find("pods", "p4", "default") == 4
    new_of_old = compact_pods(state)
    assert new_of_old.tolist() == [-1, 0, 1, -1, 2]
    assert [state.find("pods", f"p{i}", "default") for i in range(5)] == [-1, 0, 1, -1, 2]
    assert strings not in cache


def test_metrics_pins_and_queued_events_follow_their_pods():
    cluster = Cluster.from_manifests([node_manifest(0), CRASHING], seed=1)
    cluster.configure_engine(tick="5s", kubelet=KubeletConfig(), pod_compaction_ratio=float("inf"))
    cluster.run(60.0)
    cluster.set_usage("app=crashy", cpu="250m")
    cluster.delete("pod", cluster.list("pods")[0].metadata.name)
    cluster.run(100.0)
    engine, pods = cluster.engine, cluster.state.tables["pods"]
    assert len(pods) > pods.live_count
    live = pods.live_rows()
    metrics = [np.array(column)[live] for column in engine.metrics.pod_metrics(len(pods))]
    pinned = engine.usage._pinned[live].copy()
    queued = {(t, kind, int(pods["uid"][row])): tag for t, kind, row, tag in zip(
        engine.queue.times.tolist(), engine.queue.kinds.tolist(), engine.queue.payloads.tolist(),
        engine.queue.tags.tolist()) if pods.alive[row]}
    top = cluster.top("pods").text
    engine.compact_pods()
    assert len(pods) == pods.live_count == len(live)
    after = engine.metrics.pod_metrics(len(pods))
    for before, column in zip(metrics, after):
        assert np.array_equal(before, np.array(column)[:len(pods)], equal_nan=True)
    assert np.array_equal(engine.usage._pinned[:len(pods)], pinned, equal_nan=True)
    assert {(t, kind, int(pods["uid"][row])): tag for t, kind, row, tag in zip(
        engine.queue.times.tolist(), engine.queue.kinds.tolist(), engine.queue.payloads.tolist(),
        engine.queue.tags.tolist()) if row >= 0} == queued
    assert cluster.top("pods").text == top


# -- a busy run, compacted at every tick and never --------------------------------------------

def live_digest(state) -> str:
    """The clock, the strings and the live rows of every table, in row order."""
    digest = hashlib.sha256(repr(state.time).encode())
    digest.update(repr(len(state.strings.strings())).encode())
    for name, table in state.tables.items():
        live = table.live_rows()
        digest.update(name.encode() + repr(len(live)).encode())
        for column in table.columns:
            digest.update(table[column][live].tobytes())
    return digest.hexdigest()


def node_manifest(i: int) -> dict:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {
        "name": f"node-{i:02d}", "labels": {"kubernetes.io/hostname": f"node-{i:02d}",
                                            "topology.kubernetes.io/zone": f"z{i % 3}"}},
        "status": {"capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"}}}


CRASHING = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "crashy"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "crashy"}},
                     "template": {"metadata": {"labels": {"app": "crashy"}, "annotations": {
                         "kbench.io/crash-after": "40s"}},
                         "spec": {"containers": [{"name": "app", "image": "crashy:1",
                                                  "resources": {"requests": {"cpu": "100m"}}}]}}}}

JOB = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "work"},
       "spec": {"completions": 6, "parallelism": 2, "template": {
           "metadata": {"annotations": {"kbench.io/run-for": "70s"}},
           "spec": {"restartPolicy": "Never", "containers": [{
               "name": "w", "image": "work:1", "resources": {"requests": {"cpu": "200m"}}}]}}}}


def busy_cluster(ratio: float) -> Cluster:
    cluster = Cluster.from_manifests([node_manifest(i) for i in range(12)]
                                     + deployment_manifests(8, 5, seed=5)
                                     + [CRASHING, JOB], seed=5)
    cluster.configure_engine(tick="5s", kubelet=KubeletConfig(), pod_compaction_ratio=ratio)
    return cluster


def rollout(cluster, names, version):
    for name in names:
        cluster.set_image("deployment", name, "app", f"registry.example/{name}:{version}")


def delete_pods(cluster):
    for name in [p.metadata.name for p in cluster.list("pods", selector="app=svc-0003")][:3]:
        cluster.delete("pod", name)


ACTIONS = {
    60.0: lambda c: rollout(c, ["svc-0000", "svc-0001"], "2.0"),
    120.0: lambda c: c.scale("deployment", "svc-0004", 12),
    150.0: delete_pods,
    180.0: lambda c: c.set_usage("app=svc-0002", cpu="300m", memory="100Mi"),
    195.0: delete_pods,
    200.0: lambda c: c.delete("node", "node-00"),
    210.0: delete_pods,
    260.0: lambda c: c.delete("deployment", "svc-0005"),
    300.0: lambda c: rollout(c, [f"svc-{i:04d}" for i in range(8) if i != 5], "3.0"),
    400.0: lambda c: c.rollout_undo("svc-0001"),
    450.0: lambda c: c.delete("hpa", "svc-0006"),
    480.0: lambda c: c.scale("deployment", "svc-0006", 2),
    520.0: delete_pods,
}
UNTIL = 700.0


def views(cluster) -> list:
    """What a user sees: objects, tables, top and describe."""
    pods = cluster.list("pods")
    seen = [[p.to_dict() for p in pods]]
    seen.append([repr(cluster.get("pod", p.metadata.name)) for p in pods[::7]])
    seen.append([repr(d) for d in cluster.list("deployments")])
    seen.append(cluster.top("pods").text)
    seen.append(cluster.top("nodes").text)
    seen.append(cluster.describe("deployment", "svc-0001"))
    seen.extend(cluster.describe("pod", p.metadata.name) for p in pods[::11])
    return seen


def run(cluster) -> tuple[list[str], list]:
    digests = []
    cluster.engine.add_hook(lambda engine: digests.append(live_digest(engine.state)))
    seen = []
    for at in sorted(ACTIONS) + [UNTIL]:
        cluster.run(at)
        seen.append(views(cluster))
        if at in ACTIONS:
            ACTIONS[at](cluster)
    return digests, seen


def test_a_run_compacted_at_every_tick_is_the_run_never_compacted():
    never, always = busy_cluster(float("inf")), busy_cluster(0.0)
    never_digests, never_seen = run(never)
    always_digests, always_seen = run(always)
    assert never.engine.compactions == 0 and always.engine.compactions > 10
    pods = always.state.tables["pods"]
    assert len(pods) == pods.live_count < len(never.state.tables["pods"])
    assert len(always_digests) == len(never_digests)
    for tick, (a, b) in enumerate(zip(always_digests, never_digests)):
        assert a == b, f"tick {tick}: live state differs"
    for at, (a, b) in enumerate(zip(always_seen, never_seen)):
        assert a == b, f"views at the action {at} differ"
    assert always == never   # the tables as Arrow (live rows)


def test_a_compacted_run_snapshots_and_goes_on_like_one_never_compacted(tmp_path):
    never, always = busy_cluster(float("inf")), busy_cluster(0.0)
    for cluster in (never, always):
        for at in [a for a in sorted(ACTIONS) if a <= 300.0]:
            cluster.run(at)
            ACTIONS[at](cluster)
        cluster.run(310.0)
    assert always.engine.compactions > 0
    never.snapshot(tmp_path / "never")
    always.snapshot(tmp_path / "always")
    copies = [Cluster.restore(tmp_path / "never"), Cluster.restore(tmp_path / "always")]
    assert copies[0] == copies[1] == never == always
    for cluster in (never, always, *copies):
        cluster.run(420.0)
    assert live_digest(always.state) == live_digest(never.state)
    assert [live_digest(c.state) for c in copies] == [live_digest(never.state)] * 2
    assert views(copies[1]) == views(never)


def test_the_experiment_pod_log_follows_the_renumbered_rows():
    from kbench.experiments.recorder import PodLog, Vocabulary

    logs = []
    for ratio in (float("inf"), 0.0):
        cluster = busy_cluster(ratio)
        log = PodLog(Vocabulary())
        cluster.engine.add_hook(lambda engine, log=log: log.tick(engine.state))
        cluster.engine.pod_row_holders.append(log)
        for at in [a for a in sorted(ACTIONS) if a <= 300.0]:
            cluster.run(at)
            ACTIONS[at](cluster)
        cluster.run(330.0)
        pods = cluster.state.tables["pods"]
        present = log.row[:log.size] >= 0
        # every entry still present names its own pod
        uids = [log.vocabulary.strings[c] for c in log.columns["uid"][:log.size][present]]
        assert list(cluster.state.strings.decode(pods["uid"][log.row[:log.size][present]])) == uids
        logs.append(log)
    never, always = logs
    assert always.size == never.size
    for name, column in never.columns.items():
        assert np.array_equal(column[:never.size], always.columns[name][:always.size],
                              equal_nan=column.dtype.kind == "f"), name
