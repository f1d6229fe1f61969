"""The HorizontalPodAutoscaler decision kernel: every HPA of a sync decided in one compiled loop.

A port of kubernetes pkg/controller/podautoscaler: replica_calculator.go (GetResourceReplicas,
GetRawResourceReplicas, GetMetricReplicas, GetObjectMetricReplicas,
GetObjectPerPodMetricReplicas, GetExternalMetricReplicas, GetExternalPerPodMetricReplicas,
groupPods), metrics/utilization.go (GetResourceUtilizationRatio, GetMetricUsageRatio) and
horizontal.go (reconcileAutoscaler, computeReplicasForMetrics, normalizeDesiredReplicas,
normalizeDesiredReplicasWithBehaviors, stabilizeRecommendation[WithBehaviors],
convertDesiredReplicasWith{Rules,BehaviorRate}, calculateScale{Up,Down}Limit*,
storeScaleEvent). Names follow Go's so the two read side by side.

decide_hpas runs three phases over all HPAs (the scale; every metric; combination and
normalisation), see "how the kernel is laid out" below for why. Kernels see integer codes and
arrays only (see kbench.controllers.hpa for the packing). All
quantities are int64 milli-values as Go's Quantity.MilliValue() gives them (cpu millicores,
memory bytes x 1000, custom metrics x 1000); utilization is Go's int32 percentage; times are
simulated seconds. The history arrays are updated in place, exactly as the Go controller
mutates its recommendation and scale-event slices.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from kbench._jit import njit

# -- codes shared with kbench.controllers.hpa -------------------------------------------------

# MetricSourceType
SOURCE_RESOURCE, SOURCE_PODS, SOURCE_OBJECT, SOURCE_EXTERNAL, SOURCE_CONTAINER_RESOURCE = range(5)
# MetricTargetType
TARGET_UTILIZATION, TARGET_AVERAGE_VALUE, TARGET_VALUE = range(3)
# resource names the metrics API serves; anything else has no metrics
RESOURCE_CPU, RESOURCE_MEMORY = 0, 1
# HPAScalingPolicyType and ScalingPolicySelect
POLICY_PODS, POLICY_PERCENT = 0, 1
SELECT_MAX, SELECT_MIN, SELECT_DISABLED = 0, 1, 2
# pod phases, as kbench.state.schema.POD_PHASES orders them
PHASE_PENDING, PHASE_RUNNING, PHASE_SUCCEEDED, PHASE_FAILED = 0, 1, 2, 3

# what happened to an HPA in this sync
(OUTCOME_KEPT, OUTCOME_RESCALED, OUTCOME_FAILED_GET_SCALE, OUTCOME_DISABLED,
 OUTCOME_INVALID_SELECTOR, OUTCOME_METRICS_FAILED, OUTCOME_AMBIGUOUS_SELECTOR) = range(7)

# the rescale reason (reconcileAutoscaler's rescaleReason)
(REASON_NONE, REASON_ABOVE_TARGET, REASON_ALL_BELOW, REASON_ABOVE_MAX,
 REASON_BELOW_MIN) = range(5)

# setCondition calls, in the order Go makes them; the table in hpa.py gives type, status,
# reason and message of each code.
(COND_FAILED_GET_SCALE, COND_SUCCEEDED_GET_SCALE, COND_SCALING_DISABLED, COND_INVALID_SELECTOR,
 COND_VALID_METRIC_FOUND, COND_FAILED_GET_METRIC, COND_SCALE_UP_STABILIZED,
 COND_SCALE_DOWN_STABILIZED, COND_READY_FOR_NEW_SCALE, COND_DESIRED_WITHIN_RANGE,
 COND_TOO_MANY_REPLICAS, COND_TOO_FEW_REPLICAS, COND_SCALE_UP_LIMIT, COND_SCALE_DOWN_LIMIT,
 COND_SUCCEEDED_RESCALE, COND_AMBIGUOUS_SELECTOR) = range(16)
MAX_CONDITIONS = 6

# why a metric could not be computed (the error text is built in hpa.py)
(ERR_NONE, ERR_NO_RESOURCE_METRICS, ERR_NO_PODS, ERR_NO_READY_METRICS, ERR_MISSING_REQUEST,
 ERR_NO_CUSTOM_METRICS, ERR_NO_OBJECT_METRIC, ERR_NO_EXTERNAL_METRIC, ERR_READY_PODS) = range(9)

MAX_INT32 = 2147483647
MIN_INT32 = -2147483648
MIN_INT64 = -9223372036854775808


class HpaSpecs(NamedTuple):
    """The spec of every live HPA, compiled once per change of the HPA table.

    Index i is the HPA's position in this sync (``hpa_rows[i]`` is its table row); metrics
    and policies are CSR: HPA i owns ``metric_start[i]:metric_start[i+1]``.
    """

    hpa_rows: np.ndarray          # int64 [n]
    min_replicas: np.ndarray      # int32 [n] (spec.minReplicas, defaulted to 1)
    max_replicas: np.ndarray      # int32 [n]
    metric_start: np.ndarray      # int64 [n+1]
    metric_source: np.ndarray     # int8 [m] SOURCE_*
    metric_target_type: np.ndarray  # int8 [m] TARGET_*
    metric_resource: np.ndarray   # int8 [m] RESOURCE_* or -1
    metric_target: np.ndarray     # int64 [m] percent (Utilization) or milli-value
    has_behavior: np.ndarray      # bool [n] spec.behavior set (else the legacy path)
    up_window: np.ndarray         # int32 [n] scaleUp.stabilizationWindowSeconds
    down_window: np.ndarray       # int32 [n] scaleDown's, or the controller's default
    up_select: np.ndarray         # int8 [n] SELECT_*
    down_select: np.ndarray       # int8 [n]
    up_tolerance: np.ndarray      # float64 [n]
    down_tolerance: np.ndarray    # float64 [n]
    up_policy_start: np.ndarray   # int64 [n+1]
    up_policy_type: np.ndarray    # int8 POLICY_*
    up_policy_value: np.ndarray   # int32
    up_policy_period: np.ndarray  # int32 seconds
    down_policy_start: np.ndarray
    down_policy_type: np.ndarray
    down_policy_value: np.ndarray
    down_policy_period: np.ndarray


class HpaInputs(NamedTuple):
    """What one sync observes: the scale of each target, its pods (CSR of pod indexes) and the
    metrics. Per-pod arrays are the pods table's columns (pod index = table row, observe hands
    them over without a copy; the requests are contiguous copies, PodSelection's) and
    metrics-server's samples; the kernel derives what groupPods
    and the replica calculator read from them (see "the pods' values"). Pod p's sample is
    row ``sample_of_pod[p]`` of the sample arrays (-1: none; pods past its end have none):
    metrics-server's pods in one usage group share a row.

    ``pod_owner`` lets the kernel sum the pods' metrics in one pass in pod order (reading the
    columns in order, not each HPA's pods wherever they are): the HPA whose pods hold pod p
    when that is the only one, else -1. An HPA whose pods are all its own is summed that way;
    the others pod by pod (all -1: always)."""

    target_found: np.ndarray      # bool [n] the scale subresource could be read
    has_selector: np.ndarray      # bool [n] the target's scale has a selector
    ambiguous: np.ndarray         # bool [n] its pods are also selected by another HPA's target
    spec_replicas: np.ndarray     # int32 [n] scale.spec.replicas
    status_replicas: np.ndarray   # int32 [n] scale.status.replicas
    pod_start: np.ndarray         # int64 [n+1]
    pod_rows: np.ndarray          # int64 [k] pod indexes of HPA i: pod_rows[pod_start[i]:pod_start[i+1]]
    pod_owner: np.ndarray         # int32 [P] see above
    phase: np.ndarray             # int8 [P] POD_PHASES
    ready: np.ndarray             # bool [P] Ready condition status True
    node_index: np.ndarray        # int32 [P] -1: not bound by the scheduler
    node_name: np.ndarray         # int32 [P] string code of spec.nodeName, -1: none
    start_time: np.ndarray        # float64 [P] status.startTime (NaN: nil)
    ready_time: np.ndarray        # float64 [P] when it became ready (NaN: never)
    deletion_time: np.ndarray     # float64 [P] metadata.deletionTimestamp (NaN: not set)
    cpu_request: np.ndarray       # int64 [P] millicores (0: missing)
    memory_request: np.ndarray    # int64 [P] bytes (0: missing)
    sample_of_pod: np.ndarray     # int32 [S <= P] the row of pod p's sample, -1: none
    cpu_usage: np.ndarray         # float64 [R] millicores (NaN: no sample)
    memory_usage: np.ndarray      # float64 [R] bytes (NaN: no sample)
    sample_time: np.ndarray       # float64 [R] timestamp of the sample
    sample_window: np.ndarray     # float64 [R] window of the sample
    pod_metric_values: np.ndarray  # int64 [K, P] Pods metrics (milli), one row per distinct metric
    pod_metric_has: np.ndarray    # bool [K, P]
    metric_series: np.ndarray     # int64 [m] row of pod_metric_values of a Pods metric
    scalar_value: np.ndarray      # int64 [m] Object / External metric value (milli)
    scalar_has: np.ndarray        # bool [m]


class HpaTimings(NamedTuple):
    """kube-controller-manager's HPA flags (seconds) and the sync's time."""

    now: float
    cpu_initialization_period: float        # --horizontal-pod-autoscaler-cpu-initialization-period
    delay_of_initial_readiness_status: float  # ...-initial-readiness-delay
    downscale_stabilization_window: float   # ...-downscale-stabilization


class HistoryArrays(NamedTuple):
    """Views of HpaHistory: per HPA table row, recommendations and scale events in slice order."""

    rec_count: np.ndarray      # int32 [R]
    rec_value: np.ndarray      # int32 [R, C]
    rec_time: np.ndarray       # float64 [R, C]
    up_count: np.ndarray       # int32 [R]
    up_change: np.ndarray      # int32 [R, E]
    up_time: np.ndarray        # float64 [R, E]
    up_outdated: np.ndarray    # bool [R, E]
    down_count: np.ndarray
    down_change: np.ndarray
    down_time: np.ndarray
    down_outdated: np.ndarray


class HpaOutputs(NamedTuple):
    """Everything the kernel decided, per HPA (n) and per metric (m)."""

    outcome: np.ndarray        # int8 [n] OUTCOME_*
    current_replicas: np.ndarray  # int32 [n]
    desired_replicas: np.ndarray  # int32 [n] what status.desiredReplicas becomes
    rescale: np.ndarray        # bool [n]
    reason: np.ndarray         # int8 [n] REASON_*
    reason_metric: np.ndarray  # int64 [n] metric index named by "<metric> above target"
    valid_metric: np.ndarray   # int64 [n] metric index named by ValidMetricFound
    cond_count: np.ndarray     # int8 [n]
    cond_code: np.ndarray      # int8 [n, MAX_CONDITIONS] setCondition calls in order
    cond_metric: np.ndarray    # int64 [n] metric index of a FailedGet*Metric condition
    invalid_count: np.ndarray  # int32 [n]
    first_invalid: np.ndarray  # int64 [n] metric index of the first error
    metric_computed: np.ndarray  # bool [m] the metric was evaluated this sync
    metric_error: np.ndarray   # int8 [m] ERR_*
    metric_error_pod: np.ndarray  # int64 [m] pod row of a missing-request error
    metric_replicas: np.ndarray   # int32 [m] replicaCountProposal
    metric_utilization: np.ndarray  # int32 [m] percentage (Utilization targets)
    metric_value: np.ndarray   # int64 [m] milli-value: average / raw value / usage


def empty_outputs(n: int, m: int) -> HpaOutputs:
    """Output arrays for n HPAs with m metrics in total."""
    return HpaOutputs(
        outcome=np.zeros(n, np.int8), current_replicas=np.zeros(n, np.int32),
        desired_replicas=np.zeros(n, np.int32), rescale=np.zeros(n, np.bool_),
        reason=np.zeros(n, np.int8), reason_metric=np.full(n, -1, np.int64),
        valid_metric=np.full(n, -1, np.int64), cond_count=np.zeros(n, np.int8),
        cond_code=np.zeros((n, MAX_CONDITIONS), np.int8), cond_metric=np.full(n, -1, np.int64),
        invalid_count=np.zeros(n, np.int32), first_invalid=np.full(n, -1, np.int64),
        metric_computed=np.zeros(m, np.bool_), metric_error=np.zeros(m, np.int8),
        metric_error_pod=np.full(m, -1, np.int64), metric_replicas=np.zeros(m, np.int32),
        metric_utilization=np.zeros(m, np.int32), metric_value=np.zeros(m, np.int64))


# -- small arithmetic as Go does it -----------------------------------------------------------
# Helpers called once per pod are inlined by numba (inline="always"): called normally they would
# receive the HpaInputs tuple by value, a copy of ~25 array structs per pod.

@njit(inline="always")
def _ceil_int32(x: float) -> int:
    """int32(math.Ceil(x)), saturating at the int32 rails (Go's newer code caps explicitly;
    an overflowing conversion is undefined in Go and never reached by sane inputs)."""
    c = math.ceil(x)
    if c > MAX_INT32:
        return MAX_INT32
    if c < MIN_INT32:
        return MIN_INT32
    return int(c)


@njit(inline="always")
def _within(ratio: float, down: float, up: float) -> bool:
    """Tolerances.isWithin: (1 - scaleDown) <= usageRatio <= (1 + scaleUp)."""
    return (1.0 - down) <= ratio <= (1.0 + up)


@njit(inline="always")
def _utilization(metrics_total: int, requests_total: int) -> int:
    """GetResourceUtilizationRatio's int32((metricsTotal * 100) / requestsTotal), clamped to the
    int32 rails as the current Go code does."""
    u = (metrics_total * 100) // requests_total if metrics_total >= 0 else -((-metrics_total * 100) // requests_total)
    if u > MAX_INT32:
        return MAX_INT32
    if u < MIN_INT32:
        return MIN_INT32
    return u


@njit(inline="always")
def _go_div(a: int, b: int) -> int:
    """Go's int64 division truncates toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


# -- how the kernel is laid out ---------------------------------------------------------------------
# numba updates the reference count of every array of a NamedTuple each time a field is read
# and each time the tuple is passed to a function that is not inlined. Inside loops over
# 10,000 HPAs and 150,000 pods that costs 20x the arithmetic (measured). So decide_hpas runs
# three phases (scale, metrics, normalisation), each a function that unpacks its tuples once
# and loops over all HPAs; the per-HPA and per-pod helpers are inlined and take plain arrays.
# The wrappers at the end (taking HpaSpecs / HistoryArrays) are for tests of single functions.

# what phase 1 leaves for HPA i
PATH_DONE, PATH_ABOVE_MAX, PATH_BELOW_MIN, PATH_METRICS = range(4)

# groupPods' answer for one pod
GROUP_READY, GROUP_UNREADY, GROUP_MISSING, GROUP_IGNORED = 0, 1, 2, 3


@njit(inline="always")
def _add_condition(i, code, cond_count, cond_code) -> None:
    c = cond_count[i]
    cond_code[i, c] = code
    cond_count[i] = c + 1


# -- the pods' values ---------------------------------------------------------------------------
# What the kernel reads of a pod, derived from the pods table's columns where it is read (no
# per-pod arrays are packed per sync): the Ready condition exists once the pod is bound; its
# lastTransitionTime is ready_time or, never ready, the start time; requests and samples are
# milli-values (memory bytes x 1000), a pod past the samples' end has none.

@njit(inline="always")
def _milli_of_sample(value: float) -> int:
    """Quantity.MilliValue() of a value already in milli units, rounded as numpy's
    ``np.ceil(np.round(v, 3))`` does (times 1000, round half to even, divided by 1000), cast as
    numpy casts on x86 (out of range and inf give the int64 minimum)."""
    rounded = np.ceil(np.rint(value * 1000.0) / 1000.0)
    if not (-9.223372036854775808e18 <= rounded < 9.223372036854775808e18):
        return MIN_INT64
    return int(rounded)


@njit(inline="always")
def _sample_row(p, sample_of_pod) -> int:
    """The row of pod p's sample (-1: none)."""
    return sample_of_pod[p] if p < sample_of_pod.shape[0] else -1


@njit(inline="always")
def _usage(p, resource, sample_of_pod, cpu_usage, memory_usage):
    """(has a sample, milli-value of the sample) of pod p for the resource."""
    q = _sample_row(p, sample_of_pod)
    if q < 0:
        return False, 0
    value = cpu_usage[q] if resource == RESOURCE_CPU else memory_usage[q] * 1000.0
    if math.isnan(value):
        return False, 0
    return True, _milli_of_sample(value)


@njit(inline="always")
def _request(p, resource, cpu_request, memory_request) -> int:
    """Pod p's request of the resource, milli (0: missing)."""
    return cpu_request[p] if resource == RESOURCE_CPU else memory_request[p] * 1000


@njit(inline="always")
def _transition(p, start_time, ready_time) -> float:
    """The Ready condition's lastTransitionTime."""
    ready_at = ready_time[p]
    return start_time[p] if math.isnan(ready_at) else ready_at


# -- groupPods --------------------------------------------------------------------------------
# groupPods is split in two: what depends on the pod alone (deleted / Failed, Pending, and the
# CPU readiness rule, which reads the pod's conditions and its CPU sample's timestamp) is
# computed once per pod and sync (POD_*); the metric only adds whether the pod has a sample.

POD_IGNORED, POD_PENDING, POD_CPU_UNREADY, POD_COUNTED = 0, 1, 2, 3


@njit(inline="always")
def _pod_state(deleted, phase, bound, start, transition, ready, sampled_at, window, now,
               cpu_initialization_period, delay_of_initial_readiness_status) -> int:
    """The metric-independent part of groupPods for a pod: deleted, its phase, bound (it has
    a Ready condition), its start time, the Ready condition's lastTransitionTime and status,
    and its CPU sample's time and window (read only within the initialisation period). Takes
    values, not arrays: an inlined helper given ten arrays costs their reference counts per
    pod."""
    if deleted or phase == PHASE_FAILED:
        return POD_IGNORED
    if phase == PHASE_PENDING:
        return POD_PENDING
    if not bound or math.isnan(start):
        return POD_CPU_UNREADY
    if start + cpu_initialization_period > now:
        # within the initialisation period: unready, or no full window since it got ready
        unready = (not ready) or sampled_at < transition + window
    else:
        # afterwards: only a pod that has never been ready is ignored
        unready = (not ready) and start + delay_of_initial_readiness_status > transition
    return POD_CPU_UNREADY if unready else POD_COUNTED


@njit
def _pod_state_at(p, inputs: HpaInputs, timings: HpaTimings) -> int:
    """_pod_state of pod p (a call, for the pod-by-pod paths)."""
    start = inputs.start_time[p]
    young = start + timings.cpu_initialization_period > timings.now
    q = _sample_row(p, inputs.sample_of_pod) if young else -1
    return _pod_state(not math.isnan(inputs.deletion_time[p]), inputs.phase[p],
                      inputs.node_index[p] >= 0 or inputs.node_name[p] >= 0, start,
                      _transition(p, inputs.start_time, inputs.ready_time), inputs.ready[p],
                      inputs.sample_time[q] if q >= 0 else np.nan,
                      inputs.sample_window[q] if q >= 0 else 0.0, timings.now,
                      timings.cpu_initialization_period, timings.delay_of_initial_readiness_status)


@njit(inline="always")
def _group(state, has_metric, is_cpu) -> int:
    """groupPods for a pod in ``state``: ignored, unready (Pending, or a CPU sample that may
    include initialisation), missing (no sample) or ready."""
    if state == POD_IGNORED:
        return GROUP_IGNORED
    if state == POD_PENDING:
        return GROUP_UNREADY
    if not has_metric:
        return GROUP_MISSING
    if is_cpu and state == POD_CPU_UNREADY:
        return GROUP_UNREADY
    return GROUP_READY


# -- the sums of an HPA's pods ------------------------------------------------------------------
# The replica calculator's loops over an HPA's pods only add up: per resource the pods of each
# group and the ready pods' usage and requests; what its second pass adds for missing and
# unready pods; the first pod without a request. So the pods are summed first, per HPA and
# resource (SUM_* of ``sums[i, resource]``), in one pass in pod order over the pods whose HPA
# is known (pod_owner), and each metric is then arithmetic on the sums.

(SUM_READY, SUM_UNREADY, SUM_MISSING, SUM_METRICS, SUM_REQUESTS, SUM_MISSING_REQUESTS,
 SUM_MISSING_FALLBACK, SUM_UNREADY_REQUESTS, SUM_SAMPLED, SUM_NO_REQUEST_POD) = range(10)
SUM_FIELDS = 10


@njit(inline="always")
def _add_resource(sums, i, resource, p, state, request, has, value, fallback) -> None:
    """Add pod p (groupPods state ``state``, its request and sample of the resource) to the
    sums of HPA i. ``fallback``: max(100 %, target) of the HPA's Utilization metric of the
    resource (what a missing pod counts for on a scale-down)."""
    if request <= 0 and sums[i, resource, SUM_NO_REQUEST_POD] < 0:
        sums[i, resource, SUM_NO_REQUEST_POD] = p
    if has:
        sums[i, resource, SUM_SAMPLED] += 1
    group = _group(state, has, resource == RESOURCE_CPU)
    if group == GROUP_READY:
        sums[i, resource, SUM_READY] += 1
        sums[i, resource, SUM_METRICS] += value
        sums[i, resource, SUM_REQUESTS] += request
    elif group == GROUP_UNREADY:
        sums[i, resource, SUM_UNREADY] += 1
        sums[i, resource, SUM_UNREADY_REQUESTS] += request
    elif group == GROUP_MISSING:
        sums[i, resource, SUM_MISSING] += 1
        sums[i, resource, SUM_MISSING_REQUESTS] += request
        sums[i, resource, SUM_MISSING_FALLBACK] += _go_div(request * fallback, 100)


# -- replica calculator (per metric, from the sums of its HPA's pods) -------------------------------

@njit(inline="always")
def _resource_replicas(s, target_utilization, current, tol_down, tol_up, missing_fallback):
    """GetResourceReplicas from the sums ``s`` of the resource: (error, replicas, utilization,
    rawUtilization, error pod). ``missing_fallback``: what the missing pods' requests count
    for on a scale-down, at max(100 %, target)."""
    ready_count = s[SUM_READY]
    unready_count = s[SUM_UNREADY]
    missing_count = s[SUM_MISSING]
    metrics_total = s[SUM_METRICS]
    requests_total = s[SUM_REQUESTS]
    if ready_count == 0:
        return ERR_NO_READY_METRICS, 0, 0, 0, -1
    if s[SUM_NO_REQUEST_POD] >= 0:
        return ERR_MISSING_REQUEST, 0, 0, 0, s[SUM_NO_REQUEST_POD]
    utilization = _utilization(metrics_total, requests_total)
    usage_ratio = utilization / target_utilization
    raw = _go_div(metrics_total, ready_count)

    scale_up_with_unready = unready_count > 0 and usage_ratio > 1.0
    if not scale_up_with_unready and missing_count == 0:
        if _within(usage_ratio, tol_down, tol_up):
            return ERR_NONE, current, utilization, raw, -1
        return ERR_NONE, _ceil_int32(usage_ratio * ready_count), utilization, raw, -1

    # re-run the utilization: missing pods at 0 % (scale-up) or at max(100 %, target)
    # (scale-down), unready pods at 0 % on a scale-up
    entries = ready_count
    new_metrics = metrics_total
    new_requests = requests_total
    if usage_ratio < 1.0:
        new_metrics += missing_fallback
        new_requests += s[SUM_MISSING_REQUESTS]
        entries += missing_count
    elif usage_ratio > 1.0:
        new_requests += s[SUM_MISSING_REQUESTS]
        entries += missing_count
    if scale_up_with_unready:
        new_requests += s[SUM_UNREADY_REQUESTS]
        entries += unready_count
    new_usage_ratio = _utilization(new_metrics, new_requests) / target_utilization
    if (_within(new_usage_ratio, tol_down, tol_up) or (usage_ratio < 1.0 and new_usage_ratio > 1.0)
            or (usage_ratio > 1.0 and new_usage_ratio < 1.0)):
        return ERR_NONE, current, utilization, raw, -1
    new_replicas = _ceil_int32(new_usage_ratio * entries)
    if ((new_usage_ratio < 1.0 and new_replicas > current)
            or (new_usage_ratio > 1.0 and new_replicas < current)):
        return ERR_NONE, current, utilization, raw, -1
    return ERR_NONE, new_replicas, utilization, raw, -1


@njit(inline="always")
def _plain_metric_replicas(ready_count, unready_count, missing_count, metrics_total, current,
                           target_usage, tol_down, tol_up):
    """calcPlainMetricReplicas (a raw resource or a Pods metric) from its pods' group counts and
    the ready pods' total: (error, replicas, usage)."""
    if ready_count == 0:
        return ERR_NO_READY_METRICS, 0, 0
    usage = _go_div(metrics_total, ready_count)
    usage_ratio = usage / target_usage

    scale_up_with_unready = unready_count > 0 and usage_ratio > 1.0
    if not scale_up_with_unready and missing_count == 0:
        if _within(usage_ratio, tol_down, tol_up):
            return ERR_NONE, current, usage
        return ERR_NONE, _ceil_int32(usage_ratio * ready_count), usage

    entries = ready_count
    new_total = metrics_total
    if missing_count > 0:
        if usage_ratio < 1.0:
            # on a scale-down, treat missing pods as using exactly the target amount
            new_total += target_usage * missing_count
            entries += missing_count
        elif usage_ratio > 1.0:
            entries += missing_count
    if scale_up_with_unready:
        entries += unready_count
    new_usage_ratio = _go_div(new_total, entries) / target_usage
    if (_within(new_usage_ratio, tol_down, tol_up) or (usage_ratio < 1.0 and new_usage_ratio > 1.0)
            or (usage_ratio > 1.0 and new_usage_ratio < 1.0)):
        return ERR_NONE, current, usage
    new_replicas = _ceil_int32(new_usage_ratio * entries)
    if ((new_usage_ratio < 1.0 and new_replicas > current)
            or (new_usage_ratio > 1.0 and new_replicas < current)):
        return ERR_NONE, current, usage
    return ERR_NONE, new_replicas, usage


@njit(inline="always")
def _usage_ratio_replica_count(pods, running_ready, current, usage_ratio, tol_down, tol_up):
    """getUsageRatioReplicaCount: (error, replicas); ``running_ready``: the HPA's Running and
    ready pods. With currentReplicas 0 it scales to ceil(usageRatio) so that scale-to-zero can
    come back."""
    if current != 0:
        if _within(usage_ratio, tol_down, tol_up):
            return ERR_NONE, current
        if pods == 0:
            return ERR_READY_PODS, 0
        return ERR_NONE, _ceil_int32(usage_ratio * running_ready)
    return ERR_NONE, _ceil_int32(usage_ratio)


@njit(inline="always")
def _per_pod_replicas(status_replicas, target_per_pod, usage, tol_down, tol_up):
    """GetObjectPerPodMetricReplicas / GetExternalPerPodMetricReplicas: (replicas, usage)."""
    replicas = status_replicas
    if status_replicas != 0:
        usage_ratio = usage / (target_per_pod * float(status_replicas))
    else:  # float64(usage) / 0
        usage_ratio = math.inf if usage > 0 else (-math.inf if usage < 0 else math.nan)
    if not _within(usage_ratio, tol_down, tol_up):
        replicas = _ceil_int32(usage / target_per_pod)
    if status_replicas == 0:
        # ±Inf or NaN; Go's int64 conversion of those gives MinInt64
        return replicas, MIN_INT64
    return replicas, math.ceil(usage / status_replicas)


# -- phase 1: the scale --------------------------------------------------------------------------

@njit
def _scale_phase(specs: HpaSpecs, inputs: HpaInputs, out: HpaOutputs, path: np.ndarray) -> None:
    """reconcileAutoscaler up to computeReplicasForMetrics: get the scale, then scaling
    disabled (currentReplicas 0), out of [min, max], missing selector, or compute metrics."""
    min_replicas, max_replicas = specs.min_replicas, specs.max_replicas
    target_found, has_selector = inputs.target_found, inputs.has_selector
    ambiguous, spec_replicas = inputs.ambiguous, inputs.spec_replicas
    outcome, current_replicas, desired_replicas = out.outcome, out.current_replicas, out.desired_replicas
    reason, cond_count, cond_code = out.reason, out.cond_count, out.cond_code
    for i in range(len(min_replicas)):
        path[i] = PATH_DONE
        if not target_found[i]:
            _add_condition(i, COND_FAILED_GET_SCALE, cond_count, cond_code)
            outcome[i] = OUTCOME_FAILED_GET_SCALE
            continue
        _add_condition(i, COND_SUCCEEDED_GET_SCALE, cond_count, cond_code)
        current = spec_replicas[i]
        current_replicas[i] = current
        if current == 0 and min_replicas[i] != 0:
            _add_condition(i, COND_SCALING_DISABLED, cond_count, cond_code)
            outcome[i] = OUTCOME_DISABLED
            desired_replicas[i] = 0
        elif current > max_replicas[i]:
            reason[i] = REASON_ABOVE_MAX
            path[i] = PATH_ABOVE_MAX
        elif current < min_replicas[i]:
            reason[i] = REASON_BELOW_MIN
            path[i] = PATH_BELOW_MIN
        elif not has_selector[i]:
            _add_condition(i, COND_INVALID_SELECTOR, cond_count, cond_code)
            outcome[i] = OUTCOME_INVALID_SELECTOR
        elif ambiguous[i]:  # validateAndParseSelector: pods controlled by several HPAs
            _add_condition(i, COND_AMBIGUOUS_SELECTOR, cond_count, cond_code)
            outcome[i] = OUTCOME_AMBIGUOUS_SELECTOR
        else:
            path[i] = PATH_METRICS


# -- phase 2: every metric -------------------------------------------------------------------------

@njit
def _sum_pods(specs: HpaSpecs, inputs: HpaInputs, timings: HpaTimings, path: np.ndarray):
    """The sums of the pods of every HPA that computes metrics (see "the sums of an HPA's
    pods"): (sums [n, 2, SUM_FIELDS], running_ready [n], fallback [n, 2]). The pods whose HPA
    is known (pod_owner) are summed in one pass in row order. An HPA is summed again pod by
    pod, in its order, when some of its pods are other HPAs' too, or when it has a pod without
    a request and its pods are not in ascending order (the sums are the same in any order, but
    the pod the "missing request" error names is the first in the HPA's order)."""
    metric_start, metric_source = specs.metric_start, specs.metric_source
    metric_resource, metric_target_type = specs.metric_resource, specs.metric_target_type
    metric_target = specs.metric_target
    pod_start, pod_rows, pod_owner = inputs.pod_start, inputs.pod_rows, inputs.pod_owner
    phase, ready, node_index, node_name = inputs.phase, inputs.ready, inputs.node_index, inputs.node_name
    start_time, ready_time, deletion_time = inputs.start_time, inputs.ready_time, inputs.deletion_time
    cpu_request, memory_request = inputs.cpu_request, inputs.memory_request
    sample_of_pod = inputs.sample_of_pod
    cpu_usage, memory_usage = inputs.cpu_usage, inputs.memory_usage
    sample_time, sample_window = inputs.sample_time, inputs.sample_window
    now = timings.now
    init, delay = timings.cpu_initialization_period, timings.delay_of_initial_readiness_status
    sampled_pods = sample_of_pod.shape[0]

    n = path.shape[0]
    needed = np.zeros((n, 2), np.bool_)
    fallback = np.full((n, 2), 100, np.int64)
    summing = np.zeros(n, np.bool_)
    cpu_only = np.zeros(n, np.bool_)  # summing, and CPU is the only resource it needs
    for i in range(n):
        if path[i] != PATH_METRICS:
            continue
        summing[i] = True
        for m in range(metric_start[i + 1] - 1, metric_start[i] - 1, -1):  # the first one wins
            resource = metric_resource[m]
            if (metric_source[m] == SOURCE_RESOURCE or metric_source[m] == SOURCE_CONTAINER_RESOURCE) \
                    and resource >= 0:
                needed[i, resource] = True
                if metric_target_type[m] == TARGET_UTILIZATION:
                    fallback[i, resource] = max(100, metric_target[m])
        cpu_only[i] = needed[i, RESOURCE_CPU] and not needed[i, RESOURCE_MEMORY]
    # each sample row's CPU milli-value (-1 without a sample: never used), once per row, not
    # per pod: the pods of a usage group share a row
    cpu_milli = np.empty(cpu_usage.shape[0], np.int64)
    for q in range(cpu_usage.shape[0]):
        cpu_milli[q] = -1 if math.isnan(cpu_usage[q]) else _milli_of_sample(cpu_usage[q])
    sums = np.zeros((n, 2, SUM_FIELDS), np.int64)
    sums[:, :, SUM_NO_REQUEST_POD] = -1
    running_ready = np.zeros(n, np.int64)
    summed = np.zeros(n, np.int64)
    counted = np.zeros(n, np.int64)  # pods of the common case, see below
    for p in range(pod_owner.shape[0]):
        i = pod_owner[p]
        if i < 0 or not summing[i]:
            continue
        # _pod_state_at, written out: the pass reads each column once, in order, and of a
        # ready pod past its initialisation period (most pods) not its ready time or sample
        start = start_time[p]
        young = start + init > now
        q = sample_of_pod[p] if p < sampled_pods else -1   # the row of its sample, -1: none
        is_ready = ready[p]
        pod_phase = phase[p]
        if (is_ready and pod_phase == PHASE_RUNNING and not young and node_index[p] >= 0
                and not math.isnan(start) and math.isnan(deletion_time[p])):
            state = POD_COUNTED
            if cpu_only[i] and q >= 0:
                request = cpu_request[p]
                if request > 0 and not math.isnan(cpu_usage[q]):
                    # the common case: a ready pod with a CPU sample and request. It adds 1 to
                    # summed, running_ready, SUM_READY and SUM_SAMPLED: counted once, added
                    # to those after the pass (fewer writes per pod)
                    counted[i] += 1
                    sums[i, RESOURCE_CPU, SUM_METRICS] += cpu_milli[q]
                    sums[i, RESOURCE_CPU, SUM_REQUESTS] += request
                    continue
        else:
            ready_at = ready_time[p]
            state = _pod_state(not math.isnan(deletion_time[p]), pod_phase,
                               node_index[p] >= 0 or node_name[p] >= 0, start,
                               start if math.isnan(ready_at) else ready_at, is_ready,
                               sample_time[q] if young and q >= 0 else np.nan,
                               sample_window[q] if young and q >= 0 else 0.0, now, init, delay)
        summed[i] += 1
        if needed[i, RESOURCE_CPU]:
            cpu = cpu_usage[q] if q >= 0 else np.nan
            _add_resource(sums, i, RESOURCE_CPU, p, state, cpu_request[p], not math.isnan(cpu),
                          0 if math.isnan(cpu) else _milli_of_sample(cpu),
                          fallback[i, RESOURCE_CPU])
        if needed[i, RESOURCE_MEMORY]:
            memory = memory_usage[q] * 1000.0 if q >= 0 else np.nan
            _add_resource(sums, i, RESOURCE_MEMORY, p, state, memory_request[p] * 1000,
                          not math.isnan(memory),
                          0 if math.isnan(memory) else _milli_of_sample(memory),
                          fallback[i, RESOURCE_MEMORY])
        if pod_phase == PHASE_RUNNING and is_ready:
            running_ready[i] += 1
    for i in range(n):
        lo, hi = pod_start[i], pod_start[i + 1]
        if path[i] != PATH_METRICS:
            continue
        sums[i, RESOURCE_CPU, SUM_READY] += counted[i]
        sums[i, RESOURCE_CPU, SUM_SAMPLED] += counted[i]
        summed[i] += counted[i]
        running_ready[i] += counted[i]
        again = summed[i] != hi - lo  # some of its pods are other HPAs' too
        if not again and (sums[i, RESOURCE_CPU, SUM_NO_REQUEST_POD] >= 0
                          or sums[i, RESOURCE_MEMORY, SUM_NO_REQUEST_POD] >= 0):
            for k in range(lo + 1, hi):
                if pod_rows[k] <= pod_rows[k - 1]:
                    again = True
                    break
        if not again:
            continue
        sums[i] = 0
        sums[i, :, SUM_NO_REQUEST_POD] = -1
        running_ready[i] = 0
        for k in range(lo, hi):
            p = pod_rows[k]
            state = _pod_state_at(p, inputs, timings)
            for resource in range(2):
                if needed[i, resource]:
                    has, value = _usage(p, resource, sample_of_pod, cpu_usage, memory_usage)
                    _add_resource(sums, i, resource, p, state,
                                  _request(p, resource, cpu_request, memory_request), has, value,
                                  fallback[i, resource])
            if phase[p] == PHASE_RUNNING and ready[p]:
                running_ready[i] += 1
    return sums, running_ready, fallback


@njit
def _metrics_phase(specs: HpaSpecs, inputs: HpaInputs, timings: HpaTimings, out: HpaOutputs,
                   path: np.ndarray) -> None:
    """computeReplicasForMetric for each metric of each HPA that reached it."""
    sums, running_ready, fallback = _sum_pods(specs, inputs, timings, path)
    metric_start, metric_source = specs.metric_start, specs.metric_source
    metric_target_type, metric_resource = specs.metric_target_type, specs.metric_resource
    metric_target = specs.metric_target
    up_tolerance, down_tolerance = specs.up_tolerance, specs.down_tolerance
    pod_start, pod_rows = inputs.pod_start, inputs.pod_rows
    cpu_request, memory_request = inputs.cpu_request, inputs.memory_request
    sample_of_pod, cpu_usage, memory_usage = (inputs.sample_of_pod, inputs.cpu_usage,
                                              inputs.memory_usage)
    pod_metric_values, pod_metric_has = inputs.pod_metric_values, inputs.pod_metric_has
    metric_series, scalar_value, scalar_has = inputs.metric_series, inputs.scalar_value, inputs.scalar_has
    spec_replicas, status_replicas = inputs.spec_replicas, inputs.status_replicas
    metric_computed, metric_error = out.metric_computed, out.metric_error
    metric_error_pod, metric_replicas = out.metric_error_pod, out.metric_replicas
    metric_utilization, metric_value = out.metric_utilization, out.metric_value

    for i in range(path.shape[0]):
        if path[i] != PATH_METRICS:
            continue
        lo, hi = pod_start[i], pod_start[i + 1]
        current = spec_replicas[i]
        tol_down, tol_up = down_tolerance[i], up_tolerance[i]
        for m in range(metric_start[i], metric_start[i + 1]):
            source = metric_source[m]
            target = metric_target[m]
            resource = metric_resource[m]
            err = ERR_NONE
            replicas = 0
            utilization = 0
            value = 0
            pod = -1
            if source == SOURCE_RESOURCE or source == SOURCE_CONTAINER_RESOURCE:
                # metricsClient.GetResourceMetric fails when no pod has a sample
                if resource < 0 or sums[i, resource, SUM_SAMPLED] == 0:
                    err = ERR_NO_RESOURCE_METRICS
                elif metric_target_type[m] == TARGET_AVERAGE_VALUE:  # GetRawResourceReplicas
                    s = sums[i, resource]
                    err, replicas, value = _plain_metric_replicas(
                        s[SUM_READY], s[SUM_UNREADY], s[SUM_MISSING], s[SUM_METRICS], current,
                        target, tol_down, tol_up)
                else:
                    s = sums[i, resource]
                    missing_fallback = s[SUM_MISSING_FALLBACK]
                    if max(100, target) != fallback[i, resource] and s[SUM_MISSING] > 0:
                        # another Utilization metric of the resource set the sums' fallback
                        missing_fallback = 0
                        for k in range(lo, hi):
                            p = pod_rows[k]
                            state = _pod_state_at(p, inputs, timings)
                            has, _ = _usage(p, resource, sample_of_pod, cpu_usage,
                                            memory_usage)
                            if _group(state, has, resource == RESOURCE_CPU) == GROUP_MISSING:
                                missing_fallback += _go_div(
                                    _request(p, resource, cpu_request, memory_request)
                                    * max(100, target), 100)
                    err, replicas, utilization, value, pod = _resource_replicas(
                        s, target, current, tol_down, tol_up, missing_fallback)
            elif source == SOURCE_PODS:  # GetMetricReplicas
                series = metric_series[m]
                ready_count = unready_count = missing_count = 0
                total = 0
                any_sample = False
                if series >= 0:
                    has_values = pod_metric_has[series]
                    values = pod_metric_values[series]
                    for k in range(lo, hi):
                        p = pod_rows[k]
                        has = has_values[p]
                        any_sample = any_sample or has
                        state = _pod_state_at(p, inputs, timings)
                        group = _group(state, has, False)
                        if group == GROUP_READY:
                            ready_count += 1
                            total += values[p]
                        elif group == GROUP_UNREADY:
                            unready_count += 1
                        elif group == GROUP_MISSING:
                            missing_count += 1
                if not any_sample:
                    err = ERR_NO_CUSTOM_METRICS
                else:
                    err, replicas, value = _plain_metric_replicas(
                        ready_count, unready_count, missing_count, total, current, target,
                        tol_down, tol_up)
            elif not scalar_has[m]:
                err = ERR_NO_OBJECT_METRIC if source == SOURCE_OBJECT else ERR_NO_EXTERNAL_METRIC
            elif metric_target_type[m] == TARGET_VALUE:  # Get{Object,External}MetricReplicas
                value = scalar_value[m]
                err, replicas = _usage_ratio_replica_count(
                    hi - lo, running_ready[i], current, value / target, tol_down, tol_up)
            else:  # Get{Object,External}PerPodMetricReplicas
                replicas, value = _per_pod_replicas(status_replicas[i], target, scalar_value[m],
                                                    tol_down, tol_up)
            metric_computed[m] = True
            metric_error[m] = err
            metric_error_pod[m] = pod
            metric_replicas[m] = replicas
            metric_utilization[m] = utilization
            metric_value[m] = value


# -- phase 3: normalisation -------------------------------------------------------------------------

@njit(inline="always")
def _replicas_change_per_period(period, count, change, time, now) -> int:
    """getReplicasChangePerPeriod: the replicas changed by events after now - period."""
    cutoff = now - period
    total = 0
    for e in range(count):
        if time[e] > cutoff:
            total += change[e]
    return total


@njit(inline="always")
def _scale_limit(up, current, select, lo, hi, policy_type, policy_value, policy_period,
                 up_count, up_change, up_time, down_count, down_change, down_time, now) -> int:
    """calculateScaleUpLimitWithScalingRules (up) / calculateScaleDownLimitWithBehaviors, over
    the policies lo:hi and the HPA's scale events (row slices)."""
    if select == SELECT_DISABLED:
        return current
    if up:
        result = MAX_INT32 if select == SELECT_MIN else MIN_INT32
    else:
        result = MIN_INT32 if select == SELECT_MIN else MAX_INT32
    for q in range(lo, hi):
        period = policy_period[q]
        added = _replicas_change_per_period(period, up_count, up_change, up_time, now)
        deleted = _replicas_change_per_period(period, down_count, down_change, down_time, now)
        period_start = current - added + deleted
        if up:
            if policy_type[q] == POLICY_PODS:
                proposed = period_start + policy_value[q]
            else:
                # rounded up so that a small percentage still adds a pod
                proposed = _ceil_int32(period_start * (1.0 + policy_value[q] / 100.0))
            # Min picks the smallest limit; Max (the default) the largest
            result = min(result, proposed) if select == SELECT_MIN else max(result, proposed)
        else:
            if policy_type[q] == POLICY_PODS:
                proposed = period_start - policy_value[q]
            else:
                # int32(float64(...) * (1 - value/100)) truncates toward zero
                proposed = int(period_start * (1.0 - policy_value[q] / 100.0))
            result = max(result, proposed) if select == SELECT_MIN else min(result, proposed)
    return result


@njit(inline="always")
def _record_recommendation(row, slot, value, now, rec_count, rec_value, rec_time) -> None:
    """Replace the old sample at ``slot`` or, with slot -1, append."""
    if slot < 0:
        slot = rec_count[row]
        rec_count[row] = slot + 1
    rec_value[row, slot] = value
    rec_time[row, slot] = now


@njit(inline="always")
def _stabilize_recommendation_rows(row, desired, window, now, rec_count, rec_value,
                                   rec_time) -> int:
    """stabilizeRecommendation (no behavior): the max recommendation of the window."""
    best = desired
    old = -1
    cutoff = now - window
    for r in range(rec_count[row]):
        if rec_time[row, r] < cutoff:
            old = r
        elif rec_value[row, r] > best:
            best = rec_value[row, r]
    _record_recommendation(row, old, desired, now, rec_count, rec_value, rec_time)
    return best


@njit(inline="always")
def _stabilize_with_behaviors_rows(row, current, desired, up_window, down_window, now,
                                   rec_count, rec_value, rec_time) -> int:
    """stabilizeRecommendationWithBehaviors: clamp between the lowest recommendation of the
    scale-up window and the highest of the scale-down window."""
    up_recommendation = desired
    up_cutoff = now - up_window
    down_recommendation = desired
    down_cutoff = now - down_window
    old = -1
    for r in range(rec_count[row]):
        t = rec_time[row, r]
        v = rec_value[row, r]
        if t > up_cutoff:
            up_recommendation = min(v, up_recommendation)
        if t > down_cutoff:
            down_recommendation = max(v, down_recommendation)
        if t < up_cutoff and t < down_cutoff:
            old = r
    recommendation = max(current, up_recommendation)
    recommendation = min(recommendation, down_recommendation)
    _record_recommendation(row, old, desired, now, rec_count, rec_value, rec_time)
    return recommendation


@njit(inline="always")
def _convert_with_rules(current, desired, min_replicas, max_replicas):
    """convertDesiredReplicasWithRules: (replicas, COND_*) with the legacy scale-up limit
    max(2 * current, 4)."""
    scale_up_limit = int(max(2.0 * current, 4.0))
    if max_replicas > scale_up_limit:
        maximum = scale_up_limit
        limiting = COND_SCALE_UP_LIMIT
    else:
        maximum = max_replicas
        limiting = COND_TOO_MANY_REPLICAS
    if desired < min_replicas:
        return min_replicas, COND_TOO_FEW_REPLICAS
    if desired > maximum:
        return maximum, limiting
    return desired, COND_DESIRED_WITHIN_RANGE


@njit(inline="always")
def _convert_with_limits(current, desired, min_replicas, max_replicas, up_limit, down_limit):
    """convertDesiredReplicasWithBehaviorRate given the two scale limits."""
    if desired > current:
        limit = max(up_limit, current)  # no further scale up until the events age out
        maximum = max_replicas
        if maximum > limit:
            maximum = limit
            reason = COND_SCALE_UP_LIMIT
        else:
            reason = COND_TOO_MANY_REPLICAS
        if desired > maximum:
            return maximum, reason
    elif desired < current:
        limit = min(down_limit, current)
        minimum = min_replicas
        if minimum < limit:
            minimum = limit
            reason = COND_SCALE_DOWN_LIMIT
        else:
            reason = COND_TOO_FEW_REPLICAS
        if desired < minimum:
            return minimum, reason
    return desired, COND_DESIRED_WITHIN_RANGE


@njit(inline="always")
def _store_scale_event_rows(row, delta, lo, hi, policy_period, count, change, time, outdated,
                            now) -> None:
    """storeScaleEvent for one direction: mark events older than the longest policy period
    outdated, then reuse the last outdated slot or append."""
    longest = 0
    for q in range(lo, hi):
        longest = max(longest, policy_period[q])
    cutoff = now - longest
    slot = -1
    for e in range(count[row]):
        if time[row, e] < cutoff:
            outdated[row, e] = True
        if outdated[row, e]:
            slot = e
    if slot < 0:
        slot = count[row]
        count[row] = slot + 1
    change[row, slot] = delta
    time[row, slot] = now
    outdated[row, slot] = False


@njit
def _normalize_phase(specs: HpaSpecs, inputs: HpaInputs, timings: HpaTimings,
                     h: HistoryArrays, out: HpaOutputs, path: np.ndarray) -> None:
    """The rest of reconcileAutoscaler: combine the metrics (the largest proposal wins), then
    normalizeDesiredReplicas[WithBehaviors], the rescale and storeScaleEvent."""
    hpa_rows, min_replicas, max_replicas = specs.hpa_rows, specs.min_replicas, specs.max_replicas
    metric_start, has_behavior = specs.metric_start, specs.has_behavior
    up_window, down_window = specs.up_window, specs.down_window
    up_select, down_select = specs.up_select, specs.down_select
    up_start, up_type = specs.up_policy_start, specs.up_policy_type
    up_value, up_period = specs.up_policy_value, specs.up_policy_period
    down_start, down_type = specs.down_policy_start, specs.down_policy_type
    down_value, down_period = specs.down_policy_value, specs.down_policy_period
    spec_replicas = inputs.spec_replicas
    now, window = timings.now, timings.downscale_stabilization_window
    rec_count, rec_value, rec_time = h.rec_count, h.rec_value, h.rec_time
    up_count, up_change, up_time, up_outdated = h.up_count, h.up_change, h.up_time, h.up_outdated
    down_count, down_change = h.down_count, h.down_change
    down_time, down_outdated = h.down_time, h.down_outdated
    outcome, desired_replicas, rescale = out.outcome, out.desired_replicas, out.rescale
    reason, reason_metric, valid_metric = out.reason, out.reason_metric, out.valid_metric
    cond_count, cond_code, cond_metric = out.cond_count, out.cond_code, out.cond_metric
    invalid_count, first_invalid = out.invalid_count, out.first_invalid
    metric_error, metric_replicas = out.metric_error, out.metric_replicas

    for i in range(len(path)):
        if outcome[i] == OUTCOME_FAILED_GET_SCALE:
            continue
        row = hpa_rows[i]
        current = spec_replicas[i]
        if rec_count[row] == 0:  # recordInitialRecommendation
            _record_recommendation(row, -1, current, now, rec_count, rec_value, rec_time)
        route = path[i]
        if route == PATH_DONE:
            continue
        if route == PATH_ABOVE_MAX:
            desired = max_replicas[i]
        elif route == PATH_BELOW_MIN:
            desired = min_replicas[i]
        else:
            # computeReplicasForMetrics: the largest proposal of the valid metrics
            replicas = 0
            metric = -1
            invalid = 0
            first = -1
            lo, hi = metric_start[i], metric_start[i + 1]
            for m in range(lo, hi):
                if metric_error[m] != ERR_NONE:
                    if invalid <= 0:
                        first = m
                    invalid += 1
                    continue
                if replicas == 0 or metric_replicas[m] > replicas:
                    replicas = metric_replicas[m]
                    metric = m
            invalid_count[i] = invalid
            first_invalid[i] = first
            if invalid >= hi - lo or (invalid > 0 and replicas < current):
                _add_condition(i, COND_FAILED_GET_METRIC, cond_count, cond_code)
                cond_metric[i] = first
                outcome[i] = OUTCOME_METRICS_FAILED
                continue
            _add_condition(i, COND_VALID_METRIC_FOUND, cond_count, cond_code)
            valid_metric[i] = metric
            desired = 0
            if replicas > desired:
                desired = replicas
                reason_metric[i] = metric
            if desired > current:
                reason[i] = REASON_ABOVE_TARGET
            if desired < current:
                reason[i] = REASON_ALL_BELOW
            if not has_behavior[i]:
                # normalizeDesiredReplicas
                stabilized = _stabilize_recommendation_rows(row, desired, window, now, rec_count,
                                                            rec_value, rec_time)
                _add_condition(i, COND_SCALE_DOWN_STABILIZED if stabilized != desired
                               else COND_READY_FOR_NEW_SCALE, cond_count, cond_code)
                normalized, limited = _convert_with_rules(current, stabilized, min_replicas[i],
                                                          max_replicas[i])
            else:
                # normalizeDesiredReplicasWithBehaviors
                stabilized = _stabilize_with_behaviors_rows(
                    row, current, desired, up_window[i], down_window[i], now, rec_count,
                    rec_value, rec_time)
                if stabilized != desired:
                    _add_condition(i, COND_SCALE_UP_STABILIZED if desired >= current
                                   else COND_SCALE_DOWN_STABILIZED, cond_count, cond_code)
                else:
                    _add_condition(i, COND_READY_FOR_NEW_SCALE, cond_count, cond_code)
                up_limit = 0
                down_limit = 0
                if stabilized > current:
                    up_limit = _scale_limit(
                        True, current, up_select[i], up_start[i], up_start[i + 1], up_type,
                        up_value, up_period, up_count[row], up_change[row], up_time[row],
                        down_count[row], down_change[row], down_time[row], now)
                elif stabilized < current:
                    down_limit = _scale_limit(
                        False, current, down_select[i], down_start[i], down_start[i + 1],
                        down_type, down_value, down_period, up_count[row], up_change[row],
                        up_time[row], down_count[row], down_change[row], down_time[row], now)
                normalized, limited = _convert_with_limits(current, stabilized, min_replicas[i],
                                                           max_replicas[i], up_limit, down_limit)
            _add_condition(i, limited, cond_count, cond_code)
            desired = normalized

        if desired != current:
            rescale[i] = True
            outcome[i] = OUTCOME_RESCALED
            desired_replicas[i] = desired
            _add_condition(i, COND_SUCCEEDED_RESCALE, cond_count, cond_code)
            if has_behavior[i]:
                if desired > current:
                    _store_scale_event_rows(row, desired - current, up_start[i], up_start[i + 1],
                                            up_period, up_count, up_change, up_time, up_outdated,
                                            now)
                else:
                    _store_scale_event_rows(row, current - desired, down_start[i],
                                            down_start[i + 1], down_period, down_count,
                                            down_change, down_time, down_outdated, now)
        else:
            outcome[i] = OUTCOME_KEPT
            desired_replicas[i] = current


@njit
def decide_hpas(specs: HpaSpecs, inputs: HpaInputs, timings: HpaTimings, history: HistoryArrays,
                out: HpaOutputs) -> None:
    """Decide every HPA of a sync (the one kernel call); history is updated in place."""
    path = np.empty(len(specs.hpa_rows), np.int8)
    _scale_phase(specs, inputs, out, path)
    _metrics_phase(specs, inputs, timings, out, path)
    _normalize_phase(specs, inputs, timings, history, out, path)


# -- what apply compares ----------------------------------------------------------------------------

@njit
def compare_document_inputs(cond_count, cond_code, valid_metric, desired_replicas, metric_start,
                            metric_computed, metric_error, metric_utilization, metric_value,
                            conditions_before, metrics_before, same_conditions, same_metrics,
                            textual) -> None:
    """The numbers each HPA's status documents are made from, compared with the previous
    apply's, which they then replace: per HPA the setCondition codes (-1 past the count), the
    ValidMetricFound metric and the desired replicas (``conditions_before`` [n,
    MAX_CONDITIONS + 2]); per metric whether it was computed, its error, utilization and value
    (``metrics_before`` [m, 4]). Writes per HPA whether its condition numbers are the same,
    whether all its metrics' are, and whether a condition message needs more than the numbers
    (``textual``: a FailedGet*Metric or AmbiguousSelector call names a pod or other HPAs)."""
    calls = cond_code.shape[1]
    for i in range(cond_code.shape[0]):
        same = True
        needs_text = False
        for c in range(calls):
            code = cond_code[i, c] if c < cond_count[i] else -1
            needs_text |= code == COND_FAILED_GET_METRIC or code == COND_AMBIGUOUS_SELECTOR
            same &= conditions_before[i, c] == code
            conditions_before[i, c] = code
        same &= conditions_before[i, calls] == valid_metric[i]
        conditions_before[i, calls] = valid_metric[i]
        same &= conditions_before[i, calls + 1] == desired_replicas[i]
        conditions_before[i, calls + 1] = desired_replicas[i]
        same_conditions[i] = same
        textual[i] = needs_text
        same = True
        for m in range(metric_start[i], metric_start[i + 1]):
            same &= (metrics_before[m, 0] == metric_computed[m]) \
                & (metrics_before[m, 1] == metric_error[m]) \
                & (metrics_before[m, 2] == metric_utilization[m]) \
                & (metrics_before[m, 3] == metric_value[m])
            metrics_before[m, 0] = metric_computed[m]
            metrics_before[m, 1] = metric_error[m]
            metrics_before[m, 2] = metric_utilization[m]
            metrics_before[m, 3] = metric_value[m]
        same_metrics[i] = same


# -- the pods' values, packed (for tests) ---------------------------------------------------------

class PodColumns(NamedTuple):
    """The per-pod arrays of HpaInputs: the pods table's columns and metrics-server's samples."""

    phase: np.ndarray          # int8 POD_PHASES
    ready: np.ndarray          # bool
    node_index: np.ndarray     # int32 (-1: not bound by the scheduler)
    node_name: np.ndarray      # int32 string code of spec.nodeName (-1: none)
    start_time: np.ndarray     # float64 (NaN: not started)
    ready_time: np.ndarray     # float64 (NaN: never ready)
    deletion_time: np.ndarray  # float64 (NaN: not being deleted)
    cpu_request: np.ndarray    # int64 millicores
    memory_request: np.ndarray  # int64 bytes
    cpu_usage: np.ndarray      # float64 millicores (NaN: no sample; may be shorter)
    memory_usage: np.ndarray   # float64 bytes
    sample_time: np.ndarray    # float64 simulated seconds of the sample
    sample_window: np.ndarray  # float64 seconds the sample averages over


class PodArrays(NamedTuple):
    """What the kernel derives from PodColumns for each pod (pack_pods writes it out)."""

    phase: np.ndarray          # int8 [P]
    ready: np.ndarray          # bool [P]
    has_ready_condition: np.ndarray  # bool [P]
    start_time: np.ndarray     # float64 [P]
    ready_transition_time: np.ndarray  # float64 [P]
    deleted: np.ndarray        # bool [P]
    request_milli: np.ndarray  # int64 [2, P]
    usage_milli: np.ndarray    # int64 [2, P]
    has_usage: np.ndarray      # bool [2, P]


def empty_pod_arrays(pods: int) -> PodArrays:
    return PodArrays(np.empty(pods, np.int8), np.empty(pods, np.bool_), np.empty(pods, np.bool_),
                     np.empty(pods, np.float64), np.empty(pods, np.float64),
                     np.empty(pods, np.bool_), np.empty((2, pods), np.int64),
                     np.empty((2, pods), np.int64), np.empty((2, pods), np.bool_))


@njit
def pack_pods(columns: PodColumns, out: PodArrays) -> None:
    """The values the kernel reads of every pod, through the helpers it reads them with (so
    that a test can hold them against their numpy twin)."""
    cpu_usage, memory_usage = columns.cpu_usage, columns.memory_usage
    cpu_request, memory_request = columns.cpu_request, columns.memory_request
    sample_of_pod = np.arange(cpu_usage.shape[0]).astype(np.int32)   # a sample per pod
    for p in range(columns.phase.shape[0]):
        for resource in range(2):
            has, value = _usage(p, resource, sample_of_pod, cpu_usage, memory_usage)
            out.has_usage[resource, p] = has
            out.usage_milli[resource, p] = value
            out.request_milli[resource, p] = _request(p, resource, cpu_request, memory_request)
        out.phase[p] = columns.phase[p]
        out.ready[p] = columns.ready[p]
        out.has_ready_condition[p] = columns.node_index[p] >= 0 or columns.node_name[p] >= 0
        out.start_time[p] = columns.start_time[p]
        out.ready_transition_time[p] = _transition(p, columns.start_time, columns.ready_time)
        out.deleted[p] = not math.isnan(columns.deletion_time[p])


# -- selecting the pods ----------------------------------------------------------------------------
# The pod selection maps each pod row to its group (its (namespace, labels) pair), each group to
# its match (match_key[match_start[m]:match_start[m+1]]: the selector keys that pick the group;
# match 0 picks nothing) and each HPA to its key (hpa_key, -1: none). These kernels turn that
# into the CSR of each HPA's pods, in row order.

CHANGE_BLOCK = 256  # rows per block of changed_rows' first pass


@njit(inline="always")
def _row_differs(r, alive, namespace, labels, was_alive, was_namespace, was_labels) -> bool:
    return (alive[r] != was_alive[r]) | (namespace[r] != was_namespace[r]) \
        | (labels[r] != was_labels[r])


@njit
def changed_rows(alive, namespace, labels, was_alive, was_namespace, was_labels):
    """The rows r < len(was_alive), ascending, whose alive flag, namespace or labels differ
    from the copies (the pods' columns as last selected). Few rows change between two syncs:
    a first pass finds the blocks of rows with a difference (blocks of a constant length, a
    vectorised loop), a second looks at those blocks row by row."""
    seen = was_alive.shape[0]
    full = seen // CHANGE_BLOCK
    dirty = np.ones(full + 1, np.bool_)  # the last, partial block is always looked at
    blocks = 1
    for b in range(full):
        base = b * CHANGE_BLOCK
        difference = False
        for r in range(CHANGE_BLOCK):
            difference |= _row_differs(base + r, alive, namespace, labels, was_alive,
                                       was_namespace, was_labels)
        dirty[b] = difference
        blocks += difference
    rows = np.empty(blocks * CHANGE_BLOCK, np.int64)
    count = 0
    for b in range(full + 1):
        if dirty[b]:
            for r in range(b * CHANGE_BLOCK, min((b + 1) * CHANGE_BLOCK, seen)):
                if _row_differs(r, alive, namespace, labels, was_alive, was_namespace,
                                was_labels):
                    rows[count] = r
                    count += 1
    return rows[:count].copy()


@njit
def _key_hpas(hpa_key, keys):
    """The HPAs of each key, as CSR (key_hpa_start, key_hpa)."""
    n = hpa_key.shape[0]
    key_hpa_start = np.zeros(keys + 1, np.int64)
    for i in range(n):
        if hpa_key[i] >= 0:
            key_hpa_start[hpa_key[i] + 1] += 1
    for key in range(keys):
        key_hpa_start[key + 1] += key_hpa_start[key]
    key_hpa = np.empty(key_hpa_start[keys], np.int64)
    placed = key_hpa_start[:keys].copy()
    for i in range(n):
        key = hpa_key[i]
        if key >= 0:
            key_hpa[placed[key]] = i
            placed[key] += 1
    return key_hpa_start, key_hpa


@njit
def select_rows(rows, row_group, group_match, match_start, match_key, hpa_key, keys, owner):
    """The pods of each HPA as CSR (pod_start, pod_rows), in row order: the ``rows`` (ascending)
    whose group's match holds the HPA's key. Also returns the rows per match, and writes each
    row's HPA into ``owner`` when it has one HPA (HpaInputs.pod_owner; the others are left as
    they are). Two passes over the rows: count, then fill."""
    matches = match_start.shape[0] - 1
    match_pods = np.zeros(matches, np.int64)
    for r in rows:
        match_pods[group_match[row_group[r]]] += 1
    key_pods = np.zeros(keys, np.int64)
    for m in range(1, matches):
        for j in range(match_start[m], match_start[m + 1]):
            key_pods[match_key[j]] += match_pods[m]
    key_hpa_start, key_hpa = _key_hpas(hpa_key, keys)
    n = hpa_key.shape[0]
    pod_start = np.zeros(n + 1, np.int64)
    for i in range(n):
        pod_start[i + 1] = pod_start[i] + (key_pods[hpa_key[i]] if hpa_key[i] >= 0 else 0)
    pod_rows = np.empty(pod_start[n], np.int64)
    cursor = pod_start[:n].copy()
    for r in rows:
        m = group_match[row_group[r]]
        if m == 0:
            continue
        owner[r] = _place(r, m, match_start, match_key, key_hpa_start, key_hpa, pod_rows, cursor)
    return pod_start, pod_rows, match_pods


@njit(inline="always")
def _place(r, m, match_start, match_key, key_hpa_start, key_hpa, pod_rows, cursor) -> int:
    """Append row r (of match m) to the rows of each of its HPAs; returns its HPA when it has
    one, else -1."""
    found = -1
    count = 0
    for j in range(match_start[m], match_start[m + 1]):
        key = match_key[j]
        for h in range(key_hpa_start[key], key_hpa_start[key + 1]):
            i = key_hpa[h]
            pod_rows[cursor[i]] = r
            cursor[i] += 1
            found = i
            count += 1
    return found if count == 1 else -1


@njit
def update_selection(pod_start, pod_rows, match_pods, deleted, added, alive, row_group,
                     group_match, match_start, match_key, hpa_key, keys, owner):
    """select_rows' answer after the rows ``deleted`` (rows alive at the last selection, no
    longer) and ``added`` (new live rows, ascending, all after every row of pod_rows): the
    HPAs that lost pods have their rows filtered, the others' are copied; new rows go at the
    end of their HPAs' rows, which keeps each in row order. ``match_pods`` and ``owner`` are
    updated in place."""
    key_hpa_start, key_hpa = _key_hpas(hpa_key, keys)
    n = hpa_key.shape[0]
    dirty = np.zeros(n, np.bool_)
    gained = np.zeros(n, np.int64)
    for sign in range(2):
        changed = deleted if sign == 0 else added
        for r in changed:
            m = group_match[row_group[r]]
            match_pods[m] += 1 if sign else -1
            for j in range(match_start[m], match_start[m + 1]):
                key = match_key[j]
                for h in range(key_hpa_start[key], key_hpa_start[key + 1]):
                    if sign:
                        gained[key_hpa[h]] += 1
                    else:
                        dirty[key_hpa[h]] = True
    new_start = np.zeros(n + 1, np.int64)
    lost = 0
    for r in deleted:
        m = group_match[row_group[r]]
        for j in range(match_start[m], match_start[m + 1]):
            key = match_key[j]
            lost += key_hpa_start[key + 1] - key_hpa_start[key]
    new_rows = np.empty(pod_rows.shape[0] - lost + np.sum(gained), np.int64)
    w = 0
    for i in range(n):
        new_start[i] = w
        lo, hi = pod_start[i], pod_start[i + 1]
        if dirty[i]:
            for k in range(lo, hi):
                r = pod_rows[k]
                if alive[r]:
                    new_rows[w] = r
                    w += 1
        else:
            new_rows[w:w + hi - lo] = pod_rows[lo:hi]
            w += hi - lo
        w += gained[i]
    new_start[n] = w
    cursor = new_start[1:] - gained
    for r in added:
        owner[r] = _place(r, group_match[row_group[r]], match_start, match_key, key_hpa_start,
                          key_hpa, new_rows, cursor)
    for r in deleted:
        owner[r] = -1
    return new_start, new_rows


# -- single functions, for tests ------------------------------------------------------------------

@njit
def _scale_up_limit(i, current, specs: HpaSpecs, h: HistoryArrays, row, now) -> int:
    return _scale_limit(True, current, specs.up_select[i], specs.up_policy_start[i],
                        specs.up_policy_start[i + 1], specs.up_policy_type, specs.up_policy_value,
                        specs.up_policy_period, h.up_count[row], h.up_change[row], h.up_time[row],
                        h.down_count[row], h.down_change[row], h.down_time[row], now)


@njit
def _scale_down_limit(i, current, specs: HpaSpecs, h: HistoryArrays, row, now) -> int:
    return _scale_limit(False, current, specs.down_select[i], specs.down_policy_start[i],
                        specs.down_policy_start[i + 1], specs.down_policy_type,
                        specs.down_policy_value, specs.down_policy_period, h.up_count[row],
                        h.up_change[row], h.up_time[row], h.down_count[row], h.down_change[row],
                        h.down_time[row], now)


@njit
def _convert_with_behavior_rate(i, row, current, desired, min_replicas, max_replicas,
                                specs: HpaSpecs, h: HistoryArrays, now):
    """convertDesiredReplicasWithBehaviorRate."""
    up_limit = _scale_up_limit(i, current, specs, h, row, now) if desired > current else 0
    down_limit = _scale_down_limit(i, current, specs, h, row, now) if desired < current else 0
    return _convert_with_limits(current, desired, min_replicas, max_replicas, up_limit, down_limit)


@njit
def _store_scale_event(i, row, previous, new, specs: HpaSpecs, h: HistoryArrays, now) -> None:
    if new > previous:
        _store_scale_event_rows(row, new - previous, specs.up_policy_start[i],
                                specs.up_policy_start[i + 1], specs.up_policy_period, h.up_count,
                                h.up_change, h.up_time, h.up_outdated, now)
    else:
        _store_scale_event_rows(row, previous - new, specs.down_policy_start[i],
                                specs.down_policy_start[i + 1], specs.down_policy_period,
                                h.down_count, h.down_change, h.down_time, h.down_outdated, now)


@njit
def _stabilize_recommendation(row, desired, window, now, h: HistoryArrays) -> int:
    return _stabilize_recommendation_rows(row, desired, window, now, h.rec_count, h.rec_value,
                                          h.rec_time)


@njit
def _stabilize_with_behaviors(i, row, current, desired, specs: HpaSpecs, now,
                              h: HistoryArrays) -> int:
    return _stabilize_with_behaviors_rows(row, current, desired, specs.up_window[i],
                                          specs.down_window[i], now, h.rec_count, h.rec_value,
                                          h.rec_time)


@njit
def _group_pods(i, has, is_cpu, inputs: HpaInputs, timings: HpaTimings, groups) -> None:
    """groupPods for the pods of HPA i into groups[0:count]."""
    lo, hi = inputs.pod_start[i], inputs.pod_start[i + 1]
    for k in range(lo, hi):
        p = inputs.pod_rows[k]
        groups[k - lo] = _group(_pod_state_at(p, inputs, timings), has[p], is_cpu)
