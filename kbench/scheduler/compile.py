"""Compile a batch and a profile into the kernel's arrays: node state, per-template static
filter and score results, and the profile's plugin list, weights and args as arrays."""

from __future__ import annotations

import weakref
from typing import NamedTuple

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
    # copies: the kernel may write them
    return NodeState(allocatable=_rows_copy(nodes["allocatable"], rows),
                     requested=_rows_copy(nodes["requested"], rows),
                     nonzero_requested=totals.nonzero.copy(), port_usage=usage)


def _rows_copy(column: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """column[rows]; for rows that are one ascending run (usually: every node), a copy of the
    slice, some ten times faster than gathering."""
    if len(rows) > 1 and np.all(np.diff(rows) == 1):
        return column[rows[0]:rows[-1] + 1].copy()
    return column[rows]


def _key(*fields) -> str:
    """A text of what a static plugin reads of a template: equal texts, equal fields (the
    fields are decoded JSON, whose repr is unambiguous)."""
    return repr(fields)


def _tolerations_key(batch, template) -> str:
    return _key(template.spec.get("tolerations"))


def _volumes_key(batch, template) -> str:
    """VolumeBinding and VolumeZone read the volumes' claims in the template's namespace; an
    ephemeral volume's claim is named after (and owned by) the representative pod."""
    volumes = template.spec.get("volumes")
    ephemeral = any(volume.get("ephemeral") is not None for volume in volumes or [])
    return _key(template.namespace, volumes, template.representative if ephemeral else None)


#: Everything each static plugin (Filter, Score, PreFilter) reads of a template, as a key
#: (function of the batch and the template); besides, it reads only the batch and the
#: profile's args for the plugin.
STATIC_INPUTS = {
    nodeunschedulable.NAME: _tolerations_key,
    nodename.NAME: lambda batch, template: _key(template.spec.get("nodeName")),
    tainttoleration.NAME: _tolerations_key,
    nodeaffinity.NAME: lambda batch, template: _key(
        template.spec.get("nodeSelector"),
        (template.spec.get("affinity") or {}).get("nodeAffinity")),
    # the images the batch's nodes hold: templates whose images no node has score alike
    imagelocality.NAME: lambda batch, template: imagelocality.static_inputs(batch,
                                                                           template.spec),
    volumebinding.NAME: _volumes_key,
    volumezone.NAME: _volumes_key,
}


#: Static plugins that read of the cluster only the batch's nodes (besides the template's
#: STATIC_INPUTS key and their args): their results are kept between batches on the same nodes.
NODE_ONLY = {nodeunschedulable.NAME, nodename.NAME, tainttoleration.NAME, nodeaffinity.NAME,
             imagelocality.NAME}
#: per node LabelMatrix (batches share it while the nodes stay the same): {(point, plugin,
#: id of its args, STATIC_INPUTS key): _Kept}
_KEPT: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


#: STATIC_INPUTS functions that read only the template's spec
SPEC_INPUTS = {STATIC_INPUTS[name] for name in (nodeunschedulable.NAME, nodename.NAME,
                                                tainttoleration.NAME, nodeaffinity.NAME)}
#: per cluster (its string table): (body code, node_name code) -> the SPEC_INPUTS keys of a
#: template with them (its spec is the body's, with nodeName set from node_name)
_SPEC_INPUTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _spec_inputs(batch, bodies: list[int]) -> list[dict]:
    """Per template (``bodies``: their body codes), the SPEC_INPUTS keys known of templates
    with its body and node name (filled as they are read)."""
    state = batch.state
    known = _SPEC_INPUTS.setdefault(state.strings, {})
    pods = state.tables["pods"]
    node_names = pods["node_name"][[t.representative for t in batch.templates]].tolist()
    return [known.setdefault(pair, {}) for pair in zip(bodies, node_names)]


class _Kept(NamedTuple):
    """A NODE_ONLY plugin's result, its args, and the reason registrations it made (method,
    argument, id given) in order: a later batch makes them again, in the same order, so its
    reason ids are those a fresh run would give. (Static filter verdicts are kept too: with
    the filter results they come from as args, and no registrations.)"""

    result: object
    args: object
    calls: tuple


class _RecordedReasons:
    """A batch's Reasons that records the registrations made through it."""

    def __init__(self, reasons) -> None:
        self.reasons = reasons
        self.calls: list[tuple[str, object, int]] = []

    def id(self, text: str) -> int:
        reason = self.reasons.id(text)
        self.calls.append(("id", text, reason))
        return reason

    def combined(self, texts: list[str]) -> int:
        reason = self.reasons.combined(texts)
        self.calls.append(("combined", tuple(texts), reason))
        return reason

    def __getattr__(self, name: str):
        return getattr(self.reasons, name)


def _read_only(result):
    if isinstance(result, np.ndarray):
        result.flags.writeable = False
    return result


class _Results:
    """Static plugin results within one compile_templates: computed once per plugin,
    extension point and STATIC_INPUTS key (once per template for a plugin without one);
    NODE_ONLY plugins' results are kept between batches on the same nodes."""

    def __init__(self, batch, bodies: list[int]) -> None:
        self.batch = batch
        self.results: dict[tuple, object] = {}
        self.template = None
        self.inputs: dict = {}  # the current template's keys, per STATIC_INPUTS function
        self.spec_inputs_of = _spec_inputs(batch, bodies)  # per template
        self.kept_results: dict[int, object] = {}  # id -> the kept results this batch read
        self.kept = _KEPT.setdefault(batch.node_labels, {})

    def get(self, point: str, name: str, template, compute, args=None, finish=None):
        """(key, result) of plugin ``name`` at ``point`` for ``template``; ``compute()``
        gives the plugin's result (``args``: the args it reads) when no template with the
        same key came before, ``finish`` what this compilation keeps of it."""
        key = (point, name, self.key(name, template))
        if key not in self.results:
            if name in NODE_ONLY and name in STATIC_INPUTS:
                result = self._kept((point, name, id(args), key[2]), args, compute)
            else:
                result = compute()
            self.results[key] = finish(result) if finish is not None else result
        return key, self.results[key]

    def key(self, name: str, template):
        """Plugin ``name``'s STATIC_INPUTS key for ``template`` (for a plugin without one,
        the template's index)."""
        read = STATIC_INPUTS.get(name)
        if read is None:
            return ("template", template.index)
        return self.keys(template, (read,))[0]

    def keys(self, template, reads) -> tuple:
        """The keys ``reads`` (STATIC_INPUTS functions) give for ``template``."""
        if template is not self.template:
            self.template, self.inputs = template, {}
            self.spec_inputs = self.spec_inputs_of[template.index]
        keys = []
        for read in reads:
            inputs = self.spec_inputs if read in SPEC_INPUTS else self.inputs
            key = inputs.get(read)
            if key is None:
                key = inputs[read] = read(self.batch, template)
            keys.append(key)
        return tuple(keys)

    def first_rejections(self, results: list[tuple[int, np.ndarray]], node_count: int):
        """_first_rejections(results), kept between batches when every result rejecting some
        node is a kept one (the same array objects: the same verdicts)."""
        rejecting = [(position, reasons) for position, reasons in results if reasons.any()]
        key = ("verdicts", *((position, id(reasons)) for position, reasons in rejecting))
        kept = self.kept.get(key)
        if kept is not None and all(a is b for (_, a), (_, b) in zip(kept.args, rejecting)):
            return kept.result
        verdict = _first_rejections(rejecting, node_count)
        if all(reasons is self.kept_results.get(id(reasons)) for _, reasons in rejecting):
            _read_only(verdict[0])
            _read_only(verdict[1])
            self.kept[key] = _Kept(verdict, rejecting, ())
        return verdict

    def _kept(self, key: tuple, args, compute):
        """compute(), or the result kept from an earlier batch once its reason
        registrations are made again (if they give other ids, it is computed anew)."""
        batch = self.batch
        kept = self.kept.get(key)
        if kept is not None and kept.args is args:
            if all(getattr(batch.reasons, method)(argument if method == "id"
                                                  else list(argument)) == reason
                   for method, argument, reason in kept.calls):
                self.kept_results[id(kept.result)] = kept.result
                return kept.result
            return compute()
        reasons = batch.reasons
        batch.reasons = recorder = _RecordedReasons(reasons)
        try:
            result = _read_only(compute())
        finally:
            batch.reasons = reasons
        self.kept[key] = _Kept(result, args, tuple(recorder.calls))
        self.kept_results[id(result)] = result
        return result


#: per node LabelMatrix: the nodes' names as an object array (read only)
_NODE_NAMES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _node_names(batch) -> np.ndarray:
    names = _NODE_NAMES.get(batch.node_labels)
    if names is None:
        names = _NODE_NAMES[batch.node_labels] = _read_only(
            np.asarray(batch.node_names, dtype=object))
    return names


def _narrowing(names: np.ndarray, spec: dict):
    """NodeAffinity's PreFilter: (its result, the positions of the nodes it names, if any)."""
    result = nodeaffinity.pre_filter(spec)
    if result is None or result == nodeaffinity.CONFLICT:
        return result, None
    return result, np.flatnonzero(np.isin(names, list(result)))


def _raw_scores(raw):
    """A static Score plugin's raw scores as (int64 array, its content as bytes: b"" when all
    zero), None for None (PreScore Skip)."""
    if raw is None:
        return None
    raw = _read_only(np.asarray(raw, dtype=np.int64))
    return raw, (raw.tobytes() if raw.any() else b"")


def _first_rejections(results: list[tuple[int, np.ndarray]], node_count: int):
    """(reason, filter position) per node of the first static filter rejecting it (0, -1
    where none does), from (filter position, reason per node) in filter order (the filters
    that reject some node: first_rejections leaves out the others)."""
    reason = np.zeros(node_count, dtype=np.int32)
    position = np.full(node_count, -1, dtype=np.int32)
    for index, reasons in results:
        first = (position < 0) & (reasons != 0)
        reason[first] = reasons[first]
        position[first] = index
    return reason, position


#: per cluster (its string table): pod body code -> (non-zero requests, host ports) of its spec
_REQUESTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _requests(batch: Batch, bodies: list[int]) -> list[tuple]:
    """Per template (``bodies``: their body codes), nonzero_requests and nodeports.host_ports
    of its spec, read once per body (the spec is the body's, nodeName aside, which neither
    reads)."""
    known = _REQUESTS.setdefault(batch.state.strings, {})
    for template, body in zip(batch.templates, bodies):
        if body not in known:
            known[body] = (nonzero_requests(template.spec),
                           tuple(nodeports.host_ports(template.spec)))
    return [known[body] for body in bodies]


def compile_templates(batch: Batch, profile, port_keys: dict) -> TemplateData:
    """Per-template requests, static filter verdicts, static raw scores and host ports. Each
    static plugin runs once per distinct input (STATIC_INPUTS), in template order, so reason
    ids are registered in the same order as by running it for every template."""
    state = batch.state
    pods = state.tables["pods"]
    count, node_count = len(batch.templates), batch.node_count
    static_filters = [(position, name, profile.plugin_args.get(name))
                      for position, name in enumerate(profile.filters())
                      if name in STATIC_FILTERS]
    scores = list(profile.scores())
    static_scores_of = [(slot, name, profile.plugin_args.get(name))
                        for slot, (name, _weight) in enumerate(scores) if name in STATIC_SCORES]
    narrows = profile.enabled(nodeaffinity.NAME, "preFilter")
    # VolumeBinding's and VolumeZone's PreFilters run after NodeAffinity's (profile order); the
    # first rejection (missing / lost claims, unbound Immediate ones, a missing PV or
    # StorageClass) ends PreFilter
    pre_filters = [name for name, _weight in profile.plugins.get("preFilter", ())
                   if name in PRE_FILTERS]
    representatives = np.array([t.representative for t in batch.templates], dtype=np.int64)
    bodies = pods["body"][representatives].tolist()
    results = _Results(batch, bodies)
    verdict_rows: dict[tuple, int] = {}  # the keys of a template's filter results -> its row
    verdicts: list[tuple[np.ndarray, np.ndarray]] = []
    verdict_row = [0] * count
    score_rows = [[-1] * max(len(scores), 1) for _ in range(count)]
    static_scores: list[np.ndarray] = []
    rows_of: dict[bytes, int] = {}
    prefilter_reason = [0] * count
    narrowed = [False] * count
    absent_reason = [0] * count
    no_candidates = np.zeros(0, dtype=np.int64)
    candidate_lists = [no_candidates] * count
    names = _node_names(batch)

    def score_row(scored) -> int:
        """The row of ``scored`` (_raw_scores) in static_scores (templates with the same raw
        scores share a row); -1 for None (PreScore Skip)."""
        if scored is None:
            return -1
        raw, content = scored
        row = rows_of.setdefault(content, len(static_scores))
        if row == len(static_scores):
            static_scores.append(raw)
        return row

    # a template's outputs follow from the keys of what each static plugin reads of it: a
    # template whose keys an earlier one had takes that one's
    static = [*([nodeaffinity.NAME] if narrows else []), *pre_filters,
              *(name for _, name, _ in static_filters), *(name for _, name, _ in static_scores_of)]
    reads = list(dict.fromkeys(STATIC_INPUTS[name] for name in static if name in STATIC_INPUTS))
    each_own = any(name not in STATIC_INPUTS for name in static)  # a plugin reads all of it
    alike: dict[tuple, int] = {}  # the keys -> the first template with them
    for template in batch.templates:
        t = template.index
        inputs = results.keys(template, reads)
        first = alike.setdefault((inputs, t) if each_own else inputs, t)
        if first != t:
            prefilter_reason[t], narrowed[t] = prefilter_reason[first], narrowed[first]
            candidate_lists[t], absent_reason[t] = candidate_lists[first], absent_reason[first]
            verdict_row[t], score_rows[t] = verdict_row[first], score_rows[first]
            continue
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
        for position, name, args in static_filters:
            key, result = results.get("filter", name, template, lambda: STATIC_FILTERS[name](
                batch, template, args), args)
            keys.append(key)
            reasons.append((position, result))
        keys = tuple(keys)
        row = verdict_rows.get(keys)
        if row is None:
            row = verdict_rows[keys] = len(verdicts)
            verdicts.append(results.first_rejections(reasons, node_count))
        verdict_row[t] = row
        for slot, name, args in static_scores_of:
            _, score_rows[t][slot] = results.get("score", name, template, lambda: _raw_scores(
                STATIC_SCORES[name][0](batch, template, args)), args, score_row)
    if verdicts:  # one row per distinct set of results (verdict_row: each template's)
        static_reason = np.stack([reason for reason, _ in verdicts])
        static_position = np.stack([position for _, position in verdicts])
    else:
        static_reason = np.zeros((0, node_count), dtype=np.int32)
        static_position = np.zeros((0, node_count), dtype=np.int32)
    requested = _requests(batch, bodies)
    nonzero = np.array([request for request, _ in requested], dtype=np.int64).reshape(count, 2)
    port_lists = [[port_keys.setdefault(port, len(port_keys)) for port in ports]
                  for _, ports in requested]
    fit_pairs, balanced_pairs = scored_resources(profile, state.resources)
    requests = pods["requests"][representatives] if count else np.zeros(
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
        nonzero_requests=nonzero, static_row=np.asarray(verdict_row, dtype=np.int64),
        static_reason=static_reason, static_position=static_position,
        static_score_row=np.array(score_rows, dtype=np.int32).reshape(
            count, max(len(scores), 1)),
        static_scores=(np.stack(static_scores) if static_scores
                       else np.zeros((0, node_count), dtype=np.int64)),
        port_start=starts,
        port_keys=np.array([k for ports in port_lists for k in ports], dtype=np.int32),
        port_conflicts=nodeports.conflict_matrix(keys) if keys else np.zeros((1, 1), np.bool_),
        prefilter_reason=np.array(prefilter_reason, dtype=np.int32),
        candidate_start=np.concatenate([[0], np.cumsum([len(c) for c in candidate_lists])]
                                       ).astype(np.int64),
        candidates=np.concatenate(candidate_lists).astype(np.int64) if candidate_lists
        else np.zeros(0, dtype=np.int64),
        narrowed=np.array(narrowed, dtype=np.bool_),
        absent_reason=np.array(absent_reason, dtype=np.int32), fit_request=fit_request,
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
