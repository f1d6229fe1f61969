"""Compiled pattern evaluation (one kernel call for all patterns) against its plain per-pattern
twin (tests/reference/metrics.py pattern_value) and the pattern classes' own evaluate: equal
to the last bit on hand-picked and hypothesis-generated pattern sets, times and keys."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from metrics.builders import cluster, deployment, node, pod, run_pods
from reference import metrics as reference

from kbench.metrics import UsageModel, parse_pattern
from kbench.metrics.usage import evaluate_patterns

H = 3600.0


def _bits(values) -> list[bytes]:
    return [np.float64(v).tobytes() for v in values]


def _assert_same_as_reference(specs, times, keys, model_seed, batches=1):
    """Register ``specs`` in ``batches`` (compiling after each, as a run registers patterns
    as it meets them), then every (pattern, key) at every time equals the reference."""
    model = UsageModel(seed=model_seed)
    size = -(-len(specs) // batches)
    for start in range(0, len(specs), size):
        ids = [model.pattern_id(spec, "cpu") for spec in specs[start:start + size]]
        model.compiled_patterns()
    ids = np.array([model.pattern_id(spec, "cpu") for spec in specs], dtype=np.int32)
    patterns = [parse_pattern(spec, "cpu") for spec in specs]
    row_ids = np.repeat(ids, len(keys))
    row_keys = np.tile(np.asarray(keys, dtype=np.int64), len(ids))
    for t in times:
        values = evaluate_patterns(model.compiled_patterns(), row_ids, row_keys, t)
        expected = [reference.pattern_value(pattern, t, key, model_seed)
                    for pattern in patterns for key in keys]
        assert _bits(values) == _bits(expected), (t, specs)
        direct = [np.atleast_1d(pattern.evaluate(t, np.array([key]), model_seed))[0]
                  for pattern in patterns for key in keys]
        assert _bits(values) == _bits(direct)


def noise(amplitude, seed, interval="15s"):
    return {"pattern": "noise", "amplitude": amplitude, "interval": interval, "seed": seed}


EVERY_KIND = [
    "250m",
    {"pattern": "diurnal", "mean": "200m", "amplitude": "100m", "period": "24h", "phase": "6h"},
    {"pattern": "steps", "steps": [["0s", "100m"], ["1h", "300m"], ["2h", "-50m"]]},
    {"pattern": "spikes", "period": "1h", "duration": "5m", "height": "500m", "start": "10m"},
    noise("50m", 7),
    ["100m", noise("10m", -3, "1m")],                          # a per-pod sum
    ["1m", ["2m", ["3m", noise("4m", 2**70)]], "5m"],          # nested, seed beyond 64 bits
    {"pattern": "sum", "of": ["1", {"pattern": "spikes", "period": 60, "duration": 1,
                                    "height": 1}]},            # a shared sum
]


@pytest.mark.parametrize("t", [-20.0, 0.0, 599.999, 600.0, 899.0, 900.0, H, 2 * H + 0.5,
                               1.5 * 86400, 1e7 + 0.25])
def test_every_kind_equals_the_reference(t):
    # e.g. spikes at 600 s: (600 - 600) mod 3600 = 0 < 300, height 500; at 900 s: 300 is not
    # < 300, 0; steps at 2h + 0.5 s: the last step at or before it, -50
    _assert_same_as_reference(EVERY_KIND, [t], keys=[0, 1, 12345, 2**40 + 3], model_seed=5)


def test_no_pattern_is_zero_and_ids_are_checked():
    model = UsageModel()
    model.pattern_id("100m", "cpu")
    patterns = model.compiled_patterns()
    values = evaluate_patterns(patterns, np.array([-1, 0, -1]), np.array([1, 2, 3]), 0.0)
    assert values.tolist() == [0.0, 100.0, 0.0]
    with pytest.raises(ValueError, match="pattern id 1: only 1 are compiled"):
        evaluate_patterns(patterns, np.array([1]), np.array([1]), 0.0)


# -- hypothesis ------------------------------------------------------------------------------

amounts = st.integers(-5000, 5000).map(lambda m: f"{m}m")
positive_seconds = st.integers(1, 10**6)
leaves = st.one_of(
    amounts,
    st.builds(lambda mean, amplitude, period, phase: {
        "pattern": "diurnal", "mean": mean, "amplitude": amplitude, "period": period,
        "phase": phase}, amounts, amounts, positive_seconds, st.integers(-10**5, 10**5)),
    st.lists(st.tuples(st.integers(-10**4, 10**6), amounts), min_size=1, max_size=5,
             unique_by=lambda step: step[0]).map(
        lambda steps: {"pattern": "steps", "steps": [list(s) for s in sorted(steps)]}),
    st.builds(lambda period, duration, height, start: {
        "pattern": "spikes", "period": period, "duration": duration, "height": height,
        "start": start}, positive_seconds, st.integers(0, 10**6), amounts,
        st.integers(-10**5, 10**5)),
    st.builds(lambda amplitude, interval, seed: noise(f"{amplitude}m", seed, interval),
              st.integers(0, 5000), positive_seconds, st.integers(-2**70, 2**70)),
)
specs = st.recursive(leaves, lambda parts: st.one_of(
    st.lists(parts, min_size=1, max_size=4),
    st.lists(parts, min_size=1, max_size=4).map(lambda of: {"pattern": "sum", "of": of})),
    max_leaves=10)


@settings(max_examples=150, deadline=None)
@given(st.lists(specs, min_size=1, max_size=12),
       st.lists(st.floats(-1e5, 1e7, allow_nan=False), min_size=1, max_size=3),
       st.lists(st.integers(0, 2**62), min_size=1, max_size=3),
       st.integers(-2**63, 2**64 - 1), st.integers(1, 3))
def test_generated_patterns_equal_the_reference(specs_, times, keys, model_seed, batches):
    _assert_same_as_reference(specs_, times, keys, model_seed, batches)


# -- through the usage model -----------------------------------------------------------------

def test_deployment_loads_with_their_own_patterns_equal_the_reference():
    """Ten Deployments, each with its own load (diurnal of its phase + noise of its seed), as
    the day benchmark makes them: each ready pod gets load / ready pods * cost."""
    documents = [node("n1", cpu="64")]
    loads = [[{"pattern": "diurnal", "mean": 100, "amplitude": 60, "phase": f"{i}h"},
              noise(5, i, "5m")] for i in range(10)]
    for i, load in enumerate(loads):
        documents += deployment(f"svc-{i}", load=load, cost={"cpu": "10m"})
        documents += [pod(f"svc-{i}-{k}", owner=f"svc-{i}-rs") for k in range(3)]
    c = cluster(documents)
    run_pods(c, {f"svc-{i}-{k}": "n1" for i in range(10) for k in range(3)})
    model = UsageModel(seed=4)
    state = c.state
    deployments = state.tables["deployments"]
    for t in (0.0, 7 * H + 1.5):
        cpu = model.usage(state, t).cpu
        for i, load in enumerate(loads):
            row = state.find("deployments", f"svc-{i}", "default")
            requests = reference.pattern_value(parse_pattern(load, "load"), t,
                                               int(deployments["uid"][row]), 4)
            for k in range(3):
                # e.g. 100 requests/s over 3 ready pods at 10 millicores each: 333.3 millicores
                expected = max(requests, 0.0) / 3 * 10.0
                assert cpu[state.find("pods", f"svc-{i}-{k}", "default")] == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(specs, specs), min_size=1, max_size=4),
       st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=12, max_size=12),
       st.lists(st.sampled_from([None, "0", "150m", "-1"]), min_size=12, max_size=12),
       st.floats(-1e5, 1e7, allow_nan=False), st.integers(0, 2**32))
def test_usage_of_pods_with_generated_patterns_equals_the_reference(pairs, chosen, pins, t,
                                                                     model_seed):
    """Pods with generated (cpu, memory) patterns (index 4 or past the list: none) and pins:
    usage = the pin, else the pattern's value for the pod's uid, never below 0."""
    c = cluster([node("n1")] + [pod(f"p{i}") for i in range(12)])
    rows = run_pods(c, {f"p{i}": "n1" for i in range(12)})
    model = UsageModel(seed=model_seed)
    for row, (cpu, memory), pin in zip(rows.tolist(), chosen, pins):
        for unit, index in (("cpu", cpu), ("memory", memory)):
            if index < len(pairs):
                model.set_pattern(row, **{unit: pairs[index][0 if unit == "cpu" else 1]})
        if pin is not None:
            model.pin(row, cpu=pin)
    usage = model.usage_matrix(c.state, t)
    uids = c.state.tables["pods"]["uid"]
    for row, (cpu, memory), pin in zip(rows.tolist(), chosen, pins):
        for column, index in ((0, cpu), (1, memory)):
            spec = pin if column == 0 and pin is not None else None
            if spec is not None:
                expected = max(parse_pattern(spec, "cpu").value, 0.0)
            elif index < len(pairs):
                spec = pairs[index][column]
                pattern = parse_pattern(spec, "cpu" if column == 0 else "memory")
                expected = 0.0 + reference.pattern_value(pattern, t, int(uids[row]), model_seed)
                expected = max(expected, 0.0)
            else:
                expected = 0.0
            assert usage[row, column] == expected, (row, column, spec)
