"""PodTopologySpread reference plugin: kube-scheduler's topology spread Filter and Score, in plain Python.

Ported from Kubernetes (Go), pkg/scheduler/framework/plugins/podtopologyspread/:
  plugin.go     error reasons, system default constraints, defaultingType
  common.go     constraints from the pod or the defaults, matchLabelKeys, node inclusion
                policies, countPodsMatchSelector
  filtering.go  PreFilter (counts per topology value, critical paths) and Filter
  scoring.go    PreScore / Score / NormalizeScore
and pkg/scheduler/framework/plugins/helper/spread.go (DefaultSelector, GetPodServices).

The feature gates are those of a current release, all on: MinDomainsInPodTopologySpread,
NodeInclusionPolicyInPodTopologySpread, MatchLabelKeysInPodTopologySpread.

Default constraints need the Services, ReplicationControllers, ReplicaSets and StatefulSets
that select the pod (Go reads them through informers). They are read from the plugin's
snapshot as ``snapshot.services``, ``snapshot.replication_controllers``,
``snapshot.replica_sets`` and ``snapshot.stateful_sets`` (lists of object dicts); a snapshot
without such a field has none of those objects, so a pod without constraints of its own gets
no default constraints (an empty DefaultSelector), as in Go with empty listers.
"""

from __future__ import annotations

import math

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
from reference.plugins.nodeaffinity import required_node_affinity_matches
from reference.plugins.tainttoleration import find_matching_untolerated_taint

# plugin.go
ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"

LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_TOPOLOGY_ZONE = "topology.kubernetes.io/zone"
DO_NOT_SCHEDULE = "DoNotSchedule"
SCHEDULE_ANYWAY = "ScheduleAnyway"
HONOR = "Honor"
IGNORE = "Ignore"

# plugin.go: systemDefaultConstraints, used with defaultingType System (the v1 default).
SYSTEM_DEFAULT_CONSTRAINTS = [
    {"topologyKey": LABEL_HOSTNAME, "whenUnsatisfiable": SCHEDULE_ANYWAY, "maxSkew": 3},
    {"topologyKey": LABEL_TOPOLOGY_ZONE, "whenUnsatisfiable": SCHEDULE_ANYWAY, "maxSkew": 5},
]

MAX_INT32 = 2 ** 31 - 1
INVALID_SCORE = -1  # scoring.go


class Constraint:
    """common.go topologySpreadConstraint: a v1.TopologySpreadConstraint with its selector parsed."""

    def __init__(self, max_skew: int, topology_key: str, selector: LabelSelector,
                 min_domains: int, node_affinity_policy: str, node_taints_policy: str) -> None:
        self.max_skew = max_skew
        self.topology_key = topology_key
        self.selector = selector
        self.min_domains = min_domains
        self.node_affinity_policy = node_affinity_policy
        self.node_taints_policy = node_taints_policy


# ---------------------------------------------------------------------------
# Node affinity and taints as common.go uses them (component-helpers)
# ---------------------------------------------------------------------------

def has_untolerated_do_not_schedule_taint(node: dict, pod: dict) -> bool:
    """v1helper.FindMatchingUntoleratedTaint with helper.DoNotScheduleTaintsFilterFunc: a
    NoSchedule or NoExecute taint that no toleration of the pod tolerates."""
    taints = (node.get("spec") or {}).get("taints") or []
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    return find_matching_untolerated_taint(taints, tolerations) is not None


def match_node_inclusion_policies(constraint: Constraint, pod: dict, node: dict) -> bool:
    """common.go matchNodeInclusionPolicies: does this node count for the constraint?
    (nodeaffinity.GetRequiredNodeAffinity(pod).Match, parsing errors read as no match.)"""
    if constraint.node_affinity_policy == HONOR:
        if not required_node_affinity_matches(pod, node):
            return False
    if constraint.node_taints_policy == HONOR:
        if has_untolerated_do_not_schedule_taint(node, pod):
            return False
    return True


def node_labels_match_spread_constraints(labels: dict, constraints: list[Constraint]) -> bool:
    """common.go: every constraint's topologyKey is a label of the node."""
    for constraint in constraints:
        if constraint.topology_key not in labels:
            return False
    return True


def count_pods_match_selector(pods: list[dict], selector: LabelSelector, namespace: str) -> int:
    """common.go countPodsMatchSelector: pods of the namespace that the selector matches,
    terminating pods (deletionTimestamp set) excluded. An empty selector ({} - labels.Everything,
    whose Empty() is true) counts nothing: Go returns 0 for selector.Empty()."""
    if selector.empty:
        return 0
    count = 0
    for pod in pods:
        meta = pod.get("metadata") or {}
        if meta.get("deletionTimestamp") or meta.get("namespace", "default") != namespace:
            continue
        if selector.matches(meta.get("labels") or {}):
            count += 1
    return count


def merge_label_set_with_selector(match_labels: dict, selector: LabelSelector) -> LabelSelector:
    """common.go mergeLabelSetWithSelector: SelectorFromSet(matchLabels) plus the selector's
    requirements; a selector with no requirements list (labels.Nothing) is returned as is."""
    if selector.matches_nothing:
        return selector
    return LabelSelector.from_set(match_labels).add(*selector.requirements)


def go_round(value: float) -> int:
    """Go's math.Round: half away from zero."""
    whole = math.trunc(value)
    if abs(value - whole) >= 0.5:
        whole += 1 if value > 0 else -1
    return int(whole)


def topology_normalizing_weight(size: int) -> float:
    """scoring.go topologyNormalizingWeight: log(size + 2)."""
    return math.log(size + 2)


def score_for_count(count: int, max_skew: int, weight: float) -> float:
    """scoring.go scoreForCount: float64(cnt)*tpWeight + float64(maxSkew-1)."""
    return float(count) * weight + float(max_skew - 1)


# ---------------------------------------------------------------------------
# DefaultSelector (helper/spread.go)
# ---------------------------------------------------------------------------

def _controller_of(pod: dict) -> dict | None:
    """metav1.GetControllerOfNoCopy: the owner reference with controller: true."""
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def _named(objects: list[dict], namespace: str, name: str) -> dict | None:
    for obj in objects:
        meta = obj.get("metadata") or {}
        if meta.get("namespace", "default") == namespace and meta.get("name") == name:
            return obj
    return None


def default_selector(pod: dict, snapshot: Snapshot | None) -> LabelSelector:
    """helper.DefaultSelector: the selectors of the Services selecting the pod, merged, plus
    the selector of its controlling ReplicationController, ReplicaSet or StatefulSet."""
    meta = pod.get("metadata") or {}
    namespace = meta.get("namespace", "default")
    pod_labels = meta.get("labels") or {}
    services = getattr(snapshot, "services", None) or []
    label_set: dict[str, str] = {}
    for service in services:  # GetPodServices
        if (service.get("metadata") or {}).get("namespace", "default") != namespace:
            continue
        selector = (service.get("spec") or {}).get("selector")
        if selector is None:
            continue  # services with nil selectors match nothing, not everything
        if all(pod_labels.get(k) == v for k, v in selector.items()):
            label_set.update(selector)  # labels.Merge
    selector = LabelSelector.from_set(label_set)

    owner = _controller_of(pod)
    if owner is None:
        return selector
    api_version, kind = owner.get("apiVersion"), owner.get("kind")
    if (api_version, kind) == ("v1", "ReplicationController"):
        rc = _named(getattr(snapshot, "replication_controllers", None) or [], namespace,
                    owner.get("name"))
        if rc is not None:
            label_set.update((rc.get("spec") or {}).get("selector") or {})
            selector = LabelSelector.from_set(label_set)
    elif (api_version, kind) in (("apps/v1", "ReplicaSet"), ("apps/v1", "StatefulSet")):
        objects = (getattr(snapshot, "replica_sets", None) if kind == "ReplicaSet"
                   else getattr(snapshot, "stateful_sets", None)) or []
        owner_obj = _named(objects, namespace, owner.get("name"))
        if owner_obj is not None:
            try:
                other = selector_from_dict((owner_obj.get("spec") or {}).get("selector"))
            except SelectorError:
                other = None
            if other is not None and not other.matches_nothing:  # Requirements() ok
                selector = selector.add(*other.requirements)
    return selector


# ---------------------------------------------------------------------------
# The plugin
# ---------------------------------------------------------------------------

class PodTopologySpread(Plugin):
    """PreFilter / Filter for DoNotSchedule constraints, PreScore / Score / NormalizeScore for
    ScheduleAnyway constraints (podtopologyspread/plugin.go New)."""

    name = "PodTopologySpread"

    def __init__(self, args: dict | None = None, snapshot: Snapshot | None = None) -> None:
        super().__init__(args, snapshot)
        # v1 defaults.go SetDefaults_PodTopologySpreadArgs: defaultingType "" -> System.
        defaulting = self.args.get("defaultingType") or "System"
        self.system_defaulted = defaulting == "System"
        if self.system_defaulted:
            self.default_constraints = SYSTEM_DEFAULT_CONSTRAINTS
        else:
            self.default_constraints = self.args.get("defaultConstraints") or []

    # common.go ---------------------------------------------------------------------------
    def filter_constraints(self, constraints: list[dict], pod_labels: dict,
                           action: str) -> list[Constraint]:
        """filterTopologySpreadConstraints: the constraints with this whenUnsatisfiable."""
        result = []
        for c in constraints:
            if c.get("whenUnsatisfiable") != action:
                continue
            selector = selector_from_dict(c.get("labelSelector"))
            match_label_keys = c.get("matchLabelKeys") or []
            if match_label_keys:
                match_labels = {}
                for key in match_label_keys:
                    if key in pod_labels:
                        match_labels[key] = pod_labels[key]
                if match_labels:
                    selector = merge_label_set_with_selector(match_labels, selector)
            min_domains = c.get("minDomains")
            result.append(Constraint(
                max_skew=c.get("maxSkew", 0),
                topology_key=c.get("topologyKey", ""),
                selector=selector,
                min_domains=1 if min_domains is None else min_domains,  # nil -> 1
                node_affinity_policy=c.get("nodeAffinityPolicy") or HONOR,  # nil -> Honor
                node_taints_policy=c.get("nodeTaintsPolicy") or IGNORE,  # nil -> Ignore
            ))
        return result

    def build_default_constraints(self, pod: dict, action: str) -> list[Constraint]:
        """buildDefaultConstraints: the default constraints with DefaultSelector(pod)."""
        labels = (pod.get("metadata") or {}).get("labels") or {}
        constraints = self.filter_constraints(self.default_constraints, labels, action)
        if not constraints:
            return []
        selector = default_selector(pod, self.snapshot)
        if selector.empty:
            return []
        for constraint in constraints:
            constraint.selector = selector
        return constraints

    def get_constraints(self, pod: dict, action: str) -> list[Constraint]:
        """filtering.go getConstraints / scoring.go initPreScoreState: the pod's own
        constraints if it has any, else the default ones."""
        own = (pod.get("spec") or {}).get("topologySpreadConstraints") or []
        if own:
            labels = (pod.get("metadata") or {}).get("labels") or {}
            return self.filter_constraints(own, labels, action)
        return self.build_default_constraints(pod, action)

    # filtering.go ------------------------------------------------------------------------
    def pre_filter(self, state: CycleState, pod: dict, snapshot: Snapshot) -> Status:
        try:
            constraints = self.get_constraints(pod, DO_NOT_SCHEDULE)
        except SelectorError as err:
            return Status(ERROR, [f"get constraints from pod: {err}"], self.name)
        if not constraints:
            return Status(SKIP)

        namespace = (pod.get("metadata") or {}).get("namespace", "default")
        # TpValueToMatchNum: per constraint, topology value -> number of matching pods.
        counts: list[dict[str, int]] = [{} for _ in constraints]
        for info in snapshot.nodes:
            labels = info.labels
            if not node_labels_match_spread_constraints(labels, constraints):
                continue
            for i, constraint in enumerate(constraints):
                if not match_node_inclusion_policies(constraint, pod, info.node):
                    continue
                value = labels[constraint.topology_key]
                matched = count_pods_match_selector(info.pods, constraint.selector, namespace)
                counts[i][value] = counts[i].get(value, 0) + matched

        # CriticalPaths[i][0].MatchNum is the minimum match number (MaxInt32 if no domain).
        min_match = []
        for i in range(len(constraints)):
            smallest = MAX_INT32
            for num in counts[i].values():
                if num < smallest:
                    smallest = num
            min_match.append(smallest)

        state["PreFilterPodTopologySpread"] = {
            "constraints": constraints, "counts": counts, "min_match": min_match}
        return Status()

    def filter(self, state: CycleState, pod: dict, node: NodeInfo) -> Status:
        s = state["PreFilterPodTopologySpread"]
        pod_labels = (pod.get("metadata") or {}).get("labels") or {}
        labels = node.labels
        for i, constraint in enumerate(s["constraints"]):
            if constraint.topology_key not in labels:
                return Status(UNSCHEDULABLE_AND_UNRESOLVABLE, [ERR_REASON_NODE_LABEL_NOT_MATCH],
                              self.name)
            value = labels[constraint.topology_key]
            # minMatchNum: with fewer eligible domains than minDomains the global minimum is 0.
            min_match = s["min_match"][i]
            if len(s["counts"][i]) < constraint.min_domains:
                min_match = 0
            self_match = 1 if constraint.selector.matches(pod_labels) else 0
            match_num = s["counts"][i].get(value, 0)
            skew = match_num + self_match - min_match
            if skew > constraint.max_skew:
                return Status(UNSCHEDULABLE, [ERR_REASON_CONSTRAINTS_NOT_MATCH], self.name)
        return Status()

    # scoring.go --------------------------------------------------------------------------
    def pre_score(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> Status:
        all_nodes = self.snapshot.nodes if self.snapshot is not None else nodes
        if not all_nodes:
            return Status(SKIP)

        own = (pod.get("spec") or {}).get("topologySpreadConstraints") or []
        # Only non-system-default spreading requires nodes to have all the topology labels.
        require_all_topologies = len(own) > 0 or not self.system_defaulted

        # initPreScoreState
        try:
            constraints = self.get_constraints(pod, SCHEDULE_ANYWAY)
        except SelectorError as err:
            return Status(ERROR, [f"calculating preScoreState: {err}"], self.name)
        if not constraints:
            return Status(SKIP)
        ignored: set[str] = set()
        counts: list[dict[str, int]] = [{} for _ in constraints]
        topo_size = [0 for _ in constraints]
        for info in nodes:
            if require_all_topologies and not node_labels_match_spread_constraints(
                    info.labels, constraints):
                ignored.add(info.name)  # scored 0 and left out of normalization
                continue
            for i, constraint in enumerate(constraints):
                if constraint.topology_key == LABEL_HOSTNAME:
                    continue  # per-node counts are made in Score
                value = info.labels.get(constraint.topology_key, "")
                if value not in counts[i]:
                    counts[i][value] = 0
                    topo_size[i] += 1
        weights = []
        for i, constraint in enumerate(constraints):
            size = topo_size[i]
            if constraint.topology_key == LABEL_HOSTNAME:
                size = len(nodes) - len(ignored)
            weights.append(topology_normalizing_weight(size))

        # Count the matching pods of every node (feasible or not) into the known domains.
        namespace = (pod.get("metadata") or {}).get("namespace", "default")
        for info in all_nodes:
            if require_all_topologies and not node_labels_match_spread_constraints(
                    info.labels, constraints):
                continue
            for i, constraint in enumerate(constraints):
                if not match_node_inclusion_policies(constraint, pod, info.node):
                    continue
                value = info.labels.get(constraint.topology_key, "")
                if value not in counts[i]:
                    continue  # not a domain of any candidate node (or a hostname constraint)
                counts[i][value] += count_pods_match_selector(
                    info.pods, constraint.selector, namespace)

        state["PreScorePodTopologySpread"] = {
            "constraints": constraints, "ignored": ignored, "counts": counts,
            "weights": weights}
        return Status()

    def score(self, state: CycleState, pod: dict, node: NodeInfo) -> int:
        s = state["PreScorePodTopologySpread"]
        if node.name in s["ignored"]:
            return 0
        namespace = (pod.get("metadata") or {}).get("namespace", "default")
        score = 0.0
        for i, constraint in enumerate(s["constraints"]):
            if constraint.topology_key not in node.labels:
                continue
            value = node.labels[constraint.topology_key]
            if constraint.topology_key == LABEL_HOSTNAME:
                count = count_pods_match_selector(node.pods, constraint.selector, namespace)
            else:
                count = s["counts"][i].get(value, 0)
            score += score_for_count(count, constraint.max_skew, s["weights"][i])
        return go_round(score)

    def normalize_score(self, state: CycleState, pod: dict, scores: dict[str, int]) -> None:
        s = state["PreScorePodTopologySpread"]
        min_score = 2 ** 63 - 1
        max_score = 0
        for name, score in scores.items():
            if name in s["ignored"]:
                scores[name] = INVALID_SCORE
                continue
            if score < min_score:
                min_score = score
            if score > max_score:
                max_score = score
        for name, score in scores.items():
            if score == INVALID_SCORE:
                scores[name] = 0
                continue
            if max_score == 0:
                scores[name] = MAX_NODE_SCORE
                continue
            # int64 arithmetic; every term is non-negative, so // truncates as Go's / does.
            scores[name] = MAX_NODE_SCORE * (max_score + min_score - score) // max_score
