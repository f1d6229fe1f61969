"""From canonical traces (kbench.traces) to what a run needs: Node manifests, pods arriving
at their times (kbench.sim.arrivals) and request load for Deployments.

Pods of a trace are many and their shapes few: the pods that share every field but name and
arrival time (requests, limits, GPUs, allowed models, run time, owner, priority, QoS) share
one manifest, built once, and are created together when they arrive.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pyarrow as pa

from kbench.sim.arrivals import PodArrivals
from kbench.traces.manifests import pod_objects
from kbench.traces.schema import PODS

#: the columns of a pods table that make up a pod's shape (its manifest but the name)
SHAPE_COLUMNS = [name for name in PODS.names if name not in ("name", "time_s")]


def pod_arrivals(table: pa.Table, namespace: str = "default", time_scale: float = 1.0,
                 start: float = 0.0, durations: bool = True,
                 interarrival: float | None = None,
                 created_until: float = -math.inf) -> PodArrivals:
    """The pods of a canonical pods table as arrivals: pod i arrives at ``start +
    time_s[i] * time_scale`` (time_scale < 1 replays faster) or, with ``interarrival``, at
    ``start + k * interarrival`` for the k-th pod in arrival order (the order kept, the
    trace's gaps dropped); with ``durations`` False the pods run until the end, whatever the
    trace says (as the ATC'23 replay does)."""
    frame = pl.from_arrow(table)
    if interarrival is not None:
        order = np.argsort(frame["time_s"].to_numpy(), kind="stable")
        frame = frame[order.tolist()].with_columns(
            pl.Series("time_s", np.arange(frame.height, dtype=np.float64) * interarrival))
        time_scale = 1.0
    if not durations:
        frame = frame.with_columns(pl.lit(None, pl.Float64).alias("duration_s"))
    keyed = frame.with_columns(pl.col("gpu_models").list.join("|").alias("_models"))
    keys = [c if c != "gpu_models" else "_models" for c in SHAPE_COLUMNS]
    distinct = keyed.select(keys).unique(maintain_order=True).with_row_index("_shape")
    shapes = keyed.join(distinct, on=keys, how="left", nulls_equal=True,
                        maintain_order="left")["_shape"].to_numpy()
    first = np.zeros(distinct.height, dtype=np.int64)
    first[shapes[::-1]] = np.arange(len(shapes))[::-1]   # the first pod of each shape
    manifests = pod_objects(frame[first.tolist()].to_arrow().cast(PODS), namespace=namespace)
    for manifest in manifests:
        del manifest["metadata"]["name"]
    times = start + frame["time_s"].to_numpy() * time_scale
    return PodArrivals(times, frame["name"].to_list(), shapes, manifests, namespace,
                       created_until=created_until)


def load_steps(table: pa.Table, interval: float, time_scale: float = 1.0,
               start: float = 0.0, scale: float = 1.0) -> dict:
    """A usage-model "steps" pattern (kbench.metrics.usage) of the request rate of a
    canonical load table: requests summed per ``interval`` seconds (of replayed time) and
    divided by it, times ``scale``."""
    if not interval > 0:
        raise ValueError(f"interval {interval!r}: must be positive")
    frame = pl.from_arrow(table)
    at = start + frame["time_s"].to_numpy() * time_scale
    bins = np.floor(at / interval).astype(np.int64)
    if len(bins) == 0:
        return {"pattern": "steps", "steps": []}
    counts = np.bincount(bins - bins.min(), weights=frame["requests"].to_numpy())
    times = (np.arange(len(counts)) + bins.min()) * interval
    rates = counts / interval * scale
    steps = [[float(t), float(r)] for t, r in zip(times, rates)]
    steps.append([float(times[-1] + interval), 0.0])
    return {"pattern": "steps", "steps": steps}
