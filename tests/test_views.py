"""Tests for kbench.views: kubectl get cells and tables, HumanDuration, and describe.

Expected values are ported from Kubernetes' Go tests, named in each block:
  pkg/printers/internalversion/printers_test.go
  staging/src/k8s.io/apimachinery/pkg/util/duration/duration_test.go
Integers the Go tests expect as int64 cells are the strings kubectl prints for them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from kbench.views import COLUMNS, WIDE_COLUMNS, _tabwrite, describe, human_duration, render_table, row

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def ts(delta: float = 0) -> str:
    """An RFC 3339 timestamp `delta` seconds after NOW (negative: in the past)."""
    return (NOW + timedelta(seconds=delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


JUST_CREATED = ts(1.9)  # Go tests: time.Now().Add(1.9e9) prints as "0s"


def obj(kind: str, name: str, spec=None, status=None, api_version: str = "v1", **meta) -> dict:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, **meta},
            "spec": spec or {}, "status": status or {}}


def pod(name, containers=1, init=0, status=None, spec=None, **meta):
    spec = {"containers": [{"name": f"c{i}"} for i in range(containers)], **(spec or {})}
    if init:
        spec["initContainers"] = [{"name": f"i{i}"} for i in range(init)]
    return obj("Pod", name, spec, status, **meta)


RUNNING = {"running": {}}
FINISHED_10S_AGO = {"terminated": {"finishedAt": ts(-10)}}


# ---------------------------------------------------------------------------
# duration.HumanDuration
# ---------------------------------------------------------------------------

MINUTE, HOUR, DAY = 60, 3600, 86400


@pytest.mark.parametrize("seconds, want", [
    # TestHumanDuration
    (1, "1s"), (70, "70s"), (190, "3m10s"), (70 * MINUTE, "70m"), (47 * HOUR, "47h"), (49 * HOUR, "2d1h"),
    ((8 * 24 + 2) * HOUR, "8d"), (367 * DAY, "367d"), ((365 * 2 * 24 + 25) * HOUR, "2y1d"),
    ((365 * 8 * 24 + 2) * HOUR, "8y"),
    # TestHumanDurationBoundaries
    (-2, "<invalid>"), (-2 + 1e-9, "0s"), (0, "0s"), (1 - 0.001, "0s"), (2 * MINUTE - 0.001, "119s"),
    (2 * MINUTE, "2m"), (2 * MINUTE + 1, "2m1s"), (10 * MINUTE - 0.001, "9m59s"), (10 * MINUTE, "10m"),
    (10 * MINUTE + 1, "10m"), (3 * HOUR - 0.001, "179m"), (3 * HOUR, "3h"), (3 * HOUR + MINUTE, "3h1m"),
    (8 * HOUR - 0.001, "7h59m"), (8 * HOUR, "8h"), (8 * HOUR + 59 * MINUTE, "8h"), (2 * DAY - 0.001, "47h"),
    (2 * DAY, "2d"), (2 * DAY + HOUR, "2d1h"), (8 * DAY - 0.001, "7d23h"), (8 * DAY, "8d"),
    (8 * DAY + 23 * HOUR, "8d"), (2 * 365 * DAY - 0.001, "729d"), (2 * 365 * DAY, "2y"),
    (2 * 365 * DAY + 23 * HOUR + 59 * MINUTE, "2y"), (2 * 365 * DAY + DAY, "2y1d"), (3 * 365 * DAY, "3y"),
    (8 * 365 * DAY - 0.001, "7y364d"), (8 * 365 * DAY, "8y"), (9 * 365 * DAY, "9y"),
    # the brief's examples
    (45, "45s"), (5 * MINUTE + 10, "5m10s"), (2 * DAY + 3 * HOUR, "2d3h"), (400 * DAY, "400d"),
])
def test_human_duration(seconds, want):
    assert human_duration(seconds) == want


def test_age_unknown_without_creation_timestamp():
    # TestPrintNodeStatus: a node without a creationTimestamp prints AGE "<unknown>"
    assert row(obj("Namespace", "ns", status={"phase": "Active"}), NOW) == ["ns", "Active", "<unknown>"]


# ---------------------------------------------------------------------------
# Columns (printers.go AddHandlers)
# ---------------------------------------------------------------------------

def test_columns():
    assert COLUMNS["Pod"] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert WIDE_COLUMNS["Pod"] == COLUMNS["Pod"] + ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    assert COLUMNS["Deployment"] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert WIDE_COLUMNS["Deployment"] == COLUMNS["Deployment"] + ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert COLUMNS["ReplicaSet"] == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
    assert COLUMNS["Node"] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert WIDE_COLUMNS["Node"] == COLUMNS["Node"] + ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION",
                                                      "CONTAINER-RUNTIME"]
    assert COLUMNS["HorizontalPodAutoscaler"] == ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS",
                                                  "AGE"]
    assert COLUMNS["Service"] == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert WIDE_COLUMNS["Service"] == COLUMNS["Service"] + ["SELECTOR"]
    assert COLUMNS["PersistentVolume"] == ["NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM",
                                           "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"]
    assert COLUMNS["PersistentVolumeClaim"] == ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES",
                                                "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"]
    assert COLUMNS["StatefulSet"] == ["NAME", "READY", "AGE"]
    assert COLUMNS["Job"] == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    assert set(COLUMNS) >= {"DaemonSet", "CronJob", "Endpoints", "Ingress", "StorageClass", "PriorityClass",
                            "PodDisruptionBudget", "Namespace"}


def test_unknown_kind_is_name_and_age():
    lease = obj("Lease", "l1", api_version="coordination.k8s.io/v1", creationTimestamp=ts(-300))
    assert row(lease, NOW) == ["l1", "5m"]
    assert render_table([lease], NOW).splitlines()[0].split() == ["NAME", "AGE"]


# ---------------------------------------------------------------------------
# Pods: TestPrintPod, TestPrintPodwide, TestPrintPodWithRestartableInitContainer,
# TestPrintNonTerminatedPod
# ---------------------------------------------------------------------------

TEST_PRINT_POD = [
    # Test name, num of containers, restarts, container ready status
    (pod("test1", 2, status={"phase": "podPhase", "containerStatuses": [
        {"ready": True, "restartCount": 3, "state": RUNNING}, {"restartCount": 3}]}),
     ["test1", "1/2", "podPhase", "6", "<unknown>"]),
    # Test container error overwrites pod phase
    (pod("test2", 2, status={"phase": "podPhase", "containerStatuses": [
        {"ready": True, "restartCount": 3, "state": RUNNING},
        {"state": {"waiting": {"reason": "ContainerWaitingReason"}}, "restartCount": 3}]}),
     ["test2", "1/2", "ContainerWaitingReason", "6", "<unknown>"]),
    # Test the same as the above but with Terminated state and the first container overwrites the rest
    (pod("test3", 2, status={"phase": "podPhase", "containerStatuses": [
        {"state": {"waiting": {"reason": "ContainerWaitingReason"}}, "restartCount": 3},
        {"state": {"terminated": {"reason": "ContainerTerminatedReason"}}, "restartCount": 3}]}),
     ["test3", "0/2", "ContainerWaitingReason", "6", "<unknown>"]),
    # Test ready is not enough for reporting running
    (pod("test4", 2, status={"phase": "podPhase", "containerStatuses": [
        {"ready": True, "restartCount": 3, "state": RUNNING}, {"ready": True, "restartCount": 3}]}),
     ["test4", "1/2", "podPhase", "6", "<unknown>"]),
    (pod("test5", 2, status={"reason": "podReason", "phase": "podPhase", "containerStatuses": [
        {"ready": True, "restartCount": 3, "state": RUNNING}, {"ready": True, "restartCount": 3}]}),
     ["test5", "1/2", "podReason", "6", "<unknown>"]),
    # Test pod has 2 containers, one is running and the other is completed, w/o ready condition
    (pod("test6", 2, status={"phase": "Running", "containerStatuses": [
        {"ready": True, "restartCount": 3, "state": {"terminated": {"reason": "Completed", "exitCode": 0}}},
        {"ready": True, "restartCount": 3, "state": RUNNING}]}),
     ["test6", "1/2", "NotReady", "6", "<unknown>"]),
    # ... with ready condition
    (pod("test6", 2, status={"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                             "containerStatuses": [
        {"ready": True, "restartCount": 3, "state": {"terminated": {"reason": "Completed", "exitCode": 0}}},
        {"ready": True, "restartCount": 3, "state": RUNNING}]}),
     ["test6", "1/2", "Running", "6", "<unknown>"]),
    # Test pod has 1 init container restarting and 1 container not running
    (pod("test7", 1, init=1, status={"phase": "podPhase",
         "initContainerStatuses": [{"restartCount": 3, "state": RUNNING, "lastState": FINISHED_10S_AGO}],
         "containerStatuses": [{"restartCount": 0, "state": {"waiting": {}}}]}),
     ["test7", "0/1", "Init:0/1", "3 (10s ago)", "<unknown>"]),
    # Test pod has 2 init containers, one restarting and the other not running, and 1 container not running
    (pod("test8", 1, init=2, status={"phase": "podPhase",
         "initContainerStatuses": [{"restartCount": 3, "state": RUNNING, "lastState": FINISHED_10S_AGO},
                                   {"state": {"waiting": {}}}],
         "containerStatuses": [{"state": {"waiting": {}}}]}),
     ["test8", "0/1", "Init:0/2", "3 (10s ago)", "<unknown>"]),
    # Test pod has 2 init containers, one completed without restarts and the other restarting
    (pod("test9", 1, init=2, status={"phase": "podPhase",
         "initContainerStatuses": [{"state": {"terminated": {}}},
                                   {"restartCount": 3, "state": RUNNING, "lastState": FINISHED_10S_AGO}],
         "containerStatuses": [{"state": {"waiting": {}}}]}),
     ["test9", "0/1", "Init:1/2", "3 (10s ago)", "<unknown>"]),
    # Test pod has 2 init containers, one completed with restarts and the other restarting
    (pod("test10", 1, init=2, status={"phase": "podPhase",
         "initContainerStatuses": [
             {"restartCount": 2, "state": {"terminated": {}}, "lastState": {"terminated": {"finishedAt": ts(-120)}}},
             {"restartCount": 3, "state": RUNNING, "lastState": FINISHED_10S_AGO}],
         "containerStatuses": [{"state": {"waiting": {}}}]}),
     ["test10", "0/1", "Init:1/2", "5 (10s ago)", "<unknown>"]),
    # Test pod has 1 init container completed with restarts and one container restarting
    (pod("test11", 1, init=1, status={"phase": "Running",
         "initContainerStatuses": [
             {"restartCount": 2, "state": {"terminated": {}}, "lastState": {"terminated": {"finishedAt": ts(-120)}}}],
         "containerStatuses": [
             {"restartCount": 4, "state": RUNNING, "lastState": {"terminated": {"finishedAt": ts(-20)}}}]}),
     ["test11", "0/1", "Running", "4 (20s ago)", "<unknown>"]),
    # Test pod has 1 container that restarted 5d ago
    (pod("test12", 1, status={"phase": "Running", "containerStatuses": [
        {"ready": True, "restartCount": 3, "state": RUNNING,
         "lastState": {"terminated": {"finishedAt": ts(-5 * DAY)}}}]}),
     ["test12", "1/1", "Running", "3 (5d ago)", "<unknown>"]),
    # Test pod has 2 containers, one restarted 5d ago and the other restarted 20d ago
    (pod("test14", 2, status={"phase": "Running", "containerStatuses": [
        {"ready": True, "restartCount": 6, "state": RUNNING, "lastState": {"terminated": {"finishedAt": ts(-5 * DAY)}}},
        {"ready": True, "restartCount": 3, "state": RUNNING,
         "lastState": {"terminated": {"finishedAt": ts(-20 * DAY)}}}]}),
     ["test14", "2/2", "Running", "9 (5d ago)", "<unknown>"]),
    # Test PodScheduled condition with reason SchedulingGated
    (pod("test15", 2, status={"phase": "podPhase", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}),
     ["test15", "0/2", "SchedulingGated", "0", "<unknown>"]),
    # Test pod condition succeed
    (pod("test16", 1, status={"phase": "Succeeded", "containerStatuses": [
        {"state": {"terminated": {"reason": "Completed", "exitCode": 0}}}]}),
     ["test16", "0/1", "Completed", "0", "<unknown>"]),
    # Test pod condition failed
    (pod("test17", 1, status={"phase": "Failed", "containerStatuses": [
        {"state": {"terminated": {"reason": "Error", "exitCode": 1}}}]}),
     ["test17", "0/1", "Error", "0", "<unknown>"]),
    # Test pod condition succeed with deletion
    (pod("test18", 1, deletionTimestamp=ts(-10), status={"phase": "Succeeded", "containerStatuses": [
        {"state": {"terminated": {"reason": "Completed", "exitCode": 0}}}]}),
     ["test18", "0/1", "Completed", "0", "<unknown>"]),
    # Test pod condition running with deletion
    (pod("test19", 1, deletionTimestamp=ts(-10), status={"phase": "Running", "containerStatuses": [
        {"state": RUNNING}]}),
     ["test19", "0/1", "Terminating", "0", "<unknown>"]),
    # Test pod condition pending with deletion
    (pod("test20", 1, deletionTimestamp=ts(-10), status={"phase": "Pending"}),
     ["test20", "0/1", "Terminating", "0", "<unknown>"]),
    # TestPrintNonTerminatedPod: phase Unknown is printed
    (pod("test3", 2, status={"phase": "Unknown", "containerStatuses": [
        {"ready": True, "restartCount": 3, "state": RUNNING}, {"restartCount": 3}]}),
     ["test3", "1/2", "Unknown", "6", "<unknown>"]),
]


@pytest.mark.parametrize("p, want", TEST_PRINT_POD, ids=[f"{i}-{c[1][0]}" for i, c in enumerate(TEST_PRINT_POD)])
def test_print_pod(p, want):
    # TestPrintPod
    assert row(p, NOW) == want


def test_print_pod_restartable_init_containers():
    # TestPrintPodWithRestartableInitContainer, "2 restartable init containers started and 1 container running"
    p = obj("Pod", "test2", {
        "initContainers": [{"name": "restartable-init-1", "restartPolicy": "Always"},
                           {"name": "restartable-init-2", "restartPolicy": "Always"}],
        "containers": [{"name": "c"}]}, {
        "phase": "Running",
        "initContainerStatuses": [
            {"name": "restartable-init-1", "restartCount": 3, "state": RUNNING, "started": True,
             "lastState": FINISHED_10S_AGO},
            {"name": "restartable-init-2", "state": RUNNING, "started": True}],
        "containerStatuses": [{"ready": True, "restartCount": 4, "state": RUNNING,
                               "lastState": {"terminated": {"finishedAt": ts(-20)}}}],
        "conditions": [{"type": "Initialized", "status": "True"}]})
    assert row(p, NOW) == ["test2", "1/3", "Running", "7 (10s ago)", "<unknown>"]
    # "the first one running but not started": still initializing
    p["status"]["initContainerStatuses"][0]["started"] = False
    p["status"]["initContainerStatuses"][1] = {"name": "restartable-init-2", "state": {"waiting": {}}, "started": False}
    p["status"]["conditions"] = [{"type": "Initialized", "status": "False"}]
    p["status"]["containerStatuses"] = [{"state": {"waiting": {}}}]
    p["status"]["phase"] = "Pending"
    assert row(p, NOW) == ["test2", "0/3", "Init:0/2", "3 (10s ago)", "<unknown>"]


def test_print_pod_wide():
    # TestPrintPodwide
    p = obj("Pod", "test1", {
        "containers": [{"name": "a"}, {"name": "b"}], "nodeName": "test1",
        "readinessGates": [{"conditionType": "condition1"}, {"conditionType": "condition2"},
                           {"conditionType": "condition3"}]}, {
        "conditions": [{"type": "condition1", "status": "False"}, {"type": "condition2", "status": "True"}],
        "phase": "podPhase", "podIPs": [{"ip": "1.1.1.1"}, {"ip": "2001:db8::"}],
        "containerStatuses": [{"ready": True, "restartCount": 3, "state": RUNNING}, {"restartCount": 3}],
        "nominatedNodeName": "node1"})
    assert row(p, NOW, wide=True) == ["test1", "1/2", "podPhase", "6", "<unknown>", "1.1.1.1", "test1", "node1",
                                      "1/3"]
    p2 = pod("test2", 2, status={"phase": "podPhase", "containerStatuses": [
        {"ready": True, "restartCount": 3, "state": RUNNING},
        {"state": {"waiting": {"reason": "ContainerWaitingReason"}}, "restartCount": 3}]})
    assert row(p2, NOW, wide=True) == ["test2", "1/2", "ContainerWaitingReason", "6", "<unknown>", "<none>", "<none>",
                                       "<none>", "<none>"]


def test_pod_scenarios():
    created = {"creationTimestamp": ts(-3 * HOUR)}
    running = pod("web-1", status={"phase": "Running", "containerStatuses": [
        {"name": "c0", "ready": True, "restartCount": 2, "state": {"running": {"startedAt": ts(-300)}},
         "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": ts(-300)}}}]}, **created)
    assert row(running, NOW) == ["web-1", "1/1", "Running", "2 (5m ago)", "3h"]
    pending = pod("web-2", status={"phase": "Pending", "containerStatuses": [
        {"name": "c0", "ready": False, "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}]},
        **created)
    assert row(pending, NOW) == ["web-2", "0/1", "ContainerCreating", "0", "3h"]
    unscheduled = pod("web-3", status={"phase": "Pending"}, **created)
    assert row(unscheduled, NOW) == ["web-3", "0/1", "Pending", "0", "3h"]
    crash = pod("web-4", status={"phase": "Running", "containerStatuses": [
        {"name": "c0", "ready": False, "restartCount": 5, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
         "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ts(-45)}}}]}, **created)
    assert row(crash, NOW) == ["web-4", "0/1", "CrashLoopBackOff", "5 (45s ago)", "3h"]
    terminating = pod("web-5", deletionTimestamp=ts(-5), status={"phase": "Running", "containerStatuses": [
        {"name": "c0", "ready": True, "state": RUNNING}]}, **created)
    assert row(terminating, NOW) == ["web-5", "1/1", "Terminating", "0", "3h"]
    job_pod = pod("pi-abcde", status={"phase": "Succeeded", "containerStatuses": [
        {"name": "c0", "ready": False, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}, **created)
    assert row(job_pod, NOW) == ["pi-abcde", "0/1", "Completed", "0", "3h"]
    lost = pod("web-6", deletionTimestamp=ts(-5), status={"phase": "Running", "reason": "NodeLost"}, **created)
    assert row(lost, NOW)[2] == "Unknown"
    no_reason = pod("web-7", status={"phase": "Running", "containerStatuses": [
        {"name": "c0", "state": {"terminated": {"exitCode": 2}}}]}, **created)
    assert row(no_reason, NOW)[2] == "ExitCode:2"


# ---------------------------------------------------------------------------
# Nodes: TestPrintNodeStatus, TestPrintNodeRole, TestPrintNodeExternalIP, TestPrintNodeInternalIP,
# TestPrintNodeOSImage
# ---------------------------------------------------------------------------

def node(name, conditions=None, unschedulable=False, labels=None, addresses=None, info=None):
    spec = {"unschedulable": True} if unschedulable else {}
    n = obj("Node", name, spec, {"conditions": conditions or [], "addresses": addresses or [],
                                 "nodeInfo": info or {}})
    if labels:
        n["metadata"]["labels"] = labels
    return n


READY, NOT_READY = {"type": "Ready", "status": "True"}, {"type": "Ready", "status": "False"}


@pytest.mark.parametrize("n, status", [
    (node("foo1", [READY]), "Ready"),
    (node("foo2", [READY], unschedulable=True), "Ready,SchedulingDisabled"),
    (node("foo3", [READY, READY]), "Ready"),
    (node("foo4", [NOT_READY]), "NotReady"),
    (node("foo5", [NOT_READY], unschedulable=True), "NotReady,SchedulingDisabled"),
    (node("foo6", [{"type": "InvalidValue", "status": "True"}]), "Unknown"),
    (node("foo7", [{}]), "Unknown"),
    (node("foo8", [{"type": "InvalidValue", "status": "True"}], unschedulable=True), "Unknown,SchedulingDisabled"),
    (node("foo9", [{}], unschedulable=True), "Unknown,SchedulingDisabled"),
])
def test_print_node_status(n, status):
    # TestPrintNodeStatus: Columns: Name, Status, Roles, Age, KubeletVersion
    assert row(n, NOW) == [n["metadata"]["name"], status, "<none>", "<unknown>", ""]


def test_print_node_role():
    # TestPrintNodeRole
    labels = {"node-role.kubernetes.io/master": "", "node-role.kubernetes.io/control-plane": "",
              "node-role.kubernetes.io/proxy": "", "kubernetes.io/role": "node"}
    assert row(node("foo10", labels=labels), NOW) == ["foo10", "Unknown", "control-plane,master,node,proxy",
                                                      "<unknown>", ""]
    assert row(node("foo11", labels={"kubernetes.io/role": "node"}), NOW)[2] == "node"


def test_print_node_addresses_and_info():
    # TestPrintNodeExternalIP, TestPrintNodeInternalIP, TestPrintNodeOSImage
    both = node("foo3", addresses=[{"type": "ExternalIP", "address": "2.2.2.2"},
                                   {"type": "InternalIP", "address": "3.3.3.3"},
                                   {"type": "ExternalIP", "address": "4.4.4.4"}])
    assert row(both, NOW, wide=True) == ["foo3", "Unknown", "<none>", "<unknown>", "", "3.3.3.3", "2.2.2.2",
                                         "<unknown>", "<unknown>", "<unknown>"]
    os_image = node("foo1", info={"osImage": "fake-os-image"}, addresses=[{"type": "ExternalIP", "address": "1.1.1.1"}])
    assert row(os_image, NOW, wide=True) == ["foo1", "Unknown", "<none>", "<unknown>", "", "<none>", "1.1.1.1",
                                             "fake-os-image", "<unknown>", "<unknown>"]


def test_node_scenarios():
    worker = node("worker-1", [READY], labels={"node-role.kubernetes.io/worker": ""},
                  info={"kubeletVersion": "v1.31.0"})
    worker["metadata"]["creationTimestamp"] = ts(-10 * DAY)
    assert row(worker, NOW) == ["worker-1", "Ready", "worker", "10d", "v1.31.0"]
    cordoned = node("cp-1", [READY], unschedulable=True, labels={"node-role.kubernetes.io/control-plane": ""})
    assert row(cordoned, NOW)[:3] == ["cp-1", "Ready,SchedulingDisabled", "control-plane"]
    assert row(node("bad", [NOT_READY]), NOW)[1:3] == ["NotReady", "<none>"]


# ---------------------------------------------------------------------------
# Workloads: TestPrintDeployment, TestPrintDaemonSet, TestPrintJob, TestPrintCronJob
# ---------------------------------------------------------------------------

TEMPLATE = {"spec": {"containers": [{"name": "fake-container1", "image": "fake-image1"},
                                    {"name": "fake-container2", "image": "fake-image2"}]}}


def test_print_deployment():
    # TestPrintDeployment
    d = obj("Deployment", "test1", {"replicas": 5, "template": TEMPLATE, "selector": {"matchLabels": {"foo": "bar"}}},
            {"replicas": 10, "updatedReplicas": 2, "availableReplicas": 1, "unavailableReplicas": 4},
            api_version="apps/v1", creationTimestamp=JUST_CREATED)
    assert row(d, NOW) == ["test1", "0/5", "2", "1", "0s"]
    assert row(d, NOW, wide=True) == ["test1", "0/5", "2", "1", "0s", "fake-container1,fake-container2",
                                      "fake-image1,fake-image2", "foo=bar"]


def test_deployment_and_replicaset_scenario():
    d = obj("Deployment", "web", {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}},
            {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3},
            api_version="apps/v1", creationTimestamp=ts(-2 * HOUR))
    assert row(d, NOW) == ["web", "3/3", "3", "3", "120m"]  # HumanDuration: minutes below 3h
    rs = obj("ReplicaSet", "web-6d4b", {"replicas": 3, "template": TEMPLATE,
                                        "selector": {"matchLabels": {"app": "web", "pod-template-hash": "6d4b"}}},
             {"replicas": 3, "readyReplicas": 2}, api_version="apps/v1", creationTimestamp=ts(-2 * HOUR))
    assert row(rs, NOW) == ["web-6d4b", "3", "3", "2", "120m"]
    assert row(rs, NOW, wide=True)[5:] == ["fake-container1,fake-container2", "fake-image1,fake-image2",
                                           "app=web,pod-template-hash=6d4b"]


def test_print_daemonset():
    # TestPrintDaemonSet
    ds = obj("DaemonSet", "test1", {"template": TEMPLATE, "selector": {"matchLabels": {"foo": "bar"}}},
             {"currentNumberScheduled": 2, "desiredNumberScheduled": 3, "numberReady": 1, "updatedNumberScheduled": 2,
              "numberAvailable": 0}, api_version="apps/v1", creationTimestamp=JUST_CREATED)
    assert row(ds, NOW) == ["test1", "3", "2", "1", "2", "0", "<none>", "0s"]
    assert row(ds, NOW, wide=True)[8:] == ["fake-container1,fake-container2", "fake-image1,fake-image2", "foo=bar"]


def test_print_statefulset():
    sts = obj("StatefulSet", "db", {"replicas": 3}, {"readyReplicas": 2}, api_version="apps/v1",
              creationTimestamp=ts(-90))
    assert row(sts, NOW) == ["db", "2/3", "90s"]


@pytest.mark.parametrize("job, want", [
    # TestPrintJob
    (obj("Job", "job1", {"completions": 2, "template": TEMPLATE}, {"succeeded": 1}, creationTimestamp=JUST_CREATED),
     ["job1", "Running", "1/2", "", "0s"]),
    (obj("Job", "job2", {}, {}, creationTimestamp=ts(-10 * 365 * DAY)), ["job2", "Running", "0/1", "", "10y"]),
    (obj("Job", "job3", {}, {"startTime": ts(60), "completionTime": ts(31 * 60)},
         creationTimestamp=ts(-10 * 365 * DAY)), ["job3", "Running", "0/1", "30m", "10y"]),
    (obj("Job", "job4", {}, {"startTime": ts(-20 * 60)}, creationTimestamp=ts(-10 * 365 * DAY)),
     ["job4", "Running", "0/1", "20m", "10y"]),
    (obj("Job", "job5", {}, {"conditions": [{"type": "Complete", "status": "True"}]}, creationTimestamp=JUST_CREATED),
     ["job5", "Complete", "0/1", "", "0s"]),
    (obj("Job", "job6", {}, {"conditions": [{"type": "Failed", "status": "True"}]}, creationTimestamp=JUST_CREATED),
     ["job6", "Failed", "0/1", "", "0s"]),
    (obj("Job", "job7", {}, {"conditions": [{"type": "Suspended", "status": "True"}]}, creationTimestamp=JUST_CREATED),
     ["job7", "Suspended", "0/1", "", "0s"]),
    (obj("Job", "job9", {}, {}, creationTimestamp=JUST_CREATED, deletionTimestamp=JUST_CREATED),
     ["job9", "Terminating", "0/1", "", "0s"]),
])
def test_print_job(job, want):
    assert row(job, NOW) == want


def test_print_cronjob():
    # TestPrintCronJob
    cj = obj("CronJob", "cronjob2", {"schedule": "0/5 * * * ?", "suspend": False}, {"lastScheduleTime": ts(-30)},
             api_version="batch/v1", creationTimestamp=ts(-300))
    assert row(cj, NOW) == ["cronjob2", "0/5 * * * ?", "<none>", "False", "0", "30s", "5m"]
    cj["status"] = {}
    cj["spec"]["timeZone"] = "LOCAL"
    assert row(cj, NOW) == ["cronjob2", "0/5 * * * ?", "LOCAL", "False", "0", "<none>", "5m"]


# ---------------------------------------------------------------------------
# HPA: TestPrintHPA
# ---------------------------------------------------------------------------

def hpa(metrics=None, current=None, min_replicas=2):
    spec = {"scaleTargetRef": {"name": "some-rc", "kind": "ReplicationController"}, "maxReplicas": 10}
    if min_replicas is not None:
        spec["minReplicas"] = min_replicas
    if metrics is not None:
        spec["metrics"] = metrics
    status = {"currentReplicas": 4, "desiredReplicas": 5}
    if current is not None:
        status["currentMetrics"] = current
    return obj("HorizontalPodAutoscaler", "some-hpa", spec, status, api_version="autoscaling/v2")


CPU_UTIL = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                       "averageUtilization": 80}}}
CPU_UTIL_NOW = {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 50,
                                                                            "averageValue": "40m"}}}
CPU_VALUE = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "AverageValue",
                                                                        "averageValue": "100m"}}}
PODS = {"type": "Pods", "pods": {"metric": {"name": "some-pods-metric"},
                                 "target": {"type": "AverageValue", "averageValue": "100m"}}}
PODS_NOW = {"type": "Pods", "pods": {"metric": {"name": "some-pods-metric"}, "current": {"averageValue": "50m"}}}
EXTERNAL_AVG = {"type": "External", "external": {"metric": {"name": "some-external-metric"},
                                                 "target": {"type": "AverageValue", "averageValue": "100m"}}}
OBJECT = {"type": "Object", "object": {"describedObject": {"kind": "Service", "name": "some-service"},
                                       "metric": {"name": "some-service-metric"},
                                       "target": {"type": "Value", "value": "100m"}}}


@pytest.mark.parametrize("h, targets, min_pods", [
    (hpa(min_replicas=None), "<none>", "<unset>"),  # minReplicas unset
    (hpa([EXTERNAL_AVG]), "<unknown>/100m (avg)", "2"),  # external source type, target average value (no current)
    (hpa([EXTERNAL_AVG], [{"type": "External", "external": {"current": {"averageValue": "50m"}}}]),
     "50m/100m (avg)", "2"),
    (hpa([PODS]), "<unknown>/100m", "2"),  # pods source type (no current)
    (hpa([PODS], [PODS_NOW]), "50m/100m", "2"),
    (hpa([OBJECT]), "<unknown>/100m", "2"),  # object source type (no current)
    (hpa([OBJECT], [{"type": "Object", "object": {"current": {"value": "50m"}}}]), "50m/100m", "2"),
    (hpa([CPU_VALUE]), "cpu: <unknown>/100m", "2"),  # resource source type, targetVal (no current)
    (hpa([CPU_VALUE], [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageValue": "50m"}}}]),
     "cpu: 50m/100m", "2"),
    (hpa([CPU_UTIL]), "cpu: <unknown>/80%", "2"),  # resource source type, targetUtil (no current)
    (hpa([CPU_UTIL], [CPU_UTIL_NOW]), "cpu: 50%/80%", "2"),
    (hpa([PODS, CPU_UTIL, {**PODS, "pods": {**PODS["pods"], "target": {"averageValue": "400m"}}}],
         [PODS_NOW, CPU_UTIL_NOW]), "50m/100m, cpu: 50%/80% + 1 more...", "2"),  # multiple specs
])
def test_print_hpa(h, targets, min_pods):
    # TestPrintHPA: Columns: Name, Reference, Targets, MinPods, MaxPods, Replicas, Age
    assert row(h, NOW) == ["some-hpa", "ReplicationController/some-rc", targets, min_pods, "10", "4", "<unknown>"]


def test_hpa_scenario_and_autoscaling_v1():
    h = obj("HorizontalPodAutoscaler", "php-apache", {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "php-apache"},
        "minReplicas": 1, "maxReplicas": 10,
        "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                                "averageUtilization": 50}}}]},
        {"currentReplicas": 1}, api_version="autoscaling/v2", creationTimestamp=ts(-60))
    assert row(h, NOW) == ["php-apache", "Deployment/php-apache", "cpu: <unknown>/50%", "1", "10", "1", "60s"]
    h["status"]["currentMetrics"] = [{"type": "Resource", "resource": {"name": "cpu",
                                                                      "current": {"averageUtilization": 30}}}]
    assert row(h, NOW)[2] == "cpu: 30%/50%"
    v1 = obj("HorizontalPodAutoscaler", "php-apache", {
        "scaleTargetRef": {"kind": "Deployment", "name": "php-apache"}, "maxReplicas": 10,
        "targetCPUUtilizationPercentage": 50}, {"currentCPUUtilizationPercentage": 30},
        api_version="autoscaling/v1")
    assert row(v1, NOW)[2] == "cpu: 30%/50%"


# ---------------------------------------------------------------------------
# Services and networking: TestPrintService, TestPrintServiceLoadBalancer, TestPrintEndpoint, TestPrintIngress
# ---------------------------------------------------------------------------

def svc(name, type_, ports=None, cluster_ips=("10.9.8.7",), status=None, **spec):
    spec = {"type": type_, "ports": ports or [], **spec}
    if cluster_ips:
        spec["clusterIPs"] = list(cluster_ips)
    return obj("Service", name, spec, status)


@pytest.mark.parametrize("s, wide, want", [
    # TestPrintService
    (svc("test1", "ClusterIP", [{"protocol": "tcp", "port": 2233}], selector={"foo": "bar"}), False,
     ["test1", "ClusterIP", "10.9.8.7", "<none>", "2233/tcp", "<unknown>"]),
    (svc("test1", "ClusterIP", [{"protocol": "tcp", "port": 2233}], selector={"foo": "bar"}), True,
     ["test1", "ClusterIP", "10.9.8.7", "<none>", "2233/tcp", "<unknown>", "foo=bar"]),
    (svc("test2", "NodePort", [{"protocol": "tcp", "port": 8888, "nodePort": 9999}]), False,
     ["test2", "NodePort", "10.9.8.7", "<none>", "8888:9999/tcp", "<unknown>"]),
    (svc("test3", "LoadBalancer", [{"protocol": "tcp", "port": 8888}]), False,
     ["test3", "LoadBalancer", "10.9.8.7", "<pending>", "8888/tcp", "<unknown>"]),
    (svc("test4", "LoadBalancer", [{"protocol": "tcp", "port": 8888}], externalIPs=["80.11.12.10"]), False,
     ["test4", "LoadBalancer", "10.9.8.7", "80.11.12.10", "8888/tcp", "<unknown>"]),
    (svc("test5", "LoadBalancer", [{"protocol": "tcp", "port": 8888}], externalIPs=["80.11.12.10"],
         status={"loadBalancer": {"ingress": [{"ip": "3.4.5.6", "hostname": "test.cluster.com"}]}}), False,
     ["test5", "LoadBalancer", "10.9.8.7", "3.4.5.6,80.11.12.10", "8888/tcp", "<unknown>"]),
    (svc("test6", "LoadBalancer", [{"protocol": "tcp", "port": 8888}], externalIPs=["80.11.12.10", "80.11.12.11"],
         status={"loadBalancer": {"ingress": [{"ip": "2.3.4.5", "hostname": "test.cluster.local"},
                                              {"ip": "3.4.5.6", "hostname": "test.cluster.com"}]}}), False,
     ["test6", "LoadBalancer", "10.9.8.7", "2.3.4.5,3.4.5.6,80.11.12.10,80.11.12.11", "8888/tcp", "<unknown>"]),
    (svc("test7", "ExternalName", cluster_ips=(), externalName="my.database.example.com"), False,
     ["test7", "ExternalName", "<none>", "my.database.example.com", "<none>", "<unknown>"]),
    # TestPrintServiceLoadBalancer: long external IP lists are elided unless wide
    (svc("service4", "LoadBalancer", [{"port": 80, "protocol": "TCP"}, {"port": 8090, "protocol": "UDP"},
                                      {"port": 8000, "protocol": "TCP"}], cluster_ips=("1.5.6.7",),
         status={"loadBalancer": {"ingress": [{"ip": "2.3.4.5"}, {"ip": "3.4.5.6"},
                                              {"ip": "5.6.7.8", "hostname": "host5678"}]}}), False,
     ["service4", "LoadBalancer", "1.5.6.7", "2.3.4.5,3.4.5...", "80/TCP,8090/UDP,8000/TCP", "<unknown>"]),
    (svc("service4", "LoadBalancer", [{"port": 80, "protocol": "TCP"}, {"port": 8090, "protocol": "UDP"},
                                      {"port": 8000, "protocol": "TCP"}], cluster_ips=("1.5.6.7",),
         selector={"foo": "bar"},
         status={"loadBalancer": {"ingress": [{"ip": "2.3.4.5"}, {"ip": "3.4.5.6"},
                                              {"ip": "5.6.7.8", "hostname": "host5678"}]}}), True,
     ["service4", "LoadBalancer", "1.5.6.7", "2.3.4.5,3.4.5.6,5.6.7.8", "80/TCP,8090/UDP,8000/TCP", "<unknown>",
      "foo=bar"]),
])
def test_print_service(s, wide, want):
    assert row(s, NOW, wide=wide) == want


def test_service_port_string():
    s = svc("web", "NodePort", [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 443, "protocol": "TCP"}])
    assert row(s, NOW)[4] == "80:30080/TCP,443/TCP"


@pytest.mark.parametrize("subsets, want", [
    # TestPrintEndpoint
    (None, "<none>"),
    ([{"addresses": [{"ip": "1.2.3.4"}, {"ip": "5.6.7.8"}]}], "1.2.3.4,5.6.7.8"),
    ([{"addresses": [{"ip": "1.2.3.4"}, {"ip": "5.6.7.8"}], "ports": [{"port": 8001, "protocol": "tcp"}]}],
     "1.2.3.4:8001,5.6.7.8:8001"),
    ([{"addresses": [{"ip": "1.2.3.4"}, {"ip": "5.6.7.8"}, {"ip": "9.8.7.6"}, {"ip": "6.6.6.6"}],
       "ports": [{"port": 8001, "protocol": "tcp"}]}], "1.2.3.4:8001,5.6.7.8:8001,9.8.7.6:8001 + 1 more..."),
])
def test_print_endpoints(subsets, want):
    ep = {"kind": "Endpoints", "metadata": {"name": "endpoint1", "creationTimestamp": JUST_CREATED}}
    if subsets:
        ep["subsets"] = subsets
    assert row(ep, NOW) == ["endpoint1", want, "0s"]


def test_print_ingress():
    # TestPrintIngress
    ing = obj("Ingress", "test1", {"ingressClassName": "foo", "defaultBackend": {"service": {
        "name": "default-backend", "port": {"name": "default-backend", "number": 80}}}},
        {"loadBalancer": {"ingress": [{"ip": "2.3.4.5", "hostname": "localhost.localdomain"}]}},
        api_version="networking.k8s.io/v1", creationTimestamp=ts(-10 * 365 * DAY))
    assert row(ing, NOW) == ["test1", "foo", "*", "2.3.4.5", "80", "10y"]
    # formatHosts: at most three hosts, rules without a host skipped
    ing["spec"] = {"rules": [{}, {"host": "a"}, {"host": "b"}, {"host": "c"}, {"host": "d"}], "tls": [{}]}
    assert row(ing, NOW)[1:5] == ["<none>", "a,b,c + 2 more...", "2.3.4.5", "80, 443"]


# ---------------------------------------------------------------------------
# Storage and policy: TestPrintPersistentVolume, TestPrintPersistentVolumeClaim, TestPrintStorageClass,
# TestPrintPriorityClass, TestPrintPodDisruptionBudget
# ---------------------------------------------------------------------------

CLAIM = {"namespace": "default", "name": "test"}


@pytest.mark.parametrize("spec, phase, want", [
    ({"claimRef": CLAIM, "accessModes": ["ReadWriteMany"], "capacity": {"storage": "10Gi"}}, "Pending",
     ["test", "10Gi", "RWX", "", "Pending", "default/test", "", "<unset>", "", "<unknown>", "<unset>"]),
    ({"claimRef": CLAIM, "storageClassName": "my-scn", "accessModes": ["ReadWriteOnce"],
      "capacity": {"storage": "10Gi"}}, "Pending",
     ["test", "10Gi", "RWO", "", "Pending", "default/test", "my-scn", "<unset>", "", "<unknown>", "<unset>"]),
    ({"claimRef": CLAIM, "storageClassName": "my-scn", "volumeAttributesClassName": "my-vacn",
      "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"}}, "Pending",
     ["test", "10Gi", "RWO", "", "Pending", "default/test", "my-scn", "my-vacn", "", "<unknown>", "<unset>"]),
    ({"claimRef": CLAIM, "storageClassName": "my-scn", "accessModes": ["ReadWriteOnce"],
      "capacity": {"storage": "10Gi"}}, "Released",
     ["test", "10Gi", "RWO", "", "Released", "default/test", "my-scn", "<unset>", "", "<unknown>", "<unset>"]),
])
def test_print_persistent_volume(spec, phase, want):
    # TestPrintPersistentVolume (VOLUMEMODE is the wide-only last cell)
    pv = obj("PersistentVolume", "test", spec, {"phase": phase})
    assert row(pv, NOW, wide=True) == want
    assert row(pv, NOW) == want[:-1]


def test_pv_bound_scenario():
    pv = obj("PersistentVolume", "pv-data", {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"],
                                             "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "standard",
                                             "claimRef": {"namespace": "default", "name": "data"}},
             {"phase": "Bound"}, creationTimestamp=ts(-DAY))
    assert row(pv, NOW) == ["pv-data", "5Gi", "RWO", "Retain", "Bound", "default/data", "standard", "<unset>", "",
                            "24h"]


@pytest.mark.parametrize("spec, status, want", [
    ({"volumeName": "my-volume", "volumeMode": "Filesystem"},
     {"phase": "Bound", "accessModes": ["ReadOnlyMany"], "capacity": {"storage": "4Gi"}},
     ["test1", "Bound", "my-volume", "4Gi", "ROX", "", "<unset>", "<unknown>", "Filesystem"]),
    ({"volumeMode": "Filesystem"}, {"phase": "Lost", "accessModes": ["ReadOnlyMany"], "capacity": {"storage": "4Gi"}},
     ["test1", "Lost", "", "", "", "", "<unset>", "<unknown>", "Filesystem"]),
    ({"volumeName": "my-volume", "storageClassName": "my-scn", "volumeMode": "Filesystem"},
     {"phase": "Pending", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"}},
     ["test1", "Pending", "my-volume", "10Gi", "RWO", "my-scn", "<unset>", "<unknown>", "Filesystem"]),
    ({"volumeName": "my-volume", "storageClassName": "my-scn", "volumeAttributesClassName": "my-vacn"},
     {"phase": "Pending", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"}},
     ["test1", "Pending", "my-volume", "10Gi", "RWO", "my-scn", "my-vacn", "<unknown>", "<unset>"]),
])
def test_print_persistent_volume_claim(spec, status, want):
    # TestPrintPersistentVolumeClaim
    pvc = obj("PersistentVolumeClaim", "test1", spec, status)
    assert row(pvc, NOW, wide=True) == want
    assert row(pvc, NOW) == want[:-1]


def test_print_storage_class():
    # TestPrintStorageClass
    sc = {"kind": "StorageClass", "metadata": {"name": "sc1", "creationTimestamp": JUST_CREATED},
          "provisioner": "kubernetes.io/glusterfs"}
    assert row(sc, NOW) == ["sc1", "kubernetes.io/glusterfs", "Delete", "Immediate", "false", "0s"]
    sc.update(reclaimPolicy="Retain", volumeBindingMode="WaitForFirstConsumer", allowVolumeExpansion=True)
    sc["metadata"]["annotations"] = {"storageclass.kubernetes.io/is-default-class": "true"}
    assert row(sc, NOW) == ["sc1 (default)", "kubernetes.io/glusterfs", "Retain", "WaitForFirstConsumer", "true", "0s"]


def test_print_priority_class():
    # TestPrintPriorityClass: PREEMPTIONPOLICY is only filled in with -o wide
    pc = {"kind": "PriorityClass", "metadata": {"name": "pc2", "creationTimestamp": ts(-300)},
          "value": 1000000000, "globalDefault": True, "preemptionPolicy": "PreemptLowerPriority"}
    assert row(pc, NOW) == ["pc2", "1000000000", "true", "5m", ""]
    assert row(pc, NOW, wide=True) == ["pc2", "1000000000", "true", "5m", "PreemptLowerPriority"]


def test_print_pod_disruption_budget():
    # TestPrintPodDisruptionBudget
    pdb = obj("PodDisruptionBudget", "pdb1", {"minAvailable": 22}, {"disruptionsAllowed": 5},
              api_version="policy/v1", namespace="ns1", creationTimestamp=JUST_CREATED)
    assert row(pdb, NOW) == ["pdb1", "22", "N/A", "5", "0s"]
    pdb["spec"] = {"maxUnavailable": "11"}
    assert row(pdb, NOW) == ["pdb1", "N/A", "11", "5", "0s"]


# ---------------------------------------------------------------------------
# Table rendering (text/tabwriter as kubectl configures it)
# ---------------------------------------------------------------------------

def test_tabwrite_matches_go_tabwriter():
    # Only tab-terminated cells are aligned; blocks are runs of adjacent lines having the column.
    assert _tabwrite("a\tbbb\tc\naaaa\tb\n", 0, 2) == "a     bbb  c\naaaa  b\n"
    assert _tabwrite("Name:\tx\nPod Template:\n  Labels:\ty\n", 0, 2) == "Name:  x\nPod Template:\n  Labels:  y\n"
    assert _tabwrite("a\tb\n", 6, 3) == "a     b\n"  # minwidth


def test_render_table_layout():
    pods = [pod("web-1", status={"phase": "Running", "containerStatuses": [{"ready": True, "state": RUNNING}]},
                namespace="default", creationTimestamp=ts(-300)),
            pod("a-much-longer-pod-name", status={"phase": "Pending"}, namespace="kube-system",
                creationTimestamp=ts(-45))]
    assert render_table(pods, NOW) == (
        "NAME                     READY   STATUS    RESTARTS   AGE\n"
        "web-1                    1/1     Running   0          5m\n"
        "a-much-longer-pod-name   0/1     Pending   0          45s\n")
    assert render_table(pods, NOW, show_namespace=True).splitlines()[0] == (
        "NAMESPACE     NAME                     READY   STATUS    RESTARTS   AGE")
    assert render_table([], NOW) == ""


def test_render_table_kinds_and_scope():
    d = obj("Deployment", "web", {"replicas": 1}, {"readyReplicas": 1, "updatedReplicas": 1, "availableReplicas": 1},
            api_version="apps/v1", namespace="default", creationTimestamp=ts(-60))
    rs = obj("ReplicaSet", "web-6d4b", {"replicas": 1}, {"replicas": 1, "readyReplicas": 1}, api_version="apps/v1",
             namespace="default", creationTimestamp=ts(-60))
    out = render_table([d, rs], NOW)
    assert out == ("NAME                  READY   UP-TO-DATE   AVAILABLE   AGE\n"
                   "deployment.apps/web   1/1     1            1           60s\n"
                   "\n"
                   "NAME                       DESIRED   CURRENT   READY   AGE\n"
                   "replicaset.apps/web-6d4b   1         1         1       60s\n")
    with_kind = render_table([obj("Pod", "p", namespace="default")], NOW, show_kind=True)
    assert with_kind.splitlines()[1].startswith("pod/p ")
    # nodes are cluster-scoped: no NAMESPACE column even with -A
    assert render_table([node("n1", [READY])], NOW, show_namespace=True).splitlines()[0].split() == COLUMNS["Node"]


# ---------------------------------------------------------------------------
# describe
# ---------------------------------------------------------------------------

def lines_of(text: str) -> list[str]:
    return text.splitlines()


EVENTS = [
    {"type": "Normal", "reason": "Scheduled", "message": "Successfully assigned default/web-1 to node-1",
     "source": {"component": "default-scheduler"}, "firstTimestamp": ts(-600), "lastTimestamp": ts(-600), "count": 1,
     "involvedObject": {"kind": "Pod", "name": "web-1"}},
    {"type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container",
     "source": {"component": "kubelet"}, "firstTimestamp": ts(-500), "lastTimestamp": ts(-60), "count": 5,
     "involvedObject": {"kind": "Pod", "name": "web-1"}},
    {"type": "Normal", "reason": "Other", "message": "about another pod", "source": {"component": "kubelet"},
     "firstTimestamp": ts(-5), "lastTimestamp": ts(-5), "involvedObject": {"kind": "Pod", "name": "other"}},
]


def test_describe_pod():
    p = obj("Pod", "web-1", {
        "nodeName": "node-1", "serviceAccountName": "default",
        "containers": [{"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                        "resources": {"limits": {"cpu": "500m", "memory": "128Mi"},
                                      "requests": {"cpu": "500m", "memory": "128Mi"}},
                        "env": [{"name": "MODE", "value": "prod"}]}],
        "nodeSelector": {"disk": "ssd"}},
        {"phase": "Running", "hostIP": "10.0.0.1", "podIP": "10.244.1.7", "podIPs": [{"ip": "10.244.1.7"}],
         "conditions": [{"type": "Ready", "status": "True"}],
         "containerStatuses": [{"name": "nginx", "ready": True, "restartCount": 0,
                                "state": {"running": {"startedAt": "2026-01-01T11:00:00Z"}}}]},
        namespace="default", labels={"app": "web", "tier": "front"}, creationTimestamp=ts(-HOUR),
        ownerReferences=[{"kind": "ReplicaSet", "name": "web-6d4b", "controller": True}])
    out = describe(p, NOW, EVENTS)
    assert lines_of(out)[:4] == ["Name:             web-1", "Namespace:        default",
                                 "Service Account:  default", "Node:             node-1/10.0.0.1"]
    for line in ["Labels:           app=web", "                  tier=front", "Annotations:      <none>",
                 "Status:           Running", "Controlled By:  ReplicaSet/web-6d4b", "Containers:", "  nginx:",
                 "    Image:          nginx:1.25", "    Port:           80/TCP", "    Host Port:      0/TCP",
                 "    State:          Running", "      Started:      Thu, 01 Jan 2026 11:00:00 +0000",
                 "    Ready:          True", "    Limits:", "      cpu:     500m", "    Requests:",
                 "      MODE:  prod", "    Mounts:  <none>", "  Ready          True ", "QoS Class:       Guaranteed",
                 "Node-Selectors:  disk=ssd", "Tolerations:     <none>",
                 ]:
        assert line in lines_of(out), line
    # DescribeEvents flushes the tabwriter first, so its table is aligned on its own.
    assert lines_of(out)[-5:] == [
        "Events:",
        "  Type     Reason     Age                  From               Message",
        "  ----     ------     ----                 ----               -------",
        "  Normal   Scheduled  10m                  default-scheduler  Successfully assigned default/web-1 to node-1",
        "  Warning  BackOff    60s (x5 over 8m20s)  kubelet            Back-off restarting failed container"]
    assert "about another pod" not in out


def test_describe_pod_terminating_and_no_events():
    p = pod("web-2", deletionTimestamp=ts(-15), deletionGracePeriodSeconds=30, namespace="default",
            status={"phase": "Running"})
    out = describe(p, NOW)
    assert "Status:                    Terminating (lasts 15s)" in lines_of(out)
    assert "Termination Grace Period:  30s" in lines_of(out)
    assert lines_of(out)[-1].split() == ["Events:", "<none>"]
    assert "QoS Class:        BestEffort" in lines_of(out)


DEPLOYMENT = obj("Deployment", "web", {
    "replicas": 3, "selector": {"matchLabels": {"app": "web"}},
    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
    "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
        "containers": [{"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                        "resources": {"limits": {"cpu": "500m"}, "requests": {"cpu": "200m"}},
                        "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
        "volumes": [{"name": "data", "emptyDir": {}}],
        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "web", "effect": "NoSchedule"}]}}},
    {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
     "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"}]},
    api_version="apps/v1", namespace="default", uid="d-1", labels={"app": "web"},
    annotations={"deployment.kubernetes.io/revision": "2"}, creationTimestamp="2026-01-01T00:00:00Z")


def test_describe_deployment():
    rs_new = obj("ReplicaSet", "web-new", {"replicas": 3}, {"replicas": 3}, api_version="apps/v1",
                 namespace="default", annotations={"deployment.kubernetes.io/revision": "2"},
                 ownerReferences=[{"kind": "Deployment", "name": "web", "uid": "d-1", "controller": True}])
    rs_old = obj("ReplicaSet", "web-old", {"replicas": 0}, {"replicas": 0}, api_version="apps/v1",
                 namespace="default", annotations={"deployment.kubernetes.io/revision": "1"},
                 ownerReferences=[{"kind": "Deployment", "name": "web", "uid": "d-1", "controller": True}])
    out = describe(DEPLOYMENT, NOW, [], replica_sets=[rs_new, rs_old])
    for line in ["Name:                   web", "CreationTimestamp:      Thu, 01 Jan 2026 00:00:00 +0000",
                 "Labels:                 app=web", "Annotations:            deployment.kubernetes.io/revision: 2",
                 "Selector:               app=web",
                 "Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable",
                 "StrategyType:           RollingUpdate", "MinReadySeconds:        0",
                 "RollingUpdateStrategy:  25% max unavailable, 25% max surge", "Pod Template:", "  Labels:  app=web",
                 "  Containers:", "   nginx:", "    Image:      nginx:1.25", "    Port:       80/TCP",
                 "    Host Port:  0/TCP", "    Limits:", "      cpu:  500m", "    Requests:",
                 "    Mounts:", "      /data from data (rw)", "  Volumes:", "   data:",
                 "    Type:          EmptyDir (a temporary directory that shares a pod's lifetime)",
                 "  Node-Selectors:  <none>", "  Tolerations:     dedicated=web:NoSchedule",
                 "  Type           Status  Reason", "  Available      True    MinimumReplicasAvailable",
                 "OldReplicaSets:  web-old (0/0 replicas created)", "NewReplicaSet:   web-new (3/3 replicas created)",
                 "Events:          <none>"]:
        assert line in lines_of(out), line


def test_describe_replicaset():
    rs = obj("ReplicaSet", "web-6d4b", {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                                        "template": DEPLOYMENT["spec"]["template"]},
             {"replicas": 3}, api_version="apps/v1", namespace="default", uid="rs-1", labels={"app": "web"},
             ownerReferences=[{"kind": "Deployment", "name": "web", "controller": True}])
    running = pod("web-6d4b-x", status={"phase": "Running"},
                  ownerReferences=[{"kind": "ReplicaSet", "name": "web-6d4b", "uid": "rs-1", "controller": True}])
    out = describe(rs, NOW, pods=[running])
    for line in ["Selector:       app=web", "Controlled By:  Deployment/web", "Replicas:       3 current / 3 desired",
                 "Pods Status:    1 Running / 0 Waiting / 0 Succeeded / 0 Failed", "Pod Template:"]:
        assert line in lines_of(out), line


def test_describe_node():
    n = node("node-1", [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                         "message": "kubelet is posting ready status"}],
             unschedulable=True, labels={"node-role.kubernetes.io/control-plane": ""},
             addresses=[{"type": "InternalIP", "address": "10.0.0.1"}],
             info={"kubeletVersion": "v1.31.0", "osImage": "Ubuntu 22.04"})
    n["status"]["allocatable"] = {"cpu": "4", "memory": "8Gi", "pods": "110"}
    n["spec"]["taints"] = [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
    p = pod("p1", namespace="default", spec={"nodeName": "node-1", "containers": [
        {"name": "c", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}]}, status={"phase": "Running"})
    out = describe(n, NOW, pods=[p])
    for line in ["Roles:              control-plane", "Taints:             node.kubernetes.io/unschedulable:NoSchedule",
                 "Unschedulable:      true", "  InternalIP:  10.0.0.1", "  Kubelet Version:            v1.31.0",
                 "Non-terminated Pods:          (1 in total)"]:
        assert line in lines_of(out), line
    assert any(line.split()[:2] == ["cpu", "1"] and "(25%)" in line for line in lines_of(out))
    assert any(line.split()[:3] == ["memory", "1Gi", "(12%)"] for line in lines_of(out))


def test_describe_service():
    s = svc("web", "NodePort", [{"name": "http", "port": 80, "targetPort": 8080, "nodePort": 30080, "protocol": "TCP"}],
            cluster_ips=("10.96.0.10",), clusterIP="10.96.0.10", selector={"app": "web"}, sessionAffinity="None",
            ipFamilies=["IPv4"])
    s["metadata"]["namespace"] = "default"
    slices = [{"ports": [{"name": "http", "port": 8080}],
               "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": True}},
                             {"addresses": ["10.244.1.6"], "conditions": {"ready": False}}]}]
    out = describe(s, NOW, endpoint_slices=slices)
    for line in ["Selector:          app=web", "Type:              NodePort", "IP Families:       IPv4",
                 "IP:                10.96.0.10", "IPs:               10.96.0.10", "Port:              http  80/TCP",
                 "TargetPort:        8080/TCP", "NodePort:          http  30080/TCP",
                 "Endpoints:         10.244.1.5:8080", "Session Affinity:  None", "Events:            <none>"]:
        assert line in lines_of(out), line


def test_describe_hpa():
    h = hpa([CPU_UTIL], [CPU_UTIL_NOW])
    h["spec"]["scaleTargetRef"] = {"kind": "Deployment", "name": "php-apache"}
    out = describe(h, NOW)
    assert "Reference:                                             Deployment/php-apache" in lines_of(out)
    assert "  resource cpu on pods  (as a percentage of request):  50% (40m) / 80%" in lines_of(out)
    assert "Deployment pods:                                       4 current / 5 desired" in lines_of(out)
    assert "Min replicas:                                          2" in lines_of(out)


def test_describe_generic():
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "default",
                                                                "labels": {"a": "b"}, "uid": "u-1"},
          "data": {"key": "value"}}
    out = describe(cm, NOW)
    assert lines_of(out) == ["Name:         cfg", "Namespace:    default", "Labels:       a=b",
                             "Annotations:  <none>", "API Version:  v1", "Data:", "  Key:  value", "Kind:   ConfigMap",
                             "Metadata:", "  UID:   u-1", "Events:  <none>"]
