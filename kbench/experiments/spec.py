"""Experiment specs: a YAML file saying which cluster to build, what happens when, how long
to run and what to record. Checked whole before any work starts; an error names the file and
the field path.

```yaml
name: rolling-update
seed: 1
duration: 3m          # Go durations or seconds
tick: 1s
record_every: 5s
manifests: [nodes.yaml, deployment.yaml]     # files or folders, relative to this file
scheduler: profile.yaml                      # optional KubeSchedulerConfiguration: a file,
                                             # or the configuration itself as a mapping
kubelet: {container_start_median_seconds: 0.5}   # KubeletConfig fields
controllers:                                 # kube-controller-manager / metrics-server flags
  hpa_sync_period: 15s                       # --horizontal-pod-autoscaler-sync-period
  metrics_resolution: 15s                    # metrics-server's --metric-resolution
  hpa: {tolerance: 0.1, downscale_stabilization_window: 5m}   # HpaConfig fields
snapshot_every: 5m                           # a snapshot of the cluster this often (a multiple
                                             # of tick; default: only at the end)
outputs: [pods, timeseries, events, snapshots]   # which results to write (this is the
                                             # default; pod_usage adds per-pod CPU/memory use)
actions:
  - {at: 30s, set_image: {deployment: web, container: app, image: "app:2"}}
  - {at: 1m, scale: {deployment: web, replicas: 5}}
  - {at: 2m, set_load: {deployment: web, requests_per_second: 100}}
  - {at: 2m, apply: more.yaml}
  - {at: 3m, delete: {kind: pod, name: web-0}}
  - {at: 3m, rollout_undo: {deployment: web}}
faults:                                      # kbench.experiments.faults
  - {at: 4m, fail_nodes: {count: 1}}
  - {at: 5m, kill_pods: {selector: app=web, count: 2}}
nodes:                                       # nodes from traces and generators, and
  - {generator: mixed_nodes, count: 100, seed: 1}    # workloads (pods arriving at their
workloads:                                   # times, Deployments, loads):
  - {trace: jobs.swf, time_scale: 0.01}      # kbench.experiments.sources
```

``apply_overrides`` sets fields from ``--set key=value`` arguments (``seed=3``,
``kubelet.container_start_median_seconds=1``, ``scheduler.profiles[0].percentageOfNodesToScore=50``;
values read as YAML) before the spec is checked, so an error names the field set. A checked
spec gives back its resolved form (``ExperimentSpec.to_dict``: every field, paths absolute),
which a run writes to its folder and which parses back to the same spec.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kbench.controllers.hpa import HpaConfig
from kbench.errors import KbenchError
from kbench.experiments.faults import FAULTS, FaultError, check_fault
from kbench.sim.clock import DurationError, parse_duration
from kbench.sim.kubelet import KubeletConfig


class SpecError(KbenchError, ValueError):
    """An experiment spec that cannot run: says the file, the field path and why."""

    def __init__(self, source: str, field_path: str, reason: str):
        self.source, self.field, self.reason = source, field_path, reason
        super().__init__(f"{source}: {field_path}: {reason}" if field_path
                         else f"{source}: {reason}")


#: each action and the fields it takes (required ones first, then optional with defaults)
ACTIONS = {
    "set_image": (("deployment", "container", "image"), {"namespace": "default"}),
    "scale": (("deployment", "replicas"), {"namespace": "default", "kind": "deployment"}),
    "set_load": (("deployment", "requests_per_second"), {"namespace": "default"}),
    "set_usage": (("pods",), {"namespace": "default", "cpu": None, "memory": None}),
    "apply": ((), {}),
    "delete": (("kind", "name"), {"namespace": "default"}),
    "rollout_undo": (("deployment",), {"namespace": "default", "to_revision": None}),
    **{verb: ((), fields) for verb, fields in FAULTS.items()},
}


#: what a run can write (kbench.results): all by default
OUTPUTS = ("pods", "timeseries", "events", "snapshots", "pod_usage")
#: written unless the spec says otherwise (pod_usage: every running pod's CPU and memory use
#: at every record time, in the time series: large for large clusters)
DEFAULT_OUTPUTS = ("pods", "timeseries", "events", "snapshots")


@dataclass(frozen=True)
class Action:
    at: float
    verb: str
    args: dict

    def to_dict(self) -> dict:
        """The action as a spec writes it."""
        return {"at": self.at, self.verb: self.args["path"] if self.verb == "apply"
                else dict(self.args)}


@dataclass(frozen=True)
class Controllers:
    """kube-controller-manager's HPA flags and metrics-server's resolution."""

    hpa_sync_period: float = 15.0
    metrics_resolution: float = 15.0
    hpa: HpaConfig = field(default_factory=HpaConfig)


@dataclass(frozen=True)
class ExperimentSpec:
    name: str
    source: str
    duration: float
    seed: int = 0
    tick: float = 1.0
    record_every: float = 15.0
    manifests: tuple[str, ...] = ()
    #: a KubeSchedulerConfiguration file (absolute path) or the configuration as a mapping
    scheduler: str | dict | None = None
    kubelet: KubeletConfig = field(default_factory=KubeletConfig)
    controllers: Controllers = field(default_factory=Controllers)
    snapshot_every: float | None = None
    outputs: tuple[str, ...] = DEFAULT_OUTPUTS
    actions: tuple[Action, ...] = ()
    #: node sources and workload sources (kbench.experiments.sources), checked and resolved
    nodes: tuple[dict, ...] = ()
    workloads: tuple[dict, ...] = ()

    def to_dict(self) -> dict:
        """The resolved spec: every field, times in seconds, paths absolute; parse_spec
        reads it back to an equal spec."""
        return {"name": self.name, "seed": self.seed, "duration": self.duration,
                "tick": self.tick, "record_every": self.record_every,
                "snapshot_every": self.snapshot_every, "outputs": list(self.outputs),
                "manifests": list(self.manifests), "scheduler": self.scheduler,
                "kubelet": dataclasses.asdict(self.kubelet),
                "controllers": {"hpa_sync_period": self.controllers.hpa_sync_period,
                                "metrics_resolution": self.controllers.metrics_resolution,
                                "hpa": dataclasses.asdict(self.controllers.hpa)},
                "nodes": [dict(entry) for entry in self.nodes],
                "workloads": [dict(entry) for entry in self.workloads],
                "actions": [action.to_dict() for action in self.actions]}

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)


_TOP = {"name", "seed", "duration", "tick", "record_every", "manifests", "scheduler", "kubelet",
        "controllers", "snapshot_every", "outputs", "actions", "faults", "nodes",
        "workloads"}


def load_spec(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> ExperimentSpec:
    """Read and check an experiment spec file, with ``--set`` overrides applied first."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise SpecError(source, "", "no such file")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise SpecError(source, "", f"not valid YAML ({error})") from None
    if overrides:
        data = apply_overrides(data, overrides, path.parent, source)
    return parse_spec(data, path.parent, source)


def apply_overrides(data, overrides, base: Path, source: str = "<spec>"):
    """A copy of the spec mapping ``data`` with each ``key=value`` override set: the key a
    dotted field path with list indexes (``scheduler.profiles[0].schedulerName``), the value
    read as YAML. Setting inside ``scheduler`` when it names a file reads that file first."""
    import copy
    if not isinstance(data, dict):
        raise SpecError(source, "", "an experiment spec is a mapping")
    data = copy.deepcopy(data)
    for override in overrides:
        key, equals, text = str(override).partition("=")
        key = key.strip()
        if not equals or not key:
            raise SpecError(source, "--set", f"{override!r}: expected key=value")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise SpecError(source, key, f"--set value {text!r} is not valid YAML "
                                         f"({str(error).splitlines()[0]})") from None
        steps = _field_steps(key, source)
        if steps[0] == "scheduler" and len(steps) > 1 and isinstance(data.get("scheduler"), str):
            data["scheduler"] = _read_scheduler_file(base / data["scheduler"], source)
        _set_path(data, steps, value, key, source)
    return data


def _field_steps(key: str, source: str) -> list:
    """``a.b[2].c`` -> ["a", "b", 2, "c"]."""
    steps: list = []
    for part in key.split("."):
        name, _, rest = part.partition("[")
        if not name and not steps:
            raise SpecError(source, key, "--set: a field path such as seed or kubelet.shutdown_seconds")
        if name:
            steps.append(name)
        while rest:
            index, close, rest = rest.partition("]")
            if not close or not index.isdigit() or (rest and not rest.startswith("[")):
                raise SpecError(source, key, "--set: list indexes are written [0], [1], ...")
            steps.append(int(index))
            rest = rest[1:]
    return steps


def _set_path(data: dict, steps: list, value, key: str, source: str) -> None:
    node = data
    for i, step in enumerate(steps[:-1]):
        where = _path_text(steps[:i + 1])
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                raise SpecError(source, where, "--set: no such list item")
            node = node[step]
        else:
            if not isinstance(node, dict):
                raise SpecError(source, where, "--set: not inside a mapping")
            if node.get(step) is None:
                node[step] = [] if isinstance(steps[i + 1], int) else {}
            node = node[step]
    last = steps[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last > len(node):
            raise SpecError(source, key, "--set: no such list item")
        if last == len(node):
            node.append(value)
        else:
            node[last] = value
    else:
        if not isinstance(node, dict):
            raise SpecError(source, key, "--set: not inside a mapping")
        node[last] = value


def _path_text(steps: list) -> str:
    text = ""
    for step in steps:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def _read_scheduler_file(path: Path, source: str) -> dict:
    if not path.is_file():
        raise SpecError(source, "scheduler", f"{path}: no such file")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise SpecError(source, "scheduler", f"{path}: not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise SpecError(source, "scheduler", f"{path}: not a KubeSchedulerConfiguration mapping")
    return data


def parse_spec(data, base: Path, source: str = "<spec>") -> ExperimentSpec:
    """Check a spec given as a mapping; ``base`` resolves relative paths."""
    if not isinstance(data, dict):
        raise SpecError(source, "", "an experiment spec is a mapping")
    unknown = sorted(set(data) - _TOP)
    if unknown:
        raise SpecError(source, unknown[0], f"unknown field (known: {', '.join(sorted(_TOP))})")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise SpecError(source, "name", "required: a non-empty string")

    def seconds(key: str, default=None, positive: bool = True) -> float:
        if key not in data:
            if default is None:
                raise SpecError(source, key, 'required: a duration ("90s", "1h") or seconds')
            return default
        try:
            value = parse_duration(data[key], key)
        except DurationError as error:
            raise SpecError(source, key, str(error).split(": ", 1)[-1]) from None
        if positive and value <= 0:
            raise SpecError(source, key, f"{data[key]!r}: must be positive")
        return value

    seed = data.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise SpecError(source, "seed", f"{seed!r}: must be a non-negative integer")
    manifests = data.get("manifests", [])
    if isinstance(manifests, str):
        manifests = [manifests]
    if not isinstance(manifests, list) or not all(isinstance(m, str) for m in manifests):
        raise SpecError(source, "manifests", "a list of files or folders")
    resolved = []
    for i, item in enumerate(manifests):
        target = (base / item).resolve()
        if not target.exists():
            raise SpecError(source, f"manifests[{i}]", f"{item}: no such file or folder")
        resolved.append(str(target))
    from kbench.experiments.sources import SourceError, check_nodes, check_workloads
    try:
        nodes = check_nodes(data.get("nodes"), base)
        workloads = check_workloads(data.get("workloads"), base)
    except SourceError as error:
        raise SpecError(source, error.field, error.reason) from None
    scheduler = _scheduler(data.get("scheduler"), base, source)
    kubelet = _kubelet(data.get("kubelet") or {}, source)
    controllers = _controllers(data.get("controllers") or {}, source)
    duration = seconds("duration")
    tick = seconds("tick", 1.0)
    snapshot_every = None
    if data.get("snapshot_every") is not None:
        snapshot_every = seconds("snapshot_every")
        if abs(snapshot_every / tick - round(snapshot_every / tick)) > 1e-9:
            raise SpecError(source, "snapshot_every",
                            f"{data['snapshot_every']!r}: must be a multiple of tick ({tick:g}s)")
    outputs = data.get("outputs", list(DEFAULT_OUTPUTS))
    if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
        raise SpecError(source, "outputs", f"a list of: {', '.join(OUTPUTS)}")
    for i, output in enumerate(outputs):
        if output not in OUTPUTS:
            raise SpecError(source, f"outputs[{i}]", f"{output!r}: one of {', '.join(OUTPUTS)}")
    actions = data.get("actions") or []
    if not isinstance(actions, list):
        raise SpecError(source, "actions", "a list of actions")
    faults = data.get("faults") or []
    if not isinstance(faults, list):
        raise SpecError(source, "faults", "a list of faults")
    for i, item in enumerate(faults):
        verbs = [key for key in item if key != "at"] if isinstance(item, dict) else []
        if len(verbs) != 1 or verbs[0] not in FAULTS:
            raise SpecError(source, f"faults[{i}]",
                            f"one fault of: {', '.join(FAULTS)} (got {verbs})")
    actions = tuple(sorted([*(_action(item, i, base, source, duration)
                              for i, item in enumerate(actions)),
                            *(_action(item, i, base, source, duration, "faults")
                              for i, item in enumerate(faults))], key=lambda a: a.at))
    return ExperimentSpec(name=name, source=source, duration=duration, seed=seed,
                          tick=tick, record_every=seconds("record_every", 15.0),
                          manifests=tuple(resolved), scheduler=scheduler, kubelet=kubelet,
                          controllers=controllers, snapshot_every=snapshot_every,
                          outputs=tuple(o for o in OUTPUTS if o in outputs), actions=actions,
                          nodes=nodes, workloads=workloads)


def _scheduler(scheduler, base: Path, source: str):
    """A KubeSchedulerConfiguration file (made absolute) or mapping, checked now."""
    from kbench.scheduler.config import ProfileError, load_configuration
    if scheduler is None:
        return None
    if isinstance(scheduler, dict):
        try:
            load_configuration(scheduler)
        except ProfileError as error:
            field_path = f"scheduler.{error.field}" if error.field else "scheduler"
            raise SpecError(source, field_path, error.reason if error.value is None
                            else f"{error.value!r}: {error.reason}") from None
        return scheduler
    if not isinstance(scheduler, str):
        raise SpecError(source, "scheduler", "a KubeSchedulerConfiguration file or mapping")
    target = base / scheduler
    if not target.is_file():
        raise SpecError(source, "scheduler", f"{scheduler}: no such file")
    try:
        load_configuration(target.resolve())
    except ProfileError as error:
        raise SpecError(source, "scheduler", str(error)) from None
    return str(target.resolve())


def _number(value, where: str, source: str, duration: bool = False) -> float:
    """A non-negative number, or with ``duration`` also a Go duration string."""
    if duration and isinstance(value, str):
        try:
            return parse_duration(value, where)
        except DurationError as error:
            raise SpecError(source, where, str(error).split(": ", 1)[-1]) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise SpecError(source, where, f"{value!r}: must be a number >= 0"
                        + (' or a duration ("30s")' if duration else ""))
    return float(value)


def _controllers(values, source: str) -> Controllers:
    if not isinstance(values, dict):
        raise SpecError(source, "controllers",
                        "a mapping of hpa_sync_period, metrics_resolution and hpa")
    known = {"hpa_sync_period", "metrics_resolution", "hpa"}
    for key in values:
        if key not in known:
            raise SpecError(source, f"controllers.{key}",
                            f"unknown field (known: {', '.join(sorted(known))})")
    periods = {}
    for key in ("hpa_sync_period", "metrics_resolution"):
        if key in values:
            periods[key] = _number(values[key], f"controllers.{key}", source, duration=True)
            if periods[key] <= 0:
                raise SpecError(source, f"controllers.{key}", f"{values[key]!r}: must be positive")
    hpa = values.get("hpa") or {}
    if not isinstance(hpa, dict):
        raise SpecError(source, "controllers.hpa", "a mapping of HpaConfig fields")
    fields = {f.name for f in dataclasses.fields(HpaConfig)}
    settings = {}
    for key, value in hpa.items():
        if key not in fields:
            raise SpecError(source, f"controllers.hpa.{key}",
                            f"unknown field (known: {', '.join(sorted(fields))})")
        settings[key] = _number(value, f"controllers.hpa.{key}", source,
                                duration=key != "tolerance")
    return Controllers(hpa=HpaConfig(**settings), **periods)


def _kubelet(values, source: str) -> KubeletConfig:
    if not isinstance(values, dict):
        raise SpecError(source, "kubelet", "a mapping of KubeletConfig fields")
    known = {f.name: f for f in dataclasses.fields(KubeletConfig)}
    for key, value in values.items():
        if key not in known:
            raise SpecError(source, f"kubelet.{key}",
                            f"unknown field (known: {', '.join(sorted(known))})")
        if key == "record_events":
            if not isinstance(value, bool):
                raise SpecError(source, f"kubelet.{key}", f"{value!r}: must be true or false")
        elif key == "image_bytes":
            if not isinstance(value, dict):
                raise SpecError(source, f"kubelet.{key}", "a mapping of image name to bytes")
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SpecError(source, f"kubelet.{key}", f"{value!r}: must be a number")
    return KubeletConfig(**values)


def _action(item, index: int, base: Path, source: str, duration: float,
            section: str = "actions") -> Action:
    where = f"{section}[{index}]"
    if not isinstance(item, dict) or "at" not in item:
        raise SpecError(source, where, 'an action is a mapping with "at" and one verb')
    try:
        at = parse_duration(item["at"], f"{where}.at")
    except DurationError as error:
        raise SpecError(source, f"{where}.at", str(error).split(": ", 1)[-1]) from None
    if not 0 <= at <= duration:
        raise SpecError(source, f"{where}.at", f"{item['at']!r}: must be within the duration")
    verbs = [key for key in item if key != "at"]
    if len(verbs) != 1 or verbs[0] not in ACTIONS:
        raise SpecError(source, where, f"one verb of: {', '.join(ACTIONS)} (got {verbs})")
    verb = verbs[0]
    args = item[verb]
    required, optional = ACTIONS[verb]
    if verb == "apply":
        target = base / str(args)
        if not target.exists():
            raise SpecError(source, f"{where}.apply", f"{args}: no such file or folder")
        return Action(at, verb, {"path": str(target.resolve())})
    if not isinstance(args, dict):
        raise SpecError(source, f"{where}.{verb}", "a mapping of its fields")
    for key in required:
        if key not in args:
            raise SpecError(source, f"{where}.{verb}.{key}", "required")
    unknown = sorted(set(args) - set(required) - set(optional))
    if unknown:
        raise SpecError(source, f"{where}.{verb}.{unknown[0]}", "unknown field")
    if verb in FAULTS:
        try:
            return Action(at, verb, check_fault(verb, args))
        except FaultError as error:
            raise SpecError(source, f"{where}.{verb}.{error.field}", error.reason) from None
    if verb == "scale" and (not isinstance(args["replicas"], int) or args["replicas"] < 0):
        raise SpecError(source, f"{where}.scale.replicas",
                        f"{args['replicas']!r}: must be a non-negative integer")
    return Action(at, verb, {**optional, **args})
