"""The HPA controller on a real ClusterState built from manifests: sync decides, apply writes the
Deployment's replicas, the HPA's status (read back through the API) and its events."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbench import Cluster
from kbench.controllers.hpa import (
    HorizontalController,
    HpaHistory,
    PodMetrics,
    apply_hpa_decisions,
)
from kbench.state.schema import POD_PHASES

RUNNING = POD_PHASES.index("Running")


def deployment(name="web", replicas=3, labels=None):
    labels = labels or {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}}


def pod(name, labels, cpu="500m", namespace="default"):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"nodeName": "node-1", "containers": [{
                "name": "app", "image": "nginx", "resources": {"requests": {"cpu": cpu, "memory": "128Mi"}}}]}}


def hpa(name="web", target="web", behavior=None, kind="Deployment", metrics=None):
    spec = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": target},
            "minReplicas": 1, "maxReplicas": 10,
            "metrics": metrics or [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]}
    if behavior is not None:
        spec["behavior"] = behavior
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name, "namespace": "default"}, "spec": spec}


def events_of(cluster, name):
    return [event.to_dict() for event in cluster.events(cluster.get("hpa", name))]


NODE = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"},
        "status": {"capacity": {"cpu": "32", "memory": "64Gi", "pods": "110"}}}


def running_ten_minutes_in(cluster):
    """Every pod Running and Ready (started at 0 s, ready at 10 s), the clock at 10 min."""
    state = cluster.state
    state.time = 600.0
    pods = state.tables["pods"]
    rows = pods.live_rows()
    pods["phase"][rows], pods["ready"][rows] = RUNNING, True
    pods["start_time"][rows], pods["ready_time"][rows] = 0.0, 10.0
    return state, pods


def web_cluster(hpa_manifest=None, usage=(400.0, 450.0, 500.0)):
    """3 running, ready web pods of 500m (plus one of another app and one in another
    namespace, which the selector must not pick), an HPA at 50 % cpu, 10 minutes in."""
    other_ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}}
    cluster = Cluster.from_manifests([
        NODE, other_ns, deployment(), hpa_manifest or hpa(),
        *[pod(f"web-{i}", {"app": "web"}) for i in range(3)],
        pod("db-0", {"app": "db"}), pod("web-x", {"app": "web"}, namespace="other")])
    state, pods = running_ten_minutes_in(cluster)
    cpu = np.full(len(pods), 900.0)  # the db pod and the other namespace's pod are busy
    names = state.strings.decode(pods["name"])
    for i, value in enumerate(usage):
        cpu[names.index(f"web-{i}")] = value
    metrics = PodMetrics(cpu_usage=cpu, memory_usage=np.full(len(pods), 100e6),
                         sample_time=np.full(len(pods), 590.0), window=np.full(len(pods), 30.0))
    return cluster, metrics


def test_scale_up_writes_replicas_status_and_events():
    cluster, metrics = web_cluster()
    controller = HorizontalController()
    decisions = controller.sync(cluster.state, metrics)
    # (400+450+500) / 1500 = 90 % vs 50 %: ceil(1.8 * 3) = 6
    assert decisions.desired_replicas.tolist() == [6] and decisions.rescale.tolist() == [True]
    assert cluster.get("deploy", "web").spec.replicas == 3  # sync alone writes nothing
    apply_hpa_decisions(cluster.state, decisions)

    assert cluster.get("deploy", "web").spec.replicas == 6
    status = cluster.get("hpa", "web").to_dict()["status"]
    assert status["currentReplicas"] == 3
    assert status["desiredReplicas"] == 6
    assert status["lastScaleTime"] == "2026-01-01T00:10:00Z"
    assert status["currentMetrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "current": {"averageUtilization": 90, "averageValue": "450m"}}}]
    conditions = {c["type"]: c for c in status["conditions"]}
    assert [c["type"] for c in status["conditions"]] == ["AbleToScale", "ScalingActive", "ScalingLimited"]
    assert conditions["AbleToScale"] == {
        "type": "AbleToScale", "status": "True", "reason": "SucceededRescale",
        "message": "the HPA controller was able to update the target scale to 6",
        "lastTransitionTime": "2026-01-01T00:10:00Z"}
    assert conditions["ScalingActive"]["reason"] == "ValidMetricFound"
    assert conditions["ScalingLimited"]["status"] == "False"
    events = [(e["reason"], e["message"]) for e in events_of(cluster, "web")]
    assert events == [("SuccessfulRescale", ("New size: 6; reason: cpu resource utilization "
                                            "(percentage of request) above target"))]
    event = cluster.events(cluster.get("hpa", "web"))[0].to_dict()
    assert event["type"] == "Normal" and event["source"]["component"] == "horizontal-pod-autoscaler"


def test_conditions_keep_their_transition_time():
    cluster, metrics = web_cluster(usage=(250.0, 250.0, 250.0))  # exactly 50 %: no change
    controller = HorizontalController()
    apply_hpa_decisions(cluster.state, controller.sync(cluster.state, metrics))
    first = cluster.get("hpa", "web").to_dict()["status"]
    assert first["desiredReplicas"] == 3 and "lastScaleTime" not in first
    cluster.state.time += 15
    apply_hpa_decisions(cluster.state, controller.sync(cluster.state, metrics))
    second = cluster.get("hpa", "web").to_dict()["status"]
    assert second["conditions"] == first["conditions"]
    assert {c["lastTransitionTime"] for c in second["conditions"]} == {"2026-01-01T00:10:00Z"}
    assert cluster.events(cluster.get("hpa", "web")) == []


def test_scale_down_is_stabilized_then_happens():
    cluster, metrics = web_cluster(usage=(50.0, 50.0, 50.0))  # 10 %: ceil(0.2 * 3) = 1
    controller = HorizontalController()
    state = cluster.state
    for _ in range(20):  # 5 minutes of 15 s syncs: the initial recommendation holds 3
        apply_hpa_decisions(state, controller.sync(state, metrics))
        assert cluster.get("deploy", "web").spec.replicas == 3
        state.time += 15
    conditions = {c["type"]: c for c in cluster.get("hpa", "web").to_dict()["status"]["conditions"]}
    assert conditions["AbleToScale"]["reason"] == "ScaleDownStabilized"
    state.time += 15
    apply_hpa_decisions(state, controller.sync(state, metrics))
    assert cluster.get("deploy", "web").spec.replicas == 1
    assert cluster.get("hpa", "web").to_dict()["status"]["desiredReplicas"] == 1


def test_behavior_policies_and_history_round_trip():
    behavior = {"scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}}
    cluster, metrics = web_cluster(hpa(behavior=behavior))
    controller = HorizontalController()
    apply_hpa_decisions(cluster.state, controller.sync(cluster.state, metrics))
    assert cluster.get("deploy", "web").spec.replicas == 4  # 6 wanted, 1 pod per minute
    limited = {c["type"]: c for c in cluster.get("hpa", "web").to_dict()["status"]["conditions"]}
    assert limited["ScalingLimited"]["reason"] == "ScaleUpLimit"
    row = int(controller.compiled.specs.hpa_rows[0])
    assert [e[0] for e in controller.history.scale_events(row, "up")] == [1]
    restored = HpaHistory.from_arrays(controller.history.to_arrays())
    assert restored.scale_events(row, "up") == controller.history.scale_events(row, "up")
    assert restored.recommendations(row) == controller.history.recommendations(row)


def test_no_behavior_keeps_no_scale_events():
    # TestStoreScaleEvents' "no behavior -> no events are stored" cases
    cluster, metrics = web_cluster()
    controller = HorizontalController()
    apply_hpa_decisions(cluster.state, controller.sync(cluster.state, metrics))
    row = int(controller.compiled.specs.hpa_rows[0])
    assert cluster.get("deploy", "web").spec.replicas == 6
    assert controller.history.scale_events(row, "up") == []


def test_missing_target_reports_failed_get_scale():
    cluster, metrics = web_cluster(hpa(target="nope"))
    decisions = HorizontalController().sync(cluster.state, metrics)
    apply_hpa_decisions(cluster.state, decisions)
    obj = cluster.get("hpa", "web")
    status = obj.to_dict()["status"]
    assert status["conditions"] == [{
        "type": "AbleToScale", "status": "False", "reason": "FailedGetScale",
        "message": "the HPA controller was unable to get the target's current scale: "
                   'deployments.apps "nope" not found',
        "lastTransitionTime": "2026-01-01T00:10:00Z"}]
    assert [(e["type"], e["reason"]) for e in events_of(cluster, "web")] == [("Warning", "FailedGetScale")]


def test_missing_metrics_report_failed_get_resource_metric():
    cluster, _ = web_cluster()
    decisions = HorizontalController().sync(cluster.state, None)  # no metrics-server samples
    apply_hpa_decisions(cluster.state, decisions)
    obj = cluster.get("hpa", "web")
    status = obj.to_dict()["status"]
    active = next(c for c in status["conditions"] if c["type"] == "ScalingActive")
    assert active["reason"] == "FailedGetResourceMetric"
    assert active["message"] == ("the HPA was unable to compute the replica count: failed to get cpu "
                                 "utilization: unable to get metrics for resource cpu: no metrics "
                                 "returned from resource metrics API")
    assert [e["reason"] for e in events_of(cluster, "web")] == ["FailedGetResourceMetric",
                                                                "FailedComputeMetricsReplicas"]
    assert status["currentMetrics"] == [{"type": ""}]
    assert cluster.get("deploy", "web").spec.replicas == 3


def test_scaled_to_zero_target_disables_scaling():
    cluster, metrics = web_cluster()
    state = cluster.state
    state.tables["deployments"]["replicas"][cluster.rows("deploy")] = 0
    apply_hpa_decisions(state, HorizontalController().sync(state, metrics))
    conditions = {c["type"]: c for c in cluster.get("hpa", "web").to_dict()["status"]["conditions"]}
    assert conditions["ScalingActive"]["reason"] == "ScalingDisabled"
    assert cluster.get("deploy", "web").spec.replicas == 0


@pytest.mark.parametrize("hot", [True, False])
def test_cpu_initialization_period(hot):
    # pods started 60 s ago whose sample does not cover a full window since they became ready
    # are left out (unready); the ones that did are counted
    cluster, metrics = web_cluster()
    pods = cluster.state.tables["pods"]
    rows = pods.live_rows()
    pods["start_time"][rows] = 540.0
    pods["ready_time"][rows] = 570.0 if hot else 545.0
    decisions = HorizontalController().sync(cluster.state, metrics)
    if hot:  # every sample (590 < 570 + 30) predates a full window: none is usable
        assert decisions.describe(0)["outcome"] == "FailedComputeMetricsReplicas"
    else:
        assert decisions.desired_replicas.tolist() == [6]


def test_many_hpas_select_their_own_pods():
    manifests = [NODE]
    for d in range(5):
        manifests += [deployment(f"app{d}", replicas=2), hpa(f"app{d}", f"app{d}")]
        manifests += [pod(f"app{d}-{i}", {"app": f"app{d}"}) for i in range(2)]
    cluster = Cluster.from_manifests(manifests)
    state, pods = running_ten_minutes_in(cluster)
    names = state.strings.decode(pods["name"])
    # app d uses (d + 1) * 100m of 500m: 20 %, 40 %, ... vs the 50 % target
    cpu = np.array([(int(n[3]) + 1) * 100.0 for n in names])
    metrics = PodMetrics(cpu, np.full(len(cpu), np.nan), np.full(len(cpu), 590.0), np.full(len(cpu), 30.0))
    decisions = HorizontalController().sync(state, metrics)
    utilization = [decisions.current_metrics(i)[0]["resource"]["current"]["averageUtilization"]
                   for i in range(5)]
    by_name = dict(zip(decisions.compiled.names, utilization))
    assert by_name == {"app0": 20, "app1": 40, "app2": 60, "app3": 80, "app4": 100}


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_samples_shared_by_rows_decide_as_samples_per_pod(seed):
    """metrics-server hands the HPA pods' samples as rows of a table (PodMetrics.sample_of_pod:
    pods of a usage group share one, -1: none); the decisions are those of the same samples
    given per pod. Random shared rows, pods without a sample, young pods (whose sample time
    and window are read), and a table shorter than the pods table."""
    rng = np.random.default_rng(seed)
    manifests = [NODE]
    for d in range(4):
        manifests += [deployment(f"app{d}", replicas=3), hpa(f"app{d}", f"app{d}", metrics=[
            {"type": "Resource", "resource": {"name": resource, "target": {
                "type": "Utilization", "averageUtilization": 50}}}
            for resource in (["cpu"], ["memory"], ["cpu", "memory"], ["cpu"])[d]])]
        manifests += [pod(f"app{d}-{i}", {"app": f"app{d}"}) for i in range(3)]
    cluster = Cluster.from_manifests(manifests)
    state, pods = running_ten_minutes_in(cluster)
    young = rng.random(len(pods)) < 0.3
    pods["start_time"][young] = 560.0
    rows = 1 + int(rng.integers(0, 5))
    table = np.stack([rng.choice([100.0, 250.0, 400.0], rows), rng.choice([50e6, 90e6], rows),
                      rng.choice([580.0, 590.0], rows), rng.choice([15.0, 30.0], rows)])
    sample_of_pod = rng.integers(-1, rows, len(pods) - int(rng.integers(0, 3))).astype(np.int32)
    per_pod = np.full((4, len(sample_of_pod)), np.nan)
    per_pod[:, sample_of_pod >= 0] = table[:, sample_of_pod[sample_of_pod >= 0]]
    shared = HorizontalController().sync(state, PodMetrics(*table, sample_of_pod=sample_of_pod))
    own = HorizontalController().sync(state, PodMetrics(*per_pod))
    for a, b in zip(shared.outputs, own.outputs):
        assert np.array_equal(a, b, equal_nan=True)
    assert shared.desired_replicas.tolist() == own.desired_replicas.tolist()


label_sets = st.dictionaries(st.sampled_from(["app", "tier", "team"]), st.sampled_from(["a", "b", "c"]),
                             max_size=3)
selector_docs = st.one_of(
    label_sets.map(lambda labels: {"matchLabels": labels}),
    st.builds(lambda key, op, values: {"matchExpressions": [
        {"key": key, "operator": op, **({"values": values} if op in ("In", "NotIn") else {})}]},
        st.sampled_from(["app", "tier"]), st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]),
        st.lists(st.sampled_from(["a", "b"]), min_size=1, max_size=2)))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["default", "other"]), label_sets), max_size=12),
       st.lists(st.tuples(st.sampled_from(["default", "other"]), selector_docs), min_size=1, max_size=4),
       st.lists(st.booleans(), min_size=1, max_size=2))
def test_select_pods_matches_each_selector(pods, selectors, syncs):
    # select_pods (grouped, cached across syncs) == each selector evaluated on each live pod
    from kbench.api.labels import selector_from_dict
    from kbench.controllers.hpa import select_pods
    other = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}}
    cluster = Cluster.from_manifests([other, *[
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}", "namespace": ns, "labels": labels},
         "spec": {"containers": [{"name": "c", "image": "nginx"}]}} for i, (ns, labels) in enumerate(pods)]])
    state = cluster.state
    table = state.tables["pods"]
    namespaces = np.array([state.strings.intern(ns) for ns, _ in selectors], np.int64)
    codes = np.array([state.strings.intern_document(doc) for _, doc in selectors], np.int64)
    caches: dict = {}
    for delete in syncs:  # a second sync reuses the cached answers (after maybe deleting a pod)
        if delete and len(table.live_rows()):
            state.remove("pods", int(table.live_rows()[0]))
        start, rows, controllers = select_pods(state, namespaces, codes, caches)
        expected = []
        for j, (ns, doc) in enumerate(selectors):
            selector = selector_from_dict(doc)
            expected.append(sorted(
                r for r in table.live_rows().tolist()
                if state.strings[int(table["namespace"][r])] == ns
                and selector.matches(state.strings.document(int(table["labels"][r])) or {})))
            assert sorted(rows[start[j]:start[j + 1]].tolist()) == expected[j]
        # hpasControllingPodsUnderSelector: the HPAs sharing a pod with j, when more than j
        for j in range(len(selectors)):
            owners = {h for h in range(len(selectors)) if set(expected[h]) & set(expected[j])}
            assert controllers.get(j, {j} if expected[j] else set()) == (
                owners if len(owners) > 1 else ({j} if expected[j] else set()))


def test_two_hpas_on_one_target_are_ambiguous():
    # validateAndParseSelector: the pods of web are selected by both HPAs' targets
    cluster, metrics = web_cluster()
    cluster.apply(hpa("web2", "web"))
    apply_hpa_decisions(cluster.state, HorizontalController().sync(cluster.state, metrics))
    message = "pods by selector app=web are controlled by multiple HPAs: [default/web default/web2]"
    for name in ("web", "web2"):
        status = cluster.get("hpa", name).to_dict()["status"]
        active = next(c for c in status["conditions"] if c["type"] == "ScalingActive")
        assert (active["status"], active["reason"], active["message"]) == (
            "False", "AmbiguousSelector", message)
        assert [(e["reason"], e["message"]) for e in events_of(cluster, name)] == [
            ("AmbiguousSelector", message), ("FailedComputeMetricsReplicas", message)]
    assert cluster.get("deploy", "web").spec.replicas == 3


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "add", "add", "delete", "delete", "relabel"]),
                          st.sampled_from(["default", "other"]), label_sets, st.integers(0, 50)),
                min_size=1, max_size=30),
       st.lists(st.tuples(st.sampled_from(["default", "other"]), selector_docs), min_size=1, max_size=4))
def test_select_pods_kept_across_syncs_equals_a_fresh_selection(steps, selectors):
    # the selection updated sync after sync (pods added, deleted, relabelled) == one made from
    # scratch, row for row, and the pods' owners are what the kernel expects of pod_owner
    from test_hpa_cases import pod_owners

    from kbench.controllers.hpa import select_pods
    other = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}}
    cluster = Cluster.from_manifests([other])
    state = cluster.state
    table = state.tables["pods"]
    namespaces = np.array([state.strings.intern(ns) for ns, _ in selectors], np.int64)
    codes = np.array([state.strings.intern_document(doc) for _, doc in selectors], np.int64)
    kept: dict = {}
    for step, (action, ns, labels, pick) in enumerate(steps):
        live = table.live_rows()
        if action == "add" or not len(live):
            requests = {"cpu": f"{100 + step}m", "memory": f"{step + 1}Mi"}
            cluster.apply({"apiVersion": "v1", "kind": "Pod",
                           "metadata": {"name": f"p{step}", "namespace": ns, "labels": labels},
                           "spec": {"containers": [{"name": "c", "image": "nginx",
                                                    "resources": {"requests": requests}}]}})
        elif action == "delete":
            state.remove("pods", int(live[pick % len(live)]))
        else:
            table["labels"][int(live[pick % len(live)])] = state.strings.intern_document(labels)
        start, rows, controllers = select_pods(state, namespaces, codes, kept)
        fresh = select_pods(state, namespaces, codes, {})
        assert np.array_equal(start, fresh[0]) and np.array_equal(rows, fresh[1])
        assert controllers == fresh[2]
        owner = kept["pod_selection"].owner[:len(table)]
        expected = pod_owners(start, rows, len(table))
        assert np.array_equal(owner, expected)  # deleted rows have none
        # the requests copied as rows were first seen are the table's
        resources = [state.resource_index("cpu"), state.resource_index("memory")]
        assert np.array_equal(kept["pod_selection"].requests[:, :len(table)],
                              table["requests"][:, resources].T)
