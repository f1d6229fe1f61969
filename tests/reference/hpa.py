"""Plain-Python twin of kbench.controllers.hpa: one obvious loop per HPA, written straight from
kubernetes pkg/controller/podautoscaler (horizontal.go, replica_calculator.go,
metrics/utilization.go), no numba, no arrays.

Input is a *case*, the same description the tests turn into kernel arrays::

    {"now": seconds,
     "config": HpaConfig,
     "pods": [{"phase": "Running", "ready": True, "has_ready_condition": True,
               "start_time": s, "ready_transition_time": s, "deleted": False,
               "request": {"cpu": millicores, "memory": bytes},
               "usage": {"cpu": millicores or None, "memory": bytes or None},
               "sample_time": s, "window": s, "custom": {"qps": value}}, ...],
     "hpas": [{"row": history row, "namespace": ..., "name": ..., "spec": autoscaling/v2 spec,
               "target_found": bool, "target_kind": "Deployment", "target_name": ...,
               "has_selector": bool, "spec_replicas": int, "status_replicas": int,
               "pods": [indices into pods], "scalars": [value or None per metric]}, ...]}

and a history ``{row: {"rec": [[value, time]...], "up": [[change, time, outdated]...],
"down": [...]}}`` which ``reference_sync`` updates in place. The result per HPA is the dict
HpaDecisions.describe gives.
"""

from __future__ import annotations

import math

import numpy as np

from kbench.api.defaults import effective_hpa_behavior
from kbench.api.quantity import parse_quantity

MAX_INT32 = 2147483647
MIN_INT32 = -2147483648
MIN_INT64 = -9223372036854775808


class MetricError(Exception):
    """An error of the replica calculator; ``code`` names which (for the message)."""

    def __init__(self, code: str, pod: int = -1):
        super().__init__(code)
        self.code = code
        self.pod = pod


def milli(value: float) -> int:
    """Quantity.MilliValue of a float in base units (same float-noise rounding as kbench)."""
    return int(np.ceil(np.round(np.float64(value) * 1000.0, 3)))


def ceil_int32(x: float) -> int:
    c = math.ceil(x)
    return MAX_INT32 if c > MAX_INT32 else (MIN_INT32 if c < MIN_INT32 else int(c))


def go_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def is_within(ratio: float, down: float, up: float) -> bool:
    return (1.0 - down) <= ratio <= (1.0 + up)


# -- metrics/utilization.go ------------------------------------------------------------------------

def get_resource_utilization_ratio(metrics: dict, requests: dict, target: int):
    metrics_total = requests_total = entries = 0
    for pod, value in metrics.items():
        if pod not in requests:
            continue
        metrics_total += value
        requests_total += requests[pod]
        entries += 1
    utilization = go_div(metrics_total * 100, requests_total)
    utilization = max(MIN_INT32, min(MAX_INT32, utilization))
    return utilization / target, utilization, go_div(metrics_total, entries)


def get_metric_usage_ratio(metrics: dict, target: int):
    usage = go_div(sum(metrics.values()), len(metrics))
    return usage / target, usage


# -- replica_calculator.go ------------------------------------------------------------------------

def group_pods(case, pod_ids, metrics, cpu: bool):
    config, now = case["config"], case["now"]
    ready = 0
    unready, missing, ignored = [], [], []
    for p in pod_ids:
        pod = case["pods"][p]
        if pod["deleted"] or pod["phase"] == "Failed":
            ignored.append(p)
            continue
        if pod["phase"] == "Pending":
            unready.append(p)
            continue
        if p not in metrics:
            missing.append(p)
            continue
        if cpu:
            start = pod["start_time"]
            if not pod["has_ready_condition"] or start is None or math.isnan(start):
                unready.append(p)
                continue
            transition = pod["ready_transition_time"]
            if start + config.cpu_initialization_period > now:
                is_unready = (not pod["ready"]) or pod["sample_time"] < transition + pod["window"]
            else:
                is_unready = (not pod["ready"]) and start + config.delay_of_initial_readiness_status > transition
            if is_unready:
                unready.append(p)
                continue
        ready += 1
    return ready, unready, missing, ignored


def resource_metrics(case, hpa, resource: str) -> dict:
    """metricsClient.GetResourceMetric: pod -> usage milli, or an error when there is none."""
    metrics = {}
    for p in hpa["pods"]:
        usage = case["pods"][p]["usage"].get(resource)
        if usage is not None and not math.isnan(usage):
            metrics[p] = milli(usage / 1000.0) if resource == "cpu" else milli(usage)
    if resource not in ("cpu", "memory") or not metrics:
        raise MetricError("no_resource_metrics")
    return metrics


def request_milli(pod, resource: str) -> int:
    amount = pod["request"].get(resource, 0)
    return amount if resource == "cpu" else amount * 1000


def get_resource_replicas(case, hpa, current: int, target: int, resource: str, tol):
    metrics = resource_metrics(case, hpa, resource)
    pod_ids = hpa["pods"]
    if not pod_ids:
        raise MetricError("no_pods")
    ready, unready, missing, ignored = group_pods(case, pod_ids, metrics, resource == "cpu")
    for p in ignored + unready:
        metrics.pop(p, None)
    if not metrics:
        raise MetricError("no_ready_metrics")
    requests = {}
    for p in pod_ids:
        request = request_milli(case["pods"][p], resource)
        if request <= 0:
            raise MetricError("missing_request", p)
        requests[p] = request
    ratio, utilization, raw = get_resource_utilization_ratio(metrics, requests, target)
    scale_up_with_unready = len(unready) > 0 and ratio > 1.0
    if not scale_up_with_unready and not missing:
        if is_within(ratio, *tol):
            return current, utilization, raw
        return ceil_int32(ratio * ready), utilization, raw
    if missing:
        if ratio < 1.0:
            fallback = max(100, target)
            for p in missing:
                metrics[p] = go_div(requests[p] * fallback, 100)
        elif ratio > 1.0:
            for p in missing:
                metrics[p] = 0
    if scale_up_with_unready:
        for p in unready:
            metrics[p] = 0
    new_ratio, _, _ = get_resource_utilization_ratio(metrics, requests, target)
    if is_within(new_ratio, *tol) or (ratio < 1.0 and new_ratio > 1.0) or (ratio > 1.0 and new_ratio < 1.0):
        return current, utilization, raw
    new_replicas = ceil_int32(new_ratio * len(metrics))
    if (new_ratio < 1.0 and new_replicas > current) or (new_ratio > 1.0 and new_replicas < current):
        return current, utilization, raw
    return new_replicas, utilization, raw


def calc_plain_metric_replicas(case, hpa, metrics: dict, current: int, target: int, cpu: bool, tol):
    pod_ids = hpa["pods"]
    if not pod_ids:
        raise MetricError("no_pods")
    ready, unready, missing, ignored = group_pods(case, pod_ids, metrics, cpu)
    for p in ignored + unready:
        metrics.pop(p, None)
    if not metrics:
        raise MetricError("no_ready_metrics")
    ratio, usage = get_metric_usage_ratio(metrics, target)
    scale_up_with_unready = len(unready) > 0 and ratio > 1.0
    if not scale_up_with_unready and not missing:
        if is_within(ratio, *tol):
            return current, usage
        return ceil_int32(ratio * ready), usage
    if missing:
        if ratio < 1.0:
            for p in missing:
                metrics[p] = target
        elif ratio > 1.0:
            for p in missing:
                metrics[p] = 0
    if scale_up_with_unready:
        for p in unready:
            metrics[p] = 0
    new_ratio, _ = get_metric_usage_ratio(metrics, target)
    if is_within(new_ratio, *tol) or (ratio < 1.0 and new_ratio > 1.0) or (ratio > 1.0 and new_ratio < 1.0):
        return current, usage
    new_replicas = ceil_int32(new_ratio * len(metrics))
    if (new_ratio < 1.0 and new_replicas > current) or (new_ratio > 1.0 and new_replicas < current):
        return current, usage
    return new_replicas, usage


def get_usage_ratio_replica_count(case, hpa, current: int, ratio: float, tol) -> int:
    if current != 0:
        if is_within(ratio, *tol):
            return current
        if not hpa["pods"]:
            raise MetricError("ready_pods")
        ready = sum(1 for p in hpa["pods"]
                    if case["pods"][p]["phase"] == "Running" and case["pods"][p]["ready"])
        return ceil_int32(ratio * ready)
    return ceil_int32(ratio)


def get_per_pod_replicas(status_replicas: int, target: int, usage: int, tol):
    replicas = status_replicas
    denominator = float(target) * float(status_replicas)
    if denominator == 0:
        ratio = math.inf if usage > 0 else (-math.inf if usage < 0 else math.nan)
    else:
        ratio = usage / denominator
    if not is_within(ratio, *tol):
        replicas = ceil_int32(usage / target)
    if status_replicas == 0:
        return replicas, MIN_INT64
    return replicas, math.ceil(usage / status_replicas)


# -- horizontal.go: names and messages -------------------------------------------------------------

FIELD = {"Resource": "resource", "Pods": "pods", "Object": "object", "External": "external",
         "ContainerResource": "containerResource"}


def selector_text(selector) -> str:
    if selector is None:
        return "nil"
    labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    text = "".join(f"{k}: {labels[k]}," for k in sorted(labels))
    exprs = "".join(f"LabelSelectorRequirement{{Key:{e.get('key')},Operator:{e.get('operator')},"
                    f"Values:[{' '.join(e.get('values') or [])}],}}," for e in expressions)
    return (f"&LabelSelector{{MatchLabels:map[string]string{{{text}}},"
            f"MatchExpressions:[]LabelSelectorRequirement{{{exprs}}},}}")


def quantity(milli_value: int) -> str:
    from fractions import Fraction

    from kbench.api.quantity import Quantity
    return Quantity(Fraction(int(milli_value), 1000)).canonical()


def target_value(body: dict) -> int:
    target = body["target"]
    if target["type"] == "Utilization":
        return int(target["averageUtilization"])
    field = "averageValue" if target["type"] == "AverageValue" else "value"
    return parse_quantity(target[field]).milli_value()


def compute_replicas_for_metric(case, hpa, metric, index, tol):
    """computeReplicasForMetric: (replicas, name, status) or raises (reason, event error,
    returned error)."""
    kind = metric["type"]
    body = metric[FIELD[kind]]
    target_type = body["target"]["type"]
    target = target_value(body)
    spec_replicas, status_replicas = hpa["spec_replicas"], hpa["status_replicas"]
    try:
        if kind in ("Resource", "ContainerResource"):
            resource = body["name"]
            if target_type == "AverageValue":
                metrics = resource_metrics(case, hpa, resource)
                replicas, raw = calc_plain_metric_replicas(case, hpa, metrics, spec_replicas, target,
                                                           resource == "cpu", tol)
                current = {"averageValue": quantity(raw)}
                name = f"{resource} resource"
            else:
                replicas, utilization, raw = get_resource_replicas(case, hpa, spec_replicas, target,
                                                                   resource, tol)
                current = {"averageUtilization": utilization, "averageValue": quantity(raw)}
                name = (f"{resource} container resource utilization (percentage of request)"
                        if kind == "ContainerResource"
                        else f"{resource} resource utilization (percentage of request)")
            status = {"name": resource, "current": current}
            if kind == "ContainerResource":
                status["container"] = body["container"]
            return replicas, name, {"type": kind, FIELD[kind]: status}
        identifier = {"name": body["metric"]["name"]}
        if body["metric"].get("selector") is not None:
            identifier["selector"] = body["metric"]["selector"]
        if kind == "Pods":
            metrics = {}
            for p in hpa["pods"]:
                value = case["pods"][p]["custom"].get(identifier["name"])
                if value is not None and not math.isnan(value):
                    metrics[p] = milli(value)
            if not metrics:
                raise MetricError("no_custom_metrics")
            replicas, usage = calc_plain_metric_replicas(case, hpa, metrics, spec_replicas, target,
                                                         False, tol)
            return replicas, f"pods metric {identifier['name']}", {
                "type": "Pods", "pods": {"metric": identifier, "current": {"averageValue": quantity(usage)}}}
        value = hpa["scalars"][index]
        if value is None or math.isnan(value):
            raise MetricError("no_object_metric" if kind == "Object" else "no_external_metric")
        usage = milli(value)
        if target_type == "Value":
            replicas = get_usage_ratio_replica_count(case, hpa, spec_replicas, usage / target, tol)
            if kind == "Object":
                return replicas, f"{body['describedObject']['kind']} metric {identifier['name']}", {
                    "type": "Object", "object": {"describedObject": body["describedObject"],
                                                 "metric": identifier, "current": {"value": quantity(usage)}}}
            return replicas, f"external metric {identifier['name']}({selector_text(body['metric'].get('selector'))})", {
                "type": "External", "external": {"metric": identifier, "current": {"value": quantity(usage)}}}
        replicas, per_pod = get_per_pod_replicas(status_replicas, target, usage, tol)
        name = f"external metric {identifier['name']}({selector_text(body['metric'].get('selector'))})"
        if kind == "Object":
            return replicas, name, {"type": "Object", "object": {
                "describedObject": {"kind": "", "name": ""}, "metric": identifier,
                "current": {"averageValue": quantity(per_pod)}}}
        return replicas, name, {"type": "External", "external": {
            "metric": identifier, "current": {"averageValue": quantity(per_pod)}}}
    except MetricError as error:
        raise MetricFailure(*failure_texts(case, hpa, metric, error)) from None


class MetricFailure(Exception):
    def __init__(self, reason: str, error: str, returned: str):
        super().__init__(returned)
        self.reason, self.error, self.returned = reason, error, returned


def failure_texts(case, hpa, metric, error: MetricError):
    kind = metric["type"]
    body = metric[FIELD[kind]]
    target_type = body["target"]["type"]
    ns = hpa["namespace"]
    if kind in ("Resource", "ContainerResource"):
        resource = body["name"]
        if error.code == "missing_request":
            pod = case["pods"][error.pod]
            base = (f"missing request for {resource} in container {pod.get('container', 'c0')} "
                    f"of Pod {pod.get('name', f'pod-{error.pod}')}")
        else:
            base = {"no_resource_metrics": f"unable to get metrics for resource {resource}: no metrics "
                                           "returned from resource metrics API",
                    "no_pods": "no pods returned by selector while calculating replica count",
                    "no_ready_metrics": "did not receive metrics for targeted pods (pods might be unready)",
                    }[error.code]
        inner = f"failed to get {resource} {'usage' if target_type == 'AverageValue' else 'utilization'}: {base}"
        if kind == "Resource":
            return "FailedGetResourceMetric", inner, f"failed to get {resource} resource metric value: {inner}"
        return "FailedGetContainerResourceMetric", inner, \
            f"failed to get {body['container']} container metric value: {inner}"
    name = body["metric"]["name"]
    if kind == "Pods":
        base = {"no_custom_metrics": f"unable to get metric {name}: no metrics returned from custom metrics API",
                "no_pods": "no pods returned by selector while calculating replica count",
                "no_ready_metrics": "did not receive metrics for targeted pods (pods might be unready)",
                }[error.code]
        return "FailedGetPodsMetric", base, f"failed to get pods metric value: {base}"
    ready_pods = "unable to calculate ready pods: no pods returned by selector while calculating replica count"
    if kind == "Object":
        ref = body.get("describedObject") or {}
        base = ready_pods if error.code == "ready_pods" else (
            f"unable to get metric {name}: {ref.get('kind')} on {ns} {ref.get('name')}/"
            "no metrics returned from custom metrics API")
        returned = base if target_type == "Value" else f"failed to get {name} object metric: {base}"
        return "FailedGetObjectMetric", base, f"failed to get object metric value: {returned}"
    base = ready_pods if error.code == "ready_pods" else (
        f"unable to get external metric {ns}/{name}/{selector_text(body['metric'].get('selector'))}: "
        "no metrics returned from external metrics API")
    returned = (f"failed to get external metric {name}: {base}" if target_type == "Value"
                else f"failed to get {name} external metric: {base}")
    return "FailedGetExternalMetric", base, f"failed to get {name} external metric value: {returned}"


# -- horizontal.go: normalisation ----------------------------------------------------------------------

def rules_of(spec: dict, config):
    """The behavior the controller uses, with the scale-down window from the flag when unset."""
    behavior = spec.get("behavior")
    effective = effective_hpa_behavior(spec)
    unset = ((behavior or {}).get("scaleDown") or {}).get("stabilizationWindowSeconds") is None
    if unset:
        effective["scaleDown"]["stabilizationWindowSeconds"] = int(config.downscale_stabilization_window)
    return effective


def tolerances(spec: dict, config):
    effective = effective_hpa_behavior(spec)
    result = []
    for key in ("scaleDown", "scaleUp"):
        value = effective[key].get("tolerance")
        result.append(config.tolerance if value is None else float(parse_quantity(value).value))
    return tuple(result)  # (down, up) as Tolerances{scaleDown, scaleUp}


def replicas_change_per_period(period: int, events, now: float) -> int:
    cutoff = now - period
    return sum(e[0] for e in events if e[1] > cutoff)


def scale_up_limit(current, up_events, down_events, rules, now):
    select = rules.get("selectPolicy") or "Max"
    if select == "Disabled":
        return current
    result = MAX_INT32 if select == "Min" else MIN_INT32
    for policy in rules.get("policies") or []:
        added = replicas_change_per_period(policy["periodSeconds"], up_events, now)
        deleted = replicas_change_per_period(policy["periodSeconds"], down_events, now)
        start = current - added + deleted
        if policy["type"] == "Pods":
            proposed = start + policy["value"]
        else:
            proposed = ceil_int32(float(start) * (1 + float(policy["value"]) / 100))
        result = min(result, proposed) if select == "Min" else max(result, proposed)
    return result


def scale_down_limit(current, up_events, down_events, rules, now):
    select = rules.get("selectPolicy") or "Max"
    if select == "Disabled":
        return current
    result = MIN_INT32 if select == "Min" else MAX_INT32
    for policy in rules.get("policies") or []:
        added = replicas_change_per_period(policy["periodSeconds"], up_events, now)
        deleted = replicas_change_per_period(policy["periodSeconds"], down_events, now)
        start = current - added + deleted
        if policy["type"] == "Pods":
            proposed = start - policy["value"]
        else:
            proposed = int(float(start) * (1 - float(policy["value"]) / 100))  # truncates to 0
        result = max(result, proposed) if select == "Min" else min(result, proposed)
    return result


def stabilize_recommendation(recommendations, desired, window, now):
    best, old = desired, -1
    cutoff = now - window
    for i, (value, time) in enumerate(recommendations):
        if time < cutoff:
            old = i
        elif value > best:
            best = value
    if old >= 0:
        recommendations[old] = [desired, now]
    else:
        recommendations.append([desired, now])
    return best


def stabilize_with_behaviors(recommendations, current, desired, rules, now):
    up, down = desired, desired
    up_cutoff = now - rules["scaleUp"]["stabilizationWindowSeconds"]
    down_cutoff = now - rules["scaleDown"]["stabilizationWindowSeconds"]
    old = -1
    for i, (value, time) in enumerate(recommendations):
        if time > up_cutoff:
            up = min(value, up)
        if time > down_cutoff:
            down = max(value, down)
        if time < up_cutoff and time < down_cutoff:
            old = i
    recommendation = current
    recommendation = max(recommendation, up)
    recommendation = min(recommendation, down)
    if old >= 0:
        recommendations[old] = [desired, now]
    else:
        recommendations.append([desired, now])
    if desired >= current:
        reason = ("ScaleUpStabilized", ("recent recommendations were lower than current one, "
                  "applying the lowest recent recommendation"))
    else:
        reason = ("ScaleDownStabilized", ("recent recommendations were higher than current one, "
                  "applying the highest recent recommendation"))
    return recommendation, reason


LIMITS = {
    "DesiredWithinRange": "the desired count is within the acceptable range",
    "TooManyReplicas": "the desired replica count is more than the maximum replica count",
    "TooFewReplicas": "the desired replica count is less than the minimum replica count",
    "ScaleUpLimit": "the desired replica count is increasing faster than the maximum scale rate",
    "ScaleDownLimit": "the desired replica count is decreasing faster than the maximum scale rate",
}


def convert_with_rules(current, desired, minimum, maximum_spec):
    limit = int(max(2.0 * float(current), 4.0))
    if maximum_spec > limit:
        maximum, reason = limit, "ScaleUpLimit"
    else:
        maximum, reason = maximum_spec, "TooManyReplicas"
    if desired < minimum:
        return minimum, "TooFewReplicas"
    if desired > maximum:
        return maximum, reason
    return desired, "DesiredWithinRange"


def convert_with_behavior_rate(current, desired, minimum, maximum, history, rules, now):
    if desired > current:
        limit = scale_up_limit(current, history["up"], history["down"], rules["scaleUp"], now)
        limit = max(limit, current)
        allowed = maximum
        if allowed > limit:
            allowed, reason = limit, "ScaleUpLimit"
        else:
            reason = "TooManyReplicas"
        if desired > allowed:
            return allowed, reason
    elif desired < current:
        limit = scale_down_limit(current, history["up"], history["down"], rules["scaleDown"], now)
        limit = min(limit, current)
        allowed = minimum
        if allowed < limit:
            allowed, reason = limit, "ScaleDownLimit"
        else:
            reason = "TooFewReplicas"
        if desired < allowed:
            return allowed, reason
    return desired, "DesiredWithinRange"


def store_scale_event(history, rules, previous, new, now):
    direction = "up" if new > previous else "down"
    key = "scaleUp" if direction == "up" else "scaleDown"
    longest = max([p["periodSeconds"] for p in rules[key].get("policies") or []], default=0)
    events = history[direction]
    cutoff = now - longest
    for event in events:
        if event[1] < cutoff:
            event[2] = True
    old = -1
    for i, event in enumerate(events):
        if event[2]:
            old = i
    entry = [abs(new - previous), now, False]
    if old >= 0:
        events[old] = entry
    else:
        events.append(entry)


# -- reconcileAutoscaler ------------------------------------------------------------------------------

def scale_error(kind: str, name: str) -> str:
    groups = {"Deployment": "deployments.apps", "ReplicaSet": "replicasets.apps",
              "StatefulSet": "statefulsets.apps"}
    if kind not in groups:
        return f'no matches for kind "{kind}" in group ""'
    return f'{groups[kind]} "{name}" not found'


def reconcile(case, hpa, history) -> dict:
    config, now = case["config"], case["now"]
    spec = hpa["spec"]
    conditions, events = [], []
    result = {"outcome": None, "current": 0, "desired": 0, "rescale": False, "reason": "",
              "conditions": conditions, "metrics": None, "events": events}
    if not hpa["target_found"]:
        error = scale_error(hpa["target_kind"], hpa["target_name"])
        events.append(("Warning", "FailedGetScale", error))
        conditions.append(("AbleToScale", "False", "FailedGetScale",
                           f"the HPA controller was unable to get the target's current scale: {error}"))
        result["outcome"] = "FailedGetScale"
        return result
    conditions.append(("AbleToScale", "True", "SucceededGetScale",
                       "the HPA controller was able to get the target's current scale"))
    current = hpa["spec_replicas"]
    result["current"] = current
    if not history["rec"]:
        history["rec"] = [[current, now]]
    minimum = spec.get("minReplicas")
    minimum = 1 if minimum is None else minimum
    maximum = spec["maxReplicas"]
    behavior = spec.get("behavior")
    desired = 0
    reason = ""
    if current == 0 and minimum != 0:
        conditions.append(("ScalingActive", "False", "ScalingDisabled",
                           "scaling is disabled since the replica count of the target is zero"))
        result["outcome"] = "ScalingDisabled"
        return result
    elif current > maximum:
        reason, desired = "Current number of replicas above Spec.MaxReplicas", maximum
    elif current < minimum:
        reason, desired = "Current number of replicas below Spec.MinReplicas", minimum
    else:
        if not hpa["has_selector"]:
            events.append(("Warning", "SelectorRequired", "selector is required"))
            conditions.append(("ScalingActive", "False", "InvalidSelector",
                               "the HPA target's scale is missing a selector"))
            events.append(("Warning", "FailedComputeMetricsReplicas", "selector is required"))
            result["outcome"] = "InvalidSelector"
            return result
        if hpa.get("ambiguous") is not None:
            # "pods by selector %v are controlled by multiple HPAs: %v" (the case carries it)
            events.append(("Warning", "AmbiguousSelector", hpa["ambiguous"]))
            conditions.append(("ScalingActive", "False", "AmbiguousSelector", hpa["ambiguous"]))
            events.append(("Warning", "FailedComputeMetricsReplicas", hpa["ambiguous"]))
            result["outcome"] = "AmbiguousSelector"
            return result
        metrics = spec.get("metrics") or [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
        tol = tolerances(spec, config)
        statuses = []
        replicas, metric = 0, ""
        invalid, first = 0, None
        for index, metric_spec in enumerate(metrics):
            try:
                proposal, name, status = compute_replicas_for_metric(case, hpa, metric_spec, index, tol)
            except MetricFailure as failure:
                events.append(("Warning", failure.reason, failure.error))
                statuses.append({"type": ""})
                if invalid <= 0:
                    first = failure
                invalid += 1
                continue
            statuses.append(status)
            if replicas == 0 or proposal > replicas:
                replicas, metric = proposal, name
        result["metrics"] = statuses
        if invalid >= len(metrics) or (invalid > 0 and replicas < current):
            conditions.append(("ScalingActive", "False", first.reason,
                               f"the HPA was unable to compute the replica count: {first.error}"))
            events.append(("Warning", "FailedComputeMetricsReplicas",
                           (f"invalid metrics ({invalid} invalid out of {len(metrics)}), "
                           f"first error is: {first.returned}")))
            result["outcome"] = "FailedComputeMetricsReplicas"
            return result
        conditions.append(("ScalingActive", "True", "ValidMetricFound",
                           f"the HPA was able to successfully calculate a replica count from {metric}"))
        rescale_metric = ""
        if replicas > desired:
            desired, rescale_metric = replicas, metric
        if desired > current:
            reason = f"{rescale_metric} above target"
        if desired < current:
            reason = "All metrics below target"
        if behavior is None:
            stabilized = stabilize_recommendation(history["rec"], desired,
                                                  config.downscale_stabilization_window, now)
            if stabilized != desired:
                conditions.append(("AbleToScale", "True", "ScaleDownStabilized",
                                   ("recent recommendations were higher than current one, "
                                   "applying the highest recent recommendation")))
            else:
                conditions.append(("AbleToScale", "True", "ReadyForNewScale",
                                   "recommended size matches current size"))
            normalized, limit = convert_with_rules(current, stabilized, minimum, maximum)
        else:
            rules = rules_of(spec, config)
            stabilized, (stab_reason, stab_message) = stabilize_with_behaviors(
                history["rec"], current, desired, rules, now)
            if stabilized != desired:
                conditions.append(("AbleToScale", "True", stab_reason, stab_message))
            else:
                conditions.append(("AbleToScale", "True", "ReadyForNewScale",
                                   "recommended size matches current size"))
            normalized, limit = convert_with_behavior_rate(current, stabilized, minimum, maximum,
                                                           history, rules, now)
        conditions.append(("ScalingLimited", "False" if normalized == stabilized else "True",
                           limit, LIMITS[limit]))
        desired = normalized
    result["reason"] = reason
    if desired != current:
        result.update(rescale=True, desired=desired, outcome="Rescaled")
        conditions.append(("AbleToScale", "True", "SucceededRescale",
                           f"the HPA controller was able to update the target scale to {desired}"))
        events.append(("Normal", "SuccessfulRescale", f"New size: {desired}; reason: {reason}"))
        if behavior is not None:
            store_scale_event(history, rules_of(spec, config), current, desired, now)
    else:
        result.update(desired=current, outcome="Kept")
    return result


def reference_sync(case: dict, history: dict) -> list[dict]:
    """Every HPA of the case, one after the other; ``history`` (by row) is updated in place."""
    results = []
    for hpa in case["hpas"]:
        row_history = history.setdefault(hpa["row"], {"rec": [], "up": [], "down": []})
        results.append(reconcile(case, hpa, row_history))
    return results


def pod_arrays(columns) -> dict:
    """The per-pod values as observe used to compute them with numpy, column by column (the
    twin of hpa_kernel.pack_pods, whose helpers the kernel reads the pods with): ``columns``
    is a PodColumns, whose sample arrays may be shorter than the others (the pods past them
    have no sample)."""
    count = len(columns.phase)

    def padded(values):
        return np.concatenate([values[:count], np.full(max(0, count - len(values)), np.nan)])

    with np.errstate(over="ignore"):
        usage = np.stack([padded(columns.cpu_usage), padded(columns.memory_usage) * 1000.0])
    has_usage = ~np.isnan(usage)
    with np.errstate(invalid="ignore", over="ignore"):
        usage_milli = np.where(has_usage, np.ceil(np.round(np.nan_to_num(usage), 3)), 0).astype(np.int64)
    return {
        "phase": columns.phase.astype(np.int8), "ready": columns.ready.astype(np.bool_),
        "has_ready_condition": (columns.node_index >= 0) | (columns.node_name >= 0),
        "start_time": columns.start_time.astype(np.float64),
        "ready_transition_time": np.where(np.isnan(columns.ready_time), columns.start_time,
                                          columns.ready_time),
        "deleted": ~np.isnan(columns.deletion_time),
        "request_milli": np.stack([columns.cpu_request, columns.memory_request * 1000]),
        "usage_milli": usage_milli, "has_usage": has_usage}
