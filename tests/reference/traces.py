"""Reference SWF scan: the file split into lines and each line into fields with the obvious
Python (bytes.split, re, int, float), the twin of kbench.traces.swf_scan.scan.

A line is a job line unless it is blank (spaces, tabs, a final CR) or a ``;`` comment after
leading blanks. The scan stops at the first line (and 0-based field; -1 for a comment) it
does not accept: a comment with a NUL or non-ASCII byte, a job line without exactly
``len(kinds)`` blank-separated fields (or, as the last line without LF, with blanks after
its last field), a field holding a CR, a skipped field not made of
digits, ``-`` and ``.``, an integer not ``-?D+``, a float not ``-?D+(.D+)?``, digits that
would overflow int64, a float with digits above 2**53 or more than 22 after the point.
Floats are Python's float(text) (correctly rounded), integers int(text).
"""

from __future__ import annotations

import re

SKIP, FLOAT, INT = 0, 1, 2
_BEFORE_DIGIT = (2 ** 63 - 1 - 9) // 10

_SKIPPED = re.compile(rb"[0-9.\-]+")
_INTEGER = re.compile(rb"-?([0-9]+)")
_FLOAT = re.compile(rb"-?([0-9]+)(?:\.([0-9]+))?")


def _value(token: bytes, kind: int):
    """The field's value (None for a skipped field), or ``...`` if the scan stops at it."""
    if kind == SKIP:
        return None if _SKIPPED.fullmatch(token) else ...
    match = (_FLOAT if kind == FLOAT else _INTEGER).fullmatch(token)
    if match is None:
        return ...
    digits = match.group(1) + (match.group(2) or b"") if kind == FLOAT else match.group(1)
    if int(digits[:-1] or b"0") > _BEFORE_DIGIT:   # one more digit would overflow
        return ...
    if kind == INT:
        return int(token)
    if int(digits) > 2 ** 53 or len(match.group(2) or b"") > 22:
        return ...
    return float(token)


def scan_swf(data: bytes, kinds: list[int]):
    """(rows, line numbers, stop_line, stop_field): each row the values of the fields kinds
    does not SKIP, in field order; stop_line 0 if every line was accepted."""
    rows, numbers = [], []
    texts = data.split(b"\n")
    final_lf = texts[-1] == b""
    if final_lf:   # the text after the last LF is not a line
        texts.pop()
    for number, text in enumerate(texts, start=1):
        if text.endswith(b"\r"):
            text = text[:-1]
        stripped = text.lstrip(b" \t")
        if stripped == b"":
            continue
        if stripped.startswith(b";"):
            if any(byte == 0 or byte >= 128 for byte in stripped):
                return rows, numbers, number, -1
            continue
        tokens = re.findall(rb"[^ \t]+", text)
        values = []
        for index, token in enumerate(tokens):
            if index == len(kinds):
                return rows, numbers, number, index
            value = _value(token, kinds[index]) if b"\r" not in token else ...
            if value is ...:
                return rows, numbers, number, index
            if kinds[index] != SKIP:
                values.append(value)
        last_without_lf = number == len(texts) and not final_lf
        if len(tokens) != len(kinds) or (last_without_lf and text.endswith((b" ", b"\t"))):
            return rows, numbers, number, len(tokens)
        rows.append(values)
        numbers.append(number)
    return rows, numbers, 0, 0


def numbered(prefix: str, numbers, valid=None) -> list[str | None]:
    """Twin of kbench.traces.names.numbered: prefix + str(number), None where not valid."""
    valid = [True] * len(numbers) if valid is None else valid
    return [f"{prefix}{int(number)}" if ok else None for number, ok in zip(numbers, valid)]
