"""Check a manifest as the kube-apiserver does: default it, then validate it (prepare())."""

# Rules and messages follow kubernetes/kubernetes:
#   staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go   ValidateObjectMeta
#   pkg/apis/core/validation/validation.go      pods, containers, resources, affinity,
#                                               tolerations, services, nodes, PV/PVC, endpoints
#   pkg/apis/apps/validation/validation.go      Deployment, ReplicaSet, StatefulSet, DaemonSet
#   pkg/apis/batch/validation/validation.go     Job, CronJob (cron syntax: robfig/cron v3 parser.go)
#   pkg/apis/autoscaling/validation/validation.go   HorizontalPodAutoscaler
#   pkg/apis/storage/validation/validation.go   StorageClass
#   pkg/apis/scheduling/validation/validation.go    PriorityClass
#   pkg/apis/policy/validation/validation.go    PodDisruptionBudget
#   pkg/apis/networking/validation/validation.go    Ingress
#   staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go   wording of field errors
# Kubernetes collects every error; kbench raises the first one it finds, with the path of the
# bad field and its value. Wrong types (which Kubernetes rejects while decoding) are reported
# the same way: `spec.replicas: Invalid value: "three": must be an integer`.

from __future__ import annotations

import ipaddress
import json
import re
import zoneinfo
from collections.abc import Callable
from typing import Any

from kbench.api.defaults import default_object
from kbench.api.kinds import KindInfo
from kbench.api.labels import (LabelSelector, dns1123_label_errors, dns1123_subdomain_errors,
                               label_value_errors, qualified_name_errors, selector_from_dict,
                               validate_labels)
from kbench.api.quantity import Quantity, parse_quantity
from kbench.errors import ManifestError, QuantityError, SelectorError

__all__ = ["check_metadata", "cron_schedule_error", "prepare"]


# ---------------------------------------------------------------------------
# Field errors, worded like field/errors.go
# ---------------------------------------------------------------------------

def _go(value: object) -> str:
    """A bad value as field.Error prints it: strings quoted, numbers bare, the rest as JSON."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def child(path: str, key: str | int) -> str:
    """``spec`` + ``replicas`` -> ``spec.replicas``; ``containers`` + 0 -> ``containers[0]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def required(path: str, detail: str = "") -> ManifestError:
    return ManifestError(f"Required value: {detail}" if detail else "Required value", field=path)


def invalid(path: str, value: object, detail: str) -> ManifestError:
    return ManifestError(f"Invalid value: {_go(value)}: {detail}", field=path, value=value)


def unsupported(path: str, value: object, supported: list[str]) -> ManifestError:
    choices = ", ".join(json.dumps(s) for s in supported)
    return ManifestError(f"Unsupported value: {_go(value)}: supported values: {choices}",
                         field=path, value=value)


def forbidden(path: str, detail: str, value: object = None) -> ManifestError:
    return ManifestError(f"Forbidden: {detail}", field=path, value=value)


def duplicate(path: str, value: object, detail: str = "") -> ManifestError:
    text = f"Duplicate value: {_go(value)}" + (f": {detail}" if detail else "")
    return ManifestError(text, field=path, value=value)


def not_found(path: str, value: object) -> ManifestError:
    return ManifestError(f"Not found: {_go(value)}", field=path, value=value)


def _check_messages(path: str, value: object, messages: list[str]) -> None:
    """Raise Invalid with the first message of a *_errors() validator, if any."""
    if messages:
        raise invalid(path, value, messages[0])


# ---------------------------------------------------------------------------
# Type checks: each takes the value and its path, returns the value or raises
# ---------------------------------------------------------------------------

def _type_name(value: object) -> str:
    """``a string``, ``an integer``... for "must be X, not <type name>"."""
    for kind, name in ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"),
                       (list, "a list"), (dict, "a mapping")):
        if isinstance(value, kind):
            return name
    return "null" if value is None else f"a {type(value).__name__}"


def expect_map(value: object, path: str) -> dict:
    if not isinstance(value, dict):
        raise invalid(path, value, f"must be a mapping (an object), not {_type_name(value)}")
    return value


def expect_list(value: object, path: str) -> list:
    if not isinstance(value, list):
        raise invalid(path, value, f"must be a list, not {_type_name(value)}")
    return value


def expect_str(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise invalid(path, value, f"must be a string, not {_type_name(value)}")
    return value


def expect_int(value: object, path: str) -> int:
    # A float such as 3.0 reaches Kubernetes as the JSON number 3 and decodes as an integer.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(path, value, f"must be an integer, not {_type_name(value)}")
    return value


def expect_bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(path, value, f"must be a boolean (true or false), not {_type_name(value)}")
    return value


def _get(obj: dict, key: str, path: str, expect: Callable[[object, str], Any], need: bool,
         detail: str = "") -> Any:
    value = obj.get(key)
    if value is None:
        if need:
            raise required(child(path, key), detail)
        return None
    checked = expect(value, child(path, key))
    if need and checked in ("", [], {}):
        raise required(child(path, key), detail)
    if checked is not value:
        obj[key] = checked  # normalised, e.g. 3.0 -> 3
    return checked


def get_map(obj: dict, key: str, path: str, need: bool = False, detail: str = "") -> dict:
    """obj[key] as a mapping ({} when absent and not needed)."""
    return _get(obj, key, path, expect_map, need, detail) or {}


def get_list(obj: dict, key: str, path: str, need: bool = False, detail: str = "") -> list:
    """obj[key] as a list ([] when absent and not needed)."""
    return _get(obj, key, path, expect_list, need, detail) or []


def get_str(obj: dict, key: str, path: str, need: bool = False, detail: str = "") -> str | None:
    return _get(obj, key, path, expect_str, need, detail)


def get_int(obj: dict, key: str, path: str, need: bool = False, minimum: int | None = None,
            maximum: int | None = None, detail: str = "", inclusive_range: bool = False) -> int | None:
    """obj[key] as an int within [minimum, maximum], with Kubernetes' range messages.

    ``inclusive_range`` words a violation "must be between 1 and 65535, inclusive" (InclusiveRangeError).
    """
    value = _get(obj, key, path, expect_int, need, detail)
    if value is None:
        return None
    where = child(path, key)
    if inclusive_range and not minimum <= value <= maximum:
        raise invalid(where, value, f"must be between {minimum} and {maximum}, inclusive")
    if minimum is not None and value < minimum:
        raise invalid(where, value, _at_least(minimum))
    if maximum is not None and value > maximum:
        raise invalid(where, value, f"must be less than or equal to {maximum}")
    return value


def _at_least(minimum: int) -> str:
    # ValidateNonnegativeField / "must be greater than zero" for positive fields.
    return "must be greater than zero" if minimum == 1 else f"must be greater than or equal to {minimum}"


def get_bool(obj: dict, key: str, path: str) -> bool | None:
    return _get(obj, key, path, expect_bool, False)


def get_enum(obj: dict, key: str, path: str, supported: list[str], need: bool = False) -> str | None:
    """obj[key], which must be one of ``supported`` (field.NotSupported otherwise)."""
    value = obj.get(key)
    if value in (None, "") and not need:
        return None
    if value in (None, ""):
        raise required(child(path, key))
    if value not in supported:
        raise unsupported(child(path, key), value, supported)
    return value


def get_str_map(obj: dict, key: str, path: str) -> dict[str, str]:
    """obj[key] as a map of strings to strings (labels, annotations, nodeSelector...)."""
    mapping = get_map(obj, key, path)
    where = child(path, key)
    for k, v in mapping.items():
        expect_str(k, f"{where}[{k}]")
        expect_str(v, f"{where}[{k}]")
    return mapping


def get_str_list(obj: dict, key: str, path: str, need: bool = False) -> list[str]:
    items = get_list(obj, key, path, need)
    for i, item in enumerate(items):
        expect_str(item, child(child(path, key), i))
    return items


def get_maps(obj: dict, key: str, path: str, need: bool = False, detail: str = "") -> list[tuple[dict, str]]:
    """obj[key] as a list of mappings, paired with their paths (``key[i]``)."""
    where = child(path, key)
    return [(expect_map(item, child(where, i)), child(where, i))
            for i, item in enumerate(get_list(obj, key, path, need, detail))]


# ---------------------------------------------------------------------------
# Shared value rules
# ---------------------------------------------------------------------------

def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    # validation.go RegexError (the double space before "or" is Kubernetes' own).
    return msg + " (e.g. " + " or ".join(f"'{e}', " for e in examples) + \
        f"regex used for validation is '{fmt}')"


_DNS1035_RE = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_DNS1035_ERR = _regex_error("a DNS-1035 label must consist of lower case alphanumeric characters "
                            "or '-', start with an alphabetic character, and end with an "
                            "alphanumeric character", "[a-z]([-a-z0-9]*[a-z0-9])?", "my-name", "abc-123")


def dns1035_label_errors(name: str) -> list[str]:
    """IsDNS1035Label: what Service names must be."""
    errs = []
    if len(name) > 63:
        errs.append("must be no more than 63 characters")
    if not _DNS1035_RE.fullmatch(name):
        errs.append(_DNS1035_ERR)
    return errs


def path_segment_errors(name: str) -> list[str]:
    """path.IsValidPathSegmentName: RBAC object names, scale target kinds and names."""
    errs = [f"may not be '{bad}'" for bad in (".", "..") if name == bad]
    return errs + [f"may not contain '{bad}'" for bad in ("/", "%") if bad in name]


_IANA_SVC_NAME_RE = re.compile(r"[-a-z0-9]+")


def port_name_errors(name: str) -> list[str]:
    """IsValidPortName: an IANA_SVC_NAME such as ``http``."""
    errs = []
    if len(name) > 15:
        errs.append("must be no more than 15 characters")
    if not _IANA_SVC_NAME_RE.fullmatch(name):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if "--" in name:
        errs.append("must not contain consecutive hyphens")
    if not re.search("[a-z]", name):
        errs.append("must contain at least one letter (a-z)")
    if name.startswith("-") or name.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def _port(obj: dict, key: str, path: str, need: bool = False) -> int | None:
    # IsValidPortNum
    return get_int(obj, key, path, need, 1, 65535, inclusive_range=True)


def _port_or_name(obj: dict, key: str, path: str, need: bool = False) -> None:
    """ValidatePortNumOrName: a port number or an IANA service name."""
    value = obj.get(key)
    if value is None or value == "":
        if need:
            raise required(child(path, key))
        return
    if isinstance(value, str):
        _check_messages(child(path, key), value, port_name_errors(value))
    else:
        _port(obj, key, path)


def _quantity(value: object, path: str) -> Quantity:
    try:
        return parse_quantity(value)
    except QuantityError as error:
        raise invalid(path, value, str(error)) from None


def _selector(obj: dict, key: str, path: str, need: bool = False) -> LabelSelector | None:
    """A metav1.LabelSelector field, checked as ValidateLabelSelector does."""
    value = obj.get(key)
    if value is None:
        if need:
            raise required(child(path, key))
        return None
    try:
        return selector_from_dict(expect_map(value, child(path, key)), field=child(path, key))
    except SelectorError as error:
        raise ManifestError(getattr(error, "reason", str(error)),
                            field=getattr(error, "field", None) or child(path, key)) from None


def _labels(obj: dict, key: str, path: str) -> dict[str, str]:
    """A map of label keys to label values (labels, nodeSelector, service selector)."""
    labels = get_str_map(obj, key, path)
    try:
        validate_labels(labels, field=child(path, key))
    except SelectorError as error:
        raise ManifestError(getattr(error, "reason", str(error)),
                            field=getattr(error, "field", None) or child(path, key)) from None
    return labels


def _qualified_name(obj: dict, key: str, path: str, need: bool = False) -> str | None:
    value = get_str(obj, key, path, need)
    if value:
        _check_messages(child(path, key), value, qualified_name_errors(value))
    return value


def _subdomain(obj: dict, key: str, path: str, need: bool = False) -> str | None:
    value = get_str(obj, key, path, need)
    if value:
        _check_messages(child(path, key), value, dns1123_subdomain_errors(value))
    return value


def _ip(value: str, path: str) -> None:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise invalid(path, value, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)") from None


_PERCENT_RE = re.compile(r"[0-9]+%")
_PERCENT_ERR = _regex_error("a valid percent string must be a numeric string followed by an "
                            "ending '%'", "[0-9]+%", "1%", "93%")


def _int_or_percent(obj: dict, key: str, path: str) -> int | None:
    """ValidatePositiveIntOrPercent + IsNotMoreThan100Percent; returns the number (5 for "5%")."""
    value = obj.get(key)
    if value is None:
        return None
    where = child(path, key)
    if isinstance(value, str):
        if not _PERCENT_RE.fullmatch(value):
            raise invalid(where, value, _PERCENT_ERR)
        if int(value[:-1]) > 100:
            raise invalid(where, value, "must not be greater than 100%")
        return int(value[:-1])
    if isinstance(value, float) and value.is_integer():
        value = obj[key] = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(where, value, "must be an integer or percentage (e.g '5%')")
    if value < 0:
        raise invalid(where, value, "must be greater than or equal to 0")
    return value


# ---------------------------------------------------------------------------
# Resources (validateResourceRequirements, ValidateResourceQuantityValue)
# ---------------------------------------------------------------------------

_STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")


def _is_extended(name: str) -> bool:
    """An extended resource (``nvidia.com/gpu``): not native, so integer-only and not overcommitted."""
    return "/" in name and "kubernetes.io/" not in name and not name.startswith("requests.")


def _overcommit_allowed(name: str) -> bool:
    # helper.IsOvercommitAllowed: not extended, not hugepages.
    return not _is_extended(name) and not name.startswith("hugepages-")


def _resource_name(name: object, path: str, container: bool) -> str:
    expect_str(name, path)
    _check_messages(path, name, qualified_name_errors(name))
    if container and "/" not in name and name not in _STANDARD_CONTAINER_RESOURCES \
            and not name.startswith("hugepages-"):
        raise invalid(path, name, "must be a standard resource for containers")
    return name


def _resource_list(obj: dict, key: str, path: str, container: bool = True) -> dict[str, Quantity]:
    """A ResourceList: resource names to non-negative quantities."""
    where = child(path, key)
    result = {}
    for name, value in get_map(obj, key, path).items():
        name_path = child(where, str(name))
        _resource_name(name, name_path, container)
        quantity = _quantity(value, name_path)
        if quantity.value < 0:
            raise invalid(name_path, value, "must be greater than or equal to 0")
        if _is_extended(name) and quantity.value.denominator != 1:
            raise invalid(name_path, value, "must be an integer")
        result[name] = quantity
    return result


def _resources(container: dict, path: str) -> None:
    """validateResourceRequirements: quantities valid, requests <= limits."""
    resources = get_map(container, "resources", path)
    where = child(path, "resources")
    limits = _resource_list(resources, "limits", where)
    requests = _resource_list(resources, "requests", where)
    requests_path = child(where, "requests")
    for name, request in requests.items():
        limit = limits.get(name)
        if limit is None:
            if not _overcommit_allowed(name):
                raise required(child(where, "limits"), "Limit must be set for non overcommitable resources")
            continue
        if not _overcommit_allowed(name) and request != limit:
            raise invalid(requests_path, request.canonical(),
                          f"must be equal to {name} limit of {limit.canonical()}")
        if request > limit:
            raise invalid(requests_path, request.canonical(),
                          f"must be less than or equal to {name} limit of {limit.canonical()}")


# ---------------------------------------------------------------------------
# Object metadata (objectmeta.go ValidateObjectMeta)
# ---------------------------------------------------------------------------

_RBAC_KINDS = ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")


def _name_errors(kind: str, name: str) -> list[str]:
    """The name rule of each kind (its ValidateNameFunc)."""
    if kind == "Namespace":
        return dns1123_label_errors(name)
    if kind == "Service":
        return dns1035_label_errors(name)
    if kind in _RBAC_KINDS:
        return path_segment_errors(name)
    return dns1123_subdomain_errors(name)


def _metadata(obj: dict, kind: str, namespaced: bool) -> None:
    metadata = get_map(obj, "metadata", "")
    name = get_str(metadata, "name", "metadata")
    generate_name = get_str(metadata, "generateName", "metadata")
    if not name and not generate_name:
        raise required("metadata.name", "name or generateName is required")
    if name:
        _check_messages("metadata.name", name, _name_errors(kind, name))
    elif generate_name:
        # maskTrailingDash: a generateName may end with "-", the generated suffix follows it.
        masked = generate_name[:-1] + "a" if generate_name.endswith("-") else generate_name
        _check_messages("metadata.generateName", generate_name, _name_errors(kind, masked))
    namespace = get_str(metadata, "namespace", "metadata")
    if namespaced and namespace:
        _check_messages("metadata.namespace", namespace, dns1123_label_errors(namespace))
    _labels(metadata, "labels", "metadata")
    annotations = get_str_map(metadata, "annotations", "metadata")
    for key in annotations:
        _check_messages("metadata.annotations", key, qualified_name_errors(key.lower()))
    size = sum(len(k.encode()) + len(v.encode()) for k, v in annotations.items())
    if size > 256 * 1024:
        raise ManifestError(f"Too long: may not be more than 262144 bytes (have {size})",
                            field="metadata.annotations")
    get_str_list(metadata, "finalizers", "metadata")
    get_list(metadata, "ownerReferences", "metadata")


# ---------------------------------------------------------------------------
# Node affinity, pod affinity, tolerations, spread constraints
# ---------------------------------------------------------------------------

_NODE_SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]


def _node_selector_requirement(req: dict, path: str) -> None:
    # ValidateNodeSelectorRequirement
    operator = req.get("operator")
    values = get_str_list(req, "values", path)
    if operator in ("In", "NotIn"):
        if not values:
            raise required(child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'")
    elif operator in ("Exists", "DoesNotExist"):
        if values:
            raise forbidden(child(path, "values"),
                            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
    elif operator in ("Gt", "Lt"):
        if len(values) != 1:
            raise required(child(path, "values"),
                           "must be specified single value when `operator` is 'Lt' or 'Gt'")
        if not re.fullmatch(r"[+-]?[0-9]+", values[0]):
            raise invalid(child(child(path, "values"), 0), values[0],
                          "must be an integer when `operator` is 'Lt' or 'Gt'")
    else:
        raise unsupported(child(path, "operator"), operator, _NODE_SELECTOR_OPERATORS)
    _qualified_name(req, "key", path, need=True)


def _node_selector_term(term: dict, path: str) -> None:
    # ValidateNodeSelectorTerm: matchExpressions on labels, matchFields on metadata.name.
    for req, req_path in get_maps(term, "matchExpressions", path):
        _node_selector_requirement(req, req_path)
    for req, req_path in get_maps(term, "matchFields", path):
        if req.get("key") != "metadata.name":
            raise invalid(child(req_path, "key"), req.get("key"), "not a valid field selector key")
        get_enum(req, "operator", req_path, ["In", "NotIn"], need=True)
        if len(get_str_list(req, "values", req_path)) != 1:
            raise required(child(req_path, "values"),
                           "must be only one value when `operator` is 'In' or 'NotIn' "
                           "for node field selector")


def _node_selector(obj: dict, key: str, path: str, need: bool = False) -> None:
    """A v1.NodeSelector (ValidateNodeSelector): at least one term."""
    selector = _get(obj, key, path, expect_map, need)
    if selector is None:
        return
    where = child(path, key)
    terms = get_maps(selector, "nodeSelectorTerms", where, need=True,
                     detail="must have at least one node selector term")
    for term, term_path in terms:
        _node_selector_term(term, term_path)


def _weight(term: dict, path: str) -> None:
    weight = get_int(term, "weight", path, need=True)
    if not 1 <= weight <= 100:
        raise invalid(child(path, "weight"), weight, "must be in the range 1-100")


def _node_affinity(affinity: dict, path: str) -> None:
    node = get_map(affinity, "nodeAffinity", path)
    where = child(path, "nodeAffinity")
    _node_selector(node, "requiredDuringSchedulingIgnoredDuringExecution", where)
    for term, term_path in get_maps(node, "preferredDuringSchedulingIgnoredDuringExecution", where):
        _weight(term, term_path)
        _node_selector_term(get_map(term, "preference", term_path, need=True),
                            child(term_path, "preference"))


def _pod_affinity_term(term: dict, path: str) -> None:
    # validatePodAffinityTerm
    _selector(term, "labelSelector", path)
    _selector(term, "namespaceSelector", path)
    for i, namespace in enumerate(get_str_list(term, "namespaces", path)):
        _check_messages(child(child(path, "namespaces"), i), namespace, dns1123_label_errors(namespace))
    topology_key = get_str(term, "topologyKey", path, need=True, detail="can not be empty")
    _check_messages(child(path, "topologyKey"), topology_key, qualified_name_errors(topology_key))
    for key in ("matchLabelKeys", "mismatchLabelKeys"):
        for i, label_key in enumerate(get_str_list(term, key, path)):
            _check_messages(child(child(path, key), i), label_key, qualified_name_errors(label_key))


def _pod_affinity(affinity: dict, key: str, path: str) -> None:
    spec = get_map(affinity, key, path)
    where = child(path, key)
    for term, term_path in get_maps(spec, "requiredDuringSchedulingIgnoredDuringExecution", where):
        _pod_affinity_term(term, term_path)
    for term, term_path in get_maps(spec, "preferredDuringSchedulingIgnoredDuringExecution", where):
        _weight(term, term_path)
        _pod_affinity_term(get_map(term, "podAffinityTerm", term_path, need=True),
                           child(term_path, "podAffinityTerm"))


_TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]


def _tolerations(spec: dict, path: str) -> None:
    # ValidateTolerations
    for toleration, t_path in get_maps(spec, "tolerations", path):
        key = get_str(toleration, "key", t_path) or ""
        if key:
            _check_messages(child(t_path, "key"), key, qualified_name_errors(key))
        operator = get_str(toleration, "operator", t_path) or ""
        effect = get_str(toleration, "effect", t_path) or ""
        value = get_str(toleration, "value", t_path) or ""
        if operator not in ("", "Equal", "Exists"):
            raise unsupported(child(t_path, "operator"), operator, ["Equal", "Exists"])
        if not key and operator != "Exists":
            raise invalid(child(t_path, "operator"), operator,
                          "operator must be Exists when `key` is empty, which means "
                          "\"match all values and all keys\"")
        if operator == "Exists" and value:
            raise invalid(child(t_path, "operator"), value, "value must be empty when `operator` is 'Exists'")
        if operator != "Exists":
            _check_messages(child(t_path, "value"), value, label_value_errors(value))
        if get_int(toleration, "tolerationSeconds", t_path) is not None and effect != "NoExecute":
            raise invalid(child(t_path, "effect"), effect,
                          "effect must be 'NoExecute' when `tolerationSeconds` is set")
        if effect and effect not in _TAINT_EFFECTS:
            raise unsupported(child(t_path, "effect"), effect, _TAINT_EFFECTS)


def _topology_spread(spec: dict, path: str) -> None:
    # validateTopologySpreadConstraints
    seen: set[tuple[str, str]] = set()
    for constraint, c_path in get_maps(spec, "topologySpreadConstraints", path):
        max_skew = get_int(constraint, "maxSkew", c_path, need=True)
        if max_skew <= 0:
            raise invalid(child(c_path, "maxSkew"), max_skew, "must be greater than zero")
        topology_key = get_str(constraint, "topologyKey", c_path, need=True, detail="can not be empty")
        _check_messages(child(c_path, "topologyKey"), topology_key, qualified_name_errors(topology_key))
        when = get_enum(constraint, "whenUnsatisfiable", c_path, ["DoNotSchedule", "ScheduleAnyway"],
                        need=True)
        if (topology_key, when) in seen:
            raise duplicate(child(c_path, "{topologyKey, whenUnsatisfiable}"),
                            f"{{{topology_key}, {when}}}")
        seen.add((topology_key, when))
        min_domains = get_int(constraint, "minDomains", c_path)
        if min_domains is not None:
            if min_domains <= 0:
                raise invalid(child(c_path, "minDomains"), min_domains, "must be greater than 0")
            if when != "DoNotSchedule":
                raise invalid(child(c_path, "minDomains"), min_domains,
                              f"can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {when}")
        for policy in ("nodeAffinityPolicy", "nodeTaintsPolicy"):
            get_enum(constraint, policy, c_path, ["Honor", "Ignore"])
        selector = _selector(constraint, "labelSelector", c_path)
        keys = get_str_list(constraint, "matchLabelKeys", c_path)
        if keys and selector is None:
            raise forbidden(child(c_path, "matchLabelKeys"),
                            "must not be specified when labelSelector is not set")
        for i, key in enumerate(keys):
            _check_messages(child(child(c_path, "matchLabelKeys"), i), key, qualified_name_errors(key))
            if selector is not None and any(r.key == key for r in selector.requirements):
                raise invalid(child(c_path, "matchLabelKeys"), key,
                              "exists in both matchLabelKeys and labelSelector")


# ---------------------------------------------------------------------------
# Containers and pod specs (ValidatePodSpec, validateContainers)
# ---------------------------------------------------------------------------

_PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")


def _probe(container: dict, key: str, path: str) -> None:
    probe = _get(container, key, path, expect_map, False)
    if probe is None:
        return
    where = child(path, key)
    handlers = [h for h in _PROBE_HANDLERS if probe.get(h) is not None]
    if not handlers:
        raise required(where, "must specify a handler type")
    if len(handlers) > 1:
        raise forbidden(child(where, handlers[1]), "may not specify more than 1 handler type")
    for field in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                  "failureThreshold"):
        get_int(probe, field, where, minimum=0)
    get_int(probe, "terminationGracePeriodSeconds", where, minimum=1)
    if key in ("livenessProbe", "startupProbe") and probe.get("successThreshold") not in (None, 1):
        raise invalid(child(where, "successThreshold"), probe["successThreshold"], "must be 1")
    handler_path = child(where, handlers[0])
    handler = expect_map(probe[handlers[0]], handler_path)
    if handlers[0] == "exec":
        get_str_list(handler, "command", handler_path)
    elif handlers[0] in ("httpGet", "tcpSocket"):
        _port_or_name(handler, "port", handler_path, need=True)
        if handlers[0] == "httpGet":
            get_str(handler, "path", handler_path)
            get_enum(handler, "scheme", handler_path, ["HTTP", "HTTPS"])
    else:
        _port(handler, "port", handler_path, need=True)


def _container_ports(container: dict, path: str) -> None:
    # validateContainerPorts
    for port, p_path in get_maps(container, "ports", path):
        if port.get("name"):
            name = get_str(port, "name", p_path)
            _check_messages(child(p_path, "name"), name, port_name_errors(name))
        _port(port, "containerPort", p_path, need=True)
        if port.get("hostPort") not in (None, 0):
            _port(port, "hostPort", p_path)
        get_enum(port, "protocol", p_path, ["SCTP", "TCP", "UDP"])
        get_str(port, "hostIP", p_path)


def _container(container: dict, path: str, volumes: set[str], init: bool) -> str:
    name = get_str(container, "name", path, need=True)
    _check_messages(child(path, "name"), name, dns1123_label_errors(name))
    get_str(container, "image", path, need=True)
    get_enum(container, "imagePullPolicy", path, ["Always", "IfNotPresent", "Never"])
    get_str_list(container, "command", path)
    get_str_list(container, "args", path)
    get_str(container, "workingDir", path)
    _container_ports(container, path)
    for env, e_path in get_maps(container, "env", path):
        get_str(env, "name", e_path, need=True)
        get_str(env, "value", e_path)
        get_map(env, "valueFrom", e_path)
    get_list(container, "envFrom", path)
    _resources(container, path)
    for mount, m_path in get_maps(container, "volumeMounts", path):
        mount_name = get_str(mount, "name", m_path, need=True)
        get_str(mount, "mountPath", m_path, need=True)
        if mount_name not in volumes:
            raise not_found(child(m_path, "name"), mount_name)
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe(container, probe, path)
    if init:
        # Only "Always" (a sidecar) is allowed on init containers.
        get_enum(container, "restartPolicy", path, ["Always"])
    get_map(container, "lifecycle", path)
    get_map(container, "securityContext", path)
    return name


def _volumes(spec: dict, path: str) -> set[str]:
    """validateVolumes: unique DNS-1123 label names, exactly one source each."""
    names: set[str] = set()
    for volume, v_path in get_maps(spec, "volumes", path):
        name = get_str(volume, "name", v_path, need=True)
        _check_messages(child(v_path, "name"), name, dns1123_label_errors(name))
        if name in names:
            raise duplicate(child(v_path, "name"), name)
        names.add(name)
        sources = [key for key, value in volume.items() if key != "name" and value is not None]
        if not sources:
            raise required(v_path, "must specify a volume type")
        if len(sources) > 1:
            raise forbidden(child(v_path, sources[1]), "may not specify more than 1 volume type")
        source = expect_map(volume[sources[0]], child(v_path, sources[0]))
        if sources[0] == "persistentVolumeClaim":
            get_str(source, "claimName", child(v_path, sources[0]), need=True)
            get_bool(source, "readOnly", child(v_path, sources[0]))
    return names


def _pod_spec(spec: dict, path: str, extra_volumes: set[str] = frozenset()) -> None:
    """ValidatePodSpec, for the fields a scheduler simulation reads."""
    volumes = _volumes(spec, path) | set(extra_volumes)
    names: set[str] = set()
    containers = get_maps(spec, "containers", path, need=True)
    init_containers = get_maps(spec, "initContainers", path)
    for init, items in ((True, init_containers), (False, containers)):
        for container, c_path in items:
            name = _container(container, c_path, volumes, init)
            if name in names:
                raise duplicate(child(c_path, "name"), name)
            names.add(name)
    get_enum(spec, "restartPolicy", path, ["Always", "OnFailure", "Never"])
    get_enum(spec, "dnsPolicy", path, ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"])
    _labels(spec, "nodeSelector", path)
    get_str(spec, "nodeName", path)
    get_str(spec, "schedulerName", path)
    _subdomain(spec, "priorityClassName", path)
    _subdomain(spec, "serviceAccountName", path)
    get_int(spec, "priority", path)
    get_enum(spec, "preemptionPolicy", path, ["Never", "PreemptLowerPriority"])
    for flag in ("hostNetwork", "hostPID", "hostIPC", "enableServiceLinks",
                 "automountServiceAccountToken"):
        get_bool(spec, flag, path)
    get_int(spec, "terminationGracePeriodSeconds", path)
    get_int(spec, "activeDeadlineSeconds", path, minimum=1, maximum=2147483647, inclusive_range=True)
    get_map(spec, "securityContext", path)
    _tolerations(spec, path)
    affinity = get_map(spec, "affinity", path)
    affinity_path = child(path, "affinity")
    _node_affinity(affinity, affinity_path)
    _pod_affinity(affinity, "podAffinity", affinity_path)
    _pod_affinity(affinity, "podAntiAffinity", affinity_path)
    _topology_spread(spec, path)
    _resource_list(spec, "overhead", path, container=False)
    if spec.get("resources") is not None:  # pod-level resources (PodLevelResources)
        _resources(spec, path)


# ---------------------------------------------------------------------------
# Pod templates and workloads (pkg/apis/apps/validation, pkg/apis/batch/validation)
# ---------------------------------------------------------------------------

def _template(spec: dict, path: str, selector: LabelSelector | None, restart_policies: list[str],
              extra_volumes: set[str] = frozenset(), key: str = "template") -> dict:
    """A PodTemplateSpec: labels match the selector (ValidatePodTemplateSpecForReplicaSet), valid pod spec."""
    template = get_map(spec, key, path, need=True)
    where = child(path, key)
    metadata = get_map(template, "metadata", where)
    labels = _labels(metadata, "labels", child(where, "metadata"))
    get_str_map(metadata, "annotations", child(where, "metadata"))
    if selector is not None and not selector.empty and not selector.matches(labels):
        raise invalid(child(where, "metadata.labels"), labels, "`selector` does not match template `labels`")
    pod_spec = get_map(template, "spec", where, need=True)
    pod_path = child(where, "spec")
    _pod_spec(pod_spec, pod_path, extra_volumes)
    if pod_spec.get("restartPolicy") not in restart_policies:
        raise unsupported(child(pod_path, "restartPolicy"), pod_spec.get("restartPolicy"), restart_policies)
    return template


def _workload_selector(spec: dict, path: str, kind: str) -> LabelSelector:
    """apps/v1 selectors: required and not empty."""
    selector = _selector(spec, "selector", path, need=True)
    if selector.empty:
        message = {"StatefulSet": "empty selector is not valid for statefulset.",
                   "DaemonSet": "empty selector is invalid for daemonset"}.get(
            kind, "empty selector is invalid for deployment")
        raise invalid(child(path, "selector"), spec["selector"], message)
    return selector


def _no_active_deadline(spec: dict, path: str, kind: str) -> None:
    template_spec = spec["template"]["spec"]
    if template_spec.get("activeDeadlineSeconds") is not None:
        raise forbidden(child(path, "template.spec.activeDeadlineSeconds"),
                        f"activeDeadlineSeconds in {kind} is not Supported",
                        template_spec["activeDeadlineSeconds"])


def _validate_replica_set(obj: dict) -> None:
    spec = get_map(obj, "spec", "", need=True)
    get_int(spec, "replicas", "spec", minimum=0)
    get_int(spec, "minReadySeconds", "spec", minimum=0)
    selector = _workload_selector(spec, "spec", "ReplicaSet")
    _template(spec, "spec", selector, ["Always"])
    _no_active_deadline(spec, "spec", "ReplicaSet")


def _validate_deployment(obj: dict) -> None:
    spec = get_map(obj, "spec", "", need=True)
    get_int(spec, "replicas", "spec", minimum=0)
    min_ready = get_int(spec, "minReadySeconds", "spec", minimum=0) or 0
    get_int(spec, "revisionHistoryLimit", "spec", minimum=0)
    deadline = get_int(spec, "progressDeadlineSeconds", "spec", minimum=0)
    if deadline is not None and deadline <= min_ready:
        raise invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds")
    get_bool(spec, "paused", "spec")
    selector = _workload_selector(spec, "spec", "Deployment")
    _template(spec, "spec", selector, ["Always"])
    _no_active_deadline(spec, "spec", "Deployment")
    strategy = get_map(spec, "strategy", "spec")
    kind = get_enum(strategy, "type", "spec.strategy", ["Recreate", "RollingUpdate"])
    if kind == "Recreate" and strategy.get("rollingUpdate") is not None:
        raise forbidden("spec.strategy.rollingUpdate",
                        "may not be specified when strategy `type` is 'Recreate'")
    if kind == "RollingUpdate":
        rolling = get_map(strategy, "rollingUpdate", "spec.strategy", need=True)
        path = "spec.strategy.rollingUpdate"
        max_unavailable = _int_or_percent(rolling, "maxUnavailable", path)
        max_surge = _int_or_percent(rolling, "maxSurge", path)
        if max_unavailable == 0 and max_surge == 0:
            raise invalid(child(path, "maxUnavailable"), rolling["maxUnavailable"],
                          "may not be 0 when `maxSurge` is 0")


def _validate_daemon_set(obj: dict) -> None:
    spec = get_map(obj, "spec", "", need=True)
    get_int(spec, "minReadySeconds", "spec", minimum=0)
    get_int(spec, "revisionHistoryLimit", "spec", minimum=0)
    selector = _workload_selector(spec, "spec", "DaemonSet")
    _template(spec, "spec", selector, ["Always"])
    _no_active_deadline(spec, "spec", "DaemonSet")
    strategy = get_map(spec, "updateStrategy", "spec")
    kind = get_enum(strategy, "type", "spec.updateStrategy", ["RollingUpdate", "OnDelete"])
    if kind == "RollingUpdate":
        path = "spec.updateStrategy.rollingUpdate"
        rolling = get_map(strategy, "rollingUpdate", "spec.updateStrategy", need=True)
        has_unavailable = bool(_int_or_percent(rolling, "maxUnavailable", path))
        has_surge = bool(_int_or_percent(rolling, "maxSurge", path))
        if has_unavailable and has_surge:
            raise invalid(child(path, "maxSurge"), rolling["maxSurge"],
                          "may not be set when maxUnavailable is non-zero")
        if not has_unavailable and not has_surge:
            raise required(child(path, "maxUnavailable"), "cannot be 0 when maxSurge is 0")


def _validate_stateful_set(obj: dict) -> None:
    spec = get_map(obj, "spec", "", need=True)
    policy = spec.get("podManagementPolicy")
    if policy not in ("OrderedReady", "Parallel"):
        raise invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'")
    strategy = get_map(spec, "updateStrategy", "spec")
    kind = strategy.get("type")
    if kind not in ("RollingUpdate", "OnDelete"):
        raise invalid("spec.updateStrategy.type", kind, "must be 'RollingUpdate' or 'OnDelete'")
    if kind == "OnDelete" and strategy.get("rollingUpdate") is not None:
        raise invalid("spec.updateStrategy.rollingUpdate", strategy["rollingUpdate"],
                      "only allowed for updateStrategy 'RollingUpdate'")
    rolling = get_map(strategy, "rollingUpdate", "spec.updateStrategy")
    get_int(rolling, "partition", "spec.updateStrategy.rollingUpdate", minimum=0)
    _int_or_percent(rolling, "maxUnavailable", "spec.updateStrategy.rollingUpdate")
    get_int(spec, "replicas", "spec", minimum=0)
    get_int(spec, "minReadySeconds", "spec", minimum=0)
    get_int(spec, "revisionHistoryLimit", "spec", minimum=0)
    get_str(spec, "serviceName", "spec")
    retention = get_map(spec, "persistentVolumeClaimRetentionPolicy", "spec")
    for key in ("whenDeleted", "whenScaled"):
        get_enum(retention, key, "spec.persistentVolumeClaimRetentionPolicy", ["Retain", "Delete"])
    claim_names = set()
    for claim, c_path in get_maps(spec, "volumeClaimTemplates", "spec"):
        meta = get_map(claim, "metadata", c_path)
        claim_names.add(get_str(meta, "name", child(c_path, "metadata"), need=True))
        _claim_spec(get_map(claim, "spec", c_path, need=True), child(c_path, "spec"))
    selector = _workload_selector(spec, "spec", "StatefulSet")
    _template(spec, "spec", selector, ["Always"], claim_names)
    template_spec = spec["template"]["spec"]
    if template_spec.get("activeDeadlineSeconds") is not None:
        raise invalid("spec.template.spec.activeDeadlineSeconds", template_spec["activeDeadlineSeconds"],
                      "must not be specified")


def _job_spec(spec: dict, path: str, in_cron_job: bool = False) -> None:
    """ValidateJobSpec (and ValidateJobTemplateSpec for a CronJob's jobTemplate)."""
    get_int(spec, "parallelism", path, minimum=0)
    completions = get_int(spec, "completions", path, minimum=0)
    get_int(spec, "activeDeadlineSeconds", path, minimum=0)
    get_int(spec, "backoffLimit", path, minimum=0)
    get_int(spec, "backoffLimitPerIndex", path, minimum=0)
    get_int(spec, "ttlSecondsAfterFinished", path, minimum=0)
    get_bool(spec, "suspend", path)
    manual = get_bool(spec, "manualSelector", path)
    mode = get_enum(spec, "completionMode", path, ["NonIndexed", "Indexed"])
    if mode == "Indexed" and completions is None:
        raise required(child(path, "completions"), "when completion mode is Indexed")
    get_enum(spec, "podReplacementPolicy", path, ["TerminatingOrFailed", "Failed"])
    get_map(spec, "podFailurePolicy", path)
    selector = _selector(spec, "selector", path)
    if in_cron_job:
        if selector is not None:
            raise invalid(child(path, "selector"), spec["selector"], "`selector` will be auto-generated")
        if manual:
            raise unsupported(child(path, "manualSelector"), manual, ["nil", "false"])
    elif manual:
        if selector is None:
            raise required(child(path, "selector"))
        if selector.empty:
            raise invalid(child(path, "selector"), spec["selector"], "empty selector is invalid for job")
    elif selector is not None:
        # The Job strategy generates the selector; a user-written one must come with manualSelector.
        raise invalid(child(path, "selector"), spec["selector"],
                      "`selector` not auto-generated (set manualSelector: true to use your own)")
    _template(spec, path, selector if manual else None, ["OnFailure", "Never"])


def _validate_job(obj: dict) -> None:
    _job_spec(get_map(obj, "spec", "", need=True), "spec")


def _validate_cron_job(obj: dict) -> None:
    name = obj["metadata"].get("name") or ""
    if len(name) > 52:  # DNS1035LabelMaxLength - 11: room for the Job's "-<timestamp>" suffix
        raise invalid("metadata.name", name, "must be no more than 52 characters")
    spec = get_map(obj, "spec", "", need=True)
    schedule = get_str(spec, "schedule", "spec", need=True)
    error = cron_schedule_error(schedule)
    if error:
        raise invalid("spec.schedule", schedule, error)
    time_zone = get_str(spec, "timeZone", "spec")
    if "TZ" in schedule:
        raise invalid("spec.schedule", schedule,
                      "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
    if time_zone is not None:
        _time_zone(time_zone, "spec.timeZone")
    get_enum(spec, "concurrencyPolicy", "spec", ["Allow", "Forbid", "Replace"])
    get_int(spec, "startingDeadlineSeconds", "spec", minimum=0)
    get_int(spec, "successfulJobsHistoryLimit", "spec", minimum=0)
    get_int(spec, "failedJobsHistoryLimit", "spec", minimum=0)
    get_bool(spec, "suspend", "spec")
    job_template = get_map(spec, "jobTemplate", "spec", need=True)
    _labels(get_map(job_template, "metadata", "spec.jobTemplate"), "labels", "spec.jobTemplate.metadata")
    _job_spec(get_map(job_template, "spec", "spec.jobTemplate", need=True), "spec.jobTemplate.spec",
              in_cron_job=True)


def _time_zone(time_zone: str, path: str) -> None:
    """validateTimeZone: an IANA zone name that time.LoadLocation knows, not "Local"."""
    if not time_zone:
        raise invalid(path, time_zone, "timeZone must be nil or non-empty string")
    if time_zone.lower() == "local":
        raise invalid(path, time_zone,
                      "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")
    try:
        zoneinfo.ZoneInfo("UTC")
    except zoneinfo.ZoneInfoNotFoundError:
        return  # no time zone database on this machine: cannot tell
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise invalid(path, time_zone, f"unknown time zone {time_zone}") from None


# ---------------------------------------------------------------------------
# Cron schedules (robfig/cron v3 ParseStandard, as the CronJob validation calls it)
# ---------------------------------------------------------------------------

def cron_schedule_error(schedule: str) -> str | None:
    """The error robfig/cron's ParseStandard gives for ``schedule`` (without a TZ= prefix,
    which _validate_cron_job refuses on its own), or None if it parses: the simulator's own
    parser (kbench.controllers.cron) decides."""
    from kbench.controllers.cron import CronScheduleError, parse_schedule
    if schedule.startswith(("TZ=", "CRON_TZ=")):
        return None
    try:
        parse_schedule(schedule)
    except CronScheduleError as error:
        return error.detail
    return None


# ---------------------------------------------------------------------------
# HorizontalPodAutoscaler (pkg/apis/autoscaling/validation/validation.go)
# ---------------------------------------------------------------------------

_METRIC_SOURCES = {"Object": "object", "Pods": "pods", "Resource": "resource",
                   "External": "external", "ContainerResource": "containerResource"}


def _object_reference(obj: dict, key: str, path: str) -> None:
    # ValidateCrossVersionObjectReference
    ref = get_map(obj, key, path, need=True)
    where = child(path, key)
    for field in ("kind", "name"):
        value = get_str(ref, field, where, need=True)
        _check_messages(child(where, field), value, path_segment_errors(value))
    get_str(ref, "apiVersion", where)


def _metric_target(source: dict, path: str, allowed: list[str]) -> dict:
    # validateMetricTarget
    target = get_map(source, "target", path, need=True)
    where = child(path, "target")
    kind = get_str(target, "type", where, need=True, detail="must specify a metric target type")
    if kind not in ("Utilization", "Value", "AverageValue"):
        raise invalid(child(where, "type"), kind, "must be either Utilization, Value, or AverageValue")
    for field in ("value", "averageValue"):
        if target.get(field) is not None and _quantity(target[field], child(where, field)).value <= 0:
            raise invalid(child(where, field), target[field], "must be positive")
    get_int(target, "averageUtilization", where, minimum=1)
    field_for = {"Utilization": "averageUtilization", "Value": "value", "AverageValue": "averageValue"}
    if kind not in allowed:
        raise unsupported(child(where, "type"), kind, allowed)
    if target.get(field_for[kind]) is None:
        raise required(child(where, field_for[kind]), f"must be set when the target type is {kind}")
    return target


def _metric_identifier(source: dict, path: str) -> None:
    metric = get_map(source, "metric", path, need=True)
    where = child(path, "metric")
    name = get_str(metric, "name", where, need=True, detail="must specify a metric name")
    _check_messages(child(where, "name"), name, path_segment_errors(name))
    _selector(metric, "selector", where)


def _metric(metric: dict, path: str) -> None:
    # validateMetricSpec
    kind = get_str(metric, "type", path, need=True, detail="must specify a metric source type")
    if kind not in _METRIC_SOURCES:
        raise unsupported(child(path, "type"), kind, list(_METRIC_SOURCES))
    expected = _METRIC_SOURCES[kind]
    for other in _METRIC_SOURCES.values():
        if other != expected and metric.get(other) is not None:
            raise forbidden(child(path, other), "must populate the given metric source only")
    source = get_map(metric, expected, path, need=True,
                     detail="must populate information for the given metric source")
    where = child(path, expected)
    if kind in ("Resource", "ContainerResource"):
        get_str(source, "name", where, need=True, detail="must specify a resource name")
        if kind == "ContainerResource":
            get_str(source, "container", where, need=True, detail="must specify a container")
        _metric_target(source, where, ["Utilization", "AverageValue"])
    elif kind == "Pods":
        _metric_identifier(source, where)
        _metric_target(source, where, ["AverageValue"])
    else:
        if kind == "Object":
            _object_reference(source, "describedObject", where)
        _metric_identifier(source, where)
        _metric_target(source, where, ["Value", "AverageValue"])


def _scaling_rules(behavior: dict, key: str, path: str) -> None:
    # validateScalingRules / validateScalingPolicy
    rules = get_map(behavior, key, path)
    if not rules:
        return
    where = child(path, key)
    get_int(rules, "stabilizationWindowSeconds", where, minimum=0, maximum=3600)
    get_enum(rules, "selectPolicy", where, ["Max", "Min", "Disabled"])
    for policy, p_path in get_maps(rules, "policies", where, need=True,
                                   detail="must specify at least one Policy"):
        get_enum(policy, "type", p_path, ["Pods", "Percent"], need=True)
        get_int(policy, "value", p_path, need=True, minimum=1)
        get_int(policy, "periodSeconds", p_path, need=True, minimum=1, maximum=1800)


def _validate_hpa(obj: dict) -> None:
    spec = get_map(obj, "spec", "", need=True)
    _object_reference(spec, "scaleTargetRef", "spec")
    min_replicas = get_int(spec, "minReplicas", "spec")
    if min_replicas is not None and min_replicas < 1:
        raise invalid("spec.minReplicas", min_replicas, "must be greater than or equal to 1")
    max_replicas = get_int(spec, "maxReplicas", "spec", need=True)
    if max_replicas < 1:
        raise invalid("spec.maxReplicas", max_replicas, "must be greater than 0")
    if min_replicas is not None and max_replicas < min_replicas:
        raise invalid("spec.maxReplicas", max_replicas, "must be greater than or equal to `minReplicas`")
    for metric, m_path in get_maps(spec, "metrics", "spec"):
        _metric(metric, m_path)
    behavior = get_map(spec, "behavior", "spec")
    _scaling_rules(behavior, "scaleUp", "spec.behavior")
    _scaling_rules(behavior, "scaleDown", "spec.behavior")


def _check_hpa_v1(doc: dict) -> None:
    """autoscaling/v1 fields, checked before conversion so errors name the field the user wrote."""
    spec = doc.get("spec")
    if isinstance(spec, dict):
        get_int(spec, "targetCPUUtilizationPercentage", "spec", minimum=1)


# ---------------------------------------------------------------------------
# Services, endpoints, ingresses (core and networking validation)
# ---------------------------------------------------------------------------

_SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
_PROTOCOLS = ["SCTP", "TCP", "UDP"]
NODE_PORT_RANGE = (30000, 32767)  # kube-apiserver --service-node-port-range default


def _service_ports(spec: dict, kind: str) -> None:
    ports = get_maps(spec, "ports", "spec")
    headless = spec.get("clusterIP") == "None"
    if not ports and kind != "ExternalName" and not headless:
        raise required("spec.ports")
    names: set[str] = set()
    node_ports: set[tuple[int, str]] = set()
    for port, p_path in ports:
        name = get_str(port, "name", p_path, need=len(ports) > 1)
        if name:
            _check_messages(child(p_path, "name"), name, dns1123_label_errors(name))
            if name in names:
                raise duplicate(child(p_path, "name"), name)
            names.add(name)
        _port(port, "port", p_path, need=True)
        protocol = get_enum(port, "protocol", p_path, _PROTOCOLS)
        _port_or_name(port, "targetPort", p_path)
        node_port = get_int(port, "nodePort", p_path)
        if node_port:
            if kind in ("ClusterIP", "ExternalName"):
                raise forbidden(child(p_path, "nodePort"), f"may not be used when `type` is '{kind}'",
                                node_port)
            low, high = NODE_PORT_RANGE
            if not low <= node_port <= high:
                raise invalid(child(p_path, "nodePort"), node_port,
                              "provided port is not in the valid range. "
                              f"The range of valid ports is {low}-{high}")
            if (node_port, protocol) in node_ports:
                raise duplicate(child(p_path, "nodePort"), node_port)
            node_ports.add((node_port, protocol))


def _validate_service(obj: dict) -> None:
    spec = get_map(obj, "spec", "", need=True)
    kind = get_enum(spec, "type", "spec", _SERVICE_TYPES, need=True)
    cluster_ip = get_str(spec, "clusterIP", "spec")
    if kind == "ExternalName":
        if cluster_ip:
            raise forbidden("spec.clusterIP", "may not be set for ExternalName services", cluster_ip)
        external = get_str(spec, "externalName", "spec", need=True,
                           detail="an ExternalName service needs spec.externalName (a DNS name)")
        _check_messages("spec.externalName", external, dns1123_subdomain_errors(external.rstrip(".")))
    elif cluster_ip not in (None, "", "None"):
        try:
            ipaddress.ip_address(cluster_ip)
        except ValueError:
            raise invalid("spec.clusterIP", cluster_ip,
                          "must be empty, 'None', or a valid IP address") from None
    for i, ip in enumerate(get_str_list(spec, "clusterIPs", "spec")):
        if ip != "None":
            _ip(ip, f"spec.clusterIPs[{i}]")
    _service_ports(spec, kind)
    _labels(spec, "selector", "spec")
    get_enum(spec, "sessionAffinity", "spec", ["ClientIP", "None"])
    timeout = get_map(get_map(spec, "sessionAffinityConfig", "spec"), "clientIP",
                      "spec.sessionAffinityConfig")
    seconds = get_int(timeout, "timeoutSeconds", "spec.sessionAffinityConfig.clientIP")
    if seconds is not None and not 0 < seconds <= 86400:
        raise invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", seconds,
                      "must be greater than 0 and less than 86400")
    if get_enum(spec, "externalTrafficPolicy", "spec", ["Cluster", "Local"]) and \
            kind not in ("NodePort", "LoadBalancer"):
        raise invalid("spec.externalTrafficPolicy", spec["externalTrafficPolicy"],
                      "may only be set for externally-accessible services")
    get_enum(spec, "internalTrafficPolicy", "spec", ["Cluster", "Local"])
    get_enum(spec, "ipFamilyPolicy", "spec", ["PreferDualStack", "RequireDualStack", "SingleStack"])
    for i, family in enumerate(get_str_list(spec, "ipFamilies", "spec")):
        if family not in ("IPv4", "IPv6"):
            raise unsupported(f"spec.ipFamilies[{i}]", family, ["IPv4", "IPv6"])
    for i, ip in enumerate(get_str_list(spec, "externalIPs", "spec")):
        _ip(ip, f"spec.externalIPs[{i}]")
    get_bool(spec, "publishNotReadyAddresses", "spec")


def _validate_endpoints(obj: dict) -> None:
    # ValidateEndpoints
    for subset, s_path in get_maps(obj, "subsets", ""):
        addresses = get_maps(subset, "addresses", s_path) + get_maps(subset, "notReadyAddresses", s_path)
        if not addresses:
            raise required(s_path, "must specify `addresses` or `notReadyAddresses`")
        for address, a_path in addresses:
            _ip(get_str(address, "ip", a_path, need=True), child(a_path, "ip"))
            get_str(address, "nodeName", a_path)
        ports = get_maps(subset, "ports", s_path, need=True)
        for port, p_path in ports:
            if len(ports) > 1:
                get_str(port, "name", p_path, need=True)
            _port(port, "port", p_path, need=True)
            get_enum(port, "protocol", p_path, _PROTOCOLS)


def _ingress_backend(backend: dict, path: str) -> None:
    # validateIngressBackend
    service = backend.get("service")
    resource = backend.get("resource")
    if service is not None and resource is not None:
        raise invalid(path, "", "cannot set both resource and service backends")
    if resource is not None:
        expect_map(resource, child(path, "resource"))
        return
    if service is None:
        raise invalid(path, "", "resource or service backend is required")
    where = child(path, "service")
    service = expect_map(service, where)
    name = get_str(service, "name", where, need=True)
    _check_messages(child(where, "name"), name, dns1035_label_errors(name))
    port = get_map(service, "port", where)
    port_path = child(where, "port")
    port_name = get_str(port, "name", port_path)
    number = get_int(port, "number", port_path)
    if port_name and number:
        raise invalid(port_path, "", "cannot set both port name & port number")
    if port_name:
        _check_messages(child(port_path, "name"), port_name, port_name_errors(port_name))
    elif number:
        _port(port, "number", port_path)
    else:
        raise required(port_path, "port name or number is required")


def _validate_ingress(obj: dict) -> None:
    spec = get_map(obj, "spec", "", need=True)
    rules = get_maps(spec, "rules", "spec")
    default = get_map(spec, "defaultBackend", "spec")
    if not rules and not default:
        raise invalid("spec", spec.get("rules"), "either `defaultBackend` or `rules` must be specified")
    if default:
        _ingress_backend(default, "spec.defaultBackend")
    _subdomain(spec, "ingressClassName", "spec")
    for rule, r_path in rules:
        host = get_str(rule, "host", r_path)
        if host:
            _check_messages(child(r_path, "host"), host,
                            dns1123_subdomain_errors(host[2:] if host.startswith("*.") else host))
        http = get_map(rule, "http", r_path)
        if not http:
            continue
        http_path = child(r_path, "http")
        for item, i_path in get_maps(http, "paths", http_path, need=True):
            path_type = get_enum(item, "pathType", i_path, ["Exact", "ImplementationSpecific", "Prefix"],
                                 need=True)
            text = get_str(item, "path", i_path)
            if path_type in ("Exact", "Prefix") and not (text or "").startswith("/"):
                raise invalid(child(i_path, "path"), text, "must be an absolute path")
            _ingress_backend(get_map(item, "backend", i_path, need=True), child(i_path, "backend"))


# ---------------------------------------------------------------------------
# Cluster and storage objects
# ---------------------------------------------------------------------------

_ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]


def _access_modes(spec: dict, path: str, detail: str = "") -> None:
    modes = get_str_list(spec, "accessModes", path)
    if not modes:
        raise required(child(path, "accessModes"), detail)
    for i, mode in enumerate(modes):
        if mode not in _ACCESS_MODES:
            raise unsupported(child(child(path, "accessModes"), i), mode, _ACCESS_MODES)
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        raise forbidden(child(path, "accessModes"), "may not use ReadWriteOncePod with other access modes")


def _positive_storage(value: object, path: str) -> None:
    if _quantity(value, path).value <= 0:
        raise invalid(path, value, "must be greater than zero")


def _claim_spec(spec: dict, path: str) -> None:
    """ValidatePersistentVolumeClaimSpec."""
    _access_modes(spec, path, "at least 1 access mode is required")
    _selector(spec, "selector", path)
    resources = get_map(spec, "resources", path)
    requests = get_map(resources, "requests", child(path, "resources"))
    storage_path = child(path, "resources.requests.storage")
    if requests.get("storage") is None:
        raise required(storage_path, "a claim must request storage, e.g. storage: 1Gi")
    _resource_list(resources, "requests", child(path, "resources"), container=False)
    _positive_storage(requests["storage"], storage_path)
    _resource_list(resources, "limits", child(path, "resources"), container=False)
    _subdomain(spec, "storageClassName", path)
    get_str(spec, "volumeName", path)
    get_enum(spec, "volumeMode", path, ["Block", "Filesystem"])


def _validate_pvc(obj: dict) -> None:
    _claim_spec(get_map(obj, "spec", "", need=True), "spec")


_PV_SPEC_FIELDS = {"accessModes", "capacity", "claimRef", "mountOptions", "nodeAffinity",
                   "persistentVolumeReclaimPolicy", "storageClassName", "volumeMode",
                   "volumeAttributesClassName"}


def _validate_pv(obj: dict) -> None:
    spec = get_map(obj, "spec", "", need=True)
    _access_modes(spec, "spec")
    capacity = get_map(spec, "capacity", "spec", need=True)
    if "storage" not in capacity or len(capacity) > 1:
        raise unsupported("spec.capacity", sorted(capacity), ["storage"])
    _positive_storage(capacity["storage"], "spec.capacity.storage")
    get_enum(spec, "persistentVolumeReclaimPolicy", "spec", ["Delete", "Recycle", "Retain"])
    get_enum(spec, "volumeMode", "spec", ["Block", "Filesystem"])
    _subdomain(spec, "storageClassName", "spec")
    claim_ref = get_map(spec, "claimRef", "spec")
    for field in ("name", "namespace", "uid"):
        get_str(claim_ref, field, "spec.claimRef")
    node_affinity = get_map(spec, "nodeAffinity", "spec")
    if spec.get("nodeAffinity") is not None:
        _node_selector(node_affinity, "required", "spec.nodeAffinity", need=True)
    get_str_list(spec, "mountOptions", "spec")
    sources = [key for key, value in spec.items() if key not in _PV_SPEC_FIELDS and value is not None]
    if not sources:
        raise required("spec", "must specify a volume type")
    if len(sources) > 1:
        raise forbidden(f"spec.{sources[1]}", "may not specify more than 1 volume type")
    expect_map(spec[sources[0]], f"spec.{sources[0]}")


def _validate_storage_class(obj: dict) -> None:
    provisioner = get_str(obj, "provisioner", "", need=True)
    _check_messages("provisioner", provisioner, qualified_name_errors(provisioner.lower()))
    get_str_map(obj, "parameters", "")
    get_enum(obj, "reclaimPolicy", "", ["Delete", "Retain"])
    get_enum(obj, "volumeBindingMode", "", ["Immediate", "WaitForFirstConsumer"], need=True)
    get_bool(obj, "allowVolumeExpansion", "")
    get_str_list(obj, "mountOptions", "")
    for term, t_path in get_maps(obj, "allowedTopologies", ""):
        for expr, e_path in get_maps(term, "matchLabelExpressions", t_path):
            _qualified_name(expr, "key", e_path, need=True)
            get_str_list(expr, "values", e_path, need=True)


_SYSTEM_PRIORITY_CLASSES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}


def _validate_priority_class(obj: dict) -> None:
    # ValidatePriorityClass
    value = get_int(obj, "value", "", need=True, minimum=-2147483648, maximum=2147483647)
    get_bool(obj, "globalDefault", "")
    get_str(obj, "description", "")
    get_enum(obj, "preemptionPolicy", "", ["Never", "PreemptLowerPriority"])
    name = obj["metadata"].get("name") or ""
    if name.startswith("system-"):
        if _SYSTEM_PRIORITY_CLASSES.get(name) != value or obj.get("globalDefault"):
            raise forbidden("metadata.name", "priority class names with 'system-' prefix are reserved "
                            f"for system use only. error: {name} is not a known system priority class "
                            "with this value", name)
    elif value > 1000000000:
        raise forbidden("value", "maximum allowed value of a user defined priority is 1000000000", value)


def _validate_pdb(obj: dict) -> None:
    # ValidatePodDisruptionBudgetSpec
    spec = get_map(obj, "spec", "", need=True)
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        both = {"minAvailable": spec["minAvailable"], "maxUnavailable": spec["maxUnavailable"]}
        raise invalid("spec", both,
                      "minAvailable and maxUnavailable cannot be both set")
    _int_or_percent(spec, "minAvailable", "spec")
    _int_or_percent(spec, "maxUnavailable", "spec")
    _selector(spec, "selector", "spec")
    get_enum(spec, "unhealthyPodEvictionPolicy", "spec", ["AlwaysAllow", "IfHealthyBudget"])


def _validate_node(obj: dict) -> None:
    spec = get_map(obj, "spec", "")
    get_bool(spec, "unschedulable", "spec")
    get_str(spec, "providerID", "spec")
    get_str(spec, "podCIDR", "spec")
    seen: set[tuple[str, str]] = set()
    for taint, t_path in get_maps(spec, "taints", "spec"):
        # validateNodeTaints
        key = _qualified_name(taint, "key", t_path, need=True)
        value = get_str(taint, "value", t_path) or ""
        _check_messages(child(t_path, "value"), value, label_value_errors(value))
        effect = get_enum(taint, "effect", t_path, _TAINT_EFFECTS, need=True)
        if (key, effect) in seen:
            raise duplicate(t_path, f"{key}:{effect}", "taints must be unique by key and effect pair")
        seen.add((key, effect))
    status = get_map(obj, "status", "")
    _resource_list(status, "capacity", "status", container=False)
    _resource_list(status, "allocatable", "status", container=False)
    get_list(status, "conditions", "status")
    get_list(status, "addresses", "status")


def _validate_pod(obj: dict) -> None:
    _pod_spec(get_map(obj, "spec", "", need=True), "spec")


def _validate_namespace(obj: dict) -> None:
    get_str_list(get_map(obj, "spec", ""), "finalizers", "spec")


_VALIDATORS: dict[str, Callable[[dict], None]] = {
    "Pod": _validate_pod,
    "ReplicaSet": _validate_replica_set,
    "Deployment": _validate_deployment,
    "StatefulSet": _validate_stateful_set,
    "DaemonSet": _validate_daemon_set,
    "Job": _validate_job,
    "CronJob": _validate_cron_job,
    "HorizontalPodAutoscaler": _validate_hpa,
    "Service": _validate_service,
    "Endpoints": _validate_endpoints,
    "Ingress": _validate_ingress,
    "PersistentVolume": _validate_pv,
    "PersistentVolumeClaim": _validate_pvc,
    "StorageClass": _validate_storage_class,
    "PriorityClass": _validate_priority_class,
    "PodDisruptionBudget": _validate_pdb,
    "Node": _validate_node,
    "Namespace": _validate_namespace,
}


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------

def _check_api_version(doc: dict, info: KindInfo) -> None:
    api_version = doc.get("apiVersion")
    if api_version in (None, ""):
        raise required("apiVersion", f"apiVersion must be set (for {info.kind}: {info.api_version})")
    if api_version not in info.api_versions:
        raise ManifestError(f'no matches for kind "{info.kind}" in version "{api_version}" '
                            f'(use apiVersion: {info.api_version})', field="apiVersion", value=api_version)


def check_metadata(doc: dict, namespaced: bool, kind: str = "") -> None:
    """Validate ``doc["metadata"]`` only (for kinds kbench does not know): name or generateName
    (a DNS-1123 subdomain, as for custom resources), namespace, labels, annotations.

    Raises ManifestError; integral floats are normalised in place.
    """
    if not isinstance(doc, dict):
        raise ManifestError("a manifest must be a mapping with apiVersion, kind and metadata", value=doc)
    if doc.get("metadata") is None:
        raise required("metadata.name", "name or generateName is required")
    _metadata(doc, kind, namespaced)


def prepare(doc: dict, info: KindInfo) -> dict:
    """Default ``doc`` (a manifest of kind ``info``) and validate it as the kube-apiserver would.

    Returns the defaulted copy (``doc`` is not changed). Raises ManifestError for the first
    problem found, with ``field`` the path of the bad field (e.g.
    ``spec.template.spec.containers[0].resources.requests.cpu``) and ``value`` its value.
    A manifest with only metadata.generateName is accepted; naming it is the caller's job.
    Unmodelled kinds (ConfigMap, Secret, ...) get their metadata checked only.
    """
    if not isinstance(doc, dict):
        raise ManifestError("a manifest must be a mapping with apiVersion, kind and metadata", value=doc)
    _check_api_version(doc, info)
    if doc.get("metadata") is not None:
        expect_map(doc["metadata"], "metadata")
    if info.kind == "HorizontalPodAutoscaler" and doc.get("apiVersion") == "autoscaling/v1":
        doc = dict(doc, spec=dict(doc["spec"])) if isinstance(doc.get("spec"), dict) else doc
        _check_hpa_v1(doc)
    obj = default_object(doc, info)
    if obj.get("metadata") is None:
        obj["metadata"] = {}
    _metadata(obj, info.kind, info.namespaced)
    validator = _VALIDATORS.get(info.kind)
    if validator is not None:
        validator(obj)
    return obj
