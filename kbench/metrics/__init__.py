"""kbench.metrics: what pods use (the usage model) and what metrics-server reports about it.

- ``usage``: CPU and working-set memory of every pod at a simulated time, from pins, synthetic
  patterns, ``kbench.io/usage`` annotations and Deployment load (``kbench.io/load``).
- ``server``: metrics-server: cumulative counters sampled at its resolution, rates from the
  last two samples, node sums; ``pod_metrics()`` is what the HPA reads.
- ``top``: ``kubectl top pods`` / ``kubectl top nodes`` tables.
"""

from kbench.metrics.server import MetricsServer, NodeMetricsArrays, PodMetricsArrays
from kbench.metrics.top import MetricsNotAvailableError, TopTable, top_nodes, top_pods
from kbench.metrics.usage import (
                                  COST_ANNOTATION,
                                  LOAD_ANNOTATION,
                                  USAGE_ANNOTATION,
                                  PodUsage,
                                  UsageModel,
                                  UsageSpecError,
                                  parse_pattern,
)

__all__ = [
    "COST_ANNOTATION",
    "LOAD_ANNOTATION",
    "USAGE_ANNOTATION",
    "MetricsNotAvailableError",
    "MetricsServer",
    "NodeMetricsArrays",
    "PodMetricsArrays",
    "PodUsage",
    "TopTable",
    "UsageModel",
    "UsageSpecError",
    "parse_pattern",
    "top_nodes",
    "top_pods",
]
