"""metrics-server speed (pytest-benchmark; run with `make bench`, never part of `make test`).

Reports, measured in one run on this machine: samples/s of the scrape kernel on the issue's
workload (5,000 nodes x 30 pods x 10 metrics = 1.5 M samples per scrape; target >= 100 M/s);
its speed-up per sample over the plain-Python reference (tests/reference/metrics.py) on 50
nodes of the same shape; a whole MetricsServer.scrape (usage model included) on 150,000
pods; and a whole scrape of the day benchmark's cluster, whose 1,000 Deployments each have
their own load pattern, with the compiled pattern evaluation's speed-up over the per-pattern
path (one Python call per pattern) it replaced.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.bench_metrics import (
    Aggregator,
    DayScrapeSuite,
    MetricsServerSuite,
    aggregation_inputs,
    parsed_patterns,
    per_pattern_values,
)
from kbench.metrics.usage import LOAD_ANNOTATION, evaluate_patterns

TARGET_SAMPLES_PER_SECOND = 100e6


def _reference():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from reference import metrics
    return metrics


def _reference_scrape(storage, inputs, now):
    return _reference().scrape(
        storage, inputs.pod_usage.tolist(), inputs.node_of_pod.tolist(),
        inputs.start_time.tolist(), inputs.restarts.tolist(), inputs.node_scraped.tolist(),
        inputs.node_overhead.tolist(), [m in set(inputs.counter_metric.tolist())
                                        for m in range(inputs.pod_usage.shape[1])],
        now, 15.0)


def test_aggregation_5000_nodes_30_pods_10_metrics(benchmark):
    start = time.perf_counter()
    Aggregator(aggregation_inputs(2, 3, 2)).scrape()   # compile (or load the cache)
    compile_seconds = time.perf_counter() - start
    aggregator = Aggregator(aggregation_inputs(5_000))
    aggregator.scrape()
    node_usage = benchmark.pedantic(aggregator.scrape, rounds=50, iterations=1)
    seconds = benchmark.stats.stats.median
    rate = aggregator.samples_per_scrape / seconds
    best = aggregator.samples_per_scrape / benchmark.stats.stats.min
    benchmark.extra_info.update(samples=aggregator.samples_per_scrape,
                                samples_per_second=round(rate),
                                best_samples_per_second=round(best),
                                compile_seconds=round(compile_seconds, 2))
    print(f"\n5,000 nodes x 30 pods x 10 metrics: {aggregator.samples_per_scrape:,} samples in "
          f"{seconds * 1e3:.2f} ms (median of 50) = {rate / 1e6:,.0f} M samples/s "
          f"({rate / TARGET_SAMPLES_PER_SECOND:.1f}x the 100 M/s target; best round "
          f"{best / 1e6:,.0f} M/s); compile/load {compile_seconds:.1f} s")
    inputs = aggregator.inputs[(aggregator.scrapes - 1) % 2]
    expected = np.zeros_like(node_usage)
    np.add.at(expected, inputs.node_of_pod, inputs.pod_usage)
    assert np.allclose(node_usage, expected)


def test_kernel_over_reference(benchmark):
    """Speed-up per sample over the reference on 50 nodes x 30 pods x 10 metrics, one run."""
    inputs = aggregation_inputs(50)
    storage = _reference().ReferenceStorage()
    _reference_scrape(storage, inputs[0], 0.0)
    start = time.perf_counter()
    expected = _reference_scrape(storage, inputs[1], 15.0)
    reference_seconds = time.perf_counter() - start
    reference_samples = inputs[0].pod_usage.size
    aggregator = Aggregator(aggregation_inputs(5_000))
    aggregator.scrape()
    benchmark.pedantic(aggregator.scrape, rounds=20, iterations=1)
    kernel_seconds = benchmark.stats.stats.median
    small = Aggregator(inputs)
    assert small.scrape().tolist() == expected   # the same answer as the reference
    speedup = (reference_seconds / reference_samples) / (kernel_seconds
                                                         / aggregator.samples_per_scrape)
    benchmark.extra_info.update(reference_seconds=round(reference_seconds, 4),
                                speedup_per_sample=round(speedup))
    print(f"\nreference {reference_samples / reference_seconds / 1e6:.2f} M samples/s "
          f"({reference_samples:,} in {reference_seconds * 1e3:.1f} ms), kernel "
          f"{aggregator.samples_per_scrape / kernel_seconds / 1e6:,.0f} M samples/s: "
          f"{speedup:,.0f}x per sample")


def test_metrics_server_scrape_150k_pods(benchmark):
    """A whole scrape as the engine runs it: usage model (diurnal + noise per pod) and kernel."""
    suite = MetricsServerSuite()
    suite.setup()
    benchmark.pedantic(suite.time_scrape, rounds=10, iterations=1)
    seconds = benchmark.stats.stats.median
    metrics = suite.server.pod_metrics()
    benchmark.extra_info.update(scrape_ms=round(seconds * 1e3, 2))
    print(f"\nMetricsServer.scrape, 150,000 pods on 5,000 nodes: {seconds * 1e3:.1f} ms "
          f"(median of 10, best {benchmark.stats.stats.min * 1e3:.1f} ms); one simulated day "
          f"at 15 s = {5760 * seconds:.1f} s")
    assert (metrics.cpu_usage >= 80.0).all() and (metrics.cpu_usage <= 320.0).all()


def _median_seconds(function, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def test_scrape_1000_deployment_load_patterns(benchmark):
    """The day benchmark's cluster once its 150,000 pods run (target: a scrape in 3-5 ms); then,
    in the same run, the 1,000 load patterns evaluated compiled (one kernel call) and the
    per-pattern way (one Python call each), which must agree bit for bit."""
    suite = DayScrapeSuite()
    suite.setup()
    benchmark.pedantic(suite.time_scrape, rounds=30, iterations=1)
    scrape_seconds = benchmark.stats.stats.median
    state, model = suite.state, suite.model
    deployments = state.tables["deployments"]
    rows = deployments.live_rows()
    ids = np.array([model.pattern_id(json.loads(state.strings.document(code)[LOAD_ANNOTATION]),
                                     "load") for code in deployments["annotations"][rows]],
                   dtype=np.int32)
    keys = deployments["uid"][rows].astype(np.int64)
    patterns, compiled = parsed_patterns(model), model.compiled_patterns()
    times = iter(np.arange(1e6) * 15.0 + 0.5)
    compiled_seconds = _median_seconds(
        lambda: evaluate_patterns(compiled, ids, keys, next(times)), 200)
    per_pattern_seconds = _median_seconds(
        lambda: per_pattern_values(patterns, model.seed, ids, keys, next(times)), 20)
    for t in (0.5, 3600.25, 86400.0 * 3 + 7.0):
        assert (evaluate_patterns(compiled, ids, keys, t).tobytes()
                == per_pattern_values(patterns, model.seed, ids, keys, t).tobytes())
    speedup = per_pattern_seconds / compiled_seconds
    benchmark.extra_info.update(
        scrape_ms=round(scrape_seconds * 1e3, 2), patterns=len(ids),
        compiled_patterns_ms=round(compiled_seconds * 1e3, 3),
        per_pattern_ms=round(per_pattern_seconds * 1e3, 2), speedup=round(speedup))
    print(f"\nMetricsServer.scrape, day cluster (150,000 pods, {len(ids):,} Deployment load "
          f"patterns): {scrape_seconds * 1e3:.2f} ms (median of 30, best "
          f"{benchmark.stats.stats.min * 1e3:.2f} ms); the load patterns compiled "
          f"{compiled_seconds * 1e3:.3f} ms vs per pattern {per_pattern_seconds * 1e3:.1f} ms: "
          f"{speedup:,.0f}x")
    assert np.isfinite(suite.server.node_metrics().cpu_usage).any()
