"""PodTopologySpread PreFilter/Filter table tests ported from Kubernetes' podtopologyspread/filtering_test.go.

Inputs and expected values are Go's (pkg/scheduler/framework/plugins/podtopologyspread/
filtering_test.go); each case names its Go test and case. Go's pods without a namespace are in
"" - here every pod is in "default", which keeps the same pods together. kbench runs with the
feature gates of a current release on (NodeInclusionPolicyInPodTopologySpread,
MatchLabelKeysInPodTopologySpread, MinDomainsInPodTopologySpread): Go cases that only test a
disabled gate are left out, and cases run with a gate off whose expectations are the same with
it on (default policies Honor / Ignore) are kept.

Cases whose pods the API server rejects (matchLabelKeys without a labelSelector, two
constraints with the same topologyKey and whenUnsatisfiable) run on the reference only: another
implementation, fed through the API, is skipped for them. An implementation that does not
simulate PodTopologySpread yet is skipped altogether.
"""

from __future__ import annotations

import pytest

from builders import UNSCHEDULABLE_TAINT, make_pod, reference_only, spread
from builders import labelled_node as node
from reference.framework import SUCCESS, UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE

PLUGIN = "PodTopologySpread"
# Go's tests build the plugin with DefaultingType: config.ListDefaulting and no defaults.
LIST_DEFAULTING = {"defaultingType": "List"}

U = UNSCHEDULABLE
UAU = UNSCHEDULABLE_AND_UNRESOLVABLE
REASONS = {
    SUCCESS: [],
    U: ["node(s) didn't match pod topology spread constraints"],
    UAU: ["node(s) didn't match pod topology spread constraints (missing required label)"],
}

# filtering_test.go: fooSelector / barSelector = st.MakeLabelSelector().Exists("foo"/"bar")
FOO = {"matchExpressions": [{"key": "foo", "operator": "Exists"}]}
BAR = {"matchExpressions": [{"key": "bar", "operator": "Exists"}]}
# filtering_test.go: taints = [{Key: v1.TaintNodeUnschedulable, Effect: NoSchedule}]


def pod(name: str = "p", labels: dict | None = None):
    """The incoming pod (st.MakePod().Name(name).Labels(labels))."""
    return make_pod(name).labels(labels or {})



def existing(name: str, node_name: str, labels: dict | None = None, ns: str = "default",
             terminating: bool = False) -> dict:
    """st.MakePod().Name(name).Namespace(ns).Node(node).Labels(labels) [.Terminating()]."""
    obj = make_pod(name, ns).labels(labels or {}).node(node_name).obj()
    if terminating:
        obj["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    return obj


def zone_nodes() -> list[dict]:
    """node-a, node-b in zone1; node-x, node-y in zone2 (labels zone and node)."""
    return [
        node("node-a", {"zone": "zone1", "node": "node-a"}),
        node("node-b", {"zone": "zone1", "node": "node-b"}),
        node("node-x", {"zone": "zone2", "node": "node-x"}),
        node("node-y", {"zone": "zone2", "node": "node-y"}),
    ]


def three_nodes() -> list[dict]:
    """node-a, node-b in zone1; node-y in zone2."""
    return [
        node("node-a", {"zone": "zone1", "node": "node-a"}),
        node("node-b", {"zone": "zone1", "node": "node-b"}),
        node("node-y", {"zone": "zone2", "node": "node-y"}),
    ]


def pods(spec: str, labels: dict | None = None, ns: str = "default") -> list[dict]:
    """Existing pods from "name@node ..." (all with the same labels)."""
    result = []
    for item in spec.split():
        name, node_name = item.split("@")
        result.append(existing(name, node_name, labels, ns))
    return result


FOO_PODS = {"foo": ""}


def check(got: dict, want: dict[str, str]) -> None:
    """Compare {node: Status} with {node: code}; this plugin's reasons follow from the code."""
    assert {name: status.code for name, status in got.items()} == want
    for name, status in got.items():
        assert status.reasons == REASONS[status.code], name


# ---------------------------------------------------------------------------
# TestPreFilterState: Go compares the PreFilter state (per constraint: TpValueToMatchNum and
# the critical paths, whose first entry is the minimum match number). Here each case gives
# Go's expected numbers and checks the Filter result they imply for every node:
#   missing topology key -> UnschedulableAndUnresolvable;
#   count(value) + selfMatch - min (0 if fewer domains than minDomains) > maxSkew -> Unschedulable.
# A constraint is (topologyKey, maxSkew, selfMatch, minDomains).
# ---------------------------------------------------------------------------

def statuses_from_state(nodes: list[dict], constraints: list[tuple], counts: list[dict],
                        mins: list[int]) -> dict[str, str]:
    want = {}
    for n in nodes:
        labels = n["metadata"]["labels"]
        code = SUCCESS
        for (key, max_skew, self_match, min_domains), count, minimum in zip(constraints, counts, mins):
            if key not in labels:
                code = UAU
                break
            if len(count) < min_domains:
                minimum = 0
            if count.get(labels[key], 0) + self_match - minimum > max_skew:
                code = U
                break
        want[n["metadata"]["name"]] = code
    return want


def _policy_nodes(tainted_c: bool = False) -> list[dict]:
    return [
        node("node-a", {"node": "node-a", "foo": ""}),
        node("node-b", {"node": "node-b", "foo": ""}),
        node("node-c", {"node": "node-c", "bar": ""}, tainted=tainted_c),
    ]


def _policy_pods() -> list[dict]:
    return (pods("p-a@node-a p-b@node-b p-c@node-b", {"bar": ""}) + pods("p-d@node-c"))


def _taint_nodes() -> list[dict]:
    return [
        node("node-a", {"node": "node-a"}),
        node("node-b", {"node": "node-b"}),
        node("node-c", {"node": "node-c", "bar": ""}, tainted=True),
    ]


PRE_FILTER_STATE = [
    pytest.param(
        spread(pod(labels={"foo": ""}), 5, "zone", "DoNotSchedule",
               {"matchLabels": {"foo": "bar"}}).obj(),
        zone_nodes(), [],
        [("zone", 5, 0, 1)], [{"zone1": 0, "zone2": 0}], [0],
        id="clean cluster with one spreadConstraint"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", FOO).obj(),
        zone_nodes(), pods("p-a1@node-a p-a2@node-a p-b1@node-b p-y1@node-y p-y2@node-y", FOO_PODS),
        [("zone", 1, 1, 1)], [{"zone1": 3, "zone2": 2}], [2],
        id="normal case with one spreadConstraint"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", None).obj(),
        zone_nodes(), pods("p-a1@node-a p-a2@node-a p-b1@node-b p-y1@node-y p-y2@node-y", FOO_PODS),
        [("zone", 1, 0, 1)], [{"zone1": 0, "zone2": 0}], [0],
        id="normal case with null label selector"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", FOO).obj(),
        zone_nodes() + [node("node-o", {"zone": "zone3", "node": "node-o"}),
                        node("node-p", {"zone": "zone3", "node": "node-p"})],
        pods("p-a1@node-a p-a2@node-a p-b1@node-b p-y1@node-y p-y2@node-y", FOO_PODS),
        [("zone", 1, 1, 1)], [{"zone1": 3, "zone2": 2, "zone3": 0}], [0],
        id="normal case with one spreadConstraint, on a 3-zone cluster"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", FOO).obj(),
        zone_nodes(),
        [existing("p-a1", "node-a", FOO_PODS), existing("p-a2", "node-a", FOO_PODS, "ns1"),
         existing("p-b1", "node-b", FOO_PODS), existing("p-y1", "node-y", FOO_PODS, "ns2"),
         existing("p-y2", "node-y", FOO_PODS)],
        [("zone", 1, 1, 1)], [{"zone1": 2, "zone2": 1}], [1],
        id="namespace mismatch doesn't count"),
    pytest.param(
        spread(spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", FOO),
               1, "node", "DoNotSchedule", FOO).obj(),
        zone_nodes(),
        pods("p-a1@node-a p-a2@node-a p-b1@node-b p-y1@node-y p-y2@node-y p-y3@node-y p-y4@node-y",
             FOO_PODS),
        [("zone", 1, 1, 1), ("node", 1, 1, 1)],
        [{"zone1": 3, "zone2": 4}, {"node-a": 2, "node-b": 1, "node-x": 0, "node-y": 4}], [3, 0],
        id="normal case with two spreadConstraints"),
    pytest.param(
        spread(spread(spread(spread(pod(labels={"foo": ""}),
                                    1, "zone", "ScheduleAnyway", FOO),
                             1, "zone", "DoNotSchedule", FOO),
                      1, "node", "ScheduleAnyway", FOO),
               1, "node", "DoNotSchedule", FOO).obj(),
        three_nodes(),
        pods("p-a1@node-a p-a2@node-a p-b1@node-b p-y1@node-y p-y2@node-y p-y3@node-y p-y4@node-y",
             FOO_PODS),
        [("zone", 1, 1, 1), ("node", 1, 1, 1)],
        [{"zone1": 3, "zone2": 4}, {"node-a": 2, "node-b": 1, "node-y": 4}], [3, 1],
        id="soft spreadConstraints should be bypassed"),
    pytest.param(
        spread(spread(pod(labels={"foo": "", "bar": ""}), 1, "zone", "DoNotSchedule", FOO),
               1, "node", "DoNotSchedule", BAR).obj(),
        three_nodes(), [existing("p-a", "node-a", {"foo": ""}), existing("p-b", "node-b", {"bar": ""})],
        [("zone", 1, 1, 1), ("node", 1, 1, 1)],
        [{"zone1": 1, "zone2": 0}, {"node-a": 0, "node-b": 1, "node-y": 0}], [0, 0],
        id="different labelSelectors - simple version"),
    pytest.param(
        spread(spread(pod(labels={"foo": "", "bar": ""}), 1, "zone", "DoNotSchedule", FOO),
               1, "node", "DoNotSchedule", BAR).obj(),
        three_nodes(),
        [existing("p-a1", "node-a", {"foo": ""}), existing("p-a2", "node-a", {"foo": "", "bar": ""}),
         existing("p-b1", "node-b", {"foo": ""}), existing("p-y1", "node-y", {"foo": ""}),
         existing("p-y2", "node-y", {"foo": "", "bar": ""}), existing("p-y3", "node-y", {"foo": ""}),
         existing("p-y4", "node-y", {"foo": "", "bar": ""})],
        [("zone", 1, 1, 1), ("node", 1, 1, 1)],
        [{"zone1": 3, "zone2": 4}, {"node-a": 1, "node-b": 0, "node-y": 2}], [3, 0],
        id="different labelSelectors - complex pods"),
    pytest.param(
        spread(spread(pod(labels={"foo": ""}).node_affinity_not_in("node", ["node-x"]),
                      1, "zone", "DoNotSchedule", FOO),
               1, "node", "DoNotSchedule", FOO).obj(),
        zone_nodes(),
        pods("p-a1@node-a p-a2@node-a p-b1@node-b p-y1@node-y p-y2@node-y p-y3@node-y p-y4@node-y",
             FOO_PODS),
        [("zone", 1, 1, 1), ("node", 1, 1, 1)],
        [{"zone1": 3, "zone2": 4}, {"node-a": 2, "node-b": 1, "node-y": 4}], [3, 1],
        id="two spreadConstraints, and with podAffinity"),
    # Left out: "default constraints and a service", "default constraints and a service that
    # doesn't match", "default constraints and a service, but pod has constraints", "default
    # soft constraints and a service" - they have no nodes, so nothing is observable.
    pytest.param(
        spread(spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", FOO),
               1, "node", "DoNotSchedule", FOO).obj(),
        zone_nodes(),
        pods("p-a1@node-a p-a2@node-a p-b1@node-b p-y1@node-y p-y2@node-y p-y3@node-y p-y4@node-y",
             FOO_PODS),
        [("zone", 1, 1, 1), ("node", 1, 1, 1)],
        [{"zone1": 3, "zone2": 4}, {"node-a": 2, "node-b": 1, "node-x": 0, "node-y": 4}], [3, 0],
        id="TpKeyToDomainsNum is calculated when MinDomains is enabled"),
    # Run in Go with the NodeInclusionPolicy gate off: with it on, the default policies
    # (Honor / Ignore) give the same state.
    pytest.param(
        spread(pod(labels={"foo": ""}).node_selector({"foo": ""}),
               1, "node", "DoNotSchedule", BAR).obj(),
        _policy_nodes(), _policy_pods(),
        [("node", 1, 0, 1)], [{"node-a": 1, "node-b": 2}], [1],
        id="feature gate disabled with NodeAffinityPolicy"),
    pytest.param(
        spread(pod(labels={"foo": ""}).node_selector({"foo": ""}),
               1, "node", "DoNotSchedule", BAR).obj(),
        _policy_nodes(), _policy_pods(),
        [("node", 1, 0, 1)], [{"node-a": 1, "node-b": 2}], [1],
        id="NodeAffinityPolicy honored with labelSelectors"),
    pytest.param(
        spread(pod(labels={"foo": ""}).node_selector({"foo": ""}),
               1, "node", "DoNotSchedule", BAR, affinity_policy="Ignore").obj(),
        _policy_nodes(), _policy_pods(),
        [("node", 1, 0, 1)], [{"node-a": 1, "node-b": 2, "node-c": 0}], [0],
        id="NodeAffinityPolicy ignored with labelSelectors"),
    pytest.param(
        spread(pod(labels={"foo": ""}).node_affinity_in("foo", [""]),
               1, "node", "DoNotSchedule", BAR).obj(),
        _policy_nodes(),
        pods("p-a@node-a p-c@node-b p-d@node-b", {"bar": ""}) + pods("p-e@node-c"),
        [("node", 1, 0, 1)], [{"node-a": 1, "node-b": 2}], [1],
        id="NodeAffinityPolicy honored with nodeAffinity"),
    pytest.param(
        spread(pod(labels={"foo": ""}).node_affinity_in("foo", [""]),
               1, "node", "DoNotSchedule", BAR, affinity_policy="Ignore").obj(),
        _policy_nodes(), _policy_pods(),
        [("node", 1, 0, 1)], [{"node-a": 1, "node-b": 2, "node-c": 0}], [0],
        id="NodeAffinityPolicy ignored with nodeAffinity"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "node", "DoNotSchedule", BAR).obj(),
        _taint_nodes(), _policy_pods(),
        [("node", 1, 0, 1)], [{"node-a": 1, "node-b": 2, "node-c": 0}], [0],
        id="feature gate disabled with NodeTaintsPolicy"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "node", "DoNotSchedule", BAR).obj(),
        _taint_nodes(), _policy_pods(),
        [("node", 1, 0, 1)], [{"node-a": 1, "node-b": 2, "node-c": 0}], [0],
        id="NodeTaintsPolicy ignored"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "node", "DoNotSchedule", BAR,
               taints_policy="Honor").obj(),
        _taint_nodes(), _policy_pods(),
        [("node", 1, 0, 1)], [{"node-a": 1, "node-b": 2}], [1],
        id="NodeTaintsPolicy honored"),
    pytest.param(
        # st.PodWrapper.Toleration(key): {Key: key, Operator: Exists, Effect: NoSchedule}
        spread(pod(labels={"foo": ""}).toleration(UNSCHEDULABLE_TAINT, effect="NoSchedule",
                                                  operator="Exists"),
               1, "node", "DoNotSchedule", BAR, taints_policy="Honor").obj(),
        _taint_nodes(), _policy_pods(),
        [("node", 1, 0, 1)], [{"node-a": 1, "node-b": 2, "node-c": 0}], [0],
        id="NodeTaintsPolicy honored with tolerated taints"),
    pytest.param(
        spread(spread(pod(labels={"foo": ""}).node_selector({"foo": ""}),
                      1, "zone", "DoNotSchedule", FOO),
               1, "node", "DoNotSchedule", FOO, affinity_policy="Ignore").obj(),
        [node("node-a", {"zone": "zone1", "node": "node-a", "foo": ""}),
         node("node-b", {"zone": "zone1", "node": "node-b"}),
         node("node-x", {"zone": "zone2", "node": "node-x", "foo": ""})],
        pods("p-b1@node-b p-b2@node-b p-x1@node-x", FOO_PODS),
        [("zone", 1, 1, 1), ("node", 1, 1, 1)],
        [{"zone1": 0, "zone2": 1}, {"node-a": 0, "node-b": 2, "node-x": 1}], [0, 0],
        id="two node inclusion Constraints, zone: honor/ignore, node: ignore/ignore"),
    pytest.param(
        spread(spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", FOO,
                      taints_policy="Honor"),
               1, "node", "DoNotSchedule", FOO).obj(),
        [node("node-a", {"zone": "zone1", "node": "node-a", "foo": ""}),
         node("node-b", {"zone": "zone1", "node": "node-b"}, tainted=True),
         node("node-x", {"zone": "zone2", "node": "node-x", "foo": ""})],
        pods("p-b1@node-b p-b2@node-b p-x1@node-x", FOO_PODS),
        [("zone", 1, 1, 1), ("node", 1, 1, 1)],
        [{"zone1": 0, "zone2": 1}, {"node-a": 0, "node-b": 2, "node-x": 1}], [0, 0],
        id="two node inclusion Constraints, zone: honor/honor, node: honor/ignore"),
    pytest.param(
        spread(spread(pod(labels={"foo": ""}).node_selector({"foo": ""}),
                      1, "zone", "DoNotSchedule", FOO),
               1, "node", "DoNotSchedule", FOO).obj(),
        [node("node-a", {"zone": "zone1", "node": "node-a"}),
         node("node-b", {"zone": "zone1", "node": "node-b", "foo": ""}, tainted=True),
         node("node-x", {"zone": "zone2", "node": "node-x", "foo": ""}),
         node("node-y", {"zone": "zone2", "node": "node-y"})],
        pods("p-a1@node-a p-a2@node-a p-x1@node-x p-y1@node-y", FOO_PODS),
        [("zone", 1, 1, 1), ("node", 1, 1, 1)],
        [{"zone1": 0, "zone2": 1}, {"node-b": 0, "node-x": 1}], [0, 0],
        id="two node inclusion Constraints, zone: honor/ignore, node: honor/ignore"),
    pytest.param(
        spread(spread(pod(labels={"foo": ""}).node_selector({"foo": ""}),
                      1, "zone", "DoNotSchedule", FOO, affinity_policy="Ignore"),
               1, "node", "DoNotSchedule", FOO, taints_policy="Honor").obj(),
        [node("node-a", {"zone": "zone1", "node": "node-a"}),
         node("node-b", {"zone": "zone1", "node": "node-b", "foo": ""}, tainted=True),
         node("node-x", {"zone": "zone2", "node": "node-x", "foo": ""}),
         node("node-y", {"zone": "zone2", "node": "node-y", "foo": ""})],
        pods("p-a1@node-a p-a2@node-a p-x1@node-x p-x2@node-x p-y1@node-y", FOO_PODS),
        [("zone", 1, 1, 1), ("node", 1, 1, 1)],
        [{"zone1": 2, "zone2": 3}, {"node-x": 2, "node-y": 1}], [2, 1],
        id="two node inclusion Constraints, zone: ignore/ignore, node: honor/honor"),
    # Left out: "matchLabelKeys ignored when feature gate disabled" (the gate is on in kbench).
    pytest.param(
        spread(pod(labels={"foo": "", "bar": "a"}), 1, "zone", "DoNotSchedule", FOO,
               match_label_keys=["bar"]).obj(),
        zone_nodes(),
        [existing("p-a1", "node-a", {"foo": ""}), existing("p-a2", "node-a", {"foo": "", "bar": "a"}),
         existing("p-b1", "node-b", {"foo": ""}), existing("p-y1", "node-y", {"foo": "", "bar": "a"}),
         existing("p-y2", "node-y", {"bar": ""})],
        [("zone", 1, 1, 1)], [{"zone1": 1, "zone2": 1}], [1],
        id="matchLabelKeys ANDed with LabelSelector when LabelSelector isn't empty"),
    pytest.param(
        spread(pod(labels={"foo": "a"}), 1, "zone", "DoNotSchedule", {},
               match_label_keys=["foo"]).obj(),
        zone_nodes(), pods("p-a1@node-a p-a2@node-a p-b1@node-b p-y1@node-y p-y2@node-y", {"foo": "a"}),
        [("zone", 1, 1, 1)], [{"zone1": 3, "zone2": 2}], [2],
        id="matchLabelKeys ANDed with LabelSelector when LabelSelector is empty"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", FOO,
               match_label_keys=["bar"]).obj(),
        zone_nodes(), pods("p-a1@node-a p-a2@node-a p-b1@node-b p-y1@node-y p-y2@node-y", {"foo": "a"}),
        [("zone", 1, 1, 1)], [{"zone1": 3, "zone2": 2}], [2],
        id="key in matchLabelKeys is ignored when it isn't exist in pod.labels"),
    pytest.param(
        pod(labels={"foo": ""}).obj(),
        [node("node-a", {"zone": "zone1", "node": "node-a"})], [],
        [], [], [],  # PreFilter returns Skip: every node passes
        id="skip if not specified"),
]


@pytest.mark.parametrize("incoming,nodes,existing_pods,constraints,counts,mins", PRE_FILTER_STATE)
def test_pre_filter_state(impl, incoming, nodes, existing_pods, constraints, counts, mins):
    # filtering_test.go TestPreFilterState
    got = impl.filter(PLUGIN, incoming, nodes, existing_pods, LIST_DEFAULTING)
    check(got, statuses_from_state(nodes, constraints, counts, mins))


# matchLabelKeys without a labelSelector; two constraints on the same topologyKey and
# whenUnsatisfiable. The API server rejects both.
PRE_FILTER_STATE_REFERENCE_ONLY = [
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", None,
               match_label_keys=["bar"]).obj(),
        zone_nodes(), pods("p-a1@node-a p-a2@node-a p-b1@node-b p-y1@node-y p-y2@node-y", {"foo": "a"}),
        [("zone", 1, 0, 1)], [{"zone1": 0, "zone2": 0}], [0],
        id="key in matchLabelKeys is ignored when LabelSelector is nil when feature gate enabled"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", None,
               match_label_keys=["bar"]).obj(),
        zone_nodes(), pods("p-a1@node-a p-a2@node-a p-b1@node-b p-y1@node-y p-y2@node-y", {"foo": "a"}),
        [("zone", 1, 0, 1)], [{"zone1": 0, "zone2": 0}], [0],
        id="no pod is matched when LabelSelector is nil when feature gate disabled"),
    pytest.param(
        spread(spread(pod(labels={"foo": "", "bar": ""}), 1, "zone", "DoNotSchedule", FOO),
               1, "zone", "DoNotSchedule", BAR).obj(),
        zone_nodes(),
        [existing("p-a1", "node-a", {"foo": "", "bar": ""}), existing("p-b1", "node-b", {"foo": ""}),
         existing("p-x1", "node-x", {"bar": ""}), existing("p-y1", "node-y", {"foo": "", "bar": ""}),
         existing("p-y2", "node-y", {"bar": ""})],
        [("zone", 1, 1, 1), ("zone", 1, 1, 1)],
        [{"zone1": 2, "zone2": 1}, {"zone1": 1, "zone2": 3}], [1, 1],
        id="two spreadConstraints with the same topologyKey"),
]


@pytest.mark.parametrize("incoming,nodes,existing_pods,constraints,counts,mins",
                         PRE_FILTER_STATE_REFERENCE_ONLY)
def test_pre_filter_state_reference_only(impl, incoming, nodes, existing_pods, constraints,
                                         counts, mins):
    # filtering_test.go TestPreFilterState
    reference_only(impl)
    got = impl.filter(PLUGIN, incoming, nodes, existing_pods, LIST_DEFAULTING)
    check(got, statuses_from_state(nodes, constraints, counts, mins))


# ---------------------------------------------------------------------------
# TestSingleConstraint
# ---------------------------------------------------------------------------

def _min_domain_nodes() -> list[dict]:
    return [node("node-a", {"node": "node-a"}), node("node-b", {"node": "node-b"}),
            node("node-c", {"node": "node-c"})]


def _inclusion_nodes(tainted_y: bool = False) -> list[dict]:
    return [node("node-a", {"node": "node-a", "foo": ""}),
            node("node-b", {"node": "node-b", "foo": ""}),
            node("node-x", {"node": "node-x", "foo": ""}),
            node("node-y", {"node": "node-y"}, tainted=tainted_y)]


SPREAD_2103 = "p-a1@node-a p-a2@node-a p-b1@node-b p-y1@node-y p-y2@node-y p-y3@node-y"
INCLUSION_PODS = "p-b1@node-a p-b2@node-b p-y1@node-y"

SINGLE_CONSTRAINT = [
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", FOO).obj(),
        zone_nodes(), [],
        {"node-a": SUCCESS, "node-b": SUCCESS, "node-x": SUCCESS, "node-y": SUCCESS},
        id="no existing pods"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", BAR).obj(),
        zone_nodes(), [],
        {"node-a": SUCCESS, "node-b": SUCCESS, "node-x": SUCCESS, "node-y": SUCCESS},
        id="no existing pods, incoming pod doesn't match itself"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", FOO).obj(),
        zone_nodes(),
        [existing("p-a1", "node-a", FOO_PODS, "ns1"), existing("p-b1", "node-a", FOO_PODS, "ns2"),
         existing("p-x1", "node-x", FOO_PODS), existing("p-y1", "node-y", FOO_PODS)],
        {"node-a": SUCCESS, "node-b": SUCCESS, "node-x": U, "node-y": U},
        id="existing pods in a different namespace do not count"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", None).obj(),
        zone_nodes(), pods("p-x1@node-x p-y1@node-y", FOO_PODS),
        {"node-a": SUCCESS, "node-b": SUCCESS, "node-x": SUCCESS, "node-y": SUCCESS},
        id="existing pods do not match null selector"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", FOO).obj(),
        zone_nodes(), pods(SPREAD_2103, FOO_PODS),
        {"node-a": SUCCESS, "node-b": SUCCESS, "node-x": SUCCESS, "node-y": SUCCESS},
        id="pods spread across zones as 3/3, all nodes fit"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", FOO).obj(),
        [node("node-a", {"zone": "zone1", "node": "node-a"}),
         node("node-b", {"zon": "zone1", "node": "node-b"}),
         node("node-x", {"zone": "zone2", "node": "node-x"}),
         node("node-y", {"zone": "zone2", "node": "node-y"})],
        pods("p-a1@node-a p-b1@node-b p-x1@node-x p-y1@node-y", FOO_PODS),
        {"node-a": SUCCESS, "node-b": UAU, "node-x": U, "node-y": U},
        id="pods spread across zones as 1/2 due to absence of label 'zone' on node-b"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "rack", "DoNotSchedule", FOO).obj(),
        [node("node-a", {"zone": "zone1", "node": "node-a"}),
         node("node-x", {"zone": "zone2", "node": "node-x"})], [],
        {"node-a": UAU, "node-x": UAU},
        id="pod cannot be scheduled as all nodes don't have label 'rack'"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "node", "DoNotSchedule", FOO).obj(),
        zone_nodes(), pods(SPREAD_2103, FOO_PODS),
        {"node-a": U, "node-b": U, "node-x": SUCCESS, "node-y": U},
        id="pods spread across nodes as 2/1/0/3, only node-x fits"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 2, "node", "DoNotSchedule", FOO).obj(),
        zone_nodes(), pods(SPREAD_2103, FOO_PODS),
        {"node-a": U, "node-b": SUCCESS, "node-x": SUCCESS, "node-y": U},
        id="pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit"),
    pytest.param(
        spread(pod(labels={"bar": ""}), 1, "node", "DoNotSchedule", FOO).obj(),
        zone_nodes(), pods(SPREAD_2103, FOO_PODS),
        {"node-a": U, "node-b": SUCCESS, "node-x": SUCCESS, "node-y": U},
        id="pods spread across nodes as 2/1/0/3, but pod doesn't match itself"),
    pytest.param(
        # NodeAffinity itself does not run here, so node-b and node-x still fit.
        spread(pod(labels={"foo": ""}).node_affinity_in("node", ["node-a", "node-y"]),
               1, "node", "DoNotSchedule", FOO).obj(),
        zone_nodes(), pods(SPREAD_2103, FOO_PODS),
        {"node-a": SUCCESS, "node-b": SUCCESS, "node-x": SUCCESS, "node-y": U},
        id="incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "node", "DoNotSchedule", FOO).obj(),
        [node("node-a", {"node": "node-a"}), node("node-b", {"node": "node-b"})],
        [existing("p-a", "node-a", FOO_PODS, terminating=True), existing("p-b", "node-b", FOO_PODS)],
        {"node-a": SUCCESS, "node-b": U},
        id="terminating Pods should be excluded"),
    pytest.param(
        spread(pod(labels={"foo": ""}).node_affinity_not_in("node", ["node-b"]),
               1, "zone", "DoNotSchedule", FOO).obj(),
        zone_nodes(), pods("p-b1@node-b p-b2@node-b p-y1@node-y", FOO_PODS),
        {"node-a": SUCCESS, "node-b": SUCCESS, "node-x": U, "node-y": U},
        id="incoming pod has nodeAffinity, pods spread as 0/~2~/0/1, hence node-a fits"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 2, "node", "DoNotSchedule", FOO, min_domains=4).obj(),
        _min_domain_nodes(), pods("p-a1@node-a p-a2@node-a p-b1@node-b p-b2@node-b p-c1@node-c", FOO_PODS),
        {"node-a": U, "node-b": U, "node-c": SUCCESS},
        id="pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains < minDomains, "
           "then the third node fits"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 2, "node", "DoNotSchedule", FOO, min_domains=2).obj(),
        _min_domain_nodes(), pods("p-a1@node-a p-a2@node-a p-b1@node-b p-b2@node-b p-c1@node-c", FOO_PODS),
        {"node-a": SUCCESS, "node-b": SUCCESS, "node-c": SUCCESS},
        id="pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains > minDomains, "
           "then the all nodes fit"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 2, "zone", "DoNotSchedule", FOO, min_domains=3).obj(),
        zone_nodes(), pods("p-b1@node-a p-b2@node-b p-y1@node-y", FOO_PODS),
        {"node-a": U, "node-b": U, "node-x": SUCCESS, "node-y": SUCCESS},
        id="pods spread across zone as 2/1, maxSkew is 2 and the number of domains < minDomains, "
           "then the third and fourth nodes fit"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 2, "zone", "DoNotSchedule", FOO, min_domains=1).obj(),
        zone_nodes(), pods("p-b1@node-a p-b2@node-b p-y1@node-y", FOO_PODS),
        {"node-a": SUCCESS, "node-b": SUCCESS, "node-x": SUCCESS, "node-y": SUCCESS},
        id="pods spread across zone as 2/1, maxSkew is 2 and the number of domains > minDomains, "
           "then the all nodes fit"),
    pytest.param(
        spread(pod(labels={"foo": ""}).node_selector({"foo": ""}),
               1, "node", "DoNotSchedule", FOO).obj(),
        _inclusion_nodes(), pods(INCLUSION_PODS, FOO_PODS),
        {"node-a": U, "node-b": U, "node-x": SUCCESS, "node-y": SUCCESS},
        id="NodeAffinityPolicy honored with labelSelectors"),
    pytest.param(
        spread(pod(labels={"foo": ""}).node_selector({"foo": ""}),
               1, "node", "DoNotSchedule", FOO, affinity_policy="Ignore").obj(),
        _inclusion_nodes(), pods(INCLUSION_PODS, FOO_PODS),
        {"node-a": U, "node-b": U, "node-x": SUCCESS, "node-y": U},
        id="NodeAffinityPolicy ignored with labelSelectors"),
    pytest.param(
        spread(pod(labels={"foo": ""}).node_affinity_in("foo", [""]),
               1, "node", "DoNotSchedule", FOO).obj(),
        _inclusion_nodes(), pods(INCLUSION_PODS, FOO_PODS),
        {"node-a": U, "node-b": U, "node-x": SUCCESS, "node-y": SUCCESS},
        id="NodeAffinityPolicy honored with nodeAffinity"),
    pytest.param(
        # Go names this second case "NodeAffinityPolicy ignored with labelSelectors" too.
        spread(pod(labels={"foo": ""}).node_affinity_in("foo", [""]),
               1, "node", "DoNotSchedule", FOO, affinity_policy="Ignore").obj(),
        _inclusion_nodes(), pods(INCLUSION_PODS, FOO_PODS),
        {"node-a": U, "node-b": U, "node-x": SUCCESS, "node-y": U},
        id="NodeAffinityPolicy ignored with labelSelectors (nodeAffinity)"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "node", "DoNotSchedule", FOO,
               taints_policy="Honor").obj(),
        _inclusion_nodes(tainted_y=True), pods(INCLUSION_PODS, FOO_PODS),
        {"node-a": U, "node-b": U, "node-x": SUCCESS, "node-y": SUCCESS},
        id="NodeTaintsPolicy honored"),
    pytest.param(
        spread(pod(labels={"foo": ""}), 1, "node", "DoNotSchedule", FOO).obj(),
        _inclusion_nodes(tainted_y=True), pods(INCLUSION_PODS, FOO_PODS),
        {"node-a": U, "node-b": U, "node-x": SUCCESS, "node-y": U},
        id="NodeTaintsPolicy ignored"),
]


@pytest.mark.parametrize("incoming,nodes,existing_pods,want", SINGLE_CONSTRAINT)
def test_single_constraint(impl, incoming, nodes, existing_pods, want):
    # filtering_test.go TestSingleConstraint
    check(impl.filter(PLUGIN, incoming, nodes, existing_pods, LIST_DEFAULTING), want)


# ---------------------------------------------------------------------------
# TestMultipleConstraints
# ---------------------------------------------------------------------------

def zone_nodes_with(labels_foo: tuple = (), tainted: tuple = ()) -> list[dict]:
    """The four zone nodes, with label foo on the named ones and the taint on others."""
    result = []
    for name, zone in (("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2"), ("node-y", "zone2")):
        labels = {"zone": zone, "node": name}
        if name in labels_foo:
            labels["foo"] = ""
        result.append(node(name, labels, tainted=name in tainted))
    return result


def _zone_and_node(bar: bool):
    """st.MakePod().Label("foo", "") [.Label("bar", "")] with maxSkew 1 DoNotSchedule constraints
    on zone (fooSelector) and node (fooSelector, or barSelector when bar)."""
    return spread(spread(pod(labels={"foo": "", "bar": ""} if bar else {"foo": ""}),
                         1, "zone", "DoNotSchedule", FOO),
                  1, "node", "DoNotSchedule", BAR if bar else FOO)


MULTIPLE_CONSTRAINTS = [
    pytest.param(
        _zone_and_node(False).obj(), zone_nodes(), pods(SPREAD_2103, FOO_PODS),
        {"node-a": U, "node-b": U, "node-x": SUCCESS, "node-y": U},
        id="two Constraints on zone and node, spreads = [3/3, 2/1/0/3]"),
    pytest.param(
        _zone_and_node(False).obj(), zone_nodes(), pods(SPREAD_2103 + " p-y4@node-y", FOO_PODS),
        {"node-a": U, "node-b": U, "node-x": U, "node-y": U},
        id="two Constraints on zone and node, spreads = [3/4, 2/1/0/4]"),
    pytest.param(
        _zone_and_node(True).obj(), zone_nodes(),
        [existing("p-a1", "node-a", {"foo": ""}), existing("p-y1", "node-y", {"bar": ""})],
        {"node-a": U, "node-b": U, "node-x": SUCCESS, "node-y": U},
        id="Constraints hold different labelSelectors, spreads = [1/0, 1/0/0/1]"),
    pytest.param(
        _zone_and_node(True).obj(), zone_nodes(),
        [existing("p-a1", "node-a", {"foo": ""}), existing("p-x1", "node-x", {"bar": ""}),
         existing("p-y1", "node-y", {"bar": ""})],
        {"node-a": U, "node-b": U, "node-x": U, "node-y": U},
        id="Constraints hold different labelSelectors, spreads = [1/0, 0/0/1/1]"),
    pytest.param(
        _zone_and_node(True).obj(), zone_nodes(),
        [existing("p-a1", "node-a", {"foo": ""}), existing("p-a2", "node-a", {"foo": "", "bar": ""}),
         existing("p-y1", "node-y", {"foo": ""}), existing("p-y2", "node-y", {"foo": "", "bar": ""}),
         existing("p-y3", "node-y", {"foo": ""})],
        {"node-a": U, "node-b": SUCCESS, "node-x": U, "node-y": U},
        id="Constraints hold different labelSelectors, spreads = [2/3, 1/0/0/1]"),
    pytest.param(
        spread(spread(pod(labels={"bar": ""}), 1, "zone", "DoNotSchedule", FOO),
               1, "node", "DoNotSchedule", BAR).obj(),
        zone_nodes(),
        [existing("p-a1", "node-a", {"foo": ""}), existing("p-x1", "node-x", {"bar": ""}),
         existing("p-y1", "node-y", {"bar": ""})],
        {"node-a": SUCCESS, "node-b": SUCCESS, "node-x": U, "node-y": U},
        id="Constraints hold different labelSelectors but pod doesn't match itself on 'zone' constraint"),
    pytest.param(
        _zone_and_node(False).obj(),
        [node("node-a", {"zone": "zone1", "node": "node-a"}),
         node("node-b", {"zone": "zone1", "node": "node-b"}),
         node("node-x", {"zone": "zone2"}),
         node("node-y", {"zone": "zone2", "node": "node-y"})],
        pods("p-a1@node-a p-y3@node-y", FOO_PODS),
        {"node-a": U, "node-b": SUCCESS, "node-x": UAU, "node-y": U},
        id="two Constraints on zone and node, absence of label 'node' on node-x, spreads = [1/1, 1/0/0/1]"),
    pytest.param(
        spread(spread(pod(labels={"foo": ""}).node_selector({"foo": ""}),
                      1, "zone", "DoNotSchedule", FOO),
               1, "node", "DoNotSchedule", FOO, affinity_policy="Ignore").obj(),
        zone_nodes_with(labels_foo=("node-a", "node-b", "node-x")),
        pods("p-a1@node-a p-b1@node-b p-y1@node-y", FOO_PODS),
        {"node-a": U, "node-b": U, "node-x": SUCCESS, "node-y": U},
        id="two node inclusion Constraints, zone: honor/ignore, node: ignore/ignore"),
    pytest.param(
        spread(spread(pod(labels={"foo": ""}), 1, "zone", "DoNotSchedule", FOO,
                      taints_policy="Honor"),
               1, "node", "DoNotSchedule", FOO).obj(),
        zone_nodes_with(labels_foo=("node-a", "node-b", "node-x"), tainted=("node-y",)),
        pods("p-a1@node-a p-b1@node-b p-y1@node-y", FOO_PODS),
        {"node-a": U, "node-b": U, "node-x": SUCCESS, "node-y": U},
        id="two node inclusion Constraints, zone: honor/honor, node: honor/ignore"),
    pytest.param(
        spread(spread(pod(labels={"foo": ""}).node_selector({"foo": ""}),
                      1, "zone", "DoNotSchedule", FOO),
               1, "node", "DoNotSchedule", FOO).obj(),
        zone_nodes_with(labels_foo=("node-a", "node-x", "node-y"), tainted=("node-y",)),
        pods("p-a1@node-a p-b1@node-b p-y1@node-y", FOO_PODS),
        {"node-a": U, "node-b": SUCCESS, "node-x": SUCCESS, "node-y": U},
        id="two node inclusion Constraints, zone: honor/ignore, node: honor/ignore"),
    pytest.param(
        spread(spread(pod(labels={"foo": ""}).node_selector({"foo": ""}),
                      1, "zone", "DoNotSchedule", FOO, taints_policy="Honor"),
               1, "node", "DoNotSchedule", FOO, affinity_policy="Ignore").obj(),
        zone_nodes_with(labels_foo=("node-a", "node-x", "node-y"), tainted=("node-y",)),
        pods("p-a1@node-a p-b1@node-b p-y1@node-y", FOO_PODS),
        {"node-a": U, "node-b": U, "node-x": SUCCESS, "node-y": U},
        id="two node inclusion Constraints, zone: honor/honor, node: ignore/ignore"),
]


@pytest.mark.parametrize("incoming,nodes,existing_pods,want", MULTIPLE_CONSTRAINTS)
def test_multiple_constraints(impl, incoming, nodes, existing_pods, want):
    # filtering_test.go TestMultipleConstraints
    check(impl.filter(PLUGIN, incoming, nodes, existing_pods, LIST_DEFAULTING), want)


# Two constraints on the same topologyKey and whenUnsatisfiable, which the API server rejects.
MULTIPLE_CONSTRAINTS_REFERENCE_ONLY = [
    pytest.param(
        spread(spread(pod(labels={"foo": "", "bar": ""}), 1, "zone", "DoNotSchedule", BAR),
               1, "zone", "DoNotSchedule", FOO).obj(),
        zone_nodes(),
        [existing("p-a1", "node-a", {"foo": "", "bar": ""}), existing("p-a2", "node-a", {"foo": ""}),
         existing("p-b1", "node-b", {"foo": "", "bar": ""}), existing("p-y1", "node-y", {"foo": ""}),
         existing("p-y2", "node-y", {"foo": "", "bar": ""}), existing("p-y3", "node-y", {"foo": ""})],
        {"node-a": U, "node-b": U, "node-x": SUCCESS, "node-y": SUCCESS},
        id="two Constraints on zone, spreads = [3/3, 2/1]"),
    pytest.param(
        spread(spread(pod(labels={"foo": "", "bar": ""}), 1, "zone", "DoNotSchedule", BAR),
               1, "zone", "DoNotSchedule", FOO).obj(),
        zone_nodes(),
        [existing("p-a1", "node-a", {"foo": "", "bar": ""}), existing("p-a2", "node-a", {"foo": ""}),
         existing("p-b1", "node-b", {"foo": "", "bar": ""}), existing("p-y1", "node-y", {"foo": ""}),
         existing("p-y2", "node-y", {"foo": "", "bar": ""}), existing("p-y3", "node-y", {"foo": ""}),
         existing("p-y4", "node-y", {"foo": ""})],
        {"node-a": U, "node-b": U, "node-x": U, "node-y": U},
        id="two Constraints on zone, spreads = [3/4, 2/1]"),
]


@pytest.mark.parametrize("incoming,nodes,existing_pods,want", MULTIPLE_CONSTRAINTS_REFERENCE_ONLY)
def test_multiple_constraints_reference_only(impl, incoming, nodes, existing_pods, want):
    # filtering_test.go TestMultipleConstraints
    reference_only(impl)
    check(impl.filter(PLUGIN, incoming, nodes, existing_pods, LIST_DEFAULTING), want)


# Left out: TestPreFilterDisabled (Filter without PreFilter is an internal error path that
# `impl` cannot reach), TestPreFilterStateAddPod / RemovePod (preemption's incremental state
# updates), BenchmarkFilter, TestPodTopoSignatures.
