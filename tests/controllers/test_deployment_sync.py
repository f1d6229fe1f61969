"""Table tests of the Deployment controller's sync steps, ported from
pkg/controller/deployment: sync_test.go, rolling_test.go, recreate_test.go, progress_test.go.
Each case names its Go test (and case); they run on kbench's views."""

from __future__ import annotations

import pytest
from deployment_builders import (
    NEW,
    OLD,
    OLDER,
    TEMPLATE,
    condition,
    new_deployment,
    progressing,
    rs,
    set_replicas_annotations,
    sync_of,
    with_template,
)

from kbench import Cluster
from kbench.api.store import timestamp
from kbench.controllers.deployment import REVISION, DeploymentController

# -- TestScale (sync.go scale(): proportional scaling) -----------------------------------------

#   name, (deployment replicas, maxSurge), (old deployment replicas, maxSurge),
#   new RS (name, size, created) or None, old RSs, expected new size, expected old sizes,
#   desired-replicas annotations that differ from the old deployment's
SCALE_CASES = [
    ("normal scaling event: 10 -> 12", (12, 0), (10, 0), ("foo-v1", 10, NEW), [], 12, [], {}),
    ("normal scaling event: 10 -> 5", (5, 0), (10, 0), ("foo-v1", 10, NEW), [], 5, [], {}),
    # to add 5: v1 3 * 10 / 5 = 6 (+3), v2 2 * 10 / 5 = 4 (+2)
    ("proportional scaling: 5 -> 10", (10, 0), (5, 0), ("foo-v2", 2, NEW),
     [("foo-v1", 3, OLD)], 4, [6], {}),
    # to add -2: v1 3 * 3 / 5 = 1.8 -> 2 (-1), v2 2 * 3 / 5 = 1.2 -> 1 (-1)
    ("proportional scaling: 5 -> 3", (3, 0), (5, 0), ("foo-v2", 2, NEW),
     [("foo-v1", 3, OLD)], 1, [2], {}),
    # to add -5: v2 8 * 4 / 9 = 3.6 -> 4 (-4), v1 1 * 4 / 9 = 0.4 -> 0 (-1)
    ("proportional scaling: 9 -> 4", (4, 0), (9, 0), ("foo-v2", 8, NEW),
     [("foo-v1", 1, OLD)], 4, [0], {}),
    # to add 3, largest first: v2 3 * 10 / 7 = 4.3 -> 4 (+1), v3 (newer of the 2s)
    # 2 * 10 / 7 = 2.9 -> 3 (+1), v1 +1
    ("proportional scaling: 7 -> 10", (10, 0), (7, 0), ("foo-v3", 2, NEW),
     [("foo-v2", 3, OLD), ("foo-v1", 2, OLDER)], 3, [4, 3], {}),
    # to add -5: v2 8 * 8 / 13 = 4.9 -> 5 (-3), v1 (older of the 2s... 3) 3 * 8 / 13 = 1.8
    # -> 2 (-1), v3 2 * 8 / 13 = 1.2 -> 1 (-1)
    ("proportional scaling: 13 -> 8", (8, 0), (13, 0), ("foo-v3", 2, NEW),
     [("foo-v2", 8, OLD), ("foo-v1", 3, OLDER)], 1, [5, 2], {}),
    # 1 * 4 / 3 = 1.3 -> 1 for all: the leftover +1 goes to the first, the newest
    ("leftover distribution: 3 -> 4", (4, 0), (3, 0), ("foo-v3", 1, NEW),
     [("foo-v2", 1, OLD), ("foo-v1", 1, OLDER)], 2, [1, 1], {}),
    # 1 * 2 / 3 = 0.7 -> 1 for all: the leftover -1 comes off the first, the oldest
    ("leftover distribution: 3 -> 2", (2, 0), (3, 0), ("foo-v3", 1, NEW),
     [("foo-v2", 1, OLD), ("foo-v1", 1, OLDER)], 1, [1, 0], {}),
    # 2 * 5 / 4 = 2.5 -> 3 to the newer first, nothing left for the older
    ("proportional scaling (no new rs): 4 -> 5", (5, 0), (4, 0), None,
     [("foo-v2", 2, OLD), ("foo-v1", 2, OLDER)], None, [3, 2], {}),
    ("proportional scaling: 6 -> 0", (0, 0), (6, 0), ("foo-v3", 3, NEW),
     [("foo-v2", 2, OLD), ("foo-v1", 1, OLDER)], 0, [0, 0], {}),
    ("proportional scaling: 0 -> 6", (6, 0), (6, 0), ("foo-v3", 0, NEW),
     [("foo-v2", 0, OLD), ("foo-v1", 0, OLDER)], 6, [0, 0], {}),
    # foo-v2's desired-replicas says 3 (its update failed in Go's test): 1 * 5 / 3 = 1.7
    # -> 2 (+1) to foo-v2, nothing to the others
    ("failed rs update", (5, 0), (5, 0), ("foo-v3", 2, NEW),
     [("foo-v2", 1, OLD), ("foo-v1", 1, OLDER)], 2, [2, 1], {"foo-v2": 3}),
    # max-replicas 10 + 2 = 12; allowed 20 + 2: 6 * 22 / 12 = 11 each
    ("deployment with surge pods", (20, 2), (10, 2), ("foo-v2", 6, NEW),
     [("foo-v1", 6, OLD)], 11, [11], {}),
    # max-replicas 10 + 3 = 13; allowed 50 + 6 = 56: v1 8 * 56 / 13 = 34.5 -> 34,
    # v2 5 * 56 / 13 = 21.5 -> 22
    ("change both surge and size", (50, 6), (10, 3), ("foo-v2", 5, NEW),
     [("foo-v1", 8, OLD)], 22, [34], {}),
]


@pytest.mark.parametrize("name, deployment, old_deployment, new, olds, expected_new, "
                         "expected_old, desired", SCALE_CASES, ids=[c[0] for c in SCALE_CASES])
def test_scale(name, deployment, old_deployment, new, olds, expected_new, expected_old,
               desired):
    # TestScale
    d = new_deployment(deployment[0], deployment[1], template=TEMPLATE)
    before = new_deployment(old_deployment[0], old_deployment[1])
    new_view = with_template(rs(*new, row=0), TEMPLATE) if new else None
    old_views = [rs(*old, row=i + 1) for i, old in enumerate(olds)]
    for view in [new_view] + old_views:
        if view is not None:
            wanted = desired.get(view.name, before.replicas)
            set_replicas_annotations(view, wanted, wanted + before.max_surge())
    sync_of(d, [v for v in [new_view] + old_views if v]).proportional_scale(new_view,
                                                                           old_views)
    if expected_new is not None:
        assert new_view.replicas == expected_new
    assert [view.replicas for view in old_views] == expected_old


def test_scale_change_both_size_and_template():
    # TestScale "change both size and template": no new ReplicaSet yet; the old ones share
    # 14 - 10 = 4: v2 7 * 14 / 10 = 9.8 -> 10, v1 3 * 14 / 10 = 4.2 -> 4
    d = new_deployment(14)
    v2, v1 = rs("foo-v2", 7, NEW, row=1), rs("foo-v1", 3, OLD, row=2)
    for view in (v2, v1):
        set_replicas_annotations(view, 10, 10)
    sync = sync_of(d, [v2, v1])
    sync.proportional_scale(None, [v2, v1])
    assert (v2.replicas, v1.replicas) == (10, 4)


def test_scale_saturated_but_broken_new_replica_set_does_not_affect_old_pods():
    # TestScale "saturated but broken new replica set does not affect old pods": the new one
    # has the full size but no available pod, so it is not saturated; 2 + 1 = 3 = 2 + surge 1
    d = new_deployment(2, 1, 1)
    new = with_template(rs("foo-v2", 2, NEW, available=0), TEMPLATE)
    old = rs("foo-v1", 1, OLD, available=1, row=1)
    for view in (new, old):
        set_replicas_annotations(view, 2, 3)
    sync_of(d, [new, old]).proportional_scale(new, [old])
    assert (new.replicas, old.replicas) == (2, 1)


def test_scale_with_a_saturated_new_replica_set_scales_the_old_ones_to_zero():
    # sync.go scale(): IsSaturated(newRS) -> every active old ReplicaSet to 0
    d = new_deployment(3, 1)
    new = with_template(rs("foo-v2", 3, NEW, available=3), TEMPLATE)
    old = rs("foo-v1", 2, OLD, row=1)
    set_replicas_annotations(new, 3, 4)
    sync = sync_of(d, [new, old])
    sync.proportional_scale(new, [old])
    assert (new.replicas, old.replicas) == (3, 0)
    assert sync.events == [("Normal", "ScalingReplicaSet",
                            "Scaled down replica set foo-v1 from 2 to 0")]


def test_replica_sets_by_size_newer_breaks_creation_ties_by_name_descending():
    # controller.ReplicaSetsBySizeNewer: equal size and creation time -> Less(j, i) on
    # ReplicaSetsByCreationTimestamp, i.e. names in reverse order. 3 -> 4 with three
    # ReplicaSets of 1 created in the same second: the leftover +1 goes to "foo-c".
    d = new_deployment(4)
    views = [rs(name, 1, NEW, row=i) for i, name in enumerate(["foo-a", "foo-b", "foo-c"])]
    for view in views:
        set_replicas_annotations(view, 3, 3)
    sync_of(d, views).proportional_scale(None, views)
    assert [view.replicas for view in views] == [1, 1, 2]


# -- TestDeploymentController_cleanupDeployment ------------------------------------------------

@pytest.mark.parametrize("olds, limit, expected_deletions", [
    ([(0, 0), (0, 0), (0, 0)], 1, 2),
    # only the one with spec.replicas = status.replicas = 0
    ([(0, 0), (0, 1), (1, 0), (1, 1)], 0, 1),
    ([(0, 0), (0, 0)], 0, 2),
    ([(1, 1), (1, 1)], 0, 0),
    ([(0, 0), (0, 0), (0, 0)], 2**31 - 1, 0),   # "with unlimited revisionHistoryLimit"
])
def test_cleanup_deployment(olds, limit, expected_deletions):
    # TestDeploymentController_cleanupDeployment: (spec replicas, status replicas) per
    # old ReplicaSet
    views = [rs(f"foo-{i + 1}", spec, status_replicas=status, row=i + 1)
             for i, (spec, status) in enumerate(olds)]
    sync_of(new_deployment(1, revision_history_limit=limit), views).cleanup(views)
    assert sum(view.deleted for view in views) == expected_deletions


def test_cleanup_deployment_skips_a_replica_set_already_being_deleted():
    # TestDeploymentController_cleanupDeployment "alreadyDeleted": kbench deletes at once, so
    # a ReplicaSet being deleted is one already marked deleted in this sync
    view = rs("foo-1", 0, status_replicas=0, row=1)
    view.deleted = True
    sync = sync_of(new_deployment(1, revision_history_limit=0), [view])
    sync.cleanup([view])
    assert view.deleted


def test_cleanup_deployment_waits_for_the_replica_set_controller_to_observe_it():
    # cleanupDeployment: rs.Generation > rs.Status.ObservedGeneration is kept
    view = rs("foo-1", 0, status_replicas=0, row=1)
    view.generation, view.observed_generation = 2, 1
    sync_of(new_deployment(1, revision_history_limit=0), [view]).cleanup([view])
    assert not view.deleted


@pytest.mark.parametrize("olds, limit, expected_deleted", [
    # revision order: rs1 < rs2, delete rs1
    ([(0, "1"), (0, "2")], 1, {"foo-1"}),
    # revision order: rs2 < rs1, delete rs2
    ([(0, "2"), (0, "1")], 1, {"foo-2"}),
    # rs1 has revision but rs2 doesn't have revision, delete rs2
    ([(0, "1"), (0, None)], 1, {"foo-2"}),
    # rs1 doesn't have revision while rs2 has revision, delete rs1
    ([(0, None), (0, "2")], 1, {"foo-1"}),
    # revision order: rs1 < rs2 < r3, but rs1 has replicas, delete rs2
    ([(1, "1"), (0, "2"), (0, "3")], 1, {"foo-2"}),
    # revision order: rs1 < rs2 < r3, both rs1 && rs2 have replicas, don't delete
    ([(1, "1"), (1, "2"), (0, "3")], 1, set()),
    # revision order: rs2 < rs4 < rs1 < rs3, delete rs2 && rs4
    ([(0, "3"), (0, "1"), (0, "4"), (0, "2")], 2, {"foo-2", "foo-4"}),
])
def test_cleanup_deployment_order(olds, limit, expected_deleted):
    # TestDeploymentController_cleanupDeploymentOrder: creation one minute apart, in order
    views = [rs(f"foo-{i + 1}", replicas, 60.0 * i, revision=revision, row=i + 1)
             for i, (replicas, revision) in enumerate(olds)]
    sync_of(new_deployment(1, revision_history_limit=limit), views).cleanup(views)
    assert {view.name for view in views if view.deleted} == expected_deleted


# -- rolling_test.go ---------------------------------------------------------------------------

@pytest.mark.parametrize("replicas, max_surge, old, new, scaled, expected_new", [
    (10, 0, 10, 0, False, 0),    # should not scale up
    (10, 2, 10, 0, True, 2),     # 10 + 2 allowed, 10 running: +2
    (10, 2, 5, 0, True, 7),      # 12 allowed, 5 running: +7
    (10, 2, 10, 2, False, 2),
    (10, 2, 2, 11, True, 10),    # should scale down to the Deployment's size
])
def test_reconcile_new_replica_set(replicas, max_surge, old, new, scaled, expected_new):
    # TestDeploymentController_reconcileNewReplicaSet (maxUnavailable 0)
    d = new_deployment(replicas, max_surge, 0)
    new_view, old_view = rs("foo-v2", new), rs("foo-v2", old, row=1)
    sync = sync_of(d, [new_view, old_view])
    assert sync.reconcile_new([new_view, old_view], new_view) is scaled
    assert new_view.replicas == expected_new


@pytest.mark.parametrize("replicas, max_unavailable, old, new, ready_old, ready_new, scaled, "
                         "expected_old", [
    # maxSurge 0 and maxUnavailable 0 resolve to 1 unavailable: 10 - 9 = 1 down
    (10, 0, 10, 0, 10, 0, True, 9),
    (10, 2, 10, 0, 10, 0, True, 8),
    # the 2 unhealthy old replicas are cleaned up
    (10, 2, 10, 0, 8, 0, True, 8),
    # 1 unhealthy cleaned up, then 1 ready scaled down
    (10, 2, 10, 0, 9, 0, True, 8),
    # the unavailable pods of the new RS would not make us scale down old RSs further:
    # 10 - 8 - 2 = 0 may go
    (10, 2, 8, 2, 8, 0, False, 8),
])
def test_reconcile_old_replica_sets(replicas, max_unavailable, old, new, ready_old,
                                    ready_new, scaled, expected_old):
    # TestDeploymentController_reconcileOldReplicaSets (maxSurge 0)
    d = new_deployment(replicas, 0, max_unavailable)
    new_view = rs("foo-new", new, available=ready_new)
    old_view = rs("foo-old", old, available=ready_old, row=1)
    sync = sync_of(d, [old_view, new_view])
    assert sync.reconcile_old([old_view, new_view], [old_view], new_view) is scaled
    assert old_view.replicas == expected_old


@pytest.mark.parametrize("old, ready, most, expected", [
    (10, 8, 1, 1),
    (10, 8, 3, 2),
    (10, 8, 0, 0),
    (10, 10, 3, 0),
])
def test_cleanup_unhealthy_replicas(old, ready, most, expected):
    # TestDeploymentController_cleanupUnhealthyReplicas (maxSurge 2, maxUnavailable 2)
    view = rs("foo-v2", old, available=ready)
    sync = sync_of(new_deployment(10, 2, 2), [view])
    assert sync.cleanup_unhealthy([view], most) == expected
    assert view.replicas == old - expected


def test_cleanup_unhealthy_replicas_refuses_to_scale_up():
    # cleanupUnhealthyReplicas' "got invalid request to scale down" error: the ReplicaSet's
    # status (3 available) is older than its spec (1), so 1 - (1 - 3) = 3 would be a scale
    # UP. Go returns the error and the sync ends; before the fix kbench scaled the old
    # ReplicaSet from 1 back to 3 (then down to 0 in the same sync, with two wrong events).
    d = new_deployment(10, 3, 2, template=TEMPLATE)
    old = rs("foo-v1", 1, OLD, available=3, status_replicas=3, row=1)
    new = with_template(rs("foo-v2", 10, NEW, available=8, status_replicas=10), TEMPLATE)
    for view in (old, new):
        set_replicas_annotations(view, 10, 13)
    sync = sync_of(d, [new, old], now=NEW + 10)
    status_before = dict(d.status)
    sync.run()
    assert "invalid request to scale down foo-v1 1 -> 3" in sync.error
    assert old.replicas == 1 and sync.events == []
    assert d.status == status_before        # the sync ended before writing the status


@pytest.mark.parametrize("replicas, max_unavailable, ready, old, scaled, expected_old", [
    (10, 0, 10, 10, True, 9),
    (10, 2, 10, 10, True, 8),
    (10, 2, 8, 10, False, 10),
    (10, 2, 10, 0, False, 0),
    (10, 2, 1, 10, False, 10),
])
def test_scale_down_old_replica_sets_for_rolling_update(replicas, max_unavailable, ready, old,
                                                        scaled, expected_old):
    # TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate (maxSurge 0)
    view = rs("foo-v2", old, available=ready)
    sync = sync_of(new_deployment(replicas, 0, max_unavailable), [view])
    assert (sync.scale_down_old([view], [view]) > 0) is scaled
    assert view.replicas == expected_old


# -- recreate_test.go --------------------------------------------------------------------------

def test_scale_down_old_replica_sets_for_recreate():
    # TestScaleDownOldReplicaSets: the old ReplicaSet of 3 goes to 0, and no new ReplicaSet
    # is created in the same sync (scaled down -> only the status is synced)
    d = new_deployment(3, strategy="Recreate", template=TEMPLATE)
    old = rs("foo-0", 3, OLD, available=3, row=1)
    sync = sync_of(d, [old], now=NEW)
    sync.run()
    assert old.replicas == 0 and sync.created is None


@pytest.mark.parametrize("name, old_status_replicas, old_pods_running, expected", [
    ("no old RSs", None, False, False),
    ("old RSs without pods but with non-zero status replicas", 1, False, True),
    ("old RSs without pods or non-zero status replicas", 0, False, False),
    ("old RSs with running pods", 0, True, True),
])
def test_old_pods_running_holds_back_the_new_replica_set(name, old_status_replicas,
                                                         old_pods_running, expected):
    # TestOldPodsRunning, through rolloutRecreate: while old pods run, no new ReplicaSet
    d = new_deployment(3, strategy="Recreate", template=TEMPLATE)
    olds = [] if old_status_replicas is None else [
        rs("rs-1", 0, OLD, status_replicas=old_status_replicas, row=1)]
    sync = sync_of(d, olds, now=NEW, old_pods_running=old_pods_running)
    sync.run()
    assert (sync.created is None) is expected
    if not expected:
        assert sync.created.replicas == 3     # Recreate: the whole size at once


def _recreate_cluster_with_old_pod(phase: str) -> Cluster:
    """A Recreate Deployment whose old ReplicaSet (size 0) still has one pod in ``phase``."""
    from kbench.controllers.ownership import owner_rows
    from kbench.state.schema import POD_PHASES

    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "foo"},
                  "spec": {"replicas": 1, "strategy": {"type": "Recreate"},
                           "selector": {"matchLabels": {"foo": "bar"}},
                           "template": TEMPLATE}}
    cluster = Cluster.from_manifests([deployment])
    uid = cluster.get("deploy", "foo").metadata.uid
    owner = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "foo", "uid": uid,
             "controller": True}
    old_template = {"metadata": {"labels": {"foo": "bar", "pod-template-hash": "old"}},
                    "spec": {"containers": [{"name": "c", "image": "foo/old"}]}}
    cluster.apply({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                   "metadata": {"name": "foo-old", "ownerReferences": [owner],
                                "labels": old_template["metadata"]["labels"],
                                "annotations": {"deployment.kubernetes.io/revision": "1"}},
                   "spec": {"replicas": 0, "selector": {"matchLabels": {"foo": "bar"}},
                            "template": old_template}})
    rs_uid = cluster.get("rs", "foo-old").metadata.uid
    cluster.apply({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "foo-old-pod", "labels": old_template["metadata"][
                       "labels"], "ownerReferences": [{**owner, "kind": "ReplicaSet",
                                                       "name": "foo-old", "uid": rs_uid}]},
                   "spec": old_template["spec"]})
    pods = cluster.state.tables["pods"]
    pods["phase"][pods.live_rows()] = POD_PHASES.index(phase)
    assert (owner_rows(cluster.state, "pods", "replicasets")[pods.live_rows()] >= 0).all()
    return cluster


@pytest.mark.parametrize("phase, running", [
    ("Failed", False),      # "old RSs with zero status replicas but pods in terminal state"
    ("Succeeded", False),
    ("Unknown", True),      # "... but pod in unknown phase present"
    ("Pending", True),      # "... with pending pod present"
    ("Running", True),      # "... with running pod present"
])
def test_old_pods_running_by_pod_phase(phase, running):
    # TestOldPodsRunning, the pod-phase cases, through DeploymentController.sync: a new
    # ReplicaSet is created only when no old pod may still run
    cluster = _recreate_cluster_with_old_pod(phase)
    actions = DeploymentController().sync(cluster.state)
    created = [m for m in actions.create_objects if m["kind"] == "ReplicaSet"]
    assert (not created) is running


# -- TestSyncRolloutStatus (progress.go) -------------------------------------------------------

TEST_TIME = 1000.0
LATER = TEST_TIME + 86400.0


def _current(deadline, replicas, status_replicas, updated, available, conditions):
    """progress_test.go currentDeployment: Recreate, the status given, readyReplicas 0."""
    return new_deployment(replicas, strategy="Recreate", progress_deadline=deadline,
                          status={"replicas": status_replicas, "updatedReplicas": updated,
                                  "availableReplicas": available},
                          conditions=conditions, template=TEMPLATE)


def _with_available(name, spec, status, available):
    return rs(name, spec, available=available, status_replicas=status, ready=0)


FAILED_TIMED_OUT = ("False", "ProgressDeadlineExceeded", None)
NEW_RS_AVAILABLE = ("True", "NewReplicaSetAvailable", TEST_TIME)
REPLICA_SET_UPDATED = ("True", "ReplicaSetUpdated", TEST_TIME)

#   name, deadline, deployment (replicas, status replicas, updated, available), its
#   Progressing condition, old RSs (spec, status, available), new RS or None,
#   expected (status, reason), lastUpdateTime kept, lastTransitionTime kept
ROLLOUT_STATUS_CASES = [
    (("General: remove Progressing condition and do not estimate progress if deployment has "
     "no Progress Deadline"), None, (3, 2, 2, 2), REPLICA_SET_UPDATED, [("bar", 0, 1, 1)],
     ("foo", 3, 2, 2), None, False, False),
    ("General: do not estimate progress of deployment with only one active ReplicaSet", 60,
     (3, 3, 3, 3), NEW_RS_AVAILABLE, [("bar", 3, 3, 3)], None,
     ("True", "NewReplicaSetAvailable"), True, True),
    (("DeploymentProgressing: dont update lastTransitionTime if deployment already has "
     "Progressing=True"), 60, (3, 2, 2, 2), REPLICA_SET_UPDATED, [("bar", 0, 1, 1)],
     ("foo", 3, 2, 2), ("True", "ReplicaSetUpdated"), False, True),
    ("DeploymentProgressing: update everything if deployment has Progressing=False", 60,
     (3, 2, 2, 2), FAILED_TIMED_OUT, [("bar", 0, 1, 1)], ("foo", 3, 2, 2),
     ("True", "ReplicaSetUpdated"), False, False),
    ("DeploymentProgressing: create Progressing condition if it does not exist", 60,
     (3, 2, 2, 2), None, [("bar", 0, 1, 1)], ("foo", 3, 2, 2),
     ("True", "ReplicaSetUpdated"), False, False),
    (("DeploymentComplete: dont update lastTransitionTime if deployment already has "
     "Progressing=True"), 60, (3, 3, 3, 3), REPLICA_SET_UPDATED, [], ("foo", 3, 3, 3),
     ("True", "NewReplicaSetAvailable"), False, True),
    ("DeploymentComplete: update everything if deployment has Progressing=False", 60,
     (3, 3, 3, 3), FAILED_TIMED_OUT, [], ("foo", 3, 3, 3),
     ("True", "NewReplicaSetAvailable"), False, False),
    ("DeploymentComplete: create Progressing condition if it does not exist", 60,
     (3, 3, 3, 3), None, [], ("foo", 3, 3, 3), ("True", "NewReplicaSetAvailable"), False,
     False),
    ("DeploymentComplete: defend against NPE when newRS=nil", 60, (0, 3, 3, 3),
     REPLICA_SET_UPDATED, [("foo", 0, 0, 0)], None, ("True", "NewReplicaSetAvailable"), False,
     True),   # Go does not check the transition time here; True -> True keeps it
    ("DeploymentTimedOut: update status if rollout exceeds Progress Deadline", 60,
     (3, 2, 2, 2), REPLICA_SET_UPDATED, [], ("foo", 3, 2, 2),
     ("False", "ProgressDeadlineExceeded"), False, False),
    (("DeploymentTimedOut: do not update status if deployment has existing timedOut "
     "condition"), 60, (3, 2, 2, 2), ("False", "ProgressDeadlineExceeded", TEST_TIME), [],
     ("foo", 3, 2, 2), ("False", "ProgressDeadlineExceeded"), True, True),
]


@pytest.mark.parametrize("name, deadline, counts, current, olds, new, expected, "
                         "update_kept, transition_kept", ROLLOUT_STATUS_CASES,
                         ids=[c[0] for c in ROLLOUT_STATUS_CASES])
def test_sync_rollout_status(name, deadline, counts, current, olds, new, expected,
                             update_kept, transition_kept):
    # TestSyncRolloutStatus
    conditions = [] if current is None else [condition("Progressing", *current)]
    d = _current(deadline, *counts, conditions)
    old_views = [_with_available(*old) for old in olds]
    new_view = _with_available(*new) if new else None
    all_sets = old_views + ([new_view] if new_view else [])
    sync = sync_of(d, all_sets, now=LATER)
    sync.sync_status(all_sets, new_view)
    found = progressing(d.conditions)
    if expected is None:
        assert found is None
        return
    assert (found["status"], found["reason"]) == expected
    assert (found["lastUpdateTime"] == timestamp(TEST_TIME)) is update_kept
    assert (found["lastTransitionTime"] == timestamp(TEST_TIME)) is transition_kept


def test_sync_rollout_status_messages_name_the_replica_set_or_the_deployment():
    # syncRolloutStatus' messages
    d = _current(60, 3, 3, 3, 3, [])
    new = _with_available("foo-abc", 3, 3, 3)
    sync_of(d, [new], now=LATER).sync_status([new], new)
    assert progressing(d.conditions)["message"] == \
        'ReplicaSet "foo-abc" has successfully progressed.'
    d = _current(60, 0, 3, 3, 3, [])
    sync_of(d, [], now=LATER).sync_status([], None)
    assert progressing(d.conditions)["message"] == \
        'Deployment "foo" has successfully progressed.'


# -- checkPausedConditions (deployment_controller.go syncDeployment) ---------------------------

def test_pausing_and_resuming_set_progressing_unknown():
    # checkPausedConditions: DeploymentPaused while paused, DeploymentResumed when resumed, so
    # the deadline counts from the resume, not from before the pause
    rollout = condition("Progressing", "True", "ReplicaSetUpdated", TEST_TIME)
    d = _current(60, 3, 2, 2, 2, [rollout])
    d.paused = True
    new = with_template(_with_available("foo-new", 3, 2, 2), TEMPLATE)
    sync_of(d, [new], now=LATER).run()
    assert (progressing(d.conditions)["status"], progressing(d.conditions)["reason"]) == (
        "Unknown", "DeploymentPaused")
    d.paused = False
    sync_of(d, [new], now=LATER + 10).run()
    found = progressing(d.conditions)
    assert (found["status"], found["reason"]) == ("Unknown", "DeploymentResumed")
    assert found["lastUpdateTime"] == timestamp(LATER + 10)
    # 60 s after the resume without progress: timed out
    sync_of(d, [new], now=LATER + 71).run()
    assert progressing(d.conditions)["reason"] == "ProgressDeadlineExceeded"


def test_pausing_keeps_a_progress_deadline_exceeded_condition():
    # checkPausedConditions: "If we have reported lack of progress, do not overwrite it"
    d = _current(60, 3, 2, 2, 2, [condition("Progressing", "False",
                                            "ProgressDeadlineExceeded", TEST_TIME)])
    d.paused = True
    sync_of(d, [], now=LATER).run()
    assert progressing(d.conditions)["reason"] == "ProgressDeadlineExceeded"


def test_no_paused_condition_without_a_progress_deadline():
    d = _current(None, 3, 2, 2, 2, [])
    d.paused = True
    sync_of(d, [], now=LATER).run()
    assert progressing(d.conditions) is None


def test_changed_marks_the_deployments_whose_inputs_changed():
    # DeploymentController.changed: a Deployment is due when a column its sync reads changed,
    # its own or one of its ReplicaSets' (that ReplicaSet's owner before and after a move)
    import numpy as np
    from deployment_builders import deployment_manifest, node

    from kbench.controllers.ownership import owner_rows

    cluster = Cluster.from_manifests([node("n1"), deployment_manifest("a"),
                                      deployment_manifest("b")])
    cluster.step("30s")
    state = cluster.state
    controller = DeploymentController()
    deployments, sets = state.tables["deployments"], state.tables["replicasets"]
    a, b = (state.find("deployments", name, "default") for name in ("a", "b"))

    def changed():
        return controller.changed(state, owner_rows(state, "replicasets", "deployments"))

    assert changed()[[a, b]].tolist() == [True, True]     # never seen: both
    assert changed()[[a, b]].tolist() == [False, False]   # nothing changed
    set_of_b = int(np.flatnonzero(owner_rows(state, "replicasets", "deployments") == b)[0])
    sets["ready_replicas"][set_of_b] += 1
    assert changed()[[a, b]].tolist() == [False, True]
    deployments["replicas"][a] += 1
    assert changed()[[a, b]].tolist() == [True, False]
    # b's ReplicaSet now names a as its controller: both are marked
    sets["controller_uid"][set_of_b] = deployments["uid"][a]
    assert changed()[[a, b]].tolist() == [True, True]
    assert changed()[[a, b]].tolist() == [False, False]


def test_all_sets_found_again_once_a_replica_set_is_deleted():
    """getAllReplicaSetsAndSyncRevision within one sync: the same new and old ReplicaSets
    while none is created or deleted, the revision synced once; without the deleted one
    after a deletion."""
    d = new_deployment(3, 1, 0, annotations={"team": "a"})
    new = with_template(rs("foo-new", 3, NEW, revision="2"), TEMPLATE)
    older, old = rs("foo-older", 0, OLDER, revision="1"), rs("foo-old", 0, OLD)
    sync = sync_of(d, [older, old, new], now=NEW)
    found, others = sync.all_sets(create=False)
    assert found is new and others == [older, old]
    assert new.annotations["team"] == "a" and new.annotations[REVISION] == "2"
    annotations = new.annotations
    again, others_again = sync.all_sets(create=True)
    assert again is new and others_again == [older, old] and others_again is not others
    assert new.annotations is annotations and sync.created is None
    older.deleted = True
    assert sync.all_sets(create=False) == (new, [old])
