"""The example research plugin GPUPacking: its kernel function against its reference twin."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from kbench.scheduler.plugins import gpupacking
from reference.plugins.gpupacking import gpu_packing_score

RESOURCES = ["cpu", "memory", "ephemeral-storage", "pods", "nvidia.com/gpu"]


def kernel_score(allocatable, requested, pod):
    vector = lambda amounts: np.array([amounts.get(r, 0) for r in RESOURCES], dtype=np.int64)
    params = np.array(gpupacking.params({}, RESOURCES), dtype=np.float64)
    return int(gpupacking.score(vector(allocatable), vector(requested), vector(pod), params))


GPU = "nvidia.com/gpu"
CASES = [
    # (allocatable, requested, pod request, expected)
    ({"cpu": 8000}, {}, {"cpu": 100}, 100),                       # CPU pod, CPU node
    ({"cpu": 8000}, {}, {GPU: 1}, 0),                             # GPU pod, CPU node
    ({GPU: 8}, {}, {"cpu": 100}, 0),                              # CPU pod on idle GPU node
    ({GPU: 8}, {GPU: 6}, {"cpu": 100}, 75),                       # 100 * 6 / 8
    ({GPU: 8}, {GPU: 6}, {GPU: 2}, 100),                          # fills the node
    ({GPU: 8}, {}, {GPU: 2}, 25),                                 # 100 * 2 / 8
    ({GPU: 2}, {GPU: 2}, {GPU: 1}, 100),                          # capped at capacity
]


@pytest.mark.parametrize("allocatable,requested,pod,expected", CASES)
def test_table(allocatable, requested, pod, expected):
    assert kernel_score(allocatable, requested, pod) == expected
    assert gpu_packing_score(allocatable, requested, pod) == expected


amounts = st.dictionaries(st.sampled_from(RESOURCES), st.integers(0, 16), max_size=3)


@given(amounts, amounts, amounts)
def test_kernel_equals_reference(allocatable, requested, pod):
    assert kernel_score(allocatable, requested, pod) == gpu_packing_score(allocatable, requested, pod)


def test_registered_as_a_score_plugin():
    from kbench.scheduler.config import PLUGIN_EXTENSION_POINTS
    assert PLUGIN_EXTENSION_POINTS["GPUPacking"] == ("score",)
