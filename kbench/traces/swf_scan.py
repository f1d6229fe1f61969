"""One compiled pass over an SWF file's bytes: finds the job lines (skipping blank lines and
``;`` comments), splits each at runs of spaces and tabs and parses the fields the loader
uses into preallocated arrays, with each row's line number.

It accepts only the plain cases, whose result is certain to equal the polars path of
kbench.traces.loaders (``_swf_fields_polars``): LF or CRLF line ends, comments of ASCII
text, exactly ``kinds.size`` fields per job line, parsed fields of the forms ``-?D+`` (an
integer) or ``-?D+(.D+)?`` (a float with at most 2**53 as its digits and at most 22 after
the point, so that digits / 10**k, one IEEE division, is the correctly rounded value the
CSV reader gives too), other fields made of digits, ``-`` and ``.``. Anything else stops
the scan at its line and field, and the loader reads the file the polars way instead, which
reports a bad row exactly as before. Twin: tests/reference/traces.py scan_swf.
"""

from __future__ import annotations

import numpy as np

from kbench._jit import njit

#: What scan_swf does with each field: skip it, parse it as a float, parse it as an integer.
SKIP, FLOAT, INT = 0, 1, 2

_SPACE, _TAB, _LF, _CR, _SEMICOLON = 32, 9, 10, 13, 59
_MINUS, _DOT, _ZERO, _NINE = 45, 46, 48, 57
#: Largest value that can take one more digit without overflowing int64.
_BEFORE_DIGIT = (2 ** 63 - 1 - 9) // 10
_EXACT = 2 ** 53
_MAX_DECIMALS = 22
_POW10 = np.array([10.0 ** k for k in range(_MAX_DECIMALS + 1)])


@njit
def scan_swf(data, kinds, slots, floats, ints, lines):
    """Scan ``data`` (the file's bytes as uint8): field ``f`` of each job line goes to
    ``floats[slots[f], row]`` or ``ints[slots[f], row]`` as ``kinds[f]`` says, the row's
    1-based line number to ``lines[row]``; the arrays need room for one row per line.

    Returns (rows, stop_line, stop_field): stop_line 0 if the whole file was read, else the
    line of the first thing the scan does not accept, with the field it is in (0-based; for
    a short or long line the first missing or extra field; -1 for a comment line). Fields
    are delimited by blanks (spaces, tabs) only: a CR not ending the line, or any other byte
    a field may not hold, stops the scan at the field it is in; so do blanks after the last
    field of a last line without LF.
    """
    n = data.size
    fields = kinds.size
    pos = 0
    line = 0
    row = 0
    while pos < n:
        line += 1
        while pos < n and (data[pos] == _SPACE or data[pos] == _TAB):
            pos += 1
        if pos == n:
            break
        c = data[pos]
        if c == _LF:
            pos += 1
            continue
        if c == _CR:
            if pos + 1 == n or data[pos + 1] == _LF:
                pos += 2
                continue
            return row, line, 0
        if c == _SEMICOLON:
            while pos < n and data[pos] != _LF:
                c = data[pos]
                if c == 0 or c >= 128:
                    return row, line, -1
                pos += 1
            pos += 1
            continue
        field = 0
        while True:
            # pos is at the first byte of a field: not a blank, LF or line-ending CR
            if data[pos] == _CR or field == fields:
                return row, line, field
            kind = kinds[field]
            if kind == SKIP:
                while pos < n:
                    c = data[pos]
                    if (c < _ZERO or c > _NINE) and c != _MINUS and c != _DOT:
                        break
                    pos += 1
            else:
                negative = data[pos] == _MINUS
                if negative:
                    pos += 1
                digits = 0
                decimals = -1   # -1: no point
                value = 0
                while pos < n:
                    c = data[pos]
                    if c >= _ZERO and c <= _NINE:
                        if value > _BEFORE_DIGIT:
                            return row, line, field
                        value = value * 10 + (c - _ZERO)
                        if decimals >= 0:
                            decimals += 1
                        else:
                            digits += 1
                    elif c == _DOT and kind == FLOAT and decimals < 0 and digits > 0:
                        decimals = 0
                    else:
                        break
                    pos += 1
                if digits == 0 or decimals == 0:
                    return row, line, field
                if kind == FLOAT:
                    if value > _EXACT or decimals > _MAX_DECIMALS:
                        return row, line, field
                    number = float(value)
                    if decimals > 0:
                        number = number / _POW10[decimals]
                    floats[slots[field], row] = -number if negative else number
                else:
                    ints[slots[field], row] = -value if negative else value
            # the field must end at a blank or a line end (a CR only before LF or at the end)
            if pos < n:
                c = data[pos]
                if c == _CR:
                    if pos + 1 < n and data[pos + 1] != _LF:
                        return row, line, field
                elif c != _SPACE and c != _TAB and c != _LF:
                    return row, line, field
            field += 1
            end = pos
            while pos < n and (data[pos] == _SPACE or data[pos] == _TAB):
                pos += 1
            if pos < n and data[pos] == _LF:
                pos += 1
                break
            if pos < n and data[pos] == _CR and pos + 1 < n and data[pos + 1] == _LF:
                pos += 2
                break
            if pos == n or (data[pos] == _CR and pos + 1 == n):
                # the last line, without LF: the polars way sees blanks after its last
                # field as one more (empty) field
                if pos > end:
                    return row, line, field
                pos = n
                break
        if field != fields:
            return row, line, field
        lines[row] = line
        row += 1
    return row, 0, 0
