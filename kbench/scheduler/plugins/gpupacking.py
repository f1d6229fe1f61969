"""GPUPacking: an example research plugin, a GPU-fragmentation-aware Score in the spirit of
Fragmentation Gradient Descent (Weng et al., "Beware of Fragmentation: Scheduling
GPU-Sharing Workloads with Fragmentation Gradient Descent", USENIX ATC 2023).

Idle GPUs become unusable when CPU-only pods take the CPU and memory of their node, and a
job needing a whole 8-GPU node cannot start when every node has a GPU or two in use. So:
- a pod asking for GPUs prefers the node whose GPUs are already the most used (bin-packing
  GPUs: 100 * (used + requested) / allocatable), leaving idle nodes whole;
- a pod asking for none prefers nodes without GPUs (100), and among GPU nodes those whose
  GPUs are taken anyway (100 * used / allocatable), so it does not strand idle GPUs.
Args: ``resourceName`` (default "nvidia.com/gpu"). Enable it as a Score plugin:

    profiles:
    - schedulerName: default-scheduler
      plugins:
        score:
          enabled: [{name: GPUPacking, weight: 5}]
      pluginConfig:
      - name: GPUPacking
        args: {resourceName: nvidia.com/gpu}
"""

from __future__ import annotations

import numpy as np

from kbench._jit import njit
from kbench.scheduler.custom import register_plugin

NAME = "GPUPacking"
DEFAULT_RESOURCE = "nvidia.com/gpu"


def params(args: dict, resources: list[str]) -> list[float]:
    """[column of the GPU resource in the resource vectors, or -1 if no node or pod has it]."""
    name = args.get("resourceName", DEFAULT_RESOURCE)
    return [float(resources.index(name)) if name in resources else -1.0]


@njit
def score(allocatable, requested, pod_request, params):
    column = np.int64(params[0])
    if column < 0:
        return np.int64(100)  # no GPUs anywhere: nothing to fragment
    capacity = allocatable[column]
    wanted = pod_request[column]
    if capacity == 0:
        return np.int64(0) if wanted > 0 else np.int64(100)
    used = requested[column]
    if wanted > 0:
        return np.int64(100 * min(used + wanted, capacity) // capacity)
    return np.int64(100 * min(used, capacity) // capacity)


PLUGIN = register_plugin(NAME, score=score, normalize="none", params=params)
