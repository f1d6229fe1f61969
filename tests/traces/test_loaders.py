"""Every loader on the shipped trace samples (values checked against the raw files read with
the csv module) and on small files in the published schemas of the full-size formats."""

import csv
import gzip
from datetime import datetime
from pathlib import Path

import pytest

from kbench.traces import LOAD, NODES, PODS, USAGE, load
from kbench.traces.loaders import GIB, MIB

SHARED = Path("/work/shared/traces")
ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "traces"
DATA = Path(__file__).resolve().parent / "data"

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="shared trace samples absent")


def sample(relative: str) -> Path:
    """A sample: the copy shipped in traces/ if there is one, else the shared original."""
    shipped = SHIPPED / Path(relative).name
    return shipped if shipped.exists() else SHARED / relative


def csv_rows(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="") as handle:
        return list(csv.DictReader(handle))


@needs_shared
def test_openb_nodes_match_the_file_row_for_row():
    path = sample("openb/openb_node_list_all_node.csv")
    trace = load(path)
    rows = csv_rows(path)
    assert trace.kind == "nodes" and trace.format == "openb-nodes"
    assert trace.table.schema.equals(NODES)
    assert trace.num_rows == len(rows) == 1523
    table = trace.table.to_pylist()
    for raw, node in zip(rows, table):
        assert node["name"] == raw["sn"]
        assert node["cpu_milli"] == int(raw["cpu_milli"])
        assert node["memory_bytes"] == int(raw["memory_mib"]) * MIB
        assert node["gpu"] == int(raw["gpu"])
        assert node["gpu_model"] == (raw["model"] or None)
    # INDEX.md: 310 CPU-only nodes.
    assert sum(node["gpu_model"] is None for node in table) == 310


@needs_shared
@pytest.mark.parametrize("name", ["openb_pod_list_default.csv", "openb_pod_list_gpushare100.csv"])
def test_openb_pods_match_the_file(name):
    path = sample(f"openb/{name}")
    trace = load(path)
    rows = {row["name"]: row for row in csv_rows(path)}
    assert trace.kind == "pods" and trace.table.schema.equals(PODS)
    assert trace.num_rows == len(rows) == 8152
    pods = trace.table.to_pylist()
    times = [pod["time_s"] for pod in pods]
    assert times == sorted(times)
    for pod in pods:
        raw = rows[pod["name"]]
        assert pod["time_s"] == float(raw["creation_time"])
        assert pod["duration_s"] == float(raw["deletion_time"]) - float(raw["creation_time"])
        assert pod["cpu_milli"] == int(raw["cpu_milli"])
        assert pod["memory_bytes"] == int(raw["memory_mib"]) * MIB
        assert pod["gpu"] == int(raw["num_gpu"])
        assert pod["gpu_milli"] == (int(raw["gpu_milli"]) if int(raw["num_gpu"]) else 0)
        assert pod["gpu_models"] == (raw["gpu_spec"].split("|") if raw["gpu_spec"] else [])
        assert pod["qos"] == raw["qos"]
    assert any(0 < pod["gpu_milli"] < 1000 for pod in pods)


@needs_shared
def test_azure_llm_requests_as_load():
    path = sample("azure-llm-2023/AzureLLMInferenceTrace_conv.csv")
    trace = load(path)
    rows = csv_rows(path)
    # INDEX.md says 19,365 (a line count; the file has no final newline): 19,366 requests.
    assert trace.kind == "load" and trace.table.schema.equals(LOAD)
    assert trace.num_rows == len(rows) == 19366
    first = datetime.fromisoformat(rows[0]["TIMESTAMP"][:26])
    load_rows = trace.table.to_pylist()
    for index in (0, 1, 1000, len(rows) - 1):
        raw, row = rows[index], load_rows[index]
        expected = (datetime.fromisoformat(raw["TIMESTAMP"][:26]) - first).total_seconds()
        assert row["time_s"] == pytest.approx(expected, abs=1e-6)
        assert row["input_tokens"] == int(raw["ContextTokens"])
        assert row["output_tokens"] == int(raw["GeneratedTokens"])
        assert row["requests"] == 1.0 and row["interval_s"] == 0.0
        assert row["service"] == "AzureLLMInferenceTrace_conv"
    assert load_rows[-1]["time_s"] == pytest.approx(3501.72, abs=0.01)  # ~1 h
    assert load(path, service="chat").table.column("service")[0].as_py() == "chat"


@needs_shared
def test_azure_vm_2017_wide_to_long():
    path = sample("azure-vm-2017/microsoft_avg_100.csv.gz")
    trace = load(path)
    rows = csv_rows(path)
    vms = [name for name in rows[0] if name != "step"]
    assert len(rows) == 8004 and len(vms) == 100
    assert trace.kind == "usage" and trace.table.schema.equals(USAGE)
    assert trace.num_rows == 8004 * 100
    table = trace.to_polars()
    for step, vm in ((1, vms[0]), (4000, vms[57]), (8004, vms[-1])):
        row = table.filter((table["series"] == vm) & (table["time_s"] == (step - 1) * 300.0))
        assert row.height == 1
        assert row["cpu_fraction"][0] == pytest.approx(float(rows[step - 1][vm]) / 100)


@needs_shared
def test_aggregated_series():
    google = sample("aggregated/google2019_instance_usage_300s.csv")
    trace = load(google)
    rows = csv_rows(google)
    assert trace.num_rows == len(rows) == 8064
    table = trace.table.to_pylist()
    assert [r["time_s"] for r in table[:3]] == [0.0, 300.0, 600.0]
    assert table[-1]["time_s"] == 300.0 * 8063
    assert table[100]["cpu_fraction"] == float(rows[100]["avg_cpu"])
    assert table[100]["memory_fraction"] == float(rows[100]["avg_mem"])

    azure = sample("aggregated/azure2019_vm_cpu_300s.csv")
    trace = load(azure)
    rows = csv_rows(azure)
    assert trace.num_rows == len(rows) == 8640
    last = trace.table.to_pylist()[-1]
    assert last["time_s"] == float(rows[-1]["timestamp"])
    assert last["cpu_cores"] == float(rows[-1]["cpu_usage"])
    assert last["cpu_fraction"] is None


@needs_shared
def test_swf_jobs_as_pods():
    path = SHARED / "swf/NASA-iPSC-1993-3.1-cln.swf.gz"
    jobs = [line.split() for line in gzip.open(path, "rt")
            if line.strip() and not line.lstrip().startswith(";")]
    trace = load(path)
    assert trace.format == "swf" and trace.num_rows == len(jobs) == 18239
    pods = {pod["name"]: pod for pod in trace.table.to_pylist()}
    for fields in jobs[:50] + jobs[-50:]:
        pod = pods[f"job-{fields[0]}"]
        assert pod["time_s"] == float(fields[1])
        run_time = float(fields[3])
        assert pod["duration_s"] == (run_time if run_time >= 0 else None)
        procs = float(fields[7]) if float(fields[7]) >= 0 else float(fields[4])
        assert pod["cpu_milli"] == int(procs * 1000)
        assert pod["owner"] == (f"user-{fields[11]}" if fields[11] != "-1" else None)


def test_openb_pods_gpu_spec_lists_allowed_models(tmp_path):
    path = tmp_path / "pods.csv"
    path.write_text("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,"
                    "creation_time,deletion_time,scheduled_time\n"
                    "p-1,1000,1024,2,1000,V100M16|V100M32,LS,Running,5,15,5\n"
                    "p-2,1000,1024,0,0,,BE,Pending,1,,\n")
    pods = load(path).table.to_pylist()
    assert [p["name"] for p in pods] == ["p-2", "p-1"]          # arrival order
    assert pods[1]["gpu_models"] == ["V100M16", "V100M32"] and pods[0]["gpu_models"] == []
    assert pods[1]["duration_s"] == 10.0 and pods[0]["duration_s"] is None


def test_alibaba_machine_meta():
    trace = load(DATA / "machine_meta.csv")
    assert trace.format == "alibaba2018-machines"
    nodes = trace.table.to_pylist()
    assert [n["name"] for n in nodes] == ["m_1", "m_2", "m_3"]  # m_1 listed twice: one node
    assert nodes[1] == {"name": "m_2", "cpu_milli": 64_000, "memory_bytes": 256 * GIB,
                        "gpu": 0, "gpu_model": None, "zone": "37", "instance_type": None,
                        "pool": "12"}
    small = load(DATA / "machine_meta.csv", full_memory_bytes=100 * GIB)
    assert small.table.column("memory_bytes").to_pylist() == [100 * GIB, 50 * GIB, 100 * GIB]


def test_alibaba_container_meta():
    pods = load(DATA / "container_meta.csv").table.to_pylist()
    assert [p["name"] for p in pods] == ["c_2", "c_1", "c_3"]  # by first record's time
    c1 = pods[1]
    assert c1["time_s"] == 50.0                    # its earliest record
    assert c1["cpu_milli"] == 4000 and c1["cpu_limit_milli"] == 8000   # 100 = 1 core
    assert c1["memory_bytes"] == round(1.56 / 100 * 512 * GIB)
    assert c1["owner"] == "app_7" and c1["duration_s"] is None
    assert pods[2]["owner"] is None


def test_alibaba_batch_task_expands_instances():
    pods = load(DATA / "batch_task.csv").table.to_pylist()
    # 3 + 1 + 2 + 0 instances.
    assert [p["name"] for p in pods] == ["j_1-M1-0", "j_1-M1-1", "j_1-M1-2", "j_1-R2_1-0",
                                         "j_2-M1-0", "j_2-M1-1"]
    assert pods[0]["cpu_milli"] == 500 and pods[0]["duration_s"] == 7.0
    assert pods[3]["memory_bytes"] == round(0.59 / 100 * 512 * GIB)
    # Running task: end_time 0 -> no duration; empty plan -> no request.
    assert pods[4]["duration_s"] is None and pods[4]["cpu_milli"] == 0


def test_google_instance_events():
    pods = load(DATA / "instance_events.csv").table.to_pylist()
    assert [p["name"] for p in pods] == ["100-0", "100-1", "200-0"]   # alloc set 300 left out
    first, evicted, pending = pods
    assert first["time_s"] == 0.0 and first["duration_s"] == 600.0     # 600 s -> 1200 s
    assert evicted["time_s"] == 1.0 and evicted["duration_s"] == 3.0   # 2 s -> evicted at 5 s
    assert pending["duration_s"] is None
    assert first["cpu_milli"] == 1250            # 0.0125 * 100,000
    assert first["priority"] == 200 and first["qos"] == "SENSITIVE"
    assert pending["qos"] == "MOST_INSENSITIVE" and pending["owner"] == "200"


def test_google_instance_events_underscore_export_names(tmp_path):
    text = (DATA / "instance_events.csv").read_text().replace(
        "resource_request.cpus,resource_request.memory",
        "resource_request_cpus,resource_request_memory")
    (tmp_path / "events.csv").write_text(text)
    assert load(tmp_path / "events.csv").table.equals(load(DATA / "instance_events.csv").table)


def test_google_machine_events():
    nodes = load(DATA / "machine_events.csv").table.to_pylist()
    assert [n["name"] for n in nodes] == ["machine-1", "machine-2"]   # machine 3 never added
    assert nodes[1]["cpu_milli"] == 75_000                            # its UPDATE: 0.75
    assert nodes[0]["instance_type"] == "plat1" and nodes[0]["pool"] == "sw1"
