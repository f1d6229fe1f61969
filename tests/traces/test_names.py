"""Names written by kbench.traces.names (job-17, user-3) against their plain-Python twin
(tests/reference/traces.py numbered), and the SWF loader's name and owner columns against
the job lines themselves, in arrival order, also when the file is not in submit order."""

from __future__ import annotations

import gzip

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import traces as reference

from kbench.traces import load
from kbench.traces.names import numbered

INT64 = st.integers(-(2 ** 63), 2 ** 63 - 1)
_SETTINGS = dict(deadline=None, derandomize=True, database=None)


def test_hand_picked_numbers():
    numbers = [0, 7, -5, 10, 99, 100, 123456789, -(2 ** 63), 2 ** 63 - 1, -1]
    array = numbered("job-", np.array(numbers, dtype=np.int64))
    assert array.type == pa.string() and array.null_count == 0
    assert array.to_pylist() == reference.numbered("job-", numbers)
    assert array.to_pylist()[:3] == ["job-0", "job-7", "job--5"]
    assert numbered("x", np.array([], dtype=np.int64)).to_pylist() == []


@settings(max_examples=200, **_SETTINGS)
@given(st.lists(st.tuples(INT64, st.booleans()), max_size=40),
       st.sampled_from(["", "user-", "é-"]))
def test_generated_numbers_and_nulls(pairs, prefix):
    numbers = np.array([n for n, _ in pairs], dtype=np.int64)
    valid = np.array([ok for _, ok in pairs], dtype=np.bool_)
    array = numbered(prefix, numbers, valid)
    array.validate(full=True)
    assert array.type == pa.string() and array.null_count == int((~valid).sum())
    assert array.to_pylist() == reference.numbered(prefix, numbers.tolist(), valid.tolist())


_JOB = st.tuples(st.integers(0, 10 ** 12), st.integers(0, 50).map(float) | st.floats(0, 1e6),
                 st.integers(-1, 10 ** 6))


@settings(max_examples=60, **_SETTINGS)
@given(st.lists(_JOB, min_size=1, max_size=30), st.booleans())
def test_swf_names_and_owners_follow_the_jobs_in_arrival_order(tmp_path_factory, jobs, gzip_it):
    text = "; generated\n" + "".join(
        f"{job} {submit!r} -1 10 4 -1 -1 4 -1 -1 1 {user} 1 -1 -1 -1 -1 -1\n"
        for job, submit, user in jobs)
    path = tmp_path_factory.mktemp("swf") / ("log.swf.gz" if gzip_it else "log.swf")
    path.write_bytes(gzip.compress(text.encode()) if gzip_it else text.encode())
    table = load(path, format="swf").table
    ordered = sorted(jobs, key=lambda job: job[1])   # stable: ties keep file order
    assert table.column("name").to_pylist() == [f"job-{job}" for job, _, _ in ordered]
    assert table.column("owner").to_pylist() == [
        f"user-{user}" if user >= 0 else None for _, _, user in ordered]
    assert table.column("time_s").to_pylist() == [submit for _, submit, _ in ordered]
