"""What the HPA controller keeps between syncs (the pod selection, the per-pod buffers, the
status documents of the previous apply) changes nothing: a controller that synced before gives
the same objects, events and replicas as one built from scratch with the same history, sync
after sync, while pods' metrics, labels and lifecycles, HPA specs and targets change between
syncs. And pack_pods, the per-pod packing kernel, changed_rows, which finds the pods
relabelled, added or deleted since the last selection, and compare_document_inputs, which
finds the HPAs whose documents may be kept, equal their numpy twins."""

from __future__ import annotations

import numpy as np
import pytest
from reference import hpa as R
from test_hpa_state import NODE, deployment, hpa, pod, running_ten_minutes_in

from kbench import Cluster
from kbench.api.store import decode
from kbench.controllers import hpa_kernel as k
from kbench.controllers.hpa import (
    HorizontalController,
    HpaHistory,
    PodMetrics,
    _check,
    apply_hpa_decisions,
    observe,
)

APPS = 6


def fleet() -> tuple[Cluster, np.ndarray]:
    """APPS Deployments of 3 running pods with an HPA each (app 5's with a behavior), and the
    cpu usage per pod row, 10 minutes in."""
    manifests = [NODE]
    for d in range(APPS):
        behavior = ({"scaleDown": {"stabilizationWindowSeconds": 0}} if d == 5 else None)
        manifests += [deployment(f"app{d}", replicas=3), hpa(f"app{d}", f"app{d}", behavior=behavior)]
        manifests += [pod(f"app{d}-{i}", {"app": f"app{d}"}) for i in range(3)]
    cluster = Cluster.from_manifests(manifests)
    state, pods = running_ten_minutes_in(cluster)
    names = state.strings.decode(pods["name"])
    cpu = np.array([(int(n[3]) + 2) * 60.0 for n in names])  # 24 %, 36 %, ... of 500m
    return cluster, cpu


def metrics_of(state, cpu: np.ndarray) -> PodMetrics:
    count = len(state.tables["pods"])
    cpu = np.concatenate([cpu, np.full(max(0, count - len(cpu)), 250.0)])[:count]
    return PodMetrics(cpu, np.full(count, 100e6), np.full(count, state.time - 10.0),
                      np.full(count, 30.0))


def observed(cluster: Cluster) -> dict:
    """Everything apply writes, decoded: the HPAs, their events, the targets' replicas."""
    state = cluster.state
    hpas = state.tables["horizontalpodautoscalers"]
    events = state.tables["events"]
    deployments = state.tables["deployments"]
    return {
        "hpas": [decode(state, "horizontalpodautoscalers", r).to_dict() for r in hpas.live_rows()],
        "events": [decode(state, "events", r).to_dict() for r in events.live_rows()],
        "replicas": [(int(deployments["replicas"][r]), int(deployments["generation"][r]))
                     for r in deployments.live_rows()]}


def change(cluster: Cluster, cpu: np.ndarray, step: int) -> None:
    """What happens between two syncs (the same to both clusters)."""
    state = cluster.state
    pods = state.tables["pods"]
    row = lambda name: state.find("pods", name, "default")
    if step == 1:
        cpu[row("app0-0")] += 1.0       # one pod's metric: one currentMetrics moves
    elif step == 2:
        cpu[row("app2-1")] = 900.0      # app2 scales up
    elif step == 3:                     # one HPA's spec: a new target utilization
        cluster.apply([{**hpa("app1", "app1"), "spec": {**hpa("app1", "app1")["spec"], "metrics": [
            {"type": "Resource", "resource": {"name": "cpu", "target": {
                "type": "Utilization", "averageUtilization": 20}}}]}}])
    elif step == 4:                     # a pod changes app: both selections change
        pods["labels"][row("app3-2")] = state.strings.intern_document({"app": "app4"})
    elif step == 5:
        state.remove("pods", row("app4-0"))
    elif step == 6:                     # unready and missing samples: metric failures
        pods["ready"][row("app5-0")] = False
        cpu[row("app5-1")] = np.nan
    elif step == 7:                     # no sample at all for app0: FailedGetResourceMetric
        for i in range(3):
            cpu[row(f"app0-{i}")] = np.nan
    elif step == 8:                     # back, and a second HPA on app3: AmbiguousSelector
        for i in range(3):
            cpu[row(f"app0-{i}")] = 120.0
        cluster.apply([hpa("app3-again", "app3")])
    elif step == 9:
        cluster.delete("hpa", "app3-again")
        state.tables["deployments"]["replicas"][state.find("deployments", "app4", "default")] = 0
    elif step == 10:                    # app4 back from zero, app5 idle: scale down, no window
        state.tables["deployments"]["replicas"][state.find("deployments", "app4", "default")] = 2
        for i in range(1, 3):
            cpu[row(f"app5-{i}")] = 10.0


def sync_both(kept, kept_cluster, kept_cpu, fresh_cluster, fresh_cpu, history):
    """One sync of the kept controller and of a fresh one that starts from ``history``;
    returns the fresh one."""
    apply_hpa_decisions(kept_cluster.state, kept.sync(
        kept_cluster.state, metrics_of(kept_cluster.state, kept_cpu)))
    fresh = HorizontalController(history=HpaHistory.from_arrays(history.to_arrays()))
    apply_hpa_decisions(fresh_cluster.state, fresh.sync(
        fresh_cluster.state, metrics_of(fresh_cluster.state, fresh_cpu)))
    return fresh


def test_a_controller_that_synced_before_equals_a_fresh_one():
    kept_cluster, kept_cpu = fleet()
    fresh_cluster, fresh_cpu = fleet()
    kept = HorizontalController()
    history = HpaHistory()
    for step in range(14):
        change(kept_cluster, kept_cpu, step)
        change(fresh_cluster, fresh_cpu, step)
        for cluster in (kept_cluster, fresh_cluster):
            cluster.state.time += 15.0
        fresh = sync_both(kept, kept_cluster, kept_cpu, fresh_cluster, fresh_cpu, history)
        history = fresh.history
        assert observed(kept_cluster) == observed(fresh_cluster), f"after the sync of step {step}"
        kept_history, fresh_history = kept.history.to_arrays(), fresh.history.to_arrays()
        assert all(np.array_equal(kept_history[name], fresh_history[name]) for name in kept_history)
    # the steps did what they were meant to: every kind of document went through the memo
    reasons = {e["reason"] for e in observed(kept_cluster)["events"]}
    assert {"SuccessfulRescale", "FailedGetResourceMetric", "AmbiguousSelector"} <= reasons
    assert kept.caches["documents"]["fixed"].any()  # and some were kept as they were


def test_the_pod_selections_bounds_bound_its_arrays():
    # the bounds _check reads instead of the per-pod arrays' maxima: at or above them, and
    # within the pods and the HPAs, sync after sync
    cluster, cpu = fleet()
    controller = HorizontalController()
    for step in range(11):
        change(cluster, cpu, step)
        if step in (2, 6):  # a new pod, selected at the end of its HPA's rows
            cluster.apply([pod(f"app1-new{step}", {"app": "app1"})])
        cluster.state.time += 15.0
        apply_hpa_decisions(cluster.state, controller.sync(
            cluster.state, metrics_of(cluster.state, cpu)))
        selection = controller.caches["pod_selection"]
        pod_rows, owner = selection.answer[1], selection.owner[:len(cluster.state.tables["pods"])]
        hpas = cluster.state.tables["horizontalpodautoscalers"].live_count
        assert pod_rows.max(initial=-1) <= selection.bounds[0] < len(owner), f"step {step}"
        assert owner.max(initial=-1) <= selection.bounds[1] < hpas, f"step {step}"


def test_check_refuses_pod_rows_and_owners_past_the_arrays():
    cluster, cpu = fleet()
    controller = HorizontalController()
    state = cluster.state
    controller.sync(state, metrics_of(state, cpu))
    compiled = controller.compiled
    inputs, _ = observe(state, compiled, metrics_of(state, cpu), caches=controller.caches)
    pods, n = len(inputs.phase), len(compiled.specs.hpa_rows)
    _check(compiled.specs, inputs)
    _check(compiled.specs, inputs, controller.caches["pod_selection"].bounds)
    with pytest.raises(ValueError, match="pod rows past"):
        _check(compiled.specs, inputs, (pods, 0))
    with pytest.raises(ValueError, match="HPA past the HPAs"):
        _check(compiled.specs, inputs, (0, n))
    bad_rows = inputs.pod_rows.copy()
    bad_rows[-1] = pods
    with pytest.raises(ValueError, match="pod rows past"):
        _check(compiled.specs, inputs._replace(pod_rows=bad_rows))
    bad_owner = inputs.pod_owner.copy()
    bad_owner[0] = n
    with pytest.raises(ValueError, match="HPA past the HPAs"):
        _check(compiled.specs, inputs._replace(pod_owner=bad_owner))


def test_steady_syncs_keep_documents_and_codes():
    # a second sync on unchanged inputs writes the same codes (no new strings, no new events)
    cluster, cpu = fleet()
    controller = HorizontalController()
    state = cluster.state
    apply_hpa_decisions(state, controller.sync(state, metrics_of(state, cpu)))
    state.time += 15.0
    apply_hpa_decisions(state, controller.sync(state, metrics_of(state, cpu)))
    hpas = state.tables["horizontalpodautoscalers"]
    before = (hpas["conditions"].copy(), hpas["current_metrics"].copy(), len(state.strings),
              state.tables["events"].live_count)
    state.time += 15.0
    decisions = controller.sync(state, metrics_of(state, cpu))
    assert not decisions.rescale.any()
    apply_hpa_decisions(state, decisions)
    after = (hpas["conditions"], hpas["current_metrics"], len(state.strings),
             state.tables["events"].live_count)
    assert np.array_equal(before[0], after[0]) and np.array_equal(before[1], after[1])
    assert before[2:] == after[2:]


def test_remembered_current_metrics_codes_are_those_of_the_texts():
    # app0's usage goes back and forth: its currentMetrics text comes back, and its code is
    # then taken from the controller's memo, without the text; a fresh controller makes it
    kept_cluster, kept_cpu = fleet()
    fresh_cluster, fresh_cpu = fleet()
    kept = HorizontalController()
    history = HpaHistory()
    for step in range(6):
        for cluster, cpu in ((kept_cluster, kept_cpu), (fresh_cluster, fresh_cpu)):
            find = cluster.state.find
            cpu[find("pods", "app0-0", "default")] = 150.0 if step % 2 else 90.0
            cluster.state.time += 15.0
        fresh = sync_both(kept, kept_cluster, kept_cpu, fresh_cluster, fresh_cpu, history)
        history = fresh.history
        assert observed(kept_cluster) == observed(fresh_cluster), f"after the sync of step {step}"
        assert kept_cluster.state.strings.strings() == fresh_cluster.state.strings.strings()
    strings, remembered = kept.caches["metric_codes"]
    assert strings is kept_cluster.state.strings
    hpas = kept_cluster.state.tables["horizontalpodautoscalers"]
    app0 = hpas["current_metrics"][kept_cluster.state.find("horizontalpodautoscalers", "app0",
                                                           "default")]
    assert app0 in {code for codes in remembered.values() for code in codes.values()}


def pod_columns(rng, count: int, sampled: int) -> k.PodColumns:
    """Random pods with the edge values the packing must keep: NaN and infinite samples,
    halves at the 3rd decimal, unbound and deleted pods; samples for the first ``sampled``
    rows."""
    edge = np.array([np.nan, np.inf, -np.inf, 0.0, 0.0005, 0.0015, 0.1, 1e-9, 2.5e-4, 1e20,
                     -0.0005, 123.4565, 9.3e15])
    cpu = np.where(rng.random(count) < 0.3, rng.choice(edge, count), rng.uniform(0, 2000, count))
    memory = np.where(rng.random(count) < 0.3, rng.choice(edge, count), rng.uniform(0, 4e9, count))
    maybe_nan = lambda values: np.where(rng.random(count) < 0.3, np.nan, values)
    requests = rng.integers(0, 4000, (count, 4))
    return k.PodColumns(
        phase=rng.integers(0, 4, count).astype(np.int8), ready=rng.random(count) < 0.7,
        node_index=rng.integers(-1, 3, count).astype(np.int32),
        node_name=rng.integers(-1, 3, count).astype(np.int32),
        start_time=maybe_nan(rng.uniform(0, 600, count)),
        ready_time=maybe_nan(rng.uniform(0, 600, count)),
        deletion_time=maybe_nan(rng.uniform(0, 600, count)),
        cpu_request=requests[:, 0], memory_request=requests[:, 1], cpu_usage=cpu[:sampled],
        memory_usage=memory[:sampled], sample_time=maybe_nan(rng.uniform(0, 600, count))[:sampled],
        sample_window=rng.choice([0.0, 15.0, 30.0], count)[:sampled])


@pytest.mark.parametrize("count", [0, 1, 257, 5000])
def test_pack_pods_equals_numpy(count):
    # the values the kernel reads of each pod (through pack_pods' helpers) == their numpy twin
    columns = pod_columns(np.random.default_rng(count), count, sampled=count - count // 10)
    packed = k.empty_pod_arrays(count)
    k.pack_pods(columns, packed)
    expected = R.pod_arrays(columns)
    assert set(expected) == set(k.PodArrays._fields)
    for name, value in expected.items():
        np.testing.assert_array_equal(getattr(packed, name), value, err_msg=name)


@pytest.mark.parametrize("count", [0, 1, 255, 256, 257, 5000])
@pytest.mark.parametrize("changes", [0, 1, 40])
def test_changed_rows_equals_numpy(count, changes):
    # the rows whose alive, namespace or labels differ from the copies == their numpy twin,
    # the rows past the copies' length (appended since) left out
    rng = np.random.default_rng(count * 100 + changes)
    alive = rng.random(count) < 0.7
    namespace = rng.integers(0, 3, count).astype(np.int32)
    labels = rng.integers(-1, 50, count).astype(np.int32)
    seen = count - count // 7
    was = [alive[:seen].copy(), namespace[:seen].copy(), labels[:seen].copy()]
    for column in was:
        rows = rng.integers(0, max(seen, 1), changes if seen else 0)
        column[rows] = ~column[rows] if column.dtype == np.bool_ else column[rows] + 1
    expected = np.flatnonzero((alive[:seen] != was[0]) | (namespace[:seen] != was[1])
                              | (labels[:seen] != was[2]))
    np.testing.assert_array_equal(k.changed_rows(alive, namespace, labels, *was), expected)


def document_numbers(outputs, desired, metric_start):
    """compare_document_inputs' numpy twin: the numbers per HPA (codes -1 past the count,
    ValidMetricFound metric, desired replicas) and per metric, and which HPAs' messages need
    more than the numbers."""
    n, calls = outputs.cond_code.shape
    used = np.arange(calls) < outputs.cond_count.astype(np.int64)[:, None]
    codes = np.where(used, outputs.cond_code, -1).astype(np.int64)
    conditions = np.column_stack([codes, outputs.valid_metric, desired]).astype(np.int64)
    metrics = np.column_stack([outputs.metric_computed, outputs.metric_error,
                               outputs.metric_utilization, outputs.metric_value]).astype(np.int64)
    textual = (used & np.isin(outputs.cond_code, [k.COND_FAILED_GET_METRIC,
                                                   k.COND_AMBIGUOUS_SELECTOR])).any(axis=1)
    return conditions.reshape(n, calls + 2), metrics.reshape(-1, 4), textual


def random_outputs(rng, lengths, like=None):
    """HpaOutputs of HPAs with these metric counts, random (or ``like``'s with a few HPAs and
    metrics changed)."""
    n, m = len(lengths), int(sum(lengths))
    if like is None:
        out = k.empty_outputs(n, m)
        out.cond_count[:] = rng.integers(0, k.MAX_CONDITIONS + 1, n)
        out.cond_code[:] = rng.integers(0, 16, out.cond_code.shape)
        out.valid_metric[:] = rng.integers(-1, max(m, 1), n)
        out.metric_computed[:] = rng.random(m) < 0.8
        out.metric_error[:] = rng.integers(0, 3, m)
        out.metric_utilization[:] = rng.integers(0, 4, m)
        out.metric_value[:] = rng.integers(0, 4, m)
        return out
    out = k.HpaOutputs(*(field.copy() for field in like))
    for field in (out.cond_count, out.cond_code, out.valid_metric):
        rows = rng.integers(0, max(n, 1), 2 if n else 0)
        field[rows] = (field[rows] + 1) % (k.MAX_CONDITIONS + 1)
    for field in (out.metric_computed, out.metric_error, out.metric_utilization, out.metric_value):
        rows = rng.integers(0, max(m, 1), 2 if m else 0)
        field[rows] = ~field[rows] if field.dtype == np.bool_ else field[rows] + 1
    return out


@pytest.mark.parametrize("seed", range(8))
def test_compare_document_inputs_equals_numpy(seed):
    # what apply compares (per HPA: the same condition numbers, the same metric numbers, a
    # message needing more) == the numpy twin, sync after sync; the copies take the numbers
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 4, rng.integers(0, 30))
    metric_start = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    n = len(lengths)
    out = random_outputs(rng, lengths)
    desired = rng.integers(0, 5, n).astype(np.int32)
    conditions_before, metrics_before, _ = document_numbers(out, desired, metric_start)
    for _ in range(4):
        new = random_outputs(rng, lengths, like=out)
        new_desired = desired.copy()
        new_desired[rng.integers(0, max(n, 1), 1 if n else 0)] += 1
        conditions, metrics, textual = document_numbers(new, new_desired, metric_start)
        expected_conditions = (conditions == conditions_before).all(axis=1)
        changed = np.concatenate([[0], np.cumsum(~(metrics == metrics_before).all(axis=1))])
        expected_metrics = changed[metric_start[1:]] == changed[metric_start[:-1]]
        same_conditions, same_metrics, needs_text = (np.empty(n, np.bool_) for _ in range(3))
        k.compare_document_inputs(new.cond_count, new.cond_code, new.valid_metric, new_desired,
                                  metric_start, new.metric_computed, new.metric_error,
                                  new.metric_utilization, new.metric_value, conditions_before,
                                  metrics_before, same_conditions, same_metrics, needs_text)
        np.testing.assert_array_equal(same_conditions, expected_conditions)
        np.testing.assert_array_equal(same_metrics, expected_metrics)
        np.testing.assert_array_equal(needs_text, textual)
        np.testing.assert_array_equal(conditions_before, conditions)
        np.testing.assert_array_equal(metrics_before, metrics)
        out, desired = new, new_desired


@pytest.mark.parametrize("name", ["qps", "a{u}b", "{v}", "x}}{{y", "{u}{v}", "@quantity@"])
def test_split_templates_fill_as_the_documents(name):
    # the split templates apply fills give the canonical MetricStatus, or are None (formatted)
    from kbench.controllers.hpa import CompiledHpas, metric_status
    from kbench.state.strings import canonical_json
    metrics = [
        {"type": "Pods", "pods": {"metric": {"name": name},
                                  "target": {"type": "AverageValue", "averageValue": "1"}}},
        {"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": 50}}}]
    compiled = CompiledHpas(None, [], [], [], [], [], np.zeros(0, np.int64), metrics)
    for m, split in enumerate(compiled.split_templates()):
        template = compiled.status_templates()[m]
        for utilization, milli, quantity in ((37, 1500, "1500m"), (0, 2000, "2"), (-5, 0, "0")):
            if "@quantity@" not in name:  # the templates' own sentinel: a known limit
                assert template.format(u=utilization, v=quantity) == canonical_json(
                    metric_status(metrics[m], utilization, milli))
            if split is not None:
                filled = (f"{split[0]}{utilization}{split[1]}{quantity}{split[2]}" if split[0]
                          else f"{split[1]}{quantity}{split[2]}")
                assert filled == template.format(u=utilization, v=quantity)
