"""Kubernetes-shaped objects: apiVersion, kind, metadata, spec and status, with attribute access."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml


class Fields(dict):
    """A JSON mapping whose keys also read and write as attributes: ``pod.spec.nodeName``.

    Nested mappings are Fields too; a missing key reads as None, as an unset optional field.
    """

    def __init__(self, data: dict | None = None) -> None:
        super().__init__()
        for key, value in (data or {}).items():
            self[key] = _wrap(value)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = _wrap(value)

    def __delattr__(self, name: str) -> None:
        self.pop(name, None)

    def __deepcopy__(self, memo) -> "Fields":
        return Fields(copy.deepcopy(_plain(self), memo))


_SCALARS = (str, int, float, bool, type(None))


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON-shaped value (plain dicts, lists and scalars are rebuilt, anything
    else goes through copy.deepcopy): the same result as copy.deepcopy for manifests, several
    times faster. Shared sub-values (YAML aliases) come back as separate copies."""
    kind = type(value)
    if kind is dict:
        return {key: copy_json(item) for key, item in value.items()}
    if kind is list:
        return [copy_json(item) for item in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)


def _wrap(value: Any) -> Any:
    if isinstance(value, dict) and not isinstance(value, Fields):
        return Fields(value)
    if isinstance(value, list):
        return [_wrap(item) for item in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class KubeObject:
    """One Kubernetes object. ``metadata``, ``spec`` and ``status`` are Fields; anything else the
    kind carries at top level (a ConfigMap's ``data``, a StorageClass's ``provisioner``) is in
    ``fields``. Objects are views: changing one changes nothing until it is applied."""

    kind: str = ""

    def __init__(self, data: dict) -> None:
        data = dict(data)
        self.api_version: str = data.pop("apiVersion", None)
        self.kind = data.pop("kind", None) or type(self).kind
        self.fields = Fields(data)
        self.fields.setdefault("metadata", Fields())

    @property
    def metadata(self) -> Fields:
        return self.fields["metadata"]

    @property
    def spec(self) -> Fields:
        return self.fields.setdefault("spec", Fields())

    @property
    def status(self) -> Fields:
        return self.fields.setdefault("status", Fields())

    @property
    def name(self) -> str:
        return self.metadata.get("name")

    @property
    def namespace(self) -> str | None:
        return self.metadata.get("namespace")

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.metadata.get("labels") or {})

    def to_dict(self) -> dict:
        """The object as plain JSON data, in Kubernetes' field order."""
        return {"apiVersion": self.api_version, "kind": self.kind, **_plain(self.fields)}

    def to_json(self, indent: int = 4) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KubeObject) and self.to_dict() == other.to_dict()

    __hash__ = None

    def __repr__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"<{self.kind} {where}{self.name}>"


def _kind_class(kind: str) -> type[KubeObject]:
    return type(kind, (KubeObject,), {"kind": kind, "__doc__": f"A Kubernetes {kind}."})


Namespace = _kind_class("Namespace")
Node = _kind_class("Node")
Pod = _kind_class("Pod")
ReplicaSet = _kind_class("ReplicaSet")
Deployment = _kind_class("Deployment")
StatefulSet = _kind_class("StatefulSet")
DaemonSet = _kind_class("DaemonSet")
Job = _kind_class("Job")
CronJob = _kind_class("CronJob")
HorizontalPodAutoscaler = _kind_class("HorizontalPodAutoscaler")
Service = _kind_class("Service")
Endpoints = _kind_class("Endpoints")
Ingress = _kind_class("Ingress")
PersistentVolume = _kind_class("PersistentVolume")
PersistentVolumeClaim = _kind_class("PersistentVolumeClaim")
StorageClass = _kind_class("StorageClass")
PriorityClass = _kind_class("PriorityClass")
PodDisruptionBudget = _kind_class("PodDisruptionBudget")
Event = _kind_class("Event")

OBJECT_CLASSES: dict[str, type[KubeObject]] = {
    cls.kind: cls for cls in (
        Namespace, Node, Pod, ReplicaSet, Deployment, StatefulSet, DaemonSet, Job, CronJob,
        HorizontalPodAutoscaler, Service, Endpoints, Ingress, PersistentVolume,
        PersistentVolumeClaim, StorageClass, PriorityClass, PodDisruptionBudget, Event)}


def make_object(data: dict) -> KubeObject:
    """The object of the right class for a manifest dict (KubeObject for other kinds)."""
    return OBJECT_CLASSES.get(data.get("kind"), KubeObject)(data)
