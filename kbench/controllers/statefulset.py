"""The StatefulSet controller (pkg/controller/statefulset: stateful_set_control.go,
stateful_set_utils.go, stateful_pod_control.go): pods with stable names ``<set>-<ordinal>``,
their PersistentVolumeClaims from volumeClaimTemplates, OrderedReady and Parallel pod
management, RollingUpdate (with partition) and OnDelete, revisions and status.

Which StatefulSets need a sync is decided for all of them at once with numpy (a set whose pods
are all Running, Ready and available, as many as it wants, at one revision, with a status that
says so, needs none); each of the others runs updateStatefulSet's steps in Python.

Revisions are named ``<set>-<hash>``, the hash computed as the Deployment controller's
pod-template-hash (FNV-32a of the template's canonical JSON and the collision count, 0), the
shape of Kubernetes' ControllerRevision names, not their values. kbench has no
ControllerRevision objects: the update revision is always the set's current template; a pod
that must be recreated at the current (older) revision of a partitioned rolling update is
cloned from a live pod of that revision (its identity and claims rewritten), and when none is
left it is created at the update revision instead (as Kubernetes does when the current
revision's ControllerRevision is gone).

Differences from kube-controller-manager: creations and deletions are seen at once (no
expectations); orphaned pods are not adopted and pods whose identity or storage drifted are not
patched back; persistentVolumeClaimRetentionPolicy whenScaled: Delete deletes the claims of
ordinals scaled away once their pod is gone (Kubernetes does it through an ownerReference to
the pod), whenDeleted: Delete is not modelled (kbench's garbage collector follows controller
references only); the MaxUnavailableStatefulSet feature (off by default) is not modelled:
rolling updates replace one pod at a time; revisionHistoryLimit has nothing to prune;
status.collisionCount is not kept (no column: revision hashes use 0); stale claims
(PodClaimIsStale) are not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from kbench.api.objects import copy_json
from kbench.controllers.actions import Actions, ObjectEvent, PodBatch
from kbench.controllers.deployment import pod_template_hash
from kbench.controllers.ownership import controller_reference, owner_rows
from kbench.state import ClusterState
from kbench.state.schema import POD_PHASES

COMPONENT = "statefulset-controller"
REVISION_LABEL = "controller-revision-hash"         # apps.ControllerRevisionHashLabelKey
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
MAX_REVISION_PREFIX = 223  # history.ControllerRevisionName keeps the name a valid label value

PENDING, RUNNING = POD_PHASES.index("Pending"), POD_PHASES.index("Running")
SUCCEEDED, FAILED = POD_PHASES.index("Succeeded"), POD_PHASES.index("Failed")

_ORDINAL = re.compile(r"(.*)-([0-9]+)$")  # statefulPodRegex


# -- pure helpers (stateful_set_utils.go) -------------------------------------------------------

def parent_and_ordinal(pod_name: str) -> tuple[str, int]:
    """getParentNameAndOrdinal: ("", -1) when the name does not end in -<number> (or the
    number does not fit an int32)."""
    match = _ORDINAL.match(pod_name)
    if match is None:
        return "", -1
    ordinal = int(match.group(2))
    if ordinal > 2**31 - 1:
        return match.group(1), -1
    return match.group(1), ordinal


def revision_name(set_name: str, template: dict, collision_count: int = 0) -> str:
    """history.ControllerRevisionName(set name, hash of the revision)."""
    return f"{set_name[:MAX_REVISION_PREFIX]}-{pod_template_hash(template, collision_count)}"


def claim_name(template_name: str, set_name: str, ordinal: int) -> str:
    """getPersistentVolumeClaimName."""
    return f"{template_name}-{set_name}-{ordinal}"


def claims_for(spec: dict, set_name: str, namespace: str, ordinal: int) -> list[dict]:
    """getPersistentVolumeClaims: one claim per volumeClaimTemplate, named for the ordinal,
    labelled with the template's labels overwritten by the selector's matchLabels."""
    match_labels = (spec.get("selector") or {}).get("matchLabels") or {}
    claims = []
    for template in spec.get("volumeClaimTemplates") or []:
        metadata = copy_json(template.get("metadata") or {})
        metadata["name"] = claim_name(metadata.get("name", ""), set_name, ordinal)
        metadata["namespace"] = namespace
        labels = metadata.get("labels")
        metadata["labels"] = {**labels, **match_labels} if labels else dict(match_labels)
        if not metadata["labels"]:
            metadata.pop("labels")
        claims.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                       "metadata": metadata, "spec": copy_json(template.get("spec") or {})})
    return claims


def pod_manifest(spec: dict, template: dict, set_name: str, namespace: str, ordinal: int,
                 revision: str, owner_reference: dict) -> dict:
    """newStatefulSetPod + setPodRevision: the template's pod with the ordinal's identity
    (name, hostname, subdomain, pod-name and pod-index labels), its claims as volumes and the
    revision label."""
    metadata = copy_json(template.get("metadata") or {})
    for key in ("name", "generateName", "namespace", "uid", "creationTimestamp"):
        metadata.pop(key, None)
    metadata["ownerReferences"] = [owner_reference]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
           "spec": copy_json(template.get("spec") or {})}
    return set_identity(pod, spec, set_name, namespace, ordinal, revision)


def set_identity(pod: dict, spec: dict, set_name: str, namespace: str, ordinal: int,
                 revision: str) -> dict:
    """updateIdentity, updateStorage and setPodRevision on a pod manifest (changed in place)."""
    name = f"{set_name}-{ordinal}"
    metadata, pod_spec = pod["metadata"], pod["spec"]
    metadata["name"], metadata["namespace"] = name, namespace
    labels = dict(metadata.get("labels") or {})
    labels[POD_NAME_LABEL] = name
    labels[POD_INDEX_LABEL] = str(ordinal)
    labels[REVISION_LABEL] = revision
    metadata["labels"] = labels
    pod_spec["hostname"] = name
    if spec.get("serviceName"):
        pod_spec["subdomain"] = spec["serviceName"]
    else:
        pod_spec.pop("subdomain", None)
    templates = [((t.get("metadata") or {}).get("name") or "")
                 for t in spec.get("volumeClaimTemplates") or []]
    if templates:
        volumes = [{"name": template, "persistentVolumeClaim": {
            "claimName": claim_name(template, set_name, ordinal)}} for template in templates]
        volumes += [v for v in pod_spec.get("volumes") or [] if v.get("name") not in templates]
        pod_spec["volumes"] = volumes
    return pod


def start_ordinal(spec: dict) -> int:
    """getStartOrdinal: spec.ordinals.start (0 when unset)."""
    return int((spec.get("ordinals") or {}).get("start") or 0)


# -- the sync of one StatefulSet ----------------------------------------------------------------

@dataclass
class StatefulPod:
    """What updateStatefulSet reads of one pod; ``row`` -1 for a pod not created yet."""

    row: int
    name: str
    ordinal: int
    revision: str
    phase: int = -1          # -1: not created (isCreated is false)
    ready: bool = False
    available: bool = False
    terminating: bool = False

    @property
    def created(self) -> bool:
        return self.phase >= 0

    @property
    def running_and_ready(self) -> bool:
        return self.phase == RUNNING and self.ready

    @property
    def running_and_available(self) -> bool:
        return self.phase == RUNNING and self.available

    @property
    def unavailable(self) -> bool:
        """isUnavailable: not healthy (Running, Ready, not terminating) or not available."""
        return not (self.running_and_ready and not self.terminating) or \
            not self.running_and_available


@dataclass
class SetSync:
    """updateStatefulSet for one StatefulSet; the decisions land in the lists."""

    name: str
    spec: dict
    replicas: int
    current_revision: str
    update_revision: str
    pods: list[StatefulPod]
    create: list[int] = field(default_factory=list)          # ordinals to create
    delete: list[StatefulPod] = field(default_factory=list)
    ensure_claims: list[int] = field(default_factory=list)   # ordinals of pending pods
    status: dict = field(default_factory=dict)

    @property
    def monotonic(self) -> bool:
        return self.spec.get("podManagementPolicy") != "Parallel"

    @property
    def strategy(self) -> dict:
        return self.spec.get("updateStrategy") or {}

    @property
    def partition(self) -> int:
        rolling = self.strategy.get("rollingUpdate")
        return int((rolling or {}).get("partition") or 0)

    def revision_for(self, ordinal: int) -> str:
        """newVersionedStatefulSetPod's choice of revision (with Go's operator precedence:
        RollingUpdate without rollingUpdate and ordinal < currentReplicas, or any rollingUpdate
        with ordinal < partition, keep the current revision)."""
        rolling = self.strategy.get("rollingUpdate")
        if (self.strategy.get("type", "RollingUpdate") == "RollingUpdate" and rolling is None
                and ordinal < self.status["currentReplicas"]) or (
                rolling is not None and ordinal < self.partition):
            return self.current_revision
        return self.update_revision

    def compute_status(self, pods) -> dict:
        """computeReplicaStatus over ``pods``."""
        created = [p for p in pods if p.created]
        live = [p for p in created if not p.terminating]
        return {"replicas": len(created),
                "readyReplicas": sum(p.running_and_ready for p in created),
                "availableReplicas": sum(p.running_and_ready and p.running_and_available
                                         for p in created),
                "currentReplicas": sum(p.revision == self.current_revision for p in live),
                "updatedReplicas": sum(p.revision == self.update_revision for p in live)}

    def run(self) -> None:
        self.status = self.compute_status(self.pods)
        start = start_ordinal(self.spec)
        end = start + self.replicas - 1
        replicas: list[StatefulPod | None] = [None] * self.replicas
        condemned = []
        for pod in self.pods:
            if start <= pod.ordinal <= end:
                replicas[pod.ordinal - start] = pod
            elif pod.ordinal >= 0:
                condemned.append(pod)
        for index in range(self.replicas):
            if replicas[index] is None:
                ordinal = start + index
                replicas[index] = StatefulPod(-1, f"{self.name}-{ordinal}", ordinal,
                                              self.revision_for(ordinal))
        condemned.sort(key=lambda p: -p.ordinal)
        first_unhealthy = next((p for p in replicas if p.unavailable), None)
        if first_unhealthy is None:
            first_unhealthy = next((p for p in reversed(condemned) if p.unavailable), None)
        monotonic = self.monotonic
        for pod in replicas:
            if self.process_replica(pod) and monotonic:
                return
        for pod in condemned:
            if self.process_condemned(pod, first_unhealthy) and monotonic:
                return
        if self.strategy.get("type") == "OnDelete":
            return
        for target in range(len(replicas) - 1, self.partition - 1, -1):
            pod = replicas[target]
            if pod.revision != self.update_revision and not pod.terminating:
                if pod.created:
                    self.delete.append(pod)
                self.status["currentReplicas"] -= 1
                return
            if pod.unavailable:
                return

    def process_replica(self, pod: StatefulPod) -> bool:
        """processReplica; True: stop here (in OrderedReady)."""
        if pod.created and pod.phase in (FAILED, SUCCEEDED):
            if not pod.terminating:
                self.delete.append(pod)
            return True
        if not pod.created:
            self.create.append(pod.ordinal)
            if self.monotonic:
                return True
            return False  # the new pod's identity and storage match by construction
        if pod.phase == PENDING:
            self.ensure_claims.append(pod.ordinal)
        if self.monotonic and (pod.terminating or not pod.running_and_ready
                               or not pod.running_and_available):
            return True
        return False

    def process_condemned(self, pod: StatefulPod, first_unhealthy) -> bool:
        """processCondemned; True: stop here (in OrderedReady)."""
        if pod.terminating:
            return self.monotonic
        if self.monotonic and pod is not first_unhealthy and (
                not pod.running_and_ready or not pod.running_and_available):
            return True
        self.delete.append(pod)
        return True

    def final_status(self, generation: int) -> dict:
        """updateStatefulSetStatus after completeRollingUpdate."""
        status = dict(self.status, observedGeneration=generation,
                      currentRevision=self.current_revision,
                      updateRevision=self.update_revision)
        if (self.strategy.get("type", "RollingUpdate") == "RollingUpdate"
                and status["updatedReplicas"] == status["replicas"]
                and status["readyReplicas"] == status["replicas"]):
            status["currentReplicas"] = status["updatedReplicas"]
            status["currentRevision"] = status["updateRevision"]
        return status


# -- over the state -------------------------------------------------------------------------------

_STATUS_COLUMNS = {"replicas": "status_replicas", "readyReplicas": "ready_replicas",
                   "currentReplicas": "current_replicas", "updatedReplicas": "updated_replicas",
                   "availableReplicas": "available_replicas",
                   "observedGeneration": "observed_generation"}


def _bodies(state: ClusterState, rows: np.ndarray) -> dict[int, dict]:
    """The spec kept in each set's body (podManagementPolicy, updateStrategy, ...), per row;
    each distinct body is read once."""
    sets = state.tables["statefulsets"]
    codes = sets["body"][rows]
    distinct = {code: (state.strings.document(code) or {}).get("spec") or {}
                for code in set(codes.tolist())}
    return {row: distinct[code] for row, code in zip(rows.tolist(), codes.tolist())}


def _full_spec(state: ClusterState, row: int, body_spec: dict) -> dict:
    """The whole spec of the set at ``row``: its body's part and its columns."""
    sets = state.tables["statefulsets"]
    spec = dict(body_spec)
    spec["replicas"] = int(sets["replicas"][row])
    spec["selector"] = state.strings.document(int(sets["selector"][row])) or {}
    spec["template"] = state.strings.document(int(sets["template"][row])) or {}
    return spec


def _available(state: ClusterState, rows: np.ndarray, min_ready: np.ndarray) -> np.ndarray:
    """podutil.IsPodAvailable: Ready for longer than minReadySeconds (API times: seconds)."""
    pods = state.tables["pods"]
    return pods["ready"][rows] & ((min_ready == 0) | (
        np.floor(pods["ready_time"][rows]) + min_ready < state.time))


def sync_statefulsets(state: ClusterState) -> Actions:
    """One sync of every StatefulSet."""
    actions = Actions()
    sets, pods = state.tables["statefulsets"], state.tables["pods"]
    if sets.live_count == 0:
        return actions
    live = sets.live_rows()
    specs = _bodies(state, live)
    min_ready = np.zeros(len(sets), dtype=np.float64)
    for row, spec in specs.items():
        min_ready[row] = float(spec.get("minReadySeconds") or 0)
    owner = owner_rows(state, "pods", "statefulsets")
    mine = np.flatnonzero(pods.alive & (owner >= 0))
    mine_owner = owner[mine]
    phase = pods["phase"][mine]
    terminating = ~np.isnan(pods["deletion_time"][mine])
    running_ready = (phase == RUNNING) & pods["ready"][mine]
    available = running_ready & _available(state, mine, min_ready[mine_owner])
    count = np.bincount(mine_owner, minlength=len(sets))
    ready = np.bincount(mine_owner[running_ready], minlength=len(sets))
    avail = np.bincount(mine_owner[available], minlength=len(sets))
    unhealthy = np.bincount(mine_owner[~available | terminating], minlength=len(sets))
    # a set at rest: every pod it wants, all healthy, one revision, and a status saying so
    at_rest = ((sets["generation"] == sets["observed_generation"])
               & (sets["current_revision"] == sets["update_revision"])
               & (sets["current_revision"] >= 0)
               & (count == sets["replicas"]) & (unhealthy == 0)
               & (sets["status_replicas"] == count) & (sets["ready_replicas"] == ready)
               & (sets["available_replicas"] == avail)
               & (sets["current_replicas"] == count) & (sets["updated_replicas"] == count))
    due = live[~at_rest[live]]
    if len(due) == 0:
        return actions
    order = np.argsort(mine_owner, kind="stable")
    grouped, grouped_owner, grouped_available = mine[order], mine_owner[order], available[order]
    first = np.searchsorted(grouped_owner, due)
    last = np.searchsorted(grouped_owner, due, "right")
    for row, begin, end in zip(due.tolist(), first.tolist(), last.tolist()):
        _sync_one(state, row, _full_spec(state, row, specs[row]), grouped[begin:end],
                  grouped_available[begin:end], actions)
    return actions


def _sync_one(state: ClusterState, row: int, spec: dict, rows: np.ndarray,
              available: np.ndarray, actions: Actions) -> None:
    sets, pods = state.tables["statefulsets"], state.tables["pods"]
    text = state.strings
    name = text[int(sets["name"][row])]
    namespace = text[int(sets["namespace"][row])]
    update_revision = revision_name(name, spec["template"])
    current_revision = text[int(sets["current_revision"][row])] or update_revision
    members = []
    label_docs: dict[int, dict] = {}
    for i, (pod_row, pod_name, labels_code) in enumerate(zip(
            rows.tolist(), text.decode(pods["name"][rows]), pods["labels"][rows].tolist())):
        parent, ordinal = parent_and_ordinal(pod_name)
        if labels_code not in label_docs:
            label_docs[labels_code] = text.document(labels_code) or {}
        members.append(StatefulPod(
            pod_row, pod_name, ordinal, label_docs[labels_code].get(REVISION_LABEL, ""),
            phase=int(pods["phase"][pod_row]), ready=bool(pods["ready"][pod_row]),
            available=bool(available[i]),
            terminating=not np.isnan(pods["deletion_time"][pod_row])))
    sync = SetSync(name, spec, int(sets["replicas"][row]), current_revision, update_revision,
                   members)
    sync.run()
    owner = controller_reference(state, "statefulsets", row, "apps/v1", "StatefulSet")
    created_claims: set[str] = set()
    for ordinal in sync.ensure_claims + sync.create:
        for claim in claims_for(spec, name, namespace, ordinal):
            claim_name_ = claim["metadata"]["name"]
            if claim_name_ in created_claims or \
                    state.find("persistentvolumeclaims", claim_name_, namespace) >= 0:
                continue
            created_claims.add(claim_name_)
            actions.create_objects.append(claim)
            actions.events.append(ObjectEvent(
                "StatefulSet", name, namespace, "Normal", "SuccessfulCreate",
                f"create Claim {claim_name_} Pod {name}-{ordinal} in StatefulSet {name} "
                f"success", COMPONENT))
    for ordinal in sync.create:
        revision = sync.revision_for(ordinal)
        manifest = None
        if revision != update_revision:
            manifest = _clone_of_revision(state, rows, members, revision, spec, name,
                                          namespace, ordinal, owner)
            if manifest is None:
                revision = update_revision  # the current revision's template is gone
        if manifest is None:
            manifest = pod_manifest(spec, spec["template"], name, namespace, ordinal,
                                    revision, owner)
        actions.create_pods.append(PodBatch(manifest, [manifest["metadata"]["name"]],
                                            namespace, "StatefulSet", name, COMPONENT))
    if sync.delete:
        actions.delete_pods.append(np.array([p.row for p in sync.delete], dtype=np.int64))
        for pod in sync.delete:
            actions.events.append(ObjectEvent(
                "StatefulSet", name, namespace, "Normal", "SuccessfulDelete",
                f"delete Pod {pod.name} in StatefulSet {name} successful", COMPONENT))
    if ((spec.get("persistentVolumeClaimRetentionPolicy") or {}).get("whenScaled")
            == "Delete"):
        _delete_scaled_claims(state, spec, name, namespace, members, actions)
    status = sync.final_status(int(sets["generation"][row]))
    values = {column: status[api] for api, column in _STATUS_COLUMNS.items()
              if int(sets[column][row]) != status[api]}
    for api, column in (("currentRevision", "current_revision"),
                        ("updateRevision", "update_revision")):
        code = text.intern(status[api])
        if int(sets[column][row]) != code:
            values[column] = code
    if values:
        actions.updates.append(("statefulsets", row, values))


def _clone_of_revision(state: ClusterState, rows: np.ndarray, members: list[StatefulPod],
                       revision: str, spec: dict, name: str, namespace: str, ordinal: int,
                       owner: dict) -> dict | None:
    """A pod of ``revision`` for ``ordinal``, made from a live pod of that revision (the
    template it was made from is not kept), or None when there is none."""
    from kbench.api.store import decode
    source = next((p for p in members if p.revision == revision and p.created), None)
    if source is None:
        return None
    pod = decode(state, "pods", source.row).to_dict()
    pod.pop("status", None)
    metadata = pod["metadata"]
    for key in ("uid", "creationTimestamp", "deletionTimestamp", "generation",
                "resourceVersion", "generateName"):
        metadata.pop(key, None)
    metadata["ownerReferences"] = [owner]
    pod["spec"].pop("nodeName", None)
    pod["spec"].pop("nominatedNodeName", None)
    return set_identity(pod, spec, name, namespace, ordinal, revision)


def _delete_scaled_claims(state: ClusterState, spec: dict, name: str, namespace: str,
                          members: list[StatefulPod], actions: Actions) -> None:
    """whenScaled: Delete: claims of ordinals outside the set's range whose pod is gone."""
    claims = state.tables["persistentvolumeclaims"]
    start = start_ordinal(spec)
    end = start + int(spec["replicas"]) - 1
    alive = {p.ordinal for p in members}
    rows = []
    for template in spec.get("volumeClaimTemplates") or []:
        prefix = f"{(template.get('metadata') or {}).get('name', '')}-{name}-"
        namespace_code = state.strings.code_of(namespace)
        candidates = claims.live_rows()
        candidates = candidates[claims["namespace"][candidates] == namespace_code]
        for claim_row, claim in zip(candidates.tolist(),
                                    state.strings.decode(claims["name"][candidates])):
            if not claim.startswith(prefix) or not claim[len(prefix):].isdigit():
                continue
            ordinal = int(claim[len(prefix):])
            if (ordinal < start or ordinal > end) and ordinal not in alive:
                rows.append(claim_row)
    if rows:
        actions.delete_objects.append(("persistentvolumeclaims", np.array(rows, np.int64)))


__all__ = ["sync_statefulsets", "parent_and_ordinal", "revision_name", "claims_for",
           "pod_manifest", "SetSync", "StatefulPod"]
