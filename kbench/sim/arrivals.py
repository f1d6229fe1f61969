"""Pods that a client creates at given times: a trace replay, a batch system submitting jobs.

The engine calls a source once per tick, after the events due and before the controllers
(kbench.sim.engine): every pod whose arrival time falls in the tick is created then, with its
exact arrival time as creationTimestamp, so the scheduling queue takes them in arrival order
(priority first, then creation time) and pods.parquet reports when each really arrived. Pods
of one shape (one manifest) are created together in one store call; nothing loops over pods.
A shape's manifest is admitted (checked, defaulted, encoded) once and reused while no other
object (namespace, PriorityClass, ...) is added or removed (kbench.api.store.PodPlans).
"""

from __future__ import annotations

import math

import numpy as np

from kbench.api.store import PodPlans, create_planned_pods


class PodArrivals:
    """``times[i]``: when pod ``names[i]`` arrives (seconds since the start, sorted or not);
    ``shapes[i]``: the index in ``manifests`` of its manifest (metadata.name is set per pod).
    Pods arriving at or before ``created_until`` are taken as created already (a run going on
    from a snapshot)."""

    def __init__(self, times, names, shapes, manifests: list[dict],
                 namespace: str = "default", created_until: float = -math.inf) -> None:
        times = np.asarray(times, dtype=np.float64)
        order = np.argsort(times, kind="stable")
        self.times = times[order]
        self.names = np.asarray(names, dtype=object)[order]
        self.shapes = np.asarray(shapes, dtype=np.int64)[order]
        if len(set(self.names.tolist())) != len(self.names):
            raise ValueError("arrivals: pod names repeat")
        if len(self.shapes) and not (0 <= self.shapes.min() and
                                     self.shapes.max() < len(manifests)):
            raise ValueError("arrivals: a shape index has no manifest")
        self.manifests = manifests
        self.namespace = namespace
        self.next = int(np.searchsorted(self.times, created_until, side="right"))
        self.plans = PodPlans()   # each shape's manifest admitted once

    def __len__(self) -> int:
        return len(self.times)

    @property
    def remaining(self) -> int:
        return len(self.times) - self.next

    def __call__(self, engine) -> np.ndarray:
        """Create the pods due by the engine's time; returns their rows."""
        state = engine.state
        end = int(np.searchsorted(self.times, state.time, side="right"))
        if end <= self.next:
            return np.zeros(0, dtype=np.int64)
        due = slice(self.next, end)
        self.next = end
        shapes = self.shapes[due]
        created = []
        for shape in np.unique(shapes).tolist():
            mine = shapes == shape
            names = self.names[due][mine].tolist()
            values = self.plans.values(state, self.manifests[shape], self.namespace, names[0])
            created.append(create_planned_pods(state, values, names, self.namespace,
                                               creation_times=self.times[due][mine]))
        return np.concatenate(created)
