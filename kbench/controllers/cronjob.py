"""The CronJob controller's decisions as a pure function: a CronJob, the Jobs it owns and the
time in; the Job to create, Jobs to delete, the new status, events and the time to run again out.

Source (facts carried over, not code): kubernetes pkg/controller/cronjob/
cronjob_controllerv2.go (sync, syncCronJob, cleanupFinishedJobs, removeOldestJobs, deleteJob,
getJobName, formatSchedule) and utils.go (mostRecentScheduleTime, nextScheduleTime,
nextScheduleTimeDuration, getJobFromTemplate2, byJobStartTime). Event reasons and messages are
Kubernetes' own.

One sync, in Kubernetes' order: delete finished Jobs beyond the history limits (oldest start
first); reconcile ``status.active`` with the Jobs seen (SawCompletedJob, UnexpectedJob,
MissingJob; lastSuccessfulTime); then, unless the CronJob is being deleted, has an unknown
time zone, is suspended or has an unusable schedule, find the most recent unmet schedule time
and either skip it (too late for startingDeadlineSeconds, already started, Forbid with an
active Job) or start a Job for it (Replace first deletes the active ones). Kubernetes syncs
again right after its own status update (the CronJob update event); kbench folds that
second pass in, so a Job seen finishing successfully also sets lastSuccessfulTime.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from kbench.api.objects import copy_json
from kbench.controllers.cron import EPOCH_UNIX, Schedule, load_time_zone, parse_schedule
from kbench.controllers.job import Event
from kbench.errors import ManifestError

__all__ = [
    "SCHEDULED_TIMESTAMP_ANNOTATION",
    "CronJobDecision",
    "CronJobInputs",
    "CronJobSpec",
    "CronJobStatus",
    "JobToCreate",
    "OwnedJob",
    "cronjob_inputs",
    "decide_cronjob",
    "job_name",
    "most_recent_schedule_time",
    "validate_cronjob",
]

#: batch/v1 CronJobScheduledTimestampAnnotation, set on the Jobs a CronJob creates.
SCHEDULED_TIMESTAMP_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"
#: utils.go nextScheduleDelta: Kubernetes requeues 100 ms after the schedule time (NTP skew).
NEXT_SCHEDULE_DELTA = 0.1
#: utils.go: more missed start times than this is "too many".
MAX_MISSED_START_TIMES = 100
CONCURRENCY_POLICIES = ("Allow", "Forbid", "Replace")
_TOO_MANY_MISSED = ("too many missed start times. Set or decrease .spec.startingDeadlineSeconds "
                    "or check clock skew")


@dataclass(frozen=True)
class CronJobSpec:
    """The spec fields the CronJob controller reads (defaults as SetDefaults_CronJob)."""
    schedule: str
    time_zone: str | None = None
    concurrency_policy: str = "Allow"
    suspend: bool = False
    starting_deadline_seconds: int | None = None
    successful_jobs_history_limit: int | None = 3
    failed_jobs_history_limit: int | None = 1
    job_template: dict = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def from_dict(cls, spec: dict) -> CronJobSpec:
        def limit(key: str, default: int) -> int | None:
            return spec.get(key, default)
        return cls(schedule=spec.get("schedule") or "", time_zone=spec.get("timeZone"),
                   concurrency_policy=spec.get("concurrencyPolicy") or "Allow",
                   suspend=bool(spec.get("suspend")),
                   starting_deadline_seconds=spec.get("startingDeadlineSeconds"),
                   successful_jobs_history_limit=limit("successfulJobsHistoryLimit", 3),
                   failed_jobs_history_limit=limit("failedJobsHistoryLimit", 1),
                   job_template=copy_json(spec.get("jobTemplate") or {}))


@dataclass(frozen=True)
class CronJobStatus:
    """status.active (Job names), lastScheduleTime and lastSuccessfulTime (simulated s)."""
    active: tuple[str, ...] = ()
    last_schedule_time: float | None = None
    last_successful_time: float | None = None


@dataclass(frozen=True)
class OwnedJob:
    """What the CronJob controller reads of a Job it controls."""
    name: str
    creation_time: float = 0.0
    start_time: float | None = None
    finished: str | None = None          # "Complete", "Failed" or None (still running)
    completion_time: float | None = None


@dataclass(frozen=True)
class JobToCreate:
    """A Job to create for ``scheduled_time`` (getJobFromTemplate2): the template's labels
    and annotations plus the scheduled-timestamp annotation, and the template's spec."""
    name: str
    scheduled_time: float
    labels: dict = field(hash=False, compare=False)
    annotations: dict = field(hash=False, compare=False)
    spec: dict = field(hash=False, compare=False)

    def manifest(self, namespace: str, cronjob_name: str, cronjob_uid: str | None = None) -> dict:
        """The Job object, controlled by its CronJob (ownerReferences)."""
        owner = {"apiVersion": "batch/v1", "kind": "CronJob", "name": cronjob_name,
                 "controller": True, "blockOwnerDeletion": True}
        if cronjob_uid:
            owner["uid"] = cronjob_uid
        metadata = {"name": self.name, "namespace": namespace, "ownerReferences": [owner]}
        if self.labels:
            metadata["labels"] = dict(self.labels)
        if self.annotations:
            metadata["annotations"] = dict(self.annotations)
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata,
                "spec": copy_json(self.spec)}


@dataclass(frozen=True)
class CronJobDecision:
    """What the engine applies after one sync of a CronJob."""
    create: JobToCreate | None = None
    delete: tuple[str, ...] = ()              # Job names, in order (history limits, Replace)
    status: CronJobStatus = field(default_factory=CronJobStatus)
    status_changed: bool = False
    events: tuple[Event, ...] = ()
    next_schedule_time: float | None = None   # the next time the schedule fires
    requeue_time: float | None = None         # when to sync again (None: only on a change)


# -- schedule arithmetic (utils.go) --------------------------------------------------------

class InvalidScheduleError(ValueError):
    """mostRecentScheduleTime's error for a schedule that never fires twice."""


def _go_time(moment: float) -> float:
    """robfig returns Go's zero time (year 1, before any real time) when no activation is
    found within five years; here ``next`` returns inf, which compares the other way."""
    return -math.inf if moment == math.inf else moment


def most_recent_schedule_time(schedule: Schedule, tz, creation_time: float,
                              last_schedule_time: float | None,
                              starting_deadline_seconds: int | None, now: float,
                              include_starting_deadline: bool
                              ) -> tuple[float, float | None, str]:
    """utils.go mostRecentScheduleTime: (earliest time considered, the most recent schedule
    time <= now or None, "none" / "few" / "many" missed). The count of missed times is
    Kubernetes' approximation (the interval between the next two activations divided into
    the time elapsed), so "many" (> 100) is decided exactly as Kubernetes decides it.
    Raises InvalidScheduleError when two activations are less than a second apart (a
    schedule such as "59 23 31 2 *" that never fires)."""
    earliest = creation_time if last_schedule_time is None else last_schedule_time
    if include_starting_deadline and starting_deadline_seconds is not None:
        earliest = max(earliest, now - starting_deadline_seconds)
    t1 = _go_time(schedule.next(earliest, tz))
    t2 = _go_time(schedule.next(t1, tz)) if t1 != -math.inf else -math.inf
    if now < t1:
        return earliest, None, "none"
    if now < t2:
        return earliest, t1, "none"
    between = round(t2 - t1) if math.isfinite(t2 - t1) else 0
    if between < 1:
        raise InvalidScheduleError("time difference between two schedules is less than 1 second")
    missed_count = int(now - t1) // between + 1
    potential_earliest = t1 + (missed_count - 2) * between
    most_recent = None
    moment = schedule.next(potential_earliest, tz)
    while moment <= now:
        most_recent = moment
        moment = schedule.next(moment, tz)
    missed = "many" if missed_count > MAX_MISSED_START_TIMES else "few"
    return earliest, most_recent, missed


def _next_schedule(schedule: Schedule, tz, creation_time: float, status: CronJobStatus,
                   now: float) -> float:
    """utils.go nextScheduleTimeDuration, as an absolute time: the activation after the most
    recent one (ignoring startingDeadlineSeconds). Kubernetes requeues 100 ms after it."""
    try:
        earliest, most_recent, missed = most_recent_schedule_time(
            schedule, tz, creation_time, status.last_schedule_time, None, now, False)
        if most_recent is None:
            most_recent = earliest if missed == "none" else now
    except InvalidScheduleError:
        most_recent = now
    return schedule.next(most_recent, tz)


def job_name(cronjob_name: str, scheduled_time: float) -> str:
    """getJobName: ``<cronjob>-<scheduled time in minutes since the Unix epoch>``."""
    return f"{cronjob_name}-{math.floor(scheduled_time + EPOCH_UNIX) // 60}"


def _rfc3339(seconds: float, zone) -> str:
    """Go's time.RFC3339 of a simulated time in ``zone`` ("Z" for UTC)."""
    instant = datetime.fromtimestamp(math.floor(seconds) + EPOCH_UNIX, tz=zone or UTC)
    text = instant.isoformat()
    return text[:-6] + "Z" if instant.utcoffset() == timedelta(0) else text


def _rfc1123z(seconds: float) -> str:
    """Go's time.RFC1123Z in UTC: "Mon, 02 Jan 2006 15:04:05 +0000"."""
    instant = datetime.fromtimestamp(math.floor(seconds) + EPOCH_UNIX, tz=UTC)
    return instant.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _start_order(job: OwnedJob) -> tuple:
    """byJobStartTime: Jobs with a start time first, oldest first; then by name."""
    return (job.start_time is None, job.start_time or 0.0, job.name)


# -- the decision -----------------------------------------------------------------------------

def decide_cronjob(spec: CronJobSpec, status: CronJobStatus, jobs, now: float, *, name: str,
                   creation_time: float, deleting: bool = False) -> CronJobDecision:
    """One sync of the CronJob ``name`` (created at ``creation_time``) at simulated time
    ``now``. ``jobs`` are the OwnedJobs it controls; ``deleting`` says it has a
    deletionTimestamp. Times are simulated seconds."""
    jobs = list(jobs)
    active = list(status.active)
    last_successful = status.last_successful_time
    events: list[Event] = []
    deleted: list[str] = []

    def delete_job(job_name_: str) -> None:
        # deleteJob: the Job, its reference in status.active, and an event.
        deleted.append(job_name_)
        if job_name_ in active:
            active.remove(job_name_)
        events.append(Event("Normal", "SuccessfulDelete", f"Deleted job {job_name_}"))

    # cleanupFinishedJobs (runs before syncCronJob, on the same list of Jobs).
    for kind, limit in (("Complete", spec.successful_jobs_history_limit),
                        ("Failed", spec.failed_jobs_history_limit)):
        if limit is None:
            continue
        finished = sorted((j for j in jobs if j.finished == kind), key=_start_order)
        for job in finished[:max(0, len(finished) - limit)]:
            delete_job(job.name)

    # syncCronJob: reconcile status.active with the Jobs seen.
    names = {job.name for job in jobs}
    for job in jobs:
        found = job.name in active
        if not found and job.finished is None:
            events.append(Event("Warning", "UnexpectedJob",
                                f"Saw a job that the controller did not create or forgot: {job.name}"))
        elif found and job.finished is not None:
            active.remove(job.name)
            events.append(Event("Normal", "SawCompletedJob",
                                f"Saw completed job: {job.name}, status: {job.finished}"))
    for job in jobs:  # (the immediate second sync) successful Jobs not active set lastSuccessfulTime
        if (job.finished == "Complete" and job.name not in active
                and job.completion_time is not None
                and (last_successful is None or job.completion_time > last_successful)):
            last_successful = job.completion_time
    for missing in [n for n in active if n not in names]:
        events.append(Event("Normal", "MissingJob", f"Active job went missing: {missing}"))
        active.remove(missing)

    def decision(create: JobToCreate | None = None, next_time: float | None = None,
                 last_schedule: float | None = status.last_schedule_time) -> CronJobDecision:
        new_status = CronJobStatus(tuple(active), last_schedule, last_successful)
        if next_time is not None and math.isinf(next_time):
            next_time = None  # no activation within five years: wait for a change
        requeue = None if next_time is None else next_time + NEXT_SCHEDULE_DELTA
        return CronJobDecision(create=create, delete=tuple(deleted), status=new_status,
                               status_changed=new_status != status, events=tuple(events),
                               next_schedule_time=next_time, requeue_time=requeue)

    if deleting:
        return decision()
    try:
        zone = load_time_zone(spec.time_zone)
    except ManifestError:
        events.append(Event("Warning", "UnknownTimeZone",
                            f'invalid timeZone: "{spec.time_zone}": unknown time zone {spec.time_zone}'))
        return decision()
    if spec.suspend:
        return decision()
    try:
        schedule = parse_schedule(spec.schedule)
    except ManifestError as error:
        detail = getattr(error, "detail", error.reason)
        events.append(Event("Warning", "UnparseableSchedule",
                            f'unparseable schedule: "{spec.schedule}" : {detail}'))
        return decision()

    current = CronJobStatus(tuple(active), status.last_schedule_time, last_successful)
    try:
        _, scheduled, missed = most_recent_schedule_time(
            schedule, zone, creation_time, status.last_schedule_time,
            spec.starting_deadline_seconds, now, True)
    except InvalidScheduleError as error:
        events.append(Event("Warning", "InvalidSchedule",
                            f"invalid schedule: {spec.schedule} : {error}"))
        return decision()
    if scheduled is not None and missed == "many":
        events.append(Event("Warning", "TooManyMissedTimes", _TOO_MANY_MISSED))

    def later() -> CronJobDecision:
        return decision(next_time=_next_schedule(schedule, zone, creation_time, current, now))

    if scheduled is None:
        return later()
    if (spec.starting_deadline_seconds is not None
            and scheduled + spec.starting_deadline_seconds < now):
        events.append(Event("Warning", "MissSchedule",
                            f"Missed scheduled time to start a job: {_rfc1123z(scheduled)}"))
        return later()
    new_name = job_name(name, scheduled)
    if new_name in active or status.last_schedule_time == scheduled:
        return later()  # already processed
    if spec.concurrency_policy == "Forbid" and active:
        events.append(Event("Normal", "JobAlreadyActive",
                            "Not starting job because prior execution is running and "
                            "concurrency policy is Forbid"))
        return later()
    if spec.concurrency_policy == "Replace":
        for running in list(active):
            delete_job(running)

    template = spec.job_template or {}
    metadata = template.get("metadata") or {}
    annotations = dict(metadata.get("annotations") or {})
    annotations[SCHEDULED_TIMESTAMP_ANNOTATION] = _rfc3339(scheduled, zone)
    create = JobToCreate(new_name, scheduled, dict(metadata.get("labels") or {}), annotations,
                         copy_json(template.get("spec") or {}))
    if new_name in names:
        create = None  # AlreadyExists: the Job is ours but was missing from status.active
    else:
        events.append(Event("Normal", "SuccessfulCreate", f"Created job {new_name}"))
    active.append(new_name)
    current = CronJobStatus(tuple(active), scheduled, last_successful)
    return decision(create=create,
                    next_time=_next_schedule(schedule, zone, creation_time, current, now),
                    last_schedule=scheduled)


# -- state adapter -------------------------------------------------------------------------

@dataclass(frozen=True)
class CronJobInputs:
    """Everything decide_cronjob needs about one CronJob row of the state."""
    spec: CronJobSpec
    status: CronJobStatus
    jobs: tuple[OwnedJob, ...]
    name: str
    namespace: str | None
    creation_time: float
    deleting: bool

    def decide(self, now: float) -> CronJobDecision:
        return decide_cronjob(self.spec, self.status, self.jobs, now, name=self.name,
                              creation_time=self.creation_time, deleting=self.deleting)


def cronjob_inputs(state, row: int) -> CronJobInputs:
    """Read the CronJob at ``row`` of ``state.tables["cronjobs"]`` and the Jobs it controls
    (ownerReferences with controller: true, kind CronJob, its name, same namespace)."""
    from kbench.api.store import decode, optional_time  # (the API layer sits above)

    cronjobs = state.tables["cronjobs"]
    cronjob = decode(state, "cronjobs", row)
    name, namespace = cronjob.metadata.name, cronjob.metadata.namespace
    spec = CronJobSpec.from_dict(dict(cronjob.spec))
    active = tuple(ref.get("name") for ref in (cronjob.status.active or []))
    status = CronJobStatus(active, optional_time(cronjobs["last_schedule_time"][row]),
                           optional_time(cronjobs["last_successful_time"][row]))
    jobs_table = state.tables["jobs"]
    owned = []
    for job_row in jobs_named_owner(state, name, namespace).tolist():
        code = int(jobs_table["conditions"][job_row])
        conditions = (state.strings.document(code) if code >= 0 else None) or []
        finished = next((c.get("type") for c in conditions
                         if c.get("type") in ("Complete", "Failed") and c.get("status") == "True"),
                        None)
        owned.append(OwnedJob(
            name=state.strings[int(jobs_table["name"][job_row])],
            creation_time=optional_time(jobs_table["creation_time"][job_row]) or 0.0,
            start_time=optional_time(jobs_table["start_time"][job_row]),
            finished=finished,
            completion_time=optional_time(jobs_table["completion_time"][job_row])))
    return CronJobInputs(spec, status, tuple(owned), name, namespace,
                         optional_time(cronjobs["creation_time"][row]) or 0.0,
                         optional_time(cronjobs["deletion_time"][row]) is not None)


# -- validation ------------------------------------------------------------------------------

def validate_cronjob(spec: dict, path: str = "spec") -> list[ManifestError]:
    """The errors the API server gives for a CronJob's own spec fields (validateCronJobSpec),
    with field paths under ``path``; empty when valid: schedule (robfig's parse error, then
    TZ / CRON_TZ in it), timeZone (an IANA name, not "Local"), concurrencyPolicy,
    startingDeadlineSeconds and the history limits (>= 0). The jobTemplate's Job spec is
    validate_job's and kbench.api.validation's."""
    import json

    errors: list[ManifestError] = []
    if not isinstance(spec, dict):
        return [ManifestError("Invalid value: must be a mapping", field=path, value=spec)]
    schedule = spec.get("schedule")
    if schedule in (None, ""):
        errors.append(ManifestError("Required value", field=f"{path}.schedule"))
    else:
        try:
            parse_schedule(schedule, field=f"{path}.schedule")
        except ManifestError as error:
            errors.append(error)
    time_zone = spec.get("timeZone")
    if time_zone is not None:
        where = f"{path}.timeZone"
        if time_zone == "":
            errors.append(ManifestError('Invalid value: "": timeZone must be nil or non-empty string',
                                        field=where, value=time_zone))
        elif str(time_zone).lower() == "local":
            errors.append(ManifestError(
                f"Invalid value: {json.dumps(time_zone)}: timeZone must be an explicit time zone "
                f"as defined in https://www.iana.org/time-zones", field=where, value=time_zone))
        else:
            try:
                load_time_zone(time_zone, field=where)
            except ManifestError as error:
                errors.append(error)
    policy = spec.get("concurrencyPolicy")
    if policy not in (None, "") and policy not in CONCURRENCY_POLICIES:
        errors.append(ManifestError(
            f'Unsupported value: {json.dumps(policy)}: supported values: "Allow", "Forbid", "Replace"',
            field=f"{path}.concurrencyPolicy", value=policy))
    for key in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        value = spec.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(ManifestError(f"Invalid value: {json.dumps(value)}: must be an integer",
                                        field=f"{path}.{key}", value=value))
        elif value < 0:
            errors.append(ManifestError(
                f"Invalid value: {value}: must be greater than or equal to 0",
                field=f"{path}.{key}", value=value))
    return errors


def jobs_named_owner(state, name: str, namespace: str | None) -> np.ndarray:
    """Live Jobs whose controller (ownerReferences entry with controller: true) is a CronJob
    named ``name`` in ``namespace``: by name, as the CronJob controller's
    getJobsToBeReconciled matches (not by uid). Jobs of one owner share one interned
    ownerReferences document, so each distinct document is read once."""
    columns = state.tables["jobs"]
    rows = columns.live_rows()
    if len(rows) == 0:
        return rows
    namespace_code = state.strings.code_of(namespace) if namespace is not None else -1
    rows = rows[columns["namespace"][rows] == namespace_code]
    codes = columns["owner_references"][rows]
    matching = []
    for code in np.unique(codes[codes >= 0]).tolist():
        owners = state.strings.document(int(code)) or []
        if any(isinstance(o, dict) and o.get("controller") and o.get("kind") == "CronJob"
               and o.get("name") == name for o in owners):
            matching.append(code)
    return rows[np.isin(codes, np.asarray(matching, dtype=codes.dtype))]
