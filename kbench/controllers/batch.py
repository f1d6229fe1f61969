"""The Job and CronJob controllers over the state: which objects need a sync (numpy over all
of them), their decisions (kbench.controllers.job / cronjob, one Python call per object that
needs one), and those decisions as Actions for the engine.

A Job is synced when its spec or its pods changed (phase, readiness, deletion, count) or at
the time its last decision asked for (active deadline, pod back-off); a CronJob at its next
schedule time, when its spec changed or when one of its Jobs changed.
"""

from __future__ import annotations

import numpy as np

from kbench.api.store import timestamp
from kbench.controllers.actions import Actions, ObjectEvent, PodBatch
from kbench.controllers.cronjob import cronjob_inputs
from kbench.controllers.job import TRACKING_FINALIZER, job_inputs
from kbench.controllers.ownership import generate_names, owner_rows
from kbench.randomness import hash64
from kbench.state import ClusterState

JOB_COMPONENT = "job-controller"
CRONJOB_COMPONENT = "cronjob-controller"


def _grouped_hash(state: ClusterState, owner: np.ndarray, rows: np.ndarray, size: int,
                  purpose: int, uids: np.ndarray, *columns) -> np.ndarray:
    """Per owner row, a hash of the given columns over the rows it owns, each row known by
    its uid code (not its row number, which pod-row compaction changes)."""
    total = np.zeros(size, dtype=np.uint64)
    if len(rows):
        values = hash64(state.seed, purpose, uids[rows], *[c[rows] for c in columns])
        with np.errstate(over="ignore"):
            np.add.at(total, owner[rows], values)
    return total


class _DueTracker:
    """Remembers each object's inputs fingerprint and the time it asked to be synced again."""

    def __init__(self) -> None:
        self.fingerprints = np.zeros(0, dtype=np.uint64)
        self.wake = np.zeros(0)

    def due(self, prints: np.ndarray, alive: np.ndarray, now: float) -> np.ndarray:
        size = len(prints)
        known = np.zeros(size, dtype=np.uint64)
        known[:len(self.fingerprints)] = self.fingerprints[:size]
        wake = np.full(size, -np.inf)
        wake[:len(self.wake)] = self.wake[:size]
        fresh = np.arange(size) >= len(self.fingerprints)
        self.fingerprints, self.wake = prints, np.where(wake <= now, np.inf, wake)
        return np.flatnonzero(alive & (fresh | (prints != known) | (wake <= now)))

    def wake_at(self, row: int, when: float | None) -> None:
        if when is not None and np.isfinite(when):
            self.wake[row] = min(self.wake[row], when)


class JobController:
    def __init__(self) -> None:
        self.tracker = _DueTracker()

    def sync(self, state: ClusterState) -> Actions:
        actions = Actions()
        jobs, pods = state.tables["jobs"], state.tables["pods"]
        if jobs.live_count == 0:
            return actions
        owner = owner_rows(state, "pods", "jobs")
        owned = np.flatnonzero(pods.alive & (owner >= 0))
        prints = hash64(state.seed, 31, jobs["generation"], jobs["body"], jobs["suspend"],
                        jobs["parallelism"], jobs["completions"]) ^ _grouped_hash(
            state, owner, owned, len(jobs), 32, pods["uid"], pods["phase"], pods["ready"],
            pods["deletion_time"].view(np.int64), pods["body"])
        now = state.time
        for row in self.tracker.due(prints, jobs.alive, now).tolist():
            inputs = job_inputs(state, row)
            uid = state.strings[int(jobs["uid"][row])]
            rng = np.random.default_rng(hash64(state.seed, 33, row, int(now * 1000)).tolist())
            decision = inputs.decide(now, rng)
            self._apply(state, row, inputs, decision, uid, actions)
            self.tracker.wake_at(row, decision.next_sync_time)
        return actions

    def _apply(self, state, row, inputs, decision, uid, actions: Actions) -> None:
        jobs = state.tables["jobs"]
        template = state.strings.document(int(jobs["template"][row])) or {}
        namespace = inputs.namespace or "default"
        for pod in decision.create:
            manifest = pod.manifest(template, namespace, inputs.name, uid)
            manifest["metadata"].pop("name", None)
            prefix = pod.generate_name or f"{inputs.name}-"
            manifest["metadata"]["generateName"] = prefix
            manifest.setdefault("apiVersion", "v1")
            manifest.setdefault("kind", "Pod")
            # named as every generated name is (ownership.generate_names: seeded, and never
            # a name a live pod has)
            name = generate_names(state, prefix, 1, namespace=namespace)[0]
            actions.create_pods.append(PodBatch(manifest, [name], namespace, "Job",
                                                inputs.name, JOB_COMPONENT))
        by_name = {state.strings[int(state.tables["pods"]["name"][r])]: r
                   for r in inputs.pod_rows.tolist()}
        doomed = [by_name[name] for name in decision.delete if name in by_name]
        if doomed:
            actions.delete_pods.append(np.array(doomed, dtype=np.int64))
        for name in decision.untrack:
            if name in by_name:
                actions.updates.append(("pods", by_name[name], {
                    "body": _without_finalizer(state, by_name[name])}))
        status = decision.status
        values = {"active": status.active, "succeeded": status.succeeded,
                  "failed": status.failed, "ready": status.ready,
                  "terminating": status.terminating,
                  "start_time": np.nan if status.start_time is None else status.start_time,
                  "completion_time": np.nan if status.completion_time is None
                  else status.completion_time,
                  "conditions": state.strings.intern_document(
                      [c.to_dict(timestamp) for c in status.conditions])
                  if status.conditions else -1,
                  "completed_indexes": state.strings.intern(
                      status.to_dict().get("completedIndexes"))}
        changed = {k: v for k, v in values.items() if not _same(jobs[k][row], v)}
        if changed:
            actions.updates.append(("jobs", row, changed))
        for event in decision.events:
            if event.reason == "SuccessfulCreate":
                continue  # the engine records it when it creates the pod
            actions.events.append(ObjectEvent("Job", inputs.name, namespace, event.type,
                                              event.reason, event.message, JOB_COMPONENT))


def _same(old, new) -> bool:
    if isinstance(new, float) and np.isnan(new):
        return bool(np.isnan(old))
    return old == new


def _without_finalizer(state: ClusterState, pod: int) -> int:
    body = state.strings.document(int(state.tables["pods"]["body"][pod])) or {}
    metadata = body.get("metadata") or {}
    finalizers = [f for f in metadata.get("finalizers") or [] if f != TRACKING_FINALIZER]
    if finalizers:
        metadata["finalizers"] = finalizers
    else:
        metadata.pop("finalizers", None)
    if metadata:
        body["metadata"] = metadata
    else:
        body.pop("metadata", None)
    return state.strings.intern_document(body)


class CronJobController:
    def __init__(self) -> None:
        self.tracker = _DueTracker()

    def sync(self, state: ClusterState) -> Actions:
        actions = Actions()
        cronjobs, jobs = state.tables["cronjobs"], state.tables["jobs"]
        if cronjobs.live_count == 0:
            return actions
        owner = owner_rows(state, "jobs", "cronjobs")
        owned = np.flatnonzero(jobs.alive & (owner >= 0))
        prints = hash64(state.seed, 41, cronjobs["generation"], cronjobs["body"],
                        cronjobs["schedule"], cronjobs["suspend"]) ^ _grouped_hash(
            state, owner, owned, len(cronjobs), 42, jobs["uid"], jobs["conditions"],
            jobs["active"])
        now = state.time
        for row in self.tracker.due(prints, cronjobs.alive, now).tolist():
            inputs = cronjob_inputs(state, row)
            decision = inputs.decide(now)
            self._apply(state, row, inputs, decision, actions)
            self.tracker.wake_at(row, decision.requeue_time)
        return actions

    def _apply(self, state, row, inputs, decision, actions: Actions) -> None:
        cronjobs = state.tables["cronjobs"]
        namespace = inputs.namespace or "default"
        uid = state.strings[int(cronjobs["uid"][row])]
        if decision.create is not None:
            actions.create_objects.append(decision.create.manifest(namespace, inputs.name, uid))
        for name in decision.delete:
            job = state.find("jobs", name, namespace)
            if job >= 0:
                actions.delete_objects.append(("jobs", np.array([job])))
        if decision.status_changed:
            status = decision.status
            active = [{"apiVersion": "batch/v1", "kind": "Job", "name": name,
                       "namespace": namespace} for name in status.active]
            actions.updates.append(("cronjobs", row, {
                "active_jobs": state.strings.intern_document(active) if active else -1,
                "last_schedule_time": np.nan if status.last_schedule_time is None
                else status.last_schedule_time,
                "last_successful_time": np.nan if status.last_successful_time is None
                else status.last_successful_time}))
        for event in decision.events:
            actions.events.append(ObjectEvent("CronJob", inputs.name, namespace, event.type,
                                              event.reason, event.message, CRONJOB_COMPONENT))
