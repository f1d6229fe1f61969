"""HPA replica calculation: kubernetes replica_calculator_test.go ported, every case through
the kernel and the reference (run_both asserts they agree), then checked against Go's numbers.

Go's fixtures: 2 containers per pod, each requesting the pod's ``requests`` entry and using its
``levels`` entry, so a pod requests and uses twice that (``cpu_request=2000`` for "1.0").
Metric samples carry Go's zero timestamp and a 1-minute window; pods start at the zero time
unless hot (started now) or cool (3 minutes ago); the calculator runs with the test flags
(tolerance 0.1, cpu initialization 2 min, readiness delay 10 s). The HPA around the metric
passes the proposal through (min 1, max 1000, no stabilization, no rate limit).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from reference import hpa as R
from test_hpa_cases import (
    GO_ZERO,
    NOW,
    PASS_THROUGH,
    case,
    cpu_metric,
    external_metric,
    hpa,
    kernel_inputs,
    object_metric,
    pod,
    pods_metric,
    run_both,
)

from kbench.controllers import hpa_kernel as k
from kbench.controllers.hpa import (
    CompiledHpas,
    HpaConfig,
    compile_spec_documents,
    milli_quantity,
)

GO_TESTING = HpaConfig(tolerance=0.1, cpu_initialization_period=120.0,
                       delay_of_initial_readiness_status=10.0)
HOT = NOW               # hotCPUCreationTime: time.Now()
COOL = NOW - 180.0      # coolCPUCreationTime: 3 minutes ago


def go_pods(current, requests=(), levels=(), readiness=None, phases=None, deletions=None,
            start_times=None, memory=False):
    """prepareTestClientSet + prepareTestMetricsClient: len(phases) or current pods."""
    count = max(current, len(phases or ()))
    pods = []
    for i in range(count):
        request = int(requests[i] * 1000) * 2 if i < len(requests) else 0
        usage = 2 * levels[i] if i < len(levels) else None
        pods.append(pod(cpu_request=request, cpu=usage,
                        ready=True if readiness is None else readiness[i],
                        phase="Running" if phases is None else phases[i],
                        deleted=False if deletions is None else deletions[i],
                        start=GO_ZERO if start_times is None else start_times[i]))
    return pods


def resource_case(current, target, requests, levels, **pod_options):
    spec = {"minReplicas": 1, "maxReplicas": 1000, "metrics": [cpu_metric(utilization=target)],
            "behavior": PASS_THROUGH}
    pods = go_pods(current, requests, levels, **pod_options)
    return case([hpa(spec, list(range(len(pods))), current)], pods, config=GO_TESTING)


def check_resource(result, replicas, utilization, value_milli):
    assert result["outcome"] in ("Kept", "Rescaled"), result
    assert result["desired"] == replicas
    current = result["metrics"][0]["resource"]["current"]
    assert current == {"averageUtilization": utilization, "averageValue": milli_quantity(value_milli)}


RESOURCE_CASES = {
    # name: (current, expected replicas, target %, requests, levels, pod options,
    #        expected utilization, expected raw value in milli)
    # ((300+500+700)*2) * 100 / 6000 = 50 %; 50/30 * 3 ready = 5
    "TestReplicaCalcScaleUp": (3, 5, 30, [1.0] * 3, [300, 500, 700], {}, 50, 2 * 500),
    # the unready pod's 300 is left out: (500+700)/2000 = 60 %; with it at 0: 1200/3000 -> 40 %,
    # 40/30 * 3 = 4
    "TestReplicaCalcScaleUpUnreadyLessScale": (3, 4, 30, [1.0] * 3, [300, 500, 700],
                                                {"readiness": [False, True, True]}, 60, 2 * 600),
    "TestReplicaCalcScaleUpHotCpuLessScale": (3, 4, 30, [1.0] * 3, [300, 500, 700],
                                               {"start_times": [HOT, COOL, COOL]}, 60, 2 * 600),
    # 400/1000 = 40 % from the one ready pod; with two unready at 0: 13 % -> direction flips
    "TestReplicaCalcScaleUpUnreadyNoScale": (3, 3, 30, [1.0] * 3, [400, 500, 700],
                                              {"readiness": [True, False, False]}, 40, 2 * 400),
    "TestReplicaCalcScaleHotCpuNoScale": (3, 3, 30, [1.0] * 3, [400, 500, 700],
                                           {"readiness": [True, False, False],
                                            "start_times": [COOL, HOT, HOT]}, 40, 2 * 400),
    "TestReplicaCalcScaleUpIgnoresFailedPods": (2, 4, 30, [1.0] * 4, [500, 700],
                                                 {"readiness": [True, True, False, False],
                                                  "phases": ["Running", "Running", "Failed", "Failed"]},
                                                 60, 2 * 600),
    "TestReplicaCalcScaleUpIgnoresDeletionPods": (2, 4, 30, [1.0] * 4, [500, 700],
                                                   {"readiness": [True, True, False, False],
                                                    "phases": ["Running"] * 4,
                                                    "deletions": [False, False, True, True]},
                                                   60, 2 * 600),
    # (100+300+500+250+250)*2*100/10000 = 28 %; 28/50 * 5 = 2.8 -> 3
    "TestReplicaCalcScaleDown": (5, 3, 50, [1.0] * 5, [100, 300, 500, 250, 250], {}, 28, 2 * 280),
    "TestReplicaCalcScaleDownExcludeUnreadyPods": (5, 2, 50, [1.0] * 5, [100, 300, 500, 250, 250],
                                                    {"readiness": [True, True, True, False, False]},
                                                    30, 2 * 300),
    "TestReplicaCalcScaleDownExcludeUnscheduledPods": (5, 1, 50, [1.0] * 5, [100],
                                                        {"readiness": [True, False, False, False, False],
                                                         "phases": ["Running"] + ["Pending"] * 4},
                                                        10, 2 * 100),
    "TestReplicaCalcScaleDownIgnoreHotCpuPods": (5, 2, 50, [1.0] * 5, [100, 300, 500, 250, 250],
                                                  {"start_times": [COOL, COOL, COOL, HOT, HOT]},
                                                  30, 2 * 300),
    "TestReplicaCalcScaleDownIgnoresFailedPods": (5, 3, 50, [1.0] * 7, [100, 300, 500, 250, 250],
                                                   {"readiness": [True] * 5 + [False] * 2,
                                                    "phases": ["Running"] * 5 + ["Failed"] * 2},
                                                   28, 2 * 280),
    "TestReplicaCalcScaleDownIgnoresDeletionPods": (5, 3, 50, [1.0] * 7, [100, 300, 500, 250, 250],
                                                     {"readiness": [True] * 5 + [False] * 2,
                                                      "phases": ["Running"] * 7,
                                                      "deletions": [False] * 5 + [True] * 2},
                                                     28, 2 * 280),
    # 3*2*(1010+1030+1020)... / (2*(900+1000+1100)) = 102 %: within the 10 % tolerance
    "TestReplicaCalcTolerance": (3, 3, 100, [0.9, 1.0, 1.1], [1010, 1030, 1020], {}, 102, 2 * 1020),
    # metrics for pods the lister does not return are ignored; kbench's samples are keyed by
    # pod row, so the superfluous ones are simply absent: 47000*100/8000 = 587 %, 5.87*4 -> 24
    "TestReplicaCalcSuperfluousMetrics": (4, 24, 100, [1.0] * 4, [4000, 9500, 3000, 7000], {},
                                          587, 2 * 5875),
    # 2 pods without samples count as using 100 % on a scale-down: (800+190+4000)/8000 -> 62 %
    "TestReplicaCalcMissingMetrics": (4, 3, 100, [1.0] * 4, [400, 95], {}, 24, 495),
    "TestReplicaCalcMissingMetricsNoChangeEq": (2, 2, 100, [1.0] * 2, [1000], {}, 100, 2 * 1000),
    "TestReplicaCalcMissingMetricsNoChangeGt": (2, 2, 100, [1.0] * 2, [1900], {}, 190, 2 * 1900),
    "TestReplicaCalcMissingMetricsNoChangeLt": (2, 2, 100, [1.0] * 2, [600], {}, 60, 2 * 600),
    "TestReplicaCalcMissingMetricsUnreadyChange": (3, 3, 50, [1.0] * 3, [100, 450],
                                                    {"readiness": [False, True, True]}, 45, 2 * 450),
    "TestReplicaCalcMissingMetricsHotCpuNoChange": (3, 3, 50, [1.0] * 3, [100, 450],
                                                     {"start_times": [HOT, COOL, COOL]}, 45, 2 * 450),
    "TestReplicaCalcMissingMetricsUnreadyScaleUp": (3, 4, 50, [1.0] * 3, [100, 2000],
                                                     {"readiness": [False, True, True]}, 200, 2 * 2000),
    "TestReplicaCalcMissingMetricsHotCpuScaleUp": (3, 4, 50, [1.0] * 3, [100, 2000],
                                                    {"readiness": [False, True, True],
                                                     "start_times": [HOT, COOL, COOL]}, 200, 2 * 2000),
    "TestReplicaCalcMissingMetricsUnreadyScaleDown": (4, 3, 50, [1.0] * 4, [100, 100, 100],
                                                       {"readiness": [False, True, True, True]},
                                                       10, 2 * 100),
    # the missing pod counts at the 300 % target, not 100 %: fallbackUtilization
    "TestReplicaCalcMissingMetricsScaleDownTargetOver100": (4, 2, 300, [1.0, 1.0, 2.0, 2.0],
                                                            [200, 100, 100],
                                                            {"readiness": [False, True, True, True]},
                                                            6, 2 * 100),
    "TestReplicaCalcDuringRollingUpdateWithMaxSurge": (2, 2, 50, [1.0] * 3, [100, 100],
                                                        {"phases": ["Running"] * 3}, 10, 2 * 100),
}


@pytest.mark.parametrize("name", list(RESOURCE_CASES))
def test_replica_calc_resource(name):
    current, replicas, target, requests, levels, options, utilization, value = RESOURCE_CASES[name]
    result = run_both(resource_case(current, target, requests, levels, **options))[0]
    check_resource(result, replicas, utilization, value)


def test_replica_calc_computed_tolerance_alg_implementation():
    # TestReplicaCalcComputedToleranceAlgImplementation: 10 pods at 150m each, requests
    # around 300m; the target is set just past the tolerance, then just inside it.
    start_pods = 10
    used = start_pods * 150
    requested = 2 * used
    per_pod = requested // start_pods
    target = abs(1 / (2.0 * (1 - 0.1))) + 0.01
    final_target = int(target * 100)
    ratio = used / (requested * target)
    final_pods = math.ceil(ratio * start_pods)
    offsets = [100, -100, 10, -10, 2, -2, 1, -1, 0, 0]
    pods = [pod(cpu_request=2 * (per_pod + o), cpu=2 * (used // 10)) for o in offsets]
    spec = {"minReplicas": 1, "maxReplicas": 1000, "metrics": [cpu_metric(utilization=final_target)],
            "behavior": PASS_THROUGH}
    result = run_both(case([hpa(spec, list(range(10)), start_pods)], pods, config=GO_TESTING))[0]
    check_resource(result, final_pods, (used * 100) // requested, 2 * used // 10)
    # "unscaling": within the tolerance margin, no change
    spec["metrics"] = [cpu_metric(utilization=int((abs(1 / (2.0 * (1 - 0.1))) + 0.004) * 100))]
    result = run_both(case([hpa(spec, list(range(10)), start_pods)], pods, config=GO_TESTING))[0]
    assert result["desired"] == start_pods


ERROR_CASES = {
    # TestReplicaCalcEmptyMetrics: no sample at all
    "TestReplicaCalcEmptyMetrics": ((4, 100, [1.0] * 3, [], {}),
                                    ("unable to get metrics for resource cpu: no metrics returned "
                                    "from resource metrics API")),
    # TestReplicaCalcEmptyCPURequest: the pod requests no cpu
    "TestReplicaCalcEmptyCPURequest": ((1, 100, [], [200], {}), "missing request for"),
    # TestReplicaCalcDisjointResourcesMetrics: the only sample is of another pod. With samples
    # keyed by pod row that pod has no sample at all, so the error is the empty-metrics one
    # where Go (which lists both) says "no metrics returned matched known pods".
    "TestReplicaCalcDisjointResourcesMetrics": ((1, 100, [1.0], [], {}),
                                                "no metrics returned from resource metrics API"),
}


@pytest.mark.parametrize("name", list(ERROR_CASES))
def test_replica_calc_errors(name):
    (current, target, requests, levels, options), message = ERROR_CASES[name]
    result = run_both(resource_case(current, target, requests, levels, **options))[0]
    assert result["outcome"] == "FailedComputeMetricsReplicas"
    assert result["conditions"][-1][:3] == ("ScalingActive", "False", "FailedGetResourceMetric")
    assert message in result["events"][0][2]
    assert result["events"][0][1] == "FailedGetResourceMetric"
    assert result["events"][-1][1] == "FailedComputeMetricsReplicas"
    assert result["events"][-1][2].startswith(
        "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric "
        "value: failed to get cpu utilization: ")


def custom_case(current, metric, levels=(), readiness=None, start_times=None, scalars=None,
                phases=None):
    spec = {"minReplicas": 1, "maxReplicas": 1000, "metrics": [metric], "behavior": PASS_THROUGH}
    count = max(current, len(phases or ()))
    pods = []
    for i in range(count):
        custom = {"qps": levels[i] / 1000} if i < len(levels) and metric["type"] == "Pods" else {}
        pods.append(pod(cpu_request=2000, ready=True if readiness is None else readiness[i],
                        start=GO_ZERO if start_times is None else start_times[i],
                        phase="Running" if phases is None else phases[i], **custom))
    return case([hpa(spec, list(range(count)), current, scalars=scalars)], pods, config=GO_TESTING)


LABEL = {"matchLabels": {"label": "value"}}

CUSTOM_CASES = {
    # name: (current, metric, levels (milli), options, expected replicas, status field, usage)
    # (20000+10000+30000)/3 = 20000 vs 15000: 1.33 * 3 = 4
    "TestReplicaCalcScaleUpCM": (3, pods_metric(average_value="15"), [20000, 10000, 30000], {},
                                 4, ("pods", "averageValue"), 20000),
    "TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale": (
        3, pods_metric(average_value="15"), [50000, 10000, 30000],
        {"readiness": [True, True, False], "start_times": [COOL, COOL, HOT]},
        6, ("pods", "averageValue"), 30000),
    "TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown": (
        3, pods_metric(average_value="15"), [50000, 15000, 30000],
        {"readiness": [False, True, False], "start_times": [HOT, COOL, HOT]},
        7, ("pods", "averageValue"), 31666),
    "TestReplicaCalcScaleUpCMExternal": (1, pods_metric(average_value="4400m"), [8600], {},
                                         2, ("pods", "averageValue"), 8600),
    "TestReplicaCalcScaleUpCMExternalNoLabels": (1, pods_metric(average_value="4400m"), [8600], {},
                                                 2, ("pods", "averageValue"), 8600),
    "TestReplicaCalcScaleDownCM": (5, pods_metric(average_value="20"), [12000] * 5, {},
                                   3, ("pods", "averageValue"), 12000),
    "TestReplicaCalcToleranceCM": (3, pods_metric(average_value="20"), [20000, 21000, 21000], {},
                                   3, ("pods", "averageValue"), 20666),
    "TestPlainMetricReplicaCalcMissingMetricsNoChangeEq": (
        5, pods_metric(average_value="20"), [20000, 19000, 21000], {},
        5, ("pods", "averageValue"), 20000),
    "TestReplicaCalcDuringRollingUpdateWithMaxSurgeCM": (
        2, pods_metric(average_value="17"), [10000, 10000], {"phases": ["Running"] * 3},
        2, ("pods", "averageValue"), 10000),
    # 20000 / 15000 * 3 ready pods = 4
    "TestReplicaCalcScaleUpCMObject": (3, object_metric(value="15"), [], {"scalars": [20.0]},
                                       4, ("object", "value"), 20000),
    # 20000 / (5000 * 3) = 1.33 -> ceil(20000 / 5000) = 4; usage per pod ceil(20000/3) = 6667
    "TestReplicaCalcScaleUpCMPerPodObject": (3, object_metric(average_value="5"), [],
                                             {"scalars": [20.0]}, 4, ("object", "averageValue"), 6667),
    # 50000 / 10000 * 1 ready pod = 5 (15 if the unready pods counted)
    "TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods": (
        3, object_metric(value="10"), [], {"scalars": [50.0], "readiness": [False, True, False]},
        5, ("object", "value"), 50000),
    "TestReplicaCalcScaleDownPerPodCMObject": (5, object_metric(average_value="2"), [],
                                               {"scalars": [6.0]}, 3, ("object", "averageValue"), 1200),
    "TestReplicaCalcScaleDownCMObject": (5, object_metric(value="20"), [], {"scalars": [12.0]},
                                         3, ("object", "value"), 12000),
    "TestReplicaCalcToleranceCMObject": (3, object_metric(value="20"), [], {"scalars": [20.666]},
                                         3, ("object", "value"), 20666),
    "TestReplicaCalcTolerancePerPodCMObject": (4, object_metric(average_value="5"), [],
                                               {"scalars": [20.166]}, 4, ("object", "averageValue"), 5042),
    # 8600 / 4400 * 1 ready pod = 2 (6 if the unready pods counted)
    "TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods": (
        3, external_metric(value="4400m", selector=LABEL), [],
        {"scalars": [8.6], "readiness": [False, True, False]}, 2, ("external", "value"), 8600),
    "TestReplicaCalcScaleUpPerPodCMExternal": (3, external_metric(average_value="2150m", selector=LABEL),
                                               [], {"scalars": [8.6]}, 4, ("external", "averageValue"), 2867),
    "TestReplicaCalcScaleDownCMExternal": (5, external_metric(value="14334m", selector=LABEL), [],
                                           {"scalars": [8.6]}, 3, ("external", "value"), 8600),
    "TestReplicaCalcScaleDownPerPodCMExternal": (5, external_metric(average_value="2867m", selector=LABEL),
                                                 [], {"scalars": [8.6]}, 3, ("external", "averageValue"), 1720),
    "TestReplicaCalcToleranceCMExternal": (3, external_metric(value="8888m", selector=LABEL), [],
                                           {"scalars": [8.6]}, 3, ("external", "value"), 8600),
    "TestReplicaCalcTolerancePerPodCMExternal": (3, external_metric(average_value="2900m", selector=LABEL),
                                                 [], {"scalars": [8.6]}, 3, ("external", "averageValue"), 2867),
}


@pytest.mark.parametrize("name", list(CUSTOM_CASES))
def test_replica_calc_custom_metrics(name):
    current, metric, levels, options, replicas, (field, key), usage = CUSTOM_CASES[name]
    result = run_both(custom_case(current, metric, levels, **options))[0]
    assert result["outcome"] in ("Kept", "Rescaled"), result
    assert result["desired"] == replicas
    assert result["metrics"][0][field]["current"] == {key: milli_quantity(usage)}


# -- horizontal_test.go, through reconcileAutoscaler -----------------------------------------------

def horizontal_case(min_replicas, max_replicas, spec_replicas, cpu_target, levels, requests,
                    extra_metrics=(), scalars=None):
    """testCase of horizontal_test.go: one cpu Utilization metric (plus extra ones), pods that
    are ready and past their initialization, usage per pod, no behavior (legacy path)."""
    spec = {"minReplicas": min_replicas, "maxReplicas": max_replicas,
            "metrics": [cpu_metric(utilization=cpu_target), *extra_metrics]}
    pods = [pod(cpu_request=int(r * 1000), cpu=level, start=NOW - 600, transition=NOW - 590)
            for r, level in zip(requests, levels)]
    return case([hpa(spec, list(range(len(pods))), spec_replicas,
                     scalars=scalars or [None] * (1 + len(extra_metrics)))], pods)


def test_scale_up():
    # TestScaleUp: (300+500+700)/3000 = 50 % vs 30 %: ceil(1.667 * 3) = 5
    result = run_both(horizontal_case(2, 6, 3, 30, [300, 500, 700], [1.0] * 3))[0]
    assert result["desired"] == 5 and result["rescale"]
    assert result["events"][-1] == ("Normal", "SuccessfulRescale",
                                    ("New size: 5; reason: cpu resource utilization (percentage of "
                                    "request) above target"))
    assert ("ScalingActive", "True", "ValidMetricFound",
            ("the HPA was able to successfully calculate a replica count from cpu resource "
            "utilization (percentage of request)")) in result["conditions"]


def test_scale_down():
    # TestScaleDown: 1400/5000 = 28 % vs 50 %: ceil(0.56 * 5) = 3. Go's test starts from an
    # empty, non-nil recommendation list (no initial recommendation); kbench's history has no
    # such state, so an outdated entry stands in for it (it is replaced, never read).
    history = {0: {"rec": [[9, NOW - 1000]], "up": [], "down": []}}
    result = run_both(horizontal_case(2, 6, 5, 50, [100, 300, 500, 250, 250], [1.0] * 5), history)[0]
    assert result["desired"] == 3
    assert result["reason"] == "All metrics below target"
    assert history[0]["rec"] == [[3, NOW]]


def test_scale_down_stabilized_by_initial_recommendation():
    # Without that entry the initial recommendation (5, now) holds the scale-down for 5 minutes.
    result = run_both(horizontal_case(2, 6, 5, 50, [100, 300, 500, 250, 250], [1.0] * 5))[0]
    assert result["desired"] == 5 and not result["rescale"]
    assert ("AbleToScale", "True", "ScaleDownStabilized",
            ("recent recommendations were higher than current one, applying the highest recent "
            "recommendation")) in result["conditions"]


def test_scale_up_one_metric_empty():
    # TestScaleUpOneMetricEmpty: the External metric fails, the cpu one still scales up to 4.
    qps = external_metric(value="100m", selector={})
    result = run_both(horizontal_case(2, 6, 3, 30, [300, 400, 500], [1.0] * 3, [qps]))[0]
    assert result["desired"] == 4 and result["rescale"]
    assert result["events"][0][:2] == ("Warning", "FailedGetExternalMetric")
    assert result["metrics"][1] == {"type": ""}


def test_no_scale_down_one_metric_empty():
    # TestNoScaleDownOneMetricEmpty: cpu says 3, the External metric fails: no scale-down.
    qps = external_metric(value="1", selector={})
    result = run_both(horizontal_case(2, 6, 5, 50, [100, 300, 500, 250, 250], [1.0] * 5, [qps]))[0]
    assert result["outcome"] == "FailedComputeMetricsReplicas" and not result["rescale"]
    assert result["conditions"][-1][:3] == ("ScalingActive", "False", "FailedGetExternalMetric")
    assert result["events"][-1][2].startswith("invalid metrics (1 invalid out of 2), first error is: "
                                              "failed to get qps external metric value: ")


def test_scaling_disabled_and_out_of_range():
    # currentReplicas 0: ScalingDisabled; above max / below min: rescale without metrics.
    disabled = run_both(horizontal_case(1, 6, 0, 50, [], []))[0]
    assert disabled["outcome"] == "ScalingDisabled"
    assert disabled["conditions"][-1][:3] == ("ScalingActive", "False", "ScalingDisabled")
    above = run_both(horizontal_case(1, 6, 9, 50, [100], [1.0]))[0]
    assert above["desired"] == 6 and above["reason"] == "Current number of replicas above Spec.MaxReplicas"
    below = run_both(horizontal_case(3, 6, 1, 50, [100], [1.0]))[0]
    assert below["desired"] == 3 and below["reason"] == "Current number of replicas below Spec.MinReplicas"
    assert below["metrics"] is None


def test_missing_target_and_selector():
    missing = case([hpa({"maxReplicas": 5}, [], 0, target_found=False, name="gone")], [])
    result = run_both(missing)[0]
    assert result["events"] == [("Warning", "FailedGetScale", 'deployments.apps "gone" not found')]
    assert result["conditions"] == [("AbleToScale", "False", "FailedGetScale",
                                     ("the HPA controller was unable to get the target's current "
                                     'scale: deployments.apps "gone" not found'))]
    unknown = case([hpa({"maxReplicas": 5}, [], 0, target_found=False, kind="Foo")], [])
    assert run_both(unknown)[0]["events"][0][2] == 'no matches for kind "Foo" in group ""'
    no_selector = case([hpa({"maxReplicas": 5}, [], 2, has_selector=False)], [])
    assert run_both(no_selector)[0]["events"][0] == ("Warning", "SelectorRequired", "selector is required")


def test_memory_average_value_and_utilization():
    # memory samples are bytes; MilliValue multiplies by 1000
    spec = {"minReplicas": 1, "maxReplicas": 10, "behavior": PASS_THROUGH,
            "metrics": [cpu_metric(average_value="200Mi", resource="memory"),
                        cpu_metric(utilization=50, resource="memory")]}
    pods = [pod(memory_request=256 << 20, memory=300 << 20, start=NOW - 600),
            pod(memory_request=256 << 20, memory=100 << 20, start=NOW - 600)]
    result = run_both(case([hpa(spec, [0, 1], 2)], pods))[0]
    # average 200Mi == target: within tolerance; utilization 400Mi/512Mi = 78 % vs 50 %: 4
    assert result["desired"] == 4
    assert result["metrics"][0]["resource"]["current"] == {"averageValue": "209715200"}
    assert result["metrics"][1]["resource"]["current"]["averageUtilization"] == 78


# -- TestGroupPods ---------------------------------------------------------------------------------

GROUP_PODS = {
    # name: (pod, has metric, cpu, expected group); CPU initialization 2 min, readiness delay 10 s
    "count in a ready pod - memory": (
        pod(phase="Succeeded", has_ready_condition=False, start=None), True, False, "ready"),
    "unready a pod without ready condition - CPU": (
        pod(phase="Succeeded", has_ready_condition=False, start=NOW), True, True, "unready"),
    "count in a ready pod with fresh metrics during initialization period - CPU": (
        pod(phase="Succeeded", start=NOW - 60, transition=NOW - 30, sample_time=NOW, window=30.0),
        True, True, "ready"),
    "unready a ready pod without fresh metrics during initialization period - CPU": (
        pod(phase="Succeeded", start=NOW - 60, transition=NOW - 30, sample_time=NOW, window=60.0),
        True, True, "unready"),
    "unready an unready pod during initialization period - CPU": (
        pod(phase="Succeeded", ready=False, start=NOW - 600, transition=NOW - 594), True, True, "unready"),
    "count in a ready pod without fresh metrics after initialization period - CPU": (
        pod(phase="Succeeded", start=NOW - 180, transition=NOW - 180, sample_time=NOW - 120),
        True, True, "ready"),
    "count in an unready pod that was ready after initialization period - CPU": (
        pod(phase="Succeeded", ready=False, start=NOW - 600, transition=NOW - 540), True, True, "ready"),
    # start + 10 s is not After the transition 9m50s ago: the pod counts as ready
    "unready pod that has never been ready after initialization period - CPU": (
        pod(phase="Succeeded", ready=False, start=NOW - 600, transition=NOW - 590), True, True, "ready"),
    "a missing pod": (pod(phase="Succeeded", has_ready_condition=False, start=NOW - 180), False, True,
                      "missing"),
    "pending pods are unreadied": (pod(phase="Pending", has_ready_condition=False, start=None), False,
                                   True, "unready"),
    "ignore pods with deletion timestamps": (pod(phase="Pending", deleted=True), True, True, "ignored"),
    "ignore pods in a failed state": (pod(phase="Failed"), True, True, "ignored"),
    # not in Go's table: a sample exactly one window after the Ready transition is not Before it
    "sample exactly one window after becoming ready - CPU": (
        pod(start=NOW - 100, transition=NOW - 90, sample_time=NOW - 30, window=60.0), True, True, "ready"),
}


@pytest.mark.parametrize("name", list(GROUP_PODS))
def test_group_pods(name):
    # TestGroupPods
    the_pod, has_metric, cpu, expected = GROUP_PODS[name]
    c = case([hpa({"maxReplicas": 5}, [0], 1)], [the_pod], config=GO_TESTING)
    specs, docs = compile_spec_documents([c["hpas"][0]["spec"]], GO_TESTING)
    compiled = CompiledHpas(specs, ["ns"], ["h"], ["Deployment"], ["web"], ["deployments"],
                            np.zeros(1, np.int64), docs)
    inputs = kernel_inputs(c, compiled)
    timings = k.HpaTimings(NOW, 120.0, 10.0, 300.0)
    groups = {k.GROUP_READY: "ready", k.GROUP_UNREADY: "unready", k.GROUP_MISSING: "missing",
              k.GROUP_IGNORED: "ignored"}
    found = np.zeros(1, np.int8)
    k._group_pods(0, np.array([has_metric]), cpu, inputs, timings, found)
    assert groups[int(found[0])] == expected
    ready, unready, missing, _ = R.group_pods(c, [0], {0: 1} if has_metric else {}, cpu)
    got = "ready" if ready else "unready" if unready else "missing" if missing else "ignored"
    assert got == expected
