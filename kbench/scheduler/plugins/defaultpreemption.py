"""DefaultPreemption (PostFilter): when a pod fits no node, find the node where evicting the
fewest, least important lower-priority pods would let it fit, and nominate it there.
Kubernetes v1.33:
  pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go
        PostFilter, SelectVictimsOnNode, PodEligibleToPreemptOthers, calculateNumCandidates,
        GetOffsetAndNumCandidates, filterPodsWithPDBViolation
  pkg/scheduler/framework/preemption/preemption.go
        Evaluator.Preempt, findCandidates, DryRunPreemption, SelectCandidate,
        pickOneNodeForPreemption, prepareCandidate
  pkg/scheduler/util/utils.go   MoreImportantPod, GetEarliestPodStartTime
  pkg/controller/disruption/disruption.go   status.disruptionsAllowed (when a PDB has none)

The scheduler's batch kernel stops at a pod that fails and may preempt; ``Preemption.evaluate``
then runs the dry run on the state as it is at that moment (the pods placed before it
included), and the kernel goes on. The dry run is compiled: per potential node it takes the
lower-priority pods off (their requests, host ports, and their share of the PodTopologySpread
and InterPodAffinity counts), runs the profile's filters on that node, and reprieves the pods
one by one, PDB-violating ones first, each group most important first.

What the scheduler decides is the nominated node and the victims; the engine evicts them
(kbench.sim.scheduling). Within one scheduling pass nothing is evicted and the nominated pod
reserves nothing (kube-scheduler's RunFilterPluginsWithNominatedPods is not modelled): the
pods after it see the cluster as it was.

Where Go is concurrent, random or has more machinery, kbench is sequential and exact (as the
reference scheduler, tests/reference/plugins/defaultpreemption.py): the dry run checks the
potential nodes in order from the offset and stops once enough candidates are found; ties of
pickOneNodeForPreemption go to the first candidate (non-violating ones, then violating ones,
each in dry-run order); the PreFilter state after taking pods off is recomputed exactly, not
updated incrementally (so a terminating pod, which PodTopologySpread does not count, is not
subtracted either); a pod without status.startTime counts as started after every pod with
one; victims are sorted stably; the offset is ``random_below`` of the scheduler's generator,
drawn only when some node may be helped. No extenders, no nominated pods.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from kbench._jit import njit
from kbench.api.labels import selector_from_dict
from kbench.errors import SelectorError
from kbench.scheduler import custom
from kbench.scheduler.kernel import (FILTER_AFFINITY, FILTER_CUSTOM, FILTER_FIT,
                                     FILTER_NODE_PORTS, FILTER_SPREAD, prefilter)
from kbench.scheduler.plugins import nodeports
from kbench.scheduler.plugins.interpodaffinity import affinity_filter_without
from kbench.scheduler.plugins.noderesources import UNRESOLVABLE, fit_filter
from kbench.scheduler.plugins.podtopologyspread import spread_filter_without
from kbench.scheduler.podgroups import pod_groups, unique_pairs
from kbench.scheduler.rng import random_below

NAME = "DefaultPreemption"
# apis/config/v1/defaults.go SetDefaults_DefaultPreemptionArgs
DEFAULT_MIN_CANDIDATE_NODES_PERCENTAGE = 10
DEFAULT_MIN_CANDIDATE_NODES_ABSOLUTE = 100
MAX_INT32 = 2 ** 31 - 1

NO_VICTIMS = "No preemption victims found for incoming pod"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NEVER = "not eligible due to preemptionPolicy=Never."
TERMINATING = "not eligible due to a terminating pod on the nominated node."
PREFIX = "preemption: "

# Framework status codes, as the dry run reports them per node
PASSED, UNSCHEDULABLE_CODE, UNRESOLVABLE_CODE = 0, 1, 2
FIT_FAILED = -1  # filter_node's reason when NodeResourcesFit rejects (see its failures)


class Victims(NamedTuple):
    """The pods bound at the start of the pass, by node (the dry run's potential victims)."""
    start: np.ndarray           # int64 [nodes + 1]: CSR offsets, pods of node n
    row: np.ndarray             # int64 [pods]: row in the pods table
    group: np.ndarray           # int64 [pods]: pod group (kbench.scheduler.podgroups)
    bound_index: np.ndarray     # int64 [pods]: index in PodGroups' bound arrays
    priority: np.ndarray        # int64 [pods]
    start_time: np.ndarray      # float64 [pods]: status.startTime, inf when unset
    requests: np.ndarray        # int64 [pods, resources]
    counted: np.ndarray         # bool [pods]: not terminating (PodTopologySpread counts it)
    port_start: np.ndarray      # int64 [pods + 1]: CSR offsets into port_keys
    port_keys: np.ndarray       # int32: host port keys of each pod
    pdb_start: np.ndarray       # int64 [pods + 1]: CSR offsets into pdbs
    pdbs: np.ndarray            # int64: the PDBs budgeting each pod
    pdb_allowed: np.ndarray     # int64 [PDBs]: status.disruptionsAllowed
    lowest: np.ndarray          # int64 [nodes]: the lowest priority of the node's pods


class Matches(NamedTuple):
    """How each potential victim counts for one template's topology filters."""
    spread: np.ndarray          # int64 [pods, DoNotSchedule constraints of the template]
    affinity: np.ndarray        # int64 [pods, required affinity terms]
    anti: np.ndarray            # int64 [pods, required anti-affinity terms]
    owners: np.ndarray          # int64 [pods, existing anti-affinity terms matching it]


class Outcome(NamedTuple):
    """What PostFilter decided for one pod."""
    message: str                # "preemption: ..." appended to the FitError, "" on success
    nominated_node: int | None  # node position; -1 clears the nomination; None leaves it
    victims: np.ndarray         # int64: rows of the pods to evict


# ---------------------------------------------------------------------------
# Compiled dry run
# ---------------------------------------------------------------------------

@njit
def filter_node(t, n, filter_kinds, fit_ignored, static_position, static_reason, requests,
                wanted_ports, port_conflicts, allocatable, requested, port_usage,
                spread_verdict, affinity_verdict, failures, custom_filter, custom_params,
                custom_reason, custom_code):
    """The profile's filters, in order, for a pod of template t on node n whose requested
    resources and used ports are ``requested`` / ``port_usage`` (rows of that node): the first
    rejection as (reason id, code); reason FIT_FAILED marks ``failures`` per resource.
    ``static_position`` and ``static_reason``: the template's rows of TemplateData's."""
    first_static = static_position[n]
    for position in range(len(filter_kinds)):
        kind = filter_kinds[position]
        if first_static == position:
            return static_reason[n], UNRESOLVABLE_CODE
        if kind == FILTER_FIT:
            if not fit_filter(allocatable, requested, requests[t], fit_ignored, failures):
                code = UNSCHEDULABLE_CODE
                for r in range(len(failures)):
                    if failures[r] == UNRESOLVABLE:
                        code = UNRESOLVABLE_CODE
                return FIT_FAILED, code
        elif kind == FILTER_NODE_PORTS:
            if len(wanted_ports) and not nodeports.ports_filter(wanted_ports, port_conflicts,
                                                                port_usage):
                return 0, UNSCHEDULABLE_CODE
        elif kind == FILTER_SPREAD and spread_verdict[0] != 0:
            return spread_verdict[0], spread_verdict[1]
        elif kind == FILTER_AFFINITY and affinity_verdict[0] != 0:
            return affinity_verdict[0], affinity_verdict[1]
        elif kind == FILTER_CUSTOM:
            if not custom_filter(allocatable, requested, requests[t], custom_params):
                return custom_reason, custom_code
    return 0, PASSED


class NodeTrial(NamedTuple):
    """Scratch of the dry run on one node: the node's requested resources and used ports with
    some pods taken off, and how many of those pods each topology term counted."""
    requested: np.ndarray       # int64 [resources]
    ports: np.ndarray           # int32 [port keys]
    less_spread: np.ndarray     # int64 [DoNotSchedule constraints of the template]
    less_affinity: np.ndarray   # int64 [required affinity terms]
    less_anti: np.ndarray       # int64 [required anti-affinity terms]
    less_owners: np.ndarray     # int64 [existing anti-affinity terms matching the template]
    verdicts: np.ndarray        # int64 [2, 2]: (reason, code) of PodTopologySpread, InterPodAffinity
    failures: np.ndarray        # int8 [resources]: fit_filter's marks
    potential: np.ndarray       # int64 [pods]: the node's lower-priority pods
    violating: np.ndarray       # bool [pods]: PDB-violating, per potential pod
    allowed: np.ndarray         # int64 [PDBs]: budgets left


def new_trial(nodes, victims, matches) -> NodeTrial:
    return NodeTrial(
        np.zeros(nodes.requested.shape[1], dtype=np.int64),
        np.zeros(nodes.port_usage.shape[1], dtype=np.int32),
        np.zeros(matches.spread.shape[1], dtype=np.int64),
        np.zeros(matches.affinity.shape[1], dtype=np.int64),
        np.zeros(matches.anti.shape[1], dtype=np.int64),
        np.zeros(matches.owners.shape[1], dtype=np.int64),
        np.zeros((2, 2), dtype=np.int64), np.zeros(nodes.requested.shape[1], dtype=np.int8),
        np.zeros(max(len(victims.row), 1), dtype=np.int64),
        np.zeros(max(len(victims.row), 1), dtype=np.bool_),
        np.zeros(len(victims.pdb_allowed), dtype=np.int64))


@njit
def _take(v, sign, requests, port_start, port_keys, spread_match, affinity_match, anti_match,
          owners_match, requested, ports, less_spread, less_affinity, less_anti, less_owners):
    """Take pod v off the trial node (sign 1) or put it back (sign -1): removePod / AddPod.
    (Plain arrays, not NamedTuples: see _topology_verdicts.)"""
    for r in range(len(requested)):
        requested[r] -= sign * requests[v, r]
    for k in range(port_start[v], port_start[v + 1]):
        ports[port_keys[k]] -= sign
    for k in range(len(less_spread)):
        less_spread[k] += sign * spread_match[v, k]
    for k in range(len(less_affinity)):
        less_affinity[k] += sign * affinity_match[v, k]
    for k in range(len(less_anti)):
        less_anti[k] += sign * anti_match[v, k]
    for k in range(len(less_owners)):
        less_owners[k] += sign * owners_match[v, k]


@njit
def _topology_verdicts(t, n, spread, affinity, resolvable, trial):
    """PodTopologySpread's and InterPodAffinity's (reason, code) on the trial node into
    trial.verdicts. Called only for templates with such filter terms: every call passing
    SpreadData and AffinityData costs numba a reference count update per array they hold
    (two thirds of a dry run's time when the dry run passed them on every check)."""
    reason = spread_filter_without(t, n, spread, trial.less_spread)
    trial.verdicts[0, 0] = reason
    trial.verdicts[0, 1] = UNSCHEDULABLE_CODE if resolvable[reason] else UNRESOLVABLE_CODE
    reason = affinity_filter_without(t, n, affinity, trial.less_affinity, trial.less_anti,
                                     trial.less_owners)
    trial.verdicts[1, 0] = reason
    trial.verdicts[1, 1] = UNSCHEDULABLE_CODE if resolvable[reason] else UNRESOLVABLE_CODE


@njit
def _more_important(victims, a, b):
    """util.MoreImportantPod: higher priority, then the earlier start time."""
    if victims.priority[a] != victims.priority[b]:
        return victims.priority[a] > victims.priority[b]
    return victims.start_time[a] < victims.start_time[b]


@njit
def _sort_by_importance(victims, pods):
    """Stable insertion sort, most important first."""
    for i in range(1, len(pods)):
        pod = pods[i]
        j = i - 1
        while j >= 0 and _more_important(victims, pod, pods[j]):
            pods[j + 1] = pods[j]
            j -= 1
        pods[j + 1] = pod


@njit
def select_victims_on_node(t, n, priority, victims, profile, templates, nodes, spread,
                           affinity, matches, resolvable, custom_filter, custom_code, trial,
                           out):
    """SelectVictimsOnNode: remove every lower-priority pod; if the pod then fits, reprieve
    them one by one (PDB-violating ones first, each group most important first) as long as
    it still fits. Victims into ``out`` (most important first); returns (count, PDB
    violations, reason, code): code PASSED on success, else the status that makes the node
    no candidate (reason -2: no lower-priority pod, NO_VICTIMS)."""
    if victims.lowest[n] >= priority:
        return 0, 0, -2, UNRESOLVABLE_CODE
    # the plain arrays each check reads
    requests, port_start, port_keys = victims.requests, victims.port_start, victims.port_keys
    spread_match, affinity_match = matches.spread, matches.affinity
    anti_match, owners_match = matches.anti, matches.owners
    requested, ports, verdicts, failures = (trial.requested, trial.ports, trial.verdicts,
                                            trial.failures)
    less_spread, less_affinity = trial.less_spread, trial.less_affinity
    less_anti, less_owners = trial.less_anti, trial.less_owners
    filter_kinds, fit_ignored = profile.filter_kinds, profile.fit_ignored
    custom_params, custom_reason = profile.custom_filter_params, profile.custom_filter_reason
    static_row = templates.static_row[t]
    static_position = templates.static_position[static_row]
    static_reason = templates.static_reason[static_row]
    pod_requests, port_conflicts = templates.requests, templates.port_conflicts
    wanted = templates.port_keys[templates.port_start[t]:templates.port_start[t + 1]]
    allocatable = nodes.allocatable[n]
    topology = (spread.filter_start[t + 1] > spread.filter_start[t]
                or affinity.affinity_start[t + 1] > affinity.affinity_start[t]
                or affinity.anti_start[t + 1] > affinity.anti_start[t]
                or affinity.existing_anti_start[t + 1] > affinity.existing_anti_start[t])
    requested[:] = nodes.requested[n]
    ports[:] = nodes.port_usage[n]
    less_spread[:] = 0
    less_affinity[:] = 0
    less_anti[:] = 0
    less_owners[:] = 0
    verdicts[:] = 0
    count = 0
    for v in range(victims.start[n], victims.start[n + 1]):
        if victims.priority[v] < priority:
            trial.potential[count] = v
            count += 1
            _take(v, 1, requests, port_start, port_keys, spread_match, affinity_match,
                  anti_match, owners_match, requested, ports, less_spread, less_affinity,
                  less_anti, less_owners)
    if count == 0:
        return 0, 0, -2, UNRESOLVABLE_CODE
    if topology:
        _topology_verdicts(t, n, spread, affinity, resolvable, trial)
    failures[:] = 0
    reason, code = filter_node(t, n, filter_kinds, fit_ignored, static_position, static_reason,
                               pod_requests, wanted, port_conflicts, allocatable, requested,
                               ports, verdicts[0], verdicts[1], failures, custom_filter,
                               custom_params, custom_reason, custom_code)
    if code != PASSED:
        return 0, 0, reason, code
    potential = trial.potential[:count]
    _sort_by_importance(victims, potential)
    # filterPodsWithPDBViolation: each PDB's budget goes down by every pod it covers
    trial.allowed[:] = victims.pdb_allowed
    violating_count = 0
    for i in range(count):
        v = potential[i]
        trial.violating[i] = False
        for k in range(victims.pdb_start[v], victims.pdb_start[v + 1]):
            p = victims.pdbs[k]
            trial.allowed[p] -= 1
            if trial.allowed[p] < 0:
                trial.violating[i] = True
        if trial.violating[i]:
            violating_count += 1
    found = 0
    violations = 0
    for phase in range(2):
        group = phase == 0  # the violating pods first
        for i in range(count):
            if trial.violating[i] != group:
                continue
            v = potential[i]
            # reprievePod: put it back; if the pod no longer fits, it stays a victim
            _take(v, -1, requests, port_start, port_keys, spread_match, affinity_match,
                  anti_match, owners_match, requested, ports, less_spread, less_affinity,
                  less_anti, less_owners)
            if topology:
                _topology_verdicts(t, n, spread, affinity, resolvable, trial)
            failures[:] = 0
            _, code = filter_node(t, n, filter_kinds, fit_ignored, static_position,
                                  static_reason, pod_requests, wanted, port_conflicts,
                                  allocatable, requested, ports, verdicts[0], verdicts[1],
                                  failures, custom_filter, custom_params, custom_reason,
                                  custom_code)
            if code != PASSED:
                _take(v, 1, requests, port_start, port_keys, spread_match, affinity_match,
                      anti_match, owners_match, requested, ports, less_spread,
                      less_affinity, less_anti, less_owners)
                out[found] = v
                found += 1
                if group:
                    violations += 1
    if 0 < violating_count < count:  # both groups: victims from both, sorted again
        _sort_by_importance(victims, out[:found])
    return found, violations, 0, PASSED


@njit
def dry_run(t, priority, potential, offset, num_candidates, victims, profile, templates,
            nodes, spread, affinity, matches, resolvable, custom_filter, custom_code, trial,
            reason_counts, resource_failures, candidate_node, candidate_violations,
            candidate_start, candidate_victims):
    """DryRunPreemption from ``offset`` over the potential nodes: candidates (non-violating
    ones, then violating ones, each at most num_candidates) into candidate_*; the statuses of
    the other nodes checked counted into reason_counts / resource_failures (reason id -2 of
    select_victims_on_node is counted in reason_counts' last column). Returns (candidates,
    nodes with a status, the node of a success without victims or -1)."""
    resources = nodes.requested.shape[1]
    size = len(potential)
    most = 0  # the most pods on one node: room for one node's victims
    for n in potential:
        most = max(most, victims.start[n + 1] - victims.start[n])
    out = np.zeros(max(most, 1), dtype=np.int64)
    # candidates found so far, non-violating and violating apart
    good_nodes = np.zeros(size, dtype=np.int64)
    bad_nodes = np.zeros(size, dtype=np.int64)
    good_list = np.zeros(size, dtype=np.int64)  # their entries in a shared victims buffer
    bad_list = np.zeros(size, dtype=np.int64)
    entry_start = np.zeros(size + 1, dtype=np.int64)
    entry_violations = np.zeros(size, dtype=np.int64)
    buffer = np.zeros(max(4 * most, 1), dtype=np.int64)
    good = bad = entries = 0
    used = 0
    statuses = 0
    error_node = -1
    for i in range(size):
        n = potential[(offset + i) % size]
        if victims.lowest[n] >= priority:  # no lower-priority pod: NO_VICTIMS, without a
            statuses += 1                   # call (each passes ~130 arrays' reference counts)
            reason_counts[len(reason_counts) - 1] += 1
            continue
        found, violations, reason, code = select_victims_on_node(
            t, n, priority, victims, profile, templates, nodes, spread, affinity, matches,
            resolvable, custom_filter, custom_code, trial, out)
        if code == PASSED and found > 0:
            if violations == 0 and good < num_candidates:
                good_nodes[good] = n
                good_list[good] = entries
                good += 1
            elif violations > 0 and bad < num_candidates:
                bad_nodes[bad] = n
                bad_list[bad] = entries
                bad += 1
            else:
                found = 0  # candidateList.add drops the overflow
            if found:
                if used + found > len(buffer):
                    grown = np.zeros(2 * (used + found), dtype=np.int64)
                    grown[:used] = buffer[:used]
                    buffer = grown
                buffer[used:used + found] = out[:found]
                entry_start[entries] = used
                entry_violations[entries] = violations
                used += found
                entries += 1
                entry_start[entries] = used
            if good > 0 and good + bad >= num_candidates:
                break
            continue
        statuses += 1
        if code == PASSED:
            if error_node < 0:
                error_node = n
        elif reason == FIT_FAILED:
            for r in range(resources):
                if trial.failures[r] != 0:
                    resource_failures[r] += 1
        elif reason == -2:
            reason_counts[len(reason_counts) - 1] += 1
        else:
            reason_counts[reason] += 1
    count = 0
    for phase in range(2):  # the non-violating candidates, then the violating ones
        lists = good_list if phase == 0 else bad_list
        nodes_of = good_nodes if phase == 0 else bad_nodes
        for c in range(good if phase == 0 else bad):
            e = lists[c]
            candidate_node[count] = nodes_of[c]
            candidate_violations[count] = entry_violations[e]
            candidate_start[count + 1] = candidate_start[count] + entry_start[e + 1] - entry_start[e]
            candidate_victims[candidate_start[count]:candidate_start[count + 1]] = \
                buffer[entry_start[e]:entry_start[e + 1]]
            count += 1
    return count, statuses, error_node


@njit
def pick_one_node(victims, count, candidate_violations, candidate_start, candidate_victims):
    """pickOneNodeForPreemption: in turn, among the candidates tied so far, the fewest PDB
    violations, the lowest highest-victim priority, the smallest sum of victim priorities
    (each + MaxInt32 + 1), the fewest victims, the latest earliest start time of the
    highest-priority victims; then the first. Returns the candidate's index."""
    scores = np.zeros((5, count))
    for c in range(count):
        first, last = candidate_start[c], candidate_start[c + 1]
        top = candidate_victims[first]
        scores[0, c] = -candidate_violations[c]
        scores[1, c] = -victims.priority[top]
        total = 0
        for k in range(first, last):
            total += victims.priority[candidate_victims[k]] + MAX_INT32 + 1
        scores[2, c] = -float(total)
        scores[3, c] = -(last - first)
        # GetEarliestPodStartTime
        earliest = victims.start_time[top]
        highest = victims.priority[top]
        for k in range(first, last):
            v = candidate_victims[k]
            if victims.priority[v] == highest:
                earliest = min(earliest, victims.start_time[v])
            elif victims.priority[v] > highest:
                highest = victims.priority[v]
                earliest = victims.start_time[v]
        scores[4, c] = earliest
    tied = np.ones(count, dtype=np.bool_)
    for f in range(5):
        best = -np.inf
        for c in range(count):
            if tied[c] and scores[f, c] > best:
                best = scores[f, c]
        left = 0
        for c in range(count):
            if tied[c] and scores[f, c] != best:
                tied[c] = False
            if tied[c]:
                left += 1
        if left == 1:
            break
    for c in range(count):
        if tied[c]:
            return c
    return 0


@njit
def node_statuses(t, candidates, narrowed, profile, templates, nodes, spread_verdicts,
                  affinity_verdicts, resolvable, custom_filter, custom_code, codes):
    """Each node's status code in the pod's failed attempt (absent nodes of a narrowed
    template: UnschedulableAndUnresolvable). ``*_verdicts``: kernel.prefilter's rows."""
    node_count = len(codes)
    codes[:] = UNRESOLVABLE_CODE if narrowed else PASSED
    failures = np.zeros(nodes.requested.shape[1], dtype=np.int8)
    scratch_spread = np.zeros(2, dtype=np.int64)
    scratch_affinity = np.zeros(2, dtype=np.int64)
    wanted = templates.port_keys[templates.port_start[t]:templates.port_start[t + 1]]
    static_position = templates.static_position[templates.static_row[t]]
    static_reason = templates.static_reason[templates.static_row[t]]
    for n in candidates:
        scratch_spread[0] = spread_verdicts[n]
        scratch_spread[1] = UNSCHEDULABLE_CODE if resolvable[spread_verdicts[n]] \
            else UNRESOLVABLE_CODE
        scratch_affinity[0] = affinity_verdicts[n]
        scratch_affinity[1] = UNSCHEDULABLE_CODE if resolvable[affinity_verdicts[n]] \
            else UNRESOLVABLE_CODE
        failures[:] = 0
        _, code = filter_node(t, n, profile.filter_kinds, profile.fit_ignored,
                              static_position, static_reason,
                              templates.requests, wanted, templates.port_conflicts,
                              nodes.allocatable[n], nodes.requested[n], nodes.port_usage[n],
                              scratch_spread, scratch_affinity, failures, custom_filter,
                              profile.custom_filter_params, profile.custom_filter_reason,
                              custom_code)
        codes[n] = code
    return node_count


# ---------------------------------------------------------------------------
# PodDisruptionBudgets
# ---------------------------------------------------------------------------

def _scaled_value(value, total: int) -> int | None:
    """intstr.GetScaledValueFromIntOrPercent(value, total, roundUp=true); None for a string
    that is no percentage (Go's error: the disruption controller fails safe)."""
    if isinstance(value, str):
        if not value.endswith("%") or not value[:-1].isdigit():
            return None
        return math.ceil(int(value[:-1]) * total / 100)
    return int(value)


def _controller_replicas(state, rows: np.ndarray) -> int | None:
    """disruption.go getExpectedScale: the summed spec.replicas of the pods' controllers
    (ReplicaSet, StatefulSet), each once; None when a pod has no controller the cluster has."""
    pods = state.tables["pods"]
    tables = {"ReplicaSet": "replicasets", "StatefulSet": "statefulsets"}
    seen: dict[tuple, int] = {}
    pairs, _ = unique_pairs(pods["namespace"][rows], pods["owner_references"][rows])
    for namespace_code, refs_code in pairs.tolist():  # once per distinct owner list
        refs = state.strings.document(int(refs_code)) or []
        owner = next((ref for ref in refs if ref.get("controller")), None)
        if owner is None or owner.get("kind") not in tables:
            return None
        namespace = state.strings[int(namespace_code)]
        found = state.find(tables[owner["kind"]], owner.get("name"), namespace)
        if found is None:
            return None
        seen[(owner["kind"], namespace, owner.get("name"))] = int(
            state.tables[tables[owner["kind"]]]["replicas"][found])
    return sum(seen.values())


def disruptions_allowed(state, pdb: dict, pod_rows: np.ndarray, healthy: np.ndarray) -> int:
    """status.disruptionsAllowed when the PDB has it; else as the disruption controller
    computes it (trySync, getExpectedPodCount, countHealthyPods, updatePdbStatus) over its
    pods ``pod_rows`` (``healthy``: Ready and not being deleted)."""
    status = pdb.get("status") or {}
    if status.get("disruptionsAllowed") is not None:
        return int(status["disruptionsAllowed"])
    spec = pdb.get("spec") or {}
    max_unavailable, min_available = spec.get("maxUnavailable"), spec.get("minAvailable")
    expected = desired_healthy = 0
    if max_unavailable is not None:
        expected = _controller_replicas(state, pod_rows)
        scaled = None if expected is None else _scaled_value(max_unavailable, expected)
        if scaled is None:
            return 0
        desired_healthy = max(expected - scaled, 0)
    elif min_available is not None:
        if isinstance(min_available, int):
            expected, desired_healthy = len(pod_rows), min_available
        else:
            expected = _controller_replicas(state, pod_rows)
            desired_healthy = None if expected is None else _scaled_value(min_available, expected)
            if desired_healthy is None:
                return 0
    allowed = int(np.count_nonzero(healthy)) - desired_healthy
    return 0 if expected <= 0 or allowed <= 0 else allowed


# ---------------------------------------------------------------------------
# The evaluator
# ---------------------------------------------------------------------------

def _host_ports(state, bodies: np.ndarray, port_keys: dict) -> tuple[np.ndarray, np.ndarray]:
    """CSR (offsets, port keys) of the host ports of pods with these bodies, each distinct
    body read once."""
    distinct, inverse = np.unique(bodies, return_inverse=True)
    lists = []
    for body in distinct.tolist():
        spec = (state.strings.document(int(body)) or {}).get("spec") or {}
        lists.append([port_keys.setdefault(key, len(port_keys))
                      for key in nodeports.host_ports(spec)])
    distinct_sizes = np.array([len(keys) for keys in lists], dtype=np.int64)
    distinct_start = np.concatenate([[0], np.cumsum(distinct_sizes)]).astype(np.int64)
    distinct_keys = np.array([k for keys in lists for k in keys], dtype=np.int32)
    inverse = inverse.reshape(-1)
    sizes = distinct_sizes[inverse]
    start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    # entry j of pod i: its body's first key + j
    within = np.arange(start[-1], dtype=np.int64) - np.repeat(start[:-1], sizes)
    return start, distinct_keys[np.repeat(distinct_start[inverse], sizes) + within]


def _lowest_priority(start: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """Per node (CSR ``start`` over pods sorted by node) the lowest priority of its pods; the
    largest int64 for a node without pods."""
    lowest = np.full(len(start) - 1, np.iinfo(np.int64).max, dtype=np.int64)
    filled = np.flatnonzero(np.diff(start) > 0)
    if len(filled):
        lowest[filled] = np.minimum.reduceat(priority, start[filled])
    return lowest


class Preemption:
    """DefaultPreemption over one scheduling pass: the potential victims (the pods bound when
    the pass starts) and the PDBs, compiled once; ``evaluate`` per pod that fits nowhere."""

    def __init__(self, batch, port_keys: dict, args=None) -> None:
        from kbench.api.store import decode
        self.batch = batch
        state = batch.state
        pods = state.tables["pods"]
        groups = pod_groups(batch)
        self.groups = groups
        percentage = getattr(args, "min_candidate_nodes_percentage", None)
        absolute = getattr(args, "min_candidate_nodes_absolute", None)
        self.min_percentage = (DEFAULT_MIN_CANDIDATE_NODES_PERCENTAGE if percentage is None
                               else percentage)
        self.min_absolute = DEFAULT_MIN_CANDIDATE_NODES_ABSOLUTE if absolute is None else absolute
        order = np.argsort(groups.bound_node, kind="stable")  # by node, then row
        rows = groups.bound_rows[order]
        start = np.zeros(batch.node_count + 1, dtype=np.int64)
        start[1:] = np.cumsum(np.bincount(groups.bound_node, minlength=batch.node_count))
        start_time = pods["start_time"][rows].astype(np.float64)
        # host ports, per distinct body
        port_start, port_keys_flat = _host_ports(state, pods["body"][rows], port_keys)
        pdb_start, pdbs, allowed = self._budgets(rows, groups.bound_group[order], decode)
        self.victims = Victims(
            start=start, row=rows.astype(np.int64), group=groups.bound_group[order],
            bound_index=order.astype(np.int64),
            priority=pods["priority"][rows].astype(np.int64),
            start_time=np.where(np.isnan(start_time), np.inf, start_time),
            requests=pods["requests"][rows].astype(np.int64),
            counted=~groups.bound_terminating[order],
            port_start=port_start, port_keys=port_keys_flat,
            pdb_start=pdb_start, pdbs=pdbs, pdb_allowed=allowed,
            lowest=_lowest_priority(start, pods["priority"][rows].astype(np.int64)))
        self._matches: dict[int, Matches] = {}
        self._trials: dict[int, NodeTrial] = {}
        self._chosen = np.zeros(max(len(rows), 1), dtype=np.int64)  # candidates' victims

    def _budgets(self, rows: np.ndarray, groups_of: np.ndarray, decode):
        """Per pod the PDBs budgeting it (same namespace, a non-empty selector matching its
        labels, the pod not in the PDB's disruptedPods; a pod without labels matches none),
        and each PDB's disruptionsAllowed."""
        state, groups = self.batch.state, self.groups
        pods, table = state.tables["pods"], state.tables["poddisruptionbudgets"]
        names = pods["name"][rows]
        has_labels = (groups.labels.matrix >= 0).any(axis=1)
        pairs_pod, pairs_pdb, allowed = [], [], []
        # countHealthyPods: Ready (the ready column) and not being deleted
        healthy = pods["ready"][rows] & np.isnan(pods["deletion_time"][rows])
        for index, row in enumerate(table.live_rows().tolist()):
            pdb = decode(state, "poddisruptionbudgets", row).to_dict()
            namespace = (pdb.get("metadata") or {}).get("namespace") or "default"
            try:
                selector = selector_from_dict((pdb.get("spec") or {}).get("selector"))
            except SelectorError:
                selector = None
            members = np.zeros(len(rows), dtype=np.bool_)
            if selector is not None:
                group_mask = (groups.labels.selector(selector) & (groups.namespaces == namespace))
                members = group_mask[groups_of]
            counted = np.flatnonzero(members)
            allowed.append(disruptions_allowed(state, pdb, rows[counted], healthy[counted]))
            if selector is None or selector.empty:
                continue  # an invalid, nil or empty selector budgets no pod for preemption
            disrupted = [state.strings.code_of(name) for name in
                         ((pdb.get("status") or {}).get("disruptedPods") or {})]
            budgeted = np.flatnonzero(members & has_labels[groups_of]
                                      & ~np.isin(names, disrupted))
            pairs_pod.append(budgeted)
            pairs_pdb.append(np.full(len(budgeted), index, dtype=np.int64))
        pairs_pod = np.concatenate(pairs_pod) if pairs_pod else np.zeros(0, dtype=np.int64)
        pairs_pdb = np.concatenate(pairs_pdb) if pairs_pdb else np.zeros(0, dtype=np.int64)
        order = np.argsort(pairs_pod, kind="stable")
        start = np.zeros(len(rows) + 1, dtype=np.int64)
        start[1:] = np.cumsum(np.bincount(pairs_pod, minlength=len(rows)))
        return (start, pairs_pdb[order],
                np.array(allowed, dtype=np.int64))

    # -- per template -------------------------------------------------------------------

    def matches(self, t: int, spread, affinity) -> Matches:
        """How each potential victim counts for template t's PodTopologySpread and
        InterPodAffinity filters (computed once per template)."""
        if t not in self._matches:
            victims = self.victims
            groups = victims.group
            entries = spread.filter_instance[spread.filter_start[t]:spread.filter_start[t + 1]]
            spread_match = (spread.group_match[entries][:, groups].T
                            & victims.counted[:, None]).astype(np.int64)
            terms = affinity.affinity_term[affinity.affinity_start[t]:affinity.affinity_start[t + 1]]
            affinity_match = affinity.term_groups[terms][:, groups].T.astype(np.int64)
            terms = affinity.anti_term[affinity.anti_start[t]:affinity.anti_start[t + 1]]
            anti_match = affinity.term_groups[terms][:, groups].T.astype(np.int64)
            owned = affinity.existing_anti[
                affinity.existing_anti_start[t]:affinity.existing_anti_start[t + 1]]
            owners = np.zeros((len(victims.row), len(owned)), dtype=np.int64)
            if len(owned):
                sizes = np.diff(affinity.bound_owned_start)
                owner_of_entry = np.repeat(np.arange(len(sizes)), sizes)
                position = np.empty(len(sizes), dtype=np.int64)
                position[victims.bound_index] = np.arange(len(victims.row))
                for k, term in enumerate(owned.tolist()):
                    owners[:, k] = np.bincount(
                        position[owner_of_entry[affinity.bound_owned == term]],
                        minlength=len(victims.row))
            self._matches[t] = Matches(
                np.ascontiguousarray(spread_match), np.ascontiguousarray(affinity_match),
                np.ascontiguousarray(anti_match), owners)
        return self._matches[t]

    def num_candidates(self, count: int) -> int:
        """calculateNumCandidates."""
        n = count * self.min_percentage // 100
        return min(max(n, self.min_absolute), count)

    # -- PostFilter -----------------------------------------------------------------------

    def evaluate(self, pod_row: int, t: int, template, rejected: bool, nodes, templates,
                 profile, spread, affinity, custom_filter, custom_code: int,
                 rng_state: np.ndarray) -> Outcome:
        """Evaluator.Preempt for the pod at ``pod_row`` (of template t) that fit no node in the
        state ``nodes`` / ``spread`` / ``affinity`` (``rejected``: its PreFilter rejected it
        on every node)."""
        batch = self.batch
        state = batch.state
        pods = state.tables["pods"]
        none = np.zeros(0, dtype=np.int64)
        if (template.spec.get("preemptionPolicy") or "") == "Never":
            return Outcome(PREFIX + NEVER, None, none)
        # the status of every node in the failed attempt
        codes = np.full(batch.node_count, UNRESOLVABLE_CODE, dtype=np.int64)
        resolvable = self.resolvable(spread, affinity)
        if not rejected:
            candidates = np.arange(batch.node_count, dtype=np.int64)
            if templates.narrowed[t]:
                candidates = templates.candidates[
                    templates.candidate_start[t]:templates.candidate_start[t + 1]]
            verdicts = np.zeros((2, batch.node_count), dtype=np.int32)
            prefilter(t, profile, spread, affinity, verdicts)
            custom.call(node_statuses, t, candidates, bool(templates.narrowed[t]), profile, templates, nodes,
                          verdicts[0], verdicts[1], resolvable, custom_filter, custom_code,
                          codes)
        # PodEligibleToPreemptOthers
        nominated = int(pods["nominated_node_name"][pod_row])
        if nominated >= 0:
            position = self.node_position(state.strings[nominated])
            status = UNRESOLVABLE_CODE if position < 0 else codes[position]
            if status != UNRESOLVABLE_CODE and position >= 0 and self.terminating_victim(
                    position, int(pods["priority"][pod_row])):
                return Outcome(PREFIX + TERMINATING, None, none)
        potential = np.flatnonzero(codes == UNSCHEDULABLE_CODE).astype(np.int64)
        reasons = np.zeros(len(batch.reasons) + 1, dtype=np.int64)
        resource_failures = np.zeros(len(state.resources), dtype=np.int64)
        if len(potential):
            offset = int(random_below(rng_state, np.int64(len(potential))))
            count, statuses, error_node, candidates = self.dry_run(
                t, potential, offset, nodes, templates, profile, spread, affinity,
                custom_filter, custom_code, reasons, resource_failures)
            if count:
                nodes_of, violations, start, chosen = candidates
                best = 0 if count == 1 else pick_one_node(self.victims, count, violations,
                                                          start, chosen)
                victims = chosen[start[best]:start[best + 1]]
                return Outcome("", int(nodes_of[best]), self.victims.row[victims].copy())
            if error_node >= 0:
                return Outcome(PREFIX + f'expected at least one victim pod on node '
                               f'"{batch.node_names[error_node]}"', None, none)
        else:
            statuses = 0
        # a FitError over the dry run's statuses; the other nodes are "not helpful"
        from kbench.scheduler.scheduler import failure_message
        no_victims = batch.reasons.id(NO_VICTIMS)
        not_helpful = batch.reasons.id(NOT_HELPFUL)
        counts = np.zeros(len(batch.reasons), dtype=np.int64)
        counts[:len(reasons) - 1] += reasons[:len(reasons) - 1]
        counts[no_victims] += reasons[-1]
        counts[not_helpful] += batch.node_count - statuses
        return Outcome(PREFIX + failure_message(batch, state.resources, counts, resource_failures),
                       -1, none)

    def dry_run(self, t: int, potential: np.ndarray, offset: int, nodes, templates, profile,
                spread, affinity, custom_filter, custom_code: int, reason_counts: np.ndarray,
                resource_failures: np.ndarray):
        """DryRunPreemption for a pod of template t over the ``potential`` nodes from
        ``offset``: (candidates, nodes with a status, error node or -1, (candidate nodes,
        their PDB violations, CSR offsets into their victims, the victims))."""
        matches = self.matches(t, spread, affinity)
        trial = self._trials.get(t)
        if trial is None or len(trial.ports) != nodes.port_usage.shape[1]:
            trial = self._trials[t] = new_trial(nodes, self.victims, matches)
        size = len(potential)
        nodes_of = np.zeros(size, dtype=np.int64)
        violations = np.zeros(size, dtype=np.int64)
        start = np.zeros(size + 1, dtype=np.int64)
        count, statuses, error_node = custom.call(
            dry_run,
            t, np.int64(self.batch.templates[t].priority), potential, np.int64(offset),
            np.int64(self.num_candidates(size)), self.victims, profile, templates, nodes,
            spread, affinity, matches, self.resolvable(spread, affinity), custom_filter,
            np.int64(custom_code), trial, reason_counts, resource_failures, nodes_of,
            violations, start, self._chosen)
        return count, statuses, error_node, (nodes_of, violations, start, self._chosen)

    def resolvable(self, spread, affinity) -> np.ndarray:
        """Per batch reason id: whether a dynamic filter's rejection with it is Unschedulable
        (preemption may help) rather than UnschedulableAndUnresolvable."""
        from kbench.scheduler.plugins import interpodaffinity, podtopologyspread
        resolvable = np.zeros(len(self.batch.reasons) + 2, dtype=np.bool_)
        texts = self.batch.reasons.texts
        for plugin, ids in ((podtopologyspread, spread.reasons), (interpodaffinity,
                                                                  affinity.reasons)):
            for reason in ids[1:].tolist():  # 0 is "passed"
                resolvable[reason] = texts[reason] not in plugin.UNRESOLVABLE_REASONS
        return resolvable

    def node_position(self, name: str) -> int:
        if not hasattr(self, "_positions"):
            self._positions = {n: i for i, n in enumerate(self.batch.node_names)}
        return self._positions.get(name, -1)

    def terminating_victim(self, n: int, priority: int) -> bool:
        """A lower-priority pod on node n is being deleted by preemption
        (podTerminatingByPreemption: a DisruptionTarget condition True, reason
        PreemptionByScheduler)."""
        state, victims = self.batch.state, self.victims
        pods = state.tables["pods"]
        for v in range(int(victims.start[n]), int(victims.start[n + 1])):
            row = int(victims.row[v])
            if victims.priority[v] >= priority or np.isnan(pods["deletion_time"][row]):
                continue
            body = state.strings.document(int(pods["body"][row])) or {}
            for condition in (body.get("status") or {}).get("conditions") or []:
                if condition.get("type") == "DisruptionTarget":
                    if condition.get("status") == "True" and \
                            condition.get("reason") == "PreemptionByScheduler":
                        return True
                    break
        return False
