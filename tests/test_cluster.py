"""kbench.Cluster: apply real manifests, read them back, list, delete, tables, snapshots."""

import textwrap

import pandas
import polars
import pytest
from hypothesis import given, settings, strategies as st

from kbench import Cluster, ManifestError, NotFoundError
from kbench.api.objects import Deployment, Pod

DEPLOYMENT = textwrap.dedent("""
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: nginx-deployment
      labels: {app: nginx}
    spec:
      replicas: 3
      selector: {matchLabels: {app: nginx}}
      template:
        metadata: {labels: {app: nginx}}
        spec:
          containers:
          - name: nginx
            image: nginx:1.14.2
            ports: [{containerPort: 80}]
    """)

NODE = {"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "n1", "labels": {"topology.kubernetes.io/zone": "a"}},
        "status": {"capacity": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "2"}}}


def pod(name, node=None, cpu="500m", memory="1Gi", labels=None, **spec):
    container = {"name": "c", "image": "busybox:1.36",
                 "resources": {"requests": {"cpu": cpu, "memory": memory}}}
    manifest = {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "labels": labels or {"app": "web"}},
                "spec": {"containers": [container], **spec}}
    if node:
        manifest["spec"]["nodeName"] = node
    return manifest


def test_documentation_examples_apply_and_read_back(quickstart):
    cluster = Cluster.from_manifests([quickstart])
    deployment = cluster.get("deploy", "nginx-deployment")
    assert isinstance(deployment, Deployment)
    assert deployment.spec.replicas == 3
    assert deployment.spec.template.spec.containers[0].image == "nginx:1.14.2"
    # Kubernetes' defaults (pkg/apis/apps/v1/defaults.go)
    assert deployment.spec.strategy.type == "RollingUpdate"
    assert deployment.spec.strategy.rollingUpdate == {"maxSurge": "25%", "maxUnavailable": "25%"}
    assert deployment.spec.revisionHistoryLimit == 10
    assert deployment.spec.progressDeadlineSeconds == 600
    rs = cluster.get("rs", "frontend")
    assert rs.spec.replicas == 3 and rs.spec.selector.matchLabels == {"tier": "frontend"}
    hpa = cluster.get("hpa", "php-apache")
    assert hpa.spec.maxReplicas == 10 and hpa.spec.minReplicas == 1
    assert hpa.spec.metrics[0].resource.target.averageUtilization == 50
    service = cluster.get("svc", "my-service")
    assert service.spec.type == "ClusterIP" and service.spec.clusterIP.startswith("10.96.")
    assert service.spec.ports[0].targetPort == 9376
    assert cluster.get("svc", "nginx-nodeport").spec.ports[0].nodePort == 30007
    assert 30000 <= cluster.get("svc", "nginx-lb").spec.ports[0].nodePort <= 32767
    pv = cluster.get("pv", "task-pv-volume", namespace=None)
    assert pv.spec.persistentVolumeReclaimPolicy == "Retain"
    assert pv.spec.capacity.storage == "10Gi" and pv.status.phase == "Available"
    pvc = cluster.get("pvc", "task-pv-claim")
    assert pvc.spec.resources.requests.storage == "3Gi" and pvc.status.phase == "Pending"
    nginx = cluster.get("po", "nginx")
    assert isinstance(nginx, Pod) and nginx.spec.containers[0].ports[0].containerPort == 80
    assert nginx.status.phase == "Pending" and nginx.status.qosClass == "BestEffort"


def test_documentation_examples_round_trip_through_a_snapshot(quickstart, tmp_path):
    cluster = Cluster.from_manifests([quickstart])
    cluster.snapshot(tmp_path / "snap")
    restored = Cluster.restore(tmp_path / "snap")
    assert restored == cluster
    for kind in ("deploy", "rs", "hpa", "svc", "pvc", "po", "no", "pv"):
        assert [o.to_dict() for o in restored.list(kind)] == [o.to_dict() for o in cluster.list(kind)]


def test_kinds_accept_kubectl_plural_and_short_names():
    cluster = Cluster()
    cluster.apply(DEPLOYMENT)
    names = ["deployments", "deployment", "deploy", "Deployment", "deployments.apps"]
    assert {cluster.get(name, "nginx-deployment").name for name in names} == {"nginx-deployment"}
    assert [ns.name for ns in cluster.list("ns")] == ["default", "kube-system", "kube-public",
                                                      "kube-node-lease"]


def test_apply_returns_kubectl_messages_and_is_idempotent():
    cluster = Cluster()
    assert [str(r) for r in cluster.apply(DEPLOYMENT)] == ["deployment.apps/nginx-deployment created"]
    assert [str(r) for r in cluster.apply(DEPLOYMENT)] == [
        "deployment.apps/nginx-deployment unchanged"]
    changed = DEPLOYMENT.replace("replicas: 3", "replicas: 5")
    assert [str(r) for r in cluster.apply(changed)] == [
        "deployment.apps/nginx-deployment configured"]
    deployment = cluster.get("deploy", "nginx-deployment")
    assert deployment.spec.replicas == 5 and deployment.metadata.generation == 2


def test_apply_accepts_path_text_dict_object_json_and_list(tmp_path):
    file = tmp_path / "deploy.yaml"
    file.write_text(DEPLOYMENT)
    cluster = Cluster()
    cluster.apply(file)
    cluster.apply(NODE)
    cluster.apply(Pod(pod("p1")))
    cluster.apply('{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}')
    cluster.apply({"apiVersion": "v1", "kind": "List", "items": [pod("p2"), pod("p3")]})
    assert {p.name for p in cluster.list("pods")} == {"p1", "p2", "p3"}
    assert cluster.get("ns", "team").name == "team"


def test_requests_resources_and_node_totals():
    cluster = Cluster()
    cluster.apply([NODE, pod("a", node="n1", cpu="250m", memory="1Gi"),
                   pod("b", node="n1", cpu="0.5", memory="512Mi"),
                   pod("c", cpu="1")])
    state = cluster.state
    assert state.resources == ["cpu", "memory", "ephemeral-storage", "pods", "nvidia.com/gpu"]
    node = state.find("nodes", "n1")
    # 250m + 500m; 1Gi + 512Mi; two pods
    assert state.tables["nodes"]["requested"][node].tolist() == [750, 1610612736, 0, 2, 0]
    assert state.tables["nodes"]["allocatable"][node].tolist() == [4000, 17179869184, 0, 110, 2]
    cluster.delete("pod", "a")  # bound: Terminating, its requests held until it stops
    assert cluster.get("pod", "a").metadata.deletionTimestamp is not None
    assert state.tables["nodes"]["requested"][node].tolist() == [750, 1610612736, 0, 2, 0]
    cluster.step("2s")  # containers stop after KubeletConfig.shutdown_seconds (1 s)
    assert state.find("pods", "a") < 0
    # a's 250m and 1Gi are back; the pending c (1 cpu, 1Gi) was scheduled meanwhile
    assert cluster.get("pod", "c").spec.nodeName == "n1"
    assert state.tables["nodes"]["requested"][node].tolist() == [1500, 1610612736, 0, 2, 0]


def test_requests_default_from_limits_and_pods_bind_to_nodes_applied_later():
    cluster = Cluster()
    limits_only = pod("g", node="late")
    limits_only["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "2", "memory": "1Gi"}}
    cluster.apply(limits_only)
    got = cluster.get("pod", "g")
    assert got.spec.containers[0].resources.requests == {"cpu": "2", "memory": "1Gi"}
    assert got.status.qosClass == "Guaranteed"
    cluster.apply({**NODE, "metadata": {"name": "late"}})
    node = cluster.state.find("nodes", "late")
    assert cluster.state.tables["nodes"]["requested"][node][:2].tolist() == [2000, 1 << 30]


def test_list_by_namespace_and_selector():
    cluster = Cluster()
    cluster.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}},
                   pod("a", labels={"app": "web", "tier": "fe"}),
                   pod("b", labels={"app": "db"}),
                   {**pod("c", labels={"app": "web"}), "metadata": {
                       "name": "c", "namespace": "prod", "labels": {"app": "web"}}}])
    assert {p.name for p in cluster.list("po", selector="app=web")} == {"a", "c"}
    assert {p.name for p in cluster.list("po", namespace="default", selector="app=web")} == {"a"}
    assert {p.name for p in cluster.list("po", selector="app in (web,db),tier!=fe")} == {"b", "c"}
    assert {p.name for p in cluster.list("po", selector={"matchLabels": {"app": "db"}})} == {"b"}
    assert cluster.list("po", namespace="prod")[0].namespace == "prod"


def test_delete_and_not_found():
    cluster = Cluster()
    cluster.apply(DEPLOYMENT)
    cluster.delete("deploy", "nginx-deployment")
    with pytest.raises(NotFoundError, match='deployments.apps "nginx-deployment" not found'):
        cluster.get("deploy", "nginx-deployment")
    with pytest.raises(NotFoundError):
        cluster.delete("deploy", "nginx-deployment")
    cluster.apply(DEPLOYMENT)  # the name can be used again
    assert cluster.get("deploy", "nginx-deployment").spec.replicas == 3


def test_deleting_a_namespace_deletes_its_objects():
    cluster = Cluster()
    cluster.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "tmp"}},
                   {**pod("x"), "metadata": {"name": "x", "namespace": "tmp"}}])
    cluster.delete("ns", "tmp", namespace=None)
    assert cluster.list("po", namespace="tmp") == []


def test_unmodelled_kinds_are_stored_and_same_names_of_different_kinds_coexist():
    cluster = Cluster()
    cluster.apply([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app"},
                    "data": {"k": "v"}},
                   {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "app"},
                    "stringData": {"password": "x"}},
                   {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                    "metadata": {"name": "reader"}, "rules": []}])
    assert cluster.get("cm", "app").fields["data"] == {"k": "v"}
    assert cluster.get("secret", "app").fields["stringData"] == {"password": "x"}
    assert cluster.get("clusterrole", "reader", namespace=None).name == "reader"
    assert len(cluster.list("configmaps")) == 1


def test_unknown_kinds_only_with_allow_unknown():
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
              "spec": {"size": 3}}
    with pytest.raises(ManifestError, match='no matches for kind "Widget"'):
        Cluster().apply(widget)
    cluster = Cluster()
    cluster.apply(widget, allow_unknown=True)
    assert cluster.tables()["others"].column("kind").to_pylist() == ["Widget"]


def test_tables_are_arrow_with_pandas_and_polars_conveniences():
    cluster = Cluster()
    cluster.apply([NODE, pod("a", node="n1")])
    tables = cluster.tables()
    assert tables["pods"].column("name").to_pylist() == ["a"]
    assert tables["po"].num_rows == 1
    frame = tables.to_pandas("pods")
    assert isinstance(frame, pandas.DataFrame) and frame["node_name"].astype(str)[0] == "n1"
    nodes = tables.to_polars("nodes")
    assert isinstance(nodes, polars.DataFrame)
    assert nodes["requested_cpu_milli"].to_list() == [500]


def test_priority_class_resolves_priority_and_unknown_class_is_an_error():
    cluster = Cluster()
    cluster.apply([{"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                    "metadata": {"name": "high"}, "value": 1000},
                   pod("p", priorityClassName="high"),
                   pod("q", priorityClassName="system-node-critical")])
    assert cluster.get("po", "p").spec.priority == 1000
    assert cluster.get("po", "q").spec.priority == 2000001000
    with pytest.raises(ManifestError, match="no PriorityClass with name nope was found"):
        cluster.apply(pod("r", priorityClassName="nope"))


def test_generate_name_is_deterministic():
    def names(seed):
        cluster = Cluster(seed=seed)
        manifest = pod("x")
        manifest["metadata"] = {"generateName": "job-"}
        cluster.apply([manifest, dict(manifest)])
        return [p.name for p in cluster.list("po")]
    first = names(1)
    assert first == names(1) and first != names(2)
    assert all(name.startswith("job-") and len(name) == 9 for name in first)


label_values = st.sampled_from(["web", "db", "cache"])
quantities = st.sampled_from(["100m", "0.5", "1", "250m", "2"])
memories = st.sampled_from(["64Mi", "1Gi", "500M", "128974848"])


@settings(max_examples=25, deadline=None)
@given(pods=st.lists(st.tuples(label_values, quantities, memories, st.booleans()), max_size=8),
       replicas=st.lists(st.integers(0, 20), max_size=3), gpus=st.integers(0, 8),
       seed=st.integers(0, 1000))
def test_snapshot_identity_of_applied_manifests(tmp_path_factory, pods, replicas, gpus, seed):
    """Property: any applied cluster restores equal, object for object."""
    cluster = Cluster(seed=seed)
    node = {**NODE, "status": {"capacity": {"cpu": "8", "memory": "32Gi",
                                            "nvidia.com/gpu": str(gpus)}}}
    manifests = [node]
    for i, (app, cpu, memory, bound) in enumerate(pods):
        manifests.append(pod(f"p{i}", node="n1" if bound else None, cpu=cpu, memory=memory,
                             labels={"app": app}))
    for i, count in enumerate(replicas):
        manifests.append(DEPLOYMENT.replace("replicas: 3", f"replicas: {count}")
                         .replace("name: nginx-deployment", f"name: d{i}"))
    cluster.apply(manifests)
    folder = tmp_path_factory.mktemp("snap") / "s"
    cluster.snapshot(folder)
    restored = Cluster.restore(folder)
    assert restored == cluster
    for kind in ("pods", "nodes", "deployments"):
        assert [o.to_dict() for o in restored.list(kind)] == [o.to_dict() for o in cluster.list(kind)]
