"""Bad manifests: a ManifestError naming file, document, field path and value; nothing applied."""

import textwrap

import pytest

from kbench import Cluster, ManifestError
from kbench.errors import SnapshotError

GOOD_POD = textwrap.dedent("""
    apiVersion: v1
    kind: Pod
    metadata: {name: ok}
    spec:
      containers: [{name: c, image: nginx}]
    """)


def deployment(cpu="100m", replicas="3", selector="web", template="web", kind="Deployment",
               api="apps/v1", name="web"):
    return textwrap.dedent(f"""
        apiVersion: {api}
        kind: {kind}
        metadata: {{name: {name}}}
        spec:
          replicas: {replicas}
          selector: {{matchLabels: {{app: {selector}}}}}
          template:
            metadata: {{labels: {{app: {template}}}}}
            spec:
              containers:
              - name: c
                image: nginx
                resources: {{requests: {{cpu: {cpu}}}}}
        """)


def apply_file(tmp_path, text):
    file = tmp_path / "multi.yaml"
    file.write_text(text)
    cluster = Cluster()
    before = cluster.tables()
    with pytest.raises(ManifestError) as caught:
        cluster.apply(file)
    after = cluster.tables()
    assert all(before[name].equals(after[name]) for name in before), "half-applied"
    return caught.value, file


def test_bad_quantity_names_file_document_field_and_value(tmp_path):
    error, file = apply_file(tmp_path, GOOD_POD + "---" + deployment(cpu="12x"))
    assert error.source == str(file) and error.document == 2
    assert error.field == "spec.template.spec.containers[0].resources.requests.cpu"
    assert error.value == "12x"
    assert str(error).startswith(f"{file}: document 2: Deployment/web: "
                                 "spec.template.spec.containers[0].resources.requests.cpu: "
                                 'Invalid value: "12x": ')
    assert isinstance(error, ValueError)


def test_unknown_kind_is_an_error_with_a_suggestion(tmp_path):
    error, _ = apply_file(tmp_path, GOOD_POD + "---" + deployment(kind="Deploymnet"))
    assert error.field == "kind" and error.value == "Deploymnet" and error.document == 2
    assert "did you mean Deployment?" in str(error)


def test_unknown_api_version(tmp_path):
    error, _ = apply_file(tmp_path, deployment(api="apps/v1beta1"))
    assert error.field == "apiVersion" and error.value == "apps/v1beta1"


def test_missing_name(tmp_path):
    error, _ = apply_file(tmp_path, GOOD_POD.replace("metadata: {name: ok}", "metadata: {}"))
    assert error.field == "metadata.name" and "Required value" in str(error)


def test_selector_must_match_template_labels(tmp_path):
    error, _ = apply_file(tmp_path, deployment(selector="web", template="api"))
    assert error.field == "spec.template.metadata.labels"
    assert "`selector` does not match template `labels`" in str(error)


def test_duplicate_names_in_one_apply(tmp_path):
    error, file = apply_file(tmp_path, deployment() + "---" + GOOD_POD + "---" + deployment())
    assert error.document == 3 and error.field == "metadata.name" and error.value == "web"
    assert "duplicate" in str(error) and f"{file} document 1" in str(error)


def test_wrong_type(tmp_path):
    error, _ = apply_file(tmp_path, deployment(replicas='"three"'))
    assert error.field == "spec.replicas" and error.value == "three"


def test_not_a_mapping_and_invalid_yaml(tmp_path):
    error, _ = apply_file(tmp_path, GOOD_POD + "---\n- just\n- a list\n")
    assert error.document == 2 and "must be a mapping" in str(error)
    error, _ = apply_file(tmp_path, GOOD_POD + "---\nkind: Pod\n  bad: indent\n")
    assert "invalid YAML at line" in str(error)


def test_missing_namespace(tmp_path):
    error, _ = apply_file(tmp_path, GOOD_POD.replace("{name: ok}", "{name: ok, namespace: nope}"))
    assert error.field == "metadata.namespace" and 'namespaces "nope" not found' in str(error)


def test_error_inside_a_list_names_the_item(tmp_path):
    text = textwrap.dedent("""
        apiVersion: v1
        kind: List
        items:
        - {apiVersion: v1, kind: Namespace, metadata: {name: a}}
        - {apiVersion: v1, kind: Pod, metadata: {name: p},
           spec: {containers: [{name: c, image: x, resources: {limits: {memory: 1Qi}}}]}}
        """)
    error, _ = apply_file(tmp_path, text)
    assert error.field == "items[1].spec.containers[0].resources.limits.memory"


def test_missing_file():
    with pytest.raises(ManifestError, match="no such file"):
        Cluster().apply("does/not/exist.yaml")


def test_taken_cluster_ip_and_node_port():
    cluster = Cluster()
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"},
               "spec": {"type": "NodePort", "clusterIP": "10.96.0.50",
                        "ports": [{"port": 80, "nodePort": 30080}]}}
    cluster.apply(service)
    clash = {**service, "metadata": {"name": "b"}}
    with pytest.raises(ManifestError, match="provided IP is already allocated"):
        cluster.apply(clash)
    clash["spec"] = {**service["spec"], "clusterIP": "10.96.0.51"}
    with pytest.raises(ManifestError, match="provided port is already allocated"):
        cluster.apply(clash)


def test_pod_spec_is_immutable_but_for_images():
    cluster = Cluster()
    cluster.apply(GOOD_POD)
    cluster.apply(GOOD_POD.replace("image: nginx", "image: nginx:1.27"))
    assert cluster.get("po", "ok").spec.containers[0].image == "nginx:1.27"
    with pytest.raises(ManifestError, match="Forbidden: pod updates"):
        cluster.apply(GOOD_POD.replace("name: c,", "name: d,"))


def test_restore_of_something_that_is_not_a_snapshot(tmp_path):
    (tmp_path / "x").mkdir()
    with pytest.raises(SnapshotError, match="not a kbench snapshot"):
        Cluster.restore(tmp_path / "x")
