"""HPA normalisation: kubernetes horizontal_test.go's arithmetic tables (stabilization windows,
scaling policies, scale-event storage, min/max rules), each case through the kernel's functions
and the reference's. Times are seconds before NOW, as Go's time.Now().Add(-d)."""

from __future__ import annotations

import pytest
from reference import hpa as R
from test_hpa_cases import NOW

from kbench.controllers import hpa as H
from kbench.controllers import hpa_kernel as k

NAMES = {code: entry[2] for code, entry in H.CONDITIONS.items()}


def rules(pods=0, pods_period=0, percent=0, percent_period=0, window=0, select="Max"):
    """generateScalingRules."""
    policies = []
    if pods:
        policies.append({"type": "Pods", "value": pods, "periodSeconds": pods_period})
    if percent:
        policies.append({"type": "Percent", "value": percent, "periodSeconds": percent_period})
    return {"stabilizationWindowSeconds": window, "selectPolicy": select, "policies": policies}


def uniform_events(changes, period):
    """generateEventsUniformDistribution: events centred in equal segments of the last period."""
    segment = period / len(changes)
    return [[c, NOW - int(period - segment * (i + 1) + segment / 2), False]
            for i, c in enumerate(changes)]


def kernel_specs(spec):
    specs, _ = H.compile_spec_documents([spec], H.HpaConfig())
    return specs


def kernel_history(up=(), down=(), rec=()):
    history = H.HpaHistory()
    history.set_recommendations(0, [tuple(e) for e in rec])
    history.set_scale_events(0, "up", [tuple(e) for e in up])
    history.set_scale_events(0, "down", [tuple(e) for e in down])
    return history


# -- TestConvertDesiredReplicasWithRules ---------------------------------------------------------------

@pytest.mark.parametrize("current,desired,minimum,maximum,expected,condition", [
    (5, 7, 3, 8, 7, "DesiredWithinRange"),     # prenormalized desired replicas within range
    (3, 1, 2, 8, 2, "TooFewReplicas"),         # prenormalized desired replicas < minReplicas
    (1, 0, 0, 10, 0, "DesiredWithinRange"),    # prenormalized desired zeroed replicas within range
    (20, 1000, 1, 10, 10, "TooManyReplicas"),  # maxReplicas is the limit because maxReplicas < scaleUpLimit
    (3, 1000, 1, 2000, 6, "ScaleUpLimit"),     # scaleUpLimit is the limit: calculateScaleUpLimit(3) = max(6, 4)
])
def test_convert_desired_replicas_with_rules(current, desired, minimum, maximum, expected, condition):
    # TestConvertDesiredReplicasWithRules
    replicas, code = k._convert_with_rules(current, desired, minimum, maximum)
    assert (replicas, NAMES[code]) == (expected, condition)
    assert R.convert_with_rules(current, desired, minimum, maximum) == (expected, condition)


# -- TestCalculateScaleUpLimitWithScalingRules / TestCalculateScaleDownLimitWithBehaviors ---------------

def test_calculate_scale_up_limit_with_scaling_rules():
    # Min of (1 + 2 pods, ceil(1 * 1.5)) = 2
    up = rules(2, 60, 50, 60, window=300, select="Min")
    specs = kernel_specs({"maxReplicas": 10, "behavior": {"scaleUp": up}})
    history = kernel_history()
    assert k._scale_up_limit(0, 1, specs, history.arrays(), 0, NOW) == 2
    assert R.scale_up_limit(1, [], [], up, NOW) == 2


def test_calculate_scale_down_limit_with_behaviors():
    # Min change of (5 - 2 pods, int(5 * 0.5)) = max(3, 2) = 3
    down = rules(2, 60, 50, 60, window=300, select="Min")
    specs = kernel_specs({"maxReplicas": 10, "behavior": {"scaleDown": down}})
    history = kernel_history()
    assert k._scale_down_limit(0, 5, specs, history.arrays(), 0, NOW) == 3
    assert R.scale_down_limit(5, [], [], down, NOW) == 3


# -- TestScalingWithRules (convertDesiredReplicasWithBehaviorRate) ------------------------------------

SCALING_WITH_RULES = [
    # name, up events, down events, min, max, up rules, down rules, current, desired, expected, condition
    ("prenormalized desired replicas within range", [], [], 3, 8, None, None, 5, 7, 7, "DesiredWithinRange"),
    ("prenormalized desired replicas < minReplicas", [], [], 2, 8, None, None, 3, 1, 2, "TooFewReplicas"),
    ("prenormalized desired replicas within range when minReplicas is 0", [], [], 0, 10, None, None,
     1, 0, 0, "DesiredWithinRange"),
    ("maxReplicas is the limit because maxReplicas < scaleUpLimit", [], [], 1, 10, None, None,
     20, 1000, 10, "TooManyReplicas"),
    ("desired replica count is more than the maximum replica count", [], [], 100, 150, None, None,
     100, 1000, 150, "TooManyReplicas"),
    ("scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies", [], [], 1, 2000,
     rules(0, 0, 1, 60), None, 3, 1000, 4, "ScaleUpLimit"),
    ("scaleUp with default behavior", [], [], 1, 1000, None, None, 10, 50, 20, "ScaleUpLimit"),
    ("scaleUp with pods policy larger than percent policy", [], [], 1, 1000, rules(100, 60, 100, 60),
     None, 10, 500, 110, "ScaleUpLimit"),
    ("scaleUp with percent policy larger than pods policy", [], [], 1, 1000, rules(2, 60, 100, 60),
     None, 10, 500, 20, "ScaleUpLimit"),
    ("scaleUp with spec MaxReplicas limitation with large pod policy", [], [], 1, 1000,
     rules(100, 60), None, 10, 50, 50, "DesiredWithinRange"),
    ("scaleUp with spec MaxReplicas limitation with large percent policy", [], [], 1, 1000,
     rules(10000, 60), None, 10, 50, 50, "DesiredWithinRange"),
    ("scaleUp with pod policy limitation", [], [], 1, 1000, rules(30, 60), None, 10, 50, 40, "ScaleUpLimit"),
    ("scaleUp with percent policy limitation", [], [], 1, 1000, rules(0, 0, 200, 60), None,
     10, 50, 30, "ScaleUpLimit"),
    ("scaleDown with percent policy larger than pod policy", [], [], 1, 1000, None,
     rules(20, 60, 1, 60, 300), 100, 2, 80, "ScaleDownLimit"),
    ("scaleDown with pod policy larger than percent policy", [], [], 1, 1000, None,
     rules(2, 60, 1, 60, 300), 100, 2, 98, "ScaleDownLimit"),
    ("scaleDown with spec MinReplicas=nil limitation with large pod policy", [], [], 1, 1000, None,
     rules(100, 60, 0, 0, 300), 10, 0, 1, "TooFewReplicas"),
    ("scaleDown with spec MinReplicas limitation with large percent policy", [], [], 5, 1000, None,
     rules(0, 0, 100, 60, 300), 10, 2, 5, "TooFewReplicas"),
    ("scaleDown with pod policy limitation", [], [], 1, 1000, None, rules(5, 60, 0, 0, 300),
     10, 2, 5, "ScaleDownLimit"),
    ("scaleDown with percent policy limitation", [], [], 1, 1000, None, rules(0, 0, 50, 60, 300),
     10, 5, 5, "DesiredWithinRange"),
    ("scaleUp with spec MaxReplicas limitation with large pod policy and events",
     uniform_events([1, 5, 9], 120), [], 1, 200, rules(300, 60), None, 100, 500, 200, "TooManyReplicas"),
    ("scaleUp with spec MaxReplicas limitation with large percent policy and events",
     uniform_events([1, 5, 9], 120), [], 1, 200, rules(0, 0, 10000, 60), None, 100, 500, 200,
     "TooManyReplicas"),
    ("scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events",
     uniform_events([1, 5, 9], 120), [], 1, 1000, rules(5, 120), None, 100, 500, 100, "ScaleUpLimit"),
    ("scaleUp with pod policy and previous scale up events", uniform_events([1, 5, 9], 120), [], 1, 1000,
     rules(150, 120), None, 100, 500, 235, "ScaleUpLimit"),  # 100 - 15 + 150
    ("scaleUp with percent policy and previous scale up events", uniform_events([1, 5, 9], 120), [],
     1, 1000, rules(0, 0, 200, 120), None, 100, 500, 255, "ScaleUpLimit"),  # (100 - 15) + 200 %
    ("scaleDown with default policy and previous events", [], uniform_events([1, 5, 9], 120), 1, 1000,
     None, None, 10, 5, 5, "DesiredWithinRange"),
    ("scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events", [],
     uniform_events([1, 5, 9], 120), 1, 1000, None, rules(115, 120, 0, 0, 300), 100, 0, 1, "TooFewReplicas"),
    ("scaleDown with spec MinReplicas limitation with large pod policy and previous events", [],
     uniform_events([1, 5, 9], 120), 5, 1000, None, rules(130, 120, 0, 0, 300), 100, 0, 5, "TooFewReplicas"),
    ("scaleDown with spec MinReplicas limitation with large percent policy and previous events", [],
     uniform_events([1, 5, 9], 120), 5, 1000, None, rules(0, 0, 100, 120, 300), 100, 2, 5, "TooFewReplicas"),
    ("scaleDown with pod policy limitation and previous events", [], uniform_events([1, 5, 9], 120),
     1, 1000, None, rules(5, 120, 0, 0, 300), 100, 2, 100, "ScaleDownLimit"),  # 100 + 15 - 5
    ("scaleDown with percent policy limitation and previous events", [], uniform_events([2, 4, 6], 120),
     1, 1000, None, rules(0, 0, 50, 120, 300), 100, 0, 56, "ScaleDownLimit"),  # (100 + 12) - 50 %
    ("scaleDown with previous events preventing further scale down", [], uniform_events([10, 10, 10], 120),
     1, 1000, None, rules(0, 0, 10, 120, 300), 100, 0, 100, "ScaleDownLimit"),  # (100 + 30) - 10 % = 117
    ("scaleDown with with previous events still allowing more scale down", [],
     uniform_events([10, 10, 10], 120), 1, 1000, None, rules(0, 0, 1000, 120, 300), 10, 5, 5,
     "DesiredWithinRange"),
    ("check 'outdated' flag for events for one behavior for up", uniform_events([8, 12, 9, 11], 120), [],
     1, 1000, rules(1000, 60), None, 100, 200, 200, "DesiredWithinRange"),
    ("check that events were not marked 'outdated' for two different policies in the behavior for up",
     uniform_events([8, 12, 9, 11], 120), [], 1, 1000, rules(1000, 120, 100, 60), None, 100, 200, 200,
     "DesiredWithinRange"),
    ("check that events were marked 'outdated' for two different policies in the behavior for up",
     uniform_events([8, 12, 9, 11], 120), [], 1, 1000, rules(1000, 30, 100, 60), None, 100, 200, 200,
     "DesiredWithinRange"),
    ("check 'outdated' flag for events for one behavior for down", [], uniform_events([8, 12, 9, 11], 120),
     1, 1000, None, rules(1000, 60, 0, 0, 300), 100, 5, 5, "DesiredWithinRange"),
    ("check that events were not marked 'outdated' for two different policies in the behavior for down",
     [], uniform_events([8, 12, 9, 11], 120), 1, 1000, None, rules(1000, 120, 100, 60, 300), 100, 5, 5,
     "DesiredWithinRange"),
    ("check that events were marked 'outdated' for two different policies in the behavior for down",
     [], uniform_events([8, 12, 9, 11], 120), 1, 1000, None, rules(1000, 30, 100, 60, 300), 100, 5, 5,
     "DesiredWithinRange"),
]


@pytest.mark.parametrize("case", SCALING_WITH_RULES, ids=[c[0] for c in SCALING_WITH_RULES])
def test_scaling_with_rules(case):
    # TestScalingWithRules: GenerateHPAScale{Up,Down}Rules fill what the case leaves nil
    (_, up_events, down_events, minimum, maximum, up_rules, down_rules, current, desired,
     expected, condition) = case
    behavior = {}
    if up_rules is not None:
        behavior["scaleUp"] = up_rules
    if down_rules is not None:
        behavior["scaleDown"] = down_rules
    spec = {"minReplicas": minimum, "maxReplicas": maximum, "behavior": behavior}
    specs = kernel_specs(spec)
    history = kernel_history(up_events, down_events)
    replicas, code = k._convert_with_behavior_rate(0, 0, current, desired, minimum, maximum,
                                                   specs, history.arrays(), NOW)
    assert (replicas, NAMES[code]) == (expected, condition)
    effective = R.rules_of(spec, H.HpaConfig())
    assert R.convert_with_behavior_rate(current, desired, minimum, maximum,
                                        {"up": up_events, "down": down_events}, effective, NOW) == (
        expected, condition)


# -- TestStoreScaleEvents --------------------------------------------------------------------------

STORE_SCALE_EVENTS = [
    # name, previous events, expected events (change, outdated), rules, expected change in 60 s
    ("empty entries with two-policy-behavior", [], [(5, False)], rules(10, 60, 100, 60), 0),
    ("one outdated entry to be replaced with behavior", [[7, NOW - 61, False]], [(5, False)],
     rules(10, 60, 100, 60), 0),
    ("one actual entry to be not touched with behavior", [[7, NOW - 58, False]],
     [(7, False), (5, False)], rules(10, 60, 100, 60), 7),
    ("two entries, one of them to be replaced", [[7, NOW - 61, False], [6, NOW - 59, False]],
     [(5, False), (6, False)], rules(10, 60), 6),
    ("replace one entry, use policies with different periods",
     [[8, NOW - 29, False], [6, NOW - 59, False], [7, NOW - 61, False], [9, NOW - 61, False]],
     [(8, False), (6, False), (7, True), (5, False)], rules(10, 60, 100, 30), 14),
    ("two entries, both actual", [[7, NOW - 58, False], [6, NOW - 59, False]],
     [(7, False), (6, False), (5, False)], rules(10, 120, 100, 30), 13),
]


@pytest.mark.parametrize("case", STORE_SCALE_EVENTS, ids=[c[0] for c in STORE_SCALE_EVENTS])
@pytest.mark.parametrize("direction", ["up", "down"])
def test_store_scale_events(case, direction):
    # TestStoreScaleEvents (its no-behavior cases are the kernel's has_behavior check: see
    # test_hpa_state.py, which shows no events are kept without a behavior)
    _, previous, expected, scaling_rules, change = case
    key = "scaleUp" if direction == "up" else "scaleDown"
    spec = {"maxReplicas": 100, "behavior": {key: scaling_rules}}
    specs = kernel_specs(spec)
    history = kernel_history(**{direction: previous})
    h = history.arrays()
    count = getattr(h, f"{direction}_count")[0]
    assert k._replicas_change_per_period(60, count, getattr(h, f"{direction}_change")[0],
                                         getattr(h, f"{direction}_time")[0], NOW) == change
    new = 10 + 5 if direction == "up" else 10 - 5
    k._store_scale_event(0, 0, 10, new, specs, h, NOW)
    got = [(c, o) for c, _, o in history.scale_events(0, direction)]
    assert got == expected
    reference = {"up": [list(e) for e in previous] if direction == "up" else [],
                 "down": [list(e) for e in previous] if direction == "down" else []}
    assert R.replicas_change_per_period(60, reference[direction], NOW) == change
    R.store_scale_event(reference, R.rules_of(spec, H.HpaConfig()), 10, new, NOW)
    assert [(c, o) for c, _, o in reference[direction]] == expected


# -- TestNormalizeDesiredReplicas (no behavior: stabilizeRecommendation) -----------------------------

@pytest.mark.parametrize("name,recommendations,desired,expected,log_length", [
    ("empty log", [], 5, 5, 1),
    ("stabilize", [[4, NOW - 120], [5, NOW - 60]], 3, 5, 3),
    ("no stabilize", [[1, NOW - 120], [2, NOW - 60]], 3, 3, 3),
    ("no stabilize - old recommendations", [[10, NOW - 600], [9, NOW - 540]], 3, 3, 2),
    ("stabilize - old recommendations", [[10, NOW - 600], [4, NOW - 60], [5, NOW - 120],
                                         [9, NOW - 540]], 3, 5, 4),
])
def test_normalize_desired_replicas(name, recommendations, desired, expected, log_length):
    # TestNormalizeDesiredReplicas, downscaleStabilisationWindow 5 minutes
    history = kernel_history(rec=recommendations)
    assert k._stabilize_recommendation(0, desired, 300.0, NOW, history.arrays()) == expected
    assert len(history.recommendations(0)) == log_length
    reference = [list(r) for r in recommendations]
    assert R.stabilize_recommendation(reference, desired, 300.0, NOW) == expected
    assert [tuple(r) for r in reference] == history.recommendations(0)


# -- TestNormalizeDesiredReplicasWithBehavior (stabilizeRecommendationWithBehaviors) ----------------

WITH_BEHAVIOR = [
    # name, recommendations, current, desired, expected, stored values, up window, down window
    ("empty recommendations for scaling down", [], 100, 5, 5, [5], 0, 0),
    ("simple scale down stabilization", [[4, NOW - 120], [5, NOW - 60]], 100, 3, 5, [4, 5, 3], 0, 180),
    ("simple scale up stabilization", [[4, NOW - 120], [5, NOW - 60]], 1, 7, 4, [4, 5, 7], 300, 0),
    ("no scale down stabilization", [[1, NOW - 120], [2, NOW - 60]], 100, 3, 3, [1, 2, 3], 300, 0),
    ("no scale up stabilization", [[4, NOW - 120], [5, NOW - 60]], 1, 3, 3, [4, 5, 3], 0, 300),
    ("no scale down stabilization, reuse recommendation element", [[10, NOW - 600], [9, NOW - 540]],
     100, 3, 3, [10, 3], 0, 0),
    ("no scale up stabilization, reuse recommendation element", [[10, NOW - 600], [9, NOW - 540]],
     1, 100, 100, [10, 100], 0, 0),
    ("scale down stabilization, reuse one of obsolete recommendation element",
     [[10, NOW - 600], [4, NOW - 60], [5, NOW - 120], [9, NOW - 540]], 100, 3, 5, [10, 4, 5, 3], 0, 180),
    ("scale up stabilization, reuse one of obsolete recommendation element",
     [[10, NOW - 6000], [6, NOW - 60], [5, NOW - 120], [9, NOW - 180]], 1, 100, 5, [100, 6, 5, 9], 300, 0),
]


@pytest.mark.parametrize("case", WITH_BEHAVIOR, ids=[c[0] for c in WITH_BEHAVIOR])
def test_normalize_desired_replicas_with_behavior(case):
    # TestNormalizeDesiredReplicasWithBehavior
    _, recommendations, current, desired, expected, stored, up_window, down_window = case
    behavior = {"scaleUp": {"stabilizationWindowSeconds": up_window},
                "scaleDown": {"stabilizationWindowSeconds": down_window}}
    spec = {"maxReplicas": 1000, "behavior": behavior}
    specs = kernel_specs(spec)
    history = kernel_history(rec=recommendations)
    assert k._stabilize_with_behaviors(0, 0, current, desired, specs, NOW, history.arrays()) == expected
    assert [v for v, _ in history.recommendations(0)] == stored
    reference = [list(r) for r in recommendations]
    got, _ = R.stabilize_with_behaviors(reference, current, desired, R.rules_of(spec, H.HpaConfig()), NOW)
    assert got == expected and [v for v, _ in reference] == stored
