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


def _forest(leaves, domain_of, trees):
    """One tree per domain over all the positions, each holding its domain's leaves."""
    size = wt.tree_size(max(len(leaves), 1))
    count, best, best_count = (np.zeros((trees, 2 * size), np.int64) for _ in range(3))
    highest = np.zeros((trees, 1, 2 * size), np.int64)
    for d in range(trees):
        for position in range(size):
            feasible, total, raw = (leaves[position] if position < len(leaves)
                                    and domain_of[position] == d else (False, 0, 0))
            wt.set_leaf(size, position, feasible, total, np.array([raw]), count[d], best[d],
                        best_count[d], highest[d])
        wt.build(size, count[d], best[d], best_count[d], highest[d])
    return size, count, best, best_count


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(leaf, st.integers(0, 3)), min_size=1, max_size=70), st.data())
def test_forest_queries_match_the_walk_over_the_chosen_domains(cells, data):
    """forest_window_end, forest_kth_feasible and forest_nth_best over some of the domain
    trees equal the walk over the leaves of those domains (the others infeasible), with
    each domain's ties taken at its own best total."""
    leaves = [cell[0] for cell in cells]
    domain_of = [cell[1] for cell in cells]
    size, count, best, best_count = _forest(leaves, domain_of, 4)
    chosen = data.draw(st.lists(st.integers(0, 3), unique=True))
    members = np.array(chosen + [0] * (4 - len(chosen)), np.int64)
    visible = [leaf if domain_of[p] in chosen else (False, 0, 0) for p, leaf in enumerate(leaves)]
    start = data.draw(st.integers(0, len(leaves) - 1))
    wanted = data.draw(st.integers(1, len(leaves) + 2))
    found, processed, _, _, _ = _walk(visible, start, wanted)
    assert wt.forest_window_end(size, len(leaves), start, wanted, count, members,
                                len(chosen)) == (found, processed)
    feasible = [p for p in range(len(leaves)) if visible[p][0]]
    for k, position in enumerate(feasible):
        assert wt.forest_kth_feasible(size, k + 1, count, members, len(chosen)) == position
    # each chosen domain's ties at a value of its own (its best over [low, high))
    low = data.draw(st.integers(0, len(leaves) - 1))
    high = data.draw(st.integers(low + 1, len(leaves)))
    value = np.full(4, wt.NO_TOTAL, np.int64)
    for d in chosen:
        totals = [visible[p][1] for p in range(low, high) if visible[p][0] and domain_of[p] == d]
        if totals:
            value[d] = max(totals)
    expected = [p for p in range(low, high)
                if visible[p][0] and visible[p][1] == value[domain_of[p]]]
    tied = np.array([d for d in chosen if value[d] != wt.NO_TOTAL] + [0] * 4, np.int64)
    count_tied = sum(1 for d in chosen if value[d] != wt.NO_TOTAL)
    order = []
    while True:
        position = wt.forest_nth_best(size, low, high, value, len(order), best, best_count,
                                      tied, count_tied)
        if position < 0:
            break
        order.append(position)
    assert order == expected
