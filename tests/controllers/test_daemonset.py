"""The DaemonSet controller (kubernetes pkg/controller/daemon), end to end through
kbench.Cluster; expected values of daemon_controller_test.go, update_test.go and
util/daemonset_util_test.go where they are pure decisions (each named in a comment)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from kbench import Cluster
from kbench.controllers.daemonset import (
    DEFAULT_TOLERATIONS,
    HOST_NETWORK_TOLERATION,
    Nodes,
    daemon_pod_tolerations,
    pin_to_node,
    should_run,
    target_node_name,
    update_counts,
)
from kbench.sim.kubelet import KubeletConfig
from kbench.state.schema import POD_PHASES

EXACT = KubeletConfig(container_start_sigma=0.0)
FAILED = POD_PHASES.index("Failed")


def node(name: str, labels: dict | None = None, taints: list | None = None,
         unschedulable: bool = False) -> dict:
    manifest = {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": name, "labels": labels or {}},
                "status": {"capacity": {"cpu": "8", "memory": "16Gi", "pods": "110"}}}
    spec = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    if spec:
        manifest["spec"] = spec
    return manifest


def taint(key: str, effect: str, value: str | None = None) -> dict:
    return {"key": key, "effect": effect, **({"value": value} if value else {})}


def daemonset(name: str = "agent", annotations: dict | None = None, strategy: dict | None = None,
              **pod_spec) -> dict:
    template = {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "agent:1",
                                         "resources": {"requests": {"cpu": "50m"}}}],
                         **pod_spec}}
    if annotations:
        template["metadata"]["annotations"] = annotations
    spec = {"selector": {"matchLabels": {"app": name}}, "template": template}
    if strategy:
        spec["updateStrategy"] = strategy
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name},
            "spec": spec}


def cluster(*manifests) -> Cluster:
    c = Cluster.from_manifests(list(manifests))
    c.configure_engine(kubelet=EXACT)
    return c


def placement(c: Cluster) -> dict[str, str]:
    """node -> pod name, of the live (not terminating) daemon pods, by target node."""
    result = {}
    for pod in c.list("pods"):
        if pod.metadata.deletionTimestamp:
            continue
        result[target_node_name(pod.to_dict()["spec"])] = pod.name
    return result


def status(c: Cluster, name: str = "agent") -> dict:
    return c.get("ds", name).to_dict()["status"]


def nodes(count: int) -> list[dict]:
    return [node(f"node-{i}") for i in range(count)]


# -- placement ----------------------------------------------------------------------------------

def test_one_pod_per_node_pinned_by_node_affinity():
    # TestSimpleDaemonSetLaunchesPods: one pod per node
    c = cluster(*nodes(5), daemonset())
    c.step("1s")
    assert sorted(placement(c)) == [f"node-{i}" for i in range(5)]
    for pod in c.list("pods"):
        spec = pod.to_dict()["spec"]
        assert pod.name.startswith("agent-") and len(pod.name) == len("agent-") + 5
        assert spec["affinity"]["nodeAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"] == [
            {"matchFields": [{"key": "metadata.name", "operator": "In",
                              "values": [spec["nodeName"]]}]}]
        assert pod.metadata.labels["controller-revision-hash"]
        assert pod.metadata.ownerReferences[0]["kind"] == "DaemonSet"
    c.step("10s")
    assert status(c) == {"currentNumberScheduled": 5, "desiredNumberScheduled": 5,
                         "numberMisscheduled": 0, "numberReady": 5, "numberAvailable": 5,
                         "updatedNumberScheduled": 5, "observedGeneration": 1}


def test_taints_and_default_tolerations():
    c = cluster(
        node("plain"),
        # TestTaintedNodeDaemonDoesNotLaunchIntolerantPod
        node("tainted", taints=[taint("dedicated", "NoSchedule", "gpu")]),
        node("evicting", taints=[taint("dedicated", "NoExecute", "gpu")]),
        node("soft", taints=[taint("dedicated", "PreferNoSchedule", "gpu")]),
        # TestNotReadyNodeDaemonLaunchesPod, TestUnreachableNodeDaemonLaunchesPod
        node("not-ready", taints=[taint("node.kubernetes.io/not-ready", "NoExecute")]),
        node("unreachable", taints=[taint("node.kubernetes.io/unreachable", "NoExecute")]),
        # TestTaintPressureNodeDaemonLaunchesPod
        node("pressure", taints=[taint("node.kubernetes.io/disk-pressure", "NoSchedule"),
                                 taint("node.kubernetes.io/memory-pressure", "NoSchedule"),
                                 taint("node.kubernetes.io/pid-pressure", "NoSchedule")]),
        # TestUnschedulableNodeDaemonDoesLaunchPod
        node("cordoned", unschedulable=True,
             taints=[taint("node.kubernetes.io/unschedulable", "NoSchedule")]),
        # TestNetworkUnavailableNodeDaemonLaunchesPod: only with hostNetwork
        node("no-network", taints=[taint("node.kubernetes.io/network-unavailable",
                                         "NoSchedule")]),
        daemonset())
    c.step("1s")
    assert sorted(placement(c)) == ["cordoned", "not-ready", "plain", "pressure", "soft",
                                    "unreachable"]
    assert all(p.spec.nodeName for p in c.list("pods"))   # the scheduler placed them all
    assert status(c)["desiredNumberScheduled"] == 6


def test_host_network_pods_tolerate_network_unavailable():
    # TestNetworkUnavailableNodeDaemonLaunchesPod
    c = cluster(node("no-network", taints=[taint("node.kubernetes.io/network-unavailable",
                                                 "NoSchedule")]),
                daemonset(hostNetwork=True))
    c.step("1s")
    assert list(placement(c)) == ["no-network"]


def test_tolerations_of_the_template_admit_tainted_nodes():
    # TestNodeDaemonLaunchesToleratePod
    toleration = {"key": "dedicated", "operator": "Equal", "value": "gpu",
                  "effect": "NoSchedule"}
    c = cluster(node("tainted", taints=[taint("dedicated", "NoSchedule", "gpu")]),
                daemonset(tolerations=[toleration]))
    c.step("1s")
    assert list(placement(c)) == ["tainted"]
    tolerations = c.list("pods")[0].to_dict()["spec"]["tolerations"]
    assert tolerations[0] == toleration and len(tolerations) == 1 + len(DEFAULT_TOLERATIONS)


def test_node_selector_and_node_affinity():
    # TestSelectorDaemonLaunchesPods, TestNodeAffinityDaemonLaunchesPods,
    # TestNameDaemonSetLaunchesPods
    labelled = [node("a", {"disk": "ssd"}), node("b", {"disk": "hdd"}), node("c")]
    c = cluster(*labelled, daemonset(nodeSelector={"disk": "ssd"}))
    c.step("1s")
    assert list(placement(c)) == ["a"]
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "disk", "operator": "In", "values": ["hdd", "ssd"]}]}]}}}
    c = cluster(*labelled, daemonset(affinity=affinity))
    c.step("1s")
    assert sorted(placement(c)) == ["a", "b"]
    # the pinning term replaces the template's required terms
    terms = c.list("pods")[0].to_dict()["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert len(terms) == 1 and "matchFields" in terms[0]
    c = cluster(*labelled, daemonset(nodeName="c"))
    c.step("1s")
    assert list(placement(c)) == ["c"]


def test_nodes_added_and_deleted():
    # TestNewNodeAddsDaemonPod (a node added gets a pod); a node deleted loses its pods
    c = cluster(*nodes(2), daemonset())
    c.step("5s")
    c.apply(node("node-2"))
    c.step("1s")
    assert sorted(placement(c)) == ["node-0", "node-1", "node-2"]
    assert c.get("pod", placement(c)["node-2"]).spec.nodeName == "node-2"
    c.delete("node", "node-0")
    c.step("1s")
    assert sorted(placement(c)) == ["node-1", "node-2"]
    assert len(c.list("pods")) == 2
    c.step("10s")
    assert status(c)["desiredNumberScheduled"] == 2 and status(c)["numberReady"] == 2


def test_pods_leave_nodes_no_longer_eligible():
    c = cluster(node("a", {"disk": "ssd"}), node("b", {"disk": "ssd"}),
                daemonset(nodeSelector={"disk": "ssd"}))
    c.step("5s")
    relabelled = node("b", {"disk": "hdd"})
    c.apply(relabelled)
    c.step("1s")
    assert list(placement(c)) == ["a"]
    # a NoSchedule taint added later does not evict (shouldContinueRunning), NoExecute does
    c.apply(node("a", {"disk": "ssd"}, taints=[taint("x", "NoSchedule")]))
    c.step("2s")
    assert list(placement(c)) == ["a"]
    s = status(c)
    assert s["desiredNumberScheduled"] == 0 and s["numberMisscheduled"] == 1
    c.apply(node("a", {"disk": "ssd"}, taints=[taint("x", "NoExecute")]))
    c.step("1s")
    assert placement(c) == {}


def test_a_failed_daemon_pod_is_deleted_and_recreated():
    # TestDaemonKillFailedPods: the failed pod is deleted, a new one created at the next sync
    c = cluster(*nodes(1), daemonset())
    c.step("10s")
    old = placement(c)["node-0"]
    c.state.set_pods_phase(np.array([c.state.find("pods", old, "default")]), FAILED)
    c.step("1s")
    assert placement(c) == {}
    events = [e.to_dict() for e in c.events(c.get("ds", "agent"))]
    assert any(e["reason"] == "FailedDaemonPod" and e["type"] == "Warning" for e in events)
    c.step("1s")
    assert placement(c)["node-0"] != old


# -- updates (update_test.go) --------------------------------------------------------------------

def _waves(c: Cluster, seconds: int) -> tuple[list[int], list[int]]:
    """Pods newly terminating and newly created, per tick that had any."""
    deleted, created = [], []
    seen_terminating = set()
    seen = {p.metadata.uid for p in c.list("pods")}
    for _ in range(seconds):
        c.step("1s")
        pods = c.list("pods")
        down = {p.metadata.uid for p in pods if p.metadata.deletionTimestamp} - seen_terminating
        new = {p.metadata.uid for p in pods} - seen
        if down:
            deleted.append(len(down))
        if new:
            created.append(len(new))
        seen_terminating |= down
        seen |= new
    return deleted, created


def _update(c: Cluster, manifest: dict, image: str = "agent:2", annotations=None,
            strategy=None) -> None:
    manifest = copy.deepcopy(manifest)
    template = manifest["spec"]["template"]
    template["spec"]["containers"][0]["image"] = image
    if annotations is not None:
        template["metadata"]["annotations"] = annotations
    if strategy is not None:
        manifest["spec"]["updateStrategy"] = strategy
    c.apply(manifest)


def test_rolling_update_with_max_unavailable():
    # TestDaemonSetUpdatesPods: 5 nodes, maxUnavailable 2: delete 2, create 2, (ready) delete 2,
    # create 2, (ready) delete 1, create 1
    manifest = daemonset(strategy={"type": "RollingUpdate",
                                   "rollingUpdate": {"maxUnavailable": 2}})
    c = cluster(*nodes(5), manifest)
    c.step("10s")
    _update(c, manifest)
    deleted, created = _waves(c, 60)
    assert deleted == [2, 2, 1] and created == [2, 2, 1]
    s = status(c)
    assert s["updatedNumberScheduled"] == 5 and s["numberAvailable"] == 5


def test_rolling_update_stops_at_max_unavailable_unready_new_pods():
    # TestDaemonSetUpdatesWhenNewPosIsNotReady: maxUnavailable 3, new pods never ready
    manifest = daemonset(strategy={"type": "RollingUpdate",
                                   "rollingUpdate": {"maxUnavailable": 3}})
    c = cluster(*nodes(5), manifest)
    c.step("10s")
    _update(c, manifest, annotations={"kbench.io/ready-after": "never"})
    deleted, created = _waves(c, 60)
    assert deleted == [3] and created == [3]
    assert status(c)["updatedNumberScheduled"] == 3


def test_rolling_update_replaces_all_unavailable_old_pods_at_once():
    # TestDaemonSetUpdatesAllOldPodsNotReady: old pods not available are all replaced
    manifest = daemonset(annotations={"kbench.io/ready-after": "never"},
                         strategy={"type": "RollingUpdate",
                                   "rollingUpdate": {"maxUnavailable": 3}})
    c = cluster(*nodes(5), manifest)
    c.step("10s")
    _update(c, manifest)
    deleted, created = _waves(c, 20)
    assert deleted == [5] and created == [5]


def test_no_template_change_no_update():
    # TestDaemonSetUpdatesNoTemplateChanged
    manifest = daemonset()
    c = cluster(*nodes(5), manifest)
    c.step("10s")
    changed = copy.deepcopy(manifest)
    changed["spec"]["updateStrategy"] = {"type": "RollingUpdate",
                                         "rollingUpdate": {"maxUnavailable": 3}}
    c.apply(changed)
    assert _waves(c, 10) == ([], [])


def test_rolling_update_with_max_surge():
    # TestDaemonSetUpdatesPodsWithMaxSurge: 5 nodes, maxSurge 2: create 2; (ready) create 2,
    # delete 2; (ready) create 1, delete 2; (ready) delete 1
    manifest = daemonset(strategy={"type": "RollingUpdate",
                                   "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 2}})
    c = cluster(*nodes(5), manifest)
    c.step("10s")
    _update(c, manifest)
    deleted, created = _waves(c, 60)
    assert created == [2, 2, 1] and deleted == [2, 2, 1]
    assert len(c.list("pods")) == 5 and status(c)["updatedNumberScheduled"] == 5


def test_on_delete_replaces_only_deleted_pods():
    manifest = daemonset(strategy={"type": "OnDelete"})
    c = cluster(*nodes(2), manifest)
    c.step("10s")
    _update(c, manifest)
    assert _waves(c, 10) == ([], [])
    assert "updatedNumberScheduled" not in status(c)
    c.delete("pod", placement(c)["node-0"])
    c.step("10s")
    assert status(c)["updatedNumberScheduled"] == 1


# -- pure helpers (util/daemonset_util_test.go, daemon_controller_test.go) -------------------------

def test_replace_daemon_set_pod_node_name_node_affinity():
    # TestReplaceDaemonSetPodNodeNameNodeAffinity
    pinned = {"nodeSelectorTerms": [{"matchFields": [
        {"key": "metadata.name", "operator": "In", "values": ["host_1"]}]}]}
    assert pin_to_node(None, "host_1") == {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": pinned}}
    preferred = [{"weight": 100, "preference": {"matchExpressions": [
        {"key": "kubernetes.io/hostname", "operator": "In", "values": ["host_1"]}]}}]
    affinity = {"nodeAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": preferred,
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "hostname", "operator": "In",
                                   "values": ["host_1", "host_2"]}]}]}}}
    assert pin_to_node(affinity, "host_1") == {"nodeAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": preferred,
        "requiredDuringSchedulingIgnoredDuringExecution": pinned}}
    assert affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] != pinned


def test_get_target_node_name():
    # TestGetTargetNodeName
    assert target_node_name({"nodeName": "node-1"}) == "node-1"
    assert target_node_name({"affinity": pin_to_node(None, "node-1")}) == "node-1"
    two = {"nodeSelectorTerms": [{"matchFields": [
        {"key": "metadata.name", "operator": "In", "values": ["node-1", "node-2"]}]}]}
    assert target_node_name({"affinity": {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": two}}}) is None
    assert target_node_name({}) is None


def test_default_tolerations_are_added_once():
    # AddOrUpdateDaemonPodTolerations: unique by key, operator, value, effect
    spec = {"tolerations": [dict(DEFAULT_TOLERATIONS[0])]}
    assert daemon_pod_tolerations(spec) == list(DEFAULT_TOLERATIONS)
    assert daemon_pod_tolerations({"hostNetwork": True})[-1] == HOST_NETWORK_TOLERATION


def test_node_should_run_daemon_pod():
    # TestNodeShouldRunDaemonPod: (shouldRun, shouldContinueRunning)
    c = Cluster.from_manifests([
        node("fits"),
        node("no-schedule", taints=[taint("dedicated", "NoSchedule")]),
        node("no-execute", taints=[taint("dedicated", "NoExecute")]),
        node("labelled", {"type": "production"})])
    view = Nodes(c.state)
    run, keep = should_run(view, {})
    assert run.tolist() == [True, False, False, True]
    assert keep.tolist() == [True, True, False, True]
    run, keep = should_run(view, {"nodeSelector": {"type": "production"}})
    assert run.tolist() == [False, False, False, True] and keep.tolist() == run.tolist()
    run, _ = should_run(view, {"nodeName": "no-schedule", "tolerations": [
        {"key": "dedicated", "operator": "Exists"}]})
    assert run.tolist() == [False, True, False, False]


def test_surplus_pods_on_a_node_keep_only_the_oldest():
    # TestDealsWithExistingPods / podsShouldBeOnNode: more than one running daemon pod on a
    # node (without surge): all but the oldest are deleted
    c = cluster(*nodes(1), daemonset())
    c.step("5s")
    oldest = placement(c)["node-0"]
    owner = c.get("pod", oldest).metadata.ownerReferences[0]
    extra = {"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": "agent-extra", "labels": {"app": "agent"},
                          "ownerReferences": [owner]},
             "spec": {"nodeName": "node-0",
                      "containers": [{"name": "app", "image": "agent:1"}]}}
    c.apply(extra)
    c.step("1s")
    assert placement(c) == {"node-0": oldest}
    assert c.get("pod", "agent-extra").metadata.deletionTimestamp


def _strategy(max_unavailable=None, max_surge=None) -> dict:
    rolling = {}
    if max_unavailable is not None:
        rolling["maxUnavailable"] = max_unavailable
    if max_surge is not None:
        rolling["maxSurge"] = max_surge
    return {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": rolling}}


@pytest.mark.parametrize("case, body, desired, expected", [
    # TestGetUnavailableNumbers: (maxSurge, maxUnavailable); percentages round up
    ("No nodes", _strategy(0), 0, (0, 0)),
    ("Two nodes with ready pods", _strategy(1), 2, (0, 1)),
    ("Two nodes, one node without pods", _strategy(0), 2, (0, 1)),
    ("Two nodes, one node without pods, surge", _strategy(0, 0), 2, (0, 1)),
    ("Two nodes with pods, MaxUnavailable in percents", _strategy("50%"), 2, (0, 1)),
    ("Two nodes with pods, MaxUnavailable in percents, surge", _strategy(0, "50%"), 2, (1, 0)),
    ("Two nodes with pods, MaxUnavailable is 100%, surge", _strategy(0, "100%"), 2, (2, 0)),
    ("Two nodes with pods, MaxUnavailable in percents, pod terminating", _strategy("50%"), 3,
     (0, 2)),
])
def test_get_unavailable_numbers(case, body, desired, expected):
    assert update_counts(body, desired) == expected
