"""Builders for the Deployment controller's views, shaped like the Go tests' helpers
(pkg/controller/deployment/deployment_controller_test.go: newDeployment, rs,
newRSWithStatus), and for small clusters driven end to end."""

from __future__ import annotations

import copy

from kbench.api.store import timestamp
from kbench.controllers.deployment import (
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    REVISION,
    DeploymentSync,
    DeploymentView,
    ReplicaSetView,
)

# the Go tests' timestamps (sync_test.go TestScale), as simulated seconds
OLDER, OLD, NEW = 0.0, 3600.0, 7200.0

TEMPLATE = {"metadata": {"labels": {"foo": "bar"}},
            "spec": {"containers": [{"name": "c", "image": "foo/bar"}]}}


def new_deployment(replicas: int, max_surge=0, max_unavailable=0, *,
                   strategy: str = "RollingUpdate", revision_history_limit: int | None = None,
                   progress_deadline: int | None = None, status: dict | None = None,
                   conditions: list | None = None, template: dict | None = None,
                   generation: int = 1, paused: bool = False,
                   annotations: dict | None = None) -> DeploymentView:
    """newDeployment: maxSurge and maxUnavailable 0 unless given (not the API's 25%)."""
    base = {"replicas": 0, "updatedReplicas": 0, "readyReplicas": 0, "availableReplicas": 0,
            "unavailableReplicas": 0, "observedGeneration": generation}
    return DeploymentView(
        row=0, name="foo", namespace="default", uid="uid-foo", generation=generation,
        replicas=replicas, paused=paused, strategy=strategy, max_surge_value=max_surge,
        max_unavailable_value=max_unavailable, min_ready_seconds=0,
        revision_history_limit=revision_history_limit, progress_deadline=progress_deadline,
        template=copy.deepcopy(template or TEMPLATE), selector={"matchLabels": {"foo": "bar"}},
        annotations=dict(annotations or {}), status={**base, **(status or {})},
        conditions=list(conditions or []))


def rs(name: str, replicas: int, created: float = 0.0, *, available: int = 0,
       status_replicas: int | None = None, ready: int | None = None,
       revision: str | None = None, annotations: dict | None = None,
       template: dict | None = None, row: int = 0) -> ReplicaSetView:
    """rs / newRSWithStatus: a ReplicaSet of an older template unless one is given; its
    observedGeneration caught up (cleanupDeployment skips one that has not)."""
    annotations = dict(annotations or {})
    if revision is not None:
        annotations[REVISION] = revision
    template = copy.deepcopy(template or {"metadata": {"labels": {"foo": "old"}}})
    return ReplicaSetView(
        row=row, name=name, uid=f"uid-{name}", replicas=replicas,
        status_replicas=replicas if status_replicas is None else status_replicas,
        ready=available if ready is None else ready, available=available,
        annotations=annotations, creation_time=created, template=template,
        generation=1, observed_generation=1)


def with_template(view: ReplicaSetView, template: dict, hash_value: str = "hash"):
    """The ReplicaSet with ``template`` plus a pod-template-hash label, as
    getNewReplicaSet creates it."""
    template = copy.deepcopy(template)
    template.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = \
        hash_value
    view.template = template
    return view


def set_replicas_annotations(view: ReplicaSetView, desired: int, maximum: int) -> None:
    """deploymentutil.SetReplicasAnnotations."""
    view.annotations = {**view.annotations, DESIRED_REPLICAS: str(desired),
                        MAX_REPLICAS: str(maximum)}


def sync_of(deployment: DeploymentView, sets=(), now: float = 0.0,
            old_pods_running: bool = False) -> DeploymentSync:
    return DeploymentSync(deployment, list(sets), now, old_pods_running)


def condition(kind: str, status: str, reason: str, at: float | None = None) -> dict:
    stamp = timestamp(at) if at is not None else None
    return {"type": kind, "status": status, "reason": reason, "message": "",
            "lastUpdateTime": stamp, "lastTransitionTime": stamp}


def progressing(conditions: list) -> dict | None:
    return next((c for c in conditions if c.get("type") == "Progressing"), None)


# -- end to end -------------------------------------------------------------------------------

def node(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"capacity": {"cpu": "32", "memory": "128Gi", "pods": "110"}}}


def deployment_manifest(name: str = "web", replicas: int = 3, *, max_surge=1,
                        max_unavailable=0, strategy: str = "RollingUpdate",
                        image: str = "nginx:1", pod_annotations: dict | None = None,
                        readiness_probe: dict | None = None, **spec) -> dict:
    container = {"name": "c", "image": image, "resources": {"requests": {"cpu": "100m"}}}
    if readiness_probe is not None:
        container["readinessProbe"] = readiness_probe
    strategy_spec = {"type": strategy}
    if strategy == "RollingUpdate":
        strategy_spec["rollingUpdate"] = {"maxSurge": max_surge,
                                          "maxUnavailable": max_unavailable}
    metadata = {"labels": {"app": name}}
    if pod_annotations:
        metadata["annotations"] = pod_annotations
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "strategy": strategy_spec,
                     "template": {"metadata": metadata, "spec": {"containers": [container]}},
                     **spec}}
