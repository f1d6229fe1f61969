"""The batch kernel: one compiled loop that schedules a whole queue of pods, in order, each
placement seeing the ones before it (pkg/scheduler/schedule_one.go, per pod: filter nodes from
the rotating start index until enough are feasible, score them, pick one of the best at random,
bind).

Inputs are NamedTuples of arrays prepared by kbench.scheduler.compile; plugin arguments are
arrays too, so every profile runs the same compiled code. PodTopologySpread's and
InterPodAffinity's data (SpreadData, AffinityData) are separate arguments, not fields of
TemplateData: numba updates the reference count of every array of a NamedTuple a function
receives, so per-node calls take small tuples and loops over nodes stay inside one function.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from kbench._jit import njit
from kbench.scheduler.plugins.interpodaffinity import (affinity_bind, affinity_normalize,
                                                       affinity_prefilter, affinity_scores)
from kbench.scheduler.plugins.noderesources import balanced_scores, fit_filter, fit_scores
from kbench.scheduler.plugins.nodeports import ports_filter
from kbench.scheduler.plugins.podtopologyspread import (spread_bind, spread_normalize,
                                                        spread_prefilter, spread_scores,
                                                        spread_skipped)
from kbench.scheduler.rng import random_below
from kbench.scheduler.windowtree import (build, kth_feasible, nth_best, range_best, set_leaf,
                                         tree_size, update, window_end)

MAX_NODE_SCORE = 100

# Dynamic filter plugins the kernel evaluates itself (static ones arrive precomputed);
# PodTopologySpread's and InterPodAffinity's verdicts come from prefilter(), once per pod.
FILTER_NODE_PORTS, FILTER_FIT, FILTER_SPREAD, FILTER_AFFINITY, FILTER_CUSTOM = 1, 2, 3, 4, 5
# Score plugins, and how their raw scores are normalized.
SCORE_STATIC, SCORE_FIT, SCORE_BALANCED, SCORE_SPREAD, SCORE_AFFINITY, SCORE_CUSTOM = (
    0, 1, 2, 3, 4, 5)
NORMALIZE_NONE, NORMALIZE_DEFAULT, NORMALIZE_REVERSE, NORMALIZE_SPREAD, NORMALIZE_MIN_MAX = (
    0, 1, 2, 3, 4)
NOT_SCORED = -1  # total score of a pod placed without scoring (one feasible node)


class NodeState(NamedTuple):
    allocatable: np.ndarray        # int64 [nodes, resources]
    requested: np.ndarray          # int64 [nodes, resources]; updated as pods are bound
    nonzero_requested: np.ndarray  # int64 [nodes, 2]: cpu, memory with non-zero defaults
    port_usage: np.ndarray         # int32 [nodes, port keys]; updated as pods are bound


class TemplateData(NamedTuple):
    requests: np.ndarray           # int64 [templates, resources]
    nonzero_requests: np.ndarray   # int64 [templates, 2]
    static_reason: np.ndarray      # int32 [templates, nodes]: first failing static filter's reason
    static_position: np.ndarray    # int32 [templates, nodes]: that filter's position in the profile
    static_score_row: np.ndarray   # int32 [templates, score plugins]: row of static_scores, -1 none
    static_scores: np.ndarray      # int64 [rows, nodes]: raw scores of static score plugins
    port_start: np.ndarray         # int64 [templates + 1]: CSR offsets into port_keys
    port_keys: np.ndarray          # int32: host port keys each template asks for
    port_conflicts: np.ndarray     # bool [keys, keys]
    prefilter_reason: np.ndarray   # int32 [templates]: PreFilter rejected the pod (0: it did not)
    candidate_start: np.ndarray    # int64 [templates + 1]: CSR offsets into candidates
    candidates: np.ndarray         # int64: nodes a PreFilterResult narrowed a template to
    narrowed: np.ndarray           # bool [templates]: only its candidates are filtered
    absent_reason: np.ndarray      # int32 [templates]: reason of the nodes left out
    fit_request: np.ndarray        # int64 [templates, fit resources]: scored requests (non-zero)
    balanced_request: np.ndarray   # int64 [templates, balanced resources]: actual requests


class ProfileData(NamedTuple):
    filter_kinds: np.ndarray       # int32 [filters]: FILTER_* of dynamic filters, 0 for static
    score_kinds: np.ndarray        # int32 [scores]: SCORE_*
    score_normalize: np.ndarray    # int32 [scores]: NORMALIZE_*
    score_weights: np.ndarray      # int64 [scores]
    fit_ignored: np.ndarray        # bool [resources]
    fit_strategy: np.int64
    fit_resources: np.ndarray      # int64 [k]: resource columns scored by NodeResourcesFit
    fit_weights: np.ndarray        # int64 [k]
    shape_utilization: np.ndarray  # int64: RequestedToCapacityRatio shape
    shape_score: np.ndarray        # int64: scaled to 0-100
    balanced_resources: np.ndarray  # int64: resource columns of BalancedAllocation
    nodes_to_find: np.int64
    custom_filter_params: np.ndarray  # float64: the custom Filter plugin's params
    custom_filter_reason: np.int64    # its failure reason id
    custom_score_params: np.ndarray   # float64: the custom Score plugin's params


@njit(inline="always")
def node_filters(t, n, dynamic, filter_kinds, fit_ignored, static_position, static_reason,
                 requests, wanted_ports, port_conflicts, allocatable, requested, port_usage,
                 verdicts, failures, custom_filter, custom_params, custom_reason):
    """The filters on node n for a pod of template t, in the profile's order (``dynamic``:
    the positions of the dynamic ones; static ones arrive precomputed): (position of the
    first that fails, its reason), (-1, 0) when the node is feasible. A NodeResourcesFit
    failure marks the short resources in ``failures``."""
    first_static = static_position[t, n]
    for k in range(len(dynamic)):
        position = dynamic[k]
        if first_static >= 0 and first_static < position:
            break  # a static filter earlier in the profile already rejected the node
        kind = filter_kinds[position]
        if kind == FILTER_FIT:
            if not fit_filter(allocatable[n], requested[n], requests[t], fit_ignored,
                              failures):
                return position, 0
        elif kind == FILTER_NODE_PORTS:
            if len(wanted_ports) and not ports_filter(wanted_ports, port_conflicts,
                                                      port_usage[n]):
                return position, 0
        elif kind == FILTER_SPREAD or kind == FILTER_AFFINITY:
            verdict = verdicts[kind - FILTER_SPREAD, n]  # row 0: spread, 1: affinity
            if verdict != 0:
                return position, verdict
        elif kind == FILTER_CUSTOM:
            if not custom_filter(allocatable[n], requested[n], requests[t], custom_params):
                return position, custom_reason
    if first_static >= 0:
        return first_static, static_reason[t, n]
    return -1, 0


@njit
def find_feasible(t, candidates, start_index, nodes_to_find, filter_kinds, fit_ignored,
                  static_position, static_reason, requests, wanted_ports, port_conflicts,
                  allocatable, requested, port_usage, verdicts, failures, feasible,
                  reason_counts, resource_failures, custom_filter, custom_params,
                  custom_reason):
    """findNodesThatPassFilters for a pod of template t: the filters on the candidates from
    the start index, in the profile's order, until ``nodes_to_find`` fit. Fills ``feasible``,
    counts each rejected node's first failing reason, and returns (found, processed).

    It takes plain arrays, not NamedTuples: this per-node loop is kbench's hottest, and a
    call per node taking NamedTuples costs numba a reference count update for every array
    they hold. The filters are written out here rather than calling node_filters (the same
    checks, for one node): that call, inlined or not, halves this loop's speed (measured)."""
    found = 0
    processed = 0
    # the dynamic filters' positions in the profile's order (static ones arrive precomputed)
    dynamic = np.flatnonzero(filter_kinds != 0)
    for j in range(len(candidates)):
        n = candidates[(start_index + j) % len(candidates)]
        processed += 1
        first_static = static_position[t, n]
        failed = -1
        reason = 0
        for k in range(len(dynamic)):
            position = dynamic[k]
            if first_static >= 0 and first_static < position:
                break  # a static filter earlier in the profile already rejected the node
            kind = filter_kinds[position]
            if kind == FILTER_FIT:
                if not fit_filter(allocatable[n], requested[n], requests[t], fit_ignored,
                                  failures):
                    failed = position
                    for r in range(len(failures)):
                        if failures[r] != 0:
                            resource_failures[r] += 1
                            failures[r] = 0
                    break
            elif kind == FILTER_NODE_PORTS:
                if len(wanted_ports) and not ports_filter(wanted_ports, port_conflicts,
                                                          port_usage[n]):
                    failed, reason = position, 0
                    break
            elif kind == FILTER_SPREAD or kind == FILTER_AFFINITY:
                verdict = verdicts[kind - FILTER_SPREAD, n]  # row 0: spread, 1: affinity
                if verdict != 0:
                    failed, reason = position, verdict
                    break
            elif kind == FILTER_CUSTOM:
                if not custom_filter(allocatable[n], requested[n], requests[t], custom_params):
                    failed, reason = position, custom_reason
                    break
        if failed < 0 and first_static >= 0:
            failed, reason = first_static, static_reason[t, n]
        if failed < 0:
            feasible[found] = n
            found += 1
            if found == nodes_to_find:
                break
        elif filter_kinds[failed] != FILTER_FIT:
            reason_counts[reason] += 1
    return found, processed


class RunTree(NamedTuple):
    """windowtree over the candidates of the current run's template (node-local templates
    with runs long enough to pay for it). Totals are normalized with ``assumed`` (the
    highest raw score of each normalized plugin over the feasible candidates when built);
    they hold for a pod whose window has the same highest scores."""
    count: np.ndarray          # int64 [2 * size]
    best: np.ndarray           # int64 [2 * size]
    best_count: np.ndarray     # int64 [2 * size]
    highest: np.ndarray        # int64 [normalized plugins, 2 * size]
    assumed: np.ndarray        # int64 [normalized plugins]
    position_of: np.ndarray    # int64 [nodes]: the node's position among the candidates
    raws: np.ndarray           # int64 [normalized plugins]: scratch
    window_highest: np.ndarray  # int64 [normalized plugins]: scratch


@njit(inline="always")
def tree_leaf(t, n, size, tree, cache, profile, norm_slots):
    """The leaf of node n from the cache (its filters computed; scores too if feasible)."""
    feasible = cache.failed[n] < 0
    total = 0
    if feasible:
        total = cache.fixed[n]
        for k in range(len(norm_slots)):
            s = norm_slots[k]
            tree.raws[k] = cache.raw[s, n]
            total += normalized(cache.raw[s, n], tree.assumed[k],
                                profile.score_normalize[s]) * profile.score_weights[s]
    set_leaf(size, tree.position_of[n], feasible, total, tree.raws, tree.count, tree.best,
             tree.best_count, tree.highest[:len(norm_slots)])


@njit(inline="always")
def tree_build(t, candidates, size, tree, nodes, templates, profile, cache, active, norm_slots,
               custom_score, dynamic, wanted_ports, verdicts, failures, custom_filter,
               missing, buffer):
    """Every candidate's verdict and total into the tree (positions beyond the candidates:
    infeasible)."""
    run = cache.counters[0]
    absent = 0
    for p in range(len(candidates)):
        n = candidates[p]
        tree.position_of[n] = p
        if cache.filter_run[n] != run:
            cache_filters(t, n, run, cache.filter_run, cache.failed, cache.reason, cache.short,
                          dynamic, profile.filter_kinds, profile.fit_ignored,
                          templates.static_position, templates.static_reason,
                          templates.requests, wanted_ports, templates.port_conflicts,
                          nodes.allocatable, nodes.requested, nodes.port_usage, verdicts,
                          failures, custom_filter, profile.custom_filter_params,
                          profile.custom_filter_reason)
        if cache.failed[n] < 0 and cache.score_run[n] != run:
            missing[absent] = n
            absent += 1
    if absent:
        fill_scores(t, missing[:absent], nodes, templates, profile, cache, active, custom_score,
                    buffer)
    for k in range(len(norm_slots)):
        highest = 0
        for p in range(len(candidates)):
            n = candidates[p]
            if cache.failed[n] < 0:
                highest = max(highest, cache.raw[norm_slots[k], n])
        tree.assumed[k] = highest
    for p in range(len(candidates)):
        tree_leaf(t, candidates[p], size, tree, cache, profile, norm_slots)
    for p in range(len(candidates), size):
        set_leaf(size, p, False, 0, tree.raws, tree.count, tree.best, tree.best_count,
                 tree.highest[:len(norm_slots)])
    build(size, tree.count, tree.best, tree.best_count, tree.highest[:len(norm_slots)])


@njit(inline="always")
def tree_choose(size, leaves, start, wanted, tree, normalized_count, rng_state):
    """The scheduler's walk and selectHost for a pod, from the tree: (found, processed,
    position of the chosen candidate or -1, its total, ok). Not ok when the pod's window has
    other highest raw scores than the tree's totals assume: the caller then walks."""
    found, processed = window_end(size, leaves, start, wanted, tree.count)
    if found == 0:
        return found, processed, -1, NOT_SCORED, True
    if found == 1:  # the one feasible node is taken without scoring
        if found == wanted:
            return found, processed, (start + processed - 1) % leaves, NOT_SCORED, True
        return found, processed, kth_feasible(size, 1, tree.count), NOT_SCORED, True
    end = start + processed
    first_end = min(end, leaves)
    highest = tree.window_highest[:normalized_count]
    highest[:] = -1
    top, ties = range_best(size, start, first_end, tree.best, tree.best_count,
                           tree.highest[:normalized_count], highest)
    first_ties = ties
    if end > leaves:
        value, number = range_best(size, 0, end - leaves, tree.best, tree.best_count,
                                   tree.highest[:normalized_count], highest)
        if value > top:
            top, ties, first_ties = value, number, 0
        elif value == top:
            ties += number
    for k in range(normalized_count):
        if highest[k] != tree.assumed[k]:
            return found, processed, -1, NOT_SCORED, False
    pick = random_below(rng_state, ties) if ties > 1 else 0
    if pick < first_ties:
        position = nth_best(size, start, first_end, top, pick, tree.best, tree.best_count)
    else:
        position = nth_best(size, 0, end - leaves, top, pick - first_ties, tree.best,
                            tree.best_count)
    return found, processed, position, top, True


@njit(inline="always")
def tree_refresh(t, n, size, tree, nodes, templates, profile, cache, active, norm_slots,
                 custom_score, dynamic, wanted_ports, verdicts, failures, custom_filter,
                 missing, buffer):
    """Node n changed (a pod was bound to it): its leaf afresh."""
    run = cache.counters[0]
    cache_filters(t, n, run, cache.filter_run, cache.failed, cache.reason, cache.short,
                  dynamic, profile.filter_kinds, profile.fit_ignored,
                  templates.static_position, templates.static_reason, templates.requests,
                  wanted_ports, templates.port_conflicts, nodes.allocatable, nodes.requested,
                  nodes.port_usage, verdicts, failures, custom_filter,
                  profile.custom_filter_params, profile.custom_filter_reason)
    if cache.failed[n] < 0:
        missing[0] = n
        fill_scores(t, missing[:1], nodes, templates, profile, cache, active, custom_score,
                    buffer)
    tree_leaf(t, n, size, tree, cache, profile, norm_slots)
    update(size, tree.position_of[n], tree.count, tree.best, tree.best_count,
           tree.highest[:len(norm_slots)])


class NodeCache(NamedTuple):
    """Per-node results for the template being scheduled (the current "run" of its pods),
    for templates whose plugins look at nothing but the node itself: no PodTopologySpread,
    no InterPodAffinity (see ``node_local``). Such a result changes only when a pod is bound
    to the node, which then drops its entries."""
    filter_run: np.ndarray     # int64 [nodes]: the run the filter entries are for
    failed: np.ndarray         # int64 [nodes]: position of the first failing filter, -1: none
    reason: np.ndarray         # int64 [nodes]: its reason id
    short: np.ndarray          # int64 [nodes]: bit r: NodeResourcesFit found resource r short
    score_run: np.ndarray      # int64 [nodes]: the run the score entries are for
    fixed: np.ndarray          # int64 [nodes]: weighted scores that need no normalization
    raw: np.ndarray            # int64 [score plugins, nodes]: raw scores normalized per pod
    total_version: np.ndarray  # int64 [nodes]: the version of the highest scores of total
    total: np.ndarray          # int64 [nodes]
    highest: np.ndarray        # int64 [score plugins]: the highest raw scores of that version
    counters: np.ndarray       # int64 [2]: current run, current version


@njit
def node_local(t, spread, affinity):
    """The template's filters and scores depend on each node alone: it has no
    PodTopologySpread constraint (nor system defaults), no pod affinity terms, and no
    existing pod has an affinity term that could select it (InterPodAffinity then scores
    every node 0, even when its PreScore does not Skip)."""
    return (spread.filter_start[t] == spread.filter_start[t + 1]
            and spread.score_start[t] == spread.score_start[t + 1]
            and affinity.affinity_start[t] == affinity.affinity_start[t + 1]
            and affinity.anti_start[t] == affinity.anti_start[t + 1]
            and affinity.existing_anti_start[t] == affinity.existing_anti_start[t + 1]
            and affinity.preferred_start[t] == affinity.preferred_start[t + 1]
            and affinity.existing_start[t] == affinity.existing_start[t + 1])


@njit(inline="always")
def cache_filters(t, n, run, filter_run, cached_failed, cached_reason, cached_short, dynamic,
                  filter_kinds, fit_ignored, static_position, static_reason, requests,
                  wanted_ports, port_conflicts, allocatable, requested, port_usage, verdicts,
                  failures, custom_filter, custom_params, custom_reason):
    """node_filters on node n, into the cache of the current run."""
    failed, reason = node_filters(
        t, n, dynamic, filter_kinds, fit_ignored, static_position, static_reason, requests,
        wanted_ports, port_conflicts, allocatable, requested, port_usage, verdicts, failures,
        custom_filter, custom_params, custom_reason)
    short = 0
    if failed >= 0 and filter_kinds[failed] == FILTER_FIT:
        for r in range(len(failures)):
            if failures[r] != 0:
                short |= np.int64(1) << r
                failures[r] = 0
    filter_run[n] = run
    cached_failed[n] = failed
    cached_reason[n] = reason
    cached_short[n] = short


@njit
def find_feasible_cached(t, candidates, start_index, nodes_to_find, run, filter_run,
                         cached_failed, cached_reason, cached_short, dynamic, filter_kinds,
                         fit_ignored, static_position, static_reason, requests, wanted_ports,
                         port_conflicts, allocatable, requested, port_usage, verdicts,
                         failures, feasible, custom_filter, custom_params, custom_reason,
                         score_run, total_version, total, version, raw, norm_slots,
                         highest, positions, missing):
    """find_feasible for a node-local template, with each node's verdict computed once per
    run, and in the same pass the best of the feasible nodes whose total is cached:
    (found, processed, ties, misses). The best are feasible[positions[:ties]]; the
    ``misses`` feasible nodes without a cached total are feasible[missing[:misses]] (when
    ``missing`` holds them all). ``highest`` gets the highest raw score, over the cached
    nodes, of each normalized plugin in ``norm_slots``: the totals hold for this pod if they
    were computed with the same. Rejections are not counted (count_rejections does it when
    nothing fits). ``dynamic``: the positions of the dynamic filters."""
    found = 0
    processed = 0
    ties = 0
    misses = 0
    best = np.int64(0)
    for k in range(len(norm_slots)):
        highest[k] = 0
    size = len(candidates)
    j = start_index % size if size else 0
    for _ in range(size):
        n = candidates[j]
        j += 1
        if j == size:
            j = 0
        processed += 1
        if filter_run[n] != run:
            cache_filters(t, n, run, filter_run, cached_failed, cached_reason, cached_short,
                          dynamic, filter_kinds, fit_ignored, static_position, static_reason,
                          requests, wanted_ports, port_conflicts, allocatable, requested,
                          port_usage, verdicts, failures, custom_filter, custom_params,
                          custom_reason)
        if cached_failed[n] >= 0:
            continue
        if score_run[n] != run or total_version[n] != version:
            if misses < len(missing):
                missing[misses] = found
            misses += 1
        else:
            value = total[n]
            if ties == 0 or value > best:
                best = value
                ties = 0
            if value == best:
                positions[ties] = found
                ties += 1
            for k in range(len(norm_slots)):
                highest[k] = max(highest[k], raw[norm_slots[k], n])
        feasible[found] = n
        found += 1
        if found == nodes_to_find:
            break
    return found, processed, ties, misses


@njit(inline="always")
def complete_ties(t, feasible, missing_positions, nodes, templates, profile, cache, active,
                  norm_slots, highest, custom_score, ties, positions, scratch, buffer, merged):
    """After find_feasible_cached: the scores of the few feasible nodes it found without a
    cached total, then the pod's best nodes (positions[:ties], in the feasible order) among
    all. Returns ties, or 0 when these nodes change the highest raw score of a normalized
    plugin (score_cached must then normalize every node afresh)."""
    misses = len(missing_positions)
    if misses == 0:
        return ties
    run = cache.counters[0]
    version = cache.counters[1]
    nodes_missing = scratch[:misses]
    absent = 0
    for k in range(misses):
        n = feasible[missing_positions[k]]
        if cache.score_run[n] != run:
            nodes_missing[absent] = n
            absent += 1
    if absent:
        fill_scores(t, nodes_missing[:absent], nodes, templates, profile, cache, active,
                    custom_score, buffer)
    for k in range(misses):
        n = feasible[missing_positions[k]]
        for s in range(len(norm_slots)):
            highest[s] = max(highest[s], cache.raw[norm_slots[s], n])
    for s in range(len(norm_slots)):
        if highest[s] != cache.highest[norm_slots[s]]:
            return 0
    kinds, modes, weights = profile.score_kinds, profile.score_normalize, profile.score_weights
    values = buffer[:misses]
    best = cache.total[feasible[positions[0]]] if ties else values[0]
    for k in range(misses):
        n = feasible[missing_positions[k]]
        value = cache.fixed[n]
        for s in range(len(kinds)):
            if modes[s] != NORMALIZE_NONE and active[s]:
                value += normalized(cache.raw[s, n], cache.highest[s], modes[s]) * weights[s]
        cache.total[n] = value
        cache.total_version[n] = version
        values[k] = value
        best = max(best, value)
    if ties and cache.total[feasible[positions[0]]] != best:
        ties = 0  # a node without a cached total beats them
    # merge the missing nodes with the best total into the best, in the feasible order
    count = 0
    i = 0
    for k in range(misses):
        if values[k] != best:
            continue
        while i < ties and positions[i] < missing_positions[k]:
            merged[count] = positions[i]
            count += 1
            i += 1
        merged[count] = missing_positions[k]
        count += 1
    while i < ties:
        merged[count] = positions[i]
        count += 1
        i += 1
    positions[:count] = merged[:count]
    return count


@njit(inline="always")
def fill_scores(t, missing, nodes, templates, profile, cache, active, custom_score, buffer):
    """Each node's raw scores of the normalized plugins and weighted sum of the others, into
    the cache for the current run."""
    kinds, modes, weights = profile.score_kinds, profile.score_normalize, profile.score_weights
    run = cache.counters[0]
    for i in range(len(missing)):
        cache.fixed[missing[i]] = 0
        cache.score_run[missing[i]] = run
    for s in range(len(kinds)):
        if not active[s]:
            continue
        local_raw_scores(kinds[s], s, t, missing, len(missing), nodes, templates, profile,
                         custom_score, buffer)
        if modes[s] == NORMALIZE_NONE:
            for i in range(len(missing)):
                cache.fixed[missing[i]] += buffer[i] * weights[s]
        else:
            for i in range(len(missing)):
                cache.raw[s, missing[i]] = buffer[i]


@njit
def count_rejections(candidates, cached_failed, cached_reason, cached_short, filter_kinds,
                     reason_counts, resource_failures):
    """What find_feasible counts, from the cache, for a pod no candidate fits."""
    for n in candidates:
        failed = cached_failed[n]
        if filter_kinds[failed] == FILTER_FIT:
            short = cached_short[n]
            for r in range(len(resource_failures)):
                if (short >> r) & 1:
                    resource_failures[r] += 1
        else:
            reason_counts[cached_reason[n]] += 1


@njit(inline="always")
def score_cached(t, feasible, count, nodes, templates, profile, cache, active, custom_score,
                 missing, buffer, totals):
    """score_nodes for a node-local template from the cache: each node's scores are
    computed once per run; the per-pod work is normalizing over the feasible nodes (the
    highest raw score of TaintToleration, NodeAffinity, ...) and summing, and even that is
    reused while the highest scores stay the same. ``active[s]``: plugin s did not Skip."""
    run = cache.counters[0]
    score_run, fixed, raw = cache.score_run, cache.fixed, cache.raw
    absent = 0
    for i in range(count):
        if score_run[feasible[i]] != run:
            missing[absent] = feasible[i]
            absent += 1
    kinds, modes, weights = profile.score_kinds, profile.score_normalize, profile.score_weights
    if absent:
        for i in range(absent):
            fixed[missing[i]] = 0
            score_run[missing[i]] = run
        for s in range(len(kinds)):
            if not active[s]:
                continue
            local_raw_scores(kinds[s], s, t, missing, absent, nodes, templates, profile,
                             custom_score, buffer)
            if modes[s] == NORMALIZE_NONE:
                for i in range(absent):
                    fixed[missing[i]] += buffer[i] * weights[s]
            else:
                for i in range(absent):
                    raw[s, missing[i]] = buffer[i]
    # the highest raw score of each normalized plugin over these feasible nodes
    version = cache.counters[1]
    changed = False
    for s in range(len(kinds)):
        if modes[s] == NORMALIZE_NONE or not active[s]:
            continue
        highest = 0
        for i in range(count):
            highest = max(highest, raw[s, feasible[i]])
        if highest != cache.highest[s]:
            cache.highest[s] = highest
            changed = True
    if changed:
        version += 1
        cache.counters[1] = version
    total_version, total = cache.total_version, cache.total
    for i in range(count):
        n = feasible[i]
        if total_version[n] != version:
            value = fixed[n]
            for s in range(len(kinds)):
                if modes[s] != NORMALIZE_NONE and active[s]:
                    value += normalized(raw[s, n], cache.highest[s], modes[s]) * weights[s]
            total[n] = value
            total_version[n] = version
        totals[i] = total[n]


@njit(inline="always")
def local_raw_scores(kind, slot, t, feasible, count, nodes, templates, profile, custom_score,
                     scores):
    """raw_scores of a plugin that looks at the node alone (inlined: the caller passes its
    NamedTuples without a call's reference counting)."""
    if kind == SCORE_STATIC:
        row = templates.static_score_row[t, slot]
        for i in range(count):
            scores[i] = templates.static_scores[row, feasible[i]]
    elif kind == SCORE_CUSTOM:
        for i in range(count):
            n = feasible[i]
            scores[i] = custom_score(nodes.allocatable[n], nodes.requested[n],
                                     templates.requests[t], profile.custom_score_params)
    elif kind == SCORE_FIT:
        fit_scores(profile.fit_strategy, profile.fit_resources, profile.fit_weights,
                   profile.shape_utilization, profile.shape_score, nodes.allocatable,
                   nodes.requested, nodes.nonzero_requested, templates.fit_request[t],
                   feasible, count, scores)
    else:
        balanced_scores(profile.balanced_resources, nodes.allocatable, nodes.requested,
                        templates.balanced_request[t], feasible, count, scores)


@njit(inline="always")
def normalized(score, highest, mode):
    """One score of helper.DefaultNormalizeScore (``highest``: the highest, 0 or more)."""
    if highest == 0:
        return MAX_NODE_SCORE if mode == NORMALIZE_REVERSE else 0
    score = MAX_NODE_SCORE * score // highest
    return MAX_NODE_SCORE - score if mode == NORMALIZE_REVERSE else score


@njit
def prefilter(t, profile, spread, affinity, verdicts):
    """PreFilter of PodTopologySpread and InterPodAffinity for a pod of template t: their
    Filter verdict on every node (reason ids, 0: pass) into verdicts[0] and verdicts[1], read
    by check_node. (The counts they depend on change only when a pod is bound.)"""
    for kind in profile.filter_kinds:
        if kind == FILTER_SPREAD:
            spread_prefilter(t, spread, verdicts[0])
        elif kind == FILTER_AFFINITY:
            affinity_prefilter(t, affinity, verdicts[1])


@njit
def raw_scores(kind, slot, t, feasible, count, nodes, templates, profile, spread, affinity,
               custom_score, scores, valid):
    """PreScore and Score of one score plugin over the first ``count`` feasible nodes: raw
    scores into ``scores``; ``valid[i]`` False for a node left out of normalization.
    (The loops over nodes stay in this function: a call per node that passes these
    NamedTuples costs numba a reference count update per array they hold.)"""
    if kind == SCORE_SPREAD:
        spread_scores(t, feasible, count, spread, scores, valid)
        return
    for i in range(count):
        valid[i] = True
    if kind == SCORE_AFFINITY:
        affinity_scores(t, feasible, count, affinity, scores)
    elif kind == SCORE_STATIC:
        row = templates.static_score_row[t, slot]
        for i in range(count):
            scores[i] = templates.static_scores[row, feasible[i]] if row >= 0 else 0
    elif kind == SCORE_CUSTOM:
        for i in range(count):
            n = feasible[i]
            scores[i] = custom_score(nodes.allocatable[n], nodes.requested[n],
                                     templates.requests[t], profile.custom_score_params)
    elif kind == SCORE_FIT:
        fit_scores(profile.fit_strategy, profile.fit_resources, profile.fit_weights,
                   profile.shape_utilization, profile.shape_score, nodes.allocatable,
                   nodes.requested, nodes.nonzero_requested, templates.fit_request[t],
                   feasible, count, scores)
    else:
        balanced_scores(profile.balanced_resources, nodes.allocatable, nodes.requested,
                        templates.balanced_request[t], feasible, count, scores)


@njit(inline="always")
def skipped(kind, slot, t, templates, profile, spread, affinity):
    """PreScore said Skip: the plugin adds nothing for this template."""
    if kind == SCORE_STATIC:
        return templates.static_score_row[t, slot] < 0
    if kind == SCORE_SPREAD:
        return spread_skipped(t, spread)
    if kind == SCORE_AFFINITY:
        return affinity.skip_score[t]
    if kind == SCORE_BALANCED:
        # a best-effort pod: BalancedAllocation's PreScore returns Skip
        for i in range(templates.balanced_request.shape[1]):
            if templates.balanced_request[t, i] != 0:
                return False
        return True
    return False


@njit
def normalize(scores, count, mode):
    """helper.DefaultNormalizeScore over the first ``count`` scores, in place."""
    if mode == NORMALIZE_NONE:
        return
    highest = 0
    for i in range(count):
        if scores[i] > highest:
            highest = scores[i]
    if highest == 0:
        if mode == NORMALIZE_REVERSE:
            for i in range(count):
                scores[i] = MAX_NODE_SCORE
        return
    for i in range(count):
        score = MAX_NODE_SCORE * scores[i] // highest
        if mode == NORMALIZE_REVERSE:
            score = MAX_NODE_SCORE - score
        scores[i] = score


@njit
def score_nodes(t, feasible, count, nodes, templates, profile, spread, affinity, custom_score,
                plugin_scores, totals, buffer):
    """prioritizeNodes: every score plugin's normalized score on each feasible node, weighted
    and summed into ``totals``; ``plugin_scores[s, i]`` keeps each plugin's score; ``buffer``
    is scratch space of at least ``count``."""
    for i in range(count):
        totals[i] = 0
    valid = np.ones(count, dtype=np.bool_)
    for s in range(len(profile.score_kinds)):
        kind = profile.score_kinds[s]
        if skipped(kind, s, t, templates, profile, spread, affinity):
            for i in range(count):
                plugin_scores[s, i] = 0
            continue
        raw_scores(kind, s, t, feasible, count, nodes, templates, profile, spread, affinity,
                   custom_score,
                   buffer, valid)
        mode = profile.score_normalize[s]
        if mode == NORMALIZE_SPREAD:
            spread_normalize(buffer, valid, count)
        elif mode == NORMALIZE_MIN_MAX:
            affinity_normalize(buffer, count)
        else:
            normalize(buffer, count, mode)
        for i in range(count):
            plugin_scores[s, i] = buffer[i]
            totals[i] += buffer[i] * profile.score_weights[s]



@njit
def select_host(totals, count, rng_state):
    """selectHost over the first ``count`` totals (count >= 2): the index of a node with the
    highest total, each such node as likely as the others. kube-scheduler gets that by
    reservoir sampling over its heap's pop order, drawing once per further tie; kbench draws
    once, rand.Intn(ties), and takes the tie at that index in the scored order. (Go's random
    numbers cannot be matched anyway; the chance of each node is the same.)"""
    best = totals[0]
    ties = 0
    for i in range(count):
        if totals[i] > best:
            best = totals[i]
            ties = 1
        elif totals[i] == best:
            ties += 1
    pick = random_below(rng_state, ties) if ties > 1 else 0
    for i in range(count):
        if totals[i] == best:
            if pick == 0:
                return i
            pick -= 1
    return -1


@njit(inline="always")
def bind(t, n, nodes, templates, spread, affinity):
    """Assume the pod on the node: later pods of the batch see its requests, its ports, and
    it in the PodTopologySpread and InterPodAffinity counts."""
    for r in range(nodes.requested.shape[1]):
        nodes.requested[n, r] += templates.requests[t, r]
    nodes.nonzero_requested[n, 0] += templates.nonzero_requests[t, 0]
    nodes.nonzero_requested[n, 1] += templates.nonzero_requests[t, 1]
    for k in range(templates.port_start[t], templates.port_start[t + 1]):
        nodes.port_usage[n, templates.port_keys[k]] += 1
    if spread.bind_start[t] != spread.bind_start[t + 1]:
        spread_bind(t, n, spread)
    if (affinity.match_start[t] != affinity.match_start[t + 1]
            or affinity.own_start[t] != affinity.own_start[t + 1]):
        affinity_bind(t, n, affinity)


@njit
def schedule_batch(queue_template, order, start_index, rng_state, nodes, templates, profile,
                   spread, affinity, chosen, totals_out, reason_counts, resource_failures,
                   custom_filter, custom_score):
    """Schedule every pod of the queue. ``order``: node indices in the scheduler's order.

    Outputs per pod i: chosen[i] (node index or -1), totals_out[i] (its total score or
    NOT_SCORED); for a pod that fits nowhere, reason_counts[i, reason] counts the nodes each
    reason (batch.reasons id) rejected it on, resource_failures[i, r] the nodes short of
    resource r (r == pods: too many pods), and reason_counts[i, 0] the nodes without free host
    ports; a pod its PreFilter rejected has chosen[i] == -1 and no counts. Returns the next
    start index.
    """
    node_count = len(order)
    score_count = len(profile.score_kinds)
    feasible = np.zeros(node_count, dtype=np.int64)
    totals = np.zeros(node_count, dtype=np.int64)
    buffer = np.zeros(node_count, dtype=np.int64)
    missing = np.zeros(node_count, dtype=np.int64)
    plugin_scores = np.zeros((max(score_count, 1), node_count), dtype=np.int64)
    failures = np.zeros(nodes.requested.shape[1], dtype=np.int8)
    verdicts = np.zeros((2, node_count), dtype=np.int32)
    stale = np.full(node_count, -1, dtype=np.int64)
    cache = NodeCache(stale.copy(), stale.copy(), stale.copy(), stale.copy(), stale.copy(),
                      stale.copy(), np.zeros((max(score_count, 1), node_count), dtype=np.int64),
                      stale.copy(), stale.copy(), np.zeros(max(score_count, 1), dtype=np.int64),
                      np.zeros(2, dtype=np.int64))
    active = np.zeros(max(score_count, 1), dtype=np.bool_)
    dynamic = np.flatnonzero(profile.filter_kinds != 0)
    norm_slots = np.zeros(max(score_count, 1), dtype=np.int64)  # normalized active plugins
    normalized_count = 0
    highest = np.zeros(max(score_count, 1), dtype=np.int64)
    positions = np.zeros(node_count, dtype=np.int64)
    few_missing = np.zeros(16, dtype=np.int64)  # feasible nodes without a cached total
    # node-local templates use the cache, unless a pod may be short of more resources than
    # its bit masks hold
    caching = nodes.requested.shape[1] <= 63
    size = tree_size(max(node_count, 1))
    tree = RunTree(np.zeros(2 * size, dtype=np.int64), np.zeros(2 * size, dtype=np.int64),
                   np.zeros(2 * size, dtype=np.int64),
                   np.zeros((max(score_count, 1), 2 * size), dtype=np.int64),
                   np.zeros(max(score_count, 1), dtype=np.int64),
                   np.zeros(node_count, dtype=np.int64), np.zeros(max(score_count, 1),
                                                                  dtype=np.int64),
                   np.zeros(max(score_count, 1), dtype=np.int64))
    current = -1  # the template of the current run of pods
    local = False
    use_tree = False
    for i in range(len(queue_template)):
        t = queue_template[i]
        if templates.prefilter_reason[t] != 0:
            chosen[i] = -1
            totals_out[i] = NOT_SCORED
            continue
        candidates = order
        if templates.narrowed[t]:
            candidates = templates.candidates[
                templates.candidate_start[t]:templates.candidate_start[t + 1]]
            reason_counts[i, templates.absent_reason[t]] += node_count - len(candidates)
        wanted_ports = templates.port_keys[templates.port_start[t]:templates.port_start[t + 1]]
        leaves = len(candidates)
        if t != current:
            current = t
            local = caching and node_local(t, spread, affinity)
            use_tree = False
            if local:
                cache.counters[0] += 1  # a new run: every cached entry is stale
                cache.counters[1] += 1
                verdicts[:] = 0
                normalized_count = 0
                for s in range(score_count):
                    kind = profile.score_kinds[s]
                    active[s] = (kind != SCORE_SPREAD and kind != SCORE_AFFINITY
                                 and not skipped(kind, s, t, templates, profile, spread,
                                                 affinity))
                    if active[s] and profile.score_normalize[s] != NORMALIZE_NONE:
                        norm_slots[normalized_count] = s
                        normalized_count += 1
                # a tree pays when the run's walks would cover the candidates more than once
                length = 1
                while (i + length < len(queue_template)
                       and queue_template[i + length] == t):
                    length += 1
                use_tree = leaves > 0 and length >= 2 and length * min(profile.nodes_to_find,
                                                        leaves) >= 2 * leaves
                if use_tree:
                    size = tree_size(max(leaves, 1))
                    tree_build(t, candidates, size, tree, nodes, templates, profile, cache,
                               active, norm_slots[:normalized_count], custom_score, dynamic,
                               wanted_ports, verdicts, failures, custom_filter, missing,
                               buffer)
        ties = 0
        walk = True
        best = -1
        if use_tree:
            found, processed, position, total, ok = tree_choose(
                size, leaves, start_index % leaves, profile.nodes_to_find, tree,
                normalized_count, rng_state)
            if ok:
                walk = False
                if found == 0:
                    count_rejections(candidates, cache.failed, cache.reason, cache.short,
                                     profile.filter_kinds, reason_counts[i],
                                     resource_failures[i])
                else:
                    feasible[0] = candidates[position]
                    best = 0
                    totals_out[i] = total
        if not walk:
            pass
        elif local:
            found, processed, ties, misses = find_feasible_cached(
                t, candidates, start_index, profile.nodes_to_find, cache.counters[0],
                cache.filter_run, cache.failed, cache.reason, cache.short, dynamic,
                profile.filter_kinds, profile.fit_ignored, templates.static_position,
                templates.static_reason, templates.requests, wanted_ports,
                templates.port_conflicts, nodes.allocatable, nodes.requested,
                nodes.port_usage, verdicts, failures, feasible, custom_filter,
                profile.custom_filter_params, profile.custom_filter_reason, cache.score_run,
                cache.total_version, cache.total, cache.counters[1], cache.raw,
                norm_slots[:normalized_count], highest, positions, few_missing)
            if found >= 2 and misses <= len(few_missing):
                ties = complete_ties(t, feasible, few_missing[:misses], nodes, templates,
                                     profile, cache, active, norm_slots[:normalized_count],
                                     highest, custom_score, ties, positions, missing, buffer,
                                     totals)
            else:
                ties = 0
            if found == 0:
                count_rejections(candidates, cache.failed, cache.reason, cache.short,
                                 profile.filter_kinds, reason_counts[i], resource_failures[i])
        else:
            prefilter(t, profile, spread, affinity, verdicts)
            found, processed = find_feasible(
                t, candidates, start_index, profile.nodes_to_find, profile.filter_kinds,
                profile.fit_ignored, templates.static_position, templates.static_reason,
                templates.requests, wanted_ports, templates.port_conflicts,
                nodes.allocatable, nodes.requested, nodes.port_usage, verdicts, failures,
                feasible, reason_counts[i], resource_failures[i], custom_filter,
                profile.custom_filter_params, profile.custom_filter_reason)
        if node_count > 0:
            start_index = (start_index + processed) % node_count
        if found == 0:
            chosen[i] = -1
            totals_out[i] = NOT_SCORED
            continue
        if not walk:
            pass
        elif found == 1:
            best = 0
            totals_out[i] = NOT_SCORED
        elif ties > 0:  # the cached totals hold: one of the best, as select_host picks
            best = positions[random_below(rng_state, ties) if ties > 1 else 0]
            totals_out[i] = cache.total[feasible[best]]
        else:
            if local:
                score_cached(t, feasible, found, nodes, templates, profile, cache, active,
                             custom_score, missing, buffer, totals)
            else:
                score_nodes(t, feasible, found, nodes, templates, profile, spread, affinity,
                            custom_score, plugin_scores, totals, buffer)
            best = select_host(totals, found, rng_state)
            totals_out[i] = totals[best]
        n = feasible[best]
        chosen[i] = n
        bind(t, n, nodes, templates, spread, affinity)
        cache.filter_run[n] = -1  # the node changed: its cached results are stale
        cache.score_run[n] = -1
        cache.total_version[n] = -1
        if use_tree:
            tree_refresh(t, n, size, tree, nodes, templates, profile, cache, active,
                         norm_slots[:normalized_count], custom_score, dynamic, wanted_ports,
                         verdicts, failures, custom_filter, missing, buffer)
    return start_index
