"""Request arrivals binned into per-step counts."""

import csv
from pathlib import Path

import pyarrow as pa
import pytest

from kbench.traces import LOAD, TraceError, load
from kbench.traces.generators import diurnal_load
from kbench.traces.rates import binned_load

ROOT = Path(__file__).resolve().parents[2]


def arrivals(rows):
    return pa.Table.from_pylist([{"time_s": t, "service": s, "requests": 1.0, "interval_s": 0.0,
                                  "input_tokens": tokens, "output_tokens": None}
                                 for t, s, tokens in rows], schema=LOAD)


def test_counts_per_step_with_empty_steps():
    table = arrivals([(0.5, "a", 10), (9.9, "a", 5), (25.0, "a", 1), (12.0, "b", None)])
    binned = binned_load(table, 10.0).to_pylist()
    # Steps 0, 1, 2 for each service, in order of first appearance.
    assert [(r["service"], r["time_s"], r["requests"]) for r in binned] == [
        ("a", 0.0, 2.0), ("a", 10.0, 0.0), ("a", 20.0, 1.0),
        ("b", 0.0, 0.0), ("b", 10.0, 1.0), ("b", 20.0, 0.0)]
    assert [r["input_tokens"] for r in binned] == [15, 0, 1, None, None, None]
    assert all(r["interval_s"] == 10.0 and r["output_tokens"] is None for r in binned)
    with pytest.raises(TraceError, match="step_s must be positive"):
        binned_load(table, 0)


def test_llm_trace_per_minute_keeps_every_request():
    path = ROOT / "traces" / "AzureLLMInferenceTrace_conv.csv"
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    binned = binned_load(load(path).table, 60.0)
    assert binned.schema.equals(LOAD)
    assert sum(binned.column("requests").to_pylist()) == len(rows)
    assert sum(binned.column("output_tokens").to_pylist()) == sum(
        int(r["GeneratedTokens"]) for r in rows)


def test_rebinning_interval_rows_keeps_totals():
    table = diurnal_load(["web", "api"], 3600, seed=1, step_s=60)
    binned = binned_load(table, 600.0)
    assert binned.num_rows == 2 * 6
    assert sum(binned.column("requests").to_pylist()) == sum(table.column("requests").to_pylist())
