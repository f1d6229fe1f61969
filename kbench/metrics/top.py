"""``kubectl top pods`` and ``kubectl top nodes``: rows and the exact text, from metrics-server.

Ported from Kubernetes (Go), staging/src/k8s.io/kubectl/pkg:
  cmd/top/top_pod.go        RunTopPod, verifyEmptyMetrics, checkPodAge (metricsCreationDelay 2m)
  cmd/top/top_node.go       RunTopNode ("metrics not available yet")
  metricsutil/metrics_printer.go   columns, printSingleResourceUsage ("%vm", "%vMi"), percentages
  metricsutil/metrics_sorter.go    default order: by name (by namespace first with -A)
The table is written by cli-runtime's tabwriter (minwidth 6, padding 3); every cell, the last
one included, ends with a tab, so every column is padded (kubectl's lines end in spaces).

Headers are those of kubectl up to v1.32 ("CPU%", "MEMORY%"); kubectl v1.33 renamed them
"CPU(%)" and "MEMORY(%)" (kubernetes PR #129458): change NODE_COLUMNS to follow.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from kbench.api.store import matching_rows
from kbench.errors import KbenchError
from kbench.metrics.server import MetricsServer

__all__ = ["NODE_COLUMNS", "POD_COLUMNS", "MetricsNotAvailableError", "TopTable", "top_nodes",
           "top_pods"]

POD_COLUMNS = ["NAME", "CPU(cores)", "MEMORY(bytes)"]
NODE_COLUMNS = ["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"]
NAMESPACE_COLUMN = "NAMESPACE"
UNKNOWN = "<unknown>"
#: top_pod.go metricsCreationDelay: a pod older than this without metrics is an error.
METRICS_CREATION_DELAY = 120.0
_MINWIDTH, _PADDING = 6, 3
_MI = 1024 * 1024


class MetricsNotAvailableError(KbenchError):
    """kubectl top's error when metrics-server has no metric to show; kubectl prints
    ``error: <message>`` on stderr and exits 1."""


class TopTable(NamedTuple):
    """``rows``: one dict per line (values as printed plus exact numbers); ``text``: what
    kubectl prints on stdout; ``notice``: what it prints on stderr (e.g. "No resources found
    in default namespace.")."""

    rows: list[dict]
    text: str
    notice: str = ""


def _aligned(lines: list[list[str]]) -> str:
    """Go's text/tabwriter on lines whose every cell ends with a tab: each column as wide as
    its widest cell plus padding (at least minwidth)."""
    if not lines:
        return ""
    widths = [max(_MINWIDTH, max(len(line[i]) for line in lines) + _PADDING)
              for i in range(len(lines[0]))]
    return "".join("".join(cell.ljust(width) for cell, width in zip(line, widths)) + "\n"
                   for line in lines)


def cpu_milli_value(cpu_milli: float) -> int:
    """What kubectl prints for a CPU rate: metrics-server truncates it to whole nanocores
    (uint64 in types.go resourceUsage), kubectl prints Quantity.MilliValue (rounded up)."""
    nanocores = math.floor(cpu_milli * 1e6)
    return -(-nanocores // 10**6)


def memory_value(memory_bytes: float) -> int:
    """Working-set bytes as metrics-server reports them (uint64, truncated)."""
    return math.floor(memory_bytes)


def _go_duration(seconds: float) -> str:
    """Go's time.Duration.String() ("5m0s", "1h2m3.5s", "250ms")."""
    nanos = round(seconds * 1e9)
    if nanos == 0:
        return "0s"
    sign, nanos = ("-", -nanos) if nanos < 0 else ("", nanos)
    if nanos < 10**9:
        for unit, size in (("ms", 10**6), ("µs", 10**3), ("ns", 1)):
            if nanos >= size:
                whole, fraction = divmod(nanos, size)
                digits = f"{fraction:0{len(str(size)) - 1}d}".rstrip("0") if size > 1 else ""
                return f"{sign}{whole}{'.' + digits if digits else ''}{unit}"
    whole_seconds, fraction = divmod(nanos, 10**9)
    hours, rest = divmod(whole_seconds, 3600)
    minutes, secs = divmod(rest, 60)
    digits = f"{fraction:09d}".rstrip("0")
    text = f"{secs}{'.' + digits if digits else ''}s"
    if hours:
        return f"{sign}{hours}h{minutes}m{text}"
    if minutes:
        return f"{sign}{minutes}m{text}"
    return f"{sign}{text}"


def top_pods(state, server: MetricsServer, namespace: str | None = None,
             all_namespaces: bool = False, selector=None) -> TopTable:
    """``kubectl top pods [-n NAMESPACE | -A] [-l SELECTOR]``: CPU and memory of the pods that
    have metrics. Raises MetricsNotAvailableError as kubectl fails when pods match but none
    has a metric yet."""
    namespace = namespace or "default"
    rows = matching_rows(state, "pods", None if all_namespaces else namespace, selector)
    metrics = server.pod_metrics(len(state.tables["pods"]))
    with_metric = rows[~np.isnan(metrics.window[rows])]
    pods, strings = state.tables["pods"], state.strings
    if not len(with_metric):
        if not len(rows):
            notice = ("No resources found\n" if all_namespaces
                      else f"No resources found in {namespace} namespace.\n")
            return TopTable([], "", notice)
        # verifyEmptyMetrics: the pods as the API server lists them, by namespace and name
        listed = sorted(rows.tolist(), key=lambda r: (strings[int(pods["namespace"][r])],
                                                      strings[int(pods["name"][r])]))
        for row in listed:
            created = pods["creation_time"][row]
            age = state.time - created if np.isfinite(created) else 0.0
            if age > METRICS_CREATION_DELAY:
                raise MetricsNotAvailableError(
                    f"Metrics not available for pod {strings[int(pods['namespace'][row])]}/"
                    f"{strings[int(pods['name'][row])]}, age: {_go_duration(age)}")
        raise MetricsNotAvailableError("metrics not available yet")
    table = []
    for row in with_metric.tolist():
        cpu = cpu_milli_value(float(metrics.cpu_usage[row]))
        memory = memory_value(float(metrics.memory_usage[row]))
        table.append({"namespace": strings[int(pods["namespace"][row])],
                      "name": strings[int(pods["name"][row])],
                      "cpu": f"{cpu}m", "memory": f"{memory // _MI}Mi",
                      "cpu_milli": cpu, "memory_bytes": memory,
                      "timestamp": float(metrics.sample_time[row]),
                      "window": float(metrics.window[row])})
    table.sort(key=lambda r: (r["namespace"], r["name"]) if all_namespaces else r["name"])
    header = ([NAMESPACE_COLUMN] if all_namespaces else []) + POD_COLUMNS
    lines = [header]
    for entry in table:
        lines.append(([entry["namespace"]] if all_namespaces else [])
                     + [entry["name"], entry["cpu"], entry["memory"]])
    return TopTable(table, _aligned(lines))


def _percent(usage_milli: int, available_milli: int) -> str:
    """metrics_printer.go: int64(float64(usage) / float64(available) * 100), 0 when none."""
    if available_milli == 0:
        return "0%"
    return f"{int(float(usage_milli) / float(available_milli) * 100)}%"


def top_nodes(state, server: MetricsServer, selector=None) -> TopTable:
    """``kubectl top nodes [-l SELECTOR]``: usage of each node and its share of the node's
    allocatable. Nodes without a metric are listed last with <unknown> (kubectl's order for
    them is a Go map's; kbench sorts them by name). Raises MetricsNotAvailableError when no
    node has a metric."""
    rows = matching_rows(state, "nodes", None, selector)
    nodes, strings = state.tables["nodes"], state.strings
    metrics = server.node_metrics(len(nodes))
    has = ~np.isnan(metrics.window[rows])
    if not has.any():
        raise MetricsNotAvailableError("metrics not available yet")
    cpu_index, memory_index = state.resources.index("cpu"), state.resources.index("memory")
    table = []
    for row in rows[has].tolist():
        cpu = cpu_milli_value(float(metrics.cpu_usage[row]))
        memory = memory_value(float(metrics.memory_usage[row]))
        allocatable_cpu = int(nodes["allocatable"][row, cpu_index])
        allocatable_memory = int(nodes["allocatable"][row, memory_index])
        table.append({"name": strings[int(nodes["name"][row])],
                      "cpu": f"{cpu}m", "cpu_percent": _percent(cpu, allocatable_cpu),
                      "memory": f"{memory // _MI}Mi",
                      "memory_percent": _percent(memory * 1000, allocatable_memory * 1000),
                      "cpu_milli": cpu, "memory_bytes": memory,
                      "timestamp": float(metrics.sample_time[row]),
                      "window": float(metrics.window[row])})
    table.sort(key=lambda r: r["name"])
    missing = sorted(strings[int(nodes["name"][row])] for row in rows[~has].tolist())
    table += [{"name": name, "cpu": UNKNOWN, "cpu_percent": UNKNOWN, "memory": UNKNOWN,
               "memory_percent": UNKNOWN, "cpu_milli": None, "memory_bytes": None,
               "timestamp": None, "window": None} for name in missing]
    lines = [list(NODE_COLUMNS)]
    lines += [[r["name"], r["cpu"], r["cpu_percent"], r["memory"], r["memory_percent"]]
              for r in table]
    return TopTable(table, _aligned(lines))
