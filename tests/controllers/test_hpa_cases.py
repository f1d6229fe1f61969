"""Builders shared by the HPA tests: a *case* (see tests/reference/hpa.py) run through the kernel
(kbench.controllers.hpa) and through the reference, with the results compared."""

from __future__ import annotations

import copy
import math

import numpy as np
from reference.hpa import reference_sync

from kbench.controllers import hpa as H
from kbench.controllers import hpa_kernel as k
from kbench.state.strings import canonical_json

#: Go's zero time.Time, as far in the past as it is.
GO_ZERO = -62135596800.0
NOW = 100_000.0
PHASES = {"Pending": 0, "Running": 1, "Succeeded": 2, "Failed": 3, "Unknown": 4}


def pod(cpu_request=1000, cpu=None, memory_request=0, memory=None, phase="Running", ready=True,
        start=GO_ZERO, transition=GO_ZERO, deleted=False, sample_time=GO_ZERO, window=60.0,
        has_ready_condition=True, **custom) -> dict:
    """A pod of a case: requests in millicores / bytes, usage the same (None: no sample)."""
    return {"phase": phase, "ready": ready, "has_ready_condition": has_ready_condition,
            "start_time": start, "ready_transition_time": transition, "deleted": deleted,
            "request": {"cpu": cpu_request, "memory": memory_request},
            "usage": {"cpu": cpu, "memory": memory}, "sample_time": sample_time,
            "window": window, "custom": custom}


def hpa(spec: dict, pods: list[int], current: int, status: int | None = None, row: int = 0,
        scalars=None, target_found=True, has_selector=True, kind="Deployment", name="web",
        namespace="test-namespace", ambiguous=None) -> dict:
    return {"row": row, "namespace": namespace, "name": f"{name}-hpa", "spec": spec,
            "target_found": target_found, "target_kind": kind, "target_name": name,
            "has_selector": has_selector, "ambiguous": ambiguous, "spec_replicas": current,
            "status_replicas": current if status is None else status, "pods": pods,
            "scalars": scalars if scalars is not None else [None] * len(spec.get("metrics") or [0])}


def case(hpas: list[dict], pods: list[dict], now: float = NOW, config=None) -> dict:
    return {"now": now, "config": config or H.HpaConfig(), "pods": pods, "hpas": hpas}


def cpu_metric(utilization=None, average_value=None, kind="Resource", resource="cpu") -> dict:
    target = ({"type": "Utilization", "averageUtilization": utilization} if utilization is not None
              else {"type": "AverageValue", "averageValue": average_value})
    body = {"name": resource, "target": target}
    if kind == "ContainerResource":
        body["container"] = "container2"
    return {"type": kind, ("resource" if kind == "Resource" else "containerResource"): body}


def pods_metric(name="qps", average_value="15") -> dict:
    return {"type": "Pods", "pods": {"metric": {"name": name},
                                     "target": {"type": "AverageValue", "averageValue": average_value}}}


def object_metric(name="qps", value=None, average_value=None) -> dict:
    target = ({"type": "Value", "value": value} if value is not None
              else {"type": "AverageValue", "averageValue": average_value})
    return {"type": "Object", "object": {
        "describedObject": {"kind": "Deployment", "name": "some-deployment", "apiVersion": "apps/v1"},
        "metric": {"name": name}, "target": target}}


def external_metric(name="qps", value=None, average_value=None,
                    selector=None) -> dict:
    target = ({"type": "Value", "value": value} if value is not None
              else {"type": "AverageValue", "averageValue": average_value})
    metric = {"name": name}
    if selector is not None:
        metric["selector"] = selector
    return {"type": "External", "external": {"metric": metric, "target": target}}


#: A behavior that passes the replica calculator's proposal through unchanged.
PASS_THROUGH = {"scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                            "policies": [{"type": "Pods", "value": 100000, "periodSeconds": 15}]},
                "scaleDown": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                              "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}}


# -- the case through the kernel ---------------------------------------------------------------------

def kernel_inputs(c: dict, compiled: H.CompiledHpas) -> k.HpaInputs:
    pods = c["pods"]
    count = len(pods)
    pod_start = [0]
    rows = []
    for h in c["hpas"]:
        rows.extend(h["pods"])
        pod_start.append(len(rows))

    def column(getter, dtype):
        return np.array([getter(p) for p in pods], dtype=dtype).reshape(count)

    usage = np.array([[np.nan if p["usage"]["cpu"] is None else p["usage"]["cpu"],
                       np.nan if p["usage"]["memory"] is None else p["usage"]["memory"]]
                      for p in pods], dtype=np.float64).reshape(count, 2).T.copy()
    names = sorted({n for p in pods for n in p["custom"]})
    series = {n: i for i, n in enumerate(names)}
    custom = np.array([[p["custom"].get(n, np.nan) if p["custom"].get(n) is not None else np.nan
                        for p in pods] for n in names], dtype=np.float64).reshape(len(names), count)
    m = len(compiled.metric_docs)
    metric_series = np.full(m, -1, np.int64)
    scalar_value = np.zeros(m, np.int64)
    scalar_has = np.zeros(m, np.bool_)
    j = 0
    for h in c["hpas"]:
        for index, metric in enumerate(h["spec"].get("metrics") or [None]):
            if metric is not None and metric["type"] == "Pods":
                metric_series[j] = series.get(metric["pods"]["metric"]["name"], -1)
            value = h["scalars"][index] if index < len(h["scalars"]) else None
            if value is not None and not math.isnan(value):
                scalar_value[j] = H.to_milli([value])[0]
                scalar_has[j] = True
            j += 1
    pod_start = np.array(pod_start, np.int64)
    pod_rows = np.array(rows, np.int64)
    return k.HpaInputs(
        target_found=np.array([h["target_found"] for h in c["hpas"]], np.bool_),
        has_selector=np.array([h["has_selector"] for h in c["hpas"]], np.bool_),
        ambiguous=np.array([h.get("ambiguous") is not None for h in c["hpas"]], np.bool_),
        spec_replicas=np.array([h["spec_replicas"] for h in c["hpas"]], np.int32),
        status_replicas=np.array([h["status_replicas"] for h in c["hpas"]], np.int32),
        pod_start=pod_start, pod_rows=pod_rows, pod_owner=pod_owners(pod_start, pod_rows, count),
        phase=column(lambda p: PHASES[p["phase"]], np.int8),
        ready=column(lambda p: p["ready"], np.bool_),
        # the Ready condition exists once the pod is bound: bound to node 0, or not at all
        node_index=column(lambda p: 0 if p["has_ready_condition"] else -1, np.int32),
        node_name=np.full(count, -1, np.int32),
        start_time=column(lambda p: np.nan if p["start_time"] is None else p["start_time"], np.float64),
        ready_time=column(lambda p: p["ready_transition_time"], np.float64),
        deletion_time=column(lambda p: 0.0 if p["deleted"] else np.nan, np.float64),
        cpu_request=column(lambda p: p["request"]["cpu"], np.int64),
        memory_request=column(lambda p: p["request"]["memory"], np.int64),
        sample_of_pod=np.arange(len(usage[0]), dtype=np.int32),   # a sample row per pod
        cpu_usage=usage[0], memory_usage=usage[1],
        sample_time=column(lambda p: p["sample_time"], np.float64),
        sample_window=column(lambda p: p["window"], np.float64),
        pod_metric_values=H.to_milli(custom) if len(names) else np.zeros((0, count), np.int64),
        pod_metric_has=~np.isnan(custom) if len(names) else np.zeros((0, count), np.bool_),
        metric_series=metric_series, scalar_value=scalar_value, scalar_has=scalar_has)


def pod_owners(pod_start: np.ndarray, pod_rows: np.ndarray, count: int) -> np.ndarray:
    """HpaInputs.pod_owner of a CSR: the HPA of each pod in exactly one HPA's pods, else -1."""
    hpas = np.repeat(np.arange(len(pod_start) - 1), np.diff(pod_start))
    owner = np.full(count, -1, np.int32)
    pods, first, times = np.unique(pod_rows, return_index=True, return_counts=True)
    alone = times == 1
    owner[pods[alone]] = hpas[first[alone]]
    return owner


def history_to_kernel(history: dict) -> H.HpaHistory:
    kernel = H.HpaHistory()
    for row, entries in history.items():
        kernel.set_recommendations(row, [tuple(e) for e in entries["rec"]])
        kernel.set_scale_events(row, "up", [tuple(e) for e in entries["up"]])
        kernel.set_scale_events(row, "down", [tuple(e) for e in entries["down"]])
    return kernel


def history_from_kernel(kernel: H.HpaHistory, rows) -> dict:
    return {row: {"rec": [list(e) for e in kernel.recommendations(row)],
                  "up": [list(e) for e in kernel.scale_events(row, "up")],
                  "down": [list(e) for e in kernel.scale_events(row, "down")]} for row in rows}


def kernel_sync(c: dict, history: dict, owners: bool = True) -> list[dict]:
    """The case through compile_spec_documents + decide; ``history`` updated in place. Without
    ``owners`` (pod_owner all -1) the kernel sums every HPA's pods pod by pod."""
    rows = [h["row"] for h in c["hpas"]]
    specs, metric_docs = H.compile_spec_documents([h["spec"] for h in c["hpas"]], c["config"],
                                                  hpa_rows=rows)
    compiled = H.CompiledHpas(
        specs, [h["namespace"] for h in c["hpas"]], [h["name"] for h in c["hpas"]],
        [h["target_kind"] for h in c["hpas"]], [h["target_name"] for h in c["hpas"]],
        [H.TARGETS.get(h["target_kind"], (None,))[0] for h in c["hpas"]],
        np.zeros(len(rows), np.int64), metric_docs)
    inputs = kernel_inputs(c, compiled)
    if not owners:
        inputs = inputs._replace(pod_owner=np.full(len(inputs.pod_owner), -1, np.int32))
    kernel_history = history_to_kernel(history)
    out = H.decide(specs, inputs, kernel_history, c["now"], c["config"])

    def namer(row):
        p = c["pods"][row]
        return p.get("name", f"pod-{row}"), p.get("container", "c0")
    notes = {i: h["ambiguous"] for i, h in enumerate(c["hpas"]) if h.get("ambiguous") is not None}
    decisions = H.HpaDecisions(specs.hpa_rows, out.outcome, out.current_replicas,
                               out.desired_replicas, out.rescale, out, compiled, (namer,), c["now"],
                               None, notes)
    history.clear()
    history.update(history_from_kernel(kernel_history, sorted(set(rows) | set(history))))
    for i in range(len(rows)):  # the templated text apply writes is the document, canonical
        metrics = decisions.current_metrics(i)
        text = decisions.current_metrics_text(i)
        assert text == (None if metrics is None else canonical_json(metrics))
    return [decisions.describe(i) for i in range(len(rows))]


def run_both(c: dict, history: dict | None = None) -> list[dict]:
    """The case through kernel and reference; asserts they agree (results and history)."""
    if history is None:
        history = {}
    kernel_history = copy.deepcopy(history)
    reference_history = copy.deepcopy(history)
    pod_by_pod_history = copy.deepcopy(history)
    kernel = kernel_sync(c, kernel_history)
    reference = reference_sync(copy.deepcopy(c), reference_history)
    assert kernel == reference, f"kernel {kernel}\n!= reference {reference}"
    # the sums in pod order (pod_owner) are the sums pod by pod
    assert kernel_sync(c, pod_by_pod_history, owners=False) == kernel
    assert pod_by_pod_history == kernel_history
    rows = {h["row"] for h in c["hpas"]}
    for row in rows:
        assert kernel_history.get(row) == reference_history.get(row), (
            f"history of row {row}: kernel {kernel_history.get(row)} != "
            f"reference {reference_history.get(row)}")
    history.clear()
    history.update(kernel_history)
    return kernel
