"""kubectl rollout history / status / undo for Deployments (k8s.io/kubectl pkg/polymorphichelpers:
history.go, rollback.go, rollout_status.go), over the state."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kbench.controllers.deployment import _NOT_COPIED, HASH_LABEL, REVISION, _strip_hash
from kbench.controllers.ownership import owner_rows
from kbench.errors import KbenchError
from kbench.state import ClusterState

CHANGE_CAUSE = "kubernetes.io/change-cause"


def _revisions(state: ClusterState, deployment: int) -> dict[int, int]:
    """ReplicaSet row of each revision of the Deployment."""
    sets = state.tables["replicasets"]
    owned = np.flatnonzero(sets.alive & (owner_rows(state, "replicasets", "deployments")
                                         == deployment))
    revisions = {}
    for row in owned.tolist():
        annotations = state.strings.document(int(sets["annotations"][row])) or {}
        try:
            revisions[int(annotations.get(REVISION, ""))] = row
        except ValueError:
            continue
    return revisions


def history(state: ClusterState, deployment: int) -> pa.Table:
    """REVISION and CHANGE-CAUSE, oldest first."""
    sets = state.tables["replicasets"]
    revisions = _revisions(state, deployment)
    causes = []
    for revision in sorted(revisions):
        annotations = state.strings.document(int(sets["annotations"][revisions[revision]])) or {}
        causes.append(annotations.get(CHANGE_CAUSE))
    return pa.table({"revision": pa.array(sorted(revisions), pa.int64()),
                     "change_cause": pa.array(causes, pa.string())})


def status(state: ClusterState, deployment: int) -> str:
    """DeploymentStatusViewer.Status's message."""
    d = state.tables["deployments"]
    name = state.strings[int(d["name"][deployment])]
    if d["generation"][deployment] > d["observed_generation"][deployment]:
        return "Waiting for deployment spec update to be observed...\n"
    conditions = state.strings.document(int(d["conditions"][deployment])) or []
    if any(c.get("type") == "Progressing" and c.get("reason") == "ProgressDeadlineExceeded"
           for c in conditions):
        raise KbenchError(f'deployment "{name}" exceeded its progress deadline')
    replicas, updated = int(d["replicas"][deployment]), int(d["updated_replicas"][deployment])
    total, available = int(d["status_replicas"][deployment]), int(
        d["available_replicas"][deployment])
    if updated < replicas:
        return (f'Waiting for deployment "{name}" rollout to finish: {updated} out of '
                f"{replicas} new replicas have been updated...\n")
    if total > updated:
        return (f'Waiting for deployment "{name}" rollout to finish: {total - updated} old '
                f"replicas are pending termination...\n")
    if available < updated:
        return (f'Waiting for deployment "{name}" rollout to finish: {available} of {updated} '
                f"updated replicas are available...\n")
    return f'deployment "{name}" successfully rolled out\n'


def undo(state: ClusterState, deployment: int, to_revision: int | None = None) -> str:
    """DeploymentRollbacker.Rollback: copy the template of that revision (default: the one
    before the newest) into the Deployment, and its annotations (change-cause, ...) in place of
    the Deployment's, except those the Deployment controller owns (revision, replicas,
    last-applied), which stay."""
    from kbench.sim.engine import update_row

    d = state.tables["deployments"]
    name = state.strings[int(d["name"][deployment])]
    if d["paused"][deployment]:
        raise KbenchError("you cannot rollback a paused deployment; resume it first with "
                          "'kubectl rollout resume' and try again")
    revisions = _revisions(state, deployment)
    if to_revision in (None, 0):
        if len(revisions) < 2:   # deploymentRevision finds no previous ReplicaSet
            raise KbenchError(f'no rollout history found for deployment "{name}"')
        target = sorted(revisions)[-2]
    else:
        target = int(to_revision)
        if target not in revisions:
            raise KbenchError(f"unable to find specified revision {target} in history")
    sets = state.tables["replicasets"]
    template = _strip_hash(state.strings.document(int(sets["template"][revisions[target]])))
    labels = (template.get("metadata") or {}).get("labels") or {}
    labels.pop(HASH_LABEL, None)
    code = state.strings.intern_document(template)
    if code == d["template"][deployment]:
        return (f"deployment.apps/{name} skipped rollback (current template already matches "
                f"revision {target})")
    current = state.strings.document(int(d["annotations"][deployment])) or {}
    annotations = {key: value for key, value in current.items() if key in _NOT_COPIED}
    target_annotations = state.strings.document(int(sets["annotations"][revisions[target]])) or {}
    annotations.update({key: value for key, value in target_annotations.items()
                        if key not in _NOT_COPIED})
    update_row(state, "deployments", deployment,
               {"template": code, "annotations": state.strings.intern_document(annotations)})
    return f"deployment.apps/{name} rolled back"
