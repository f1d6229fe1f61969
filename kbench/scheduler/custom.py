"""Researchers' own plugins: an njit Filter or Score function registered by name, then enabled
from a KubeSchedulerConfiguration like any built-in plugin.

    from kbench._jit import njit
    from kbench.scheduler.custom import register_plugin

    @njit
    def fewest_pods(allocatable, requested, pod_request, params):
        return 100 - 100 * requested[3] // max(allocatable[3], 1)   # column 3: pods

    register_plugin("FewestPods", score=fewest_pods)

A plugin function sees one node at a time: ``allocatable`` and ``requested`` are the node's
int64 resource vectors (columns: cpu millicores, memory bytes, ephemeral-storage bytes, pods,
then extended resources in ``cluster.state.resources`` order), ``pod_request`` the pod's, and
``params`` a float64 array built from the plugin's pluginConfig args by ``params`` (a Python
function ``params(args: dict, resources: list[str]) -> sequence of floats``). A filter
returns True when the pod fits; a score returns an int64 raw score, normalized as
``normalize`` says ("none": already in [0, 100]; "default" / "reverse": Kubernetes'
DefaultNormalizeScore). The kernel is compiled once per distinct pair of custom functions
(numba caches it on disk); a profile may enable one custom Filter and one custom Score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from kbench._jit import njit
from kbench.scheduler import config


@dataclass(frozen=True)
class CustomPlugin:
    name: str
    filter: object = None          # njit (allocatable, requested, pod_request, params) -> bool
    score: object = None           # njit (allocatable, requested, pod_request, params) -> int64
    normalize: str = "none"
    reason: str = ""               # the FailedScheduling reason of a node the filter rejects
    unresolvable: bool = False     # whether preemption could never help (the Status code)
    params: Callable | None = None


REGISTRY: dict[str, CustomPlugin] = {}
NORMALIZATIONS = ("none", "default", "reverse")


def register_plugin(name: str, *, filter=None, score=None, normalize: str = "none",
                    reason: str | None = None, unresolvable: bool = False,
                    params: Callable | None = None) -> CustomPlugin:
    """Make ``name`` a plugin profiles can enable (at filter and/or preScore/score)."""
    if filter is None and score is None:
        raise ValueError(f"plugin {name!r}: give a filter function, a score function or both")
    if normalize not in NORMALIZATIONS:
        raise ValueError(f"plugin {name!r}: normalize must be one of {NORMALIZATIONS}")
    points = (("filter",) if filter is not None else ()) + (
        ("score",) if score is not None else ())
    plugin = CustomPlugin(name, filter, score, normalize,
                          reason or f"node(s) didn't satisfy plugin {name}", unresolvable, params)
    REGISTRY[name] = plugin
    config.register_plugin(name, points)
    return plugin


def unregister_plugin(name: str) -> None:
    REGISTRY.pop(name, None)
    config.unregister_plugin(name)


def plugin_params(plugin: CustomPlugin, args: dict | None, resources: list[str]) -> np.ndarray:
    if plugin.params is None:
        return np.zeros(1, dtype=np.float64)
    values = np.asarray(plugin.params(dict(args or {}), list(resources)), dtype=np.float64)
    return values if values.size else np.zeros(1, dtype=np.float64)


@njit
def no_filter(allocatable, requested, pod_request, params):
    """The filter slot of a profile without a custom filter."""
    return True


@njit
def no_score(allocatable, requested, pod_request, params):
    """The score slot of a profile without a custom score."""
    return np.int64(0)
