"""Kernel == reference on hypothesis-generated HPAs: random metric mixes, behaviors (or none),
pods in every phase and readiness, samples present or not, histories, flags; two syncs in a
row so the history the first one leaves is what the second one reads."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hpa_cases import (
    NOW,
    case,
    cpu_metric,
    external_metric,
    hpa,
    object_metric,
    pod,
    pods_metric,
    run_both,
)

from kbench.controllers.hpa import HpaConfig

ages = st.sampled_from([0, 5, 9, 10, 11, 29, 30, 31, 100, 119, 120, 121, 299, 300, 301, 1000])


@st.composite
def pods_strategy(draw):
    pods = []
    for _ in range(draw(st.integers(0, 14))):
        start = draw(st.one_of(st.none(), ages.map(lambda a: NOW - a)))
        transition = (start if start is not None else NOW - 50) + draw(st.sampled_from([0, 5, 10, 30, 60]))
        pods.append(pod(
            cpu_request=draw(st.sampled_from([0, 100, 250, 500, 1000, 2000])),
            cpu=draw(st.one_of(st.none(), st.integers(0, 3000))),
            memory_request=draw(st.sampled_from([0, 64 << 20, 256 << 20])),
            memory=draw(st.one_of(st.none(), st.integers(0, 600 << 20))),
            phase=draw(st.sampled_from(["Pending", "Running", "Running", "Running", "Succeeded", "Failed"])),
            ready=draw(st.booleans()), has_ready_condition=draw(st.integers(0, 9)) > 0,
            start=start, transition=transition, deleted=draw(st.integers(0, 9)) == 0,
            sample_time=NOW - draw(st.sampled_from([0, 10, 30, 60, 90, 200])),
            window=draw(st.sampled_from([15.0, 30.0, 60.0])),
            qps=draw(st.one_of(st.none(), st.integers(0, 40000).map(lambda v: v / 1000)))))
    return pods


quantities = st.sampled_from(["100m", "500m", "1", "2500m", "10", "15", "64Mi", "200Mi"])
selectors = st.sampled_from([None, {}, {"matchLabels": {"label": "value"}},
                             {"matchExpressions": [{"key": "a", "operator": "In", "values": ["x", "y"]}]}])


@st.composite
def metric_strategy(draw):
    kind = draw(st.sampled_from(["cpu", "cpu", "memory", "cpu-value", "pods", "object", "object-avg",
                                 "external", "external-avg", "container", "gpu"]))
    if kind == "cpu":
        return cpu_metric(utilization=draw(st.integers(1, 300)))
    if kind == "memory":
        return cpu_metric(utilization=draw(st.integers(1, 200)), resource="memory")
    if kind == "cpu-value":
        return cpu_metric(average_value=draw(quantities), resource=draw(st.sampled_from(["cpu", "memory"])))
    if kind == "container":
        return cpu_metric(utilization=draw(st.integers(1, 150)), kind="ContainerResource")
    if kind == "gpu":
        return cpu_metric(utilization=50, resource="nvidia.com/gpu")
    if kind == "pods":
        return pods_metric(name=draw(st.sampled_from(["qps", "latency"])), average_value=draw(quantities))
    if kind == "object":
        return object_metric(value=draw(quantities))
    if kind == "object-avg":
        return object_metric(average_value=draw(quantities))
    if kind == "external":
        return external_metric(value=draw(quantities), selector=draw(selectors))
    return external_metric(average_value=draw(quantities), selector=draw(selectors))


@st.composite
def rules_strategy(draw):
    rules = {}
    if draw(st.booleans()):
        rules["stabilizationWindowSeconds"] = draw(st.sampled_from([0, 15, 60, 300]))
    if draw(st.booleans()):
        rules["selectPolicy"] = draw(st.sampled_from(["Max", "Min", "Disabled"]))
    if draw(st.booleans()):
        rules["policies"] = [{"type": draw(st.sampled_from(["Pods", "Percent"])),
                              "value": draw(st.integers(1, 200)),
                              "periodSeconds": draw(st.sampled_from([15, 30, 60, 120]))}
                             for _ in range(draw(st.integers(1, 3)))]
    return rules


@st.composite
def behavior_strategy(draw):
    if draw(st.integers(0, 2)) == 0:
        return None
    behavior = {}
    for key in ("scaleUp", "scaleDown"):
        if draw(st.booleans()):
            behavior[key] = draw(rules_strategy())
    return behavior


@st.composite
def history_strategy(draw):
    entries = st.tuples(st.integers(0, 25), st.integers(0, 700)).map(lambda e: [e[0], NOW - e[1]])
    events = st.tuples(st.integers(1, 10), st.integers(0, 200), st.booleans()).map(
        lambda e: [e[0], NOW - e[1], e[2]])
    return {"rec": draw(st.lists(entries, max_size=6)), "up": draw(st.lists(events, max_size=4)),
            "down": draw(st.lists(events, max_size=4))}


@st.composite
def cases(draw):
    pods = draw(pods_strategy())
    hpas, history = [], {}
    for row in range(draw(st.integers(1, 4))):
        minimum = draw(st.integers(0, 3))
        spec = {"minReplicas": minimum, "maxReplicas": draw(st.integers(max(minimum, 1), 25)),
                "metrics": draw(st.lists(metric_strategy(), min_size=1, max_size=3))}
        behavior = draw(behavior_strategy())
        if behavior is not None:
            spec["behavior"] = behavior
        mine = sorted(draw(st.sets(st.integers(0, max(len(pods) - 1, 0)), max_size=len(pods)))) if pods else []
        scalars = [draw(st.one_of(st.none(), st.integers(0, 60000).map(lambda v: v / 1000)))
                   for _ in spec["metrics"]]
        hpas.append(hpa(spec, mine, draw(st.integers(0, 15)), draw(st.integers(0, 15)), row=row,
                        scalars=scalars, target_found=draw(st.integers(0, 9)) > 0,
                        has_selector=draw(st.integers(0, 14)) > 0,
                        ambiguous=draw(st.sampled_from([None] * 9 + [
                            "pods by selector app=web are controlled by multiple HPAs: [a/x a/y]"]))))
        if draw(st.booleans()):
            history[row] = draw(history_strategy())
    config = HpaConfig(tolerance=draw(st.sampled_from([0.1, 0.05, 0.0, 0.25])),
                       cpu_initialization_period=draw(st.sampled_from([300.0, 120.0])),
                       delay_of_initial_readiness_status=draw(st.sampled_from([30.0, 10.0])),
                       downscale_stabilization_window=draw(st.sampled_from([300.0, 0.0, 60.0])))
    return case(hpas, pods, config=config), history


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.sampled_from([0.0, 15.0, 61.0, 400.0]))
def test_kernel_equals_reference(generated, step):
    c, history = generated
    run_both(c, history)
    # a second sync later on, reading the history the first one left
    c["now"] = c["now"] + step
    for h in c["hpas"]:
        h["spec_replicas"] = max(h["spec_replicas"] - 1, 0) if step > 60 else h["spec_replicas"]
    run_both(c, history)


@given(st.integers(-(10 ** 22), 10 ** 22))
def test_milli_quantity_is_canonical(milli):
    # the fast formatter against Quantity.canonical() (resource.NewMilliQuantity(...).String())
    from fractions import Fraction

    from kbench.api.quantity import Quantity
    from kbench.controllers.hpa import milli_quantity
    assert milli_quantity(milli) == Quantity(Fraction(milli, 1000)).canonical()
