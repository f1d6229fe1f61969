"""The Job controller's decisions as a pure function: a Job, its pods and the time in; pods to
create and delete, the new status, events and when to sync again out.

Source (facts carried over, not code): kubernetes pkg/controller/job/job_controller.go
(syncJob, manageJob, activePodsForRemoval, pastBackoffLimitOnFailure, pastActiveDeadline,
trackJobStatusAndRemoveFinalizers, enactJobFinished, recordJobFinished), indexed_job_utils.go
(firstPendingIndexes, appendDuplicatedIndexPodsForRemoval, completed-index intervals),
backoff_utils.go (pod failure back-off: 10 s doubling, capped), pkg/controller/
controller_utils.go (ActivePods ordering, "Created pod: " / "Deleted pod: " events) and
k8s.io/apiserver's SimpleNameGenerator (``<generateName><5 random chars>``).

Counting follows Kubernetes' finalizer protocol: a pod carrying the
``batch.kubernetes.io/job-tracking`` finalizer (``JobPod.tracked``) and finished is counted
once into ``status.succeeded`` / ``status.failed``, and the decision lists it in ``untrack``
so that the engine drops the finalizer and it is never counted again. Pods the controller
deletes to scale down or suspend are untracked too (Kubernetes removes their finalizer before
deleting them, so they never count as failed); pods deleted because the Job failed keep it and
count as failed.

One Python call per Job: the number of Jobs in a simulation is modest (hundreds to a few
thousand), each decision is a few list passes over that Job's pods, and the control flow
(suspend, indexed completion, back-off) does not vectorise without obscuring Kubernetes'
rules. Not modelled: podFailurePolicy, backoffLimitPerIndex / maxFailedIndexes,
successPolicy, managedBy, and the interim FailureTarget / SuccessCriteriaMet conditions of
Kubernetes >= 1.31 (kbench sets Failed / Complete directly, as Kubernetes did before).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from kbench.api.objects import copy_json

__all__ = [
    "NAME_ALPHABET",
    "Event",
    "JobCondition",
    "JobDecision",
    "JobInputs",
    "JobPod",
    "JobSpec",
    "JobStatus",
    "PodToCreate",
    "controlled_rows",
    "decide_job",
    "format_indexes",
    "generate_name",
    "job_inputs",
    "pod_backoff_remaining",
    "pod_failure_backoff",
    "validate_job",
]

#: k8s.io/apimachinery/pkg/util/rand: the characters of generated name suffixes (no vowels,
#: no confusable 0/1/3).
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
#: k8s.io/apiserver/pkg/storage/names: a generated name is at most 63 characters.
MAX_GENERATED_NAME_LENGTH = 63 - 5
#: job_controller.go DefaultJobPodFailureBackOff / MaxJobPodFailureBackOff (the Kubernetes
#: documentation still says "capped at six minutes"; the controller's constant is 10 minutes).
DEFAULT_POD_FAILURE_BACKOFF = 10.0
MAX_POD_FAILURE_BACKOFF = 600.0
#: job_controller.go MaxPodCreateDeletePerSync.
MAX_POD_CREATE_DELETE_PER_SYNC = 500
#: The annotation (and label) carrying an Indexed Job pod's completion index.
COMPLETION_INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"

BACKOFF_LIMIT_MESSAGE = "Job has reached the specified backoff limit"
DEADLINE_MESSAGE = "Job was active longer than specified deadline"

_TERMINAL = ("Succeeded", "Failed")
_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}  # controller_utils podPhaseToOrdinal


class Event(NamedTuple):
    """A core/v1 Event a controller records about the object it syncs."""
    type: str      # "Normal" or "Warning"
    reason: str
    message: str


@dataclass(frozen=True)
class JobCondition:
    type: str                  # Complete, Failed, Suspended
    status: str                # "True" / "False"
    reason: str = ""
    message: str = ""
    last_transition_time: float | None = None

    def to_dict(self, timestamp=None) -> dict:
        """The condition as the API shows it; ``timestamp`` formats simulated seconds."""
        out = {"type": self.type, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        if self.message:
            out["message"] = self.message
        if self.last_transition_time is not None:
            when = timestamp(self.last_transition_time) if timestamp else self.last_transition_time
            out["lastTransitionTime"] = when
            out["lastProbeTime"] = when
        return out


@dataclass(frozen=True)
class JobSpec:
    """The spec fields the Job controller reads, defaulted as SetDefaults_Job does."""
    parallelism: int = 1
    completions: int | None = 1
    backoff_limit: int = 6
    active_deadline_seconds: int | None = None
    completion_mode: str = "NonIndexed"
    suspend: bool = False
    restart_policy: str = "Never"                       # spec.template.spec.restartPolicy
    pod_replacement_policy: str = "TerminatingOrFailed"

    @property
    def indexed(self) -> bool:
        return self.completion_mode == "Indexed"

    @classmethod
    def from_dict(cls, spec: dict) -> JobSpec:
        """From a Job's (or a CronJob's jobTemplate's) ``spec`` mapping, with the API
        server's defaults for what is missing (pkg/apis/batch/v1/defaults.go)."""
        completions, parallelism = spec.get("completions"), spec.get("parallelism")
        if completions is None and parallelism is None:
            completions = parallelism = 1
        if parallelism is None:
            parallelism = 1
        backoff = spec.get("backoffLimit")
        if backoff is None:
            backoff = 2147483647 if spec.get("backoffLimitPerIndex") is not None else 6
        template_spec = (spec.get("template") or {}).get("spec") or {}
        replacement = spec.get("podReplacementPolicy") or (
            "Failed" if spec.get("podFailurePolicy") is not None else "TerminatingOrFailed")
        return cls(parallelism=int(parallelism),
                   completions=None if completions is None else int(completions),
                   backoff_limit=int(backoff),
                   active_deadline_seconds=spec.get("activeDeadlineSeconds"),
                   completion_mode=spec.get("completionMode") or "NonIndexed",
                   suspend=bool(spec.get("suspend")),
                   restart_policy=template_spec.get("restartPolicy") or "Never",
                   pod_replacement_policy=replacement)


@dataclass(frozen=True)
class JobStatus:
    """A Job's status (times in simulated seconds; ``completed_indexes`` is the set behind
    ``status.completedIndexes`` of an Indexed Job)."""
    active: int = 0
    ready: int = 0
    succeeded: int = 0
    failed: int = 0
    terminating: int = 0
    start_time: float | None = None
    completion_time: float | None = None
    conditions: tuple[JobCondition, ...] = ()
    completed_indexes: frozenset[int] = frozenset()

    def condition(self, kind: str) -> JobCondition | None:
        return next((c for c in self.conditions if c.type == kind), None)

    @property
    def finished(self) -> str | None:
        """"Complete" or "Failed" once the Job has finished (IsJobFinished), else None."""
        for condition in self.conditions:
            if condition.type in ("Complete", "Failed") and condition.status == "True":
                return condition.type
        return None

    def to_dict(self, timestamp=None) -> dict:
        """The status as the API shows it (``timestamp`` formats simulated seconds)."""
        fmt = timestamp or (lambda t: t)
        out: dict = {}
        for key, value in (("active", self.active), ("succeeded", self.succeeded),
                           ("failed", self.failed)):
            if value:
                out[key] = value
        out["ready"] = self.ready
        out["terminating"] = self.terminating
        if self.start_time is not None:
            out["startTime"] = fmt(self.start_time)
        if self.completion_time is not None:
            out["completionTime"] = fmt(self.completion_time)
        if self.conditions:
            out["conditions"] = [c.to_dict(timestamp) for c in self.conditions]
        if self.completed_indexes:
            out["completedIndexes"] = format_indexes(self.completed_indexes)
        return out


@dataclass(frozen=True)
class JobPod:
    """What the Job controller reads of one of its pods."""
    name: str
    phase: str = "Pending"
    creation_time: float = 0.0
    deletion_time: float | None = None
    ready: bool = False
    completion_index: int | None = None   # None: no (valid) index annotation
    scheduled: bool = False               # spec.nodeName set
    ready_time: float | None = None       # when the Ready condition turned True
    restarts: int = 0                     # container restarts (the highest, as Kubernetes)
    finish_time: float | None = None      # when it became Succeeded / Failed
    tracked: bool = True                  # carries the job-tracking finalizer

    @property
    def active(self) -> bool:
        """controller.FilterActivePods: not terminal and not being deleted."""
        return self.phase not in _TERMINAL and self.deletion_time is None

    @property
    def terminating(self) -> bool:
        """controller.CountTerminatingPods: being deleted and not terminal yet."""
        return self.deletion_time is not None and self.phase not in _TERMINAL

    def finished_at(self) -> float:
        """backoff_utils.go getFinishedTime: finish, else deletion, else creation time."""
        for moment in (self.finish_time, self.deletion_time):
            if moment is not None:
                return moment
        return self.creation_time


class PodToCreate(NamedTuple):
    name: str
    completion_index: int | None   # set on Indexed Jobs: annotation, label and hostname
    generate_name: str = ""        # the generateName prefix the name was drawn for

    def manifest(self, template: dict, namespace: str, job_name: str,
                 job_uid: str | None = None) -> dict:
        """The pod as the Job controller creates it from ``spec.template``: controlled by the
        Job, with the job-tracking finalizer, and for an Indexed Job the completion index
        as annotation, label, ``JOB_COMPLETION_INDEX`` variable and ``<job>-<index>``
        hostname (job_controller.go manageJob, indexed_job_utils.go)."""
        pod = copy_json(template or {})
        metadata = pod.setdefault("metadata", {})
        spec = pod.setdefault("spec", {})
        metadata.update(name=self.name, namespace=namespace)
        owner = {"apiVersion": "batch/v1", "kind": "Job", "name": job_name, "controller": True,
                 "blockOwnerDeletion": True}
        if job_uid:
            owner["uid"] = job_uid
        metadata["ownerReferences"] = [owner]
        finalizers = metadata.setdefault("finalizers", [])
        if TRACKING_FINALIZER not in finalizers:
            finalizers.append(TRACKING_FINALIZER)
        if self.completion_index is not None:
            index = str(self.completion_index)
            metadata.setdefault("annotations", {})[COMPLETION_INDEX_ANNOTATION] = index
            metadata.setdefault("labels", {})[COMPLETION_INDEX_ANNOTATION] = index
            spec["hostname"] = f"{job_name}-{index}"
            variable = {"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
                "fieldPath": f"metadata.annotations['{COMPLETION_INDEX_ANNOTATION}']"}}}
            for container in spec.get("initContainers", []) + spec.get("containers", []):
                env = container.setdefault("env", [])
                if not any(e.get("name") == "JOB_COMPLETION_INDEX" for e in env):
                    env.append(variable)
        return pod


@dataclass(frozen=True)
class JobDecision:
    """What the engine applies after one sync of a Job."""
    create: tuple[PodToCreate, ...] = ()
    delete: tuple[str, ...] = ()          # pod names, in Kubernetes' order
    untrack: tuple[str, ...] = ()         # pods whose job-tracking finalizer to drop
    status: JobStatus = field(default_factory=JobStatus)
    events: tuple[Event, ...] = ()
    next_sync_time: float | None = None   # sync again then (active deadline, pod back-off)


# -- helpers ------------------------------------------------------------------------------------

def generate_name(base: str, rng: np.random.Generator) -> str:
    """SimpleNameGenerator.GenerateName: ``base`` (cut to 58 characters) + 5 characters of
    NAME_ALPHABET drawn from ``rng``."""
    if len(base) > MAX_GENERATED_NAME_LENGTH:
        base = base[:MAX_GENERATED_NAME_LENGTH]
    picks = rng.integers(0, len(NAME_ALPHABET), size=5)
    return base + "".join(NAME_ALPHABET[i] for i in picks)


def _generate_name_prefix(job_name: str, index: int | None) -> str:
    """``<job>-`` or, for an Indexed Job, podGenerateNameWithIndex's ``<job>-<index>-``."""
    if index is None:
        return job_name + "-"
    suffix = f"-{index}-"
    prefix = job_name + suffix
    if len(prefix) > MAX_GENERATED_NAME_LENGTH:
        prefix = prefix[:MAX_GENERATED_NAME_LENGTH - len(suffix)] + suffix
    return prefix


def pod_failure_backoff(failures: int, base: float = DEFAULT_POD_FAILURE_BACKOFF,
                        cap: float = MAX_POD_FAILURE_BACKOFF) -> float:
    """backoff_utils.go: the delay before recreating pods after ``failures`` consecutive
    failures: 10 s, 20 s, 40 s, ... doubling up to the cap; 0 without failures."""
    if failures <= 0:
        return 0.0
    delay = base
    for _ in range(1, failures):
        delay *= 2
        if delay >= cap:
            return cap
    return delay


def pod_backoff_remaining(failures: int, last_failure_time: float | None, now: float,
                          base: float = DEFAULT_POD_FAILURE_BACKOFF,
                          cap: float = MAX_POD_FAILURE_BACKOFF) -> float:
    """getRemainingTimeForFailuresCount: how long pod creation still waits after
    ``failures`` consecutive failures, the last at ``last_failure_time``."""
    if failures <= 0 or last_failure_time is None:
        return 0.0
    delay = pod_failure_backoff(failures, base, cap)
    elapsed = now - last_failure_time
    return 0.0 if delay < elapsed else delay - elapsed


def format_indexes(indexes) -> str:
    """Completed indexes as the API writes them (indexed_job_utils.go orderedIntervals
    String): sorted intervals, two neighbours as a list, longer runs as a range:
    ``"0,1"``, ``"0-2,4,7-9"``."""
    ordered = sorted(indexes)
    parts, i = [], 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        if j == i:
            parts.append(str(ordered[i]))
        elif j == i + 1:
            parts.append(f"{ordered[i]},{ordered[j]}")
        else:
            parts.append(f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def _removal_order(pod: JobPod) -> tuple:
    """controller.ActivePods: the pods to delete first sort first (unscheduled < scheduled,
    Pending < Unknown < Running, not ready < ready, ready for less time < longer, more
    restarts < fewer, newer < older); the name breaks remaining ties deterministically."""
    ready_key = (0, 0.0)
    if pod.ready:
        ready_key = (0, 0.0) if pod.ready_time is None else (1, -pod.ready_time)
    return (pod.scheduled, _PHASE_ORDINAL.get(pod.phase, 0), pod.ready, ready_key,
            -pod.restarts, -pod.creation_time, pod.name)


def _valid_index(pod: JobPod, spec: JobSpec) -> bool:
    return (pod.completion_index is not None and spec.completions is not None
            and 0 <= pod.completion_index < spec.completions)


def _pods_for_removal(spec: JobSpec, active: list[JobPod], at_least: int) -> list[JobPod]:
    """activePodsForRemoval: for Indexed Jobs, first the pods without a valid index and the
    extra pods of repeated indexes (keeping the most advanced one), then by ActivePods order."""
    remove: list[JobPod] = []
    left = active
    if spec.indexed:
        left = []
        by_index: dict[int, list[JobPod]] = {}
        for pod in active:
            if _valid_index(pod, spec):
                by_index.setdefault(pod.completion_index, []).append(pod)
            else:
                remove.append(pod)
        for index in sorted(by_index):
            group = sorted(by_index[index], key=_removal_order)
            remove.extend(group[:-1])
            left.append(group[-1])
    if len(remove) < at_least:
        remove.extend(sorted(left, key=_removal_order)[:at_least - len(remove)])
    return remove


def _first_pending_indexes(spec: JobSpec, succeeded: set[int], active: list[JobPod],
                           count: int) -> list[int]:
    """firstPendingIndexes: the lowest indexes neither succeeded nor held by an active pod."""
    busy = succeeded | {p.completion_index for p in active if _valid_index(p, spec)}
    result = []
    for index in range(spec.completions or 0):
        if len(result) >= count:
            break
        if index not in busy:
            result.append(index)
    return result


def _past_backoff_limit_on_failure(spec: JobSpec, pods: list[JobPod]) -> bool:
    """pastBackoffLimitOnFailure: with restartPolicy OnFailure, container restarts of the
    running and pending pods count against backoffLimit."""
    if spec.restart_policy != "OnFailure":
        return False
    restarts = sum(p.restarts for p in pods if p.phase in ("Running", "Pending"))
    return restarts > 0 if spec.backoff_limit == 0 else restarts >= spec.backoff_limit


def _set_condition(conditions: tuple[JobCondition, ...], new: JobCondition
                   ) -> tuple[tuple[JobCondition, ...], bool]:
    """ensureJobConditionStatus: update the condition of that type if it differs; append it
    only if its status is not False."""
    for i, old in enumerate(conditions):
        if old.type == new.type:
            if (old.status, old.reason, old.message) != (new.status, new.reason, new.message):
                return conditions[:i] + (new,) + conditions[i + 1:], True
            return conditions, False
    if new.status != "False":
        return conditions + (new,), True
    return conditions, False


# -- the decision -------------------------------------------------------------------------------

def decide_job(spec: JobSpec, status: JobStatus, pods, now: float, rng: np.random.Generator,
               *, name: str, deleting: bool = False,
               max_backoff: float = MAX_POD_FAILURE_BACKOFF) -> JobDecision:
    """One syncJob of the Job ``name`` at simulated time ``now``.

    ``pods`` are the JobPods the Job owns (finished ones included); ``rng`` draws the names
    of new pods; ``deleting`` says the Job has a deletionTimestamp (then only counting
    happens). A finished Job (Complete or Failed) is left alone, as Kubernetes does.
    """
    pods = list(pods)
    if status.finished:
        return JobDecision(status=status)
    events: list[Event] = []
    active_pods = [p for p in pods if p.active]
    terminating = sum(p.terminating for p in pods)
    only_failed_replaced = spec.pod_replacement_policy == "Failed"

    def considered_failed(pod: JobPod) -> bool:
        # isPodFailed: Failed, or (unless only Failed pods are replaced) deleted before success.
        if pod.phase == "Failed":
            return True
        return (not only_failed_replaced and pod.deletion_time is not None
                and pod.phase != "Succeeded")

    def countable(pod: JobPod) -> bool:
        return pod.tracked and (not spec.indexed or _valid_index(pod, spec))

    new_succeeded = [p for p in pods if countable(p) and p.phase == "Succeeded"]
    new_failed = [p for p in pods if countable(p) and considered_failed(p)]
    failed = status.failed + len(new_failed)
    succeeded_indexes = set(status.completed_indexes)
    if spec.indexed:
        succeeded_indexes |= {p.completion_index for p in new_succeeded}
        succeeded = len(succeeded_indexes)
    else:
        succeeded = status.succeeded + len(new_succeeded)
    untrack = [p.name for p in pods if p.tracked and (p.phase == "Succeeded"
                                                      or considered_failed(p))]

    start_time = status.start_time
    if start_time is None and not spec.suspend:
        start_time = now
    conditions = status.conditions
    next_sync: list[float] = []

    # Back-off: failures finished after the last success (backoff_utils.go newBackoffRecord,
    # recomputed from the pods, which kbench keeps until the Job is deleted). A failure is a
    # Failed pod, or a deleted one not yet counted; pods the controller itself deleted (scale
    # down, suspend: untracked) are not failures.
    last_success = max((p.finished_at() for p in pods if p.phase == "Succeeded"), default=None)
    recent_failures = [p.finished_at() for p in pods
                       if (p.phase == "Failed" or (p.tracked and considered_failed(p)))
                       and (last_success is None or p.finished_at() > last_success)]

    finished: JobCondition | None = None
    if failed > spec.backoff_limit or _past_backoff_limit_on_failure(spec, pods):
        finished = JobCondition("Failed", "True", "BackoffLimitExceeded", BACKOFF_LIMIT_MESSAGE, now)
    elif (spec.active_deadline_seconds is not None and start_time is not None
          and not spec.suspend and now - start_time >= spec.active_deadline_seconds):
        finished = JobCondition("Failed", "True", "DeadlineExceeded", DEADLINE_MESSAGE, now)

    create: list[PodToCreate] = []
    delete: list[JobPod] = []
    active = len(active_pods)
    ready = sum(p.ready for p in active_pods)
    if finished is not None:
        # The Job failed: delete its active pods (keeping their finalizers, so they count as
        # failed) and record the condition.
        delete = sorted(active_pods, key=lambda p: p.name)
        events += [Event("Normal", "SuccessfulDelete", f"Deleted pod: {p.name}") for p in delete]
        failed += sum(1 for p in pods if countable(p) and p.phase != "Succeeded"
                      and not considered_failed(p))
        untrack = [p.name for p in pods if p.tracked]
        active, ready = 0, 0
        terminating += len(delete)
    else:
        manage_called = not deleting
        if manage_called:
            create, delete, backoff_until = _manage(spec, active_pods, succeeded, succeeded_indexes,
                                                    terminating if only_failed_replaced else 0,
                                                    recent_failures, now, rng, name, pods,
                                                    max_backoff)
            if backoff_until is not None:
                next_sync.append(backoff_until)
            events += [Event("Normal", "SuccessfulCreate", f"Created pod: {p.name}")
                       for p in create]
            events += [Event("Normal", "SuccessfulDelete", f"Deleted pod: {p.name}")
                       for p in delete]
            active += len(create) - len(delete)
            ready -= sum(p.ready for p in delete)
            terminating += len(delete)
            untrack += [p.name for p in delete if p.tracked and p.name not in untrack]
        if spec.completions is None:
            complete = succeeded > 0 and active == 0
        else:
            complete = succeeded >= spec.completions and active == 0
        if complete:
            finished = JobCondition("Complete", "True", "", "", now)
        elif manage_called:
            if spec.suspend:
                conditions, changed = _set_condition(conditions, JobCondition(
                    "Suspended", "True", "JobSuspended", "Job suspended", now))
                if changed:
                    events.append(Event("Normal", "Suspended", "Job suspended"))
            else:
                conditions, changed = _set_condition(conditions, JobCondition(
                    "Suspended", "False", "JobResumed", "Job resumed", now))
                if changed:
                    events.append(Event("Normal", "Resumed", "Job resumed"))
                    # ActiveDeadlineSeconds counts from the (last) resume.
                    start_time = now

    completion_time = status.completion_time
    if finished is not None:
        conditions, _ = _set_condition(conditions, finished)
        if finished.type == "Complete":
            completion_time = now
            if spec.completions is not None and succeeded > spec.completions:
                events.append(Event("Warning", "TooManySucceededPods",
                                    "Too many succeeded pods running after completion count reached"))
            events.append(Event("Normal", "Completed", "Job completed"))
            untrack = [p.name for p in pods if p.tracked]
        else:
            events.append(Event("Warning", finished.reason, finished.message))
        next_sync = []
    elif (spec.active_deadline_seconds is not None and start_time is not None
          and not spec.suspend):
        # syncJob requeues the Job for the moment its active deadline passes.
        next_sync.append(start_time + spec.active_deadline_seconds)

    new_status = replace(status, active=active, ready=ready, succeeded=succeeded, failed=failed,
                         terminating=terminating, start_time=start_time,
                         completion_time=completion_time, conditions=conditions,
                         completed_indexes=frozenset(succeeded_indexes) if spec.indexed
                         else status.completed_indexes)
    return JobDecision(create=tuple(create), delete=tuple(p.name for p in delete),
                       untrack=tuple(untrack), status=new_status, events=tuple(events),
                       next_sync_time=min(next_sync) if next_sync else None)


def _manage(spec: JobSpec, active_pods: list[JobPod], succeeded: int, succeeded_indexes: set[int],
            terminating: int, recent_failures: list[float], now: float,
            rng: np.random.Generator, name: str, pods: list[JobPod], max_backoff: float):
    """manageJob: (pods to create, pods to delete, time the back-off ends or None)."""
    active = len(active_pods)
    if spec.suspend:
        return [], _pods_for_removal(spec, active_pods, active), None
    if spec.completions is None:
        # A work-queue Job: run ``parallelism`` pods until one succeeds, then let the rest finish.
        want = active if succeeded > 0 else spec.parallelism
    else:
        want = max(0, min(spec.completions - succeeded, spec.parallelism))
    remove = _pods_for_removal(spec, active_pods, max(0, active - want))
    if remove:
        # Deleting takes precedence: no creations in the same sync.
        return [], remove[:MAX_POD_CREATE_DELETE_PER_SYNC], None
    missing = want - terminating - active
    if missing <= 0:
        return [], [], None
    remaining = pod_backoff_remaining(len(recent_failures), max(recent_failures, default=None),
                                      now, cap=max_backoff)
    if remaining > 0:
        return [], [], now + remaining
    missing = min(missing, MAX_POD_CREATE_DELETE_PER_SYNC)
    indexes: list[int | None] = [None] * missing
    if spec.indexed:
        indexes = _first_pending_indexes(spec, succeeded_indexes, active_pods, missing)
    taken = {p.name for p in pods}
    create = []
    for index in indexes:
        prefix = _generate_name_prefix(name, index)
        pod_name = generate_name(prefix, rng)
        while pod_name in taken:  # the API server would refuse a duplicate; draw again
            pod_name = generate_name(prefix, rng)
        taken.add(pod_name)
        create.append(PodToCreate(pod_name, index, prefix))
    return create, [], None


# -- validation ---------------------------------------------------------------------------------

def validate_job(spec: dict, path: str = "spec") -> list:
    """The errors the API server gives for these Job spec fields (ValidateJobSpec), as
    ManifestErrors with field paths under ``path``; empty when valid. Covers parallelism,
    completions, backoffLimit and activeDeadlineSeconds (ValidateNonnegativeField: "must be
    greater than or equal to 0"; Kubernetes accepts an activeDeadlineSeconds of 0),
    completionMode and suspend; the pod template is kbench.api.validation's."""
    from kbench.errors import ManifestError

    def invalid(key: str, value, detail: str) -> ManifestError:
        return ManifestError(f"Invalid value: {json.dumps(value)}: {detail}",
                             field=f"{path}.{key}", value=value)

    errors = []
    if not isinstance(spec, dict):
        return [ManifestError("Invalid value: must be a mapping", field=path, value=spec)]
    for key in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit"):
        value = spec.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(invalid(key, value, "must be an integer"))
        elif value < 0:
            errors.append(invalid(key, value, "must be greater than or equal to 0"))
    mode = spec.get("completionMode")
    if mode is not None and mode not in ("NonIndexed", "Indexed"):
        errors.append(ManifestError(
            f'Unsupported value: "{mode}": supported values: "NonIndexed", "Indexed"',
            field=f"{path}.completionMode", value=mode))
    if mode == "Indexed" and spec.get("completions") is None:
        errors.append(ManifestError("Required value: when completion mode is Indexed",
                                    field=f"{path}.completions"))
    suspend = spec.get("suspend")
    if suspend is not None and not isinstance(suspend, bool):
        errors.append(invalid("suspend", suspend, "must be a boolean"))
    return errors


# -- state adapter ------------------------------------------------------------------------------

def controlled_rows(state, table: str, owner_table: str, owner_row: int) -> np.ndarray:
    """Live rows of ``table`` whose controller (ownerReferences entry with controller: true)
    is the object at ``owner_row`` of ``owner_table``: matched by uid, as Kubernetes'
    controllers match, so the dependents of an earlier owner of the same name are not
    taken for its own."""
    columns = state.tables[table]
    rows = columns.live_rows()
    return rows[columns["controller_uid"][rows] == state.tables[owner_table]["uid"][owner_row]]


def _parse_indexes(text: str | None) -> frozenset[int]:
    """``"0-2,4"`` -> {0, 1, 2, 4} (status.completedIndexes)."""
    indexes: set[int] = set()
    for part in (text or "").split(","):
        if not part:
            continue
        first, _, last = part.partition("-")
        indexes.update(range(int(first), int(last or first) + 1))
    return frozenset(indexes)


@dataclass(frozen=True)
class JobInputs:
    """Everything decide_job needs about one Job row of the state; ``pod_rows[i]`` is the
    pods-table row of ``pods[i]``."""
    spec: JobSpec
    status: JobStatus
    pods: tuple[JobPod, ...]
    pod_rows: np.ndarray = field(compare=False)
    name: str
    namespace: str | None
    deleting: bool

    def decide(self, now: float, rng: np.random.Generator) -> JobDecision:
        return decide_job(self.spec, self.status, self.pods, now, rng, name=self.name,
                          deleting=self.deleting)


def job_inputs(state, row: int) -> JobInputs:
    """Read the Job at ``row`` of ``state.tables["jobs"]`` and the pods it controls.

    A pod counts as tracked when its metadata.finalizers hold TRACKING_FINALIZER, so the
    engine must create Job pods with it (as Kubernetes does) and drop it for the pods a
    decision lists in ``untrack``."""
    from kbench.api.store import (  # (the API layer sits above)
        decode,
        optional_time,
        seconds_of,
    )
    from kbench.state.schema import POD_PHASES

    job = decode(state, "jobs", row)
    name, namespace = job.metadata.name, job.metadata.namespace
    spec = JobSpec.from_dict(dict(job.spec))
    raw = dict(job.status)
    conditions = tuple(
        JobCondition(c.get("type", ""), c.get("status", ""), c.get("reason") or "",
                     c.get("message") or "", seconds_of(c.get("lastTransitionTime")))
        for c in raw.get("conditions") or [])
    jobs = state.tables["jobs"]
    status = JobStatus(active=int(raw.get("active") or 0), ready=int(raw.get("ready") or 0),
                       succeeded=int(raw.get("succeeded") or 0),
                       failed=int(raw.get("failed") or 0),
                       terminating=int(raw.get("terminating") or 0),
                       start_time=optional_time(jobs["start_time"][row]),
                       completion_time=optional_time(jobs["completion_time"][row]),
                       conditions=conditions,
                       completed_indexes=_parse_indexes(raw.get("completedIndexes")))
    pods_table = state.tables["pods"]
    rows = controlled_rows(state, "pods", "jobs", row)
    pods = []
    for pod_row in rows.tolist():
        code = int(pods_table["annotations"][pod_row])
        annotations = (state.strings.document(code) if code >= 0 else None) or {}
        index_text = str(annotations.get(COMPLETION_INDEX_ANNOTATION, ""))
        body = state.strings.document(int(pods_table["body"][pod_row])) or {}
        finalizers = (body.get("metadata") or {}).get("finalizers") or []
        pods.append(JobPod(
            name=state.strings[int(pods_table["name"][pod_row])],
            phase=POD_PHASES[int(pods_table["phase"][pod_row])],
            creation_time=optional_time(pods_table["creation_time"][pod_row]) or 0.0,
            deletion_time=optional_time(pods_table["deletion_time"][pod_row]),
            ready=bool(pods_table["ready"][pod_row]),
            completion_index=int(index_text) if index_text.isdigit() else None,
            scheduled=bool(pods_table["node_index"][pod_row] >= 0
                           or pods_table["node_name"][pod_row] >= 0),
            ready_time=optional_time(pods_table["ready_time"][pod_row]),
            restarts=int(pods_table["restarts"][pod_row]),
            finish_time=optional_time(pods_table["finish_time"][pod_row]),
            tracked=TRACKING_FINALIZER in finalizers))
    return JobInputs(spec, status, tuple(pods), rows, name, namespace,
                     optional_time(jobs["deletion_time"][row]) is not None)
