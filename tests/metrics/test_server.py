"""metrics-server: rates from the last two samples (hand-computed), one-sample pods, fresh
containers, restarts and counter decreases, node sums, growing tables, saving, and the kernel
against its plain-Python reference twin."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from metrics.builders import cluster, deployment, node, pod, pod_row, run_pods
from reference import metrics as reference

from kbench.metrics import MetricsServer, UsageModel
from kbench.metrics.server import (
    Samples,
    ScrapeInput,
    _metric_arrays,
    empty_samples,
    metrics_of,
    scrape_samples,
)
from kbench.state.schema import POD_PHASES

MI = 1 << 20


def _one_pod(start_time=None):
    c = cluster([node("n1"), pod("web-1")])
    rows = run_pods(c, {"web-1": "n1"}, start_time=start_time)
    return c, int(rows[0])


def test_rate_from_the_last_two_samples():
    c, row = _one_pod()
    model, server = UsageModel(), MetricsServer()
    model.pin(row, cpu="100m", memory="64Mi")
    server.scrape(c.state, model, 0.0)
    # first sample: start time unknown, counter 0; one sample, so no metric yet
    assert np.isnan(server.pod_metrics().cpu_usage[row])
    server.scrape(c.state, model, 15.0)
    # counter 0 + 0.5 * (100 + 100) * 15 = 1500 millicore-s; rate (1500 - 0) / 15 = 100
    metrics = server.pod_metrics()
    assert (metrics.cpu_usage[row], metrics.memory_usage[row]) == (100.0, 64.0 * MI)
    assert (metrics.sample_time[row], metrics.window[row]) == (15.0, 15.0)
    model.pin(row, cpu="300m", memory="32Mi")
    server.scrape(c.state, model, 30.0)
    # counter 1500 + 0.5 * (100 + 300) * 15 = 4500; rate (4500 - 1500) / 15 = 200 (the mean)
    metrics = server.pod_metrics()
    assert (metrics.cpu_usage[row], metrics.memory_usage[row]) == (200.0, 32.0 * MI)
    server.scrape(c.state, model, 50.0)
    # a 20 s window: 4500 + 0.5 * 600 * 20 = 10500; (10500 - 4500) / 20 = 300
    metrics = server.pod_metrics()
    assert (metrics.cpu_usage[row], metrics.window[row], metrics.sample_time[row]) == (
        300.0, 20.0, 50.0)
    assert server.pods.increment[row, 0] == 6000.0   # the counter's rise, 10500 - 4500


def test_fresh_container_gets_a_metric_from_its_start():
    # started 12 s before its first scrape: 10 <= 12 < 15, a zero sample at its start (t = 3)
    c, row = _one_pod(start_time=3.0)
    model, server = UsageModel(), MetricsServer()
    model.pin(row, cpu="200m")
    server.scrape(c.state, model, 15.0)
    metrics = server.pod_metrics()
    # counter 200 * 12 = 2400; rate (2400 - 0) / 12 = 200 over a 12 s window
    assert (metrics.cpu_usage[row], metrics.window[row]) == (200.0, 12.0)


@pytest.mark.parametrize("start_time", [8.0, -30.0])
def test_too_young_or_old_first_sample_has_no_metric(start_time):
    # 15 - 8 = 7 s < 10 s (too young); 15 + 30 = 45 s >= resolution (not fresh)
    c, row = _one_pod(start_time=start_time)
    model, server = UsageModel(), MetricsServer()
    model.pin(row, cpu="200m")
    server.scrape(c.state, model, 15.0)
    assert np.isnan(server.pod_metrics().cpu_usage[row])


def test_restart_drops_the_metric_for_one_scrape():
    c, row = _one_pod()
    model, server = UsageModel(), MetricsServer()
    model.pin(row, cpu="100m")
    for t in (0.0, 15.0):
        server.scrape(c.state, model, t)
    assert server.pod_metrics().cpu_usage[row] == 100.0
    c.state.tables["pods"]["restarts"][row] = 1
    server.scrape(c.state, model, 30.0)
    # the counter starts again from 0 at 30 s; no previous sample of the new container
    assert np.isnan(server.pod_metrics().cpu_usage[row])
    assert server.pods.increment[row, 0] == 0.0
    server.scrape(c.state, model, 45.0)
    assert server.pod_metrics().cpu_usage[row] == 100.0   # (0 + 0.5 * 200 * 15) / 15


def test_counter_decrease_drops_the_metric():
    # a negative usage makes the counter go down: types.go refuses such a pair of points
    samples = {"pods": empty_samples(1, 2, 1), "nodes": empty_samples(1, 2, 1)}
    counters = np.array([0])

    def scrape(cpu, now):
        inputs = ScrapeInput(np.array([[cpu, 5.0]]), np.array([0], np.int32),
                             np.array([np.nan]), np.array([0], np.int32), np.array([True]),
                             np.zeros((1, 2)), counters)
        samples["pods"], samples["nodes"], _ = scrape_samples(
            inputs, samples["pods"], samples["nodes"], now, 15.0)
        return metrics_of(samples["pods"], counters), metrics_of(samples["nodes"], counters)

    scrape(10.0, 0.0)
    (values, window), _ = scrape(10.0, 15.0)
    assert values[0].tolist() == [10.0, 5.0] and window[0] == 15.0
    # 150 + 0.5 * (10 - 100) * 15 = -525 < 150: a rise of -675
    (values, window), (node_values, _) = scrape(-100.0, 30.0)
    assert np.isnan(values[0]).all() and np.isnan(window[0])
    assert np.isnan(node_values[0]).all()   # the node's counter fell too


def _two_nodes():
    c = cluster([node("n1"), node("n2", cpu="2", memory="4Gi"),
                 pod("a", usage={"cpu": "100m", "memory": "10Mi"}),
                 pod("b", usage={"cpu": "250m", "memory": "20Mi"}),
                 pod("c", usage={"cpu": "1", "memory": "1Gi"}),
                 pod("pending", usage={"cpu": "5"})])
    run_pods(c, {"a": "n1", "b": "n1", "c": "n2"})
    return c


def test_node_usage_is_the_sum_of_its_pods_plus_overhead():
    c = _two_nodes()
    model, server = UsageModel(), MetricsServer(node_overhead_cpu=50.0)
    for t in (0.0, 15.0):
        server.scrape(c.state, model, t)
    metrics = server.node_metrics()
    # n1: 100 + 250 + 50 overhead = 400m, 10Mi + 20Mi; n2: 1000 + 50 = 1050m, 1Gi
    assert metrics.cpu_usage.tolist() == [400.0, 1050.0]
    assert metrics.memory_usage.tolist() == [30.0 * MI, 1024.0 * MI]
    assert server.node_usage().tolist() == [[400.0, 30.0 * MI], [1050.0, 1024.0 * MI]]
    assert np.isnan(server.pod_metrics().cpu_usage[pod_row(c, "pending")])


def test_pods_on_a_node_that_is_not_ready_are_not_scraped():
    c = _two_nodes()
    model, server = UsageModel(), MetricsServer()
    for t in (0.0, 15.0):
        server.scrape(c.state, model, t)
    c.state.tables["nodes"]["ready"][c.state.find("nodes", "n2")] = False
    server.scrape(c.state, model, 30.0)
    pods, nodes = server.pod_metrics(), server.node_metrics()
    assert np.isnan(pods.cpu_usage[pod_row(c, "c")]) and np.isnan(nodes.cpu_usage[1])
    assert pods.cpu_usage[pod_row(c, "a")] == 100.0 and nodes.cpu_usage[0] == 350.0


def test_pods_added_and_deleted_between_scrapes():
    c = _two_nodes()
    model, server = UsageModel(), MetricsServer()
    server.scrape(c.state, model, 0.0)
    c.state.remove("pods", pod_row(c, "a"))   # gone at once (no graceful termination)
    for i in range(40):   # grows the pods table past its capacity
        c.apply(pod(f"new-{i}", usage={"cpu": "10m"}))
    run_pods(c, {f"new-{i}": "n1" for i in range(40)})
    server.scrape(c.state, model, 15.0)
    metrics = server.pod_metrics()
    assert len(metrics.cpu_usage) == len(c.state.tables["pods"])
    assert np.isnan(metrics.cpu_usage[pod_row(c, "new-0")])      # one sample so far
    assert metrics.cpu_usage[pod_row(c, "b")] == 250.0
    assert np.isnan(metrics.cpu_usage[0])                         # a was deleted
    server.scrape(c.state, model, 30.0)
    assert server.pod_metrics().cpu_usage[pod_row(c, "new-39")] == 10.0
    # node n1: b 250 + 40 * 10 = 650m; mean of 650 (15 s) and 650 (30 s)
    assert server.node_metrics().cpu_usage[0] == 650.0
    # the HPA may ask for more rows than were scraped: padded with NaN
    assert len(server.pod_metrics(len(c.state.tables["pods"]) + 3).window) == \
        len(c.state.tables["pods"]) + 3


def test_scrapes_must_move_forward_and_inputs_are_checked():
    c, _ = _one_pod()
    server = MetricsServer(resolution="30s")
    assert server.resolution == 30.0
    server.scrape(c.state, UsageModel(), 10.0)
    assert server.next_scrape_time == 40.0
    with pytest.raises(ValueError, match="move forward"):
        server.scrape(c.state, UsageModel(), 10.0)
    with pytest.raises(ValueError, match="resolution"):
        MetricsServer(resolution=0)
    good = ScrapeInput(np.zeros((1, 2)), np.array([0], np.int32), np.zeros(1),
                       np.zeros(1, np.int32), np.ones(1, bool), np.zeros((1, 2)),
                       np.array([0]))
    for bad, match in ((good._replace(node_of_pod=np.array([0])), "node_of_pod: int64"),
                       (good._replace(node_scraped=np.zeros(1, bool)), "not scraped"),
                       (good._replace(counter_metric=np.array([2])), "counter_metric")):
        with pytest.raises(ValueError, match=match):
            scrape_samples(bad, empty_samples(1, 2, 1), empty_samples(1, 2, 1), 0.0, 15.0)


def test_engine_loop_catches_up_on_missed_boundaries():
    c, row = _one_pod()
    model, server = UsageModel(), MetricsServer()
    model.pin(row, cpu="100m")
    c.state.time = 47.0
    while server.next_scrape_time <= c.state.time:
        server.scrape(c.state, model, server.next_scrape_time)
    assert server.last_scrape_time == 45.0 and server.pod_metrics().window[row] == 15.0


def test_to_arrays_round_trip_without_pickle():
    c = _two_nodes()
    model, server = UsageModel(), MetricsServer(node_overhead_memory=1.0)
    for t in (0.0, 15.0):
        server.scrape(c.state, model, t)
    buffer = io.BytesIO()
    np.savez(buffer, **server.to_arrays())
    buffer.seek(0)
    restored = MetricsServer.from_arrays(dict(np.load(buffer, allow_pickle=False)))
    model.pin(pod_row(c, "a"), cpu="1")
    for s in (server, restored):
        s.scrape(c.state, model, 30.0)
    for a, b in zip(server.pod_metrics() + server.node_metrics(),
                    restored.pod_metrics() + restored.node_metrics()):
        assert np.array_equal(a, b, equal_nan=True)


def test_state_saved_with_two_cumulative_counters_is_read():
    """Snapshots of an earlier kbench kept each counter's last and previous cumulative values;
    their difference is the rise this one keeps."""
    c = _two_nodes()
    model, server = UsageModel(), MetricsServer()
    for t in (0.0, 15.0):
        server.scrape(c.state, model, t)
    arrays = server.to_arrays()
    for label in ("pod", "node"):
        rise = arrays.pop(f"{label}_increment")
        arrays[f"{label}_counter_prev"] = np.full_like(rise, 1000.0)
        arrays[f"{label}_counter_last"] = 1000.0 + rise
    restored = MetricsServer.from_arrays(arrays)
    for a, b in zip(server.pod_metrics() + server.node_metrics(),
                    restored.pod_metrics() + restored.node_metrics()):
        assert np.array_equal(a, b, equal_nan=True)
    del arrays["pod_counter_prev"]
    with pytest.raises(ValueError, match="no pod_increment"):
        MetricsServer.from_arrays(arrays)


# -- the kernel against the reference twin -------------------------------------------------

@st.composite
def scrape_runs(draw):
    """A few scrapes of random pods on random nodes: usage (some negative: counter
    decreases), pods that come and go, restarts, start times near the scrape, nodes that
    are not ready."""
    pods = draw(st.integers(0, 12))
    nodes = draw(st.integers(1, 4))
    metrics = draw(st.integers(1, 4))
    cumulative = draw(st.lists(st.booleans(), min_size=metrics, max_size=metrics))
    values = st.one_of(st.floats(-50, 5000, allow_nan=False), st.sampled_from([0.0, 250.0]))
    times = draw(st.lists(st.floats(0.5, 40.0), min_size=1, max_size=5))
    steps, now = [], 0.0
    for gap in times:
        now += gap
        node_scraped = draw(st.lists(st.booleans(), min_size=nodes, max_size=nodes))
        node_of_pod = [draw(st.integers(-1, nodes - 1)) for _ in range(pods)]
        node_of_pod = [n if n >= 0 and node_scraped[n] else -1 for n in node_of_pod]
        steps.append({
            "now": now,
            "pod_usage": [[draw(values) for _ in range(metrics)] for _ in range(pods)],
            "node_of_pod": node_of_pod,
            "start_time": [draw(st.one_of(st.just(float("nan")), st.floats(now - 30, now + 5)))
                           for _ in range(pods)],
            "restarts": [draw(st.integers(0, 1)) for _ in range(pods)],
            "node_scraped": node_scraped,
            "node_overhead": [[draw(st.sampled_from([0.0, 7.5])) for _ in range(metrics)]
                              for _ in range(nodes)]})
    return pods, nodes, cumulative, steps


def _as_lists(values, window, row):
    if np.isnan(window[row]):
        return None, None
    return values[row].tolist(), float(window[row])


@settings(max_examples=200, deadline=None)
@given(scrape_runs())
def test_kernel_equals_reference(run):
    pods, nodes, cumulative, steps = run
    metrics = len(cumulative)
    counter_metric = np.flatnonzero(cumulative).astype(np.int64)
    pod_samples = empty_samples(pods, metrics, len(counter_metric))
    node_samples = empty_samples(nodes, metrics, len(counter_metric))
    storage = reference.ReferenceStorage()
    for step in steps:
        inputs = ScrapeInput(
            np.array(step["pod_usage"], dtype=np.float64).reshape(pods, metrics),
            np.array(step["node_of_pod"], dtype=np.int32),
            np.array(step["start_time"], dtype=np.float64),
            np.array(step["restarts"], dtype=np.int32),
            np.array(step["node_scraped"], dtype=np.bool_),
            np.array(step["node_overhead"], dtype=np.float64),
            counter_metric)
        pod_samples, node_samples, node_usage = scrape_samples(
            inputs, pod_samples, node_samples, step["now"], 15.0)
        expected_usage = reference.scrape(
            storage, step["pod_usage"], step["node_of_pod"], step["start_time"],
            step["restarts"], step["node_scraped"], step["node_overhead"], cumulative,
            step["now"], 15.0)
        assert node_usage.tolist() == expected_usage
        for samples, rows in ((pod_samples, storage.pods), (node_samples, storage.nodes)):
            values, window = metrics_of(samples, counter_metric)
            for index, row in enumerate(rows):
                assert _as_lists(values, window, index) == (row.metric, row.window)


def test_a_scrape_with_another_usage_model():
    """A pod's counter rises by the trapezoid of its usage at the two scrapes, whichever
    models (and so group numbers) gave them."""
    c = _two_nodes()
    first, second, server = UsageModel(), UsageModel(), MetricsServer()
    second.pin(pod_row(c, "a"), cpu="300m")
    server.scrape(c.state, first, 0.0)
    server.scrape(c.state, second, 15.0)
    # a: (100 + 300) / 2 over the window, not its group's 100 under the first model
    assert server.pod_metrics().cpu_usage[pod_row(c, "a")] == 200.0
    assert server.pod_metrics().cpu_usage[pod_row(c, "b")] == 250.0


def test_an_empty_cluster_scrapes_to_no_metrics():
    c = cluster([node("n1")])
    server = MetricsServer()
    for t in (0.0, 15.0):
        server.scrape(c.state, UsageModel(), t)
    assert len(server.pod_metrics().cpu_usage) == 0
    # a Ready node with no pods uses 0 (no overhead by default)
    assert server.node_metrics().cpu_usage.tolist() == [0.0]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), st.integers(0, 45), st.integers(0, 2**32 - 1))
def test_pod_metrics_are_metrics_of_the_last_samples(rows, count, seed):
    """The per-row CPU / memory columns equal metrics_of's, NaN where it has none (no sample,
    one sample, a counter that fell, no window), padded or cut to the pods table's rows."""
    from kbench.metrics.server import CPU, MEMORY, _metric_arrays
    rng = np.random.default_rng(seed)
    counters = np.array([CPU], dtype=np.int64)
    time_last = rng.choice([np.nan, 15.0, 30.0, 45.0], rows)
    time_prev = np.where(rng.random(rows) < 0.2, time_last, time_last - rng.choice(
        [np.nan, 10.0, 15.0], rows))   # some windows of 0 s
    rise = rng.choice([-10.0, 0.0, 250.0, 3000.0], (rows, 1))
    usage = rng.random((rows, 2)) * 1000
    samples = empty_samples(rows, 2, 1)._replace(
        time_last=time_last, time_prev=time_prev, increment=rise, usage_last=usage)
    values, window = metrics_of(samples, counters)
    expected = [values[:, CPU], values[:, MEMORY], np.where(np.isnan(window), np.nan, time_last),
                window]
    got = _metric_arrays(samples, count)
    for column, want in zip(got, expected):
        padded = np.full(count, np.nan)
        padded[:min(rows, count)] = want[:count]
        assert np.array_equal(column, padded, equal_nan=True)


# -- MetricsServer.scrape (live rows only) against the all-rows kernel ---------------------

RUNNING = POD_PHASES.index("Running")
PENDING = POD_PHASES.index("Pending")


def _scrape_all_rows(c, model, shadow, storage, now):
    """One scrape the obvious way: usage_matrix of every row, node_of_pod by row, then
    scrape_samples over every row, and the reference twin's scrape into ``storage``."""
    pods, nodes = c.state.tables["pods"], c.state.tables["nodes"]
    node_scraped = nodes.alive & nodes["ready"]
    scraped = pods.alive & (pods["node_index"] >= 0) & (pods["phase"] == RUNNING)
    scraped[scraped] = node_scraped[pods["node_index"][scraped]]
    inputs = ScrapeInput(model.usage_matrix(c.state, now),
                         np.where(scraped, pods["node_index"], -1).astype(np.int32),
                         pods["start_time"].astype(np.float64), pods["restarts"].astype(np.int32),
                         node_scraped, np.zeros((len(nodes), 2)), MetricsServer.COUNTER_METRIC)
    grown = []
    for samples, rows in ((shadow[0], len(pods)), (shadow[1], len(nodes))):
        bigger = empty_samples(rows, 2, 1)
        have = len(samples.time_last)
        for name in ("time_last", "time_prev", "increment", "restarts_last"):
            getattr(bigger, name)[:have] = getattr(samples, name)
        usage = np.zeros((rows, 2))
        usage[:have] = samples.usage_last[:rows]
        grown.append(bigger._replace(usage_last=usage))
    pod_samples, node_samples, _ = scrape_samples(inputs, grown[0], grown[1], now, 15.0)
    reference.scrape(storage, inputs.pod_usage.tolist(), inputs.node_of_pod.tolist(),
                     inputs.start_time.tolist(), inputs.restarts.tolist(),
                     node_scraped.tolist(), inputs.node_overhead.tolist(), [True, False], now,
                     15.0)
    return pod_samples, node_samples


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_scrape_of_live_rows_equals_the_all_rows_kernel(seed):
    """Pods deleted, added, not Running, restarted; nodes not Ready; load shared by ready
    pods; pins and per-pod noise; another usage model now and then: after every scrape the server's samples equal, bit for bit
    (deleted rows included: no sample), those of scrape_samples over every row, and its pod
    metrics those of the reference twin."""
    rng = np.random.default_rng(seed)
    noise = {"cpu": [{"pattern": "noise", "amplitude": "50m", "seed": 1}, "100m"],
             "memory": "64Mi"}
    web, web_rs = deployment("web", load=40, cost={"cpu": "10m"})
    c = cluster([node("n1"), node("n2"), node("n3"), web, web_rs]
                + [pod(f"p{i}", usage=noise if i % 3 else None,
                       owner="web-rs" if i % 2 else None) for i in range(12)])
    names = [f"p{i}" for i in range(12)]
    run_pods(c, {name: f"n{1 + i % 3}" for i, name in enumerate(names)},
             start_time=-100.0)
    model, server = UsageModel(), MetricsServer()
    model.pin([pod_row(c, "p0")], cpu="300m")
    shadow = (empty_samples(0, 2, 1), empty_samples(0, 2, 1))
    storage = reference.ReferenceStorage()
    pods = c.state.tables["pods"]
    for step in range(8):
        now = 15.0 * step
        live = pods.live_rows()
        if step and len(live) and rng.random() < 0.6:
            c.state.remove("pods", int(rng.choice(live)))
        if step and rng.random() < 0.5:
            name = f"q{step}"
            c.apply(pod(name, usage=noise, owner="web-rs" if rng.random() < 0.5 else None))
            run_pods(c, {name: f"n{rng.integers(1, 4)}"}, ready=bool(rng.random() < 0.7),
                     start_time=now - float(rng.choice([5.0, 12.0, 40.0])))
        live = pods.live_rows()
        if len(live) and rng.random() < 0.3:
            row = int(rng.choice(live))
            c.state.set_pod_phase(row, PENDING if pods["phase"][row] == RUNNING else RUNNING)
        if len(live) and rng.random() < 0.3:
            pods["restarts"][int(rng.choice(live))] += 1
        c.state.tables["nodes"]["ready"][:] = rng.random(3) < 0.8
        if rng.random() < 0.25:   # other usage (noise of another seed), groups numbered anew
            model = UsageModel(seed=int(rng.integers(0, 3)))
        server.scrape(c.state, model, now)
        shadow = _scrape_all_rows(c, model, shadow, storage, now)
        for got, want in ((server.pods, shadow[0]), (server.nodes, shadow[1])):
            # the time of a sample everywhere; the rest where there is one (the all-rows
            # kernel keeps what a row without a sample had)
            sampled = ~np.isnan(want.time_last)
            for field, a, b in zip(Samples._fields, got, want):
                assert a.shape == b.shape, (step, field)
                if field != "time_last":
                    a, b = a[sampled], b[sampled]
                assert a.tobytes() == b.tobytes(), (step, field)
        metrics = server.pod_metrics()
        assert not metrics.cpu_usage.flags.writeable
        # the same as rows of the sample table (what the HPA reads)
        sample_of_pod, table = server.pod_sample_rows()
        gathered = np.where(sample_of_pod >= 0, table[:, sample_of_pod], np.nan)
        assert np.array_equal(gathered, np.array(metrics), equal_nan=True)
        for row, expected in enumerate(storage.pods):
            got = metrics.cpu_usage[row], metrics.memory_usage[row], metrics.window[row]
            if expected.metric is None:
                assert np.isnan(got).all()
            else:
                assert got == (*expected.metric, expected.window)
        # the metrics kept up to date by the scrape equal those worked out from the samples
        for count in (len(pods) + 2, max(len(pods) - 3, 0)):
            expected = _metric_arrays(shadow[0], count)
            for a, b in zip(server.pod_metrics(count), expected):
                assert a.shape == b.shape and a.tobytes() == b.tobytes(), (step, count)
