"""The HorizontalPodAutoscaler controller (autoscaling/v2): every HPA decided in one kernel call per
sync, with Kubernetes' replica calculator, stabilization windows, scaling policies, conditions,
status and events.

How the engine runs a sync (every --horizontal-pod-autoscaler-sync-period, 15 s by default)::

    controller = HorizontalController(HpaConfig())            # once; keeps the history
    decisions = controller.sync(state, pod_metrics, custom_metrics)   # decide (no writes)
    apply_hpa_decisions(state, decisions)                      # the only writer

``pod_metrics`` is a PodMetrics (metrics-server's latest sample per pod row) and
``custom_metrics`` anything with the CustomMetrics methods (NO_CUSTOM_METRICS by default).

Layers, as in the scheduler: ``compile_hpa_specs`` turns the HPA rows into HpaSpecs arrays
(cached until the HPA or target tables change); ``observe`` packs what this sync sees (the
targets' scale, their pods selected by the targets' selectors, the metrics) into HpaInputs;
``decide`` calls the njit kernel (kbench.controllers.hpa_kernel.decide_hpas) once for all
HPAs; HpaDecisions renders Kubernetes' words (conditions, reasons, events, currentMetrics)
lazily, and ``apply_hpa_decisions`` writes them.

Between syncs the controller keeps (in ``caches``) what does not change in a steady state: the
pod selection (a PodSelection: each pod row's group and HPA, updated for the rows added,
deleted or relabelled since), and the numbers each HPA's documents were made from at the
previous apply: an HPA whose numbers are unchanged keeps its conditions and currentMetrics
codes without any Python work, so an apply costs Python time only for the HPAs that moved.
Of those, the usual HPA (one metric) gets its currentMetrics code without making the text once
that text was interned: the codes are remembered by (template, value, utilization).
The kernel reads the pods table's columns as they are, in row order (nothing per pod is
packed per sync).

Modelling notes (where kbench's state is coarser than a pod object):
- A pod's request is its ``requests`` column (sum over containers); 0 counts as a container
  with no request ("missing request for cpu in container ... of Pod ..."). ContainerResource
  metrics use the pod's totals too: per-container usage is not in the state.
- The Ready condition exists once the pod is bound; its lastTransitionTime is the pod's
  ``ready_time`` column, or its start time while it has never been ready.
- Usage samples are turned into milli-values as Quantity.MilliValue() does (rounded up):
  cpu millicores as they are, memory bytes x 1000, custom metrics x 1000.
- An HPA without spec.behavior takes Go's legacy path (normalizeDesiredReplicas: the
  controller's downscale window, scale-up limit max(2 x current, 4)); with one, the v2
  defaults fill its gaps. The tolerance is the flag's, or behavior.scaleUp/scaleDown.tolerance
  where set (HPAConfigurableTolerance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import repeat
from typing import NamedTuple, Protocol

import numpy as np

from kbench.api.defaults import DOWNSCALE_STABILIZATION_SECONDS, effective_hpa_behavior
from kbench.api.labels import selector_from_dict
from kbench.api.quantity import Quantity, parse_quantity
from kbench.api.store import timestamp
from kbench.controllers import hpa_kernel as k
from kbench.controllers.hpa_kernel import (
    HistoryArrays,
    HpaInputs,
    HpaOutputs,
    HpaSpecs,
    HpaTimings,
)
from kbench.sim.events import record_event
from kbench.state import ClusterState
from kbench.state.label_groups import pair_keys
from kbench.state.strings import canonical_json

__all__ = [
    "COMPONENT", "NO_CUSTOM_METRICS", "CompiledHpas", "CustomMetrics", "HorizontalController",
    "HpaConfig", "HpaDecisions", "HpaHistory", "HpaInputs", "HpaSpecs", "PodMetrics",
    "apply_hpa_decisions", "compile_hpa_specs", "compile_spec_documents", "decide",
    "milli_quantity", "observe", "select_pods",
]

#: The event source of the HPA controller (horizontal.go NewHorizontalController).
COMPONENT = "horizontal-pod-autoscaler"
TABLE = "horizontalpodautoscalers"

#: The scale subresources kbench models: scaleTargetRef.kind -> (table, Go group resource).
TARGETS = {"Deployment": ("deployments", "deployments.apps"),
           "ReplicaSet": ("replicasets", "replicasets.apps"),
           "StatefulSet": ("statefulsets", "statefulsets.apps")}

SOURCES = {"Resource": k.SOURCE_RESOURCE, "Pods": k.SOURCE_PODS, "Object": k.SOURCE_OBJECT,
           "External": k.SOURCE_EXTERNAL, "ContainerResource": k.SOURCE_CONTAINER_RESOURCE}
SOURCE_FIELD = {"Resource": "resource", "Pods": "pods", "Object": "object",
                "External": "external", "ContainerResource": "containerResource"}
TARGET_TYPES = {"Utilization": k.TARGET_UTILIZATION, "AverageValue": k.TARGET_AVERAGE_VALUE,
                "Value": k.TARGET_VALUE}
RESOURCES = {"cpu": k.RESOURCE_CPU, "memory": k.RESOURCE_MEMORY}
SELECT_POLICIES = {"Max": k.SELECT_MAX, "Min": k.SELECT_MIN, "Disabled": k.SELECT_DISABLED}
POLICY_TYPES = {"Pods": k.POLICY_PODS, "Percent": k.POLICY_PERCENT}

#: setCondition calls of the kernel: code -> (type, status, reason, message template).
CONDITIONS = {
    k.COND_FAILED_GET_SCALE: ("AbleToScale", "False", "FailedGetScale",
                              "the HPA controller was unable to get the target's current scale: {error}"),
    k.COND_SUCCEEDED_GET_SCALE: ("AbleToScale", "True", "SucceededGetScale",
                                 "the HPA controller was able to get the target's current scale"),
    k.COND_SCALING_DISABLED: ("ScalingActive", "False", "ScalingDisabled",
                              "scaling is disabled since the replica count of the target is zero"),
    k.COND_INVALID_SELECTOR: ("ScalingActive", "False", "InvalidSelector",
                              "the HPA target's scale is missing a selector"),
    k.COND_VALID_METRIC_FOUND: ("ScalingActive", "True", "ValidMetricFound",
                                "the HPA was able to successfully calculate a replica count from {metric}"),
    k.COND_FAILED_GET_METRIC: ("ScalingActive", "False", "{reason}",
                               "the HPA was unable to compute the replica count: {error}"),
    k.COND_SCALE_UP_STABILIZED: ("AbleToScale", "True", "ScaleUpStabilized",
                                 "recent recommendations were lower than current one, applying the lowest recent recommendation"),
    k.COND_SCALE_DOWN_STABILIZED: ("AbleToScale", "True", "ScaleDownStabilized",
                                   "recent recommendations were higher than current one, applying the highest recent recommendation"),
    k.COND_READY_FOR_NEW_SCALE: ("AbleToScale", "True", "ReadyForNewScale",
                                 "recommended size matches current size"),
    k.COND_DESIRED_WITHIN_RANGE: ("ScalingLimited", "False", "DesiredWithinRange",
                                  "the desired count is within the acceptable range"),
    k.COND_TOO_MANY_REPLICAS: ("ScalingLimited", "True", "TooManyReplicas",
                               "the desired replica count is more than the maximum replica count"),
    k.COND_TOO_FEW_REPLICAS: ("ScalingLimited", "True", "TooFewReplicas",
                              "the desired replica count is less than the minimum replica count"),
    k.COND_SCALE_UP_LIMIT: ("ScalingLimited", "True", "ScaleUpLimit",
                            "the desired replica count is increasing faster than the maximum scale rate"),
    k.COND_SCALE_DOWN_LIMIT: ("ScalingLimited", "True", "ScaleDownLimit",
                              "the desired replica count is decreasing faster than the maximum scale rate"),
    k.COND_SUCCEEDED_RESCALE: ("AbleToScale", "True", "SucceededRescale",
                               "the HPA controller was able to update the target scale to {desired}"),
    k.COND_AMBIGUOUS_SELECTOR: ("ScalingActive", "False", "AmbiguousSelector", "{error}"),
}


#: Outcomes after which status.desiredReplicas keeps its previous value.
KEEPS_DESIRED = (k.OUTCOME_METRICS_FAILED, k.OUTCOME_INVALID_SELECTOR,
                 k.OUTCOME_AMBIGUOUS_SELECTOR, k.OUTCOME_FAILED_GET_SCALE)

#: setCondition calls whose message has no argument.
_STATIC_CALLS = {code: entry for code, entry in CONDITIONS.items() if "{" not in entry[3]}

OUTCOME_NAMES = {k.OUTCOME_KEPT: "Kept", k.OUTCOME_RESCALED: "Rescaled",
                 k.OUTCOME_FAILED_GET_SCALE: "FailedGetScale", k.OUTCOME_DISABLED: "ScalingDisabled",
                 k.OUTCOME_INVALID_SELECTOR: "InvalidSelector",
                 k.OUTCOME_METRICS_FAILED: "FailedComputeMetricsReplicas",
                 k.OUTCOME_AMBIGUOUS_SELECTOR: "AmbiguousSelector"}


# -- configuration and inputs -------------------------------------------------------------------

@dataclass(frozen=True)
class HpaConfig:
    """kube-controller-manager's HPA flags (pkg/controller/podautoscaler/config)."""

    tolerance: float = field(default=0.1, metadata={
        "help": "--horizontal-pod-autoscaler-tolerance: no scaling while |1 - usage ratio| is within it"})
    cpu_initialization_period: float = field(default=300.0, metadata={
        "help": "--horizontal-pod-autoscaler-cpu-initialization-period (s): CPU samples of a pod "
                "this young are only trusted a full window after it became ready"})
    delay_of_initial_readiness_status: float = field(default=30.0, metadata={
        "help": "--horizontal-pod-autoscaler-initial-readiness-delay (s): unready pods this soon "
                "after start count as never ready"})
    downscale_stabilization_window: float = field(default=float(DOWNSCALE_STABILIZATION_SECONDS), metadata={
        "help": "--horizontal-pod-autoscaler-downscale-stabilization (s): the scale-down window "
                "when behavior sets none"})

    def __post_init__(self) -> None:
        for name in ("tolerance", "cpu_initialization_period", "delay_of_initial_readiness_status",
                     "downscale_stabilization_window"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"HpaConfig.{name}: {value!r} is not a finite number >= 0")


class PodMetrics(NamedTuple):
    """metrics-server's latest sample per pod row (arrays as long as the pods table, or shorter
    for pods created since: those have no sample). NaN usage = no sample.

    With ``sample_of_pod``, the four arrays are rows of samples instead, and pod p's is row
    ``sample_of_pod[p]`` (-1: none; pods past its end have none): metrics-server's pods that
    share a sample (MetricsServer.pod_sample_rows)."""

    cpu_usage: np.ndarray     # float64 millicores
    memory_usage: np.ndarray  # float64 bytes
    sample_time: np.ndarray   # float64 simulated seconds of the sample's timestamp
    window: np.ndarray        # float64 seconds the sample averages over
    sample_of_pod: np.ndarray | None = None   # int32

    @classmethod
    def empty(cls, pods: int = 0) -> PodMetrics:
        nan = np.full(pods, np.nan)
        return cls(nan, nan.copy(), nan.copy(), np.zeros(pods))


class CustomMetrics(Protocol):
    """The custom and external metrics APIs (values in the metric's units, floats).

    pod_metric(name): the metric per pod row (NaN or missing row: no sample), or None;
    external_metric(name, selector): the total over the series the selector picks, or None;
    object_metric(name, described_object, selector): the described object's value, or None.
    """

    def pod_metric(self, name: str) -> np.ndarray | None: ...

    def external_metric(self, name: str, selector: dict | None) -> float | None: ...

    def object_metric(self, name: str, described_object: dict,
                      selector: dict | None) -> float | None: ...


class _NoCustomMetrics:
    """No custom-metrics adapter installed: every Pods / Object / External metric is missing."""

    def pod_metric(self, name: str) -> None:
        return None

    def external_metric(self, name: str, selector: dict | None) -> None:
        return None

    def object_metric(self, name: str, described_object: dict, selector: dict | None) -> None:
        return None


NO_CUSTOM_METRICS: CustomMetrics = _NoCustomMetrics()


def to_milli(values) -> np.ndarray:
    """Quantity.MilliValue() of float values given in base units: ceil(v * 1000), after rounding
    away float noise (0.1 * 1000 is 100.00000000000001, and MilliValue of "0.1" is 100)."""
    values = np.asarray(values, dtype=np.float64)
    milli = np.ceil(np.round(values * 1000.0, 3))
    return np.where(np.isnan(milli), 0, milli).astype(np.int64)


# -- compiled specs ---------------------------------------------------------------------------------

@dataclass
class CompiledHpas:
    """HpaSpecs plus what only the Python side needs: per HPA its namespace, name, target; per
    metric its spec document (for names, status and error texts)."""

    specs: HpaSpecs
    namespaces: list[str]
    names: list[str]
    target_kinds: list[str]
    target_names: list[str]
    target_tables: list[str | None]   # None: a kind kbench has no scale subresource for
    target_rows: np.ndarray           # int64, -1: not found
    metric_docs: list[dict]           # the MetricSpec of each flat metric
    fingerprint: tuple = ()
    _names: list | None = None
    _templates: list | None = None

    def valid_metric_call(self, m: int) -> tuple[str, str, str, str]:
        """The ValidMetricFound setCondition call naming metric m (cached)."""
        if not hasattr(self, "_valid_calls"):
            self._valid_calls = {}
        call = self._valid_calls.get(m)
        if call is None:
            kind, status, reason, template = CONDITIONS[k.COND_VALID_METRIC_FOUND]
            name = self.metric_names()[m] if m >= 0 else ""
            call = self._valid_calls[m] = (kind, status, reason, template.format(metric=name))
        return call

    def targets_by_table(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """(table, HPA indexes, their targets' rows) per scale table, of the HPAs whose target
        was found (cached)."""
        if not hasattr(self, "_targets_by_table"):
            found = np.array([t is not None for t in self.target_tables], np.bool_)
            found &= self.target_rows >= 0
            self._targets_by_table = []
            for table in sorted({t for t in self.target_tables if t}):
                mine = np.flatnonzero(found & np.array([t == table for t in self.target_tables],
                                                       np.bool_))
                self._targets_by_table.append((table, mine, self.target_rows[mine]))
        return self._targets_by_table

    def custom_metrics(self) -> list[tuple[int, dict]]:
        """(flat index, MetricSpec) of the Pods, Object and External metrics (cached): the
        ones observe asks the custom metrics APIs about."""
        if not hasattr(self, "_custom"):
            self._custom = [(j, metric) for j, metric in enumerate(self.metric_docs)
                            if metric.get("type") in ("Pods", "Object", "External")]
        return self._custom

    def split_templates(self) -> list[tuple[str, str, str] | None]:
        """status_templates split around their fields: (before, between, after) the
        utilization and the quantity, or ("", before, after) the quantity when there is no
        utilization; None where the split does not give what str.format gives (a metric name
        with braces in it): that template is formatted. Cached."""
        if not hasattr(self, "_split"):
            by_template: dict[str, tuple[str, str, str] | None] = {}
            for template in self.status_templates():
                if template not in by_template:
                    by_template[template] = _split_template(template)
            self._split = [by_template[t] for t in self.status_templates()]
        return self._split

    def single_templates(self) -> list[tuple[str, str, str] | None]:
        """split_templates as the whole currentMetrics list of an HPA with that one metric
        (in brackets); cached."""
        if not hasattr(self, "_singles"):
            self._singles = [None if t is None else ("[" + t[0], t[1], t[2] + "]") if t[0]
                             else ("", "[" + t[1], t[2] + "]") for t in self.split_templates()]
        return self._singles

    def single_template_ids(self) -> tuple[np.ndarray, list[tuple[str, str, str]]]:
        """Per flat metric the index of its single_templates entry among the distinct ones
        (-1: None), and those distinct templates (cached)."""
        if not hasattr(self, "_single_ids"):
            distinct: dict[tuple[str, str, str], int] = {}
            ids = [-1 if t is None else distinct.setdefault(t, len(distinct))
                   for t in self.single_templates()]
            self._single_ids = (np.array(ids, np.int64), list(distinct))
        return self._single_ids

    def metric_names(self) -> list[str]:
        """metric_name of every flat metric (computed once per compile)."""
        if self._names is None:
            self._names = [metric_name(m) for m in self.metric_docs]
        return self._names

    def status_templates(self) -> list[str]:
        """Per flat metric, its MetricStatus as canonical JSON with ``{u}`` / ``{v}`` where the
        utilization and the quantity go, so that currentMetrics is text formatting per sync."""
        if self._templates is None:
            cache: dict[str, str] = {}
            templates = []
            for metric in self.metric_docs:
                key = canonical_json(metric)
                if key not in cache:
                    text = canonical_json(metric_status(metric, -7777777, 0, "@quantity@"))
                    text = text.replace("{", "{{").replace("}", "}}")
                    cache[key] = text.replace("-7777777", "{u}").replace("@quantity@", "{v}")
                templates.append(cache[key])
            self._templates = templates
        return self._templates


def _split_template(template: str) -> tuple[str, str, str] | None:
    """(before, between, after) with before + utilization + between + quantity + after ==
    template.format(u=utilization, v=quantity) (before "" when the template has no {u}), or
    None when the template does not split that way."""
    text = template.replace("{{", "{").replace("}}", "}")
    if text.count("{v}") != 1 or text.count("{u}") > 1:
        return None
    before_value, after_value = text.split("{v}")
    if "{u}" in before_value:
        split = (*before_value.split("{u}"), after_value)
    elif "{u}" in after_value:
        return None
    else:
        split = ("", before_value, after_value)
    probe_u, probe_v = 123456789, "987654321m"
    filled = (f"{split[0]}{probe_u}{split[1]}{probe_v}{split[2]}" if split[0]
              else f"{split[1]}{probe_v}{split[2]}")
    return split if filled == template.format(u=probe_u, v=probe_v) else None


def _behavior_rules(rules: dict, default_window: float):
    """(window, select, policies [(type, value, period)], tolerance or None) of HPAScalingRules."""
    window = rules.get("stabilizationWindowSeconds")
    window = default_window if window is None else window
    policies = [(POLICY_TYPES[p["type"]], int(p["value"]), int(p["periodSeconds"]))
                for p in rules.get("policies") or []]
    tolerance = rules.get("tolerance")
    tolerance = float(parse_quantity(tolerance).value) if tolerance is not None else None
    return int(window), SELECT_POLICIES.get(rules.get("selectPolicy") or "Max", k.SELECT_MAX), \
        policies, tolerance


def _target_value(metric: dict) -> tuple[int, int, int, int]:
    """(source, target type, resource, target) of a MetricSpec; target is the percentage for
    Utilization and the MilliValue of the quantity otherwise."""
    kind = metric.get("type")
    source = SOURCES[kind]
    body = metric.get(SOURCE_FIELD[kind]) or {}
    target = body.get("target") or {}
    target_type = TARGET_TYPES[target.get("type")]
    resource = RESOURCES.get(body.get("name"), -1) if kind in ("Resource", "ContainerResource") else -1
    if target_type == k.TARGET_UTILIZATION:
        value = int(target.get("averageUtilization"))
    elif target_type == k.TARGET_AVERAGE_VALUE:
        value = parse_quantity(target.get("averageValue")).milli_value()
    else:
        value = parse_quantity(target.get("value")).milli_value()
    return source, target_type, resource, value


def compile_spec_documents(specs: list[dict], config: HpaConfig = HpaConfig(),
                           hpa_rows=None) -> tuple[HpaSpecs, list[dict]]:
    """HpaSpecs from HPA spec documents (``spec`` of autoscaling/v2 objects, API-defaulted or not).

    The behavior is taken as Kubernetes' controller sees it: absent means the legacy path
    (normalizeDesiredReplicas); present is filled with the v2 defaults (defaults.go), and a
    scale-down window left unset takes the controller's --downscale-stabilization.
    """
    n = len(specs)
    cols: dict[str, list] = {name: [] for name in (
        "min", "max", "has_behavior", "up_window", "down_window", "up_select", "down_select",
        "up_tol", "down_tol")}
    metric_start = [0]
    metric_rows: list[tuple] = []
    metric_docs: list[dict] = []
    policies = {"up": ([0], []), "down": ([0], [])}
    for spec in specs:
        minimum = spec.get("minReplicas")
        cols["min"].append(1 if minimum is None else int(minimum))
        cols["max"].append(int(spec.get("maxReplicas", 0)))
        metrics = spec.get("metrics") or [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
        for metric in metrics:
            metric_rows.append(_target_value(metric))
            metric_docs.append(metric)
        metric_start.append(len(metric_rows))
        behavior = spec.get("behavior")
        cols["has_behavior"].append(isinstance(behavior, dict))
        effective = effective_hpa_behavior(spec)
        effective["scaleDown"]["stabilizationWindowSeconds"] = (
            (behavior or {}).get("scaleDown") or {}).get("stabilizationWindowSeconds")
        for direction, key in (("up", "scaleUp"), ("down", "scaleDown")):
            default_window = config.downscale_stabilization_window if direction == "down" else 0
            window, select, rules, tolerance = _behavior_rules(effective[key], default_window)
            cols[f"{direction}_window"].append(window)
            cols[f"{direction}_select"].append(select)
            cols[f"{direction}_tol"].append(config.tolerance if tolerance is None else tolerance)
            starts, flat = policies[direction]
            flat.extend(rules)
            starts.append(len(flat))
    metric_arr = np.array(metric_rows, dtype=np.int64).reshape(-1, 4)

    def policy_arrays(direction):
        starts, flat = policies[direction]
        arr = np.array(flat, dtype=np.int64).reshape(-1, 3)
        return (np.array(starts, np.int64), arr[:, 0].astype(np.int8),
                arr[:, 1].astype(np.int32), arr[:, 2].astype(np.int32))

    up, down = policy_arrays("up"), policy_arrays("down")
    rows = np.arange(n, dtype=np.int64) if hpa_rows is None else np.asarray(hpa_rows, np.int64)
    compiled = HpaSpecs(
        hpa_rows=rows,
        min_replicas=np.array(cols["min"], np.int32), max_replicas=np.array(cols["max"], np.int32),
        metric_start=np.array(metric_start, np.int64),
        metric_source=metric_arr[:, 0].astype(np.int8),
        metric_target_type=metric_arr[:, 1].astype(np.int8),
        metric_resource=metric_arr[:, 2].astype(np.int8),
        metric_target=metric_arr[:, 3].copy(),
        has_behavior=np.array(cols["has_behavior"], np.bool_),
        up_window=np.array(cols["up_window"], np.int32),
        down_window=np.array(cols["down_window"], np.int32),
        up_select=np.array(cols["up_select"], np.int8),
        down_select=np.array(cols["down_select"], np.int8),
        up_tolerance=np.array(cols["up_tol"], np.float64),
        down_tolerance=np.array(cols["down_tol"], np.float64),
        up_policy_start=up[0], up_policy_type=up[1], up_policy_value=up[2], up_policy_period=up[3],
        down_policy_start=down[0], down_policy_type=down[1], down_policy_value=down[2],
        down_policy_period=down[3])
    return compiled, metric_docs


#: The HPA columns compiled specs are made from.
_SPEC_COLUMNS = ("body", "namespace", "name", "target_kind", "target_name", "min_replicas",
                 "max_replicas")


def _fingerprint(state: ClusterState) -> tuple:
    """What compiled specs depend on: the HPA table's alive flags and the columns read (as
    bytes: cheaper to take and compare than the live rows' values), the targets tables'
    sizes."""
    hpas = state.tables[TABLE]
    return (hpas.alive.tobytes(), *(hpas[name].tobytes() for name in _SPEC_COLUMNS),
            tuple((len(state.tables[t]), state.tables[t].live_count) for t, _ in TARGETS.values()))


def compile_hpa_specs(state: ClusterState, config: HpaConfig = HpaConfig(),
                      previous: CompiledHpas | None = None) -> CompiledHpas:
    """The live HPAs of ``state`` as arrays; ``previous`` is returned as is when nothing it
    depends on changed (the usual case between two syncs)."""
    fingerprint = _fingerprint(state)
    if previous is not None and previous.fingerprint == fingerprint:
        return previous
    hpas = state.tables[TABLE]
    strings = state.strings
    rows = hpas.live_rows()
    spec_docs, namespaces, names, kinds, target_names, tables = [], [], [], [], [], []
    target_rows = np.full(len(rows), -1, np.int64)
    body_cache: dict[int, dict] = {}
    for i, row in enumerate(rows.tolist()):
        code = int(hpas["body"][row])
        if code not in body_cache:
            body_cache[code] = (strings.document(code) or {}).get("spec") or {}
        spec = dict(body_cache[code])
        spec["minReplicas"] = int(hpas["min_replicas"][row])
        spec["maxReplicas"] = int(hpas["max_replicas"][row])
        spec_docs.append(spec)
        namespace = strings[int(hpas["namespace"][row])]
        kind = strings[int(hpas["target_kind"][row])]
        target = strings[int(hpas["target_name"][row])]
        namespaces.append(namespace)
        names.append(strings[int(hpas["name"][row])])
        kinds.append(kind)
        target_names.append(target)
        table = TARGETS.get(kind, (None, None))[0]
        tables.append(table)
        if table is not None and target is not None:
            target_rows[i] = state.find(table, target, namespace)
    specs, metric_docs = compile_spec_documents(spec_docs, config, hpa_rows=rows)
    return CompiledHpas(specs, namespaces, names, kinds, target_names, tables, target_rows,
                        metric_docs, fingerprint)


# -- history ------------------------------------------------------------------------------------------

_HISTORY_FIELDS = ("rec_count", "rec_value", "rec_time", "up_count", "up_change", "up_time",
                   "up_outdated", "down_count", "down_change", "down_time", "down_outdated")


class HpaHistory:
    """What the HPA controller remembers between syncs, per HPA table row: the unstabilized
    recommendations with their times (horizontal.go ``recommendations``) and the scale-up and
    scale-down events (``scaleUpEvents`` / ``scaleDownEvents``), each in Go's slice order so that
    slot reuse matches. Columnar: rows x capacity arrays plus a count per row; capacity doubles
    when a row fills (a row holds about window / sync period entries)."""

    def __init__(self, rows: int = 0, capacity: int = 8) -> None:
        self._arrays = {
            "rec_count": np.zeros(rows, np.int32),
            "rec_value": np.zeros((rows, capacity), np.int32),
            "rec_time": np.zeros((rows, capacity), np.float64),
            "up_count": np.zeros(rows, np.int32),
            "up_change": np.zeros((rows, capacity), np.int32),
            "up_time": np.zeros((rows, capacity), np.float64),
            "up_outdated": np.zeros((rows, capacity), np.bool_),
            "down_count": np.zeros(rows, np.int32),
            "down_change": np.zeros((rows, capacity), np.int32),
            "down_time": np.zeros((rows, capacity), np.float64),
            "down_outdated": np.zeros((rows, capacity), np.bool_),
        }

    @property
    def rows(self) -> int:
        return len(self._arrays["rec_count"])

    def ensure(self, rows: int, spare: int = 2) -> None:
        """Room for ``rows`` HPA rows and ``spare`` more entries in every list."""
        a = self._arrays
        capacity = a["rec_value"].shape[1]
        fullest = max(int(a[f"{p}_count"].max(initial=0)) for p in ("rec", "up", "down"))
        new_capacity = capacity
        while fullest + spare > new_capacity:
            new_capacity *= 2
        new_rows = max(rows, self.rows)
        if new_rows == self.rows and new_capacity == capacity:
            return
        for name, old in a.items():
            shape = (new_rows,) if old.ndim == 1 else (new_rows, new_capacity)
            grown = np.zeros(shape, old.dtype)
            grown[tuple(slice(0, s) for s in old.shape)] = old
            a[name] = grown

    def forget(self, rows: np.ndarray) -> None:
        """Drop the history of these rows (their HPAs were deleted, as reconcileKey does)."""
        rows = rows[rows < self.rows]
        if not len(rows):  # the usual sync: no HPA deleted
            return
        for prefix in ("rec", "up", "down"):
            self._arrays[f"{prefix}_count"][rows] = 0
            self._arrays[f"{prefix}_{'value' if prefix == 'rec' else 'change'}"][rows] = 0
        self._arrays["up_outdated"][rows] = False
        self._arrays["down_outdated"][rows] = False

    def arrays(self) -> HistoryArrays:
        """The kernel's view (shared memory: the kernel updates this history in place)."""
        return HistoryArrays(**self._arrays)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Copies of the columns, for snapshots."""
        return {name: value.copy() for name, value in self._arrays.items()}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> HpaHistory:
        missing = set(_HISTORY_FIELDS) - set(arrays)
        if missing:
            raise ValueError(f"HpaHistory.from_arrays: missing arrays {sorted(missing)}")
        history = cls()
        dtypes = {name: value.dtype for name, value in history._arrays.items()}
        history._arrays = {name: np.array(arrays[name], dtype=dtypes[name]) for name in _HISTORY_FIELDS}
        return history

    # -- per row, for tests and inspection ------------------------------------------------------

    def recommendations(self, row: int) -> list[tuple[int, float]]:
        a = self._arrays
        if row >= self.rows:
            return []
        n = int(a["rec_count"][row])
        return list(zip(a["rec_value"][row, :n].tolist(), a["rec_time"][row, :n].tolist()))

    def scale_events(self, row: int, direction: str) -> list[tuple[int, float, bool]]:
        a = self._arrays
        if row >= self.rows:
            return []
        n = int(a[f"{direction}_count"][row])
        return list(zip(a[f"{direction}_change"][row, :n].tolist(),
                        a[f"{direction}_time"][row, :n].tolist(),
                        a[f"{direction}_outdated"][row, :n].tolist()))

    def set_recommendations(self, row: int, entries: list[tuple[int, float]]) -> None:
        self.ensure(row + 1, spare=len(entries) + 2)
        a = self._arrays
        a["rec_count"][row] = len(entries)
        for j, (value, time) in enumerate(entries):
            a["rec_value"][row, j], a["rec_time"][row, j] = value, time

    def set_scale_events(self, row: int, direction: str, entries) -> None:
        """``entries``: (change, time) or (change, time, outdated)."""
        self.ensure(row + 1, spare=len(entries) + 2)
        a = self._arrays
        a[f"{direction}_count"][row] = len(entries)
        for j, entry in enumerate(entries):
            a[f"{direction}_change"][row, j] = entry[0]
            a[f"{direction}_time"][row, j] = entry[1]
            a[f"{direction}_outdated"][row, j] = bool(entry[2]) if len(entry) > 2 else False


# -- observation: scale, pods, metrics ------------------------------------------------------------

def _ragged(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices start..start+length of every (start, length), concatenated (vectorized)."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(total)


def _equality_terms(selector) -> list[tuple[str, str]]:
    """(key, value) pairs one of which a matching label set must have, per requirement that
    is an equality or a set membership: the inverted index's entry points."""
    return [(r.key, v) for r in selector.requirements if r.operator in ("=", "==", "in")
            for v in r.values]


def select_pods(state: ClusterState, namespaces: np.ndarray, selector_codes: np.ndarray,
                caches: dict) -> tuple[np.ndarray, np.ndarray, dict[int, set[int]]]:
    """CSR (pod_start, pod_rows) of the live pods each HPA's target selector picks in the HPA's
    namespace (selector code -1: no pods), each HPA's pods in row order, and for each HPA whose
    pods are also picked by other HPAs' selectors, the set of all those HPAs (Go's
    AmbiguousSelector check; every HPA with a found target counts as registered, as in a
    steady state).

    A PodSelection in ``caches`` keeps, per pod row, the group of its (namespace, label set)
    pair, and per group which selectors pick it (label sets and selectors are immutable
    documents, so a group is matched once per set of selectors); between syncs only the new
    rows and the rows whose namespace or labels changed are looked at. The answer is reused
    while the pods' rows, their groups and the selectors stay the same, and otherwise made by
    one compiled pass over the live rows (hpa_kernel.select_rows).
    """
    selection = caches.get("pod_selection")
    if selection is None or selection.strings is not state.strings:
        selection = caches["pod_selection"] = PodSelection(
            state.strings, (state.resource_index("cpu"), state.resource_index("memory")))
    return selection.select(state, namespaces, selector_codes, caches)


class PodSelection:
    """Which HPAs' selectors pick each pod row, kept up to date across syncs.

    Per row its group (the index of its (namespace, labels) pair among the pairs seen), per
    group its match (the index of the tuple of selector keys that pick it among the tuples
    seen; 0 is the empty tuple). Copies of the pods' alive, namespace and labels columns as
    last selected find the rows added, deleted or relabelled since (one compiled pass,
    hpa_kernel.changed_rows, comparing the three columns row by row together; the general
    kbench.state.changes.ColumnCopies, a pass per column then numpy over the dirty blocks,
    measured 0.3-0.4 ms per sync against 0.05-0.1 ms for these three columns).

    Also each row's CPU and memory requests as contiguous columns (the pods table keeps every
    resource of a row together, so reading one resource of every pod reads them all), copied
    when the row is first seen: a pod's requests never change (pods are immutable but for
    their images, ValidatePodUpdate).
    """

    def __init__(self, strings, request_columns: tuple[int, int] = (0, 1)) -> None:
        self.strings = strings
        self.request_columns = request_columns         # the cpu and memory resource indexes
        self.rows = 0                                  # pod rows grouped so far
        self.alive = np.zeros(0, np.bool_)            # [capacity] the columns as last selected
        self.namespace = np.zeros(0, np.int32)
        self.labels = np.zeros(0, np.int32)
        self.row_group = np.zeros(0, np.int32)         # [capacity]
        self.group_of_pair: dict[int, int] = {}        # pair_keys(namespace, labels) -> group
        self.group_pairs: list[tuple[int, int]] = []   # group -> (namespace, labels)
        self.keys: list | None = None                  # the selector keys matched against
        self.group_match = np.zeros(0, np.int32)       # [groups] match of each group
        self.match_of: dict[tuple, int] = {(): 0}
        self.match_keys: list[tuple] = [()]            # match -> the keys (indexes) that pick it
        self.match_index = None                        # see _match_index
        self.match_pods = np.zeros(1, np.int64)        # [matches] live rows of each match
        self.answer = None
        self.answer_for = None                         # the _selector_keys answer it was made for
        self.owner = np.zeros(0, np.int32)             # [capacity] HpaInputs.pod_owner
        self.requests = np.zeros((2, 0), np.int64)     # [cpu / memory, capacity] as in the pods
        self.shared_keys: list[int] = []               # keys several HPAs have
        self.shared_for = None                         # the hpas_of_key they are of
        self.bounds = (-1, -1)  # at or above the answer's largest pod row and owner (_check)

    def select(self, state: ClusterState, namespaces: np.ndarray, selector_codes: np.ndarray,
               caches: dict) -> tuple[np.ndarray, np.ndarray, dict[int, set[int]]]:
        pods = state.tables["pods"]
        if len(pods) < self.rows:  # a new table: start over
            self.__init__(self.strings, self.request_columns)
        key_answer = _selector_keys(state, namespaces, selector_codes, caches)
        keys, hpa_selector, hpas_of_key = key_answer
        seen = self.rows
        alive, namespace, labels = pods.alive, pods["namespace"], pods["labels"]
        old = k.changed_rows(alive, namespace, labels, self.alive[:seen],
                             self.namespace[:seen], self.labels[:seen])
        moved = old[(self.namespace[old] != namespace[old]) | (self.labels[old] != labels[old])]
        rebuild = self.answer is None or self.answer_for is not key_answer or len(moved) > 0
        if keys is not self.keys and keys != self.keys:
            self.keys = keys
            self.match_of, self.match_keys = {(): 0}, [()]
            self.group_match = np.array([self._match(ns, code, caches)
                                         for ns, code in self.group_pairs], np.int32)
            rebuild = True
        if not rebuild and len(old) == 0 and len(pods) == seen:
            return self.answer
        was_alive = self.alive[old]
        self.alive[old] = alive[old]
        self._regroup(pods, np.concatenate([moved, np.arange(seen, len(pods))]), caches)
        match_start, match_key, multiple = self._match_index()
        index = (self.row_group[:self.rows], self.group_match, match_start, match_key,
                 np.asarray(hpa_selector, np.int64), len(keys))
        is_alive = alive[old]
        if rebuild or bool((is_alive & ~was_alive).any()):
            # the first selection, new selectors or labels, or rows alive again: all rows
            self.owner[:] = -1
            pod_start, pod_rows, self.match_pods = k.select_rows(pods.live_rows(), *index,
                                                                 self.owner)
            self.bounds = (int(pod_rows.max(initial=-1)), int(self.owner.max(initial=-1)))
        else:
            deleted = old[was_alive & ~is_alive]
            added = seen + np.flatnonzero(alive[seen:])
            grown = len(self.match_keys) - len(self.match_pods)  # matches new groups made
            self.match_pods = np.concatenate([self.match_pods, np.zeros(grown, np.int64)])
            pod_start, pod_rows = k.update_selection(self.answer[0], self.answer[1],
                                                     self.match_pods, deleted, added, alive,
                                                     *index, self.owner)
            # rows kept are checked already; added ones are ascending (owner: -1 or an HPA)
            if len(added):
                self.bounds = (max(self.bounds[0], int(added[-1])),
                               max(self.bounds[1], int(self.owner[added].max())))
        controllers = self._controllers(keys, hpas_of_key, pod_start, multiple)
        self.answer, self.answer_for = (pod_start, pod_rows, controllers), key_answer
        return self.answer

    def _match_index(self) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """match_keys as CSR (match_start, match_key) and the matches of several keys, made
        again only when matches were added or started over."""
        index = self.match_index
        if index is None or index[0] is not self.match_keys or index[1] != len(self.match_keys):
            lengths = [len(found) for found in self.match_keys]
            match_start = np.zeros(len(lengths) + 1, np.int64)
            match_start[1:] = np.cumsum(lengths)
            match_key = np.array([key for found in self.match_keys for key in found], np.int64)
            multiple = [m for m, length in enumerate(lengths) if length > 1]
            index = self.match_index = (self.match_keys, len(self.match_keys), match_start,
                                        match_key, multiple)
        return index[2], index[3], index[4]

    def _regroup(self, pods, rows: np.ndarray, caches: dict) -> None:
        """Group ``rows`` as their columns are now (new groups matched against the keys)."""
        size = len(pods)
        if size > len(self.row_group):
            capacity = max(size, 2 * len(self.row_group), 1024)
            for name in ("alive", "namespace", "labels", "row_group", "owner"):
                column = getattr(self, name)
                grown = np.full(capacity, -1, np.int32) if name != "alive" else np.zeros(
                    capacity, np.bool_)
                grown[:self.rows] = column[:self.rows]
                setattr(self, name, grown)
            requests = np.zeros((2, capacity), np.int64)
            requests[:, :self.rows] = self.requests[:, :self.rows]
            self.requests = requests
        if size > self.rows:   # new rows: their requests, which never change
            columns = pods["requests"][self.rows:size]
            self.requests[:, self.rows:size] = columns[:, list(self.request_columns)].T
        self.rows = size
        if not len(rows):
            return
        namespace, labels = pods["namespace"][rows], pods["labels"][rows]
        self.alive[rows] = pods.alive[rows]
        self.namespace[rows], self.labels[rows] = namespace, labels
        keys = pair_keys(namespace, labels)
        if len(rows) <= 64:  # the usual sync: a few new pods, of pairs seen before
            known = [self.group_of_pair.get(key, -1) for key in keys.tolist()]
            if -1 not in known:
                self.row_group[rows] = known
                return
        pairs, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        groups = np.empty(len(pairs), np.int32)
        fresh = []
        for j, (pair, ns, code) in enumerate(zip(pairs.tolist(), namespace[first].tolist(),
                                                 labels[first].tolist())):
            group = self.group_of_pair.get(pair)
            if group is None:
                group = self.group_of_pair[pair] = len(self.group_pairs)
                self.group_pairs.append((ns, code))
                fresh.append(self._match(ns, code, caches))
            groups[j] = group
        if fresh:
            self.group_match = np.concatenate([self.group_match, np.array(fresh, np.int32)])
        self.row_group[rows] = groups[inverse]

    def _match(self, ns: int, code: int, caches: dict) -> int:
        """The match of the pair (namespace, labels code): which selector keys pick it."""
        labels_cache = caches.setdefault("labels", {})
        doc = labels_cache.get(code)
        if doc is None:
            doc = labels_cache[code] = (self.strings.document(code) or {}) if code >= 0 else {}
        parsed, by_term, general = caches["selectors"], caches["by_term"], caches["general"]
        candidates = set(general.get(ns, ()))
        for item in doc.items():
            candidates.update(by_term.get((ns, *item), ()))
        key_index = caches["key_index"]
        found = tuple(key_index[key] for key in sorted(candidates) if parsed[key[1]].matches(doc))
        match = self.match_of.get(found)
        if match is None:
            match = self.match_of[found] = len(self.match_keys)
            self.match_keys.append(found)
        return match

    def _controllers(self, keys: list, hpas_of_key: dict[tuple, list[int]], pod_start: np.ndarray,
                     multiple: list[int]) -> dict[int, set[int]]:
        """hpasControllingPodsUnderSelector: per HPA whose pods other HPAs' selectors pick too,
        all those HPAs (several selectors picking the same live pods: ``multiple`` are the
        matches of several keys; or several HPAs with one selector and live pods, ``pod_start``
        giving each HPA's pods)."""
        shared = {self.match_keys[m] for m in multiple  # usually none
                  if self.match_pods[m] > 0}
        if self.shared_for is not hpas_of_key:  # the keys of several HPAs
            key_index = {key: j for j, key in enumerate(keys)}
            self.shared_keys = [key_index[key] for key, owners in hpas_of_key.items()
                                if len(owners) > 1]
            self.shared_for = hpas_of_key
        for index in self.shared_keys:  # usually none
            h = hpas_of_key[keys[index]][0]  # the HPAs of a key have the same pods
            if pod_start[h + 1] > pod_start[h]:
                shared.add((index,))
        controllers: dict[int, set[int]] = {}
        for found in shared:
            owners = sorted({h for index in found for h in hpas_of_key.get(keys[index], ())})
            if len(owners) > 1:
                for h in owners:
                    controllers.setdefault(h, set()).update(owners)
        return controllers


def _selector_keys(state: ClusterState, namespaces: np.ndarray, selector_codes: np.ndarray,
                   caches: dict) -> tuple[list, np.ndarray, dict[tuple, list[int]]]:
    """The distinct (namespace, selector code) keys in order, each HPA's key index (-1: no
    selector) and the HPAs of each key; kept (the same tuple) while the HPAs' namespaces and
    selectors stay the same. New keys also renew the inverted index of the selectors'
    terms."""
    identity = (namespaces.tobytes(), selector_codes.tobytes())
    known = caches.get("selector_keys")
    if known is not None and known[0] == identity:
        return known[1]
    strings = state.strings
    n = len(selector_codes)
    wanted = np.flatnonzero(selector_codes >= 0)
    keys = sorted(set(zip(namespaces[wanted].tolist(), selector_codes[wanted].tolist())))
    selector_id = {key: j for j, key in enumerate(keys)}
    parsed = caches.setdefault("selectors", {})
    if caches.get("match_keys") != keys:  # new selectors: a new inverted index
        caches["match_keys"] = keys
        caches["key_index"] = selector_id
        by_term: dict[tuple, list] = {}
        general: dict[int, list] = {}
        for key in keys:
            selector = parsed.get(key[1])
            if selector is None:
                selector = parsed[key[1]] = selector_from_dict(strings.document(key[1]))
            terms = _equality_terms(selector)
            for term in terms:
                by_term.setdefault((key[0], *term), []).append(key)
            if not terms:
                general.setdefault(key[0], []).append(key)
        caches["by_term"], caches["general"] = by_term, general
    hpas_of_key: dict[tuple, list[int]] = {}
    for i in wanted.tolist():
        hpas_of_key.setdefault((int(namespaces[i]), int(selector_codes[i])), []).append(i)
    hpa_selector = np.full(n, -1, np.int64)
    hpa_selector[wanted] = [selector_id[key] for key in zip(
        namespaces[wanted].tolist(), selector_codes[wanted].tolist())]
    answer = keys, hpa_selector, hpas_of_key
    caches["selector_keys"] = (identity, answer)
    return answer


def _sample_column(values) -> np.ndarray:
    """A PodMetrics column as float64 (without a copy when it is one)."""
    return np.asarray(values if values is not None else [], dtype=np.float64)


def _padded(values, length: int, fill: float) -> np.ndarray:
    values = np.asarray(values if values is not None else [], dtype=np.float64)[:length]
    if len(values) < length:
        values = np.concatenate([values, np.full(length - len(values), fill)])
    return values


def observe(state: ClusterState, compiled: CompiledHpas, pod_metrics: PodMetrics | None = None,
            custom_metrics: CustomMetrics = NO_CUSTOM_METRICS,
            caches: dict | None = None) -> tuple[HpaInputs, dict[int, str]]:
    """What this sync sees: each target's scale (spec/status replicas, selector), the pods its
    selector picks in the HPA's namespace, and every metric the HPAs name. Also returns the
    AmbiguousSelector message of each HPA whose pods other HPAs select too (by HPA index).

    ``caches`` (the controller's) keeps what later syncs reuse: the pod selection, updated
    for the pods added, deleted or relabelled since. The per-pod arrays of the inputs are the
    pods table's columns (the requests: the selection's contiguous copies) and the metrics'
    arrays themselves (views, not copies)."""
    caches = {} if caches is None else caches
    specs = compiled.specs
    n = len(specs.hpa_rows)
    target_found = np.zeros(n, np.bool_)
    has_selector = np.zeros(n, np.bool_)
    spec_replicas = np.zeros(n, np.int32)
    status_replicas = np.zeros(n, np.int32)
    selector_codes = np.full(n, -1, np.int64)
    for table, mine, rows in compiled.targets_by_table():
        columns = state.tables[table]
        alive = columns.alive[rows]
        mine, rows = mine[alive], rows[alive]
        target_found[mine] = True
        spec_replicas[mine] = columns["replicas"][rows]
        status_replicas[mine] = columns["status_replicas"][rows]
        selector_codes[mine] = columns["selector"][rows]
        has_selector[mine] = columns["selector"][rows] >= 0

    # pods per HPA, selected by its target's selector, handed to the kernel as CSR
    namespace_codes = (state.tables[TABLE]["namespace"][specs.hpa_rows].astype(np.int64)
                       if n else np.zeros(0, np.int64))
    selector_codes = np.where(target_found, selector_codes, -1)
    pod_start, pod_rows, controllers = select_pods(state, namespace_codes, selector_codes, caches)
    ambiguous = np.zeros(n, np.bool_)
    notes: dict[int, str] = {}
    selectors = caches.setdefault("selectors", {})
    for i, owners in controllers.items():
        ambiguous[i] = True
        keys = " ".join(f"{compiled.namespaces[h]}/{compiled.names[h]}" for h in sorted(
            owners, key=lambda h: (compiled.namespaces[h], compiled.names[h])))
        notes[i] = (f"pods by selector {selectors[int(selector_codes[i])]} are controlled by "
                    f"multiple HPAs: [{keys}]")

    # the pods' columns as they are (the kernel reads what it needs of the selected pods)
    pods = state.tables["pods"]
    count = len(pods)
    if pod_metrics is None:
        pod_metrics = PodMetrics.empty(0)
    requests = caches["pod_selection"].requests   # by row, contiguous (PodSelection)
    samples = [_sample_column(column) for column in pod_metrics[:4]]
    if pod_metrics.sample_of_pod is not None:
        sample_of_pod = np.asarray(pod_metrics.sample_of_pod, dtype=np.int32)[:count]
    else:
        samples = [column[:count] for column in samples]
        if len({len(column) for column in samples}) > 1:
            samples = [_padded(column, count, fill) for column, fill in
                       zip(samples, (np.nan, np.nan, np.nan, 0.0))]
        sample_of_pod = np.arange(len(samples[0]), dtype=np.int32)   # a row per pod

    # Pods metrics: one series per distinct name; Object / External: one value per metric
    m = len(compiled.metric_docs)
    series_of: dict[str, int] = {}
    series_values, series_has = [], []
    metric_series = np.full(m, -1, np.int64)
    scalar_value = np.zeros(m, np.int64)
    scalar_has = np.zeros(m, np.bool_)
    for j, metric in compiled.custom_metrics():
        kind = metric.get("type")
        if kind == "Pods":
            name = metric["pods"]["metric"]["name"]
            if name not in series_of:
                values = _padded(custom_metrics.pod_metric(name), count, np.nan)
                series_of[name] = len(series_values)
                series_values.append(to_milli(values))
                series_has.append(~np.isnan(values))
            metric_series[j] = series_of[name]
        elif kind in ("Object", "External"):
            body = metric[SOURCE_FIELD[kind]]
            name = body["metric"]["name"]
            selector = body["metric"].get("selector")
            if kind == "External":
                value = custom_metrics.external_metric(name, selector)
            else:
                lookup = getattr(custom_metrics, "object_metric", None)
                value = lookup(name, body.get("describedObject") or {}, selector) if lookup else None
            if value is not None and not math.isnan(value):
                scalar_value[j] = int(to_milli([value])[0])
                scalar_has[j] = True
    pod_metric_values = (np.stack(series_values) if series_values
                         else np.zeros((0, count), np.int64))
    pod_metric_has = np.stack(series_has) if series_has else np.zeros((0, count), np.bool_)

    return HpaInputs(
        target_found=target_found, has_selector=has_selector, ambiguous=ambiguous,
        spec_replicas=spec_replicas,
        status_replicas=status_replicas, pod_start=pod_start, pod_rows=pod_rows,
        pod_owner=caches["pod_selection"].owner[:count],
        phase=pods["phase"], ready=pods["ready"], node_index=pods["node_index"],
        node_name=pods["node_name"], start_time=pods["start_time"], ready_time=pods["ready_time"],
        deletion_time=pods["deletion_time"], cpu_request=requests[0, :count],
        memory_request=requests[1, :count], sample_of_pod=sample_of_pod,
        cpu_usage=samples[0], memory_usage=samples[1],
        sample_time=samples[2], sample_window=samples[3],
        pod_metric_values=pod_metric_values, pod_metric_has=pod_metric_has,
        metric_series=metric_series, scalar_value=scalar_value, scalar_has=scalar_has), notes


# -- the kernel call ------------------------------------------------------------------------------

def _check(specs: HpaSpecs, inputs: HpaInputs, pod_bounds: tuple[int, int] | None = None,
           checked: dict | None = None) -> None:
    """Shapes and CSR indexes the kernel relies on (it does not bounds-check).

    ``pod_bounds``: (largest pod row of pod_rows, largest HPA of pod_owner) or bounds above
    them, when known without looking at every entry (PodSelection.bounds); ``checked``: a memo
    of the specs already checked (the controller's caches)."""
    n = len(specs.hpa_rows)
    m = len(specs.metric_source)
    if checked is None or checked.get("checked_specs") is not specs:
        _check_specs(specs)
        if checked is not None:
            checked["checked_specs"] = specs
    if len(inputs.pod_start) != n + 1 or int(inputs.pod_start[-1]) != len(inputs.pod_rows):
        raise ValueError("HpaInputs.pod_start is not a CSR index over pod_rows")
    if pod_bounds is None:
        pod_bounds = (int(inputs.pod_rows.max(initial=-1)),
                      int(inputs.pod_owner.max(initial=-1)))
    if pod_bounds[0] >= len(inputs.phase):
        raise ValueError("HpaInputs.pod_rows names pod rows past the per-pod arrays")
    if len(inputs.metric_series) != m or len(inputs.scalar_value) != m:
        raise ValueError(f"HpaInputs: per-metric arrays must have {m} entries")
    pods = len(inputs.phase)
    for name in ("pod_owner", "ready", "node_index", "node_name", "start_time", "ready_time",
                 "deletion_time", "cpu_request", "memory_request"):
        if len(getattr(inputs, name)) != pods:
            raise ValueError(f"HpaInputs.{name} has {len(getattr(inputs, name))} entries, "
                             f"expected one per pod ({pods})")
    samples = {len(getattr(inputs, name)) for name in (
        "cpu_usage", "memory_usage", "sample_time", "sample_window")}
    if len(samples) != 1:
        raise ValueError("HpaInputs: the sample arrays must be as long as each other")
    rows = samples.pop()
    if len(inputs.sample_of_pod) > pods or (len(inputs.sample_of_pod) and not (
            -1 <= inputs.sample_of_pod.min() and inputs.sample_of_pod.max() < rows)):
        raise ValueError(f"HpaInputs.sample_of_pod: no longer than the pods' ({pods}), each "
                         f"-1 or a row of the samples ({rows})")
    if pod_bounds[1] >= n:
        raise ValueError("HpaInputs.pod_owner names an HPA past the HPAs")
    if inputs.pod_metric_values.shape[1:] != (pods,) and len(inputs.pod_metric_values):
        raise ValueError("HpaInputs.pod_metric_values must have one column per pod row")
    series = inputs.metric_series
    if len(series) and int(series.max(initial=-1)) >= len(inputs.pod_metric_values):
        raise ValueError("HpaInputs.metric_series names a series past pod_metric_values")


def _check_specs(specs: HpaSpecs) -> None:
    """The part of _check about the specs (checked once per compiled specs)."""
    n = len(specs.hpa_rows)
    m = len(specs.metric_source)
    for name in ("min_replicas", "max_replicas", "has_behavior", "up_window", "down_window"):
        if len(getattr(specs, name)) != n:
            raise ValueError(f"HpaSpecs.{name} has {len(getattr(specs, name))} entries, expected {n}")
    if len(specs.metric_start) != n + 1 or int(specs.metric_start[-1]) != m:
        raise ValueError("HpaSpecs.metric_start is not a CSR index over the metrics")
    if np.any(specs.metric_target[specs.metric_target_type == k.TARGET_UTILIZATION] == 0):
        raise ValueError("HpaSpecs: a Utilization target of 0 % (validation requires >= 1)")


def decide(specs: HpaSpecs, inputs: HpaInputs, history: HpaHistory, now: float,
           config: HpaConfig = HpaConfig(), pod_bounds: tuple[int, int] | None = None,
           checked: dict | None = None) -> HpaOutputs:
    """One kernel call deciding every HPA; ``history`` is updated in place. ``pod_bounds``
    and ``checked``: see _check."""
    _check(specs, inputs, pod_bounds, checked)
    rows = int(specs.hpa_rows.max()) + 1 if len(specs.hpa_rows) else 0
    history.ensure(rows)
    out = k.empty_outputs(len(specs.hpa_rows), len(specs.metric_source))
    timings = HpaTimings(float(now), float(config.cpu_initialization_period),
                         float(config.delay_of_initial_readiness_status),
                         float(config.downscale_stabilization_window))
    k.decide_hpas(specs, inputs, timings, history.arrays(), out)
    return out


# -- Kubernetes' words --------------------------------------------------------------------------------

_DECIMAL_SUFFIXES = {-3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"}


def milli_quantity(milli: int) -> str:
    """resource.NewMilliQuantity(milli, DecimalSI).String(): the mantissa without trailing
    zeros, the exponent lowered to a multiple of 3 (what Quantity.canonical() gives, without
    the Fraction arithmetic: this runs for every metric of every HPA each sync)."""
    milli = int(milli)
    if milli == 0:
        return "0"
    sign = "-" if milli < 0 else ""
    mantissa, exponent = abs(milli), -3
    while mantissa % 10 == 0 and exponent < 18:
        mantissa //= 10
        exponent += 1
    while exponent % 3:
        mantissa *= 10
        exponent -= 1
    suffix = _DECIMAL_SUFFIXES.get(exponent)
    if suffix is None:  # past E: Go writes the exponent
        return Quantity(Fraction(milli, 1000)).canonical()
    return f"{sign}{mantissa}{suffix}"


def go_selector_text(selector: dict | None) -> str:
    """``%+v`` of a *metav1.LabelSelector (its generated String()), as Go's messages print it."""
    if selector is None:
        return "nil"
    labels = selector.get("matchLabels") or {}
    label_text = "".join(f"{key}: {labels[key]}," for key in sorted(labels))
    expressions = "".join(
        f"LabelSelectorRequirement{{Key:{e.get('key')},Operator:{e.get('operator')},"
        f"Values:[{' '.join(e.get('values') or [])}],}},"
        for e in selector.get("matchExpressions") or [])
    return (f"&LabelSelector{{MatchLabels:map[string]string{{{label_text}}},"
            f"MatchExpressions:[]LabelSelectorRequirement{{{expressions}}},}}")


def metric_name(metric: dict) -> str:
    """The metricNameProposal horizontal.go gives a metric (in ValidMetricFound and reasons)."""
    kind = metric["type"]
    body = metric[SOURCE_FIELD[kind]]
    target_type = body["target"]["type"]
    if kind in ("Resource", "ContainerResource"):
        if target_type == "AverageValue":
            return f"{body['name']} resource"
        if kind == "ContainerResource":
            return f"{body['name']} container resource utilization (percentage of request)"
        return f"{body['name']} resource utilization (percentage of request)"
    if kind == "Pods":
        return f"pods metric {body['metric']['name']}"
    if kind == "Object" and target_type == "Value":
        return f"{body['describedObject']['kind']} metric {body['metric']['name']}"
    return f"external metric {body['metric']['name']}({go_selector_text(body['metric'].get('selector'))})"


def metric_failure(metric: dict, error: int, namespace: str, pod_name: str | None = None,
                   container: str | None = None) -> tuple[str, str, str]:
    """(condition reason, error of the condition and event, error as computeReplicasForMetric
    returns it) for a metric the kernel could not compute."""
    kind = metric["type"]
    body = metric[SOURCE_FIELD[kind]]
    target_type = body["target"]["type"]
    if kind in ("Resource", "ContainerResource"):
        resource = body["name"]
        base = {
            k.ERR_NO_RESOURCE_METRICS: f"unable to get metrics for resource {resource}: "
                                       "no metrics returned from resource metrics API",
            k.ERR_NO_PODS: "no pods returned by selector while calculating replica count",
            k.ERR_NO_READY_METRICS: "did not receive metrics for targeted pods (pods might be unready)",
            k.ERR_MISSING_REQUEST: f"missing request for {resource} in container {container} "
                                   f"of Pod {pod_name}",
        }[error]
        word = "usage" if target_type == "AverageValue" else "utilization"
        inner = f"failed to get {resource} {word}: {base}"
        if kind == "Resource":
            return "FailedGetResourceMetric", inner, f"failed to get {resource} resource metric value: {inner}"
        return ("FailedGetContainerResourceMetric", inner,
                f"failed to get {body['container']} container metric value: {inner}")
    name = body["metric"]["name"]
    if kind == "Pods":
        base = {k.ERR_NO_CUSTOM_METRICS: f"unable to get metric {name}: no metrics returned from custom metrics API",
                k.ERR_NO_PODS: "no pods returned by selector while calculating replica count",
                k.ERR_NO_READY_METRICS: "did not receive metrics for targeted pods (pods might be unready)",
                }[error]
        return "FailedGetPodsMetric", base, f"failed to get pods metric value: {base}"
    if kind == "Object":
        ref = body.get("describedObject") or {}
        if error == k.ERR_READY_PODS:
            base = "unable to calculate ready pods: no pods returned by selector while calculating replica count"
        else:
            # Go's format string puts the error last: "unable to get metric %s: %v on %s %s/%s"
            base = (f"unable to get metric {name}: {ref.get('kind')} on {namespace} "
                    f"{ref.get('name')}/no metrics returned from custom metrics API")
        returned = base if target_type == "Value" else f"failed to get {name} object metric: {base}"
        return "FailedGetObjectMetric", base, f"failed to get object metric value: {returned}"
    selector = go_selector_text(body["metric"].get("selector"))
    if error == k.ERR_READY_PODS:
        base = "unable to calculate ready pods: no pods returned by selector while calculating replica count"
    else:
        base = (f"unable to get external metric {namespace}/{name}/{selector}: "
                "no metrics returned from external metrics API")
    returned = (f"failed to get external metric {name}: {base}" if target_type == "Value"
                else f"failed to get {name} external metric: {base}")
    return "FailedGetExternalMetric", base, f"failed to get {name} external metric value: {returned}"


def metric_status(metric: dict, utilization: int, value: int, quantity: str | None = None) -> dict:
    """The MetricStatus of a computed metric (status.currentMetrics entry); ``quantity``, when
    given, is written in place of the value's quantity text (status_templates uses it)."""
    kind = metric["type"]
    body = metric[SOURCE_FIELD[kind]]
    target_type = body["target"]["type"]
    quantity = milli_quantity(value) if quantity is None else quantity
    identifier = {"name": body["metric"]["name"]} if "metric" in body else None
    if identifier is not None and body["metric"].get("selector") is not None:
        identifier["selector"] = body["metric"]["selector"]
    if kind in ("Resource", "ContainerResource"):
        current = ({"averageValue": quantity} if target_type == "AverageValue"
                   else {"averageUtilization": int(utilization), "averageValue": quantity})
        status = {"name": body["name"], "current": current}
        if kind == "ContainerResource":
            status["container"] = body["container"]
        return {"type": kind, SOURCE_FIELD[kind]: status}
    if kind == "Pods":
        return {"type": "Pods", "pods": {"metric": identifier, "current": {"averageValue": quantity}}}
    if kind == "Object":
        if target_type == "Value":
            return {"type": "Object", "object": {"describedObject": body["describedObject"],
                                                 "metric": identifier, "current": {"value": quantity}}}
        # Go leaves describedObject zero for per-pod object metrics
        return {"type": "Object", "object": {"describedObject": {"kind": "", "name": ""},
                                             "metric": identifier,
                                             "current": {"averageValue": quantity}}}
    key = "value" if target_type == "Value" else "averageValue"
    return {"type": "External", "external": {"metric": identifier, "current": {key: quantity}}}


def scale_error(kind: str, name: str) -> str:
    """The error a missing scale target gives (RESTMapper or the scale client)."""
    if kind not in TARGETS:
        return f'no matches for kind "{kind}" in group ""'
    return f'{TARGETS[kind][1]} "{name}" not found'


class HpaDecisions(NamedTuple):
    """What one sync decided. Arrays per HPA (index i; ``hpa_rows[i]`` is its table row);
    the methods give Kubernetes' words for HPA i."""

    hpa_rows: np.ndarray
    outcome: np.ndarray           # int8 OUTCOME_*
    current_replicas: np.ndarray  # int32 status.currentReplicas
    desired_replicas: np.ndarray  # int32 new status.desiredReplicas (see keeps_desired)
    rescale: np.ndarray           # bool: the target's spec.replicas becomes desired_replicas
    outputs: HpaOutputs
    compiled: CompiledHpas
    pod_names: tuple = ()         # (namer,): pod row -> (pod, container) for error texts
    time: float = 0.0
    caches: dict | None = None    # the controller's memo of status documents (apply reads it)
    notes: dict | None = None     # i -> the AmbiguousSelector message (observe's notes)

    def __len__(self) -> int:  # type: ignore[override]
        return len(self.hpa_rows)

    def keeps_desired(self, i: int) -> bool:
        """On a metrics failure Go keeps the previous status.desiredReplicas
        (setCurrentReplicasAndMetricsInStatus); after FailedGetScale only conditions change."""
        return int(self.outcome[i]) in KEEPS_DESIRED

    def rescale_reason(self, i: int) -> str:
        """reconcileAutoscaler's rescaleReason ("" when there is none)."""
        reason = int(self.outputs.reason[i])
        if reason == k.REASON_ABOVE_TARGET:
            m = int(self.outputs.reason_metric[i])
            return f"{self.compiled.metric_names()[m] if m >= 0 else ''} above target"
        return {k.REASON_ALL_BELOW: "All metrics below target",
                k.REASON_ABOVE_MAX: "Current number of replicas above Spec.MaxReplicas",
                k.REASON_BELOW_MIN: "Current number of replicas below Spec.MinReplicas"}.get(reason, "")

    def _failure(self, i: int, m: int) -> tuple[str, str, str]:
        pod_name = container = None
        error = int(self.outputs.metric_error[m])
        if error == k.ERR_MISSING_REQUEST and self.pod_names:
            pod_name, container = self.pod_names[0](int(self.outputs.metric_error_pod[m]))
        return metric_failure(self.compiled.metric_docs[m], error, self.compiled.namespaces[i],
                              pod_name, container)

    def conditions(self, i: int) -> list[tuple[str, str, str, str]]:
        """The setCondition calls of HPA i in order: (type, status, reason, message)."""
        out = self.outputs
        codes = out.cond_code[i, :out.cond_count[i]].tolist()
        return self._calls(i, codes, int(out.valid_metric[i]), int(self.desired_replicas[i]))

    def _calls(self, i: int, codes: list[int], valid_metric: int, desired: int) -> list[tuple]:
        result = []
        for code in codes:
            static = _STATIC_CALLS.get(code)
            if static is not None:
                result.append(static)
                continue
            kind, status, reason, template = CONDITIONS[code]
            if code == k.COND_VALID_METRIC_FOUND:
                result.append(self.compiled.valid_metric_call(valid_metric))
            elif code == k.COND_SUCCEEDED_RESCALE:
                result.append((kind, status, reason, template.format(desired=desired)))
            elif code == k.COND_AMBIGUOUS_SELECTOR:
                result.append((kind, status, reason, (self.notes or {}).get(i, "")))
            elif code == k.COND_FAILED_GET_SCALE:
                error = scale_error(self.compiled.target_kinds[i], self.compiled.target_names[i])
                result.append((kind, status, reason, template.format(error=error)))
            else:  # COND_FAILED_GET_METRIC
                reason, error, _ = self._failure(i, int(self.outputs.cond_metric[i]))
                result.append((kind, status, reason, template.format(error=error)))
        return result

    def current_metrics(self, i: int) -> list[dict] | None:
        """status.currentMetrics: one MetricStatus per metric ({"type": ""} for a metric that
        failed, as Go leaves it), or None when metrics were not computed."""
        out = self.outputs
        lo, hi = int(self.compiled.specs.metric_start[i]), int(self.compiled.specs.metric_start[i + 1])
        if not out.metric_computed[lo:hi].any():
            return None
        result = []
        for m in range(lo, hi):
            if out.metric_error[m] != k.ERR_NONE or not out.metric_computed[m]:
                result.append({"type": ""})
            else:
                result.append(metric_status(self.compiled.metric_docs[m],
                                            int(out.metric_utilization[m]), int(out.metric_value[m])))
        return result

    def current_metrics_text(self, i: int) -> str | None:
        """current_metrics(i) as canonical JSON, by filling the compiled templates (what apply
        writes; apply makes the texts of many HPAs in one call)."""
        return _current_metrics_texts(self, [i], {})[0]

    def events(self, i: int) -> list[tuple[str, str, str]]:
        """Events HPA i emits this sync, in order: (type, reason, message)."""
        out = self.outputs
        outcome = int(self.outcome[i])
        if outcome == k.OUTCOME_FAILED_GET_SCALE:
            return [("Warning", "FailedGetScale",
                     scale_error(self.compiled.target_kinds[i], self.compiled.target_names[i]))]
        if outcome == k.OUTCOME_INVALID_SELECTOR:
            return [("Warning", "SelectorRequired", "selector is required"),
                    ("Warning", "FailedComputeMetricsReplicas", "selector is required")]
        if outcome == k.OUTCOME_AMBIGUOUS_SELECTOR:
            message = (self.notes or {}).get(i, "")
            return [("Warning", "AmbiguousSelector", message),
                    ("Warning", "FailedComputeMetricsReplicas", message)]
        events = []
        lo, hi = int(self.compiled.specs.metric_start[i]), int(self.compiled.specs.metric_start[i + 1])
        for m in range(lo, hi):
            if out.metric_computed[m] and out.metric_error[m] != k.ERR_NONE:
                reason, message, _ = self._failure(i, m)
                events.append(("Warning", reason, message))
        if outcome == k.OUTCOME_METRICS_FAILED:
            first = int(out.first_invalid[i])
            _, _, wrapped = self._failure(i, first)
            events.append(("Warning", "FailedComputeMetricsReplicas",
                           (f"invalid metrics ({int(out.invalid_count[i])} invalid out of "
                           f"{hi - lo}), first error is: {wrapped}")))
        if self.rescale[i]:
            events.append(("Normal", "SuccessfulRescale",
                           f"New size: {int(self.desired_replicas[i])}; reason: {self.rescale_reason(i)}"))
        return events

    def describe(self, i: int) -> dict:
        """Everything about HPA i in plain values (what tests compare with the reference)."""
        return {"outcome": OUTCOME_NAMES[int(self.outcome[i])], "current": int(self.current_replicas[i]),
                "desired": int(self.desired_replicas[i]), "rescale": bool(self.rescale[i]),
                "reason": self.rescale_reason(i), "conditions": self.conditions(i),
                "metrics": self.current_metrics(i), "events": self.events(i)}


def _current_metrics_texts(decisions: HpaDecisions, indices: list[int],
                           quantities: dict[int, str]) -> list[str | None]:
    """current_metrics_text of each HPA index, in order; ``quantities`` memoizes milli_quantity
    (the controller keeps it across syncs). The usual HPA, one metric computed without error,
    is one format call on its bracketed template."""
    if not indices:
        return []
    out = decisions.outputs
    compiled = decisions.compiled
    start = compiled.specs.metric_start
    wanted = np.asarray(indices, np.int64)
    single, lo = _single_metric(decisions, wanted)
    lengths = start[wanted + 1] - lo
    ok = out.metric_computed & (out.metric_error == k.ERR_NONE)
    singles = compiled.single_templates()
    texts: list[str | None] = [None] * len(indices)
    position = np.flatnonzero(single)
    metric_ids = lo[position]
    for j, m, utilization, value in zip(position.tolist(), metric_ids.tolist(),
                                        out.metric_utilization[metric_ids].tolist(),
                                        out.metric_value[metric_ids].tolist()):
        quantity = quantities.get(value)
        if quantity is None:
            quantity = quantities[value] = milli_quantity(value)
        before, between, after = singles[m]
        texts[j] = (f"{before}{utilization}{between}{quantity}{after}" if before
                    else f"{between}{quantity}{after}")

    rest = np.flatnonzero(~single)
    if len(rest):
        templates = compiled.status_templates()
        metric_ids = _ragged(lo[rest], lengths[rest])
        computed = out.metric_computed[metric_ids].tolist()
        fine = ok[metric_ids].tolist()
        utilization = out.metric_utilization[metric_ids].tolist()
        values = out.metric_value[metric_ids].tolist()
        metric_list = metric_ids.tolist()
        split = compiled.split_templates()
        p = 0
        for j, length in zip(rest.tolist(), lengths[rest].tolist()):
            parts = []
            for q in range(p, p + length):
                if fine[q]:
                    quantity = quantities.get(values[q])
                    if quantity is None:
                        quantity = quantities[values[q]] = milli_quantity(values[q])
                    pieces = split[metric_list[q]]
                    if pieces is None:
                        parts.append(templates[metric_list[q]].format(u=utilization[q], v=quantity))
                    elif pieces[0]:
                        parts.append(f"{pieces[0]}{utilization[q]}{pieces[1]}{quantity}{pieces[2]}")
                    else:
                        parts.append(f"{pieces[1]}{quantity}{pieces[2]}")
                else:
                    parts.append('{"type":""}')
            texts[j] = "[" + ",".join(parts) + "]" if any(computed[p:p + length]) else None
            p += length
    return texts


def _single_metric(decisions: HpaDecisions, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which of the HPA indexes ``wanted`` have the usual currentMetrics, one metric computed
    without error whose single template is known, and each one's first metric."""
    out = decisions.outputs
    compiled = decisions.compiled
    start = compiled.specs.metric_start
    lo = start[wanted]
    lengths = start[wanted + 1] - lo
    ok = out.metric_computed & (out.metric_error == k.ERR_NONE)
    template_ids = compiled.single_template_ids()[0]
    first = np.minimum(lo, max(len(ok) - 1, 0))
    single = ((lengths == 1) & ok[first] & (template_ids[first] >= 0)) if len(ok) \
        else lengths < 0
    return single, lo


#: the key of a remembered currentMetrics text: value << 32 | utilization (values below 2**31)
_KEY_VALUES = 2**31


def _known_metric_codes(decisions: HpaDecisions, indices: np.ndarray,
                        memo: dict) -> tuple[np.ndarray, list]:
    """The string codes of the currentMetrics texts of HPA ``indices`` that ``memo`` remembers
    (-2 where it does not). The usual HPA's text (one metric computed without error) is its
    single template filled with the utilization and the value, so once interned its code is
    known by those three: ``memo`` maps a template to {value << 32 | utilization: code}.
    Also returns what to remember once the texts are interned: (template's dict, positions in
    ``indices``, their keys) of the texts it did not know."""
    codes = np.full(len(indices), -2, np.int64)
    slots: list = []
    if not len(indices):
        return codes, slots
    out = decisions.outputs
    single, lo = _single_metric(decisions, indices)
    position = np.flatnonzero(single)
    metric_ids = lo[position]
    values = out.metric_value[metric_ids]
    fits = (values >= 0) & (values < _KEY_VALUES)
    if not fits.all():
        position, metric_ids, values = position[fits], metric_ids[fits], values[fits]
    utilization = out.metric_utilization[metric_ids].astype(np.int64) & 0xFFFFFFFF
    keys = (values << 32) | utilization
    template_ids, templates = decisions.compiled.single_template_ids()
    template_of = template_ids[metric_ids]
    if not len(template_of):
        return codes, slots
    first = int(template_of[0])
    one = bool((template_of == first).all())  # the usual case: all HPAs alike
    for t in [first] if one else np.unique(template_of).tolist():
        known = memo.setdefault(templates[t], {})
        if one:
            where, its_keys = position, keys
        else:
            mine = template_of == t
            where, its_keys = position[mine], keys[mine]
        found = np.fromiter(map(known.get, its_keys.tolist(), repeat(-2)), np.int64,
                            len(where))
        codes[where] = found
        missing = found == -2
        if missing.any():
            slots.append((known, where[missing], its_keys[missing]))
    return codes, slots


def _pod_namer(state: ClusterState):
    """pod row -> (pod name, first container name), for "missing request" messages."""
    pods = state.tables["pods"]

    def name(row: int) -> tuple[str, str]:
        body = state.strings.document(int(pods["body"][row])) or {}
        containers = (body.get("spec") or {}).get("containers") or [{}]
        return state.strings[int(pods["name"][row])], containers[0].get("name")
    return (name,)


# -- the controller -----------------------------------------------------------------------------------

class HorizontalController:
    """The HPA controller: its flags, its history, and its per-sync caches.

    ``sync`` decides without writing; ``apply_hpa_decisions`` writes. Snapshot the history with
    ``controller.history.to_arrays()`` and restore with ``HpaHistory.from_arrays``. One
    controller serves one ClusterState (and its restored snapshots): the history is keyed by HPA
    row and the caches by the state's string codes.
    """

    def __init__(self, config: HpaConfig = HpaConfig(), history: HpaHistory | None = None) -> None:
        self.config = config
        self.history = history if history is not None else HpaHistory()
        self.compiled: CompiledHpas | None = None
        self.caches: dict = {}

    def sync(self, state: ClusterState, pod_metrics: PodMetrics | None = None,
             custom_metrics: CustomMetrics = NO_CUSTOM_METRICS) -> HpaDecisions:
        """Decide every live HPA of ``state`` at ``state.time`` (one kernel call). Updates the
        history (as the Go controller does while deciding), writes nothing to the state."""
        self.compiled = compile_hpa_specs(state, self.config, self.compiled)
        compiled = self.compiled
        hpas = state.tables[TABLE]
        self.history.ensure(len(hpas))
        self.history.forget(np.flatnonzero(~hpas.alive))
        inputs, notes = observe(state, compiled, pod_metrics, custom_metrics, self.caches)
        out = decide(compiled.specs, inputs, self.history, state.time, self.config,
                     self.caches["pod_selection"].bounds, self.caches)
        return HpaDecisions(compiled.specs.hpa_rows, out.outcome, out.current_replicas,
                            out.desired_replicas, out.rescale, out, compiled,
                            _pod_namer(state), float(state.time), self.caches, notes)


# -- apply: the only writer --------------------------------------------------------------------------

def _merge_conditions(existing: list[dict], calls, now: str | None) -> tuple[list[dict], bool]:
    """setConditionInList for each call: update in place, append when new; lastTransitionTime
    changes only when the status does. Returns the list and whether any status changed."""
    result = [dict(c) for c in existing]
    changed = False
    for kind, status, reason, message in calls:
        current = next((c for c in result if c.get("type") == kind), None)
        if current is None:
            current = {"type": kind}
            result.append(current)
        if current.get("status") != status:
            current["lastTransitionTime"] = now
            changed = True
        current.update(status=status, reason=reason, message=message)
    return result, changed


_KEEPS_DESIRED = np.isin(np.arange(128), KEEPS_DESIRED)  # by outcome code


def _kept_documents(decisions: HpaDecisions, previous: dict | None, strings, conditions_column,
                    metrics_column) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Per HPA, whether its conditions and its currentMetrics are those the previous apply left
    (same numbers, hpa_kernel.compare_document_inputs; same compiled specs; the column still
    holding what it wrote) and would come out the same: a conditions list is kept only when
    merging the same calls into it gave it back unchanged last time (a fixed point, so no
    lastTransitionTime moves) and its messages need no more than the numbers. Also returns
    this apply's numbers, for the next."""
    out = decisions.outputs
    n, m = len(decisions.hpa_rows), len(out.metric_value)
    comparable = (previous is not None and previous["compiled"] is decisions.compiled
                  and previous["strings"] is strings)
    if comparable:
        numbers = previous["cond_inputs"], previous["metric_inputs"]
    else:
        numbers = (np.zeros((n, out.cond_code.shape[1] + 2), np.int64),
                   np.zeros((m, 4), np.int64))
    same_conditions, same_metrics, textual = (np.empty(n, np.bool_) for _ in range(3))
    k.compare_document_inputs(out.cond_count, out.cond_code, out.valid_metric,
                              decisions.desired_replicas, decisions.compiled.specs.metric_start,
                              out.metric_computed, out.metric_error, out.metric_utilization,
                              out.metric_value, *numbers, same_conditions, same_metrics, textual)
    if not comparable:
        return np.zeros(n, np.bool_), np.zeros(n, np.bool_), numbers
    rows = decisions.hpa_rows
    conditions_kept = (same_conditions & ~textual & previous["fixed"]
                       & (conditions_column[rows] == previous["conditions"]))
    metrics_kept = same_metrics & (metrics_column[rows] == previous["metrics"])
    return conditions_kept, metrics_kept, numbers


def apply_hpa_decisions(state: ClusterState, decisions: HpaDecisions) -> None:
    """Write a sync's decisions: the targets' spec.replicas, each HPA's status (currentReplicas,
    desiredReplicas, currentMetrics, conditions, lastScaleTime) and its events.

    Numeric columns are written for all HPAs at once. The documents (conditions,
    currentMetrics) are rebuilt only for HPAs whose inputs differ from the previous apply's
    (compared as arrays; in a steady state that is the HPAs whose metric values moved), from
    templates (or, for a text interned before, its remembered code); a conditions list is reused
    when the same calls meet the same previous list. The memos live in ``decisions.caches``
    (the controller's).
    """
    hpas = state.tables[TABLE]
    strings = state.strings
    compiled = decisions.compiled
    out = decisions.outputs
    rows = decisions.hpa_rows
    live = hpas.alive[rows] if len(rows) else np.zeros(0, np.bool_)
    outcome = decisions.outcome

    # numbers, all HPAs at once
    observed = live & (outcome != k.OUTCOME_FAILED_GET_SCALE)
    hpas["current_replicas"][rows[observed]] = decisions.current_replicas[observed]
    keeps = _KEEPS_DESIRED[outcome]
    writes_desired = observed & ~keeps
    hpas["desired_replicas"][rows[writes_desired]] = decisions.desired_replicas[writes_desired]
    rescaled = np.flatnonzero(live & decisions.rescale)
    hpas["last_scale_time"][rows[rescaled]] = state.time
    for i in rescaled.tolist():
        target = state.tables[compiled.target_tables[i]]
        target_row = compiled.target_rows[i]
        target["replicas"][target_row] = decisions.desired_replicas[i]
        target["generation"][target_row] += 1  # a spec change, as the scale update makes

    # documents, for the HPAs whose inputs changed since the previous apply, and events
    now = timestamp(state.time)
    caches = decisions.caches if decisions.caches is not None else {}
    memo = caches.setdefault("conditions", {})
    quantities = caches.setdefault("quantities", {})
    if len(quantities) > 100_000:  # milli-values seen; bounded over a long run
        quantities.clear()
    remembered = caches.get("metric_codes")
    if (remembered is None or remembered[0] is not strings
            or sum(map(len, remembered[1].values())) > 100_000):  # bounded over a long run
        remembered = caches["metric_codes"] = (strings, {})
    conditions = hpas["conditions"]
    metrics = hpas["current_metrics"]
    previous = caches.get("documents")
    conditions_kept, metrics_kept, numbers = _kept_documents(decisions, previous, strings,
                                                             conditions, metrics)
    fixed = conditions_kept.copy()  # merging the calls again gives the same list
    noisy = (outcome != k.OUTCOME_KEPT) | (out.invalid_count > 0)
    new_metrics = observed & ~metrics_kept
    # Strings are interned in HPA order, so that new ones get the codes they always got: an
    # HPA's conditions list, then its currentMetrics text, then its events. The texts whose code
    # is remembered need no interning; the others are interned in runs (one intern_many each),
    # a run ending only where another string may be interned.
    rewritten = np.flatnonzero(new_metrics)
    codes, slots = _known_metric_codes(decisions, rewritten, remembered[1])
    unknown = np.flatnonzero(codes == -2)
    texts = _current_metrics_texts(decisions, rewritten[unknown].tolist(), quantities)
    done = 0  # texts[:done] are interned

    def intern_texts(until: int) -> None:
        """Intern the texts of rewritten[:until] not interned yet."""
        nonlocal done
        stop = int(np.searchsorted(unknown, until))
        if stop <= done:
            return
        if stop - done > 4:
            codes[unknown[done:stop]] = strings.intern_many(texts[done:stop])
        else:
            for j in range(done, stop):
                codes[unknown[j]] = strings.intern(texts[j])  # None: NO_STRING
        done = stop

    merging = live & ~conditions_kept
    todo = np.flatnonzero(merging | (live & noisy))
    text_index = np.searchsorted(rewritten, todo)  # texts before HPA todo[j]: text_index[j]
    for i, row, merge, count, codes_of_calls, valid, wanted, before, loud in zip(
            todo.tolist(), rows[todo].tolist(), merging[todo].tolist(),
            out.cond_count[todo].tolist(), out.cond_code[todo].tolist(),
            out.valid_metric[todo].tolist(), decisions.desired_replicas[todo].tolist(),
            text_index.tolist(), noisy[todo].tolist()):
        if merge:
            calls = tuple(decisions._calls(i, codes_of_calls[:count], valid, wanted))
            old_code = int(conditions[row])
            key = (old_code, calls)
            code = memo.get(key)
            if code is None:
                intern_texts(before)
                merged, changed = _merge_conditions(strings.document(old_code) or [], calls, now)
                code = strings.intern_document(merged)
                if not changed:  # without a new transition time the result holds for later syncs
                    memo[key] = code
                    fixed[i] = code == old_code
            else:
                fixed[i] = code == old_code
            conditions[row] = code
        if loud:
            events = decisions.events(i)
            if events:  # after this HPA's own text
                intern_texts(before + 1 if before < len(rewritten) and rewritten[before] == i
                             else before)
            for event_type, reason, message in events:
                record_event(state, "HorizontalPodAutoscaler", compiled.names[i],
                             compiled.namespaces[i], event_type, reason, message, COMPONENT)
    intern_texts(len(rewritten))
    metrics[rows[rewritten]] = codes
    for known, where, keys in slots:  # remembered for the next syncs
        known.update(zip(keys.tolist(), codes[where].tolist()))
    caches["documents"] = {
        "compiled": compiled, "strings": strings, "fixed": fixed & live,
        "cond_inputs": numbers[0], "metric_inputs": numbers[1],
        "conditions": conditions[rows].copy(), "metrics": metrics[rows].copy()}
