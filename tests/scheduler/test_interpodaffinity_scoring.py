"""InterPodAffinity PreScore/Score/NormalizeScore table tests ported from Kubernetes' interpodaffinity/scoring_test.go.

Inputs and expected scores are Go's (pkg/scheduler/framework/plugins/interpodaffinity/
scoring_test.go); each case names its Go test and case. Go's pods without a namespace are in
"" - here they are in "default" (and a term's namespace "" is "default"). Go's namespace
names "subteamN.teamM" are not DNS labels, which the API server requires, so they are
"subteamN-teamM" here. A PreScore Skip means the plugin gives every node 0. An implementation
that does not simulate InterPodAffinity yet is skipped.
"""

from __future__ import annotations

import pytest

from builders import expr, make_node, make_pod, term

PLUGIN = "InterPodAffinity"
MAX = 100  # framework.MaxNodeScore

# scoring_test.go namespaces
NAMESPACES = {
    "subteam1-team1": {"team": "team1"},
    "subteam2-team1": {"team": "team1"},
    "subteam1-team2": {"team": "team2"},
    "subteam2-team2": {"team": "team2"},
}

RG_CHINA = {"region": "China"}
RG_INDIA = {"region": "India"}
AZ1 = {"az": "az1"}
AZ2 = {"az": "az2"}
RG_CHINA_AZ1 = {"region": "China", "az": "az1"}
S1 = {"security": "S1"}
S2 = {"security": "S2"}



def weighted(weight: int, affinity_term: dict) -> dict:
    return {"weight": weight, "podAffinityTerm": affinity_term}


TEAM1_IN = {"matchExpressions": [expr("team", "In", ["team1"])]}

# TestPreferredAffinity's affinities
STAY_WITH_S1_IN_REGION = {"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
    weighted(5, term([expr("security", "In", ["S1"])], "region"))]}}
STAY_WITH_S2_IN_REGION = {"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
    weighted(6, term([expr("security", "In", ["S2"])], "region"))]}}
AFFINITY3 = {"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
    weighted(8, term([expr("security", "NotIn", ["S1"]), expr("security", "In", ["S2"])], "region")),
    weighted(2, term([expr("security", "Exists"), expr("wrongkey", "DoesNotExist")], "region"))]}}
HARD_AFFINITY = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    term([expr("security", "In", ["S1", "value2"])], "region"),
    term([expr("security", "Exists"), expr("wrongkey", "DoesNotExist")], "region")]}}
AWAY_FROM_S1_IN_AZ = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
    weighted(5, term([expr("security", "In", ["S1"])], "az"))]}}
AWAY_FROM_S2_IN_AZ = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
    weighted(5, term([expr("security", "In", ["S2"])], "az"))]}}
STAY_WITH_S1_IN_REGION_AWAY_FROM_S2_IN_AZ = {
    "podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        weighted(8, term([expr("security", "In", ["S1"])], "region"))]},
    "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        weighted(5, term([expr("security", "In", ["S2"])], "az"))]},
}
AFFINITY_NAMESPACE_SELECTOR = {"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
    weighted(5, term([expr("security", "In", ["S1"])], "region", ["subteam2-team2"], TEAM1_IN))]}}
ANTI_AFFINITY_NAMESPACE_SELECTOR = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
    weighted(5, term([expr("security", "In", ["S1"])], "region", ["subteam2-team2"], TEAM1_IN))]}}


def pod(labels: dict | None = None, affinity: dict | None = None, ns: str = "default") -> dict:
    """The incoming pod: &v1.Pod{Spec: {Affinity: affinity}, ObjectMeta: {Namespace, Labels}}."""
    builder = make_pod("p", ns).labels(labels or {})
    if affinity is not None:
        builder = builder.affinity(affinity)
    return builder.obj()


_count = [0]


def on(node_name: str, labels: dict | None = None, affinity: dict | None = None,
       ns: str = "default") -> dict:
    """An existing pod: &v1.Pod{Spec: {NodeName, Affinity}, ObjectMeta: {Namespace, Labels}}."""
    _count[0] += 1
    builder = make_pod(f"e{_count[0]}", ns).labels(labels or {}).node(node_name)
    if affinity is not None:
        builder = builder.affinity(affinity)
    return builder.obj()


def nodes(*labels: dict) -> list[dict]:
    """node1, node2, ... with these labels."""
    return [make_node(f"node{i + 1}").labels(l).obj() for i, l in enumerate(labels)]


def scores(*values: int) -> dict[str, int]:
    return {f"node{i + 1}": v for i, v in enumerate(values)}


# ---------------------------------------------------------------------------
# TestPreferredAffinity (InterPodAffinityArgs{HardPodAffinityWeight: 1})
# ---------------------------------------------------------------------------

PREFERRED_AFFINITY = [
    pytest.param(
        pod(S1), [], nodes(RG_CHINA, RG_INDIA, AZ1), False, scores(0, 0, 0),
        id="all nodes are same priority as Affinity is nil"),  # PreScore: Skip
    pytest.param(
        pod(S1, STAY_WITH_S1_IN_REGION), [on("node1", S1), on("node2", S2), on("node3", S1)],
        nodes(RG_CHINA, RG_INDIA, AZ1), False, scores(MAX, 0, 0),
        id="Affinity: pod that matches topology key & pods in nodes will get high score comparing "
           "to otherswhich doesn't match either pods in nodes or in topology key"),
    pytest.param(
        pod(None, STAY_WITH_S1_IN_REGION), [on("node1", S1)],
        nodes(RG_CHINA, RG_CHINA_AZ1, RG_INDIA), False, scores(MAX, MAX, 0),
        id="All the nodes that have the same topology key & label value with one of them has an "
           "existing pod that match the affinity rules, have the same score"),
    pytest.param(
        pod(S1, STAY_WITH_S2_IN_REGION),
        [on("node1", S2), on("node1", S2), on("node2", S2), on("node3", S2), on("node4", S2),
         on("node5", S2)],
        nodes(RG_CHINA, RG_INDIA, RG_CHINA, RG_CHINA, RG_INDIA), False, scores(MAX, 0, MAX, MAX, 0),
        id="Affinity: nodes in one region has more matching pods comparing to other region, so the "
           "region which has more matches will get high score"),
    pytest.param(
        pod(S1, AFFINITY3), [on("node1", S1), on("node2", S2), on("node3", S1)],
        nodes(RG_CHINA, RG_INDIA, AZ1), False, scores(20, MAX, 0),
        id="Affinity: different Label operators and values for pod affinity scheduling preference, "
           "including some match failures "),
    pytest.param(
        pod(S2), [on("node1", S1, STAY_WITH_S1_IN_REGION), on("node2", S2, STAY_WITH_S2_IN_REGION)],
        nodes(RG_CHINA, RG_INDIA, AZ1), False, scores(0, MAX, 0),
        id="Affinity symmetry: considered only the preferredDuringSchedulingIgnoredDuringExecution "
           "in pod affinity symmetry"),
    pytest.param(
        pod(S1, ns="subteam1-team1"),
        [on("node1", S1, AFFINITY_NAMESPACE_SELECTOR), on("node2", S2, STAY_WITH_S2_IN_REGION)],
        nodes(RG_CHINA, RG_INDIA, AZ1), False, scores(MAX, 0, 0),
        id="Affinity symmetry with namespace selector"),
    pytest.param(
        pod(S1, ns="subteam1-team1"),
        [on("node1", S1, ANTI_AFFINITY_NAMESPACE_SELECTOR), on("node2", S2, STAY_WITH_S2_IN_REGION)],
        nodes(RG_CHINA, RG_INDIA, AZ1), False, scores(0, MAX, MAX),
        id="AntiAffinity symmetry with namespace selector"),
    pytest.param(
        pod(S1), [on("node1", S1, HARD_AFFINITY), on("node2", S2, HARD_AFFINITY)],
        nodes(RG_CHINA, RG_INDIA, AZ1), False, scores(MAX, MAX, 0),
        id="Affinity symmetry: considered RequiredDuringSchedulingIgnoredDuringExecution in pod "
           "affinity symmetry"),
    pytest.param(
        pod(S1, AWAY_FROM_S1_IN_AZ), [on("node1", S1), on("node2", S2)],
        nodes(AZ1, RG_CHINA), False, scores(0, MAX),
        id="Anti Affinity: pod that does not match existing pods in node will get high score "),
    pytest.param(
        pod(S1, AWAY_FROM_S1_IN_AZ), [on("node1", S1), on("node2", S1)],
        nodes(AZ1, RG_CHINA), False, scores(0, MAX),
        id="Anti Affinity: pod that does not match topology key & match the pods in nodes will get "
           "higher score comparing to others "),
    pytest.param(
        pod(S1, AWAY_FROM_S1_IN_AZ), [on("node1", S1), on("node1", S1), on("node2", S2)],
        nodes(AZ1, RG_INDIA), False, scores(0, MAX),
        id="Anti Affinity: one node has more matching pods comparing to other node, so the node "
           "which has more unmatches will get high score"),
    pytest.param(
        pod(S2), [on("node1", S1, AWAY_FROM_S2_IN_AZ), on("node2", S2, AWAY_FROM_S1_IN_AZ)],
        nodes(AZ1, AZ2), False, scores(0, MAX),
        id="Anti Affinity symmetry: the existing pods in node which has anti affinity match will "
           "get high score"),
    pytest.param(
        pod(S1, STAY_WITH_S1_IN_REGION_AWAY_FROM_S2_IN_AZ), [on("node1", S1), on("node2", S1)],
        nodes(RG_CHINA, AZ1), False, scores(MAX, 0),
        id="Affinity and Anti Affinity: considered only preferredDuringSchedulingIgnoredDuringExecution "
           "in both pod affinity & anti affinity"),
    pytest.param(
        pod(S1, STAY_WITH_S1_IN_REGION_AWAY_FROM_S2_IN_AZ),
        [on("node1", S1), on("node1", S1), on("node2", S1), on("node3", S1), on("node3", S1),
         on("node4", S1), on("node5", S1)],
        nodes(RG_CHINA_AZ1, RG_INDIA, RG_CHINA, RG_CHINA, RG_INDIA), False,
        scores(MAX, 0, MAX, MAX, 0),
        id="Affinity and Anti Affinity: considering both affinity and anti-affinity, the pod to "
           "schedule and existing pods have the same labels"),
    pytest.param(
        # affinity 8,0,0,0; anti-affinity 0,-5,0,0; affinity symmetry 0,0,8,0;
        # anti-affinity symmetry 0,0,0,-5
        pod(S1, STAY_WITH_S1_IN_REGION_AWAY_FROM_S2_IN_AZ),
        [on("node1", S1), on("node2", S2), on("node3", None, STAY_WITH_S1_IN_REGION_AWAY_FROM_S2_IN_AZ),
         on("node4", None, AWAY_FROM_S1_IN_AZ)],
        nodes(RG_CHINA, AZ1, RG_INDIA, AZ2), False, scores(MAX, 0, MAX, 0),
        id="Affinity and Anti Affinity and symmetry: considered only preferredDuringSchedulingIgnoredDuringExecution "
           "in both pod affinity & anti affinity & symmetry"),
    pytest.param(
        # kubernetes#82796
        pod(S1), [on("node1", S1), on("node2", None, STAY_WITH_S1_IN_REGION_AWAY_FROM_S2_IN_AZ)],
        nodes(RG_CHINA, RG_CHINA), False, scores(0, 0),
        id="Avoid panic when partial nodes in a topology don't have pods with affinity"),
    # Left out: "invalid Affinity fails PreScore", "invalid AntiAffinity fails PreScore" - an
    # Error status from PreScore is not a score `impl` can return.
    pytest.param(
        pod(S1, AFFINITY_NAMESPACE_SELECTOR, ns="subteam1-team1"),
        [on("node1", S1, ns="subteam1-team1"), on("node1", S1, ns="subteam1-team1"),
         on("node1", S1, ns="subteam1-team2"), on("node2", S1, ns="subteam2-team1")],
        nodes(RG_CHINA, RG_INDIA), False, scores(MAX, 0),
        id="Affinity with pods matching NamespaceSelector"),
    pytest.param(
        pod(S1, AFFINITY_NAMESPACE_SELECTOR, ns="subteam1-team1"),
        [on("node1", S1, ns="subteam1-team1"), on("node1", S1, ns="subteam1-team1"),
         on("node1", S1, ns="subteam2-team2"), on("node2", S1, ns="subteam2-team1")],
        nodes(RG_CHINA, RG_INDIA), False, scores(MAX, 0),
        id="Affinity with pods matching both NamespaceSelector and Namespaces fields"),
    pytest.param(
        # Go names this anti-affinity case "Affinity with pods matching NamespaceSelector" too.
        pod(S1, ANTI_AFFINITY_NAMESPACE_SELECTOR, ns="subteam1-team1"),
        [on("node1", S1, ns="subteam1-team1"), on("node1", S1, ns="subteam1-team1"),
         on("node1", S1, ns="subteam1-team2"), on("node2", S1, ns="subteam2-team1")],
        nodes(RG_CHINA, RG_INDIA), False, scores(0, MAX),
        id="Affinity with pods matching NamespaceSelector (anti-affinity)"),
    pytest.param(
        pod(S1, ANTI_AFFINITY_NAMESPACE_SELECTOR, ns="subteam1-team1"),
        [on("node1", S1, ns="subteam1-team1"), on("node1", S1, ns="subteam1-team1"),
         on("node1", S1, ns="subteam2-team2"), on("node2", S1, ns="subteam2-team1")],
        nodes(RG_CHINA, RG_INDIA), False, scores(0, MAX),
        id="Affinity with pods matching both NamespaceSelector and Namespaces fields (anti-affinity)"),
    pytest.param(
        pod(S2), [on("node1", S1, STAY_WITH_S1_IN_REGION_AWAY_FROM_S2_IN_AZ),
                  on("node2", S2, STAY_WITH_S2_IN_REGION)],
        nodes(RG_CHINA, RG_INDIA), True, scores(0, 0),
        id="Ignore preferred terms of existing pods"),  # PreScore: Skip
    pytest.param(
        pod(S2), [on("node1", S1, STAY_WITH_S1_IN_REGION_AWAY_FROM_S2_IN_AZ),
                  on("node2", S2, STAY_WITH_S2_IN_REGION)],
        nodes(RG_CHINA, RG_INDIA), False, scores(0, MAX),
        id="Do not ignore preferred terms of existing pods"),
    pytest.param(
        pod(S2), [], [], False, {},
        id="No nodes to score"),  # PreScore: Skip
]


@pytest.mark.parametrize("incoming,existing_pods,node_list,ignore_preferred,want", PREFERRED_AFFINITY)
def test_preferred_affinity(impl, incoming, existing_pods, node_list, ignore_preferred, want):
    # scoring_test.go TestPreferredAffinity
    args = {"hardPodAffinityWeight": 1, "ignorePreferredTermsOfExistingPods": ignore_preferred}
    got = impl.score(PLUGIN, incoming, node_list, existing_pods, args, namespaces=NAMESPACES)
    assert got == want


# ---------------------------------------------------------------------------
# TestPreferredAffinityWithHardPodAffinitySymmetricWeight
# ---------------------------------------------------------------------------

SERVICE_S1 = {"service": "S1"}
# Go's Namespaces: ["", "subteam2-team2"]; "" is the namespace of Go's namespace-less pods.
HARD_POD_AFFINITY = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    term([expr("service", "In", ["S1"])], "region", ["default", "subteam2-team2"], TEAM1_IN)]}}

HARD_POD_AFFINITY_WEIGHT = [
    pytest.param(
        pod(SERVICE_S1), 1, scores(MAX, MAX, 0),  # v1.DefaultHardPodAffinitySymmetricWeight
        id="with default weight"),
    pytest.param(
        pod(SERVICE_S1), 0, scores(0, 0, 0),  # PreScore: Skip
        id="with zero weight"),
    pytest.param(
        pod(SERVICE_S1, ns="subteam1-team2"), 1, scores(0, 0, 0),  # PreScore: Skip
        id="with no matching namespace"),
    pytest.param(
        pod(SERVICE_S1, ns="subteam1-team1"), 1, scores(MAX, MAX, 0),
        id="with matching NamespaceSelector"),
    pytest.param(
        pod(SERVICE_S1, ns="subteam2-team2"), 1, scores(MAX, MAX, 0),
        id="with matching Namespaces"),
]


@pytest.mark.parametrize("incoming,weight,want", HARD_POD_AFFINITY_WEIGHT)
def test_preferred_affinity_with_hard_pod_affinity_symmetric_weight(impl, incoming, weight, want):
    # scoring_test.go TestPreferredAffinityWithHardPodAffinitySymmetricWeight
    existing_pods = [on("node1", None, HARD_POD_AFFINITY), on("node2", None, HARD_POD_AFFINITY)]
    got = impl.score(PLUGIN, incoming, nodes(RG_CHINA, RG_INDIA, AZ1), existing_pods,
                     {"hardPodAffinityWeight": weight}, namespaces=NAMESPACES)
    assert got == want
