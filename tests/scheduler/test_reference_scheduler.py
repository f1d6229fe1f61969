"""The reference scheduler's scheduleOne loop, ported from schedule_one_test.go
(TestNumFeasibleNodesToFind, TestFairEvaluationForNodes, TestSelectHost), framework/types_test.go
(TestFitError_Error) and priority_sort_test.go, with end-to-end checks of the FitError text,
the PreFilterResult, binding, the default profile's weights and the profile merging.
"""

import pytest

from reference.framework import CycleState, Status
from reference.plugins import PLUGINS
from reference.plugins.queuesort import PrioritySort, QueuedPodInfo
from reference.scheduler import (
    Diagnosis,
    NodePluginScores,
    ReferenceScheduler,
    SchedulingError,
    fit_error_message,
    node_tree_order,
    num_feasible_nodes_to_find,
    pick_among_best,
    select_host,
)
from kbench.scheduler.rng import PythonRandom
from scheduler.builders import make_node, make_pod, no_victims, not_helpful


def worker(name, cpu=4000, memory="8Gi", pods=110):
    return make_node(name).alloc(cpu=cpu, memory=memory, pods=pods)


def by_name(rows):
    return {row["pod"]: row for row in rows}


# ---------------------------------------------------------------------------
# numFeasibleNodesToFind
# ---------------------------------------------------------------------------

# TestNumFeasibleNodesToFind: (name, profile percentage, global percentage, nodes, want)
NUM_FEASIBLE_CASES = [
    ("not set percentageOfNodesToScore and nodes number not more than 50", None, 0, 10, 10),
    ("set percentageOfNodesToScore and nodes number not more than 50", None, 40, 10, 10),
    # adaptive: 50 - 1000/125 = 42% of 1000
    ("not set percentageOfNodesToScore and nodes number more than 50", None, 0, 1000, 420),
    ("set percentageOfNodesToScore and nodes number more than 50", None, 40, 1000, 400),
    # adaptive: 50 - 6000/125 = 2% -> at least 5% of 6000
    ("not set percentageOfNodesToScore and nodes number more than 50*125", None, 0, 6000, 300),
    ("set percentageOfNodesToScore and nodes number more than 50*125", None, 40, 6000, 2400),
    # The profile's value wins over the global one.
    ("set profile percentageOfNodesToScore and nodes number not more than 50", 40, 0, 10, 10),
    ("set profile percentageOfNodesToScore and nodes number more than 50", 40, 0, 1000, 400),
    ("set global and profile percentageOfNodesToScore and nodes number more than 50", 40, 100, 1000, 400),
    ("set profile percentageOfNodesToScore and nodes number more than 50*125", 40, 0, 6000, 2400),
    # Never fewer than 100 nodes.
    ("percentage under the 100-node minimum", 5, 0, 1000, 100),
    ("profile percentage 0 is adaptive even with a global percentage", 0, 40, 1000, 420),
]


@pytest.mark.parametrize("name,profile,global_,nodes,want", NUM_FEASIBLE_CASES, ids=[c[0] for c in NUM_FEASIBLE_CASES])
def test_num_feasible_nodes_to_find(name, profile, global_, nodes, want):
    assert num_feasible_nodes_to_find(profile, global_, nodes) == want
    sched = ReferenceScheduler({"percentageOfNodesToScore": profile} if profile is not None else None,
                               percentage_of_nodes_to_score=global_)
    assert sched.num_feasible_nodes_to_find(nodes) == want


# ---------------------------------------------------------------------------
# nextStartNodeIndex
# ---------------------------------------------------------------------------

LIGHT_PROFILE = {  # TestFairEvaluationForNodes: one filter that passes, something that scores
    "plugins": {"multiPoint": {"disabled": [{"name": "*"}]},
                "filter": {"enabled": [{"name": "NodeName"}]},
                "score": {"enabled": [{"name": "ImageLocality"}]}},
}


def test_fair_evaluation_for_nodes():
    """TestFairEvaluationForNodes: 500 nodes at 30%: every cycle finds 150 nodes and the next
    cycle starts where the last one stopped."""
    nodes = [make_node(str(i)).obj() for i in range(500)]
    sched = ReferenceScheduler({**LIGHT_PROFILE, "percentageOfNodesToScore": 30})
    snapshot = sched.prepare(nodes, [])
    nodes_to_find = sched.num_feasible_nodes_to_find(500)
    assert nodes_to_find == 150
    pod = make_pod("p").obj()
    for i in range(2 * (500 // nodes_to_find + 1)):
        feasible, _ = sched.find_nodes_that_fit_pod(CycleState(), pod, snapshot)
        assert len(feasible) == nodes_to_find
        assert feasible[0].name == str(i * nodes_to_find % 500)
        assert sched.next_start_node_index == (i + 1) * nodes_to_find % 500


def test_rejected_nodes_count_as_processed():
    """processedNodes = feasible + rejected: the index moves past the nodes that failed too."""
    nodes = [make_node(f"n{i:03}").obj() for i in range(200)]
    pod = make_pod("p").node_name("n150").obj()  # NodeName: only n150 fits
    sched = ReferenceScheduler(LIGHT_PROFILE)
    snapshot = sched.prepare(nodes, [])
    feasible, diagnosis = sched.find_nodes_that_fit_pod(CycleState(), pod, snapshot)
    assert [info.name for info in feasible] == ["n150"]
    assert len(diagnosis.node_to_status) == 199
    assert sched.next_start_node_index == 0  # (0 + 200) % 200


def test_rotation_across_pods_in_schedule():
    """200 nodes, adaptive: 100 nodes are looked at per pod, from where the last pod stopped."""
    nodes = [worker(f"n{i:03}").obj() for i in range(200)]
    pods = [make_pod(f"p{i}").req(cpu=100, memory="100Mi").obj() for i in range(3)]
    sched = ReferenceScheduler(seed=3)
    rows = by_name(sched.schedule(nodes, pods))
    assert "n000" <= rows["p0"]["node"] <= "n099"
    assert "n100" <= rows["p1"]["node"] <= "n199"
    assert "n000" <= rows["p2"]["node"] <= "n099"
    assert sched.next_start_node_index == 100


def test_node_tree_order_interleaves_zones():
    """nodeTree.list: zones in the order first seen, one node of each in turn."""
    def zoned(name, zone=None, region=None):
        builder = make_node(name)
        if zone:
            builder.label("topology.kubernetes.io/zone", zone)
        if region:
            builder.label("topology.kubernetes.io/region", region)
        return builder.obj()
    nodes = [zoned("a1", "a"), zoned("a2", "a"), zoned("a3", "a"), zoned("b1", "b"), zoned("x1"),
             zoned("b2", "b"), zoned("r1", "a", "r")]
    assert [n["metadata"]["name"] for n in node_tree_order(nodes)] == ["a1", "b1", "x1", "r1", "a2", "b2", "a3"]


def test_beta_zone_label_is_read_first():
    """GetZoneKey reads failure-domain.beta.kubernetes.io/zone before topology.kubernetes.io/zone."""
    first = make_node("n1").label("failure-domain.beta.kubernetes.io/zone", "z1").label(
        "topology.kubernetes.io/zone", "z2").obj()
    second = make_node("n2").label("topology.kubernetes.io/zone", "z1").obj()
    third = make_node("n3").label("failure-domain.beta.kubernetes.io/zone", "z1").obj()
    assert [n["metadata"]["name"] for n in node_tree_order([first, second, third])] == ["n1", "n2", "n3"]


# ---------------------------------------------------------------------------
# selectHost
# ---------------------------------------------------------------------------

def scores(*pairs):
    return [NodePluginScores(name, score) for name, score in pairs]


# TestSelectHost: (name, list, possible hosts)
SELECT_HOST_CASES = [
    ("unique properly ordered scores", scores(("node1.1", 1), ("node2.1", 2)), {"node2.1"}),
    ("equal scores", scores(("node1.1", 1), ("node1.2", 2), ("node1.3", 2), ("node2.1", 2)),
     {"node1.2", "node1.3", "node2.1"}),
    ("out of order scores", scores(("node1.1", 3), ("node1.2", 3), ("node2.1", 2), ("node3.1", 1), ("node1.3", 3)),
     {"node1.1", "node1.2", "node1.3"}),
]


@pytest.mark.parametrize("name,node_scores,possible", SELECT_HOST_CASES, ids=[c[0] for c in SELECT_HOST_CASES])
def test_select_host(name, node_scores, possible):
    chosen = set()
    for seed in range(40):  # "increase the randomness"
        chosen.add(select_host(node_scores, 3, PythonRandom(seed)).name)
    assert chosen == possible


def test_select_host_empty_list():
    with pytest.raises(SchedulingError, match="empty priorityList"):
        select_host([], 3, PythonRandom(0))


class FixedDraw:
    """A generator whose every draw is ``value`` (capped below n)."""

    def __init__(self, value):
        self.value = value
        self.calls = []

    def random_below(self, n):
        self.calls.append(n)
        return min(self.value, n - 1)


def test_select_host_reservoir_follows_go_heap_order():
    """Ties come off Go's container/heap in an order set by its sift-down: for [a, b, c] all
    equal, a, c, b; for [a, b, c] equal above d, a, b, c. Each further tie draws
    rand.Intn(count) and takes the pick on 0: never 0 keeps the first, always 0 the last."""
    three = scores(("a", 5), ("b", 5), ("c", 5))
    never = FixedDraw(1)
    assert select_host(three, 3, never).name == "a"
    assert never.calls == [2, 3]
    assert select_host(three, 3, FixedDraw(0)).name == "b"
    four = scores(("a", 5), ("b", 5), ("c", 5), ("d", 1))
    assert select_host(four, 3, FixedDraw(1)).name == "a"
    assert select_host(four, 3, FixedDraw(0)).name == "c"

    class SecondOnly(FixedDraw):
        def random_below(self, n):
            self.calls.append(n)
            return 0 if n == 2 else 1
    assert select_host(four, 3, SecondOnly(0)).name == "b"
    assert select_host(three, 3, SecondOnly(0)).name == "c"


@pytest.mark.parametrize("name,node_scores,possible", SELECT_HOST_CASES, ids=[c[0] for c in SELECT_HOST_CASES])
def test_pick_among_best_chooses_as_select_host_does(name, node_scores, possible):
    """The scheduler's one-draw choice and Go's reservoir sampling over the heap pick among
    the same nodes, each about equally often (2,000 seeds: within 15 % of uniform)."""
    counts = {"go": {}, "kbench": {}}
    for seed in range(2000):
        for how, choice in (("go", select_host(node_scores, 3, PythonRandom(seed))),
                            ("kbench", pick_among_best(node_scores, PythonRandom(seed)))):
            counts[how][choice.name] = counts[how].get(choice.name, 0) + 1
    for how in counts:
        assert set(counts[how]) == possible
        for count in counts[how].values():
            assert abs(count - 2000 / len(possible)) < 0.15 * 2000 / len(possible)


def test_pick_among_best_draws_once_only_on_ties():
    draws = FixedDraw(2)
    assert pick_among_best(scores(("a", 1), ("b", 5), ("c", 5), ("d", 5)), draws).name == "d"
    assert pick_among_best(scores(("a", 1), ("b", 5)), draws).name == "b"
    assert draws.calls == [3]


def test_select_host_seeded_draws_are_deterministic():
    node_scores = scores(*((f"n{i}", 7) for i in range(10)))
    first = [select_host(node_scores, 3, PythonRandom(seed)).name for seed in range(20)]
    second = [select_host(node_scores, 3, PythonRandom(seed)).name for seed in range(20)]
    assert first == second
    assert len(set(first)) > 1


def test_schedule_tie_breaking_is_seeded():
    """Identical nodes tie; the seed decides, the same seed decides the same."""
    nodes = [worker(f"n{i}").obj() for i in range(4)]
    pods = [make_pod(f"p{i}").req(cpu=100, memory="100Mi").obj() for i in range(6)]
    runs = [[row["node"] for row in ReferenceScheduler(seed=seed).schedule(nodes, pods)] for seed in (1, 1, 2)]
    assert runs[0] == runs[1]
    picks = {ReferenceScheduler(seed=seed).schedule(nodes, pods[:1])[0]["node"] for seed in range(20)}
    assert len(picks) > 1


# ---------------------------------------------------------------------------
# FitError
# ---------------------------------------------------------------------------

def unschedulable(reason):
    return Status("Unschedulable", [reason])


PREFILTER_MSG = "Node(s) failed PreFilter plugin FalsePreFilter"
POSTFILTER_MSG = "Error running PostFilter plugin FailedPostFilter"
F1 = "Node(s) failed Filter plugin FalseFilter-1"
F2 = "Node(s) failed Filter plugin FalseFilter-2"

# TestFitError_Error: (name, num all nodes, node statuses, prefilter msg, postfilter msg, want)
FIT_ERROR_CASES = [
    ("nodes failed Prefilter plugin", 3,
     {"node1": unschedulable(PREFILTER_MSG), "node2": unschedulable(PREFILTER_MSG), "node3": unschedulable(PREFILTER_MSG)},
     PREFILTER_MSG, "", "0/3 nodes are available: Node(s) failed PreFilter plugin FalsePreFilter."),
    ("nodes failed Prefilter plugin and the preemption also failed", 3,
     {"node1": unschedulable(PREFILTER_MSG), "node2": unschedulable(PREFILTER_MSG), "node3": unschedulable(PREFILTER_MSG)},
     PREFILTER_MSG, POSTFILTER_MSG,
     "0/3 nodes are available: Node(s) failed PreFilter plugin FalsePreFilter. "
     "Error running PostFilter plugin FailedPostFilter"),
    ("nodes failed one Filter plugin with an empty PostFilterMsg", 3,
     {"node1": unschedulable(F1), "node2": unschedulable(F1), "node3": unschedulable(F1)}, "", "",
     "0/3 nodes are available: 3 Node(s) failed Filter plugin FalseFilter-1."),
    ("nodes failed one Filter plugin with a non-empty PostFilterMsg", 3,
     {"node1": unschedulable(F1), "node2": unschedulable(F1), "node3": unschedulable(F1)}, "", POSTFILTER_MSG,
     "0/3 nodes are available: 3 Node(s) failed Filter plugin FalseFilter-1. "
     "Error running PostFilter plugin FailedPostFilter"),
    ("nodes failed two Filter plugins with an empty PostFilterMsg", 3,
     {"node1": unschedulable(F1), "node2": unschedulable(F1), "node3": unschedulable(F2)}, "", "",
     "0/3 nodes are available: 1 Node(s) failed Filter plugin FalseFilter-2, "
     "2 Node(s) failed Filter plugin FalseFilter-1."),
    ("nodes failed two Filter plugins with a non-empty PostFilterMsg", 3,
     {"node1": unschedulable(F1), "node2": unschedulable(F1), "node3": unschedulable(F2)}, "", POSTFILTER_MSG,
     "0/3 nodes are available: 1 Node(s) failed Filter plugin FalseFilter-2, "
     "2 Node(s) failed Filter plugin FalseFilter-1. Error running PostFilter plugin FailedPostFilter"),
    ("failed to Permit on node", 1, {"node1": unschedulable("Node failed Permit plugin Permit-1")}, "", "",
     "0/1 nodes are available: 1 Node failed Permit plugin Permit-1."),
    ("failed to Reserve on node", 1, {"node1": unschedulable("Node failed Reserve plugin Reserve-1")}, "", "",
     "0/1 nodes are available: 1 Node failed Reserve plugin Reserve-1."),
]


@pytest.mark.parametrize("name,num,statuses,pre,post,want", FIT_ERROR_CASES, ids=[c[0] for c in FIT_ERROR_CASES])
def test_fit_error_error(name, num, statuses, pre, post, want):
    diagnosis = Diagnosis(node_to_status=statuses, pre_filter_msg=pre, post_filter_msg=post)
    assert fit_error_message(num, diagnosis) == want


def test_fit_error_histogram_sorts_as_strings():
    """sort.Strings on "count reason": "10 x" sorts before "2 x"."""
    statuses = {f"n{i}": unschedulable("b") for i in range(10)}
    statuses.update({"m1": unschedulable("a"), "m2": unschedulable("a")})
    assert fit_error_message(12, Diagnosis(node_to_status=statuses)) == "0/12 nodes are available: 10 b, 2 a."


def test_fit_error_message_end_to_end():
    """The FailedScheduling text of a pod too big for the one worker, the others tainted."""
    nodes = [worker("worker", cpu=1000).obj(),
             worker("cp1").taint("node-role.kubernetes.io/control-plane", "", "NoSchedule").obj(),
             worker("cp2").taint("node-role.kubernetes.io/control-plane", "", "NoSchedule").obj()]
    rows = ReferenceScheduler().schedule(nodes, [make_pod("big").req(cpu=2000, memory="1Gi").obj()])
    assert rows == [{"pod": "big", "namespace": "default", "node": None, "score": None,
                     "message": "0/3 nodes are available: 1 Insufficient cpu, "
                                "2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }."
                                + not_helpful(3), "nominated_node": None, "victims": []}]


def test_fit_error_lists_every_reason_of_a_node():
    nodes = [worker("a", cpu=1000, memory="1Gi").obj(), worker("b", cpu=1000, memory="1Gi").obj()]
    rows = ReferenceScheduler().schedule(nodes, [make_pod("big").req(cpu=2000, memory="2Gi").obj()])
    assert rows[0]["message"] == ("0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory."
                                  + not_helpful(2))


def test_first_failing_filter_in_plugin_order_is_reported():
    """RunFilterPlugins stops at the first rejection: NodeUnschedulable comes before Fit."""
    nodes = [worker("a", cpu=100).unschedulable().obj()]
    rows = ReferenceScheduler().schedule(nodes, [make_pod("p").req(cpu=2000).obj()])
    assert rows[0]["message"] == "0/1 nodes are available: 1 node(s) were unschedulable." + not_helpful(1)


def test_pre_filter_rejection_message():
    """PreFilter failed: its message alone, not a per-node histogram."""
    pod = make_pod("p").affinity({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchFields": [
            {"key": "metadata.name", "operator": "In", "values": ["a"]},
            {"key": "metadata.name", "operator": "In", "values": ["b"]}]}]}}}).obj()
    nodes = [worker(name).obj() for name in "abc"]
    rows = ReferenceScheduler().schedule(nodes, [pod])
    assert rows[0]["message"] == "0/3 nodes are available: pod affinity terms conflict." + not_helpful(3)


def name_affinity(*names):
    """One matchFields term per name (a field requirement takes exactly one value); the terms
    are ORed, so the PreFilterResult is the set of names."""
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [name]}]}
                              for name in names]}}}


def test_pre_filter_result_restricts_the_nodes():
    """NodeAffinity's PreFilterResult: only the named node is filtered; the others count as
    rejected with "node(s) didn't satisfy plugin(s) [NodeAffinity]"."""
    nodes = [worker("a", cpu=1000).obj(), worker("b").obj(), worker("c").obj()]
    sched = ReferenceScheduler()
    rows = sched.schedule(nodes, [make_pod("p").req(cpu=2000).affinity(name_affinity("a")).obj()])
    assert rows[0]["message"] == ("0/3 nodes are available: 1 Insufficient cpu, "
                                  "2 node(s) didn't satisfy plugin(s) [NodeAffinity]." + not_helpful(3))
    assert sched.next_start_node_index == 1  # one node processed
    rows = ReferenceScheduler().schedule(nodes, [make_pod("q").req(cpu=100).affinity(name_affinity("b", "zzz")).obj()])
    assert rows[0]["node"] == "b"
    rows = ReferenceScheduler().schedule(nodes, [make_pod("r").affinity(name_affinity("zzz")).obj()])
    assert rows[0]["message"] == ("0/3 nodes are available: 3 node(s) didn't satisfy plugin(s) [NodeAffinity]."
                                  + not_helpful(3))


def test_no_nodes():
    rows = ReferenceScheduler().schedule([], [make_pod("p").obj()])
    assert rows[0]["node"] is None
    assert rows[0]["message"] == "no nodes available to schedule pods"


def test_post_filter_hook_message_is_appended():
    class WithPreemption(ReferenceScheduler):
        def post_filter(self, pod, diagnosis):
            return f"preemption: 0/{len(diagnosis.node_to_status)} nodes are available: " \
                   f"{len(diagnosis.node_to_status)} Preemption is not helpful for scheduling."
    nodes = [worker(name).taint("node-role.kubernetes.io/control-plane", "", "NoSchedule").obj() for name in "abc"]
    rows = WithPreemption().schedule(nodes, [make_pod("p").obj()])
    assert rows[0]["message"] == (
        "0/3 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")


# ---------------------------------------------------------------------------
# The queue (priority_sort.go) and binding
# ---------------------------------------------------------------------------

def test_priority_sort_less():
    """priority_sort_test.go: higher priority first, then the earlier timestamp."""
    sort = PrioritySort()
    low, high = make_pod("low").priority(1).obj(), make_pod("high").priority(100).obj()
    no_priority = make_pod("none").obj()
    assert sort.less(QueuedPodInfo(high, 2), QueuedPodInfo(low, 1))
    assert not sort.less(QueuedPodInfo(low, 1), QueuedPodInfo(high, 2))
    assert sort.less(QueuedPodInfo(low, 1), QueuedPodInfo(make_pod("low2").priority(1).obj(), 2))
    assert not sort.less(QueuedPodInfo(low, 2), QueuedPodInfo(make_pod("low2").priority(1).obj(), 1))
    assert sort.less(QueuedPodInfo(low, 5), QueuedPodInfo(no_priority, 1))  # no priority is 0


def test_queue_order_and_pending_pods():
    pods = [make_pod("a").priority(0).obj(), make_pod("b").priority(10).obj(), make_pod("c").priority(5).obj(),
            make_pod("d").priority(10).obj(), make_pod("bound").node("n1").obj(),
            make_pod("done").phase("Succeeded").obj(), make_pod("other").scheduler_name("my-scheduler").obj()]
    sched = ReferenceScheduler()
    assert [p["metadata"]["name"] for p in sched.queue(pods)] == ["b", "d", "c", "a"]
    rows = sched.schedule([worker("n1").obj()], pods)
    assert [row["pod"] for row in rows] == ["b", "d", "c", "a"]


def test_bound_pods_are_seen_by_later_pods():
    """assume: the chosen node gets the pod at once; the next pod no longer fits there."""
    nodes = [worker("only", cpu=4000).obj()]
    pods = [make_pod(f"p{i}").req(cpu=3000).obj() for i in range(2)]
    rows = by_name(ReferenceScheduler().schedule(nodes, pods))
    assert rows["p0"]["node"] == "only"
    assert rows["p1"]["message"] == "0/1 nodes are available: 1 Insufficient cpu." + no_victims(1)


def test_higher_priority_pod_takes_the_space_first():
    nodes = [worker("only", cpu=4000).obj()]
    pods = [make_pod("low").req(cpu=3000).obj(), make_pod("high").priority(100).req(cpu=3000).obj()]
    rows = by_name(ReferenceScheduler().schedule(nodes, pods))
    assert rows["high"]["node"] == "only"
    assert rows["low"]["node"] is None


def test_single_feasible_node_is_not_scored():
    nodes = [worker("a").obj(), worker("b").taint("t", "", "NoSchedule").obj()]
    rows = ReferenceScheduler().schedule(nodes, [make_pod("p").req(cpu=100).obj()])
    assert rows[0]["node"] == "a" and rows[0]["score"] is None


def test_nominated_node_is_tried_first():
    nodes = [worker("a").obj(), worker("b").obj(), worker("c").obj()]
    rows = ReferenceScheduler().schedule(nodes, [make_pod("p").req(cpu=100).nominated("c").obj()])
    assert rows[0]["node"] == "c" and rows[0]["score"] is None


# ---------------------------------------------------------------------------
# The default profile: plugins, order, weights
# ---------------------------------------------------------------------------

def present(names):
    return [name for name in names if name in PLUGINS]


def test_default_profile_plugins_and_weights():
    sched = ReferenceScheduler()
    assert sched.extension_points["filter"] == present([
        "NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit",
        "VolumeBinding", "VolumeZone", "PodTopologySpread", "InterPodAffinity"])
    assert sched.extension_points["score"] == present([
        "TaintToleration", "NodeAffinity", "NodeResourcesFit", "VolumeBinding", "PodTopologySpread",
        "InterPodAffinity", "NodeResourcesBalancedAllocation", "ImageLocality"])
    weights = {"TaintToleration": 3, "NodeAffinity": 2, "NodeResourcesFit": 1, "VolumeBinding": 1,
               "PodTopologySpread": 2, "InterPodAffinity": 2, "NodeResourcesBalancedAllocation": 1,
               "ImageLocality": 1}
    assert sched.weights == {name: weights[name] for name in present(weights)}


def test_default_profile_total_score():
    """prioritizeNodes: weighted sum. For node a (no taint), pod 1000m / 1Gi on 4000m / 8Gi:
    TaintToleration 100 * 3 + NodeResourcesFit (75 + 87) / 2 = 81 + BalancedAllocation
    (1 - |0.25 - 0.125| / 2) * 100 = 93 (NodeAffinity, PodTopologySpread, InterPodAffinity
    skip in PreScore; ImageLocality 0) = 474. Node b's PreferNoSchedule taint: 0 * 3."""
    nodes = [worker("a").obj(), worker("b").taint("t", "", "PreferNoSchedule").obj()]
    rows = ReferenceScheduler().schedule(nodes, [make_pod("p").req(cpu=1000, memory="1Gi").obj()])
    assert rows[0] == {"pod": "p", "namespace": "default", "node": "a", "score": 474, "message": ""}


def test_profile_weight_override_and_disabled_score_plugin():
    profile = {"plugins": {"multiPoint": {"enabled": [{"name": "TaintToleration", "weight": 7}]},
                           "score": {"disabled": [{"name": "ImageLocality"}]}}}
    sched = ReferenceScheduler(profile)
    assert sched.weights["TaintToleration"] == 7
    assert "ImageLocality" not in sched.extension_points["score"]
    assert sched.extension_points["score"][0] == "TaintToleration"  # replaced in place
    nodes = [worker("a").obj(), worker("b").taint("t", "", "PreferNoSchedule").obj()]
    rows = sched.schedule(nodes, [make_pod("p").req(cpu=1000, memory="1Gi").obj()])
    assert rows[0]["score"] == 700 + 81 + 93


def test_profile_explicit_extension_points():
    profile = {"plugins": {"multiPoint": {"disabled": [{"name": "*"}]},
                           "filter": {"enabled": [{"name": "NodeResourcesFit"}]},
                           "preFilter": {"enabled": [{"name": "NodeResourcesFit"}]},
                           "score": {"enabled": [{"name": "NodeResourcesFit", "weight": 5}]}},
               "pluginConfig": [{"name": "NodeResourcesFit",
                                 "args": {"scoringStrategy": {"type": "MostAllocated"}}}]}
    sched = ReferenceScheduler(profile)
    assert sched.extension_points == {"preFilter": ["NodeResourcesFit"], "filter": ["NodeResourcesFit"],
                                      "preScore": [], "score": ["NodeResourcesFit"]}
    assert sched.weights == {"NodeResourcesFit": 5}
    # MostAllocated prefers the fuller node; the taint is ignored (TaintToleration is off).
    nodes = [worker("empty").obj(), worker("full").taint("t", "", "NoSchedule").obj()]
    pods = [make_pod("e").node("full").req(cpu=2000, memory="4Gi").obj(), make_pod("p").req(cpu=1000, memory="1Gi").obj()]
    rows = sched.schedule(nodes, pods)
    # full: cpu 3000/4000 = 75, memory 5Gi/8Gi = 62 -> 68 * 5
    assert rows == [{"pod": "p", "namespace": "default", "node": "full", "score": 340, "message": ""}]


def test_no_score_plugins_finds_one_node():
    """Nothing scores: numNodesToFind is 1, every node scores 1, the first feasible node wins."""
    profile = {"plugins": {"multiPoint": {"disabled": [{"name": "*"}]},
                           "filter": {"enabled": [{"name": "NodeName"}]}}}
    nodes = [make_node(f"n{i}").obj() for i in range(5)]
    sched = ReferenceScheduler(profile)
    rows = sched.schedule(nodes, [make_pod(f"p{i}").obj() for i in range(3)])
    assert [row["node"] for row in rows] == ["n0", "n1", "n2"]
