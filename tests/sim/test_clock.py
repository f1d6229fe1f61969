"""Durations (Go's time.ParseDuration) and the engine's event queue."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

from kbench.sim.clock import DurationError, EventQueue, parse_duration

# Go's src/time/time_test.go parseDurationTests (the valid cases), in seconds.
GO_VALID = [
    ("0", 0), ("5s", 5), ("30s", 30), ("1478s", 1478), ("-5s", -5), ("+5s", 5), ("-0", 0),
    ("+0", 0), ("5.0s", 5), ("5.6s", 5.6), ("5.s", 5), (".5s", 0.5), ("1.0s", 1),
    ("1.00s", 1), ("1.004s", 1.004), ("1.0040s", 1.004), ("100.00100s", 100.001),
    ("10ns", 10e-9), ("11us", 11e-6), ("12µs", 12e-6), ("12μs", 12e-6), ("13ms", 13e-3),
    ("14s", 14), ("15m", 15 * 60), ("16h", 16 * 3600), ("3h30m", 3.5 * 3600),
    ("10.5s4m", 4 * 60 + 10.5), ("-2m3.4s", -(2 * 60 + 3.4)),
    ("1h2m3s4ms5us6ns", 3600 + 2 * 60 + 3 + 4e-3 + 5e-6 + 6e-9),
    ("39h9m14.425s", 39 * 3600 + 9 * 60 + 14.425), ("52763797000ns", 52.763797),
    ("0.3333333333333333333h", 20 * 60), ("9007199254740993ns", 9007199.254740993),
]
# ... and its parseDurationErrorTests (no "1d": Go has no day unit).
GO_INVALID = ["", "3", "-", "s", ".", "-.", ".s", "+.s", "1d", "1.5x", "5s ago"]


@pytest.mark.parametrize("text,seconds", GO_VALID)
def test_go_parse_duration_values(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("text", GO_INVALID)
def test_go_parse_duration_errors(text):
    with pytest.raises(DurationError, match="spec.duration"):
        parse_duration(text, field="spec.duration")


def test_numbers_are_seconds():
    assert parse_duration(15) == 15.0
    assert parse_duration(2.5) == 2.5
    for bad in (float("nan"), float("inf"), True, None, [1]):
        with pytest.raises(DurationError):
            parse_duration(bad)


def _reference_order(events):
    """(time, kind, sequence) order, written plainly."""
    return sorted(events, key=lambda e: (e[0], e[1], e[2]))


@given(st.lists(st.tuples(st.integers(0, 20).map(float), st.integers(0, 3),
                          st.integers(0, 9)), max_size=60),
       st.lists(st.integers(0, 25).map(float), max_size=5))
def test_event_queue_order_matches_a_plain_sort(events, cuts):
    queue = EventQueue()
    pushed = []
    for sequence, (time, kind, payload) in enumerate(events):
        queue.push(time, kind, [payload])
        pushed.append((time, kind, sequence, payload))
    popped = []
    for cut in sorted(cuts) + [float("inf")]:
        times, kinds, payloads, _ = queue.pop_due(cut)
        due = _reference_order([e for e in pushed if e[0] <= cut])
        pushed = [e for e in pushed if e[0] > cut]
        assert list(zip(times.tolist(), kinds.tolist(), payloads.tolist())) == \
            [(e[0], e[1], e[3]) for e in due]
        popped += due
    assert len(queue) == 0 and queue.next_time() == float("inf")


def test_event_queue_pushes_many_at_once():
    queue = EventQueue()
    queue.push(np.array([3.0, 1.0, 2.0]), 1, np.array([30, 10, 20]))
    queue.push(1.0, 0, [7, 8])  # one time for all; kind 0 before kind 1 at the same time
    assert queue.next_time() == 1.0
    times, kinds, payloads, tags = queue.pop_due(2.0)
    assert times.tolist() == [1.0, 1.0, 1.0, 2.0]
    assert kinds.tolist() == [0, 0, 1, 1]
    assert payloads.tolist() == [7, 8, 10, 20]
    assert tags.tolist() == [0, 0, 0, 0]
    assert len(queue) == 1
    with pytest.raises(ValueError):
        queue.push(float("nan"), 0, [1])


def test_event_queue_tags_and_arrays_round_trip():
    queue = EventQueue()
    queue.push([2.0, 1.0], 3, [5, 6], tags=[50, 60])
    copy = EventQueue.from_arrays(queue.to_arrays())
    copy.push(1.0, 3, [7], tags=70)  # sequences go on after the restored ones
    due = copy.pop_due(5.0)
    assert due.payloads.tolist() == [6, 7, 5] and due.tags.tolist() == [60, 70, 50]
