"""Compile a batch and a profile into the kernel's arrays: node state, per-template static
filter and score results, and the profile's plugin list, weights and args as arrays."""

from __future__ import annotations

import numpy as np

from kbench.scheduler.batch import Batch, bound_pods
from kbench.scheduler.boundpods import body_table, bound_pods_of
from kbench.scheduler import custom
from kbench.scheduler.config import ProfileError
from kbench.scheduler.kernel import (FILTER_AFFINITY, FILTER_CUSTOM, FILTER_FIT,
                                     FILTER_NODE_PORTS, FILTER_SPREAD, NORMALIZE_DEFAULT, NORMALIZE_MIN_MAX,
                                     NORMALIZE_NONE, NORMALIZE_REVERSE, NORMALIZE_SPREAD,
                                     SCORE_AFFINITY, SCORE_BALANCED, SCORE_CUSTOM, SCORE_FIT,
                                     SCORE_SPREAD,
                                     SCORE_STATIC, NodeState, ProfileData, TemplateData)
from kbench.scheduler.plugins import (imagelocality, interpodaffinity, nodeaffinity, nodename,
                                      nodeports, noderesources, nodeunschedulable,
                                      podtopologyspread, tainttoleration, volumebinding,
                                      volumezone)
from kbench.scheduler.plugins.noderesources import nonzero_requests

#: Filters whose verdict depends only on the template and the node: computed once per template.
STATIC_FILTERS = {
    nodeunschedulable.NAME: lambda batch, template, args: nodeunschedulable.static_filter(
        batch, template),
    nodename.NAME: lambda batch, template, args: nodename.static_filter(batch, template),
    tainttoleration.NAME: lambda batch, template, args: tainttoleration.static_filter(
        batch, template),
    nodeaffinity.NAME: nodeaffinity.static_filter,
    volumebinding.NAME: volumebinding.static_filter,
    volumezone.NAME: volumezone.static_filter,
}
#: PreFilters run once per template that may reject the pod UnschedulableAndUnresolvable
#: (after NodeAffinity's, in the profile's preFilter order): their message, or None.
PRE_FILTERS = {volumebinding.NAME: volumebinding.pre_filter,
               volumezone.NAME: volumezone.pre_filter}
#: Filters the kernel evaluates as pods are placed.
DYNAMIC_FILTERS = {nodeports.NAME: FILTER_NODE_PORTS, noderesources.FIT: FILTER_FIT,
                   podtopologyspread.NAME: FILTER_SPREAD, interpodaffinity.NAME: FILTER_AFFINITY}
#: Score plugins with static raw scores, and their normalization.
STATIC_SCORES = {
    tainttoleration.NAME: (lambda batch, template, args: tainttoleration.static_score(
        batch, template), NORMALIZE_REVERSE),
    nodeaffinity.NAME: (nodeaffinity.static_score, NORMALIZE_DEFAULT),
    imagelocality.NAME: (lambda batch, template, args: imagelocality.static_score(
        batch, template), NORMALIZE_NONE),
    volumebinding.NAME: (volumebinding.static_score, NORMALIZE_NONE),  # always skipped
}
#: Score plugins the kernel scores as pods are placed, and their normalization.
DYNAMIC_SCORES = {noderesources.FIT: (SCORE_FIT, NORMALIZE_NONE),
                  noderesources.BALANCED: (SCORE_BALANCED, NORMALIZE_NONE),
                  podtopologyspread.NAME: (SCORE_SPREAD, NORMALIZE_SPREAD),
                  interpodaffinity.NAME: (SCORE_AFFINITY, NORMALIZE_MIN_MAX)}

def simulated(name: str) -> bool:
    """Whether the kernel simulates plugin ``name`` (built in, or registered custom)."""
    return name in SIMULATED_PLUGINS or name in custom.REGISTRY


SIMULATED_PLUGINS = {"PrioritySort", "DefaultBinder", *STATIC_FILTERS, *DYNAMIC_FILTERS,
                     *STATIC_SCORES, *DYNAMIC_SCORES}


def compile_nodes(batch: Batch, port_keys: dict) -> NodeState:
    """Node arrays in the batch's node order, with what the bound pods already use: their
    non-zero requests and host ports, from the totals kept between passes (boundpods)."""
    state = batch.state
    nodes = state.tables["nodes"]
    rows = batch.node_rows
    totals = bound_pods_of(batch)
    usage_rows, usage_keys = [], []
    if totals.port_pods:  # the pods on each node, per body with host ports
        bound, node_of_pod = bound_pods(batch)
        body_of_pod = state.tables["pods"]["body"][bound].astype(np.int64)
        table = body_table(state, body_of_pod)
        for body in table.with_ports:
            members = node_of_pod[body_of_pod == body]
            if len(members) == 0:
                continue
            for key in table.ports[body]:
                usage_rows.append(members)
                usage_keys.append(port_keys.setdefault(key, len(port_keys)))
    usage = np.zeros((len(rows), max(len(port_keys), 1)), dtype=np.int32)
    for members, key in zip(usage_rows, usage_keys):
        np.add.at(usage[:, key], members, 1)
    return NodeState(allocatable=nodes["allocatable"][rows].copy(),
                     requested=nodes["requested"][rows].copy(),
                     nonzero_requested=totals.nonzero.copy(), port_usage=usage)


def _key(*fields) -> str:
    """A text of what a static plugin reads of a template: equal texts, equal fields (the
    fields are decoded JSON, whose repr is unambiguous)."""
    return repr(fields)


def _tolerations_key(template) -> str:
    return _key(template.spec.get("tolerations"))


def _containers(spec: dict) -> list[dict]:
    return [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]


def _volumes_key(template) -> str:
    """VolumeBinding and VolumeZone read the volumes' claims in the template's namespace; an
    ephemeral volume's claim is named after (and owned by) the representative pod."""
    volumes = template.spec.get("volumes")
    ephemeral = any(volume.get("ephemeral") is not None for volume in volumes or [])
    return _key(template.namespace, volumes, template.representative if ephemeral else None)


#: Everything each static plugin (Filter, Score, PreFilter) reads of a template, as a key;
#: besides, it reads only the batch and the profile's args for the plugin.
STATIC_INPUTS = {
    nodeunschedulable.NAME: _tolerations_key,
    nodename.NAME: lambda template: _key(template.spec.get("nodeName")),
    tainttoleration.NAME: _tolerations_key,
    nodeaffinity.NAME: lambda template: _key(
        template.spec.get("nodeSelector"),
        (template.spec.get("affinity") or {}).get("nodeAffinity")),
    imagelocality.NAME: lambda template: _key(
        [container.get("image") for container in _containers(template.spec)]),
    volumebinding.NAME: _volumes_key,
    volumezone.NAME: _volumes_key,
}


class _Results:
    """Static plugin results within one compile_templates: computed once per plugin,
    extension point and STATIC_INPUTS key (once per template for a plugin without one)."""

    def __init__(self) -> None:
        self.results: dict[tuple, object] = {}
        self.template = None
        self.inputs: dict = {}  # the current template's keys, per STATIC_INPUTS function

    def get(self, point: str, name: str, template, compute):
        """(key, result) of plugin ``name`` at ``point`` for ``template``; ``compute()``
        gives the result when no template with the same key came before."""
        if template is not self.template:
            self.template, self.inputs = template, {}
        read = STATIC_INPUTS.get(name)
        if read is None:
            key = (point, name, "template", template.index)
        else:
            if read not in self.inputs:
                self.inputs[read] = read(template)
            key = (point, name, self.inputs[read])
        if key not in self.results:
            self.results[key] = compute()
        return key, self.results[key]


def _narrowing(names: np.ndarray, spec: dict):
    """NodeAffinity's PreFilter: (its result, the positions of the nodes it names, if any)."""
    result = nodeaffinity.pre_filter(spec)
    if result is None or result == nodeaffinity.CONFLICT:
        return result, None
    return result, np.flatnonzero(np.isin(names, list(result)))


def _first_rejections(results: list[tuple[int, np.ndarray]], node_count: int):
    """(reason, filter position) per node of the first static filter rejecting it (0, -1
    where none does), from (filter position, reason per node) in filter order."""
    reason = np.zeros(node_count, dtype=np.int32)
    position = np.full(node_count, -1, dtype=np.int32)
    for index, reasons in results:
        first = (position < 0) & (reasons != 0)
        reason[first] = reasons[first]
        position[first] = index
    return reason, position


def _requests_key(spec: dict) -> str:
    """What nonzero_requests and nodeports.host_ports read of a spec."""
    def fields(group: str) -> list:
        return [[(container.get("resources") or {}).get("requests"),
                 container.get("restartPolicy"), container.get("ports")]
                for container in spec.get(group) or []]
    return _key(spec.get("overhead"), fields("initContainers"), fields("containers"))


def compile_templates(batch: Batch, profile, port_keys: dict) -> TemplateData:
    """Per-template requests, static filter verdicts, static raw scores and host ports. Each
    static plugin runs once per distinct input (STATIC_INPUTS), in template order, so reason
    ids are registered in the same order as by running it for every template."""
    state = batch.state
    pods = state.tables["pods"]
    count, node_count = len(batch.templates), batch.node_count
    static_filters = [(position, name) for position, name in enumerate(profile.filters())
                      if name in STATIC_FILTERS]
    scores = list(profile.scores())
    narrows = profile.enabled(nodeaffinity.NAME, "preFilter")
    # VolumeBinding's and VolumeZone's PreFilters run after NodeAffinity's (profile order); the
    # first rejection (missing / lost claims, unbound Immediate ones, a missing PV or
    # StorageClass) ends PreFilter
    pre_filters = [name for name, _weight in profile.plugins.get("preFilter", ())
                   if name in PRE_FILTERS]
    results = _Results()
    verdict_rows: dict[tuple, int] = {}  # the keys of a template's filter results -> its row
    verdicts: list[tuple[np.ndarray, np.ndarray]] = []
    verdict_row = np.zeros(count, dtype=np.int64)
    score_rows = np.full((count, max(len(scores), 1)), -1, dtype=np.int32)
    static_scores: list[np.ndarray] = []
    rows_of: dict[bytes, int] = {}
    requests_of: dict[str, tuple] = {}
    nonzero = np.zeros((count, 2), dtype=np.int64)
    port_lists = []
    prefilter_reason = np.zeros(count, dtype=np.int32)
    narrowed = np.zeros(count, dtype=np.bool_)
    absent_reason = np.zeros(count, dtype=np.int32)
    candidate_lists = []
    names = np.asarray(batch.node_names, dtype=object)

    def score_row(raw) -> int:
        """The row of ``raw`` in static_scores (templates with the same raw scores share a
        row); -1 for None (PreScore Skip)."""
        if raw is None:
            return -1
        raw = np.asarray(raw, dtype=np.int64)
        row = rows_of.setdefault(raw.tobytes() if raw.any() else b"", len(static_scores))
        if row == len(static_scores):
            static_scores.append(raw)
        return row

    for template in batch.templates:
        t = template.index
        candidate_lists.append(np.zeros(0, dtype=np.int64))
        if narrows:
            _, (result, candidates) = results.get(
                "preFilter", nodeaffinity.NAME, template,
                lambda: _narrowing(names, template.spec))
            if result == nodeaffinity.CONFLICT:
                prefilter_reason[t] = batch.reasons.id(nodeaffinity.REASON_CONFLICT)
            elif result is not None:
                narrowed[t] = True
                candidate_lists[t] = candidates
                absent_reason[t] = batch.reasons.id(
                    f"node(s) didn't satisfy plugin(s) [{nodeaffinity.NAME}]")
        for name in pre_filters:
            if prefilter_reason[t]:
                break
            _, rejection = results.get("preFilter", name, template,
                                       lambda: PRE_FILTERS[name](batch, template))
            if rejection is not None:
                prefilter_reason[t] = batch.reasons.id(rejection)
        keys, reasons = [], []  # a template's static filter results, and their keys
        for position, name in static_filters:
            key, result = results.get("filter", name, template, lambda: STATIC_FILTERS[name](
                batch, template, profile.plugin_args.get(name)))
            keys.append(key)
            reasons.append((position, result))
        if tuple(keys) not in verdict_rows:
            verdict_rows[tuple(keys)] = len(verdicts)
            verdicts.append(_first_rejections(reasons, node_count))
        verdict_row[t] = verdict_rows[tuple(keys)]
        for slot, (name, _weight) in enumerate(scores):
            if name in STATIC_SCORES:
                _, row = results.get("score", name, template, lambda: score_row(
                    STATIC_SCORES[name][0](batch, template, profile.plugin_args.get(name))))
                score_rows[t, slot] = row
        key = _requests_key(template.spec)
        if key not in requests_of:
            requests_of[key] = (nonzero_requests(template.spec),
                                nodeports.host_ports(template.spec))
        nonzero[t], ports = requests_of[key]
        port_lists.append([port_keys.setdefault(port, len(port_keys)) for port in ports])
    static_reason = np.zeros((count, node_count), dtype=np.int32)
    static_position = np.full((count, node_count), -1, dtype=np.int32)
    for row, (reason, position) in enumerate(verdicts):
        members = verdict_row == row
        static_reason[members] = reason
        static_position[members] = position
    fit_pairs, balanced_pairs = scored_resources(profile, state.resources)
    requests = pods["requests"][np.array([t.representative for t in batch.templates],
                                         dtype=np.int64)] if count else np.zeros(
        (0, len(state.resources)), dtype=np.int64)
    fit_request = np.zeros((count, len(fit_pairs)), dtype=np.int64)
    for i, (name, _weight) in enumerate(fit_pairs):
        column = state.resources.index(name)
        # NodeResourcesFit scores cpu and memory with the non-zero defaults
        fit_request[:, i] = nonzero[:, column] if column < 2 else requests[:, column]
    balanced_request = np.zeros((count, len(balanced_pairs)), dtype=np.int64)
    for i, (name, _weight) in enumerate(balanced_pairs):
        balanced_request[:, i] = requests[:, state.resources.index(name)]
    starts = np.zeros(count + 1, dtype=np.int64)
    starts[1:] = np.cumsum([len(ports) for ports in port_lists])
    keys = sorted(port_keys, key=port_keys.get)
    return TemplateData(
        requests=requests,
        nonzero_requests=nonzero, static_reason=static_reason,
        static_position=static_position, static_score_row=score_rows,
        static_scores=(np.stack(static_scores) if static_scores
                       else np.zeros((0, node_count), dtype=np.int64)),
        port_start=starts,
        port_keys=np.array([k for ports in port_lists for k in ports], dtype=np.int32),
        port_conflicts=nodeports.conflict_matrix(keys) if keys else np.zeros((1, 1), np.bool_),
        prefilter_reason=prefilter_reason,
        candidate_start=np.concatenate([[0], np.cumsum([len(c) for c in candidate_lists])]
                                       ).astype(np.int64),
        candidates=np.concatenate(candidate_lists).astype(np.int64) if candidate_lists
        else np.zeros(0, dtype=np.int64),
        narrowed=narrowed, absent_reason=absent_reason, fit_request=fit_request,
        balanced_request=balanced_request)


def compile_topology(batch: Batch, profile, placed_templates=None, placed_nodes=None):
    """PodTopologySpread's and InterPodAffinity's data (SpreadData, AffinityData): their
    per-template constraints and terms, and the counts of matching pods per topology domain
    that the kernel updates as it binds. ``placed_*`` (template index, node position): pods
    placed earlier in this scheduling pass, counted as bound."""
    return (podtopologyspread.compile_spread(batch, profile, placed_templates, placed_nodes),
            interpodaffinity.compile_affinity(batch, profile, placed_templates, placed_nodes))


_NORMALIZE_MODES = {"none": NORMALIZE_NONE, "default": NORMALIZE_DEFAULT,
                    "reverse": NORMALIZE_REVERSE}


def custom_plugins(profile):
    """(custom Filter plugin, custom Score plugin) the profile enables; None where none."""
    filters = [custom.REGISTRY[name] for name in profile.filters() if name in custom.REGISTRY]
    scores = [custom.REGISTRY[name] for name, _ in profile.scores() if name in custom.REGISTRY]
    for point, found in (("filter", filters), ("score", scores)):
        if len(found) > 1:
            raise ProfileError(
                f"profile {profile.scheduler_name!r} enables {len(found)} custom {point} plugins "
                f"({', '.join(p.name for p in found)}); kbench compiles one per extension point")
    return (filters[0] if filters else None), (scores[0] if scores else None)


def custom_functions(profile):
    """The njit functions the kernel calls in the custom plugin slots."""
    filter_plugin, score_plugin = custom_plugins(profile)
    return (filter_plugin.filter if filter_plugin else custom.no_filter,
            score_plugin.score if score_plugin else custom.no_score)


def compile_profile(profile, resources: list[str], nodes_to_find: int,
                    reasons=None) -> ProfileData:
    """The profile's filters, scores, weights and args as arrays (``reasons``: the batch's
    reason table, where a custom filter's reason gets its id)."""
    filter_plugin, score_plugin = custom_plugins(profile)
    filters = list(profile.filters())
    scores = list(profile.scores())
    fit = profile.plugin_args.get(noderesources.FIT)
    strategy = fit.scoring_strategy if fit is not None else None
    fit_resources, balanced_resources = scored_resources(profile, resources)
    shape = list(strategy.requested_to_capacity_ratio or []) if strategy else []
    ignored = np.zeros(len(resources), dtype=np.bool_)
    if fit is not None:
        for i, name in enumerate(resources):
            group = name.split("/", 1)[0] if "/" in name else None
            ignored[i] = name in fit.ignored_resources or (
                group is not None and group in fit.ignored_resource_groups)

    def columns(pairs):
        return np.array([resources.index(name) for name, _ in pairs], dtype=np.int64)

    return ProfileData(
        filter_kinds=np.array([FILTER_CUSTOM if name in custom.REGISTRY
                               else DYNAMIC_FILTERS.get(name, 0) for name in filters],
                              dtype=np.int32),
        score_kinds=np.array([SCORE_CUSTOM if name in custom.REGISTRY
                              else DYNAMIC_SCORES.get(name, (SCORE_STATIC,))[0]
                              for name, _ in scores], dtype=np.int32),
        score_normalize=np.array([
            _NORMALIZE_MODES[custom.REGISTRY[name].normalize] if name in custom.REGISTRY
            else STATIC_SCORES[name][1] if name in STATIC_SCORES
            else DYNAMIC_SCORES[name][1] if name in DYNAMIC_SCORES
            else NORMALIZE_NONE for name, _ in scores], dtype=np.int32),
        score_weights=np.array([weight for _, weight in scores], dtype=np.int64),
        fit_ignored=ignored,
        fit_strategy=np.int64(noderesources.STRATEGIES[strategy.type] if strategy else 0),
        fit_resources=columns(fit_resources),
        fit_weights=np.array([weight for _, weight in fit_resources], dtype=np.int64),
        shape_utilization=np.array([u for u, _ in shape] or [0], dtype=np.int64),
        shape_score=np.array([s * (100 // noderesources.MAX_CUSTOM_PRIORITY_SCORE)
                              for _, s in shape] or [0], dtype=np.int64),
        balanced_resources=columns(balanced_resources),
        # with nothing to score, the first feasible node will do (findNodesThatPassFilters)
        nodes_to_find=np.int64(nodes_to_find if scores else 1),
        custom_filter_params=custom.plugin_params(
            filter_plugin, profile.plugin_args.get(filter_plugin.name) if filter_plugin else None,
            resources) if filter_plugin else np.zeros(1),
        custom_filter_reason=np.int64(reasons.id(filter_plugin.reason)
                                      if filter_plugin and reasons is not None else 0),
        custom_score_params=custom.plugin_params(
            score_plugin, profile.plugin_args.get(score_plugin.name) if score_plugin else None,
            resources) if score_plugin else np.zeros(1))


def scored_resources(profile, resources: list[str]):
    """(name, weight) of the resources NodeResourcesFit and BalancedAllocation score."""
    fit = profile.plugin_args.get(noderesources.FIT)
    balanced = profile.plugin_args.get(noderesources.BALANCED)
    default = [("cpu", 1), ("memory", 1)]
    fit_pairs = list(fit.scoring_strategy.resources) if fit is not None else default
    balanced_pairs = list(balanced.resources) if balanced is not None else default
    return _known(resources, fit_pairs), _known(resources, balanced_pairs)


def _known(resources: list[str], pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Scored resources that some node or pod has; the others have zero allocatable on every
    node, which the scorers skip anyway."""
    return [(name, weight) for name, weight in pairs if name in resources]
