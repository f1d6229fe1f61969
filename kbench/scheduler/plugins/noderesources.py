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

FIT = "NodeResourcesFit"
BALANCED = "NodeResourcesBalancedAllocation"

CPU, MEMORY, EPHEMERAL_STORAGE, PODS = 0, 1, 2, 3
MAX_NODE_SCORE = 100
MAX_UTILIZATION = 100
MAX_CUSTOM_PRIORITY_SCORE = 10  # RequestedToCapacityRatio shape scores are 0-10

LEAST_ALLOCATED, MOST_ALLOCATED, REQUESTED_TO_CAPACITY_RATIO = 0, 1, 2
STRATEGIES = {"LeastAllocated": LEAST_ALLOCATED, "MostAllocated": MOST_ALLOCATED,
              "RequestedToCapacityRatio": REQUESTED_TO_CAPACITY_RATIO}

TOO_MANY_PODS = "Too many pods"
RESOLVABLE, UNRESOLVABLE = 1, 2  # fit_filter's failure marks


def insufficient(resource: str) -> str:
    return f"Insufficient {resource}"


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
    """calculateResourceAllocatableRequest: (allocatable, requested + pod) for one resource,
    (0, 0) to skip a scalar resource the pod does not request."""
    if pod_request == 0 and resource > PODS:
        return 0, 0
    if resource == CPU or resource == MEMORY:
        node = requested[resource] if use_requested else nonzero_requested[resource]
        return allocatable[resource], node + pod_request
    return allocatable[resource], requested[resource] + pod_request


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


@njit(inline="always")
def fit_score(strategy, resources, weights, shape_utilization, shape_score,
              allocatable, requested, nonzero_requested, pod_request):
    """The NodeResourcesFit score of one node under LeastAllocated, MostAllocated or
    RequestedToCapacityRatio (shape_score already scaled to 0-100)."""
    node_score = 0
    weight_sum = 0
    for i in range(len(resources)):
        resource = resources[i]
        capacity, total = allocatable_and_requested(
            resource, allocatable, requested, nonzero_requested, pod_request[i], False)
        if capacity == 0:
            continue
        weight = weights[i]
        if strategy == LEAST_ALLOCATED:
            score = least_requested_score(total, capacity)
        elif strategy == MOST_ALLOCATED:
            score = most_requested_score(total, capacity)
        else:
            if total > capacity:
                score = broken_linear(MAX_UTILIZATION, shape_utilization, shape_score)
            else:
                score = broken_linear(total * MAX_UTILIZATION // capacity,
                                      shape_utilization, shape_score)
            if score <= 0:
                continue
        node_score += score * weight
        weight_sum += weight
    if weight_sum == 0:
        return 0
    if strategy == REQUESTED_TO_CAPACITY_RATIO:
        return np.int64(math.floor(node_score / weight_sum + 0.5))  # math.Round
    return node_score // weight_sum


@njit(inline="always")
def _balanced_fraction(resource, allocatable, requested, nonzero_requested, pod_request):
    """A resource's requested fraction of allocatable, capped at 1; -1 when not scored."""
    capacity, used = allocatable_and_requested(
        resource, allocatable, requested, nonzero_requested, pod_request, True)
    if capacity == 0:
        return -1.0
    fraction = used / capacity
    return 1.0 if fraction > 1 else fraction


@njit(inline="always")
def balanced_score(resources, allocatable, requested, nonzero_requested, pod_request):
    """balancedResourceScorer: (1 - std of the requested fractions) * 100, computed in two
    passes over the resources (no allocation) with Go's float operations in Go's order."""
    count = 0
    total = 0.0
    first = second = 0.0
    for i in range(len(resources)):
        fraction = _balanced_fraction(resources[i], allocatable, requested, nonzero_requested,
                                      pod_request[i])
        if fraction < 0:
            continue
        total += fraction
        if count == 0:
            first = fraction
        elif count == 1:
            second = fraction
        count += 1
    std = 0.0
    if count == 2:
        std = abs((first - second) / 2)
    elif count > 2:
        mean = total / count
        spread = 0.0
        for i in range(len(resources)):
            fraction = _balanced_fraction(resources[i], allocatable, requested,
                                          nonzero_requested, pod_request[i])
            if fraction >= 0:
                spread = spread + (fraction - mean) * (fraction - mean)
        std = math.sqrt(spread / count)
    return np.int64((1 - std) * MAX_NODE_SCORE)
