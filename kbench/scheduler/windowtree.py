"""A segment tree over the candidate nodes of a template, for the runs of pods of one template.

kube-scheduler examines, for every pod, the nodes from the rotating start index until
numFeasibleNodesToFind are feasible, and picks one of the best of those. For a template whose
plugins look at each node alone, kbench keeps every candidate's verdict and total score in
this tree, and answers the same questions in O(log n) instead of walking the nodes:

  * where the window of the first ``k`` feasible nodes from the start index ends;
  * the best total in that window, how many nodes share it, and the j-th of them in order;
  * the highest raw score of each normalized plugin in the window (the totals hold only when
    they equal the highest scores the totals were normalized with).

Leaves are candidate positions (in the candidates' order); a binding changes one node, and
update() refreshes its path. Plain arrays, no objects: ``count`` (feasible nodes), ``best``
(their highest total, NO_TOTAL without any), ``best_count`` (nodes with it), ``highest``
[plugins, tree] (the highest raw scores; -1 without feasible nodes).
"""

from __future__ import annotations

import numpy as np

from kbench._jit import njit

NO_TOTAL = np.iinfo(np.int64).min


@njit
def tree_size(leaves):
    """The number of leaves of the tree for ``leaves`` candidates (a power of two)."""
    size = 1
    while size < leaves:
        size *= 2
    return size


@njit(inline="always")
def _combine(node, count, best, best_count, highest):
    left, right = 2 * node, 2 * node + 1
    count[node] = count[left] + count[right]
    left_best, right_best = best[left], best[right]
    best[node] = max(left_best, right_best)
    best_count[node] = _ties(left_best, right_best, best_count[left], best_count[right])
    for k in range(highest.shape[0]):
        highest[k, node] = max(highest[k, left], highest[k, right])


@njit(inline="always")
def _ties(left_best, right_best, left_count, right_count):
    """The ties of the higher best of two children, without a branch: the comparisons go
    either way as often, and a branch mispredicted on half of the nodes made tree builds
    three times slower (measured). Both counts are read and summed whichever wins: LLVM
    then chooses with conditional moves (a count read only when chosen becomes a branch)."""
    both = left_count + right_count
    one = left_count if left_best > right_best else right_count
    return both if left_best == right_best else one


@njit(inline="always")
def set_leaf(size, position, feasible, total, raws, count, best, best_count, highest):
    """Leaf ``position``: feasible or not, its total and raw scores (``raws[k]``)."""
    leaf = size + position
    if feasible:
        count[leaf], best[leaf], best_count[leaf] = 1, total, 1
        for k in range(highest.shape[0]):
            highest[k, leaf] = raws[k]
    else:
        count[leaf], best[leaf], best_count[leaf] = 0, NO_TOTAL, 0
        for k in range(highest.shape[0]):
            highest[k, leaf] = -1


@njit
def build(size, count, best, best_count, highest):
    """Every inner node from the leaves (set_leaf on all of them first; unused leaves
    infeasible)."""
    for node in range(size - 1, 0, -1):
        _combine(node, count, best, best_count, highest)


@njit
def update(size, position, count, best, best_count, highest):
    """The path above leaf ``position`` after set_leaf changed it. It stops at the first
    node that stays the same: the nodes above it depend on nothing else that changed.
    (_combine written out: an inlined function taking the arrays in this loop costs numba
    reference count updates on every level.)"""
    plugins = highest.shape[0]
    node = (size + position) // 2
    while node >= 1:
        left, right = 2 * node, 2 * node + 1
        node_count = count[left] + count[right]
        left_best, right_best = best[left], best[right]
        node_best = max(left_best, right_best)
        node_best_count = _ties(left_best, right_best, best_count[left], best_count[right])
        changed = (node_count != count[node] or node_best != best[node]
                   or node_best_count != best_count[node])
        count[node], best[node], best_count[node] = node_count, node_best, node_best_count
        for k in range(plugins):
            value = max(highest[k, left], highest[k, right])
            if value != highest[k, node]:
                highest[k, node] = value
                changed = True
        if not changed:
            return
        node //= 2


@njit
def count_before(size, position, count):
    """Feasible leaves in [0, position)."""
    total = 0
    node = size + position
    while node > 1:
        if node & 1:
            total += count[node - 1]
        node //= 2
    return total


@njit
def kth_feasible(size, k, count):
    """The position of the k-th feasible leaf (k >= 1, k <= count[1])."""
    node = 1
    while node < size:
        if count[2 * node] >= k:
            node = 2 * node
        else:
            k -= count[2 * node]
            node = 2 * node + 1
    return node - size


@njit
def window_end(size, leaves, start, wanted, count):
    """The window the scheduler examines from ``start``: the candidates up to the one where
    ``wanted`` feasible nodes are found (all of them when fewer are), as (found, processed):
    it covers positions start, start + 1, ... (mod leaves), ``processed`` of them."""
    total = count[1]
    if total < wanted:
        return total, leaves
    before = count_before(size, start, count)
    if total - before >= wanted:
        end = kth_feasible(size, before + wanted, count)
        return wanted, end - start + 1
    end = kth_feasible(size, wanted - (total - before), count)
    return wanted, leaves - start + end + 1


@njit
def range_best(size, low, high, best, best_count, highest, out_highest):
    """Best total and how many share it over positions [low, high), and the highest raw
    scores into ``out_highest`` (maxed with what it holds)."""
    result, result_count = NO_TOTAL, 0
    low += size
    high += size
    while low < high:
        if low & 1:
            result, result_count = _merge(result, result_count, best[low], best_count[low])
            for k in range(highest.shape[0]):
                out_highest[k] = max(out_highest[k], highest[k, low])
            low += 1
        if high & 1:
            high -= 1
            result, result_count = _merge(result, result_count, best[high], best_count[high])
            for k in range(highest.shape[0]):
                out_highest[k] = max(out_highest[k], highest[k, high])
        low //= 2
        high //= 2
    return result, result_count


@njit(inline="always")
def _merge(best, count, other, other_count):
    if other > best:
        return other, other_count
    if other == best:
        return best, count + other_count
    return best, count


@njit(inline="always")
def right_node(high, level):
    """The right boundary's subtree at ``level`` of a range query whose end (past the last
    leaf, in tree numbering) was ``high``: the query halves ``high`` at each level (an odd
    one is decremented first, which a halving drops anyway) and takes the node before it."""
    return (high >> level) - 1


@njit
def nth_best(size, low, high, value, nth, best, best_count):
    """The position of the nth (0-based) leaf in [low, high) whose total is ``value``, the
    best total of that range, or -1 when there are not that many. The subtrees covering
    the range are read from left to right: the left boundary's as the bottom-up walk meets
    them, then the right boundary's top-down (the walk marks their levels in ``rights``; no
    list is allocated)."""
    low += size
    high += size
    end = high
    rights = 0
    level = 0
    while low < high:
        if low & 1:
            if best[low] == value:
                if best_count[low] > nth:
                    return _descend(size, low, value, nth, best, best_count)
                nth -= best_count[low]
            low += 1
        if high & 1:
            high -= 1
            rights |= 1 << level
        low //= 2
        high //= 2
        level += 1
    for level in range(level - 1, -1, -1):
        if rights >> level & 1:
            node = right_node(end, level)
            if best[node] == value:
                if best_count[node] > nth:
                    return _descend(size, node, value, nth, best, best_count)
                nth -= best_count[node]
    return -1


@njit
def _descend(size, node, value, nth, best, best_count):
    """The position of the nth leaf whose total is ``value`` under ``node`` (no total there
    is higher than value, and more than nth have it). (Not inlined: numba updates the
    reference counts of the arrays an inlined function takes, a plain call passes them as
    they are.)"""
    while node < size:
        left = 2 * node
        here = best_count[left] if best[left] == value else 0
        if here > nth:
            node = left
        else:
            nth -= here
            node = left + 1
    return node - size


# ---------------------------------------------------------------------------
# Several trees over the same positions, read together (a "forest"): one tree per topology
# domain, each holding the candidates of its domain, for a template whose PodTopologySpread
# verdict depends on the node's domain alone. The arrays are 2-D ([tree, 2 * size]) and the
# queries take the trees to read: ``members[:member_count]``.
# ---------------------------------------------------------------------------

@njit
def forest_count(node, count, members, member_count):
    """Feasible leaves under tree node ``node``, summed over the member trees."""
    total = 0
    for m in range(member_count):
        total += count[members[m], node]
    return total


@njit
def forest_kth_feasible(size, k, count, members, member_count):
    """kth_feasible over the member trees' feasible leaves together."""
    node = 1
    while node < size:
        here = forest_count(2 * node, count, members, member_count)
        if here >= k:
            node = 2 * node
        else:
            k -= here
            node = 2 * node + 1
    return node - size


@njit
def forest_window_end(size, leaves, start, wanted, count, members, member_count):
    """window_end over the member trees' feasible leaves together."""
    total = forest_count(1, count, members, member_count)
    if total < wanted:
        return total, leaves
    before = 0
    for m in range(member_count):
        before += count_before(size, start, count[members[m]])
    if total - before >= wanted:
        end = forest_kth_feasible(size, before + wanted, count, members, member_count)
        return wanted, end - start + 1
    end = forest_kth_feasible(size, wanted - (total - before), count, members, member_count)
    return wanted, leaves - start + end + 1


@njit(inline="always")
def _forest_ties(node, best, best_count, value, members, member_count):
    """Leaves under ``node`` whose total is value[tree], summed over the member trees."""
    total = 0
    for m in range(member_count):
        d = members[m]
        if best[d, node] == value[d]:
            total += best_count[d, node]
    return total


@njit
def forest_nth_best(size, low, high, value, nth, best, best_count, members, member_count):
    """nth_best over the member trees together: the position of the nth (0-based) leaf in
    [low, high), in position order, whose total in its tree d is ``value[d]`` (the best total
    of tree d over that range), or -1 when there are not that many. (The subtrees in
    nth_best's order.)"""
    low += size
    high += size
    end = high
    rights = 0
    level = 0
    while low < high:
        if low & 1:
            here = _forest_ties(low, best, best_count, value, members, member_count)
            if here > nth:
                return _forest_descend(size, low, value, nth, best, best_count, members,
                                       member_count)
            nth -= here
            low += 1
        if high & 1:
            high -= 1
            rights |= 1 << level
        low //= 2
        high //= 2
        level += 1
    for level in range(level - 1, -1, -1):
        if rights >> level & 1:
            node = right_node(end, level)
            here = _forest_ties(node, best, best_count, value, members, member_count)
            if here > nth:
                return _forest_descend(size, node, value, nth, best, best_count, members,
                                       member_count)
            nth -= here
    return -1


@njit
def _forest_descend(size, node, value, nth, best, best_count, members, member_count):
    """_descend over the member trees together."""
    while node < size:  # within the subtree no total of tree d is higher than value[d]
        left = 2 * node
        here = _forest_ties(left, best, best_count, value, members, member_count)
        if here > nth:
            node = left
        else:
            nth -= here
            node = left + 1
    return node - size
