"""Struct-of-arrays tables: doubling growth, tombstones, widening resources columns."""

import numpy as np
import pytest

from kbench.state import ClusterState, Column, Table


def make_table(capacity=2):
    return Table([Column("name", "str"), Column("count", "int32"), Column("when", "time"),
                  Column("requests", "resources")], capacity=capacity, resource_count=2)


def test_append_fills_unset_columns_with_their_fill_values():
    table = make_table()
    row = table.append({"name": 7})
    assert row == 0 and len(table) == 1
    assert table["name"][0] == 7 and table["count"][0] == 0
    assert np.isnan(table["when"][0]) and table["requests"][0].tolist() == [0, 0]


def test_capacity_doubles_and_keeps_values():
    table = make_table(capacity=2)
    capacities = []
    for i in range(9):
        table.append({"name": i, "count": i * 10})
        capacities.append(table.capacity)
    # 2 -> 4 -> 8 -> 16: growth happens only when full, by doubling
    assert capacities == [2, 2, 4, 4, 8, 8, 8, 8, 16]
    assert table["count"].tolist() == [i * 10 for i in range(9)]


def test_append_many_is_one_reservation():
    table = make_table(capacity=1)
    rows = table.append_many(5, {"name": np.arange(5), "requests": np.ones((5, 2))})
    assert rows.tolist() == [0, 1, 2, 3, 4] and table.capacity == 8
    assert table["requests"].sum() == 10


def test_delete_tombstones_and_keeps_indices():
    table = make_table()
    for i in range(3):
        table.append({"name": i})
    table.delete(1)
    assert table.live_rows().tolist() == [0, 2] and table.live_count == 2 and len(table) == 3
    assert table["name"][2] == 2


def test_resources_columns_widen_with_zeros():
    table = make_table()
    table.append({"requests": [5, 6]})
    table.set_resource_count(3)
    table.append({"requests": [1, 2, 3]})
    assert table["requests"].tolist() == [[5, 6, 0], [1, 2, 3]]


def test_unknown_columns_are_rejected():
    with pytest.raises(KeyError):
        make_table().append({"nope": 1})


def test_extended_resources_become_columns_when_first_seen():
    state = ClusterState()
    assert state.resources == ["cpu", "memory", "ephemeral-storage", "pods"]
    assert state.resource_index("nvidia.com/gpu") == 4
    assert state.tables["nodes"]["allocatable"].shape[1] == 5
    assert state.resource_vector({"nvidia.com/gpu": 2, "cpu": 100}).tolist() == [100, 0, 0, 0, 2]


def test_state_for_5000_nodes_and_150000_pods_is_well_under_500_mb():
    """The issue's size bound, measured on the arrays the state really allocates."""
    state = ClusterState()
    strings = state.strings
    nodes, pods = 5_000, 150_000
    state.tables["nodes"].append_many(nodes, {
        "name": strings.intern_many(f"node-{i}" for i in range(nodes)),
        "allocatable": np.tile([32_000, 128 << 30, 100 << 30, 110], (nodes, 1))})
    spec = strings.intern_document({"containers": [{"name": "c", "image": "nginx"}]})
    state.tables["pods"].append_many(pods, {
        "name": strings.intern_many(f"web-{i}" for i in range(pods)),
        "namespace": np.full(pods, strings.intern("default"), dtype=np.int32),
        "body": np.full(pods, spec, dtype=np.int32),
        "node_name": state.tables["nodes"]["name"][np.arange(pods) % nodes],
        "requests": np.tile([100, 200 << 20, 0, 1], (pods, 1))})
    state.reindex()
    assert state.tables["nodes"]["requested"][0].tolist() == [3000, 30 * (200 << 20), 0, 30]
    assert state.nbytes() < 100e6  # columns: about 50 MB at capacity (next power of two)
    string_bytes = sum(len(s) + 49 for s in strings.strings())  # Python str overhead
    assert state.nbytes() + string_bytes < 500e6


def test_one_uid_at_a_time_equals_many_at_once():
    from kbench.state import ClusterState
    one, many = ClusterState(seed=7), ClusterState(seed=7)
    assert [one.next_uid() for _ in range(50)] == many.next_uids(50)
    assert one.counters["uid"] == many.counters["uid"] == 50
    seeds = [ClusterState(seed=s).next_uid() for s in (0, 1, 2**64 - 1)]
    assert len(set(seeds)) == 3


def test_allocate_makes_an_empty_table_of_live_rows_with_fill_values_after_them():
    table = make_table(capacity=2)
    table.allocate(5)
    assert len(table) == 5 and table.capacity == 8 and table.alive.all()
    table["name"][:] = np.arange(5)
    table["count"][:] = 1
    table["when"][:] = 2.0
    table["requests"][:] = 3
    row = table.append({"name": 9})
    assert row == 5 and table["count"][5] == 0 and np.isnan(table["when"][5])
    assert table["requests"][5].tolist() == [0, 0] and table["name"].tolist()[:6] == [0, 1, 2, 3, 4, 9]
    with pytest.raises(ValueError):
        table.allocate(3)


def test_uuid_texts_format_each_uuid_as_go_does():
    """uuid_texts builds every text at once; each must read as the 8-4-4-4-12 hex text of its
    128 bits (the format github.com/google/uuid's String gives)."""
    from kbench.state.cluster_state import uuid_texts
    rng = np.random.default_rng(3)
    high = np.concatenate([np.array([0, 2**64 - 1, 0x0123456789ABCDEF], dtype=np.uint64),
                           rng.integers(0, 2**64, 200, dtype=np.uint64)])
    low = np.concatenate([np.array([2**64 - 1, 0, 0xFEDCBA9876543210], dtype=np.uint64),
                          rng.integers(0, 2**64, 200, dtype=np.uint64)])
    expected = []
    for h, lo in zip(high.tolist(), low.tolist()):
        t = f"{h:016x}{lo:016x}"
        expected.append(f"{t[:8]}-{t[8:12]}-{t[12:16]}-{t[16:20]}-{t[20:]}")
    assert uuid_texts(high, low) == expected
    assert expected[0] == "00000000-0000-0000-ffff-ffffffffffff"
    assert uuid_texts(high[:0], low[:0]) == []


@pytest.mark.parametrize("batch", [
    ["a", "b", "c"],                 # all new and distinct
    ["a", "x", "a", "y"],            # a repeat within the batch
    ["known", "z", None, "z"],       # a known string, a missing one, a repeat
    [None], [],
])
def test_intern_many_gives_the_codes_intern_gives(batch):
    from kbench.state.strings import StringTable
    one, many = StringTable(), StringTable()
    for table in (one, many):
        table.intern("known")
    expected = [one.intern(text) for text in batch]
    assert many.intern_many(batch).tolist() == expected
    assert many.strings() == one.strings()


@pytest.mark.parametrize("documents", [
    [{"a": 1}, ["x", {"b": None}], None, "text", 3, {"a": 1}],
    [{"k": "v"}], [None], [],
])
def test_documents_parses_each_code_as_document_does(documents):
    from kbench.state.strings import StringTable
    table = StringTable()
    codes = [table.intern_document(document) for document in documents]
    parsed = table.documents(np.array(codes, dtype=np.int32))
    assert parsed == [table.document(code) for code in codes] == documents
    assert table.documents(codes) == parsed
    # fresh values: changing one changes no other
    dicts = [value for value in parsed if isinstance(value, dict)]
    if len(dicts) > 1:
        dicts[0]["changed"] = True
        assert "changed" not in dicts[1]
