"""What controllers return: the changes they want, for the engine to apply.

Controllers read the state and decide; only the engine (kbench.sim.engine.apply_actions)
writes. Pods are created in batches of one template, deleted through the kubelet model
(graceful termination), other objects created from manifests as ``kubectl create`` would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class PodBatch:
    """Pods of one template: ``manifest`` is the pod (metadata, spec), ``names`` their names."""

    manifest: dict
    names: list[str]
    namespace: str
    owner_kind: str       # for the SuccessfulCreate event
    owner_name: str
    component: str
    #: the manifest's JSON (sorted keys, no spaces) when the controller knows it already
    manifest_text: str | None = None


@dataclass
class ObjectEvent:
    kind: str
    name: str
    namespace: str | None
    type: str
    reason: str
    message: str
    component: str


@dataclass
class EventBatch:
    """One event per object, recorded in one step (kbench.sim.events.record_events): the
    objects' name and namespace codes, one message each (or one for all)."""

    kind: str
    name_codes: np.ndarray
    namespace_codes: np.ndarray
    type: str
    reason: str
    messages: list[str] | str
    component: str


@dataclass
class Actions:
    create_pods: list[PodBatch] = field(default_factory=list)
    delete_pods: list[np.ndarray] = field(default_factory=list)
    #: what the deleting controller records about its deletions (the ReplicaSet controller's
    #: SuccessfulDelete), recorded just before the pods are deleted
    deletion_events: list[EventBatch] = field(default_factory=list)
    #: (table, row, {column: value}); spec columns bump metadata.generation
    updates: list[tuple[str, int, dict]] = field(default_factory=list)
    #: manifests of objects to create (ReplicaSets of a Deployment, ...)
    create_objects: list[dict] = field(default_factory=list)
    #: (table, rows) of objects to delete (their dependents go through garbage collection)
    delete_objects: list[tuple[str, np.ndarray]] = field(default_factory=list)
    events: list[ObjectEvent] = field(default_factory=list)

    def extend(self, other: "Actions") -> None:
        self.create_pods += other.create_pods
        self.delete_pods += other.delete_pods
        self.deletion_events += other.deletion_events
        self.updates += other.updates
        self.create_objects += other.create_objects
        self.delete_objects += other.delete_objects
        self.events += other.events

    def __bool__(self) -> bool:
        return bool(self.create_pods or self.delete_pods or self.deletion_events or self.updates
                    or self.create_objects or self.delete_objects or self.events)
