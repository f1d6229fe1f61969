"""VolumeZone PreFilter + Filter, ported from volume_zone_test.go (Kubernetes v1.33):
TestSingleZone, TestMultiZone and TestWithBinding, plus the cases their listers hold but no
case uses (a claim bound to a missing PV), several nodes at once, and an end-to-end run.

Go's fixtures, made valid for the API server: names are RFC 1123 ("Vol_1" -> "vol-1", "PVC_1"
-> "pvc-1", "pod_1" -> "pod-1"); claims request 1Gi ReadWriteOnce, PVs hold 1Gi on a hostPath.
Not-found messages are the informer listers' (kube-scheduler's), not Go's fake listers':
``storageclass.storage.k8s.io "x" not found`` where the test's fake says ``storageclasses``.
A StorageClass without volumeBindingMode is defaulted to Immediate by the API server, so
Go's "VolumeBindingMode not set" case is checked against the reference only.
"""

import copy

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from reference.framework import Status
from scheduler.builders import make_node, make_pod, not_helpful

UNRESOLVABLE = "UnschedulableAndUnresolvable"
CONFLICT = "node(s) had no available volume zone"
BETA_ZONE = "failure-domain.beta.kubernetes.io/zone"
BETA_REGION = "failure-domain.beta.kubernetes.io/region"
ZONE = "topology.kubernetes.io/zone"
REGION = "topology.kubernetes.io/region"


def pv(name, **labels):
    return {"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "labels": labels},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                     "hostPath": {"path": f"/mnt/{name}"}}}


def pvc(name, volume=None, class_name=None):
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
             "metadata": {"name": name, "namespace": "default"},
             "spec": {"accessModes": ["ReadWriteOnce"],
                      "resources": {"requests": {"storage": "1Gi"}}}}
    if volume is not None:
        claim["spec"]["volumeName"] = volume
    if class_name is not None:
        claim["spec"]["storageClassName"] = class_name
    return claim


def storage_class(name, mode):
    sc = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": name},
          "provisioner": "kubernetes.io/no-provisioner"}
    if mode is not None:
        sc["volumeBindingMode"] = mode
    return sc


def node(name="host1", **labels):
    return make_node(name).labels(labels).obj()


def pod(*claims):
    """createPodWithVolume("pod_1", claim)."""
    builder = make_pod("pod-1")
    for claim in claims:
        builder = builder.pvc(claim)
    return builder.obj()


# TestSingleZone's listers
SINGLE_PVS = [
    pv("vol-1", **{BETA_ZONE: "us-west1-a"}),
    pv("vol-2", **{BETA_REGION: "us-west1", "uselessLabel": "none"}),
    pv("vol-3", **{BETA_REGION: "us-west1"}),
    pv("vol-stable-1", **{ZONE: "us-west1-a"}),
    pv("vol-stable-2", **{REGION: "us-west1", "uselessLabel": "none"}),
    pv("vol-stable-3", **{ZONE: "us-west1-a", REGION: "us-west1-a"}),
]
SINGLE_PVCS = [pvc("pvc-1", "vol-1"), pvc("pvc-2", "vol-2"), pvc("pvc-3", "vol-3"),
               pvc("pvc-4", "vol-not-exist"), pvc("pvc-stable-1", "vol-stable-1"),
               pvc("pvc-stable-2", "vol-stable-2"), pvc("pvc-stable-3", "vol-stable-3")]

# TestMultiZone's listers
MULTI_PVS = [
    pv("vol-1", **{BETA_ZONE: "us-west1-a"}),
    pv("vol-2", **{BETA_ZONE: "us-west1-b", "uselessLabel": "none"}),
    pv("vol-3", **{BETA_ZONE: "us-west1-c__us-west1-a"}),
    pv("vol-stable-1", **{ZONE: "us-west1-a"}),
    pv("vol-stable-2", **{ZONE: "us-west1-c__us-west1-a"}),
]
MULTI_PVCS = [pvc("pvc-1", "vol-1"), pvc("pvc-2", "vol-2"), pvc("pvc-3", "vol-3"),
              pvc("pvc-4", "vol-not-exist"), pvc("pvc-stable-1", "vol-stable-1"),
              pvc("pvc-stable-2", "vol-stable-2")]

# TestWithBinding's listers (Go's "Class_Immediate" has no volumeBindingMode, which the API
# server defaults to Immediate: here it is Immediate, see test_binding_mode_not_set)
BINDING_CLASSES = [storage_class("class-immediate", "Immediate"),
                   storage_class("class-wait", "WaitForFirstConsumer")]
BINDING_PVS = [pv("vol-1", **{BETA_ZONE: "us-west1-a"})]
BINDING_PVCS = [pvc("pvc-1", "vol-1"), pvc("pvc-nosc", class_name="class-0"),
                pvc("pvc-emptysc"), pvc("pvc-waitsc", class_name="class-wait"),
                pvc("pvc-immediatesc", class_name="class-immediate")]
BINDING_NODE = node(**{BETA_ZONE: "us-west1-a", "uselessLabel": "none"})


def fails(reason=CONFLICT):
    return (UNRESOLVABLE, [reason])


# (name, pod, nodes, pvs, pvcs, classes, want: {node: None | (code, reasons)})
CASES = [
    # -- TestSingleZone --
    ("single: pod without volume", make_pod("pod-1").obj(), [node(**{BETA_ZONE: "us-west1-a"})],
     SINGLE_PVS, SINGLE_PVCS, [], {"host1": None}),
    ("single: node without labels", pod("pvc-1"), [node()], SINGLE_PVS, SINGLE_PVCS, [],
     {"host1": None}),
    ("single: beta zone label matched", pod("pvc-1"),
     [node(**{BETA_ZONE: "us-west1-a", "uselessLabel": "none"})], SINGLE_PVS, SINGLE_PVCS, [],
     {"host1": None}),
    ("single: beta region label matched", pod("pvc-2"),
     [node(**{BETA_REGION: "us-west1", "uselessLabel": "none"})], SINGLE_PVS, SINGLE_PVCS, [],
     {"host1": None}),
    ("single: beta region label doesn't match", pod("pvc-2"),
     [node(**{BETA_REGION: "no_us-west1", "uselessLabel": "none"})], SINGLE_PVS, SINGLE_PVCS,
     [], {"host1": fails()}),
    ("single: beta zone label doesn't match", pod("pvc-1"),
     [node(**{BETA_ZONE: "no_us-west1-a", "uselessLabel": "none"})], SINGLE_PVS, SINGLE_PVCS,
     [], {"host1": fails()}),
    ("single: zone label matched", pod("pvc-stable-1"),
     [node(**{ZONE: "us-west1-a", "uselessLabel": "none"})], SINGLE_PVS, SINGLE_PVCS, [],
     {"host1": None}),
    ("single: region label matched", pod("pvc-stable-2"),
     [node(**{REGION: "us-west1", "uselessLabel": "none"})], SINGLE_PVS, SINGLE_PVCS, [],
     {"host1": None}),
    ("single: region label doesn't match", pod("pvc-stable-2"),
     [node(**{REGION: "no_us-west1", "uselessLabel": "none"})], SINGLE_PVS, SINGLE_PVCS, [],
     {"host1": fails()}),
    ("single: zone label doesn't match", pod("pvc-stable-1"),
     [node(**{ZONE: "no_us-west1-a", "uselessLabel": "none"})], SINGLE_PVS, SINGLE_PVCS, [],
     {"host1": fails()}),
    ("single: pv with zone and region, node with only zone", pod("pvc-stable-3"),
     [node(**{ZONE: "us-west1-a"})], SINGLE_PVS, SINGLE_PVCS, [], {"host1": fails()}),
    ("single: pv with zone,node with beta zone", pod("pvc-stable-1"),
     [node(**{BETA_ZONE: "us-west1-a"})], SINGLE_PVS, SINGLE_PVCS, [], {"host1": fails()}),
    ("single: pv with beta label,node with ga label, matched", pod("pvc-1"),
     [node(**{ZONE: "us-west1-a"})], SINGLE_PVS, SINGLE_PVCS, [], {"host1": None}),
    ("single: pv with beta label,node with ga label, don't match", pod("pvc-1"),
     [node(**{ZONE: "us-west1-b"})], SINGLE_PVS, SINGLE_PVCS, [], {"host1": fails()}),
    # -- TestMultiZone --
    ("multi: node without labels", pod("pvc-3"), [node()], MULTI_PVS, MULTI_PVCS, [],
     {"host1": None}),
    ("multi: beta zone label matched", pod("pvc-3"),
     [node(**{BETA_ZONE: "us-west1-a", "uselessLabel": "none"})], MULTI_PVS, MULTI_PVCS, [],
     {"host1": None}),
    ("multi: beta zone label doesn't match", pod("pvc-1"),
     [node(**{BETA_ZONE: "us-west1-b", "uselessLabel": "none"})], MULTI_PVS, MULTI_PVCS, [],
     {"host1": fails()}),
    ("multi: zone label matched", pod("pvc-stable-2"),
     [node(**{ZONE: "us-west1-a", "uselessLabel": "none"})], MULTI_PVS, MULTI_PVCS, [],
     {"host1": None}),
    ("multi: zone label doesn't match", pod("pvc-stable-1"),
     [node(**{ZONE: "us-west1-b", "uselessLabel": "none"})], MULTI_PVS, MULTI_PVCS, [],
     {"host1": fails()}),
    # -- TestWithBinding --
    ("binding: label zone failure domain matched", pod("pvc-1"), [BINDING_NODE],
     BINDING_PVS, BINDING_PVCS, BINDING_CLASSES, {"host1": None}),
    ("binding: unbound volume empty storage class", pod("pvc-emptysc"), [BINDING_NODE],
     BINDING_PVS, BINDING_PVCS, BINDING_CLASSES,
     {"host1": fails("PersistentVolumeClaim had no pv name and storageClass name")}),
    # Go's fake lister: storageclasses.storage.k8s.io "Class_0" not found
    ("binding: unbound volume no storage class", pod("pvc-nosc"), [BINDING_NODE],
     BINDING_PVS, BINDING_PVCS, BINDING_CLASSES,
     {"host1": fails('storageclass.storage.k8s.io "class-0" not found')}),
    # Go's class has no mode ("VolumeBindingMode not set ..."); an Immediate one gets here
    ("binding: unbound volume immediate binding mode", pod("pvc-immediatesc"), [BINDING_NODE],
     BINDING_PVS, BINDING_PVCS, BINDING_CLASSES,
     {"host1": fails("PersistentVolume had no name")}),
    ("binding: unbound volume wait binding mode", pod("pvc-waitsc"), [BINDING_NODE],
     BINDING_PVS, BINDING_PVCS, BINDING_CLASSES, {"host1": None}),
    # -- the listers' other objects, and several nodes at once --
    ("pvc bound to a missing pv", pod("pvc-4"), [node(**{ZONE: "us-west1-a"})],
     SINGLE_PVS, SINGLE_PVCS, [],
     {"host1": fails('persistentvolume "vol-not-exist" not found')}),
    ("pvc not found", pod("pvc-9"), [node(**{ZONE: "us-west1-a"})], SINGLE_PVS, SINGLE_PVCS, [],
     {"host1": fails('persistentvolumeclaim "pvc-9" not found')}),
    ("first failing claim wins", pod("pvc-1", "pvc-9", "pvc-4"), [node()], SINGLE_PVS,
     SINGLE_PVCS, [], {"host1": fails('persistentvolumeclaim "pvc-9" not found')}),
    ("several nodes, multi-zone pv", pod("pvc-3"),
     [node("n-a", **{BETA_ZONE: "us-west1-a"}), node("n-b", **{ZONE: "us-west1-b"}),
      node("n-c", **{ZONE: "us-west1-c"}), node("n-none", other="x"),
      node("n-region", **{REGION: "us-west1"})], MULTI_PVS, MULTI_PVCS, [],
     {"n-a": None, "n-b": fails(), "n-c": None, "n-none": None, "n-region": fails()}),
    ("two claims, zone and region", pod("pvc-stable-1", "pvc-2"),
     [node("n-1", **{ZONE: "us-west1-a", REGION: "us-west1"}),
      node("n-2", **{ZONE: "us-west1-a", BETA_REGION: "us-west1"}),
      node("n-3", **{ZONE: "us-west1-b", REGION: "us-west1"}),
      node("n-4", **{ZONE: "us-west1-a"})], SINGLE_PVS, SINGLE_PVCS, [],
     {"n-1": None, "n-2": None, "n-3": fails(), "n-4": fails()}),
    # a label LabelZonesToSet cannot parse ("a____b" has an empty zone) is ignored: Skip
    ("unparsable zone list ignored", pod("pvc-x"), [node(**{ZONE: "us-west1-a"})],
     [pv("vol-x", **{ZONE: "us-west1-b____us-west1-c"})], [pvc("pvc-x", "vol-x")], [],
     {"host1": None}),
    ("unbound wait claim and bound claim", pod("pvc-waitsc", "pvc-1"),
     [node("n-a", **{BETA_ZONE: "us-west1-a"}), node("n-b", **{BETA_ZONE: "us-west1-b"})],
     BINDING_PVS, BINDING_PVCS, BINDING_CLASSES, {"n-a": None, "n-b": fails()}),
]


@pytest.mark.parametrize("name,pod,nodes,pvs,pvcs,classes,want", CASES,
                         ids=[c[0] for c in CASES])
def test_volume_zone_filter(impl, name, pod, nodes, pvs, pvcs, classes, want):
    statuses = impl.filter("VolumeZone", copy.deepcopy(pod), nodes,
                           persistent_volumes=copy.deepcopy(pvs),
                           persistent_volume_claims=copy.deepcopy(pvcs),
                           storage_classes=copy.deepcopy(classes))
    got = {node: None if status.is_success() else (status.code, status.reasons)
           for node, status in statuses.items()}
    assert got == want


def test_binding_mode_not_set():
    """TestWithBinding "unbound volume immediate binding mode" as Go has it: a StorageClass
    without volumeBindingMode (which only a lister outside the API server can hold), on the
    reference; with PreFilter disabled, Filter computes the same failure itself."""
    from reference.framework import CycleState, build_snapshot
    from reference.plugins.volumezone import VolumeZone

    snapshot = build_snapshot([BINDING_NODE], [], persistent_volumes=BINDING_PVS,
                              persistent_volume_claims=BINDING_PVCS,
                              storage_classes=[storage_class("class-immediate", None)])
    plugin = VolumeZone(None, snapshot)
    want = Status(UNRESOLVABLE, ['VolumeBindingMode not set for StorageClass "class-immediate"'])
    the_pod = pod("pvc-immediatesc")
    assert plugin.pre_filter(CycleState(), the_pod, snapshot) == want
    assert plugin.filter(CycleState(), the_pod, snapshot.nodes[0]) == want


def test_claim_without_name():
    """getPVbyPod: a persistentVolumeClaim volume with an empty claimName (the API server
    rejects such a pod; the reference follows Go)."""
    from reference.framework import CycleState, build_snapshot
    from reference.plugins.volumezone import VolumeZone

    snapshot = build_snapshot([BINDING_NODE], [])
    the_pod = make_pod("pod-1").volume({"name": "v", "persistentVolumeClaim": {
        "claimName": ""}}).obj()
    assert VolumeZone(None, snapshot).pre_filter(CycleState(), the_pod, snapshot) == Status(
        UNRESOLVABLE, ["PersistentVolumeClaim had no name"])


def test_schedule_in_the_volume_zone():
    """End to end through Cluster.schedule() with the default profile: a pod whose bound PV is
    labelled zone-b goes to a zone-b node; one whose PV is in a zone without nodes stays
    Pending with VolumeZone's reason on every node; the kernel agrees with the reference
    scheduler on every placement and message."""
    from kbench import Cluster
    from reference.scheduler import ReferenceScheduler

    nodes = [make_node(f"node-{i}").labels({"kubernetes.io/hostname": f"node-{i}",
                                            REGION: "region-1", ZONE: f"zone-{'ab'[i % 2]}"})
             .alloc(cpu="4", memory="8Gi", pods="10").obj() for i in range(4)]
    volumes = [pv("pv-b", **{ZONE: "zone-b", REGION: "region-1"}),
               pv("pv-c", **{ZONE: "zone-c"}),
               pv("pv-ab", **{BETA_ZONE: "zone-a__zone-b"})]
    claims = [pvc("claim-b", "pv-b"), pvc("claim-c", "pv-c"), pvc("claim-ab", "pv-ab")]
    pods = [make_pod("in-b").req(cpu="100m", memory="128Mi").pvc("claim-b").obj(),
            make_pod("in-c").req(cpu="100m", memory="128Mi").pvc("claim-c").obj(),
            make_pod("in-ab").req(cpu="100m", memory="128Mi").pvc("claim-ab").obj(),
            make_pod("missing").req(cpu="100m", memory="128Mi").pvc("claim-x").obj()]
    cluster = Cluster(seed=3)
    cluster.apply(nodes + volumes + claims + pods)
    reference = ReferenceScheduler(seed=3).schedule(
        [n.to_dict() for n in cluster.list("nodes")], [p.to_dict() for p in cluster.list("pods")],
        persistent_volumes=[o.to_dict() for o in cluster.list("persistentvolumes")],
        persistent_volume_claims=[o.to_dict() for o in cluster.list("persistentvolumeclaims")],
        storage_classes=[o.to_dict() for o in cluster.list("storageclasses")])
    bindings = {row["pod"]: row["node"] for row in cluster.schedule().to_pylist()}

    def message(name):
        for condition in cluster.get("pod", name).status.conditions:
            if condition["type"] == "PodScheduled":
                return condition.get("message", "")
        return ""

    zone_of = {n["metadata"]["name"]: n["metadata"]["labels"][ZONE] for n in nodes}
    assert zone_of[bindings["in-b"]] == "zone-b"
    assert zone_of[bindings["in-ab"]] in ("zone-a", "zone-b")
    assert bindings.get("in-c") is None and bindings.get("missing") is None
    assert cluster.get("pod", "in-c").status.phase == "Pending"
    assert message("in-c") == f"0/4 nodes are available: 4 {CONFLICT}." + not_helpful(4)
    # VolumeBinding's PreFilter runs first and rejects the missing claim
    assert message("missing") == ('0/4 nodes are available: persistentvolumeclaim "claim-x" '
                                  'not found.' + not_helpful(4))
    got = [(row["pod"], bindings.get(row["pod"]),
            message(row["pod"]) if bindings.get(row["pod"]) is None else "") for row in reference]
    want = [(row["pod"], row["node"], row["message"]) for row in reference]
    assert got == want


def test_explain_marks_volume_zone_simulated():
    """explain() shows VolumeZone's verdict per node, not "not simulated"."""
    from kbench import Cluster

    cluster = Cluster(seed=1)
    cluster.apply([node("n-a", **{ZONE: "zone-a"}), node("n-b", **{ZONE: "zone-b"}),
                   pv("pv-a", **{ZONE: "zone-a"}), pvc("claim-a", "pv-a"),
                   make_pod("p").pvc("claim-a").req(cpu="100m").obj()])
    frame = cluster.explain("p")
    verdicts = dict(zip(frame["node"], frame["VolumeZone.filter"]))
    assert verdicts == {"n-a": "pass", "n-b": CONFLICT}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_kernel_matches_reference_on_random_zones(data):
    """Random node and PV topology labels (beta and GA, zone and region, multi-zone lists) and
    claims bound, WaitForFirstConsumer, Immediate or missing: the kernel's per-node VolumeZone
    statuses are the reference's."""
    from scheduler.conftest import KernelImplementation, ReferenceImplementation

    keys = [BETA_ZONE, BETA_REGION, ZONE, REGION]
    values = ["a", "b", "c"]
    nodes = []
    for i in range(data.draw(st.integers(1, 6))):
        chosen = data.draw(st.lists(st.sampled_from(keys), max_size=3, unique=True))
        nodes.append(node(f"n{i}", **{k: data.draw(st.sampled_from(values)) for k in chosen}))
    pvs, claims = [], []
    for i in range(data.draw(st.integers(1, 3))):
        chosen = data.draw(st.lists(st.sampled_from(keys), max_size=3, unique=True))
        labels = {k: "__".join(data.draw(st.lists(st.sampled_from(values), min_size=1,
                                                  max_size=2, unique=True))) for k in chosen}
        pvs.append(pv(f"pv-{i}", **labels))
        kind = data.draw(st.sampled_from(["bound", "bound", "bound", "wait", "immediate",
                                          "missing-pv"]))
        claims.append(pvc(f"c{i}", volume=f"pv-{i}" if kind == "bound" else
                          "pv-none" if kind == "missing-pv" else None,
                          class_name={"wait": "wait-sc", "immediate": "imm-sc"}.get(kind)))
    classes = [storage_class("wait-sc", "WaitForFirstConsumer"),
               storage_class("imm-sc", "Immediate")]
    the_pod = pod(*[c["metadata"]["name"] for c in claims])
    results = [impl.filter("VolumeZone", copy.deepcopy(the_pod), nodes,
                           persistent_volumes=copy.deepcopy(pvs),
                           persistent_volume_claims=copy.deepcopy(claims),
                           storage_classes=copy.deepcopy(classes))
               for impl in (ReferenceImplementation(), KernelImplementation())]
    reference, kernel = [{n: (s.code, s.reasons) if not s.is_success() else None
                          for n, s in r.items()} for r in results]
    assert kernel == reference
