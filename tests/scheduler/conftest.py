"""Implementations under test: every plugin table test runs against each of them.

An implementation answers two questions the way Kubernetes' plugin unit tests ask them:
``filter(plugin, pod, nodes, pods, args, **objects)`` -> {node name: Status} (PreFilter, then
Filter on each node) and ``score(...)`` -> {node name: score} (PreScore over all given nodes,
Score, NormalizeScore; the plugin's score before weighting). ``pods`` are the existing pods,
bound by spec.nodeName. ``args`` is the plugin's pluginConfig args as in
KubeSchedulerConfiguration v1 (e.g. {"scoringStrategy": {"type": "MostAllocated"}}).
"""

from __future__ import annotations

import pytest

from reference.framework import CycleState, Status, build_snapshot


class ReferenceImplementation:
    name = "reference"

    def plugin(self, plugin: str, args: dict | None, snapshot):
        from reference.plugins import PLUGINS
        return PLUGINS[plugin](args, snapshot)

    def filter(self, plugin: str, pod: dict, nodes: list[dict], pods=(), args=None,
               **objects) -> dict[str, Status]:
        snapshot = build_snapshot(nodes, list(pods), **objects)
        instance = self.plugin(plugin, args, snapshot)
        state = CycleState()
        if instance.implements("pre_filter"):
            status = instance.pre_filter(state, pod, snapshot)
            if status.is_skip():
                return {info.name: Status() for info in snapshot.nodes}
            if not status.is_success():
                return {info.name: status for info in snapshot.nodes}
        return {info.name: instance.filter(state, pod, info) for info in snapshot.nodes}

    def score(self, plugin: str, pod: dict, nodes: list[dict], pods=(), args=None,
              feasible: list[str] | None = None, **objects) -> dict[str, int]:
        snapshot = build_snapshot(nodes, list(pods), **objects)
        instance = self.plugin(plugin, args, snapshot)
        state = CycleState()
        infos = [info for info in snapshot.nodes if feasible is None or info.name in feasible]
        if instance.implements("pre_score"):
            status = instance.pre_score(state, pod, infos)
            if status.is_skip():
                return {info.name: 0 for info in infos}
        scores = {info.name: instance.score(state, pod, info) for info in infos}
        if instance.implements("normalize_score"):
            instance.normalize_score(state, pod, scores)
        return scores


class KernelImplementation:
    """The compiled scheduler, asked through Cluster.explain() with a profile that enables only
    the plugin under test (at the extension points the question needs)."""

    name = "kernel"

    def filter(self, plugin: str, pod: dict, nodes: list[dict], pods=(), args=None,
               **objects) -> dict[str, Status]:
        frame, names = self._explain(plugin, ("preFilter", "filter"), pod, nodes, pods, args,
                                     objects)
        column = frame[f"{plugin}.filter"]
        codes = frame.attrs["filter_codes"][plugin]
        return {names[node]: _status(plugin, verdict, code)
                for node, verdict, code in zip(frame["node"], column, codes)}

    def score(self, plugin: str, pod: dict, nodes: list[dict], pods=(), args=None,
              feasible: list[str] | None = None, **objects) -> dict[str, int]:
        frame, names = self._explain(plugin, ("preScore", "score"), pod, nodes, pods, args,
                                     objects, feasible)
        return {names[node]: int(score)
                for node, score in zip(frame["node"], frame[f"{plugin}.score"])
                if feasible is None or names[node] in feasible}

    def _explain(self, plugin, points, pod, nodes, pods, args, objects, feasible=None):
        from kbench import Cluster
        if plugin in NOT_COMPILED:
            pytest.skip(f"{plugin} is not in the compiled kernel yet")
        from kbench.scheduler.config import PLUGIN_EXTENSION_POINTS

        cluster = Cluster()
        namespaces = dict(objects.get("namespaces") or {})
        for item in (pod, *pods):
            namespaces.setdefault(item["metadata"].get("namespace") or "default", {})
        for item in objects.get("persistent_volume_claims") or []:
            namespaces.setdefault(item["metadata"].get("namespace") or "default", {})
        cluster.apply([{"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": name, "labels": labels or {}}}
                       for name, labels in namespaces.items()
                       if name not in ("default", "kube-system", "kube-public",
                                       "kube-node-lease")])
        valid = _valid_node_names([node["metadata"]["name"] for node in nodes])
        cluster.apply([_renamed_node(node, valid) for node in nodes])
        existing = [p for p in pods if (p.get("status") or {}).get("phase") not in (
            "Succeeded", "Failed")]
        existing = [_lowercase_name(p, i) for i, p in enumerate(existing)]
        cluster.apply([_on_renamed_node(_with_container(p), valid) for p in existing])
        for p in existing:
            if p["metadata"].get("deletionTimestamp"):
                # a pod being deleted: the simulator owns deletionTimestamp, set it directly
                row = cluster.state.find("pods", p["metadata"]["name"],
                                         p["metadata"].get("namespace") or "default")
                cluster.state.tables["pods"]["deletion_time"][row] = cluster.time
        cluster.apply([_workload(kind, obj) for field, kind in WORKLOADS.items()
                       for obj in objects.get(field) or []])
        storage = [_storage_object(kind, obj) for field, kind in STORAGE.items()
                   for obj in objects.get(field) or []]
        if storage:
            cluster.apply(storage)
        from kbench.state.schema import PV_PHASES, PVC_PHASES
        for field, table, phases in (("persistent_volumes", "persistentvolumes", PV_PHASES),
                                     ("persistent_volume_claims", "persistentvolumeclaims",
                                      PVC_PHASES)):
            for item in objects.get(field) or []:
                phase = (item.get("status") or {}).get("phase")
                if phase:
                    # the API server resets status on create; the PV controller owns it
                    namespace = item["metadata"].get("namespace") or (
                        "default" if table == "persistentvolumeclaims" else None)
                    row = cluster.state.find(table, item["metadata"]["name"], namespace)
                    cluster.state.tables[table]["phase"][row] = phases.index(phase)
        incoming = _on_renamed_node(_with_container(pod), valid)
        if plugin != "NodeName":  # the scheduler only sees pods without a node name
            incoming["spec"].pop("nodeName", None)
        cluster.apply(incoming)
        enabled = [point for point in points if point in PLUGIN_EXTENSION_POINTS[plugin]]
        profile = {"schedulerName": "default-scheduler", "percentageOfNodesToScore": 100,
                   "plugins": {"multiPoint": {"disabled": [{"name": "*"}]},
                               "queueSort": {"enabled": [{"name": "PrioritySort"}]},
                               "bind": {"enabled": [{"name": "DefaultBinder"}]},
                               **{point: {"enabled": [{"name": plugin}]} for point in enabled}},
                   "pluginConfig": [{"name": plugin, "args": args}] if args else []}
        cluster.configure_scheduler({"apiVersion": "kubescheduler.config.k8s.io/v1",
                                     "kind": "KubeSchedulerConfiguration",
                                     "profiles": [profile]})
        from kbench.scheduler.explain import explain
        row = cluster.state.find("pods", pod["metadata"]["name"],
                                 pod["metadata"].get("namespace") or "default")
        frame = explain(cluster.state, row, cluster.scheduler, sample=False,
                        feasible=None if feasible is None else [valid[n] for n in feasible])
        return frame, {new: old for old, new in valid.items()}


#: Plugins the reference has and the kernel does not compile yet: their kernel cases are
#: reported as skipped, never as passed.
NOT_COMPILED: set[str] = set()

#: Snapshot fields holding the objects DefaultSelector reads, and their kinds.
WORKLOADS = {"services": "Service", "replica_sets": "ReplicaSet", "stateful_sets": "StatefulSet"}


#: Snapshot fields holding the objects VolumeBinding reads, and their kinds.
STORAGE = {"storage_classes": "StorageClass", "persistent_volumes": "PersistentVolume",
           "persistent_volume_claims": "PersistentVolumeClaim"}


def _storage_object(kind: str, obj: dict) -> dict:
    """A StorageClass / PersistentVolume / PersistentVolumeClaim with its kind set."""
    import copy
    obj = copy.deepcopy(obj)
    obj.setdefault("apiVersion", "storage.k8s.io/v1" if kind == "StorageClass" else "v1")
    obj.setdefault("kind", kind)
    return obj


def _workload(kind: str, obj: dict) -> dict:
    """A Service / ReplicaSet / StatefulSet as the API server takes it: kind set, a port for
    a Service, a pod template its selector matches for a workload (Go's tests give only the
    selector)."""
    import copy
    obj = copy.deepcopy(obj)
    obj.setdefault("apiVersion", "v1" if kind == "Service" else "apps/v1")
    obj.setdefault("kind", kind)
    spec = obj.setdefault("spec", {})
    if kind == "Service":
        spec.setdefault("ports", [{"port": 80}])
    else:
        spec.setdefault("replicas", 0)
        labels = {}
        for requirement in (spec.get("selector") or {}).get("matchExpressions") or []:
            labels[requirement["key"]] = (requirement.get("values") or [""])[0]
        labels.update((spec.get("selector") or {}).get("matchLabels") or {})
        spec.setdefault("template", {"metadata": {"labels": labels}, "spec": {
            "containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.10"}]}})
    return obj


def _status(plugin: str, verdict: str, code: str) -> Status:
    if verdict == "pass":
        return Status()
    return Status(code, verdict.split(", ") if plugin in ("NodeResourcesFit", "VolumeBinding")
                  else [verdict])


def _with_container(pod: dict) -> dict:
    """The API server requires a container; Go's table tests often build pods without one."""
    import copy
    pod = copy.deepcopy(pod)
    spec = pod.setdefault("spec", {})
    if not spec.get("containers"):
        # explicit zero requests: no non-zero scoring defaults for a container Go never had
        spec["containers"] = [{"name": "pause", "image": "registry.k8s.io/pause:3.10",
                               "resources": {"requests": {"cpu": "0", "memory": "0"}}}]
    for container in [*spec["containers"], *(spec.get("initContainers") or [])]:
        container.setdefault("name", "c")
        container.setdefault("image", "registry.k8s.io/pause:3.10")
        resources = container.get("resources") or {}
        for field in ("requests", "limits"):
            # fit_test.go writes "pods: 0" into container requests, which the API rejects
            (resources.get(field) or {}).pop("pods", None)
        # ... and requests extended resources without the limits the API server demands
        for name, amount in (resources.get("requests") or {}).items():
            if name not in ("cpu", "memory", "ephemeral-storage"):
                resources.setdefault("limits", {}).setdefault(name, amount)
    return pod


def _valid_node_names(names: list[str]) -> dict[str, str]:
    """Go's tests name nodes "nodeA"; the API server wants RFC 1123 names: lower-case them,
    with a suffix where that changed the name."""
    return {name: name if name == name.lower() else f"{name.lower()}-{i}"
            for i, name in enumerate(names)}


def _lowercase_name(pod: dict, index: int) -> dict:
    """An existing pod named like Go's "podA" gets an RFC 1123 name (its name matters not)."""
    name = pod["metadata"]["name"]
    if name == name.lower():
        return pod
    import copy
    pod = copy.deepcopy(pod)
    pod["metadata"]["name"] = f"{name.lower()}-{index}"
    return pod


def _renamed_node(node: dict, valid: dict[str, str]) -> dict:
    import copy
    node = copy.deepcopy(node)
    node["metadata"]["name"] = valid[node["metadata"]["name"]]
    return node


def _on_renamed_node(pod: dict, valid: dict[str, str]) -> dict:
    node_name = pod["spec"].get("nodeName")
    if node_name in valid:
        pod["spec"]["nodeName"] = valid[node_name]
    return pod


IMPLEMENTATIONS = [ReferenceImplementation(), KernelImplementation()]


@pytest.fixture(params=IMPLEMENTATIONS, ids=lambda impl: impl.name)
def impl(request):
    """Each implementation in turn: the reference now; the compiled kernel joins it."""
    return request.param
