"""The CronJob controller's decisions (kubernetes pkg/controller/cronjob)."""

from __future__ import annotations

from datetime import datetime

import pytest

from kbench.controllers.cron import EPOCH_UNIX, parse_schedule
from kbench.controllers.cronjob import (
    NEXT_SCHEDULE_DELTA,
    SCHEDULED_TIMESTAMP_ANNOTATION,
    CronJobSpec,
    CronJobStatus,
    InvalidScheduleError,
    OwnedJob,
    _next_schedule,
    _start_order,
    cronjob_inputs,
    decide_cronjob,
    job_name,
    most_recent_schedule_time,
    validate_cronjob,
)

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0


def at(text: str) -> float:
    """Simulated seconds of an RFC3339 time."""
    return datetime.fromisoformat(text).timestamp() - EPOCH_UNIX


# utils_test.go / cronjob_controllerv2_test.go fixtures
TOP = at("2016-05-19T10:00:00Z")                    # topOfTheHour
JUST_BEFORE_THE_HOUR = at("2016-05-19T09:59:00Z")
JUST_AFTER_THE_HOUR = at("2016-05-19T10:01:00Z")
JUST_AFTER_THE_PRIOR_HOUR = at("2016-05-19T09:01:00Z")
JUST_BEFORE_THE_PRIOR_HOUR = at("2016-05-19T08:59:00Z")
JUST_BEFORE_THE_NEXT_HOUR = at("2016-05-19T10:59:00Z")
WEEK_AFTER_THE_HOUR = at("2016-05-26T10:00:00Z")
SHORT_DEAD, MEDIUM_DEAD, LONG_DEAD = 10, 2 * 60 * 60, 1000000


# -- utils_test.go TestMostRecentScheduleTime ------------------------------------------------

MOST_RECENT = [
    # name, schedule, creation, last schedule, deadline, include deadline, now,
    # expected earliest, expected most recent, expected missed
    ("now before next schedule", "0 * * * *", TOP, None, None, False, TOP + 30,
     TOP, None, "none"),
    ("now just after next schedule", "0 * * * *", TOP, None, None, False, TOP + 61 * MINUTE,
     TOP, TOP + 60 * MINUTE, "none"),
    ("missed 5 schedules", "0 * * * *", TOP + 10, None, None, False, TOP + 301 * MINUTE,
     TOP + 10, TOP + 300 * MINUTE, "few"),
    ("complex schedule", "30 6-16/4 * * 1-5", TOP, TOP + 30 * MINUTE, None, False,
     TOP + DAY + 31 * MINUTE, TOP + 30 * MINUTE, TOP + DAY + 30 * MINUTE, "few"),
    ("another complex schedule", "30 10,11,12 * * 1-5", TOP, TOP + 30 * MINUTE, None, False,
     TOP + 30 * HOUR + 30 * MINUTE, TOP + 30 * MINUTE, None, "few"),
    ("complex schedule with longer diff between executions", "30 6-16/4 * * 1-5", TOP,
     TOP + 30 * MINUTE, None, False, TOP + 96 * HOUR + 31 * MINUTE, TOP + 30 * MINUTE,
     TOP + 96 * HOUR + 30 * MINUTE, "few"),
    ("complex schedule with shorter diff between executions", "30 6-16/4 * * 1-5", TOP, None,
     None, False, TOP + DAY + 31 * MINUTE, TOP, TOP + DAY + 30 * MINUTE, "few"),
    ("@every schedule", "@every 1h", TOP - 59 * MINUTE, TOP + MINUTE, 10, False, TOP + 7 * DAY,
     TOP + MINUTE, TOP + 6 * DAY + 23 * HOUR + MINUTE, "many"),
    ("earliestTime being CreationTimestamp and LastScheduleTime", "0 * * * *", TOP, TOP, None,
     False, TOP + 30, TOP, None, "none"),
    ("earliestTime being LastScheduleTime", "*/5 * * * *", TOP, TOP + 30 * MINUTE, None, False,
     TOP + 31 * MINUTE, TOP + 30 * MINUTE, None, "none"),
    ("earliestTime being LastScheduleTime (within StartingDeadlineSeconds)", "*/5 * * * *", TOP,
     TOP + 30 * MINUTE, 60, False, TOP + 31 * MINUTE, TOP + 30 * MINUTE, None, "none"),
    ("earliestTime being LastScheduleTime (outside StartingDeadlineSeconds)", "*/5 * * * *", TOP,
     TOP + 30 * MINUTE, 60, True, TOP + 32 * MINUTE, TOP + 31 * MINUTE, None, "none"),
]


@pytest.mark.parametrize("case", MOST_RECENT, ids=[c[0] for c in MOST_RECENT])
def test_most_recent_schedule_time(case):
    # kubernetes pkg/controller/cronjob/utils_test.go TestMostRecentScheduleTime
    (_, schedule, creation, last, deadline, include, now, earliest, recent, missed) = case
    got = most_recent_schedule_time(parse_schedule(schedule), None, creation, last, deadline,
                                    now, include)
    assert got == (earliest, recent, missed)


def test_most_recent_schedule_time_rogue_cronjob():
    # TestMostRecentScheduleTime "rogue cronjob": "59 23 31 2 *" never fires.
    with pytest.raises(InvalidScheduleError, match="less than 1 second"):
        most_recent_schedule_time(parse_schedule("59 23 31 2 *"), None, TOP + 10, None, None,
                                  TOP + HOUR, False)


# -- utils_test.go TestNextScheduleTimeDuration ----------------------------------------------

@pytest.mark.parametrize("schedule,last,now,duration", [
    ("30 6-16/4 * * 1-5", TOP + 30 * MINUTE, TOP + DAY + 31 * MINUTE, 3 * HOUR + 59 * MINUTE),
    ("30 10,11,12 * * 1-5", TOP + 30 * MINUTE, TOP + 30 * HOUR + 30 * MINUTE, 66 * HOUR),
    ("0 12 * * 4", TOP + 2 * HOUR, TOP + 19 * DAY + HOUR + 30 * MINUTE, 48 * HOUR + 30 * MINUTE),
    ("0 12 * * 5", None, TOP + 6 * HOUR, 20 * HOUR),
], ids=["complex schedule skipping weekend", "another complex schedule skipping weekend",
        "once a week cronjob, missed two runs", "no previous run of a cronjob"])
def test_next_schedule_time_duration(schedule, last, now, duration):
    # kubernetes utils_test.go TestNextScheduleTimeDuration (the requeue is 100 ms later)
    status = CronJobStatus(last_schedule_time=last)
    got = _next_schedule(parse_schedule(schedule), None, TOP, status, now)
    assert got + NEXT_SCHEDULE_DELTA - now == pytest.approx(duration + NEXT_SCHEDULE_DELTA)


# -- utils_test.go TestNextScheduleTime ------------------------------------------------------

@pytest.mark.parametrize("creation,last,deadline,now,expected", [
    # Case 1: no known start times, and none needed yet.
    (TOP - 10 * MINUTE, None, None, TOP - 7 * MINUTE, None),
    # Case 2: no known start times, and one needed.
    (TOP - 10 * MINUTE, None, None, TOP + 2, TOP),
    # Case 3: known LastScheduleTime, no start needed.
    (TOP - 10 * MINUTE, TOP, None, TOP + 2 * MINUTE, None),
    # Case 4: known LastScheduleTime, a start needed
    (TOP - 10 * MINUTE, TOP, None, TOP + HOUR + 5 * MINUTE, TOP + HOUR),
    # Case 5: known LastScheduleTime, two starts needed
    (TOP - 2 * HOUR, TOP - HOUR, None, TOP + HOUR + 5 * MINUTE, TOP + HOUR),
    # Case 6: now is way way ahead of last start time, and there is no deadline.
    (TOP - 2 * HOUR, TOP - HOUR, None, TOP + HOUR + 10 * DAY, TOP + HOUR + 10 * DAY),
    # Case 7: now is way way ahead of last start time, but there is a short deadline.
    (TOP - 2 * HOUR, TOP - HOUR, 2 * 60 * 60, TOP + HOUR + 10 * DAY, TOP + HOUR + 10 * DAY),
])
def test_next_schedule_time(creation, last, deadline, now, expected):
    # kubernetes utils_test.go TestNextScheduleTime (nextScheduleTime includes the deadline)
    _, got, _ = most_recent_schedule_time(parse_schedule("0 * * * ?"), None, creation, last,
                                          deadline, now, True)
    assert got == expected


def test_next_schedule_time_error_is_an_event():
    # TestNextScheduleTime case 8: the rogue schedule's error reaches the controller.
    decision = decide_cronjob(CronJobSpec("59 23 31 2 *"), CronJobStatus(), [], TOP + HOUR,
                              name="mycronjob", creation_time=TOP + 10)
    assert decision.create is None and decision.requeue_time is None
    assert decision.events[-1] == ("Warning", "InvalidSchedule",
                                   ("invalid schedule: 59 23 31 2 * : time difference between "
                                   "two schedules is less than 1 second"))


# -- utils_test.go TestByJobStartTime -------------------------------------------------------

def test_by_job_start_time():
    now, later = at("2018-01-01T02:03:04Z"), at("2019-01-01T02:03:04Z")
    a_nil, b_nil = OwnedJob("a"), OwnedJob("b")
    a_set, b_set = OwnedJob("a", start_time=now), OwnedJob("b", start_time=now)
    a_later = OwnedJob("a", start_time=later)
    for given, expected in [([b_nil, a_nil], [a_nil, b_nil]),   # both have nil start times
                            ([a_nil, b_set], [b_set, a_nil]),   # only the first is nil
                            ([a_set, b_nil], [a_set, b_nil]),   # only the second is nil
                            ([b_set, a_set], [a_set, b_set]),   # equal start times
                            ([a_later, b_set], [b_set, a_later])]:  # different start times
        assert sorted(given, key=_start_order) == expected


# -- utils_test.go TestGetJobFromTemplate2 --------------------------------------------------

@pytest.mark.parametrize("time_zone,annotations,expected_time,count", [
    ("UTC", {"x": "y"}, "2016-05-19T10:00:00Z", 2),
    (None, {"x": "y"}, "2016-05-19T10:00:00Z", 2),
    ("Europe/Rome", {"x": "y", "z": "x"}, "2016-05-19T12:00:00+02:00", 3),
], ids=["UTC timezone and one annotation", "nil timezone and one annotation",
        "correct timezone and multiple annotation"])
def test_get_job_from_template(time_zone, annotations, expected_time, count):
    template = {"metadata": {"labels": {"a": "b"}, "annotations": annotations},
                "spec": {"activeDeadlineSeconds": 1, "template": {"spec": {"containers": [
                    {"image": "foo/bar"}]}}}}
    spec = CronJobSpec("* * * * ?", time_zone=time_zone, job_template=template)
    decision = decide_cronjob(spec, CronJobStatus(), [], TOP + 1, name="mycronjob",
                              creation_time=TOP - 30)
    job = decision.create
    assert job.name.startswith("mycronjob-") and job.labels == {"a": "b"}
    assert len(job.annotations) == count
    assert job.annotations[SCHEDULED_TIMESTAMP_ANNOTATION] == expected_time
    manifest = job.manifest("snazzycats", "mycronjob", "1a2b3c")
    assert manifest["metadata"]["ownerReferences"] == [
        {"apiVersion": "batch/v1", "kind": "CronJob", "name": "mycronjob", "uid": "1a2b3c",
         "controller": True, "blockOwnerDeletion": True}]
    assert manifest["spec"]["activeDeadlineSeconds"] == 1


def test_job_name_is_minutes_since_unix_epoch():
    # getJobName / getTimeHashInMinutes: 2016-05-19T10:00:00Z is Unix 1463652000 s.
    assert job_name("mycronjob", TOP) == f"mycronjob-{1463652000 // 60}"
    assert job_name("nightly", 0.0) == f"nightly-{EPOCH_UNIX // 60}"


# -- cronjob_controllerv2_test.go TestControllerV2SyncCronJob --------------------------------

ON_THE_HOUR, EVERY_HOUR = "0 * * * ?", "@every 1h"
NO_DEAD = None


def _case(policy="Allow", schedule=ON_THE_HOUR, deadline=NO_DEAD, ran=False, active=False,
          job_created=JUST_AFTER_THE_PRIOR_HOUR, now=JUST_BEFORE_THE_HOUR, suspend=False,
          tz=None, cronjob_created=None, last_schedule=None, create=False, delete=False,
          expect_active=0, warnings=0, requeue=None, update=False):
    return {"policy": policy, "schedule": schedule, "deadline": deadline, "ran": ran, "active": active,
                "job_created": job_created, "now": now, "suspend": suspend, "tz": tz,
                "cronjob_created": cronjob_created, "last_schedule": last_schedule, "create": create,
                "delete": delete, "expect_active": expect_active, "warnings": warnings,
                "requeue": requeue, "update": update}


SYNC = {
    "never ran, not valid schedule, A": _case(schedule="obvious error schedule", warnings=1),
    "never ran, not valid schedule, F": _case("Forbid", "obvious error schedule", warnings=1),
    "never ran, not valid time zone": _case(tz="bad timezone", warnings=1),
    "never ran, not time, A": _case(requeue=MINUTE),
    "never ran, not time, F": _case("Forbid", requeue=MINUTE),
    "never ran, not time, R": _case("Replace", requeue=MINUTE),
    "never ran, not time in zone": _case(tz="America/New_York", requeue=MINUTE),
    "never ran, is time, A": _case(now=JUST_AFTER_THE_HOUR, create=True, expect_active=1,
                                   requeue=HOUR - MINUTE, update=True),
    "never ran, is time, F": _case("Forbid", now=JUST_AFTER_THE_HOUR, create=True,
                                   expect_active=1, requeue=HOUR - MINUTE, update=True),
    "never ran, is time, R": _case("Replace", now=JUST_AFTER_THE_HOUR, create=True,
                                   expect_active=1, requeue=HOUR - MINUTE, update=True),
    "never ran, is time in zone": _case(tz="America/New_York", now=JUST_AFTER_THE_HOUR,
                                        create=True, expect_active=1, requeue=HOUR - MINUTE,
                                        update=True),
    "never ran, is time, suspended": _case(suspend=True, now=JUST_AFTER_THE_HOUR),
    "never ran, is time, past deadline": _case(
        deadline=SHORT_DEAD, now=JUST_AFTER_THE_HOUR + MINUTE * (SHORT_DEAD + 1),
        requeue=HOUR - MINUTE - MINUTE * (SHORT_DEAD + 1)),
    "never ran, is time, not past deadline": _case(
        deadline=LONG_DEAD, now=JUST_AFTER_THE_HOUR, create=True, expect_active=1,
        requeue=HOUR - MINUTE, update=True),
    "prev ran but done, not time, A": _case(ran=True, requeue=MINUTE, update=True),
    "prev ran but done, not time, F": _case("Forbid", ran=True, requeue=MINUTE, update=True),
    "prev ran but done, not time, R": _case("Replace", ran=True, requeue=MINUTE, update=True),
    "prev ran but done, is time, A": _case(ran=True, now=JUST_AFTER_THE_HOUR, create=True,
                                           expect_active=1, requeue=HOUR - MINUTE, update=True),
    "prev ran but done, is time, F": _case("Forbid", ran=True, now=JUST_AFTER_THE_HOUR,
                                           create=True, expect_active=1, requeue=HOUR - MINUTE,
                                           update=True),
    "prev ran but done, is time, R": _case("Replace", ran=True, now=JUST_AFTER_THE_HOUR,
                                           create=True, expect_active=1, requeue=HOUR - MINUTE,
                                           update=True),
    "prev ran but done, is time, suspended": _case(suspend=True, ran=True,
                                                   now=JUST_AFTER_THE_HOUR, update=True),
    "prev ran but done, is time, past deadline": _case(
        deadline=SHORT_DEAD, ran=True, now=JUST_AFTER_THE_HOUR, requeue=HOUR - MINUTE,
        update=True),
    "prev ran but done, is time, not past deadline": _case(
        deadline=LONG_DEAD, ran=True, now=JUST_AFTER_THE_HOUR, create=True, expect_active=1,
        requeue=HOUR - MINUTE, update=True),
    "still active, not time, A": _case(ran=True, active=True, expect_active=1, requeue=MINUTE),
    "still active, not time, F": _case("Forbid", ran=True, active=True, expect_active=1,
                                       requeue=MINUTE),
    "still active, not time, R": _case("Replace", ran=True, active=True, expect_active=1,
                                       requeue=MINUTE),
    "still active, is time, A": _case(ran=True, active=True, now=JUST_AFTER_THE_HOUR,
                                      create=True, expect_active=2, requeue=HOUR - MINUTE,
                                      update=True),
    "still active, is time, F": _case("Forbid", ran=True, active=True, now=JUST_AFTER_THE_HOUR,
                                      expect_active=1, requeue=HOUR - MINUTE),
    "still active, is time, R": _case("Replace", ran=True, active=True, now=JUST_AFTER_THE_HOUR,
                                      create=True, delete=True, expect_active=1,
                                      requeue=HOUR - MINUTE, update=True),
    "still active, is time, suspended": _case(suspend=True, ran=True, active=True,
                                              now=JUST_AFTER_THE_HOUR, expect_active=1),
    "still active, is time, past deadline": _case(deadline=SHORT_DEAD, ran=True, active=True,
                                                  now=JUST_AFTER_THE_HOUR, expect_active=1,
                                                  requeue=HOUR - MINUTE),
    "still active, is time, not past deadline": _case(
        deadline=LONG_DEAD, ran=True, active=True, now=JUST_AFTER_THE_HOUR, create=True,
        expect_active=2, requeue=HOUR - MINUTE, update=True),
    # Too many missed starting times and no or a too long deadline: a warning, still a start.
    "prev ran but done, long overdue, not past deadline, A": _case(
        deadline=LONG_DEAD, ran=True, now=WEEK_AFTER_THE_HOUR, create=True, expect_active=1,
        warnings=1, requeue=HOUR, update=True),
    "prev ran but done, long overdue, not past deadline, R": _case(
        "Replace", deadline=LONG_DEAD, ran=True, now=WEEK_AFTER_THE_HOUR, create=True,
        expect_active=1, warnings=1, requeue=HOUR, update=True),
    "prev ran but done, long overdue, not past deadline, F": _case(
        "Forbid", deadline=LONG_DEAD, ran=True, now=WEEK_AFTER_THE_HOUR, create=True,
        expect_active=1, warnings=1, requeue=HOUR, update=True),
    "prev ran but done, long overdue, no deadline, A": _case(
        ran=True, now=WEEK_AFTER_THE_HOUR, create=True, expect_active=1, warnings=1,
        requeue=HOUR, update=True),
    "prev ran but done, long overdue, no deadline, F": _case(
        "Forbid", ran=True, now=WEEK_AFTER_THE_HOUR, create=True, expect_active=1, warnings=1,
        requeue=HOUR, update=True),
    "prev ran but done, long overdue, past medium deadline, A": _case(
        deadline=MEDIUM_DEAD, ran=True, now=WEEK_AFTER_THE_HOUR, create=True, expect_active=1,
        requeue=HOUR, update=True),
    "prev ran but done, long overdue, past short deadline, A": _case(
        deadline=SHORT_DEAD, ran=True, now=WEEK_AFTER_THE_HOUR, create=True, expect_active=1,
        requeue=HOUR, update=True),
    "prev ran but done, long overdue, past short deadline, R": _case(
        "Replace", deadline=SHORT_DEAD, ran=True, now=WEEK_AFTER_THE_HOUR, create=True,
        expect_active=1, requeue=HOUR, update=True),
    "with @every schedule, never ran, not time": _case(
        schedule=EVERY_HOUR, cronjob_created=JUST_BEFORE_THE_HOUR,
        job_created=JUST_BEFORE_THE_HOUR, now=TOP, requeue=HOUR - MINUTE),
    "with @every schedule, never ran, is time": _case(
        schedule=EVERY_HOUR, cronjob_created=JUST_BEFORE_THE_PRIOR_HOUR,
        job_created=JUST_BEFORE_THE_PRIOR_HOUR, now=JUST_BEFORE_THE_HOUR, requeue=HOUR,
        create=True, expect_active=1, update=True),
    "with @every schedule, never ran, is time, past deadline": _case(
        schedule=EVERY_HOUR, deadline=SHORT_DEAD, cronjob_created=JUST_BEFORE_THE_PRIOR_HOUR,
        job_created=JUST_BEFORE_THE_PRIOR_HOUR, now=JUST_BEFORE_THE_HOUR + SHORT_DEAD + 1,
        requeue=HOUR - (SHORT_DEAD + 1)),
    "with @every schedule, never ran, is time, not past deadline": _case(
        schedule=EVERY_HOUR, deadline=LONG_DEAD, cronjob_created=JUST_BEFORE_THE_PRIOR_HOUR,
        job_created=JUST_BEFORE_THE_PRIOR_HOUR, now=JUST_BEFORE_THE_HOUR + SHORT_DEAD - 1,
        create=True, expect_active=1, requeue=HOUR - (SHORT_DEAD - 1), update=True),
    "with @every schedule, prev ran but done, not time": _case(
        schedule=EVERY_HOUR, ran=True, cronjob_created=JUST_BEFORE_THE_PRIOR_HOUR,
        job_created=JUST_BEFORE_THE_PRIOR_HOUR, last_schedule=JUST_BEFORE_THE_HOUR, now=TOP,
        requeue=HOUR - MINUTE, update=True),
    "with @every schedule, prev ran but done, is time": _case(
        schedule=EVERY_HOUR, ran=True, cronjob_created=JUST_BEFORE_THE_PRIOR_HOUR,
        job_created=JUST_BEFORE_THE_PRIOR_HOUR, last_schedule=JUST_BEFORE_THE_HOUR,
        now=TOP + HOUR, create=True, expect_active=1, requeue=HOUR - MINUTE, update=True),
    "with @every schedule, prev ran but done, is time, past deadline": _case(
        schedule=EVERY_HOUR, deadline=SHORT_DEAD, ran=True,
        cronjob_created=JUST_BEFORE_THE_PRIOR_HOUR, job_created=JUST_BEFORE_THE_PRIOR_HOUR,
        last_schedule=JUST_BEFORE_THE_HOUR, now=JUST_BEFORE_THE_NEXT_HOUR + SHORT_DEAD + 1,
        requeue=HOUR - (SHORT_DEAD + 1), update=True),
    "with @every schedule, still active, not time": _case(
        schedule=EVERY_HOUR, ran=True, active=True, cronjob_created=JUST_BEFORE_THE_PRIOR_HOUR,
        job_created=JUST_BEFORE_THE_HOUR, last_schedule=JUST_BEFORE_THE_HOUR, now=TOP,
        expect_active=1, requeue=HOUR - MINUTE),
    "with @every schedule, still active, is time": _case(
        schedule=EVERY_HOUR, ran=True, active=True, cronjob_created=JUST_BEFORE_THE_PRIOR_HOUR,
        job_created=JUST_BEFORE_THE_PRIOR_HOUR, last_schedule=JUST_BEFORE_THE_PRIOR_HOUR,
        now=JUST_AFTER_THE_HOUR, create=True, expect_active=2, requeue=HOUR - 2 * MINUTE,
        update=True),
    "with @every schedule, still active, is time, past deadline": _case(
        schedule=EVERY_HOUR, deadline=SHORT_DEAD, ran=True, active=True,
        cronjob_created=JUST_BEFORE_THE_PRIOR_HOUR, job_created=JUST_BEFORE_THE_HOUR,
        last_schedule=JUST_BEFORE_THE_HOUR, now=JUST_BEFORE_THE_NEXT_HOUR + SHORT_DEAD + 1,
        expect_active=1, requeue=HOUR - (SHORT_DEAD + 1)),
    "with @every schedule, still active, is time, not past deadline": _case(
        schedule=EVERY_HOUR, deadline=LONG_DEAD, ran=True, active=True,
        cronjob_created=JUST_BEFORE_THE_PRIOR_HOUR, job_created=JUST_BEFORE_THE_HOUR,
        last_schedule=JUST_BEFORE_THE_HOUR, now=JUST_BEFORE_THE_NEXT_HOUR + SHORT_DEAD - 1,
        create=True, expect_active=2, requeue=HOUR - (SHORT_DEAD - 1), update=True),
    "with @every schedule, prev ran but done, long overdue, no deadline": _case(
        schedule=EVERY_HOUR, ran=True, cronjob_created=JUST_AFTER_THE_PRIOR_HOUR,
        last_schedule=JUST_AFTER_THE_HOUR, job_created=JUST_AFTER_THE_PRIOR_HOUR,
        now=WEEK_AFTER_THE_HOUR, create=True, expect_active=1, warnings=1, requeue=MINUTE,
        update=True),
    "with @every schedule, prev ran but done, long overdue, past deadline": _case(
        schedule=EVERY_HOUR, deadline=SHORT_DEAD, ran=True,
        cronjob_created=JUST_AFTER_THE_PRIOR_HOUR, last_schedule=JUST_AFTER_THE_HOUR,
        job_created=JUST_AFTER_THE_PRIOR_HOUR,
        now=WEEK_AFTER_THE_HOUR + MINUTE + SHORT_DEAD + 1,
        # The Go table says expectActive 1, but syncCronJob never fills cjc.Updates, so Go
        # never checks it; no Job is active here (the only one finished).
        expect_active=0, requeue=HOUR - (SHORT_DEAD + 1), update=True),
}
# Not ported, because the simulator has one consistent state and no API errors: the cases
# with jobCreateError / jobGetErr (AlreadyExists from a fake, namespace terminating, a failing
# GET), "this started but went missing" (a lagging job informer) and "this started but is not
# present in cronjob active list" (a lagging cronjob informer); and "never ran, is time in
# zone, but TZ is also set in schedule" (kbench's validation refuses TZ in a schedule, as the
# API server does for new objects, so the controller never sees one).


@pytest.mark.parametrize("name", list(SYNC))
def test_controller_v2_sync_cronjob(name):
    # kubernetes cronjob_controllerv2_test.go TestControllerV2SyncCronJob
    case = SYNC[name]
    spec = CronJobSpec(case["schedule"], time_zone=case["tz"],
                       concurrency_policy=case["policy"], suspend=case["suspend"],
                       starting_deadline_seconds=case["deadline"],
                       job_template={"metadata": {"labels": {"a": "b"},
                                                  "annotations": {"x": "y"}},
                                     "spec": {"parallelism": 1, "completions": 1}})
    jobs, status = [], CronJobStatus()
    created = case["cronjob_created"]
    if case["ran"]:
        created = created if created is not None else JUST_BEFORE_THE_PRIOR_HOUR
        last = case["last_schedule"] if case["last_schedule"] is not None \
            else JUST_AFTER_THE_PRIOR_HOUR
        old = job_name("mycronjob", case["job_created"])
        if case["active"]:
            jobs = [OwnedJob(old, creation_time=case["job_created"])]
            status = CronJobStatus(active=(old,), last_schedule_time=last)
        else:
            jobs = [OwnedJob(old, creation_time=case["job_created"], finished="Complete",
                             completion_time=case["job_created"] + 10)]
            status = CronJobStatus(last_schedule_time=last)
    else:
        created = created if created is not None else JUST_BEFORE_THE_HOUR
    decision = decide_cronjob(spec, status, jobs, case["now"], name="mycronjob",
                              creation_time=created)

    assert (decision.create is not None) is case["create"]
    assert len(decision.delete) == (1 if case["delete"] else 0)
    assert len(decision.status.active) == case["expect_active"]
    warnings = [e for e in decision.events if e.type == "Warning"]
    assert len(warnings) == case["warnings"], decision.events
    expected_events = case["create"] + case["delete"] + case["warnings"] + (
        name == "still active, is time, F")  # the only case with a "not starting" event
    assert len(decision.events) == expected_events, decision.events
    assert decision.status_changed is case["update"]
    if case["requeue"] is None:
        assert decision.requeue_time is None
    else:
        assert decision.requeue_time - case["now"] == pytest.approx(
            case["requeue"] + NEXT_SCHEDULE_DELTA, abs=1e-6)
    if case["ran"] and not case["active"]:
        assert decision.status.last_successful_time == case["job_created"] + 10


# -- kbench cases: events, concurrency, history, deadlines ------------------------------------

def _spec(**fields):
    fields.setdefault("schedule", "*/5 * * * *")
    return CronJobSpec(**fields)


def test_events_are_worded_as_kubernetes():
    spec = _spec(concurrency_policy="Forbid")
    running = OwnedJob("cj-1", creation_time=0.0)
    done = OwnedJob("cj-2", creation_time=0.0, finished="Failed")
    stranger = OwnedJob("cj-3", creation_time=0.0)
    status = CronJobStatus(active=("cj-1", "cj-2", "cj-9"), last_schedule_time=0.0)
    decision = decide_cronjob(spec, status, [running, done, stranger], 301.0, name="cj",
                              creation_time=0.0)
    assert decision.events == (  # in the order of the Jobs
        ("Normal", "SawCompletedJob", "Saw completed job: cj-2, status: Failed"),
        ("Warning", "UnexpectedJob", "Saw a job that the controller did not create or forgot: cj-3"),
        ("Normal", "MissingJob", "Active job went missing: cj-9"),
        ("Normal", "JobAlreadyActive", ("Not starting job because prior execution is running "
                                       "and concurrency policy is Forbid")),
    )
    assert decision.status.active == ("cj-1",) and decision.create is None
    assert decision.requeue_time == pytest.approx(600.1)


def test_forbid_waits_for_the_active_job_then_starts_the_missed_one():
    spec = _spec(concurrency_policy="Forbid")
    status = CronJobStatus(active=("cj-a",), last_schedule_time=300.0)
    busy = decide_cronjob(spec, status, [OwnedJob("cj-a", 300.0)], 610.0, name="cj",
                          creation_time=0.0)
    assert busy.create is None and busy.events[-1].reason == "JobAlreadyActive"
    done = decide_cronjob(spec, status, [OwnedJob("cj-a", 300.0, finished="Complete",
                                                  completion_time=700.0)],
                          710.0, name="cj", creation_time=0.0)
    assert done.create.scheduled_time == 600.0  # the most recent missed time, started late
    assert done.status.last_successful_time == 700.0 and done.status.active == (done.create.name,)


def test_replace_deletes_the_active_job_first():
    spec = _spec(concurrency_policy="Replace")
    status = CronJobStatus(active=("cj-a",), last_schedule_time=300.0)
    decision = decide_cronjob(spec, status, [OwnedJob("cj-a", 300.0, start_time=301.0)], 600.0,
                              name="cj", creation_time=0.0)
    assert decision.delete == ("cj-a",)
    assert [e.reason for e in decision.events] == ["SuccessfulDelete", "SuccessfulCreate"]
    assert decision.events[0].message == "Deleted job cj-a"
    assert decision.status.active == (job_name("cj", 600.0),)


def test_history_limits_delete_oldest_first():
    spec = _spec(successful_jobs_history_limit=2, failed_jobs_history_limit=1)
    jobs = [OwnedJob(f"ok-{i}", start_time=float(t), finished="Complete",
                     completion_time=float(t) + 5) for i, t in enumerate([40, 10, 30, 20])]
    jobs += [OwnedJob("bad-new", start_time=50.0, finished="Failed"),
             OwnedJob("bad-old", start_time=5.0, finished="Failed"),
             OwnedJob("bad-unstarted", finished="Failed")]
    decision = decide_cronjob(spec, CronJobStatus(last_schedule_time=0.0), jobs, 100.0,
                              name="cj", creation_time=0.0)
    # Successful: starts 10 and 20 go, 30 and 40 stay. Failed: keep one, the newest started;
    # a Job that never started sorts last (byJobStartTime), so it is kept over the started ones.
    assert decision.delete == ("ok-1", "ok-3", "bad-old", "bad-new")
    assert decision.status.last_successful_time == 45.0


def test_no_history_limits_keep_everything():
    spec = _spec(successful_jobs_history_limit=None, failed_jobs_history_limit=None)
    jobs = [OwnedJob(f"ok-{i}", start_time=float(i), finished="Complete") for i in range(5)]
    assert decide_cronjob(spec, CronJobStatus(), jobs, 10.0, name="cj",
                          creation_time=0.0).delete == ()


def test_starting_deadline_miss_schedule_event():
    spec = _spec(schedule="0 * * * *", starting_deadline_seconds=30)
    decision = decide_cronjob(spec, CronJobStatus(), [], 3600.0 + 31, name="cj",
                              creation_time=0.0)
    # utils.go: with the deadline, the earliest time considered is now - 30 s, past 01:00.
    assert decision.create is None and decision.events == ()
    decision = decide_cronjob(spec, CronJobStatus(), [], 3600.0 + 20, name="cj",
                              creation_time=0.0)
    assert decision.create.scheduled_time == 3600.0


def test_starting_deadline_skips_missed_times_silently():
    # mostRecentScheduleTime starts from now - startingDeadlineSeconds, so a time older than
    # the deadline is never found (and the MissSchedule check after it never fires, as in
    # Kubernetes' own table: "never ran, is time, past deadline" has no warning).
    spec = _spec(schedule="@every 100s", starting_deadline_seconds=60)
    status = CronJobStatus(last_schedule_time=0.0)
    decision = decide_cronjob(spec, status, [], 161.0, name="cj", creation_time=0.0)
    # earliest = max(0, 161 - 60) = 101 -> next = 201 > now: nothing due; the requeue uses
    # the schedule without the deadline: after 100 comes 200.
    assert decision.create is None and decision.events == ()
    assert decision.next_schedule_time == 200.0
    spec = _spec(schedule="0 * * * *", starting_deadline_seconds=3600 * 2)
    status = CronJobStatus(last_schedule_time=0.0)
    late = decide_cronjob(spec, status, [], 3 * 3600.0 + 1, name="cj", creation_time=0.0)
    assert late.create.scheduled_time == 3 * 3600.0


def test_too_many_missed_start_times_still_starts_the_latest():
    spec = _spec(schedule="* * * * *")
    decision = decide_cronjob(spec, CronJobStatus(last_schedule_time=0.0), [], 101 * 60.0 + 30,
                              name="cj", creation_time=0.0)
    assert decision.events[0] == ("Warning", "TooManyMissedTimes",
                                  ("too many missed start times. Set or decrease "
                                  ".spec.startingDeadlineSeconds or check clock skew"))
    assert decision.create.scheduled_time == 101 * 60.0
    exactly_100 = decide_cronjob(spec, CronJobStatus(last_schedule_time=0.0), [], 100 * 60.0,
                                 name="cj", creation_time=0.0)
    assert [e.reason for e in exactly_100.events] == ["SuccessfulCreate"]


def test_suspended_deleting_unknown_zone_and_unparseable():
    status = CronJobStatus(active=("cj-1",))
    jobs = [OwnedJob("cj-1", finished="Complete", completion_time=5.0)]
    for kwargs in ({"suspend": True}, {"time_zone": "Mars/Olympus"}, {"schedule": "61 * * * *"}):
        decision = decide_cronjob(_spec(**kwargs), status, jobs, 1000.0, name="cj",
                                  creation_time=0.0)
        assert decision.create is None and decision.requeue_time is None
        assert decision.status.active == () and decision.status.last_successful_time == 5.0
    bad_zone = decide_cronjob(_spec(time_zone="Mars/Olympus"), status, jobs, 1000.0, name="cj",
                              creation_time=0.0)
    assert bad_zone.events[-1] == ("Warning", "UnknownTimeZone",
                                   'invalid timeZone: "Mars/Olympus": unknown time zone Mars/Olympus')
    bad = decide_cronjob(_spec(schedule="61 * * * *"), status, jobs, 1000.0, name="cj",
                         creation_time=0.0)
    assert bad.events[-1] == ("Warning", "UnparseableSchedule",
                              ('unparseable schedule: "61 * * * *" : end of range (61) above '
                              "maximum (59): 61"))
    deleting = decide_cronjob(_spec(), CronJobStatus(), [], 1000.0, name="cj", creation_time=0.0,
                              deleting=True)
    assert deleting.create is None and deleting.requeue_time is None


def test_job_already_exists_is_adopted_into_active():
    spec = _spec()
    existing = OwnedJob(job_name("cj", 300.0), creation_time=300.0)
    decision = decide_cronjob(spec, CronJobStatus(last_schedule_time=0.0), [existing], 310.0,
                              name="cj", creation_time=0.0)
    assert decision.create is None
    assert decision.status.active == (existing.name,)
    assert decision.status.last_schedule_time == 300.0
    assert [e.reason for e in decision.events] == ["UnexpectedJob"]


def test_time_zone_dst_in_decisions():
    # A 02:30 New York job on the spring-forward day (2026-03-08) does not run; the next runs
    # are 2026-03-09 02:30 EDT (06:30Z).
    spec = _spec(schedule="30 2 * * *", time_zone="America/New_York")
    last = at("2026-03-07T07:30:00Z")  # 02:30 EST on the 7th
    decision = decide_cronjob(spec, CronJobStatus(last_schedule_time=last), [],
                              at("2026-03-08T12:00:00Z"), name="cj", creation_time=0.0)
    assert decision.create is None
    assert decision.next_schedule_time == at("2026-03-09T06:30:00Z")
    run = decide_cronjob(spec, CronJobStatus(last_schedule_time=last), [],
                         at("2026-03-09T06:30:05Z"), name="cj", creation_time=0.0)
    assert run.create.annotations[SCHEDULED_TIMESTAMP_ANNOTATION] == "2026-03-09T02:30:00-04:00"


# -- validation ----------------------------------------------------------------------------

@pytest.mark.parametrize("spec,field,message", [
    ({"schedule": "61 * * * *"}, "spec.schedule",
     'Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'),
    ({"schedule": "TZ=UTC 0 * * * *"}, "spec.schedule",
     ('Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone '
     "field instead")),
    ({}, "spec.schedule", "Required value"),
    ({"schedule": "@hourly", "timeZone": "Mars/Olympus"}, "spec.timeZone",
     'Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'),
    ({"schedule": "@hourly", "timeZone": "Local"}, "spec.timeZone",
     ('Invalid value: "Local": timeZone must be an explicit time zone as defined in '
     "https://www.iana.org/time-zones")),
    ({"schedule": "@hourly", "concurrencyPolicy": "Sometimes"}, "spec.concurrencyPolicy",
     'Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'),
    ({"schedule": "@hourly", "startingDeadlineSeconds": -1}, "spec.startingDeadlineSeconds",
     "Invalid value: -1: must be greater than or equal to 0"),
    ({"schedule": "@hourly", "failedJobsHistoryLimit": -2}, "spec.failedJobsHistoryLimit",
     "Invalid value: -2: must be greater than or equal to 0"),
])
def test_validate_cronjob(spec, field, message):
    errors = validate_cronjob(spec)
    assert [(e.field, e.reason) for e in errors] == [(field, message)]


def test_validate_cronjob_accepts_a_good_spec_and_prefixes_paths():
    assert validate_cronjob({"schedule": "*/5 * * * MON-FRI", "timeZone": "Europe/Rome",
                             "concurrencyPolicy": "Forbid", "startingDeadlineSeconds": 0}) == []
    errors = validate_cronjob({"schedule": "x"}, path="items[3].spec")
    assert errors[0].field == "items[3].spec.schedule"


# -- the state adapter -----------------------------------------------------------------------

def test_cronjob_inputs_reads_the_state():
    from kbench.cluster import Cluster

    cluster = Cluster()
    cluster.apply("""
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: default}
spec:
  schedule: "0 2 * * *"
  timeZone: America/New_York
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: 300
  jobTemplate:
    metadata: {labels: {app: nightly}}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox}]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: nightly-29456789
  namespace: default
  ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: nightly, uid: x, controller: true}]
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: unrelated, namespace: default}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
""")
    state = cluster.state
    row = int(state.tables["cronjobs"].live_rows()[0])
    inputs = cronjob_inputs(state, row)
    assert inputs.name == "nightly" and inputs.namespace == "default"
    assert inputs.spec.concurrency_policy == "Forbid"
    assert inputs.spec.time_zone == "America/New_York"
    assert inputs.spec.starting_deadline_seconds == 300
    assert inputs.spec.successful_jobs_history_limit == 3  # defaulted by the API layer
    assert [job.name for job in inputs.jobs] == ["nightly-29456789"]
    decision = inputs.decide(7 * 3600.0 + 10)  # 2026-01-01 02:00 EST is 07:00Z
    assert decision.create.name == job_name("nightly", 7 * 3600.0)
    assert decision.create.labels == {"app": "nightly"}
