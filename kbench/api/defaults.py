"""Kubernetes' API defaulting: fill in the fields the kube-apiserver sets when an object is created."""

# Each block cites the Go source it follows (kubernetes/kubernetes):
#   pkg/apis/core/v1/defaults.go          Pod, PodSpec, Container, Probe, Volume, Service, PV, PVC,
#                                         Endpoints, Namespace, Node
#   pkg/apis/apps/v1/defaults.go          Deployment, ReplicaSet, StatefulSet, DaemonSet
#   pkg/apis/batch/v1/defaults.go         Job, CronJob
#   pkg/apis/autoscaling/v2/defaults.go   HorizontalPodAutoscaler (v1 objects are converted first,
#                                         pkg/apis/autoscaling/v1/conversion.go)
#   pkg/apis/storage/v1/defaults.go       StorageClass
#   pkg/apis/scheduling/v1/defaults.go    PriorityClass
#   pkg/registry/core/service/storage/alloc.go   Service ipFamilyPolicy / ipFamilies
# zz_generated.defaults.go (SetObjectDefaults_*) decides which of these run on which object:
# SetDefaults_PodSpec, _Container, _Probe, _Volume... run on every pod template, but
# SetDefaults_Pod (requests from limits, enableServiceLinks) runs on Pod objects only.
#
# default_object never raises: a field of the wrong type is left alone for validation to report.

from __future__ import annotations

import copy
import re
from typing import Any

from kbench.api.kinds import KindInfo
from kbench.api.objects import copy_json

__all__ = [
    "DEFAULT_NAMESPACE",
    "DOWNSCALE_STABILIZATION_SECONDS",
    "default_object",
    "effective_hpa_behavior",
    "hpa_scale_down_rules",
    "hpa_scale_up_rules",
    "image_pull_policy",
]

DEFAULT_NAMESPACE = "default"

# The kube-controller-manager flag --horizontal-pod-autoscaler-downscale-stabilization
# defaults to 5m; defaults.go leaves scaleDown.stabilizationWindowSeconds nil so the
# controller's flag applies (pkg/apis/autoscaling/v2/defaults.go, defaultHPAScaleDownRules).
DOWNSCALE_STABILIZATION_SECONDS = 300


def _map(parent: dict, key: str) -> dict | None:
    """parent[key] if it is a mapping, else None (wrong types are validation's business)."""
    value = parent.get(key)
    return value if isinstance(value, dict) else None


def _ensure_map(parent: dict, key: str) -> dict | None:
    """parent[key], created as {} when absent or null; None when it is of another type."""
    if parent.get(key) is None:
        parent[key] = {}
    return _map(parent, key)


def _items(parent: dict, key: str) -> list[dict]:
    """The mapping entries of the list parent[key] (other entries are skipped)."""
    value = parent.get(key)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _set(parent: dict, key: str, value: Any) -> None:
    """Go's `if obj.X == nil / "" { obj.X = value }`: set when absent, null or empty string."""
    if parent.get(key) in (None, ""):
        parent[key] = value


# ---------------------------------------------------------------------------
# Pod spec (pkg/apis/core/v1/defaults.go)
# ---------------------------------------------------------------------------

_DIGEST_RE = re.compile(r"@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")


def image_pull_policy(image: object) -> str:
    """SetDefaults_Container: Always for the ``latest`` tag (or no tag and no digest), else IfNotPresent.

    parsers.ParseImageName gives tag "latest" only when neither a tag nor a digest is given;
    a reference it cannot parse (e.g. upper-case repository) has no tag -> IfNotPresent.
    """
    if not isinstance(image, str) or not image:
        return "IfNotPresent"
    name, digest = image, ""
    match = _DIGEST_RE.search(image)
    if match:
        name, digest = image[:match.start()], match.group(0)
    last = name.rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1] if ":" in last else ""
    repository = name[: len(name) - len(tag) - 1] if tag else name
    if repository != repository.lower() or not repository:
        return "IfNotPresent"  # not a valid reference: ParseImageName fails, tag stays ""
    if not tag and not digest:
        tag = "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def _default_http_get(handler: dict) -> None:
    # SetDefaults_HTTPGetAction
    http_get = _map(handler, "httpGet")
    if http_get is not None:
        _set(http_get, "path", "/")
        _set(http_get, "scheme", "HTTP")


def _default_probe(probe: dict) -> None:
    # SetDefaults_Probe: zero means unset for these int32 fields.
    for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10),
                       ("successThreshold", 1), ("failureThreshold", 3)):
        if probe.get(key) in (None, 0):
            probe[key] = value
    _default_http_get(probe)


def _default_container(container: dict) -> None:
    # SetDefaults_Container
    _set(container, "imagePullPolicy", image_pull_policy(container.get("image")))
    _set(container, "terminationMessagePath", "/dev/termination-log")
    _set(container, "terminationMessagePolicy", "File")
    # Go always serializes the non-pointer ResourceRequirements struct, as `resources: {}`.
    _ensure_map(container, "resources")
    for port in _items(container, "ports"):
        _set(port, "protocol", "TCP")  # SetDefaults_ContainerPort
    for name in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = _map(container, name)
        if probe is not None:
            _default_probe(probe)
    lifecycle = _map(container, "lifecycle")
    if lifecycle is not None:
        for hook in ("postStart", "preStop"):
            handler = _map(lifecycle, hook)
            if handler is not None:
                _default_http_get(handler)
    for env in _items(container, "env"):
        value_from = _map(env, "valueFrom")
        field_ref = _map(value_from, "fieldRef") if value_from else None
        if field_ref is not None:
            _set(field_ref, "apiVersion", "v1")  # SetDefaults_ObjectFieldSelector


def _default_volume(volume: dict) -> None:
    # SetDefaults_Volume: a volume with no source is an emptyDir.
    if not any(key != "name" and value is not None for key, value in volume.items()):
        volume["emptyDir"] = {}
    # SetDefaults_SecretVolumeSource / _ConfigMapVolumeSource / _DownwardAPIVolumeSource /
    # _ProjectedVolumeSource: defaultMode 0644 (420).
    for source in ("secret", "configMap", "downwardAPI", "projected"):
        body = _map(volume, source)
        if body is not None:
            _set(body, "defaultMode", 420)
    downward = _map(volume, "downwardAPI")
    for item in _items(downward, "items") if downward else []:
        field_ref = _map(item, "fieldRef")
        if field_ref is not None:
            _set(field_ref, "apiVersion", "v1")
    projected = _map(volume, "projected")
    for source in _items(projected, "sources") if projected else []:
        token = _map(source, "serviceAccountToken")
        if token is not None:
            _set(token, "expirationSeconds", 3600)  # SetDefaults_ServiceAccountTokenProjection
    host_path = _map(volume, "hostPath")
    if host_path is not None and host_path.get("type") is None:
        host_path["type"] = ""  # SetDefaults_HostPathVolumeSource: HostPathUnset


def _default_pod_spec(spec: dict) -> None:
    # SetDefaults_PodSpec (runs on Pods and on every pod template)
    _set(spec, "dnsPolicy", "ClusterFirst")
    _set(spec, "restartPolicy", "Always")
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = 30
    _set(spec, "schedulerName", "default-scheduler")
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for container in _items(spec, key):
            _default_container(container)
    for volume in _items(spec, "volumes"):
        _default_volume(volume)


def _default_requests_from_limits(spec: dict) -> None:
    # SetDefaults_Pod: "If limits are specified, but requests are not, default requests to
    # limits", per resource, for containers and init containers. Pod objects only, not templates.
    for key in ("containers", "initContainers"):
        for container in _items(spec, key):
            resources = _map(container, "resources")
            limits = _map(resources, "limits") if resources else None
            if limits is None:
                continue
            requests = _ensure_map(resources, "requests")
            if requests is None:
                continue
            for name, value in limits.items():
                if name not in requests:
                    requests[name] = copy.deepcopy(value)


def _default_pod(obj: dict) -> None:
    spec = _ensure_map(obj, "spec")
    if spec is None:
        return
    _default_pod_spec(spec)
    _default_requests_from_limits(spec)
    # SetDefaults_Pod
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    if spec.get("hostNetwork") is True:
        # defaultHostNetworkPorts: with host networking, container ports are host ports.
        for key in ("containers", "initContainers"):
            for container in _items(spec, key):
                for port in _items(container, "ports"):
                    if port.get("hostPort") in (None, 0):
                        port["hostPort"] = port.get("containerPort")


def _default_template(spec: dict, key: str = "template") -> None:
    """Pod-spec defaults for spec[key].spec, a PodTemplateSpec."""
    template = _map(spec, key)
    pod_spec = _map(template, "spec") if template is not None else None
    if pod_spec is not None:
        _default_pod_spec(pod_spec)


# ---------------------------------------------------------------------------
# Workloads (pkg/apis/apps/v1/defaults.go, pkg/apis/batch/v1/defaults.go)
# ---------------------------------------------------------------------------

def _default_replica_set(obj: dict) -> None:
    # SetDefaults_ReplicaSet
    spec = _ensure_map(obj, "spec")
    if spec is None:
        return
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    _default_template(spec)


def _default_deployment(obj: dict) -> None:
    # SetDefaults_Deployment
    spec = _ensure_map(obj, "spec")
    if spec is None:
        return
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = _ensure_map(spec, "strategy")
    if strategy is not None:
        _set(strategy, "type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = _ensure_map(strategy, "rollingUpdate")
            if rolling is not None:
                if rolling.get("maxUnavailable") is None:
                    rolling["maxUnavailable"] = "25%"
                if rolling.get("maxSurge") is None:
                    rolling["maxSurge"] = "25%"
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = 600
    _default_template(spec)


def _default_daemon_set(obj: dict) -> None:
    # SetDefaults_DaemonSet
    spec = _ensure_map(obj, "spec")
    if spec is None:
        return
    strategy = _ensure_map(spec, "updateStrategy")
    if strategy is not None:
        _set(strategy, "type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = _ensure_map(strategy, "rollingUpdate")
            if rolling is not None:
                if rolling.get("maxUnavailable") is None:
                    rolling["maxUnavailable"] = 1
                if rolling.get("maxSurge") is None:
                    rolling["maxSurge"] = 0
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    _default_template(spec)


def _default_claim_spec(spec: dict) -> None:
    # SetDefaults_PersistentVolumeClaimSpec
    if spec.get("volumeMode") is None:
        spec["volumeMode"] = "Filesystem"


def _default_stateful_set(obj: dict) -> None:
    # SetDefaults_StatefulSet
    spec = _ensure_map(obj, "spec")
    if spec is None:
        return
    _set(spec, "podManagementPolicy", "OrderedReady")
    strategy = _ensure_map(spec, "updateStrategy")
    if strategy is not None:
        if strategy.get("type") in (None, ""):
            strategy["type"] = "RollingUpdate"
            _ensure_map(strategy, "rollingUpdate")
        rolling = _map(strategy, "rollingUpdate")
        if strategy["type"] == "RollingUpdate" and rolling is not None:
            if rolling.get("partition") is None:
                rolling["partition"] = 0
    # StatefulSetAutoDeletePVC is GA (on by default since 1.27).
    retention = _ensure_map(spec, "persistentVolumeClaimRetentionPolicy")
    if retention is not None:
        _set(retention, "whenDeleted", "Retain")
        _set(retention, "whenScaled", "Retain")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    _default_template(spec)
    # SetObjectDefaults_StatefulSet also runs the PVC defaults on each volumeClaimTemplate.
    for claim in _items(spec, "volumeClaimTemplates"):
        claim_spec = _map(claim, "spec")
        if claim_spec is not None:
            _default_claim_spec(claim_spec)
        status = _ensure_map(claim, "status")
        if status is not None:
            _set(status, "phase", "Pending")  # SetDefaults_PersistentVolumeClaim


def _default_job_spec(spec: dict) -> None:
    # SetDefaults_Job (the spec part)
    if spec.get("completions") is None and spec.get("parallelism") is None:
        # "For a non-parallel job, you can leave both unset. When both are unset, both are defaulted to 1."
        spec["completions"] = 1
        spec["parallelism"] = 1
    if spec.get("parallelism") is None:
        spec["parallelism"] = 1
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = 2147483647 if spec.get("backoffLimitPerIndex") is not None else 6
    if spec.get("completionMode") is None:
        spec["completionMode"] = "NonIndexed"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    # JobPodReplacementPolicy: on by default since 1.29, GA in 1.34.
    if spec.get("podReplacementPolicy") is None:
        spec["podReplacementPolicy"] = (
            "Failed" if spec.get("podFailurePolicy") is not None else "TerminatingOrFailed")
    if spec.get("manualSelector") is None:
        spec["manualSelector"] = False


def _default_job(obj: dict) -> None:
    spec = _ensure_map(obj, "spec")
    if spec is None:
        return
    _default_job_spec(spec)
    # SetDefaults_Job: a Job without labels takes its template's labels.
    template = _map(spec, "template")
    template_meta = _map(template, "metadata") if template else None
    template_labels = _map(template_meta, "labels") if template_meta else None
    metadata = _map(obj, "metadata")
    if template_labels is not None and metadata is not None and not metadata.get("labels"):
        metadata["labels"] = dict(template_labels)
    _default_template(spec)
    # The selector and the controller-uid / job-name labels are generated by the Job
    # registry strategy (pkg/registry/batch/job/strategy.go), which needs the object's UID:
    # that is the state layer's work, not defaulting.


def _default_cron_job(obj: dict) -> None:
    # SetDefaults_CronJob. SetDefaults_Job does not run on the jobTemplate (it takes a *Job),
    # only the pod-spec defaults of jobTemplate.spec.template do.
    spec = _ensure_map(obj, "spec")
    if spec is None:
        return
    _set(spec, "concurrencyPolicy", "Allow")
    if spec.get("suspend") is None:
        spec["suspend"] = False
    if spec.get("successfulJobsHistoryLimit") is None:
        spec["successfulJobsHistoryLimit"] = 3
    if spec.get("failedJobsHistoryLimit") is None:
        spec["failedJobsHistoryLimit"] = 1
    job_template = _map(spec, "jobTemplate")
    job_spec = _map(job_template, "spec") if job_template else None
    if job_spec is not None:
        _default_template(job_spec)


# ---------------------------------------------------------------------------
# HorizontalPodAutoscaler (pkg/apis/autoscaling/v2/defaults.go)
# ---------------------------------------------------------------------------

def hpa_scale_up_rules() -> dict:
    """defaultHPAScaleUpRules: no stabilization, Max of 4 pods or 100% per 15 s."""
    return {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
            "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                         {"type": "Percent", "value": 100, "periodSeconds": 15}]}


def hpa_scale_down_rules() -> dict:
    """defaultHPAScaleDownRules: Max of 100% per 15 s; stabilization is left to the controller."""
    return {"selectPolicy": "Max",
            "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}


def _merge_rules(given: object, defaults: dict) -> dict:
    # copyHPAScalingRules: the user's non-nil fields win over the defaults.
    if not isinstance(given, dict):
        return defaults
    for key in ("selectPolicy", "stabilizationWindowSeconds", "policies", "tolerance"):
        if given.get(key) is not None:
            defaults[key] = given[key]
    return defaults


def effective_hpa_behavior(spec: dict) -> dict:
    """The scaling behavior the HPA controller uses: the spec's behavior with every gap filled,
    including scaleDown.stabilizationWindowSeconds = DOWNSCALE_STABILIZATION_SECONDS.

    For controllers; unlike default_object it always returns a full behavior.
    """
    behavior = spec.get("behavior") if isinstance(spec.get("behavior"), dict) else {}
    up = _merge_rules(behavior.get("scaleUp"), hpa_scale_up_rules())
    down = _merge_rules(behavior.get("scaleDown"), hpa_scale_down_rules())
    if down.get("stabilizationWindowSeconds") is None:
        down["stabilizationWindowSeconds"] = DOWNSCALE_STABILIZATION_SECONDS
    return {"scaleUp": copy.deepcopy(up), "scaleDown": copy.deepcopy(down)}


def _convert_hpa_v1(obj: dict) -> None:
    # Convert_v1_HorizontalPodAutoscalerSpec_To_autoscaling_HorizontalPodAutoscalerSpec:
    # targetCPUUtilizationPercentage N becomes a Resource cpu Utilization N metric.
    obj["apiVersion"] = "autoscaling/v2"
    spec = _map(obj, "spec")
    if spec is None:
        return
    if "targetCPUUtilizationPercentage" in spec:
        target = spec.pop("targetCPUUtilizationPercentage")
        if target is not None:
            spec["metrics"] = [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}}]


def _default_hpa(obj: dict) -> None:
    if obj.get("apiVersion") == "autoscaling/v1":
        _convert_hpa_v1(obj)
    spec = _ensure_map(obj, "spec")
    if spec is None:
        return
    # SetDefaults_HorizontalPodAutoscaler
    if spec.get("minReplicas") is None:
        spec["minReplicas"] = 1
    if not spec.get("metrics"):
        # autoscaling.DefaultCPUUtilization = 80
        spec["metrics"] = [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    # SetDefaults_HorizontalPodAutoscalerBehavior: only a behavior that is present is filled.
    behavior = _map(spec, "behavior")
    if behavior is not None:
        behavior["scaleUp"] = _merge_rules(behavior.get("scaleUp"), hpa_scale_up_rules())
        behavior["scaleDown"] = _merge_rules(behavior.get("scaleDown"), hpa_scale_down_rules())
    # selectionStrategy and tolerance are alpha fields (dropped while their gates are off).


# ---------------------------------------------------------------------------
# Services and networking (pkg/apis/core/v1/defaults.go SetDefaults_Service,
# pkg/registry/core/service/storage/alloc.go initIPFamilyFields)
# ---------------------------------------------------------------------------

def _default_service(obj: dict) -> None:
    spec = _ensure_map(obj, "spec")
    if spec is None:
        return
    _set(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        config = _ensure_map(spec, "sessionAffinityConfig")
        client_ip = _ensure_map(config, "clientIP") if config is not None else None
        if client_ip is not None and client_ip.get("timeoutSeconds") is None:
            client_ip["timeoutSeconds"] = 10800  # DefaultClientIPServiceAffinitySeconds
    _set(spec, "type", "ClusterIP")
    service_type = spec["type"]
    for port in _items(spec, "ports"):
        _set(port, "protocol", "TCP")
        if port.get("targetPort") in (None, 0, "") and port.get("port") is not None:
            port["targetPort"] = port["port"]
    if service_type in ("NodePort", "LoadBalancer"):
        # ExternallyAccessible services default externalTrafficPolicy to Cluster.
        _set(spec, "externalTrafficPolicy", "Cluster")
    if service_type in ("ClusterIP", "NodePort", "LoadBalancer"):
        if spec.get("internalTrafficPolicy") is None:
            spec["internalTrafficPolicy"] = "Cluster"
    if service_type == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True
    if service_type != "ExternalName":
        _default_ip_families(spec)


def _default_ip_families(spec: dict) -> None:
    # initIPFamilyFields, for a single-stack IPv4 cluster. A headless service without a
    # selector defaults to RequireDualStack and lists both families (the special case there).
    headless_selectorless = spec.get("clusterIP") == "None" and not spec.get("selector")
    if spec.get("ipFamilyPolicy") is None:
        spec["ipFamilyPolicy"] = "RequireDualStack" if headless_selectorless else "SingleStack"
    if spec.get("ipFamilies") in (None, []):
        families = ["IPv4"]
        if headless_selectorless and spec["ipFamilyPolicy"] != "SingleStack":
            families.append("IPv6")
        spec["ipFamilies"] = families


def _default_endpoints(obj: dict) -> None:
    # SetDefaults_Endpoints
    for subset in _items(obj, "subsets"):
        for port in _items(subset, "ports"):
            _set(port, "protocol", "TCP")


# ---------------------------------------------------------------------------
# Storage, scheduling, cluster objects
# ---------------------------------------------------------------------------

def _default_persistent_volume(obj: dict) -> None:
    # SetDefaults_PersistentVolume
    spec = _ensure_map(obj, "spec")
    if spec is not None:
        _set(spec, "persistentVolumeReclaimPolicy", "Retain")
        if spec.get("volumeMode") is None:
            spec["volumeMode"] = "Filesystem"
    status = _ensure_map(obj, "status")
    if status is not None:
        _set(status, "phase", "Pending")


def _default_persistent_volume_claim(obj: dict) -> None:
    # SetDefaults_PersistentVolumeClaim + SetDefaults_PersistentVolumeClaimSpec
    spec = _ensure_map(obj, "spec")
    if spec is not None:
        _default_claim_spec(spec)
    status = _ensure_map(obj, "status")
    if status is not None:
        _set(status, "phase", "Pending")


def _default_storage_class(obj: dict) -> None:
    # pkg/apis/storage/v1/defaults.go SetDefaults_StorageClass (fields are top-level)
    if obj.get("reclaimPolicy") is None:
        obj["reclaimPolicy"] = "Delete"
    if obj.get("volumeBindingMode") is None:
        obj["volumeBindingMode"] = "Immediate"


def _default_priority_class(obj: dict) -> None:
    # pkg/apis/scheduling/v1/defaults.go SetDefaults_PriorityClass
    if obj.get("preemptionPolicy") is None:
        obj["preemptionPolicy"] = "PreemptLowerPriority"


def _default_namespace(obj: dict) -> None:
    # SetDefaults_Namespace: the immutable kubernetes.io/metadata.name label (named objects only).
    metadata = _map(obj, "metadata")
    if metadata is not None and isinstance(metadata.get("name"), str) and metadata["name"]:
        labels = _ensure_map(metadata, "labels")
        if labels is not None:
            labels["kubernetes.io/metadata.name"] = metadata["name"]
    # SetDefaults_NamespaceStatus
    status = _ensure_map(obj, "status")
    if status is not None:
        _set(status, "phase", "Active")


def _default_node(obj: dict) -> None:
    # SetDefaults_NodeStatus: allocatable defaults to capacity.
    status = _map(obj, "status")
    if status is None:
        return
    capacity = _map(status, "capacity")
    if status.get("allocatable") is None and capacity is not None:
        status["allocatable"] = copy.deepcopy(capacity)


# PodDisruptionBudget (policy/v1), Ingress (networking/v1: pathType has no default) and the
# unmodelled kinds have no defaults beyond metadata.namespace.
_DEFAULTERS = {
    "Pod": _default_pod,
    "ReplicaSet": _default_replica_set,
    "Deployment": _default_deployment,
    "StatefulSet": _default_stateful_set,
    "DaemonSet": _default_daemon_set,
    "Job": _default_job,
    "CronJob": _default_cron_job,
    "HorizontalPodAutoscaler": _default_hpa,
    "Service": _default_service,
    "Endpoints": _default_endpoints,
    "PersistentVolume": _default_persistent_volume,
    "PersistentVolumeClaim": _default_persistent_volume_claim,
    "StorageClass": _default_storage_class,
    "PriorityClass": _default_priority_class,
    "Namespace": _default_namespace,
    "Node": _default_node,
}


def _default_namespace_field(obj: dict, info: KindInfo) -> None:
    # The API server puts namespaced objects without a namespace into the request's
    # namespace ("default" for kubectl without -n); cluster-scoped objects have none.
    metadata = _map(obj, "metadata")
    if metadata is None:
        return
    if info.namespaced:
        _set(metadata, "namespace", DEFAULT_NAMESPACE)
    else:
        metadata.pop("namespace", None)


def default_object(doc: dict, info: KindInfo) -> dict:
    """A deep copy of ``doc`` with Kubernetes' defaults filled in for its kind.

    Follows the kube-apiserver: defaults.go functions of the kind's API group, the registry's
    Service IP-family defaults, and metadata.namespace ("default" for namespaced kinds, removed
    for cluster-scoped ones). autoscaling/v1 HPAs come back in the autoscaling/v2 shape.
    clusterIP, nodePort, uid, the Job selector and status other than the phases set by
    defaults.go are not touched: allocating them is the state layer's job.
    """
    obj = copy_json(doc)
    if not isinstance(obj, dict):
        return obj
    _default_namespace_field(obj, info)
    defaulter = _DEFAULTERS.get(info.kind)
    if defaulter is not None:
        defaulter(obj)
    return obj
