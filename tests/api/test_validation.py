"""Tests of kbench.api.validation.prepare and kbench.api.defaults: documented examples, defaults, bad input."""

# Expected defaults are ported from the Go tests of kubernetes/kubernetes:
#   pkg/apis/core/v1/defaults_test.go        TestSetDefaultService, TestSetDefaultServiceTargetPort,
#       TestSetDefaultPersistentVolume, TestSetDefaultPersistentVolumeClaim, TestSetDefaultNamespace,
#       TestSetDefaultNodeStatusAllocatable, TestSetDefaultRequestsPod, TestSetDefaultProbe,
#       TestSetDefaultPodSpecHostNetwork
#   pkg/apis/apps/v1/defaults_test.go        TestSetDefaultDeployment, TestSetDefaultDaemonSetSpec,
#       TestSetDefaultStatefulSet, TestSetDefaultReplicaSetReplicas,
#       TestDefaultRequestIsNotSetForReplicaSet
#   pkg/apis/batch/v1/defaults_test.go       TestSetDefaultJob, TestSetDefaultCronJob
#   pkg/apis/autoscaling/v2/defaults_test.go TestGenerateScaleUpRules, TestGenerateScaleDownRules
#   pkg/apis/storage/v1/defaults_test.go     TestSetDefaultVolumeBindingMode
#   pkg/apis/scheduling/v1/defaults_test.go  TestSetDefaultPreemptionPolicy

from __future__ import annotations

import copy

import pytest
import yaml

from kbench.api.defaults import default_object, effective_hpa_behavior, image_pull_policy
from kbench.api.kinds import KINDS
from kbench.api.validation import cron_schedule_error, prepare
from kbench.errors import ManifestError


def load(text: str) -> dict:
    return yaml.safe_load(text)


def run(text_or_doc) -> dict:
    doc = load(text_or_doc) if isinstance(text_or_doc, str) else text_or_doc
    return prepare(doc, KINDS[doc["kind"]])


def fails(text_or_doc) -> ManifestError:
    with pytest.raises(ManifestError) as info:
        run(text_or_doc)
    return info.value


# ---------------------------------------------------------------------------
# Examples from the Kubernetes documentation (kubernetes/website content/en/examples)
# ---------------------------------------------------------------------------

SIMPLE_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  containers:
  - name: nginx
    image: nginx:1.14.2
    ports:
    - containerPort: 80
"""

FRONTEND_REPLICASET = """\
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: frontend
  labels:
    app: guestbook
    tier: frontend
spec:
  # modify replicas according to your case
  replicas: 3
  selector:
    matchLabels:
      tier: frontend
  template:
    metadata:
      labels:
        tier: frontend
    spec:
      containers:
      - name: php-redis
        image: us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5
"""

NGINX_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
"""

PV_VOLUME = """\
apiVersion: v1
kind: PersistentVolume
metadata:
  name: task-pv-volume
  labels:
    type: local
spec:
  storageClassName: manual
  capacity:
    storage: 10Gi
  accessModes:
    - ReadWriteOnce
  hostPath:
    path: "/mnt/data"
"""

PV_CLAIM = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: task-pv-claim
spec:
  storageClassName: manual
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 3Gi
"""

SIMPLE_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: my-service
spec:
  selector:
    app.kubernetes.io/name: MyApp
  ports:
    - protocol: TCP
      port: 80
      targetPort: 9376
"""

PHP_APACHE_HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: php-apache
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: php-apache
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 50
"""

POD_TEMPLATE_DEFAULTS = {"dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "securityContext": {},
                         "terminationGracePeriodSeconds": 30, "schedulerName": "default-scheduler"}
CONTAINER_DEFAULTS = {"terminationMessagePath": "/dev/termination-log",
                      "terminationMessagePolicy": "File"}


def assert_pod_spec_defaults(spec: dict) -> None:
    for key, value in POD_TEMPLATE_DEFAULTS.items():
        assert spec[key] == value, key
    for container in spec["containers"]:
        for key, value in CONTAINER_DEFAULTS.items():
            assert container[key] == value, key


def test_simple_pod():
    pod = run(SIMPLE_POD)
    assert pod["metadata"]["namespace"] == "default"
    assert_pod_spec_defaults(pod["spec"])
    assert pod["spec"]["enableServiceLinks"] is True
    container = pod["spec"]["containers"][0]
    assert container["imagePullPolicy"] == "IfNotPresent"  # tagged 1.14.2
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert container["resources"] == {}


def test_frontend_replicaset():
    rs = run(FRONTEND_REPLICASET)
    assert rs["spec"]["replicas"] == 3
    assert rs["metadata"]["labels"] == {"app": "guestbook", "tier": "frontend"}
    assert_pod_spec_defaults(rs["spec"]["template"]["spec"])
    # enableServiceLinks is a Pod default (SetDefaults_Pod), not a template one.
    assert "enableServiceLinks" not in rs["spec"]["template"]["spec"]


def test_nginx_deployment():
    deploy = run(NGINX_DEPLOYMENT)
    spec = deploy["spec"]
    assert spec["replicas"] == 3
    assert spec["strategy"] == {"type": "RollingUpdate",
                                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    assert_pod_spec_defaults(spec["template"]["spec"])
    assert spec["template"]["spec"]["containers"][0]["ports"][0]["protocol"] == "TCP"


def test_pv_volume():
    pv = run(PV_VOLUME)
    assert "namespace" not in pv["metadata"]
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert pv["spec"]["volumeMode"] == "Filesystem"
    assert pv["spec"]["hostPath"] == {"path": "/mnt/data"}
    assert pv["status"] == {"phase": "Pending"}


def test_pv_claim():
    pvc = run(PV_CLAIM)
    assert pvc["metadata"]["namespace"] == "default"
    assert pvc["spec"]["volumeMode"] == "Filesystem"
    assert pvc["status"] == {"phase": "Pending"}


def test_simple_service():
    svc = run(SIMPLE_SERVICE)
    spec = svc["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["ports"] == [{"protocol": "TCP", "port": 80, "targetPort": 9376}]
    assert spec["ipFamilyPolicy"] == "SingleStack"
    assert spec["ipFamilies"] == ["IPv4"]
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert "externalTrafficPolicy" not in spec
    assert "clusterIP" not in spec  # allocated by the state layer, not by defaulting


def test_php_apache_hpa():
    hpa = run(PHP_APACHE_HPA)
    spec = hpa["spec"]
    assert spec["minReplicas"] == 1 and spec["maxReplicas"] == 10
    assert spec["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]
    assert "behavior" not in spec  # only a given behavior is filled in (v2 defaults.go)


def test_prepare_does_not_change_its_input():
    doc = load(NGINX_DEPLOYMENT)
    before = copy.deepcopy(doc)
    run(doc)
    assert doc == before


# ---------------------------------------------------------------------------
# Bad input: the field path and the value
# ---------------------------------------------------------------------------

def deployment(**changes) -> dict:
    doc = load(NGINX_DEPLOYMENT)
    for path, value in changes.items():
        target = doc
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[last] = value
    return doc


def test_bad_cpu_quantity():
    doc = load(NGINX_DEPLOYMENT)
    doc["spec"]["template"]["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "12x"}}
    error = fails(doc)
    assert error.field == "spec.template.spec.containers[0].resources.requests.cpu"
    assert error.value == "12x"
    assert "quantities must match the regular expression" in error.reason


def test_request_above_limit():
    doc = load(SIMPLE_POD)
    doc["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}
    error = fails(doc)
    assert error.field == "spec.containers[0].resources.requests"
    assert error.reason == 'Invalid value: "2": must be less than or equal to cpu limit of 1'


def test_missing_name():
    doc = load(SIMPLE_POD)
    del doc["metadata"]["name"]
    error = fails(doc)
    assert error.field == "metadata.name"
    assert error.reason == "Required value: name or generateName is required"


def test_generate_name_alone_is_accepted():
    doc = load(SIMPLE_POD)
    doc["metadata"] = {"generateName": "nginx-"}
    assert run(doc)["metadata"]["generateName"] == "nginx-"


def test_bad_name():
    doc = load(SIMPLE_POD)
    doc["metadata"]["name"] = "Nginx_1"
    error = fails(doc)
    assert error.field == "metadata.name" and error.value == "Nginx_1"
    assert "a lowercase RFC 1123 subdomain must consist of" in error.reason


def test_service_name_is_a_dns1035_label():
    doc = load(SIMPLE_SERVICE)
    doc["metadata"]["name"] = "1-service"
    error = fails(doc)
    assert error.field == "metadata.name"
    assert "a DNS-1035 label must consist of" in error.reason


def test_unknown_api_version():
    error = fails(deployment(apiVersion="apps/v1beta1"))
    assert error.field == "apiVersion" and error.value == "apps/v1beta1"
    assert error.reason.startswith('no matches for kind "Deployment" in version "apps/v1beta1"')


def test_selector_does_not_match_template_labels():
    doc = load(NGINX_DEPLOYMENT)
    doc["spec"]["template"]["metadata"]["labels"] = {"app": "web"}
    error = fails(doc)
    assert error.field == "spec.template.metadata.labels"
    assert error.value == {"app": "web"}
    assert "`selector` does not match template `labels`" in error.reason


def test_replicas_not_an_integer():
    error = fails(deployment(spec__replicas="three"))
    assert error.field == "spec.replicas" and error.value == "three"
    assert "must be an integer" in error.reason


def test_negative_replicas():
    error = fails(deployment(spec__replicas=-1))
    assert error.field == "spec.replicas"
    assert error.reason == "Invalid value: -1: must be greater than or equal to 0"


def test_containers_missing():
    doc = load(SIMPLE_POD)
    del doc["spec"]["containers"]
    error = fails(doc)
    assert error.field == "spec.containers" and error.reason == "Required value"


def test_container_image_missing():
    doc = load(NGINX_DEPLOYMENT)
    del doc["spec"]["template"]["spec"]["containers"][0]["image"]
    assert fails(doc).field == "spec.template.spec.containers[0].image"


def test_list_where_a_mapping_is_expected():
    doc = load(SIMPLE_POD)
    doc["spec"]["nodeSelector"] = ["disktype=ssd"]
    error = fails(doc)
    assert error.field == "spec.nodeSelector" and "must be a mapping" in error.reason


def test_bad_toleration_operator():
    doc = load(SIMPLE_POD)
    doc["spec"]["tolerations"] = [{"key": "gpu", "operator": "Equals", "value": "true",
                                   "effect": "NoSchedule"}]
    error = fails(doc)
    assert error.field == "spec.tolerations[0].operator" and error.value == "Equals"
    assert error.reason == 'Unsupported value: "Equals": supported values: "Equal", "Exists"'


def test_bad_container_port():
    doc = load(SIMPLE_POD)
    doc["spec"]["containers"][0]["ports"][0]["containerPort"] = 70000
    error = fails(doc)
    assert error.field == "spec.containers[0].ports[0].containerPort"
    assert error.reason == "Invalid value: 70000: must be between 1 and 65535, inclusive"


def test_bad_strategy_zero_and_zero():
    doc = load(NGINX_DEPLOYMENT)
    doc["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}
    error = fails(doc)
    assert error.field == "spec.strategy.rollingUpdate.maxUnavailable"
    assert "may not be 0 when `maxSurge` is 0" in error.reason


def test_bad_percent():
    doc = load(NGINX_DEPLOYMENT)
    doc["spec"]["strategy"] = {"rollingUpdate": {"maxSurge": "20Percent"}}
    error = fails(doc)
    assert error.field == "spec.strategy.rollingUpdate.maxSurge"
    assert "a valid percent string must be a numeric string followed by an ending '%'" in error.reason


def test_spread_constraint_and_affinity_errors():
    doc = load(SIMPLE_POD)
    doc["spec"]["topologySpreadConstraints"] = [{"maxSkew": 0, "topologyKey": "zone",
                                                 "whenUnsatisfiable": "DoNotSchedule"}]
    assert fails(doc).field == "spec.topologySpreadConstraints[0].maxSkew"
    doc["spec"]["topologySpreadConstraints"] = []
    doc["spec"]["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 101, "podAffinityTerm": {"topologyKey": "zone"}}]}}
    error = fails(doc)
    assert error.field == "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight"
    assert error.reason == "Invalid value: 101: must be in the range 1-100"
    doc["spec"]["affinity"] = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "db"}}}]}}
    error = fails(doc)
    assert error.field == "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey"
    assert error.reason == "Required value: can not be empty"


def test_job_template_needs_never_or_on_failure():
    # The template's restartPolicy is defaulted to Always, which a Job rejects (ValidateJobSpec).
    job = load("""\
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  template:
    spec:
      containers: [{name: pi, image: perl}]
""")
    error = fails(job)
    assert error.field == "spec.template.spec.restartPolicy"
    assert error.reason == 'Unsupported value: "Always": supported values: "OnFailure", "Never"'


CRON_JOB = """\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox:1.28
            command: [/bin/sh, -c, date; echo Hello from the Kubernetes cluster]
          restartPolicy: OnFailure
"""


def test_bad_cron():
    doc = load(CRON_JOB)
    doc["spec"]["schedule"] = "61 * * * *"
    error = fails(doc)
    assert error.field == "spec.schedule" and error.value == "61 * * * *"
    assert error.reason == 'Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'


@pytest.mark.parametrize("schedule", ["*/5 * * * *", "0 0 1 jan-jun mon-fri", "@hourly", "@every 1h30m",
                                      "0 0 * * ?", "5,10 1-3 */2 * SUN"])
def test_good_cron(schedule):
    assert cron_schedule_error(schedule) is None


@pytest.mark.parametrize("schedule, message", [
    ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
    ("* * * * 7", "end of range (7) above maximum (6): 7"),
    ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
    ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'),
    ("@fortnightly", "unrecognized descriptor: @fortnightly"),
])
def test_cron_errors(schedule, message):
    assert cron_schedule_error(schedule) == message


def test_cron_job_time_zone():
    doc = load(CRON_JOB)
    doc["spec"]["timeZone"] = "Mars/Olympus"
    assert fails(doc).field == "spec.timeZone"
    doc["spec"]["timeZone"] = "Etc/UTC"
    assert run(doc)["spec"]["timeZone"] == "Etc/UTC"


def test_hpa_max_below_min():
    doc = load(PHP_APACHE_HPA)
    doc["spec"]["minReplicas"] = 5
    doc["spec"]["maxReplicas"] = 2
    error = fails(doc)
    assert error.field == "spec.maxReplicas" and error.value == 2
    assert error.reason == "Invalid value: 2: must be greater than or equal to `minReplicas`"


def test_hpa_bad_policy():
    doc = load(PHP_APACHE_HPA)
    doc["spec"]["behavior"] = {"scaleDown": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 3600}]}}
    error = fails(doc)
    assert error.field == "spec.behavior.scaleDown.policies[0].periodSeconds"
    assert error.reason == "Invalid value: 3600: must be less than or equal to 1800"


def test_service_node_port_out_of_range():
    doc = load(SIMPLE_SERVICE)
    doc["spec"]["type"] = "NodePort"
    doc["spec"]["ports"][0]["nodePort"] = 80
    error = fails(doc)
    assert error.field == "spec.ports[0].nodePort" and error.value == 80
    assert "The range of valid ports is 30000-32767" in error.reason


def test_service_node_port_on_cluster_ip():
    doc = load(SIMPLE_SERVICE)
    doc["spec"]["ports"][0]["nodePort"] = 30080
    assert fails(doc).field == "spec.ports[0].nodePort"


def test_external_name_service():
    doc = load(SIMPLE_SERVICE)
    doc["spec"] = {"type": "ExternalName"}
    assert fails(doc).field == "spec.externalName"
    doc["spec"]["externalName"] = "my.database.example.com"
    svc = run(doc)
    assert "ipFamilyPolicy" not in svc["spec"]


def test_node_taint_needs_an_effect():
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
            "spec": {"taints": [{"key": "gpu", "value": "true"}]},
            "status": {"capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"}}}
    assert fails(node).field == "spec.taints[0].effect"
    node["spec"]["taints"][0]["effect"] = "NoSchedule"
    prepared = run(node)
    assert prepared["status"]["allocatable"] == {"cpu": "4", "memory": "16Gi", "pods": "110"}
    assert "namespace" not in prepared["metadata"]


def test_pvc_needs_storage():
    doc = load(PV_CLAIM)
    del doc["spec"]["resources"]
    assert fails(doc).field == "spec.resources.requests.storage"


def test_pdb_both_set():
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "zk"},
           "spec": {"minAvailable": 2, "maxUnavailable": 1, "selector": {"matchLabels": {"app": "zk"}}}}
    error = fails(pdb)
    assert error.field == "spec" and "cannot be both set" in error.reason


def test_bad_selector_operator():
    doc = load(NGINX_DEPLOYMENT)
    doc["spec"]["selector"] = {"matchExpressions": [{"key": "app", "operator": "Equals", "values": ["x"]}]}
    assert fails(doc).field == "spec.selector.matchExpressions[0].operator"


def test_ingress_backend_port_required():
    ingress = load("""\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: minimal-ingress}
spec:
  rules:
  - http:
      paths:
      - path: /testpath
        pathType: Prefix
        backend:
          service: {name: test}
""")
    assert fails(ingress).field == "spec.rules[0].http.paths[0].backend.service.port"
    ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"] = {"number": 80}
    assert "pathType" in run(ingress)["spec"]["rules"][0]["http"]["paths"][0]


def test_unmodelled_kind_checks_metadata_only():
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}}
    assert run(config) == {**config, "metadata": {"name": "cfg", "namespace": "default"}}
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "system:aggregate-to-edit", "namespace": "x"}, "rules": []}
    assert "namespace" not in run(role)["metadata"]


def test_label_value_must_be_a_string():
    doc = load(SIMPLE_POD)
    doc["metadata"]["labels"] = {"version": 1}
    error = fails(doc)
    assert error.field == "metadata.labels[version]" and "must be a string" in error.reason


# ---------------------------------------------------------------------------
# Defaults of each kind, as the Go default tests expect
# ---------------------------------------------------------------------------

def defaulted(doc: dict) -> dict:
    return default_object(doc, KINDS[doc["kind"]])


def test_deployment_defaults_recreate():
    # TestSetDefaultDeployment: Recreate gets no rollingUpdate.
    doc = load(NGINX_DEPLOYMENT)
    doc["spec"]["strategy"] = {"type": "Recreate"}
    del doc["spec"]["replicas"]
    out = defaulted(doc)
    assert out["spec"]["strategy"] == {"type": "Recreate"}
    assert out["spec"]["replicas"] == 1


def test_deployment_defaults_keep_given_values():
    # TestSetDefaultDeployment: custom maxSurge / revisionHistoryLimit / progressDeadlineSeconds stay.
    doc = load(NGINX_DEPLOYMENT)
    doc["spec"].update({"strategy": {"rollingUpdate": {"maxSurge": 5}}, "revisionHistoryLimit": 2,
                        "progressDeadlineSeconds": 30})
    out = defaulted(doc)["spec"]
    assert out["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 5, "maxUnavailable": "25%"}}
    assert (out["revisionHistoryLimit"], out["progressDeadlineSeconds"]) == (2, 30)


def test_replicaset_defaults():
    # TestSetDefaultReplicaSetReplicas; TestDefaultRequestIsNotSetForReplicaSet.
    doc = load(FRONTEND_REPLICASET)
    del doc["spec"]["replicas"]
    doc["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "100m"}}
    out = defaulted(doc)
    assert out["spec"]["replicas"] == 1
    assert "requests" not in out["spec"]["template"]["spec"]["containers"][0]["resources"]


def test_daemonset_defaults():
    # TestSetDefaultDaemonSetSpec
    ds = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "fluentd"},
          "spec": {"selector": {"matchLabels": {"name": "fluentd"}},
                   "template": {"metadata": {"labels": {"name": "fluentd"}},
                                "spec": {"containers": [{"name": "f", "image": "fluentd:v5"}]}}}}
    out = run(ds)["spec"]
    assert out["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert out["revisionHistoryLimit"] == 10
    assert_pod_spec_defaults(out["template"]["spec"])


def test_statefulset_defaults():
    # TestSetDefaultStatefulSet
    sts = load("""\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  selector: {matchLabels: {app: nginx}}
  serviceName: nginx
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
        volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
""")
    out = run(sts)["spec"]
    assert out["replicas"] == 1
    assert out["podManagementPolicy"] == "OrderedReady"
    assert out["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert out["revisionHistoryLimit"] == 10
    assert out["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert out["volumeClaimTemplates"][0]["spec"]["volumeMode"] == "Filesystem"


@pytest.mark.parametrize("given, completions, parallelism", [
    ({}, 1, 1),                                   # "both unspecified -> sets both to 1"
    ({"completions": 2}, 2, 1),                   # "parallelism unspecified -> 1"
    ({"parallelism": 2}, None, 2),                # "completions unspecified -> stays nil"
    ({"completions": 4, "parallelism": 3}, 4, 3),
])
def test_job_defaults(given, completions, parallelism):
    # TestSetDefaultJob
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
           "spec": {**given, "template": {"metadata": {"labels": {"default": "default"}},
                                          "spec": {"restartPolicy": "Never",
                                                   "containers": [{"name": "pi", "image": "perl:5.34.0"}]}}}}
    out = run(job)
    spec = out["spec"]
    assert spec.get("completions") == completions and spec["parallelism"] == parallelism
    assert spec["backoffLimit"] == 6
    assert spec["completionMode"] == "NonIndexed"
    assert spec["suspend"] is False and spec["manualSelector"] is False
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    assert out["metadata"]["labels"] == {"default": "default"}  # expectLabels


def test_cron_job_defaults():
    # TestSetDefaultCronJob
    spec = run(CRON_JOB)["spec"]
    assert spec["concurrencyPolicy"] == "Allow"
    assert spec["suspend"] is False
    assert (spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == (3, 1)
    assert "backoffLimit" not in spec["jobTemplate"]["spec"]  # SetDefaults_Job takes a Job only


def test_hpa_defaults():
    # SetDefaults_HorizontalPodAutoscaler: minReplicas 1, CPU 80% when no metrics.
    hpa = load(PHP_APACHE_HPA)
    del hpa["spec"]["minReplicas"], hpa["spec"]["metrics"]
    spec = run(hpa)["spec"]
    assert spec["minReplicas"] == 1
    assert spec["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]


def test_hpa_behavior_defaults():
    # TestGenerateScaleUpRules / TestGenerateScaleDownRules "Default values", and a partial scaleDown.
    hpa = load(PHP_APACHE_HPA)
    hpa["spec"]["behavior"] = {"scaleDown": {"stabilizationWindowSeconds": 60}}
    behavior = run(hpa)["spec"]["behavior"]
    assert behavior["scaleUp"] == {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 15}]}
    assert behavior["scaleDown"] == {"stabilizationWindowSeconds": 60, "selectPolicy": "Max",
                                     "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}
    effective = effective_hpa_behavior({})
    assert effective["scaleDown"]["stabilizationWindowSeconds"] == 300


def test_hpa_v1_is_converted():
    hpa = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "php-apache"},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "php-apache"},
                    "minReplicas": 1, "maxReplicas": 10, "targetCPUUtilizationPercentage": 50}}
    out = run(hpa)
    assert out["apiVersion"] == "autoscaling/v2"
    assert "targetCPUUtilizationPercentage" not in out["spec"]
    assert out["spec"]["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]
    hpa["spec"]["targetCPUUtilizationPercentage"] = "50%"
    assert fails(hpa).field == "spec.targetCPUUtilizationPercentage"


def test_service_defaults():
    # TestSetDefaultService, TestSetDefaultServiceTargetPort, NodePort externalTrafficPolicy.
    doc = load(SIMPLE_SERVICE)
    doc["spec"]["ports"] = [{"port": 1234}]
    doc["spec"]["type"] = "LoadBalancer"
    spec = run(doc)["spec"]
    assert spec["ports"] == [{"port": 1234, "protocol": "TCP", "targetPort": 1234}]
    assert spec["externalTrafficPolicy"] == "Cluster"
    assert spec["allocateLoadBalancerNodePorts"] is True
    assert "nodePort" not in spec["ports"][0]


def test_headless_selectorless_service_is_dual_stack():
    # alloc.go initIPFamilyFields: "headless + selectorless defaults to dual".
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"}, "spec": {"clusterIP": "None"}}
    spec = run(svc)["spec"]
    assert spec["ipFamilyPolicy"] == "RequireDualStack" and spec["ipFamilies"] == ["IPv4", "IPv6"]


def test_pod_defaults():
    # TestSetDefaultRequestsPod, TestSetDefaultProbe, TestSetDefaultPodSpecHostNetwork.
    doc = load(SIMPLE_POD)
    container = doc["spec"]["containers"][0]
    container["image"] = "nginx"
    container["resources"] = {"limits": {"cpu": "100m", "memory": "1Gi"}, "requests": {"memory": "512Mi"}}
    container["livenessProbe"] = {"httpGet": {"port": 80}}
    doc["spec"]["hostNetwork"] = True
    out = run(doc)["spec"]
    container = out["containers"][0]
    assert container["imagePullPolicy"] == "Always"  # no tag means :latest
    assert container["resources"]["requests"] == {"memory": "512Mi", "cpu": "100m"}
    assert container["livenessProbe"] == {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
                                          "timeoutSeconds": 1, "periodSeconds": 10,
                                          "successThreshold": 1, "failureThreshold": 3}
    assert container["ports"][0]["hostPort"] == 80
    assert "tolerations" not in out


def test_image_pull_policy():
    assert image_pull_policy("nginx:latest") == "Always"
    assert image_pull_policy("localhost:5000/nginx") == "Always"
    assert image_pull_policy("nginx:1.14.2") == "IfNotPresent"
    assert image_pull_policy("nginx@sha256:" + "a" * 64) == "IfNotPresent"


def test_storage_and_scheduling_defaults():
    # TestSetDefaultVolumeBindingMode, TestSetDefaultPreemptionPolicy.
    sc = run({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "standard"},
              "provisioner": "kubernetes.io/no-provisioner"})
    assert (sc["reclaimPolicy"], sc["volumeBindingMode"]) == ("Delete", "Immediate")
    pc = run({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"},
              "value": 1000000})
    assert pc["preemptionPolicy"] == "PreemptLowerPriority"
    with pytest.raises(ManifestError) as info:
        run({**pc, "value": 2000000000})
    assert info.value.field == "value"


def test_namespace_defaults():
    # TestSetDefaultNamespace + SetDefaults_Namespace's metadata.name label.
    ns = run({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    assert ns["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}
    assert ns["status"] == {"phase": "Active"}
    assert "namespace" not in ns["metadata"]
