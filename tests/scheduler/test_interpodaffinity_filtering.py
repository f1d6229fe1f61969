"""InterPodAffinity PreFilter/Filter table tests ported from Kubernetes' interpodaffinity/filtering_test.go.

Inputs and expected statuses are Go's (pkg/scheduler/framework/plugins/interpodaffinity/
filtering_test.go); each case names its Go test and case. Go's pods without a namespace (and
Go's defaultNamespace "") are in "" - here they are in "default", which keeps the same pods
together. Go's namespace names that are not DNS labels (which the API server would refuse)
are renamed: "subteam1.team1" -> "subteam1-team1" (and the like), "NS1" -> "ns1",
"DiffNameSpace" -> "diff-namespace". A PreFilter Skip means every node passes.

Cases whose pods the API server rejects (an empty topologyKey, an invalid label value) run on
the reference only: another implementation, fed through the API, is skipped for them. An
implementation that does not simulate InterPodAffinity yet is skipped altogether.
"""

from __future__ import annotations

import pytest

from builders import expr, make_node, make_pod, reference_only, term
from reference.framework import SUCCESS, UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE

PLUGIN = "InterPodAffinity"
ARGS = {}  # &config.InterPodAffinityArgs{}

OK = (SUCCESS, None)
AFFINITY = (UNSCHEDULABLE_AND_UNRESOLVABLE, "node(s) didn't match pod affinity rules")
ANTI_AFFINITY = (UNSCHEDULABLE, "node(s) didn't match pod anti-affinity rules")
EXISTING_ANTI_AFFINITY = (UNSCHEDULABLE, "node(s) didn't satisfy existing pods anti-affinity rules")

# scoring_test.go namespaces, used by TestRequiredAffinitySingleNode
NAMESPACES = {
    "subteam1-team1": {"team": "team1"},
    "subteam2-team1": {"team": "team1"},
    "subteam1-team2": {"team": "team2"},
    "subteam2-team2": {"team": "team2"},
}



def pod(name: str = "p", labels: dict | None = None, ns: str = "default"):
    return make_pod(name, ns).labels(labels or {})


def affinity_in(builder, key: str, topology_key: str, values: list[str]):
    """st PodAffinityIn(key, topologyKey, values, PodAffinityWithRequiredReq)."""
    return builder.pod_affinity("podAffinity", term([expr(key, "In", values)], topology_key))


def affinity_not_in(builder, key: str, topology_key: str, values: list[str]):
    return builder.pod_affinity("podAffinity", term([expr(key, "NotIn", values)], topology_key))


def affinity_exists(builder, key: str, topology_key: str):
    return builder.pod_affinity("podAffinity", term([expr(key, "Exists")], topology_key))


def anti_in(builder, key: str, topology_key: str, values: list[str]):
    """st PodAntiAffinityIn(key, topologyKey, values, PodAntiAffinityWithRequiredReq)."""
    return builder.pod_affinity("podAntiAffinity", term([expr(key, "In", values)], topology_key))


def anti_not_in(builder, key: str, topology_key: str, values: list[str]):
    return builder.pod_affinity("podAntiAffinity", term([expr(key, "NotIn", values)], topology_key))


def anti_exists(builder, key: str, topology_key: str):
    return builder.pod_affinity("podAntiAffinity", term([expr(key, "Exists")], topology_key))


def with_terms(name: str, ns: str, labels: dict, affinity: list[dict] | None,
               anti_affinity: list[dict] | None) -> dict:
    """filtering_test.go createPodWithAffinityTerms: both sections set, possibly without terms."""
    spec_affinity = {"podAffinity": {}, "podAntiAffinity": {}}
    if affinity is not None:
        spec_affinity["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = affinity
    if anti_affinity is not None:
        spec_affinity["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = anti_affinity
    return pod(name, labels, ns).affinity(spec_affinity).obj()


def node(name: str, labels: dict) -> dict:
    return make_node(name).labels(labels).obj()


def check(got: dict, want: dict[str, tuple]) -> None:
    assert {name: status.code for name, status in got.items()} == {
        name: code for name, (code, _) in want.items()}
    for name, (code, reason) in want.items():
        assert got[name].reasons == ([] if reason is None else [reason]), name


# ---------------------------------------------------------------------------
# TestRequiredAffinitySingleNode
# ---------------------------------------------------------------------------

POD_LABEL = {"service": "securityscan"}
POD_LABEL2 = {"security": "S1"}
NODE1 = [node("node1", {"region": "r1", "zone": "z11"})]


def running(name: str = "existing", labels: dict | None = None, ns: str = "default",
            node_name: str = "node1"):
    """An existing pod builder bound to a node (st.MakePod().Labels(...).Node(...))."""
    return pod(name, labels, ns).node(node_name)


# filtering_test.go: pod := st.MakePod().Labels(podLabel).Node("node1").Obj()
SECURITYSCAN = running("securityscan", POD_LABEL).obj()
TEAM1_IN = {"matchExpressions": [expr("team", "In", ["team1"])]}

SINGLE_NODE = [
    pytest.param(
        make_pod("p").obj(), [], OK,
        id="A pod that has no required pod affinity scheduling rules can schedule onto a node "
           "with no existing pods"),
    pytest.param(
        affinity_in(pod(labels=POD_LABEL2), "service", "region", ["securityscan", "value2"]).obj(),
        [SECURITYSCAN], OK,
        id="satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In "
           "operator that matches the existing pod"),
    pytest.param(
        affinity_not_in(pod(labels=POD_LABEL2), "service", "region", ["securityscan3", "value3"]).obj(),
        [SECURITYSCAN], OK,
        id="satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity "
           "using not in operator in labelSelector that matches the existing pod"),
    pytest.param(
        with_terms("p", "default", POD_LABEL2, [
            term([expr("service", "Exists"), expr("wrongkey", "DoesNotExist")], "region"),
            term([expr("service", "In", ["securityscan"]), expr("service", "NotIn", ["WrongValue"])],
                 "region"),
        ], None),
        [SECURITYSCAN], OK,
        id="satisfies the PodAffinity with different label Operators in multiple "
           "RequiredDuringSchedulingIgnoredDuringExecution "),
    pytest.param(
        with_terms("p", "default", POD_LABEL2, [
            term([expr("service", "Exists"), expr("wrongkey", "DoesNotExist")], "region"),
            term([expr("service", "In", ["securityscan2"]), expr("service", "NotIn", ["WrongValue"])],
                 "region"),
        ], None),
        [SECURITYSCAN], AFFINITY,
        id="The labelSelector requirements(items of matchExpressions) are ANDed, the pod cannot "
           "schedule onto the node because one of the matchExpression item don't match."),
    pytest.param(
        anti_in(affinity_in(pod(labels=POD_LABEL2), "service", "region", ["securityscan", "value2"]),
                "service", "node", ["antivirusscan", "value2"]).obj(),
        [SECURITYSCAN], OK,
        id="satisfies the PodAffinity and PodAntiAffinity with the existing pod"),
    pytest.param(
        anti_in(affinity_in(pod(labels=POD_LABEL2), "service", "region", ["securityscan", "value2"]),
                "service", "node", ["antivirusscan", "value2"]).obj(),
        [anti_in(running("e", POD_LABEL), "service", "node", ["antivirusscan", "value2"]).obj()], OK,
        id="satisfies the PodAffinity and PodAntiAffinity and PodAntiAffinity symmetry with the "
           "existing pod"),
    pytest.param(
        anti_in(affinity_in(pod(labels=POD_LABEL2), "service", "region", ["securityscan", "value2"]),
                "service", "zone", ["securityscan", "value2"]).obj(),
        [SECURITYSCAN], ANTI_AFFINITY,
        id="satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod"),
    pytest.param(
        anti_in(affinity_in(pod(labels=POD_LABEL), "service", "region", ["securityscan", "value2"]),
                "service", "node", ["antivirusscan", "value2"]).obj(),
        [anti_in(running("e", POD_LABEL), "service", "zone", ["securityscan", "value2"]).obj()],
        EXISTING_ANTI_AFFINITY,
        id="satisfies the PodAffinity and PodAntiAffinity but doesn't satisfy PodAntiAffinity "
           "symmetry with the existing pod"),
    pytest.param(
        # The existing pod is on node2, which is not in the snapshot.
        affinity_not_in(pod(labels=POD_LABEL), "service", "region", ["securityscan", "value2"]).obj(),
        [running("e", {"service": "securityscan"}, node_name="node2").obj()], AFFINITY,
        id="pod matches its own Label in PodAffinity and that matches the existing pod Labels"),
    pytest.param(
        pod(labels=POD_LABEL).obj(),
        [anti_in(running("e", POD_LABEL), "service", "zone", ["securityscan", "value2"]).obj()],
        EXISTING_ANTI_AFFINITY,
        id="verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity "
           "constraints. doesn't satisfy PodAntiAffinity symmetry with the existing pod"),
    pytest.param(
        pod(labels=POD_LABEL).obj(),
        [anti_not_in(running("e", POD_LABEL), "service", "zone", ["securityscan", "value2"]).obj()],
        OK,  # PreFilter: Skip
        id="verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity "
           "constraints. satisfy PodAntiAffinity symmetry with the existing pod"),
    pytest.param(
        anti_exists(anti_exists(pod(labels=POD_LABEL), "service", "region"), "security", "region").obj(),
        [anti_exists(running("e", POD_LABEL2), "security", "zone").obj()], ANTI_AFFINITY,
        id="satisfies the PodAntiAffinity with existing pod but doesn't satisfy PodAntiAffinity "
           "symmetry with incoming pod"),
    pytest.param(
        anti_exists(anti_exists(pod(labels=POD_LABEL), "service", "zone"), "security", "zone").obj(),
        [anti_exists(running("e", POD_LABEL2), "security", "zone").obj()], ANTI_AFFINITY,
        id="PodAntiAffinity symmetry check a1: incoming pod and existing pod partially match each "
           "other on AffinityTerms"),
    pytest.param(
        anti_exists(pod(labels=POD_LABEL2), "security", "zone").obj(),
        [anti_exists(anti_exists(running("e", POD_LABEL), "service", "zone"), "security", "zone").obj()],
        EXISTING_ANTI_AFFINITY,
        id="PodAntiAffinity symmetry check a2: incoming pod and existing pod partially match each "
           "other on AffinityTerms"),
    pytest.param(
        anti_exists(anti_exists(pod(labels={"abc": "", "xyz": ""}), "abc", "zone"), "def", "zone").obj(),
        [anti_exists(anti_exists(running("e", {"def": "", "xyz": ""}), "abc", "zone"), "def", "zone").obj()],
        ANTI_AFFINITY,
        id="PodAntiAffinity symmetry check b1: incoming pod and existing pod partially match each "
           "other on AffinityTerms"),
    pytest.param(
        anti_exists(anti_exists(pod(labels={"def": "", "xyz": ""}), "abc", "zone"), "def", "zone").obj(),
        [anti_exists(anti_exists(running("e", {"abc": "", "xyz": ""}), "abc", "zone"), "def", "zone").obj()],
        ANTI_AFFINITY,
        id="PodAntiAffinity symmetry check b2: incoming pod and existing pod partially match each "
           "other on AffinityTerms"),
    pytest.param(
        with_terms("p", "default", POD_LABEL2,
                   [term([expr("service", "In", ["securityscan", "value2"])], "region",
                         namespace_selector=TEAM1_IN)], None),
        [running("e", POD_LABEL, "subteam1-team1").obj()], OK,
        id="affinity with NamespaceSelector"),
    pytest.param(
        with_terms("p", "default", POD_LABEL2,
                   [term([expr("service", "In", ["securityscan", "value2"])], "region",
                         namespace_selector=TEAM1_IN)], None),
        [running("e", POD_LABEL, "subteam1-team2").obj()], AFFINITY,
        id="affinity with non-matching NamespaceSelector"),
    pytest.param(
        with_terms("p", "subteam1-team1", POD_LABEL2, None,
                   [term([expr("service", "In", ["securityscan", "value2"])], "zone",
                         namespace_selector=TEAM1_IN)]),
        [running("e", POD_LABEL, "subteam2-team1").obj()], ANTI_AFFINITY,
        id="anti-affinity with matching NamespaceSelector"),
    pytest.param(
        with_terms("p", "subteam1-team1", POD_LABEL2, None,
                   [term([expr("service", "In", ["securityscan", "value2"])], "zone",
                         namespace_selector={})]),
        [running("e", POD_LABEL, "subteam2-team1").obj()], ANTI_AFFINITY,
        id="anti-affinity with matching all NamespaceSelector"),
    pytest.param(
        with_terms("p", "subteam1-team1", POD_LABEL2, None,
                   [term([expr("service", "In", ["securityscan", "value2"])], "zone",
                         namespace_selector=TEAM1_IN)]),
        [running("e", POD_LABEL, "subteam1-team2").obj()], OK,
        id="anti-affinity with non-matching NamespaceSelector"),
]


@pytest.mark.parametrize("incoming,existing_pods,want", SINGLE_NODE)
def test_required_affinity_single_node(impl, incoming, existing_pods, want):
    # filtering_test.go TestRequiredAffinitySingleNode
    got = impl.filter(PLUGIN, incoming, NODE1, existing_pods, ARGS, namespaces=NAMESPACES)
    check(got, {"node1": want})


# Pod affinity terms with an empty topologyKey, which the API server rejects.
SINGLE_NODE_REFERENCE_ONLY = [
    pytest.param(
        with_terms("p", "default", POD_LABEL2,
                   [{"labelSelector": {"matchExpressions": [expr("service", "In", ["securityscan", "value2"])]},
                     "namespaces": ["diff-namespace"]}], None),
        [running("p-ns", {"service": "securityscan"}, "ns").obj()], AFFINITY,
        id="Does not satisfy the PodAffinity with labelSelector because of diff Namespace"),
    pytest.param(
        affinity_in(pod(labels=POD_LABEL), "service", "", ["antivirusscan", "value2"]).obj(),
        [SECURITYSCAN], AFFINITY,
        id="Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod"),
]


@pytest.mark.parametrize("incoming,existing_pods,want", SINGLE_NODE_REFERENCE_ONLY)
def test_required_affinity_single_node_reference_only(impl, incoming, existing_pods, want):
    # filtering_test.go TestRequiredAffinitySingleNode
    reference_only(impl)
    got = impl.filter(PLUGIN, incoming, NODE1, existing_pods, ARGS, namespaces=NAMESPACES)
    check(got, {"node1": want})


@pytest.mark.parametrize("incoming", [
    pytest.param(
        affinity_in(affinity_in(pod(labels=POD_LABEL), "service", "region", ["{{.bad-value.}}"]),
                    "service", "node", ["antivirusscan", "value2"]).obj(),
        id="PodAffinity fails PreFilter with an invalid affinity label syntax"),
    pytest.param(
        affinity_in(affinity_in(pod(labels=POD_LABEL), "service", "region", ["foo"]),
                    "service", "node", ["{{.bad-value.}}"]).obj(),
        id="PodAntiAffinity fails PreFilter with an invalid antiaffinity label syntax"),
])
def test_required_affinity_single_node_invalid(impl, incoming):
    # filtering_test.go TestRequiredAffinitySingleNode: PreFilter fails with
    # UnschedulableAndUnresolvable "parsing pod: ..." (Go's message quotes the field error).
    reference_only(impl)
    got = impl.filter(PLUGIN, incoming, NODE1, [], ARGS, namespaces=NAMESPACES)
    assert got["node1"].code == UNSCHEDULABLE_AND_UNRESOLVABLE
    assert got["node1"].reasons[0].startswith("parsing pod: ")


# ---------------------------------------------------------------------------
# TestRequiredAffinityMultipleNodes
# ---------------------------------------------------------------------------

RG_CHINA = {"region": "China"}
RG_CHINA_AZ1 = {"region": "China", "az": "az1"}
RG_INDIA = {"region": "India"}


def three_regions(a: str = "nodeA", b: str = "nodeB", c: str = "nodeC") -> list[dict]:
    return [node(a, RG_CHINA), node(b, RG_CHINA_AZ1), node(c, RG_INDIA)]


def rzh(name: str, zone: str) -> dict:
    """A node with region r1, the given zone and hostname = name."""
    return node(name, {"region": "r1", "zone": zone, "hostname": name})


MULTIPLE_NODES = [
    pytest.param(
        affinity_in(pod(), "foo", "region", ["bar"]).obj(),
        [running("p1", {"foo": "bar"}, node_name="node1").obj()],
        three_regions("node1", "node2", "node3"),
        [OK, OK, AFFINITY],
        id="A pod can be scheduled onto all the nodes that have the same topology key & label "
           "value with one of them has an existing pod that matches the affinity rules"),
    pytest.param(
        affinity_in(affinity_in(pod(labels={"foo": "bar", "service": "securityscan"}),
                                "foo", "zone", ["bar"]),
                    "service", "zone", ["securityscan"]).obj(),
        [running("p1", {"foo": "bar"}, node_name="nodeA").obj()],
        [node("nodeA", {"zone": "az1", "hostname": "h1"}), node("nodeB", {"zone": "az2", "hostname": "h2"})],
        [OK, OK],
        id="The affinity rule is to schedule all of the pods of this collection to the same zone. "
           "The first pod of the collection should not be blocked from being scheduled onto any "
           "node, even there's no existing pod that matches the rule anywhere."),
    pytest.param(
        affinity_in(affinity_in(pod(labels={"foo": "bar", "service": "securityscan"}),
                                "foo", "zone", ["bar"]),
                    "service", "zone", ["securityscan"]).obj(),
        [running("p1", {"foo": "bar"}, node_name="nodeA").obj()],
        [node("nodeA", {"zoneLabel": "az1", "hostname": "h1"}),
         node("nodeB", {"zoneLabel": "az2", "hostname": "h2"})],
        [AFFINITY, AFFINITY],
        id="The first pod of the collection can only be scheduled on nodes labelled with the "
           "requested topology keys"),
    pytest.param(
        anti_in(pod(), "foo", "region", ["abc"]).obj(),
        [running("e", {"foo": "abc"}, node_name="nodeA").obj()],
        [node("nodeA", {"region": "r1", "hostname": "nodeA"}),
         node("nodeB", {"region": "r1", "hostname": "nodeB"})],
        [ANTI_AFFINITY, ANTI_AFFINITY],
        id="NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that "
           "matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB."),
    pytest.param(
        anti_in(anti_in(pod(), "foo", "region", ["abc"]), "service", "zone", ["securityscan"]).obj(),
        [running("e", {"foo": "abc", "service": "securityscan"}, node_name="nodeA").obj()],
        [node("nodeA", {"region": "r1", "zone": "z1", "hostname": "nodeA"}),
         node("nodeB", {"region": "r1", "zone": "z2", "hostname": "nodeB"})],
        [ANTI_AFFINITY, ANTI_AFFINITY],
        id="This test ensures that anti-affinity matches a pod when any term of the anti-affinity "
           "rule matches a pod."),
    pytest.param(
        anti_in(pod(), "foo", "region", ["abc"]).obj(),
        [running("e", {"foo": "abc"}, node_name="nodeA").obj()],
        three_regions(),
        [ANTI_AFFINITY, ANTI_AFFINITY, OK],
        id="NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that "
           "matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB "
           "but can be scheduled onto nodeC"),
    pytest.param(
        anti_in(pod(labels={"foo": "123"}, ns="ns1"), "foo", "region", ["bar"]).obj(),
        [running("e1", {"foo": "bar"}, "ns1", "nodeA").obj(),
         anti_in(running("e2", None, "ns2", "nodeC"), "foo", "region", ["123"]).obj()],
        three_regions(),
        [ANTI_AFFINITY, ANTI_AFFINITY, OK],
        id="NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that "
           "matches the inter pod affinity rule. The pod can not be scheduled onto nodeA, nodeB, "
           "but can be scheduled onto nodeC (NodeC has an existing pod that match the inter pod "
           "affinity rule but in different namespace)"),
    pytest.param(
        pod(labels={"foo": ""}).obj(),
        [anti_exists(running("e", None, node_name="nodeA"), "foo", "invalid-node-label").obj()],
        [rzh("nodeA", "z1"), rzh("nodeB", "z1")],
        [OK, OK],  # PreFilter: Skip
        id="Test existing pod's anti-affinity: if an existing pod has a term with invalid "
           "topologyKey, labelSelector of the term is firstly checked, and then topologyKey of the "
           "term is also checked"),
    pytest.param(
        anti_exists(pod().node_name("nodeA"), "foo", "invalid-node-label").obj(),
        [running("e", {"foo": ""}, node_name="nodeA").obj()],
        [rzh("nodeA", "z1"), rzh("nodeB", "z1")],
        [OK, OK],
        id="Test incoming pod's anti-affinity: even if labelSelector matches, we still check if "
           "topologyKey matches"),
    pytest.param(
        pod(labels={"foo": "", "bar": ""}).obj(),
        [anti_exists(running("e1", None, node_name="nodeA"), "foo", "zone").obj(),
         anti_exists(running("e2", None, node_name="nodeA"), "bar", "region").obj()],
        [rzh("nodeA", "z1"), rzh("nodeB", "z2")],
        [EXISTING_ANTI_AFFINITY, EXISTING_ANTI_AFFINITY],
        id="Test existing pod's anti-affinity: incoming pod wouldn't considered as a fit as it "
           "violates each existingPod's terms on all nodes"),
    pytest.param(
        anti_exists(anti_exists(pod(), "foo", "zone"), "bar", "region").obj(),
        [running("e1", {"foo": ""}, node_name="nodeA").obj(),
         running("e2", {"bar": ""}, node_name="nodeB").obj()],
        [rzh("nodeA", "z1"), rzh("nodeB", "z2")],
        [ANTI_AFFINITY, ANTI_AFFINITY],
        id="Test incoming pod's anti-affinity: incoming pod wouldn't considered as a fit as it at "
           "least violates one anti-affinity rule of existingPod"),
    pytest.param(
        pod(labels={"foo": "", "bar": ""}).obj(),
        [anti_exists(anti_exists(running("e", None, node_name="nodeA"), "foo", "invalid-node-label"),
                     "bar", "zone").obj()],
        [rzh("nodeA", "z1"), rzh("nodeB", "z2")],
        [EXISTING_ANTI_AFFINITY, OK],
        id="Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, "
           "it's counted as a single term match - case when one term has invalid topologyKey"),
    pytest.param(
        anti_exists(anti_exists(pod(), "foo", "invalid-node-label"), "bar", "zone").obj(),
        [running("podA", {"foo": "", "bar": ""}, node_name="nodeA").obj()],
        [rzh("nodeA", "z1"), rzh("nodeB", "z2")],
        [ANTI_AFFINITY, OK],
        id="Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, "
           "it's counted as a single term match - case when one term has invalid topologyKey"),
    pytest.param(
        pod(labels={"foo": "", "bar": ""}).obj(),
        [anti_exists(anti_exists(running("e", None, node_name="nodeA"), "foo", "region"),
                     "bar", "zone").obj()],
        [rzh("nodeA", "z1"), rzh("nodeB", "z2")],
        [EXISTING_ANTI_AFFINITY, EXISTING_ANTI_AFFINITY],
        id="Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, "
           "it's counted as a single term match - case when all terms have valid topologyKey"),
    pytest.param(
        anti_exists(anti_exists(pod(), "foo", "region"), "bar", "zone").obj(),
        [running("e", {"foo": "", "bar": ""}, node_name="nodeA").obj()],
        [rzh("nodeA", "z1"), rzh("nodeB", "z2")],
        [ANTI_AFFINITY, ANTI_AFFINITY],
        id="Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, "
           "it's counted as a single term match - case when all terms have valid topologyKey"),
    pytest.param(
        pod(labels={"foo": "", "bar": ""}).obj(),
        [anti_exists(anti_exists(running("e1", None, node_name="nodeA"), "foo", "zone"),
                     "labelA", "zone").obj(),
         anti_exists(anti_exists(running("e2", None, node_name="nodeB"), "bar", "zone"),
                     "labelB", "zone").obj()],
        [rzh("nodeA", "z1"), rzh("nodeB", "z2"), rzh("nodeC", "z3")],
        [EXISTING_ANTI_AFFINITY, EXISTING_ANTI_AFFINITY, OK],
        id="Test existing pod's anti-affinity: existingPod on nodeA and nodeB has at least one "
           "anti-affinity term matches incoming pod, so incoming pod can only be scheduled to nodeC"),
    pytest.param(
        affinity_exists(affinity_exists(pod(), "foo", "region"), "bar", "zone").obj(),
        [running("pod1", {"foo": "", "bar": ""}, node_name="nodeA").obj()],
        [rzh("nodeA", "z1"), rzh("nodeB", "z1")],
        [OK, OK],
        id="Test incoming pod's affinity: firstly check if all affinityTerms match, and then check "
           "if all topologyKeys match"),
    pytest.param(
        affinity_exists(affinity_exists(pod(), "foo", "region"), "bar", "zone").obj(),
        [running("pod1", {"foo": ""}, node_name="nodeA").obj(),
         running("pod2", {"bar": ""}, node_name="nodeB").obj()],
        [rzh("nodeA", "z1"), rzh("nodeB", "z2")],
        [AFFINITY, AFFINITY],
        id="Test incoming pod's affinity: firstly check if all affinityTerms match, and then check "
           "if all topologyKeys match, and the match logic should be satisfied on the same pod"),
]


@pytest.mark.parametrize("incoming,existing_pods,nodes,want", MULTIPLE_NODES)
def test_required_affinity_multiple_nodes(impl, incoming, existing_pods, nodes, want):
    # filtering_test.go TestRequiredAffinityMultipleNodes
    got = impl.filter(PLUGIN, incoming, nodes, existing_pods, ARGS, namespaces={"ns1": {}})
    check(got, {n["metadata"]["name"]: w for n, w in zip(nodes, want)})


# ---------------------------------------------------------------------------
# TestPreFilterStateAddRemovePod: Go checks that AddPod of `addedPod` gives the state PreFilter
# computes with that pod already in the cluster, with the expected antiAffinityCounts and
# affinityCounts. Here PreFilter runs on existingPods + addedPod and the Filter statuses are
# what those expected counts imply for the pending pod's own terms (affinity: every term's pair
# counted; anti-affinity: no term's pair counted). Where the expected counts let a node pass,
# the status comes from the existing pods' anti-affinity check (noted per case), which this Go
# test does not assert.
# ---------------------------------------------------------------------------

SELECTOR1 = {"foo": "bar"}
LABEL1 = {"region": "r1", "zone": "z11"}
LABEL2 = {"region": "r1", "zone": "z12"}
LABEL3 = {"region": "r2", "zone": "z21"}
ANTI_FOO_BAR = {"requiredDuringSchedulingIgnoredDuringExecution": [
    term([expr("foo", "In", ["bar"])], "region")]}
ANTI_COMPLEX = {"requiredDuringSchedulingIgnoredDuringExecution": [
    term([expr("foo", "In", ["bar", "buzz"])], "region"),
    term([expr("service", "NotIn", ["bar", "security", "test"])], "zone")]}
AFFINITY_COMPLEX = ANTI_COMPLEX


def add_remove_nodes() -> list[dict]:
    return [node("nodeA", LABEL1), node("nodeB", LABEL2), node("nodeC", LABEL3)]


ADD_REMOVE = [
    pytest.param(
        pod("pending", SELECTOR1).affinity({"podAntiAffinity": ANTI_FOO_BAR}).obj(),
        [running("p1", SELECTOR1, node_name="nodeA").obj(),
         running("p2", node_name="nodeC").affinity({"podAntiAffinity": ANTI_FOO_BAR}).obj(),
         running("addedPod", SELECTOR1, node_name="nodeB").affinity({"podAntiAffinity": ANTI_FOO_BAR}).obj()],
        # expectedAntiAffinity {region r1: 2}: nodeA, nodeB rejected; nodeC passes it and is
        # rejected by p2's anti-affinity (region r2).
        [ANTI_AFFINITY, ANTI_AFFINITY, EXISTING_ANTI_AFFINITY],
        id="preFilterState anti-affinity terms are updated correctly after adding and removing a pod"),
    pytest.param(
        pod("pending", SELECTOR1).affinity({"podAntiAffinity": ANTI_COMPLEX}).obj(),
        [running("p1", SELECTOR1, node_name="nodeA").obj(),
         running("p2", node_name="nodeC").affinity({"podAntiAffinity": ANTI_FOO_BAR}).obj(),
         running("addedPod", SELECTOR1, node_name="nodeA").affinity({"podAntiAffinity": ANTI_COMPLEX}).obj()],
        # expectedAntiAffinity {region r1: 2, zone z11: 2, zone z21: 1}: every node rejected.
        [ANTI_AFFINITY, ANTI_AFFINITY, ANTI_AFFINITY],
        id="preFilterState anti-affinity terms are updated correctly after adding and removing a "
           "pod (complex)"),
    pytest.param(
        pod("pending", SELECTOR1).affinity({"podAffinity": AFFINITY_COMPLEX}).obj(),
        [running("p1", SELECTOR1, node_name="nodeA").obj(),
         running("p2", node_name="nodeC").affinity(
             {"podAntiAffinity": ANTI_FOO_BAR, "podAffinity": AFFINITY_COMPLEX}).obj(),
         running("addedPod", SELECTOR1, node_name="nodeA").affinity({"podAntiAffinity": ANTI_COMPLEX}).obj()],
        # expectedAffinity {region r1: 2, zone z11: 2}: only nodeA passes, and is rejected by
        # addedPod's anti-affinity (region r1); nodeB (z12) and nodeC (r2) are rejected.
        [EXISTING_ANTI_AFFINITY, AFFINITY, AFFINITY],
        id="preFilterState matching pod affinity and anti-affinity are updated correctly after "
           "adding and removing a pod"),
]


@pytest.mark.parametrize("pending,existing_pods,want", ADD_REMOVE)
def test_pre_filter_state_add_remove_pod(impl, pending, existing_pods, want):
    # filtering_test.go TestPreFilterStateAddRemovePod (state with addedPod in the cluster)
    nodes = add_remove_nodes()
    got = impl.filter(PLUGIN, pending, nodes, existing_pods, ARGS)
    check(got, {n["metadata"]["name"]: w for n, w in zip(nodes, want)})


# Left out: TestPreFilterDisabled (Filter without PreFilter, unreachable through `impl`),
# TestPreFilterStateClone and TestGetTPMapMatchingIncomingAffinityAntiAffinity (internal maps).
