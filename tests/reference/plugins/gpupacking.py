"""GPUPacking reference: the example research score, as the obvious Python function."""

from __future__ import annotations


def gpu_packing_score(allocatable: dict[str, int], requested: dict[str, int],
                      pod_request: dict[str, int], resource: str = "nvidia.com/gpu") -> int:
    capacity = allocatable.get(resource, 0)
    wanted = pod_request.get(resource, 0)
    if capacity == 0:
        return 0 if wanted > 0 else 100
    used = requested.get(resource, 0)
    if wanted > 0:
        return 100 * min(used + wanted, capacity) // capacity
    return 100 * min(used, capacity) // capacity
