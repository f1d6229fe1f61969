"""Cron schedules: robfig/cron v3 ParseStandard and Schedule.Next on simulated time."""

from __future__ import annotations

import math
import re
import zoneinfo
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbench.controllers.cron import (
    _FIELDS,
    EPOCH_UNIX,
    CronScheduleError,
    EverySchedule,
    SpecSchedule,
    _all,
    _Bounds,
    _field_bits,
    _range_bits,
    load_time_zone,
    parse_schedule,
    schedule_times,
)
from kbench.errors import KbenchError, ManifestError

STAR = True
NY = "America/New_York"


def sim(text: str, tz: str | None = None) -> float:
    """Simulated seconds of a time written as robfig's tests write them: "Mon Jul 9 15:00
    2012" (local to ``tz``, the weekday is ignored as Go's time.Parse ignores it) or
    "2012-03-11T00:00:00-0500"."""
    match = re.fullmatch(r"\w{3} (\w{3}) (\d+) (\d+):(\d+)(?::(\d+)(\.\d+)?)? (\d{4})", text)
    if match:
        month, day, hour, minute, second, fraction, year = match.groups()
        moment = datetime.strptime(f"{year} {month} {day} {hour}:{minute}:{second or 0}",
                                   "%Y %b %d %H:%M:%S")
        zone = zoneinfo.ZoneInfo(tz) if tz else UTC
        unix = moment.replace(tzinfo=zone).timestamp() + float(fraction or 0)
    else:
        unix = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").timestamp()
    return unix - EPOCH_UNIX


def test_epoch_is_the_api_epoch():
    from kbench.api.store import EPOCH
    assert EPOCH.timestamp() == EPOCH_UNIX


# -- parser_test.go -----------------------------------------------------------------------------

# TestRange: (expr, min, max, expected bits, star, error text)
RANGES = [
    ("5", 0, 7, 1 << 5, False, ""), ("0", 0, 7, 1 << 0, False, ""), ("7", 0, 7, 1 << 7, False, ""),
    ("5-5", 0, 7, 1 << 5, False, ""), ("5-6", 0, 7, 1 << 5 | 1 << 6, False, ""),
    ("5-7", 0, 7, 1 << 5 | 1 << 6 | 1 << 7, False, ""),
    ("5-6/2", 0, 7, 1 << 5, False, ""), ("5-7/2", 0, 7, 1 << 5 | 1 << 7, False, ""),
    ("5-7/1", 0, 7, 1 << 5 | 1 << 6 | 1 << 7, False, ""),
    ("*", 1, 3, 1 << 1 | 1 << 2 | 1 << 3, STAR, ""), ("*/2", 1, 3, 1 << 1 | 1 << 3, False, ""),
    ("5--5", 0, 0, 0, False, "too many hyphens"), ("jan-x", 0, 0, 0, False, "failed to parse int from"),
    ("2-x", 1, 5, 0, False, "failed to parse int from"), ("*/-12", 0, 0, 0, False, "negative number"),
    ("*//2", 0, 0, 0, False, "too many slashes"), ("1", 3, 5, 0, False, "below minimum"),
    ("6", 3, 5, 0, False, "above maximum"), ("5-3", 3, 5, 0, False, "beyond end of range"),
    ("*/0", 0, 0, 0, False, "should be a positive number"),
]


@pytest.mark.parametrize("expr,low,high,bits,star,error", RANGES)
def test_range(expr, low, high, bits, star, error):
    # robfig/cron parser_test.go TestRange
    if error:
        with pytest.raises(Exception, match=error):
            _range_bits(expr, _Bounds(low, high))
    else:
        assert _range_bits(expr, _Bounds(low, high)) == (bits, star)


@pytest.mark.parametrize("expr,bits", [
    ("5", 1 << 5), ("5,6", 1 << 5 | 1 << 6), ("5,6,7", 1 << 5 | 1 << 6 | 1 << 7),
    ("1,5-7/2,3", 1 << 1 | 1 << 5 | 1 << 7 | 1 << 3)])
def test_field(expr, bits):
    # robfig/cron parser_test.go TestField
    assert _field_bits(expr, _Bounds(1, 7))[0] == bits


def test_all():
    # robfig/cron parser_test.go TestAll (the star bit is kept apart in kbench)
    expected = [0xfffffffffffffff, 0xffffff, 0xfffffffe, 0x1ffe, 0x7f]
    assert [_all(bounds) for bounds in _FIELDS] == expected


@pytest.mark.parametrize("text,expected", [
    ("5 * * * *", SpecSchedule("5 * * * *", 1 << 5, 0xffffff, 0xfffffffe, 0x1ffe, 0x7f, True, True)),
    ("@every 5m", EverySchedule("@every 5m", 300)),
    ("@midnight", SpecSchedule("@midnight", 1, 1, 0xfffffffe, 0x1ffe, 0x7f, True, True)),
    ("@daily", SpecSchedule("@daily", 1, 1, 0xfffffffe, 0x1ffe, 0x7f, True, True)),
    ("@yearly", SpecSchedule("@yearly", 1, 1, 1 << 1, 1 << 1, 0x7f, False, True)),
    ("@annually", SpecSchedule("@annually", 1, 1, 1 << 1, 1 << 1, 0x7f, False, True)),
    ("@monthly", SpecSchedule("@monthly", 1, 1, 1 << 1, 0x1ffe, 0x7f, False, True)),
    ("@weekly", SpecSchedule("@weekly", 1, 1, 0xfffffffe, 0x1ffe, 1, True, False)),
    ("@hourly", SpecSchedule("@hourly", 1, 0xffffff, 0xfffffffe, 0x1ffe, 0x7f, True, True)),
])
def test_standard_spec_schedule(text, expected):
    # robfig/cron parser_test.go TestStandardSpecSchedule and TestParseSchedule (the
    # descriptors; schedules with a CRON_TZ prefix are refused, see test_tz_in_schedule)
    assert parse_schedule(text) == expected


@pytest.mark.parametrize("text,error", [
    ("5 j * * *", "failed to parse int from j: strconv.Atoi: parsing \"j\": invalid syntax"),
    ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
    ("@every Xm", 'failed to parse duration @every Xm: time: invalid duration "Xm"'),
    ("@unrecognized", "unrecognized descriptor: @unrecognized"),
    ("", "empty spec string"),
    # spec_test.go TestErrors
    ("xyz", "expected exactly 5 fields, found 1: [xyz]"),
    ("60 0 * * *", "end of range (60) above maximum (59): 60"),
    ("0 60 * * *", "end of range (60) above maximum (23): 60"),
    ("0 0 * * XYZ", "failed to parse int from XYZ: strconv.Atoi: parsing \"XYZ\": invalid syntax"),
    ("0 0 0 * *", "beginning of range (0) below minimum (1): 0"),
    ("0 0 * 13 *", "end of range (13) above maximum (12): 13"),
    ("0 0 * * 7", "end of range (7) above maximum (6): 7"),
    ("0 0 * * -1", "failed to parse int from : strconv.Atoi: parsing \"\": invalid syntax"),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
    ("99999999999999999999 * * * *", ("failed to parse int from 99999999999999999999: "
     "strconv.Atoi: parsing \"99999999999999999999\": value out of range")),
])
def test_parse_errors(text, error):
    # robfig/cron parser_test.go TestParseScheduleErrors, TestStandardSpecSchedule (errors)
    with pytest.raises(CronScheduleError) as caught:
        parse_schedule(text)
    assert caught.value.detail == error
    assert str(caught.value) == f'spec.schedule: Invalid value: "{text}": {error}'
    assert isinstance(caught.value, ManifestError) and isinstance(caught.value, KbenchError)
    assert caught.value.field == "spec.schedule"


@pytest.mark.parametrize("text", ["60 0 * * *", "* * * *", "@every 1x", "@foo", "0 0 * * XYZ",
                                  "1-2-3 * * * *", "*/0 * * * *", "5 * * * * *"])
def test_apply_refuses_what_the_parser_refuses(text):
    # The API layer validates CronJobs with this parser: applying one fails with its words.
    from kbench import Cluster
    with pytest.raises(CronScheduleError) as caught:
        parse_schedule(text)
    cronjob = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
               "spec": {"schedule": text, "jobTemplate": {"spec": {"template": {"spec": {
                   "restartPolicy": "Never", "containers": [{"name": "a", "image": "a"}]}}}}}}
    with pytest.raises(ManifestError) as refused:
        Cluster().apply(cronjob)
    assert "spec.schedule" in str(refused.value) and caught.value.detail in str(refused.value)


def test_tz_in_schedule():
    # pkg/apis/batch/validation validateScheduleFormat: the zone belongs in spec.timeZone.
    # spec_test.go TestSlash0NoHang: "TZ=America/New_York 15/0 * * * *" is an error.
    with pytest.raises(CronScheduleError, match="step of range should be a positive number"):
        parse_schedule("TZ=America/New_York 15/0 * * * *")
    for text in ("TZ=UTC 0 5 * * *", "CRON_TZ=Asia/Tokyo 5 * * * *"):
        with pytest.raises(CronScheduleError,
                           match="cannot use TZ or CRON_TZ in schedule, use timeZone field instead"):
            parse_schedule(text)
    with pytest.raises(CronScheduleError, match="provided bad location Nowhere/Land"):
        parse_schedule("TZ=Nowhere/Land 5 * * * *")


def test_field_path_is_named():
    with pytest.raises(CronScheduleError) as caught:
        parse_schedule("61 * * * *", field="spec.cronJobs[2].schedule")
    assert str(caught.value).startswith('spec.cronJobs[2].schedule: Invalid value: "61 * * * *"')


def test_names_and_question_mark():
    assert parse_schedule("0 0 ? jan-MAR Sun,sat") == parse_schedule("0 0 * 1-3 0,6")
    assert parse_schedule("1,,2 * * * *").minutes == 0b110  # Go's FieldsFunc drops empty items


# -- spec_test.go TestActivation ------------------------------------------------------------

ACTIVATION = [
    ("Mon Jul 9 15:00 2012", "0/15 * * * *", True), ("Mon Jul 9 15:45 2012", "0/15 * * * *", True),
    ("Mon Jul 9 15:40 2012", "0/15 * * * *", False),
    ("Mon Jul 9 15:05 2012", "5/15 * * * *", True), ("Mon Jul 9 15:20 2012", "5/15 * * * *", True),
    ("Mon Jul 9 15:50 2012", "5/15 * * * *", True),
    ("Sun Jul 15 15:00 2012", "0/15 * * Jul *", True), ("Sun Jul 15 15:00 2012", "0/15 * * Jun *", False),
    ("Sun Jul 15 08:30 2012", "30 08 ? Jul Sun", True), ("Sun Jul 15 08:30 2012", "30 08 15 Jul ?", True),
    ("Mon Jul 16 08:30 2012", "30 08 ? Jul Sun", False), ("Mon Jul 16 08:30 2012", "30 08 15 Jul ?", False),
    ("Mon Jul 9 15:00 2012", "@hourly", True), ("Mon Jul 9 15:04 2012", "@hourly", False),
    ("Mon Jul 9 15:00 2012", "@daily", False), ("Mon Jul 9 00:00 2012", "@daily", True),
    ("Mon Jul 9 00:00 2012", "@weekly", False), ("Sun Jul 8 00:00 2012", "@weekly", True),
    ("Sun Jul 8 01:00 2012", "@weekly", False), ("Sun Jul 8 00:00 2012", "@monthly", False),
    ("Sun Jul 1 00:00 2012", "@monthly", True),
    # If both day fields are restricted, only one needs to match...
    ("Sun Jul 15 00:00 2012", "* * 1,15 * Sun", True), ("Fri Jun 15 00:00 2012", "* * 1,15 * Sun", True),
    ("Wed Aug 1 00:00 2012", "* * 1,15 * Sun", True), ("Sun Jul 15 00:00 2012", "* * */10 * Sun", True),
    # ... but if one is a star, both must.
    ("Sun Jul 15 00:00 2012", "* * * * Mon", False), ("Mon Jul 9 00:00 2012", "* * 1,15 * *", False),
    ("Sun Jul 15 00:00 2012", "* * 1,15 * *", True), ("Sun Jul 15 00:00 2012", "* * */2 * Sun", True),
]


@pytest.mark.parametrize("when,text,expected", ACTIVATION)
def test_activation(when, text, expected):
    # robfig/cron spec_test.go TestActivation: Next(t - 1s) == t exactly when t activates.
    moment = sim(when)
    assert (parse_schedule(text).next(moment - 1) == moment) is expected


# -- spec_test.go TestNext (the 6-field specs with seconds "0", written in 5 fields) ---------

NEXT = [
    ("Mon Jul 9 14:45 2012", "0/15 * * * *", "Mon Jul 9 15:00 2012", None),
    ("Mon Jul 9 14:59 2012", "0/15 * * * *", "Mon Jul 9 15:00 2012", None),
    ("Mon Jul 9 14:59:59 2012", "0/15 * * * *", "Mon Jul 9 15:00 2012", None),
    # Wrap around hours, days
    ("Mon Jul 9 15:45 2012", "20-35/15 * * * *", "Mon Jul 9 16:20 2012", None),
    ("Mon Jul 9 23:46 2012", "*/15 * * * *", "Tue Jul 10 00:00 2012", None),
    ("Mon Jul 9 23:45 2012", "20-35/15 * * * *", "Tue Jul 10 00:20 2012", None),
    # Wrap around months
    ("Mon Jul 9 23:35 2012", "0 0 9 Apr-Oct ?", "Thu Aug 9 00:00 2012", None),
    ("Mon Jul 9 23:35 2012", "0 0 */5 Apr,Aug,Oct Mon", "Tue Aug 1 00:00 2012", None),
    ("Mon Jul 9 23:35 2012", "0 0 */5 Oct Mon", "Mon Oct 1 00:00 2012", None),
    # Wrap around years
    ("Mon Jul 9 23:35 2012", "0 0 * Feb Mon", "Mon Feb 4 00:00 2013", None),
    ("Mon Jul 9 23:35 2012", "0 0 * Feb Mon/2", "Fri Feb 1 00:00 2013", None),
    # Wrap around minute, hour, day, month, and year
    ("Mon Dec 31 23:59:45 2012", "* * * * *", "Tue Jan 1 00:00:00 2013", None),
    # Leap year
    ("Mon Jul 9 23:35 2012", "0 0 29 Feb ?", "Mon Feb 29 00:00 2016", None),
    # Daylight savings time 2am EST (-5) -> 3am EDT (-4)
    ("2012-03-11T00:00:00-0500", "30 2 11 Mar ?", "2013-03-11T02:30:00-0400", NY),
    # hourly job
    ("2012-03-11T00:00:00-0500", "0 * * * ?", "2012-03-11T01:00:00-0500", NY),
    ("2012-03-11T01:00:00-0500", "0 * * * ?", "2012-03-11T03:00:00-0400", NY),
    ("2012-03-11T03:00:00-0400", "0 * * * ?", "2012-03-11T04:00:00-0400", NY),
    ("2012-03-11T04:00:00-0400", "0 * * * ?", "2012-03-11T05:00:00-0400", NY),
    # 1am nightly job
    ("2012-03-11T00:00:00-0500", "0 1 * * ?", "2012-03-11T01:00:00-0500", NY),
    ("2012-03-11T01:00:00-0500", "0 1 * * ?", "2012-03-12T01:00:00-0400", NY),
    # 2am nightly job (skipped)
    ("2012-03-11T00:00:00-0500", "0 2 * * ?", "2012-03-12T02:00:00-0400", NY),
    # Daylight savings time 2am EDT (-4) => 1am EST (-5)
    ("2012-11-04T00:00:00-0400", "30 2 04 Nov ?", "2012-11-04T02:30:00-0500", NY),
    ("2012-11-04T01:45:00-0400", "30 1 04 Nov ?", "2012-11-04T01:30:00-0500", NY),
    # hourly job
    ("2012-11-04T00:00:00-0400", "0 * * * ?", "2012-11-04T01:00:00-0400", NY),
    ("2012-11-04T01:00:00-0400", "0 * * * ?", "2012-11-04T01:00:00-0500", NY),
    ("2012-11-04T01:00:00-0500", "0 * * * ?", "2012-11-04T02:00:00-0500", NY),
    # 1am nightly job (runs twice)
    ("2012-11-04T00:00:00-0400", "0 1 * * ?", "2012-11-04T01:00:00-0400", NY),
    ("2012-11-04T01:00:00-0400", "0 1 * * ?", "2012-11-04T01:00:00-0500", NY),
    ("2012-11-04T01:00:00-0500", "0 1 * * ?", "2012-11-05T01:00:00-0500", NY),
    # 2am nightly job
    ("2012-11-04T00:00:00-0400", "0 2 * * ?", "2012-11-04T02:00:00-0500", NY),
    ("2012-11-04T02:00:00-0500", "0 2 * * ?", "2012-11-05T02:00:00-0500", NY),
    # 3am nightly job
    ("2012-11-04T00:00:00-0400", "0 3 * * ?", "2012-11-04T03:00:00-0500", NY),
    ("2012-11-04T03:00:00-0500", "0 3 * * ?", "2012-11-05T03:00:00-0500", NY),
    # Unsatisfiable
    ("Mon Jul 9 23:35 2012", "0 0 30 Feb ?", "", None),
    ("Mon Jul 9 23:35 2012", "0 0 31 Apr ?", "", None),
    # Monthly job
    ("2012-11-04T00:00:00-0400", "0 3 3 * ?", "2012-12-03T03:00:00-0500", NY),
    # DST resulting in midnight not being a valid time (robfig/cron#157)
    ("2018-10-17T05:00:00-0400", "0 9 10 * ?", "2018-11-10T06:00:00-0500", "America/Sao_Paulo"),
    ("2018-02-14T05:00:00-0500", "0 9 22 * ?", "2018-02-22T07:00:00-0500", "America/Sao_Paulo"),
    # TestNextWithTz (the time's own zone, +0530, is the schedule's)
    ("2016-01-03T13:09:03+0530", "14 14 * * *", "2016-01-03T14:14:00+0530", "Asia/Kolkata"),
    ("2016-01-03T04:09:03+0530", "14 14 * * ?", "2016-01-03T14:14:00+0530", "Asia/Kolkata"),
    ("2016-01-03T14:09:03+0530", "14 14 * * *", "2016-01-03T14:14:00+0530", "Asia/Kolkata"),
    ("2016-01-03T14:00:00+0530", "14 14 * * ?", "2016-01-03T14:14:00+0530", "Asia/Kolkata"),
]
# Not ported: the TestNext rows whose seconds field is not 0 ("15/35 20-35/15 ..."); the
# standard parser has no seconds field.


@pytest.mark.parametrize("start,text,expected,tz", NEXT)
def test_next(start, text, expected, tz):
    # robfig/cron spec_test.go TestNext and TestNextWithTz
    got = parse_schedule(text).next(sim(start, tz), tz)
    assert got == (sim(expected, tz) if expected else math.inf)
    if expected:  # the vectorised form finds the same activation
        assert schedule_times(parse_schedule(text), sim(start, tz), got, tz)[0] == got


CONSTANT_DELAY = [
    ("Mon Jul 9 14:45 2012", "15m50ns", "Mon Jul 9 15:00 2012"),
    ("Mon Jul 9 14:59 2012", "15m", "Mon Jul 9 15:14 2012"),
    ("Mon Jul 9 14:59:59 2012", "15m", "Mon Jul 9 15:14:59 2012"),
    ("Mon Jul 9 15:45 2012", "35m", "Mon Jul 9 16:20 2012"),
    ("Mon Jul 9 23:46 2012", "14m", "Tue Jul 10 00:00 2012"),
    ("Mon Jul 9 23:45 2012", "35m", "Tue Jul 10 00:20 2012"),
    ("Mon Jul 9 23:35:51 2012", "44m24s", "Tue Jul 10 00:20:15 2012"),
    ("Mon Jul 9 23:35:51 2012", "25h44m24s", "Thu Jul 11 01:20:15 2012"),
    ("Mon Jul 9 23:35 2012", f"{91 * 24}h25m", "Thu Oct 9 00:00 2012"),
    ("Mon Dec 31 23:59:45 2012", "15s", "Tue Jan 1 00:00:00 2013"),
    ("Mon Jul 9 14:45:00 2012", "15ms", "Mon Jul 9 14:45:01 2012"),
    ("Mon Jul 9 14:45:00.005 2012", "15m", "Mon Jul 9 15:00 2012"),
    ("Mon Jul 9 14:45:00.005 2012", "15m50ns", "Mon Jul 9 15:00 2012"),
]


@pytest.mark.parametrize("start,duration,expected", CONSTANT_DELAY)
def test_every(start, duration, expected):
    # robfig/cron constantdelay_test.go TestConstantDelayNext, through "@every <duration>"
    assert parse_schedule(f"@every {duration}").next(sim(start)) == sim(expected)


def test_every_rounds_and_ignores_the_zone():
    assert parse_schedule("@every 1.5s").delay_seconds == 1
    assert parse_schedule("@every 0").delay_seconds == 1
    assert parse_schedule("@every -5m").delay_seconds == 1
    assert parse_schedule("@every 0.3333333333333333333h").delay_seconds == 1200  # exact, as Go
    assert parse_schedule("@every 1h").next(100.0, NY) == 3700.0
    times = parse_schedule("@every 7m").times_between(0.0, 3600.0)
    assert times.tolist() == [420.0 * k for k in range(1, 9)]


# -- kbench edge cases ----------------------------------------------------------------------

def test_feb_29_only_in_leap_years():
    schedule = parse_schedule("0 12 29 2 *")
    first = schedule.next(0.0)  # 2026-01-01
    assert first == sim("2028-02-29T12:00:00+0000")
    assert schedule.next(first) == sim("2032-02-29T12:00:00+0000")


def test_feb_29_beyond_five_years_is_never():
    # spec.go: no match within five years is Go's zero time (inf here). "29 Feb on a Monday"
    # with both day fields restricted is "29th OR Monday", so use a schedule that only Feb 30
    # could satisfy.
    assert parse_schedule("0 0 30 2 *").next(0.0) == math.inf


def test_dom_dow_either_rule():
    # Both restricted: the 13th OR a Friday; a star in either: both must match.
    either = parse_schedule("0 0 13 * 5")
    both = parse_schedule("0 0 13 * *")
    start = sim("2026-02-01T00:00:00+0000")
    fridays_or_13th = schedule_times(either, start, sim("2026-03-01T00:00:00+0000"))
    days = [datetime.fromtimestamp(t + EPOCH_UNIX, UTC).day for t in fridays_or_13th]
    assert days == [6, 13, 20, 27]  # February 2026: Fridays 6, 13, 20, 27 (the 13th is one)
    assert both.next(start) == sim("2026-02-13T00:00:00+0000")
    friday_13th = parse_schedule("0 0 13 * */1")  # "*/1" keeps the star: both must match
    assert friday_13th.next(start) == sim("2026-02-13T00:00:00+0000")
    assert friday_13th.next(sim("2026-02-13T00:00:00+0000")) == sim("2026-03-13T00:00:00+0000")
    saturday_13th = parse_schedule("0 0 13 * */7")  # "*/7" is not a star: 13th OR Sunday
    assert saturday_13th.next(start) == sim("2026-02-08T00:00:00+0000")


def test_new_york_dst_2026():
    # spec.timeZone America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT, 2026-11-01 02:00 EDT
    # -> 01:00 EST.
    daily_0230 = parse_schedule("30 2 * * *")
    times = schedule_times(daily_0230, sim("2026-03-06T12:00:00-0500"),
                           sim("2026-03-10T12:00:00-0400"), NY)
    assert times.tolist() == [sim("2026-03-07T02:30:00-0500"), sim("2026-03-09T02:30:00-0400"),
                              sim("2026-03-10T02:30:00-0400")]  # none on the 8th
    daily_0130 = parse_schedule("30 1 * * *")
    times = schedule_times(daily_0130, sim("2026-10-31T12:00:00-0400"),
                           sim("2026-11-02T12:00:00-0500"), NY)
    assert times.tolist() == [sim("2026-11-01T01:30:00-0400"), sim("2026-11-01T01:30:00-0500"),
                              sim("2026-11-02T01:30:00-0500")]
    # 9:00 local stays 9:00 local across the change: 14:00Z in winter, 13:00Z in summer.
    nine = parse_schedule("0 9 * * *")
    assert nine.next(sim("2026-03-07T15:00:00+0000"), NY) == sim("2026-03-08T13:00:00+0000")
    assert nine.next(sim("2026-03-06T15:00:00+0000"), NY) == sim("2026-03-07T14:00:00+0000")


def test_time_zones():
    assert load_time_zone(None) is None and load_time_zone("UTC") is None
    with pytest.raises(ManifestError, match="unknown time zone Mars/Olympus"):
        load_time_zone("Mars/Olympus")
    tokyo = parse_schedule("0 0 * * *").next(0.0, "Asia/Tokyo")
    assert tokyo == 15 * 3600  # 2026-01-02T00:00+09:00


def test_schedule_times_long_interval_falls_back():
    schedule = parse_schedule("0 0 1 1 *")
    times = schedule.times_between(0.0, 10 * 365 * 86400.0, NY, max_minutes=1000)
    years = [datetime.fromtimestamp(t + EPOCH_UNIX, zoneinfo.ZoneInfo(NY)).year for t in times]
    assert years == list(range(2026, 2036))  # 2026-01-01T00:00 EST is 05:00Z, after time 0
    assert np.array_equal(times, schedule.times_between(0.0, 10 * 365 * 86400.0, NY))


# -- properties -----------------------------------------------------------------------------

def _field(low: int, high: int, names: tuple[str, ...] = ()):
    value = st.integers(low, high)
    single = value.map(str)
    if names:
        single = single | st.sampled_from(names)
    ranged = st.tuples(value, value).map(lambda ab: f"{min(ab)}-{max(ab)}")
    stepped = st.tuples(st.sampled_from(["*", f"{low}"]), st.integers(1, 4)).map(
        lambda bs: f"{bs[0]}/{bs[1]}")
    item = st.sampled_from(["*"]) | single | ranged | stepped
    return st.lists(item, min_size=1, max_size=3).map(",".join)


SCHEDULES = st.tuples(_field(0, 59), _field(0, 23), _field(1, 31), _field(1, 12, ("jan", "JUN")),
                      _field(0, 6, ("sun", "Fri"))).map(" ".join)
ZONES = st.sampled_from([None, NY, "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"])
# Around New York's and London's 2026 clock changes, and a plain stretch.
STARTS = st.sampled_from([sim("2026-03-07T00:00:00+0000"), sim("2026-03-28T12:00:00+0000"),
                          sim("2026-10-31T20:00:00+0000"), sim("2026-04-04T10:00:00+0000"),
                          sim("2026-06-15T00:00:00+0000")]).flatmap(
    lambda t: st.integers(-86400, 86400).map(lambda d: t + d + 0.25))


def _matches(schedule: SpecSchedule, instant: float, tz) -> bool:
    """Brute-force oracle: the wall clock of ``instant`` in ``tz`` straight from zoneinfo."""
    zone = zoneinfo.ZoneInfo(tz) if tz else UTC
    local = datetime.fromtimestamp(instant + EPOCH_UNIX, zone)
    return bool(local.second == 0 and schedule.matches_local(
        local.month, local.day, local.hour, local.minute, (local.weekday() + 1) % 7))


@settings(max_examples=150, deadline=None)
@given(SCHEDULES, ZONES, STARTS)
def test_next_is_the_first_match_after(text, tz, start):
    """next(t) is strictly after t, matches, and no minute in between matches (brute force
    per minute over up to three days)."""
    schedule = parse_schedule(text)
    got = schedule.next(start, tz)
    assert got > start
    if got != math.inf:
        assert _matches(schedule, got, tz)
    first_minute = (math.floor(start + EPOCH_UNIX) // 60 + 1) * 60 - EPOCH_UNIX
    stop = min(got, first_minute + 3 * 86400)
    minute = first_minute
    while minute < stop:
        assert not _matches(schedule, minute, tz), f"{text} skipped {minute} before {got}"
        minute += 60


@settings(max_examples=60, deadline=None)
@given(SCHEDULES, ZONES, STARTS, st.integers(0, 4 * 86400))
def test_times_between_equals_repeated_next(text, tz, start, length):
    schedule = parse_schedule(text)
    vectorised = schedule.times_between(start, start + length, tz)
    iterated = []
    moment = schedule.next(start, tz)
    while moment <= start + length:
        iterated.append(moment)
        moment = schedule.next(moment, tz)
    assert vectorised.tolist() == iterated


def test_parse_is_cached_and_deterministic():
    assert parse_schedule("*/5 * * * *") is parse_schedule("*/5 * * * *")
    assert parse_schedule("*/5 * * * *").next(1.5) == 300.0
    assert timedelta(seconds=parse_schedule("@weekly").next(0.0)) == timedelta(days=3)
