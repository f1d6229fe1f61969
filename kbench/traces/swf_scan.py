"""One compiled pass over an SWF file's bytes: finds the job lines (skipping blank lines and
``;`` comments), splits each at runs of spaces and tabs and parses the fields the loader
uses into preallocated arrays, with each row's line number.

It accepts only the plain cases, whose result is certain to equal the polars path of
kbench.traces.loaders (``_swf_fields_polars``): LF or CRLF line ends, comments of ASCII
text, exactly ``kinds.size`` fields per job line, parsed fields of the forms ``-?D+`` (an
integer) or ``-?D+(.D+)?`` (a float whose digits, read as one integer, are at most 2**53,
with at most 22 after the point, so that digits / 10**k, one IEEE division of two exact
doubles, is the correctly rounded value the CSV reader gives too), other fields made of
digits, ``-`` and ``.``. Anything else stops the scan at its line and field, and the loader
reads the file the polars way instead, which reports a bad row exactly as before.
Twin: tests/reference/traces.py scan_swf (of scan).
"""

from __future__ import annotations

import numpy as np

from kbench._jit import njit

#: What the scan does with each field: skip it, parse it as a float, parse it as an integer.
SKIP, FLOAT, INT = 0, 1, 2

_SPACE, _TAB, _LF, _CR, _SEMICOLON = 32, 9, 10, 13, 59
_MINUS, _DOT, _ZERO, _NINE = 45, 46, 48, 57
#: Largest value that can take one more digit without overflowing int64.
_BEFORE_DIGIT = (2 ** 63 - 1 - 9) // 10
_EXACT = 2 ** 53
_MAX_DECIMALS = 22
_POW10 = np.array([10.0 ** k for k in range(_MAX_DECIMALS + 1)])


#: Bytes a skipped field may hold: digits, "-" and ".".
_SKIPPABLE = np.zeros(256, dtype=np.bool_)
_SKIPPABLE[[_MINUS, _DOT, *range(_ZERO, _NINE + 1)]] = True


def scan(data: bytes, kinds: np.ndarray, slots: np.ndarray):
    """Scan an SWF file's bytes (see the module): field ``f`` of each job line goes to row
    ``slots[f]`` of ``floats`` or ``ints`` as ``kinds[f]`` (SKIP, FLOAT, INT) says.

    Returns (floats, ints, lines, rows, stop_line, stop_field): the values and 1-based line
    numbers of the first ``rows`` rows; stop_line 0 if the whole file was read, else the line
    of the first thing the scan does not accept and the field it is in (0-based; for a short
    or long line the first missing or extra field; -1 for a comment line). Fields are
    delimited by blanks (spaces, tabs) only: a CR not ending its line, or any other byte a
    field may not hold, stops the scan at the field it is in; so do blanks after the last
    field of a last line without LF (the polars way sees one more, empty, field there).
    """
    # a job line is at least kinds.size one-byte fields with a blank between each two
    capacity = len(data) // max(1, kinds.size * 2 - 1) + 1
    floats = np.empty((int((kinds == FLOAT).sum()), capacity))
    ints = np.empty((int((kinds == INT).sum()), capacity), dtype=np.int64)
    lines = np.empty(capacity, dtype=np.int64)
    final_lf = data.endswith(b"\n")
    buffer = np.frombuffer(data if final_lf else data + b"\n", dtype=np.uint8)
    rows, stop_line, stop_field = _scan(buffer, final_lf, kinds, slots, floats, ints, lines)
    return floats, ints, lines, int(rows), int(stop_line), int(stop_field)


@njit
def _scan(data, final_lf, kinds, slots, floats, ints, lines):
    """scan's loop over ``data``, which ends with LF (``final_lf``: as the file does, else
    one was added); every inner loop stops at LF, so only line starts check the length."""
    n = data.size
    fields = kinds.size
    pos = 0
    line = 0
    row = 0
    while pos < n:
        line += 1
        c = data[pos]
        while c == _SPACE or c == _TAB:
            pos += 1
            c = data[pos]
        if c == _LF:
            pos += 1
            continue
        if c == _CR:
            if data[pos + 1] == _LF:
                pos += 2
                continue
            return row, line, 0
        if c == _SEMICOLON:
            while c != _LF:
                if c == 0 or c >= 128:
                    return row, line, -1
                pos += 1
                c = data[pos]
            pos += 1
            continue
        if row == lines.size:   # pragma: no cover - scan makes room for every job line
            return row, line, 0
        field = 0
        blanks = False
        while True:
            # c = data[pos] starts a field: not a blank, nor LF, nor CR before LF
            if field == fields or c == _CR:
                return row, line, field
            kind = kinds[field]
            if kind == SKIP:
                while _SKIPPABLE[c]:
                    pos += 1
                    c = data[pos]
            else:
                negative = c == _MINUS
                if negative:
                    pos += 1
                    c = data[pos]
                value = 0
                digits = 0
                while c >= _ZERO and c <= _NINE:
                    if value > _BEFORE_DIGIT:
                        return row, line, field
                    value = value * 10 + (c - _ZERO)
                    digits += 1
                    pos += 1
                    c = data[pos]
                if digits == 0:
                    return row, line, field
                if kind == INT:
                    ints[slots[field], row] = -value if negative else value
                else:
                    decimals = 0
                    if c == _DOT:
                        pos += 1
                        c = data[pos]
                        while c >= _ZERO and c <= _NINE:
                            if value > _BEFORE_DIGIT:
                                return row, line, field
                            value = value * 10 + (c - _ZERO)
                            decimals += 1
                            pos += 1
                            c = data[pos]
                        if decimals == 0:
                            return row, line, field
                    if value > _EXACT or decimals > _MAX_DECIMALS:
                        return row, line, field
                    number = float(value)
                    if decimals > 0:
                        number = number / _POW10[decimals]
                    floats[slots[field], row] = -number if negative else number
            field += 1
            # the field ends at blanks, LF or CR LF
            blanks = c == _SPACE or c == _TAB
            while c == _SPACE or c == _TAB:
                pos += 1
                c = data[pos]
            if c == _LF:
                pos += 1
                break
            if c == _CR and data[pos + 1] == _LF:
                pos += 2
                break
            if not blanks:
                return row, line, field - 1
        if field != fields or (blanks and pos == n and not final_lf):
            return row, line, field
        lines[row] = line
        row += 1
    return row, 0, 0
