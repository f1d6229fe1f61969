"""Node and Pod manifests from trace tables: Cluster.apply takes them and the scheduler
places pods by CPU, memory, whole GPUs and GPU thousandths."""

from pathlib import Path

import pyarrow as pa
import pytest

from kbench import Cluster
from kbench.traces import TraceError, load
from kbench.traces.generators import gpu_pods, homogeneous_nodes
from kbench.traces.manifests import (
    GPU_MILLI_RESOURCE,
    GPU_MODEL_LABEL,
    GPU_RESOURCE,
    node_objects,
    pod_objects,
)
from kbench.traces.schema import NODES, PODS

GIB = 2 ** 30


def nodes_table(rows):
    return pa.Table.from_pylist(rows, schema=NODES)


def pod_row(name, gpu=0, gpu_milli=0, models=(), duration=None, cpu=1000, priority=0):
    return {"name": name, "time_s": 0.0, "cpu_milli": cpu, "memory_bytes": GIB,
            "cpu_limit_milli": None, "memory_limit_bytes": None, "gpu": gpu,
            "gpu_milli": gpu_milli, "gpu_models": list(models), "duration_s": duration,
            "owner": "job-a", "priority": priority, "qos": "LS"}


def test_node_manifests_carry_gpus_and_labels():
    table = nodes_table([{"name": "gpu-1", "cpu_milli": 96_000, "memory_bytes": 384 * GIB,
                          "gpu": 8, "gpu_model": "V100", "zone": "z1",
                          "instance_type": "p3", "pool": "gpu"},
                         {"name": "cpu-1", "cpu_milli": 32_000, "memory_bytes": 256 * GIB,
                          "gpu": 0, "gpu_model": None, "zone": None, "instance_type": None,
                          "pool": None}])
    gpu, cpu = node_objects(table)
    assert gpu["status"]["allocatable"] == {"cpu": "96000m", "memory": str(384 * GIB),
                                            "pods": "110", GPU_RESOURCE: "8",
                                            GPU_MILLI_RESOURCE: "8000"}
    assert gpu["metadata"]["labels"] == {
        "kubernetes.io/hostname": "gpu-1", "topology.kubernetes.io/zone": "z1",
        "node.kubernetes.io/instance-type": "p3", "kbench.io/pool": "gpu",
        GPU_MODEL_LABEL: "V100"}
    assert GPU_RESOURCE not in cpu["status"]["allocatable"]
    cluster = Cluster(seed=0)
    cluster.apply(node_objects(table))
    assert cluster.get("node", "gpu-1").to_dict()["status"]["allocatable"][GPU_RESOURCE] == "8"


def test_pod_manifests_requests_affinity_and_run_time():
    table = pa.Table.from_pylist([pod_row("whole", gpu=2, gpu_milli=1000, duration=90.5),
                                  pod_row("share", gpu=1, gpu_milli=300, models=["A100"]),
                                  pod_row("plain", priority=7)], schema=PODS)
    whole, share, plain = pod_objects(table)
    resources = whole["spec"]["containers"][0]["resources"]
    assert resources["requests"] == {"cpu": "1000m", "memory": str(GIB), GPU_MILLI_RESOURCE: "2000",
                                     GPU_RESOURCE: "2"}
    assert resources["limits"] == {GPU_MILLI_RESOURCE: "2000", GPU_RESOURCE: "2"}
    assert whole["metadata"]["annotations"]["kbench.io/run-for"] == "90.5s"
    assert whole["spec"]["restartPolicy"] == "Never"
    share_requests = share["spec"]["containers"][0]["resources"]["requests"]
    assert share_requests[GPU_MILLI_RESOURCE] == "300" and GPU_RESOURCE not in share_requests
    term = share["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
    assert term["matchExpressions"] == [{"key": GPU_MODEL_LABEL, "operator": "In",
                                         "values": ["A100"]}]
    assert plain["spec"]["priority"] == 7 and plain["metadata"]["labels"] == {
        "kbench.io/owner": "job-a"}


def test_cluster_schedules_trace_pods_by_gpu():
    nodes = nodes_table([{"name": "a100", "cpu_milli": 64_000, "memory_bytes": 256 * GIB,
                          "gpu": 2, "gpu_model": "A100", "zone": "z1", "instance_type": None,
                          "pool": None},
                         {"name": "t4", "cpu_milli": 64_000, "memory_bytes": 256 * GIB,
                          "gpu": 1, "gpu_model": "T4", "zone": "z1", "instance_type": None,
                          "pool": None}])
    pods = pa.Table.from_pylist([
        pod_row("needs-a100", gpu=1, gpu_milli=1000, models=["A100"]),
        pod_row("two-gpus", gpu=2, gpu_milli=1000),       # only a100 has 2 GPUs
        pod_row("share-1", gpu=1, gpu_milli=600),
        pod_row("share-2", gpu=1, gpu_milli=600),
        pod_row("too-many", gpu=4, gpu_milli=1000)], schema=PODS)
    cluster = Cluster(seed=0)
    cluster.apply(node_objects(nodes))
    cluster.apply(pod_objects(pods.slice(0, 1)))
    cluster.schedule()
    assert cluster.get("pod", "needs-a100").to_dict()["spec"]["nodeName"] == "a100"
    cluster.apply(pod_objects(pods.slice(1)))
    placed = {row["pod"]: row["node"] for row in cluster.schedule().to_pylist()}
    # a100 has 1 GPU left after needs-a100: two-gpus cannot fit anywhere; the shares fit
    # on a100's last GPU (600) and t4 (600), not both on one device.
    assert "two-gpus" not in placed and "too-many" not in placed
    assert sorted(placed[name] for name in ("share-1", "share-2")) == ["a100", "t4"]


def test_generated_tables_apply():
    cluster = Cluster(seed=0)
    cluster.apply(node_objects(homogeneous_nodes(3, "p3.8xlarge")))
    results = cluster.apply(pod_objects(gpu_pods(0.01, 1000, seed=4)))
    assert len(results) == gpu_pods(0.01, 1000, seed=4).num_rows > 0


def test_trace_names_and_label_values_made_valid():
    data = Path(__file__).resolve().parent / "data"
    pods = load(data / "batch_task.csv").table          # names like j_1-M1-0
    objects = pod_objects(pods)
    assert [p["metadata"]["name"] for p in objects][:2] == ["j-1-m1-0", "j-1-m1-1"]
    assert objects[0]["metadata"]["annotations"]["kbench.io/trace-name"] == "j_1-M1-0"
    assert objects[0]["metadata"]["labels"] == {"kbench.io/owner": "j_1"}
    nodes = nodes_table([{"name": "Node_A", "cpu_milli": 1000, "memory_bytes": GIB, "gpu": 1,
                          "gpu_model": "Tesla V100/32G", "zone": "z 1", "instance_type": None,
                          "pool": "=x="}])
    node = node_objects(nodes)[0]
    assert node["metadata"]["name"] == "node-a"
    assert node["metadata"]["labels"] == {"kubernetes.io/hostname": "node-a",
                                          "topology.kubernetes.io/zone": "z-1",
                                          GPU_MODEL_LABEL: "Tesla-V100-32G", "kbench.io/pool": "x"}
    cluster = Cluster(seed=0)
    cluster.apply(node_objects(nodes) + objects)
    gpu_pod = pa.Table.from_pylist([pod_row("p", gpu=1, gpu_milli=1000,
                                            models=["Tesla V100/32G"])], schema=PODS)
    cluster.apply(pod_objects(gpu_pod))
    assert {row["pod"]: row["node"] for row in cluster.schedule().to_pylist()}["p"] == "node-a"


def test_names_that_collide_after_cleaning_are_an_error():
    pods = pa.Table.from_pylist([pod_row("Job_1"), pod_row("job-1")], schema=PODS)
    with pytest.raises(TraceError, match="names 'Job_1' and 'job-1' both become the "
                                         "Kubernetes name 'job-1'"):
        pod_objects(pods)
