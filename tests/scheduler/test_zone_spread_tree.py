"""Long runs of pods of one zone-spread template: the kernel serves them from per-zone trees
(kernel.ZoneTrees, windowtree's forest queries) instead of walking the nodes, and must bind
the same pods to the same nodes with the same scores, messages and random draws as the
plain-Python reference scheduler (which walks).

The clusters mix what the trees must get right: nodes without the zone label (they fail a
DoNotSchedule constraint, and score 0 without being normalized for a ScheduleAnyway one),
nodes labelled with an empty zone, minDomains, nodeAffinityPolicy / nodeTaintsPolicy,
PreferNoSchedule taints (TaintToleration's normalized score differs between nodes, so some
windows do not have the highest scores the trees assume and the pod walks), full nodes,
several constraints per pod, and PodTopologySpread's Score weight.

Pods controlled by a ReplicaSet, without constraints of their own, get PodTopologySpread's
system defaults (hostname maxSkew 3 and zone maxSkew 5, ScheduleAnyway, the ReplicaSet's
selector): their trees' domains are (zone, the node's own count of matching pods). Those
clusters add nodes already holding matching pods, identical nodes (ties), zones outside the
pods' node affinity, more nodes than a window, and nodes holding more matching pods than the
trees have room for (the run walks from there on).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from scheduler.test_kernel_spread_affinity import (HOSTNAME, ZONE, ZONES, node, pod,
                                                   schedule_both)


def cluster_nodes(count: int, missing_every: int = 7, empty_every: int = 0) -> list[dict]:
    """Nodes over three zones, some without the zone label or with an empty one, some
    tainted, of a few sizes."""
    result = []
    for i in range(count):
        zone = ZONES[i % 3]
        if missing_every and i % missing_every == 5:
            zone = None
        elif empty_every and i % empty_every == 2:
            zone = ""
        manifest = node(f"node-{i:03d}", zone, rack=f"rack-{i % 4}")
        pods = 4 + i % 5
        manifest["status"]["capacity"] = {"cpu": str(2 + i % 3), "memory": "16Gi",
                                          "pods": str(pods)}
        manifest["status"]["allocatable"] = manifest["status"]["capacity"]
        if i % 9 == 3:
            manifest["spec"] = {"taints": [{"key": "soft", "effect": "PreferNoSchedule"}]}
        elif i % 11 == 6:
            manifest["spec"] = {"taints": [{"key": "dedicated", "effect": "NoSchedule"}]}
        result.append(manifest)
    return result


def run(app: str, count: int, constraints: list[dict], prefix: str = "", **spec) -> list[dict]:
    """``count`` pods of one template (a run in the queue), labelled app=``app``."""
    result = []
    for i in range(count):
        manifest = pod(f"{prefix or app}-{i:03d}", {"app": app, "tier": "a"},
                       spread=constraints)
        manifest["spec"].update(spec)
        result.append(manifest)
    return result


def owned_run(app: str, count: int, prefix: str = "", **spec) -> list[dict]:
    """A ReplicaSet selecting app=``app`` and ``count`` pods it controls (a run in the
    queue), without constraints of their own."""
    name = f"rs-{prefix or app}"
    replica_set = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                   "metadata": {"name": name, "namespace": "default"},
                   "spec": {"replicas": 0, "selector": {"matchLabels": {"app": app}},
                            "template": {"metadata": {"labels": {"app": app, "tier": "a"}},
                                         "spec": {"containers": [{"name": "app",
                                                                  "image": "nginx"}]}}}}
    pods = run(app, count, [], prefix=prefix or f"owned-{app}", **spec)
    for manifest in pods:
        manifest["metadata"]["ownerReferences"] = [{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": name, "uid": f"{name}-uid",
            "controller": True}]
    return [replica_set] + pods


def uniform_nodes(count: int) -> list[dict]:
    """Identical nodes over three zones: every window has ties."""
    return [node(f"node-{i:03d}", ZONES[i % 3]) for i in range(count)]


def constraint(app: str, when: str = "DoNotSchedule", max_skew: int = 1, **extra) -> dict:
    return {"maxSkew": max_skew, "topologyKey": ZONE, "whenUnsatisfiable": when,
            "labelSelector": {"matchLabels": {"app": app}}, **extra}


IN_TWO_ZONES = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
    "nodeSelectorTerms": [{"matchExpressions": [
        {"key": ZONE, "operator": "In", "values": ["zone-a", "zone-b"]}]}]}}}
TOLERATE = [{"key": "dedicated", "operator": "Exists"}]

CASES = {
    "do-not-schedule": [constraint("web")],
    "min-domains": [constraint("web", max_skew=2, minDomains=4)],
    "schedule-anyway": [constraint("web", "ScheduleAnyway", 2)],
    "both": [constraint("web"), constraint("web", "ScheduleAnyway", 3)],
    "other-selector": [constraint("web", "ScheduleAnyway"),
                       {**constraint("db", max_skew=2), "matchLabelKeys": ["tier"]}],
    "policies": [constraint("web", nodeTaintsPolicy="Honor", nodeAffinityPolicy="Ignore"),
                 constraint("web", "ScheduleAnyway", nodeTaintsPolicy="Honor")],
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("empty_every", [0, 5])
def test_zone_spread_runs_match_reference(case, empty_every):
    nodes = cluster_nodes(30, empty_every=empty_every)
    running = [pod(f"old-{i}", {"app": "web" if i % 2 else "db", "tier": "a"},
                   node_name=f"node-{3 * i:03d}") for i in range(4)]
    spec = {"affinity": IN_TWO_ZONES, "tolerations": TOLERATE} if case == "policies" else {}
    pods = (run("web", 70, CASES[case], **spec) + run("db", 25, [constraint("db")])
            + run("free", 10, []))
    kernel, reference, _ = schedule_both(nodes + running + pods, seed=3)
    assert kernel == reference
    assert any(row[1] is not None for row in kernel)


@pytest.mark.parametrize("weight", [1, 7])
@pytest.mark.parametrize("percentage", [None, 20, 100])
def test_zone_spread_runs_with_sampling_and_weights(weight, percentage):
    """More than 100 nodes: each pod's window is a part of the nodes from the rotating start
    index; PodTopologySpread's Score weight scales the zones' scores."""
    nodes = cluster_nodes(130, missing_every=9)
    profile = {"schedulerName": "default-scheduler", "plugins": {"score": {"enabled": [
        {"name": "PodTopologySpread", "weight": weight}]}}}
    if percentage is not None:
        profile["percentageOfNodesToScore"] = percentage
    pods = (run("web", 40, [constraint("web", "ScheduleAnyway", 1)])
            + run("api", 30, [constraint("api"), constraint("api", "ScheduleAnyway", 2)])
            + run("db", 20, [constraint("db", max_skew=1, minDomains=3)]))
    kernel, reference, _ = schedule_both(nodes + pods, seed=5, profile=profile)
    assert kernel == reference


def holding(app: str, per_node: list[int]) -> list[dict]:
    """per_node[i] running pods labelled app=``app`` on node i."""
    return [pod(f"old-{app}-{i}-{k}", {"app": app, "tier": "a"}, node_name=f"node-{i:03d}")
            for i, count in enumerate(per_node) for k in range(count)]


OWNED_CASES = {
    # every node has the keys: the trees serve the runs
    "labelled": lambda: (cluster_nodes(30, missing_every=0), {}),
    # identical nodes: ties within and between domains
    "uniform": lambda: (uniform_nodes(24), {}),
    # the nodes of zone-c are outside the pods' node affinity
    "two-zones": lambda: (cluster_nodes(30, missing_every=0),
                          {"affinity": IN_TWO_ZONES, "tolerations": TOLERATE}),
    # nodes without the zone label: the runs walk
    "missing-zone": lambda: (cluster_nodes(30), {}),
    # few nodes: own counts outgrow the trees during the run
    "crowded": lambda: (uniform_nodes(4), {}),
}


@pytest.mark.parametrize("case", list(OWNED_CASES))
def test_owned_runs_match_reference(case):
    nodes, spec = OWNED_CASES[case]()
    running = holding("web", [(i * 7) % 4 for i in range(len(nodes))][:12])
    # (a DoNotSchedule run's last pod has its Filter leave a zone out; the next run's Filter
    # passes every zone)
    pods = (owned_run("web", 70, **spec) + run("api", 5, [constraint("api")])
            + owned_run("db", 25, **spec) + run("free", 10, [])
            + owned_run("web", 30, prefix="web-again", **spec))
    kernel, reference, _ = schedule_both(nodes + running + pods, seed=3)
    assert kernel == reference
    assert any(row[1] is not None for row in kernel)


def hostname(app: str, max_skew: int = 1) -> dict:
    return {**constraint(app, "ScheduleAnyway", max_skew), "topologyKey": HOSTNAME}


HOSTNAME_CASES = {
    "hostname": [hostname("web", 2)],
    "zone-filter": [constraint("web", max_skew=2), hostname("web")],
    "zone-score-other-selector": [hostname("web", 3), constraint("db", "ScheduleAnyway", 2)],
    # a DoNotSchedule hostname constraint: a domain per node, the runs walk
    "hostname-filter": [hostname("web"), {**constraint("web", max_skew=2),
                                          "topologyKey": HOSTNAME}],
}


@pytest.mark.parametrize("case", list(HOSTNAME_CASES))
def test_hostname_score_constraint_runs_match_reference(case):
    """Pods' own ScheduleAnyway hostname constraints: domains (zone, own count) as for the
    system defaults."""
    nodes = cluster_nodes(30, missing_every=0)
    running = holding("web", [i % 3 for i in range(20)]) + holding("db", [1] * 6)
    pods = (run("web", 60, HOSTNAME_CASES[case]) + run("db", 20, [constraint("db")])
            + run("web", 20, HOSTNAME_CASES[case], prefix="web-again"))
    kernel, reference, _ = schedule_both(nodes + running + pods, seed=8)
    assert kernel == reference


def test_owned_runs_start_with_more_own_counts_than_trees():
    """Nodes already holding 0 to 9 matching pods: more own counts than the trees have room
    for, so the run walks from the start."""
    nodes = uniform_nodes(12)
    pods = holding("web", [i % 10 for i in range(12)]) + owned_run("web", 40)
    kernel, reference, _ = schedule_both(nodes + pods, seed=4)
    assert kernel == reference


@pytest.mark.parametrize("weight", [1, 4])
@pytest.mark.parametrize("percentage", [None, 20, 100])
def test_owned_runs_with_sampling_and_weights(weight, percentage):
    """More than 100 nodes: runs longer than a window, each pod's window a part of the nodes
    from the rotating start index; zones of different sizes."""
    nodes = cluster_nodes(130, missing_every=0) + [
        node(f"node-{i:03d}", "zone-d") for i in range(130, 140)]
    profile = {"schedulerName": "default-scheduler", "plugins": {"score": {"enabled": [
        {"name": "PodTopologySpread", "weight": weight}]}}}
    if percentage is not None:
        profile["percentageOfNodesToScore"] = percentage
    pods = (holding("api", [i % 3 for i in range(40)]) + owned_run("web", 80)
            + owned_run("api", 60) + owned_run("db", 30, nodeSelector={"rack": "rack-1"}))
    kernel, reference, _ = schedule_both(nodes + pods, seed=6, profile=profile)
    assert kernel == reference


@st.composite
def zone_constraints(draw, app: str) -> list[dict]:
    """One or two zone constraints (at most one per whenUnsatisfiable)."""
    result = []
    for when in draw(st.lists(st.sampled_from(["DoNotSchedule", "ScheduleAnyway"]),
                              unique=True, min_size=1, max_size=2)):
        extra = {}
        if when == "DoNotSchedule" and draw(st.booleans()):
            extra["minDomains"] = draw(st.integers(1, 4))
        if draw(st.integers(0, 3)) == 0:
            extra["nodeTaintsPolicy"] = "Honor"
        if draw(st.integers(0, 3)) == 0:
            extra["nodeAffinityPolicy"] = "Ignore"
        if draw(st.integers(0, 3)) == 0:
            extra["matchLabelKeys"] = ["tier"]
        selected = draw(st.sampled_from([app, "web", "db"]))
        result.append(constraint(selected, when, draw(st.integers(1, 3)), **extra))
    return result


@st.composite
def zone_runs(draw, templates: int) -> list[dict]:
    result = []
    for k in range(templates):
        app = draw(st.sampled_from(["web", "db", "cache"]))
        spec = {}
        if draw(st.integers(0, 3)) == 0:
            spec["nodeSelector"] = {"rack": f"rack-{draw(st.integers(0, 3))}"}
        if draw(st.integers(0, 3)) == 0:
            spec["tolerations"] = TOLERATE
        if draw(st.integers(0, 4)) == 0:
            spec["affinity"] = IN_TWO_ZONES
        if draw(st.integers(0, 2)) == 0:  # PodTopologySpread's system defaults
            result += owned_run(app, draw(st.integers(2, 40)), prefix=f"{app}-{k}", **spec)
        else:
            result += run(app, draw(st.integers(2, 30)), draw(zone_constraints(app)),
                          prefix=f"{app}-{k}", **spec)
    return result


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), node_count=st.integers(3, 40), missing_every=st.integers(0, 6),
       empty_every=st.integers(0, 6), seed=st.integers(0, 2 ** 32))
def test_zone_spread_runs_match_reference_on_random_clusters(data, node_count, missing_every,
                                                             empty_every, seed):
    nodes = cluster_nodes(node_count, missing_every, empty_every)
    pods = data.draw(zone_runs(data.draw(st.integers(1, 3))))
    kernel, reference, _ = schedule_both(nodes + pods, seed)
    assert kernel == reference
