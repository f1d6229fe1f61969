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


@given(st.sets(st.integers(-1, 2 ** 40)), st.lists(st.integers(-1, 2 ** 40), max_size=30))
def test_merged_keys_equals_union1d(sorted_keys, keys):
    from kbench.scheduler.podgroups import merged_keys
    sorted_keys = np.array(sorted(sorted_keys), dtype=np.int64)
    keys = np.array(keys, dtype=np.int64)
    merged = merged_keys(sorted_keys, keys)
    assert merged.dtype == np.int64
    assert merged.tolist() == np.union1d(sorted_keys, keys).tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.lists(st.tuples(st.integers(-1, 5), st.integers(-1, 30)),
                                   max_size=40),
                          st.lists(st.integers(0, 1000), max_size=10)), min_size=1, max_size=6))
def test_label_groups_group_as_unique_pairs(steps):
    """Pod rows kept across batches (rows appended, some relabelled, a table started anew)
    group exactly as unique_pairs over the rows asked for."""
    from kbench.scheduler.podgroups import unique_pairs
    from kbench.state.label_groups import LabelGroups
    known = LabelGroups()
    namespaces, labels = np.zeros(0, np.int32), np.zeros(0, np.int32)
    rng = np.random.default_rng(len(steps))
    for appended, relabelled in steps:
        if len(appended) == 1 and appended[0] == (5, 30):  # a table started anew
            namespaces, labels = np.zeros(0, np.int32), np.zeros(0, np.int32)
        namespaces = np.concatenate([namespaces, [a for a, _ in appended]]).astype(np.int32)
        labels = np.concatenate([labels, [b for _, b in appended]]).astype(np.int32)
        if len(labels):
            for row in relabelled:
                labels[row % len(labels)] = row % 37 - 1
        known.update(namespaces, labels)
        rows = np.flatnonzero(rng.random(len(labels)) < 0.7)
        pairs, inverse = known.unique_pairs(rows)
        want_pairs, want_inverse = unique_pairs(namespaces[rows], labels[rows])
        assert pairs.tolist() == want_pairs.tolist()
        assert inverse.tolist() == want_inverse.tolist()
        order, bounds = known.sorted_groups(rows)  # the same groups, rows in order
        want_order = np.argsort(want_inverse, kind="stable")
        assert order.tolist() == want_order.tolist()
        assert bounds.tolist() == np.searchsorted(want_inverse[want_order],
                                                  np.arange(len(want_pairs) + 1)).tolist()


def _grouped_row_by_row(key: np.ndarray) -> np.ndarray:
    """Each row's group, groups numbered in order of first appearance (the obvious loop)."""
    ids: dict[tuple, int] = {}
    return np.array([ids.setdefault(tuple(row), len(ids)) for row in key.tolist()],
                    dtype=np.int32)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3), st.booleans(),
                          st.integers(0, 1)), min_size=1, max_size=40),
       st.randoms(use_true_random=False))
def test_templates_group_the_queue_as_its_key_columns(pods, random):
    """Pods in runs and scattered: a template per distinct key row, numbered in order of
    first appearance in the queue, each with its first pod as representative."""
    from kbench.scheduler.batch import TEMPLATE_COLUMNS, _templates
    from kbench.state import ClusterState
    from kbench.api.store import create_pods
    state = ClusterState()
    for i, (app, image, tolerant, priority) in enumerate(pods):
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": {"app": f"a{app}"}},
               "spec": {"priority": priority * 10,
                        "containers": [{"name": "c", "image": f"i{image}"}]}}
        if tolerant:
            pod["spec"]["tolerations"] = [{"operator": "Exists"}]
        create_pods(state, pod, [f"p{i}"])
    rows = np.flatnonzero(state.tables["pods"].alive)
    queue = np.array(sorted(rows.tolist(), key=lambda r: random.random()), dtype=rows.dtype)
    pods_table = state.tables["pods"]
    key = np.stack([pods_table[c][queue].astype(np.int64) for c in TEMPLATE_COLUMNS], axis=1)
    templates, queue_template = _templates(state, queue)
    want = _grouped_row_by_row(key)
    assert queue_template.dtype == np.int32
    assert queue_template.tolist() == want.tolist()
    assert [t.representative for t in templates] == [
        int(queue[np.flatnonzero(want == index)[0]]) for index in range(len(templates))]
    for t in templates:
        body = state.strings.document(int(pods_table["body"][t.representative]))
        assert t.spec == body["spec"] and t.labels == {"app": t.labels["app"]}
        assert t.priority == int(pods_table["priority"][t.representative])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["", "a:\x00:1", "a:\x00:2", "b:\x00:1", "c"]), max_size=40))
def test_node_tree_order_deals_zones_round_robin(zones):
    from kbench.scheduler.batch import node_tree_order
    columns: dict[str, list[int]] = {}
    for position, zone in enumerate(zones):
        columns.setdefault(zone, []).append(position)
    want = [column[i] for i in range(max(map(len, columns.values()), default=0))
            for column in columns.values() if i < len(column)]
    order = node_tree_order(zones)
    assert order.dtype == np.int64 and order.tolist() == want


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.dictionaries(st.sampled_from("abcd"),
                                                      st.sampled_from(["1", "2", "x", ""]))),
                max_size=30))
def test_label_matrix_numbers_keys_and_values_as_first_seen(label_sets):
    from kbench.scheduler.labelmatrix import LabelMatrix
    keys: dict[str, int] = {}
    values: dict[str, int] = {}
    cells = []
    for row, labels in enumerate(label_sets):
        for key, value in (labels or {}).items():
            cells.append((row, keys.setdefault(key, len(keys)),
                          values.setdefault(value, len(values))))
    want = np.full((len(label_sets), max(len(keys), 1)), -1, dtype=np.int32)
    for row, column, code in cells:
        want[row, column] = code
    matrix = LabelMatrix(label_sets)
    assert matrix.keys == keys and list(matrix.keys) == list(keys)
    assert matrix.values == values and list(matrix.values) == list(values)
    assert matrix.matrix.dtype == np.int32 and np.array_equal(matrix.matrix, want)
