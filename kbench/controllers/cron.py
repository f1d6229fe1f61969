"""Cron schedules as the CronJob controller reads them: robfig/cron v3 ``ParseStandard`` and
``Schedule.Next`` on simulated time, in the CronJob's time zone.

Sources (facts carried over, not code): robfig/cron v3 parser.go (5 fields, ranges, steps,
lists, JAN-DEC / SUN-SAT names, descriptors, ``@every``; its error messages), spec.go
(``Next``: the first matching second after ``t``, the day-of-month / day-of-week rule, the
five-year search limit), constantdelay.go (``@every``: whole seconds, at least one).

Simulated time is seconds since ``EPOCH_UNIX`` (2026-01-01T00:00:00Z, the same instant as
``kbench.api.store.EPOCH``). A schedule is evaluated on the local wall clock of a time zone
(``spec.timeZone``, an IANA name; UTC when unset). robfig's ``Next`` steps through absolute
time, so around daylight-saving changes it returns the first *instant* whose local wall time
matches: a wall time skipped by the clock change never fires (the 02:30 job on the spring-
forward day runs next on the next matching day) and a repeated wall time fires twice (the
01:00 job on the fall-back day runs at 01:00 EDT and again at 01:00 EST). This module
computes exactly that: between two changes of UTC offset, local time is a fixed shift of
absolute time, so the next match is found on the naive calendar and shifted back.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from kbench.errors import ManifestError

__all__ = [
    "EPOCH_UNIX",
    "CronScheduleError",
    "EverySchedule",
    "Schedule",
    "SpecSchedule",
    "load_time_zone",
    "parse_schedule",
    "schedule_times",
]

#: Unix time of simulated time 0 (2026-01-01T00:00:00Z, kbench.api.store.EPOCH). Kept here as a
#: number so this module does not import the API layer above it.
EPOCH_UNIX = 1767225600

#: robfig/cron gives up when no match is found within five years of the start (spec.go).
YEAR_LIMIT = 5

_NAIVE_UNIX_ZERO = datetime(1970, 1, 1)
_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}


@dataclass(frozen=True)
class _Bounds:
    low: int
    high: int
    names: dict | None = None


# spec.go: the bounds of each field of the standard (5-field) parser, in order.
_FIELDS = (_Bounds(0, 59), _Bounds(0, 23), _Bounds(1, 31), _Bounds(1, 12, _MONTHS),
           _Bounds(0, 6, _DAYS))


class CronScheduleError(ManifestError):
    """A cron schedule that robfig/cron's ParseStandard (and so the API server) refuses.

    The message is the API server's: ``spec.schedule: Invalid value: "61 * * * *": end of
    range (61) above maximum (59): 61``."""

    def __init__(self, field: str, value: object, detail: str):
        quoted = '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
        super().__init__(f"Invalid value: {quoted}: {detail}", field=field, value=value)
        self.detail = detail


class _ParseError(Exception):
    """robfig/cron's error text, before it is given a field path."""


# -- time zones --------------------------------------------------------------------------------

@functools.cache
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def load_time_zone(name: str | None, field: str = "spec.timeZone") -> zoneinfo.ZoneInfo | None:
    """The zone of an IANA name as Go's time.LoadLocation finds it; None (UTC) for None, ""
    and "UTC". Raises ManifestError ("unknown time zone <name>", Go's wording) otherwise."""
    if name in (None, "", "UTC"):
        return None
    if name == "Local":
        # The simulated machine's local time is UTC; validation refuses "Local" anyway.
        return None
    try:
        return _zone(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ManifestError(f'Invalid value: "{name}": unknown time zone {name}', field=field,
                            value=name) from None


def _as_zone(tz) -> zoneinfo.ZoneInfo | None:
    if tz is None or isinstance(tz, zoneinfo.ZoneInfo):
        return tz
    return load_time_zone(tz)


def _offset_at(zone: zoneinfo.ZoneInfo | None, unix: int) -> int:
    """UTC offset in seconds of ``zone`` at the absolute instant ``unix``."""
    if zone is None:
        return 0
    return int(datetime.fromtimestamp(unix, tz=zone).utcoffset().total_seconds())


@functools.lru_cache(maxsize=4096)
def _transitions(zone: zoneinfo.ZoneInfo, year: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Instants (unix seconds) at which ``zone`` changes its UTC offset during ``year`` (UTC,
    with a day of margin each side), and the offset from each on.

    zoneinfo has no public list of transitions, so the offset is probed every 6 hours and
    each change found is narrowed to the second by bisection. Computed once per zone-year."""
    start = int(datetime(year, 1, 1, tzinfo=UTC).timestamp()) - 86400
    end = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()) + 86400
    instants, offsets = [], []
    step = 6 * 3600
    previous = _offset_at(zone, start)
    probe = start
    while probe < end:
        following = min(probe + step, end)
        offset = _offset_at(zone, following)
        if offset != previous:
            low, high = probe, following  # offset(low) == previous, offset(high) != previous
            while high - low > 1:
                middle = (low + high) // 2
                if _offset_at(zone, middle) == previous:
                    low = middle
                else:
                    high = middle
            instants.append(high)
            offsets.append(_offset_at(zone, high))
            previous = offset
        probe = following
    return tuple(instants), tuple(offsets)


def _utc_year(unix: int) -> int:
    return (_NAIVE_UNIX_ZERO + timedelta(seconds=unix)).year


def _first_change(zone: zoneinfo.ZoneInfo | None, after: int, until: int) -> int | None:
    """The first instant in (after, until] at which ``zone`` changes its UTC offset."""
    if zone is None or until <= after:
        return None
    for year in range(_utc_year(after), _utc_year(until) + 1):
        instants, _ = _transitions(zone, year)
        position = bisect.bisect_right(instants, after)
        if position < len(instants) and instants[position] <= until:
            return instants[position]
    return None


def _offsets(zone: zoneinfo.ZoneInfo | None, unix: np.ndarray) -> np.ndarray:
    """UTC offsets (seconds) of ``zone`` at sorted instants ``unix``, vectorised."""
    if zone is None or len(unix) == 0:
        return np.zeros(len(unix), dtype=np.int64)
    first, last = int(unix[0]), int(unix[-1])
    changes, after = [], []
    for year in range(_utc_year(first), _utc_year(last) + 1):
        instants, offsets = _transitions(zone, year)
        for instant, offset in zip(instants, offsets):
            if first < instant <= last and (not changes or instant > changes[-1]):
                changes.append(instant)
                after.append(offset)
    base = _offset_at(zone, first)
    if not changes:
        return np.full(len(unix), base, dtype=np.int64)
    index = np.searchsorted(np.asarray(changes, dtype=np.int64), unix, side="right")
    table = np.asarray([base] + after, dtype=np.int64)
    return table[index]


# -- schedules ------------------------------------------------------------------------------

class Schedule:
    """A parsed cron schedule. ``next(after, tz)`` is robfig's ``Schedule.Next``."""

    text: str

    def next(self, after: float, tz=None) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def times_between(self, after: float, until: float, tz=None) -> np.ndarray:
        """All activation times in (after, until], oldest first, as float64 simulated
        seconds (the vectorised twin of calling ``next`` until past ``until``)."""
        raise NotImplementedError  # pragma: no cover - overridden


@dataclass(frozen=True)
class EverySchedule(Schedule):
    """``@every <duration>``: robfig's ConstantDelaySchedule. Whole seconds, at least one;
    the next activation is ``after`` rounded down to the second plus the delay. It ignores
    the time zone."""

    text: str
    delay_seconds: int

    def next(self, after: float, tz=None) -> float:
        return float(math.floor(after) + self.delay_seconds)

    def times_between(self, after: float, until: float, tz=None) -> np.ndarray:
        first = math.floor(after) + self.delay_seconds
        if first > until:
            return np.zeros(0, dtype=np.float64)
        count = int((math.floor(until) - first) // self.delay_seconds) + 1
        return first + self.delay_seconds * np.arange(count, dtype=np.float64)


@dataclass(frozen=True)
class SpecSchedule(Schedule):
    """A crontab schedule as bit sets (robfig's SpecSchedule; the seconds field is always 0
    for the standard parser). ``dom_star`` / ``dow_star`` say the field was written as ``*``
    or ``?`` (without a step > 1): then day-of-month AND day-of-week must match, otherwise
    either one matching is enough (spec.go dayMatches). Schedules compare by their bits,
    not by how they were written."""

    text: str = field(compare=False)
    minutes: int
    hours: int
    days_of_month: int
    months: int
    days_of_week: int
    dom_star: bool
    dow_star: bool

    # -- matching on the naive (wall-clock) calendar --

    def _day_matches(self, day: datetime) -> bool:
        dom = bool(self.days_of_month >> day.day & 1)
        dow = bool(self.days_of_week >> ((day.weekday() + 1) % 7) & 1)  # Go: Sunday == 0
        if self.dom_star or self.dow_star:
            return dom and dow
        return dom or dow

    def _next_local(self, local: int, year_limit: int) -> int | None:
        """The first naive wall-clock time >= ``local`` (seconds since 1970-01-01 00:00 on the
        naive calendar) that matches, or None past ``year_limit``."""
        minute_start = -(-local // 60) * 60
        moment = _NAIVE_UNIX_ZERO + timedelta(seconds=minute_start)
        while True:
            if moment.year > year_limit:
                return None
            if not self.months >> moment.month & 1:
                year, month = (moment.year + 1, 1) if moment.month == 12 else (
                    moment.year, moment.month + 1)
                moment = datetime(year, month, 1)
                continue
            if not self._day_matches(moment):
                moment = datetime(moment.year, moment.month, moment.day) + timedelta(days=1)
                continue
            hour = _next_bit(self.hours, moment.hour, 23)
            if hour is None:
                moment = datetime(moment.year, moment.month, moment.day) + timedelta(days=1)
                continue
            if hour != moment.hour:
                moment = moment.replace(hour=hour, minute=0)
            minute = _next_bit(self.minutes, moment.minute, 59)
            if minute is None:
                moment = moment.replace(minute=0) + timedelta(hours=1)
                continue
            moment = moment.replace(minute=minute)
            return int((moment - _NAIVE_UNIX_ZERO).total_seconds())

    def next(self, after: float, tz=None) -> float:
        """The first activation strictly after ``after`` (robfig starts at the next whole
        second), in simulated seconds; ``inf`` when none within five years (Go's zero time)."""
        zone = _as_zone(tz)
        unix = math.floor(after) + 1 + EPOCH_UNIX
        start_offset = _offset_at(zone, unix)
        year_limit = (_NAIVE_UNIX_ZERO + timedelta(seconds=unix + start_offset)).year + YEAR_LIMIT
        while True:
            offset = _offset_at(zone, unix)
            match = self._next_local(unix + offset, year_limit)
            if match is None:
                return math.inf
            candidate = match - offset
            change = _first_change(zone, unix, candidate)
            if change is None:
                return float(candidate - EPOCH_UNIX)
            unix = change  # the offset changes before the candidate: search again from there

    def matches_local(self, month, day, hour, minute, weekday) -> np.ndarray:
        """Which wall-clock times (arrays of month 1-12, day 1-31, hour, minute, weekday with
        Sunday 0) the schedule selects; vectorised."""
        def bit(mask: int, values) -> np.ndarray:
            return ((np.int64(mask) >> np.asarray(values, dtype=np.int64)) & 1).astype(bool)
        dom, dow = bit(self.days_of_month, day), bit(self.days_of_week, weekday)
        days = (dom & dow) if (self.dom_star or self.dow_star) else (dom | dow)
        return bit(self.months, month) & days & bit(self.hours, hour) & bit(self.minutes, minute)

    def times_between(self, after: float, until: float, tz=None,
                      max_minutes: int = 4_000_000) -> np.ndarray:
        """All activations in (after, until], oldest first: every whole minute of the interval
        is tested at once with numpy (local wall clock from the zone's offsets). Intervals
        longer than ``max_minutes`` fall back to repeated ``next``."""
        zone = _as_zone(tz)
        after_unix = math.floor(after) + EPOCH_UNIX
        until_unix = math.floor(until) + EPOCH_UNIX
        first = (after_unix // 60 + 1) * 60
        count = (until_unix - first) // 60 + 1
        if count <= 0:
            return np.zeros(0, dtype=np.float64)
        if count > max_minutes:
            return _iterate(self, after, until, zone)
        unix = first + 60 * np.arange(count, dtype=np.int64)
        offsets = _offsets(zone, unix)
        if np.any(offsets % 60):
            return _iterate(self, after, until, zone)  # a zone offset with seconds (pre-1970 LMT)
        local = unix + offsets
        days = local // 86400
        seconds = local % 86400
        dates = days.astype("datetime64[D]")
        month_starts = dates.astype("datetime64[M]")
        month = month_starts.astype(np.int64) % 12 + 1
        day = (dates - month_starts.astype("datetime64[D]")).astype(np.int64) + 1
        weekday = (days + 4) % 7  # 1970-01-01 was a Thursday
        selected = self.matches_local(month, day, seconds // 3600, seconds % 3600 // 60, weekday)
        return (unix[selected] - EPOCH_UNIX).astype(np.float64)


def _iterate(schedule: Schedule, after: float, until: float, tz) -> np.ndarray:
    times = []
    moment = schedule.next(after, tz)
    while moment <= until:
        times.append(moment)
        moment = schedule.next(moment, tz)
    return np.asarray(times, dtype=np.float64)


def schedule_times(schedule: Schedule, after: float, until: float, tz=None) -> np.ndarray:
    """All activation times of ``schedule`` in (after, until], oldest first."""
    return schedule.times_between(after, until, tz)


def _next_bit(mask: int, start: int, high: int) -> int | None:
    for value in range(start, high + 1):
        if mask >> value & 1:
            return value
    return None


# -- parsing (robfig/cron v3 parser.go) ------------------------------------------------------

_INT = re.compile(r"[+-]?[0-9]+")


def _atoi(text: str) -> int:
    """Go's strconv.Atoi, with its error messages."""
    if not _INT.fullmatch(text):
        raise _ParseError(f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": '
                          f"invalid syntax")
    number = int(text)
    if not -2**63 <= number < 2**63:
        raise _ParseError(f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": '
                          f"value out of range")
    return number


def _must_parse_int(text: str) -> int:
    number = _atoi(text)
    if number < 0:
        raise _ParseError(f"negative number ({number}) not allowed: {text}")
    return number


def _int_or_name(text: str, names: dict | None) -> int:
    if names is not None and text.lower() in names:
        return names[text.lower()]
    return _must_parse_int(text)


def _range_bits(expr: str, bounds: _Bounds) -> tuple[int, bool]:
    """getRange: the bits of ``number | number "-" number [ "/" number ]`` or ``*``/``?``, and
    whether it counts as a star (a step > 1 makes ``*/2`` not a star)."""
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    single = len(low_and_high) == 1
    star = False
    if low_and_high[0] in ("*", "?"):
        start, end, star = bounds.low, bounds.high, True
    else:
        start = _int_or_name(low_and_high[0], bounds.names)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _int_or_name(low_and_high[1], bounds.names)
        else:
            raise _ParseError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _must_parse_int(range_and_step[1])
        if single:
            end = bounds.high  # "N/step" means "N-max/step"
        if step > 1:
            star = False
    else:
        raise _ParseError(f"too many slashes: {expr}")
    if start < bounds.low:
        raise _ParseError(f"beginning of range ({start}) below minimum ({bounds.low}): {expr}")
    if end > bounds.high:
        raise _ParseError(f"end of range ({end}) above maximum ({bounds.high}): {expr}")
    if start > end:
        raise _ParseError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise _ParseError(f"step of range should be a positive number: {expr}")
    bits = 0
    for value in range(start, end + 1, step):
        bits |= 1 << value
    return bits, star


def _field_bits(text: str, bounds: _Bounds) -> tuple[int, bool]:
    """getField: a comma-separated list of ranges (empty items are skipped, as Go's
    strings.FieldsFunc does)."""
    bits, star = 0, False
    for expr in (part for part in text.split(",") if part):
        range_bits, range_star = _range_bits(expr, bounds)
        bits |= range_bits
        star = star or range_star
    return bits, star


def _all(bounds: _Bounds) -> int:
    return sum(1 << value for value in range(bounds.low, bounds.high + 1))


def _descriptor(text: str) -> Schedule:
    """parseDescriptor: @yearly/@annually, @monthly, @weekly, @daily/@midnight, @hourly, @every."""
    minute, hour, dom, month, dow = _FIELDS
    first = {"minutes": 1, "hours": 1, "days_of_month": 1 << 1, "months": 1 << 1,
             "days_of_week": 1}
    every = {"minutes": _all(minute), "hours": _all(hour), "days_of_month": _all(dom),
             "months": _all(month), "days_of_week": _all(dow)}
    # Which fields are "all" (with the star bit) per descriptor; the others take their minimum.
    table = {
        "@yearly": ("days_of_week",), "@annually": ("days_of_week",),
        "@monthly": ("months", "days_of_week"),
        "@weekly": ("days_of_month", "months"),
        "@daily": ("days_of_month", "months", "days_of_week"),
        "@midnight": ("days_of_month", "months", "days_of_week"),
        "@hourly": ("hours", "days_of_month", "months", "days_of_week"),
    }
    if text in table:
        stars = table[text]
        fields = {name: (every[name] if name in stars else first[name]) for name in first}
        return SpecSchedule(text, dom_star="days_of_month" in stars,
                            dow_star="days_of_week" in stars, **fields)
    if text.startswith("@every "):
        duration = text[len("@every "):]
        nanoseconds = _go_duration_nanoseconds(duration)
        if nanoseconds is None:
            raise _ParseError(f'failed to parse duration {text}: time: invalid duration '
                              f'"{duration}"')
        # constantdelay.go Every: less than a second rounds up to one; sub-seconds are dropped.
        seconds = max(nanoseconds, 10**9) // 10**9
        return EverySchedule(text, int(seconds))
    raise _ParseError(f"unrecognized descriptor: {text}")


_DURATION_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9,
                   "m": 60 * 10**9, "h": 3600 * 10**9}
_DURATION_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?(ns|us|µs|μs|ms|s|m|h)")


def _go_duration_nanoseconds(text: str) -> int | None:
    """Go's time.ParseDuration in integer nanoseconds (None if invalid), with Go's own
    arithmetic: whole units exactly, a fraction through float64 (so "0.3333333333333333333h"
    is exactly 20 minutes, as Go's tests say)."""
    sign = -1 if text.startswith("-") else 1
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return 0
    if not body:
        return None
    total, position = 0, 0
    while position < len(body):
        match = _DURATION_PART.match(body, position)
        if match is None or not (match.group(1) or match.group(2)):
            return None
        whole, fraction, unit = match.group(1), match.group(2) or "", _DURATION_UNITS[match.group(3)]
        value = int(whole or "0") * unit
        digits, scale = 0, 1.0
        for char in fraction:  # leadingFraction: stop accumulating before overflowing
            if digits > (2**63 - 1) // 10:
                break
            digits, scale = digits * 10 + int(char), scale * 10
        if digits:
            value += int(float(digits) * (float(unit) / scale))
        if value > 2**63:
            return None
        total += value
        position = match.end()
    return sign * total


def _parse(text: str) -> Schedule:
    """robfig/cron v3 ParseStandard, raising _ParseError with robfig's message."""
    if len(text) == 0:
        raise _ParseError("empty spec string")
    spec = text
    if spec.startswith(("TZ=", "CRON_TZ=")):
        space = spec.find(" ")
        name = spec[spec.find("=") + 1:space if space >= 0 else len(spec)]
        if space < 0:
            raise _ParseError(f"provided bad location {name}: missing schedule")
        try:
            load_time_zone(name)
        except ManifestError:
            raise _ParseError(f"provided bad location {name}: unknown time zone {name}") from None
        spec = spec[space:].strip()
    if spec.startswith("@"):
        return _descriptor(spec)
    fields = spec.split()
    if len(fields) != 5:
        raise _ParseError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    (minutes, _), (hours, _), (dom, dom_star), (months, _), (dow, dow_star) = (
        _field_bits(text, bounds) for text, bounds in zip(fields, _FIELDS))
    return SpecSchedule(text, minutes, hours, dom, months, dow, dom_star, dow_star)


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Schedule | str:
    try:
        return _parse(text)
    except _ParseError as error:
        return str(error)


def parse_schedule(text: str, field: str = "spec.schedule") -> Schedule:
    """Parse a CronJob's ``spec.schedule`` as Kubernetes does (robfig/cron v3 ParseStandard).

    Raises CronScheduleError naming ``field`` with robfig's reason (``expected exactly 5
    fields, found 4: [* * * *]``, ``end of range (60) above maximum (59): 60``, ...). A
    ``TZ=`` / ``CRON_TZ=`` prefix is refused as the API server refuses it
    (pkg/apis/batch/validation validateScheduleFormat): the zone belongs in spec.timeZone.
    Parsed schedules are cached by text.

    >>> parse_schedule("*/15 9-17 * * MON-FRI").next(0.0)   # 2026-01-01 is a Thursday
    32400.0
    """
    if not isinstance(text, str):
        raise CronScheduleError(field, text, "must be a string")
    parsed = _parse_cached(text)
    if isinstance(parsed, str):
        raise CronScheduleError(field, text, parsed)
    if "TZ" in text:
        raise CronScheduleError(field, text,
                                "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
    return parsed
