"""Names made of a prefix and an integer (``job-17``, ``user-3``) as an Arrow string array,
written by one compiled pass: the text ``pl.format(prefix + "{}", column)`` gives, without
building polars strings and converting them to Arrow. Twin: tests/reference/traces.py
numbered."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kbench._jit import njit

_TEN = np.uint64(10)


@njit
def _magnitude(value):
    """|value| as uint64 (also for the smallest int64)."""
    if value >= 0:
        return np.uint64(value)
    return np.uint64(-(value + 1)) + np.uint64(1)


@njit
def _write_numbered(prefix, numbers, valid):
    """(offsets, text) of the names: prefix then the decimal number (with "-" if negative);
    an empty name where not ``valid``."""
    n = numbers.size
    offsets = np.empty(n + 1, dtype=np.int64)
    offsets[0] = 0
    for i in range(n):
        length = 0
        if valid[i]:
            magnitude = _magnitude(numbers[i])
            length = prefix.size + 1 + (1 if numbers[i] < 0 else 0)
            while magnitude >= _TEN:
                magnitude //= _TEN
                length += 1
        offsets[i + 1] = offsets[i] + length
    text = np.empty(offsets[n], dtype=np.uint8)
    for i in range(n):
        if not valid[i]:
            continue
        start = offsets[i]
        text[start:start + prefix.size] = prefix
        if numbers[i] < 0:
            text[start + prefix.size] = 45   # "-"
        magnitude = _magnitude(numbers[i])
        at = offsets[i + 1] - 1
        while True:
            text[at] = np.uint8(magnitude % _TEN) + 48
            magnitude //= _TEN
            at -= 1
            if magnitude == 0:
                break
    return offsets, text


def numbered(prefix: str, numbers: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """``prefix`` + each int64 number, as pa.string(); null where ``valid`` is False."""
    numbers = np.ascontiguousarray(numbers, dtype=np.int64)
    mask = np.ones(numbers.size, dtype=np.bool_) if valid is None else np.ascontiguousarray(
        valid, dtype=np.bool_)
    offsets, text = _write_numbered(np.frombuffer(prefix.encode(), dtype=np.uint8), numbers,
                                    mask)
    nulls = int(numbers.size - mask.sum())
    bitmap = pa.py_buffer(np.packbits(mask, bitorder="little")) if nulls else None
    array = pa.LargeStringArray.from_buffers(numbers.size, pa.py_buffer(offsets),
                                             pa.py_buffer(text), bitmap, nulls)
    return array.cast(pa.string())
