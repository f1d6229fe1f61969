"""The batch kernel: one compiled loop that schedules a whole queue of pods, in order, each
placement seeing the ones before it (pkg/scheduler/schedule_one.go, per pod: filter nodes from
the rotating start index until enough are feasible, score them, pick one of the best at random,
bind).

Inputs are NamedTuples of arrays prepared by kbench.scheduler.compile; plugin arguments are
arrays too, so every profile runs the same compiled code. PodTopologySpread's and
InterPodAffinity's data (SpreadData, AffinityData) are separate arguments, not fields of
TemplateData: numba updates the reference count of every array of a NamedTuple a function
receives, so per-node calls take small tuples and loops over nodes stay inside one function.
An inlined function pays the same on every call for each NamedTuple of arrays it takes, an
atomic increment and decrement per array, and so does a function, inlined or not, for each
array it takes (unless numba finds it can leave them out, as in small leaf functions like
windowtree's): the per-node loops (refresh_class, windowtree.update) are written out, and a
run of pods served by a tree (cached_run) reads its arrays out of their NamedTuples once and
writes out, per pod, the refresh of the bound node's class entry and leaf.

A pod walks the nodes from the rotating start index, as kube-scheduler does, unless a tree
serves it. The walks of a run of pods of one template read the node-local Filter verdicts and
Score raw scores from a WalkCache, which recomputes a node's entry only after a bind there;
only PodTopologySpread and InterPodAffinity, which read the counts of other nodes' pods, are
computed afresh for each pod.

NodeResourcesFit's verdicts and the NodeResourcesFit and BalancedAllocation scores come from a
ClassCache shared by the templates with the same requests (a request class), for the walks
and the trees, recomputed only on the nodes changed since the class's last look: node
versions, bumped by every bind here and by the scheduler for the nodes that changed between
passes, tell which. Both are kept between passes (kbench.scheduler.memo).

A long run of pods of one node-local template (see node_local) is served by a RunTree
(kbench.scheduler.windowtree) instead of walking the nodes for every pod, built from the
ClassCache.

A run of a template spread over the zones (see spread_partition: its PodTopologySpread
verdict and raw score on a node depend on the node's domain alone, its zone and, with a
hostname Score constraint such as the system defaults', its own count of matching pods) is
served by ZoneTrees: the RunTree's leaves split into one tree per domain. Each pod reads the
trees of the domains its Filter allows together, and adds to each domain's best total the
domain's normalized PodTopologySpread score, which depends only on the domains present in the
pod's window and the number of nodes found there; a bind moves the node to the tree of its new
own count.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from kbench._jit import njit
from kbench.scheduler.plugins.interpodaffinity import (affinity_bind, affinity_normalize,
                                                       affinity_prefilter, affinity_scores)
from kbench.scheduler.plugins.noderesources import (LEAST_ALLOCATED, MAX_UTILIZATION,
                                                     MOST_ALLOCATED, PODS,
                                                     REQUESTED_TO_CAPACITY_RATIO,
                                                     allocatable_and_requested,
                                                     balanced_fraction, balanced_scores,
                                                     broken_linear, fit_filter, fit_scores,
                                                     least_requested_score,
                                                     most_requested_score)
from kbench.scheduler.plugins.nodeports import ports_filter
from kbench.scheduler.plugins.podtopologyspread import (partition_allowed, partition_domains,
                                                        partition_score, spread_bind,
                                                        spread_normalize, spread_partition,
                                                        spread_prefilter, spread_scores,
                                                        spread_skipped)
from kbench.scheduler.rng import random_below
from kbench.scheduler.windowtree import (NO_TOTAL, build, forest_kth_feasible, forest_nth_best,
                                         forest_window_end, kth_feasible, nth_best, range_best,
                                         set_leaf, tree_size, update, window_end)

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
    static_row: np.ndarray         # int64 [templates]: the template's row of the two below
    static_reason: np.ndarray      # int32 [rows, nodes]: first failing static filter's reason
    static_position: np.ndarray    # int32 [rows, nodes]: that filter's position in the profile
                                   #   (one row per distinct set of static filter results)
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


@njit
def find_feasible(t, candidates, start_index, nodes_to_find, filter_kinds, fit_ignored,
                  static_position, static_reason, requests, wanted_ports, port_conflicts,
                  allocatable, requested, port_usage, verdicts, failures, feasible,
                  reason_counts, resource_failures, custom_filter, custom_params,
                  custom_reason):
    """findNodesThatPassFilters for a pod of template t: the filters on the candidates from
    the start index, in the profile's order, until ``nodes_to_find`` fit. Fills ``feasible``,
    counts each rejected node's first failing reason, and returns (found, processed).
    ``static_position`` and ``static_reason``: the template's rows of TemplateData's.

    It takes plain arrays, not NamedTuples: this per-node loop runs for every tree build and
    for every pod that fits nowhere, and a call per node taking NamedTuples costs numba a
    reference count update for every array they hold. Keep the filters written out in the loop: moving them into a function of
    their own (inlined or not) halved this loop's speed (measured)."""
    found = 0
    processed = 0
    # the dynamic filters' positions in the profile's order (static ones arrive precomputed)
    dynamic = np.flatnonzero(filter_kinds != 0)
    for j in range(len(candidates)):
        n = candidates[(start_index + j) % len(candidates)]
        processed += 1
        first_static = static_position[n]
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
            failed, reason = first_static, static_reason[n]
        if failed < 0:
            feasible[found] = n
            found += 1
            if found == nodes_to_find:
                break
        elif filter_kinds[failed] != FILTER_FIT:
            reason_counts[reason] += 1
    return found, processed


class RunTree(NamedTuple):
    """windowtree over the candidates of the current run's template (a node-local template
    whose run of pods is long enough to pay for it), and the scores of its feasible nodes.
    Totals are normalized with ``assumed``, the highest raw score of each normalized plugin
    over the feasible candidates when built: they hold for a pod whose window has the same
    highest scores."""
    count: np.ndarray          # int64 [2 * size]
    best: np.ndarray           # int64 [2 * size]
    best_count: np.ndarray     # int64 [2 * size]
    highest: np.ndarray        # int64 [normalized plugins, 2 * size]
    assumed: np.ndarray        # int64 [normalized plugins]
    position_of: np.ndarray    # int64 [nodes]: the node's position among the candidates
    fixed: np.ndarray          # int64 [nodes]: weighted sum of the scores needing no normalizing
    raw: np.ndarray            # int64 [score plugins, nodes]: raw scores of the normalized ones
    raws: np.ndarray           # int64 [normalized plugins]: scratch
    window_highest: np.ndarray  # int64 [normalized plugins]: scratch
    one: np.ndarray            # int64 [1]: scratch, a one-node candidate list
    tracked: np.ndarray        # int64 [1]: the normalized plugins ``highest`` tracks (the
                               #   first of the run's norm_slots, see tree_fill)


@njit
def new_run_tree(node_count, score_count):
    """A RunTree with room for ``node_count`` candidates."""
    size = 2 * tree_size(max(node_count, 1))
    plugins = max(score_count, 1)
    return RunTree(np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64),
                   np.zeros(size, dtype=np.int64), np.zeros((plugins, size), dtype=np.int64),
                   np.zeros(plugins, dtype=np.int64), np.zeros(node_count, dtype=np.int64),
                   np.zeros(node_count, dtype=np.int64),
                   np.zeros((plugins, node_count), dtype=np.int64),
                   np.zeros(plugins, dtype=np.int64), np.zeros(plugins, dtype=np.int64),
                   np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64))


class ClassCache(NamedTuple):
    """The dynamic parts of the node-local Filter and Score of templates with the same
    requests (a request class), kept per node: NodeResourcesFit's verdict and the raw
    NodeResourcesFit and BalancedAllocation scores. An entry holds while its stamp equals
    the node's version (``versions``, bumped by every bind and by the scheduler for every
    node whose requests or allocatable changed between passes): a tree build or a walk
    recomputes only the nodes changed since its class's last one. The scheduler keeps one
    per profile and nodes between passes (KernelMemo)."""
    used: np.ndarray            # bool [classes]: the slot holds a class
    requests: np.ndarray        # int64 [classes, resources]: the class's requests,
    fit_request: np.ndarray     # int64 [classes, fit resources]: scored requests (non-zero)
    balanced_request: np.ndarray  # int64 [classes, balanced resources]: and actual ones
    stamp: np.ndarray           # int64 [classes, nodes]: the node version of the entry, 0 none
    fits: np.ndarray            # bool [classes, nodes]: NodeResourcesFit's verdict
    fit_score: np.ndarray       # int64 [classes, nodes]: raw NodeResourcesFit score
    balanced_score: np.ndarray  # int64 [classes, nodes]: raw BalancedAllocation score
    claims: np.ndarray          # int64 [classes]: times the slot was taken for a class
    reclaimed: np.ndarray       # int64 [1]: slots taken over from another class so far


CLASS_CACHE_CELLS = 1 << 22  # entries per array of a ClassCache, at most
CLASS_CACHE_SLOTS = 64       # request classes a ClassCache holds, at most


def new_class_cache(node_count: int, resources: int, fit_resources: int,
                    balanced_resources: int) -> ClassCache:
    """A ClassCache for ``node_count`` nodes, its slots free: as many as CLASS_CACHE_SLOTS
    and CLASS_CACHE_CELLS allow. (Only the stamps need clearing: an entry is read only when
    its stamp is current, and versions start at 1.)"""
    slots = min(CLASS_CACHE_SLOTS, max(1, CLASS_CACHE_CELLS // max(node_count, 1)))
    return ClassCache(np.zeros(slots, dtype=np.bool_),
                      np.zeros((slots, resources), dtype=np.int64),
                      np.zeros((slots, fit_resources), dtype=np.int64),
                      np.zeros((slots, balanced_resources), dtype=np.int64),
                      np.zeros((slots, node_count), dtype=np.int64),
                      np.empty((slots, node_count), dtype=np.bool_),
                      np.empty((slots, node_count), dtype=np.int64),
                      np.empty((slots, node_count), dtype=np.int64),
                      np.zeros(slots, dtype=np.int64), np.zeros(1, dtype=np.int64))


@njit
def class_slot(t, cache, templates):
    """The slot of template t's request class (its requests, fit_request and
    balanced_request rows): the one holding it, else a free one claimed for it, else the
    slots are taken over in turn (the entries of the slot's class dropped)."""
    request, fit_request = templates.requests[t], templates.fit_request[t]
    balanced_request = templates.balanced_request[t]
    free = -1
    for k in range(len(cache.used)):
        if not cache.used[k]:
            if free < 0:
                free = k
        elif (np.array_equal(request, cache.requests[k])
              and np.array_equal(fit_request, cache.fit_request[k])
              and np.array_equal(balanced_request, cache.balanced_request[k])):
            return k
    if free < 0:
        free = cache.reclaimed[0] % len(cache.used)
        cache.reclaimed[0] += 1
        cache.stamp[free, :] = 0
    cache.used[free] = True
    cache.claims[free] += 1
    cache.requests[free] = request
    cache.fit_request[free] = fit_request
    cache.balanced_request[free] = balanced_request
    return free


@njit
def cacheable(t, filter_kinds, score_kinds, active, port_start):
    """Template t's trees and walks can use a ClassCache: its dynamic node-local filters and
    scores are NodeResourcesFit's and BalancedAllocation's alone (no host ports, no custom
    plugin)."""
    for kind in filter_kinds:
        if kind == FILTER_CUSTOM or (kind == FILTER_NODE_PORTS
                                     and port_start[t] != port_start[t + 1]):
            return False
    for s in range(len(score_kinds)):
        if active[s] and score_kinds[s] == SCORE_CUSTOM:
            return False
    return True


@njit(inline="always")
def refresh_class(stale, versions, stamp, fits, fit_score, balanced_score, allocatable,
                  requested, nonzero_requested, request, fit_request, balanced_request,
                  plugins, fit_ignored, fit_strategy, fit_resources, fit_weights,
                  shape_utilization, shape_score, balanced_resources, fitting, buffer):
    """A request class's cache entries (its rows ``stamp``, ``fits``, ``fit_score``,
    ``balanced_score``) on the nodes ``stale``, afresh, for a template of the class (its
    ``request``, ``fit_request``, ``balanced_request`` rows; ``plugins``: class_plugins).
    ``fitting`` and ``buffer``: scratch as long as ``stale``. (The loop over the nodes
    calls no function taking arrays: numba would update their reference counts per node.
    Inlined: schedule_batch calls it after a bind; cached_run writes it out for one
    node.)"""
    fit_count = 0
    for i in range(len(stale)):
        n = stale[i]
        node_fits_request = True
        if plugins[0]:  # node_fits, written out
            if requested[n, PODS] + 1 > allocatable[n, PODS]:
                node_fits_request = False
            for r in range(len(request)):
                if (r != PODS and request[r] > 0 and not fit_ignored[r]
                        and request[r] > allocatable[n, r] - requested[n, r]):
                    node_fits_request = False
        fits[n] = node_fits_request
        stamp[n] = versions[n]
        if node_fits_request:
            fitting[fit_count] = n
            fit_count += 1
    if plugins[1]:
        fit_scores(fit_strategy, fit_resources, fit_weights, shape_utilization, shape_score,
                   allocatable, requested, nonzero_requested, fit_request, fitting, fit_count,
                   buffer)
        for i in range(fit_count):
            fit_score[fitting[i]] = buffer[i]
    if plugins[2]:
        balanced_scores(balanced_resources, allocatable, requested, balanced_request, fitting,
                        fit_count, buffer)
        for i in range(fit_count):
            balanced_score[fitting[i]] = buffer[i]


@njit
def class_plugins(filter_kinds, score_kinds, active, plugins):
    """What a cacheable template's class entries hold, into ``plugins``: [0] NodeResourcesFit
    filters, [1] it scores, [2] BalancedAllocation scores (``active``: the template's score
    plugins, the same for every template of the class)."""
    plugins[:] = False
    for kind in filter_kinds:
        if kind == FILTER_FIT:
            plugins[0] = True
    for s in range(len(score_kinds)):
        if active[s] and score_kinds[s] == SCORE_FIT:
            plugins[1] = True
        elif active[s] and score_kinds[s] == SCORE_BALANCED:
            plugins[2] = True


@njit(inline="always")
def cached_scores(chosen_nodes, fit_score, balanced_score, static_scores, score_rows, kinds,
                  modes, weights, active, fixed, raw):
    """tree_scores for a cacheable template: its raw NodeResourcesFit and BalancedAllocation
    scores from its class's cache rows, the static ones from ``static_scores`` (its
    ``score_rows``). Plain arrays, inlined: it runs after every bind."""
    for i in range(len(chosen_nodes)):
        fixed[chosen_nodes[i]] = 0
    for s in range(len(kinds)):
        if not active[s]:
            continue
        if kinds[s] == SCORE_FIT:
            scores = fit_score
        elif kinds[s] == SCORE_BALANCED:
            scores = balanced_score
        else:
            scores = static_scores[score_rows[s]]
        if modes[s] == NORMALIZE_NONE:
            for i in range(len(chosen_nodes)):
                n = chosen_nodes[i]
                fixed[n] += scores[n] * weights[s]
        else:
            for i in range(len(chosen_nodes)):
                n = chosen_nodes[i]
                raw[s, n] = scores[n]


@njit
def cached_class_refresh(t, slot, stale, cache, versions, nodes, templates, profile, plugins,
                         fitting, buffer):
    """refresh_class for template t's class (slot). (A call, once per tree build or walk:
    compiled once rather than inlined in both.)"""
    refresh_class(stale, versions, cache.stamp[slot], cache.fits[slot],
                  cache.fit_score[slot], cache.balanced_score[slot], nodes.allocatable,
                  nodes.requested, nodes.nonzero_requested, templates.requests[t],
                  templates.fit_request[t], templates.balanced_request[t], plugins,
                  profile.fit_ignored, profile.fit_strategy, profile.fit_resources,
                  profile.fit_weights, profile.shape_utilization, profile.shape_score,
                  profile.balanced_resources, fitting, buffer)


@njit(inline="always")
def cached_tree_scores(t, slot, chosen_nodes, cache, templates, profile, tree, active):
    """cached_scores for template t (its class's slot)."""
    cached_scores(chosen_nodes, cache.fit_score[slot], cache.balanced_score[slot],
                  templates.static_scores, templates.static_score_row[t], profile.score_kinds,
                  profile.score_normalize, profile.score_weights, active, tree.fixed, tree.raw)


@njit
def node_local(t, spread, affinity):
    """The template's filters and scores depend on each node alone: it has no
    PodTopologySpread constraint (nor system defaults) and is affinity_free."""
    return (spread.filter_start[t] == spread.filter_start[t + 1]
            and spread.score_start[t] == spread.score_start[t + 1]
            and affinity_free(t, affinity))


@njit
def affinity_free(t, affinity):
    """InterPodAffinity passes every node for the template and adds nothing to its scores:
    it has no pod affinity terms, and no existing pod has an affinity term that could select
    it (InterPodAffinity then scores every node 0, even when its PreScore does not Skip)."""
    return (affinity.affinity_start[t] == affinity.affinity_start[t + 1]
            and affinity.anti_start[t] == affinity.anti_start[t + 1]
            and affinity.existing_anti_start[t] == affinity.existing_anti_start[t + 1]
            and affinity.preferred_start[t] == affinity.preferred_start[t + 1]
            and affinity.existing_start[t] == affinity.existing_start[t + 1])


ZONE_TREES = 16  # a template needing more trees walks
# A run with a hostname Score constraint uses ZoneTrees when its walks would cover the
# candidates this many times: the trees of a run's own counts cost a build each (shorter runs
# of the day benchmark's Deployments walked faster, measured)
OWN_COUNT_RUN = 8


@njit
def zone_domains(t, spread, affinity, profile):
    """spread_partition's (zones, host) when the template's runs can use ZoneTrees, else
    (-1, -1): it is affinity_free, and PodTopologySpread's score is normalized the plugin's
    way."""
    if not affinity_free(t, affinity):
        return -1, -1
    for s in range(len(profile.score_kinds)):
        if (profile.score_kinds[s] == SCORE_SPREAD
                and profile.score_normalize[s] != NORMALIZE_SPREAD):
            return -1, -1
    return spread_partition(t, spread, ZONE_TREES)


class ZoneTrees(NamedTuple):
    """The leaves of a zone-spread template's RunTree (a feasible node's total holds every
    plugin's score but PodTopologySpread's) split by the node's domain, the part of the
    node its PodTopologySpread verdict and raw score depend on: its zone and, with a
    hostname Score constraint, its own count of the pods that constraint counts. Tree
    zone * slots + own - lowest holds the candidates of that zone with ``own`` such pods
    (``lowest``: the fewest any candidate held when the run began; slots 1 without a
    hostname constraint), and tree zones * slots the nodes without the topology key. Each
    tree is over all the candidate positions, so that a pod's window and ties read the
    trees of its allowed domains together (windowtree's forest queries). A bind moves the
    node's leaf to the tree of its new own count."""
    domain_of: np.ndarray      # int64 [nodes]: the node's tree
    ready: np.ndarray          # bool [trees]: the tree holds this run's leaves (the others
                               #   are cleared when they receive their first)
    count: np.ndarray          # int64 [trees, 2 * size]
    best: np.ndarray           # int64 [trees, 2 * size]
    best_count: np.ndarray     # int64 [trees, 2 * size]
    highest: np.ndarray        # int64 [trees, normalized plugins, 2 * size]
    allowed: np.ndarray        # bool [trees]: PodTopologySpread's Filter passes the zone
                               #   (indexed by zone)
    seen: np.ndarray           # bool [trees]: scratch, the zones present in a window
    members: np.ndarray        # int64 [trees]: scratch, the trees a query reads
    top: np.ndarray            # int64 [trees]: scratch, each domain's best in the window
    ties: np.ndarray           # int64 [trees]: scratch, and how many nodes have it
    first_ties: np.ndarray     # int64 [trees]: scratch, of which before the window wraps
    bonus: np.ndarray          # int64 [trees]: scratch, weighted PodTopologySpread score


@njit
def new_zone_trees(node_count, score_count, trees):
    """ZoneTrees with ``trees`` trees for ``node_count`` candidates."""
    size = 2 * tree_size(max(node_count, 1))
    plugins = max(score_count, 1)
    return ZoneTrees(np.zeros(node_count, dtype=np.int64), np.zeros(trees, dtype=np.bool_),
                     np.zeros((trees, size), dtype=np.int64),
                     np.zeros((trees, size), dtype=np.int64),
                     np.zeros((trees, size), dtype=np.int64),
                     np.zeros((trees, plugins, size), dtype=np.int64),
                     np.zeros(trees, dtype=np.bool_), np.zeros(trees, dtype=np.bool_),
                     np.zeros(trees, dtype=np.int64), np.zeros(trees, dtype=np.int64),
                     np.zeros(trees, dtype=np.int64), np.zeros(trees, dtype=np.int64),
                     np.zeros(trees, dtype=np.int64))


@njit
def own_range(spread, host, candidates):
    """The fewest and the most pods of the hostname instance ``host`` on the candidates."""
    base = spread.start[host]
    lowest = np.iinfo(np.int64).max
    most = np.iinfo(np.int64).min
    for p in range(len(candidates)):
        own = spread.counts[base + candidates[p]]
        lowest = min(lowest, own)
        most = max(most, own)
    return lowest, most


@njit
def zone_layout(t, spread, zones, host, slots, lowest, domain_of):
    """Each node's tree (see ZoneTrees) into ``domain_of``."""
    partition_domains(t, spread, zones, domain_of)
    if host >= 0:  # (every node has the keys)
        base = spread.start[host]
        for n in range(len(domain_of)):
            domain_of[n] = domain_of[n] * slots + spread.counts[base + n] - lowest


@njit
def zone_fill(candidates, size, trees, zones, tree, tracked):
    """The trees of ``zones`` from the leaves of the run's freshly built RunTree: those
    holding candidates are built, the others are left to be cleared when a bind moves a
    node there."""
    leaves = len(candidates)
    # the arrays the loops read, out of their NamedTuples (see cached_run)
    count, best, best_count, highest = zones.count, zones.best, zones.best_count, zones.highest
    ready = zones.ready
    ready[:trees] = False
    domain_of = zones.domain_of
    tree_count, tree_best, tree_best_count = tree.count, tree.best, tree.best_count
    tree_highest = tree.highest
    for p in range(leaves):  # each candidate's leaf into its domain's tree
        d = domain_of[candidates[p]]
        if not ready[d]:  # its leaves cleared (build sets the nodes above them)
            ready[d] = True
            count[d, size:2 * size] = 0
            best[d, size:2 * size] = NO_TOTAL
            best_count[d, size:2 * size] = 0
            highest[d, :tracked, size:2 * size] = -1
        leaf = size + p
        count[d, leaf] = tree_count[leaf]
        best[d, leaf] = tree_best[leaf]
        best_count[d, leaf] = tree_best_count[leaf]
        for k in range(tracked):
            highest[d, k, leaf] = tree_highest[k, leaf]
    for d in range(trees):
        if ready[d]:
            build(size, count[d], best[d], best_count[d], highest[d, :tracked])


@njit
def zone_refresh(n, size, tracked, domain_of, ready, count, best, best_count, highest,
                 position_of, tree_count, tree_best, tree_best_count, tree_highest, counts,
                 own_base, slots, lowest):
    """Node n's leaf (refreshed in the RunTree: its position_of, count, best, best_count,
    highest) into its domain's tree of ZoneTrees (its domain_of, ready, count, best,
    best_count, highest), moved there from the tree of its former own count when a bind
    changed it (``own_base``: where the hostname instance's counts begin in ``counts``, -1
    without one). False when that count has no tree (the run's next pods walk). Plain
    arrays: it runs after every bind."""
    d = domain_of[n]
    position = position_of[n]
    leaf = size + position
    if own_base >= 0:
        moved = d // slots * slots + counts[own_base + n] - lowest
        if moved >= (d // slots + 1) * slots:
            return False
        if moved != d:
            count[d, leaf] = 0  # the node leaves tree d
            best[d, leaf] = NO_TOTAL
            best_count[d, leaf] = 0
            for k in range(tracked):
                highest[d, k, leaf] = -1
            update(size, position, count[d], best[d], best_count[d], highest[d, :tracked])
            d = moved
            domain_of[n] = d
            if not ready[d]:  # empty, every node of it
                ready[d] = True
                count[d, :2 * size] = 0
                best[d, :2 * size] = NO_TOTAL
                best_count[d, :2 * size] = 0
                highest[d, :tracked, :2 * size] = -1
    count[d, leaf] = tree_count[leaf]  # the RunTree's leaf into tree d
    best[d, leaf] = tree_best[leaf]
    best_count[d, leaf] = tree_best_count[leaf]
    for k in range(tracked):
        highest[d, k, leaf] = tree_highest[k, leaf]
    update(size, position, count[d], best[d], best_count[d], highest[d, :tracked])
    return True


@njit
def zone_choose(size, leaves, start, wanted, zones, trees, slots, lowest, window_highest,
                assumed, tracked, spread_weight, score_first, score_last, score_instance,
                score_max_skew, per_node, counts, spread_start, rng_state):
    """tree_choose for a pod of a zone-spread template, whose PodTopologySpread Filter passes
    the zones zones.allowed: its window over the trees of the allowed zones; for each domain
    present in it, its best total there plus the domain's PodTopologySpread score (scoring.go
    over the window's feasible nodes: the counts of the node's zone weighed by the number of
    zones present, its own count by the number of nodes found, normalized by their lowest and
    highest; 0 for the nodes without the key), times ``spread_weight`` (0: the plugin does
    not score the pod); then selectHost's pick among the ties of all the domains, in position
    order. ``trees``, ``slots``, ``lowest``: the layout (see ZoneTrees); ``window_highest``,
    ``assumed``: the RunTree's; ``score_first`` to ``spread_start``: what partition_score
    reads of the template's SpreadData. Same results: (found, processed, position or -1,
    total, ok)."""
    members = zones.members
    member_count = 0
    keyless = trees - 1
    for d in range(trees):
        if zones.ready[d] and zones.allowed[d // slots] and zones.count[d, 1] > 0:
            members[member_count] = d
            member_count += 1
    found, processed = forest_window_end(size, leaves, start, wanted, zones.count, members,
                                         member_count)
    if found == 0:
        return found, processed, -1, NOT_SCORED, True
    if found == 1:  # the one feasible node is taken without scoring
        if found == wanted:
            return found, processed, (start + processed - 1) % leaves, NOT_SCORED, True
        return found, processed, forest_kth_feasible(size, 1, zones.count, members,
                                                     member_count), NOT_SCORED, True
    end = start + processed
    first_end = min(end, leaves)
    highest = window_highest[:tracked]
    highest[:] = -1
    for m in range(member_count):
        d = members[m]
        top, ties = range_best(size, start, first_end, zones.best[d], zones.best_count[d],
                               zones.highest[d, :tracked], highest)
        first_ties = ties
        if end > leaves:
            value, number = range_best(size, 0, end - leaves, zones.best[d],
                                       zones.best_count[d],
                                       zones.highest[d, :tracked], highest)
            if value > top:
                top, ties, first_ties = value, number, 0
            elif value == top:
                ties += number
        zones.top[d], zones.ties[d], zones.first_ties[d] = top, ties, first_ties
    for k in range(tracked):
        if highest[k] != assumed[k]:
            return found, processed, -1, NOT_SCORED, False
    # PodTopologySpread's normalized score of each domain present (spread_normalize)
    present = 0  # zones present
    scored = False
    for m in range(member_count):
        d = members[m]
        zones.bonus[d] = 0
        if d < keyless and zones.top[d] != NO_TOTAL:
            scored = True
            if not zones.seen[d // slots]:
                zones.seen[d // slots] = True
                present += 1
    for m in range(member_count):
        zones.seen[members[m] // slots] = False
    if spread_weight != 0 and scored:
        lowest_raw = np.iinfo(np.int64).max
        highest_raw = 0
        for m in range(member_count):
            d = members[m]
            if d < keyless and zones.top[d] != NO_TOTAL:
                raw = partition_score(score_first, score_last, d // slots,
                                      lowest + d % slots, present, found, score_instance,
                                      score_max_skew, per_node, counts, spread_start)
                zones.bonus[d] = raw
                lowest_raw = min(lowest_raw, raw)
                highest_raw = max(highest_raw, raw)
        for m in range(member_count):
            d = members[m]
            if d < keyless and zones.top[d] != NO_TOTAL:
                score = MAX_NODE_SCORE
                if highest_raw != 0:
                    score = MAX_NODE_SCORE * (highest_raw + lowest_raw - zones.bonus[d]) // (
                        highest_raw)
                zones.bonus[d] = score * spread_weight
    # selectHost over the domains' best: the ties of the domains reaching the top
    top = NO_TOTAL
    for m in range(member_count):
        d = members[m]
        if zones.top[d] != NO_TOTAL:
            top = max(top, zones.top[d] + zones.bonus[d])
    ties = 0
    first_ties = 0
    tied = 0
    for m in range(member_count):
        d = members[m]
        if zones.top[d] != NO_TOTAL and zones.top[d] + zones.bonus[d] == top:
            ties += zones.ties[d]
            first_ties += zones.first_ties[d]
            members[tied] = d  # (in place: tied <= m)
            tied += 1
    pick = random_below(rng_state, ties) if ties > 1 else 0
    if pick < first_ties:
        position = forest_nth_best(size, start, first_end, zones.top, pick, zones.best,
                                   zones.best_count, members, tied)
    else:  # (zones.top: the tied domains' best in the whole window, so in either part)
        position = forest_nth_best(size, 0, end - leaves, zones.top, pick - first_ties,
                                   zones.best, zones.best_count, members, tied)
    return found, processed, position, top, True


@njit(inline="always")
def tree_scores(t, chosen_nodes, nodes, templates, profile, tree, active, custom_score, buffer):
    """The scores of the given nodes into tree.fixed and tree.raw (``active[s]``: plugin s
    scores this template)."""
    kinds, modes, weights = profile.score_kinds, profile.score_normalize, profile.score_weights
    for i in range(len(chosen_nodes)):
        tree.fixed[chosen_nodes[i]] = 0
    for s in range(len(kinds)):
        if not active[s]:
            continue
        local_raw_scores(kinds[s], s, t, chosen_nodes, len(chosen_nodes), nodes, templates,
                         profile, custom_score, buffer)
        for i in range(len(chosen_nodes)):
            if modes[s] == NORMALIZE_NONE:
                tree.fixed[chosen_nodes[i]] += buffer[i] * weights[s]
            else:
                tree.raw[s, chosen_nodes[i]] = buffer[i]


@njit(inline="always")
def tree_leaf(n, feasible, size, tree, profile, norm_slots):
    """Node n's leaf: feasible or not, and its total."""
    total = 0
    if feasible:
        total = tree.fixed[n]
        for k in range(len(norm_slots)):
            s = norm_slots[k]
            tree.raws[k] = tree.raw[s, n]
            total += normalized(tree.raw[s, n], tree.assumed[k],
                                profile.score_normalize[s]) * profile.score_weights[s]
    set_leaf(size, tree.position_of[n], feasible, total, tree.raws, tree.count, tree.best,
             tree.best_count, tree.highest[:tree.tracked[0]])


@njit(inline="always")
def tree_filter(t, candidates, nodes, templates, profile, wanted_ports, verdicts, failures,
                custom_filter, feasible, reason_counts, resource_failures):
    """find_feasible over all the candidates: how many are feasible (into ``feasible``)."""
    found, _ = find_feasible(
        t, candidates, 0, len(candidates), profile.filter_kinds, profile.fit_ignored,
        templates.static_position[templates.static_row[t]],
        templates.static_reason[templates.static_row[t]], templates.requests, wanted_ports,
        templates.port_conflicts, nodes.allocatable, nodes.requested, nodes.port_usage,
        verdicts, failures, feasible, reason_counts, resource_failures, custom_filter,
        profile.custom_filter_params, profile.custom_filter_reason)
    return found


@njit(inline="always")
def tree_build(t, candidates, size, tree, nodes, templates, profile, active, norm_slots,
               custom_score, wanted_ports, verdicts, failures, custom_filter, feasible, buffer,
               reason_counts, resource_failures):
    """Every candidate's verdict and total into the tree (positions beyond the candidates:
    infeasible). ``feasible``, ``buffer``, ``reason_counts`` and ``resource_failures``:
    scratch."""
    found = tree_filter(t, candidates, nodes, templates, profile, wanted_ports, verdicts,
                        failures, custom_filter, feasible, reason_counts, resource_failures)
    tree_scores(t, feasible[:found], nodes, templates, profile, tree, active, custom_score,
                buffer)
    tree_fill(candidates, feasible[:found], size, tree, profile, norm_slots)


@njit
def tree_fill(candidates, feasible, size, tree, profile, norm_slots):
    """The leaves and inner nodes of a tree whose scores of the ``feasible`` candidates (in
    the candidates' order) are in tree.fixed and tree.raw."""
    found = len(feasible)
    # A static plugin with one raw score on every feasible candidate needs no tracking in
    # ``highest``: without a custom Filter a run's binds only make feasible nodes infeasible,
    # so the highest raw score of any window with feasible nodes is that score, the one
    # assumed. The tracked plugins go first in norm_slots (with their assumed scores).
    monotone = True
    for kind in profile.filter_kinds:
        if kind == FILTER_CUSTOM:
            monotone = False
    # the arrays the loops read, out of their NamedTuples (see cached_run)
    raw, fixed, assumed, position_of = tree.raw, tree.fixed, tree.assumed, tree.position_of
    tracked = 0
    for k in range(len(norm_slots)):
        s = norm_slots[k]
        highest = 0
        lowest = np.iinfo(np.int64).max
        for i in range(found):
            value = raw[s, feasible[i]]
            highest = max(highest, value)
            lowest = min(lowest, value)
        assumed[k] = highest
        if not (monotone and profile.score_kinds[s] == SCORE_STATIC and lowest >= highest):
            norm_slots[k], norm_slots[tracked] = norm_slots[tracked], s
            assumed[k], assumed[tracked] = assumed[tracked], highest
            tracked += 1
    tree.tracked[0] = tracked
    for p in range(len(candidates)):
        position_of[candidates[p]] = p
    # the leaves: all infeasible, then the feasible ones with their totals (set_leaf,
    # written out: without a branch on each leaf, which infeasible nodes here and there
    # would mispredict); nodes mostly share a few raw scores of a plugin, so each plugin's
    # last normalized score is reused
    count, best, best_count = tree.count, tree.best, tree.best_count
    highest = tree.highest[:tracked]
    count[size:2 * size] = 0
    best[size:2 * size] = NO_TOTAL
    best_count[size:2 * size] = 0
    highest[:, size:2 * size] = -1
    normalized_count = len(norm_slots)
    modes, weights = profile.score_normalize, profile.score_weights
    last_raw = np.zeros(normalized_count, dtype=np.int64)
    last_score = np.zeros(normalized_count, dtype=np.int64)
    for i in range(found):
        n = feasible[i]
        total = fixed[n]
        for k in range(normalized_count):
            s = norm_slots[k]
            value = raw[s, n]
            if i == 0 or value != last_raw[k]:
                last_raw[k] = value
                last_score[k] = normalized(value, assumed[k], modes[s]) * weights[s]
            total += last_score[k]
        leaf = size + position_of[n]
        count[leaf], best[leaf], best_count[leaf] = 1, total, 1
        for k in range(tracked):
            highest[k, leaf] = raw[norm_slots[k], n]
    build(size, count, best, best_count, highest)


@njit
def cached_tree_build(t, slot, candidates, size, tree, nodes, templates, profile, active,
                      plugins, norm_slots, cache, versions, feasible, stale, buffer):
    """tree_build for a cacheable template, from its class's cache (refreshed first where
    stale; ``plugins``: class_plugins). ``feasible``, ``stale`` and ``buffer``: scratch."""
    # the arrays the loops read, out of their NamedTuples (see cached_run)
    static_position = templates.static_position[templates.static_row[t]]
    stamp, fits = cache.stamp[slot], cache.fits[slot]
    # (the scans store every node and count only the ones kept: no branch to mispredict)
    count = 0
    for p in range(len(candidates)):
        n = candidates[p]
        stale[count] = n
        count += (static_position[n] < 0) & (stamp[n] != versions[n])
    cached_class_refresh(t, slot, stale[:count], cache, versions, nodes, templates, profile,
                         plugins, feasible, buffer)
    found = 0
    for p in range(len(candidates)):
        n = candidates[p]
        feasible[found] = n
        found += (static_position[n] < 0) & fits[n]
    cached_tree_scores(t, slot, feasible[:found], cache, templates, profile, tree, active)
    tree_fill(candidates, feasible[:found], size, tree, profile, norm_slots)


@njit(inline="always")
def class_leaf_refresh(n, feasible, size, position_of, count, best, best_count, highest, raw,
                       assumed, fit_score, balanced_score, static_scores, score_rows, kinds,
                       modes, weights, active, norm_slots):
    """Node n's leaf of a cacheable template's tree after a bind, from its class's entry
    (refreshed: ``feasible``, ``fit_score``, ``balanced_score``) and the template's static
    scores (its ``score_rows``); the tree's arrays (``highest``: its tracked rows) taken
    out of the RunTree. cached_scores, tree_leaf and set_leaf written out, and inlined: it
    runs after a bind, and numba would update the reference counts of the arrays a call
    passes, at its entry and exit. (cached_run writes it out: an inlined function updates
    them too, an atomic increment and decrement per array it takes, which cost a run more
    than the leaf itself, measured.)"""
    leaf = size + position_of[n]
    tracked = highest.shape[0]
    if feasible:
        total = 0
        for s in range(len(kinds)):
            if not active[s]:
                continue
            if kinds[s] == SCORE_FIT:
                value = fit_score[n]
            elif kinds[s] == SCORE_BALANCED:
                value = balanced_score[n]
            else:
                value = static_scores[score_rows[s], n]
            if modes[s] == NORMALIZE_NONE:
                total += value * weights[s]
            else:
                raw[s, n] = value
        for k in range(len(norm_slots)):
            s = norm_slots[k]
            total += normalized(raw[s, n], assumed[k], modes[s]) * weights[s]
        count[leaf], best[leaf], best_count[leaf] = 1, total, 1
        for k in range(tracked):
            highest[k, leaf] = raw[norm_slots[k], n]
    else:
        count[leaf], best[leaf], best_count[leaf] = 0, NO_TOTAL, 0
        for k in range(tracked):
            highest[k, leaf] = -1
    update(size, position_of[n], count, best, best_count, highest)


@njit(inline="always")
def tree_choose(size, leaves, start, wanted, tree, tracked, rng_state):
    """window_choose on the RunTree (``tracked``: the plugins its highest tracks)."""
    return window_choose(size, leaves, start, wanted, tree.count, tree.best, tree.best_count,
                         tree.highest[:tracked], tree.assumed, tree.window_highest[:tracked],
                         rng_state)


@njit(inline="always")
def window_choose(size, leaves, start, wanted, count, best, best_count, highest, assumed,
                  window_highest, rng_state):
    """The scheduler's walk and selectHost for a pod, from a RunTree's arrays (``highest``
    and ``window_highest``: the tracked plugins' rows): (found, processed, position of the
    chosen candidate or -1, its total, ok). Not ok when the pod's window has other highest
    raw scores than the tree's totals assume: the caller then walks. (Inlined: numba would
    update the reference counts of the arrays a call passes, at its entry and exit.)"""
    found, processed = window_end(size, leaves, start, wanted, count)
    if found == 0:
        return found, processed, -1, NOT_SCORED, True
    if found == 1:  # the one feasible node is taken without scoring
        if found == wanted:
            return found, processed, (start + processed - 1) % leaves, NOT_SCORED, True
        return found, processed, kth_feasible(size, 1, count), NOT_SCORED, True
    end = start + processed
    first_end = min(end, leaves)
    tracked = highest.shape[0]
    for k in range(tracked):
        window_highest[k] = -1
    top, ties = range_best(size, start, first_end, best, best_count, highest, window_highest)
    first_ties = ties
    if end > leaves:
        value, number = range_best(size, 0, end - leaves, best, best_count, highest,
                                   window_highest)
        if value > top:
            top, ties, first_ties = value, number, 0
        elif value == top:
            ties += number
    for k in range(tracked):
        if window_highest[k] != assumed[k]:
            return found, processed, -1, NOT_SCORED, False
    pick = random_below(rng_state, ties) if ties > 1 else 0
    if pick < first_ties:
        position = nth_best(size, start, first_end, top, pick, best, best_count)
    else:
        position = nth_best(size, 0, end - leaves, top, pick - first_ties, best, best_count)
    return found, processed, position, top, True


@njit
def cached_run(begin, end, t, candidates, start_index, node_count, absent, absent_reason,
               size, slot, tree, cache, versions, nodes, templates, profile, active, plugins,
               norm_slots, rng_state, chosen, totals_out, reason_counts, zone_count, zones,
               trees, slots, lowest, host, spread_weight, spread):
    """The pods begin, begin + 1, ... (to ``end``) of a run of a cacheable template t, either
    node-local or zone-spread (zone_count >= 0: its pods are chosen with zone_choose from
    ``zones``, laid out by ``trees``, ``slots``, ``lowest``, ``host``, and bound into
    PodTopologySpread's counts), each chosen from its tree and bound, its class's entry and
    the tree's leaf refreshed, until a pod the tree cannot serve (its window's highest raw
    scores are not those assumed, or it fits nowhere: it walks). Returns (that pod's index
    or end, the start index, whether the trees still hold the run: False when a bind gave a
    node an own count without a tree, the run's next pods walk). ``absent``: the nodes a
    PreFilterResult left out, counted under ``absent_reason``. The template binds no pod
    that InterPodAffinity counts, nor, when node-local, that PodTopologySpread counts (see
    schedule_batch).

    One call serves the run: the arrays are read out of their NamedTuples once (numba
    updates an array's reference count on every read of a NamedTuple's field), and the loop
    writes out refresh_class for the bound node (with fit_scores and balanced_scores) and
    class_leaf_refresh: numba updates the reference count of each array a function takes,
    inlined or not, on every call (the four take 47 arrays: ~0.25 us a pod, of ~0.6 us,
    measured)."""
    count, best, best_count = tree.count, tree.best, tree.best_count
    tracked = tree.tracked[0]
    highest, window_highest = tree.highest[:tracked], tree.window_highest[:tracked]
    assumed, position_of, raw = tree.assumed, tree.position_of, tree.raw
    stamp, fits = cache.stamp[slot], cache.fits[slot]
    fit_score, balanced_score = cache.fit_score[slot], cache.balanced_score[slot]
    allocatable, requested = nodes.allocatable, nodes.requested
    nonzero_requested, port_usage = nodes.nonzero_requested, nodes.port_usage
    request, nonzero_request = templates.requests[t], templates.nonzero_requests[t]
    fit_request, balanced_request = templates.fit_request[t], templates.balanced_request[t]
    static_position = templates.static_position[templates.static_row[t]]
    static_scores, score_rows = templates.static_scores, templates.static_score_row[t]
    port_keys = templates.port_keys[templates.port_start[t]:templates.port_start[t + 1]]
    kinds, modes, weights = profile.score_kinds, profile.score_normalize, profile.score_weights
    fit_ignored, fit_strategy = profile.fit_ignored, profile.fit_strategy
    fit_resources, fit_weights = profile.fit_resources, profile.fit_weights
    shape_utilization, shape_score = profile.shape_utilization, profile.shape_score
    balanced_resources, wanted = profile.balanced_resources, profile.nodes_to_find
    # PodTopologySpread's arrays and ZoneTrees' (a zone-spread template)
    bind_instance = spread.bind_instance[spread.bind_start[t]:spread.bind_start[t + 1]]
    counted, spread_domain = spread.counted, spread.domain
    spread_counts, spread_start = spread.counts, spread.start
    filtered = spread.filter_start[t] != spread.filter_start[t + 1]
    score_first, score_last = spread.score_start[t], spread.score_start[t + 1]
    score_instance, score_max_skew = spread.score_instance, spread.score_max_skew
    per_node = spread.per_node
    own_base = spread_start[host] if host >= 0 else -1
    domain_of, ready, allowed = zones.domain_of, zones.ready, zones.allowed
    zone_trees_count, zone_trees_best = zones.count, zones.best
    zone_trees_best_count, zone_trees_highest = zones.best_count, zones.highest
    leaves = len(candidates)
    i = begin
    while i < end:
        if zone_count >= 0:
            if filtered or i == begin:  # PodTopologySpread's PreFilter on the counts so far
                partition_allowed(t, spread, zone_count, allowed)
            found, processed, position, total, ok = zone_choose(
                size, leaves, start_index % leaves, wanted, zones, trees, slots, lowest,
                window_highest, assumed, tracked, spread_weight, score_first, score_last,
                score_instance, score_max_skew, per_node, spread_counts, spread_start,
                rng_state)
        else:
            found, processed, position, total, ok = window_choose(
                size, leaves, start_index % leaves, wanted, count, best, best_count, highest,
                assumed, window_highest, rng_state)
        if not ok or found == 0:
            break
        reason_counts[i, absent_reason] += absent
        n = candidates[position]
        chosen[i] = n
        totals_out[i] = total
        start_index = (start_index + processed) % node_count
        # bind (as schedule_batch's), then the class's entry and the leaf of node n
        for r in range(requested.shape[1]):
            requested[n, r] += request[r]
        nonzero_requested[n, 0] += nonzero_request[0]
        nonzero_requested[n, 1] += nonzero_request[1]
        for k in range(len(port_keys)):
            port_usage[n, port_keys[k]] += 1
        for k in range(len(bind_instance)):  # spread_bind, written out
            c = bind_instance[k]
            if counted[c, n]:
                spread_counts[spread_start[c] + spread_domain[c, n]] += 1
        versions[n] += 1
        node_feasible = static_position[n] < 0
        if node_feasible:
            # refresh_class on node n, written out (see the docstring)
            if plugins[0]:
                if requested[n, PODS] + 1 > allocatable[n, PODS]:
                    node_feasible = False
                for r in range(len(request)):
                    if (r != PODS and request[r] > 0 and not fit_ignored[r]
                            and request[r] > allocatable[n, r] - requested[n, r]):
                        node_feasible = False
            fits[n] = node_feasible
            stamp[n] = versions[n]
            if node_feasible and plugins[1]:
                # fit_scores on node n, written out
                node_score = 0
                weight_sum = 0
                for k in range(len(fit_resources)):
                    resource = fit_resources[k]
                    nonzero = nonzero_requested[n, resource] if resource < 2 else 0
                    capacity, used = allocatable_and_requested(
                        resource, allocatable[n, resource], requested[n, resource], nonzero,
                        fit_request[k], False)
                    if capacity == 0:
                        continue
                    if fit_strategy == LEAST_ALLOCATED:
                        score = least_requested_score(used, capacity)
                    elif fit_strategy == MOST_ALLOCATED:
                        score = most_requested_score(used, capacity)
                    else:
                        utilization = MAX_UTILIZATION if used > capacity else (
                            used * MAX_UTILIZATION // capacity)
                        score = broken_linear(utilization, shape_utilization, shape_score)
                        if score <= 0:
                            continue
                    node_score += score * fit_weights[k]
                    weight_sum += fit_weights[k]
                if weight_sum == 0:
                    fit_score[n] = 0
                elif fit_strategy == REQUESTED_TO_CAPACITY_RATIO:
                    fit_score[n] = np.int64(math.floor(node_score / weight_sum + 0.5))
                else:
                    fit_score[n] = node_score // weight_sum
            if node_feasible and plugins[2]:
                # balanced_scores on node n, written out
                fractions_seen = 0
                fraction_sum = 0.0
                first = second = 0.0
                for k in range(len(balanced_resources)):
                    r = balanced_resources[k]
                    fraction = balanced_fraction(r, allocatable[n, r], requested[n, r],
                                                 balanced_request[k])
                    if fraction < 0:
                        continue
                    fraction_sum += fraction
                    if fractions_seen == 0:
                        first = fraction
                    elif fractions_seen == 1:
                        second = fraction
                    fractions_seen += 1
                std = 0.0
                if fractions_seen == 2:
                    std = abs((first - second) / 2)
                elif fractions_seen > 2:
                    mean = fraction_sum / fractions_seen
                    squares = 0.0
                    for k in range(len(balanced_resources)):
                        r = balanced_resources[k]
                        fraction = balanced_fraction(r, allocatable[n, r], requested[n, r],
                                                     balanced_request[k])
                        if fraction >= 0:
                            squares = squares + (fraction - mean) * (fraction - mean)
                    std = math.sqrt(squares / fractions_seen)
                balanced_score[n] = np.int64((1 - std) * MAX_NODE_SCORE)
        # class_leaf_refresh, written out (see the docstring)
        leaf = size + position_of[n]
        if node_feasible:
            total = 0
            for s in range(len(kinds)):
                if not active[s]:
                    continue
                if kinds[s] == SCORE_FIT:
                    value = fit_score[n]
                elif kinds[s] == SCORE_BALANCED:
                    value = balanced_score[n]
                else:
                    value = static_scores[score_rows[s], n]
                if modes[s] == NORMALIZE_NONE:
                    total += value * weights[s]
                else:
                    raw[s, n] = value
            for k in range(len(norm_slots)):
                s = norm_slots[k]
                total += normalized(raw[s, n], assumed[k], modes[s]) * weights[s]
            count[leaf], best[leaf], best_count[leaf] = 1, total, 1
            for k in range(tracked):
                highest[k, leaf] = raw[norm_slots[k], n]
        else:
            count[leaf], best[leaf], best_count[leaf] = 0, NO_TOTAL, 0
            for k in range(tracked):
                highest[k, leaf] = -1
        update(size, position_of[n], count, best, best_count, highest)
        i += 1
        if zone_count >= 0 and not zone_refresh(
                n, size, tracked, domain_of, ready, zone_trees_count, zone_trees_best,
                zone_trees_best_count, zone_trees_highest, position_of, count, best,
                best_count, highest, spread_counts, own_base, slots, lowest):
            return i, start_index, False
    return i, start_index, True


@njit(inline="always")
def tree_refresh(t, n, size, tree, nodes, templates, profile, active, norm_slots,
                 custom_score, wanted_ports, verdicts, failures, custom_filter, buffer,
                 reason_counts, resource_failures):
    """Node n changed (a pod was bound to it): its leaf afresh."""
    tree.one[0] = n
    found = tree_filter(t, tree.one, nodes, templates, profile, wanted_ports, verdicts,
                        failures, custom_filter, tree.one, reason_counts, resource_failures)
    if found:
        tree_scores(t, tree.one, nodes, templates, profile, tree, active, custom_score, buffer)
    tree_leaf(n, found == 1, size, tree, profile, norm_slots)
    update(size, tree.position_of[n], tree.count, tree.best, tree.best_count,
           tree.highest[:tree.tracked[0]])


@njit(inline="always")
def local_raw_scores(kind, slot, t, feasible, count, nodes, templates, profile, custom_score,
                     scores):
    """raw_scores of a plugin that looks at the node alone: static, custom, NodeResourcesFit,
    BalancedAllocation (inlined: the caller passes its NamedTuples without a call's
    reference counting)."""
    if kind == SCORE_STATIC:
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
    else:
        local_raw_scores(kind, slot, t, feasible, count, nodes, templates, profile,
                         custom_score, scores)


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
        highest = max(highest, scores[i])
    for i in range(count):
        scores[i] = normalized(scores[i], highest, mode)


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
        normalize_scores(buffer, valid, count, profile.score_normalize[s])
        for i in range(count):
            plugin_scores[s, i] = buffer[i]
            totals[i] += buffer[i] * profile.score_weights[s]



class WalkCache(NamedTuple):
    """Per node, the parts of a walking template's Filter and Score that look at the node
    alone: the static filters, NodePorts, NodeResourcesFit, the custom Filter, and the raw
    scores of the static plugins, NodeResourcesFit, BalancedAllocation and the custom Score
    (local_raw_scores). They change only when a pod is bound to the node, so the pods of a
    run of one template compute them once per node, and again on a node after a bind there:
    an entry holds while its version equals the node's (schedule_batch's ``versions``, which
    every bind bumps) and ``template`` is the pod's. A cacheable template (see cacheable)
    reads NodeResourcesFit's verdict and scores and BalancedAllocation's from its request
    class's ClassCache entries, refreshed where stale."""
    template: np.ndarray  # int64 [1]: the template the entries are for, -1 none
    version: np.ndarray   # int64 [nodes]: the node version of the entry, 0 none
    passes: np.ndarray    # bool [nodes]: the node-local filters pass
    fixed: np.ndarray     # int64 [nodes]: weighted sum of its node-local scores not normalized
    raw: np.ndarray       # int64 [score plugins, nodes]: its node-local raw scores normalized
    local: np.ndarray     # bool [score plugins]: node-local and not skipped for the template
    slot: np.ndarray      # int64 [1]: its class's ClassCache slot, -1: not cacheable
    claim: np.ndarray     # int64 [1]: the slot's ClassCache.claims when taken
    plugins: np.ndarray   # bool [3]: class_plugins of the template
    class_stale: np.ndarray  # int64 [nodes]: scratch, class entries to refresh
    fitting: np.ndarray   # int64 [nodes]: scratch of refresh_class


@njit
def new_walk_cache(node_count, score_count):
    """A WalkCache for ``node_count`` nodes and ``score_count`` score plugins, for no
    template (walk_template clears the versions: the rest is read only under a current
    version)."""
    plugins = max(score_count, 1)
    return WalkCache(np.full(1, -1, dtype=np.int64), np.empty(node_count, dtype=np.int64),
                     np.empty(node_count, dtype=np.bool_), np.empty(node_count, dtype=np.int64),
                     np.empty((plugins, node_count), dtype=np.int64),
                     np.empty(plugins, dtype=np.bool_), np.full(1, -1, dtype=np.int64),
                     np.zeros(1, dtype=np.int64), np.zeros(3, dtype=np.bool_),
                     np.empty(node_count, dtype=np.int64), np.empty(node_count, dtype=np.int64))


@njit
def walk_template(t, cache, classes, templates, profile, spread, affinity):
    """The cache's entries dropped, for template t: which score plugins it keeps, and its
    class's slot in ``classes`` (a ClassCache) when it is cacheable."""
    cache.template[0] = t
    cache.version[:] = 0
    for s in range(len(profile.score_kinds)):
        kind = profile.score_kinds[s]
        cache.local[s] = (kind != SCORE_SPREAD and kind != SCORE_AFFINITY
                          and not skipped(kind, s, t, templates, profile, spread, affinity))
    cache.slot[0] = -1
    if len(classes.used) and cacheable(t, profile.filter_kinds, profile.score_kinds,
                                       cache.local, templates.port_start):
        slot = class_slot(t, classes, templates)
        cache.slot[0] = slot
        cache.claim[0] = classes.claims[slot]
        class_plugins(profile.filter_kinds, profile.score_kinds, cache.local, cache.plugins)


@njit
def walk_feasible(t, candidates, start_index, nodes_to_find, cache, classes, versions, nodes,
                  templates, profile, spread, affinity, wanted_ports, verdicts, feasible,
                  custom_filter, custom_score, fresh, buffer):
    """find_feasible for a pod of template t, its node-local verdicts from the cache
    (refreshed where stale, with the node-local scores of the nodes passing), without
    counting what rejected the nodes: (found, processed). When none is feasible, the walk
    covered every candidate and find_feasible counts. ``fresh`` and ``buffer``: scratch."""
    slot = cache.slot[0]
    if cache.template[0] != t or (slot >= 0 and classes.claims[slot] != cache.claim[0]):
        walk_template(t, cache, classes, templates, profile, spread, affinity)
        slot = cache.slot[0]
    check_spread = check_affinity = False
    for kind in profile.filter_kinds:
        if kind == FILTER_SPREAD:
            check_spread = True
        elif kind == FILTER_AFFINITY:
            check_affinity = True
    found = 0
    processed = 0
    leaves = len(candidates)
    if leaves == 0:
        return found, processed
    # the arrays the loop reads, out of their NamedTuples: numba updates an array's reference
    # count on every read of a NamedTuple's field
    version, passes = cache.version, cache.passes
    spread_verdicts, affinity_verdicts = verdicts[0], verdicts[1]
    static_position = templates.static_position[templates.static_row[t]]
    request = templates.requests[t]
    filter_kinds, fit_ignored = profile.filter_kinds, profile.fit_ignored
    allocatable, requested, port_usage = nodes.allocatable, nodes.requested, nodes.port_usage
    port_conflicts, custom_params = templates.port_conflicts, profile.custom_filter_params
    class_row = max(slot, 0)
    stamp, fits, class_stale = classes.stamp[class_row], classes.fits[class_row], cache.class_stale
    stale = 0
    stale_classes = 0
    position = start_index % leaves
    for _ in range(leaves):
        n = candidates[position]
        position += 1
        if position == leaves:
            position = 0
        processed += 1
        if version[n] != versions[n]:
            version[n] = versions[n]
            node_passes = static_position[n] < 0
            if node_passes and slot >= 0 and stamp[n] == versions[n]:
                node_passes = fits[n]  # the class's verdict holds
            else:
                if node_passes and slot >= 0:
                    # refreshed after the walk (its scores with it); the verdict is needed
                    # now, so NodeResourcesFit's check runs here too (a few comparisons)
                    class_stale[stale_classes] = n
                    stale_classes += 1
                # the node-local filters, written out: a function taking these arrays, even
                # inlined, costs numba a reference count update per array per node (measured:
                # a third of a walk over fresh nodes)
                for kind in filter_kinds:
                    if not node_passes:
                        break
                    if kind == FILTER_FIT:
                        if requested[n, PODS] + 1 > allocatable[n, PODS]:
                            node_passes = False
                        for r in range(len(request)):
                            if (r != PODS and request[r] > 0 and not fit_ignored[r]
                                    and request[r] > allocatable[n, r] - requested[n, r]):
                                node_passes = False
                    elif kind == FILTER_NODE_PORTS:
                        node_passes = len(wanted_ports) == 0 or ports_filter(
                            wanted_ports, port_conflicts, port_usage[n])
                    elif kind == FILTER_CUSTOM:
                        node_passes = custom_filter(allocatable[n], requested[n], request,
                                                    custom_params)
            passes[n] = node_passes
            if node_passes:
                fresh[stale] = n
                stale += 1
        if (passes[n] and not (check_spread and spread_verdicts[n] != 0)
                and not (check_affinity and affinity_verdicts[n] != 0)):
            feasible[found] = n
            found += 1
            if found == nodes_to_find:
                break
    if stale_classes:
        cached_class_refresh(t, slot, class_stale[:stale_classes], classes, versions, nodes,
                             templates, profile, cache.plugins, cache.fitting, buffer)
    if stale:
        walk_local_scores(t, fresh[:stale], cache, classes, nodes, templates, profile,
                          custom_score, buffer)
    return found, processed


@njit
def walk_local_scores(t, refreshed, cache, classes, nodes, templates, profile, custom_score,
                      buffer):
    """The node-local scores of the ``refreshed`` nodes into their cache entries (a
    cacheable template's NodeResourcesFit and BalancedAllocation scores from its class's
    entries, current)."""
    fixed = cache.fixed
    slot = cache.slot[0]
    for i in range(len(refreshed)):
        fixed[refreshed[i]] = 0
    for s in range(len(profile.score_kinds)):
        if not cache.local[s]:
            continue
        kind = profile.score_kinds[s]
        if slot >= 0 and (kind == SCORE_FIT or kind == SCORE_BALANCED):
            scores = classes.fit_score[slot] if kind == SCORE_FIT else classes.balanced_score[slot]
            for i in range(len(refreshed)):
                buffer[i] = scores[refreshed[i]]
        else:
            local_raw_scores(kind, s, t, refreshed, len(refreshed), nodes, templates, profile,
                             custom_score, buffer)
        if profile.score_normalize[s] == NORMALIZE_NONE:
            weight = profile.score_weights[s]
            for i in range(len(refreshed)):
                fixed[refreshed[i]] += buffer[i] * weight
        else:
            raw = cache.raw[s]
            for i in range(len(refreshed)):
                raw[refreshed[i]] = buffer[i]


@njit
def normalize_scores(scores, valid, count, mode):
    """A plugin's raw scores of the first ``count`` feasible nodes normalized in place, its
    NORMALIZE_* way (``valid``: PodTopologySpread's nodes not ignored)."""
    if mode == NORMALIZE_SPREAD:
        spread_normalize(scores, valid, count)
    elif mode == NORMALIZE_MIN_MAX:
        affinity_normalize(scores, count)
    else:
        normalize(scores, count, mode)


@njit
def walk_scores(t, feasible, count, cache, nodes, templates, profile, spread, affinity,
                custom_score, totals, buffer, valid):
    """score_nodes' totals for the first ``count`` feasible nodes of a walk, the node-local
    raw scores read from the cache (walk_feasible refreshed the entries of these nodes)."""
    fixed = cache.fixed  # (out of the NamedTuple: see walk_feasible)
    for i in range(count):
        totals[i] = fixed[feasible[i]]
    for s in range(len(profile.score_kinds)):
        kind = profile.score_kinds[s]
        mode = profile.score_normalize[s]
        if cache.local[s]:
            if mode == NORMALIZE_NONE:
                continue  # in cache.fixed
            raw = cache.raw[s]
            for i in range(count):
                buffer[i] = raw[feasible[i]]
                valid[i] = True
        elif kind == SCORE_SPREAD or kind == SCORE_AFFINITY:
            if skipped(kind, s, t, templates, profile, spread, affinity):
                continue
            raw_scores(kind, s, t, feasible, count, nodes, templates, profile, spread,
                       affinity, custom_score, buffer, valid)
        else:
            continue  # a node-local plugin skipped for the template
        normalize_scores(buffer, valid, count, mode)
        weight = profile.score_weights[s]
        for i in range(count):
            totals[i] += buffer[i] * weight


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


@njit
def schedule_batch(queue_template, order, start_index, rng_state, nodes, templates, profile,
                   spread, affinity, versions, cache, chosen, totals_out, reason_counts,
                   resource_failures, custom_filter, custom_score, stop_templates):
    """Schedule every pod of the queue. ``order``: node indices in the scheduler's order.
    ``versions`` (int64 [nodes], 1 or more) and ``cache`` (a ClassCache for the profile and
    nodes): kept between calls (KernelMemo); a bind bumps its node's version.

    Outputs per pod i: chosen[i] (node index or -1), totals_out[i] (its total score or
    NOT_SCORED); for a pod that fits nowhere, reason_counts[i, reason] counts the nodes each
    reason (batch.reasons id) rejected it on, resource_failures[i, r] the nodes short of
    resource r (r == pods: too many pods), and reason_counts[i, 0] the nodes without free host
    ports; a pod its PreFilter rejected has chosen[i] == -1 and no counts.

    The loop stops after a pod of a template marked in ``stop_templates`` that fits nowhere
    (PreFilter passed): DefaultPreemption then evaluates it on the state as it is, and the
    caller goes on with the rest of the queue. Returns (the next start index, the number of
    pods done).
    """
    node_count = len(order)
    score_count = len(profile.score_kinds)
    feasible = np.zeros(node_count, dtype=np.int64)
    totals = np.zeros(node_count, dtype=np.int64)
    buffer = np.zeros(node_count, dtype=np.int64)
    valid = np.ones(node_count, dtype=np.bool_)
    walk_cache = new_walk_cache(node_count, score_count)
    failures = np.zeros(nodes.requested.shape[1], dtype=np.int8)
    verdicts = np.zeros((2, node_count), dtype=np.int32)
    dirty = np.zeros(2, dtype=np.bool_)  # verdicts' rows that may hold a rejection
    scratch_counts = np.zeros(reason_counts.shape[1], dtype=np.int64)
    scratch_failures = np.zeros(resource_failures.shape[1], dtype=np.int64)
    tree = new_run_tree(0, score_count)  # made for the nodes at the first tree (megabytes)
    # PodTopologySpread's and InterPodAffinity's verdicts for the trees' builds: they pass
    # (ZoneTrees apply PodTopologySpread's per domain; walks fill ``verdicts``)
    no_verdicts = np.zeros((2, node_count), dtype=np.int32)
    zones = new_zone_trees(0, 0, 0)  # made at the first zone-spread run
    # the current template's ZoneTrees layout: its zones (-1: its runs do not use them), its
    # hostname instance (-1: none), trees, slots and lowest own count (see ZoneTrees)
    zone_count = -1
    host = -1
    trees = 0
    slots = 1
    lowest = 0
    spread_weight = 0
    stale = np.zeros(node_count, dtype=np.int64)
    cached = False
    plugins = np.zeros(3, dtype=np.bool_)  # class_plugins of the current cacheable template
    slot = 0
    active = np.zeros(max(score_count, 1), dtype=np.bool_)
    norm_slots = np.zeros(max(score_count, 1), dtype=np.int64)  # normalized active plugins
    normalized_count = 0
    tracked = 0  # of them, those the tree's highest tracks
    size = 1
    current = -1  # the template of the current run of pods
    local = False
    use_tree = False
    run_end = 0  # the end of the current run of pods
    served = 0  # pods before it are done (served by cached_run)
    serve_from = 0  # cached_run serves the run's pods from it (a pod it could not serve walks)
    for i in range(len(queue_template)):
        if i < served:
            continue
        t = queue_template[i]
        if templates.prefilter_reason[t] != 0:
            chosen[i] = -1
            totals_out[i] = NOT_SCORED
            continue
        candidates = order
        if templates.narrowed[t]:
            candidates = templates.candidates[
                templates.candidate_start[t]:templates.candidate_start[t + 1]]
        wanted_ports = templates.port_keys[templates.port_start[t]:templates.port_start[t + 1]]
        leaves = len(candidates)
        if t != current:
            current = t
            local = node_local(t, spread, affinity)
            if local:
                verdicts[:] = 0  # PodTopologySpread and InterPodAffinity pass every node
                dirty[:] = False
            # a tree pays when the run's walks would cover the candidates twice or more
            length = 1
            while i + length < len(queue_template) and queue_template[i + length] == t:
                length += 1
            run_end = i + length
            pays = leaves > 0 and length >= 2 and length * min(
                profile.nodes_to_find, leaves) >= 2 * leaves
            # (ZoneTrees' layout only for a run they would serve: spread_partition reads
            # every node)
            zone_count, host = (-1, -1) if local or not pays else zone_domains(
                t, spread, affinity, profile)
            slots, lowest = 1, 0
            if zone_count >= 0 and host >= 0 and length * min(
                    profile.nodes_to_find, leaves) < OWN_COUNT_RUN * leaves:
                zone_count = -1
            if zone_count >= 0 and host >= 0:
                slots = (ZONE_TREES - 1) // zone_count
                lowest, most = own_range(spread, host, candidates)
                if most - lowest >= slots:
                    zone_count = -1  # too many own counts: the run walks
            trees = zone_count * slots + 1
            use_tree = pays and (local or zone_count >= 0)
            if use_tree:
                if len(tree.position_of) < node_count:
                    tree = new_run_tree(node_count, score_count)
                normalized_count = 0
                for s in range(score_count):
                    kind = profile.score_kinds[s]
                    active[s] = (kind != SCORE_SPREAD and kind != SCORE_AFFINITY
                                 and not skipped(kind, s, t, templates, profile, spread,
                                                 affinity))
                    if active[s] and profile.score_normalize[s] != NORMALIZE_NONE:
                        norm_slots[normalized_count] = s
                        normalized_count += 1
                size = tree_size(leaves)
                cached = cacheable(t, profile.filter_kinds, profile.score_kinds, active,
                                   templates.port_start)
                if cached:
                    slot = class_slot(t, cache, templates)
                    class_plugins(profile.filter_kinds, profile.score_kinds, active, plugins)
                    cached_tree_build(t, slot, candidates, size, tree, nodes, templates,
                                      profile, active, plugins, norm_slots[:normalized_count],
                                      cache, versions, feasible, stale, buffer)
                else:
                    tree_build(t, candidates, size, tree, nodes, templates, profile, active,
                               norm_slots[:normalized_count], custom_score, wanted_ports,
                               no_verdicts, failures, custom_filter, feasible, buffer,
                               scratch_counts, scratch_failures)
            tracked = tree.tracked[0]  # (the tree's build set it)
            if use_tree and zone_count >= 0:
                if zones.count.shape[0] < trees:
                    zones = new_zone_trees(node_count, score_count, trees)
                zone_layout(t, spread, zone_count, host, slots, lowest, zones.domain_of)
                zone_fill(candidates, size, trees, zones, tree, tracked)
                spread_weight = 0
                for s in range(score_count):
                    if (profile.score_kinds[s] == SCORE_SPREAD
                            and not spread_skipped(t, spread)):
                        spread_weight += profile.score_weights[s]
        if (use_tree and cached and i >= serve_from
                and (zone_count >= 0 or spread.bind_start[t] == spread.bind_start[t + 1])
                and affinity.match_start[t] == affinity.match_start[t + 1]
                and affinity.own_start[t] == affinity.own_start[t + 1]):
            absent = node_count - leaves if templates.narrowed[t] else 0
            served, start_index, use_tree = cached_run(
                i, run_end, t, candidates, start_index, node_count, absent,
                templates.absent_reason[t], size, slot, tree, cache, versions, nodes,
                templates, profile, active, plugins, norm_slots[:normalized_count], rng_state,
                chosen, totals_out, reason_counts, zone_count, zones, trees, slots, lowest,
                host, spread_weight, spread)
            if served < run_end:
                serve_from = served + 1  # pod ``served`` walks
            if served > i:
                continue
        if templates.narrowed[t]:
            reason_counts[i, templates.absent_reason[t]] += node_count - leaves
        walk = True
        best = 0
        if use_tree and zone_count >= 0:
            # PodTopologySpread's PreFilter on the counts so far: the zones it allows
            partition_allowed(t, spread, zone_count, zones.allowed)
            found, processed, position, total, ok = zone_choose(
                size, leaves, start_index % leaves, profile.nodes_to_find, zones, trees,
                slots, lowest, tree.window_highest, tree.assumed, tracked, spread_weight,
                spread.score_start[t], spread.score_start[t + 1], spread.score_instance,
                spread.score_max_skew, spread.per_node, spread.counts, spread.start,
                rng_state)
        elif use_tree:
            found, processed, position, total, ok = tree_choose(
                size, leaves, start_index % leaves, profile.nodes_to_find, tree, tracked,
                rng_state)
        if use_tree:
            walk = not ok or found == 0  # (the walk counts what rejected the nodes)
            if not walk:
                feasible[0] = candidates[position]
                totals_out[i] = total
        if walk:
            if not local:
                # prefilter, but a row is rewritten only when the template has constraints of
                # its plugin or the row holds a rejection (else it is all 0 already)
                for kind in profile.filter_kinds:
                    if kind == FILTER_SPREAD:
                        own = spread.filter_start[t] != spread.filter_start[t + 1]
                        if own or dirty[0]:
                            spread_prefilter(t, spread, verdicts[0])
                            dirty[0] = own
                    elif kind == FILTER_AFFINITY:
                        own = (affinity.affinity_start[t] != affinity.affinity_start[t + 1]
                               or affinity.anti_start[t] != affinity.anti_start[t + 1]
                               or affinity.existing_anti_start[t]
                               != affinity.existing_anti_start[t + 1])
                        if own or dirty[1]:
                            affinity_prefilter(t, affinity, verdicts[1])
                            dirty[1] = own
            found, processed = walk_feasible(
                t, candidates, start_index, profile.nodes_to_find, walk_cache, cache, versions,
                nodes, templates, profile, spread, affinity, wanted_ports, verdicts, feasible,
                custom_filter, custom_score, stale, buffer)
            if found == 0:  # it fits nowhere: count what rejected the nodes
                found, processed = find_feasible(
                    t, candidates, start_index, profile.nodes_to_find, profile.filter_kinds,
                    profile.fit_ignored, templates.static_position[templates.static_row[t]],
                    templates.static_reason[templates.static_row[t]],
                    templates.requests, wanted_ports, templates.port_conflicts,
                    nodes.allocatable, nodes.requested, nodes.port_usage, verdicts, failures,
                    feasible, reason_counts[i], resource_failures[i], custom_filter,
                    profile.custom_filter_params, profile.custom_filter_reason)
            if found == 1:
                totals_out[i] = NOT_SCORED
            elif found > 1:
                walk_scores(t, feasible, found, walk_cache, nodes, templates, profile, spread,
                            affinity, custom_score, totals, buffer, valid)
                best = select_host(totals, found, rng_state)
                totals_out[i] = totals[best]
        if node_count > 0:
            start_index = (start_index + processed) % node_count
        if found == 0:
            chosen[i] = -1
            totals_out[i] = NOT_SCORED
            if stop_templates[t]:
                return start_index, i + 1
            continue
        n = feasible[best]
        chosen[i] = n
        # bind: assume the pod on the node (later pods of the batch see its requests, its
        # ports, and it in the PodTopologySpread and InterPodAffinity counts); written out
        # here, as the refreshes below: an inlined function taking these NamedTuples costs
        # numba a reference count update per array they hold
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
        versions[n] += 1
        if use_tree and cached:
            node_feasible = templates.static_position[templates.static_row[t], n] < 0
            if node_feasible:
                tree.one[0] = n
                refresh_class(tree.one, versions, cache.stamp[slot], cache.fits[slot],
                              cache.fit_score[slot], cache.balanced_score[slot],
                              nodes.allocatable, nodes.requested, nodes.nonzero_requested,
                              templates.requests[t], templates.fit_request[t],
                              templates.balanced_request[t], plugins, profile.fit_ignored,
                              profile.fit_strategy, profile.fit_resources,
                              profile.fit_weights, profile.shape_utilization,
                              profile.shape_score, profile.balanced_resources, tree.one,
                              tree.raws)
                node_feasible = cache.fits[slot, n]
            class_leaf_refresh(n, node_feasible, size, tree.position_of, tree.count, tree.best,
                               tree.best_count, tree.highest[:tracked], tree.raw, tree.assumed,
                               cache.fit_score[slot], cache.balanced_score[slot],
                               templates.static_scores, templates.static_score_row[t],
                               profile.score_kinds, profile.score_normalize,
                               profile.score_weights, active, norm_slots[:normalized_count])
        elif use_tree:
            tree_refresh(t, n, size, tree, nodes, templates, profile, active,
                         norm_slots[:normalized_count], custom_score, wanted_ports,
                         no_verdicts, failures, custom_filter, buffer, scratch_counts,
                         scratch_failures)
        if use_tree and zone_count >= 0:
            # (a node whose own count has no tree: the run's next pods walk)
            use_tree = zone_refresh(
                n, size, tracked, zones.domain_of, zones.ready, zones.count, zones.best,
                zones.best_count, zones.highest, tree.position_of, tree.count, tree.best,
                tree.best_count, tree.highest, spread.counts,
                spread.start[host] if host >= 0 else -1, slots, lowest)
    return start_index, len(queue_template)

