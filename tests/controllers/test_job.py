"""The Job controller's decisions (kubernetes pkg/controller/job)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbench.controllers.job import (
    BACKOFF_LIMIT_MESSAGE,
    DEADLINE_MESSAGE,
    NAME_ALPHABET,
    JobCondition,
    JobPod,
    JobSpec,
    JobStatus,
    _removal_order,
    decide_job,
    format_indexes,
    generate_name,
    pod_backoff_remaining,
    pod_failure_backoff,
    validate_job,
)

NOW = 10_000.0


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def pods_of(pending=0, active=0, ready=0, succeeded=0, failed=0, indexed=()):
    """job_controller_test.go setPodsStatuses / setPodsStatusesWithIndexes: ``active``
    Running pods (the first ``ready`` of them Ready), plus pods per (index, phase)."""
    pods = []
    for phase, count in (("Pending", pending), ("Running", active), ("Succeeded", succeeded),
                         ("Failed", failed)):
        for i in range(count):
            pods.append(JobPod(f"{phase.lower()}-{i}", phase, ready=phase == "Running" and i < ready,
                               scheduled=phase != "Pending"))
    for i, (index, phase) in enumerate(indexed):
        pods.append(JobPod(f"indexed-{i}", phase, scheduled=phase != "Pending",
                           completion_index=None if index == "invalid" else int(index)))
    return pods


def job_spec(parallelism, completions, backoff_limit=6, mode="NonIndexed", suspend=False,
             deadline=None, restart_policy="Never"):
    return JobSpec(parallelism=parallelism, completions=None if completions < 0 else completions,
                   backoff_limit=backoff_limit, completion_mode=mode, suspend=suspend,
                   active_deadline_seconds=deadline, restart_policy=restart_policy)


# -- job_controller_test.go TestControllerSyncJob ----------------------------------------------

S, F, R, P = "Succeeded", "Failed", "Running", "Pending"
SYNC = {
    # name: (parallelism, completions, backoffLimit, mode, pods kwargs, extra, expectations)
    "job start": (2, 5, 6, "NonIndexed", {}, {}, {"creations": 2, "active": 2}),
    "WQ job start": (2, -1, 6, "NonIndexed", {}, {}, {"creations": 2, "active": 2}),
    "pending pods": (2, 5, 6, "NonIndexed", {"pending": 2}, {}, {"active": 2}),
    "correct # of pods": (3, 5, 6, "NonIndexed", {"active": 3, "ready": 2}, {},
                          {"active": 3, "ready": 2}),
    "WQ job: correct # of pods": (2, -1, 6, "NonIndexed", {"active": 2}, {}, {"active": 2}),
    "too few active pods": (2, 5, 6, "NonIndexed", {"active": 1, "succeeded": 1}, {},
                            {"creations": 1, "active": 2, "succeeded": 1}),
    "too few active pods with a dynamic job": (2, -1, 6, "NonIndexed", {"active": 1}, {},
                                               {"creations": 1, "active": 2}),
    "too many active pods": (2, 5, 6, "NonIndexed", {"active": 3}, {},
                             {"deletions": 1, "active": 2}),
    "failed + succeed pods: reset backoff delay": (2, 5, 6, "NonIndexed",
                                                   {"active": 1, "succeeded": 1, "failed": 1}, {},
                                                   {"creations": 1, "active": 2, "succeeded": 1,
                                                        "failed": 1}),
    "new failed pod": (2, 5, 6, "NonIndexed", {"active": 1, "failed": 1}, {},
                       {"creations": 1, "active": 2, "failed": 1}),
    "job finish": (2, 5, 6, "NonIndexed", {"succeeded": 5}, {},
                   {"succeeded": 5, "condition": ("Complete", "True", "")}),
    "WQ job finishing": (2, -1, 6, "NonIndexed", {"active": 1, "succeeded": 1}, {},
                         {"active": 1, "succeeded": 1}),
    "WQ job all finished": (2, -1, 6, "NonIndexed", {"succeeded": 2}, {},
                            {"succeeded": 2, "condition": ("Complete", "True", "")}),
    "WQ job all finished despite one failure": (2, -1, 6, "NonIndexed",
                                                {"succeeded": 1, "failed": 1}, {},
                                                {"succeeded": 1, "failed": 1,
                                                     "condition": ("Complete", "True", "")}),
    "more active pods than parallelism": (2, 5, 6, "NonIndexed", {"active": 10}, {},
                                          {"deletions": 8, "active": 2}),
    "more active pods than remaining completions": (3, 4, 6, "NonIndexed",
                                                    {"active": 3, "succeeded": 2}, {},
                                                    {"deletions": 1, "active": 2, "succeeded": 2}),
    "status change": (2, 5, 6, "NonIndexed", {"active": 2, "succeeded": 2}, {},
                      {"active": 2, "succeeded": 2}),
    "deleting job": (2, 5, 6, "NonIndexed", {"pending": 1, "active": 1, "succeeded": 1},
                     {"deleting": True}, {"active": 2, "succeeded": 1}),
    "too many job failures": (2, 5, 0, "NonIndexed", {"failed": 1}, {"deleting": True},
                              {"failed": 1, "condition": ("Failed", "True", "BackoffLimitExceeded")}),
    "indexed job start": (2, 5, 6, "Indexed", {}, {},
                          {"creations": 2, "active": 2, "created_indexes": {0, 1}}),
    "indexed job completed": (2, 3, 6, "Indexed",
                              {"indexed": [("0", S), ("1", F), ("1", S), ("2", S)]}, {},
                              {"succeeded": 3, "failed": 1, "completed": "0-2",
                                   "condition": ("Complete", "True", "")}),
    "indexed job repeated completed index": (2, 3, 6, "Indexed",
                                             {"indexed": [("0", S), ("1", S), ("1", S)]}, {},
                                             {"creations": 1, "active": 1, "succeeded": 2,
                                                  "completed": "0,1", "created_indexes": {2}}),
    "indexed job some running and completed pods": (
        8, 20, 6, "Indexed",
        {"indexed": [("0", R), ("2", S), ("3", P), ("4", S), ("5", S), ("7", S), ("8", S),
                      ("9", S)]}, {},
        {"creations": 6, "active": 8, "succeeded": 6, "completed": "2,4,5,7-9",
             "created_indexes": {1, 6, 10, 11, 12, 13}}),
    "indexed job some failed pods": (3, 4, 6, "Indexed",
                                     {"indexed": [("0", F), ("1", P), ("2", F)]}, {},
                                     {"creations": 2, "active": 3, "failed": 2, "created_indexes": {0, 2}}),
    "indexed job some pods without index": (
        2, 5, 6, "Indexed",
        {"active": 1, "succeeded": 1, "failed": 1,
             "indexed": [("invalid", R), ("invalid", S), ("invalid", F), ("invalid", P), ("0", S),
                      ("1", R), ("2", R)]}, {},
        {"deletions": 3, "active": 2, "succeeded": 1, "failed": 0, "completed": "0"}),
    "indexed job repeated indexes": (
        5, 5, 6, "Indexed",
        {"succeeded": 1, "failed": 1,
             "indexed": [("invalid", R), ("0", S), ("1", R), ("2", R), ("2", P)]}, {},
        {"deletions": 2, "active": 2, "succeeded": 1, "completed": "0"}),
    "indexed job with indexes outside of range": (
        2, 5, 6, "Indexed", {"indexed": [("0", S), ("5", R), ("6", S), ("7", P), ("8", F)]}, {},
        {"deletions": 2, "active": 0, "succeeded": 1, "failed": 0, "completed": "0"}),
    "suspending a job with satisfied expectations": (
        2, 4, 6, "NonIndexed", {"active": 2}, {"suspend": True},
        {"deletions": 2, "active": 0, "condition": ("Suspended", "True", "JobSuspended")}),
    "resuming a suspended job": (
        2, 4, 6, "NonIndexed", {}, {"was_suspended": True},
        {"creations": 2, "active": 2, "condition": ("Suspended", "False", "JobResumed")}),
    "suspending a deleted job": (2, 4, 6, "NonIndexed", {"active": 2},
                                 {"suspend": True, "deleting": True}, {"active": 2}),
}
# Not ported: the cases about API errors ("..., with controller error"), the informer's
# expectations ("..., unsatisfied expectations") and a fake pod-creation limit ("limited
# pods"); the simulator has none of them.


@pytest.mark.parametrize("name", list(SYNC))
def test_controller_sync_job(name):
    # kubernetes job_controller_test.go TestControllerSyncJob (tracking with finalizers)
    parallelism, completions, backoff, mode, pod_kwargs, extra, want = SYNC[name]
    spec = job_spec(parallelism, completions, backoff, mode, suspend=extra.get("suspend", False))
    status = JobStatus()
    if extra.get("was_suspended"):
        status = JobStatus(conditions=(JobCondition("Suspended", "True", "JobSuspended",
                                                    "Job suspended", 0.0),))
    decision = decide_job(spec, status, pods_of(**pod_kwargs), NOW, rng(), name="foobar",
                          deleting=extra.get("deleting", False))
    assert len(decision.create) == want.get("creations", 0)
    assert len(decision.delete) == want.get("deletions", 0)
    assert decision.status.active == want["active"] if "active" in want else True
    assert decision.status.succeeded == want.get("succeeded", 0)
    assert decision.status.failed == want.get("failed", 0)
    if "ready" in want:
        assert decision.status.ready == want["ready"]
    if "completed" in want:
        assert format_indexes(decision.status.completed_indexes) == want["completed"]
    if "created_indexes" in want:
        assert {pod.completion_index for pod in decision.create} == want["created_indexes"]
    if "condition" in want:
        kind, condition_status, reason = want["condition"]
        condition = decision.status.condition(kind)
        assert (condition.status, condition.reason) == (condition_status, reason)
    else:
        assert decision.status.finished is None
    # startTime is set on the first sync of a Job that is not suspended.
    assert decision.status.start_time == (None if extra.get("suspend") else NOW)


# -- TestSyncJobPastDeadline ---------------------------------------------------------------

@pytest.mark.parametrize("parallelism,completions,deadline,started,backoff,active,succeeded,"
                         "failed,deletions,want_active,want_succeeded,want_failed,reason", [
    (1, 1, 10, 15, 6, 1, 0, 0, 1, 0, 0, 1, "DeadlineExceeded"),
    (1, 2, 10, 15, 6, 1, 1, 0, 1, 0, 1, 1, "DeadlineExceeded"),
    (1, 1, 10, 10, 6, 0, 0, 0, 0, 0, 0, 0, "DeadlineExceeded"),
    (1, 1, 1, 10, 0, 0, 0, 1, 0, 0, 0, 1, "BackoffLimitExceeded"),
], ids=["activeDeadlineSeconds less than single pod execution",
        "activeDeadlineSeconds bigger than single pod execution",
        "activeDeadlineSeconds times-out before any pod starts",
        "activeDeadlineSeconds with backofflimit reach"])
def test_sync_job_past_deadline(parallelism, completions, deadline, started, backoff, active,
                                succeeded, failed, deletions, want_active, want_succeeded,
                                want_failed, reason):
    # kubernetes job_controller_test.go TestSyncJobPastDeadline
    spec = job_spec(parallelism, completions, backoff, deadline=deadline)
    status = JobStatus(start_time=NOW - started)
    decision = decide_job(spec, status, pods_of(active=active, succeeded=succeeded, failed=failed),
                          NOW, rng(), name="foobar")
    assert decision.create == ()
    assert len(decision.delete) == deletions
    assert (decision.status.active, decision.status.succeeded, decision.status.failed) == (
        want_active, want_succeeded, want_failed)
    condition = decision.status.condition("Failed")
    assert (condition.status, condition.reason) == ("True", reason)
    message = DEADLINE_MESSAGE if reason == "DeadlineExceeded" else BACKOFF_LIMIT_MESSAGE
    assert decision.events[-1] == ("Warning", reason, message)
    assert decision.next_sync_time is None


def test_sync_past_deadline_job_finished():
    # TestSyncPastDeadlineJobFinished / TestSyncJobComplete: a finished Job is left alone.
    for condition in (JobCondition("Failed", "True", "DeadlineExceeded", DEADLINE_MESSAGE, 1.0),
                      JobCondition("Complete", "True", "", "", 1.0)):
        status = JobStatus(start_time=NOW - 15, conditions=(condition,))
        decision = decide_job(job_spec(1, 1, deadline=10), status, pods_of(active=1), NOW, rng(),
                              name="foobar")
        assert decision.create == () and decision.delete == () and decision.events == ()
        assert decision.status is status


def test_active_deadline_requeues_the_job():
    # syncJob: "Job has activeDeadlineSeconds configuration. Will sync this job again".
    decision = decide_job(job_spec(1, 1, deadline=100), JobStatus(start_time=NOW - 30),
                          pods_of(active=1), NOW, rng(), name="foobar")
    assert decision.next_sync_time == NOW + 70
    first = decide_job(job_spec(1, 1, deadline=100), JobStatus(), [], NOW, rng(), name="foobar")
    assert first.status.start_time == NOW and first.next_sync_time == NOW + 100


# -- TestJobBackoffForOnFailure --------------------------------------------------------------

@pytest.mark.parametrize("parallelism,completions,backoff,restarts,phase,active,failed,failed_cond", [
    (1, 1, 0, [0], R, 1, 0, False),
    (1, 1, 1, [0], R, 1, 0, False),
    (1, 1, 1, [1], R, 0, 1, True),
    (1, 1, 1, [1], P, 0, 1, True),
    (1, 5, 2, [2], R, 0, 1, True),
    (1, 5, 2, [2], P, 0, 1, True),
    (2, 5, 2, [1, 1], R, 0, 2, True),
    (2, 5, 2, [1, 1], P, 0, 2, True),
    (2, 5, 3, [1, 1], R, 2, 0, False),
], ids=["backoffLimit 0 should have 1 pod active",
        "backoffLimit 1 with restartCount 0 should have 1 pod active",
        "backoffLimit 1 with restartCount 1 and podRunning should have 0 pod active",
        "backoffLimit 1 with restartCount 1 and podPending should have 0 pod active",
        "too many job failures with podRunning - single pod",
        "too many job failures with podPending - single pod",
        "too many job failures with podRunning - multiple pods",
        "too many job failures with podPending - multiple pods",
        "not enough failures"])
def test_job_backoff_for_on_failure(parallelism, completions, backoff, restarts, phase, active,
                                    failed, failed_cond):
    # kubernetes job_controller_test.go TestJobBackoffForOnFailure
    spec = job_spec(parallelism, completions, backoff, restart_policy="OnFailure")
    pods = [JobPod(f"p{i}", phase, restarts=count) for i, count in enumerate(restarts)]
    decision = decide_job(spec, JobStatus(), pods, NOW, rng(), name="foobar")
    assert (decision.status.active, decision.status.succeeded, decision.status.failed) == (
        active, 0, failed)
    condition = decision.status.condition("Failed")
    assert (condition is not None and condition.reason == "BackoffLimitExceeded") is failed_cond


# -- backoff_utils_test.go TestGetRemainingBackoffTime ---------------------------------------

@pytest.mark.parametrize("failures,elapsed,want", [
    (0, None, 0), (1, 0, 5), (1, 1, 4), (1, 5, 0), (1, 6, 0), (3, 0, 20), (8, 0, 640),
    (9, 0, 700),
], ids=["no failures", "one failure; current time and failure time are same",
        "one failure; current time == 1 second + failure time",
        "one failure; current time == expected backoff time",
        "one failure; current time == expected backoff time + 1 Second",
        "three failures; current time and failure time are same",
        "eight failures; current time and failure time are same; backoff not exceeding maxBackoff",
        "nine failures; current time and failure time are same; backoff exceeding maxBackoff"])
def test_get_remaining_backoff_time(failures, elapsed, want):
    last = None if elapsed is None else NOW - elapsed
    assert pod_backoff_remaining(failures, last, NOW, base=5, cap=700) == want


def test_default_backoff_is_10s_doubling_to_the_cap():
    assert [pod_failure_backoff(n) for n in range(1, 9)] == [10, 20, 40, 80, 160, 320, 600, 600]


def test_failed_pods_hold_back_replacements():
    # Two failures after the last success: 20 s from the last failure before new pods.
    pods = [JobPod("ok", S, finish_time=NOW - 100), JobPod("bad-1", F, finish_time=NOW - 50),
            JobPod("bad-2", F, finish_time=NOW - 5)]
    decision = decide_job(job_spec(1, 3), JobStatus(), pods, NOW, rng(), name="foobar")
    assert decision.create == () and decision.next_sync_time == NOW + 15
    assert decision.status.failed == 2 and decision.status.succeeded == 1
    assert set(decision.untrack) == {"ok", "bad-1", "bad-2"}
    later = decide_job(job_spec(1, 3), decision.status,
                       [p.__class__(**{**p.__dict__, "tracked": False}) for p in pods],
                       NOW + 15, rng(), name="foobar")
    assert len(later.create) == 1 and later.status.failed == 2  # counted once
    # A failure before the latest success does not count towards the back-off.
    reset = [JobPod("bad", F, finish_time=NOW - 5), JobPod("ok", S, finish_time=NOW - 1)]
    assert len(decide_job(job_spec(1, 3), JobStatus(), reset, NOW, rng(),
                          name="foobar").create) == 1


# -- pod names, deletion order, events ---------------------------------------------------------

def test_pod_names_use_the_kubernetes_alphabet_and_are_deterministic():
    first = decide_job(job_spec(3, 3), JobStatus(), [], NOW, rng(7), name="pi")
    again = decide_job(job_spec(3, 3), JobStatus(), [], NOW, rng(7), name="pi")
    assert first == again
    for pod in first.create:
        assert re.fullmatch(f"pi-[{NAME_ALPHABET}]{{5}}", pod.name)
    assert [e.message for e in first.events] == [f"Created pod: {p.name}" for p in first.create]
    assert all(e.reason == "SuccessfulCreate" and e.type == "Normal" for e in first.events)
    indexed = decide_job(job_spec(2, 4, mode="Indexed"), JobStatus(), [], NOW, rng(7), name="pi")
    assert [p.completion_index for p in indexed.create] == [0, 1]
    assert re.fullmatch(f"pi-1-[{NAME_ALPHABET}]{{5}}", indexed.create[1].name)
    long_name = "j" * 70
    assert len(generate_name(long_name, rng())) == 63


def test_deletion_order_is_controller_active_pods():
    # controller.ActivePods: unscheduled < scheduled, Pending < Unknown < Running, not ready <
    # ready, ready for less time < longer, more restarts < fewer, newer < older.
    pods = [
        JobPod("old-ready", R, creation_time=1, scheduled=True, ready=True, ready_time=10),
        JobPod("new-ready", R, creation_time=2, scheduled=True, ready=True, ready_time=20),
        JobPod("running", R, creation_time=3, scheduled=True),
        JobPod("restarted", R, creation_time=1, scheduled=True, restarts=3),
        JobPod("unknown", "Unknown", creation_time=1, scheduled=True),
        JobPod("pending-old", P, creation_time=1, scheduled=True),
        JobPod("pending-new", P, creation_time=5, scheduled=True),
        JobPod("unscheduled", P, creation_time=0),
    ]
    order = [p.name for p in sorted(pods, key=_removal_order)]
    assert order == ["unscheduled", "pending-new", "pending-old", "unknown", "restarted",
                     "running", "new-ready", "old-ready"]
    decision = decide_job(job_spec(3, 10), JobStatus(), pods, NOW, rng(), name="foobar")
    assert decision.delete == tuple(order[:5])
    assert [e.message for e in decision.events] == [f"Deleted pod: {n}" for n in order[:5]]
    assert decision.status.active == 3 and decision.status.ready == 2
    assert set(decision.untrack) == set(order[:5])  # scale-down deletions are never failures


def test_completion_event_and_time():
    decision = decide_job(job_spec(2, 2), JobStatus(start_time=1.0), pods_of(succeeded=3), NOW,
                          rng(), name="foobar")
    assert decision.status.completion_time == NOW
    assert [e.reason for e in decision.events] == ["TooManySucceededPods", "Completed"]
    assert decision.events[-1] == ("Normal", "Completed", "Job completed")
    assert decision.status.to_dict()["conditions"][0]["type"] == "Complete"


def test_backoff_limit_failure_deletes_active_pods_and_counts_them():
    pods = pods_of(active=2, failed=2)
    decision = decide_job(job_spec(2, 5, backoff_limit=1), JobStatus(), pods, NOW, rng(),
                          name="foobar")
    assert sorted(decision.delete) == ["running-0", "running-1"]
    assert decision.status.failed == 4 and decision.status.active == 0
    assert decision.status.completion_time is None
    assert decision.events[-1] == ("Warning", "BackoffLimitExceeded", BACKOFF_LIMIT_MESSAGE)


def test_terminating_pods_are_replaced_unless_policy_failed():
    terminating = [JobPod("going", R, deletion_time=NOW - 1, tracked=False)]
    default = decide_job(job_spec(1, 1), JobStatus(), terminating, NOW, rng(), name="foobar")
    assert len(default.create) == 1 and default.status.terminating == 1
    spec = JobSpec(parallelism=1, completions=1, pod_replacement_policy="Failed")
    wait = decide_job(spec, JobStatus(), terminating, NOW, rng(), name="foobar")
    assert wait.create == ()


def test_spec_from_dict_applies_defaults():
    assert JobSpec.from_dict({}) == JobSpec(parallelism=1, completions=1, backoff_limit=6)
    spec = JobSpec.from_dict({"parallelism": 4, "completionMode": "Indexed", "completions": 8,
                              "template": {"spec": {"restartPolicy": "OnFailure"}}})
    assert (spec.parallelism, spec.completions, spec.indexed, spec.restart_policy) == (
        4, 8, True, "OnFailure")
    assert JobSpec.from_dict({"parallelism": 2}).completions is None  # a work queue


@pytest.mark.parametrize("spec,field,reason", [
    ({"parallelism": -1}, "spec.parallelism", "Invalid value: -1: must be greater than or equal to 0"),
    ({"completions": -2}, "spec.completions", "Invalid value: -2: must be greater than or equal to 0"),
    ({"backoffLimit": -1}, "spec.backoffLimit", "Invalid value: -1: must be greater than or equal to 0"),
    ({"activeDeadlineSeconds": -5}, "spec.activeDeadlineSeconds",
     "Invalid value: -5: must be greater than or equal to 0"),
    ({"parallelism": "two"}, "spec.parallelism", 'Invalid value: "two": must be an integer'),
    ({"completionMode": "Sometimes"}, "spec.completionMode",
     'Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"'),
    ({"completionMode": "Indexed"}, "spec.completions", "Required value: when completion mode is Indexed"),
])
def test_validate_job(spec, field, reason):
    errors = validate_job(spec)
    assert [(e.field, e.reason) for e in errors] == [(field, reason)]


def test_validate_job_accepts_zero_deadline_as_kubernetes_does():
    # ValidateJobSpec uses ValidateNonnegativeField for activeDeadlineSeconds.
    assert validate_job({"activeDeadlineSeconds": 0, "parallelism": 0, "completions": 0}) == []
    assert validate_job({"backoffLimit": -1}, "spec.jobTemplate.spec")[0].field == \
        "spec.jobTemplate.spec.backoffLimit"


def test_format_indexes():
    assert format_indexes([]) == "" and format_indexes({3, 1, 2, 7, 9, 8, 5}) == "1-3,5,7-9"
    assert format_indexes([0, 1, 4, 5, 6]) == "0,1,4-6"  # two neighbours are a list


# -- properties -------------------------------------------------------------------------------

POD = st.builds(JobPod, name=st.uuids().map(lambda u: f"p-{u.hex[:8]}"),
                phase=st.sampled_from(["Pending", "Running", "Succeeded", "Failed", "Unknown"]),
                creation_time=st.integers(0, 100).map(float), ready=st.booleans(),
                scheduled=st.booleans(), restarts=st.integers(0, 3),
                completion_index=st.none() | st.integers(0, 6),
                finish_time=st.none() | st.integers(0, 100).map(float))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 6), st.integers(-1, 6), st.booleans(), st.booleans(),
       st.lists(POD, max_size=12, unique_by=lambda p: p.name), st.integers(0, 2**32 - 1))
def test_manage_job_arithmetic(parallelism, completions, indexed, suspend, pods, seed):
    """manageJob's invariants: creations or deletions, never both; the new active count is
    the old one plus creations minus deletions; work never exceeds parallelism nor the
    remaining completions; the same seed gives the same decision."""
    if indexed and completions < 0:
        completions = 3
    spec = JobSpec(parallelism=parallelism, completions=None if completions < 0 else completions,
                   backoff_limit=1000, completion_mode="Indexed" if indexed else "NonIndexed",
                   suspend=suspend)
    decision = decide_job(spec, JobStatus(), pods, 1000.0, rng(seed), name="job")
    assert decision == decide_job(spec, JobStatus(), pods, 1000.0, rng(seed), name="job")
    assert not (decision.create and decision.delete)
    active = [p for p in pods if p.active]
    assert decision.status.active == len(active) + len(decision.create) - len(decision.delete)
    assert set(decision.delete) <= {p.name for p in active}
    if suspend:
        assert decision.create == () and decision.status.active == 0
    if decision.create:
        assert decision.status.active <= spec.parallelism
        if spec.completions is not None:
            assert decision.status.active <= spec.completions - decision.status.succeeded
    names = [p.name for p in decision.create]
    assert len(set(names)) == len(names) and not set(names) & {p.name for p in pods}
    if indexed and decision.create:
        busy = {p.completion_index for p in active} | set(decision.status.completed_indexes)
        assert not {p.completion_index for p in decision.create} & busy


# -- the state adapter ---------------------------------------------------------------------------

def _pod_manifest(name: str, index: int | None, finalizer: bool, uid: str = "u1") -> str:
    annotations = f'annotations: {{"batch.kubernetes.io/job-completion-index": "{index}"}}' \
        if index is not None else "annotations: {}"
    finalizers = '["batch.kubernetes.io/job-tracking"]' if finalizer else "[]"
    return f"""
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: default
  {annotations}
  finalizers: {finalizers}
  ownerReferences: [{{apiVersion: batch/v1, kind: Job, name: work, uid: {uid}, controller: true}}]
spec:
  restartPolicy: Never
  containers: [{{name: c, image: busybox}}]
"""


def test_job_inputs_reads_the_state():
    from kbench.cluster import Cluster
    from kbench.controllers.job import controlled_rows, job_inputs
    from kbench.state.schema import POD_PHASES

    cluster = Cluster()
    cluster.apply("""
apiVersion: batch/v1
kind: Job
metadata: {name: work, namespace: default}
spec:
  completions: 3
  parallelism: 2
  completionMode: Indexed
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
""")
    uid = cluster.get("job", "work").metadata.uid
    # pods of this Job (its uid), one of an earlier Job named alike (matched by uid: not
    # this Job's, as ClaimPods decides) and one of nobody
    cluster.apply("---".join([_pod_manifest("work-0-abcde", 0, True, uid),
                              _pod_manifest("work-1-fghjk", 1, True, uid),
                              _pod_manifest("work-1-old", 1, False, uid),
                              _pod_manifest("work-2-earlier", 2, False, "u0")]) + """---
apiVersion: v1
kind: Pod
metadata: {name: stranger, namespace: default}
spec:
  restartPolicy: Never
  containers: [{name: c, image: busybox}]
""")
    state = cluster.state
    job_row = int(state.tables["jobs"].live_rows()[0])
    rows = controlled_rows(state, "pods", "jobs", job_row)
    names = [state.strings[int(state.tables["pods"]["name"][r])] for r in rows]
    assert sorted(names) == ["work-0-abcde", "work-1-fghjk", "work-1-old"]
    first = int(rows[names.index("work-0-abcde")])
    state.set_pods_phase(np.array([first]), POD_PHASES.index("Succeeded"))
    job_row = int(state.tables["jobs"].live_rows()[0])
    inputs = job_inputs(state, job_row)
    assert inputs.spec.indexed and inputs.spec.completions == 3 and inputs.spec.parallelism == 2
    by_name = {pod.name: pod for pod in inputs.pods}
    assert by_name["work-0-abcde"].phase == "Succeeded" and by_name["work-0-abcde"].tracked
    assert by_name["work-1-old"].completion_index == 1 and not by_name["work-1-old"].tracked
    decision = inputs.decide(100.0, rng())
    # Index 0 succeeded; index 1 has two pods: the older one is deleted first (no creations).
    assert format_indexes(decision.status.completed_indexes) == "0"
    assert len(decision.delete) == 1 and decision.create == ()
    assert "work-0-abcde" in decision.untrack


def test_pod_manifest_for_indexed_and_plain_jobs():
    template = {"metadata": {"labels": {"app": "pi"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "pi"}]}}
    indexed = decide_job(job_spec(1, 2, mode="Indexed"), JobStatus(), [], NOW, rng(), name="pi")
    pod = indexed.create[0].manifest(template, "default", "pi", "uid-1")
    assert indexed.create[0].generate_name == "pi-0-"
    assert pod["metadata"]["annotations"] == {"batch.kubernetes.io/job-completion-index": "0"}
    assert pod["metadata"]["labels"] == {"app": "pi", "batch.kubernetes.io/job-completion-index": "0"}
    assert pod["metadata"]["finalizers"] == ["batch.kubernetes.io/job-tracking"]
    assert pod["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
    assert pod["spec"]["hostname"] == "pi-0"
    assert pod["spec"]["containers"][0]["env"][0]["name"] == "JOB_COMPLETION_INDEX"
    assert "env" not in template["spec"]["containers"][0]  # the template is not changed
    plain = decide_job(job_spec(1, 1), JobStatus(), [], NOW, rng(), name="pi").create[0]
    manifest = plain.manifest(template, "default", "pi")
    assert plain.generate_name == "pi-" and "hostname" not in manifest["spec"]
    assert manifest["metadata"]["name"] == plain.name
