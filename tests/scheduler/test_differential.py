"""Differential tests: the compiled kernel and the plain-Python reference scheduler, given the
same random cluster and seed, bind the same pods to the same nodes with the same scores and
fail the others with the same message.

Random clusters carry zones, labels, taints (NoSchedule, NoExecute, PreferNoSchedule),
cordoned nodes, images, host ports, node selectors, required and preferred node affinity,
tolerations, priorities, pods without requests, pods already bound, extended resources, pods
controlled by a ReplicaSet (PodTopologySpread's system default constraints score them), and
sometimes more than 100 nodes so that percentageOfNodesToScore and the rotating start index
matter.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kbench import Cluster
from scheduler.both import schedule_both

ZONES = ["zone-a", "zone-b", "zone-c"]
TAINTS = [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
          {"key": "spot", "value": "true", "effect": "PreferNoSchedule"},
          {"key": "maintenance", "effect": "NoExecute"},
          {"key": "flaky", "value": "yes", "effect": "PreferNoSchedule"}]
TOLERATIONS = [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"},
               {"key": "spot", "operator": "Exists"},
               {"operator": "Exists", "effect": "NoExecute"},
               {"key": "flaky", "operator": "Equal", "value": "yes"}]
IMAGES = ["nginx:1.27", "redis:7", "registry.example/ml/trainer:2.1"]


@st.composite
def nodes(draw, count, zoned=False):
    """``count`` random nodes; ``zoned``: every one with a zone label."""
    result = []
    for i in range(count):
        labels = {"kubernetes.io/hostname": f"node-{i}"}
        zone = draw(st.sampled_from(ZONES if zoned else [*ZONES, None]))
        if zone:
            labels["topology.kubernetes.io/zone"] = zone
        if draw(st.booleans()):
            labels["disk"] = draw(st.sampled_from(["ssd", "hdd"]))
        if draw(st.booleans()):
            labels["cores"] = str(draw(st.integers(1, 64)))
        capacity = {"cpu": f"{draw(st.integers(1, 16)) * 500}m",
                    "memory": f"{draw(st.integers(1, 32))}Gi",
                    "pods": str(draw(st.integers(1, 8)))}
        if draw(st.integers(0, 4)) == 0:
            capacity["example.com/gpu"] = str(draw(st.integers(1, 4)))
        images = [{"names": [image], "sizeBytes": draw(st.integers(10, 900)) * 1024 * 1024}
                  for image in IMAGES if draw(st.integers(0, 2)) == 0]
        spec = {}
        taints = draw(st.lists(st.sampled_from(TAINTS), max_size=2, unique_by=lambda t: t["key"]))
        if taints:
            spec["taints"] = taints
        if draw(st.integers(0, 9)) == 0:
            spec["unschedulable"] = True
        result.append({"apiVersion": "v1", "kind": "Node",
                       "metadata": {"name": f"node-{i}", "labels": labels}, "spec": spec,
                       "status": {"capacity": capacity, "allocatable": capacity,
                                  "images": images}})
    return result


@st.composite
def pods(draw, count, node_names):
    result = []
    for i in range(count):
        container = {"name": "app", "image": draw(st.sampled_from(IMAGES))}
        if draw(st.integers(0, 3)):
            requests = {"cpu": f"{draw(st.integers(0, 8)) * 250}m",
                        "memory": f"{draw(st.integers(0, 16)) * 256}Mi"}
            if draw(st.integers(0, 5)) == 0:
                requests["example.com/gpu"] = str(draw(st.integers(1, 2)))
                container["resources"] = {"requests": requests,
                                          "limits": {"example.com/gpu": requests["example.com/gpu"]}}
            else:
                container["resources"] = {"requests": requests}
        if draw(st.integers(0, 5)) == 0:
            container["ports"] = [{"containerPort": 80, "hostPort": draw(st.sampled_from([80, 443]))}]
        spec = {"containers": [container]}
        tolerations = draw(st.lists(st.sampled_from(TOLERATIONS), max_size=2))
        if tolerations:
            spec["tolerations"] = tolerations
        if draw(st.integers(0, 4)) == 0:
            spec["nodeSelector"] = {"disk": draw(st.sampled_from(["ssd", "hdd"]))}
        affinity = {}
        if draw(st.integers(0, 4)) == 0:
            affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In",
                                       "values": draw(st.lists(st.sampled_from(ZONES),
                                                               min_size=1, max_size=2,
                                                               unique=True))}]},
                {"matchExpressions": [{"key": "cores", "operator": "Gt",
                                       "values": [str(draw(st.integers(1, 60)))]}]}][
                : draw(st.integers(1, 2))]}
        if draw(st.integers(0, 3)) == 0:
            affinity["preferredDuringSchedulingIgnoredDuringExecution"] = [
                {"weight": draw(st.integers(1, 100)), "preference": {"matchExpressions": [
                    {"key": "disk", "operator": draw(st.sampled_from(["In", "NotIn"])),
                     "values": ["ssd"]}]}},
                {"weight": draw(st.integers(1, 100)), "preference": {"matchExpressions": [
                    {"key": "topology.kubernetes.io/zone", "operator": "Exists"}]}}][
                : draw(st.integers(1, 2))]
        if affinity:
            spec["affinity"] = {"nodeAffinity": affinity}
        priority = draw(st.sampled_from([None, "low", "high"]))
        if priority:
            spec["priorityClassName"] = priority
        if node_names and draw(st.integers(0, 4)) == 0:
            spec["nodeName"] = draw(st.sampled_from(node_names))
        result.append({"apiVersion": "v1", "kind": "Pod",
                       "metadata": {"name": f"pod-{i}", "labels": {"app": f"app-{i % 3}"}},
                       "spec": spec})
    return result


PRIORITY_CLASSES = [
    {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "low"},
     "value": -10},
    {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
     "metadata": {"name": "high"}, "value": 1000}]


def controlled(pod: dict, index: int) -> tuple[dict, dict]:
    """The pod controlled by a ReplicaSet selecting its labels, and that ReplicaSet."""
    name = f"rs-{index}"
    labels = pod["metadata"]["labels"]
    replica_set = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                   "metadata": {"name": name, "namespace": "default"},
                   "spec": {"replicas": 0, "selector": {"matchLabels": labels},
                            "template": {"metadata": {"labels": labels},
                                         "spec": {"containers": [{"name": "app",
                                                                  "image": "nginx"}]}}}}
    owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": name, "uid": f"{name}-uid",
             "controller": True}
    return {**pod, "metadata": {**pod["metadata"], "ownerReferences": [owner]}}, replica_set


def compare(node_manifests, pod_manifests, seed, profile=None):
    """Schedule with both implementations; return (kernel rows, reference rows) (see
    scheduler.both)."""
    cluster = Cluster(seed=seed)
    cluster.apply(PRIORITY_CLASSES + node_manifests + pod_manifests)
    if profile is not None:
        cluster.configure_scheduler({"apiVersion": "kubescheduler.config.k8s.io/v1",
                                     "kind": "KubeSchedulerConfiguration", "profiles": [profile]})
    return schedule_both(cluster, profile, seed)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), node_count=st.integers(1, 12), pod_count=st.integers(1, 25),
       seed=st.integers(0, 2**32))
def test_kernel_matches_reference_on_random_clusters(data, node_count, pod_count, seed):
    node_manifests = data.draw(nodes(node_count))
    pod_manifests = data.draw(pods(pod_count, [n["metadata"]["name"] for n in node_manifests]))
    kernel, reference = compare(node_manifests, pod_manifests, seed)
    assert kernel == reference


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), node_count=st.integers(100, 260), seed=st.integers(0, 2**32),
       percentage=st.sampled_from([None, 5, 30, 100]))
def test_kernel_matches_reference_with_sampling_and_rotation(data, node_count, seed, percentage):
    """More than 100 nodes: numFeasibleNodesToFind < nodes, so the rotating start index and the
    sample decide which nodes are scored."""
    node_manifests = data.draw(nodes(node_count))
    pod_manifests = data.draw(pods(30, []))
    profile = None
    if percentage is not None:
        profile = {"schedulerName": "default-scheduler", "percentageOfNodesToScore": percentage}
    kernel, reference = compare(node_manifests, pod_manifests, seed, profile)
    assert kernel == reference


@pytest.mark.parametrize("strategy", ["LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"])
def test_kernel_matches_reference_for_each_scoring_strategy(strategy):
    node_manifests = [
        {"apiVersion": "v1", "kind": "Node",
         "metadata": {"name": f"n{i}", "labels": {"topology.kubernetes.io/zone": ZONES[i % 3]}},
         "status": {"capacity": {"cpu": f"{2 + i % 4}", "memory": f"{4 + 2 * (i % 3)}Gi",
                                 "pods": "20"}}} for i in range(10)]
    pod_manifests = [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}"},
         "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {
             "cpu": f"{100 + 150 * (i % 5)}m", "memory": f"{256 * (1 + i % 4)}Mi"}}}]}}
        for i in range(40)]
    args = {"scoringStrategy": {"type": strategy, "resources": [
        {"name": "cpu", "weight": 2}, {"name": "memory", "weight": 1}]}}
    if strategy == "RequestedToCapacityRatio":
        args["scoringStrategy"]["requestedToCapacityRatio"] = {
            "shape": [{"utilization": 0, "score": 0}, {"utilization": 60, "score": 10},
                      {"utilization": 100, "score": 2}]}
    profile = {"schedulerName": "default-scheduler",
               "pluginConfig": [{"name": "NodeResourcesFit", "args": args}]}
    kernel, reference = compare(node_manifests, pod_manifests, seed=11, profile=profile)
    assert kernel == reference
    assert sum(1 for row in kernel if row[1]) == 40  # everything fits, with real scores


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), node_count=st.integers(60, 240), seed=st.integers(0, 2**32),
       percentage=st.sampled_from([None, 10, 100]))
def test_kernel_matches_reference_on_runs_of_replicas(data, node_count, seed, percentage):
    """Replicas of a few templates, each template's pods one after another: the kernel keeps
    a run's per-node results (and, for long runs, a tree over them) while nodes fill up; the
    reference checks every node for every pod. Some templates' pods are controlled by a
    ReplicaSet: PodTopologySpread's system defaults score them (with every node in a zone,
    the kernel's trees split by zone and the node's own count of matching pods)."""
    node_manifests = data.draw(nodes(node_count, zoned=data.draw(st.booleans())))
    templates = data.draw(pods(4, []))
    pod_manifests = []
    for index, template in enumerate(templates):
        if data.draw(st.booleans()):
            template, replica_set = controlled(template, index)
            pod_manifests.append(replica_set)
        for replica in range(data.draw(st.integers(1, 45))):
            pod = {**template, "metadata": {**template["metadata"],
                                            "name": f"t{index}-{replica}"}}
            pod_manifests.append(pod)
    profile = None
    if percentage is not None:
        profile = {"schedulerName": "default-scheduler", "percentageOfNodesToScore": percentage}
    kernel, reference = compare(node_manifests, pod_manifests, seed, profile)
    assert kernel == reference
