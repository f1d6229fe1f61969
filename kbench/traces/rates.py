"""Request arrivals as rates: a load table binned into fixed steps per service, the form an
HPA experiment sets as a Deployment's requests per second."""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from kbench.traces.loaders import canonical_table
from kbench.traces.schema import LOAD_KIND
from kbench.traces.trace import TraceError


def binned_load(table: pa.Table, step_s: float) -> pa.Table:
    """A load table with one row per service and step of ``step_s`` seconds from 0 to the
    last request: requests (and tokens) summed over [k*step_s, (k+1)*step_s), interval_s =
    step_s, steps without requests included as 0. Rows that already cover an interval are
    counted in the step their start falls in."""
    if not step_s > 0:
        raise TraceError(f"step_s must be positive: {step_s!r}")
    frame = pl.from_arrow(table)
    if frame.height == 0:
        return canonical_table(frame, LOAD_KIND)
    steps = int(frame["time_s"].max() // step_s) + 1
    counts = frame.with_columns(step=(pl.col("time_s") // step_s).cast(pl.Int64)).group_by(
        ["service", "step"]).agg(pl.col("requests").sum(),
                                 pl.col("input_tokens").sum().alias("input_tokens"),
                                 pl.col("output_tokens").sum().alias("output_tokens"))
    grid = pl.DataFrame({"service": frame["service"].unique(maintain_order=True)}).join(
        pl.DataFrame({"step": pl.int_range(steps, eager=True, dtype=pl.Int64)}), how="cross")
    binned = grid.join(counts, on=["service", "step"], how="left", maintain_order="left")
    # Token columns stay null where the trace has no tokens for that service at all.
    has_input = frame.group_by("service").agg(pl.col("input_tokens").is_not_null().any()
                                              .alias("service_has_input"),
                                              pl.col("output_tokens").is_not_null().any()
                                              .alias("service_has_output"))
    binned = binned.join(has_input, on="service", how="left", maintain_order="left")
    result = binned.select(
        time_s=pl.col("step").cast(pl.Float64) * step_s, service=pl.col("service"),
        requests=pl.col("requests").fill_null(0.0), interval_s=pl.lit(float(step_s)),
        input_tokens=pl.when(pl.col("service_has_input"))
        .then(pl.col("input_tokens").fill_null(0)),
        output_tokens=pl.when(pl.col("service_has_output"))
        .then(pl.col("output_tokens").fill_null(0)))
    return canonical_table(result, LOAD_KIND)
