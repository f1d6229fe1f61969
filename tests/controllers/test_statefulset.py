"""The StatefulSet controller (kubernetes pkg/controller/statefulset), end to end through
kbench.Cluster, plus the pure decisions ported from stateful_set_utils_test.go and
stateful_set_control_test.go."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from kbench import Cluster
from kbench.controllers.statefulset import (
    POD_INDEX_LABEL,
    POD_NAME_LABEL,
    REVISION_LABEL,
    SetSync,
    StatefulPod,
    claims_for,
    parent_and_ordinal,
    pod_manifest,
    revision_name,
)
from kbench.sim.kubelet import KubeletConfig
from kbench.state.schema import POD_PHASES

EXACT = KubeletConfig(container_start_sigma=0.0)
RUNNING, FAILED = POD_PHASES.index("Running"), POD_PHASES.index("Failed")


def node(name: str, cpu: str = "16") -> dict:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"capacity": {"cpu": cpu, "memory": "64Gi", "pods": "110"}}}


STORAGE_CLASS = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                 "metadata": {"name": "standard"}, "provisioner": "example.com/csi",
                 "volumeBindingMode": "WaitForFirstConsumer"}


def statefulset(name: str = "web", replicas: int = 3, policy: str | None = None,
                claims: bool = False, annotations: dict | None = None, **spec) -> dict:
    template = {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "app:1",
                                         "resources": {"requests": {"cpu": "100m"}}}]}}
    if annotations:
        template["metadata"]["annotations"] = annotations
    body = {"replicas": replicas, "serviceName": "nginx",
            "selector": {"matchLabels": {"app": name}}, "template": template, **spec}
    if policy:
        body["podManagementPolicy"] = policy
    if claims:
        body["volumeClaimTemplates"] = [{
            "metadata": {"name": "www", "labels": {"tier": "data", "app": "other"}},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                     "resources": {"requests": {"storage": "1Gi"}}}}]
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
            "spec": body}


def cluster(*manifests, nodes: int = 1) -> Cluster:
    c = Cluster.from_manifests([node(f"n{i}") for i in range(1, nodes + 1)]
                               + [STORAGE_CLASS, *manifests])
    c.configure_engine(kubelet=EXACT)
    return c


def live_pods(c: Cluster) -> list[str]:
    return sorted(p.name for p in c.list("pods") if not p.metadata.deletionTimestamp)


def terminating(c: Cluster) -> list[str]:
    return sorted(p.name for p in c.list("pods") if p.metadata.deletionTimestamp)


def column(c: Cluster, pod: str, name: str) -> float:
    return float(c.state.tables["pods"][name][c.state.find("pods", pod, "default")])


def revision_of(c: Cluster, pod: str) -> str:
    return c.get("pod", pod).metadata.labels[REVISION_LABEL]


def status(c: Cluster, name: str = "web") -> dict:
    return c.get("sts", name).to_dict()["status"]


# -- OrderedReady and Parallel ----------------------------------------------------------------

def test_ordered_ready_creates_each_ordinal_after_the_previous_is_ready():
    c = cluster(statefulset(replicas=3))
    created = {}
    for _ in range(30):
        c.step("1s")
        for pod in live_pods(c):
            created.setdefault(pod, c.time)
    assert sorted(created) == ["web-0", "web-1", "web-2"]
    for lower, higher in (("web-0", "web-1"), ("web-1", "web-2")):
        ready = column(c, lower, "ready_time")
        # the controller sees the pod Ready at the first tick at or after its Ready time
        assert created[higher] == math.ceil(ready)
        assert column(c, higher, "creation_time") == created[higher]
    assert created["web-0"] == 1.0
    assert status(c) == {
        "availableReplicas": 3, "currentReplicas": 3, "readyReplicas": 3, "replicas": 3,
        "updatedReplicas": 3, "observedGeneration": 1,
        "currentRevision": status(c)["updateRevision"],
        "updateRevision": status(c)["currentRevision"]}


def test_pods_have_the_stateful_identity():
    c = cluster(statefulset(replicas=2, policy="Parallel"))
    c.step("1s")
    pod = c.get("pod", "web-1").to_dict()
    revision = status(c)["updateRevision"]
    assert pod["metadata"]["labels"] == {"app": "web", POD_NAME_LABEL: "web-1",
                                         POD_INDEX_LABEL: "1", REVISION_LABEL: revision}
    assert pod["spec"]["hostname"] == "web-1" and pod["spec"]["subdomain"] == "nginx"
    assert pod["metadata"]["ownerReferences"][0]["kind"] == "StatefulSet"
    assert revision.startswith("web-") and revision == revision_name(
        "web", c.state.strings.document(int(c.state.tables["statefulsets"]["template"][
            c.state.find("statefulsets", "web", "default")])))


def test_parallel_creates_all_at_once():
    c = cluster(statefulset(replicas=4, policy="Parallel"))
    c.step("1s")
    assert live_pods(c) == ["web-0", "web-1", "web-2", "web-3"]


def test_a_never_ready_pod_blocks_ordered_ready():
    c = cluster(statefulset(replicas=3, annotations={"kbench.io/ready-after": "never"}))
    c.step("1m")
    assert live_pods(c) == ["web-0"]
    assert c.get("pod", "web-0").status.phase == "Running"
    s = status(c)
    assert s["replicas"] == 1 and "readyReplicas" not in s  # omitted when 0
    # Parallel is not blocked
    c = cluster(statefulset(replicas=3, policy="Parallel",
                            annotations={"kbench.io/ready-after": "never"}))
    c.step("1s")
    assert live_pods(c) == ["web-0", "web-1", "web-2"]


def test_start_ordinal():
    c = cluster(statefulset(replicas=2, policy="Parallel", ordinals={"start": 5}))
    c.step("1s")
    assert live_pods(c) == ["web-5", "web-6"]
    assert c.get("pod", "web-6").metadata.labels[POD_INDEX_LABEL] == "6"


# -- scale down ---------------------------------------------------------------------------------

def test_scale_down_from_the_highest_ordinal_one_at_a_time():
    # stateful_set_control_test.go ScalesDown: web-2 goes first, web-1 only once web-2 is gone
    c = cluster(statefulset(replicas=3))
    c.step("30s")
    c.scale("sts", "web", 1)
    c.step("1s")
    assert terminating(c) == ["web-2"] and live_pods(c) == ["web-0", "web-1"]
    seen = []
    for _ in range(5):
        c.step("1s")
        seen.append((tuple(live_pods(c)), tuple(terminating(c))))
    # web-2 is gone after its 1 s shutdown; the same tick's sync condemns web-1
    assert seen[0] == (("web-0",), ("web-1",))
    assert all(len(down) <= 1 for _, down in seen)         # never two at once
    c.step("5s")
    assert live_pods(c) == ["web-0"] and terminating(c) == []
    assert status(c)["replicas"] == 1


def test_parallel_scale_down_deletes_all_surplus_at_once():
    c = cluster(statefulset(replicas=4, policy="Parallel"))
    c.step("20s")
    c.scale("sts", "web", 1)
    c.step("1s")
    assert terminating(c) == ["web-1", "web-2", "web-3"]


def test_scale_down_waits_for_unhealthy_lower_ordinals():
    # processCondemned: in OrderedReady, a condemned pod that is not the first unhealthy one
    # waits while a lower ordinal is unhealthy
    c = cluster(statefulset(replicas=3))
    c.step("30s")
    pods = c.state.tables["pods"]
    pods["ready"][c.state.find("pods", "web-0", "default")] = False
    c.scale("sts", "web", 2)
    c.step("1s")
    assert terminating(c) == []


# -- claims -------------------------------------------------------------------------------------

def test_one_claim_per_ordinal_created_before_its_pod():
    c = cluster(statefulset(replicas=2, claims=True))
    c.step("1s")
    assert [p.name for p in c.list("pvc")] == ["www-web-0"]
    claim = c.get("pvc", "www-web-0").to_dict()
    # getPersistentVolumeClaims: the template's labels, the selector's matchLabels winning
    assert claim["metadata"]["labels"] == {"tier": "data", "app": "web"}
    assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert "ownerReferences" not in claim["metadata"]  # whenDeleted / whenScaled: Retain
    volumes = c.get("pod", "web-0").to_dict()["spec"]["volumes"]
    assert {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-0"}} in volumes
    c.step("30s")
    assert sorted(p.name for p in c.list("pvc")) == ["www-web-0", "www-web-1"]
    assert c.get("pod", "web-1").spec.nodeName == "n1"
    events = [e.to_dict()["message"] for e in c.events(c.get("sts", "web"))]
    assert "create Claim www-web-1 Pod web-1 in StatefulSet web success" in events


def test_claims_are_retained_on_scale_down_and_reused():
    c = cluster(statefulset(replicas=2, policy="Parallel", claims=True))
    c.step("10s")
    c.scale("sts", "web", 1)
    c.step("10s")
    assert live_pods(c) == ["web-0"]
    assert sorted(p.name for p in c.list("pvc")) == ["www-web-0", "www-web-1"]
    uid = c.get("pvc", "www-web-1").metadata.uid
    c.scale("sts", "web", 2)
    c.step("10s")
    assert c.get("pvc", "www-web-1").metadata.uid == uid


def test_when_scaled_delete_removes_the_claims_of_removed_ordinals():
    c = cluster(statefulset(replicas=2, policy="Parallel", claims=True,
                            persistentVolumeClaimRetentionPolicy={"whenScaled": "Delete"}))
    c.step("10s")
    c.scale("sts", "web", 1)
    c.step("10s")
    assert [p.name for p in c.list("pvc")] == ["www-web-0"]


# -- failed pods --------------------------------------------------------------------------------

def test_a_failed_pod_is_deleted_and_recreated():
    c = cluster(statefulset(replicas=2))
    c.step("20s")
    row = c.state.find("pods", "web-1", "default")
    uid = c.get("pod", "web-1").metadata.uid
    c.state.set_pods_phase(np.array([row]), FAILED)
    c.state.tables["pods"]["ready"][row] = False
    c.step("1s")   # deleted (a Failed pod goes at once)
    assert live_pods(c) == ["web-0"]
    c.step("1s")   # recreated at the next sync
    assert live_pods(c) == ["web-0", "web-1"]
    assert c.get("pod", "web-1").metadata.uid != uid


# -- updates ------------------------------------------------------------------------------------

def test_rolling_update_from_the_highest_ordinal_one_at_a_time():
    c = cluster(statefulset(replicas=3))
    c.step("30s")
    old = status(c)["currentRevision"]
    c.set_image("sts", "web", "app", "app:2")
    new = revision_name("web", c.state.strings.document(int(c.state.tables["statefulsets"][
        "template"][c.state.find("statefulsets", "web", "default")])))
    order = []
    for _ in range(60):
        c.step("1s")
        for pod in terminating(c):
            if pod not in order:
                order.append(pod)
        both_down = sum(1 for p in c.list("pods")
                        if p.metadata.deletionTimestamp or not any(
                            x["type"] == "Ready" and x["status"] == "True"
                            for x in p.status.conditions))
        assert both_down <= 1   # one pod out of service at a time
    assert order == ["web-2", "web-1", "web-0"]
    assert {revision_of(c, p) for p in live_pods(c)} == {new}
    s = status(c)
    assert s["currentRevision"] == s["updateRevision"] == new != old
    assert s["updatedReplicas"] == s["currentReplicas"] == 3
    assert s["observedGeneration"] == 2


def _apply_partition(c: Cluster, manifest: dict, partition: int) -> None:
    manifest = copy.deepcopy(manifest)
    manifest["spec"]["updateStrategy"] = {"type": "RollingUpdate",
                                          "rollingUpdate": {"partition": partition}}
    c.apply(manifest)


def test_rolling_update_with_partition():
    # TestStatefulSetControlRollingUpdateWithPartition: ordinals >= partition are updated,
    # those below keep the current revision (also when recreated)
    manifest = statefulset(replicas=4)
    manifest["spec"]["updateStrategy"] = {"type": "RollingUpdate",
                                          "rollingUpdate": {"partition": 2}}
    c = cluster(manifest)
    c.step("40s")
    old = status(c)["currentRevision"]
    updated = copy.deepcopy(manifest)
    updated["spec"]["template"]["spec"]["containers"][0]["image"] = "app:2"
    c.apply(updated)
    c.step("40s")
    new = status(c)["updateRevision"]
    assert new != old
    assert {p: revision_of(c, p) for p in live_pods(c)} == {
        "web-0": old, "web-1": old, "web-2": new, "web-3": new}
    s = status(c)
    assert (s["currentRevision"], s["currentReplicas"], s["updatedReplicas"]) == (old, 2, 2)
    # a pod below the partition is recreated at the current revision
    c.delete("pod", "web-0")
    c.step("20s")
    assert revision_of(c, "web-0") == old
    assert c.get("pod", "web-0").spec.containers[0]["image"] == "app:1"
    assert c.get("pod", "web-0").spec.hostname == "web-0"
    # partition 0 finishes the rollout
    _apply_partition(c, updated, 0)
    c.step("40s")
    assert {revision_of(c, p) for p in live_pods(c)} == {new}
    s = status(c)
    assert s["currentRevision"] == new and s["currentReplicas"] == 4


def test_without_a_pod_of_the_current_revision_its_replacement_takes_the_update_revision():
    # kbench keeps no ControllerRevisions: once no pod of the current revision is left, a pod
    # below the partition is made from the update revision (getStatefulSetRevisions' fallback
    # when the current revision is gone)
    manifest = statefulset(replicas=3)
    manifest["spec"]["updateStrategy"] = {"type": "RollingUpdate",
                                          "rollingUpdate": {"partition": 2}}
    c = cluster(manifest)
    c.step("30s")
    old = status(c)["currentRevision"]
    c.set_image("sts", "web", "app", "app:2")
    c.step("20s")
    new = status(c)["updateRevision"]
    assert [revision_of(c, p) for p in live_pods(c)] == [old, old, new]
    c.delete("pod", "web-0")
    c.delete("pod", "web-1")
    c.step("30s")
    assert [revision_of(c, p) for p in live_pods(c)] == [new, new, new]
    assert status(c)["currentRevision"] == new   # completeRollingUpdate


def test_on_delete_updates_only_deleted_pods():
    manifest = statefulset(replicas=2)
    manifest["spec"]["updateStrategy"] = {"type": "OnDelete"}
    c = cluster(manifest)
    c.step("20s")
    old = status(c)["currentRevision"]
    c.set_image("sts", "web", "app", "app:2")
    c.step("20s")
    assert terminating(c) == [] and {revision_of(c, p) for p in live_pods(c)} == {old}
    new = status(c)["updateRevision"]
    assert "updatedReplicas" not in status(c)   # 0, omitted
    c.delete("pod", "web-1")
    c.step("10s")
    assert revision_of(c, "web-1") == new and revision_of(c, "web-0") == old
    assert status(c)["updatedReplicas"] == 1 and status(c)["currentReplicas"] == 1


def test_available_replicas_wait_for_min_ready_seconds():
    c = cluster(statefulset(replicas=1, minReadySeconds=10))
    c.step("8s")
    ready_at = column(c, "web-0", "ready_time")
    assert status(c)["readyReplicas"] == 1 and "availableReplicas" not in status(c)
    c.run(math.floor(ready_at) + 11)
    assert status(c)["availableReplicas"] == 1


def test_ordered_ready_waits_for_min_ready_seconds():
    # processReplica: in OrderedReady the next ordinal waits until the previous is available
    c = cluster(statefulset(replicas=2, minReadySeconds=10))
    c.step("40s")
    ready_at = column(c, "web-0", "ready_time")
    created = column(c, "web-1", "creation_time")
    # IsPodAvailable: floor(ready time) + minReadySeconds < now
    assert created == math.floor(ready_at) + 11


def test_deleting_the_statefulset_deletes_its_pods_not_its_claims():
    c = cluster(statefulset(replicas=2, policy="Parallel", claims=True))
    c.step("10s")
    c.delete("sts", "web")
    c.step("5s")
    assert c.list("pods") == []
    assert len(c.list("pvc")) == 2


# -- pure decisions (stateful_set_utils_test.go, stateful_set_control_test.go) ------------------

@pytest.mark.parametrize("name, expected", [
    # TestGetParentNameAndOrdinal
    ("foo-1", ("foo", 1)),
    ("foo-bar-12", ("foo-bar", 12)),
    ("1-bar", ("", -1)),
    ("foo", ("", -1)),
    ("foo-99999999999", ("foo", -1)),   # does not fit an int32
])
def test_parent_and_ordinal(name, expected):
    assert parent_and_ordinal(name) == expected


def test_persistent_volume_claims_labels():
    # TestGetPersistentVolumeClaims: nil matchLabels keep the template's labels (none here);
    # matchLabels are merged into the template's, the StatefulSet's value winning
    spec = {"selector": {}, "volumeClaimTemplates": [
        {"metadata": {"name": "datadir"}, "spec": {"resources": {"requests": {"storage": "1"}}}}]}
    claim = claims_for(spec, "foo", "default", 0)[0]
    assert claim["metadata"] == {"name": "datadir-foo-0", "namespace": "default"}
    spec["selector"] = {"matchLabels": {"test": "test"}}
    assert claims_for(spec, "foo", "default", 0)[0]["metadata"]["labels"] == {"test": "test"}
    spec["selector"] = {"matchLabels": {"name": "foo"}}
    spec["volumeClaimTemplates"][0]["metadata"]["labels"] = {"test": "test"}
    assert claims_for(spec, "foo", "default", 0)[0]["metadata"]["labels"] == {
        "test": "test", "name": "foo"}
    spec["selector"] = {"matchLabels": {"test": "foo"}}
    assert claims_for(spec, "foo", "default", 0)[0]["metadata"]["labels"] == {"test": "foo"}


def test_update_identity_and_storage():
    # TestUpdateIdentity / TestUpdateStorage: hostname, subdomain, the claim volume replacing
    # a template volume of the same name, other volumes kept
    spec = {"serviceName": "governingsvc", "selector": {"matchLabels": {"foo": "bar"}},
            "volumeClaimTemplates": [{"metadata": {"name": "datadir"}, "spec": {}}]}
    template = {"metadata": {"labels": {"foo": "bar"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx"}],
                         "volumes": [{"name": "datadir", "hostPath": {"path": "/x"}},
                                     {"name": "home", "hostPath": {"path": "/tmp/home"}}]}}
    pod = pod_manifest(spec, template, "foo", "default", 1, "foo-abc", {"uid": "u"})
    assert pod["metadata"]["name"] == "foo-1"
    assert pod["spec"]["hostname"] == "foo-1" and pod["spec"]["subdomain"] == "governingsvc"
    assert pod["spec"]["volumes"] == [
        {"name": "datadir", "persistentVolumeClaim": {"claimName": "datadir-foo-1"}},
        {"name": "home", "hostPath": {"path": "/tmp/home"}}]
    assert template["spec"]["volumes"][0]["name"] == "datadir"  # the template is not changed


def _pods(*states):
    """(ordinal, phase, ready, revision, terminating) -> StatefulPods of set "foo"."""
    return [StatefulPod(i, f"foo-{o}", o, rev, phase=POD_PHASES.index(phase), ready=ready,
                        available=ready, terminating=term)
            for i, (o, phase, ready, rev, term) in enumerate(states)]


def _sync(replicas, pods, policy="OrderedReady", strategy=None, current="r1", update="r1"):
    spec = {"podManagementPolicy": policy,
            "updateStrategy": strategy or {"type": "RollingUpdate",
                                           "rollingUpdate": {"partition": 0}}}
    sync = SetSync("foo", spec, replicas, current, update, pods)
    sync.run()
    return sync


def test_decisions_scale_up_and_down():
    # ScalesUp (OrderedReady): one creation per sync, only when every lower ordinal is ready
    sync = _sync(3, _pods((0, "Running", True, "r1", False)))
    assert sync.create == [1] and sync.delete == []
    sync = _sync(3, _pods((0, "Running", False, "r1", False)))
    assert sync.create == [] and sync.delete == []
    assert _sync(3, [], policy="Parallel").create == [0, 1, 2]
    # ScalesDown: the highest ordinal first, one per sync
    healthy = _pods(*[(o, "Running", True, "r1", False) for o in range(4)])
    assert [p.name for p in _sync(1, healthy).delete] == ["foo-3"]
    assert [p.name for p in _sync(1, healthy, policy="Parallel").delete] == [
        "foo-3", "foo-2", "foo-1"]
    # the first unhealthy condemned pod may go even though it is unhealthy
    pods = _pods((0, "Running", True, "r1", False), (1, "Running", False, "r1", False))
    assert [p.name for p in _sync(1, pods).delete] == ["foo-1"]


def test_decisions_rolling_update_waits_for_the_replaced_pod():
    pods = _pods(*[(o, "Running", True, "r1", False) for o in range(3)])
    sync = _sync(3, pods, update="r2")
    assert [p.name for p in sync.delete] == ["foo-2"]
    assert sync.status["currentReplicas"] == 2   # status.CurrentReplicas-- on the deletion
    pods = _pods((0, "Running", True, "r1", False), (1, "Running", True, "r1", False),
                 (2, "Running", False, "r2", False))
    assert _sync(3, pods, update="r2").delete == []
    # partition 2 of 3: only the highest ordinal is replaced
    pods = _pods((0, "Running", True, "r1", False), (1, "Running", True, "r1", False),
                 (2, "Running", True, "r2", False))
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}
    assert _sync(3, pods, strategy=strategy, update="r2").delete == []
    assert _sync(3, pods, strategy={"type": "OnDelete"}, update="r2").delete == []
    final = _sync(3, _pods(*[(o, "Running", True, "r2", False) for o in range(3)]),
                  update="r2").final_status(3)
    assert final["currentRevision"] == "r2" and final["currentReplicas"] == 3


def test_decisions_failed_pod_is_deleted_first():
    # RecreatesFailedPod: the failed pod is deleted; its replacement comes at the next sync
    pods = _pods((0, "Failed", False, "r1", False), (1, "Running", True, "r1", False))
    sync = _sync(2, pods)
    assert [p.name for p in sync.delete] == ["foo-0"] and sync.create == []
