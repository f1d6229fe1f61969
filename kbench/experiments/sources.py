"""Where an experiment's nodes and workloads come from besides manifests: recorded traces
(kbench.traces loaders) and seeded generators. An experiment spec lists them::

    nodes:
      - trace: ../../traces/openb_node_list_all_node.csv   # format detected, or format:
        limit: 200                                          # the first 200 rows only
      - generator: mixed_nodes                              # kbench.traces.generators
        count: 500
        seed: 1
    workloads:
      - trace: ../../traces/openb_pod_list_default.csv      # pods created at their times
        interarrival: 1s      # or time_scale: 0.001; start: 10s; limit: 1000
        durations: false      # run until the end whatever the trace says
      - generator: poisson_jobs                              # a pods generator ...
        rate_per_s: 0.5
        duration_s: 3600
        seed: 2
      - generator: deployments                               # ... or Deployments (+ HPAs)
        count: 100
        replicas: 10
      - load: ../../traces/AzureLLMInferenceTrace_conv.csv  # requests/s of a Deployment
        deployment: llm
        interval: 1m
        scale: 0.1

Each entry is checked when the spec is read (a field path names any error) and turned into
objects when the run builds its cluster: nodes are applied with the manifests, pods arrive
through a kbench.sim.arrivals source, a load becomes the Deployment's load pattern.
"""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path

import numpy as np

from kbench.errors import KbenchError
from kbench.sim.clock import DurationError, parse_duration
from kbench.traces import generators
from kbench.traces.schema import LOAD_KIND, NODES_KIND, PODS_KIND

NODE_GENERATORS = {"homogeneous_nodes": generators.homogeneous_nodes,
                   "mixed_nodes": generators.mixed_nodes}


def deployment_manifests(count: int, replicas: int, seed: int = 0, hpa: bool = True,
                         prefix: str = "svc") -> list[dict]:
    """``count`` Deployments of ``replicas`` pods (CPU requests 100m-500m drawn, 128Mi)
    whose load follows a day (a diurnal pattern with its own phase, plus 5 % noise), each
    with an HPA on CPU at 50 % (min replicas/4, max replicas*3) when ``hpa``."""
    rng = np.random.default_rng(seed)
    objects = []
    for i in range(count):
        name = f"{prefix}-{i:04d}"
        cpu = int(rng.choice([100, 200, 250, 500]))
        cost = cpu / 1000 / 10   # cores per request: 10 requests/s fill one pod's request
        mean = replicas * 5      # requests/s: half a request's CPU per pod, as at 50 % target
        load = {"pattern": "sum", "of": [
            {"pattern": "diurnal", "mean": mean, "amplitude": mean * 0.6, "period": "24h",
             "phase": f"{int(rng.integers(0, 24))}h"},
            {"pattern": "noise", "amplitude": mean * 0.05, "interval": "5m", "seed": i}]}
        objects.append({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "annotations": {
                "kbench.io/load": json.dumps(load),
                "kbench.io/cost-per-request": json.dumps({"cpu": f"{cost:.4f}"})}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{
                                      "name": "app", "image": f"registry.example/{name}:1.0",
                                      "resources": {"requests": {
                                          "cpu": f"{cpu}m", "memory": "128Mi"}}}]}}}})
        if hpa:
            objects.append({
                "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": name},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                            "name": name},
                         "minReplicas": max(1, replicas // 4), "maxReplicas": replicas * 3,
                         "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                             "type": "Utilization", "averageUtilization": 50}}}]}})
    return objects


POD_GENERATORS = {"poisson_jobs": generators.poisson_jobs, "gpu_pods": generators.gpu_pods}
MANIFEST_GENERATORS = {"deployments": deployment_manifests}

#: the fields of each kind of entry besides the generator's own arguments
_NODE_FIELDS = {"trace", "format", "limit", "skip_bad_rows", "generator"}
_POD_FIELDS = {"trace", "format", "limit", "skip_bad_rows", "generator", "namespace",
               "time_scale", "interarrival", "start", "durations"}
_LOAD_FIELDS = {"load", "format", "skip_bad_rows", "deployment", "namespace", "interval",
                "scale", "time_scale", "start"}


class SourceError(KbenchError, ValueError):
    """An entry of nodes / workloads that cannot be used: ``field`` is its path."""

    def __init__(self, field_path: str, reason: str):
        self.field, self.reason = field_path, reason
        super().__init__(f"{field_path}: {reason}")


# -- checking (when the spec is read) ------------------------------------------------------

def check_nodes(entries, base: Path) -> tuple[dict, ...]:
    """The ``nodes`` list, checked and resolved (paths absolute, durations in seconds)."""
    return tuple(_check_entry(entry, f"nodes[{i}]", base, NODES_KIND)
                 for i, entry in enumerate(_list(entries, "nodes")))


def check_workloads(entries, base: Path) -> tuple[dict, ...]:
    """The ``workloads`` list, checked and resolved."""
    out = []
    for i, entry in enumerate(_list(entries, "workloads")):
        where = f"workloads[{i}]"
        if isinstance(entry, dict) and "load" in entry:
            out.append(_check_load(entry, where, base))
        else:
            out.append(_check_entry(entry, where, base, PODS_KIND))
    return tuple(out)


def _list(entries, name: str) -> list:
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise SourceError(name, "a list of trace or generator entries")
    return entries


def _check_entry(entry, where: str, base: Path, kind: str) -> dict:
    if not isinstance(entry, dict):
        raise SourceError(where, "a mapping with trace: or generator:")
    has = [key for key in ("trace", "generator") if key in entry]
    if len(has) != 1:
        raise SourceError(where, "exactly one of trace: or generator:")
    fields = _NODE_FIELDS if kind == NODES_KIND else _POD_FIELDS
    resolved = dict(entry)
    if "trace" in entry:
        unknown = sorted(set(entry) - fields)
        if unknown:
            raise SourceError(f"{where}.{unknown[0]}", "unknown field "
                              f"(known: {', '.join(sorted(fields - {'generator'}))})")
        resolved["trace"] = _trace_path(entry["trace"], f"{where}.trace", base)
        if not isinstance(entry.get("skip_bad_rows", False), bool):
            raise SourceError(f"{where}.skip_bad_rows", "true or false")
        _check_format(resolved, where, kind)
        if entry.get("limit") is not None:
            resolved["limit"] = _count(entry["limit"], f"{where}.limit")
    else:
        name = entry["generator"]
        table = NODE_GENERATORS if kind == NODES_KIND else {**POD_GENERATORS,
                                                             **MANIFEST_GENERATORS}
        if name not in table:
            raise SourceError(f"{where}.generator", f"{name!r}: one of {', '.join(table)}")
        own = {k: v for k, v in entry.items() if k not in fields}
        try:
            inspect.signature(table[name]).bind(**own)
        except TypeError as error:
            raise SourceError(where, f"generator {name}: {error}") from None
    if kind == PODS_KIND:
        _check_arrivals(resolved, entry, where)
    return resolved


def _check_arrivals(resolved: dict, entry: dict, where: str) -> None:
    if "time_scale" in entry and "interarrival" in entry:
        raise SourceError(where, "time_scale and interarrival exclude each other")
    if "time_scale" in entry:
        scale = entry["time_scale"]
        if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not scale > 0:
            raise SourceError(f"{where}.time_scale", f"{scale!r}: a positive number")
    for key in ("interarrival", "start"):
        if key in entry:
            resolved[key] = _seconds(entry[key], f"{where}.{key}",
                                     positive=key == "interarrival")
    if "durations" in entry and not isinstance(entry["durations"], bool):
        raise SourceError(f"{where}.durations", f"{entry['durations']!r}: true or false")
    if "namespace" in entry and not isinstance(entry["namespace"], str):
        raise SourceError(f"{where}.namespace", "a string")


def _check_load(entry: dict, where: str, base: Path) -> dict:
    unknown = sorted(set(entry) - _LOAD_FIELDS)
    if unknown:
        raise SourceError(f"{where}.{unknown[0]}",
                          f"unknown field (known: {', '.join(sorted(_LOAD_FIELDS))})")
    if not isinstance(entry.get("deployment"), str):
        raise SourceError(f"{where}.deployment", "required: the Deployment the load reaches")
    resolved = dict(entry)
    resolved["load"] = _trace_path(entry["load"], f"{where}.load", base)
    resolved["trace"] = resolved["load"]
    _check_format(resolved, where, LOAD_KIND)
    del resolved["trace"]
    resolved["interval"] = _seconds(entry.get("interval", 60.0), f"{where}.interval")
    if "start" in entry:
        resolved["start"] = _seconds(entry["start"], f"{where}.start", positive=False)
    for key in ("scale", "time_scale"):
        value = entry.get(key, 1.0)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
            raise SourceError(f"{where}.{key}", f"{value!r}: a positive number")
    return resolved


def _trace_path(value, where: str, base: Path) -> str:
    if not isinstance(value, str) or not value:
        raise SourceError(where, "a trace file's path")
    path = (base / value).resolve()
    if not path.is_file():
        raise SourceError(where, f"{value}: no such file")
    return str(path)


def _check_format(resolved: dict, where: str, kind: str) -> None:
    from kbench.traces.detect import resolve_format
    from kbench.traces.trace import TraceError
    try:
        chosen = resolve_format(resolved.get("format"), resolved["trace"])
    except TraceError as error:
        raise SourceError(f"{where}.format" if resolved.get("format") else where,
                          str(error)) from None
    if chosen.kind and chosen.kind != kind:
        raise SourceError(where, f"{chosen.name} is a {chosen.kind} trace, not {kind}")
    resolved["format"] = chosen.name


def _count(value, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SourceError(where, f"{value!r}: a non-negative integer")
    return value


def _seconds(value, where: str, positive: bool = True) -> float:
    try:
        seconds = parse_duration(value, where)
    except DurationError as error:
        raise SourceError(where, str(error).split(": ", 1)[-1]) from None
    if seconds < 0 or (positive and seconds == 0):
        raise SourceError(where, f"{value!r}: must be {'positive' if positive else '>= 0'}")
    return seconds


# -- building (when the run builds its cluster) ---------------------------------------------

def _trace_table(entry: dict, kind: str):
    from kbench.traces.detect import load
    trace = load(entry["trace"], entry["format"], skip_bad_rows=bool(entry.get("skip_bad_rows")))
    if kind and trace.kind != kind:
        from kbench.traces.trace import TraceError
        raise TraceError(f"a {trace.kind} trace where {kind} are wanted", source=entry["trace"])
    table = trace.table
    if entry.get("limit") is not None:
        table = table.slice(0, entry["limit"])
    return table


def _generated(entry: dict, table: dict):
    fields = _NODE_FIELDS | _POD_FIELDS
    return table[entry["generator"]](**{k: v for k, v in entry.items() if k not in fields})


def node_manifests(entries: tuple[dict, ...]) -> list[dict]:
    """The Node manifests of the ``nodes`` entries, in order."""
    from kbench.traces.manifests import node_objects
    manifests = []
    for entry in entries:
        table = (_trace_table(entry, NODES_KIND) if "trace" in entry
                 else _generated(entry, NODE_GENERATORS))
        manifests += node_objects(table)
    return manifests


def workload_manifests(entries: tuple[dict, ...]) -> list[dict]:
    """The manifests the generators of Deployments make (applied at time 0)."""
    manifests = []
    for entry in entries:
        if entry.get("generator") in MANIFEST_GENERATORS:
            manifests += _generated(entry, MANIFEST_GENERATORS)
    return manifests


def pod_sources(entries: tuple[dict, ...], created_until: float = -math.inf) -> list:
    """One kbench.sim.arrivals source per pods entry (trace or pods generator)."""
    from kbench.experiments.workloads import pod_arrivals
    sources = []
    for entry in entries:
        if "load" in entry or entry.get("generator") in MANIFEST_GENERATORS:
            continue
        table = (_trace_table(entry, PODS_KIND) if "trace" in entry
                 else _generated(entry, POD_GENERATORS))
        sources.append(pod_arrivals(
            table, namespace=entry.get("namespace", "default"),
            time_scale=float(entry.get("time_scale", 1.0)),
            interarrival=entry.get("interarrival"), start=float(entry.get("start", 0.0)),
            durations=bool(entry.get("durations", True)), created_until=created_until))
    return sources


def loads(entries: tuple[dict, ...]) -> list[tuple[str, str, dict]]:
    """(namespace, deployment, load pattern) of each load entry."""
    from kbench.experiments.workloads import load_steps
    out = []
    for entry in entries:
        if "load" not in entry:
            continue
        table = _trace_table({**entry, "trace": entry["load"]}, LOAD_KIND)
        out.append((entry.get("namespace", "default"), entry["deployment"],
                    load_steps(table, entry["interval"], float(entry.get("time_scale", 1.0)),
                               float(entry.get("start", 0.0)), float(entry.get("scale", 1.0)))))
    return out
