"""metrics-server (asv): the scrape kernel on the issue's workload, 5,000 nodes x 30 pods x 10
metrics (half of them counters), a whole MetricsServer.scrape (usage model included) on a
150,000-pod cluster, and the same on the day benchmark's cluster, where each of 1,000
Deployments has its own load pattern."""

from __future__ import annotations

import functools
import json

import numpy as np

from benchmarks.common import columnar_cluster
from benchmarks.day import day_cluster
from kbench.metrics import MetricsServer, UsageModel, parse_pattern
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


class DayScrapeSuite:
    """MetricsServer.scrape on the day benchmark's cluster once its 150,000 pods run: 5,000
    nodes, 1,000 Deployments, each with its own ``kbench.io/load`` (a diurnal of its phase
    plus noise of its seed), spread over its pods by cost per request."""
    timeout = 600

    def setup(self):
        self.cluster = day_cluster(5_000, 1_000, 150)
        self.cluster.step("30s")   # the pods are created, then Running
        self.state = self.cluster.state
        self.model = UsageModel(seed=self.state.seed)
        self.server = MetricsServer()
        self.server.scrape(self.state, self.model, 0.0)
        self.now = 0.0

    def time_scrape(self):
        self.now += SCRAPE_SECONDS
        self.server.scrape(self.state, self.model, self.now)


def parsed_patterns(model: UsageModel) -> list:
    """The pattern objects of every pattern registered in ``model``, by pattern id."""
    entries = [json.loads(text) for text in model.to_arrays()["patterns"].tolist()]
    return [parse_pattern(entry["spec"], entry["unit"]) for entry in entries]


def per_pattern_values(patterns: list, seed: int, ids: np.ndarray, keys: np.ndarray,
                       t: float) -> np.ndarray:
    """Values of patterns ``ids`` (-1: none, 0) for ``keys`` at ``t`` the way the usage model
    worked them out before patterns were compiled: one Python ``evaluate`` call per distinct
    pattern (per-pod ones on the keys of the rows that use them)."""
    values = np.zeros(len(ids), dtype=np.float64)
    order = np.argsort(ids, kind="stable")
    for rows in np.split(order, np.flatnonzero(np.diff(ids[order])) + 1):
        if len(rows) == 0 or ids[rows[0]] < 0:
            continue
        pattern = patterns[int(ids[rows[0]])]
        values[rows] = pattern.evaluate(t, keys[rows] if pattern.per_pod else None, seed)
    return values


def time_first_call():
    """Compile (or load from numba's cache) and run the kernel once on a tiny input."""
    Aggregator(aggregation_inputs(2, 3, 2)).scrape()
