"""A pod's effective requests, limits and QoS class, computed as Kubernetes computes them.

Sources: k8s.io/component-helpers/resource/helpers.go (PodRequests, PodLimits: containers
summed, init containers as a running maximum, restartable sidecars added, overhead on top) and
pkg/apis/core/helper/qos/qos.go (GetPodQOS). Amounts are exact integers: cpu in millicores,
everything else in the quantity's base unit (bytes, counts).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from kbench.api.quantity import cpu_milli, to_int_value

QOS_RESOURCES = ("cpu", "memory")


def amount(resource: str, quantity: object) -> int:
    """The exact integer amount of a quantity: millicores for cpu, base units for the rest."""
    if type(quantity) is str:
        return _text_amount(resource == "cpu", quantity)
    return cpu_milli(quantity) if resource == "cpu" else to_int_value(quantity)


@functools.lru_cache(maxsize=4096)
def _text_amount(cpu: bool, text: str) -> int:
    """amount() of a quantity written as text (a cluster writes few distinct ones)."""
    return cpu_milli(text) if cpu else to_int_value(text)


def resource_list(quantities: Mapping[str, object] | None) -> dict[str, int]:
    """A ResourceList (``{"cpu": "500m", "memory": "1Gi"}``) as exact integers."""
    return {name: amount(name, value) for name, value in (quantities or {}).items()}


def _add(total: dict[str, int], amounts: Mapping[str, int]) -> dict[str, int]:
    result = dict(total)
    for name, value in amounts.items():
        result[name] = result.get(name, 0) + value
    return result


def _max(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    result = dict(a)
    for name, value in b.items():
        if name not in result or value > result[name]:
            result[name] = value
    return result


def _container_amounts(container: Mapping, field: str,
                       missing: Mapping[str, int] | None) -> dict[str, int]:
    """The container's ``field`` as exact integers, with ``missing`` amounts for the
    resources it does not list."""
    amounts = resource_list((container.get("resources") or {}).get(field))
    if missing:
        for name, value in missing.items():
            amounts.setdefault(name, value)
    return amounts


def _pod_aggregate(spec: Mapping, field: str,
                   missing: Mapping[str, int] | None = None) -> dict[str, int]:
    """PodRequests / PodLimits of helpers.go for ``field`` in ("requests", "limits");
    ``missing``: amounts a container without them counts (per resource)."""
    total: dict[str, int] = {}
    for container in spec.get("containers") or []:
        total = _add(total, _container_amounts(container, field, missing))
    restartable: dict[str, int] = {}
    init_max: dict[str, int] = {}
    for container in spec.get("initContainers") or []:
        amounts = _container_amounts(container, field, missing)
        if container.get("restartPolicy") == "Always":
            # A sidecar runs for the pod's whole life: it adds to the total, and every later
            # init container runs beside all sidecars started before it.
            total = _add(total, amounts)
            restartable = _add(restartable, amounts)
            amounts = restartable
        else:
            amounts = _add(amounts, restartable)
        init_max = _max(init_max, amounts)
    total = _max(total, init_max)
    return _add(total, resource_list(spec.get("overhead")))


def pod_requests(spec: Mapping, missing: Mapping[str, int] | None = None) -> dict[str, int]:
    """What the scheduler reserves for the pod on a node (without the non-zero defaults);
    ``missing``: amounts counted for a container that requests none of a resource (the
    scheduler's non-zero defaults)."""
    return _pod_aggregate(spec, "requests", missing)


def pod_limits(spec: Mapping) -> dict[str, int]:
    return _pod_aggregate(spec, "limits")


def qos_class(spec: Mapping) -> str:
    """BestEffort, Burstable or Guaranteed, as GetPodQOS decides from cpu and memory."""
    requests: dict[str, int] = {}
    limits: dict[str, int] = {}
    guaranteed = True
    for container in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
        resources = container.get("resources") or {}
        for name, value in resource_list(resources.get("requests")).items():
            if name in QOS_RESOURCES and value > 0:
                requests[name] = requests.get(name, 0) + value
        found = set()
        for name, value in resource_list(resources.get("limits")).items():
            if name in QOS_RESOURCES and value > 0:
                found.add(name)
                limits[name] = limits.get(name, 0) + value
        if found != set(QOS_RESOURCES):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(limits.get(name) == value for name, value in requests.items()) \
            and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"
