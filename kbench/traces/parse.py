"""Vectorised parsing of trace columns: every value cast at once, and the bad ones (missing,
not a number, negative, breaking a rule) found by comparing masks, so a bad row is named by
file, line and column without a Python loop over rows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import polars as pl

from kbench.traces.trace import TraceError


@dataclass(frozen=True)
class Column:
    """How to read one text column: its ``dtype`` (pl.Int64, pl.Float64 or pl.Datetime),
    whether an empty value is an error (``required``) and whether it must be ``non_negative``
    (``sentinel`` values such as SWF's -1 "unknown" are allowed anyway)."""

    name: str
    dtype: object = pl.Int64
    required: bool = True
    non_negative: bool = True
    sentinel: float | None = None
    datetime_format: str | None = None


@dataclass(frozen=True)
class Rule:
    """A condition over parsed columns that makes a row bad: ``bad`` is a polars expression,
    true on bad rows; ``column`` and ``reason`` are what the error says."""

    column: str
    bad: pl.Expr
    reason: str


_MISSING, _NOT_A_VALUE, _NEGATIVE = 1, 2, 3


def _is_text(frame: pl.DataFrame, column: Column) -> bool:
    return frame.schema[column.name] == pl.String


def _parsed(column: Column, text: bool) -> pl.Expr:
    value = pl.col(column.name)
    if not text:
        return value
    if column.datetime_format is not None:
        return value.str.to_datetime(column.datetime_format, strict=False, time_unit="ns")
    return value.cast(column.dtype, strict=False)


def _problem(column: Column, text: bool) -> pl.Expr:
    """0 for a good value, else the kind of problem (_MISSING, _NOT_A_VALUE, _NEGATIVE), from
    the text (``__text_<name>``, if the column was read as text) and the parsed value."""
    parsed = pl.col(column.name)
    if text:
        raw = pl.col(f"__text_{column.name}")
        empty = raw.is_null() | (raw == "")
        unparsed = parsed.is_null()
    else:   # read typed by the CSV reader: a value that does not parse failed the read
        empty = parsed.is_null()
        unparsed = pl.lit(False)
    if column.dtype == pl.Float64 and column.datetime_format is None:
        unparsed = unparsed | parsed.is_nan() | parsed.is_infinite()
    problem = (pl.when(empty).then(pl.lit(_MISSING if column.required else 0))
               .when(unparsed).then(pl.lit(_NOT_A_VALUE)))
    if column.non_negative and column.datetime_format is None:
        negative = parsed < 0
        if column.sentinel is not None:
            negative = negative & (parsed != column.sentinel)
        problem = problem.when(negative).then(pl.lit(_NEGATIVE))
    return problem.otherwise(pl.lit(0)).cast(pl.Int8)


_REASONS = {_MISSING: "missing value", _NOT_A_VALUE: None, _NEGATIVE: "must not be negative"}


def _not_a_value(column: Column) -> str:
    if column.datetime_format is not None:
        return f"not a date-time of the form {column.datetime_format}"
    return "not an integer" if column.dtype == pl.Int64 else "not a number"


def csv_dtypes(columns: list[Column]) -> dict[str, object]:
    """The types a CSV reader can parse these columns to directly (not date-times)."""
    return {c.name: c.dtype for c in columns if c.datetime_format is None}


def require_columns(names: list[str], needed: list[str], source: str) -> None:
    """A TraceError naming the first column a header lacks."""
    header = [name for name in names if name != "__line"]
    for name in needed:
        if name not in header:
            raise TraceError(f"missing column (the header has {', '.join(header)})",
                             source=source, row=1, column=name)


def parse_columns(raw: pl.DataFrame, columns: list[Column], source: str | Path, *,
                  first_line: int = 2,
                  lines: pl.Series | Callable[[], pl.Series] | None = None,
                  rules: list[Rule] = (), skip_bad_rows: bool = False,
                  keep: list[str] = ()) -> tuple[pl.DataFrame, int]:
    """Cast ``columns`` (read as text, or already typed by the CSV reader) to their types and
    check them and the ``rules``; ``keep`` passes other columns through.

    A bad row raises TraceError naming ``source``, its line, column, value and what is wrong.
    The line is ``lines[i]`` (a Series, or a function that makes it, called only for an
    error), else ``first_line + i``. With ``skip_bad_rows`` bad rows are dropped instead and
    their number returned beside the parsed frame.
    """
    text = {c.name: _is_text(raw, c) for c in columns}
    parsed = raw.select([*[_parsed(c, text[c.name]).alias(c.name) for c in columns], *keep])
    if not columns and not rules:
        return parsed, 0
    checks = parsed.with_columns([raw[c.name].alias(f"__text_{c.name}") for c in columns
                                  if text[c.name]])
    problems = checks.select([_problem(c, text[c.name]).alias(c.name) for c in columns])
    rule_hits = parsed.select([r.bad.fill_null(False).alias(f"rule{i}")
                               for i, r in enumerate(rules)]) if rules else None
    any_bad = pl.Series([False] * raw.height) if not columns else problems.select(
        pl.any_horizontal(pl.all() > 0)).to_series()
    if rule_hits is not None:
        any_bad = any_bad | rule_hits.select(pl.any_horizontal(pl.all())).to_series()
    bad_count = int(any_bad.sum())
    if bad_count == 0:
        return parsed, 0
    if skip_bad_rows:
        return parsed.filter(~any_bad), bad_count
    row = int(any_bad.arg_true()[0])
    if callable(lines):
        lines = lines()
    line = int(lines[row]) if lines is not None else first_line + row
    for column in columns:
        problem = problems[column.name][row]
        if problem:
            reason = _REASONS[problem] or _not_a_value(column)
            value = raw[column.name][row]
            value = None if value in (None, "") else value if text[column.name] else (
                _plain(value))
            raise TraceError(reason, source=str(source), row=line, column=column.name,
                             value=value)
    for i, rule in enumerate(rules):
        if rule_hits[f"rule{i}"][row]:
            value = raw[rule.column][row] if rule.column in raw.columns else None
            value = value if value is None or isinstance(value, str) else _plain(value)
            raise TraceError(rule.reason, source=str(source), row=line, column=rule.column,
                             value=value)
    raise AssertionError("a bad row without a problem")  # pragma: no cover


def _plain(value: object) -> str:
    """A number as the file would have it: 5.0 -> "5", 0.25 -> "0.25"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
