"""metrics-server (asv): the scrape kernel on the issue's workload, 5,000 nodes x 30 pods x 10
metrics (half of them counters), and a whole MetricsServer.scrape (usage model included) on a
150,000-pod cluster."""

from __future__ import annotations

import functools

import numpy as np

from benchmarks.common import columnar_cluster
from kbench.metrics import MetricsServer, UsageModel
from kbench.metrics.server import ScrapeInput, empty_samples, scrape_samples

SCRAPE_SECONDS = 15.0


@functools.lru_cache(maxsize=4)
def aggregation_inputs(nodes: int, pods_per_node: int = 30, metrics: int = 10,
                       seed: int = 0) -> tuple[ScrapeInput, ScrapeInput]:
    """Two scrapes' inputs (different usage matrices) of ``nodes`` nodes with
    ``pods_per_node`` pods each, pods in random row order, every other metric a counter."""
    rng = np.random.default_rng(seed)
    pods = nodes * pods_per_node
    node_of_pod = rng.permutation(np.repeat(np.arange(nodes, dtype=np.int32), pods_per_node))
    common = {"node_of_pod": node_of_pod, "start_time": np.full(pods, np.nan),
              "restarts": np.zeros(pods, dtype=np.int32),
              "node_scraped": np.ones(nodes, dtype=np.bool_),
              "node_overhead": np.zeros((nodes, metrics)),
              "counter_metric": np.arange(0, metrics, 2, dtype=np.int64)}
    return tuple(ScrapeInput(pod_usage=rng.uniform(0.0, 1000.0, (pods, metrics)), **common)
                 for _ in range(2))


class Aggregator:
    """Scrapes ``inputs`` alternately, each 15 s after the last (the steady state: every pod
    continues its counters)."""

    def __init__(self, inputs: tuple[ScrapeInput, ScrapeInput]) -> None:
        self.inputs = inputs
        pods, metrics = inputs[0].pod_usage.shape
        counters = len(inputs[0].counter_metric)
        nodes = len(inputs[0].node_scraped)
        self.pods = empty_samples(pods, metrics, counters)
        self.nodes = empty_samples(nodes, metrics, counters)
        self.scrapes = 0
        self.samples_per_scrape = pods * metrics
        self.scrape()  # the first sample: from now on, every scrape continues the counters

    def scrape(self) -> np.ndarray:
        inputs = self.inputs[self.scrapes % 2]
        self.pods, self.nodes, node_usage = scrape_samples(
            inputs, self.pods, self.nodes, self.scrapes * SCRAPE_SECONDS, SCRAPE_SECONDS)
        self.scrapes += 1
        return node_usage


class AggregationSuite:
    params = [500, 5_000]  # noqa: RUF012 (asv reads class-level lists)
    param_names = ["nodes"]  # noqa: RUF012

    def setup(self, nodes):
        self.aggregator = Aggregator(aggregation_inputs(nodes))
        self.aggregator.scrape()  # compiled (or loaded from numba's cache)

    def time_scrape(self, nodes):
        self.aggregator.scrape()


class MetricsServerSuite:
    """MetricsServer.scrape on 5,000 nodes and 150,000 Running pods of 50 templates, each pod
    with a diurnal CPU pattern plus noise and a constant memory: usage model + kernel."""
    timeout = 300

    def setup(self):
        self.state = columnar_cluster(5_000, 150_000)
        self.model = server_usage_model(self.state)
        self.server = MetricsServer()
        self.server.scrape(self.state, self.model, 0.0)
        self.now = 0.0

    def time_scrape(self):
        self.now += SCRAPE_SECONDS
        self.server.scrape(self.state, self.model, self.now)


def server_usage_model(state) -> UsageModel:
    model = UsageModel(seed=1)
    model.set_pattern(state.tables["pods"].live_rows(),
                      cpu=[{"pattern": "diurnal", "mean": "200m", "amplitude": "100m"},
                           {"pattern": "noise", "amplitude": "20m"}],
                      memory="128Mi")
    return model


def time_first_call():
    """Compile (or load from numba's cache) and run the kernel once on a tiny input."""
    Aggregator(aggregation_inputs(2, 3, 2)).scrape()
