"""End-to-end tests of the Deployment controller: clusters built from manifests and stepped
second by second (kbench.Cluster.step), watching ReplicaSets, pods, conditions and kubectl's
rollout verbs."""

from __future__ import annotations

import pytest
from deployment_builders import deployment_manifest, node

from kbench import Cluster
from kbench.controllers.deployment import REVISION, REVISION_HISTORY
from kbench.errors import KbenchError
from kbench.sim.kubelet import KubeletConfig

NEVER_READY = {"kbench.io/ready-after": "never"}
PROBE = {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 1}


def cluster_of(*manifests, kubelet: KubeletConfig | None = None) -> Cluster:
    cluster = Cluster.from_manifests([node("n1"), node("n2"), *manifests])
    if kubelet is not None:
        cluster.configure_engine(kubelet=kubelet)
    return cluster


def replica_sets(cluster: Cluster, name: str = "web") -> list:
    """The Deployment's ReplicaSets, oldest revision first."""
    uid = cluster.get("deploy", name).metadata.uid
    owned = [rs for rs in cluster.list("rs")
             if any(ref.get("uid") == uid for ref in rs.metadata.get("ownerReferences") or [])]
    return sorted(owned, key=lambda rs: int(rs.metadata.annotations[REVISION]))


def sizes(cluster: Cluster, name: str = "web") -> tuple:
    return tuple(rs.spec.replicas for rs in replica_sets(cluster, name))


def size_sequence(cluster: Cluster, seconds: int, name: str = "web") -> list[tuple]:
    """The distinct ReplicaSet sizes seen after each second, in order."""
    seen = [sizes(cluster, name)]
    for _ in range(seconds):
        cluster.step("1s")
        if sizes(cluster, name) != seen[-1]:
            seen.append(sizes(cluster, name))
    return seen


def pods_of(cluster: Cluster, replica_set) -> list:
    return [pod for pod in cluster.list("pods")
            if any(ref.get("uid") == replica_set.metadata.uid
                   for ref in pod.metadata.get("ownerReferences") or [])]


def progressing(cluster: Cluster, name: str = "web") -> dict:
    conditions = cluster.get("deploy", name).status.get("conditions") or []
    return next(c for c in conditions if c["type"] == "Progressing")


# -- RollingUpdate -----------------------------------------------------------------------------

def test_rolling_update_with_max_surge_one_and_no_unavailable():
    # maxSurge 1, maxUnavailable 0 on 3: one new pod at a time, an old one goes once it is
    # available (rolling.go reconcileNewReplicaSet / reconcileOldReplicaSets)
    cluster = cluster_of(deployment_manifest(replicas=3, max_surge=1, max_unavailable=0))
    cluster.step("30s")
    cluster.set_image("deploy", "web", "c", "nginx:2")
    assert size_sequence(cluster, 60) == [(3,), (3, 1), (2, 1), (2, 2), (1, 2), (1, 3),
                                          (0, 3)]
    assert cluster.rollout_status("web") == 'deployment "web" successfully rolled out\n'


def test_rolling_update_with_25_percent_surge_and_unavailable_on_ten():
    # maxSurge 25% of 10 = 2.5 -> 3 (rounded up), maxUnavailable 25% -> 2 (rounded down):
    # at most 13 pods, at least 8 available. Every pod takes the same 1 s to become ready
    # (images present: 0.5 s pull overhead + 0.5 s start), so batches become ready together.
    #   sync 1: new RS created with min(13 - 10, 10) = 3; old: 13 - 8 - 3 (new unavailable)
    #           = 2 may go, 10 available > 8 -> old 10 - 2 = 8               -> (8, 3)
    #   sync 2: 8 + 3 = 11 < 13 -> new + min(2, 7) = 5                       -> (8, 5)
    #   3 new available: old may lose 13 - 8 - (5 - 3) = 3; 8 + 3 = 11 available,
    #           11 - 8 = 3 -> old 5                                          -> (5, 5)
    #   next:   5 + 5 = 10 -> new + min(3, 5) = 8                            -> (5, 8)
    #   5 new available: 13 - 8 - 3 = 2; 5 + 5 - 8 = 2 -> old 3             -> (3, 8)
    #   next:   3 + 8 = 11 -> new + min(2, 2) = 10                           -> (3, 10)
    #   8 new available: 13 - 8 - 2 = 3; 3 + 8 - 8 = 3 -> old 0             -> (0, 10)
    kubelet = KubeletConfig(container_start_sigma=0.0,
                            image_bytes={"nginx:1": 0, "nginx:2": 0})
    cluster = cluster_of(deployment_manifest(replicas=10, max_surge="25%",
                                             max_unavailable="25%"), kubelet=kubelet)
    cluster.step("30s")
    cluster.set_image("deploy", "web", "c", "nginx:2")
    assert size_sequence(cluster, 60) == [(10,), (8, 3), (8, 5), (5, 5), (5, 8), (3, 8),
                                          (3, 10), (0, 10)]


def test_rolling_update_never_scales_an_old_replica_set_up():
    # cleanupUnhealthyReplicas' error for a ReplicaSet whose status is older than its spec:
    # with random start latencies the 25% rollout reaches an old ReplicaSet of 1 whose
    # status still counts 3 available; it must not be "scaled down" from 1 to 3
    cluster = cluster_of(deployment_manifest(replicas=10, max_surge="25%",
                                             max_unavailable="25%"))
    cluster.step("30s")
    cluster.set_image("deploy", "web", "c", "nginx:2")
    cluster.step("60s")
    old = replica_sets(cluster)[0].name
    messages = [event.to_dict()["message"] for event in cluster.events(cluster.get("deploy",
                                                                                   "web"))]
    assert not [m for m in messages if m.startswith(f"Scaled up replica set {old} from 1")]
    old_sizes = [int(m.split(" to ")[1]) for m in messages
                 if m.startswith(f"Scaled down replica set {old}")]
    assert old_sizes == sorted(old_sizes, reverse=True) and old_sizes[-1] == 0


def test_rollout_status_messages_follow_the_rollout():
    # kubectl DeploymentStatusViewer.Status, one look per second
    cluster = cluster_of(deployment_manifest(replicas=3, max_surge=1, max_unavailable=0))
    cluster.step("30s")
    cluster.set_image("deploy", "web", "c", "nginx:2")
    messages = [cluster.rollout_status("web")]
    for _ in range(30):
        cluster.step("1s")
        if cluster.rollout_status("web") != messages[-1]:
            messages.append(cluster.rollout_status("web"))
    # the Deployment's status lags its ReplicaSets' by a tick, theirs their pods' by one:
    # the first new pod is counted two ticks after the new ReplicaSet is made
    wait = 'Waiting for deployment "web" rollout to finish: '
    assert messages == [
        "Waiting for deployment spec update to be observed...\n",
        f"{wait}0 out of 3 new replicas have been updated...\n",
        f"{wait}1 out of 3 new replicas have been updated...\n",
        f"{wait}2 out of 3 new replicas have been updated...\n",
        f"{wait}1 old replicas are pending termination...\n",
        'deployment "web" successfully rolled out\n']


# -- Recreate ----------------------------------------------------------------------------------

def test_recreate_removes_every_old_pod_before_scaling_up_the_new_replica_set():
    # recreate.go: scale old to 0, wait for oldPodsRunning to be false (terminating pods
    # count), only then create the new ReplicaSet with the full size
    cluster = cluster_of(deployment_manifest(replicas=3, strategy="Recreate"))
    cluster.step("30s")
    cluster.set_image("deploy", "web", "c", "nginx:2")
    seen_new = False
    messages = []
    for _ in range(60):
        cluster.step("1s")
        messages.append(cluster.rollout_status("web"))
        sets = replica_sets(cluster)
        if len(sets) == 2 and sets[1].spec.replicas > 0:
            if not seen_new:
                assert pods_of(cluster, sets[0]) == []
                assert sets[1].spec.replicas == 3     # all at once
            seen_new = True
        else:
            assert sets[0].spec.replicas == 0     # scaled down in the first sync
    assert seen_new and sizes(cluster) == (0, 3)
    # all 3 updated at once, then they become available
    assert 'Waiting for deployment "web" rollout to finish: 0 of 3 updated replicas are ' \
           'available...\n' in messages
    assert cluster.rollout_status("web") == 'deployment "web" successfully rolled out\n'


# -- scaling during a rollout ------------------------------------------------------------------

def test_scaling_during_a_rollout_is_proportional():
    # A rollout stuck on new pods that never become ready: 10 old, 3 new (maxSurge 3,
    # maxUnavailable 0). Scaled to 20 (sync.go scale()): 23 allowed, 13 running, +10 shared
    # by size: old 10 * 23 / 13 = 17.7 -> 18 (+8), new 3 * 23 / 13 = 5.3 -> 5 (+2).
    cluster = cluster_of(deployment_manifest(replicas=10, max_surge=3, max_unavailable=0))
    cluster.step("30s")
    cluster.apply(deployment_manifest(replicas=10, max_surge=3, max_unavailable=0,
                                      image="nginx:2", pod_annotations=NEVER_READY,
                                      readiness_probe=PROBE))
    cluster.step("10s")
    assert sizes(cluster) == (10, 3)
    cluster.scale("deploy", "web", 20)
    cluster.step("10s")
    assert sizes(cluster) == (18, 5)
    # and back to 10: 13 allowed, 23 running, -10 from the largest first: old 18 * 13 / 23
    # = 10.2 -> 10 (-8), new 5 * 13 / 23 = 2.8 -> 3 (-2)
    cluster.scale("deploy", "web", 10)
    cluster.step("10s")
    assert sizes(cluster) == (10, 3)


# -- revisions ---------------------------------------------------------------------------------

def _three_revisions() -> Cluster:
    cluster = cluster_of(deployment_manifest(replicas=2, max_surge=1, max_unavailable=0,
                                             revisionHistoryLimit=10))
    for version in ("1", "2", "3"):
        manifest = deployment_manifest(replicas=2, max_surge=1, max_unavailable=0,
                                       image=f"nginx:{version}", revisionHistoryLimit=10)
        manifest["metadata"]["annotations"] = {"kubernetes.io/change-cause": f"v{version}"}
        cluster.apply(manifest)
        cluster.step("30s")
    return cluster


def test_revisions_count_up_and_the_deployment_carries_the_newest():
    cluster = _three_revisions()
    sets = replica_sets(cluster)
    assert [rs.metadata.annotations[REVISION] for rs in sets] == ["1", "2", "3"]
    assert [rs.spec.template.spec.containers[0].image for rs in sets] == [
        "nginx:1", "nginx:2", "nginx:3"]
    assert cluster.get("deploy", "web").metadata.annotations[REVISION] == "3"
    history = cluster.rollout_history("web").to_pydict()
    assert history == {"revision": [1, 2, 3], "change_cause": ["v1", "v2", "v3"]}


def test_rollout_undo_to_a_revision_moves_it_to_the_top():
    # kubectl rollout undo --to-revision=1: the Deployment takes revision 1's template and
    # annotations; the controller finds that ReplicaSet as the new one and gives it
    # max + 1 = 4, keeping "1" in its revision-history (SetNewReplicaSetAnnotations)
    cluster = _three_revisions()
    assert cluster.rollout_undo("web", to_revision=1) == "deployment.apps/web rolled back"
    assert cluster.get("deploy", "web").metadata.annotations[
        "kubernetes.io/change-cause"] == "v1"
    cluster.step("30s")
    sets = replica_sets(cluster)
    first = sets[-1]
    assert first.spec.template.spec.containers[0].image == "nginx:1"
    assert first.metadata.annotations[REVISION] == "4"
    assert first.metadata.annotations[REVISION_HISTORY] == "1"
    assert sizes(cluster) == (0, 0, 2)
    assert cluster.get("deploy", "web").metadata.annotations[REVISION] == "4"
    assert cluster.rollout_history("web").to_pydict() == {
        "revision": [2, 3, 4], "change_cause": ["v2", "v3", "v1"]}
    # undo without a revision: the one before the newest (3); its history gains "3"
    cluster.rollout_undo("web")
    cluster.step("30s")
    newest = replica_sets(cluster)[-1]
    assert newest.spec.template.spec.containers[0].image == "nginx:3"
    assert newest.metadata.annotations[REVISION] == "5"
    assert newest.metadata.annotations[REVISION_HISTORY] == "3"
    # back to 1 again: its history keeps both earlier revisions
    cluster.rollout_undo("web", to_revision=4)
    cluster.step("30s")
    assert replica_sets(cluster)[-1].metadata.annotations[REVISION_HISTORY] == "1,4"


def test_rollout_undo_errors_and_skips_as_kubectl_does():
    cluster = _three_revisions()
    with pytest.raises(KbenchError, match="unable to find specified revision 7 in history"):
        cluster.rollout_undo("web", to_revision=7)
    assert cluster.rollout_undo("web", to_revision=3) == (
        "deployment.apps/web skipped rollback (current template already matches revision 3)")
    single = cluster_of(deployment_manifest(name="one"))
    single.step("5s")
    with pytest.raises(KbenchError, match='no rollout history found for deployment "one"'):
        single.rollout_undo("one")
    paused = deployment_manifest(paused=True)
    cluster.apply(paused)
    with pytest.raises(KbenchError, match="cannot rollback a paused deployment"):
        cluster.rollout_undo("web", to_revision=1)


def test_revision_history_limit_deletes_the_oldest_replica_sets():
    # cleanupDeployment: once the rollout is complete, old ReplicaSets of size 0 beyond
    # revisionHistoryLimit go, lowest revision first
    cluster = cluster_of(deployment_manifest(replicas=2, revisionHistoryLimit=1))
    cluster.step("30s")
    for version in ("2", "3", "4"):
        cluster.set_image("deploy", "web", "c", f"nginx:{version}")
        cluster.step("30s")
    sets = replica_sets(cluster)
    assert [rs.metadata.annotations[REVISION] for rs in sets] == ["3", "4"]
    assert sizes(cluster) == (0, 2)


# -- pause -------------------------------------------------------------------------------------

def test_a_paused_deployment_makes_no_new_replica_set_until_resumed():
    cluster = cluster_of(deployment_manifest(replicas=3, progressDeadlineSeconds=60))
    cluster.step("20s")
    cluster.apply(deployment_manifest(replicas=3, image="nginx:2", paused=True,
                                      progressDeadlineSeconds=60))
    cluster.step("120s")
    assert sizes(cluster) == (3,)
    condition = progressing(cluster)
    assert (condition["status"], condition["reason"]) == ("Unknown", "DeploymentPaused")
    # a paused Deployment is still scaled (sync.go sync())
    cluster.scale("deploy", "web", 4)
    cluster.step("5s")
    assert sizes(cluster) == (4,)
    cluster.apply(deployment_manifest(replicas=4, image="nginx:2", paused=False,
                                      progressDeadlineSeconds=60))
    cluster.step("1s")
    assert len(sizes(cluster)) == 2
    cluster.step("60s")
    assert sizes(cluster) == (0, 4)
    condition = progressing(cluster)
    assert (condition["status"], condition["reason"]) == ("True", "NewReplicaSetAvailable")


# -- progressDeadlineSeconds -------------------------------------------------------------------

def test_progress_deadline_exceeded_when_new_pods_never_become_ready():
    cluster = cluster_of(deployment_manifest(replicas=2, progressDeadlineSeconds=30))
    cluster.step("20s")
    cluster.apply(deployment_manifest(replicas=2, image="nginx:2", progressDeadlineSeconds=30,
                                      pod_annotations=NEVER_READY, readiness_probe=PROBE))
    last_progress = None
    for _ in range(60):
        cluster.step("1s")
        condition = progressing(cluster)
        if condition["reason"] == "ProgressDeadlineExceeded":
            break
        last_progress = condition["lastUpdateTime"]
    assert (condition["status"], condition["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert condition["message"] == f'ReplicaSet "{replica_sets(cluster)[-1].name}" has ' \
                                   "timed out progressing."
    from kbench.api.store import seconds_of as _seconds
    # strictly after lastUpdateTime + 30 s, at the first tick past it
    assert _seconds(last_progress) + 30 < cluster.time <= _seconds(last_progress) + 31
    with pytest.raises(KbenchError, match='deployment "web" exceeded its progress deadline'):
        cluster.rollout_status("web")
    # the old pods stay: maxUnavailable 25% of 2 rounds down to 0
    assert sizes(cluster)[0] == 2


# -- garbage collection, determinism -----------------------------------------------------------

def test_deleting_the_deployment_removes_its_replica_sets_then_their_pods():
    cluster = cluster_of(deployment_manifest(replicas=3))
    cluster.step("20s")
    assert len(cluster.list("pods")) == 3
    cluster.delete("deploy", "web")
    assert len(cluster.list("rs")) == 1
    cluster.step("1s")
    assert cluster.list("rs") == []
    cluster.step("60s")
    assert cluster.list("pods") == []


def _run_scenario() -> Cluster:
    cluster = cluster_of(deployment_manifest(replicas=6, max_surge="25%",
                                             max_unavailable="25%"))
    cluster.step("30s")
    cluster.set_image("deploy", "web", "c", "nginx:2")
    cluster.step("15s")
    cluster.scale("deploy", "web", 9)
    cluster.step("30s")
    return cluster


def test_same_cluster_stepped_the_same_way_gives_identical_tables():
    first, second = _run_scenario(), _run_scenario()
    tables, again = first.tables(), second.tables()
    assert tables.keys() == again.keys()
    for name in tables:
        assert tables[name].equals(again[name]), name


def test_syncs_never_change_the_documents_they_share():
    """The controller parses each document once and shares it between syncs: after rollouts,
    scaling, a pause and an undo, every shared document still equals its text."""
    cluster = cluster_of(deployment_manifest(replicas=4, max_surge=2, max_unavailable=1))
    cluster.step("20s")
    cluster.set_image("deploy", "web", "c", "nginx:2")
    cluster.step("5s")
    cluster.scale("deploy", "web", 6)
    cluster.step("20s")
    manifest = deployment_manifest(replicas=6, image="nginx:3", max_surge=2, max_unavailable=1)
    for paused in (True, False):
        cluster.apply({**manifest, "spec": {**manifest["spec"], "paused": paused}})
        cluster.step("5s")
    cluster.rollout_undo("web")
    cluster.step("30s")
    shared = cluster.engine.deployments._documents
    assert len(shared._parsed) > 5
    for code, parsed in shared._parsed.items():
        assert parsed == cluster.state.strings.document(code), cluster.state.strings[code]
    assert sizes(cluster)[-1] == 6
