"""NodeResourcesFit and NodeResourcesBalancedAllocation reference plugins: resource Filter and the resource-based Scores.

Ported from pkg/scheduler/framework/plugins/noderesources/:
  fit.go                          PreFilter (computePodResourceRequest), Filter (fitsRequest),
                                  PreScore / Score, the scoringStrategy types
  resource_allocation.go          resourceAllocationScorer.score, calculateResourceAllocatableRequest,
                                  calculatePodResourceRequest (non-zero cpu/memory requests)
  least_allocated.go, most_allocated.go, requested_to_capacity_ratio.go   the three scorers
  balanced_allocation.go          PreScore (best-effort pods skip), balancedResourceScorer
and helper/shape_score.go (BuildBrokenLinearFunction), pkg/apis/core/v1/helper
(IsExtendedResourceName, IsScalarResourceName...), apis/config/v1/defaults.go (args defaults).

Feature gates are those of a current release: SidecarContainers on (GA); PodLevelResources,
DRAExtendedResource and InPlacePodVerticalScaling are not modelled (pod-level
spec.resources and DRA-backed extended resources are ignored).
"""

from __future__ import annotations

import math

from kbench.api.labels import qualified_name_errors
from kbench.api.resources import pod_requests
from reference.framework import (
    MAX_NODE_SCORE,
    SKIP,
    UNSCHEDULABLE,
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    CycleState,
    NodeInfo,
    Plugin,
    Snapshot,
    Status,
    go_div,
    non_zero_requests,
)

PRE_FILTER_STATE_KEY = "PreFilterNodeResourcesFit"
PRE_SCORE_STATE_KEY = "PreScoreNodeResourcesFit"
BALANCED_PRE_SCORE_STATE_KEY = "PreScoreNodeResourcesBalancedAllocation"

LEAST_ALLOCATED = "LeastAllocated"
MOST_ALLOCATED = "MostAllocated"
REQUESTED_TO_CAPACITY_RATIO = "RequestedToCapacityRatio"

MAX_UTILIZATION = 100            # requested_to_capacity_ratio.go maxUtilization
MAX_CUSTOM_PRIORITY_SCORE = 10   # apis/config MaxCustomPriorityScore

# apis/config/v1/defaults.go defaultResourceSpec
DEFAULT_RESOURCES = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]

CPU, MEMORY, EPHEMERAL_STORAGE, PODS = "cpu", "memory", "ephemeral-storage", "pods"


# ---------------------------------------------------------------------------
# Resource names (pkg/apis/core/v1/helper/helpers.go)
# ---------------------------------------------------------------------------

def is_prefixed_native_resource(name: str) -> bool:
    return "kubernetes.io/" in name


def is_native_resource(name: str) -> bool:
    return "/" not in name or is_prefixed_native_resource(name)


def is_extended_resource_name(name: str) -> bool:
    """Not native, not "requests."-prefixed, and "requests.<name>" a valid qualified name."""
    if is_native_resource(name) or name.startswith("requests."):
        return False
    return not qualified_name_errors("requests." + name)


def is_hugepage_resource_name(name: str) -> bool:
    return name.startswith("hugepages-")


def is_attachable_volume_resource_name(name: str) -> bool:
    return name.startswith("attachable-volumes-")


def is_scalar_resource_name(name: str) -> bool:
    """IsScalarResourceName: the resources framework.Resource keeps in ScalarResources."""
    return (is_extended_resource_name(name) or is_hugepage_resource_name(name)
            or is_prefixed_native_resource(name) or is_attachable_volume_resource_name(name))


def scalar_resources(amounts: dict[str, int]) -> dict[str, int]:
    """framework.Resource.Add/SetMaxResource: only scalar resources become ScalarResources."""
    return {name: value for name, value in amounts.items() if is_scalar_resource_name(name)}


# ---------------------------------------------------------------------------
# NodeResourcesFit: Filter
# ---------------------------------------------------------------------------

def compute_pod_resource_request(pod: dict) -> dict[str, int]:
    """fit.go computePodResourceRequest: resource.PodRequests (containers summed, init
    containers as a running max, sidecars, overhead) kept as framework.Resource keeps it:
    cpu, memory, ephemeral-storage and the scalar resources."""
    requests = pod_requests(pod.get("spec") or {})
    result = {name: requests.get(name, 0) for name in (CPU, MEMORY, EPHEMERAL_STORAGE)}
    result.update(scalar_resources(requests))
    return result


def fits_request(request: dict[str, int], node: NodeInfo, ignored_resources: set[str] = frozenset(),
                 ignored_groups: set[str] = frozenset()) -> list[tuple[str, bool]]:
    """fit.go fitsRequest: the (reason, unresolvable) of every insufficient resource, in Go's
    order: pods, cpu, memory, ephemeral-storage, then the scalar resources (Go iterates a map;
    here they come sorted by name). Unresolvable: the request exceeds the node's allocatable."""
    insufficient: list[tuple[str, bool]] = []
    allocatable = node.allocatable
    requested = node.requested
    if len(node.pods) + 1 > allocatable.get(PODS, 0):
        insufficient.append(("Too many pods", False))
    scalars = {name: value for name, value in request.items()
               if name not in (CPU, MEMORY, EPHEMERAL_STORAGE)}
    if (request.get(CPU, 0) == 0 and request.get(MEMORY, 0) == 0
            and request.get(EPHEMERAL_STORAGE, 0) == 0 and not scalars):
        return insufficient
    for name in (CPU, MEMORY, EPHEMERAL_STORAGE):
        want = request.get(name, 0)
        if want > 0 and want > allocatable.get(name, 0) - requested.get(name, 0):
            insufficient.append((f"Insufficient {name}", want > allocatable.get(name, 0)))
    for name in sorted(scalars):
        want = scalars[name]
        if want == 0:
            continue
        if is_extended_resource_name(name):
            # Extended resources the args say to ignore (by name or by the group before '/').
            group = name.split("/")[0] if ignored_groups else ""
            if name in ignored_resources or group in ignored_groups:
                continue
        have = allocatable.get(name, 0) if is_scalar_resource_name(name) else 0
        if want > have - requested.get(name, 0):
            insufficient.append((f"Insufficient {name}", want > have))
    return insufficient


# ---------------------------------------------------------------------------
# Scoring (resource_allocation.go and the three strategies)
# ---------------------------------------------------------------------------

def resource_specs(resources: list[dict] | None) -> list[tuple[str, int]]:
    """defaults.go: no resources means cpu and memory with weight 1; a weight of 0 becomes 1."""
    specs = resources or DEFAULT_RESOURCES
    return [(spec["name"], spec.get("weight") or 1) for spec in specs]


def pod_resource_request(pod: dict, resource: str, use_requested: bool) -> int:
    """resource_allocation.go calculatePodResourceRequest: resource.PodRequests, with the
    scheduler's non-zero cpu/memory defaults for containers that set none unless
    useRequested (BalancedAllocation)."""
    if not use_requested and resource in (CPU, MEMORY):
        return non_zero_requests(pod)[resource]
    return pod_requests(pod.get("spec") or {}).get(resource, 0)


def allocatable_and_requested(node: NodeInfo, resource: str, pod_request: int,
                              use_requested: bool) -> tuple[int, int]:
    """resource_allocation.go calculateResourceAllocatableRequest: (allocatable, requested on
    the node including the pod); (0, 0) for a scalar resource the pod does not request or a
    resource the node does not have."""
    if pod_request == 0 and is_scalar_resource_name(resource):
        return 0, 0
    allocatable = node.allocatable
    if resource in (CPU, MEMORY):
        requested = node.requested if use_requested else node.non_zero_requested
        return allocatable.get(resource, 0), requested.get(resource, 0) + pod_request
    if resource == EPHEMERAL_STORAGE:
        return allocatable.get(resource, 0), node.requested.get(resource, 0) + pod_request
    if is_scalar_resource_name(resource) and resource in allocatable:
        return allocatable[resource], node.requested.get(resource, 0) + pod_request
    return 0, 0


def least_requested_score(requested: int, capacity: int) -> int:
    """least_allocated.go leastRequestedScore: the unused share on a 0..MaxNodeScore scale."""
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def most_requested_score(requested: int, capacity: int) -> int:
    """most_allocated.go mostRequestedScore: the used share, requested capped at capacity."""
    if capacity == 0:
        return 0
    if requested > capacity:
        requested = capacity
    return requested * MAX_NODE_SCORE // capacity


def broken_linear_function(shape: list[tuple[int, int]]):
    """helper/shape_score.go BuildBrokenLinearFunction over (utilization, score) points,
    with Go's truncating integer division."""
    def function(p: int) -> int:
        for i, (utilization, score) in enumerate(shape):
            if p <= utilization:
                if i == 0:
                    return shape[0][1]
                prev_utilization, prev_score = shape[i - 1]
                return prev_score + go_div((score - prev_score) * (p - prev_utilization),
                                           utilization - prev_utilization)
        return shape[-1][1]
    return function


def go_round_ratio(numerator: int, denominator: int) -> int:
    """int64(math.Round(float64(n) / float64(d))) for n >= 0, d > 0: half away from zero."""
    return (2 * numerator + denominator) // (2 * denominator)


class ResourceAllocationScorer:
    """resource_allocation.go resourceAllocationScorer: per-resource (requested, allocatable)
    lists, entries left at 0 where the allocatable is 0, given to a strategy's scorer."""

    def __init__(self, resources: list[tuple[str, int]], scorer, use_requested: bool) -> None:
        self.resources = resources
        self.scorer = scorer
        self.use_requested = use_requested

    def pod_requests(self, pod: dict) -> list[int]:
        """calculatePodResourceRequestList."""
        return [pod_resource_request(pod, name, self.use_requested) for name, _ in self.resources]

    def score(self, node: NodeInfo, pod_requests_list: list[int]) -> int:
        requested = [0] * len(self.resources)
        allocatable = [0] * len(self.resources)
        for i, (name, _) in enumerate(self.resources):
            alloc, req = allocatable_and_requested(node, name, pod_requests_list[i], self.use_requested)
            if alloc == 0:  # only fill the entry when the allocatable is non-zero
                continue
            allocatable[i] = alloc
            requested[i] = req
        return self.scorer(requested, allocatable)


def least_resource_scorer(resources: list[tuple[str, int]]):
    """least_allocated.go leastResourceScorer: weighted mean of leastRequestedScore."""
    def scorer(requested: list[int], allocatable: list[int]) -> int:
        node_score = weight_sum = 0
        for i in range(len(requested)):
            if allocatable[i] == 0:
                continue
            weight = resources[i][1]
            node_score += least_requested_score(requested[i], allocatable[i]) * weight
            weight_sum += weight
        return 0 if weight_sum == 0 else node_score // weight_sum
    return scorer


def most_resource_scorer(resources: list[tuple[str, int]]):
    """most_allocated.go mostResourceScorer: weighted mean of mostRequestedScore."""
    def scorer(requested: list[int], allocatable: list[int]) -> int:
        node_score = weight_sum = 0
        for i in range(len(requested)):
            if allocatable[i] == 0:
                continue
            weight = resources[i][1]
            node_score += most_requested_score(requested[i], allocatable[i]) * weight
            weight_sum += weight
        return 0 if weight_sum == 0 else node_score // weight_sum
    return scorer


def requested_to_capacity_ratio_scorer(resources: list[tuple[str, int]], shape: list[dict]):
    """requested_to_capacity_ratio.go: the shape's scores (0..MaxCustomPriorityScore) scaled
    to 0..MaxNodeScore; only resources with a positive score count in the weighted mean,
    which is rounded (math.Round)."""
    points = [(point.get("utilization") or 0,
               (point.get("score") or 0) * (MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE))
              for point in shape]
    raw = broken_linear_function(points)

    def resource_score(requested: int, capacity: int) -> int:
        if capacity == 0 or requested > capacity:
            return raw(MAX_UTILIZATION)
        return raw(requested * MAX_UTILIZATION // capacity)

    def scorer(requested: list[int], allocatable: list[int]) -> int:
        node_score = weight_sum = 0
        for i in range(len(requested)):
            if allocatable[i] == 0:
                continue
            weight = resources[i][1]
            score = resource_score(requested[i], allocatable[i])
            if score > 0:
                node_score += score * weight
                weight_sum += weight
        return 0 if weight_sum == 0 else go_round_ratio(node_score, weight_sum)
    return scorer


def balanced_resource_scorer(requested: list[int], allocatable: list[int]) -> int:
    """balanced_allocation.go balancedResourceScorer: (1 - std of the usage fractions) *
    MaxNodeScore, fractions capped at 1; two fractions: |f1 - f2| / 2."""
    fractions = []
    total = 0.0
    for i in range(len(requested)):
        if allocatable[i] == 0:
            continue
        fraction = float(requested[i]) / float(allocatable[i])
        if fraction > 1:
            fraction = 1.0
        total += fraction
        fractions.append(fraction)
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = total / float(len(fractions))
        squares = 0.0
        for fraction in fractions:
            squares = squares + (fraction - mean) * (fraction - mean)
        std = math.sqrt(squares / float(len(fractions)))
    return int((1 - std) * float(MAX_NODE_SCORE))


# ---------------------------------------------------------------------------
# The plugins
# ---------------------------------------------------------------------------

class NodeResourcesFit(Plugin):
    name = "NodeResourcesFit"

    def __init__(self, args: dict | None = None, snapshot: Snapshot | None = None) -> None:
        super().__init__(args, snapshot)
        self.ignored_resources = set(self.args.get("ignoredResources") or [])
        self.ignored_groups = set(self.args.get("ignoredResourceGroups") or [])
        # defaults.go SetDefaults_NodeResourcesFitArgs
        strategy = self.args.get("scoringStrategy") or {"type": LEAST_ALLOCATED}
        kind = strategy.get("type") or LEAST_ALLOCATED
        resources = resource_specs(strategy.get("resources"))
        if kind == LEAST_ALLOCATED:
            scorer = least_resource_scorer(resources)
        elif kind == MOST_ALLOCATED:
            scorer = most_resource_scorer(resources)
        elif kind == REQUESTED_TO_CAPACITY_RATIO:
            shape = (strategy.get("requestedToCapacityRatio") or {}).get("shape") or []
            scorer = requested_to_capacity_ratio_scorer(resources, shape)
        else:
            raise ValueError(f"scoring strategy {kind} is not supported")
        self.scorer = ResourceAllocationScorer(resources, scorer, use_requested=False)

    def pre_filter(self, state: CycleState, pod: dict, snapshot: Snapshot) -> Status:
        state[PRE_FILTER_STATE_KEY] = compute_pod_resource_request(pod)
        return Status()

    def filter(self, state: CycleState, pod: dict, node: NodeInfo) -> Status:
        insufficient = fits_request(state[PRE_FILTER_STATE_KEY], node,
                                    self.ignored_resources, self.ignored_groups)
        if not insufficient:
            return Status()
        code = UNSCHEDULABLE_AND_UNRESOLVABLE if any(u for _, u in insufficient) else UNSCHEDULABLE
        return Status(code, [reason for reason, _ in insufficient])

    def pre_score(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> Status:
        state[PRE_SCORE_STATE_KEY] = self.scorer.pod_requests(pod)
        return Status()

    def score(self, state: CycleState, pod: dict, node: NodeInfo) -> int:
        requests = state.get(PRE_SCORE_STATE_KEY)
        if requests is None:
            requests = self.scorer.pod_requests(pod)
        return self.scorer.score(node, requests)


class NodeResourcesBalancedAllocation(Plugin):
    name = "NodeResourcesBalancedAllocation"

    def __init__(self, args: dict | None = None, snapshot: Snapshot | None = None) -> None:
        super().__init__(args, snapshot)
        # defaults.go SetDefaults_NodeResourcesBalancedAllocationArgs
        resources = resource_specs(self.args.get("resources"))
        self.scorer = ResourceAllocationScorer(resources, balanced_resource_scorer, use_requested=True)

    def pre_score(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> Status:
        requests = self.scorer.pod_requests(pod)
        if all(request == 0 for request in requests):
            # Best-effort pods skip BalancedAllocation (kubernetes/kubernetes#129138).
            return Status(SKIP)
        state[BALANCED_PRE_SCORE_STATE_KEY] = requests
        return Status()

    def score(self, state: CycleState, pod: dict, node: NodeInfo) -> int:
        requests = state.get(BALANCED_PRE_SCORE_STATE_KEY)
        if requests is None:
            requests = self.scorer.pod_requests(pod)
            if all(request == 0 for request in requests):
                return 0
        return self.scorer.score(node, requests)
