"""The compiled SWF scan (kbench.traces.swf_scan.scan) against its plain-Python twin
(tests/reference/traces.py), and the loader's scan-first path against the polars path it
replaces for plain files: the same rows, values (to the bit), line numbers and stop points,
and the same parsed frame or the same error, on hand-made and hypothesis-generated text
(odd spacing, tabs, CRLF, comments, blank lines, trailing blanks, no final newline, wrong
field counts, non-numbers, long numbers, stray bytes) and gzip files."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import traces as reference

from kbench.traces import TraceError, load, loaders
from kbench.traces.swf_scan import FLOAT, INT, SKIP, scan

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "traces" / "NASA-iPSC-1993-3.1-cln.swf.gz"
KINDS = loaders._SWF_KINDS
SLOTS = loaders._SWF_SLOTS
GOOD = "1 0 -1 10 4 -1 -1 4 -1 -1 1 1 1 -1 -1 -1 -1 -1"


def kernel_scan(data: bytes, kinds=KINDS, slots=SLOTS):
    """swf_scan.scan's answer in the twin's shape (rows of the non-skipped values)."""
    floats, ints, lines, rows, stop_line, stop_field = scan(data, kinds, slots)
    values = [[floats[slots[f], r] if kind == FLOAT else int(ints[slots[f], r])
               for f, kind in enumerate(kinds) if kind != SKIP] for r in range(rows)]
    return values, lines[:rows].tolist(), stop_line, stop_field


def _bits(rows):
    return [[np.float64(v).tobytes() if isinstance(v, (float, np.floating)) else v
             for v in row] for row in rows]


def assert_same_as_reference(data: bytes, kinds=KINDS, slots=SLOTS):
    rows, lines, stop_line, stop_field = kernel_scan(data, kinds, slots)
    twin = reference.scan_swf(data, [int(k) for k in kinds])
    assert (_bits(rows), lines, stop_line, stop_field) == (
        _bits(twin[0]), twin[1], twin[2], twin[3]), data
    return stop_line


def _outcome(function, data: bytes, skip_bad_rows: bool):
    """The parsed frame (with its float bits) and skipped count, or the error's type and text."""
    try:
        frame, skipped = function(data, Path("log.swf"), skip_bad_rows)
    except Exception as error:   # the two paths must fail alike, whatever the error is
        return type(error).__name__, str(error)
    bits = {name: frame[name].to_numpy().view(np.int64).tolist()
            for name, dtype in frame.schema.items() if dtype.is_float()}
    return frame.to_dict(as_series=False), frame.schema, bits, skipped


def assert_same_as_polars_path(data: bytes):
    for skip_bad_rows in (False, True):
        assert _outcome(loaders._swf_fields, data, skip_bad_rows) == _outcome(
            loaders._swf_fields_polars, data, skip_bad_rows), (data, skip_bad_rows)


# ---------------------------------------------------------------------------
# Hand-made cases
# ---------------------------------------------------------------------------

PLAIN = [   # the scan accepts these
    GOOD + "\n",
    GOOD,                                                     # no final newline
    "  " + GOOD.replace(" ", "  \t ") + " \t \n",             # odd blanks, trailing blanks
    ("; Version: 2.2\r\n;\tcomment  with\ttabs\r\n\r\n" + GOOD + "\r\n") * 2,   # CRLF
    "\n\n   \n\t\n" + GOOD + "\n\n; end\n   ; indented comment\n",
    GOOD + "\n" + GOOD.replace("1 0 -1 10", "2 5.25 -1 0.1") + "\r",
    GOOD.replace("1 0 -1 10 4", "7 -0 -1 -0.0 007.500") + "\n",   # -0.0 keeps its sign
    GOOD.replace("1 0", "9223372036854775799 9007199254740992") + "\n",
    GOOD.replace("1 0 -1 10", "1 0 -1 0.0000000000000000000012") + "\n",
    GOOD[:-14] + "-.- . - .1. 1-\n",   # skipped fields
    GOOD.replace("1 0 -1", "1 -5 -1") + "\n",                  # negative: parse_columns' error
    "; a\n;\n\n" + GOOD + "\n" + GOOD.replace("1 0 -1 10", "2 7 -1 -3") + "\n",
    GOOD.replace(" 1 1 1 -1", " 1 -2 1 -1") + "\n",            # user -2
]

UNUSUAL = [   # the scan stops at (line, field); the polars path reads these
    (GOOD[:-3] + "\n", 1, 17),                                   # 17 fields
    (GOOD + " 5 6\n", 1, 18),                                    # 20 fields
    ("\n" + GOOD.replace("1 0", "1 x") + "\n", 2, 1),
    (GOOD.replace("1 0", "1 1e3") + "\n", 1, 1),
    (GOOD.replace("1 0", "1 +5") + "\n", 1, 1),
    (GOOD.replace("1 0", "1 .5") + "\n", 1, 1),
    (GOOD.replace("1 0", "1 5.") + "\n", 1, 1),
    (GOOD.replace("1 0", "1 -") + "\n", 1, 1),
    (GOOD.replace("1 0", "1.0 0") + "\n", 1, 0),                 # an integer field
    (GOOD.replace("1 0", "1 9007199254740993") + "\n", 1, 1),     # > 2**53
    (GOOD.replace("1 0", "1 0.00000000000000000000001") + "\n", 1, 1),   # 23 decimals
    (GOOD.replace("1 0", "1 0.1234567890123456789") + "\n", 1, 1),   # digits > 2**53
    (GOOD.replace("1 0", "9223372036854775808 0") + "\n", 1, 0),  # int64 overflow
    (GOOD.replace("1 0", "1 0\r5") + "\n", 1, 1),                # a stray CR
    (GOOD.replace("1 0 -1", "1 0 \r -1") + "\n", 1, 2),
    (GOOD[:-2] + "x\n", 1, 17),
    (GOOD.replace(" ", "\x0b", 1) + "\n", 1, 0),                 # a blank it does not know
    ("; caf\u00e9\n" + GOOD + "\n", 1, -1),                      # a non-ASCII comment
    ("; \x00\n" + GOOD + "\n", 1, -1),
    (GOOD + " ;note\n", 1, 18),
    (GOOD + "\r\r\n", 1, 17),
    ("\ufeff" + GOOD + "\n", 1, 0),                              # a byte-order mark
    (GOOD + " ", 1, 18),             # blanks ending a file without its last newline
    ("; x\n" + GOOD + "\t\r", 2, 18),
]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_is_scanned_like_the_reference_and_the_polars_path(text):
    data = text.encode()
    assert assert_same_as_reference(data) == 0
    assert loaders._swf_fields_scanned(data) is not None   # so the comparison below is not
    assert_same_as_polars_path(data)                       # polars against itself


@pytest.mark.parametrize("text, line, field", UNUSUAL)
def test_unusual_text_stops_the_scan_where_the_reference_does(text, line, field):
    data = text.encode()
    assert kernel_scan(data)[2:] == (line, field)
    assert assert_same_as_reference(data) == line
    assert loaders._swf_fields_scanned(data) is None
    assert_same_as_polars_path(data)


def test_empty_and_comment_only_files_go_the_polars_way():
    for data in (b"", b"\n\n", b"; only a comment\n", b"  \t\r\n"):
        assert kernel_scan(data) == ([], [], 0, 0) == reference.scan_swf(data, list(KINDS))
        assert loaders._swf_fields_scanned(data) is None
        assert_same_as_polars_path(data)


def test_a_negative_value_names_the_same_line_both_ways(tmp_path):
    text = "; a\r\n\r\n  \t\n" + (GOOD + "\r\n") * 3 + GOOD.replace("1 0", "4 -5") + "\n"
    with pytest.raises(TraceError, match=r"log.swf: row 7: column submit: '-5': must not "):
        loaders._swf_fields(text.encode(), Path("log.swf"), False)
    assert_same_as_polars_path(text.encode())


def test_other_field_layouts_scan_like_the_reference():
    kinds = np.array([INT, SKIP, FLOAT, FLOAT, INT], dtype=np.int8)
    slots = np.array([0, 0, 0, 1, 1], dtype=np.int64)
    for text in ["1 x2 3.5 -4 5\n", "1 - 3 4\n", "1 2 3 4 5 6\n", "-0 . -0.0 0 -0\n"]:
        assert_same_as_reference(text.encode(), kinds, slots)


# ---------------------------------------------------------------------------
# Generated text
# ---------------------------------------------------------------------------

_NUMBERS = st.one_of(
    st.integers(-10, 10**6).map(str),
    st.integers(0, 2**53 + 2).map(str),
    st.integers(-(2**63), 2**63).map(str),
    st.builds(lambda whole, decimals: f"{whole}.{decimals}", st.integers(-999, 10**9),
              st.text("0123456789", min_size=1, max_size=24)),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.just("-1"), st.just("-0"), st.just("-0.0"),
)
_ODD = st.sampled_from(["x", "1e3", "+5", ".5", "5.", "-", "--1", "1.2.3", "1-", "\x00", "\u00e9",
                        "1\r2", "nan", "inf", "\x0c", ";", "0x10"])
_FIELD = st.one_of(_NUMBERS, _NUMBERS, _NUMBERS, _ODD)
_BLANKS = st.sampled_from([" ", " ", "  ", "\t", " \t ", "     "])
_END = st.sampled_from(["\n", "\n", "\r\n", " \n", "\t\r\n"])


@st.composite
def _job_line(draw):
    count = draw(st.sampled_from([18] * 8 + [0, 1, 17, 19]))
    fields = draw(st.lists(_FIELD if draw(st.booleans()) else _NUMBERS,
                           min_size=count, max_size=count))
    text = "".join(field + draw(_BLANKS) for field in fields).rstrip(" \t")
    return draw(st.sampled_from(["", "", " ", "\t "])) + text


_COMMENT = st.builds(lambda lead, body: lead + ";" + body, st.sampled_from(["", " ", "\t"]),
                     st.text(st.sampled_from(list("ab ;\t-1.\r\u00e9\x00")), max_size=12))
_LINE = st.one_of(_job_line(), _job_line(), _job_line(), _COMMENT,
                  st.sampled_from(["", " ", "\t", "\r"]))


@st.composite
def swf_like(draw):
    lines = draw(st.lists(st.tuples(_LINE, _END), max_size=8))
    text = "".join(line + end for line, end in lines)
    if lines and draw(st.booleans()):
        text = text.rstrip("\r\n")   # no final newline
    return text.encode()


_PLAIN_FIELD = st.one_of(st.integers(-3, 10**7).map(str), st.just("-1"), st.builds(
    lambda whole, decimals: f"{whole}.{decimals}", st.integers(-5, 10**6),
    st.text("0123456789", min_size=1, max_size=6)))


@st.composite
def plain_swf(draw):
    """Text the scan mostly accepts: numbers where the loader wants them, odd blanks,
    comments and blank lines (integers in the integer fields)."""
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        fields = [draw(st.integers(-2, 10**6).map(str) if kind == INT else _PLAIN_FIELD)
                  for kind in KINDS]
        lines.append(draw(st.sampled_from(["", " "])) + "".join(
            field + draw(_BLANKS) for field in fields) + draw(_END))
        lines.append(draw(st.sampled_from(["", "", "\n", "; note\n", "  ;\tx\r\n", "\t\n"])))
    text = "".join(lines)
    return (text.rstrip("\r\n") if draw(st.booleans()) else text).encode()


_SETTINGS = dict(deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow])


@settings(max_examples=400, **_SETTINGS)
@given(swf_like())
def test_generated_text_scans_like_the_reference(data):
    assert_same_as_reference(data)


@settings(max_examples=400, **_SETTINGS)
@given(st.text(st.sampled_from(list("0123456789-. \t\r\n;x")), max_size=200).map(str.encode))
def test_generated_bytes_scan_like_the_reference(data):
    kinds = np.array([INT, FLOAT, SKIP], dtype=np.int8)
    slots = np.array([0, 0, 0], dtype=np.int64)
    assert_same_as_reference(data, kinds, slots)
    assert_same_as_reference(data)


@settings(max_examples=150, **_SETTINGS)
@given(swf_like())
def test_generated_text_loads_like_the_polars_path(data):
    assert_same_as_polars_path(data)


@settings(max_examples=150, **_SETTINGS)
@given(plain_swf())
def test_generated_plain_text_loads_like_the_polars_path(data):
    assert_same_as_reference(data)
    assert_same_as_polars_path(data)


# ---------------------------------------------------------------------------
# Whole files
# ---------------------------------------------------------------------------

def _polars_way(monkeypatch, path: Path):
    with monkeypatch.context() as patch:
        patch.setattr(loaders, "_swf_fields_scanned", lambda data: None)
        return load(path, format="swf")


def test_sample_trace_is_scanned_and_loads_as_the_polars_path_does(monkeypatch):
    assert loaders._swf_fields_scanned(loaders.read_bytes(SAMPLE)) is not None
    trace = load(SAMPLE)
    expected = _polars_way(monkeypatch, SAMPLE)
    assert trace.num_rows == 18239 and trace.table.equals(expected.table, check_metadata=True)


def _benchmark_like(rows: int, seed: int) -> str:
    """Jobs as benchmarks/bench_traces.py writes them: two spaces between fields, -1 for the
    unknown ones, after a header comment."""
    rng = np.random.default_rng(seed)
    lines = []
    for job in range(1, rows + 1):
        procs = rng.integers(1, 129)
        fields = [job, rng.integers(0, 10**7), -1, rng.integers(1, 50_000), procs, -1, -1,
                  procs, -1, -1, 1, rng.integers(1, 70), *[-1] * 6]
        lines.append("  ".join(str(field) for field in fields))
    return "; Version: 2.2\n" + "\n".join(lines) + "\n"


def test_generated_benchmark_text_loads_as_the_polars_path_does(tmp_path, monkeypatch):
    path = tmp_path / "jobs.swf"
    path.write_text(_benchmark_like(5000, seed=3))
    assert loaders._swf_fields_scanned(path.read_bytes()) is not None
    assert load(path).table.equals(_polars_way(monkeypatch, path).table, check_metadata=True)


@pytest.mark.parametrize("text", [PLAIN[3], PLAIN[10], UNUSUAL[2][0], UNUSUAL[0][0]])
def test_gzip_files_load_as_the_polars_path_does(tmp_path, monkeypatch, text):
    path = tmp_path / "log.swf.gz"
    path.write_bytes(gzip.compress(text.encode()))
    for skip_bad_rows in (False, True):
        def outcome(loader):
            try:
                trace = loader()
            except TraceError as error:
                return str(error)
            return trace.table, trace.skipped
        scanned = outcome(lambda: load(path, format="swf", skip_bad_rows=skip_bad_rows))
        with monkeypatch.context() as patch:
            patch.setattr(loaders, "_swf_fields_scanned", lambda data: None)
            polars_way = outcome(lambda: load(path, format="swf", skip_bad_rows=skip_bad_rows))
        if isinstance(scanned, str):
            assert scanned == polars_way
        else:
            assert scanned[0].equals(polars_way[0]) and scanned[1] == polars_way[1]


def test_blanks_ending_a_file_without_its_last_newline(tmp_path):
    path = tmp_path / "jobs.swf"
    path.write_text("; a log\n" + GOOD + " \t ")
    assert load(path).num_rows == 1
