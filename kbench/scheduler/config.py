"""KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) read into validated, defaulted scheduling profiles."""

# Ported from Kubernetes v1.33 (Go):
#   staging/src/k8s.io/kube-scheduler/config/v1/types.go          field names
#   pkg/scheduler/apis/config/v1/default_plugins.go               getDefaultPlugins, mergePlugins
#   pkg/scheduler/apis/config/v1/defaults.go                      SetDefaults_KubeSchedulerConfiguration
#   pkg/scheduler/apis/config/validation/validation.go            ValidateKubeSchedulerConfiguration
#   pkg/scheduler/framework/runtime/framework.go                  NewFramework: updatePluginList,
#                                                                 expandMultiPointPlugins, getScoreWeights
#   pkg/scheduler/framework/plugins/registry.go, and each plugin's `var _ framework.XPlugin` lines
#   pkg/scheduler/schedule_one.go                                 numFeasibleNodesToFind
# In v1.33 the in-tree cloud volume-limit plugins are gone (removed in v1.32) and the
# DynamicResources plugin is off with its feature gate, so neither is in the default profile.

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import yaml

from kbench.errors import KbenchError
from kbench.scheduler import args as plugin_args
from kbench.scheduler.args import decode_bool, decode_int, decode_list, decode_object, decode_str, go_repr

__all__ = [
    "API_VERSION",
    "DEFAULT_SCHEDULER_NAME",
    "EXTENSION_POINTS",
    "PLUGIN_EXTENSION_POINTS",
    "Profile",
    "ProfileError",
    "SchedulerConfiguration",
    "default_configuration",
    "default_plugins",
    "expand_plugins",
    "load_configuration",
    "merge_plugin_set",
    "merge_plugins",
    "num_feasible_nodes_to_find",
    "register_plugin",
    "unregister_plugin",
]

API_VERSION = "kubescheduler.config.k8s.io/v1"
KIND = "KubeSchedulerConfiguration"
DEFAULT_SCHEDULER_NAME = "default-scheduler"  # core/v1 DefaultSchedulerName

#: Field errors that already quote the bad value (field/errors.go ErrorBody).
_REASONS_WITH_VALUE = ("Invalid value:", "Unsupported value:", "Duplicate value:")


class ProfileError(KbenchError, ValueError):
    """An invalid KubeSchedulerConfiguration: ``field`` is the path of the problem (such as
    ``profiles[0].pluginConfig[1].args.scoringStrategy.resources[0].weight``), ``value`` the bad
    value, ``reason`` what is wrong, ``source`` the file; ``errors`` lists every problem found
    in the same object ("path: reason")."""

    def __init__(self, reason: str, *, field: str | None = None, value: object = None,
                 source: str | None = None, errors: tuple[str, ...] = ()):
        self.reason, self.field, self.value, self.source = reason, field, value, source
        self.errors = tuple(errors) or (f"{field}: {reason}" if field else reason,)
        super().__init__(self._message())

    def located(self, source: str) -> ProfileError:
        """A copy of this error that names the file it came from."""
        return ProfileError(self.reason, field=self.field, value=self.value,
                            source=self.source or source, errors=self.errors)

    def _message(self) -> str:
        text = self.reason
        if self.value is not None and not text.startswith(_REASONS_WITH_VALUE):
            text = f"{self.value!r}: {text}"
        if self.field:
            text = f"{self.field}: {text}"
        if self.source:
            text = f"{self.source}: {text}"
        if len(self.errors) > 1:
            text += f" (and {len(self.errors) - 1} more: " + "; ".join(self.errors[1:]) + ")"
        return text


def _fail(field: str | None, value: object, reason: str) -> NoReturn:
    raise ProfileError(reason, field=field, value=value)


# ---------------------------------------------------------------------------
# Extension points and the plugin registry
# ---------------------------------------------------------------------------

#: The v1 Plugins fields; multiPoint enables a plugin at every point it implements.
EXTENSION_POINTS = ("queueSort", "preEnqueue", "preFilter", "filter", "postFilter", "preScore", "score",
                    "reserve", "permit", "preBind", "bind", "postBind", "multiPoint")
_POINTS = EXTENSION_POINTS[:-1]  # where plugins run

# framework/interface.go: the Go interface of each point, as framework.go's errors name them.
_INTERFACES = {"queueSort": "QueueSortPlugin", "preEnqueue": "PreEnqueuePlugin",
               "preFilter": "PreFilterPlugin", "filter": "FilterPlugin", "postFilter": "PostFilterPlugin",
               "preScore": "PreScorePlugin", "score": "ScorePlugin", "reserve": "ReservePlugin",
               "permit": "PermitPlugin", "preBind": "PreBindPlugin", "bind": "BindPlugin",
               "postBind": "PostBindPlugin"}

#: Plugin name -> the extension points it implements: kube-scheduler's in-tree plugins
#: (registry.go; each plugin file's `var _ framework.XPlugin = &Plugin{}` assertions) and the
#: custom plugins added by register_plugin().
PLUGIN_EXTENSION_POINTS: dict[str, tuple[str, ...]] = {
    "SchedulingGates": ("preEnqueue",),
    "PrioritySort": ("queueSort",),
    "NodeUnschedulable": ("filter",),
    "NodeName": ("filter",),
    "TaintToleration": ("filter", "preScore", "score"),
    "NodeAffinity": ("preFilter", "filter", "preScore", "score"),
    "NodePorts": ("preFilter", "filter"),
    "NodeResourcesFit": ("preFilter", "filter", "preScore", "score"),
    "VolumeRestrictions": ("preFilter", "filter"),
    "NodeVolumeLimits": ("preFilter", "filter"),
    "VolumeBinding": ("preFilter", "filter", "preScore", "score", "reserve", "preBind"),
    "VolumeZone": ("preFilter", "filter"),
    "PodTopologySpread": ("preFilter", "filter", "preScore", "score"),
    "InterPodAffinity": ("preFilter", "filter", "preScore", "score"),
    "DefaultPreemption": ("postFilter",),
    "NodeResourcesBalancedAllocation": ("preScore", "score"),
    "ImageLocality": ("score",),
    "DefaultBinder": ("bind",),
}
_IN_TREE = frozenset(PLUGIN_EXTENSION_POINTS)

# validation.go: invalidPluginsByVersion (removed by kubernetes/kubernetes#124003).
REMOVED_PLUGINS = ("AzureDiskLimits", "CinderLimits", "EBSLimits", "GCEPDLimits")

# default_plugins.go: getDefaultPlugins, the default profile's MultiPoint plugins in order.
_DEFAULT_MULTI_POINT: tuple[tuple[str, int | None], ...] = (
    ("SchedulingGates", None),
    ("PrioritySort", None),
    ("NodeUnschedulable", None),
    ("NodeName", None),
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodePorts", None),
    ("NodeResourcesFit", 1),
    ("VolumeRestrictions", None),
    ("NodeVolumeLimits", None),
    ("VolumeBinding", None),
    ("VolumeZone", None),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("DefaultPreemption", None),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
    ("DefaultBinder", None),
)


def register_plugin(name: str, extension_points: Iterable[str]) -> None:
    """Add a custom plugin to the registry, so profiles can enable it by ``name``.

    ``extension_points`` are the points it implements (e.g. ``("filter", "score")``), as a Go
    plugin does by implementing framework.FilterPlugin and framework.ScorePlugin; enabling it
    under multiPoint puts it at each of them. Registering the same name again replaces it.
    """
    points = (extension_points,) if isinstance(extension_points, str) else tuple(extension_points)
    if not isinstance(name, str) or not name or name == "*":
        _fail(None, name, "a plugin name must be a non-empty string other than '*'")
    if name in _IN_TREE or name in REMOVED_PLUGINS:
        _fail(None, name, "is the name of a kube-scheduler plugin; give the custom plugin another name")
    unknown = [p for p in points if p not in _POINTS]
    if unknown or not points:
        _fail(None, unknown or list(points),
              f"extension points must be some of {', '.join(_POINTS)} (multiPoint is not a point to implement)")
    PLUGIN_EXTENSION_POINTS[name] = tuple(p for p in _POINTS if p in points)


def unregister_plugin(name: str) -> None:
    """Remove a custom plugin added by register_plugin()."""
    if name in _IN_TREE:
        _fail(None, name, "is a kube-scheduler plugin and cannot be unregistered")
    PLUGIN_EXTENSION_POINTS.pop(name, None)


# ---------------------------------------------------------------------------
# Default plugins and merging (default_plugins.go)
# ---------------------------------------------------------------------------
# Plugin sets are kept in their v1 YAML shape: {point: {"enabled": [{"name", "weight"}],
# "disabled": [{"name"}]}}, with empty lists and points left out, as Go leaves them nil.

def default_plugins() -> dict:
    """getDefaultPlugins: the default profile's plugins, all under multiPoint (a fresh copy)."""
    return {"multiPoint": {"enabled": [{"name": name} if weight is None else {"name": name, "weight": weight}
                                       for name, weight in _DEFAULT_MULTI_POINT]}}


def merge_plugin_set(default: Mapping, custom: Mapping) -> dict:
    """mergePluginSet: the custom set merged into the default one.

    Default plugins stay first, in their order, unless disabled by name or by "*"; a default
    plugin the custom set enables again is replaced in place (its weight overridden); the other
    custom plugins follow in their order. Disabled lists are kept (custom first) because the
    multiPoint expansion reads them.
    """
    disabled = [{"name": p["name"]} for p in (*custom.get("disabled", ()), *default.get("disabled", ()))]
    disabled_names = {p["name"] for p in disabled}
    custom_enabled = list(custom.get("enabled", ()))
    by_name = {p["name"]: (i, p) for i, p in enumerate(custom_enabled)}  # the last one wins
    replaced: set[int] = set()
    enabled = []
    if "*" not in disabled_names:
        for plugin in default.get("enabled", ()):
            if plugin["name"] in disabled_names:
                continue
            if plugin["name"] in by_name:
                index, plugin = by_name[plugin["name"]]
                replaced.add(index)
            enabled.append(plugin)
    # Repeated custom plugins are appended too; the framework rejects them (expand_plugins).
    enabled += [p for i, p in enumerate(custom_enabled) if i not in replaced]
    merged = {}
    if enabled:
        merged["enabled"] = enabled
    if disabled:
        merged["disabled"] = disabled
    return merged


def merge_plugins(default: Mapping, custom: Mapping | None) -> dict:
    """mergePlugins: merge_plugin_set at every extension point, multiPoint included."""
    if custom is None:
        return dict(default)
    merged = {}
    for point in EXTENSION_POINTS:
        plugin_set = merge_plugin_set(default.get(point, {}), custom.get(point, {}))
        if plugin_set:
            merged[point] = plugin_set
    return merged


# ---------------------------------------------------------------------------
# Resolving plugins per extension point (framework/runtime/framework.go)
# ---------------------------------------------------------------------------

def _locate(field: str, user: Mapping, point: str, entry: Mapping) -> str:
    """Path of a merged plugin entry in the user's config (defaults have no index there)."""
    for index, candidate in enumerate(user.get(point, {}).get("enabled", ())):
        if candidate is entry:
            return f"{field}.{point}.enabled[{index}].name"
    return f"{field}.{point}.enabled"


def _check_known(merged: Mapping, user: Mapping, field: str) -> None:
    for point in EXTENSION_POINTS:
        for entry in merged.get(point, {}).get("enabled", ()):
            name = entry["name"]
            if name in REMOVED_PLUGINS:
                _fail(_locate(field, user, point, entry), name, "was removed from kube-scheduler in "
                      "Kubernetes v1.32: NodeVolumeLimits counts these volumes through their CSI drivers")
            if name not in PLUGIN_EXTENSION_POINTS:
                _fail(_locate(field, user, point, entry), name,
                      "unknown plugin: not a kube-scheduler plugin ("
                      + ", ".join(sorted(_IN_TREE)) + ") nor one added with "
                      "kbench.scheduler.config.register_plugin()")


def _expand(merged: Mapping, user: Mapping, field: str) -> dict[str, tuple[tuple[str, int], ...]]:
    _check_known(merged, user, field)
    resolved: dict[str, list[str]] = {}
    for point in _POINTS:  # updatePluginList
        names: list[str] = []
        for entry in merged.get(point, {}).get("enabled", ()):
            name, where = entry["name"], _locate(field, user, point, entry)
            if point not in PLUGIN_EXTENSION_POINTS[name]:
                _fail(where, name, f"plugin does not extend {_INTERFACES[point]}: it implements "
                      + ", ".join(PLUGIN_EXTENSION_POINTS[name]))
            if name in names:
                _fail(where, name, f'plugin already registered as "{_INTERFACES[point]}"')
            names.append(name)
        resolved[point] = names

    multi_point = merged.get("multiPoint", {}).get("enabled", ())
    for point in _POINTS if multi_point else ():  # expandMultiPointPlugins
        specific = resolved[point]
        disabled = {p["name"] for p in merged.get(point, {}).get("disabled", ())}
        if "*" in disabled:
            continue  # "*" at a point also keeps multiPoint plugins away from it
        overrides: set[str] = set()
        expanded: list[str] = []
        for entry in multi_point:
            name = entry["name"]
            if point not in PLUGIN_EXTENSION_POINTS[name] or name in disabled:
                continue
            if name in specific:  # configured at the point itself: that entry wins
                overrides.add(name)
                continue
            if name in expanded:
                _fail(_locate(field, user, "multiPoint", entry), name,
                      f'plugin already registered as "{_INTERFACES[point]}"')
            expanded.append(name)
        # Order: overridden plugins (in the point's order), multiPoint ones, then the point's others.
        resolved[point] = ([n for n in specific if n in overrides] + expanded
                           + [n for n in specific if n not in overrides])

    # getScoreWeights: the score point's own entry first, then multiPoint's; unset or 0 is 1.
    weights: dict[str, int] = {}
    for entry in (*merged.get("score", {}).get("enabled", ()), *multi_point):
        name = entry["name"]
        if "score" in PLUGIN_EXTENSION_POINTS[name] and name not in weights:
            weights[name] = entry.get("weight") or 1
    # framework.ListPlugins: weights are shown at the score point only.
    return {point: tuple((name, weights[name] if point == "score" else 0) for name in resolved[point])
            for point in _POINTS}


def expand_plugins(plugins: Mapping, field: str = "plugins") -> dict[str, tuple[tuple[str, int], ...]]:
    """The plugins run at every extension point, in order, as (name, weight) pairs: what
    framework.NewFramework builds from an already merged v1 Plugins (updatePluginList, then
    expandMultiPointPlugins) and ListPlugins reports. Weights are the resolved score weights at
    "score" and 0 elsewhere. Unknown plugins, plugins at points they do not implement and
    double registrations raise ProfileError with paths under ``field``."""
    return _expand(plugins, plugins, field)


# ---------------------------------------------------------------------------
# Profiles and the configuration
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Profile:
    """One scheduling profile (KubeSchedulerProfile) after defaulting and validation.

    ``plugins`` maps every extension point but multiPoint to the (name, weight) pairs of the
    plugins run there, in Kubernetes' order; weights are meaningful at "score" only (0
    elsewhere). ``plugin_args`` maps each enabled plugin that takes args to its args object
    (args.py dataclasses; a dict for custom plugins). ``percentage_of_nodes_to_score`` is None
    when the profile leaves it to the configuration.
    """

    scheduler_name: str
    plugins: dict[str, tuple[tuple[str, int], ...]]
    plugin_args: dict[str, object]
    percentage_of_nodes_to_score: int | None = None

    def filters(self) -> tuple[str, ...]:
        """Names of the Filter plugins, in the order they run."""
        return tuple(name for name, _ in self.plugins.get("filter", ()))

    def scores(self) -> tuple[tuple[str, int], ...]:
        """(name, weight) of the Score plugins, in the order they run."""
        return self.plugins.get("score", ())

    def enabled(self, name: str, point: str | None = None) -> bool:
        """Whether plugin ``name`` runs at extension ``point`` (at any point when None)."""
        if point is None:
            return any(name == n for entries in self.plugins.values() for n, _ in entries)
        if point not in _POINTS:
            _fail(None, point, f"unknown extension point; one of {', '.join(_POINTS)}")
        return any(name == n for n, _ in self.plugins.get(point, ()))


@dataclass(frozen=True)
class SchedulerConfiguration:
    """A KubeSchedulerConfiguration: its profiles, the global percentageOfNodesToScore (0, the
    default, means adaptive) and the scheduling queue's backoff bounds."""

    profiles: tuple[Profile, ...]
    percentage_of_nodes_to_score: int | None = 0
    pod_initial_backoff_seconds: int = 1
    pod_max_backoff_seconds: int = 10

    def profile(self, scheduler_name: str = DEFAULT_SCHEDULER_NAME) -> Profile | None:
        """The profile pods with ``spec.schedulerName == scheduler_name`` are scheduled by."""
        return next((p for p in self.profiles if p.scheduler_name == scheduler_name), None)


# KubeSchedulerConfiguration v1 fields kbench reads; the operational ones (client connection,
# leader election, profiling, parallelism) are checked for shape and have no effect here.
_TOP_FIELDS = ("parallelism", "leaderElection", "clientConnection", "enableProfiling",
               "enableContentionProfiling", "percentageOfNodesToScore", "podInitialBackoffSeconds",
               "podMaxBackoffSeconds", "profiles", "extenders", "delayCacheUntilActive")
_PROFILE_FIELDS = ("schedulerName", "percentageOfNodesToScore", "plugins", "pluginConfig")
_INT64 = (-(2 ** 63), 2 ** 63 - 1)


def _check_percentage(value: int | None, path: str) -> None:
    # validation.go: validatePercentageOfNodesToScore
    if value is not None and not 0 <= value <= 100:
        _fail(path, value, f"Invalid value: {value}: not in valid range [0-100]")


def _decode_plugins(data: object, path: str) -> dict:
    """A v1 Plugins object, strictly decoded into its canonical dict shape."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        _fail(path, data, f"Invalid value: {go_repr(data)}: must be an object")
    plugins = {}
    for point, value in data.items():
        point_path = f"{path}.{point}"
        if point not in EXTENSION_POINTS:
            _fail(point_path, None, f'unknown extension point "{point}"; one of {", ".join(EXTENSION_POINTS)}')
        plugin_set = decode_object(value, point_path, ("enabled", "disabled"))
        enabled = []
        for i, item in enumerate(decode_list(plugin_set.get("enabled"), f"{point_path}.enabled")):
            entry = decode_object(item, f"{point_path}.enabled[{i}]", ("name", "weight"))
            plugin = {"name": decode_str(entry.get("name"), f"{point_path}.enabled[{i}].name")}
            weight = decode_int(entry.get("weight"), f"{point_path}.enabled[{i}].weight")
            if weight is not None:
                plugin["weight"] = weight
            enabled.append(plugin)
        disabled = []
        for i, item in enumerate(decode_list(plugin_set.get("disabled"), f"{point_path}.disabled")):
            entry = decode_object(item, f"{point_path}.disabled[{i}]", ("name", "weight"))
            disabled.append({"name": decode_str(entry.get("name"), f"{point_path}.disabled[{i}].name")})
        decoded = {}
        if enabled:
            decoded["enabled"] = enabled
        if disabled:
            decoded["disabled"] = disabled
        if decoded:
            plugins[point] = decoded
    return plugins


def _decode_plugin_config(data: object, path: str) -> dict[str, object]:
    """pluginConfig: plugin name -> defaulted, validated args (validation.go validatePluginConfig)."""
    configs: dict[str, object] = {}
    for j, item in enumerate(decode_list(data, path)):
        item_path = f"{path}[{j}]"
        entry = decode_object(item, item_path, ("name", "args"))
        name = decode_str(entry.get("name"), f"{item_path}.name")
        if name in configs:
            _fail(item_path, name, f"Duplicate value: {go_repr(name)}")
        if name in REMOVED_PLUGINS:
            _fail(f"{item_path}.name", name, "was removed from kube-scheduler in Kubernetes v1.32")
        if name in plugin_args.ARGS_TYPES:
            configs[name] = plugin_args.ARGS_TYPES[name].from_dict(entry.get("args"), f"{item_path}.args")
        elif name in PLUGIN_EXTENSION_POINTS:  # in-tree plugins without args, and custom plugins
            raw = entry.get("args")
            if raw is not None and not isinstance(raw, Mapping):
                _fail(f"{item_path}.args", raw, f"Invalid value: {go_repr(raw)}: must be an object")
            configs[name] = dict(raw or {})
        else:
            _fail(f"{item_path}.name", name, "unknown plugin: pluginConfig names a plugin that is "
                  "neither in kube-scheduler nor added with kbench.scheduler.config.register_plugin()")
    return configs


@dataclass(frozen=True)
class _Built:
    profile: Profile
    queue_sort: tuple  # the merged queueSort PluginSet, compared across profiles
    configs: dict[str, object]


def _build_profile(data: object, path: str, default_name: str) -> _Built:
    obj = decode_object(data, path, _PROFILE_FIELDS)
    # defaults.go: only a lone profile without a schedulerName gets "default-scheduler"
    name = decode_str(obj.get("schedulerName"), f"{path}.schedulerName", default_name)
    if not name:
        _fail(f"{path}.schedulerName", None, "Required value")
    percentage = decode_int(obj.get("percentageOfNodesToScore"), f"{path}.percentageOfNodesToScore")
    _check_percentage(percentage, f"{path}.percentageOfNodesToScore")
    configs = _decode_plugin_config(obj.get("pluginConfig"), f"{path}.pluginConfig")

    user = _decode_plugins(obj.get("plugins"), f"{path}.plugins")
    merged = merge_plugins(default_plugins(), user)
    resolved = _expand(merged, user, f"{path}.plugins")
    if len(resolved["queueSort"]) != 1:
        _fail(f"{path}.plugins.queueSort", [n for n, _ in resolved["queueSort"]],
              f"only one queue sort plugin required for profile with scheduler name {go_repr(name)}, "
              f"but got {len(resolved['queueSort'])}")
    if not resolved["bind"]:
        _fail(f"{path}.plugins.bind", None,
              f"at least one bind plugin is needed for profile with scheduler name {go_repr(name)}")

    # defaults.go setDefaults_KubeSchedulerProfile + framework.go pluginsNeeded: args for every
    # enabled plugin (defaulted when not configured), by name as in the captured profile.
    needed = {p["name"] for plugin_set in merged.values() for p in plugin_set.get("enabled", ())}
    args = {}
    for plugin in sorted(needed):
        if plugin in configs:
            args[plugin] = configs[plugin]
        elif plugin in plugin_args.ARGS_TYPES:
            args[plugin] = plugin_args.ARGS_TYPES[plugin].from_dict(None)
    queue_sort = merged.get("queueSort", {})
    queue_sort_key = (tuple((p["name"], p.get("weight")) for p in queue_sort.get("enabled", ())),
                      tuple(p["name"] for p in queue_sort.get("disabled", ())))
    return _Built(Profile(name, resolved, args, percentage), queue_sort_key, configs)


def _check_common_queue_sort(built: list[_Built]) -> None:
    """validation.go: validateCommonQueueSort, on the profiles' own queueSort sections."""
    canon = built[0].queue_sort
    queue_sort_name = canon[0][0][0] if canon[0] else ""
    for i, other in enumerate(built[1:], 1):
        if other.queue_sort != canon:
            names = [name for name, _ in other.queue_sort[0]]
            _fail(f"profiles[{i}].plugins.queueSort", names,
                  f"Invalid value: {go_repr(names)}: must be the same for all profiles")
        args = other.configs.get(queue_sort_name)
        if queue_sort_name in other.configs and args != built[0].configs.get(queue_sort_name):
            _fail(f"profiles[{i}].pluginConfig.args", args,
                  f"Invalid value: {go_repr(args)}: queueSort must be the same for all profiles")


def _configuration(data: object) -> SchedulerConfiguration:
    if not isinstance(data, Mapping):
        _fail(None, data, f"a KubeSchedulerConfiguration must be an object, not {type(data).__name__}")
    if data.get("apiVersion") != API_VERSION:
        _fail("apiVersion", data.get("apiVersion"), f"must be {API_VERSION}" + (
            "" if data.get("apiVersion") is None else " (the v1beta versions are no longer served)"))
    if data.get("kind") != KIND:
        _fail("kind", data.get("kind"), f"must be {KIND}")
    obj = decode_object({k: v for k, v in data.items() if k not in ("apiVersion", "kind")}, "", _TOP_FIELDS)

    # SetDefaults_KubeSchedulerConfiguration, then ValidateKubeSchedulerConfiguration
    if decode_int(obj.get("parallelism"), "parallelism", 16) <= 0:
        _fail("parallelism", obj["parallelism"],
              f"Invalid value: {obj['parallelism']}: should be an integer value greater than zero")
    for name in ("leaderElection", "clientConnection"):
        if obj.get(name) is not None and not isinstance(obj[name], Mapping):
            _fail(name, obj[name], f"Invalid value: {go_repr(obj[name])}: must be an object")
    for name in ("enableProfiling", "enableContentionProfiling", "delayCacheUntilActive"):
        decode_bool(obj.get(name), name)
    if decode_list(obj.get("extenders"), "extenders"):
        _fail("extenders", None, "scheduler extenders (HTTP webhooks) are not supported by kbench; "
              "register a custom plugin instead")
    percentage = decode_int(obj.get("percentageOfNodesToScore"), "percentageOfNodesToScore", 0)
    _check_percentage(percentage, "percentageOfNodesToScore")
    initial = decode_int(obj.get("podInitialBackoffSeconds"), "podInitialBackoffSeconds", 1, _INT64)
    maximum = decode_int(obj.get("podMaxBackoffSeconds"), "podMaxBackoffSeconds", 10, _INT64)
    if initial <= 0:
        _fail("podInitialBackoffSeconds", initial, f"Invalid value: {initial}: must be greater than 0")
    if maximum < initial:
        _fail("podMaxBackoffSeconds", maximum,
              f"Invalid value: {maximum}: must be greater than or equal to PodInitialBackoffSeconds")

    profiles_data = decode_list(obj.get("profiles"), "profiles") or [{}]
    default_name = DEFAULT_SCHEDULER_NAME if len(profiles_data) == 1 else ""
    built: list[_Built] = []
    seen: dict[str, int] = {}
    for i, profile_data in enumerate(profiles_data):
        built.append(_build_profile(profile_data, f"profiles[{i}]", default_name))
        name = built[-1].profile.scheduler_name
        if name in seen:
            _fail(f"profiles[{i}].schedulerName", name,
                  f"Duplicate value: {go_repr(name)}: already the schedulerName of profiles[{seen[name]}]")
        seen[name] = i
    _check_common_queue_sort(built)
    return SchedulerConfiguration(tuple(b.profile for b in built), percentage, initial, maximum)


def _looks_like_path(text: str) -> bool:
    return "\n" not in text and ": " not in text and not text.lstrip().startswith(("{", "#", "---"))


def _read(source: object) -> tuple[object, str | None]:
    """The configuration document in ``source`` and the file it came from (None for text)."""
    if isinstance(source, Mapping):
        return source, None
    if isinstance(source, os.PathLike) or (isinstance(source, str) and _looks_like_path(source)):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ProfileError(f"cannot read the file: {error}", source=str(path)) from None
        where = str(path)
    elif isinstance(source, str):
        text, where = source, None
    else:
        raise TypeError(f"cannot read a KubeSchedulerConfiguration from {type(source).__name__}: "
                        "give a path, YAML or JSON text, or a dict")
    try:
        return yaml.safe_load(text), where
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ProfileError(f"invalid YAML{at}: {problem}", source=where) from None


def load_configuration(source: str | os.PathLike | Mapping) -> SchedulerConfiguration:
    """Read a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) from a file path,
    YAML/JSON text or a dict, with Kubernetes' defaults, validation and plugin resolution.

    Raises ProfileError naming the file, the field path and the bad value.
    """
    data, where = _read(source)
    try:
        return _configuration(data)
    except ProfileError as error:
        if where:
            raise error.located(where) from None
        raise


def default_configuration() -> SchedulerConfiguration:
    """The configuration kube-scheduler runs without one: a single "default-scheduler"
    profile with the default plugins, weights and args."""
    return _configuration({"apiVersion": API_VERSION, "kind": KIND})


# ---------------------------------------------------------------------------
# percentageOfNodesToScore (schedule_one.go)
# ---------------------------------------------------------------------------

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5


def num_feasible_nodes_to_find(percentage: int | None, num_all_nodes: int, *,
                               global_percentage: int | None = 0) -> int:
    """How many feasible nodes the Filter phase looks for before it stops (numFeasibleNodesToFind).

    ``percentage`` is the profile's percentageOfNodesToScore; when None the configuration's
    ``global_percentage`` applies. 0 means adaptive: 50% minus 1% per 125 nodes, at least 5%.
    Clusters under 100 nodes are searched whole, and at least 100 nodes are looked for.
    """
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    chosen = percentage if percentage is not None else (global_percentage or 0)
    if chosen == 0:
        chosen = max(50 - num_all_nodes // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    return max(num_all_nodes * chosen // 100, MIN_FEASIBLE_NODES_TO_FIND)
