"""Kubernetes Node and Pod manifests (plain dicts, as Cluster.apply takes them) from canonical
node and pod tables.

GPUs are modelled in aggregate with two extended resources: a node with N GPUs has
allocatable ``nvidia.com/gpu: N`` and ``kbench.io/gpu-milli: N * 1000``; a GPU pod requests
``kbench.io/gpu-milli: gpu * gpu_milli`` and, when it takes whole devices (gpu_milli == 1000),
also ``nvidia.com/gpu: gpu``. A sharing pod (gpu_milli < 1000) requests no nvidia.com/gpu.
This is exact for whole GPUs; for shares it is an approximation: the node's thousandths are
pooled, so shares that per-device packing would split across GPUs (say 600 + 600 on two GPUs
already holding 500 each) may still fit.
"""

from __future__ import annotations

import pyarrow as pa

from kbench.sim.kubelet import RUN_FOR

GPU_RESOURCE = "nvidia.com/gpu"
GPU_MILLI_RESOURCE = "kbench.io/gpu-milli"
GPU_MODEL_LABEL = "kbench.io/gpu-model"
POOL_LABEL = "kbench.io/pool"
OWNER_LABEL = "kbench.io/owner"
QOS_ANNOTATION = "kbench.io/trace-qos"
ZONE_LABEL = "topology.kubernetes.io/zone"
INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type"
PODS_PER_NODE = 110


def node_objects(table: pa.Table) -> list[dict]:
    """One Node manifest per row of a canonical nodes table: capacity = allocatable = the
    row's cpu, memory, 110 pods and its GPUs; labels for hostname, zone, instance type,
    pool and GPU model where known."""
    nodes = []
    for row in table.to_pylist():
        labels = {"kubernetes.io/hostname": row["name"]}
        for label, column in ((ZONE_LABEL, "zone"), (INSTANCE_TYPE_LABEL, "instance_type"),
                              (POOL_LABEL, "pool"), (GPU_MODEL_LABEL, "gpu_model")):
            if row[column] is not None:
                labels[label] = row[column]
        resources = {"cpu": f"{row['cpu_milli']}m", "memory": str(row["memory_bytes"]),
                     "pods": str(PODS_PER_NODE)}
        if row["gpu"]:
            resources[GPU_RESOURCE] = str(row["gpu"])
            resources[GPU_MILLI_RESOURCE] = str(row["gpu"] * 1000)
        nodes.append({"apiVersion": "v1", "kind": "Node",
                      "metadata": {"name": row["name"], "labels": labels},
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
    for row in table.to_pylist():
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
        metadata = {"name": row["name"], "namespace": namespace}
        if row["owner"] is not None:
            metadata["labels"] = {OWNER_LABEL: row["owner"]}
        annotations = {}
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
                    "values": list(row["gpu_models"])}]}]}}}
        pods.append({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec})
    return pods
