"""Simulated time: durations as Kubernetes writes them (Go's time.ParseDuration: "15s",
"1h30m", "500ms", "-1.5h") or as seconds, and the engine's event queue."""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from kbench.errors import KbenchError

#: Go's time.ParseDuration units, in seconds ("us" and "µs" are both microseconds).
UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
         "h": 3600.0}
_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


class DurationError(KbenchError, ValueError):
    """A duration that is neither a number of seconds nor a Go duration string."""


def parse_duration(value: str | float | int, field: str = "duration") -> float:
    """Seconds of ``value``: a number (seconds) or a Go duration string ("90s", "1h30m",
    "1.5h", "300ms"; a unit is required except for "0"). ``field`` names the value in errors.

    >>> parse_duration("1h30m")
    5400.0
    """
    if isinstance(value, bool):
        raise DurationError(f"{field}: {value!r}: not a duration")
    if isinstance(value, (int, float, np.integer, np.floating)):
        seconds = float(value)
        if not np.isfinite(seconds):
            raise DurationError(f"{field}: {value!r}: not a finite number of seconds")
        return seconds
    if not isinstance(value, str):
        raise DurationError(f"{field}: {value!r}: not a duration (a number of seconds or "
                            f'a string like "15s" or "1h30m")')
    text = value.strip()
    sign = -1.0 if text.startswith("-") else 1.0
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return 0.0
    position, seconds = 0, 0.0
    while position < len(body):
        match = _PART.match(body, position)
        if match is None:
            raise DurationError(
                f'{field}: {value!r}: not a duration (a number with a unit: ns, us, ms, s, m, '
                f'h; e.g. "15s", "1h30m", "1.5h")')
        seconds += float(match.group(1)) * UNITS[match.group(2)]
        position = match.end()
    if not body:
        raise DurationError(f"{field}: {value!r}: empty duration")
    return sign * seconds


class Due(NamedTuple):
    """Events taken from the queue, in (time, kind, sequence) order."""

    times: np.ndarray     # float64 simulated seconds
    kinds: np.ndarray     # int32: the engine's event kinds
    payloads: np.ndarray  # int64: what the event is about (a pod row, ...)
    tags: np.ndarray      # int64: a check value pushed with it (e.g. the pod's incarnation)


class EventQueue:
    """Events due at simulated times, handed out in (time, kind, sequence) order: earlier
    first, then the lower kind (the engine's fixed order of event kinds), then the order
    they were pushed. Columnar: many events are pushed and popped per call, never one
    Python call per event.

    A handler that may have been overtaken (a pod deleted or restarted before its event is
    due) pushes a ``tag`` with the event and compares it when the event comes due."""

    COLUMNS = ("times", "kinds", "sequences", "payloads", "tags")

    def __init__(self) -> None:
        self.times = np.zeros(0, dtype=np.float64)
        self.kinds = np.zeros(0, dtype=np.int32)
        self.sequences = np.zeros(0, dtype=np.int64)
        self.payloads = np.zeros(0, dtype=np.int64)
        self.tags = np.zeros(0, dtype=np.int64)
        self.next_sequence = 0

    def __len__(self) -> int:
        return len(self.times)

    def push(self, times, kind: int, payloads, tags=0) -> None:
        """Add events of one kind: ``times`` (one or per payload), their ``payloads``
        (integers, e.g. pod rows) and ``tags`` (one or per payload)."""
        payloads = np.atleast_1d(np.asarray(payloads, dtype=np.int64))
        times = np.broadcast_to(np.asarray(times, dtype=np.float64), payloads.shape)
        tags = np.broadcast_to(np.asarray(tags, dtype=np.int64), payloads.shape)
        if np.isnan(times).any():
            raise ValueError("an event needs a time (got NaN)")
        count = len(payloads)
        if count == 0:
            return
        self.times = np.concatenate([self.times, times])
        self.kinds = np.concatenate([self.kinds, np.full(count, kind, dtype=np.int32)])
        self.sequences = np.concatenate([self.sequences, self.next_sequence
                                         + np.arange(count, dtype=np.int64)])
        self.payloads = np.concatenate([self.payloads, payloads])
        self.tags = np.concatenate([self.tags, tags])
        self.next_sequence += count

    def pop_due(self, until: float) -> Due:
        """Remove and return the events with time <= ``until``, in (time, kind, sequence)
        order."""
        due = self.times <= until
        if not due.any():
            empty = np.zeros(0, dtype=np.int64)
            return Due(np.zeros(0, dtype=np.float64), empty.astype(np.int32), empty, empty)
        order = np.lexsort((self.sequences[due], self.kinds[due], self.times[due]))
        result = Due(self.times[due][order], self.kinds[due][order],
                     self.payloads[due][order], self.tags[due][order])
        keep = ~due
        for name in self.COLUMNS:
            setattr(self, name, getattr(self, name)[keep])
        return result

    def next_time(self) -> float:
        """The earliest time of an event waiting (inf when none)."""
        return float(self.times.min()) if len(self.times) else float("inf")

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The queue as plain arrays (for snapshots)."""
        arrays = {name: getattr(self, name).copy() for name in self.COLUMNS}
        arrays["next_sequence"] = np.array([self.next_sequence], dtype=np.int64)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> "EventQueue":
        queue = cls()
        for name in cls.COLUMNS:
            setattr(queue, name, np.asarray(arrays[name], dtype=getattr(queue, name).dtype))
        queue.next_sequence = int(arrays["next_sequence"][0])
        return queue
