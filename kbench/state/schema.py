"""The columns of every table in ClusterState, one table per Kubernetes kind.

Each table keeps the object's metadata in columns, the fields the simulator reads or changes
in typed columns (``path`` names the object field a column mirrors), and everything else of
the object in the ``body`` column as canonical JSON, interned so identical bodies (pods of one
template) are stored once. Columns without a path are derived by the simulator.
"""

from __future__ import annotations

from kbench.state.table import Column as C

POD_PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
QOS_CLASSES = ("BestEffort", "Burstable", "Guaranteed")
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
PV_PHASES = ("Pending", "Available", "Bound", "Released", "Failed")
PVC_PHASES = ("Pending", "Bound", "Lost")
NAMESPACE_PHASES = ("Active", "Terminating")
EVENT_TYPES = ("Normal", "Warning")

#: Resources every cluster has, in this order; extended resources are appended when seen.
CORE_RESOURCES = ("cpu", "memory", "ephemeral-storage", "pods")

METADATA = [
    C("name", "str", "metadata.name"),
    C("namespace", "str", "metadata.namespace"),
    C("uid", "str", "metadata.uid"),
    C("labels", "json", "metadata.labels"),
    C("annotations", "json", "metadata.annotations"),
    C("owner_references", "json", "metadata.ownerReferences"),
    C("generation", "int64", "metadata.generation", fill=1),
    C("creation_time", "time", "metadata.creationTimestamp"),
    C("deletion_time", "time", "metadata.deletionTimestamp"),
    C("body", "json"),
    # the uid of the controlling ownerReference (controller: true), so controllers find what
    # they own with one array lookup instead of reading JSON
    C("controller_uid", "str"),
]

_WORKLOAD_TEMPLATE = [
    C("selector", "json", "spec.selector"),
    C("template", "json", "spec.template"),
]

TABLES: dict[str, list[C]] = {
    "namespaces": [
        C("phase", "enum", "status.phase", enum=NAMESPACE_PHASES),
    ],
    "nodes": [
        C("unschedulable", "bool", "spec.unschedulable", omit_zero=True),
        C("taints", "json", "spec.taints"),
        C("capacity", "resources", "status.capacity"),
        C("allocatable", "resources", "status.allocatable"),
        C("requested", "resources"),
        C("ready", "bool", fill=True),
    ],
    "pods": [
        C("node_name", "str", "spec.nodeName"),
        C("scheduler_name", "str", "spec.schedulerName"),
        C("priority", "int32", "spec.priority"),
        C("node_index", "int32", fill=-1),
        C("nominated_node_name", "str", "status.nominatedNodeName"),
        C("requests", "resources"),
        C("limits", "resources"),
        C("qos_class", "enum", "status.qosClass", enum=QOS_CLASSES),
        C("phase", "enum", "status.phase", enum=POD_PHASES),
        C("ready", "bool"),
        C("restarts", "int32"),
        C("scheduled_time", "time"),
        C("start_time", "time", "status.startTime"),
        C("ready_time", "time"),
        C("finish_time", "time"),
        C("reason", "str", "status.reason"),
        C("message", "str", "status.message"),
        C("scheduling_attempts", "int32"),
        C("unschedulable_message", "str"),   # the PodScheduled=False condition's message
        C("backoff_until", "time"),           # not retried before (kube-scheduler backoff)
        # the kubelet model (kbench.sim.kubelet)
        C("incarnation", "int32"),            # bumped at each container (re)start and delete
        C("container_start_time", "time"),    # the running container's startedAt
        C("waiting_reason", "str"),           # ContainerCreating, CrashLoopBackOff, ...
        C("crash_loop_count", "int32"),       # exits since the container last ran 10 min
        C("exit_code", "int32"),              # the last terminated container's exit code
    ],
    "replicasets": [
        C("replicas", "int32", "spec.replicas"),
        *_WORKLOAD_TEMPLATE,
        C("status_replicas", "int32", "status.replicas"),
        C("fully_labeled_replicas", "int32", "status.fullyLabeledReplicas", omit_zero=True),
        C("ready_replicas", "int32", "status.readyReplicas", omit_zero=True),
        C("available_replicas", "int32", "status.availableReplicas", omit_zero=True),
        C("observed_generation", "int64", "status.observedGeneration", omit_zero=True),
    ],
    "deployments": [
        C("replicas", "int32", "spec.replicas"),
        C("paused", "bool", "spec.paused", omit_zero=True),
        *_WORKLOAD_TEMPLATE,
        C("status_replicas", "int32", "status.replicas", omit_zero=True),
        C("updated_replicas", "int32", "status.updatedReplicas", omit_zero=True),
        C("ready_replicas", "int32", "status.readyReplicas", omit_zero=True),
        C("available_replicas", "int32", "status.availableReplicas", omit_zero=True),
        C("unavailable_replicas", "int32", "status.unavailableReplicas", omit_zero=True),
        C("observed_generation", "int64", "status.observedGeneration", omit_zero=True),
        C("conditions", "json", "status.conditions"),
    ],
    "statefulsets": [
        C("replicas", "int32", "spec.replicas"),
        *_WORKLOAD_TEMPLATE,
        C("status_replicas", "int32", "status.replicas"),
        C("ready_replicas", "int32", "status.readyReplicas", omit_zero=True),
        C("current_replicas", "int32", "status.currentReplicas", omit_zero=True),
        C("updated_replicas", "int32", "status.updatedReplicas", omit_zero=True),
        C("available_replicas", "int32", "status.availableReplicas", omit_zero=True),
        C("current_revision", "str", "status.currentRevision"),
        C("update_revision", "str", "status.updateRevision"),
        C("observed_generation", "int64", "status.observedGeneration", omit_zero=True),
    ],
    "daemonsets": [
        *_WORKLOAD_TEMPLATE,
        C("current_number_scheduled", "int32", "status.currentNumberScheduled"),
        C("number_misscheduled", "int32", "status.numberMisscheduled"),
        C("desired_number_scheduled", "int32", "status.desiredNumberScheduled"),
        C("number_ready", "int32", "status.numberReady"),
        C("updated_number_scheduled", "int32", "status.updatedNumberScheduled", omit_zero=True),
        C("number_available", "int32", "status.numberAvailable", omit_zero=True),
        C("observed_generation", "int64", "status.observedGeneration", omit_zero=True),
    ],
    "jobs": [
        C("parallelism", "int32", "spec.parallelism", fill=-1, absent=-1),
        C("completions", "int32", "spec.completions", fill=-1, absent=-1),
        C("suspend", "bool", "spec.suspend"),
        *_WORKLOAD_TEMPLATE,
        C("active", "int32", "status.active", omit_zero=True),
        C("succeeded", "int32", "status.succeeded", omit_zero=True),
        C("failed", "int32", "status.failed", omit_zero=True),
        C("ready", "int32", "status.ready"),
        C("terminating", "int32", "status.terminating"),
        C("completed_indexes", "str", "status.completedIndexes"),
        C("start_time", "time", "status.startTime"),
        C("completion_time", "time", "status.completionTime"),
        C("conditions", "json", "status.conditions"),
    ],
    "cronjobs": [
        C("schedule", "str", "spec.schedule"),
        C("suspend", "bool", "spec.suspend"),
        C("job_template", "json", "spec.jobTemplate"),
        C("active_jobs", "json", "status.active"),
        C("last_schedule_time", "time", "status.lastScheduleTime"),
        C("last_successful_time", "time", "status.lastSuccessfulTime"),
    ],
    "horizontalpodautoscalers": [
        C("target_kind", "str", "spec.scaleTargetRef.kind"),
        C("target_name", "str", "spec.scaleTargetRef.name"),
        C("min_replicas", "int32", "spec.minReplicas"),
        C("max_replicas", "int32", "spec.maxReplicas"),
        C("current_replicas", "int32", "status.currentReplicas", omit_zero=True),
        C("desired_replicas", "int32", "status.desiredReplicas"),
        C("current_metrics", "json", "status.currentMetrics"),
        C("conditions", "json", "status.conditions"),
        C("last_scale_time", "time", "status.lastScaleTime"),
    ],
    "services": [
        C("type", "enum", "spec.type", enum=SERVICE_TYPES),
        C("cluster_ip", "str", "spec.clusterIP"),
        C("selector", "json", "spec.selector"),
        C("ports", "json", "spec.ports"),
    ],
    "endpoints": [
        C("subsets", "json", "subsets"),
    ],
    "ingresses": [],
    "persistentvolumes": [
        C("capacity_storage_bytes", "int64", fill=0),
        C("storage_class_name", "str", "spec.storageClassName"),
        C("reclaim_policy", "str", "spec.persistentVolumeReclaimPolicy"),
        C("claim_ref", "json", "spec.claimRef"),
        C("phase", "enum", "status.phase", enum=PV_PHASES, fill=1),
    ],
    "persistentvolumeclaims": [
        C("request_storage_bytes", "int64", fill=0),
        C("storage_class_name", "str", "spec.storageClassName"),
        C("volume_name", "str", "spec.volumeName"),
        C("phase", "enum", "status.phase", enum=PVC_PHASES),
        C("capacity_storage_bytes", "int64", fill=0),
    ],
    "storageclasses": [
        C("provisioner", "str", "provisioner"),
        C("reclaim_policy", "str", "reclaimPolicy"),
        C("volume_binding_mode", "str", "volumeBindingMode"),
    ],
    "priorityclasses": [
        C("value", "int32", "value"),
        C("global_default", "bool", "globalDefault", omit_zero=True),
        C("preemption_policy", "str", "preemptionPolicy"),
    ],
    "poddisruptionbudgets": [
        C("selector", "json", "spec.selector"),
        C("current_healthy", "int32", "status.currentHealthy"),
        C("desired_healthy", "int32", "status.desiredHealthy"),
        C("disruptions_allowed", "int32", "status.disruptionsAllowed", fill=-1, absent=-1),
        C("expected_pods", "int32", "status.expectedPods"),
    ],
    # core/v1 Events: what the scheduler, controllers and kubelet report about objects.
    "events": [
        C("involved_kind", "str", "involvedObject.kind"),
        C("involved_name", "str", "involvedObject.name"),
        C("involved_namespace", "str", "involvedObject.namespace"),
        C("type", "enum", "type", enum=EVENT_TYPES),
        C("reason", "str", "reason"),
        C("message", "str", "message"),
        C("source_component", "str", "source.component"),
        C("first_time", "time", "firstTimestamp"),
        C("last_time", "time", "lastTimestamp"),
        C("count", "int32", "count", fill=1),
    ],
    # Kinds kbench stores but does not simulate (ConfigMap, Secret, RBAC, ...), and, with
    # allow_unknown, kinds it does not know at all.
    "others": [
        C("api_version", "str", "apiVersion"),
        C("kind", "str", "kind"),
    ],
}


def table_columns(table: str) -> list[C]:
    """Every column of ``table``: metadata first, then the kind's own."""
    return [*METADATA, *TABLES[table]]
