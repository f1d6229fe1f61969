"""The canonical trace tables: one Arrow schema per kind of trace, the contract between the
trace loaders and generators (which produce them) and the experiment runner (which turns them
into Kubernetes nodes, pods and load).

Units are Kubernetes': CPU in millicores, memory in bytes, times in seconds (float64) from
the start of the trace. Every field carries its documentation in its Arrow metadata
(``schema.field("cpu_milli").metadata[b"doc"]``); ``describe(schema)`` prints them.

GPUs follow the openb model (Weng et al., ATC 2023): a node has ``gpu`` devices; a pod asks
for ``gpu`` devices and, of each, ``gpu_milli`` thousandths (1000 = the whole device; a share
below 1000 only with ``gpu == 1``).
"""

from __future__ import annotations

import pyarrow as pa

NODES_KIND = "nodes"
PODS_KIND = "pods"
USAGE_KIND = "usage"
LOAD_KIND = "load"
KINDS = (NODES_KIND, PODS_KIND, USAGE_KIND, LOAD_KIND)


def _field(name: str, type_: pa.DataType, doc: str, nullable: bool = False) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"doc": doc})


#: Node inventory: one row per node.
NODES = pa.schema([
    _field("name", pa.string(), "Node name (metadata.name)."),
    _field("cpu_milli", pa.int64(), "CPU capacity and allocatable, in millicores."),
    _field("memory_bytes", pa.int64(), "Memory capacity and allocatable, in bytes."),
    _field("gpu", pa.int32(), "Number of GPU devices (allocatable nvidia.com/gpu); 0 = none."),
    _field("gpu_model", pa.string(), "GPU model (label kbench.io/gpu-model); null = no GPU "
           "or model unknown.", nullable=True),
    _field("zone", pa.string(), "Zone (label topology.kubernetes.io/zone); null = unknown.",
           nullable=True),
    _field("instance_type", pa.string(), "Instance type (label node.kubernetes.io/"
           "instance-type); null = unknown.", nullable=True),
    _field("pool", pa.string(), "Node pool or failure domain (label kbench.io/pool); "
           "null = none.", nullable=True),
])

#: Pod (or job task) arrivals: one row per pod, in arrival order.
PODS = pa.schema([
    _field("name", pa.string(), "Pod name (metadata.name)."),
    _field("time_s", pa.float64(), "Arrival (creation) time, seconds from trace start."),
    _field("cpu_milli", pa.int64(), "CPU request, millicores."),
    _field("memory_bytes", pa.int64(), "Memory request, bytes."),
    _field("cpu_limit_milli", pa.int64(), "CPU limit, millicores; null = no limit.",
           nullable=True),
    _field("memory_limit_bytes", pa.int64(), "Memory limit, bytes; null = no limit.",
           nullable=True),
    _field("gpu", pa.int32(), "Number of GPUs the pod uses; 0 = none."),
    _field("gpu_milli", pa.int32(), "Share of each of its GPUs, thousandths (1000 = whole "
           "device, < 1000 = GPU sharing, only with gpu == 1); 0 when gpu == 0."),
    _field("gpu_models", pa.list_(pa.string()), "GPU models the pod may run on; empty = any."),
    _field("duration_s", pa.float64(), "Run time once started, seconds (annotation "
           "kbench.io/run-for); null = runs until the end of the trace.", nullable=True),
    _field("owner", pa.string(), "Job or application the pod belongs to; null = none.",
           nullable=True),
    _field("priority", pa.int32(), "Scheduling priority (spec.priority); higher = more "
           "important."),
    _field("qos", pa.string(), "Quality-of-service class as the trace names it (openb: LS, "
           "BE, Burstable, Guaranteed); null = not given.", nullable=True),
])

#: Usage time series, long format: one row per (series, time).
USAGE = pa.schema([
    _field("time_s", pa.float64(), "Start of the sample, seconds from trace start."),
    _field("series", pa.string(), "What the sample describes (a VM, a cell, a cluster)."),
    _field("cpu_fraction", pa.float64(), "CPU used as a fraction of what the series has "
           "(0-1); null = not given.", nullable=True),
    _field("cpu_cores", pa.float64(), "CPU used, in cores; null = not given.", nullable=True),
    _field("memory_fraction", pa.float64(), "Memory used as a fraction of what the series "
           "has (0-1); null = not given.", nullable=True),
])

#: Service request load: one row per request (interval_s == 0) or per interval.
LOAD = pa.schema([
    _field("time_s", pa.float64(), "Arrival time (or interval start), seconds from trace "
           "start."),
    _field("service", pa.string(), "Service the requests are sent to."),
    _field("requests", pa.float64(), "Requests arriving at time_s (interval_s == 0) or "
           "during [time_s, time_s + interval_s)."),
    _field("interval_s", pa.float64(), "Length of the interval the row covers; 0 = the "
           "requests arrive at time_s. Rate = requests / interval_s."),
    _field("input_tokens", pa.int64(), "Prompt tokens of an LLM request; null = not given.",
           nullable=True),
    _field("output_tokens", pa.int64(), "Generated tokens of an LLM request; null = not "
           "given.", nullable=True),
])

SCHEMAS = {NODES_KIND: NODES, PODS_KIND: PODS, USAGE_KIND: USAGE, LOAD_KIND: LOAD}

#: The column whose values mark time in each kind (None: nodes are not a time series).
TIME_COLUMN = {NODES_KIND: None, PODS_KIND: "time_s", USAGE_KIND: "time_s", LOAD_KIND: "time_s"}


def kind_of(schema: pa.Schema) -> str | None:
    """The kind whose canonical schema has exactly these field names and types, else None."""
    for kind, canonical in SCHEMAS.items():
        if schema.names == canonical.names and all(
                schema.field(n).type == canonical.field(n).type for n in canonical.names):
            return kind
    return None


def describe(schema: pa.Schema) -> str:
    """One line per field: name, type, nullability and documentation."""
    lines = []
    for field in schema:
        doc = (field.metadata or {}).get(b"doc", b"").decode()
        null = " (nullable)" if field.nullable else ""
        lines.append(f"{field.name}: {field.type}{null} - {doc}")
    return "\n".join(lines)
