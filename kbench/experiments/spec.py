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
scheduler: profile.yaml                      # optional KubeSchedulerConfiguration
kubelet: {container_start_median_seconds: 0.5}   # KubeletConfig fields
actions:
  - {at: 30s, set_image: {deployment: web, container: app, image: "app:2"}}
  - {at: 1m, scale: {deployment: web, replicas: 5}}
  - {at: 2m, set_load: {deployment: web, requests_per_second: 100}}
  - {at: 2m, apply: more.yaml}
  - {at: 3m, delete: {kind: pod, name: web-0}}
  - {at: 3m, rollout_undo: {deployment: web}}
```
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kbench.errors import KbenchError
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
}


@dataclass(frozen=True)
class Action:
    at: float
    verb: str
    args: dict


@dataclass(frozen=True)
class ExperimentSpec:
    name: str
    source: str
    duration: float
    seed: int = 0
    tick: float = 1.0
    record_every: float = 15.0
    manifests: tuple[str, ...] = ()
    scheduler: str | None = None
    kubelet: KubeletConfig = field(default_factory=KubeletConfig)
    actions: tuple[Action, ...] = ()


_TOP = {"name", "seed", "duration", "tick", "record_every", "manifests", "scheduler", "kubelet",
        "actions"}


def load_spec(path: str | Path) -> ExperimentSpec:
    """Read and check an experiment spec file."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise SpecError(source, "", "no such file")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise SpecError(source, "", f"not valid YAML ({error})") from None
    return parse_spec(data, path.parent, source)


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
    scheduler = data.get("scheduler")
    if scheduler is not None:
        target = base / str(scheduler)
        if not target.is_file():
            raise SpecError(source, "scheduler", f"{scheduler}: no such file")
        scheduler = str(target.resolve())
    kubelet = _kubelet(data.get("kubelet") or {}, source)
    duration = seconds("duration")
    actions = tuple(sorted((_action(item, i, base, source, duration)
                            for i, item in enumerate(data.get("actions") or [])),
                           key=lambda a: a.at))
    return ExperimentSpec(name=name, source=source, duration=duration, seed=seed,
                          tick=seconds("tick", 1.0), record_every=seconds("record_every", 15.0),
                          manifests=tuple(resolved), scheduler=scheduler, kubelet=kubelet,
                          actions=actions)


def _kubelet(values, source: str) -> KubeletConfig:
    if not isinstance(values, dict):
        raise SpecError(source, "kubelet", "a mapping of KubeletConfig fields")
    known = {f.name: f for f in dataclasses.fields(KubeletConfig)}
    for key, value in values.items():
        if key not in known:
            raise SpecError(source, f"kubelet.{key}",
                            f"unknown field (known: {', '.join(sorted(known))})")
        if key != "image_bytes" and not isinstance(value, (int, float)):
            raise SpecError(source, f"kubelet.{key}", f"{value!r}: must be a number")
    return KubeletConfig(**values)


def _action(item, index: int, base: Path, source: str, duration: float) -> Action:
    where = f"actions[{index}]"
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
    if verb == "scale" and (not isinstance(args["replicas"], int) or args["replicas"] < 0):
        raise SpecError(source, f"{where}.scale.replicas",
                        f"{args['replicas']!r}: must be a non-negative integer")
    return Action(at, verb, {**optional, **args})
