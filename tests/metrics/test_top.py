"""kubectl top pods / top nodes: exact text (widths worked out in comments), order, units,
percentages, and kubectl's errors when there are no metrics."""

from __future__ import annotations

import pytest
from metrics.builders import cluster, node, pod, run_pods

from kbench.metrics import (
    MetricsNotAvailableError,
    MetricsServer,
    UsageModel,
    top_nodes,
    top_pods,
)
from kbench.metrics.top import _aligned, _go_duration, cpu_milli_value
from kbench.views import _tabwrite

NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "data"}}


def _cluster():
    c = cluster([NAMESPACE, node("n1", labels={"pool": "a"}),
                 node("n2", cpu="2", memory="4Gi", labels={"pool": "b"}),
                 pod("web-1", usage={"cpu": "250m", "memory": "64Mi"}, labels={"app": "web"}),
                 pod("api-0", usage={"cpu": "1500m", "memory": "1.5Gi"}, labels={"app": "api"}),
                 pod("db", namespace="data", usage={"cpu": "0.5", "memory": "2Gi"})])
    run_pods(c, {"web-1": "n1", "api-0": "n2"})
    run_pods(c, {"db": "n1"}, namespace="data")
    return c


def _scraped(c, times=(0.0, 15.0)):
    model, server = UsageModel(), MetricsServer()
    for t in times:
        server.scrape(c.state, model, t)
    return server


def test_top_pods_text():
    c = _cluster()
    table = top_pods(c.state, _scraped(c))
    # columns: NAME max(4, 5) + 3 = 8; CPU(cores) 10 + 3 = 13; MEMORY(bytes) 13 + 3 = 16;
    # every cell ends with a tab, so the last column is padded too. Sorted by name.
    assert table.text == ("NAME    CPU(cores)   MEMORY(bytes)   \n"
                          "api-0   1500m        1536Mi          \n"
                          "web-1   250m         64Mi            \n")
    assert [(r["name"], r["cpu_milli"], r["memory_bytes"]) for r in table.rows] == [
        ("api-0", 1500, 1536 << 20), ("web-1", 250, 64 << 20)]
    assert table.notice == ""


def test_top_pods_all_namespaces_and_selector():
    c = _cluster()
    server = _scraped(c)
    table = top_pods(c.state, server, all_namespaces=True)
    # NAMESPACE first; sorted by namespace, then name ("data" < "default")
    assert table.text == ("NAMESPACE   NAME    CPU(cores)   MEMORY(bytes)   \n"
                          "data        db      500m         2048Mi          \n"
                          "default     api-0   1500m        1536Mi          \n"
                          "default     web-1   250m         64Mi            \n")
    assert [r["name"] for r in top_pods(c.state, server, selector="app=web").rows] == ["web-1"]
    assert [r["name"] for r in top_pods(c.state, server, namespace="data").rows] == ["db"]


def test_top_nodes_text():
    c = _cluster()
    table = top_nodes(c.state, _scraped(c))
    # n1: 250m + 500m = 750m of 4000m: 18.75 -> 18%; 64Mi + 2Gi = 2112Mi of 8192Mi: 25.78 -> 25%
    # n2: 1500m of 2000m = 75%; 1536Mi of 4096Mi: 37.5 -> 37%
    # widths: NAME 4 + 3 = 7; CPU(cores) 13; CPU% max(6, 4 + 3) = 7; MEMORY(bytes) 16; MEMORY% 10
    assert table.text == ("NAME   CPU(cores)   CPU%   MEMORY(bytes)   MEMORY%   \n"
                          "n1     750m         18%    2112Mi          25%       \n"
                          "n2     1500m        75%    1536Mi          37%       \n")
    assert [r["name"] for r in top_nodes(c.state, _scraped(c), selector="pool=b").rows] == ["n2"]


def test_top_nodes_lists_nodes_without_metrics_as_unknown():
    c = _cluster()
    c.apply(node("n0"))
    c.state.tables["nodes"]["ready"][c.state.find("nodes", "n0")] = False
    table = top_nodes(c.state, _scraped(c))
    assert table.text.splitlines()[-1] == \
        "n0     <unknown>    <unknown>   <unknown>       <unknown>   "
    assert [r["name"] for r in table.rows] == ["n1", "n2", "n0"]


def test_no_metrics_yet():
    c = _cluster()
    server = _scraped(c, times=(0.0,))   # one sample each: no metric
    with pytest.raises(MetricsNotAvailableError, match="^metrics not available yet$"):
        top_pods(c.state, server)
    with pytest.raises(MetricsNotAvailableError, match="^metrics not available yet$"):
        top_nodes(c.state, server)
    c.state.time = 300.0   # pods created at 0 are now older than kubectl's 2 minutes
    with pytest.raises(MetricsNotAvailableError) as raised:
        top_pods(c.state, server)
    assert str(raised.value) == "Metrics not available for pod default/api-0, age: 5m0s"


def test_no_pods_is_a_notice_not_an_error():
    c = _cluster()
    server = _scraped(c)
    assert top_pods(c.state, server, namespace="kube-system") == (
        [], "", "No resources found in kube-system namespace.\n")
    assert top_pods(c.state, server, all_namespaces=True, selector="app=none").notice == \
        "No resources found\n"


@pytest.mark.parametrize("milli, printed", [
    (250.0, 250), (249.99999999997, 250), (250.0000000001, 250),  # float noise of a rate
    (0.0004, 1),     # 400 nanocores: MilliValue rounds up
    (0.0, 0), (1234.5, 1235)])
def test_cpu_is_printed_as_kubectl_does(milli, printed):
    assert cpu_milli_value(milli) == printed


@pytest.mark.parametrize("seconds, text", [
    (300.0, "5m0s"), (3723.5, "1h2m3.5s"), (0.25, "250ms"), (0.0, "0s"), (59.0, "59s")])
def test_go_duration(seconds, text):
    assert _go_duration(seconds) == text


def test_alignment_is_go_tabwriter():
    lines = [["NAME", "CPU(cores)"], ["a-very-long-pod-name", "1m"], ["x", "12345m"]]
    assert _aligned(lines) == _tabwrite("".join("".join(f"{c}\t" for c in line) + "\n"
                                                for line in lines), 6, 3)
