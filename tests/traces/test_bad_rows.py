"""Bad trace input: a malformed row is named by file, line and column (or skipped and counted
with skip_bad_rows); a missing file or an unknown format is one clear error."""

import gzip
from pathlib import Path

import pytest

from kbench.errors import KbenchError
from kbench.traces import TraceError, load

DATA = Path(__file__).resolve().parent / "data"
NODES_HEADER = "sn,cpu_milli,memory_mib,gpu,model\n"
PODS_HEADER = ("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,"
               "creation_time,deletion_time,scheduled_time\n")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("row, column, value, reason", [
    ("n-3,abc,1024,0,", "cpu_milli", "abc", "not an integer"),
    ("n-3,1000,-5,0,", "memory_mib", "-5", "must not be negative"),
    ("n-3,1000,1024,,", "gpu", None, "missing value"),
    ("n-3,1000,1.5,0,", "memory_mib", "1.5", "not an integer"),
])
def test_bad_node_value_names_file_line_and_column(tmp_path, row, column, value, reason):
    path = write(tmp_path, "nodes.csv", NODES_HEADER + "n-1,1000,1024,0,\nn-2,1000,1024,8,G2\n"
                 + row + "\nn-4,1000,1024,0,\n")
    with pytest.raises(TraceError) as caught:
        load(path)
    error = caught.value
    assert isinstance(error, KbenchError)
    assert (error.source, error.row, error.column, error.value) == (str(path), 4, column, value)
    assert str(error).startswith(f"{path}: row 4: column {column}")
    assert reason in str(error)


def test_skip_bad_rows_drops_and_counts(tmp_path):
    path = write(tmp_path, "nodes.csv", NODES_HEADER + "n-1,1000,1024,0,\nn-2,x,1024,0,\n"
                 "n-3,1000,-1,0,\nn-4,2000,2048,2,G1\n")
    trace = load(path, skip_bad_rows=True)
    assert trace.skipped == 2
    assert trace.table.column("name").to_pylist() == ["n-1", "n-4"]


def test_blank_lines_keep_line_numbers(tmp_path):
    path = write(tmp_path, "nodes.csv", NODES_HEADER + "n-1,1000,1024,0,\n\n\nn-2,1000,oops,0,\n")
    with pytest.raises(TraceError, match=r"row 5: column memory_mib: 'oops'"):
        load(path)


def test_rules_across_columns(tmp_path):
    path = write(tmp_path, "pods.csv", PODS_HEADER + "p-1,1000,1024,2,500,,LS,Running,0,10,0\n")
    with pytest.raises(TraceError, match=r"row 2: column gpu_milli: '500': a GPU share below "
                                         r"1000 needs num_gpu == 1"):
        load(path)
    path = write(tmp_path, "pods.csv", PODS_HEADER + "p-1,1000,1024,1,1000,,LS,Running,9,3,9\n"
                 "p-2,1000,1024,1,1500,,LS,Running,0,10,0\n")
    with pytest.raises(TraceError, match="row 2: column deletion_time: '3': deletion_time is "
                                         "before creation_time"):
        load(path)
    assert load(path, skip_bad_rows=True).skipped == 2


def test_missing_column(tmp_path):
    path = write(tmp_path, "pods.csv", "name,cpu_milli,memory_mib,num_gpu,gpu_milli,qos\n"
                 "p-1,1,1,0,0,LS\n")
    with pytest.raises(TraceError, match=r"pods.csv: row 1: column creation_time: missing "
                                         r"column \(the header has name, cpu_milli"):
        load(path, format="openb-pods")


def test_wrong_field_count_in_csv(tmp_path):
    path = write(tmp_path, "nodes.csv", NODES_HEADER + "n-1,1000,1024,0,\nn-2,1,2,3,4,5,6\n")
    with pytest.raises(TraceError, match=r"nodes.csv: row 3: expected 5 fields, found 7"):
        load(path)


def test_headerless_alibaba_file_with_the_wrong_width(tmp_path):
    path = write(tmp_path, "machine_meta.csv", "m_1,0,1,2,96\n")
    with pytest.raises(TraceError, match="expected 7 fields"):
        load(path, format="alibaba2018-machines")


def test_bad_datetime(tmp_path):
    path = write(tmp_path, "llm.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                 "2023-11-16 18:15:46.6805900,10,1\n2023-11-16 yesterday,3,4\n")
    with pytest.raises(TraceError, match=r"row 3: column TIMESTAMP: '2023-11-16 yesterday': "
                                         r"not a date-time"):
        load(path)
    assert load(path, skip_bad_rows=True).num_rows == 1


def test_swf_wrong_field_count_and_bad_value(tmp_path):
    good = "1 0 -1 10 4 -1 -1 4 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
    path = tmp_path / "log.swf.gz"
    path.write_bytes(gzip.compress((";Version: 2.2\n;\n" + good + "2 5 -1 10 4\n"
                                    + "3 x -1 10 4 -1 -1 4 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
                                    + "4 9 -1 10 -7 -1 -1 4 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
                                    ).encode()))
    with pytest.raises(TraceError, match=r"log.swf.gz: row 4: expected 18 fields, found 5"):
        load(path)
    trace = load(path, skip_bad_rows=True)
    assert trace.skipped == 3 and trace.table.column("name").to_pylist() == ["job-1"]
    path.write_bytes(gzip.compress((good + "3 x -1 10 4 -1 -1 4 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
                                    ).encode()))
    with pytest.raises(TraceError, match=r"row 2: column submit: 'x': not a number"):
        load(path)


def test_swf_unknown_values_are_not_errors(tmp_path):
    path = write(tmp_path, "log.swf", "1 7 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1\n"
                 "2 8 -1 30 2 -1 100 -1 -1 -1 1 3 1 -1 -1 -1 -1 -1\n")
    first, second = load(path).table.to_pylist()
    assert first["duration_s"] is None and first["cpu_milli"] == 0 and first["owner"] is None
    # Allocated procs (2) stand in for the unknown requested procs; used memory is KB/proc.
    assert second["cpu_milli"] == 2000 and second["memory_bytes"] == 100 * 1024 * 2


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(TraceError, match="nope.csv: no such file"):
        load(tmp_path / "nope.csv")
    path = write(tmp_path, "odd.csv", "a,b\n1,2\n")
    with pytest.raises(TraceError, match=r"odd.csv: unknown trace format \(header 'a,b'\); "
                                         r"give one of: openb-nodes"):
        load(path)
    with pytest.raises(TraceError, match="unknown trace format 'csv'; known formats"):
        load(path, format="csv")
    with pytest.raises(TraceError, match="not a file"):
        load(tmp_path)


def test_text_path_reads_the_same_values_as_the_typed_path(tmp_path):
    # A file whose values all parse is read typed by the CSV reader; one bad value sends the
    # whole file through the text path. Skipping that row must give the same table.
    good = ("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,"
            "creation_time,deletion_time,scheduled_time\n"
            "p-1,1500,2048,1,250,A100|V100,LS,Running,3.5,10,4\n"
            "p-2,4000,8192,2,1000,,BE,Pending,7,,\n")
    clean = write(tmp_path, "clean.csv", good)
    dirty = write(tmp_path, "dirty.csv", good + "p-3,12x,1,0,0,,LS,Running,9,10,9\n")
    trace = load(dirty, skip_bad_rows=True)
    assert trace.skipped == 1
    assert trace.table.equals(load(clean).table)


def test_swf_text_path_matches_typed_path(tmp_path):
    jobs = ("; comment\n  1   0  -1  10   4  -1  -1   4  -1  -1  1  1  1 -1 -1 -1 -1 -1\n"
            "\t2\t5 -1 20 8 -1 50 -1 -1 -1 1 2 1 -1 -1 -1 -1 -1  \r\n")
    clean = write(tmp_path, "clean.swf", jobs)
    dirty = write(tmp_path, "dirty.swf", jobs + "3 x -1 10 4 -1 -1 4 -1 -1 1 1 1 -1 -1 -1 -1 -1\n")
    trace = load(dirty, skip_bad_rows=True)
    assert trace.skipped == 1 and trace.table.equals(load(clean).table)
    assert load(clean).table.column("cpu_milli").to_pylist() == [4000, 8000]


def test_swf_negative_value_found_on_the_fast_path_names_its_line(tmp_path):
    path = write(tmp_path, "log.swf", "; a\n;\n\n1 0 -1 10 4 -1 -1 4 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
                 "; between\n2 -5 -1 10 4 -1 -1 4 -1 -1 1 1 1 -1 -1 -1 -1 -1\n")
    with pytest.raises(TraceError, match=r"log.swf: row 6: column submit: '-5': must not be "
                                         r"negative"):
        load(path)
    assert load(path, skip_bad_rows=True).skipped == 1


def test_empty_file_needs_a_format(tmp_path):
    path = write(tmp_path, "empty.csv", "")
    with pytest.raises(TraceError, match="empty.csv: empty file"):
        load(path)


def test_too_many_fields_in_a_pod_list(tmp_path):
    path = write(tmp_path, "pods.csv", PODS_HEADER + "p-1,1,1,0,0,,LS,Running,0,1,0\n"
                 "p-2,1,1,0,0,,LS,Running,0,1,0,9,9\n")
    with pytest.raises(TraceError, match=r"pods.csv: row 3: expected 11 fields, found 13"):
        load(path)


def test_swf_line_with_too_many_fields(tmp_path):
    good = "1 0 -1 10 4 -1 -1 4 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
    path = write(tmp_path, "log.swf", "; spaces in a comment\n" + good
                 + "2 0 -1 10 4 -1 -1 4 -1 -1 1 1 1 -1 -1 -1 -1 -1 7 7\n;x y\n" + good)
    with pytest.raises(TraceError, match=r"log.swf: row 3: expected 18 fields, found 20"):
        load(path)
    assert load(path, skip_bad_rows=True).skipped == 1
