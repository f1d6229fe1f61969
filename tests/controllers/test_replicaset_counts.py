"""The ReplicaSet controller's counting kernels against their plain-Python twins, written as
the obvious loops from pkg/controller/controller_utils.go (IsPodActive) and
pkg/api/v1/pod/util.go (IsPodAvailable)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kbench.controllers.replicaset import OwnedPods, _active_pods_of, _count_pods
from kbench.state.schema import POD_PHASES


def reference_counts(pods: OwnedPods, set_of_uid, min_ready, now, set_count):
    """Per ReplicaSet: not ended, active, ready, available pods."""
    not_ended, active, ready, available = ([0] * set_count for _ in range(4))
    for row in pods.rows.tolist():
        uid = int(pods.controller_uid[row])
        owner = int(set_of_uid[uid]) if uid >= 0 else -1
        if owner < 0:
            continue
        if POD_PHASES[pods.phase[row]] in ("Succeeded", "Failed"):
            continue
        not_ended[owner] += 1
        if not math.isnan(pods.deletion_time[row]):   # IsPodActive: no DeletionTimestamp
            continue
        active[owner] += 1
        if pods.ready[row]:
            ready[owner] += 1
            # IsPodAvailable: minReadySeconds == 0, or ready (since a known time, in whole
            # seconds) for longer than that
            since = pods.ready_time[row]
            if min_ready[owner] == 0 or (not math.isnan(since)
                                         and math.floor(since) + min_ready[owner] < now):
                available[owner] += 1
    return not_ended, active, ready, available


def reference_active_pods_of(pods: OwnedPods, set_of_uid, chosen):
    members, owners = [], []
    for row in pods.rows.tolist():
        uid = int(pods.controller_uid[row])
        owner = int(set_of_uid[uid]) if uid >= 0 else -1
        if owner < 0 or not chosen[owner]:
            continue
        if POD_PHASES[pods.phase[row]] in ("Succeeded", "Failed") or \
                not math.isnan(pods.deletion_time[row]):
            continue
        members.append(row)
        owners.append(owner)
    return members, owners


def make_pods(rng: np.random.Generator, rows: int, uids: int, dead_fraction: float) -> OwnedPods:
    live = np.flatnonzero(rng.random(rows) >= dead_fraction)
    return OwnedPods(
        live, rng.integers(-1, uids, rows).astype(np.int32),
        rng.integers(0, len(POD_PHASES), rows).astype(np.int8),
        np.where(rng.random(rows) < 0.2, rng.integers(0, 100, rows).astype(np.float64), np.nan),
        rng.random(rows) < 0.6,
        np.where(rng.random(rows) < 0.9, rng.integers(0, 100, rows) + rng.random(rows), np.nan))


def check(pods: OwnedPods, set_of_uid, min_ready, now, chosen) -> None:
    set_count = len(min_ready)
    got = _count_pods(pods, set_of_uid, min_ready, now, set_count)
    want = reference_counts(pods, set_of_uid, min_ready, now, set_count)
    for counted, expected in zip(got, want):
        assert counted.tolist() == expected
    members, owners = _active_pods_of(pods, set_of_uid, chosen)
    assert (members.tolist(), owners.tolist()) == reference_active_pods_of(pods, set_of_uid,
                                                                           chosen)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(0, 300), sets=st.integers(1, 12),
       dead_fraction=st.sampled_from([0.0, 0.3, 1.0]), now=st.sampled_from([0.0, 50.0, 150.0]))
def test_kernels_match_the_reference(seed, rows, sets, dead_fraction, now):
    rng = np.random.default_rng(seed)
    uids = sets + 5
    # uid codes: some belong to a live ReplicaSet, some to none (deleted owners, other kinds)
    set_of_uid = np.full(uids + 1, -1, dtype=np.int64)
    owned = rng.permutation(uids)[:sets]
    keep = rng.random(sets) < 0.8
    set_of_uid[owned[keep]] = np.flatnonzero(keep)
    min_ready = rng.choice([0.0, 5.0, 30.0], sets)
    chosen = rng.random(sets) < 0.5
    check(make_pods(rng, rows, uids, dead_fraction), set_of_uid, min_ready, now, chosen)


def test_edge_cases():
    nan = math.nan
    running, succeeded = POD_PHASES.index("Running"), POD_PHASES.index("Succeeded")
    # two ReplicaSets (uid codes 0 and 1), minReadySeconds 0 and 10; now = 100
    set_of_uid = np.array([0, 1, -1, -1], dtype=np.int64)
    min_ready = np.array([0.0, 10.0])
    columns = [  # controller uid, phase, deletion time, ready, ready time
        (0, running, nan, True, 99.9),     # available at once (minReadySeconds 0)
        (1, running, nan, True, 90.0),     # 90 + 10 = 100, not < 100: ready, not available
        (1, running, nan, True, 89.5),     # floor(89.5) + 10 = 99 < 100: available
        (1, running, nan, True, nan),      # ready without a time: not available
        (1, running, 50.0, True, 10.0),    # terminating: not ended, not active
        (0, succeeded, nan, False, nan),   # ended
        (2, running, nan, True, 0.0),      # owner gone
        (-1, running, nan, True, 0.0),     # no owner
    ]
    uid, phase, deleting, ready, ready_time = zip(*columns)
    pods = OwnedPods(np.arange(len(columns)), np.array(uid, np.int32), np.array(phase, np.int8),
                     np.array(deleting), np.array(ready), np.array(ready_time))
    not_ended, active, ready_count, available = _count_pods(pods, set_of_uid, min_ready, 100.0, 2)
    assert not_ended.tolist() == [1, 4]
    assert active.tolist() == [1, 3]
    assert ready_count.tolist() == [1, 3]
    assert available.tolist() == [1, 1]
    check(pods, set_of_uid, min_ready, 100.0, np.array([False, True]))
    empty = OwnedPods(np.zeros(0, np.int64), *(column[:0] for column in pods[1:]))
    check(empty, set_of_uid, min_ready, 100.0, np.array([True, True]))
