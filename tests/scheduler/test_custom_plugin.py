"""A researcher's plugin, enabled from KubeSchedulerConfiguration YAML like a built-in: the
shipped example GPUPacking, and a custom filter registered in the test."""

from typing import NamedTuple

import numpy as np
import pytest

from kbench import Cluster
from kbench._jit import njit
from kbench.scheduler.config import ProfileError
from kbench.scheduler.custom import register_plugin, unregister_plugin

CONFIG = """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  plugins:
    score:
      enabled: [{name: GPUPacking, weight: 10}]
  pluginConfig:
  - name: GPUPacking
    args: {resourceName: nvidia.com/gpu}
"""


def node(name, cpu, gpus=0):
    capacity = {"cpu": str(cpu), "memory": "256Gi", "pods": "110"}
    if gpus:
        capacity["nvidia.com/gpu"] = str(gpus)
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"capacity": capacity}}


def pod(name, gpus=0, node_name=None, cpu="1"):
    resources = {"requests": {"cpu": cpu, "memory": "1Gi"}}
    if gpus:
        resources["requests"]["nvidia.com/gpu"] = str(gpus)
        resources["limits"] = {"nvidia.com/gpu": str(gpus)}
    spec = {"containers": [{"name": "c", "image": "trainer", "resources": resources}]}
    if node_name:
        spec["nodeName"] = node_name
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def cluster(config=None):
    c = Cluster(seed=3)
    c.apply([node("idle-gpu", 64, 8), node("busy-gpu", 64, 8), node("cpu-only", 64),
             pod("running", gpus=6, node_name="busy-gpu")])
    if config:
        c.configure_scheduler(config)
    return c


def test_gpu_packing_fills_used_gpus_and_keeps_cpu_pods_off_gpu_nodes():
    c = cluster(CONFIG)
    c.apply([pod("trainer", gpus=2), pod("web")])
    placed = {row["pod"]: row["node"] for row in c.schedule().to_pylist()}
    # trainer: GPUPacking 100 * (6 + 2) / 8 = 100 on busy-gpu, 100 * 2 / 8 = 25 on idle-gpu
    # web: 100 on cpu-only, 0 on idle-gpu; busy-gpu 100 * 8 / 8 = 100 after trainer
    assert placed["trainer"] == "busy-gpu"
    assert placed["web"] in ("cpu-only", "busy-gpu")
    assert placed["web"] != "idle-gpu"


def test_without_the_plugin_least_allocated_spreads_onto_the_idle_gpu_node():
    c = cluster()
    c.apply(pod("trainer", gpus=2))
    assert c.schedule().to_pylist()[0]["node"] == "idle-gpu"


def test_explain_shows_the_custom_scores():
    c = cluster(CONFIG)
    c.apply(pod("trainer", gpus=2))
    frame = c.explain("trainer", sample=False).set_index("node")
    assert frame.loc["busy-gpu", "GPUPacking.score"] == 100
    assert frame.loc["idle-gpu", "GPUPacking.score"] == 25
    assert frame.loc["cpu-only", "NodeResourcesFit.filter"] == "Insufficient nvidia.com/gpu"
    assert frame.loc["busy-gpu", "selected"]


@njit
def at_most_four_pods(allocatable, requested, pod_request, params):
    return requested[3] + 1 <= np.int64(params[0])


def test_a_custom_filter_registered_by_name():
    register_plugin("AtMostNPods", filter=at_most_four_pods, reason="node(s) are full enough",
                    params=lambda args, resources: [args.get("pods", 4)])
    try:
        c = cluster("""
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  plugins:
    filter:
      enabled: [{name: AtMostNPods}]
  pluginConfig:
  - name: AtMostNPods
    args: {pods: 2}
""")
        c.apply([pod(f"p{i}", cpu="100m") for i in range(7)])
        placed = c.schedule().to_pylist()
        per_node = {}
        for row in placed:
            per_node[row["node"]] = per_node.get(row["node"], 0) + 1
        # two pods per node at most; busy-gpu already holds one: 2 + 2 + 1 placed
        assert sorted(per_node.values()) == [1, 2, 2]
        message = c.get("pod", "p6").status.conditions[0]["message"]
        assert message == ("0/3 nodes are available: 3 node(s) are full enough. preemption: 0/3 nodes are "
                           "available: 3 No preemption victims found for incoming pod.")
    finally:
        unregister_plugin("AtMostNPods")


@njit
def zero(allocatable, requested, pod_request, params):
    """Module level, so numba never holds a reference to a function that has gone."""
    return np.int64(0)


def test_two_custom_scores_in_one_profile_is_a_clear_error():
    register_plugin("ZeroScore", score=zero)
    try:
        c = cluster("""
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  plugins:
    score:
      enabled: [{name: GPUPacking}, {name: ZeroScore}]
""")
        c.apply(pod("x"))
        with pytest.raises(ProfileError, match="one per extension point"):
            c.schedule()
    finally:
        unregister_plugin("ZeroScore")


class _Columns(NamedTuple):
    first: np.ndarray
    second: np.ndarray


@njit
def _weighted_sum(columns, weight, function, scale):
    total = 0.0
    for i in range(len(columns.first)):
        total += columns.first[i] * weight + columns.second[i]
    vector = np.zeros(1, dtype=np.int64)
    return total * scale + function(vector, vector, vector, np.zeros(1))


def test_call_types_each_argument_kind_apart():
    """custom.call keys the compiled kernel by the arguments' types: arrays of another dtype,
    layout, alignment or writability, and scalars of another type, each get the kernel
    compiled for them, and every call gives what calling the kernel itself gives."""
    from kbench.scheduler.custom import _type_key, call, no_score

    base = np.arange(12, dtype=np.int64)
    read_only = base.copy()
    read_only.flags.writeable = False
    # int64 values one byte into a buffer: an unaligned array (numba types it apart)
    unaligned = np.frombuffer(bytearray(6 * 8 + 1), dtype=np.uint8)[1:].view(np.int64)
    unaligned[:] = base[:6]
    assert not unaligned.flags.aligned
    cases = [
        (_Columns(base[:6], base[6:].astype(np.float64)), 2, 1.5),
        (_Columns(base[::2], base[1::2].astype(np.float64)), 2, 1.5),   # strided: layout A
        (_Columns(read_only[:6], base[6:].astype(np.float64)), 2, 1.5),  # read only
        (_Columns(unaligned, base[6:].astype(np.float64)), 2, 1.5),     # unaligned
        (_Columns(base[:6].astype(np.int32), base[6:].astype(np.float64)), 2, 1.5),
        (_Columns(base[:6], base[6:].astype(np.float64)), np.int32(2), 1.5),
        (_Columns(base[:6], base[6:].astype(np.float64)), 2, np.float32(1.5)),
    ]
    keys = {_type_key(case) for case in cases}
    assert len(keys) == len(cases)
    for columns, weight, scale in cases:
        want = _weighted_sum.py_func(columns, weight, no_score.py_func, scale)
        assert call(_weighted_sum, columns, weight, no_score, scale) == want
        assert call(_weighted_sum, columns, weight, no_score, scale) == want  # kept entry
