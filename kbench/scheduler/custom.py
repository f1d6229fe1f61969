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
DefaultNormalizeScore). Plugin functions reach the kernel as first-class functions of these
signatures, so one compiled kernel (cached on disk) serves every plugin; a profile may enable
one custom Filter and one custom Score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from numba import typeof, types
from numba.core.registry import CPUDispatcher
from numba.core.types.function_type import CompileResultWAP, WrapperAddressProtocol

from kbench._jit import compiled_for, njit
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

# The plugin functions' types: first-class functions of one signature each. A kernel taking
# a plugin function typed by the function object itself (numba's default) is compiled anew
# in every process, the object being new; typed by its signature, it loads from the cache.
_ARGUMENTS = (types.int64[::1], types.int64[::1], types.int64[::1], types.float64[::1])
FILTER_SIGNATURE = types.boolean(*_ARGUMENTS)
SCORE_SIGNATURE = types.int64(*_ARGUMENTS)
_FUNCTION_TYPES: dict = {}  # plugin function -> its FunctionType
_ADDRESSED: dict = {}       # plugin function -> it as an _Addressed
_TYPED_KERNELS: dict = {}   # (kernel, argument types) -> the kernel compiled for them
_ENTRY_POINTS: dict = {}    # (kernel, _type_key of each argument) -> its compiled entry point


class _Addressed(WrapperAddressProtocol):
    """A compiled plugin function passed to a kernel by the address of its compiled wrapper,
    looked up once: a dispatcher passed as a first-class function has its addresses looked
    up on every call (tens of microseconds)."""

    def __init__(self, function, signature) -> None:
        self.function = function
        self._signature = signature
        self.address = CompileResultWAP(function.get_compile_result(signature)).address

    def __wrapper_address__(self) -> int:
        return self.address

    def signature(self):
        return self._signature


def _typed_function(function, signature) -> None:
    if not isinstance(function, CPUDispatcher):  # NUMBA_DISABLE_JIT: plain Python functions
        return
    function.compile(signature)
    _FUNCTION_TYPES[function] = types.FunctionType(signature)
    _ADDRESSED[function] = _Addressed(function, signature)


def call(kernel, *arguments):
    """``kernel(*arguments)``, the plugin functions among the arguments passed as first-class
    functions of their signature, so the compiled kernel is cached between processes. The
    compiled version is found by a key of the arguments' types (_type_key) and called
    directly: numba works out the type of a tuple of arrays in Python, some ten times slower,
    and the kernels take NamedTuples of many arrays. Only arguments of a new key make the
    types be worked out (and the kernel compiled for them, if it never was)."""
    if not isinstance(kernel, CPUDispatcher):  # NUMBA_DISABLE_JIT: plain Python
        return kernel(*arguments)
    arguments = tuple(_ADDRESSED[a] if isinstance(a, CPUDispatcher) else a
                      for a in arguments)
    key = (kernel, *map(_type_key, arguments))
    entry_point = _ENTRY_POINTS.get(key)
    if entry_point is None:
        argument_types = tuple(_FUNCTION_TYPES[a.function] if isinstance(a, _Addressed)
                               else typeof(a) for a in arguments)
        typed = _TYPED_KERNELS.get((kernel, argument_types))
        if typed is None:
            typed = _TYPED_KERNELS[(kernel, argument_types)] = compiled_for(kernel.py_func,
                                                                           argument_types)
        entry_point = _ENTRY_POINTS[key] = typed.overloads[argument_types].entry_point
    return entry_point(*arguments)


_INT64 = (-2 ** 63, 2 ** 63)


def _type_key(value):
    """A key of the numba type of an argument: equal keys, equal types (arrays by dtype,
    dimensions, layout, alignment and writability, which is what numba's typeof reads of
    them; tuples by their class and items; other values by their numba type)."""
    kind = type(value)
    if kind is np.ndarray:
        flags = value.flags
        return (value.dtype, value.ndim, flags.c_contiguous, flags.f_contiguous,
                flags.aligned, flags.writeable)
    if isinstance(value, tuple):
        return (kind, *map(_type_key, value))
    if kind is _Addressed:
        return (kind, value.function)
    if kind is int and _INT64[0] <= value < _INT64[1]:
        return int
    if kind is float or kind is bool:
        return kind
    if isinstance(value, np.generic):
        return value.dtype
    return typeof(value)


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
    if filter is not None:
        _typed_function(filter, FILTER_SIGNATURE)
    if score is not None:
        _typed_function(score, SCORE_SIGNATURE)
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


_typed_function(no_filter, FILTER_SIGNATURE)
_typed_function(no_score, SCORE_SIGNATURE)
