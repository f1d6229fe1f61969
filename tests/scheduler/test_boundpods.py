"""The bound pods' totals kept between passes equal a recount from every pod, whatever changed
in between (pods added, bound, ended, deleted, relabelled, being deleted, back to Pending),
and changed_rows equals its naive twin."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kbench.scheduler.boundpods import BoundPods
from kbench.state.changes import BLOCK, changed_rows
from kbench.state.label_groups import pair_keys
from kbench.state.schema import POD_PHASES
from tests.reference import boundpods as reference
from tests.scheduler.builders import make_node, make_pod


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 3 * BLOCK + 7), st.sampled_from([np.uint8, np.int8, np.int32, np.int64]),
       st.lists(st.integers(0, 10 ** 6), max_size=6), st.lists(st.integers(0, 10 ** 6),
                                                                max_size=4),
       st.integers(0, 2 ** 31))
def test_changed_rows_equals_reference(length, dtype, changes, marks, seed):
    rng = np.random.default_rng(seed)
    last = rng.integers(0, 100, length).astype(dtype)
    current = last.copy()
    for change in changes:
        if length:
            current[change % length] += 1
    marked = np.zeros(length, dtype=np.bool_)
    rows = np.full(length + 3, -1, dtype=np.int64)
    for mark in marks:  # rows a column looked at before found changed
        if length:
            marked[mark % length] = True
    count = int(marked.sum())
    rows[:count] = np.flatnonzero(marked)
    want_marked, want_rows = marked.copy(), rows.copy()
    got = changed_rows(current, last, marked, rows, count)
    want = reference.changed_rows(current, last, want_marked, want_rows, count)
    assert got == want
    assert rows.tolist() == want_rows.tolist()
    assert marked.tolist() == want_marked.tolist()


def _cluster():
    from kbench import Cluster
    nodes = [make_node(f"n{i}").alloc(cpu=64000, memory="256Gi", pods=500).obj()
             for i in range(4)]
    return Cluster.from_manifests(nodes, seed=1)


def _check(state, totals: BoundPods, node_rows) -> None:
    want = reference.totals(state, node_rows.tolist())
    assert totals.nonzero.tolist() == want["nonzero"]
    keys = {int(pair_keys(np.array([a]), np.array([b]))[0]): count
            for (a, b), count in want["pairs"].items()}
    assert totals.pairs == keys
    assert totals.count == sum(want["pairs"].values())
    for (a, b), per_node in want["counted"].items():
        key = pair_keys(np.array([a]), np.array([b]))
        assert totals.counted_per_node(state, key).tolist() == per_node


@pytest.mark.parametrize("seed", range(6))
def test_totals_equal_a_recount_after_every_change(seed):
    cluster = _cluster()
    state = cluster.state
    rng = np.random.default_rng(seed)
    nodes = state.tables["nodes"]
    node_rows = nodes.live_rows()[::-1].copy()  # any order: totals are per position
    totals = BoundPods(node_rows, len(nodes))
    pods = state.tables["pods"]
    made = 0
    for step in range(12):
        for _ in range(int(rng.integers(0, 40))):  # new pods, some with no requests
            pod = make_pod(f"p{made}").labels(app=f"a{made % 3}")
            if made % 4:
                pod = pod.req(cpu=int(rng.integers(1, 900)), memory=int(rng.integers(1, 10 ** 9)))
            else:
                pod = pod.container(image="img")
            cluster.apply([pod.obj()])
            made += 1
        alive = pods.live_rows()
        if len(alive):
            chosen = rng.choice(alive, size=min(len(alive), 15), replace=False)
            for row in chosen.tolist():
                action = int(rng.integers(0, 6))
                if action == 0 and pods["node_index"][row] < 0:
                    state.bind_pod(row, int(rng.choice(node_rows)))
                elif action == 1:
                    state.set_pod_phase(row, POD_PHASES.index(str(rng.choice(
                        ["Running", "Succeeded", "Failed"]))))
                elif action == 2:
                    pods["deletion_time"][row] = float(step)
                elif action == 3 and step % 2:  # back to Pending, as a restored pod could be
                    pods["phase"][row] = POD_PHASES.index("Pending")
                elif action == 3:
                    state.remove("pods", row)
                elif action == 4:
                    pods["labels"][row] = pods["labels"][int(rng.choice(alive))]
                else:
                    state.bind_pod(row, int(rng.choice(node_rows)))
        if step % 3 == 0:  # ask about some pairs before the next changes
            keys = pair_keys(pods["namespace"][alive], pods["labels"][alive]) if len(alive) \
                else np.zeros(0, np.int64)
            totals.counted_per_node(state, np.unique(keys)[:2])
        totals.update(state)
        _check(state, totals, node_rows)
