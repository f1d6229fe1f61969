"""Kubernetes Node and Pod manifests (plain dicts, as Cluster.apply takes them) from canonical
node and pod tables.

GPUs are modelled in aggregate with two extended resources: a node with N GPUs has
allocatable ``nvidia.com/gpu: N`` and ``kbench.io/gpu-milli: N * 1000``; a GPU pod requests
``kbench.io/gpu-milli: gpu * gpu_milli`` and, when it takes whole devices (gpu_milli == 1000),
also ``nvidia.com/gpu: gpu``. A sharing pod (gpu_milli < 1000) requests no nvidia.com/gpu.
This is exact for whole GPUs; for shares it is an approximation: the node's thousandths are
pooled, so shares that per-device packing would split across GPUs (say 600 + 600 on two GPUs
already holding 500 each) may still fit.

Trace names and label values that Kubernetes would reject (``c_1``, ``j_1-M1-0``, hashed
ids) are made valid: lower case, other characters as ``-``, at most 253 (names) or 63
(label values) characters; a changed name keeps the trace's in annotation
kbench.io/trace-name. Two rows whose names become the same are an error.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from kbench.sim.kubelet import RUN_FOR
from kbench.traces.trace import TraceError

GPU_RESOURCE = "nvidia.com/gpu"
GPU_MILLI_RESOURCE = "kbench.io/gpu-milli"
GPU_MODEL_LABEL = "kbench.io/gpu-model"
POOL_LABEL = "kbench.io/pool"
OWNER_LABEL = "kbench.io/owner"
QOS_ANNOTATION = "kbench.io/trace-qos"
ZONE_LABEL = "topology.kubernetes.io/zone"
INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type"
TRACE_NAME_ANNOTATION = "kbench.io/trace-name"
PODS_PER_NODE = 110


def _valid_names(table: pa.Table) -> list[str]:
    """Each row's name as a valid DNS subdomain (object name), unique."""
    names = pl.from_arrow(table.column("name")).alias("name")
    valid = (names.str.to_lowercase().str.replace_all(r"[^a-z0-9.-]+", "-")
             .str.slice(0, 253).str.strip_chars("-.").replace("", "x"))
    clash = valid.is_duplicated()
    if clash.any():
        first = valid.filter(clash)[0]
        originals = names.filter(valid == first).to_list()[:2]
        raise TraceError(f"names {originals[0]!r} and {originals[1]!r} both become the "
                         f"Kubernetes name {first!r}", column="name")
    return valid.to_list()


def _valid_label_values(values: pl.Series) -> pl.Series:
    """Strings made valid label values (null stays null)."""
    return (values.str.replace_all(r"[^A-Za-z0-9._-]+", "-").str.slice(0, 63)
            .str.strip_chars("-._"))


def _label_values(table: pa.Table, column: str) -> list[str | None]:
    """A column's values as valid label values (null stays null)."""
    return _valid_label_values(pl.from_arrow(table.column(column)).alias(column)).to_list()


def _label_value_lists(table: pa.Table, column: str) -> list[list[str]]:
    """A list column's values as lists of valid label values (each distinct string once)."""
    lists = pl.from_arrow(table.column(column)).alias(column)
    distinct = lists.explode().drop_nulls().unique(maintain_order=True)
    valid = dict(zip(distinct.to_list(), _valid_label_values(distinct).to_list()))
    return [[valid[value] for value in values or []] for values in lists.to_list()]


def node_objects(table: pa.Table) -> list[dict]:
    """One Node manifest per row of a canonical nodes table: capacity = allocatable = the
    row's cpu, memory, 110 pods and its GPUs; labels for hostname, zone, instance type,
    pool and GPU model where known."""
    nodes = []
    names = _valid_names(table)
    label_columns = ((ZONE_LABEL, "zone"), (INSTANCE_TYPE_LABEL, "instance_type"),
                     (POOL_LABEL, "pool"), (GPU_MODEL_LABEL, "gpu_model"))
    values = {column: _label_values(table, column) for _, column in label_columns}
    for index, row in enumerate(table.to_pylist()):
        name = names[index]
        labels = {"kubernetes.io/hostname": name[:63].rstrip("-.")}
        for label, column in label_columns:
            if values[column][index]:
                labels[label] = values[column][index]
        resources = {"cpu": f"{row['cpu_milli']}m", "memory": str(row["memory_bytes"]),
                     "pods": str(PODS_PER_NODE)}
        if row["gpu"]:
            resources[GPU_RESOURCE] = str(row["gpu"])
            resources[GPU_MILLI_RESOURCE] = str(row["gpu"] * 1000)
        metadata = {"name": name, "labels": labels}
        if name != row["name"]:
            metadata["annotations"] = {TRACE_NAME_ANNOTATION: row["name"]}
        nodes.append({"apiVersion": "v1", "kind": "Node", "metadata": metadata,
                      "status": {"capacity": dict(resources), "allocatable": resources}})
    return nodes


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") + "s"


def pod_objects(table: pa.Table, namespace: str = "default",
                image: str = "registry.k8s.io/pause:3.9") -> list[dict]:
    """One Pod manifest per row of a canonical pods table: requests (and limits where given)
    of one container, GPUs as described in this module's docstring, spec.priority, a
    required node affinity on kbench.io/gpu-model when the row limits GPU models, the run
    time as annotation kbench.io/run-for (a pod with a run time does not restart), the owner
    as label kbench.io/owner and the trace's QoS as annotation kbench.io/trace-qos."""
    pods = []
    names = _valid_names(table)
    owners = _label_values(table, "owner")
    models = _label_value_lists(table, "gpu_models")
    for index, row in enumerate(table.to_pylist()):
        requests = {"cpu": f"{row['cpu_milli']}m", "memory": str(row["memory_bytes"])}
        limits = {}
        if row["cpu_limit_milli"] is not None:
            limits["cpu"] = f"{row['cpu_limit_milli']}m"
        if row["memory_limit_bytes"] is not None:
            limits["memory"] = str(row["memory_limit_bytes"])
        if row["gpu"]:
            # Extended resources must have limits equal to their requests.
            thousandths = str(row["gpu"] * row["gpu_milli"])
            requests[GPU_MILLI_RESOURCE] = limits[GPU_MILLI_RESOURCE] = thousandths
            if row["gpu_milli"] >= 1000:
                requests[GPU_RESOURCE] = limits[GPU_RESOURCE] = str(row["gpu"])
        resources = {"requests": requests}
        if limits:
            resources["limits"] = limits
        metadata = {"name": names[index], "namespace": namespace}
        if owners[index]:
            metadata["labels"] = {OWNER_LABEL: owners[index]}
        annotations = {}
        if names[index] != row["name"]:
            annotations[TRACE_NAME_ANNOTATION] = row["name"]
        if row["duration_s"] is not None:
            annotations[RUN_FOR] = _seconds(row["duration_s"])
        if row["qos"] is not None:
            annotations[QOS_ANNOTATION] = row["qos"]
        if annotations:
            metadata["annotations"] = annotations
        spec = {"containers": [{"name": "main", "image": image, "resources": resources}],
                "priority": row["priority"],
                "restartPolicy": "Never" if row["duration_s"] is not None else "Always"}
        if row["gpu_models"]:
            spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{
                    "key": GPU_MODEL_LABEL, "operator": "In",
                    "values": models[index]}]}]}}}
        pods.append({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec})
    return pods
