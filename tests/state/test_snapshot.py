"""Snapshots: Arrow IPC files anyone can read, restored exactly, and clear errors when damaged."""

import json

import numpy as np
import pandas
import polars
import pyarrow as pa
import pyarrow.ipc
import pytest
from hypothesis import given, settings, strategies as st

from kbench.errors import SnapshotError
from kbench.state import ClusterState, read_snapshot, write_snapshot
from kbench.state.snapshot import SCHEMA_VERSION


def small_state(seed=1):
    state = ClusterState(seed=seed)
    strings = state.strings
    state.resource_index("nvidia.com/gpu")
    for i in range(3):
        state.insert("nodes", {"name": strings.intern(f"node-{i}"),
                               "labels": strings.intern_document({"zone": f"z{i % 2}"}),
                               "allocatable": [4000, 8 << 30, 0, 110, i]})
    for i in range(5):
        row = state.insert("pods", {"name": strings.intern(f"web-{i}"),
                                    "namespace": strings.intern("default"),
                                    "requests": [100 * (i + 1), 1 << 20, 0, 1, 0],
                                    "creation_time": float(i)})
        if i < 4:
            state.bind_pod(row, i % 3)
    state.time = 12.5
    return state


def test_round_trip_equals_original(tmp_path):
    state = small_state()
    write_snapshot(state, tmp_path / "snap")
    restored = read_snapshot(tmp_path / "snap")
    assert restored == state
    assert restored.tables["nodes"]["requested"][:, 0].tolist() == [500, 200, 300]  # web-0 + web-3, web-1, web-2
    assert restored.find("pods", "web-3", "default") >= 0


def test_a_changed_state_is_not_equal(tmp_path):
    state = small_state()
    write_snapshot(state, tmp_path / "snap")
    restored = read_snapshot(tmp_path / "snap")
    restored.tables["pods"]["restarts"][0] = 1
    assert restored != state


def test_readable_by_pandas_pyarrow_and_polars(tmp_path):
    write_snapshot(small_state(), tmp_path / "snap")
    file = tmp_path / "snap" / "pods.feather"
    frame = pandas.read_feather(file)
    assert frame["name"].astype(str).tolist()[:2] == ["web-0", "web-1"]
    assert frame["node_name"].astype(str).tolist()[0] == "node-0"
    with pa.OSFile(str(file)) as source:
        table = pyarrow.ipc.open_file(source).read_all()
    assert pa.types.is_dictionary(table.schema.field("namespace").type)
    assert table.column("requests_cpu_milli").to_pylist() == [100, 200, 300, 400, 500]
    assert table.schema.field("requests_cpu_milli").metadata[b"unit"] == b"millicores"
    nodes = polars.read_ipc(tmp_path / "snap" / "nodes.feather")
    assert nodes["labels"].cast(str).to_list()[1] == '{"zone":"z1"}'
    assert nodes["allocatable_nvidia.com/gpu"].to_list() == [0, 1, 2]


def test_manifest_has_version_time_counts_and_seed(tmp_path):
    write_snapshot(small_state(seed=7), tmp_path / "snap")
    manifest = json.loads((tmp_path / "snap" / "manifest.json").read_text())
    assert manifest["schema_version"] == SCHEMA_VERSION and manifest["time"] == 12.5
    assert manifest["seed"] == 7 and manifest["counts"]["pods"] == 5


def test_deleted_rows_are_not_written(tmp_path):
    state = small_state()
    state.remove("pods", state.find("pods", "web-0", "default"))
    write_snapshot(state, tmp_path / "snap")
    restored = read_snapshot(tmp_path / "snap")
    assert restored.tables["pods"].live_count == 4 and restored == state
    assert restored.tables["nodes"]["requested"][0, 0] == 400  # web-0's 100m given back


def test_wrong_version_is_a_clear_error(tmp_path):
    write_snapshot(small_state(), tmp_path / "snap")
    manifest_file = tmp_path / "snap" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["schema_version"] = 99
    manifest_file.write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match="schema_version 99 is not supported"):
        read_snapshot(tmp_path / "snap")


def test_truncated_table_is_a_clear_error(tmp_path):
    write_snapshot(small_state(), tmp_path / "snap")
    file = tmp_path / "snap" / "pods.feather"
    file.write_bytes(file.read_bytes()[:200])
    with pytest.raises(SnapshotError, match="pods.feather: corrupt or truncated"):
        read_snapshot(tmp_path / "snap")


def test_corrupt_manifest_missing_table_and_missing_folder(tmp_path):
    write_snapshot(small_state(), tmp_path / "snap")
    (tmp_path / "snap" / "nodes.feather").unlink()
    with pytest.raises(SnapshotError, match="nodes.feather is missing"):
        read_snapshot(tmp_path / "snap")
    (tmp_path / "snap" / "manifest.json").write_text("{not json")
    with pytest.raises(SnapshotError, match="corrupt manifest"):
        read_snapshot(tmp_path / "snap")
    with pytest.raises(SnapshotError, match="no such snapshot folder"):
        read_snapshot(tmp_path / "nowhere")


def test_writing_replaces_an_old_snapshot_but_not_another_folder(tmp_path):
    write_snapshot(small_state(seed=1), tmp_path / "snap")
    write_snapshot(small_state(seed=2), tmp_path / "snap")
    assert read_snapshot(tmp_path / "snap").seed == 2
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    with pytest.raises(SnapshotError, match="not a snapshot"):
        write_snapshot(small_state(), tmp_path / "notes")
    assert (tmp_path / "notes" / "keep.txt").read_text() == "mine"


names = st.text(alphabet="abcdefghij-0123456789", min_size=1, max_size=8)


@settings(max_examples=30, deadline=None)
@given(pods=st.lists(st.tuples(names, st.integers(0, 10**6), st.integers(0, 2**40),
                               st.integers(-1, 3), st.sampled_from([None, "a", "b"]),
                               st.floats(0, 1e6)),
                     max_size=20, unique_by=lambda p: p[0]),
       gpus=st.booleans(), time=st.floats(0, 1e7), seed=st.integers(0, 2**31))
def test_snapshot_identity(tmp_path_factory, pods, gpus, time, seed):
    """Property: restore(snapshot(state)) == state for random states."""
    state = ClusterState(seed=seed)
    state.time = time
    strings = state.strings
    if gpus:
        state.resource_index("nvidia.com/gpu")
    for i in range(3):
        state.insert("nodes", {"name": strings.intern(f"n{i}"),
                               "allocatable": state.resource_vector({"cpu": 1000 * (i + 1)})})
    for name, cpu, memory, node, label, created in pods:
        row = state.insert("pods", {
            "name": strings.intern(name), "namespace": strings.intern("ns"),
            "labels": strings.intern_document({"app": label} if label else None),
            "requests": state.resource_vector({"cpu": cpu, "memory": memory}),
            "creation_time": created, "phase": node % 5 if node >= 0 else 0})
        if node >= 0:
            state.bind_pod(row, node % 3)
    folder = tmp_path_factory.mktemp("snap") / "s"
    write_snapshot(state, folder)
    restored = read_snapshot(folder)
    assert restored == state
    assert np.array_equal(restored.tables["nodes"]["requested"], state.tables["nodes"]["requested"])


def test_deleted_rows_and_string_codes_survive_a_snapshot_with_extras(tmp_path):
    state = small_state()
    state.remove("pods", 1)
    state.remove("pods", 3)
    write_snapshot(state, tmp_path / "snap", extras={"engine": {"x": np.arange(3)}})
    restored = read_snapshot(tmp_path / "snap")
    assert restored == state
    pods = restored.tables["pods"]
    assert len(pods) == 5 and pods.alive.tolist() == [True, False, True, False, True]
    assert restored.strings.strings() == state.strings.strings()
    assert restored.find("pods", "web-4", "default") == 4
    # without extras (not a running cluster) rows are kept, the string table is not
    write_snapshot(state, tmp_path / "plain")
    assert not (tmp_path / "plain" / "strings.feather").exists()
    assert read_snapshot(tmp_path / "plain").find("pods", "web-4", "default") == 4
    assert read_snapshot(tmp_path / "plain") == state


def test_a_damaged_string_table_or_row_file_is_a_snapshot_error(tmp_path):
    import pyarrow.feather
    state = small_state()
    state.remove("pods", 1)
    write_snapshot(state, tmp_path / "snap", extras={"engine": {"x": np.arange(3)}})
    folder = tmp_path / "snap"
    strings = pyarrow.feather.read_table(folder / "strings.feather")
    pyarrow.feather.write_feather(strings.slice(0, 2), folder / "strings.feather")
    with pytest.raises(SnapshotError, match="strings.feather"):
        read_snapshot(folder)
    write_snapshot(state, folder, extras={"engine": {"x": np.arange(3)}})
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["lengths"]["pods"] = 2
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match="row indices"):
        read_snapshot(folder)


def _running_snapshot(state, folder):
    return write_snapshot(state, folder, extras={"engine": {"x": np.arange(3)}})


def test_string_codes_are_kept_per_column_and_read_without_interning(tmp_path):
    state = small_state()
    state.strings.intern("only-in-the-string-table")   # a string no row uses keeps its code
    state.remove("pods", 2)
    folder = _running_snapshot(state, tmp_path / "snap")
    codes = pyarrow.feather.read_table(folder / "codes.feather")
    assert codes.column_names == ["column", "codes"]
    by_column = dict(zip(codes.column("column").to_pylist(), codes.column("codes").to_pylist()))
    names = state.tables["pods"]["name"][state.tables["pods"].alive]
    assert by_column["pods.name"] == sorted(set(names.tolist()))
    restored = read_snapshot(folder)
    # the restored string table is the saved Arrow array until a string is looked up
    assert restored.strings._codes is None and restored.strings._strings is None
    assert restored == state
    assert restored.strings.strings() == state.strings.strings()
    alive = state.tables["pods"].alive
    assert restored.tables["pods"].alive.tolist() == alive.tolist()
    assert np.array_equal(restored.tables["pods"]["name"][alive], state.tables["pods"]["name"][alive])
    assert restored.strings.code_of("web-4") == state.strings.code_of("web-4")
    assert restored.strings.intern("new") == len(state.strings)
    assert restored.strings.arrow().to_pylist() == state.strings.strings() + ["new"]
    assert restored.find("pods", "web-3", "default") == 3


def test_a_snapshot_without_codes_is_read_by_interning_its_dictionaries(tmp_path):
    """Snapshots written before codes.feather existed are read as before."""
    state = small_state()
    state.remove("pods", 1)
    folder = _running_snapshot(state, tmp_path / "snap")
    (folder / "codes.feather").unlink()
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["codes"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    restored = read_snapshot(folder)
    assert restored == state and restored.strings.strings() == state.strings.strings()
    alive = state.tables["pods"].alive
    assert np.array_equal(restored.tables["pods"]["name"][alive], state.tables["pods"]["name"][alive])


def test_codes_that_do_not_match_the_tables_are_a_snapshot_error(tmp_path):
    state = small_state()
    folder = _running_snapshot(state, tmp_path / "snap")
    codes = pyarrow.feather.read_table(folder / "codes.feather")
    lists = codes.column("codes").to_pylist()
    keys = codes.column("column").to_pylist()
    nodes = keys.index("nodes.name")
    lists[nodes] = [code + 1 for code in lists[nodes]]   # node-0 -> the code of node-0's labels
    pyarrow.feather.write_feather(pa.table({"column": keys, "codes": pa.array(
        lists, pa.list_(pa.int32()))}), folder / "codes.feather")
    with pytest.raises(SnapshotError, match="codes.feather"):
        read_snapshot(folder)


def test_a_static_snapshot_interns_strings_in_first_seen_order(tmp_path):
    """Without a saved string table the codes are what interning the tables' strings in
    table and column order gives (as reading did one column at a time)."""
    state = small_state()
    write_snapshot(state, tmp_path / "plain")
    restored = read_snapshot(tmp_path / "plain")
    expected = ClusterState()
    for name, table in restored.tables.items():
        arrow = pyarrow.feather.read_table(tmp_path / "plain" / f"{name}.feather")
        for column in table.columns.values():
            if column.kind in ("str", "json"):
                expected.strings.intern_many(
                    arrow.column(column.name).combine_chunks().dictionary.to_pylist())
    assert restored.strings.strings() == expected.strings.strings()
    assert restored == state


def test_restored_events_aggregate_as_the_original_ones(tmp_path):
    """Events recorded one by one aggregate their repeats; those recorded in bulk never do,
    in the original and in a restored state alike."""
    from kbench.sim.events import record_event, record_pod_events
    state = small_state()
    record_event(state, "Pod", "web-0", "default", "Warning", "BackOff", "back-off", "kubelet")
    record_pod_events(state, [0, 1], "Normal", "Scheduled", "assigned", "default-scheduler")
    _running_snapshot(state, tmp_path / "snap")
    restored = read_snapshot(tmp_path / "snap")
    assert restored.event_rows == state.event_rows and len(state.event_rows) == 1
    for s in (state, restored):
        record_event(s, "Pod", "web-0", "default", "Warning", "BackOff", "back-off", "kubelet")
        record_event(s, "Pod", "web-0", "default", "Normal", "Scheduled", "assigned",
                     "default-scheduler")
    assert restored == state
    assert restored.tables["events"]["count"].tolist() == [2, 1, 1, 1]
