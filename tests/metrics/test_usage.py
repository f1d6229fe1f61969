"""The usage model: pattern values at chosen times (arithmetic in comments), determinism,
annotation parsing and its errors, pins, load-driven usage, saving."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from metrics.builders import cluster, deployment, node, pod, pod_row, run_pods
from reference import metrics as reference

from kbench.metrics import UsageModel, UsageSpecError, parse_pattern
from kbench.metrics.usage import uniform_hash
from kbench.state.schema import POD_PHASES

H = 3600.0
MI = 1 << 20


def value(spec, t, unit="cpu", keys=None, seed=0):
    return parse_pattern(spec, unit).evaluate(t, keys, seed)


# -- patterns ------------------------------------------------------------------------------

def test_constant_and_bare_quantities():
    assert value("200m", 0) == 200.0             # 0.2 cores = 200 millicores
    assert value(0.25, 5) == 250.0               # a number of cores
    assert value({"value": "1"}, 9) == 1000.0    # "pattern" defaults to constant with "value"
    assert value({"pattern": "constant", "value": "64Mi"}, 0, "memory") == 64 * MI
    assert value("1k", 0, "load") == 1000.0      # requests/s, "1k" = 1000


@pytest.mark.parametrize("t, expected", [
    (0.0, 200.0),        # 200 + 100 * sin(0)
    (6 * H, 300.0),      # 200 + 100 * sin(pi/2)
    (12 * H, 200.0),     # 200 + 100 * sin(pi)
    (18 * H, 100.0),     # 200 + 100 * sin(3pi/2)
    (30 * H, 300.0),     # a day later, as at 6h
])
def test_diurnal(t, expected):
    spec = {"pattern": "diurnal", "mean": "200m", "amplitude": "100m", "period": "24h"}
    assert value(spec, t) == pytest.approx(expected, abs=1e-9)


def test_diurnal_phase_shifts_the_wave():
    spec = {"pattern": "diurnal", "mean": "200m", "amplitude": "100m", "phase": "6h"}
    assert value(spec, 6 * H) == pytest.approx(200.0)   # sin(2pi (6h - 6h) / 24h) = 0
    assert value(spec, 12 * H) == pytest.approx(300.0)  # sin(pi/2) = 1; default period 24h


@pytest.mark.parametrize("t, expected", [
    (-1.0, 0.0),         # before the first step
    (0.0, 100.0),        # a step counts from its own time on
    (3599.0, 100.0),
    (H, 300.0),
    (5 * H, 50.0),       # the last step holds for ever
])
def test_steps(t, expected):
    spec = {"pattern": "steps", "steps": [["0s", "100m"], ["1h", "300m"],
                                          {"time": "2h", "value": "50m"}]}
    assert value(spec, t) == expected


@pytest.mark.parametrize("t, expected", [
    (0.0, 0.0),          # before start (10m)
    (600.0, 500.0),      # (600 - 600) mod 3600 = 0 < 300
    (899.0, 500.0),      # 299 < 300
    (900.0, 0.0),        # 300 is not < 300
    (600.0 + H + 1, 500.0),  # 1 s into the second spike
])
def test_spikes(t, expected):
    spec = {"pattern": "spikes", "period": "1h", "duration": "5m", "height": "500m",
            "start": "10m"}
    assert value(spec, t) == expected


def test_sum_of_patterns():
    # 100m + 200m + spike of 1 core at t = 0
    spec = ["100m", {"value": "200m"}, {"pattern": "spikes", "period": 60, "duration": 1,
                                         "height": 1}]
    assert value(spec, 0) == 1300.0
    assert value(spec, 30) == 300.0
    assert value({"pattern": "sum", "of": ["1", "2"]}, 0) == 3000.0


def test_noise_is_deterministic_bounded_and_per_pod():
    spec = {"pattern": "noise", "amplitude": "50m", "interval": "15s", "seed": 7}
    keys = np.arange(1000)
    first = value(spec, 20.0, keys=keys, seed=3)
    assert np.array_equal(first, value(spec, 20.0, keys=keys, seed=3))      # same inputs
    assert np.array_equal(first, value(spec, 29.9, keys=keys, seed=3))      # same 15 s step
    assert np.array_equal(first[::-1], value(spec, 20.0, keys=keys[::-1], seed=3))  # per key
    assert not np.array_equal(first, value(spec, 30.0, keys=keys, seed=3))  # next step
    assert not np.array_equal(first, value(spec, 20.0, keys=keys, seed=4))  # model seed
    assert ((first >= -50.0) & (first < 50.0)).all()
    assert len(np.unique(first)) == 1000
    assert abs(first.mean()) < 5.0  # uniform on [-50, 50): mean 0, sd of the mean ~0.9


def test_uniform_hash_is_a_pure_function():
    a = uniform_hash(1, 2, np.array([5, 6, 7]), 9)
    b = uniform_hash(1, 2, np.array([7]), 9)
    assert a[2] == b[0]
    assert ((a >= 0) & (a < 1)).all()


# -- errors name the field path ------------------------------------------------------------

@pytest.mark.parametrize("spec, field, words", [
    ({"pattern": "diurnal", "mean": "2x"}, "cpu.mean", "invalid quantity"),
    ({"pattern": "wave"}, "cpu.pattern", "unknown pattern"),
    ({"mean": "1"}, "cpu.pattern", "required"),
    ({"pattern": "diurnal"}, "cpu.mean", "required"),
    ({"pattern": "diurnal", "mean": 1, "amplitud": 1}, "cpu.amplitud", "unknown field"),
    ({"pattern": "diurnal", "mean": 1, "period": "1d"}, "cpu.period", "not a duration"),
    ({"pattern": "diurnal", "mean": 1, "period": 0}, "cpu.period", "more than 0"),
    ({"pattern": "steps", "steps": [["1h", 1], ["1h", 2]]}, "cpu.steps[1][0]", "increase"),
    ({"pattern": "steps", "steps": [["1h"]]}, "cpu.steps[0]", "pair"),
    ({"pattern": "sum", "of": ["1", {"pattern": "noise"}]}, "cpu.of[1].amplitude", "required"),
    (["1", {"value": [1]}], "cpu[1].value", "must be a quantity"),
    ({"pattern": "noise", "amplitude": 1, "seed": "x"}, "cpu.seed", "integer"),
])
def test_bad_specs_name_their_field(spec, field, words):
    with pytest.raises(UsageSpecError) as raised:
        parse_pattern(spec, "cpu", "cpu")
    assert raised.value.field == field
    assert words in str(raised.value)


def _annotated(value: str):
    c = cluster([node("n1"), pod("web-1", usage=value)])
    run_pods(c, {"web-1": "n1"})
    return c


def test_annotation_error_names_pod_annotation_and_field():
    c = _annotated('{"cpu": {"pattern": "diurnal", "mean": "200m", "amplitude": "abc"}}')
    with pytest.raises(UsageSpecError) as raised:
        UsageModel().usage(c.state, 0)
    message = str(raised.value)
    assert message.startswith(
        "Pod/default/web-1: metadata.annotations[kbench.io/usage].cpu.amplitude: "
        "invalid quantity 'abc'"), message


@pytest.mark.parametrize("text, field, words", [
    ('{"cpu": ', "metadata.annotations[kbench.io/usage]", "not valid JSON or YAML"),
    ('["100m"]', "metadata.annotations[kbench.io/usage]", "must be a mapping"),
    ('{"gpu": "1"}', "metadata.annotations[kbench.io/usage]", "must be a mapping"),
    ("memory: {pattern: steps, steps: 3}", "metadata.annotations[kbench.io/usage].memory.steps",
     "non-empty list"),
])
def test_annotation_errors(text, field, words):
    c = _annotated(text)
    model = UsageModel()
    with pytest.raises(UsageSpecError) as raised:
        model.check(c.state)
    assert raised.value.field == field
    assert raised.value.name == "default/web-1"
    assert words in str(raised.value)


# -- the model over a cluster --------------------------------------------------------------

def test_annotation_yaml_and_running_bound_pods_only():
    c = cluster([node("n1"),
                 pod("a", usage="cpu: 150m\nmemory: 64Mi"),   # YAML works as well as JSON
                 pod("b", usage={"cpu": "150m"}),
                 pod("pending", usage={"cpu": "150m"}),
                 pod("plain")])
    run_pods(c, {"a": "n1", "b": "n1", "plain": "n1"})
    b = pod_row(c, "b")
    c.state.set_pod_phase(b, POD_PHASES.index("Succeeded"))
    usage = UsageModel().usage(c.state, 0)
    assert usage.cpu.tolist() == [150.0, 0.0, 0.0, 0.0]   # b ended; pending unbound; plain: none
    assert usage.memory.tolist() == [64.0 * MI, 0.0, 0.0, 0.0]


def test_each_annotation_document_is_parsed_once(monkeypatch):
    documents = [node("n1")] + [pod(f"p{i}", usage={"cpu": "100m"}) for i in range(50)]
    c = cluster(documents)
    run_pods(c, {f"p{i}": "n1" for i in range(50)})
    import kbench.metrics.usage as usage_module
    calls = []
    real = usage_module._load_document
    monkeypatch.setattr(usage_module, "_load_document",
                        lambda text, path: calls.append(text) or real(text, path))
    model = UsageModel()
    for t in range(5):
        assert (model.usage(c.state, t).cpu == 100.0).all()
    assert len(calls) == 1


def test_pins_override_and_unpin():
    c = _annotated('{"cpu": "100m", "memory": "10Mi"}')
    row = pod_row(c, "web-1")
    model = UsageModel()
    model.pin(row, cpu="250m")
    usage = model.usage(c.state, 0)
    assert (usage.cpu[row], usage.memory[row]) == (250.0, 10.0 * MI)   # memory not pinned
    model.pin([row], memory=0.5)   # a number is a quantity: 0.5 bytes
    assert model.usage(c.state, 0).memory[row] == 0.5
    model.unpin(row)
    assert model.usage(c.state, 0).cpu[row] == 100.0


def test_set_pattern_overrides_the_annotation_and_noise_is_stable():
    c = cluster([node("n1")] + [pod(f"p{i}", usage={"cpu": "1"}) for i in range(4)])
    rows = run_pods(c, {f"p{i}": "n1" for i in range(4)})
    model = UsageModel(seed=11)
    model.set_pattern(rows[:2], cpu=["300m", {"pattern": "noise", "amplitude": "100m"}])
    first = model.usage(c.state, 40.0).cpu
    model.usage(c.state, 10.0)    # sampling other times in between changes nothing
    again = model.usage(c.state, 40.0).cpu
    assert np.array_equal(first, again)
    assert ((first[:2] >= 200.0) & (first[:2] < 400.0)).all() and first[0] != first[1]
    assert first[2:].tolist() == [1000.0, 1000.0]
    copy = UsageModel(seed=11)
    copy.set_pattern(rows[:2], cpu=["300m", {"pattern": "noise", "amplitude": "100m"}])
    assert np.array_equal(copy.usage(c.state, 40.0).cpu, first)   # same seed: same arrays
    model.clear_pattern(rows[:2])
    assert model.usage(c.state, 40.0).cpu.tolist() == [1000.0] * 4


def test_usage_never_negative():
    c = _annotated('{"cpu": ["100m", {"pattern": "steps", "steps": [[0, "-1"]]}]}')
    assert UsageModel().usage(c.state, 0).cpu.tolist() == [0.0]   # 100m - 1000m clipped to 0


def _loaded_cluster(load=100, pod_cost=None, deployment_cost=None):
    web, web_rs = deployment("web", load=load, cost=deployment_cost)
    annotations = {}
    if pod_cost is not None:
        annotations["kbench.io/cost-per-request"] = str(pod_cost).replace("'", '"')
    pods = [pod(f"web-{i}", usage={"cpu": "50m", "memory": "100Mi"}, owner="web-rs",
                annotations=annotations) for i in range(3)]
    c = cluster([node("n1"), web, web_rs, *pods, pod("other", usage={"cpu": "50m"})])
    run_pods(c, {"web-0": "n1", "web-1": "n1", "web-2": "n1", "other": "n1"})
    return c


def test_load_divided_over_ready_pods_times_cost():
    c = _loaded_cluster(load=90, pod_cost={"cpu": "10m", "memory": "1Mi"})
    model = UsageModel()
    usage = model.usage(c.state, 0)
    # 90 req/s over 3 ready pods = 30 each; cpu 50m + 30 * 10m = 350m; memory 100Mi + 30Mi
    assert usage.cpu.tolist() == [350.0, 350.0, 350.0, 50.0]
    assert usage.memory.tolist() == [130.0 * MI] * 3 + [0.0]
    c.state.tables["pods"]["ready"][pod_row(c, "web-2")] = False
    usage = model.usage(c.state, 0)
    # 90 over 2 ready pods = 45 each: 50 + 450 = 500m; the unready pod keeps its base
    assert usage.cpu.tolist() == [500.0, 500.0, 50.0, 50.0]


def test_cost_from_the_deployment_and_load_set_by_function():
    c = _loaded_cluster(load={"pattern": "steps", "steps": [[0, 30], ["1m", 60]]},
                        deployment_cost={"cpu": "0.002"})
    model = UsageModel()
    assert model.usage(c.state, 0).cpu[:3].tolist() == [70.0] * 3     # 50 + 10 * 2m
    assert model.usage(c.state, 60).cpu[:3].tolist() == [90.0] * 3    # 50 + 20 * 2m
    model.set_load(c.state.find("deployments", "web", "default"), 300)
    assert model.usage(c.state, 0).cpu[:3].tolist() == [250.0] * 3    # 50 + 100 * 2m
    model.set_load(c.state.find("deployments", "web", "default"), None)
    assert model.usage(c.state, 0).cpu[:3].tolist() == [70.0] * 3


def test_load_of_a_deleted_deployment_stops():
    c = _loaded_cluster(load=90, pod_cost={"cpu": "10m"})
    model = UsageModel()
    assert model.usage(c.state, 0).cpu[0] == 350.0
    c.state.remove("deployments", c.state.find("deployments", "web", "default"))
    assert model.usage(c.state, 0).cpu[0] == 50.0


def test_load_reaches_pods_created_later():
    c = _loaded_cluster(load=90, pod_cost={"cpu": "10m"})
    model = UsageModel()
    model.usage(c.state, 0)
    c.apply(pod("web-3", usage={"cpu": "50m"}, owner="web-rs",
                annotations={"kbench.io/cost-per-request": '{"cpu": "10m"}'}))
    run_pods(c, {"web-3": "n1"})
    usage = model.usage(c.state, 0)
    assert usage.cpu[pod_row(c, "web-3")] == 275.0   # 50 + 90 / 4 * 10


def test_bad_load_annotation_names_the_deployment():
    c = _loaded_cluster(load={"pattern": "diurnal", "mean": "x"})
    with pytest.raises(UsageSpecError) as raised:
        UsageModel().usage(c.state, 0)
    assert str(raised.value).startswith(
        "Deployment/default/web: metadata.annotations[kbench.io/load].mean: invalid quantity")


def test_to_arrays_round_trip_without_pickle():
    c = _loaded_cluster(load=90, pod_cost={"cpu": "10m"})
    rows = c.state.tables["pods"].live_rows()
    model = UsageModel(seed=5)
    model.pin(rows[0], cpu="1")
    model.set_pattern(rows[1], memory={"pattern": "noise", "amplitude": "10Mi"})
    model.set_load(0, {"pattern": "diurnal", "mean": 100, "amplitude": 50})
    buffer = io.BytesIO()
    np.savez(buffer, **model.to_arrays())
    buffer.seek(0)
    restored = UsageModel.from_arrays(dict(np.load(buffer, allow_pickle=False)))
    for t in (0.0, 1234.5):
        a, b = model.usage(c.state, t), restored.usage(c.state, t)
        assert np.array_equal(a.cpu, b.cpu) and np.array_equal(a.memory, b.memory)
    assert math.isnan(restored.to_arrays()["pinned"][rows[1], 0])


@pytest.mark.parametrize("templates", [3, 12])   # few per-pod patterns: masks; many: a sort
def test_many_per_pod_patterns_match_direct_evaluation(templates):
    specs = [["100m", {"pattern": "noise", "amplitude": f"{10 + i}m", "seed": i}]
             for i in range(templates)]
    documents = [node("n1")] + [pod(f"p{i}", usage={"cpu": specs[i % templates]})
                                for i in range(40)]
    c = cluster(documents)
    rows = run_pods(c, {f"p{i}": "n1" for i in range(40)})
    model = UsageModel(seed=2)
    cpu = model.usage(c.state, 100.0).cpu
    uids = c.state.tables["pods"]["uid"]
    for i, row in enumerate(rows.tolist()):
        expected = parse_pattern(specs[i % templates], "cpu").evaluate(100.0, uids[[row]], 2)
        assert cpu[row] == expected[0]


def test_pin_one_value_per_row_and_check_passes():
    c = cluster([node("n1"), pod("a"), pod("b")])
    rows = run_pods(c, {"a": "n1", "b": "n1"})
    model = UsageModel()
    model.check(c.state)
    model.pin(rows, cpu=["100m", 2], memory="1Gi")
    usage = model.usage(c.state, 0)
    assert usage.cpu.tolist() == [100.0, 2000.0]
    assert usage.memory.tolist() == [float(1 << 30)] * 2
    with pytest.raises(ValueError, match="3 values for 2 pods"):
        model.pin(rows, cpu=["1", "2", "3"])


USAGE_SPECS = [None, {"cpu": "50m", "memory": "100Mi"},
               {"cpu": ["20m", {"pattern": "noise", "amplitude": "30m", "seed": 3}],
                "memory": {"pattern": "noise", "amplitude": "5Mi", "seed": 4}},
               {"cpu": {"pattern": "steps", "steps": [[0, "-1"]]}}]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(USAGE_SPECS) - 1),
                          st.sampled_from([None, "web-rs", "api-rs"]), st.booleans(),
                          st.booleans(), st.booleans()), max_size=24),
       st.floats(0, 2 * H, allow_nan=False))
def test_usage_groups_equal_each_pod_worked_out_on_its_own(pods, t):
    """Pods that share annotations, Deployment and readiness share a usage group, whose value
    is worked out once: every pod's usage equals, bit for bit, the usage model's rules
    applied to it alone with the reference twin's patterns (pattern, plus its Deployment's
    requests/s over its ready running pods times its cost, clipped at 0); a pod with a pin
    uses the pin. Neighbouring pods share or differ in annotations (usage, per-pod noise, own
    cost), Deployment, readiness and phase."""
    loads = {"web-rs": {"pattern": "diurnal", "mean": 90, "amplitude": 40}, "api-rs": -5}
    costs = {"web-rs": {"cpu": 10.0, "memory": 1.0 * (1 << 20)}, "api-rs": {"cpu": 3.0}}
    web, web_rs = deployment("web", load=loads["web-rs"], cost={"cpu": "10m", "memory": "1Mi"})
    api, api_rs = deployment("api", load=loads["api-rs"], cost={"cpu": "3m"})
    documents = [node("n1"), web, web_rs, api, api_rs]
    for i, (spec, owner, own_cost, ready, running) in enumerate(pods):
        annotations = {"kbench.io/cost-per-request": '{"cpu": "7m"}'} if own_cost else None
        documents.append(pod(f"p{i}", usage=USAGE_SPECS[spec], owner=owner,
                             annotations=annotations))
    c = cluster(documents)
    for i, (_, _, _, ready, running) in enumerate(pods):
        if running:
            run_pods(c, {f"p{i}": "n1"}, ready=ready)
    model = UsageModel(seed=1)
    pinned = len(pods) // 2 if pods and len(pods) % 3 == 0 else None
    if pinned is not None:
        model.pin(pod_row(c, f"p{pinned}"), cpu="125m")
    got = model.usage_matrix(c.state, t)
    state = c.state
    uid = {"web-rs": int(state.tables["deployments"]["uid"][state.find("deployments", "web")]),
           "api-rs": int(state.tables["deployments"]["uid"][state.find("deployments", "api")])}
    ready_running = {owner: sum(1 for _, o, _, r, run in pods if o == owner and r and run)
                     for owner in loads}
    for i, (spec, owner, own_cost, ready, running) in enumerate(pods):
        row = pod_row(c, f"p{i}")
        expected = [0.0, 0.0]
        if running:
            share = 0.0
            if owner is not None and ready:
                rate = reference.pattern_value(parse_pattern(loads[owner], "load"), t,
                                               uid[owner], 1)
                share = (rate if rate >= 0 else 0.0) / ready_running[owner]
            for unit, name in enumerate(("cpu", "memory")):
                specs = USAGE_SPECS[spec] or {}
                value = (reference.pattern_value(parse_pattern(specs[name], name), t,
                                                 int(state.tables["pods"]["uid"][row]), 1)
                         if name in specs else 0.0)
                cost = 7.0 if (own_cost and name == "cpu") else costs.get(owner, {}).get(name, 0.0)
                expected[unit] = max(value + share * cost, 0.0)
            if i == pinned:
                expected[0] = 125.0
        assert got[row].tolist() == expected, i
