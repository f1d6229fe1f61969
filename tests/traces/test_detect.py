"""Format detection from a file's name and header, and --format overriding it."""

from pathlib import Path

import pytest

from kbench.traces import FORMATS, detect_format, load

SHARED = Path("/work/shared/traces")
DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared trace samples absent")
@pytest.mark.parametrize("relative, expected", [
    ("openb/openb_node_list_all_node.csv", "openb-nodes"),
    ("openb/openb_pod_list_default.csv", "openb-pods"),
    ("openb/openb_pod_list_gpushare100.csv", "openb-pods"),
    ("azure-llm-2023/AzureLLMInferenceTrace_conv.csv", "azure-llm"),
    ("azure-llm-2023/AzureLLMInferenceTrace_code.csv", "azure-llm"),
    ("azure-vm-2017/microsoft_avg_100.csv.gz", "azure-vm-2017"),
    ("aggregated/google2019_instance_usage_300s.csv", "google2019-usage"),
    ("aggregated/azure2019_vm_cpu_300s.csv", "azure2019-usage"),
    ("swf/NASA-iPSC-1993-3.1-cln.swf.gz", "swf"),
])
def test_detects_every_sample(relative, expected):
    assert detect_format(SHARED / relative) == expected


@pytest.mark.parametrize("name, expected", [
    ("machine_meta.csv", "alibaba2018-machines"),
    ("container_meta.csv", "alibaba2018-containers"),
    ("batch_task.csv", "alibaba2018-batch-tasks"),
    ("instance_events.csv", "google2019-instance-events"),
    ("machine_events.csv", "google2019-machine-events"),
])
def test_detects_full_size_formats(name, expected):
    assert detect_format(DATA / name) == expected


def test_swf_by_header_comment_and_parquet_by_name(tmp_path):
    path = tmp_path / "jobs.log"
    path.write_text("; Version: 2.2\n1 0 -1 10 4 -1 -1 4 -1 -1 1 1 1 -1 -1 -1 -1 -1\n")
    assert detect_format(path) == "swf"
    parquet = tmp_path / "pods.parquet"
    parquet.write_bytes(b"PAR1")
    assert detect_format(parquet) == "parquet"


def test_format_given_overrides_detection(tmp_path):
    path = tmp_path / "renamed.txt"
    path.write_text((DATA / "machine_meta.csv").read_text())
    with pytest.raises(Exception, match="unknown trace format"):
        detect_format(path)
    assert load(path, format="alibaba2018-machines").num_rows == 3
    assert set(FORMATS) >= {"openb-nodes", "swf", "google2019-machine-events"}
