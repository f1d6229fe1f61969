"""PodTopologySpread PreScore/Score/NormalizeScore table tests ported from Kubernetes' podtopologyspread/scoring_test.go.

Inputs and expected scores are Go's (pkg/scheduler/framework/plugins/podtopologyspread/
scoring_test.go); each case names its Go test and case. Go's pods without a namespace are in
"" - here every pod is in "default". The feature gates of a current release are on, so the
case that only tests a disabled MatchLabelKeys gate is left out.

Go's `failedNodes` are nodes in the snapshot that did not pass Filter: PreScore counts their
pods but they are neither scored nor normalized. `impl.score` scores every node it is given,
so those cases ask it for `feasible=[names]` (PreScore / Score / NormalizeScore over those
nodes only) and are skipped while an implementation has no such parameter. Cases with a Service
or ReplicaSet need the snapshot to carry `services` / `replica_sets` and are skipped until it does.
The case with minDomains on a ScheduleAnyway constraint, which the API server rejects, runs on
the reference only. An implementation that does not simulate PodTopologySpread yet is skipped.
"""

from __future__ import annotations

import inspect

import pytest

from builders import make_pod, spread
from builders import labelled_node as node
from reference.framework import Snapshot

PLUGIN = "PodTopologySpread"
# TestPodTopologySpreadScore builds the plugin with DefaultingType: config.SystemDefaulting.
SYSTEM_DEFAULTING = {"defaultingType": "System"}
LIST_DEFAULTING = {"defaultingType": "List"}
HOSTNAME = "kubernetes.io/hostname"  # v1.LabelHostname

FOO = {"matchExpressions": [{"key": "foo", "operator": "Exists"}]}  # fooSelector
BAR = {"matchExpressions": [{"key": "bar", "operator": "Exists"}]}  # barSelector

SNAPSHOT_FIELDS = getattr(Snapshot, "__dataclass_fields__", {})
needs_services = pytest.mark.skipif(
    "services" not in SNAPSHOT_FIELDS,
    reason="the reference Snapshot does not carry Services yet (DefaultSelector reads them)")
needs_replica_sets = pytest.mark.skipif(
    "replica_sets" not in SNAPSHOT_FIELDS,
    reason="the reference Snapshot does not carry ReplicaSets yet (DefaultSelector reads them)")


def pod(labels: dict | None = None):
    """The incoming pod: st.MakePod().Name("p").Labels(labels)."""
    return make_pod("p").labels(labels or {})



def host(name: str, **labels) -> dict:
    """A node labelled kubernetes.io/hostname=name plus the given labels."""
    return node(name, {HOSTNAME: name, **labels})


def existing(name: str, node_name: str, labels: dict | None = None, ns: str = "default",
             terminating: bool = False) -> dict:
    obj = make_pod(name, ns).labels(labels or {}).node(node_name).obj()
    if terminating:
        obj["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    return obj


def pods(spec: str, labels: dict | None = None) -> list[dict]:
    """Existing pods from "name@node ..." (all with the same labels)."""
    result = []
    for item in spec.split():
        name, node_name = item.split("@")
        result.append(existing(name, node_name, labels))
    return result


FOO_PODS = {"foo": ""}


def score(impl, incoming: dict, nodes: list[dict], failed: list[dict], existing_pods: list[dict],
          args: dict, **objects) -> dict[str, int]:
    """Scores of `nodes`; `failed` nodes are in the snapshot but did not pass Filter."""
    if not failed:
        return impl.score(PLUGIN, incoming, nodes, existing_pods, args, **objects)
    if "feasible" not in inspect.signature(impl.score).parameters:
        pytest.skip("Go's failedNodes: impl.score has no `feasible` parameter (the nodes that "
                    "passed Filter) yet")
    names = [n["metadata"]["name"] for n in nodes]
    got = impl.score(PLUGIN, incoming, nodes + failed, existing_pods, args, feasible=names,
                     **objects)
    return {name: got[name] for name in names}


# ---------------------------------------------------------------------------
# TestPodTopologySpreadScore
# Legend (Go's): X/Y - matching pods on two candidate nodes; X/~Y~ - the second node is not a
# candidate (failed Filter); X/?Y? - a candidate without all the topology keys.
# ---------------------------------------------------------------------------

SPREAD_4321 = ("p-a1@node-a p-a2@node-a p-a3@node-a p-a4@node-a p-b1@node-b p-b2@node-b "
               "p-b3@node-b p-c1@node-c p-c2@node-c p-d1@node-d")
SPREAD_2103 = "p-a1@node-a p-a2@node-a p-b1@node-b p-d1@node-d p-d2@node-d p-d3@node-d"
SPREAD_421_3 = ("p-a1@node-a p-a2@node-a p-a3@node-a p-a4@node-a p-b1@node-b p-b2@node-b "
                "p-x1@node-x p-y1@node-y p-y2@node-y p-y3@node-y")


def four_hosts() -> list[dict]:
    return [host("node-a"), host("node-b"), host("node-c"), host("node-d")]


def zone_hosts(*names_zones: tuple[str, str]) -> list[dict]:
    return [host(name, zone=zone) for name, zone in names_zones]


def _inclusion_nodes() -> list[dict]:
    return [node("node-a", {"node": "node-a", "foo": ""}), node("node-b", {"node": "node-b", "foo": ""}),
            node("node-c", {"node": "node-c"})]


def _taint_nodes() -> list[dict]:
    return [node("node-a", {"node": "node-a"}), node("node-b", {"node": "node-b"}),
            node("node-c", {"node": "node-c"}, tainted=True)]


INCLUSION_PODS = "p-a1@node-a p-a2@node-a p-b1@node-b p-c1@node-c"

POD_TOPOLOGY_SPREAD_SCORE = [
    pytest.param(
        spread(pod(FOO_PODS), 1, HOSTNAME, "ScheduleAnyway", FOO).obj(),
        [host("node-a"), host("node-b")], [], [],
        {"node-a": 100, "node-b": 100},
        id="one constraint on node, no existing pods"),
    pytest.param(
        # if there is only one candidate node, it should be scored to 100
        spread(pod(FOO_PODS), 1, HOSTNAME, "ScheduleAnyway", FOO).obj(),
        [host("node-a")], [host("node-b")], pods("p-a1@node-a p-a2@node-a p-b1@node-b", FOO_PODS),
        {"node-a": 100},
        id="one constraint on node, only one node is candidate"),
    pytest.param(
        spread(pod(FOO_PODS), 1, HOSTNAME, "ScheduleAnyway", FOO).obj(),
        [host("node-a"), host("node-b")], [], pods("p-a1@node-a p-b1@node-b", FOO_PODS),
        {"node-a": 100, "node-b": 100},
        id="one constraint on node, all nodes have the same number of matching pods"),
    pytest.param(
        # matching pods spread as 2/1/0/3.
        spread(pod(FOO_PODS), 1, HOSTNAME, "ScheduleAnyway", FOO).obj(),
        four_hosts(), [], pods(SPREAD_2103, FOO_PODS),
        {"node-a": 20, "node-b": 60, "node-c": 100, "node-d": 0},
        id="one constraint on node, all 4 nodes are candidates"),
    pytest.param(
        spread(pod(FOO_PODS), 1, HOSTNAME, "ScheduleAnyway", None).obj(),
        four_hosts(), [], pods(SPREAD_2103, FOO_PODS),
        {"node-a": 100, "node-b": 100, "node-c": 100, "node-d": 100},
        id="one constraint on node, null selector"),
    pytest.param(
        spread(pod(FOO_PODS), 2, HOSTNAME, "ScheduleAnyway", FOO).obj(),
        four_hosts(), [], pods(SPREAD_2103, FOO_PODS),
        {"node-a": 33, "node-b": 66, "node-c": 100, "node-d": 16},
        id="one constraint on node, all 4 nodes are candidates, maxSkew=2"),
    pytest.param(
        spread(pod(FOO_PODS), 3, HOSTNAME, "ScheduleAnyway", FOO).obj(),
        four_hosts(), [], pods(SPREAD_4321, FOO_PODS),
        {"node-a": 44, "node-b": 66, "node-c": 77, "node-d": 100},
        id="one constraint on node, all 4 nodes are candidates, maxSkew=3"),
    # "system defaulting, nodes don't have zone, pods match service": test_system_defaulting_service
    pytest.param(
        # matching pods spread as 4/2/1/~3~ (node4 is not a candidate)
        spread(pod(FOO_PODS), 1, HOSTNAME, "ScheduleAnyway", FOO).obj(),
        [host("node-a"), host("node-b"), host("node-x")], [host("node-y")],
        pods(SPREAD_421_3, FOO_PODS),
        {"node-a": 33, "node-b": 83, "node-x": 100},
        id="one constraint on node, 3 out of 4 nodes are candidates"),
    pytest.param(
        # matching pods spread as 4/?2?/1/~3~, total = 4+?+1 = 5 (as node2 is problematic)
        spread(pod(FOO_PODS), 1, HOSTNAME, "ScheduleAnyway", FOO).obj(),
        [host("node-a"), node("node-b", {"n": "node-b"}), host("node-x")], [host("node-y")],
        pods(SPREAD_421_3, FOO_PODS),
        {"node-a": 16, "node-b": 0, "node-x": 100},
        id="one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key"),
    pytest.param(
        # matching pods spread as 4/2/1/~3~
        spread(pod(FOO_PODS), 1, "zone", "ScheduleAnyway", FOO).obj(),
        zone_hosts(("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2")),
        zone_hosts(("node-y", "zone2")), pods(SPREAD_421_3, FOO_PODS),
        {"node-a": 75, "node-b": 75, "node-x": 100},
        id="one constraint on zone, 3 out of 4 nodes are candidates"),
    pytest.param(
        # matching pods spread as 2/~1~/2/~4~.
        spread(spread(pod(FOO_PODS), 1, "zone", "ScheduleAnyway", FOO),
               1, HOSTNAME, "ScheduleAnyway", FOO).obj(),
        zone_hosts(("node-a", "zone1"), ("node-x", "zone2")),
        zone_hosts(("node-b", "zone1"), ("node-y", "zone2")),
        pods("p-a1@node-a p-a2@node-a p-b1@node-b p-x1@node-x p-x2@node-x p-y1@node-y p-y2@node-y "
             "p-y3@node-y p-y4@node-y", FOO_PODS),
        {"node-a": 100, "node-x": 63},
        id="two Constraints on zone and node, 2 out of 4 nodes are candidates"),
    pytest.param(
        # zone (foo): 2/2/1/1; node (bar): 0/1/0/1
        spread(spread(pod({"foo": "", "bar": ""}), 1, "zone", "ScheduleAnyway", FOO),
               1, HOSTNAME, "ScheduleAnyway", BAR).obj(),
        zone_hosts(("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2"), ("node-y", "zone2")),
        [],
        [existing("p-a1", "node-a", {"foo": ""}), existing("p-b1", "node-b", {"foo": "", "bar": ""}),
         existing("p-y1", "node-y", {"foo": ""}), existing("p-y2", "node-y", {"bar": ""})],
        {"node-a": 60, "node-b": 20, "node-x": 100, "node-y": 60},
        id="two Constraints on zone and node, with different labelSelectors"),
    pytest.param(
        # zone (foo): 0/0/2/2; node (bar): 0/1/0/1
        spread(spread(pod({"foo": "", "bar": ""}), 1, "zone", "ScheduleAnyway", FOO),
               1, HOSTNAME, "ScheduleAnyway", BAR).obj(),
        zone_hosts(("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2"), ("node-y", "zone2")),
        [],
        [existing("p-b1", "node-b", {"bar": ""}), existing("p-x1", "node-x", {"foo": ""}),
         existing("p-y1", "node-y", {"foo": "", "bar": ""})],
        {"node-a": 100, "node-b": 60, "node-x": 40, "node-y": 0},
        id="two Constraints on zone and node, with different labelSelectors, some nodes have 0 pods"),
    pytest.param(
        # zone (foo): 2/2/1/~1~; node (bar): 0/1/0/~1~
        spread(spread(pod({"foo": "", "bar": ""}), 1, "zone", "ScheduleAnyway", FOO),
               1, HOSTNAME, "ScheduleAnyway", BAR).obj(),
        zone_hosts(("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2")),
        zone_hosts(("node-y", "zone2")),
        [existing("p-a1", "node-a", {"foo": ""}), existing("p-b1", "node-b", {"foo": "", "bar": ""}),
         existing("p-y1", "node-y", {"foo": ""}), existing("p-y2", "node-y", {"bar": ""})],
        {"node-a": 50, "node-b": 25, "node-x": 100},
        id="two Constraints on zone and node, with different labelSelectors, 3 out of 4 nodes are candidates"),
    pytest.param(
        spread(pod(FOO_PODS), 1, HOSTNAME, "ScheduleAnyway", FOO).obj(),
        [host("node-a"), host("node-b")], [],
        [existing("p-a1", "node-a", FOO_PODS, "ns1")] + pods("p-a2@node-a p-b1@node-b p-b2@node-b", FOO_PODS),
        {"node-a": 100, "node-b": 33},
        id="existing pods in a different namespace do not count"),
    pytest.param(
        spread(pod(FOO_PODS), 1, HOSTNAME, "ScheduleAnyway", FOO).obj(),
        [host("node-a"), host("node-b")], [],
        [existing("p-a", "node-a", FOO_PODS, terminating=True), existing("p-b", "node-b", FOO_PODS)],
        {"node-a": 100, "node-b": 0},
        id="terminating Pods should be excluded"),
    pytest.param(
        spread(pod(FOO_PODS).node_selector({"foo": ""}), 1, "node", "ScheduleAnyway", FOO).obj(),
        _inclusion_nodes(), [], pods(INCLUSION_PODS, FOO_PODS),
        {"node-a": 0, "node-b": 33, "node-c": 100},
        id="NodeAffinityPolicy honoed with labelSelectors"),
    pytest.param(
        spread(pod(FOO_PODS).node_selector({"foo": ""}), 1, "node", "ScheduleAnyway", FOO,
               affinity_policy="Ignore").obj(),
        _inclusion_nodes(), [], pods(INCLUSION_PODS, FOO_PODS),
        {"node-a": 66, "node-b": 100, "node-c": 100},
        id="NodeAffinityPolicy ignored with labelSelectors"),
    pytest.param(
        spread(pod(FOO_PODS).node_affinity_in("foo", [""]), 1, "node", "ScheduleAnyway", FOO).obj(),
        _inclusion_nodes(), [], pods(INCLUSION_PODS, FOO_PODS),
        {"node-a": 0, "node-b": 33, "node-c": 100},
        id="NodeAffinityPolicy honoed with nodeAffinity"),
    pytest.param(
        spread(pod(FOO_PODS).node_affinity_in("foo", [""]), 1, "node", "ScheduleAnyway", FOO,
               affinity_policy="Ignore").obj(),
        _inclusion_nodes(), [], pods(INCLUSION_PODS, FOO_PODS),
        {"node-a": 66, "node-b": 100, "node-c": 100},
        id="NodeAffinityPolicy ignored with nodeAffinity"),
    pytest.param(
        spread(pod(FOO_PODS), 1, "node", "ScheduleAnyway", FOO, taints_policy="Honor").obj(),
        _taint_nodes(), [], pods(INCLUSION_PODS, FOO_PODS),
        {"node-a": 0, "node-b": 33, "node-c": 100},
        id="NodeTaintsPolicy honored"),
    pytest.param(
        spread(pod(FOO_PODS), 1, "node", "ScheduleAnyway", FOO).obj(),
        _taint_nodes(), [], pods(INCLUSION_PODS, FOO_PODS),
        {"node-a": 66, "node-b": 100, "node-c": 100},
        id="NodeTaintsPolicy ignored"),
    # Left out: "matchLabelKeys ignored when feature gate disabled" (the gate is on in kbench).
    pytest.param(
        spread(spread(pod({"foo": "", "bar": ""}), 1, "zone", "ScheduleAnyway", {},
                      match_label_keys=["foo"]),
               1, HOSTNAME, "ScheduleAnyway", {}, match_label_keys=["bar"]).obj(),
        zone_hosts(("node-a", "zone1"), ("node-b", "zone1"), ("node-c", "zone2"), ("node-d", "zone2")),
        [],
        [existing("p-a1", "node-a", {"foo": ""}), existing("p-b1", "node-b", {"foo": "", "bar": ""}),
         existing("p-y1", "node-c", {"foo": ""}), existing("p-y2", "node-c", {"bar": ""})],
        {"node-a": 60, "node-b": 20, "node-c": 60, "node-d": 100},
        id="matchLabelKeys ANDed with LabelSelector when LabelSelector is empty"),
    pytest.param(
        spread(spread(pod({"foo": "", "bar": "", "baz": ""}), 1, "zone", "ScheduleAnyway", FOO),
               1, HOSTNAME, "ScheduleAnyway", BAR, match_label_keys=["baz"]).obj(),
        zone_hosts(("node-a", "zone1"), ("node-b", "zone1"), ("node-c", "zone2"), ("node-d", "zone2")),
        [],
        [existing("p-a1", "node-a", {"foo": ""}),
         existing("p-b1", "node-b", {"foo": "", "bar": "", "baz": ""}),
         existing("p-c1", "node-c", {"foo": ""}), existing("p-c2", "node-c", {"bar": ""}),
         existing("p-d3", "node-c", {"bar": "", "baz": ""})],
        {"node-a": 60, "node-b": 20, "node-c": 60, "node-d": 100},
        id="matchLabelKeys ANDed with LabelSelector when LabelSelector isn't empty"),
]


@pytest.mark.parametrize("incoming,nodes,failed,existing_pods,want", POD_TOPOLOGY_SPREAD_SCORE)
def test_pod_topology_spread_score(impl, incoming, nodes, failed, existing_pods, want):
    # scoring_test.go TestPodTopologySpreadScore
    assert score(impl, incoming, nodes, failed, existing_pods, SYSTEM_DEFAULTING) == want


# minDomains with ScheduleAnyway: artificial, the API server rejects it.
POD_TOPOLOGY_SPREAD_SCORE_REFERENCE_ONLY = [
    pytest.param(
        spread(pod(FOO_PODS), 2, "node", "ScheduleAnyway", FOO, min_domains=10).obj(),
        [node("node-a", {"node": "node-a"}), node("node-b", {"node": "node-b"}),
         node("node-c", {"node": "node-c"})], [],
        pods("p-a1@node-a p-a2@node-a p-b1@node-b p-b2@node-b p-c1@node-c", FOO_PODS),
        {"node-a": 75, "node-b": 75, "node-c": 100},
        id="minDomains has no effect when ScheduleAnyway"),
]


@pytest.mark.parametrize("incoming,nodes,failed,existing_pods,want",
                         POD_TOPOLOGY_SPREAD_SCORE_REFERENCE_ONLY)
def test_pod_topology_spread_score_reference_only(impl, incoming, nodes, failed, existing_pods, want):
    # scoring_test.go TestPodTopologySpreadScore
    if impl.name != "reference":
        pytest.skip("the API server rejects this pod; only the reference takes it as is")
    assert score(impl, incoming, nodes, failed, existing_pods, SYSTEM_DEFAULTING) == want


@needs_services
def test_system_defaulting_service(impl):
    # scoring_test.go TestPodTopologySpreadScore "system defaulting, nodes don't have zone, pods
    # match service": same scores as if we were using one spreading constraint.
    service = {"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "svc", "namespace": "default"},
               "spec": {"selector": {"foo": ""}}}
    got = score(impl, pod(FOO_PODS).obj(), four_hosts(), [], pods(SPREAD_4321, FOO_PODS),
                SYSTEM_DEFAULTING, services=[service])
    assert got == {"node-a": 44, "node-b": 66, "node-c": 77, "node-d": 100}


# ---------------------------------------------------------------------------
# TestPreScoreSkip: PreScore returns Skip, so the plugin gives every node 0.
# ---------------------------------------------------------------------------

def test_pre_score_skip_without_soft_constraints(impl):
    # scoring_test.go TestPreScoreSkip "the pod doesn't have soft topology spread Constraints"
    got = impl.score(PLUGIN, make_pod("p").obj(), [host("node-a"), host("node-b")], [],
                     LIST_DEFAULTING)
    assert got == {"node-a": 0, "node-b": 0}


@needs_replica_sets
def test_pre_score_skip_replicaset_that_does_not_match(impl):
    # scoring_test.go TestPreScoreSkip "default constraints and a replicaset that doesn't match":
    # the pod's controller rs2 is not in the cluster (only rs1), so DefaultSelector is empty.
    incoming = (make_pod("p").labels(foo="bar", baz="sup").owner("ReplicaSet", "rs2").obj())
    replica_set = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                   "metadata": {"name": "rs1", "namespace": "default"},
                   "spec": {"selector": {"matchExpressions": [{"key": "tar", "operator": "Exists"}]}}}
    args = {"defaultingType": "List",
            "defaultConstraints": [{"maxSkew": 2, "topologyKey": "planet",
                                    "whenUnsatisfiable": "ScheduleAnyway"}]}
    got = impl.score(PLUGIN, incoming, [node("node-a", {"planet": "mars"})], [], args,
                     replica_sets=[replica_set])
    assert got == {"node-a": 0}


# ---------------------------------------------------------------------------
# TestPreScoreStateEmptyNodes: Go compares the PreScore state of clusters without pods. The
# observable part is IgnoredNodes (scored 0); with no pods the other nodes all score the same,
# which normalizes to MaxNodeScore. Cases whose state has no ignored node and only equal
# scores are the same check; the default-constraints ones need ReplicaSets.
# ---------------------------------------------------------------------------

EMPTY_NODES = [
    pytest.param(
        spread(spread(pod(FOO_PODS), 1, "zone", "ScheduleAnyway", FOO),
               1, HOSTNAME, "ScheduleAnyway", FOO).obj(),
        zone_hosts(("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2")),
        set(), id="normal case"),
    pytest.param(
        spread(pod(FOO_PODS), 1, "zone", "ScheduleAnyway", None).obj(),
        zone_hosts(("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2")),
        set(), id="null selector"),
    pytest.param(
        spread(spread(pod(FOO_PODS), 1, "zone", "ScheduleAnyway", FOO),
               1, HOSTNAME, "ScheduleAnyway", BAR).obj(),
        zone_hosts(("node-a", "zone1"), ("node-b", "zone1")) + [host("node-x")],
        {"node-x"}, id="node-x doesn't have label zone"),
]


@pytest.mark.parametrize("incoming,nodes,ignored", EMPTY_NODES)
def test_pre_score_state_empty_nodes(impl, incoming, nodes, ignored):
    # scoring_test.go TestPreScoreStateEmptyNodes (IgnoredNodes)
    got = impl.score(PLUGIN, incoming, nodes, [], LIST_DEFAULTING)
    assert got == {n["metadata"]["name"]: 0 if n["metadata"]["name"] in ignored else 100
                   for n in nodes}
