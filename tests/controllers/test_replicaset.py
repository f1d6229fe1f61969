"""Tests of the ReplicaSet controller: which pods a scale-down deletes, ported from
pkg/controller/controller_utils_test.go TestSortingActivePodsWithRanks, and end to end."""

from __future__ import annotations

import math

import numpy as np
import pytest
from deployment_builders import node

from kbench import Cluster
from kbench.controllers.ownership import owner_rows
from kbench.controllers.replicaset import DELETION_COST, count_pods, pods_to_delete
from kbench.state.schema import POD_PHASES

DAY, HOUR = 86400.0, 3600.0
NOW = 40 * DAY
ZERO = math.nan                 # Go's zero metav1.Time: no timestamp
THEN_1_MONTH = NOW - 30 * DAY
THEN_2_HOURS, THEN_5_HOURS, THEN_8_HOURS = NOW - 2 * HOUR, NOW - 5 * HOUR, NOW - 8 * HOUR


def pod(name, node_name, phase, ready, restarts, ready_since, created, annotations=None):
    """TestSortingActivePodsWithRanks' pod(): as a dict of kbench pod columns."""
    return {"name": name, "node": node_name, "phase": phase, "ready": ready,
            "restarts": restarts if ready else 0,   # Go sets container statuses only when ready
            "ready_time": ready_since if ready else ZERO, "created": created,
            "annotations": annotations or {}}


UNSCHEDULED = pod("unscheduled", "", "Pending", False, 0, ZERO, ZERO)
SCHEDULED_PENDING = pod("pending", "node", "Pending", False, 0, ZERO, ZERO)
UNKNOWN_PHASE = pod("unknown-phase", "node", "Unknown", False, 0, ZERO, ZERO)
RUNNING_NOT_READY = pod("not-ready", "node", "Running", False, 0, ZERO, ZERO)
READY_NO_LAST_TRANSITION = pod("ready-no-last-transition-time", "node", "Running", True, 0,
                               ZERO, ZERO)
READY_NOW = pod("ready-now", "node", "Running", True, 0, NOW, NOW)
READY_THEN = pod("ready-then", "node", "Running", True, 0, THEN_1_MONTH, THEN_1_MONTH)
READY_NOW_HIGH_RESTARTS = pod("ready-high-restarts", "node", "Running", True, 9001, NOW, NOW)
READY_NOW_CREATED_THEN = pod("ready-now-created-then", "node", "Running", True, 0, NOW,
                             THEN_1_MONTH)
LOW_DELETION_COST = pod("low-deletion-cost", "node", "Running", True, 0, NOW, THEN_1_MONTH,
                        {DELETION_COST: "10"})
HIGH_DELETION_COST = pod("high-deletion-cost", "node", "Running", True, 0, NOW, THEN_1_MONTH,
                         {DELETION_COST: "100"})
UNSCHEDULED_5_HOURS = pod("unscheduled-5-hours", "", "Pending", False, 0, THEN_5_HOURS,
                          THEN_5_HOURS)
UNSCHEDULED_8_HOURS = pod("unscheduled-10-hours", "", "Pending", False, 0, THEN_8_HOURS,
                          THEN_8_HOURS)
READY_2_HOURS = pod("ready-2-hours", "", "Running", True, 0, THEN_2_HOURS, THEN_1_MONTH)
READY_5_HOURS = pod("ready-5-hours", "", "Running", True, 0, THEN_5_HOURS, THEN_1_MONTH)
READY_10_HOURS = pod("ready-10-hours", "", "Running", True, 0, THEN_8_HOURS, THEN_1_MONTH)


def _owner(kind, name, uid):
    return {"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": uid,
            "controller": True}


def first_deleted(pods: list[tuple[dict, int]]) -> str:
    return scale_down_one(pods)[0]


def scale_down_one(pods: list[tuple[dict, int]]) -> tuple[str, str]:
    """Two pods (with their Rank: how many active pods of the same family share their node)
    of one ReplicaSet scaled from 2 to 1: the name of the pod getPodsToDelete picks, and the
    name of the candidate with the smaller uid.

    Each pod gets its own node ("" stays unscheduled); a sibling ReplicaSet of the same
    Deployment adds rank - 1 running pods next to it, which count in the rank but are not
    candidates."""
    cluster = Cluster.from_manifests([node("node-0"), node("node-1")])
    family = "uid-of-the-deployment"
    template = {"metadata": {"labels": {"app": "a"}},
                "spec": {"containers": [{"name": "c", "image": "x"}]}}
    for name in ("target", "sibling"):
        cluster.apply({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                       "metadata": {"name": name,
                                    "ownerReferences": [_owner("Deployment", "d", family)]},
                       "spec": {"replicas": 1 if name == "target" else 100,
                                "selector": {"matchLabels": {"app": "a"}},
                                "template": template}})
    uids = {name: cluster.get("rs", name).metadata.uid for name in ("target", "sibling")}
    manifests, placement = [], []
    for i, (spec, rank) in enumerate(pods):
        node_name = f"node-{i}" if spec["node"] else ""
        manifests.append({"apiVersion": "v1", "kind": "Pod",
                          "metadata": {"name": spec["name"] + f"-{i}",
                                       "annotations": spec["annotations"],
                                       "ownerReferences": [_owner("ReplicaSet", "target",
                                                                  uids["target"])]},
                          "spec": template["spec"]})
        placement.append((spec, node_name))
        for j in range(rank - 1):
            manifests.append({"apiVersion": "v1", "kind": "Pod",
                              "metadata": {"name": f"filler-{i}-{j}",
                                           "ownerReferences": [_owner(
                                               "ReplicaSet", "sibling", uids["sibling"])]},
                              "spec": template["spec"]})
            placement.append((pod("filler", "node", "Running", True, 0, NOW, NOW), node_name))
    cluster.apply(manifests)
    state = cluster.state
    state.time = NOW
    pods_table, nodes = state.tables["pods"], state.tables["nodes"]
    rows = pods_table.live_rows()
    for row, (spec, node_name) in zip(rows.tolist(), placement):
        index = int(cluster.rows("node")[int(node_name[-1])]) if node_name else -1
        pods_table["node_index"][row] = index
        pods_table["node_name"][row] = nodes["name"][index] if index >= 0 else -1
        pods_table["phase"][row] = POD_PHASES.index(spec["phase"])
        pods_table["ready"][row] = spec["ready"]
        pods_table["restarts"][row] = spec["restarts"]
        pods_table["ready_time"][row] = spec["ready_time"]
        pods_table["creation_time"][row] = spec["created"]
    owner = owner_rows(state, "pods", "replicasets")
    target = np.array([cluster.rows("rs")[0]])
    deleted = pods_to_delete(state, target, count_pods(state).active, NOW)
    [name] = state.strings.decode(pods_table["name"][deleted])
    candidates = rows[owner[rows] == target[0]]
    by_uid = sorted(zip(state.strings.decode(pods_table["uid"][candidates]),
                        state.strings.decode(pods_table["name"][candidates])))
    return name, by_uid[0][1]


def _lesser_in_both_orders(lesser, greater) -> bool:
    """The lesser pod is deleted whichever of the two is created first (so whichever has the
    smaller uid)."""
    first = first_deleted([lesser, greater])
    second = first_deleted([greater, lesser])
    return first == lesser[0]["name"] + "-0" and second == lesser[0]["name"] + "-1"


# -- TestSortingActivePodsWithRanks: inequality tests ------------------------------------------

INEQUALITY = [
    ((UNSCHEDULED, 1), (SCHEDULED_PENDING, 2)),
    ((UNSCHEDULED, 2), (SCHEDULED_PENDING, 1)),
    ((SCHEDULED_PENDING, 1), (UNKNOWN_PHASE, 2)),
    ((UNKNOWN_PHASE, 1), (RUNNING_NOT_READY, 2)),
    ((RUNNING_NOT_READY, 1), (READY_NO_LAST_TRANSITION, 1)),
    ((READY_NO_LAST_TRANSITION, 1), (READY_NOW, 1)),
    ((READY_NOW, 2), (READY_NO_LAST_TRANSITION, 1)),
    ((READY_NOW, 1), (READY_THEN, 1)),
    ((READY_NOW, 2), (READY_THEN, 1)),
    ((READY_NOW_HIGH_RESTARTS, 1), (READY_NOW, 1)),
    ((READY_NOW, 2), (READY_NOW_HIGH_RESTARTS, 1)),
    ((READY_NOW, 1), (READY_NOW_CREATED_THEN, 1)),
    ((READY_NOW_CREATED_THEN, 2), (READY_NOW, 1)),
    ((LOW_DELETION_COST, 2), (HIGH_DELETION_COST, 1)),
    # log2 buckets of the ready age: 2 h -> 42, 5 h -> 44
    ((READY_2_HOURS, 1), (READY_5_HOURS, 1)),
]


@pytest.mark.parametrize("lesser, greater", INEQUALITY,
                         ids=[f"{a[0]['name']}({a[1]})<{b[0]['name']}({b[1]})"
                              for a, b in INEQUALITY])
def test_sorting_active_pods_with_ranks_inequality(lesser, greater):
    # TestSortingActivePodsWithRanks, inequalityTests (PodDeletionCost and
    # LogarithmicScaleDown on, as by default): the lesser pod is deleted first
    assert _lesser_in_both_orders(lesser, greater)


def test_pod_deletion_cost_cannot_be_turned_off():
    # TestSortingActivePodsWithRanks' last inequality case turns the PodDeletionCost gate off
    # ({highPodDeletionCost, 2} < {lowPodDeletionCost, 1}); kbench has no feature gates and
    # honours the annotation (GA since 1.22), so the cheaper pod goes first despite its rank
    assert _lesser_in_both_orders((LOW_DELETION_COST, 1), (HIGH_DELETION_COST, 2))


# -- TestSortingActivePodsWithRanks: equality tests --------------------------------------------

EQUALITY = [
    (UNSCHEDULED, UNSCHEDULED), (SCHEDULED_PENDING, SCHEDULED_PENDING),
    (UNKNOWN_PHASE, UNKNOWN_PHASE), (RUNNING_NOT_READY, RUNNING_NOT_READY),
    (READY_NOW_CREATED_THEN, READY_NOW_CREATED_THEN), (READY_NOW, READY_NOW),
    (READY_THEN, READY_THEN), (READY_NOW_HIGH_RESTARTS, READY_NOW_HIGH_RESTARTS),
    # created 5 h and 8 h ago: the same log2 bucket (44)
    (UNSCHEDULED_5_HOURS, UNSCHEDULED_8_HOURS),
    # ready 5 h and 8 h ago: the same bucket
    (READY_5_HOURS, READY_10_HOURS),
]


@pytest.mark.parametrize("p1, p2", EQUALITY,
                         ids=[f"{a['name']}={b['name']}" for a, b in EQUALITY])
def test_sorting_active_pods_with_ranks_equality(p1, p2):
    # TestSortingActivePodsWithRanks, equalityTests: neither is less. Go then keeps whatever
    # order the sort leaves (the pods have no uid); kbench breaks the tie by uid, so the pod
    # with the smaller uid goes first whichever of the two it is.
    for pods in ([(p1, 1), (p2, 1)], [(p2, 1), (p1, 1)]):
        deleted, smaller_uid = scale_down_one(pods)
        assert deleted == smaller_uid


def test_ready_times_in_one_bucket_compare_restarts_unlike_go():
    # The documented approximation (pods_to_delete's docstring). Ready 5 h and 8 h ago share
    # a log2 bucket; the 8 h pod has restarted. Go's Less stops at the ready times: they
    # differ, their buckets do not, so it returns UID(i) < UID(j), ignoring the restarts.
    # kbench compares the buckets as keys and goes on to the restarts, so the pod with more
    # restarts is deleted first whatever the uids. In the second run the other pod has the
    # smaller uid: that one is what Go would delete.
    restarted = dict(READY_10_HOURS, name="ready-8-hours-restarted", restarts=5)
    deleted, _ = scale_down_one([(READY_5_HOURS, 1), (restarted, 1)])
    assert deleted == "ready-8-hours-restarted-1"
    deleted, go_would_delete = scale_down_one([(restarted, 1), (READY_5_HOURS, 1)])
    assert deleted == "ready-8-hours-restarted-0"
    assert go_would_delete == "ready-5-hours-1"


# -- end to end --------------------------------------------------------------------------------

def test_replica_set_scale_down_deletes_unscheduled_then_not_ready_then_doubled_up_pods():
    small = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n2"},
             "status": {"capacity": {"cpu": "32", "memory": "128Gi", "pods": "110"}}}
    template = {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx:1"}]}}
    cluster = Cluster.from_manifests([node("n1"), small, {
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
        "spec": {"replicas": 5, "selector": {"matchLabels": {"app": "web"}},
                 "template": template}}])
    uid = cluster.get("rs", "web").metadata.uid
    owner = [_owner("ReplicaSet", "web", uid)]
    probe = {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 1}

    def pod_manifest(name, node_name=None, annotations=None, **spec):
        container = dict(template["spec"]["containers"][0])
        if annotations:
            container["readinessProbe"] = probe
        body = {"containers": [container], **spec}
        if node_name:
            body["nodeName"] = node_name
        return {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "labels": {"app": "web"},
                             "annotations": annotations or {}, "ownerReferences": owner},
                "spec": body}

    cluster.apply([
        pod_manifest("unscheduled", nodeSelector={"disk": "none"}),
        pod_manifest("not-ready", "n2", {"kbench.io/ready-after": "never"}),
        pod_manifest("doubled-a", "n1"), pod_manifest("doubled-b", "n1"),
        pod_manifest("alone", "n2")])
    cluster.step("20s")
    assert {p.name for p in cluster.list("pods")} == {
        "unscheduled", "not-ready", "doubled-a", "doubled-b", "alone"}

    def live():
        return {p.name for p in cluster.list("pods") if not p.metadata.get("deletionTimestamp")}

    cluster.scale("rs", "web", 4)
    cluster.step("1s")
    assert "unscheduled" not in live()
    cluster.scale("rs", "web", 3)
    cluster.step("1s")
    assert "not-ready" not in live()
    # not-ready is still terminating on n2 but no longer active: doubled-a and doubled-b
    # share n1 (rank 2), alone has n2 to itself (rank 1)
    cluster.scale("rs", "web", 2)
    cluster.step("1s")
    assert "alone" in live() and len(live() & {"doubled-a", "doubled-b"}) == 1
    cluster.step("60s")
    assert len(cluster.list("pods")) == 2


def test_the_controller_records_successful_delete_for_each_pod_it_deletes():
    # replica_set.go: each pod the controller deletes comes with SuccessfulDelete,
    # "Deleted pod: <name>", about the ReplicaSet (its pod control records it)
    from kbench.controllers.replicaset import sync_replicasets

    template = {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx:1"}]}}
    cluster = Cluster.from_manifests([node("n1"), {
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                 "template": template}}])
    cluster.step("20s")
    cluster.scale("rs", "web", 1)
    state = cluster.state
    actions = sync_replicasets(state)
    [deleted] = actions.delete_pods
    [events] = actions.deletion_events
    pods = state.tables["pods"]
    assert len(deleted) == 2
    assert (events.kind, events.type, events.reason, events.component) == (
        "ReplicaSet", "Normal", "SuccessfulDelete", "replicaset-controller")
    assert state.strings.decode(events.name_codes) == ["web", "web"]
    assert events.messages == [f"Deleted pod: {name}"
                               for name in state.strings.decode(pods["name"][deleted])]
    # the engine records them as they are, then deletes the pods
    cluster.step("1s")
    messages = sorted(e.to_dict()["message"] for e in cluster.events(cluster.get("rs", "web"))
                      if e.to_dict()["reason"] == "SuccessfulDelete")
    assert messages == sorted(events.messages)


@pytest.mark.parametrize("seed", [0, 7, 2**63 + 5])
@pytest.mark.parametrize("start", [0, 1000, 2**40])
def test_few_name_suffixes_are_those_of_the_numpy_path(seed, start, monkeypatch):
    """Generated names: a few suffixes are made in plain Python, more with numpy; the same
    counter gives the same suffix either way."""
    from kbench.controllers import ownership
    few = ownership._name_suffixes(seed, start, ownership._FEW_NAMES)
    monkeypatch.setattr(ownership, "_FEW_NAMES", 0)
    assert ownership._name_suffixes(seed, start, len(few)) == few
    assert all(len(suffix) == 5 and set(suffix) <= set(ownership.ALPHANUMS) for suffix in few)


def test_remembered_min_ready_seconds_and_pod_manifest_follow_a_changed_body():
    """count_pods reads minReadySeconds again once a ReplicaSet's body changes; the pod
    manifest a creation batch carries is the one built from the ReplicaSet as it is, with
    the JSON PodPlans keys it by."""
    import json

    from kbench.controllers.replicaset import _creation, _spec_field

    template = {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx:1"}]}}
    cluster = Cluster.from_manifests([node("n1"), {
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
        "spec": {"replicas": 2, "minReadySeconds": 30,
                 "selector": {"matchLabels": {"app": "web"}}, "template": template}}])
    state = cluster.state
    row = state.find("replicasets", "web", "default")
    assert _spec_field(state, "replicasets", "minReadySeconds", 0)[row] == 30
    sets = state.tables["replicasets"]
    body = state.strings.document(int(sets["body"][row]))
    body["spec"]["minReadySeconds"] = 5
    sets["body"][row] = state.strings.intern_document(body)
    assert _spec_field(state, "replicasets", "minReadySeconds", 0)[row] == 5

    first, again = _creation(state, row, 1), _creation(state, row, 1)
    assert first.manifest is again.manifest
    assert first.manifest_text == json.dumps(first.manifest, sort_keys=True,
                                             separators=(",", ":"))
    assert first.manifest["metadata"]["generateName"] == "web-"
    assert first.manifest["metadata"]["ownerReferences"][0]["uid"] == state.strings[
        int(sets["uid"][row])]
    stored = state.strings.document(int(sets["template"][row]))
    assert first.manifest["spec"] == stored["spec"]
