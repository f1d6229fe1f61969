"""explain(): the per-plugin view of one pod's scheduling cycle, one row per node.

For every filter plugin a column ``<Plugin>.filter`` ("pass" or the reason it fails on that
node), for every score plugin ``<Plugin>.raw`` and ``<Plugin>.score`` (normalized, before the
weight), the weighted ``total`` and ``selected``. It runs the very functions the batch kernel
runs, on the state as it is now, from the scheduler's current start index and random state, so
``selected`` is the node ``schedule()`` would choose for this pod if it were next in the queue.
Each filter's verdict is shown for every node; the FailedScheduling message counts, per node,
only the first failing filter in the profile's order, as kube-scheduler does.
"""

from __future__ import annotations

import numpy as np

from kbench.scheduler import custom, kernel
from kbench.scheduler.batch import build_batch
from kbench.scheduler.compile import (custom_functions, DYNAMIC_FILTERS, PRE_FILTERS,
                                      STATIC_FILTERS,
                                      compile_nodes, compile_profile,
                                      compile_templates, compile_topology)
from kbench.scheduler.config import num_feasible_nodes_to_find
from kbench.scheduler.plugins import (interpodaffinity, nodeaffinity, nodeports,
                                      noderesources, podtopologyspread)
from kbench.scheduler.scheduler import RNG, START_INDEX, Scheduler, _widen_ports
from kbench.state import ClusterState

PASS = "pass"
NOT_SIMULATED = "not simulated"
UNSCHEDULABLE = "Unschedulable"
UNRESOLVABLE = "UnschedulableAndUnresolvable"


def explain(state: ClusterState, pod_row: int, scheduler: Scheduler, sample: bool = True,
            feasible: list[str] | None = None):
    """A pandas DataFrame explaining where pod ``pod_row`` would go and why.

    ``sample=False`` scores every feasible node (as plugin unit tests do) instead of the
    percentageOfNodesToScore sample from the rotating start index. ``feasible`` (node names)
    filters and scores only those nodes, as if the others had failed Filter: PreScore still
    counts the pods of every node.
    """
    import pandas

    batch = build_batch(state, np.array([pod_row], dtype=np.int64))
    template = batch.templates[0]
    profile = scheduler.configuration.profile(template.scheduler_name)
    if profile is None:
        raise ValueError(f'no scheduler profile has schedulerName "{template.scheduler_name}"')
    port_keys: dict = {}
    nodes = compile_nodes(batch, port_keys)
    templates = compile_templates(batch, profile, port_keys)
    spread, affinity = compile_topology(batch, profile)
    nodes = _widen_ports(nodes, len(port_keys))
    to_find = num_feasible_nodes_to_find(
        profile.percentage_of_nodes_to_score, batch.node_count,
        global_percentage=scheduler.configuration.percentage_of_nodes_to_score
    ) if sample else max(batch.node_count, 1)
    data = kernel.ProfileData(*compile_profile(profile, state.resources, to_find,
                                               batch.reasons))
    custom_filter, custom_score = custom_functions(profile)
    verdicts = np.zeros((2, batch.node_count), dtype=np.int32)
    kernel.prefilter(0, data, spread, affinity, verdicts)
    columns: dict[str, list] = {"node": list(batch.node_names)}
    codes: dict[str, list[str]] = {}
    for name in profile.filters():
        columns[f"{name}.filter"], codes[name] = _filter_column(
            batch, template, profile, name, nodes, templates, data, verdicts, state.resources,
            custom_filter)
    only = None if feasible is None else np.flatnonzero(np.isin(
        np.asarray(batch.node_names, dtype=object), list(feasible)))
    feasible = _sampled_feasible(batch, nodes, templates, data, verdicts,
                                 int(state.counters.get(START_INDEX, 0)) if sample else 0, only,
                                 custom_filter)
    count = len(feasible)
    scores = list(profile.scores())
    totals = np.zeros(max(count, 1), dtype=np.int64)
    plugin_scores = np.zeros((max(len(scores), 1), max(count, 1)), dtype=np.int64)
    scored = count > 1 or (not sample and count == 1)
    if scored:
        custom.call(kernel.score_nodes, 0, feasible, count, nodes, templates, data, spread,
                    affinity, custom_score, plugin_scores, totals,
                    np.zeros(count, dtype=np.int64))
    for slot, (name, _weight) in enumerate(scores):
        raw = np.full(batch.node_count, np.nan)
        score = np.full(batch.node_count, np.nan)
        if scored and not kernel.skipped(data.score_kinds[slot], slot, 0, templates, data,
                                         spread, affinity):
            raws = np.zeros(count, dtype=np.int64)
            custom.call(kernel.raw_scores, data.score_kinds[slot], slot, 0, feasible, count,
                        nodes, templates, data, spread, affinity, custom_score, raws,
                        np.ones(count, dtype=np.bool_))
            raw[feasible] = raws
            score[feasible] = plugin_scores[slot, :count]
        elif scored:
            score[feasible] = 0
        columns[f"{name}.raw"] = raw
        columns[f"{name}.score"] = score
    total = np.full(batch.node_count, np.nan)
    selected = np.zeros(batch.node_count, dtype=np.bool_)
    if scored:
        total[feasible] = totals[:count]
    if count:
        rng = np.array([state.counters.get(RNG, state.seed)], dtype=np.uint64)
        best = kernel.select_host(totals, count, rng) if count > 1 else 0
        selected[feasible[best]] = True
    columns["total"] = total
    columns["selected"] = selected
    frame = pandas.DataFrame(columns)
    frame.attrs["filter_codes"] = codes  # Status codes: "", Unschedulable, ...AndUnresolvable
    for column in frame.columns:
        if column.endswith((".raw", ".score")) or column == "total":
            frame[column] = frame[column].astype("Int64")
    return frame


def _filter_column(batch, template, profile, name, nodes, templates, data, dynamic, resources,
                   custom_filter):
    """One filter plugin's verdict on every node, and the framework Status code of each
    (``dynamic``: the PodTopologySpread and InterPodAffinity verdicts of kernel.prefilter)."""
    rejected = int(templates.prefilter_reason[0])
    if rejected and name == nodeaffinity.NAME:  # its PreFilter rejected the pod on every node
        return ([batch.reasons.texts[rejected]] * batch.node_count,
                [UNRESOLVABLE] * batch.node_count)
    if rejected and name in PRE_FILTERS and profile.enabled(name, "preFilter"):
        rejection = PRE_FILTERS[name](batch, template)
        if rejection is not None and batch.reasons.id(rejection) == rejected:
            return [rejection] * batch.node_count, [UNRESOLVABLE] * batch.node_count
    if name in STATIC_FILTERS:
        reasons = STATIC_FILTERS[name](batch, template, profile.plugin_args.get(name))
        return ([batch.reasons.texts[r] if r else PASS for r in reasons.tolist()],
                [UNRESOLVABLE if r else "" for r in reasons.tolist()])
    kind = kernel.FILTER_CUSTOM if name in custom.REGISTRY else DYNAMIC_FILTERS.get(name)
    verdicts, codes = [], []
    # reasons in fitsRequest's order: pods, cpu, memory, ephemeral-storage, then the scalar
    # resources (Go's map order; here by name)
    order = [*range(4), *sorted(range(4, len(resources)), key=lambda r: resources[r])]
    for n in range(batch.node_count):
        if kind == kernel.FILTER_FIT:
            failures = np.zeros(len(resources), dtype=np.int8)
            noderesources.fit_filter(nodes.allocatable[n], nodes.requested[n],
                                     templates.requests[0], data.fit_ignored, failures)
            texts = [noderesources.TOO_MANY_PODS if resources[r] == "pods"
                     else noderesources.insufficient(resources[r])
                     for r in order if failures[r]]
            verdicts.append(", ".join(texts) if texts else PASS)
            codes.append("" if not texts else UNRESOLVABLE
                         if (failures == noderesources.UNRESOLVABLE).any() else UNSCHEDULABLE)
        elif kind == kernel.FILTER_NODE_PORTS:
            wanted = templates.port_keys[templates.port_start[0]:templates.port_start[1]]
            fits = not len(wanted) or nodeports.ports_filter(wanted, templates.port_conflicts,
                                                              nodes.port_usage[n])
            verdicts.append(PASS if fits else nodeports.REASON)
            codes.append("" if fits else UNSCHEDULABLE)
        elif kind in (kernel.FILTER_SPREAD, kernel.FILTER_AFFINITY):
            reason = int(dynamic[kind - kernel.FILTER_SPREAD, n])
            text = batch.reasons.texts[reason] if reason else PASS
            plugin = podtopologyspread if kind == kernel.FILTER_SPREAD else interpodaffinity
            verdicts.append(text)
            codes.append("" if not reason else UNRESOLVABLE
                         if text in plugin.UNRESOLVABLE_REASONS else UNSCHEDULABLE)
        elif kind == kernel.FILTER_CUSTOM:
            fits = custom_filter(nodes.allocatable[n], nodes.requested[n], templates.requests[0],
                                 data.custom_filter_params)
            plugin = custom.REGISTRY[name]
            verdicts.append(PASS if fits else plugin.reason)
            codes.append("" if fits else UNRESOLVABLE if plugin.unresolvable else UNSCHEDULABLE)
        else:
            verdicts.append(NOT_SIMULATED)
            codes.append("")
    return verdicts, codes


def _sampled_feasible(batch, nodes, templates, data, verdicts, start: int,
                      only=None, custom_filter=None) -> np.ndarray:
    """The feasible nodes the kernel would score: from the start index, until enough found
    (among the nodes ``only`` when given)."""
    if templates.prefilter_reason[0]:
        return np.zeros(0, dtype=np.int64)
    candidates = np.arange(batch.node_count)
    if templates.narrowed[0]:
        candidates = templates.candidates[templates.candidate_start[0]:templates.candidate_start[1]]
    if only is not None:
        candidates = candidates[np.isin(candidates, only)]
    if len(candidates) == 0:
        return np.zeros(0, dtype=np.int64)
    feasible = np.zeros(len(candidates), dtype=np.int64)
    found, _ = custom.call(
        kernel.find_feasible,
        0, candidates.astype(np.int64), start % len(candidates), data.nodes_to_find,
        data.filter_kinds, data.fit_ignored, templates.static_position[templates.static_row[0]],
        templates.static_reason[templates.static_row[0]],
        templates.requests, templates.port_keys[templates.port_start[0]:templates.port_start[1]],
        templates.port_conflicts, nodes.allocatable, nodes.requested, nodes.port_usage,
        verdicts, np.zeros(nodes.requested.shape[1], dtype=np.int8), feasible,
        np.zeros(len(batch.reasons) + 1, dtype=np.int64),
        np.zeros(nodes.requested.shape[1], dtype=np.int64),
        custom_filter if custom_filter is not None else custom.no_filter,
        data.custom_filter_params, data.custom_filter_reason)
    return feasible[:found]
