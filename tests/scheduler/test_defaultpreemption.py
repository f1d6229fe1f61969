"""DefaultPreemption (PostFilter) in the reference scheduler, ported from
pkg/scheduler/framework/plugins/defaultpreemption/default_preemption_test.go (Kubernetes v1.33):
TestPostFilter, TestDryRunPreemption, TestSelectBestCandidate (SelectCandidate /
pickOneNodeForPreemption) and TestPodEligibleToPreemptOthers, the cases whose result is
observable here (nominated node, victims, message). These call the reference directly.

Left out: cases needing extenders, the fake TestPlugin / FakeFilter / MatchFilter plugins,
pod groups (TAS / workload-aware preemption) and the filter call counts.

Go's st.MakeNode().Capacity(...) gives a node 32 pods unless the map says otherwise; its
epochTimeN (time.Unix(0, N)) are N nanoseconds, written here as N seconds (same order).
"""

from __future__ import annotations

import pytest

from reference.framework import UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE, Status
from reference.plugins.defaultpreemption import (
    Candidate,
    DefaultPreemption,
    disruptions_allowed,
    pick_one_node_for_preemption,
)
from reference.scheduler import Diagnosis, ReferenceScheduler
from scheduler.builders import make_node, make_pod

NEG, LOW, MID, HIGH, VERY_HIGH = -100, 0, 100, 1000, 10000
SMALL = {"cpu": 100, "memory": "100"}
MEDIUM = {"cpu": 200, "memory": "200"}
LARGE = {"cpu": 300, "memory": "300"}
VERY_LARGE = {"cpu": 500, "memory": "500"}
ONE_POD = {"pods": 1}
NODE_RES = {"cpu": 200, "memory": "400"}

U, UU = UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE


def profile(*plugins: str) -> dict:
    """Only these PreFilter/Filter plugins, and DefaultPreemption at PostFilter."""
    enabled = [{"name": name} for name in plugins]
    return {"plugins": {"multiPoint": {"disabled": [{"name": "*"}]},
                        "preFilter": {"enabled": enabled}, "filter": {"enabled": enabled},
                        "postFilter": {"enabled": [{"name": "DefaultPreemption"}]}}}


FIT = profile("NodeResourcesFit")


def pod(name, priority=None, req=None, node=None, labels=None, start=None, ns="default"):
    builder = make_pod(name).ns(ns)
    if priority is not None:
        builder.priority(priority)
    if req:
        builder.req(req)
    if labels:
        builder.labels(labels)
    if node:
        builder.node(node)
    obj = builder.obj()
    if start is not None:
        obj["status"]["startTime"] = f"1970-01-01T00:00:{start:02d}Z"
    return obj


def node(name, res=None, labels=None):
    return make_node(name).alloc({"pods": 32, **(res or {})}).labels(labels or {}).obj()


def pdb(labels, allowed=None, disrupted=(), ns="default", **spec):
    obj = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
           "metadata": {"name": "pdb", "namespace": ns},
           "spec": {"selector": {"matchLabels": labels}, **spec}}
    if allowed is not None:
        obj["status"] = {"disruptionsAllowed": allowed,
                         "disruptedPods": {name: "2024-01-01T00:00:00Z" for name in disrupted}}
    return obj


def plugin(nodes, pods, prof=FIT, pdbs=(), args=None, seed=0):
    sched = ReferenceScheduler(prof, seed=seed)
    snapshot = sched.prepare(nodes, pods, pod_disruption_budgets=list(pdbs))
    return DefaultPreemption(sched, snapshot, args)


def names(pods):
    return sorted(p["metadata"]["name"] for p in pods)


# ---------------------------------------------------------------------------
# TestPostFilter
# ---------------------------------------------------------------------------

# (Go case name, preemptor, existing pods, nodes, pdbs, node statuses, want nominated node
#  (None: unchanged, "": cleared), want message)
POST_FILTER_CASES = [
    ("pod with higher priority can be made schedulable",
     pod("p", HIGH), [pod("p1", node="node1")], [node("node1", ONE_POD)], [],
     {"node1": U}, "node1", ""),
    ("pod with tied priority is still unschedulable",
     pod("p"), [pod("p1", node="node1")], [node("node1", ONE_POD)], [],
     {"node1": U}, "", "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."),
    ("preemption should respect filteredNodesStatuses",
     pod("p", HIGH), [pod("p1", node="node1")], [node("node1", ONE_POD)], [],
     {"node1": UU}, "", "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."),
    ("preemption should respect absent NodeToStatusReader entry meaning UnschedulableAndUnresolvable",
     pod("p", HIGH), [pod("p1", node="node1")], [node("node1", ONE_POD)], [],
     {}, "", "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."),
    ("pod can be made schedulable on one node",
     pod("p", MID), [pod("p1", HIGH, node="node1"), pod("p2", LOW, node="node2")],
     [node("node1", ONE_POD), node("node2", ONE_POD)], [], {"node1": U, "node2": U}, "node2", ""),
    ("pod can be made schedulable on minHighestPriority node",
     pod("p", VERY_HIGH),
     [pod("p1", HIGH, node="node1", labels={"violating": "no"}),
      pod("p2", LOW, node="node1", labels={"violating": "yes"}),
      pod("p3", MID, node="node2", labels={"violating": "yes"})],
     [node("node1", ONE_POD), node("node2", ONE_POD)],
     [pdb({"violating": "yes"}, 0, minAvailable="100%"),
      pdb({"violating": "no"}, 2**31 - 1, minAvailable=0)],
     {"node1": U, "node2": U}, "node2", ""),
    ("no candidate nodes found, no enough resource after removing low priority pods",
     pod("p", HIGH, LARGE), [pod("p1", node="node1"), pod("p2", node="node2")],
     [node("node1", NODE_RES), node("node2", NODE_RES)], [], {"node1": U, "node2": U}, "",
     "preemption: 0/2 nodes are available: 2 Insufficient cpu."),
    ("no candidate nodes found with mixed reasons, no lower priority pod and no enough CPU resource",
     pod("p", HIGH, LARGE),
     [pod("p1", HIGH, node="node1"), pod("p2", node="node2"), pod("p3", HIGH, node="node3")],
     [node("node1", ONE_POD), node("node2", NODE_RES), node("node3", ONE_POD)], [],
     {"node1": U, "node2": U, "node3": U}, "",
     "preemption: 0/3 nodes are available: 1 Insufficient cpu, 2 No preemption victims found for incoming pod."),
    ("no candidate nodes found with mixed reason, 2 UnschedulableAndUnresolvable nodes and 2 nodes "
     "don't have enough CPU resource",
     pod("p", HIGH, LARGE), [pod("p1", node="node1"), pod("p2", node="node2")],
     [node(f"node{i}", NODE_RES) for i in range(1, 5)], [], {"node1": U, "node2": U, "node4": UU}, "",
     "preemption: 0/4 nodes are available: 2 Insufficient cpu, 2 Preemption is not helpful for scheduling."),
]


@pytest.mark.parametrize("name,preemptor,pods,nodes,pdbs,statuses,want_node,want_message",
                         POST_FILTER_CASES, ids=[c[0] for c in POST_FILTER_CASES])
def test_post_filter(name, preemptor, pods, nodes, pdbs, statuses, want_node, want_message):
    dp = plugin(nodes, pods, pdbs=pdbs)
    diagnosis = Diagnosis(node_to_status={n: Status(code) for n, code in statuses.items()})
    result = dp.post_filter(preemptor, diagnosis)
    assert result.nominated_node == want_node
    assert result.message == want_message
    assert result.status.code == ("Success" if want_node else U)


# ---------------------------------------------------------------------------
# TestPodEligibleToPreemptOthers (the PostFilter message of an ineligible pod)
# ---------------------------------------------------------------------------

def terminating(victim):
    victim["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    victim["status"]["conditions"] = [{"type": "DisruptionTarget", "status": "True",
                                       "reason": "PreemptionByScheduler"}]
    return victim


def test_pod_eligible_to_preempt_others():
    nodes = [node("node1", ONE_POD)]
    # "Pod with nominated node, but the preemptionPolicy is Never": no nomination change.
    never = make_pod("p").priority(HIGH).preemption_policy("Never").obj()
    result = plugin(nodes, [pod("p1", node="node1")]).post_filter(
        never, Diagnosis(node_to_status={"node1": Status(U)}))
    assert (result.nominated_node, result.message) == (
        None, "preemption: not eligible due to preemptionPolicy=Never.")
    # "Pod with nominated node, but lower priority pod is terminating by preemption"
    nominated = make_pod("p").priority(HIGH).nominated("node1").obj()
    existing = [terminating(pod("p1", LOW, node="node1"))]
    result = plugin(nodes, existing).post_filter(nominated, Diagnosis(node_to_status={"node1": Status(U)}))
    assert (result.nominated_node, result.message) == (
        None, "preemption: not eligible due to a terminating pod on the nominated node.")
    # "victim Pods terminating, but the nominated node is UnschedulableAndUnresolvable": eligible
    result = plugin(nodes, existing).post_filter(nominated, Diagnosis(node_to_status={"node1": Status(UU)}))
    assert result.message == "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    # "Pod with nominated node, but lower priority pod is terminating (not by preemption)": eligible
    plain = pod("p1", LOW, node="node1")
    plain["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    result = plugin(nodes, [plain]).post_filter(nominated, Diagnosis(node_to_status={"node1": Status(U)}))
    assert (result.nominated_node, names(result.victims)) == ("node1", ["p1"])


# ---------------------------------------------------------------------------
# TestDryRunPreemption
# ---------------------------------------------------------------------------

def dry_run_nodes(*specs):
    """Go: "name/zone" -> node "name" labelled hostname=name, zone=zone; capacity veryLargeRes."""
    result = []
    for spec in specs:
        values = spec.split("/")
        labels = dict(zip(("hostname", "zone", "region"), values))
        result.append(node(values[0], VERY_LARGE, labels))
    return result


def anti_affinity_exists(key, topology_key):
    return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchExpressions": [{"key": key, "operator": "Exists"}]},
         "topologyKey": topology_key}]}}


def spread(builder, topology_key):
    return builder.spread(max_skew=1, topology_key=topology_key, when_unsatisfiable="DoNotSchedule",
                          selector={"matchExpressions": [{"key": "foo", "operator": "Exists"}]})


P_WITH_ANTI = make_pod("p1.1").labels(foo="").priority(LOW).req(SMALL).node("node1").affinity(
    anti_affinity_exists("foo", "hostname")).obj()
P_SPREAD = spread(spread(make_pod("p").labels(foo="").priority(HIGH), "zone"), "hostname").obj()

# (Go case name, plugins, node specs, preemptor, existing pods, pdbs, args, offset,
#  want {node: (victim names, number of PDB violations)})
DRY_RUN_CASES = [
    ("a pod that fits on both nodes when lower priority pods are preempted", FIT, ["node1", "node2"],
     pod("p", HIGH, LARGE), [pod("p1", MID, LARGE, "node1"), pod("p2", MID, LARGE, "node2")], [], None, 0,
     {"node1": (["p1"], 0), "node2": (["p2"], 0)}),
    ("a pod that would fit on the nodes, but other pods running are higher priority, no preemption "
     "would happen", FIT, ["node1", "node2"],
     pod("p", LOW, LARGE), [pod("p1", MID, LARGE, "node1"), pod("p2", MID, LARGE, "node2")], [], None, 0, {}),
    ("medium priority pod is preempted, but lower priority one stays as it is small", FIT, ["node1", "node2"],
     pod("p", HIGH, LARGE),
     [pod("p1.1", LOW, SMALL, "node1"), pod("p1.2", MID, LARGE, "node1"), pod("p2", MID, LARGE, "node2")],
     [], None, 0, {"node1": (["p1.2"], 0), "node2": (["p2"], 0)}),
    ("mixed priority pods are preempted", FIT, ["node1", "node2"], pod("p", HIGH, LARGE),
     [pod("p1.1", MID, SMALL, "node1"), pod("p1.2", LOW, SMALL, "node1"), pod("p1.3", MID, MEDIUM, "node1"),
      pod("p1.4", HIGH, SMALL, "node1"), pod("p2", HIGH, LARGE, "node2")],
     [], None, 0, {"node1": (["p1.2", "p1.3"], 0)}),
    ("mixed priority pods are preempted, pick later StartTime one when priorities are equal", FIT,
     ["node1", "node2"], pod("p", HIGH, LARGE),
     [pod("p1.1", LOW, SMALL, "node1", start=5), pod("p1.2", LOW, SMALL, "node1", start=4),
      pod("p1.3", MID, MEDIUM, "node1", start=3), pod("p1.4", HIGH, SMALL, "node1", start=2),
      pod("p2", HIGH, LARGE, "node2", start=1)],
     [], None, 0, {"node1": (["p1.1", "p1.3"], 0)}),
    ("pod with anti-affinity is preempted", profile("NodeResourcesFit", "InterPodAffinity"),
     ["node1", "node2"], make_pod("p").labels(foo="").priority(HIGH).req(SMALL).obj(),
     [P_WITH_ANTI, pod("p1.2", MID, SMALL, "node1"), pod("p1.3", HIGH, SMALL, "node1"),
      pod("p2", HIGH, SMALL, "node2")],
     [], None, 0, {"node1": (["p1.1"], 0)}),
    ("preemption to resolve pod topology spread filter failure", profile("PodTopologySpread"),
     ["node-a/zone1", "node-b/zone1", "node-x/zone2"], P_SPREAD,
     [pod("pod-a1", MID, node="node-a", labels={"foo": ""}), pod("pod-a2", LOW, node="node-a", labels={"foo": ""}),
      pod("pod-b1", LOW, node="node-b", labels={"foo": ""}), pod("pod-x1", HIGH, node="node-x", labels={"foo": ""}),
      pod("pod-x2", HIGH, node="node-x", labels={"foo": ""})],
     [], None, 0, {"node-a": (["pod-a2"], 0), "node-b": (["pod-b1"], 0)}),
    ("preemption with violation of same pdb", FIT, ["node1"], pod("p", HIGH, VERY_LARGE),
     [pod("p1.1", MID, MEDIUM, "node1", {"app": "foo"}), pod("p1.2", MID, MEDIUM, "node1", {"app": "foo"})],
     [pdb({"app": "foo"}, 1)], None, 0, {"node1": (["p1.1", "p1.2"], 1)}),
    ("preemption with violation of the pdb with pod whose eviction was processed, the victim doesn't "
     "belong to DisruptedPods", FIT, ["node1"], pod("p", HIGH, VERY_LARGE),
     [pod("p1.1", MID, MEDIUM, "node1", {"app": "foo"}), pod("p1.2", MID, MEDIUM, "node1", {"app": "foo"})],
     [pdb({"app": "foo"}, 1, ["p2"])], None, 0, {"node1": (["p1.1", "p1.2"], 1)}),
    ("preemption with violation of the pdb with pod whose eviction was processed, the victim belongs "
     "to DisruptedPods", FIT, ["node1"], pod("p", HIGH, VERY_LARGE),
     [pod("p1.1", MID, MEDIUM, "node1", {"app": "foo"}), pod("p1.2", MID, MEDIUM, "node1", {"app": "foo"})],
     [pdb({"app": "foo"}, 1, ["p1.2"])], None, 0, {"node1": (["p1.1", "p1.2"], 0)}),
    ("preemption with violation of the pdb with pod whose eviction was processed, the victim which "
     "belongs to DisruptedPods is treated as 'nonViolating'", FIT, ["node1"], pod("p", HIGH, VERY_LARGE),
     [pod("p1.1", MID, MEDIUM, "node1", {"app": "foo"}), pod("p1.2", MID, MEDIUM, "node1", {"app": "foo"}),
      pod("p1.3", MID, MEDIUM, "node1", {"app": "foo"})],
     [pdb({"app": "foo"}, 1, ["p1.3"])], None, 0, {"node1": (["p1.1", "p1.2", "p1.3"], 1)}),
    # cycle=0 => offset=4 => node5 (yes), node1 (yes)
    ("all nodes are possible candidates, but DefaultPreemptionArgs limits to 2", FIT,
     [f"node{i}" for i in range(1, 6)], pod("p", HIGH, LARGE),
     [pod(f"p{i}", MID, LARGE, f"node{i}") for i in range(1, 6)], [],
     {"minCandidateNodesPercentage": 40, "minCandidateNodesAbsolute": 1}, 4,
     {"node1": (["p1"], 0), "node5": (["p5"], 0)}),
    # cycle=0 => offset=4 => node5 (no), node1 (yes), node2 (no), node3 (yes)
    ("some nodes are not possible candidates, DefaultPreemptionArgs limits to 2", FIT,
     [f"node{i}" for i in range(1, 6)], pod("p", HIGH, LARGE),
     [pod("p1", MID, LARGE, "node1"), pod("p2", VERY_HIGH, LARGE, "node2"), pod("p3", MID, LARGE, "node3"),
      pod("p4", MID, LARGE, "node4"), pod("p5", VERY_HIGH, LARGE, "node5")], [],
     {"minCandidateNodesPercentage": 40, "minCandidateNodesAbsolute": 1}, 4,
     {"node1": (["p1"], 0), "node3": (["p3"], 0)}),
    # cycle=0 => offset=4 => node5 (yes, pdb), node1 (yes, pdb), node2 (no, pdb), node3 (yes)
    ("preemption looks past numCandidates until a non-PDB violating node is found", FIT,
     [f"node{i}" for i in range(1, 6)], pod("p", HIGH, LARGE),
     [pod("p1", MID, LARGE, "node1", {"app": "foo"}), pod("p2", MID, LARGE, "node2", {"app": "foo"}),
      pod("p3", MID, LARGE, "node3"), pod("p4", MID, LARGE, "node4"),
      pod("p5", MID, LARGE, "node5", {"app": "foo"})],
     [pdb({"app": "foo"}, 0)], {"minCandidateNodesPercentage": 40, "minCandidateNodesAbsolute": 2}, 4,
     {"node1": (["p1"], 1), "node3": (["p3"], 0), "node5": (["p5"], 1)}),
]


@pytest.mark.parametrize("name,prof,specs,preemptor,pods,pdbs,args,offset,want", DRY_RUN_CASES,
                         ids=[c[0] for c in DRY_RUN_CASES])
def test_dry_run_preemption(name, prof, specs, preemptor, pods, pdbs, args, offset, want):
    dp = plugin(dry_run_nodes(*specs), pods, prof, pdbs, args)
    infos = sorted(dp.snapshot.nodes, key=lambda info: info.name)
    num = dp.calculate_num_candidates(len(infos))
    candidates, _, errors = dp.dry_run_preemption(preemptor, infos, list(pdbs), offset, num)
    assert not errors
    got = {c.name: (names(c.victims), c.num_pdb_violations) for c in candidates}
    assert got == want


def test_dry_run_preemption_offset_across_cycles():
    """TestDryRunPreemption "preemption offset across multiple scheduling cycles and wrap
    around": offsets 4, 1, 3 (Go's rand seeded 4) give node5+node1, node2+node3, node4+node5."""
    pods = [pod(f"p{i}", MID, LARGE, f"node{i}") for i in range(1, 6)]
    dp = plugin(dry_run_nodes(*[f"node{i}" for i in range(1, 6)]), pods,
                args={"minCandidateNodesPercentage": 40, "minCandidateNodesAbsolute": 1})
    infos = dp.snapshot.nodes
    wants = {4: ["node1", "node5"], 1: ["node2", "node3"], 3: ["node4", "node5"]}
    for cycle, (offset, want) in enumerate(wants.items()):
        candidates, _, _ = dp.dry_run_preemption(pod(f"tp{cycle + 1}", HIGH, LARGE), infos, [], offset, 2)
        assert sorted(c.name for c in candidates) == want


def test_offset_is_drawn_from_the_scheduler_rng():
    """GetOffsetAndNumCandidates: rand.Int31n(#potential nodes) is the scheduler's seeded draw."""
    from kbench.scheduler.rng import PythonRandom
    dp = plugin(dry_run_nodes("node1", "node2", "node3"), [], seed=7)
    assert dp.get_offset_and_num_candidates(3) == (PythonRandom(7).random_below(3), 3)
    assert dp.calculate_num_candidates(2000) == 200   # 10% of the nodes ...
    assert dp.calculate_num_candidates(500) == 100    # ... but at least 100 ...
    assert dp.calculate_num_candidates(50) == 50      # ... and at most all of them


# ---------------------------------------------------------------------------
# TestSelectBestCandidate (SelectCandidate, pickOneNodeForPreemption)
# ---------------------------------------------------------------------------

def on(node_name, *specs):
    """Pods "pN.M" on node_name from (name, priority, request, start) tuples."""
    return [pod(name, priority, req, node_name, start=start) for name, priority, req, start in specs]


SELECT_CASES = [
    ("a pod that fits on both nodes when lower priority pods are preempted", 2, pod("p", HIGH, LARGE),
     on("node1", ("p1", MID, LARGE, 0)) + on("node2", ("p2", MID, LARGE, 0)), {"node1", "node2"}),
    ("node with min highest priority pod is picked", 3, pod("p", HIGH, VERY_LARGE),
     on("node1", ("p1.1", MID, MEDIUM, 0), ("p1.2", MID, LARGE, 0))
     + on("node2", ("p2.1", MID, MEDIUM, 0), ("p2.2", LOW, MEDIUM, 0))
     + on("node3", ("p3.1", LOW, MEDIUM, 0), ("p3.2", LOW, MEDIUM, 0)), {"node3"}),
    ("when highest priorities are the same, minimum sum of priorities is picked", 3, pod("p", HIGH, VERY_LARGE),
     on("node1", ("p1.1", MID, MEDIUM, 0), ("p1.2", MID, LARGE, 0))
     + on("node2", ("p2.1", MID, LARGE, 0), ("p2.2", LOW, MEDIUM, 0))
     + on("node3", ("p3.1", MID, MEDIUM, 0), ("p3.2", MID, MEDIUM, 0)), {"node2"}),
    ("sum of adjusted priorities is considered", 3, pod("p", HIGH, VERY_LARGE),
     on("node1", ("p1.1", MID, SMALL, 0), ("p1.2", NEG, SMALL, 0), ("p1.3", NEG, SMALL, 0))
     + on("node2", ("p2.1", MID, LARGE, 0), ("p2.2", NEG, MEDIUM, 0))
     + on("node3", ("p3.1", MID, MEDIUM, 0), ("p3.2", NEG, SMALL, 0), ("p3.3", LOW, SMALL, 0)), {"node2"}),
    ("non-overlapping lowest high priority, sum priorities, and number of pods", 4,
     pod("p", VERY_HIGH, VERY_LARGE),
     on("node1", ("p1.1", MID, SMALL, 0), ("p1.2", LOW, SMALL, 0), ("p1.3", LOW, SMALL, 0))
     + on("node2", ("p2.1", HIGH, LARGE, 0))
     + on("node3", ("p3.1", MID, MEDIUM, 0), ("p3.2", LOW, SMALL, 0), ("p3.3", LOW, SMALL, 0),
          ("p3.4", LOW, MEDIUM, 0))
     + on("node4", ("p4.1", MID, MEDIUM, 0), ("p4.2", MID, SMALL, 0), ("p4.3", MID, SMALL, 0),
          ("p4.4", NEG, SMALL, 0)), {"node1"}),
    ("same priority, same number of victims, different start time for each node's pod", 3,
     pod("p", HIGH, VERY_LARGE),
     on("node1", ("p1.1", MID, MEDIUM, 2), ("p1.2", MID, MEDIUM, 2))
     + on("node2", ("p2.1", MID, MEDIUM, 3), ("p2.2", MID, MEDIUM, 3))
     + on("node3", ("p3.1", MID, MEDIUM, 1), ("p3.2", MID, MEDIUM, 1)), {"node2"}),
    ("same priority, same number of victims, different start time for all pods", 3, pod("p", HIGH, VERY_LARGE),
     on("node1", ("p1.1", MID, MEDIUM, 4), ("p1.2", MID, MEDIUM, 2))
     + on("node2", ("p2.1", MID, MEDIUM, 5), ("p2.2", MID, MEDIUM, 1))
     + on("node3", ("p3.1", MID, MEDIUM, 3), ("p3.2", MID, MEDIUM, 6)), {"node3"}),
    ("different priority, same number of victims, different start time for all pods", 3,
     pod("p", HIGH, VERY_LARGE),
     on("node1", ("p1.1", LOW, MEDIUM, 4), ("p1.2", MID, MEDIUM, 2))
     + on("node2", ("p2.1", MID, MEDIUM, 6), ("p2.2", LOW, MEDIUM, 1))
     + on("node3", ("p3.1", LOW, MEDIUM, 3), ("p3.2", MID, MEDIUM, 5)), {"node2"}),
]


@pytest.mark.parametrize("name,num_nodes,preemptor,pods,expected", SELECT_CASES, ids=[c[0] for c in SELECT_CASES])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_select_best_candidate(name, num_nodes, preemptor, pods, expected, seed):
    nodes = [node(f"node{i}", VERY_LARGE) for i in range(1, num_nodes + 1)]
    dp = plugin(nodes, pods, seed=seed)
    result = dp.post_filter(preemptor, Diagnosis(absent_status=Status(U)))
    assert result.message == ""
    assert result.nominated_node in expected


def test_pick_one_node_for_preemption_criteria_order():
    """pickOneNodeForPreemption: fewest PDB violations first, even against a lower highest
    victim priority; then the first of the tied nodes."""
    victims = lambda *specs: [pod(f"v{i}", p, start=s) for i, (p, s) in enumerate(specs)]
    fewer_pdb = Candidate("a", victims((MID, 0)), 0)
    lower_priority = Candidate("b", victims((LOW, 0)), 1)
    assert pick_one_node_for_preemption([lower_priority, fewer_pdb]) == "a"
    # no start time counts as the latest: the node whose top victims started last wins
    started = Candidate("c", victims((MID, 5)), 0)
    not_started = Candidate("d", [pod("w", MID)], 0)
    assert pick_one_node_for_preemption([started, not_started]) == "d"
    tied = [Candidate("x", victims((MID, 1)), 0), Candidate("y", victims((MID, 1)), 0)]
    assert pick_one_node_for_preemption(tied) == "x"
    assert pick_one_node_for_preemption(list(reversed(tied))) == "y"


# ---------------------------------------------------------------------------
# PodDisruptionBudget status.disruptionsAllowed as the disruption controller computes it
# ---------------------------------------------------------------------------

def test_disruptions_allowed_given_or_computed():
    pods = [pod(f"w{i}", node="node1", labels={"app": "web"}) for i in range(3)]
    pods.append(pod("other", node="node1", labels={"app": "db"}))
    dp = plugin([node("node1")], pods)
    snap = dp.snapshot
    assert disruptions_allowed(pdb({"app": "web"}, 7, minAvailable=2), snap) == 7   # status wins
    assert disruptions_allowed(pdb({"app": "web"}, minAvailable=2), snap) == 1      # 3 healthy - 2
    assert disruptions_allowed(pdb({"app": "web"}, minAvailable=5), snap) == 0
    assert disruptions_allowed(pdb({"app": "web"}, ns="other", minAvailable=0), snap) == 0  # no pods
    # maxUnavailable / percentages need the pods' controllers: none known -> fail safe, 0
    assert disruptions_allowed(pdb({"app": "web"}, maxUnavailable=1), snap) == 0
    owned = [make_pod(f"r{i}").labels(app="rs").owner("ReplicaSet", "rs").node("node1").obj() for i in range(4)]
    rs = {"metadata": {"name": "rs", "namespace": "default"}, "spec": {"replicas": 4}}
    sched = ReferenceScheduler(FIT)
    snap = sched.prepare([node("node1")], owned, replica_sets=[rs])
    assert disruptions_allowed(pdb({"app": "rs"}, maxUnavailable=1), snap) == 1          # 4 - (4 - 1)
    assert disruptions_allowed(pdb({"app": "rs"}, maxUnavailable="50%"), snap) == 2
    assert disruptions_allowed(pdb({"app": "rs"}, minAvailable="30%"), snap) == 2        # ceil(1.2) = 2
    # not ready (a Ready condition False) does not count as healthy
    owned[0]["status"]["conditions"] = [{"type": "Ready", "status": "False"}]
    snap = sched.prepare([node("node1")], owned, replica_sets=[rs])
    assert disruptions_allowed(pdb({"app": "rs"}, maxUnavailable=1), snap) == 0


def test_computed_pdb_protects_victims():
    """A PDB without status, minAvailable 2 over its two running pods: no disruption allowed.
    node1 can only be freed by evicting "a" (a violation); on node2 the PDB-violating "b" is
    reprieved first and evicting "c" suffices: node2 wins on fewer PDB violations."""
    pods = [pod("a", LOW, LARGE, "node1", {"app": "x"}), pod("b", LOW, LARGE, "node2", {"app": "x"}),
            pod("c", LOW, LARGE, "node2")]
    nodes = [node("node1", {"cpu": 300, "memory": "300"}), node("node2", {"cpu": 600, "memory": "600"})]
    for seed in range(3):
        dp = plugin(nodes, pods, pdbs=[pdb({"app": "x"}, minAvailable=2)], seed=seed)
        result = dp.post_filter(pod("p", HIGH, LARGE), Diagnosis(absent_status=Status(U)))
        assert (result.nominated_node, names(result.victims)) == ("node2", ["c"])
    # minAvailable 1: one disruption allowed, both nodes are free of violations and tie on
    # everything else; the first candidate from the random offset wins.
    dp = plugin(nodes, pods, pdbs=[pdb({"app": "x"}, minAvailable=1)])
    candidates, _, _ = dp.dry_run_preemption(pod("p", HIGH, LARGE), dp.snapshot.nodes,
                                             dp.snapshot.pod_disruption_budgets, 0, 2)
    assert [(c.name, names(c.victims), c.num_pdb_violations) for c in candidates] == [
        ("node1", ["a"], 0), ("node2", ["c"], 0)]


# ---------------------------------------------------------------------------
# End to end: schedule() rows
# ---------------------------------------------------------------------------

def test_schedule_rows_carry_the_nomination():
    nodes = [node("node1", ONE_POD), node("node2", ONE_POD)]
    pods = [pod("p1", HIGH, node="node1"), pod("p2", LOW, node="node2", ns="team"), pod("p", MID)]
    sched = ReferenceScheduler()
    sched.enable_preemption = True
    rows = sched.schedule(nodes, pods)
    assert rows == [{"pod": "p", "namespace": "default", "node": None, "score": None,
                     "message": "0/2 nodes are available: 2 Too many pods.",
                     "nominated_node": "node2", "victims": ["team/p2"]}]
    # Nothing is evicted: the next pod sees the victims still there.
    rows = sched.schedule(nodes, pods + [pod("q", LOW)])
    assert [(r["pod"], r["nominated_node"], r["victims"]) for r in rows] == [
        ("p", "node2", ["team/p2"]), ("q", None, [])]
    assert rows[1]["message"] == ("0/2 nodes are available: 2 Too many pods. preemption: 0/2 nodes are "
                                  "available: 2 No preemption victims found for incoming pod.")


def test_schedule_rows_without_preemption():
    """enable_preemption off, or DefaultPreemption disabled in the profile: no preemption
    text, no nomination."""
    nodes = [node("node1", ONE_POD)]
    pods = [pod("p1", LOW, node="node1"), pod("p", HIGH)]
    sched = ReferenceScheduler()
    sched.enable_preemption = False
    rows = sched.schedule(nodes, pods)
    assert rows[0]["message"] == "0/1 nodes are available: 1 Too many pods."
    assert "nominated_node" not in rows[0]
    sched = ReferenceScheduler({"plugins": {"postFilter": {"disabled": [{"name": "*"}]}}})
    rows = sched.schedule(nodes, pods)
    assert rows[0]["message"] == "0/1 nodes are available: 1 Too many pods."
    assert (rows[0]["nominated_node"], rows[0]["victims"]) == (None, [])


def test_unresolvable_nodes_are_not_tried():
    """nodesWherePreemptionMightHelp: a tainted node (UnschedulableAndUnresolvable) is skipped
    even though preempting its pod would make room."""
    nodes = [make_node("t").alloc(pods=1).taint("k", "v", "NoSchedule").obj(), node("node1", ONE_POD)]
    pods = [pod("low1", LOW, node="t"), pod("low2", LOW, node="node1"), pod("p", HIGH)]
    sched = ReferenceScheduler()
    sched.enable_preemption = True
    row = sched.schedule(nodes, pods)[0]
    assert (row["nominated_node"], row["victims"]) == ("node1", ["default/low2"])


# ---------------------------------------------------------------------------
# TestPreempt (the cases without extenders)
# ---------------------------------------------------------------------------

def test_preempt():
    nodes = dry_run_nodes("node1", "node2", "node3")
    existing = [pod("p1.1", LOW, SMALL, "node1"), pod("p1.2", LOW, SMALL, "node1"),
                pod("p2.1", HIGH, LARGE, "node2"), pod("p3.1", MID, MEDIUM, "node3")]
    everywhere = Diagnosis(absent_status=Status(U))
    # "basic preemption logic" (preemptionPolicy PreemptLowerPriority) and "PreemptionPolicy is nil"
    for preemptor in (make_pod("p").priority(HIGH).req(VERY_LARGE).preemption_policy("PreemptLowerPriority").obj(),
                      pod("p", HIGH, VERY_LARGE)):
        result = plugin(nodes, existing).post_filter(preemptor, everywhere)
        assert (result.nominated_node, names(result.victims)) == ("node1", ["p1.1", "p1.2"])
    # "no preempting in pod": preemptionPolicy Never, no nomination, no victims
    never = make_pod("p").priority(HIGH).req(VERY_LARGE).preemption_policy("Never").obj()
    result = plugin(nodes, existing).post_filter(never, everywhere)
    assert (result.nominated_node, result.victims) == (None, [])
    # "preemption for topology spread constraints"
    spread_pods = [pod("p-a1", HIGH, node="node-a", labels={"foo": ""}),
                   pod("p-a2", HIGH, node="node-a", labels={"foo": ""}),
                   pod("p-b1", LOW, node="node-b", labels={"foo": ""}),
                   pod("p-x1", HIGH, node="node-x", labels={"foo": ""}),
                   pod("p-x2", HIGH, node="node-x", labels={"foo": ""})]
    dp = plugin(dry_run_nodes("node-a/zone1", "node-b/zone1", "node-x/zone2"), spread_pods,
                profile("PodTopologySpread"))
    result = dp.post_filter(P_SPREAD, everywhere)
    assert (result.nominated_node, names(result.victims)) == ("node-b", ["p-b1"])
