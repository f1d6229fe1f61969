"""The kubelet model: start latency, readiness, exits and restarts, termination."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kbench import Cluster
from kbench.sim.kubelet import BehaviourError, KubeletConfig, readiness_delay
from kbench.views import render_table

# A container start of exactly 0.5 s (no spread) and pulls of 0.5 s + 150 MB / 50 MB/s = 3.5 s.
EXACT = KubeletConfig(container_start_sigma=0.0)
PULL = 0.5 + 150e6 / 50e6


def node(name: str, images: list[str] = ()) -> dict:
    status = {"capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"}}
    if images:
        status["images"] = [{"names": [image], "sizeBytes": 1} for image in images]
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "status": status}


def pod(name: str, annotations: dict | None = None, probe: dict | None = None,
        restart: str | None = None, grace: int | None = None, image: str = "app:1",
        node_name: str | None = None) -> dict:
    container = {"name": "app", "image": image, "resources": {"requests": {"cpu": "100m"}}}
    if probe is not None:
        container["readinessProbe"] = {"httpGet": {"path": "/", "port": 80}, **probe}
    spec = {"containers": [container]}
    if restart:
        spec["restartPolicy"] = restart
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    if node_name:
        spec["nodeName"] = node_name
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "annotations": annotations or {}}, "spec": spec}


def cluster(*objects, config: KubeletConfig = EXACT) -> Cluster:
    c = Cluster.from_manifests([node("n1"), *objects])
    c.configure_engine(tick=1.0, kubelet=config)
    return c


def column(c: Cluster, name: str, column: str):
    return c.state.tables["pods"][column][c.state.find("pods", name, "default")]


@pytest.mark.parametrize("probe, ready_after, expected", [
    (None, 0.0, 0.0),                                        # no probe: Ready at start
    ({"initialDelaySeconds": 5, "periodSeconds": 10}, 0.0, 10.0),  # probes at 0 (too early), 10
    ({"initialDelaySeconds": 5, "periodSeconds": 10, "successThreshold": 3}, 0.0, 30.0),
    ({"periodSeconds": 5}, 12.0, 15.0),                      # answers from 12 s: probe at 15
    ({"initialDelaySeconds": 20, "periodSeconds": 10}, 0.0, 20.0),  # the probe at 20 counts
    ({"periodSeconds": 10}, math.inf, math.inf),             # never answers
    ({}, 0.0, 0.0),                                          # defaults: period 10, delay 0
])
def test_readiness_delay(probe, ready_after, expected):
    assert readiness_delay(probe, ready_after) == expected


def test_start_latency_pulls_each_image_once_per_node():
    c = cluster(pod("a"))
    c.step("1s")  # t=1: bound and admitted; starts at 1 + pull + container start
    assert column(c, "a", "start_time") == 1.0
    assert column(c, "a", "waiting_reason") == c.state.strings.code_of("ContainerCreating")
    c.step("5s")
    assert column(c, "a", "container_start_time") == pytest.approx(1.0 + PULL + 0.5)
    c.apply(pod("b"))
    c.step("1s")   # same image on the same node: no pull
    c.step("2s")
    assert column(c, "b", "container_start_time") == pytest.approx(7.0 + 0.5)


def test_images_listed_in_node_status_need_no_pull():
    c = Cluster.from_manifests([node("n1", images=["app:1"]), pod("a")])
    c.configure_engine(kubelet=EXACT)
    c.step("3s")
    assert column(c, "a", "container_start_time") == pytest.approx(1.5)
    assert c.get("pod", "a").status.phase == "Running"


def test_pull_policy_always_checks_the_registry_each_time():
    c = Cluster.from_manifests([node("n1", images=["app:1"]), pod("a")])
    always = pod("b")
    always["spec"]["containers"][0]["imagePullPolicy"] = "Always"
    c.apply(always)
    c.configure_engine(kubelet=EXACT)
    c.step("3s")
    assert column(c, "a", "container_start_time") == pytest.approx(1.5)
    assert column(c, "b", "container_start_time") == pytest.approx(1.0 + 0.5 + 0.5)


def test_readiness_probe_sets_ready_and_the_ready_condition():
    c = cluster(pod("a", {"kbench.io/ready-after": "12s"}, probe={"periodSeconds": 5}))
    c.step("20s")  # started at 1 + 3.5 + 0.5 = 5; first passing probe at 5 + 15 = 20
    assert column(c, "a", "ready") and column(c, "a", "ready_time") == pytest.approx(20.0)
    conditions = {x["type"]: x for x in c.get("pod", "a").status.conditions}
    assert conditions["Ready"]["status"] == "True"
    assert conditions["Ready"]["lastTransitionTime"] == "2026-01-01T00:00:20Z"


def test_a_probe_that_never_succeeds_leaves_the_pod_running_not_ready():
    c = cluster(pod("a", {"kbench.io/ready-after": "never"}, probe={"periodSeconds": 5}))
    c.step("10m")
    assert c.get("pod", "a").status.phase == "Running" and not column(c, "a", "ready")


def test_crash_loop_back_off_doubles_to_five_minutes():
    c = cluster(pod("a", {"kbench.io/crash-after": "5s"}))
    c.configure_engine(tick=0.5, kubelet=EXACT)
    starts = []
    for _ in range(int(1400 / 0.5)):
        before = column(c, "a", "container_start_time")
        c.step(0.5)
        after = column(c, "a", "container_start_time")
        if not np.isnan(after) and after != before:
            starts.append(after)
    # first start at 0.5 + 3.5 + 0.5 = 4.5; each run lasts 5 s, then back-off 10, 20, 40, ...
    gaps = np.diff(starts).tolist()
    assert gaps[:7] == pytest.approx([15, 25, 45, 85, 165, 305, 305])
    # every run that has ended by now (5 s after its start) counted one restart
    assert column(c, "a", "restarts") == sum(start + 5 <= c.time for start in starts)
    while not column(c, "a", "waiting_reason") >= 0:
        c.step(1)  # until the container has crashed again and waits in back-off
    text = render_table([c.get("pod", "a").to_dict()], c.now)
    header, line = text.splitlines()
    assert header.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert line.split()[:4] == ["a", "0/1", "CrashLoopBackOff",
                                str(column(c, "a", "restarts"))]


def test_job_pods_end_by_restart_policy():
    c = cluster(pod("done", {"kbench.io/run-for": "30s"}, restart="Never"),
                pod("failed", {"kbench.io/run-for": "30s", "kbench.io/exit-code": "3"},
                    restart="Never"),
                pod("retried", {"kbench.io/run-for": "30s", "kbench.io/exit-code": "1"},
                    restart="OnFailure"))
    c.step("40s")
    assert c.get("pod", "done").status.phase == "Succeeded"
    assert column(c, "done", "finish_time") == pytest.approx(1 + PULL + 0.5 + 30)
    failed = c.get("pod", "failed")
    assert failed.status.phase == "Failed"
    assert failed.status.containerStatuses[0]["state"]["terminated"]["exitCode"] == 3
    assert c.get("pod", "retried").status.phase == "Running"
    assert column(c, "retried", "restarts") == 1
    # a pod that ended gives its requests back to the node
    n1 = c.state.find("nodes", "n1")
    assert c.state.tables["nodes"]["requested"][n1][0] == 100  # only "retried" holds 100m


def test_graceful_termination_waits_for_the_shorter_of_shutdown_and_grace():
    c = cluster(pod("quick"), pod("slow", {"kbench.io/shutdown-seconds": "60"}, grace=30))
    c.step("10s")
    c.delete("pod", "quick")
    c.delete("pod", "slow")
    assert c.get("pod", "slow").metadata.deletionTimestamp == "2026-01-01T00:00:10Z"
    c.step("1s")
    assert c.state.find("pods", "quick", "default") < 0   # KubeletConfig.shutdown_seconds 1
    c.step("28s")
    assert c.state.find("pods", "slow", "default") >= 0
    c.step("1s")
    assert c.state.find("pods", "slow", "default") < 0    # terminationGracePeriodSeconds 30


def test_an_unscheduled_pod_is_deleted_at_once():
    c = Cluster.from_manifests([pod("homeless")])
    c.delete("pod", "homeless")
    assert c.state.find("pods", "homeless", "default") < 0


def test_an_image_that_never_pulls_keeps_the_pod_pending():
    c = cluster(pod("a", {"kbench.io/image-pull": "fail"}))
    c.step("5m")
    obj = c.get("pod", "a")
    assert obj.status.phase == "Pending"
    assert obj.status.containerStatuses[0]["state"] == {"waiting": {"reason": "ImagePullBackOff"}}
    assert any(e.to_dict()["reason"] == "Failed" for e in c.events(obj))


def test_bad_annotations_name_the_pod_and_the_field():
    c = cluster(pod("a", {"kbench.io/run-for": "soon"}))
    with pytest.raises(Exception, match=r"pod default/a: metadata.annotations\[kbench.io/run-for\]"):
        c.step("2s")
    c = cluster(pod("b", {"kbench.io/image-pull": "maybe"}))
    with pytest.raises(BehaviourError, match="kbench.io/image-pull"):
        c.step("2s")


def test_start_latencies_are_seeded_per_pod():
    spread = KubeletConfig()  # the default log-normal container start
    first = cluster(pod("a"), pod("b"), config=spread)
    first.step("10s")
    second = cluster(pod("a"), pod("b"), config=spread)
    second.step("10s")
    assert first == second
    times = [column(first, name, "container_start_time") for name in "ab"]
    assert times[0] != times[1]  # each pod draws its own latency


def test_a_pod_admitted_during_a_pull_waits_for_what_is_left_of_it():
    c = cluster(pod("first"))
    c.step("1s")   # the pull starts at 1 s and ends at 4.5 s
    c.apply(pod("second"))
    c.step("1s")   # admitted at 2 s: waits 2.5 s for the same pull, then starts in 0.5 s
    c.step("5s")
    assert column(c, "first", "container_start_time") == pytest.approx(1.0 + PULL + 0.5)
    assert column(c, "second", "container_start_time") == pytest.approx(1.0 + PULL + 0.5)


@pytest.mark.parametrize("probe, unhealthy_after, expected", [
    ({"periodSeconds": 10}, 25.0, 30.0 + 2 * 10),                       # fails at 30, 40, 50
    ({"periodSeconds": 5, "failureThreshold": 1}, 12.0, 15.0),
    ({"initialDelaySeconds": 60, "periodSeconds": 10}, 5.0, 60.0 + 20),  # probes from 60 s
    (None, 5.0, math.inf),                                               # no probe: no kill
    ({"periodSeconds": 10}, math.inf, math.inf),                         # always healthy
])
def test_liveness_kill_delay(probe, unhealthy_after, expected):
    from kbench.sim.kubelet import liveness_kill_delay
    assert liveness_kill_delay(probe, unhealthy_after) == expected


def test_a_failing_liveness_probe_restarts_the_container():
    liveness = pod("a", {"kbench.io/unhealthy-after": "25s"})
    liveness["spec"]["containers"][0]["livenessProbe"] = {
        "httpGet": {"path": "/healthz", "port": 80}, "periodSeconds": 10}
    c = cluster(liveness)
    c.step("60s")  # started at 5 s; killed at 5 + 50 = 55 s
    assert column(c, "a", "restarts") == 1 and column(c, "a", "exit_code") == 137
    status = c.get("pod", "a").status.containerStatuses[0]
    assert status["lastState"]["terminated"]["exitCode"] == 137
    assert status["state"] == {"waiting": {"reason": "CrashLoopBackOff"}}


def test_image_cache_saved_and_restored():
    """The images each node has and when their pulls end, as a snapshot keeps them: keys
    node * images + image, sorted; a kubelet restored from them saves the same and pulls what
    the original would (here: nothing for an image its node has, a new pull elsewhere)."""
    from kbench.sim.kubelet import Kubelet
    c = Cluster.from_manifests([node("n1", images=["base:1"]), node("n2"), pod("a")])
    c.configure_engine(kubelet=EXACT)
    c.step("3s")
    kubelet = c.engine.kubelet
    saved = kubelet.to_arrays()
    names = saved["image_names"].tolist()
    expected = sorted((row * len(names) + names.index(image), at)
                      for row, image, at in ((0, "base:1", -math.inf),
                                             (int(c.state.tables["pods"]["node_index"][0]),
                                              "app:1", 1.0 + PULL)))
    assert list(zip(saved["present"].tolist(), saved["pulled_at"].tolist())) == expected
    restored = Kubelet(kubelet.config, kubelet.seed)
    restored.restore(saved)
    for key, value in restored.to_arrays().items():
        assert np.array_equal(value, saved[key]), key
