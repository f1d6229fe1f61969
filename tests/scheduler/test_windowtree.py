"""windowtree against a plain walk over the candidates: the window of the first k feasible
nodes from a start index, its best total, how many share it, the n-th of them, and the
highest raw scores, after building and after point updates."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kbench.scheduler import windowtree as wt


def _tree(leaves):
    size = wt.tree_size(max(len(leaves), 1))
    arrays = (np.zeros(2 * size, np.int64), np.zeros(2 * size, np.int64),
              np.zeros(2 * size, np.int64), np.zeros((1, 2 * size), np.int64))
    for position in range(size):
        feasible, total, raw = leaves[position] if position < len(leaves) else (False, 0, 0)
        wt.set_leaf(size, position, feasible, total, np.array([raw]), *arrays)
    wt.build(size, *arrays)
    return size, arrays


def _walk(leaves, start, wanted):
    """The scheduler's walk: (found, processed, best, ties in order, highest raw)."""
    found = processed = 0
    window = []
    for j in range(len(leaves)):
        position = (start + j) % len(leaves)
        processed += 1
        if leaves[position][0]:
            window.append(position)
            found += 1
            if found == wanted:
                break
    if not window:
        return found, processed, None, [], -1
    best = max(leaves[p][1] for p in window)
    return (found, processed, best, [p for p in window if leaves[p][1] == best],
            max(leaves[p][2] for p in window))


def _query(size, arrays, leaves, start, wanted):
    count, best, best_count, highest = arrays
    found, processed = wt.window_end(size, len(leaves), start, wanted, count)
    if found == 0:
        return found, processed, None, [], -1
    end = start + processed
    parts = [(start, min(end, len(leaves)))] + ([(0, end - len(leaves))] if end > len(leaves)
                                                 else [])
    top, ties, high = wt.NO_TOTAL, 0, np.full(1, -1, np.int64)
    for low, up in parts:
        value, number = wt.range_best(size, low, up, best, best_count, highest, high)
        if value > top:
            top, ties = value, number
        elif value == top:
            ties += number
    order = []
    for low, up in parts:
        nth = 0
        while True:
            position = wt.nth_best(size, low, up, top, nth, best, best_count)
            if position < 0:
                break
            order.append(position)
            nth += 1
    assert len(order) == ties
    return found, processed, top, order, int(high[0])


leaf = st.tuples(st.booleans(), st.integers(0, 5), st.integers(0, 3))


@settings(max_examples=300, deadline=None)
@given(st.lists(leaf, min_size=1, max_size=70), st.data())
def test_window_queries_match_the_walk(leaves, data):
    size, arrays = _tree(leaves)
    for _ in range(5):
        start = data.draw(st.integers(0, len(leaves) - 1))
        wanted = data.draw(st.integers(1, len(leaves) + 2))
        assert _query(size, arrays, leaves, start, wanted) == _walk(leaves, start, wanted)
        # a binding changes one node
        position = data.draw(st.integers(0, len(leaves) - 1))
        leaves[position] = data.draw(leaf)
        feasible, total, raw = leaves[position]
        wt.set_leaf(size, position, feasible, total, np.array([raw]), *arrays)
        wt.update(size, position, *arrays)
