"""Plugin args of KubeSchedulerConfiguration v1: frozen dataclasses with Kubernetes' defaults and validation."""

# Ported from Kubernetes v1.33 (Go):
#   staging/src/k8s.io/kube-scheduler/config/v1/types_pluginargs.go   field names
#   pkg/scheduler/apis/config/v1/defaults.go                            SetDefaults_*Args
#   pkg/scheduler/apis/config/validation/validation_pluginargs.go       Validate*Args, messages
#   pkg/scheduler/framework/plugins/podtopologyspread/plugin.go         systemDefaultConstraints
# Decoding is strict, as kube-scheduler's (scheme.Codecs uses serializer.EnableStrict): an
# unknown field is an error. Every error is a kbench.scheduler.config.ProfileError whose
# ``field`` is the full path, e.g. profiles[0].pluginConfig[1].args.scoringStrategy.type.

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NoReturn

from kbench.api.labels import node_selector_term_matches, qualified_name_errors
from kbench.errors import SelectorError

__all__ = [
    "ARGS_TYPES",
    "DefaultPreemptionArgs",
    "InterPodAffinityArgs",
    "NodeAffinityArgs",
    "NodeResourcesBalancedAllocationArgs",
    "NodeResourcesFitArgs",
    "PodTopologySpreadArgs",
    "ScoringStrategy",
    "SYSTEM_DEFAULT_CONSTRAINTS",
    "VolumeBindingArgs",
]

API_VERSION = "kubescheduler.config.k8s.io/v1"

# defaults.go: defaultResourceSpec
DEFAULT_RESOURCES: tuple[tuple[str, int], ...] = (("cpu", 1), ("memory", 1))

# types_pluginargs.go: ScoringStrategyType; validation_pluginargs.go sorts them for the message.
SCORING_STRATEGY_TYPES = ("LeastAllocated", "MostAllocated", "RequestedToCapacityRatio")

# types_pluginargs.go: PodTopologySpreadConstraintsDefaulting
SYSTEM_DEFAULTING, LIST_DEFAULTING = "System", "List"

# podtopologyspread/plugin.go: systemDefaultConstraints, used when defaultingType is System.
SYSTEM_DEFAULT_CONSTRAINTS: tuple[dict, ...] = (
    {"maxSkew": 3, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway"},
    {"maxSkew": 5, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"},
)

# core/v1 types.go: UnsatisfiableConstraintAction (sets.List order in the message)
WHEN_UNSATISFIABLE = ("DoNotSchedule", "ScheduleAnyway")

# config/types.go: MaxCustomPriorityScore, the top of a utilization shape's score axis.
MAX_CUSTOM_PRIORITY_SCORE = 10

# core/v1 TopologySpreadConstraint fields accepted in defaultConstraints.
_CONSTRAINT_FIELDS = ("maxSkew", "topologyKey", "whenUnsatisfiable", "labelSelector", "minDomains",
                      "nodeAffinityPolicy", "nodeTaintsPolicy", "matchLabelKeys")

_INT32 = (-(2 ** 31), 2 ** 31 - 1)
_INT64 = (-(2 ** 63), 2 ** 63 - 1)


# ---------------------------------------------------------------------------
# Field errors, worded like k8s.io/apimachinery/pkg/util/validation/field/errors.go
# ---------------------------------------------------------------------------

FieldError = tuple[str, object, str]  # (path, bad value, reason)


def go_repr(value: object) -> str:
    """A bad value as field.Error prints it: strings quoted, numbers bare."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def invalid(path: str, value: object, detail: str) -> FieldError:
    return path, value, f"Invalid value: {go_repr(value)}: {detail}"


def required(path: str, detail: str = "") -> FieldError:
    return path, None, "Required value" + (f": {detail}" if detail else "")


def unsupported(path: str, value: object, supported: tuple[str, ...] | list[str]) -> FieldError:
    return path, value, (f"Unsupported value: {go_repr(value)}: supported values: "
                         + ", ".join(json.dumps(s) for s in supported))


def duplicate(path: str, value: object, detail: str = "") -> FieldError:
    return path, value, f"Duplicate value: {go_repr(value)}" + (f": {detail}" if detail else "")


def forbidden(path: str, detail: str) -> FieldError:
    return path, None, f"Forbidden: {detail}"


def raise_errors(errors: list[FieldError]) -> None:
    """Raise a ProfileError for the first error, carrying all of them (field.ErrorList)."""
    if errors:
        from kbench.scheduler.config import ProfileError  # config.py imports this module
        path, value, reason = errors[0]
        raise ProfileError(reason, field=path, value=value,
                           errors=tuple(f"{p}: {r}" for p, _, r in errors))


def fail(path: str, value: object, reason: str) -> NoReturn:
    raise_errors([(path, value, reason)])
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------
# Strict decoding of YAML values into Go-typed fields
# ---------------------------------------------------------------------------

def decode_object(data: object, path: str, fields: tuple[str, ...], kind: str | None = None) -> dict:
    """A mapping with only ``fields`` (plus apiVersion/kind when ``kind`` is given); None is {}."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        fail(path, data, f"Invalid value: {go_repr(data)}: must be an object")
    allowed = fields + (("apiVersion", "kind") if kind else ())
    for name in data:
        if name not in allowed:
            fail(f"{path}.{name}" if path else str(name), None,
                 f'unknown field "{name}" (known fields: {", ".join(fields)})')
    if kind and data.get("kind") not in (None, kind):
        # types.go decodeNestedObjects: "args for plugin %s were not of type %s, got %s"
        fail(f"{path}.kind", data["kind"], f"Invalid value: {go_repr(data['kind'])}: must be {kind}")
    if kind and data.get("apiVersion") not in (None, API_VERSION):
        fail(f"{path}.apiVersion", data["apiVersion"],
             f"Invalid value: {go_repr(data['apiVersion'])}: must be {API_VERSION}")
    return dict(data)


def decode_int(value: object, path: str, default: int | None = None,
               bounds: tuple[int, int] = _INT32) -> int | None:
    """A Go int32/int64; None (absent or null) gives ``default``."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        fail(path, value, f"Invalid value: {go_repr(value)}: must be an integer")
    if not bounds[0] <= value <= bounds[1]:
        fail(path, value, f"Invalid value: {value}: out of range for a {bounds[1].bit_length() + 1}-bit integer")
    return value


def decode_str(value: object, path: str, default: str = "") -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        fail(path, value, f"Invalid value: {go_repr(value)}: must be a string")
    return value


def decode_bool(value: object, path: str, default: bool = False) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        fail(path, value, f"Invalid value: {go_repr(value)}: must be true or false")
    return value


def decode_list(value: object, path: str) -> list:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        fail(path, value, f"Invalid value: {go_repr(value)}: must be a list")
    return list(value)


def _decode_resources(value: object, path: str) -> list[tuple[str, int]]:
    """[]ResourceSpec{name, weight}; weight 0 or unset stays 0 here (defaulting comes next)."""
    resources = []
    for i, item in enumerate(decode_list(value, path)):
        spec = decode_object(item, f"{path}[{i}]", ("name", "weight"))
        resources.append((decode_str(spec.get("name"), f"{path}[{i}].name"),
                          decode_int(spec.get("weight"), f"{path}[{i}].weight", 0, _INT64)))
    return resources


def _decode_shape(value: object, path: str) -> tuple[tuple[int, int], ...]:
    """[]UtilizationShapePoint{utilization, score}."""
    points = []
    for i, item in enumerate(decode_list(value, path)):
        point = decode_object(item, f"{path}[{i}]", ("utilization", "score"))
        points.append((decode_int(point.get("utilization"), f"{path}[{i}].utilization", 0),
                       decode_int(point.get("score"), f"{path}[{i}].score", 0)))
    return tuple(points)


def _default_weights(resources: list[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    # defaults.go: "If the weight is not set or it is explicitly set to 0, then apply the default weight(1)"
    return tuple((name, weight or 1) for name, weight in resources)


def _label_name_errors(path: str, name: str) -> list[FieldError]:
    # metav1validation.ValidateLabelName: one field.Invalid per IsQualifiedName message
    return [invalid(path, name, message) for message in qualified_name_errors(name)]


def _function_shape_errors(shape: tuple[tuple[int, int], ...], path: str) -> list[FieldError]:
    """validation_pluginargs.go: validateFunctionShape."""
    if not shape:
        return [required(path, "at least one point must be specified")]
    errors = []
    for i in range(1, len(shape)):
        if shape[i - 1][0] >= shape[i][0]:
            errors.append(invalid(f"{path}[{i}].utilization", shape[i][0],
                                  "values must be sorted in increasing order"))
            break
    for i, (utilization, score) in enumerate(shape):
        if not 0 <= utilization <= 100:
            errors.append(invalid(f"{path}[{i}].utilization", utilization, "not in valid range [0, 100]"))
        if not 0 <= score <= MAX_CUSTOM_PRIORITY_SCORE:
            errors.append(invalid(f"{path}[{i}].score", score,
                                  f"not in valid range [0, {MAX_CUSTOM_PRIORITY_SCORE}]"))
    return errors


# ---------------------------------------------------------------------------
# Args types
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ScoringStrategy:
    """NodeResourcesFit's scoring strategy: ``type`` (LeastAllocated, MostAllocated or
    RequestedToCapacityRatio), ``resources`` as (name, weight) pairs, and for
    RequestedToCapacityRatio its ``requested_to_capacity_ratio`` shape as (utilization, score)
    points (None when the section is absent)."""

    type: str = "LeastAllocated"
    resources: tuple[tuple[str, int], ...] = DEFAULT_RESOURCES
    requested_to_capacity_ratio: tuple[tuple[int, int], ...] | None = None


@dataclass(frozen=True)
class NodeResourcesFitArgs:
    """Args of NodeResourcesFit: resources the Filter ignores, and the Score strategy."""

    ignored_resources: tuple[str, ...] = ()
    ignored_resource_groups: tuple[str, ...] = ()
    scoring_strategy: ScoringStrategy = ScoringStrategy()

    @classmethod
    def from_dict(cls, data: Mapping | None, field: str = "args") -> NodeResourcesFitArgs:
        obj = decode_object(data, field, ("ignoredResources", "ignoredResourceGroups", "scoringStrategy"),
                            kind=cls.__name__)
        ignored = [decode_str(v, f"{field}.ignoredResources[{i}]")
                   for i, v in enumerate(decode_list(obj.get("ignoredResources"), f"{field}.ignoredResources"))]
        groups = [decode_str(v, f"{field}.ignoredResourceGroups[{i}]") for i, v in
                  enumerate(decode_list(obj.get("ignoredResourceGroups"), f"{field}.ignoredResourceGroups"))]
        strategy_path = f"{field}.scoringStrategy"
        if obj.get("scoringStrategy") is None:
            strategy = ScoringStrategy()  # SetDefaults_NodeResourcesFitArgs: LeastAllocated, cpu 1, memory 1
        else:
            raw = decode_object(obj["scoringStrategy"], strategy_path,
                                ("type", "resources", "requestedToCapacityRatio"))
            resources = _decode_resources(raw.get("resources"), f"{strategy_path}.resources")
            ratio = None
            if raw.get("requestedToCapacityRatio") is not None:
                ratio_path = f"{strategy_path}.requestedToCapacityRatio"
                param = decode_object(raw["requestedToCapacityRatio"], ratio_path, ("shape",))
                ratio = _decode_shape(param.get("shape"), f"{ratio_path}.shape")
            # The type is not defaulted when scoringStrategy is given: "" fails validation below.
            strategy = ScoringStrategy(decode_str(raw.get("type"), f"{strategy_path}.type"),
                                       _default_weights(resources) if resources else DEFAULT_RESOURCES,
                                       ratio)

        # ValidateNodeResourcesFitArgs
        errors: list[FieldError] = []
        for i, name in enumerate(ignored):
            errors += _label_name_errors(f"{field}.ignoredResources[{i}]", name)
        for i, group in enumerate(groups):
            path = f"{field}.ignoredResourceGroups[{i}]"
            if "/" in group:
                errors.append(invalid(path, group, "resource group name can't contain '/'"))
            errors += _label_name_errors(path, group)
        if strategy.type not in SCORING_STRATEGY_TYPES:
            errors.append(unsupported(f"{strategy_path}.type", strategy.type, SCORING_STRATEGY_TYPES))
        for i, (name, weight) in enumerate(strategy.resources):  # validateResources
            if not 0 < weight <= 100:
                errors.append(invalid(f"{strategy_path}.resources[{i}].weight", weight,
                                      f"resource weight of {name} not in valid range (0, 100]"))
        ratio_path = f"{strategy_path}.requestedToCapacityRatio"
        if strategy.type == "RequestedToCapacityRatio":
            if strategy.requested_to_capacity_ratio is None:
                errors.append(required(ratio_path, "must be specified when type is RequestedToCapacityRatio"))
            else:
                errors += _function_shape_errors(strategy.requested_to_capacity_ratio, f"{ratio_path}.shape")
        elif strategy.requested_to_capacity_ratio is not None:
            errors.append(forbidden(ratio_path, "must be nil when type is not RequestedToCapacityRatio"))
        raise_errors(errors)
        return cls(tuple(ignored), tuple(groups), strategy)


@dataclass(frozen=True)
class NodeResourcesBalancedAllocationArgs:
    """Args of NodeResourcesBalancedAllocation: the resources balanced, as (name, weight)."""

    resources: tuple[tuple[str, int], ...] = DEFAULT_RESOURCES

    @classmethod
    def from_dict(cls, data: Mapping | None, field: str = "args") -> NodeResourcesBalancedAllocationArgs:
        obj = decode_object(data, field, ("resources",), kind=cls.__name__)
        resources = _decode_resources(obj.get("resources"), f"{field}.resources")
        resources = _default_weights(resources) if resources else DEFAULT_RESOURCES

        # ValidateNodeResourcesBalancedAllocationArgs
        errors: list[FieldError] = []
        seen: set[str] = set()
        for i, (name, weight) in enumerate(resources):
            if name in seen:
                errors.append(duplicate(f"{field}.resources[{i}].name", name))
            seen.add(name)
            if weight != 1:
                errors.append(invalid(f"{field}.resources[{i}].weight", weight, "must be 1"))
        raise_errors(errors)
        return cls(resources)


@dataclass(frozen=True)
class PodTopologySpreadArgs:
    """Args of PodTopologySpread: constraints for pods that set none, and how they are chosen
    (``defaulting_type`` "System": Kubernetes' own; "List": ``default_constraints``)."""

    default_constraints: tuple[dict, ...] = ()
    defaulting_type: str = SYSTEM_DEFAULTING

    def effective_default_constraints(self) -> tuple[dict, ...]:
        """The constraints applied to a pod without topologySpreadConstraints
        (podtopologyspread/plugin.go: New picks systemDefaultConstraints for System)."""
        if self.defaulting_type == SYSTEM_DEFAULTING:
            return tuple(dict(c) for c in SYSTEM_DEFAULT_CONSTRAINTS)
        return self.default_constraints

    @classmethod
    def from_dict(cls, data: Mapping | None, field: str = "args") -> PodTopologySpreadArgs:
        obj = decode_object(data, field, ("defaultConstraints", "defaultingType"), kind=cls.__name__)
        # SetDefaults_PodTopologySpreadArgs: an empty defaultingType is System
        defaulting_type = decode_str(obj.get("defaultingType"), f"{field}.defaultingType") or SYSTEM_DEFAULTING
        constraints_path = f"{field}.defaultConstraints"
        constraints = []
        for i, item in enumerate(decode_list(obj.get("defaultConstraints"), constraints_path)):
            path = f"{constraints_path}[{i}]"
            constraint = decode_object(item, path, _CONSTRAINT_FIELDS)
            constraint["maxSkew"] = decode_int(constraint.get("maxSkew"), f"{path}.maxSkew", 0)
            constraint["topologyKey"] = decode_str(constraint.get("topologyKey"), f"{path}.topologyKey")
            constraint["whenUnsatisfiable"] = decode_str(constraint.get("whenUnsatisfiable"),
                                                         f"{path}.whenUnsatisfiable")
            constraints.append(constraint)

        # ValidatePodTopologySpreadArgs
        errors: list[FieldError] = []
        if defaulting_type not in (SYSTEM_DEFAULTING, LIST_DEFAULTING):
            errors.append(unsupported(f"{field}.defaultingType", defaulting_type,
                                      (SYSTEM_DEFAULTING, LIST_DEFAULTING)))
        elif defaulting_type == SYSTEM_DEFAULTING and constraints:
            errors.append(invalid(f"{field}.defaultingType", defaulting_type,
                                  "when .defaultConstraints are not empty"))
        for i, constraint in enumerate(constraints):
            path = f"{constraints_path}[{i}]"
            if constraint["maxSkew"] <= 0:
                errors.append(invalid(f"{path}.maxSkew", constraint["maxSkew"], "not in valid range (0, inf)"))
            if not constraint["topologyKey"]:
                errors.append(required(f"{path}.topologyKey", "can not be empty"))
            else:
                errors += _label_name_errors(f"{path}.topologyKey", constraint["topologyKey"])
            action = constraint["whenUnsatisfiable"]
            if not action:
                errors.append(required(f"{path}.whenUnsatisfiable", "can not be empty"))
            elif action not in WHEN_UNSATISFIABLE:
                errors.append(unsupported(f"{path}.whenUnsatisfiable", action, WHEN_UNSATISFIABLE))
            if constraint.get("labelSelector") is not None:
                errors.append(forbidden(f"{path}.labelSelector",
                                        "constraint must not define a selector, as they deduced for each pod"))
            for other in constraints[:i]:  # validateConstraintNotRepeat
                if (other["topologyKey"], other["whenUnsatisfiable"]) == (constraint["topologyKey"], action):
                    errors.append(duplicate(path, f"{{{constraint['topologyKey']}, {action}}}"))
                    break
        raise_errors(errors)
        return cls(tuple(constraints), defaulting_type)


@dataclass(frozen=True)
class InterPodAffinityArgs:
    """Args of InterPodAffinity: the score weight of existing pods' required affinity terms
    that match the incoming pod, and whether existing pods' preferred terms are ignored."""

    hard_pod_affinity_weight: int = 1
    ignore_preferred_terms_of_existing_pods: bool = False

    @classmethod
    def from_dict(cls, data: Mapping | None, field: str = "args") -> InterPodAffinityArgs:
        obj = decode_object(data, field, ("hardPodAffinityWeight", "ignorePreferredTermsOfExistingPods"),
                            kind=cls.__name__)
        # SetDefaults_InterPodAffinityArgs: nil -> 1 (an explicit 0 stays 0)
        weight = decode_int(obj.get("hardPodAffinityWeight"), f"{field}.hardPodAffinityWeight", 1)
        ignore = decode_bool(obj.get("ignorePreferredTermsOfExistingPods"),
                             f"{field}.ignorePreferredTermsOfExistingPods")
        if not 0 <= weight <= 100:  # validateHardPodAffinityWeight
            raise_errors([invalid(f"{field}.hardPodAffinityWeight", weight, "not in valid range [0, 100]")])
        return cls(weight, ignore)


@dataclass(frozen=True)
class NodeAffinityArgs:
    """Args of NodeAffinity: a v1.NodeAffinity every pod must satisfy as well as its own."""

    added_affinity: dict | None = None

    @classmethod
    def from_dict(cls, data: Mapping | None, field: str = "args") -> NodeAffinityArgs:
        obj = decode_object(data, field, ("addedAffinity",), kind=cls.__name__)
        if obj.get("addedAffinity") is None:
            return cls(None)
        path = f"{field}.addedAffinity"
        affinity = decode_object(obj["addedAffinity"], path, ("requiredDuringSchedulingIgnoredDuringExecution",
                                                              "preferredDuringSchedulingIgnoredDuringExecution"))
        # ValidateNodeAffinityArgs: nodeaffinity.NewNodeSelector / NewPreferredSchedulingTerms
        errors: list[FieldError] = []
        required_path = f"{path}.requiredDuringSchedulingIgnoredDuringExecution"
        node_selector = decode_object(affinity.get("requiredDuringSchedulingIgnoredDuringExecution"),
                                      required_path, ("nodeSelectorTerms",))
        terms_path = f"{required_path}.nodeSelectorTerms"
        for i, term in enumerate(decode_list(node_selector.get("nodeSelectorTerms"), terms_path)):
            errors += _term_errors(term, f"{terms_path}[{i}]")
        preferred_path = f"{path}.preferredDuringSchedulingIgnoredDuringExecution"
        for i, item in enumerate(decode_list(affinity.get("preferredDuringSchedulingIgnoredDuringExecution"),
                                             preferred_path)):
            preferred = decode_object(item, f"{preferred_path}[{i}]", ("weight", "preference"))
            if decode_int(preferred.get("weight"), f"{preferred_path}[{i}].weight", 0):
                # the path has no ".preference", as in NewPreferredSchedulingTerms
                errors += _term_errors(preferred.get("preference"), f"{preferred_path}[{i}]")
        raise_errors(errors)
        return cls(affinity)


def _term_errors(term: object, path: str) -> list[FieldError]:
    """newNodeSelectorTerm's parse errors (empty terms select nothing and are skipped)."""
    try:
        node_selector_term_matches(term or {}, {}, {}, field=path)
    except SelectorError as error:
        return [(message.split(": ", 1)[0], None, message.split(": ", 1)[1]) for message in error.errors]
    return []


@dataclass(frozen=True)
class VolumeBindingArgs:
    """Args of VolumeBinding: the bind timeout, and the capacity score shape (only with the
    StorageCapacityScoring feature gate, alpha and off in Kubernetes v1.33, so always empty)."""

    bind_timeout_seconds: int = 600
    shape: tuple[tuple[int, int], ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping | None, field: str = "args") -> VolumeBindingArgs:
        obj = decode_object(data, field, ("bindTimeoutSeconds", "shape"), kind=cls.__name__)
        # SetDefaults_VolumeBindingArgs: nil -> 600 (an explicit 0 means no waiting)
        timeout = decode_int(obj.get("bindTimeoutSeconds"), f"{field}.bindTimeoutSeconds", 600, _INT64)
        errors: list[FieldError] = []
        if timeout < 0:
            errors.append(invalid(f"{field}.bindTimeoutSeconds", timeout,
                                  "invalid BindTimeoutSeconds, should not be a negative value"))
        if obj.get("shape") is not None:
            # ValidateVolumeBindingArgsWithOptions with AllowStorageCapacityScoring false
            errors.append(invalid(f"{field}.shape", obj["shape"], "unexpected field `shape`, remove it or "
                                  "turn on the feature gate StorageCapacityScoring"))
        raise_errors(errors)
        return cls(timeout)


@dataclass(frozen=True)
class DefaultPreemptionArgs:
    """Args of DefaultPreemption: how many candidate nodes a preemption dry run shortlists,
    max(nodes * percentage / 100, absolute)."""

    min_candidate_nodes_percentage: int = 10
    min_candidate_nodes_absolute: int = 100

    @classmethod
    def from_dict(cls, data: Mapping | None, field: str = "args") -> DefaultPreemptionArgs:
        obj = decode_object(data, field, ("minCandidateNodesPercentage", "minCandidateNodesAbsolute"),
                            kind=cls.__name__)
        percentage_path = f"{field}.minCandidateNodesPercentage"
        absolute_path = f"{field}.minCandidateNodesAbsolute"
        # SetDefaults_DefaultPreemptionArgs
        percentage = decode_int(obj.get("minCandidateNodesPercentage"), percentage_path, 10)
        absolute = decode_int(obj.get("minCandidateNodesAbsolute"), absolute_path, 100)

        # ValidateDefaultPreemptionArgs
        errors: list[FieldError] = []
        if not 0 <= percentage <= 100:
            errors.append(invalid(percentage_path, percentage, "not in valid range [0, 100]"))
        if absolute < 0:
            errors.append(invalid(absolute_path, absolute, "not in valid range [0, inf)"))
        if percentage == 0 and absolute == 0:
            errors += [invalid(percentage_path, percentage,
                               "cannot be zero at the same time as minCandidateNodesAbsolute"),
                       invalid(absolute_path, absolute,
                               "cannot be zero at the same time as minCandidateNodesPercentage")]
        raise_errors(errors)
        return cls(percentage, absolute)


#: Plugin name -> its args type (validation.go: validatePluginConfig's table; the scheme's
#: "<Plugin>Args" kinds). Plugins not listed take no args, or (custom plugins) a plain dict.
ARGS_TYPES: dict[str, type] = {
    "DefaultPreemption": DefaultPreemptionArgs,
    "InterPodAffinity": InterPodAffinityArgs,
    "NodeAffinity": NodeAffinityArgs,
    "NodeResourcesBalancedAllocation": NodeResourcesBalancedAllocationArgs,
    "NodeResourcesFit": NodeResourcesFitArgs,
    "PodTopologySpread": PodTopologySpreadArgs,
    "VolumeBinding": VolumeBindingArgs,
}
