"""OpenMetrics text exposition (https://prometheus.io/docs/specs/om/open_metrics_spec/) of
time series, written column-wise with polars, so that `promtool tsdb create-blocks-from
openmetrics` turns a simulated run into Prometheus blocks.

A metric family is a name, a type (gauge or counter), a help text and a frame with one
column per label (strings), ``time`` (simulated seconds) and ``value``. The file holds the
families in the order given; inside a family the samples are ordered by series (the label
values) and then by time, as backfilling wants; every sample carries its timestamp (Unix
seconds: the simulated clock's zero is kbench's EPOCH); the file ends with ``# EOF``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from kbench.api.store import EPOCH
from kbench.errors import KbenchError

#: Unix seconds of simulated time zero
EPOCH_UNIX = int(EPOCH.timestamp())

TYPES = ("gauge", "counter")
_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


class ExportError(KbenchError, ValueError):
    """A metric family that OpenMetrics cannot carry."""


@dataclass(frozen=True)
class Family:
    """One metric family. For a counter, ``name`` is the family name (without ``_total``);
    its samples are written as ``<name>_total``."""

    name: str
    type: str
    help: str
    samples: pl.DataFrame   # label columns (str), "time" (float, s), "value" (float)

    def __post_init__(self):
        if not _NAME.match(self.name):
            raise ExportError(f"metric family {self.name!r}: not a valid metric name")
        if self.type not in TYPES:
            raise ExportError(f"metric family {self.name}: type {self.type!r} is not one of "
                              f"{', '.join(TYPES)}")
        if self.type == "counter" and self.name.endswith("_total"):
            raise ExportError(f"metric family {self.name}: a counter family is named without "
                              f"the _total suffix")
        missing = {"time", "value"} - set(self.samples.columns)
        if missing:
            raise ExportError(f"metric family {self.name}: samples lack column(s) "
                              f"{', '.join(sorted(missing))}")
        for label in self.labels:
            if not _LABEL.match(label) or label.startswith("__"):
                raise ExportError(f"metric family {self.name}: {label!r} is not a valid "
                                  f"label name")

    @property
    def labels(self) -> list[str]:
        return [c for c in self.samples.columns if c not in ("time", "value")]


def _escape(column: pl.Expr) -> pl.Expr:
    """A label value as OpenMetrics quotes it: backslash, double quote and newline escaped."""
    return (column.cast(pl.Utf8).fill_null("")
            .str.replace_all("\\", "\\\\", literal=True)
            .str.replace_all('"', '\\"', literal=True)
            .str.replace_all("\n", "\\n", literal=True))


def _number(column: pl.Expr) -> pl.Expr:
    """A float as OpenMetrics spells it (NaN, +Inf, -Inf for the non-finite ones)."""
    return (pl.when(column.is_nan()).then(pl.lit("NaN"))
            .when(column == float("inf")).then(pl.lit("+Inf"))
            .when(column == float("-inf")).then(pl.lit("-Inf"))
            .otherwise(column.cast(pl.Utf8)))


def family_lines(family: Family) -> pl.Series:
    """The sample lines of one family, in file order."""
    labels = family.labels
    frame = family.samples.sort([*labels, "time"], maintain_order=True)
    name = f"{family.name}_total" if family.type == "counter" else family.name
    parts: list[pl.Expr] = []
    for i, label in enumerate(labels):
        parts += [pl.lit(("{" if i == 0 else ",") + f'{label}="'), _escape(pl.col(label)),
                  pl.lit('"')]
    if labels:
        parts.append(pl.lit("}"))
    time = pl.col("time").cast(pl.Float64) + EPOCH_UNIX
    line = pl.concat_str([pl.lit(name), *parts, pl.lit(" "),
                          _number(pl.col("value").cast(pl.Float64)), pl.lit(" "),
                          time.round(3).cast(pl.Utf8)])
    return frame.select(line.alias("line"))["line"]


def write_openmetrics(families: list[Family], path: str | Path) -> int:
    """Write ``families`` as one OpenMetrics file; returns the number of samples."""
    names = [f.name for f in families]
    if len(set(names)) != len(names):
        raise ExportError(f"metric families repeat a name: {sorted(names)}")
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for family in families:
            help_text = family.help.replace("\\", "\\\\").replace("\n", "\\n")
            out.write(f"# TYPE {family.name} {family.type}\n# HELP {family.name} {help_text}\n")
            lines = family_lines(family)
            if len(lines):
                out.write(lines.str.join("\n").item())
                out.write("\n")
            count += len(lines)
        out.write("# EOF\n")
    return count
