"""NodeResourcesFit and NodeResourcesBalancedAllocation: does the pod fit the node's free
resources, and how good a fit is it. pkg/scheduler/framework/plugins/noderesources/ (fit.go,
resource_allocation.go, least_allocated.go, most_allocated.go,
requested_to_capacity_ratio.go, balanced_allocation.go, helper/shape_score.go).

Resources are columns of the state's resources arrays: 0 cpu (millicores), 1 memory,
2 ephemeral-storage, 3 pods, 4... extended and other scalar resources.
"""

from __future__ import annotations

import math

import numpy as np

from kbench._jit import njit
from kbench.api.resources import pod_requests

FIT = "NodeResourcesFit"
BALANCED = "NodeResourcesBalancedAllocation"

CPU, MEMORY, EPHEMERAL_STORAGE, PODS = 0, 1, 2, 3
MAX_NODE_SCORE = 100
MAX_UTILIZATION = 100
MAX_CUSTOM_PRIORITY_SCORE = 10  # RequestedToCapacityRatio shape scores are 0-10

LEAST_ALLOCATED, MOST_ALLOCATED, REQUESTED_TO_CAPACITY_RATIO = 0, 1, 2
STRATEGIES = {"LeastAllocated": LEAST_ALLOCATED, "MostAllocated": MOST_ALLOCATED,
              "RequestedToCapacityRatio": REQUESTED_TO_CAPACITY_RATIO}

DEFAULT_MILLI_CPU_REQUEST = 100           # pkg/scheduler/util/pod_resources.go
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
#: what a container without a cpu or memory request counts as (millicores, bytes)
NONZERO_DEFAULTS = {"cpu": DEFAULT_MILLI_CPU_REQUEST, "memory": DEFAULT_MEMORY_REQUEST}

TOO_MANY_PODS = "Too many pods"
RESOLVABLE, UNRESOLVABLE = 1, 2  # fit_filter's failure marks


def insufficient(resource: str) -> str:
    return f"Insufficient {resource}"


def nonzero_requests(spec: dict) -> tuple[int, int]:
    """(cpu millicores, memory bytes) the scheduler scores a pod with: containers without a
    request count as 100m / 200Mi (GetNonzeroRequests via NonMissingContainerRequests)."""
    requests = pod_requests(spec, NONZERO_DEFAULTS)
    return requests.get("cpu", 0), requests.get("memory", 0)


@njit(inline="always")
def fit_filter(allocatable, requested, pod_request, ignored, failures) -> bool:
    """fitsRequest: mark ``failures[r]`` for every resource r the node lacks (r == PODS: too
    many pods) with RESOLVABLE, or UNRESOLVABLE when the request exceeds the node's whole
    allocatable (preemption cannot help); True when the pod fits. ``ignored[r]``:
    ignoredResources / ignoredResourceGroups."""
    fits = True
    if requested[PODS] + 1 > allocatable[PODS]:
        failures[PODS] = RESOLVABLE
        fits = False
    nothing = True
    for r in range(len(pod_request)):
        if r != PODS and pod_request[r] != 0:
            nothing = False
    if nothing:
        return fits
    for r in range(len(pod_request)):
        if r == PODS or pod_request[r] <= 0 or ignored[r]:
            continue
        if pod_request[r] > allocatable[r] - requested[r]:
            failures[r] = UNRESOLVABLE if pod_request[r] > allocatable[r] else RESOLVABLE
            fits = False
    return fits


@njit(inline="always")
def allocatable_and_requested(resource, allocatable, requested, nonzero_requested,
                              pod_request, use_requested):
    """calculateResourceAllocatableRequest for one node and resource, on scalars: (allocatable,
    requested + pod), or (0, 0) to skip a scalar resource the pod does not request."""
    if pod_request == 0 and resource > PODS:
        return 0, 0
    if (resource == CPU or resource == MEMORY) and not use_requested:
        return allocatable, nonzero_requested + pod_request
    return allocatable, requested + pod_request


@njit(inline="always")
def least_requested_score(requested, capacity):
    if capacity == 0 or requested > capacity:
        return 0
    return ((capacity - requested) * MAX_NODE_SCORE) // capacity


@njit(inline="always")
def most_requested_score(requested, capacity):
    if capacity == 0:
        return 0
    if requested > capacity:
        requested = capacity
    return (requested * MAX_NODE_SCORE) // capacity


@njit(inline="always")
def broken_linear(utilization, shape_utilization, shape_score):
    """helper.BuildBrokenLinearFunction over the (utilization, score) points."""
    for i in range(len(shape_utilization)):
        if utilization <= shape_utilization[i]:
            if i == 0:
                return shape_score[0]
            return shape_score[i - 1] + (shape_score[i] - shape_score[i - 1]) * (
                utilization - shape_utilization[i - 1]) // (
                shape_utilization[i] - shape_utilization[i - 1])
    return shape_score[len(shape_score) - 1]


@njit
def fit_scores(strategy, resources, weights, shape_utilization, shape_score, allocatable,
               requested, nonzero_requested, pod_request, feasible, count, out):
    """The NodeResourcesFit score of each of the first ``count`` feasible nodes into ``out``,
    under LeastAllocated, MostAllocated or RequestedToCapacityRatio (shape_score already
    scaled to 0-100). The loop over nodes is inside: one call per pod, not per node."""
    for i in range(count):
        n = feasible[i]
        node_score = 0
        weight_sum = 0
        for k in range(len(resources)):
            resource = resources[k]
            nonzero = nonzero_requested[n, resource] if resource < 2 else 0
            capacity, total = allocatable_and_requested(
                resource, allocatable[n, resource], requested[n, resource], nonzero,
                pod_request[k], False)
            if capacity == 0:
                continue
            if strategy == LEAST_ALLOCATED:
                score = least_requested_score(total, capacity)
            elif strategy == MOST_ALLOCATED:
                score = most_requested_score(total, capacity)
            else:
                utilization = MAX_UTILIZATION if total > capacity else (
                    total * MAX_UTILIZATION // capacity)
                score = broken_linear(utilization, shape_utilization, shape_score)
                if score <= 0:
                    continue
            node_score += score * weights[k]
            weight_sum += weights[k]
        if weight_sum == 0:
            out[i] = 0
        elif strategy == REQUESTED_TO_CAPACITY_RATIO:
            out[i] = np.int64(math.floor(node_score / weight_sum + 0.5))  # math.Round
        else:
            out[i] = node_score // weight_sum


@njit(inline="always")
def balanced_fraction(resource, allocatable, requested, pod_request):
    """A resource's requested fraction of allocatable, capped at 1; -1 when not scored."""
    capacity, used = allocatable_and_requested(resource, allocatable, requested, 0,
                                               pod_request, True)
    if capacity == 0:
        return -1.0
    fraction = used / capacity
    return 1.0 if fraction > 1 else fraction


@njit
def balanced_scores(resources, allocatable, requested, pod_request, feasible, count, out):
    """balancedResourceScorer on each of the first ``count`` feasible nodes: (1 - std of the
    requested fractions) * 100, with Go's float operations in Go's order."""
    for i in range(count):
        n = feasible[i]
        fractions_seen = 0
        total = 0.0
        first = second = 0.0
        for k in range(len(resources)):
            r = resources[k]
            fraction = balanced_fraction(r, allocatable[n, r], requested[n, r], pod_request[k])
            if fraction < 0:
                continue
            total += fraction
            if fractions_seen == 0:
                first = fraction
            elif fractions_seen == 1:
                second = fraction
            fractions_seen += 1
        std = 0.0
        if fractions_seen == 2:
            std = abs((first - second) / 2)
        elif fractions_seen > 2:
            mean = total / fractions_seen
            spread = 0.0
            for k in range(len(resources)):
                r = resources[k]
                fraction = balanced_fraction(r, allocatable[n, r], requested[n, r],
                                              pod_request[k])
                if fraction >= 0:
                    spread = spread + (fraction - mean) * (fraction - mean)
            std = math.sqrt(spread / fractions_seen)
        out[i] = np.int64((1 - std) * MAX_NODE_SCORE)
