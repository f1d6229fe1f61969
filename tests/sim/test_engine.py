"""The engine: the order inside a tick, durations, the scheduling queue's retries,
garbage collection and determinism."""

from __future__ import annotations

import numpy as np
import pytest

from kbench import Cluster
from kbench.sim.clock import DurationError
from kbench.sim.kubelet import KubeletConfig

EXACT = KubeletConfig(container_start_sigma=0.0)


def node(name: str, cpu: str = "4") -> dict:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"capacity": {"cpu": cpu, "memory": "16Gi", "pods": "110"}}}


def deployment(name: str = "web", replicas: int = 2, cpu: str = "100m") -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{
                                      "name": "app", "image": "app:1",
                                      "resources": {"requests": {"cpu": cpu}}}]}}}}


def big_pod(name: str, cpu: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "app:1",
                                     "resources": {"requests": {"cpu": cpu}}}]}}


def test_one_tick_runs_controllers_then_scheduler_then_kubelet():
    c = Cluster.from_manifests([node("n1"), deployment()])
    c.step("1s")
    pods = c.list("pods")
    assert len(pods) == 2  # the Deployment made a ReplicaSet, which made its pods ...
    for pod in pods:
        assert pod.spec.nodeName == "n1"  # ... which the scheduler bound ...
        assert pod.status.startTime == "2026-01-01T00:00:01Z"  # ... and the kubelet admitted
    reasons = [e.to_dict()["reason"] for e in c.events(c.get("rs", pods[0].metadata
                                                             .ownerReferences[0]["name"]))]
    assert reasons == ["SuccessfulCreate", "SuccessfulCreate"]


def test_durations_and_ticks():
    c = Cluster.from_manifests([node("n1")])
    c.step("1m30s")
    assert c.time == 90.0
    c.run("2h")
    assert c.time == 7200.0
    c.step(2.5)
    assert c.time == 7202.5
    with pytest.raises(DurationError):
        c.step("soon")
    with pytest.raises(ValueError, match="must not be negative"):
        c.step("-1s")
    with pytest.raises(ValueError, match="positive"):
        c.configure_engine(tick=0)


def test_hooks_run_at_the_end_of_every_tick():
    c = Cluster.from_manifests([node("n1"), deployment()])
    c.configure_engine(tick="15s")
    seen = []
    c.engine.add_hook(lambda engine: seen.append((engine.state.time, len(c.list("pods")))))
    c.step("1m")
    assert seen == [(15.0, 2), (30.0, 2), (45.0, 2), (60.0, 2)]


def test_unschedulable_pods_wait_for_a_change_or_five_minutes():
    c = Cluster.from_manifests([node("n1", cpu="1"), big_pod("big", "2")])
    c.step("1m")
    attempts = c.state.tables["pods"]["scheduling_attempts"]
    row = c.state.find("pods", "big", "default")
    assert attempts[row] == 1   # nothing changed: not retried within the minute
    c.step("4m")
    assert attempts[row] == 1
    c.step("1s")
    assert attempts[row] == 2   # podMaxInUnschedulablePodsDuration (5 min) passed
    c.apply(node("n2", cpu="4"))
    c.step("2s")  # after its back-off of 2 s (second attempt)
    assert c.get("pod", "big").spec.nodeName == "n2"
    assert attempts[row] == 3


def test_a_deleted_pod_lets_a_waiting_pod_in():
    c = Cluster.from_manifests([node("n1", cpu="1"), big_pod("small", "600m")])
    c.step("5s")
    c.apply(big_pod("waiting", "600m"))
    c.step("5s")
    assert c.get("pod", "waiting").spec.nodeName is None
    c.delete("pod", "small")
    c.step("3s")  # terminated after 1 s; retried once its back-off passed
    assert c.get("pod", "waiting").spec.nodeName == "n1"


def test_garbage_collection_follows_owner_references():
    c = Cluster.from_manifests([node("n1"), deployment(replicas=3)])
    c.step("10s")
    assert len(c.list("rs")) == 1 and len(c.list("pods")) == 3
    c.delete("deployment", "web")
    c.step("1s")  # the ReplicaSet goes; its pods start terminating
    assert c.list("rs") == []
    assert all(p.metadata.deletionTimestamp for p in c.list("pods"))
    c.step("2s")
    assert c.list("pods") == []


def test_scale_and_a_replica_set_deleting_its_surplus():
    c = Cluster.from_manifests([node("n1"), deployment(replicas=4)])
    c.configure_engine(kubelet=EXACT)
    c.step("10s")
    c.scale("deployment", "web", 1)
    c.step("1s")
    live = [p for p in c.list("pods") if not p.metadata.deletionTimestamp]
    assert len(live) == 1
    # the ReplicaSet counts its pods before deleting (calculateStatus after manageReplicas
    # reads the pods it started with) and the Deployment reads that status a sync later
    c.step("2s")
    deployment_status = c.get("deploy", "web").status
    assert deployment_status.replicas == 1
    with pytest.raises(Exception, match="must be >= 0"):
        c.scale("deployment", "web", -1)


def test_same_seed_same_tables_different_seed_different_names():
    def run(seed):
        c = Cluster.from_manifests([node("n1"), node("n2"), deployment(replicas=5)], seed=seed)
        c.step("20s")
        c.set_image("deployment", "web", "app", "app:2")
        c.step("40s")
        return c

    first, second, other = run(1), run(1), run(2)
    assert first == second
    for name, table in first.tables().items():
        assert table.equals(second.tables()[name]), name
    names = lambda c: sorted(p.name for p in c.list("pods"))  # noqa: E731
    assert names(first) != names(other)


def test_pod_names_come_from_the_generate_name_alphabet():
    c = Cluster.from_manifests([node("n1"), deployment(replicas=20)])
    c.step("1s")
    for pod in c.list("pods"):
        rs = pod.metadata.ownerReferences[0]["name"]
        suffix = pod.name[len(rs) + 1:]
        assert pod.name.startswith(rs + "-") and len(suffix) == 5
        assert set(suffix) <= set("bcdfghjklmnpqrstvwxz2456789")
    hashes = {p.metadata.labels["pod-template-hash"] for p in c.list("pods")}
    assert len(hashes) == 1 and np.all([len(h) >= 6 for h in hashes])


def test_a_snapshot_taken_mid_run_goes_on_like_the_original(tmp_path):
    c = Cluster.from_manifests([node("n1"), deployment(replicas=3)])
    c.configure_engine(kubelet=EXACT)
    c.step("2s")  # pods bound, their starts queued (image pull + start: 4 s)
    c.snapshot(tmp_path / "mid")
    copy = Cluster.restore(tmp_path / "mid")
    assert copy == c and len(copy.engine.queue) == len(c.engine.queue) == 3
    c.step("10s")
    copy.step("10s")
    assert [p.status.phase for p in copy.list("pods")] == ["Running"] * 3
    assert copy == c


def test_a_snapshot_with_deleted_pods_and_pulls_under_way_goes_on_exactly(tmp_path):
    """Deleted rows (the queue and caches count rows), interned string codes (the seeded
    latencies read them) and the image cache (pulls under way) all survive a snapshot."""
    c = Cluster.from_manifests([node("n1"), node("n2"), deployment(replicas=4)])
    c.step("20s")
    c.set_image("deployment", "web", "app", "app:2")
    c.step("3s")  # a rolling update under way: old pods deleted, new ones pulling app:2
    pods = c.state.tables["pods"]
    assert not pods.alive.all() and len(c.engine.queue)
    c.snapshot(tmp_path / "mid")
    copy = Cluster.restore(tmp_path / "mid")
    assert len(copy.state.tables["pods"]) == len(pods)
    assert copy.state.strings.strings() == c.state.strings.strings()
    c.step("2m")
    copy.step("2m")
    assert copy == c
    for name, table in c.tables().items():
        assert table.equals(copy.tables()[name]), name


def test_set_usage_reaches_metrics_server_and_top():
    c = Cluster.from_manifests([node("n1"), deployment(replicas=2)])
    c.configure_engine(kubelet=EXACT)
    c.step("20s")
    assert c.set_usage("app=web", cpu="300m", memory="100Mi") == 2
    c.step("45s")  # two scrapes with the pinned usage give a rate
    table = c.top("pods")
    assert [(row["cpu"], row["memory"]) for row in table.rows] == [("300m", "100Mi")] * 2
    nodes = c.top("nodes").text.splitlines()[1].split()
    assert nodes[:2] == ["n1", "600m"]
    with pytest.raises(Exception, match="not found"):
        c.set_usage("nope", cpu="1")


def test_pods_of_a_deleted_node_are_collected_and_replaced():
    c = Cluster.from_manifests([node("n1"), node("n2"), deployment(replicas=4)])
    c.step("10s")
    on_n1 = [p.name for p in c.list("pods") if p.spec.nodeName == "n1"]
    assert on_n1
    c.delete("node", "n1")
    c.step("39s")
    assert all(c.state.find("pods", name, "default") >= 0 for name in on_n1)  # quarantine
    c.step("2s")  # the pod garbage collector deletes them; the ReplicaSet makes new ones
    assert all(c.state.find("pods", name, "default") < 0 for name in on_n1)
    c.step("5s")
    pods = c.list("pods")
    assert len(pods) == 4 and {p.spec.nodeName for p in pods} == {"n2"}


def test_bad_inputs_become_conditions_and_events_and_the_run_goes_on():
    missing_target = {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "orphan"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                    "name": "nowhere"},
                 "minReplicas": 1, "maxReplicas": 5,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                     "type": "Utilization", "averageUtilization": 50}}}]}}
    no_source = {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                    "name": "web"},
                 "minReplicas": 1, "maxReplicas": 5,
                 "metrics": [{"type": "Pods", "pods": {
                     "metric": {"name": "requests_per_second"},
                     "target": {"type": "AverageValue", "averageValue": "10"}}}]}}
    broken = deployment("broken", replicas=1)
    broken["spec"]["template"]["metadata"]["annotations"] = {"kbench.io/image-pull": "fail"}
    c = Cluster.from_manifests([node("n1"), deployment(replicas=2), broken, missing_target,
                                no_source])
    c.step("2m")
    reasons = lambda name: {e.to_dict()["reason"] for e in c.events(c.get("hpa", name))}  # noqa: E731
    assert "FailedGetScale" in reasons("orphan")
    assert "FailedGetPodsMetric" in reasons("web")
    active = {x["type"]: x for x in c.get("hpa", "web").status.conditions}["ScalingActive"]
    assert active["status"] == "False" and active["reason"] == "FailedGetPodsMetric"
    assert c.get("deploy", "web").spec.replicas == 2       # nothing to go on: left alone
    stuck = [p for p in c.list("pods") if p.name.startswith("broken-")]
    assert [p.status.phase for p in stuck] == ["Pending"]  # ImagePullBackOff
    assert c.time == 120.0


def hpa(name: str, metric: dict) -> dict:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                        "name": "web"},
                     "minReplicas": 1, "maxReplicas": 10, "metrics": [metric]}}


def test_pods_metric_requests_per_second_is_each_pods_share_of_the_load():
    c = Cluster.from_manifests([node("n1", cpu="16"), deployment(replicas=2),
                                hpa("web", {"type": "Pods", "pods": {
                                    "metric": {"name": "requests_per_second"},
                                    "target": {"type": "AverageValue", "averageValue": "10"}}})])
    c.configure_engine(kubelet=EXACT)
    c.step("30s")
    c.set_load("web", 60)   # 60 requests/s: at 10 per pod the HPA wants 6 pods
    c.step("2m")
    assert c.get("deploy", "web").spec.replicas == 6
    current = c.get("hpa", "web").status.currentMetrics[0]["pods"]["current"]
    assert current["averageValue"] == "10"


def test_external_metric_from_a_value_or_pattern():
    c = Cluster.from_manifests([node("n1", cpu="16"), deployment(replicas=1),
                                hpa("web", {"type": "External", "external": {
                                    "metric": {"name": "queue_depth",
                                               "selector": {"matchLabels": {"queue": "a"}}},
                                    "target": {"type": "AverageValue", "averageValue": "30"}}})])
    c.step("30s")
    assert c.get("deploy", "web").spec.replicas == 1
    reasons = {e.to_dict()["reason"] for e in c.events(c.get("hpa", "web"))}
    assert "FailedGetExternalMetric" in reasons
    c.set_external_metric("queue_depth", 120, labels={"queue": "a"})
    c.set_external_metric("queue_depth", 1000, labels={"queue": "b"})  # not selected
    c.step("1m")
    assert c.get("deploy", "web").spec.replicas == 4   # ceil(120 / 30)


def test_only_the_replicaset_controllers_deletions_are_its_successful_deletes():
    c = Cluster.from_manifests([node("n1"), node("n2"), deployment(replicas=4)])
    c.configure_engine(kubelet=EXACT)
    c.step("5s")
    rs = c.list("rs")[0]

    def deletes():
        return [e.to_dict()["message"] for e in c.events(rs)
                if e.to_dict()["reason"] == "SuccessfulDelete"]
    c.scale("deployment", "web", 3)
    c.step("2s")
    assert len(deletes()) == 1 and deletes()[0].startswith("Deleted pod: web-")
    # the pods of a node that is gone are PodGC's to delete, not the ReplicaSet's
    on_n1 = [p.metadata.name for p in c.list("pods") if p.spec.nodeName == "n1"]
    assert on_n1
    c.delete("node", "n1", None)
    c.step("2m")
    assert len(deletes()) == 1
    assert len(c.list("pods")) == 3   # replaced by the ReplicaSet
