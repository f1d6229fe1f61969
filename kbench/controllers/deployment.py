"""The Deployment controller (pkg/controller/deployment: deployment_controller.go, sync.go,
rolling.go, recreate.go, progress.go, util/deployment_util.go): ReplicaSets named with the
pod-template-hash, RollingUpdate with maxSurge / maxUnavailable, Recreate, proportional
scaling, revisions and revisionHistoryLimit, the Progressing and Available conditions.

Each Deployment is synced by the same steps as syncDeployment, on plain Python views of the
Deployment and its ReplicaSets; only Deployments whose inputs changed since their last sync
(or whose rollout is not complete) are synced, found with numpy over all of them.

The pod-template-hash is FNV-32a over the template's canonical JSON plus the collision count,
encoded as controller.ComputeHash encodes it (rand.SafeEncodeString of the decimal sum):
the same shape as Kubernetes' hash, not its value (Kubernetes hashes Go's in-memory struct).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from kbench.api.objects import copy_json
from kbench.api.store import seconds_of, timestamp
from kbench.controllers.actions import Actions, ObjectEvent
from kbench.controllers.ownership import ALPHANUMS, controller_reference, owner_rows
from kbench.controllers.replicaset import count_pods
from kbench.state import ClusterState
from kbench.state.strings import canonical_json

COMPONENT = "deployment-controller"
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_NOT_COPIED = {LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS,
               "deprecated.deployment.rollback.to"}
MAX_INT32 = 2**31 - 1
REVISION_HISTORY_CHARS = 500  # the controller's default --deployment-controller revision chars


# -- arithmetic (deployment_util.go) -----------------------------------------------------------

def scaled_value(value, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: an int as is, "25%" of ``total`` rounded up or
    down."""
    if isinstance(value, str):
        if not value.endswith("%"):
            raise ValueError(f"invalid value for IntOrString: invalid type: string is not a "
                             f"percentage: {value!r}")
        percent = int(value[:-1])
        scaled = percent * total / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    return int(value)


def resolve_fenceposts(max_surge, max_unavailable, desired: int) -> tuple[int, int]:
    """ResolveFenceposts: maxSurge rounded up, maxUnavailable rounded down; both zero
    resolves maxUnavailable to 1."""
    surge = scaled_value(0 if max_surge is None else max_surge, desired, True)
    unavailable = scaled_value(0 if max_unavailable is None else max_unavailable, desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def round_to_int32(value: float) -> int:
    """integer.RoundToInt32: half away from zero."""
    return int(value - 0.5) if value < 0 else int(value + 0.5)


def pod_template_hash(template: dict, collision_count: int | None) -> str:
    """controller.ComputeHash's shape: FNV-32a, SafeEncodeString of the decimal value."""
    data = canonical_json(template).encode()
    if collision_count is not None:
        data += str(int(collision_count)).encode()
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(ALPHANUMS[ord(c) % len(ALPHANUMS)] for c in str(value))


# -- views ------------------------------------------------------------------------------------

@dataclass
class ReplicaSetView:
    row: int                      # -1: created in this sync
    name: str
    uid: str
    replicas: int
    status_replicas: int
    ready: int
    available: int
    annotations: dict
    creation_time: float
    template: dict
    generation: int = 1
    observed_generation: int = 0
    changed: dict = field(default_factory=dict)   # columns to write
    deleted: bool = False
    template_key: str | None = None  # canonical JSON of the template without the hash label

    def key(self) -> str:
        if self.template_key is None:
            self.template_key = canonical_json(_strip_hash(self.template))
        return self.template_key

    @property
    def revision(self) -> int:
        try:
            return int(self.annotations.get(REVISION, "0") or 0)
        except ValueError:
            return 0


@dataclass
class DeploymentView:
    row: int
    name: str
    namespace: str
    uid: str
    generation: int
    replicas: int
    paused: bool
    strategy: str
    max_surge_value: object
    max_unavailable_value: object
    min_ready_seconds: int
    revision_history_limit: int | None
    progress_deadline: int | None
    template: dict
    selector: dict
    annotations: dict
    status: dict                  # replicas, updatedReplicas, ... as the API names them
    conditions: list
    collision_count: int | None = None
    template_key: str | None = None  # canonical JSON of the template
    #: status and conditions as read from the state (None: not read from it); what still
    #: equals them need not be written back
    status_read: dict | None = None
    conditions_read: list | None = None
    #: (replicas, resolve_fenceposts' answer for them), once asked
    fenceposts: tuple[int, tuple[int, int]] | None = field(default=None, repr=False,
                                                           compare=False)

    def key(self) -> str:
        if self.template_key is None:
            self.template_key = canonical_json(self.template)
        return self.template_key

    @property
    def rolling(self) -> bool:
        return self.strategy == "RollingUpdate"

    def resolved_fenceposts(self) -> tuple[int, int]:
        """resolve_fenceposts of the strategy for the Deployment's replicas."""
        if self.fenceposts is None or self.fenceposts[0] != self.replicas:
            self.fenceposts = self.replicas, resolve_fenceposts(
                self.max_surge_value, self.max_unavailable_value, self.replicas)
        return self.fenceposts[1]

    def max_surge(self) -> int:
        if not self.rolling:
            return 0
        return self.resolved_fenceposts()[0]

    def max_unavailable(self) -> int:
        if not self.rolling or self.replicas == 0:
            return 0
        return min(self.resolved_fenceposts()[1], self.replicas)

    @property
    def has_progress_deadline(self) -> bool:
        return self.progress_deadline is not None and self.progress_deadline != MAX_INT32


def _strip_hash(template: dict) -> dict:
    template = copy_json(template)
    labels = (template.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
        if not labels:
            template["metadata"].pop("labels")
        if not template["metadata"]:
            template.pop("metadata")
    return template


def _by_creation(sets: list[ReplicaSetView]) -> list[ReplicaSetView]:
    """controller.ReplicaSetsByCreationTimestamp (whole seconds, then name)."""
    return sorted(sets, key=lambda rs: (math.floor(rs.creation_time), rs.name))


# -- the sync ----------------------------------------------------------------------------------

class SyncError(Exception):
    """A step of syncDeployment that returns an error in Kubernetes (an invalid scale-down
    request, seen when a ReplicaSet's status is older than its spec)."""


class DeploymentSync:
    """syncDeployment for one Deployment over views; ``actions`` collects what it changes."""

    def __init__(self, deployment: DeploymentView, sets: list[ReplicaSetView], now: float,
                 pods_of_old_sets_running: bool) -> None:
        self.d = deployment
        self.sets = sets
        self.now = now
        self.old_pods_running = pods_of_old_sets_running
        self.events: list[tuple[str, str, str]] = []   # (type, reason, message)
        self.created: ReplicaSetView | None = None
        self.deployment_changes: dict = {}
        self.error: str | None = None       # why the sync ended early (SyncError)
        #: all_sets' answer once it found the new ReplicaSet, with the count of ReplicaSets
        #: then: a later call finds the same while none was created or deleted
        self._found: tuple[ReplicaSetView, list[ReplicaSetView], int] | None = None
        #: find_new's answer and the count of ReplicaSets then
        self._new: tuple[ReplicaSetView | None, int] | None = None

    # -- helpers ----------------------------------------------------------------------------

    def event(self, reason: str, message: str, kind: str = "Normal") -> None:
        self.events.append((kind, reason, message))

    def condition(self, kind: str, status: str, reason: str, message: str) -> dict:
        stamp = timestamp(self.now)
        return {"type": kind, "status": status, "reason": reason, "message": message,
                "lastUpdateTime": stamp, "lastTransitionTime": stamp}

    @staticmethod
    def set_condition(conditions: list, condition: dict) -> list:
        """SetDeploymentCondition: unchanged when status and reason are; lastTransitionTime
        kept while the status is."""
        current = next((c for c in conditions if c.get("type") == condition["type"]), None)
        if current is not None and current.get("status") == condition["status"] and \
                current.get("reason") == condition["reason"]:
            return conditions
        if current is not None and current.get("status") == condition["status"]:
            condition = {**condition, "lastTransitionTime": current.get("lastTransitionTime")}
        return [c for c in conditions if c.get("type") != condition["type"]] + [condition]

    def set_annotation_replicas(self, rs: ReplicaSetView) -> bool:
        """SetReplicasAnnotations: desired-replicas and max-replicas."""
        desired, maximum = str(self.d.replicas), str(self.d.replicas + self.d.max_surge())
        if rs.annotations.get(DESIRED_REPLICAS) == desired and \
                rs.annotations.get(MAX_REPLICAS) == maximum:
            return False
        rs.annotations = {**rs.annotations, DESIRED_REPLICAS: desired, MAX_REPLICAS: maximum}
        rs.changed["annotations"] = rs.annotations
        return True

    def scale(self, rs: ReplicaSetView, size: int, operation: str | None = None) -> bool:
        """scaleReplicaSet: the size and the replica annotations; an event when resized."""
        if operation is None:
            if rs.replicas == size:
                return False
            operation = "up" if rs.replicas < size else "down"
        resized = rs.replicas != size
        annotated = self.set_annotation_replicas(rs)
        if not (resized or annotated):
            return False
        old = rs.replicas
        rs.replicas = size
        if resized:
            rs.changed["replicas"] = size
            self.event("ScalingReplicaSet",
                       f"Scaled {operation} replica set {rs.name} from {old} to {size}")
        return resized

    def active(self, sets) -> list[ReplicaSetView]:
        return [rs for rs in sets if rs is not None and rs.replicas > 0]

    # -- getAllReplicaSetsAndSyncRevision ----------------------------------------------------

    def _sets_unchanged_since(self, count: int) -> bool:
        """No ReplicaSet was created or deleted since the sync held ``count`` of them."""
        return count == len(self.sets) and not any(rs.deleted for rs in self.sets)

    def find_new(self) -> ReplicaSetView | None:
        """FindNewReplicaSet: the oldest ReplicaSet whose template equals the Deployment's
        (found again only once a ReplicaSet was created or deleted)."""
        if self._new is not None and self._sets_unchanged_since(self._new[1]):
            return self._new[0]
        wanted = self.d.key()
        found = None
        for rs in _by_creation([rs for rs in self.sets if not rs.deleted]):
            if rs.key() == wanted:
                found = rs
                break
        self._new = found, len(self.sets)
        return found

    def all_sets(self, create: bool) -> tuple[ReplicaSetView | None, list[ReplicaSetView]]:
        """getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when ``create`` and
        there is none) and the old ones; the revision annotations and the Progressing
        condition synced. Once the new ReplicaSet was found, a call finds it again and
        syncs nothing more (the templates and revisions it reads stay as it left them) while
        no ReplicaSet was created or deleted."""
        found = self._found
        if found is not None and self._sets_unchanged_since(found[2]):
            return found[0], list(found[1])
        new = self.find_new()
        old = [rs for rs in self.sets if rs is not new and not rs.deleted]
        revision = str(max([rs.revision for rs in old], default=0) + 1)
        if new is not None:
            self.new_set_annotations(new, revision, exists=True)
            self.set_deployment_revision(new.annotations.get(REVISION, ""))
            if self.d.has_progress_deadline and not any(
                    c.get("type") == "Progressing" for c in self.d.conditions):
                self.d.conditions = self.set_condition(self.d.conditions, self.condition(
                    "Progressing", "True", "FoundNewReplicaSet",
                    f'Found new replica set "{new.name}"'))
            self._found = new, list(old), len(self.sets)
            return new, old
        if not create:
            return None, old
        template = copy_json(self.d.template)
        hash_value = pod_template_hash(template, self.d.collision_count)
        template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = hash_value
        new = ReplicaSetView(
            row=-1, name=f"{self.d.name}-{hash_value}", uid="", replicas=0, status_replicas=0,
            ready=0, available=0, annotations={}, creation_time=self.now, template=template)
        new.replicas = self.new_set_replicas(old + [new], new)
        self.new_set_annotations(new, revision, exists=False)
        self.sets.append(new)
        self.created = new
        if new.replicas > 0:
            self.event("ScalingReplicaSet",
                       f"Scaled up replica set {new.name} from 0 to {new.replicas}")
        self.set_deployment_revision(revision)
        if self.d.has_progress_deadline:
            self.d.conditions = self.set_condition(self.d.conditions, self.condition(
                "Progressing", "True", "NewReplicaSetCreated",
                f'Created new replica set "{new.name}"'))
        return new, old

    def new_set_annotations(self, rs: ReplicaSetView, revision: str, exists: bool) -> None:
        """SetNewReplicaSetAnnotations: the Deployment's annotations, the revision (and the
        revision history of a ReplicaSet rolled back to), the replica annotations."""
        annotations = dict(rs.annotations)
        for key, value in self.d.annotations.items():
            if key not in _NOT_COPIED:
                annotations[key] = value
        old = annotations.get(REVISION)
        try:
            old_number = int(old) if old else 0
        except ValueError:
            return
        if old_number < int(revision):
            annotations[REVISION] = revision
            if old is not None:
                history = annotations.get(REVISION_HISTORY, "")
                revisions = [r for r in history.split(",") if r] + [old]
                while len(",".join(revisions)) > REVISION_HISTORY_CHARS and len(revisions) > 1:
                    revisions.pop(0)
                annotations[REVISION_HISTORY] = ",".join(revisions)
        if annotations != rs.annotations:
            rs.annotations = annotations
            rs.changed["annotations"] = annotations
        if not exists:
            self.set_annotation_replicas(rs)

    def set_deployment_revision(self, revision: str) -> None:
        if self.d.annotations.get(REVISION) != revision:
            self.d.annotations = {**self.d.annotations, REVISION: revision}
            self.deployment_changes["annotations"] = self.d.annotations

    def new_set_replicas(self, all_sets: list[ReplicaSetView], new: ReplicaSetView) -> int:
        """NewRSNewReplicas."""
        if not self.d.rolling:
            return self.d.replicas
        surge = scaled_value(self.d.max_surge_value, self.d.replicas, True)
        current = sum(rs.replicas for rs in all_sets)
        most = self.d.replicas + surge
        if current >= most:
            return new.replicas
        return new.replicas + min(most - current, self.d.replicas - new.replicas)

    # -- syncDeployment ----------------------------------------------------------------------

    def run(self) -> None:
        """syncDeployment. A step that Kubernetes ends with an error (SyncError) ends the sync
        there: what it changed before stays, the status is not written, and the Deployment is
        synced again (here: at the next tick, as it is not settled)."""
        try:
            self.check_paused_conditions()
            if self.d.paused:
                self.sync_scaling()
                return
            if self.is_scaling_event():
                self.sync_scaling()
                return
            if self.d.rolling:
                self.rollout_rolling()
            else:
                self.rollout_recreate()
        except SyncError as error:
            self.error = str(error)

    def check_paused_conditions(self) -> None:
        """checkPausedConditions: Progressing Unknown while paused (DeploymentPaused) and when
        resumed (DeploymentResumed), so that the time spent paused does not count against
        progressDeadlineSeconds; a ProgressDeadlineExceeded condition is left as it is."""
        if not self.d.has_progress_deadline:
            return
        current = next((c for c in self.d.conditions if c.get("type") == "Progressing"), None)
        if current is not None and current.get("reason") == "ProgressDeadlineExceeded":
            return
        paused = current is not None and current.get("reason") == "DeploymentPaused"
        if self.d.paused and not paused:
            self.d.conditions = self.set_condition(self.d.conditions, self.condition(
                "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused"))
        elif not self.d.paused and paused:
            self.d.conditions = self.set_condition(self.d.conditions, self.condition(
                "Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed"))

    def is_scaling_event(self) -> bool:
        new, old = self.all_sets(create=False)
        for rs in self.active([new] + old):
            desired = rs.annotations.get(DESIRED_REPLICAS)
            if desired is not None and desired.isdigit() and int(desired) != self.d.replicas:
                return True
        return False

    def sync_scaling(self) -> None:
        """sync(): scale, clean up when paused, status."""
        new, old = self.all_sets(create=False)
        self.proportional_scale(new, old)
        if self.d.paused:
            self.cleanup(old)
        self.sync_status([new] + old, new, rollout=False)

    def proportional_scale(self, new, old) -> None:
        """scale(): one active ReplicaSet takes the whole size; a saturated new one makes the
        old ones 0; otherwise the change is shared in proportion to their sizes."""
        target = self.active_or_latest(new, old)
        if target is not None:
            if target.replicas != self.d.replicas:
                self.scale(target, self.d.replicas)
            return
        if self.is_saturated(new):
            for rs in self.active(old):
                self.scale(rs, 0)
            return
        if not self.d.rolling:
            return
        sets = self.active(old + [new])
        total = sum(rs.replicas for rs in sets)
        allowed = self.d.replicas + self.d.max_surge() if self.d.replicas > 0 else 0
        to_add = allowed - total
        if to_add > 0:   # ReplicaSetsBySizeNewer: equal sizes newest first, names descending
            sets.sort(key=lambda rs: rs.name, reverse=True)
            sets.sort(key=lambda rs: (-rs.replicas, -math.floor(rs.creation_time)))
            operation = "up"
        elif to_add < 0:  # ReplicaSetsBySizeOlder
            sets.sort(key=lambda rs: (-rs.replicas, math.floor(rs.creation_time), rs.name))
            operation = "down"
        else:
            operation = None
        added = 0
        sizes = {}
        for rs in sets:
            if to_add != 0:
                proportion = self.proportion(rs, to_add, added)
                sizes[rs.name] = rs.replicas + proportion
                added += proportion
            else:
                sizes[rs.name] = rs.replicas
        for i, rs in enumerate(sets):
            if i == 0 and to_add != 0:
                sizes[rs.name] = max(sizes[rs.name] + to_add - added, 0)
            self.scale(rs, sizes[rs.name], operation or ("up" if sizes[rs.name] > rs.replicas
                                                         else "down"))

    def proportion(self, rs: ReplicaSetView, to_add: int, added: int) -> int:
        """GetProportion / getReplicaSetFraction."""
        if rs.replicas == 0 or to_add == 0 or to_add == added:
            return 0
        if self.d.replicas == 0:
            fraction = -rs.replicas
        else:
            maximum = self.d.replicas + self.d.max_surge()
            before = rs.annotations.get(MAX_REPLICAS)
            before = int(before) if before is not None and before.isdigit() else 0
            if before == 0:
                before = int(self.d.status.get("replicas", 0))
            fraction = 0 if before == 0 else round_to_int32(
                rs.replicas * maximum / before) - rs.replicas
        allowed = to_add - added
        return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)

    def active_or_latest(self, new, old) -> ReplicaSetView | None:
        """FindActiveOrLatest."""
        if new is None and not old:
            return None
        newest_first = sorted(old, key=lambda rs: (math.floor(rs.creation_time), rs.name),
                              reverse=True)
        active = self.active(newest_first + [new])
        if not active:
            return new if new is not None else newest_first[0]
        return active[0] if len(active) == 1 else None

    def is_saturated(self, rs) -> bool:
        if rs is None:
            return False
        desired = rs.annotations.get(DESIRED_REPLICAS, "")
        return (desired.isdigit() and rs.replicas == self.d.replicas
                and int(desired) == self.d.replicas and rs.available == self.d.replicas)

    # -- rolling.go ---------------------------------------------------------------------------

    def rollout_rolling(self) -> None:
        new, old = self.all_sets(create=True)
        all_sets = old + [new]
        if self.reconcile_new(all_sets, new):
            self.sync_status(all_sets, new)
            return
        if self.reconcile_old(all_sets, self.active(old), new):
            self.sync_status(all_sets, new)
            return
        if self.complete(self.d.status):
            self.cleanup(old)
        self.sync_status(all_sets, new)

    def reconcile_new(self, all_sets, new) -> bool:
        if new.replicas == self.d.replicas:
            return False
        if new.replicas > self.d.replicas:
            return self.scale(new, self.d.replicas)
        return self.scale(new, self.new_set_replicas(all_sets, new))

    def reconcile_old(self, all_sets, old, new) -> bool:
        if sum(rs.replicas for rs in old) == 0:
            return False
        total = sum(rs.replicas for rs in all_sets)
        min_available = self.d.replicas - self.d.max_unavailable()
        new_unavailable = new.replicas - new.available
        most = total - min_available - new_unavailable
        if most <= 0:
            return False
        cleaned = self.cleanup_unhealthy(old, most)
        scaled = self.scale_down_old(old + [new], old)
        return cleaned + scaled > 0

    def cleanup_unhealthy(self, old, most: int) -> int:
        """cleanupUnhealthyReplicas: scale old ReplicaSets down by their unavailable pods.

        A ReplicaSet whose status still counts more available pods than its spec asks for
        (it was just scaled down) would be "scaled down" to a larger size: Kubernetes refuses
        with an error, and so does this (SyncError) rather than scaling it up."""
        done = 0
        for rs in _by_creation(old):
            if done >= most:
                break
            if rs.replicas == 0 or rs.replicas == rs.available:
                continue
            count = min(most - done, rs.replicas - rs.available)
            if rs.replicas - count > rs.replicas:
                raise SyncError(f"when cleaning up unhealthy replicas, got invalid request to "
                                f"scale down {rs.name} {rs.replicas} -> {rs.replicas - count}")
            self.scale(rs, rs.replicas - count)
            done += count
        return done

    def scale_down_old(self, all_sets, old) -> int:
        min_available = self.d.replicas - self.d.max_unavailable()
        available = sum(rs.available for rs in all_sets)
        if available <= min_available:
            return 0
        wanted = available - min_available
        done = 0
        for rs in _by_creation(old):
            if done >= wanted:
                break
            if rs.replicas == 0:
                continue
            count = min(rs.replicas, wanted - done)
            self.scale(rs, rs.replicas - count)
            done += count
        return done

    # -- recreate.go ---------------------------------------------------------------------------

    def rollout_recreate(self) -> None:
        new, old = self.all_sets(create=False)
        all_sets = old + [new]
        scaled = False
        for rs in self.active(old):
            scaled |= self.scale(rs, 0)
        if scaled or sum(rs.status_replicas for rs in old) > 0 or self.old_pods_running:
            self.sync_status(all_sets, new)
            return
        if new is None:
            new, old = self.all_sets(create=True)
            all_sets = old + [new]
        self.scale(new, self.d.replicas)
        if self.complete(self.d.status):
            self.cleanup(old)
        self.sync_status(all_sets, new)

    # -- sync.go: cleanup and status ------------------------------------------------------------

    def cleanup(self, old) -> None:
        """cleanupDeployment: delete the oldest revisions beyond revisionHistoryLimit."""
        if self.d.revision_history_limit is None:
            return
        cleanable = [rs for rs in old if rs is not None and not rs.deleted and rs.row >= 0]
        excess = len(cleanable) - self.d.revision_history_limit
        if excess <= 0:
            return
        cleanable.sort(key=lambda rs: (rs.revision, math.floor(rs.creation_time), rs.name))
        for rs in cleanable[:excess]:
            if rs.status_replicas != 0 or rs.replicas != 0 or \
                    rs.generation > rs.observed_generation:
                continue
            rs.deleted = True

    def complete(self, status: dict) -> bool:
        """DeploymentComplete."""
        return (status.get("updatedReplicas", 0) == self.d.replicas
                and status.get("replicas", 0) == self.d.replicas
                and status.get("availableReplicas", 0) == self.d.replicas
                and status.get("observedGeneration", 0) >= self.d.generation)

    def calculate_status(self, all_sets, new) -> dict:
        sets = [rs for rs in all_sets if rs is not None]
        available = sum(rs.available for rs in sets)
        total = sum(rs.replicas for rs in sets)
        return {"observedGeneration": self.d.generation,
                "replicas": sum(rs.status_replicas for rs in sets),
                "updatedReplicas": new.status_replicas if new is not None else 0,
                "readyReplicas": sum(rs.ready for rs in sets),
                "availableReplicas": available,
                "unavailableReplicas": max(total - available, 0)}

    def sync_status(self, all_sets, new, rollout: bool = True) -> None:
        """syncRolloutStatus (rollout) or syncDeploymentStatus: counts and conditions."""
        status = self.calculate_status(all_sets, new)
        conditions = list(self.d.conditions)
        if status["availableReplicas"] >= self.d.replicas - self.d.max_unavailable():
            conditions = self.set_condition(conditions, self.condition(
                "Available", "True", "MinimumReplicasAvailable",
                "Deployment has minimum availability."))
        else:
            conditions = self.set_condition(conditions, self.condition(
                "Available", "False", "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability."))
        if rollout:
            conditions = self.progress(status, conditions, new)
        self.d.status = status
        self.d.conditions = conditions

    def progress(self, status: dict, conditions: list, new) -> list:
        if not self.d.has_progress_deadline:
            return [c for c in conditions if c.get("type") != "Progressing"]
        current = next((c for c in self.d.conditions if c.get("type") == "Progressing"), None)
        done = (status["replicas"] == status["updatedReplicas"] and current is not None
                and current.get("reason") == "NewReplicaSetAvailable")
        if done:
            return conditions
        what = f'ReplicaSet "{new.name}"' if new is not None else f'Deployment "{self.d.name}"'
        old = self.d.status
        if self.complete(status):
            return self.set_condition(conditions, self.condition(
                "Progressing", "True", "NewReplicaSetAvailable",
                f"{what} has successfully progressed."))
        if deployment_progressing(old, status):
            condition = self.condition("Progressing", "True", "ReplicaSetUpdated",
                                       f"{what} is progressing.")
            present = next((c for c in conditions if c.get("type") == "Progressing"), None)
            if present is not None and present.get("status") == "True":
                condition["lastTransitionTime"] = present.get("lastTransitionTime")
            return [c for c in conditions if c.get("type") != "Progressing"] + [condition]
        if self.timed_out(conditions):
            return self.set_condition(conditions, self.condition(
                "Progressing", "False", "ProgressDeadlineExceeded",
                f"{what} has timed out progressing."))
        return conditions

    def timed_out(self, conditions: list) -> bool:
        """DeploymentTimedOut: the Progressing condition was last updated (progress, a new
        ReplicaSet, a resume) more than progressDeadlineSeconds ago; never after a completed
        rollout (NewReplicaSetAvailable), always once ProgressDeadlineExceeded."""
        if not self.d.has_progress_deadline:
            return False
        present = next((c for c in conditions if c.get("type") == "Progressing"), None)
        if present is None or present.get("reason") == "NewReplicaSetAvailable":
            return False
        if present.get("reason") == "ProgressDeadlineExceeded":
            return True
        updated = seconds_of(present.get("lastUpdateTime"))
        return updated is None or updated + self.d.progress_deadline < self.now


def deployment_progressing(old: dict, new: dict) -> bool:
    """DeploymentProgressing: between two statuses, more updated, ready or available pods, or
    fewer old ones."""
    return (new["updatedReplicas"] > old.get("updatedReplicas", 0)
            or new["replicas"] - new["updatedReplicas"]
            < old.get("replicas", 0) - old.get("updatedReplicas", 0)
            or new["readyReplicas"] > old.get("readyReplicas", 0)
            or new["availableReplicas"] > old.get("availableReplicas", 0))


# -- over the state ---------------------------------------------------------------------------

_STATUS_COLUMNS = {"replicas": "status_replicas", "updatedReplicas": "updated_replicas",
                   "readyReplicas": "ready_replicas", "availableReplicas": "available_replicas",
                   "unavailableReplicas": "unavailable_replicas",
                   "observedGeneration": "observed_generation"}


#: what a Deployment's sync reads of its own columns, and of each of its ReplicaSets'
_DEPLOYMENT_INPUTS = ("generation", "replicas", "paused", "template", "annotations", "body",
                      "conditions")
_REPLICA_SET_INPUTS = ("replicas", "status_replicas", "ready_replicas", "available_replicas",
                       "annotations", "observed_generation", "generation")


def _inputs(table, names, more: list[np.ndarray]) -> list[np.ndarray]:
    """Copies of the columns ``names`` of ``table``, then of ``more`` (one value per row)."""
    return [table[name].copy() for name in names] + [values.copy() for values in more]


def _rows_changed(before: list[np.ndarray], now: list[np.ndarray]) -> np.ndarray:
    """Per row of the columns ``now``: whether a value differs from the same row of the
    columns ``before`` (new rows do)."""
    changed = np.ones(len(now[0]), dtype=np.bool_)
    common = min(len(before[0]), len(now[0]))
    if common:
        same = changed[:common]
        same[:] = False
        for old, new in zip(before, now):
            same |= old[:common] != new[:common]
    return changed


class DeploymentController:
    """Syncs the Deployments whose inputs changed since their last sync, or whose rollout
    has not finished (progress and availability depend on time too)."""

    def __init__(self) -> None:
        #: what changed() saw: copies of the columns _DEPLOYMENT_INPUTS and alive, and of
        #: _REPLICA_SET_INPUTS, each ReplicaSet's owner row and alive
        self._deployment_inputs = [np.zeros(0, dtype=np.int64)] * (len(_DEPLOYMENT_INPUTS) + 1)
        self._set_inputs = [np.zeros(0, dtype=np.int64)] * (len(_REPLICA_SET_INPUTS) + 2)
        self._documents: SharedDocuments | None = None

    def changed(self, state: ClusterState, set_owner: np.ndarray) -> np.ndarray:
        """Per Deployment row: whether anything its sync reads changed since the last call:
        its own inputs, whether it is alive, or the inputs of a live ReplicaSet it owns or
        owned then (one that appeared, went or changed owner included)."""
        deployments, sets = state.tables["deployments"], state.tables["replicasets"]
        own = _inputs(deployments, _DEPLOYMENT_INPUTS, [deployments.alive])
        per_set = _inputs(sets, _REPLICA_SET_INPUTS, [set_owner, sets.alive])
        changed = _rows_changed(self._deployment_inputs, own)
        moved = np.flatnonzero(_rows_changed(self._set_inputs, per_set))
        before = moved[moved < len(self._set_inputs[0])]
        for owner, alive in ((per_set[-2][moved], per_set[-1][moved]),
                             (self._set_inputs[-2][before], self._set_inputs[-1][before])):
            changed[owner[(owner >= 0) & alive]] = True
        self._deployment_inputs, self._set_inputs = own, per_set
        return changed

    def sync(self, state: ClusterState) -> Actions:
        actions = Actions()
        deployments = state.tables["deployments"]
        if deployments.live_count == 0:
            return actions
        set_owner = owner_rows(state, "replicasets", "deployments")
        changed = self.changed(state, set_owner)
        settled = ((deployments["replicas"] == deployments["updated_replicas"])
                   & (deployments["replicas"] == deployments["available_replicas"])
                   & (deployments["replicas"] == deployments["status_replicas"]))
        due = deployments.alive & (changed | ~settled)
        if not due.any():
            return actions
        # each due Deployment's live ReplicaSets, ascending rows
        sets = state.tables["replicasets"]
        live = sets.live_rows()
        live = live[np.argsort(set_owner[live], kind="stable")]
        owners = set_owner[live]
        pods_not_ended = PodsNotEnded(state)
        due_rows = np.flatnonzero(due)
        starts, ends = np.searchsorted(owners, due_rows), np.searchsorted(owners, due_rows, "right")
        owned = [live[start:end] for start, end in zip(starts.tolist(), ends.tolist())]
        read = column_values(state, "deployments", due_rows, _DEPLOYMENT_READS)
        set_values = column_values(state, "replicasets", np.concatenate(owned),
                                   _REPLICA_SET_READS)
        for row, rows in zip(due_rows.tolist(), owned):
            self._sync_one(state, row, read[row], rows.tolist(), set_values, pods_not_ended,
                           actions)
        return actions

    def _sync_one(self, state: ClusterState, row: int, values: dict, owned: list[int],
                  set_values: dict[int, dict], pods_not_ended: PodsNotEnded,
                  actions: Actions) -> None:
        if self._documents is None or self._documents.strings is not state.strings:
            self._documents = SharedDocuments(state.strings)
        d = read_deployment(state, row, self._documents, values)
        sets = [read_replica_set(state, r, self._documents, set_values[r]) for r in owned]
        sync = DeploymentSync(d, sets, state.time, False)
        new = sync.find_new()
        sync.old_pods_running = any(pods_not_ended[rs.row] > 0 for rs in sets if rs is not new)
        sync.run()
        write_sync(state, sync, actions)


class PodsNotEnded:
    """Per ReplicaSet row, its pods that have not ended (PodCounts.not_ended), counted when
    first asked: only a Deployment with old ReplicaSets asks (oldPodsRunning)."""

    def __init__(self, state: ClusterState) -> None:
        self.state = state
        self._counts: np.ndarray | None = None

    def __getitem__(self, row: int) -> int:
        if self._counts is None:
            self._counts = count_pods(self.state).not_ended
        return int(self._counts[row])


class SharedDocuments:
    """The JSON documents of a string table by code, each parsed once and then shared by the
    syncs that read it: a sync replaces a document it changes (copy on write), it never
    changes one in place. Forgets them all past LIMIT documents (conditions carry timestamps:
    a Deployment's change every sync)."""

    LIMIT = 1 << 16

    def __init__(self, strings) -> None:
        self.strings = strings
        self._parsed: dict[int, object] = {}
        self._derived: dict[tuple[int, Callable], object] = {}

    def derived(self, code: int, function: Callable[[object], object]) -> object:
        """``function`` of the document ``code``, computed once (the same result shared:
        never changed by its readers)."""
        key = (code, function)
        value = self._derived.get(key, self)
        if value is self:
            if len(self._derived) >= self.LIMIT:
                self._derived.clear()
            value = self._derived[key] = function(self(code))
        return value

    def __call__(self, code: int) -> object:
        parsed = self._parsed.get(code, self)
        if parsed is self:
            if len(self._parsed) >= self.LIMIT:
                self._parsed.clear()
            parsed = self._parsed[code] = self.strings.document(code)
        return parsed


#: the columns read_deployment and read_replica_set read
_DEPLOYMENT_READS = ("name", "namespace", "uid", "generation", "replicas", "paused", "body",
                     "template", "selector", "annotations", "conditions",
                     *_STATUS_COLUMNS.values())
_REPLICA_SET_READS = ("name", "uid", "replicas", "status_replicas", "ready_replicas",
                      "available_replicas", "annotations", "creation_time", "template",
                      "generation", "observed_generation")


def column_values(state: ClusterState, table: str, rows, names) -> dict[int, dict]:
    """Each row's values of the columns ``names``, as plain Python values (read column by
    column: one numpy call per column, not per value)."""
    columns = state.tables[table]
    rows = np.asarray(rows, dtype=np.int64)
    lists = [columns[name][rows].tolist() for name in names]
    return {row: dict(zip(names, values)) for row, values in zip(rows.tolist(), zip(*lists))}


def read_deployment(state: ClusterState, row: int,
                    document: Callable[[int], object] | None = None,
                    values: dict | None = None) -> DeploymentView:
    """The Deployment at ``row``; ``document`` parses a JSON code (default: the string
    table's, a fresh copy each time; a SharedDocuments shares them); ``values``: its
    column_values when read already."""
    if values is None:
        values = column_values(state, "deployments", [row], _DEPLOYMENT_READS)[row]
    text = state.strings
    document = document or text.document
    if isinstance(document, SharedDocuments):
        settings = document.derived(values["body"], _body_settings)
    else:
        settings = _body_settings(document(values["body"]))
    status = {api: values[column] for api, column in _STATUS_COLUMNS.items()}
    conditions = document(values["conditions"]) or []
    return DeploymentView(
        row=row, name=text[values["name"]], namespace=text[values["namespace"]],
        uid=text[values["uid"]], generation=values["generation"], replicas=values["replicas"],
        paused=values["paused"], **settings,
        template=document(values["template"]) or {},
        selector=document(values["selector"]) or {},
        annotations=document(values["annotations"]) or {},
        status=status, conditions=conditions,
        template_key=text[values["template"]] or canonical_json({}),
        status_read=dict(status), conditions_read=conditions)


def _body_settings(body: dict | None) -> dict:
    """What a DeploymentView takes of the Deployment's body: its strategy, the spec's
    numbers, the collision count."""
    body = body or {}
    spec = body.get("spec") or {}
    strategy = spec.get("strategy") or {}
    rolling = strategy.get("rollingUpdate") or {}
    return {"strategy": strategy.get("type", "RollingUpdate"),
            "max_surge_value": rolling.get("maxSurge", "25%"),
            "max_unavailable_value": rolling.get("maxUnavailable", "25%"),
            "min_ready_seconds": int(spec.get("minReadySeconds") or 0),
            "revision_history_limit": spec.get("revisionHistoryLimit"),
            "progress_deadline": spec.get("progressDeadlineSeconds"),
            "collision_count": (body.get("status") or {}).get("collisionCount")}


def read_replica_set(state: ClusterState, row: int,
                     document: Callable[[int], object] | None = None,
                     values: dict | None = None) -> ReplicaSetView:
    """The ReplicaSet at ``row`` (``document``, ``values``: as for read_deployment)."""
    if values is None:
        values = column_values(state, "replicasets", [row], _REPLICA_SET_READS)[row]
    text = state.strings
    document = document or text.document
    return ReplicaSetView(
        row=row, name=text[values["name"]], uid=text[values["uid"]],
        replicas=values["replicas"], status_replicas=values["status_replicas"],
        ready=values["ready_replicas"], available=values["available_replicas"],
        annotations=document(values["annotations"]) or {},
        creation_time=values["creation_time"],
        template=document(values["template"]) or {},
        generation=values["generation"], observed_generation=values["observed_generation"],
        template_key=_stripped_key(text[values["template"]] or "{}"))


@functools.lru_cache(maxsize=1 << 16)
def _stripped_key(template_text: str) -> str:
    """The canonical JSON of a ReplicaSet's template without its pod-template-hash label
    (EqualIgnoreHash), once per distinct template."""
    return canonical_json(_strip_hash(json.loads(template_text)))


def write_sync(state: ClusterState, sync: DeploymentSync, actions: Actions) -> None:
    """The changes of one sync as actions: ReplicaSets created, resized, annotated, deleted;
    the Deployment's annotations and status; events."""
    d = sync.d
    text = state.strings
    for rs in sync.sets:
        if rs.row < 0:
            actions.create_objects.append(replica_set_manifest(state, d, rs))
        elif rs.deleted:
            actions.delete_objects.append(("replicasets", np.array([rs.row])))
        elif rs.changed:
            values = {}
            if "replicas" in rs.changed:
                values["replicas"] = rs.replicas
            if "annotations" in rs.changed:
                values["annotations"] = text.intern_document(rs.annotations)
            actions.updates.append(("replicasets", rs.row, values))
    values = {}
    if "annotations" in sync.deployment_changes:
        values["annotations"] = text.intern_document(d.annotations)
    columns = state.tables["deployments"]
    for api, column in _STATUS_COLUMNS.items():
        current = (int(columns[column][d.row]) if d.status_read is None
                   else d.status_read[api])
        if current != d.status.get(api, 0):
            values[column] = d.status.get(api, 0)
    if d.conditions and d.conditions == d.conditions_read:
        conditions = columns["conditions"][d.row]  # as read: the column holds their text
    else:
        conditions = text.intern_document(d.conditions) if d.conditions else -1
    if conditions != columns["conditions"][d.row]:
        values["conditions"] = conditions
    if values:
        actions.updates.append(("deployments", d.row, values))
    for kind, reason, message in sync.events:
        actions.events.append(ObjectEvent("Deployment", d.name, d.namespace, kind, reason,
                                          message, COMPONENT))


def replica_set_manifest(state: ClusterState, d: DeploymentView, rs: ReplicaSetView) -> dict:
    """The new ReplicaSet as getNewReplicaSet creates it."""
    selector = copy_json(d.selector)
    selector.setdefault("matchLabels", {})[HASH_LABEL] = rs.template["metadata"]["labels"][
        HASH_LABEL]
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": rs.name, "namespace": d.namespace,
                         "labels": dict(rs.template["metadata"]["labels"]),
                         "annotations": rs.annotations,
                         "ownerReferences": [controller_reference(
                             state, "deployments", d.row, "apps/v1", "Deployment")]},
            "spec": {"replicas": rs.replicas, "minReadySeconds": d.min_ready_seconds,
                     "selector": selector, "template": rs.template}}
