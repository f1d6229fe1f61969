"""InterPodAffinity reference plugin: kube-scheduler's inter-pod (anti-)affinity Filter and Score, in plain Python.

Ported from Kubernetes (Go):
  pkg/scheduler/framework/plugins/interpodaffinity/filtering.go  PreFilter counts and Filter
  pkg/scheduler/framework/plugins/interpodaffinity/scoring.go    PreScore / Score / NormalizeScore
  pkg/scheduler/framework/plugins/interpodaffinity/plugin.go     namespaceSelector merging,
                                                                 namespace labels
  pkg/scheduler/framework/types.go                               AffinityTerm, PodInfo terms,
                                                                 getNamespacesFromPodAffinityTerm
  pkg/scheduler/apis/config/v1/defaults.go                       hardPodAffinityWeight 1

Namespaces come from ``Snapshot.namespaces`` (name -> labels): a namespaceSelector of the
incoming pod is unrolled into namespace names, and existing pods' terms are matched against the
labels of the incoming pod's namespace (empty if the namespace is not in the snapshot).
matchLabelKeys / mismatchLabelKeys are not read here: the API server merges them into the
labelSelector when the pod is created, and the scheduler never sees them.
"""

from __future__ import annotations

from kbench.api.labels import LabelSelector, selector_from_dict
from kbench.errors import SelectorError
from reference.framework import (
    ERROR,
    MAX_NODE_SCORE,
    SKIP,
    UNSCHEDULABLE,
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    CycleState,
    NodeInfo,
    Plugin,
    Snapshot,
    Status,
)

# filtering.go
ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules"
ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules"


class AffinityTerm:
    """types.go AffinityTerm: a PodAffinityTerm with its selectors parsed."""

    def __init__(self, pod: dict, term: dict, weight: int = 0) -> None:
        self.selector = selector_from_dict(term.get("labelSelector"))
        self.topology_key = term.get("topologyKey", "")
        self.namespace_selector = selector_from_dict(term.get("namespaceSelector"))
        # getNamespacesFromPodAffinityTerm: no namespaces and no namespaceSelector -> the pod's own.
        namespaces = term.get("namespaces") or []
        if not namespaces and term.get("namespaceSelector") is None:
            self.namespaces = {pod_namespace(pod)}
        else:
            self.namespaces = set(namespaces)
        self.weight = weight

    def matches(self, pod: dict, ns_labels: dict | None) -> bool:
        """AffinityTerm.Matches: the pod's namespace is listed (or its labels are selected) and
        the label selector matches the pod."""
        if pod_namespace(pod) in self.namespaces or self.namespace_selector.matches(ns_labels or {}):
            return self.selector.matches(pod_labels(pod))
        return False


def pod_namespace(pod: dict) -> str:
    return (pod.get("metadata") or {}).get("namespace", "default")


def pod_labels(pod: dict) -> dict:
    return (pod.get("metadata") or {}).get("labels") or {}


def _section(pod: dict, kind: str) -> dict:
    """spec.affinity.podAffinity or .podAntiAffinity ({} if absent)."""
    return (((pod.get("spec") or {}).get("affinity") or {}).get(kind)) or {}


def required_terms(pod: dict, kind: str) -> list[AffinityTerm]:
    """PodInfo.RequiredAffinityTerms / RequiredAntiAffinityTerms (kind podAffinity /
    podAntiAffinity): the requiredDuringSchedulingIgnoredDuringExecution terms."""
    terms = []
    for term in _section(pod, kind).get("requiredDuringSchedulingIgnoredDuringExecution") or []:
        terms.append(AffinityTerm(pod, term))
    return terms


def preferred_terms(pod: dict, kind: str) -> list[AffinityTerm]:
    """PodInfo.PreferredAffinityTerms / PreferredAntiAffinityTerms, with their weights."""
    terms = []
    for weighted in _section(pod, kind).get("preferredDuringSchedulingIgnoredDuringExecution") or []:
        terms.append(AffinityTerm(pod, weighted.get("podAffinityTerm") or {},
                                  weighted.get("weight", 0)))
    return terms


def has_affinity(pod: dict) -> bool:
    """NodeInfo.PodsWithAffinity membership: podAffinity or podAntiAffinity is set."""
    affinity = (pod.get("spec") or {}).get("affinity") or {}
    return affinity.get("podAffinity") is not None or affinity.get("podAntiAffinity") is not None


def pod_matches_all_affinity_terms(terms: list[AffinityTerm], pod: dict) -> bool:
    """filtering.go podMatchesAllAffinityTerms: false for no terms. The incoming pod's
    namespaceSelector was merged into its namespaces, so no namespace labels are passed."""
    if not terms:
        return False
    for term in terms:
        if not term.matches(pod, None):
            return False
    return True


def merge_namespaces(term: AffinityTerm, namespaces: dict[str, dict]) -> None:
    """plugin.go mergeAffinityTermNamespacesIfNotEmpty: unless the namespaceSelector is empty
    ({} - every namespace), add the names of the namespaces it selects and make it Nothing."""
    if term.namespace_selector.empty:
        return
    for name, labels in namespaces.items():
        if term.namespace_selector.matches(labels or {}):
            term.namespaces.add(name)
    term.namespace_selector = LabelSelector.nothing()


def add_count(counts: dict, node: NodeInfo, topology_key: str, value: int) -> None:
    """topologyToMatchedTermCount.update: only nodes carrying the topology key count."""
    if topology_key in node.labels:
        pair = (topology_key, node.labels[topology_key])
        counts[pair] = counts.get(pair, 0) + value


class InterPodAffinity(Plugin):
    """Required terms filter, preferred terms (and existing pods' required affinity, weighted by
    hardPodAffinityWeight) score."""

    name = "InterPodAffinity"

    def __init__(self, args: dict | None = None, snapshot: Snapshot | None = None) -> None:
        super().__init__(args, snapshot)
        # v1 defaults.go SetDefaults_InterPodAffinityArgs: hardPodAffinityWeight nil -> 1.
        weight = self.args.get("hardPodAffinityWeight")
        self.hard_pod_affinity_weight = 1 if weight is None else weight
        self.ignore_preferred_terms_of_existing_pods = bool(
            self.args.get("ignorePreferredTermsOfExistingPods", False))

    def namespace_labels(self, namespace: str, snapshot: Snapshot | None) -> dict:
        """plugin.go GetNamespaceLabelsSnapshot: empty if the namespace is unknown."""
        namespaces = snapshot.namespaces if snapshot is not None else {}
        return dict(namespaces.get(namespace) or {})

    # filtering.go ------------------------------------------------------------------------
    def pre_filter(self, state: CycleState, pod: dict, snapshot: Snapshot) -> Status:
        try:  # framework.NewPodInfo parses every term, preferred ones included
            affinity_terms = required_terms(pod, "podAffinity")
            anti_affinity_terms = required_terms(pod, "podAntiAffinity")
            preferred_terms(pod, "podAffinity")
            preferred_terms(pod, "podAntiAffinity")
        except SelectorError as err:
            return Status(UNSCHEDULABLE_AND_UNRESOLVABLE, [f"parsing pod: {err}"], self.name)
        for term in affinity_terms + anti_affinity_terms:
            merge_namespaces(term, snapshot.namespaces)
        ns_labels = self.namespace_labels(pod_namespace(pod), snapshot)

        # getExistingAntiAffinityCounts: existing pods whose required anti-affinity terms match
        # the incoming pod, per topology pair of the existing pod's node.
        existing_anti_affinity_counts: dict[tuple[str, str], int] = {}
        for info in snapshot.nodes:
            for existing in info.pods:
                for term in required_terms(existing, "podAntiAffinity"):
                    if term.matches(pod, ns_labels):
                        add_count(existing_anti_affinity_counts, info, term.topology_key, 1)

        if not existing_anti_affinity_counts and not affinity_terms and not anti_affinity_terms:
            return Status(SKIP)

        # getIncomingAffinityAntiAffinityCounts: existing pods matching ALL the incoming pod's
        # affinity terms (one count per term), and matching each of its anti-affinity terms.
        affinity_counts: dict[tuple[str, str], int] = {}
        anti_affinity_counts: dict[tuple[str, str], int] = {}
        for info in snapshot.nodes:
            for existing in info.pods:
                if pod_matches_all_affinity_terms(affinity_terms, existing):
                    for term in affinity_terms:
                        add_count(affinity_counts, info, term.topology_key, 1)
                for term in anti_affinity_terms:
                    if term.matches(existing, None):
                        add_count(anti_affinity_counts, info, term.topology_key, 1)

        state["PreFilterInterPodAffinity"] = {
            "affinity_terms": affinity_terms,
            "anti_affinity_terms": anti_affinity_terms,
            "existing_anti_affinity_counts": existing_anti_affinity_counts,
            "affinity_counts": affinity_counts,
            "anti_affinity_counts": anti_affinity_counts,
        }
        return Status()

    def filter(self, state: CycleState, pod: dict, node: NodeInfo) -> Status:
        s = state["PreFilterInterPodAffinity"]
        if not self.satisfy_pod_affinity(s, pod, node):
            return Status(UNSCHEDULABLE_AND_UNRESOLVABLE, [ERR_REASON_AFFINITY_RULES_NOT_MATCH],
                          self.name)
        if not self.satisfy_pod_anti_affinity(s, node):
            return Status(UNSCHEDULABLE, [ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH], self.name)
        if not self.satisfy_existing_pods_anti_affinity(s, node):
            return Status(UNSCHEDULABLE, [ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH],
                          self.name)
        return Status()

    @staticmethod
    def satisfy_pod_affinity(s: dict, pod: dict, node: NodeInfo) -> bool:
        """filtering.go satisfyPodAffinity."""
        pods_exist = True
        for term in s["affinity_terms"]:
            if term.topology_key not in node.labels:
                return False  # all topology labels must exist on the node
            pair = (term.topology_key, node.labels[term.topology_key])
            if s["affinity_counts"].get(pair, 0) <= 0:
                pods_exist = False
        if not pods_exist:
            # The first pod of a group with affinity to itself: no pod in the cluster matches
            # the terms, but the pod matches its own terms.
            if not s["affinity_counts"] and pod_matches_all_affinity_terms(s["affinity_terms"], pod):
                return True
            return False
        return True

    @staticmethod
    def satisfy_pod_anti_affinity(s: dict, node: NodeInfo) -> bool:
        """filtering.go satisfyPodAntiAffinity."""
        if s["anti_affinity_counts"]:
            for term in s["anti_affinity_terms"]:
                if term.topology_key in node.labels:
                    pair = (term.topology_key, node.labels[term.topology_key])
                    if s["anti_affinity_counts"].get(pair, 0) > 0:
                        return False
        return True

    @staticmethod
    def satisfy_existing_pods_anti_affinity(s: dict, node: NodeInfo) -> bool:
        """filtering.go satisfyExistingPodsAntiAffinity: no node label is a topology pair that
        an existing pod's anti-affinity term (matching the incoming pod) counts."""
        if s["existing_anti_affinity_counts"]:
            for key, value in node.labels.items():
                if s["existing_anti_affinity_counts"].get((key, value), 0) > 0:
                    return False
        return True

    # scoring.go --------------------------------------------------------------------------
    def pre_score(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> Status:
        snapshot = self.snapshot
        all_nodes = snapshot.nodes if snapshot is not None else nodes
        has_constraints = False
        for kind in ("podAffinity", "podAntiAffinity"):
            if _section(pod, kind).get("preferredDuringSchedulingIgnoredDuringExecution"):
                has_constraints = True

        # Optionally ignore existing pods' preferences when the incoming pod has none.
        if self.ignore_preferred_terms_of_existing_pods and not has_constraints:
            return Status(SKIP)

        try:
            affinity_terms = preferred_terms(pod, "podAffinity")
            anti_affinity_terms = preferred_terms(pod, "podAntiAffinity")
        except SelectorError as err:
            return Status(ERROR, [f"failed to parse pod: {err}"], self.name)

        namespaces = snapshot.namespaces if snapshot is not None else {}
        for term in affinity_terms + anti_affinity_terms:
            merge_namespaces(term, namespaces)
        ns_labels = self.namespace_labels(pod_namespace(pod), snapshot)

        # topology key -> topology value -> score, summed over every processed node.
        topology_score: dict[str, dict[str, int]] = {}
        processed_any = False
        for info in all_nodes:
            # Unless the incoming pod has preferred terms, only pods with affinity matter.
            pods_to_process = info.pods if has_constraints else [
                p for p in info.pods if has_affinity(p)]
            node_score: dict[str, dict[str, int]] = {}
            for existing in pods_to_process:
                self.process_existing_pod(affinity_terms, anti_affinity_terms, ns_labels,
                                          existing, info, pod, node_score)
            if node_score:
                processed_any = True
                for key, values in node_score.items():
                    merged = topology_score.setdefault(key, {})
                    for value, score in values.items():
                        merged[value] = merged.get(value, 0) + score
        if not processed_any:
            return Status(SKIP)
        state["PreScoreInterPodAffinity"] = {"topology_score": topology_score}
        return Status()

    def process_existing_pod(self, affinity_terms: list[AffinityTerm],
                             anti_affinity_terms: list[AffinityTerm], ns_labels: dict,
                             existing: dict, info: NodeInfo, incoming: dict,
                             topo_score: dict) -> None:
        """scoring.go processExistingPod: add each matching term's weight to the existing pod's
        node's topology pair."""
        if not info.labels:
            return
        # The incoming pod's preferred terms against the existing pod (namespaces merged).
        for term in affinity_terms:
            process_term(topo_score, term, term.weight, existing, None, info, 1)
        for term in anti_affinity_terms:
            process_term(topo_score, term, term.weight, existing, None, info, -1)
        # The existing pod's required affinity terms against the incoming pod.
        if self.hard_pod_affinity_weight > 0:
            for term in required_terms(existing, "podAffinity"):
                process_term(topo_score, term, self.hard_pod_affinity_weight, incoming,
                             ns_labels, info, 1)
        # The existing pod's preferred terms against the incoming pod.
        for term in preferred_terms(existing, "podAffinity"):
            process_term(topo_score, term, term.weight, incoming, ns_labels, info, 1)
        for term in preferred_terms(existing, "podAntiAffinity"):
            process_term(topo_score, term, term.weight, incoming, ns_labels, info, -1)

    def score(self, state: CycleState, pod: dict, node: NodeInfo) -> int:
        topology_score = state["PreScoreInterPodAffinity"]["topology_score"]
        score = 0
        for key, values in topology_score.items():
            if key in node.labels:
                score += values.get(node.labels[key], 0)
        return score

    def normalize_score(self, state: CycleState, pod: dict, scores: dict[str, int]) -> None:
        if not state["PreScoreInterPodAffinity"]["topology_score"]:
            return
        min_count = None
        max_count = None
        for score in scores.values():
            if max_count is None or score > max_count:
                max_count = score
            if min_count is None or score < min_count:
                min_count = score
        if min_count is None:
            return
        diff = max_count - min_count
        for name, score in scores.items():
            f_score = 0.0
            if diff > 0:
                # float64(MaxNodeScore) * (float64(score-min) / float64(diff)), truncated
                f_score = float(MAX_NODE_SCORE) * (float(score - min_count) / float(diff))
            scores[name] = int(f_score)


def process_term(topo_score: dict, term: AffinityTerm, weight: int, pod: dict,
                 ns_labels: dict | None, info: NodeInfo, multiplier: int) -> None:
    """scoreMap.processTerm: weight * multiplier on the node's pair if the term matches the pod."""
    if term.matches(pod, ns_labels) and term.topology_key in info.labels:
        values = topo_score.setdefault(term.topology_key, {})
        value = info.labels[term.topology_key]
        values[value] = values.get(value, 0) + weight * multiplier
