"""NodeAffinity reference plugin: nodeSelector and required node affinity (Filter), preferred node affinity (Score), with the addedAffinity arg.

Ported from pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go and
k8s.io/component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity.go
(GetRequiredNodeAffinity, RequiredNodeAffinity.Match, LazyErrorNodeSelector,
PreferredSchedulingTerms). Term matching itself is kbench.api.labels.
"""

from __future__ import annotations

from kbench.api.labels import node_selector_matches, node_selector_term_matches
from kbench.errors import SelectorError
from reference.framework import (
    ERROR,
    MAX_NODE_SCORE,
    SKIP,
    CycleState,
    NodeInfo,
    Plugin,
    Snapshot,
    Status,
    default_normalize_score,
    unschedulable,
)

# node_affinity.go
ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity"
ERR_REASON_CONFLICT = "pod affinity terms conflict"
OBJECT_NAME_FIELD = "metadata.name"  # metav1.ObjectNameField

PRE_FILTER_STATE_KEY = "PreFilterNodeAffinity"
PRE_SCORE_STATE_KEY = "PreScoreNodeAffinity"


def node_fields(node: dict) -> dict[str, str]:
    """nodeaffinity.go extractNodeFields: the fields matchFields may use."""
    return {OBJECT_NAME_FIELD: (node.get("metadata") or {}).get("name") or ""}


def node_labels(node: dict) -> dict[str, str]:
    return (node.get("metadata") or {}).get("labels") or {}


def _required_selector(pod: dict) -> dict | None:
    """spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution, or None."""
    affinity = (pod.get("spec") or {}).get("affinity") or {}
    return (affinity.get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution")


def required_node_affinity_matches(pod: dict, node: dict) -> bool:
    """GetRequiredNodeAffinity(pod).Match(node), parsing errors ignored (read as no match) as
    the Filter does: every nodeSelector label, and the required terms (ORed) if present."""
    labels = node_labels(node)
    for key, value in ((pod.get("spec") or {}).get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = _required_selector(pod)
    if required is None:
        return True
    try:
        return node_selector_matches(required, labels, node_fields(node))
    except SelectorError:
        return False


def node_selector_match(selector: dict, node: dict) -> bool:
    """nodeaffinity.NodeSelector.Match: the terms ORed (the selector was parsed upfront)."""
    labels, fields = node_labels(node), node_fields(node)
    return any(node_selector_term_matches(term, labels, fields)
               for term in selector.get("nodeSelectorTerms") or [])


def preferred_terms(terms: list[dict]) -> list[tuple[int, dict]]:
    """NewPreferredSchedulingTerms: (weight, preference) of each term with a non-zero weight
    and a non-empty preference. A malformed term raises SelectorError, as Go returns the
    parsing errors."""
    parsed = []
    for i, term in enumerate(terms):
        weight = term.get("weight") or 0
        preference = term.get("preference") or {}
        if weight == 0 or (not preference.get("matchExpressions") and not preference.get("matchFields")):
            continue
        node_selector_term_matches(preference, {}, {}, field=f"[{i}]")  # parse (raises on errors)
        parsed.append((weight, preference))
    return parsed


def preferred_score(terms: list[tuple[int, dict]], node: dict) -> int:
    """PreferredSchedulingTerms.Score: the sum of the weights of the matching terms."""
    labels, fields = node_labels(node), node_fields(node)
    return sum(weight for weight, term in terms if node_selector_term_matches(term, labels, fields))


class NodeAffinity(Plugin):
    name = "NodeAffinity"

    def __init__(self, args: dict | None = None, snapshot: Snapshot | None = None) -> None:
        super().__init__(args, snapshot)
        added = self.args.get("addedAffinity") or {}
        # New(): the scheduler-enforced selector and preferred terms, parsed once.
        self.added_node_selector = added.get("requiredDuringSchedulingIgnoredDuringExecution")
        if self.added_node_selector is not None:
            for term in self.added_node_selector.get("nodeSelectorTerms") or []:
                node_selector_term_matches(term, {}, {})  # a parse error fails New()
        added_preferred = added.get("preferredDuringSchedulingIgnoredDuringExecution") or []
        self.added_pref_terms = preferred_terms(added_preferred) if added_preferred else None

    def pre_filter(self, state: CycleState, pod: dict, snapshot: Snapshot) -> Status:
        spec = pod.get("spec") or {}
        required = _required_selector(pod)
        no_node_affinity = required is None
        if no_node_affinity and self.added_node_selector is None and spec.get("nodeSelector") is None:
            return Status(SKIP)  # NodeAffinity Filter has nothing to do with the pod.
        state[PRE_FILTER_STATE_KEY] = True
        terms = [] if no_node_affinity else required.get("nodeSelectorTerms") or []
        if not terms:
            return Status()
        # Affinity to specific nodes by metadata.name: the union over the terms of the
        # intersection of each term's "metadata.name In" values.
        node_names: set[str] | None = None
        for term in terms:
            term_names: set[str] | None = None
            for requirement in term.get("matchFields") or []:
                if requirement.get("key") == OBJECT_NAME_FIELD and requirement.get("operator") == "In":
                    values = set(requirement.get("values") or [])
                    term_names = values if term_names is None else term_names & values
            if term_names is None:
                # A term without node-name affinity: all nodes are eligible (terms are ORed).
                return Status()
            node_names = term_names if node_names is None else node_names | term_names
        if node_names is not None and not node_names:
            return unschedulable(ERR_REASON_CONFLICT, resolvable=False)
        if node_names:
            return Status(pre_filter_result=node_names)
        return Status()

    def filter(self, state: CycleState, pod: dict, node: NodeInfo) -> Status:
        if self.added_node_selector is not None and not node_selector_match(self.added_node_selector, node.node):
            return unschedulable(ERR_REASON_ENFORCED, resolvable=False)
        if not required_node_affinity_matches(pod, node.node):
            return unschedulable(ERR_REASON_POD, resolvable=False)
        return Status()

    def pre_score(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> Status:
        affinity = (pod.get("spec") or {}).get("affinity") or {}
        terms = (affinity.get("nodeAffinity") or {}).get("preferredDuringSchedulingIgnoredDuringExecution")
        try:
            preferred = preferred_terms(terms) if terms is not None else None
        except SelectorError as err:
            return Status(ERROR, [str(err)])
        if preferred is None and self.added_pref_terms is None:
            return Status(SKIP)  # NodeAffinity Score has nothing to do with the pod.
        state[PRE_SCORE_STATE_KEY] = preferred
        return Status()

    def score(self, state: CycleState, pod: dict, node: NodeInfo) -> int:
        count = 0
        if self.added_pref_terms is not None:
            count += preferred_score(self.added_pref_terms, node.node)
        if PRE_SCORE_STATE_KEY in state:
            preferred = state[PRE_SCORE_STATE_KEY]
        else:  # PreScore disabled: compute the preferred terms here.
            affinity = (pod.get("spec") or {}).get("affinity") or {}
            terms = (affinity.get("nodeAffinity") or {}).get("preferredDuringSchedulingIgnoredDuringExecution")
            preferred = preferred_terms(terms) if terms is not None else None
        if preferred is not None:
            count += preferred_score(preferred, node.node)
        return count

    def normalize_score(self, state: CycleState, pod: dict, scores: dict[str, int]) -> None:
        default_normalize_score(MAX_NODE_SCORE, False, scores)
