"""kbench trace inspect / convert: what they print, deterministic Parquet, and bad input as
one line on stderr with exit status 2."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kbench.traces import load
from clirun import run

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[2]
NODES = ROOT / "traces" / "openb_node_list_all_node.csv"
PODS = ROOT / "traces" / "openb_pod_list_default.csv"


def test_inspect_pods():
    code, out, err = run("trace", "inspect", PODS)
    assert code == 0, err
    lines = out.splitlines()
    assert "format: openb-pods" in lines and "kind: pods" in lines and "rows: 8152" in lines
    assert "time span: 0 s to 1.29018e+07 s (149.3 days)" in lines
    assert any(line.startswith("  gpu_milli: int32 - Share of each of its GPUs") for line in lines)
    start = lines.index("arrivals over time (s):")
    bars = lines[start + 1:]
    assert len(bars) == 20
    assert sum(int(line.split()[-1]) for line in bars) == 8152


def test_inspect_with_format_and_skip(tmp_path):
    path = tmp_path / "nodes.txt"
    path.write_text("sn,cpu_milli,memory_mib,gpu,model\nn-1,1000,1,0,\nn-2,zz,1,0,\n")
    code, out, _ = run("trace", "inspect", path, "--format", "openb-nodes", "--skip-bad-rows")
    assert code == 0
    assert "rows: 1 (1 bad rows skipped)" in out.splitlines()
    assert "nodes by CPU (millicores):" in out


@pytest.mark.parametrize("argv, message", [
    (["trace", "inspect", "missing.csv"], "error: missing.csv: no such file"),
    (["trace", "inspect", NODES, "--format", "bogus"], "error: unknown trace format 'bogus'"),
    (["trace", "convert", NODES, "out.csv"], "error: out.csv: the output must be a .parquet"),
    (["trace", "convert", NODES, "/nonexistent/dir/out.parquet"], "no such folder"),
])
def test_bad_input_is_one_line_and_exit_2(argv, message):
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_bad_row_is_one_line_and_exit_2(tmp_path):
    path = tmp_path / "nodes.csv"
    path.write_text("sn,cpu_milli,memory_mib,gpu,model\nn-1,1000,1,0,\nn-2,zz,1,0,\n")
    code, _, err = run("trace", "convert", path, tmp_path / "out.parquet")
    assert code == 2
    assert err.strip() == f"error: {path}: row 3: column cpu_milli: 'zz': not an integer"
    assert not (tmp_path / "out.parquet").exists()


def test_convert_writes_the_canonical_table_byte_for_byte_the_same(tmp_path):
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    for out in (first, second):
        code, stdout, err = run("trace", "convert", DATA / "instance_events.csv", out)
        assert code == 0, err
    assert stdout.startswith("google2019-instance-events -> pods: 3 rows")
    assert first.read_bytes() == second.read_bytes()
    assert pq.read_table(first).equals(load(DATA / "instance_events.csv").table)
    assert load(first).kind == "pods"          # canonical Parquet reads back


def test_convert_of_the_pod_sample_is_deterministic(tmp_path):
    outs = [tmp_path / "1.parquet", tmp_path / "2.parquet"]
    for out in outs:
        assert run("trace", "convert", PODS, "--format", "openb-pods", out)[0] == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()
    code, out, _ = run("trace", "inspect", outs[0])
    assert code == 0 and "format: parquet" in out and "rows: 8152" in out


def test_the_installed_command_line(tmp_path):
    import os
    import subprocess
    import sys
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "kbench.cli", "trace", "inspect",
                           tmp_path / "nothing.swf"], capture_output=True, text=True, env=env)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"error: {tmp_path / 'nothing.swf'}: no such file\n"
    done = subprocess.run([sys.executable, "-m", "kbench.cli", "trace", "convert",
                           ROOT / "traces" / "NASA-iPSC-1993-3.1-cln.swf.gz",
                           tmp_path / "jobs.parquet"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("swf -> pods: 18239 rows")
