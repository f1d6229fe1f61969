"""Templates of a scheduling pass: the pending pods grouped exactly as np.unique over their
key columns would group them."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from kbench.scheduler.batch import _unique_rows


def _by_appearance(first: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    order = np.argsort(first, kind="stable")
    renumber = np.empty_like(order)
    renumber[order] = np.arange(len(order))
    return renumber[inverse.reshape(-1)]


@settings(max_examples=200, deadline=None)
@given(arrays(np.int64, st.tuples(st.integers(1, 60), st.integers(1, 7)),
              elements=st.integers(-3, 3)))
def test_unique_rows_groups_as_numpy(key):
    first, inverse = _unique_rows(key)
    _, want_first, want_inverse = np.unique(key, axis=0, return_index=True,
                                            return_inverse=True)
    assert np.array_equal(np.sort(first), np.sort(want_first))
    assert np.array_equal(_by_appearance(first, inverse),
                          _by_appearance(want_first, want_inverse))


@given(st.lists(st.tuples(st.integers(-1, 40), st.integers(-1, 3000)), max_size=200))
def test_unique_pairs_equals_row_wise_unique(rows):
    from kbench.scheduler.podgroups import unique_pairs
    first = np.array([r[0] for r in rows], dtype=np.int32)
    second = np.array([r[1] for r in rows], dtype=np.int32)
    pairs, inverse = unique_pairs(first, second)
    expected = np.unique(np.stack([first, second], axis=1).reshape(-1, 2), axis=0,
                         return_inverse=True)
    assert pairs.tolist() == expected[0].tolist()
    assert inverse.tolist() == expected[1].reshape(-1).tolist()
