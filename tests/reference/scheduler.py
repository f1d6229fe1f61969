"""The reference scheduler: kube-scheduler's scheduleOne loop over a queue of pending pods, in plain Python.

Ported from Kubernetes (Go):
  pkg/scheduler/schedule_one.go        schedulePod, findNodesThatFitPod, findNodesThatPassFilters
                                       (nextStartNodeIndex), numFeasibleNodesToFind,
                                       prioritizeNodes, selectHost (reservoir sampling)
  pkg/scheduler/framework/runtime/framework.go   RunPreFilterPlugins (Skip, PreFilterResult
                                       merging), RunFilterPlugins, RunPreScorePlugins,
                                       RunScorePlugins (normalize, range check, weights),
                                       expandMultiPointPlugins, getScoreWeights
  pkg/scheduler/framework/types.go     Diagnosis, FitError.Error()
  pkg/scheduler/apis/config/v1/default_plugins.go   the default profile and mergePluginSet
  pkg/scheduler/backend/cache/node_tree.go          the zone-interleaved node order
  container/heap (Go's standard library), which selectHost's tie order depends on.

Deliberate simplifications, each a place where Go is concurrent or has more machinery:
  * Filtering is sequential (Go runs 16 goroutines): nodes are checked in the rotating order
    from nextStartNodeIndex and checking stops once numFeasibleNodesToFind nodes fit, so the
    statuses recorded (and nextStartNodeIndex) are those of a parallelism of 1.
  * One pass over the queue: a pod that does not fit is reported and not retried (Go would
    park it in the unschedulable queue until a cluster event or the 5-minute flush).
  * No nominated pods (RunFilterPluginsWithNominatedPods adds none), no extenders, no
    Reserve/Permit/PreBind/Bind plugins: binding adds the pod to its node at once.
  * Where a PreFilterResult restricts the nodes, Go walks a map (random order); here they keep
    the snapshot's order.
  * The queue timestamp of a pod is its position in the ``pods`` list (the order an informer
    would deliver them), so PrioritySort orders by priority, then by that position.
  * Randomness: only selectHost draws. Go keeps each of the k top-scored nodes with
    probability 1/k by reservoir sampling over its heap's pop order, drawing rand.Intn(i) for
    the i-th (select_host below, the port). The scheduler here (pick_among_best) draws once,
    ``PythonRandom(seed).random_below(k)``, and takes the top-scored node at that index in the
    scored order: the same chance for every node, one number instead of k - 1 and no heap (Go's
    random numbers cannot be reproduced anyway). (Go's ScheduleOne also draws rand.Intn(100) to sample plugin metrics; that
    draw decides nothing and is not made here.)
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field

from kbench.scheduler.rng import PythonRandom
from reference.framework import (
    MAX_NODE_SCORE,
    MIN_NODE_SCORE,
    UNSCHEDULABLE,
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    CycleState,
    NodeInfo,
    Plugin,
    Snapshot,
    Status,
    build_snapshot,
)
from reference.plugins import PLUGINS
from reference.plugins.queuesort import PrioritySort, QueuedPodInfo

# schedule_one.go
MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
NUMBER_OF_HIGHEST_SCORED_NODES_TO_REPORT = 3
ERR_NO_NODES_AVAILABLE = "no nodes available to schedule pods"
DEFAULT_SCHEDULER_NAME = "default-scheduler"

# default_plugins.go getDefaultPlugins: the MultiPoint plugins of a current release, in order,
# with their Score weights (None: no weight given). The in-tree cloud volume-limit plugins
# (EBSLimits, GCEPDLimits, AzureDiskLimits) are gone from current releases; DynamicResources
# is enabled (its feature gate is GA) and SchedulingGates is appended by applyFeatureGates.
# Plugins that are not in reference.plugins.PLUGINS yet (VolumeRestrictions, NodeVolumeLimits,
# DynamicResources, DefaultPreemption, DefaultBinder, SchedulingGates) are skipped when the
# profile is built.
DEFAULT_MULTI_POINT = [
    ("PrioritySort", None),
    ("NodeUnschedulable", None),
    ("NodeName", None),
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodePorts", None),
    ("NodeResourcesFit", 1),
    ("VolumeRestrictions", None),
    ("NodeVolumeLimits", None),
    ("VolumeBinding", None),
    ("VolumeZone", None),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("DynamicResources", None),
    ("DefaultPreemption", None),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
    ("DefaultBinder", None),
    ("SchedulingGates", None),
]

# KubeSchedulerConfiguration v1 extension point names -> the Plugin method that makes a plugin
# one of them (Go checks the interface the plugin implements).
EXTENSION_POINTS = {
    "preFilter": "pre_filter",
    "filter": "filter",
    "preScore": "pre_score",
    "score": "score",
}
PLUGIN_SET_NAMES = ("multiPoint", "preEnqueue", "queueSort", "preFilter", "filter", "postFilter",
                    "preScore", "score", "reserve", "permit", "preBind", "bind", "postBind")


# ---------------------------------------------------------------------------
# Profile (default_plugins.go, framework.go)
# ---------------------------------------------------------------------------

def merge_plugin_set(default: dict, custom: dict) -> dict:
    """default_plugins.go mergePluginSet: the defaults minus the disabled ones ('*' disables
    all), a default re-enabled by the custom set replaced in place, then the other custom ones."""
    disabled_names: set[str] = set()
    disabled: list[dict] = []
    for plugin in [*(custom.get("disabled") or []), *(default.get("disabled") or [])]:
        disabled.append({"name": plugin["name"]})
        disabled_names.add(plugin["name"])
    custom_enabled = custom.get("enabled") or []
    enabled_custom = {plugin["name"]: (i, plugin) for i, plugin in enumerate(custom_enabled)}
    replaced: set[int] = set()
    enabled: list[dict] = []
    if "*" not in disabled_names:
        for plugin in default.get("enabled") or []:
            if plugin["name"] in disabled_names:
                continue
            if plugin["name"] in enabled_custom:
                index, plugin = enabled_custom[plugin["name"]]
                replaced.add(index)
            enabled.append(plugin)
    for index, plugin in enumerate(custom_enabled):
        if index not in replaced:
            enabled.append(plugin)
    return {"enabled": enabled, "disabled": disabled}


def default_plugins() -> dict:
    multi = [{"name": name} if weight is None else {"name": name, "weight": weight}
             for name, weight in DEFAULT_MULTI_POINT]
    return {"multiPoint": {"enabled": multi}}


def merged_plugins(profile: dict | None) -> dict:
    """setDefaults_KubeSchedulerProfile: the profile's plugins merged into the defaults."""
    defaults = default_plugins()
    custom = (profile or {}).get("plugins")
    if custom is None:
        return {name: defaults.get(name, {}) for name in PLUGIN_SET_NAMES}
    return {name: merge_plugin_set(defaults.get(name, {}), custom.get(name) or {})
            for name in PLUGIN_SET_NAMES}


def expand_extension_point(point: str, plugins: dict, classes: dict[str, type]) -> list[str]:
    """framework.go: the plugins enabled at ``point`` itself, then expandMultiPointPlugins:
    part 1, those also in MultiPoint (explicit overrides, their own order); part 2, the
    MultiPoint plugins implementing the point and not disabled there; part 3, the rest of the
    point's own plugins. A disabled '*' at the point keeps only its own plugins. Plugins without
    a reference implementation are skipped."""
    method = EXTENSION_POINTS[point]
    point_set = plugins.get(point) or {}
    explicit = [p["name"] for p in point_set.get("enabled") or [] if p["name"] in classes]
    for name in explicit:
        if not classes[name].implements(method):
            raise ValueError(f"plugin {name!r} does not extend {point}")
    disabled = {p["name"] for p in point_set.get("disabled") or []}
    if "*" in disabled:
        return explicit
    overrides: list[str] = []
    multi_enabled: list[str] = []
    for plugin in (plugins.get("multiPoint") or {}).get("enabled") or []:
        name = plugin["name"]
        if name not in classes or not classes[name].implements(method) or name in disabled:
            continue
        if name in explicit:
            overrides.append(name)
            continue
        if name in multi_enabled:
            raise ValueError(f"plugin {name!r} already registered as {point}")
        multi_enabled.append(name)
    return ([n for n in explicit if n in overrides] + multi_enabled
            + [n for n in explicit if n not in overrides])


def score_weights(plugins: dict, score_plugins: list[str]) -> dict[str, int]:
    """framework.go getScoreWeights: over Score then MultiPoint enabled plugins, the first
    weight given wins; a weight of 0 (or none) is 1."""
    weights: dict[str, int] = {}
    entries = [*((plugins.get("score") or {}).get("enabled") or []),
               *((plugins.get("multiPoint") or {}).get("enabled") or [])]
    for plugin in entries:
        name = plugin["name"]
        if name in score_plugins and name not in weights:
            weights[name] = plugin.get("weight") or 1
    return weights


# ---------------------------------------------------------------------------
# The node order (backend/cache/node_tree.go) and how many nodes to find
# ---------------------------------------------------------------------------

def zone_key(node: dict) -> str:
    """utilnode.GetZoneKey: region and zone (beta labels first), or "" without both."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    zone = labels.get("failure-domain.beta.kubernetes.io/zone")
    if zone is None:
        zone = labels.get("topology.kubernetes.io/zone", "")
    region = labels.get("failure-domain.beta.kubernetes.io/region")
    if region is None:
        region = labels.get("topology.kubernetes.io/region", "")
    if region == "" and zone == "":
        return ""
    return region + ":\x00:" + zone


def node_tree_order(nodes: list[dict]) -> list[dict]:
    """nodeTree.list: nodes grouped by zone (zones and nodes in the order added), then taken
    round robin across the zones: the order of the scheduler's snapshot node list."""
    zones: list[str] = []
    tree: dict[str, list[dict]] = {}
    for node in nodes:
        key = zone_key(node)
        if key not in tree:
            zones.append(key)
            tree[key] = []
        tree[key].append(node)
    ordered: list[dict] = []
    index = 0
    while len(ordered) < len(nodes):
        for key in zones:
            if index < len(tree[key]):
                ordered.append(tree[key][index])
        index += 1
    return ordered


def num_feasible_nodes_to_find(profile_percentage: int | None, global_percentage: int,
                               num_all_nodes: int) -> int:
    """schedule_one.go numFeasibleNodesToFind: all nodes below 100; else the profile's
    percentage, else the global one, else the adaptive 50 - nodes/125 (at least 5)%; never
    fewer than 100 nodes. int32 arithmetic on non-negative values."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    percentage = profile_percentage if profile_percentage is not None else global_percentage
    if percentage == 0:
        percentage = 50 - num_all_nodes // 125
        if percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND:
            percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND
    num_nodes = num_all_nodes * percentage // 100
    if num_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return MIN_FEASIBLE_NODES_TO_FIND
    return num_nodes


# ---------------------------------------------------------------------------
# Diagnosis and FitError (framework/types.go)
# ---------------------------------------------------------------------------

@dataclass
class Diagnosis:
    """framework.Diagnosis: the status of each node rejected by name (NodeToStatus, in the
    order recorded), the status of all nodes not named (its AbsentNodesStatus), the plugins
    that rejected, and the PreFilter / PostFilter messages."""

    node_to_status: dict[str, Status] = field(default_factory=dict)
    absent_status: Status = field(default_factory=lambda: Status(UNSCHEDULABLE_AND_UNRESOLVABLE))
    unschedulable_plugins: set[str] = field(default_factory=set)
    pre_filter_msg: str = ""
    post_filter_msg: str = ""

    def add_plugin_status(self, status: Status) -> None:
        """Diagnosis.AddPluginStatus."""
        if status.plugin and status.is_rejected():
            self.unschedulable_plugins.add(status.plugin)


def fit_error_message(num_all_nodes: int, diagnosis: Diagnosis) -> str:
    """FitError.Error(): "0/N nodes are available: <PreFilterMsg>. <reasons>. <PostFilterMsg>"
    where <reasons> is the "count reason" histogram over the nodes' statuses (absent nodes
    counted with the absent status), sorted as strings, and only given when PreFilter passed."""
    message = f"0/{num_all_nodes} nodes are available:"
    if diagnosis.pre_filter_msg:
        message += f" {diagnosis.pre_filter_msg}."
    else:
        reasons: dict[str, int] = {}
        for status in diagnosis.node_to_status.values():
            for reason in status.reasons:
                reasons[reason] = reasons.get(reason, 0) + 1
        absent = num_all_nodes - len(diagnosis.node_to_status)
        if absent > 0:
            for reason in diagnosis.absent_status.reasons:
                reasons[reason] = reasons.get(reason, 0) + absent
        histogram = sorted(f"{count} {reason}" for reason, count in reasons.items())
        if histogram:
            message += " " + ", ".join(histogram) + "."
    if diagnosis.post_filter_msg:
        message += f" {diagnosis.post_filter_msg}"
    return message


class SchedulingError(Exception):
    """A plugin returned an Error status (Go: the cycle fails with that error)."""


# ---------------------------------------------------------------------------
# selectHost and Go's container/heap
# ---------------------------------------------------------------------------

@dataclass
class NodePluginScores:
    name: str
    total_score: int


def _heap_less(h: list[NodePluginScores], i: int, j: int) -> bool:
    return h[i].total_score > h[j].total_score  # nodeScoreHeap.Less: the highest on top


def _heap_down(h: list[NodePluginScores], i0: int, n: int) -> None:
    """container/heap down."""
    i = i0
    while True:
        j1 = 2 * i + 1
        if j1 >= n:
            break
        j = j1
        j2 = j1 + 1
        if j2 < n and _heap_less(h, j2, j1):
            j = j2
        if not _heap_less(h, j, i):
            break
        h[i], h[j] = h[j], h[i]
        i = j


def _heap_init(h: list[NodePluginScores]) -> None:
    """container/heap Init."""
    n = len(h)
    for i in range(n // 2 - 1, -1, -1):
        _heap_down(h, i, n)


def _heap_pop(h: list[NodePluginScores]) -> NodePluginScores:
    """container/heap Pop: swap the top to the end, restore the heap, remove the end."""
    n = len(h) - 1
    h[0], h[n] = h[n], h[0]
    _heap_down(h, 0, n)
    return h.pop()


def select_host(scores: list[NodePluginScores], count: int, rng: PythonRandom) -> NodePluginScores:
    """schedule_one.go selectHost: pop the heap in order; among the nodes with the top score
    keep one by reservoir sampling (rand.Intn(cntOfMaxScore) == 0 replaces the candidate).
    Needs at least two nodes, as in Go (one feasible node is taken without scoring)."""
    if not scores:
        raise SchedulingError("empty priorityList")
    h = list(scores)
    _heap_init(h)
    sorted_list = [_heap_pop(h)]
    cnt_of_max_score = 1
    selected_index = 0
    ns = _heap_pop(h)
    while True:
        if ns.total_score != sorted_list[0].total_score and len(sorted_list) == count:
            break
        if ns.total_score == sorted_list[0].total_score:
            cnt_of_max_score += 1
            if rng.random_below(cnt_of_max_score) == 0:
                selected_index = cnt_of_max_score - 1
        sorted_list.append(ns)
        if not h:
            break
        ns = _heap_pop(h)
    return sorted_list[selected_index]


def pick_among_best(scores: list[NodePluginScores], rng: PythonRandom) -> NodePluginScores:
    """The scheduler's choice among the nodes with the top total: random_below(k) picks one
    of the k in the scored order (each as likely as with select_host)."""
    top = max(score.total_score for score in scores)
    best = [score for score in scores if score.total_score == top]
    return best[rng.random_below(len(best))] if len(best) > 1 else best[0]


# ---------------------------------------------------------------------------
# The scheduler
# ---------------------------------------------------------------------------

class ReferenceScheduler:
    """kube-scheduler with one profile (KubeSchedulerConfiguration v1 ``profiles[i]``: plugins,
    pluginConfig, percentageOfNodesToScore, schedulerName); None is the default profile.
    ``percentage_of_nodes_to_score`` is the configuration-wide value (0: adaptive)."""

    def __init__(self, profile: dict | None = None, seed: int = 0,
                 percentage_of_nodes_to_score: int = 0) -> None:
        self.profile = profile or {}
        self.scheduler_name = self.profile.get("schedulerName") or DEFAULT_SCHEDULER_NAME
        self.profile_percentage = self.profile.get("percentageOfNodesToScore")
        self.global_percentage = percentage_of_nodes_to_score
        self.rng = PythonRandom(seed)
        self.next_start_node_index = 0
        self.plugins = merged_plugins(profile)
        self.args = {entry["name"]: entry.get("args") or {}
                     for entry in self.profile.get("pluginConfig") or []}
        # Only the plugins with a reference implementation run (see DEFAULT_MULTI_POINT).
        classes = {name: cls for name, cls in PLUGINS.items()}
        self.extension_points = {point: expand_extension_point(point, self.plugins, classes)
                                 for point in EXTENSION_POINTS}
        self.weights = score_weights(self.plugins, self.extension_points["score"])
        self.queue_sort = PrioritySort()

    # -- the framework's Run* functions ------------------------------------------------

    def _instantiate(self, snapshot: Snapshot) -> dict[str, Plugin]:
        names = {name for names in self.extension_points.values() for name in names}
        return {name: PLUGINS[name](self.args.get(name), snapshot) for name in names}

    def run_pre_filter_plugins(self, state: CycleState, pod: dict, snapshot: Snapshot
                               ) -> tuple[set[str] | None, Status, set[str]]:
        """framework.go RunPreFilterPlugins: (merged PreFilterResult node names or None for
        all, status, plugins that narrowed the nodes). Skip marks the plugin's Filter skipped;
        UnschedulableAndUnresolvable returns at once; Unschedulable runs the rest first."""
        result: set[str] | None = None
        plugins_with_nodes: set[str] = set()
        return_status = Status()
        state.skip_filter_plugins = set()
        for name in self.extension_points["preFilter"]:
            status = self.instances[name].pre_filter(state, pod, snapshot)
            if status.is_skip():
                state.skip_filter_plugins.add(name)
                continue
            if not status.is_success():
                status.plugin = name
                if status.code == UNSCHEDULABLE_AND_UNRESOLVABLE:
                    return None, status, set()
                if status.code == UNSCHEDULABLE:
                    return_status = status
                    continue
                raise SchedulingError(f"running PreFilter plugin {name!r}: {status.message()}")
            if status.pre_filter_result is not None:
                plugins_with_nodes.add(name)
                result = set(status.pre_filter_result) if result is None else result & status.pre_filter_result
            if result is not None and not result:
                names = sorted(plugins_with_nodes)
                if len(names) == 1:
                    message = f"node(s) didn't satisfy plugin {names[0]}"
                else:
                    message = f"node(s) didn't satisfy plugin(s) [{' '.join(names)}] simultaneously"
                return result, Status(UNSCHEDULABLE_AND_UNRESOLVABLE, [message]), plugins_with_nodes
        return result, return_status, plugins_with_nodes

    def run_filter_plugins(self, state: CycleState, pod: dict, node: NodeInfo) -> Status:
        """framework.go RunFilterPlugins: the first rejection, with its plugin set."""
        for name in self.extension_points["filter"]:
            if name in state.skip_filter_plugins:
                continue
            status = self.instances[name].filter(state, pod, node)
            if not status.is_success():
                if not status.is_rejected():
                    raise SchedulingError(f"running {name!r} filter plugin: {status.message()}")
                status.plugin = name
                return status
        return Status()

    def find_nodes_that_pass_filters(self, state: CycleState, pod: dict, diagnosis: Diagnosis,
                                     nodes: list[NodeInfo]) -> list[NodeInfo]:
        """schedule_one.go findNodesThatPassFilters, sequentially: from nextStartNodeIndex
        round the list until numNodesToFind nodes fit (1 if nothing scores)."""
        num_all_nodes = len(nodes)
        num_to_find = self.num_feasible_nodes_to_find(num_all_nodes)
        if not self.extension_points["score"]:
            num_to_find = 1
        if not self.extension_points["filter"]:
            return [nodes[(self.next_start_node_index + i) % num_all_nodes] for i in range(num_to_find)]
        feasible: list[NodeInfo] = []
        for i in range(num_all_nodes):
            if len(feasible) >= num_to_find:
                break
            node = nodes[(self.next_start_node_index + i) % num_all_nodes]
            status = self.run_filter_plugins(state, pod, node)
            if status.is_success():
                feasible.append(node)
            else:
                diagnosis.node_to_status[node.name] = status
                diagnosis.add_plugin_status(status)
        return feasible

    def find_nodes_that_fit_pod(self, state: CycleState, pod: dict, snapshot: Snapshot
                                ) -> tuple[list[NodeInfo], Diagnosis]:
        """schedule_one.go findNodesThatFitPod: PreFilter, the nominated node first, then the
        nodes (those of the PreFilterResult, if any) through the filters; advances
        nextStartNodeIndex by the nodes processed."""
        diagnosis = Diagnosis()
        all_nodes = snapshot.nodes
        result, status, unscheduled_plugins = self.run_pre_filter_plugins(state, pod, snapshot)
        diagnosis.unschedulable_plugins = set(unscheduled_plugins)
        if not status.is_success():
            diagnosis.absent_status = status
            diagnosis.pre_filter_msg = status.message()
            diagnosis.add_plugin_status(status)
            return [], diagnosis
        nominated = ((pod.get("status") or {}).get("nominatedNodeName")) or ""
        if nominated:
            info = snapshot.node(nominated)
            if info is not None:
                feasible = self.find_nodes_that_pass_filters(state, pod, diagnosis, [info])
                if feasible:
                    return feasible, diagnosis
        nodes = all_nodes
        if result is not None:
            nodes = [info for info in all_nodes if info.name in result]
            reason = f"node(s) didn't satisfy plugin(s) [{' '.join(sorted(unscheduled_plugins))}]"
            diagnosis.absent_status = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, [reason])
        feasible = []
        if nodes:
            feasible = self.find_nodes_that_pass_filters(state, pod, diagnosis, nodes)
        processed = len(feasible) + len(diagnosis.node_to_status)
        self.next_start_node_index = (self.next_start_node_index + processed) % len(all_nodes)
        return feasible, diagnosis

    def prioritize_nodes(self, state: CycleState, pod: dict, nodes: list[NodeInfo]
                         ) -> list[NodePluginScores]:
        """schedule_one.go prioritizeNodes with framework.go RunPreScorePlugins and
        RunScorePlugins: each plugin's scores normalized, checked to be in [0, 100], weighted
        and summed; all 1 when no plugin scores."""
        if not self.extension_points["score"]:
            return [NodePluginScores(info.name, 1) for info in nodes]
        skip_score: set[str] = set()
        for name in self.extension_points["preScore"]:
            status = self.instances[name].pre_score(state, pod, nodes)
            if status.is_skip():
                skip_score.add(name)
            elif not status.is_success():
                raise SchedulingError(f"running PreScore plugin {name!r}: {status.message()}")
        totals = {info.name: 0 for info in nodes}
        for name in self.extension_points["score"]:
            if name in skip_score:
                continue
            plugin = self.instances[name]
            scores = {info.name: plugin.score(state, pod, info) for info in nodes}
            if plugin.implements("normalize_score"):
                plugin.normalize_score(state, pod, scores)
            weight = self.weights.get(name, 1)
            for node_name, score in scores.items():
                if score > MAX_NODE_SCORE or score < MIN_NODE_SCORE:
                    raise SchedulingError(
                        f"plugin {name!r} returns an invalid score {score}, it should in the range "
                        f"of [{MIN_NODE_SCORE}, {MAX_NODE_SCORE}] after normalizing")
                totals[node_name] += score * weight
        return [NodePluginScores(info.name, totals[info.name]) for info in nodes]

    # DefaultPreemption runs when the profile enables it (the default profile does) and this
    # is True; tests of other plugins' messages may turn it off.
    enable_preemption = True

    def post_filter(self, pod: dict, diagnosis: Diagnosis) -> str:
        """RunPostFilterPlugins for a pod that fits no node: DefaultPreemption's "preemption:
        ..." message; its nominated node and victims go to ``self.preemption`` (nothing is
        evicted). Without the plugin (or enable_preemption): no message."""
        from reference.plugins.defaultpreemption import DefaultPreemption, is_enabled, pod_key
        self.preemption = {}
        if not self.enable_preemption or not is_enabled(self.plugins):
            return ""
        plugin = DefaultPreemption(self, self.cycle_snapshot, self.args.get("DefaultPreemption"))
        result = plugin.post_filter(pod, diagnosis)
        self.preemption = {"nominated_node": result.nominated_node or None,
                           "victims": [pod_key(victim) for victim in result.victims]}
        return result.message

    # -- scheduleOne ---------------------------------------------------------------------

    def schedule_pod(self, pod: dict, snapshot: Snapshot) -> dict:
        """schedule_one.go schedulePod (and schedulingCycle's FitError handling) for one pod:
        the chosen node and its total score, or the failure message."""
        if not snapshot.nodes:
            return {"node": None, "score": None, "message": ERR_NO_NODES_AVAILABLE}
        self.cycle_snapshot = snapshot  # what post_filter's preemption dry run sees
        state = CycleState()
        try:
            feasible, diagnosis = self.find_nodes_that_fit_pod(state, pod, snapshot)
            if not feasible:
                diagnosis.post_filter_msg = self.post_filter(pod, diagnosis)
                message = fit_error_message(len(snapshot.nodes), diagnosis)
                return {"node": None, "score": None, "message": message}
            if len(feasible) == 1:
                # When only one node is feasible, it is used without scoring.
                return {"node": feasible[0].name, "score": None, "message": ""}
            scores = self.prioritize_nodes(state, pod, feasible)
            chosen = pick_among_best(scores, self.rng)
            return {"node": chosen.name, "score": chosen.total_score, "message": ""}
        except SchedulingError as err:
            return {"node": None, "score": None, "message": str(err)}

    def queue(self, pods: list[dict]) -> list[dict]:
        """The pending pods this profile schedules (no spec.nodeName, not terminal, not being
        deleted, schedulerName this profile's), in PrioritySort order."""
        infos = []
        for index, pod in enumerate(pods):
            spec = pod.get("spec") or {}
            if spec.get("nodeName"):
                continue
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            if (pod.get("metadata") or {}).get("deletionTimestamp"):
                continue  # skipPodSchedule: a pod being deleted
            if (spec.get("schedulerName") or DEFAULT_SCHEDULER_NAME) != self.scheduler_name:
                continue
            infos.append(QueuedPodInfo(pod, index))

        def compare(a: QueuedPodInfo, b: QueuedPodInfo) -> int:
            if self.queue_sort.less(a, b):
                return -1
            if self.queue_sort.less(b, a):
                return 1
            return 0
        infos.sort(key=functools.cmp_to_key(compare))
        return [info.pod for info in infos]

    def prepare(self, nodes: list[dict], pods: list[dict], **objects) -> Snapshot:
        """The scheduler's snapshot (nodes in node-tree order, the bound pods on them) and the
        profile's plugin instances over it."""
        snapshot = build_snapshot(node_tree_order(list(nodes)), list(pods), **objects)
        self.instances = self._instantiate(snapshot)
        return snapshot

    def num_feasible_nodes_to_find(self, num_all_nodes: int) -> int:
        """numFeasibleNodesToFind with this scheduler's profile and global percentages."""
        return num_feasible_nodes_to_find(self.profile_percentage, self.global_percentage, num_all_nodes)

    def schedule(self, nodes: list[dict], pods: list[dict], **objects) -> list[dict]:
        """Schedule every pending pod of ``pods`` onto ``nodes`` (the others are bound pods),
        one scheduling cycle each, in queue order; a pod placed is bound at once, so the
        pods after it see it. Rows: pod, namespace, node (None if unschedulable), score (the
        chosen node's weighted total; None when it was the only feasible node) and message
        (FitError text, or "")."""
        snapshot = self.prepare(nodes, pods, **objects)
        rows = []
        for pod in self.queue(list(pods)):
            self.preemption = {}
            outcome = self.schedule_pod(pod, snapshot)
            metadata = pod.get("metadata") or {}
            rows.append({"pod": metadata.get("name"), "namespace": metadata.get("namespace", "default"),
                         **outcome})
            if self.enable_preemption and outcome["node"] is None:
                # DefaultPreemption's nomination of a pod that fit nowhere ("namespace/name" victims)
                rows[-1].update({"nominated_node": None, "victims": [], **self.preemption})
            if outcome["node"] is not None:
                # assume: the pod, with spec.nodeName set, joins its node.
                bound = copy.deepcopy(pod)
                bound.setdefault("spec", {})["nodeName"] = outcome["node"]
                snapshot.node(outcome["node"]).add_pod(bound)
        return rows
