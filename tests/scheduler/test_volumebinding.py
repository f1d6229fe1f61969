"""VolumeBinding PreFilter + Filter, ported from volume_binding_test.go TestVolumeBinding
(Kubernetes v1.33; the Score part is off there: StorageCapacityScoring is disabled), plus
cases for binder.go FindPodVolumes paths that test covers elsewhere (binder_test.go:
pre-bound PVs, access modes, dynamic provisioning, allowedTopologies, selected-node).

Go's fixtures, made valid for the API server: claims request 1Gi unless a case says otherwise,
PVs hold 1Gi, both are ReadWriteOnce; Go's StorageClasses have no provisioner, which the API
requires, so they get kubernetes.io/no-provisioner (the same: not provisionable).
"""

import copy

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from scheduler.builders import make_node, make_pod, not_helpful

UNRESOLVABLE = "UnschedulableAndUnresolvable"
BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
NODE_CONFLICT = "node(s) had volume node affinity conflict"
PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
HOSTNAME = "kubernetes.io/hostname"


def storage_class(name, mode, provisioner="kubernetes.io/no-provisioner", topologies=None):
    sc = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": name},
          "provisioner": provisioner, "volumeBindingMode": mode}
    if topologies is not None:
        sc["allowedTopologies"] = topologies
    return sc


# volume_binding_test.go: immediateSC, waitSC, waitHDDSC
CLASSES = [storage_class("immediate-sc", "Immediate"),
           storage_class("wait-sc", "WaitForFirstConsumer"),
           storage_class("wait-hdd-sc", "WaitForFirstConsumer")]


def node(name, **labels):
    """makeNode: the hostname label set to the name."""
    return make_node(name).labels({HOSTNAME: name, **labels}).obj()


def pvc(name, class_name, bound_pv=None, request="1Gi", phase=None, annotations=None,
        modes=("ReadWriteOnce",)):
    """makePVC(name, class) [.withBoundPV(pv)] [.withRequestStorage(q)] [.withPhase(p)]."""
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
             "metadata": {"name": name, "namespace": "default"},
             "spec": {"storageClassName": class_name, "accessModes": list(modes),
                      "resources": {"requests": {"storage": request}}}}
    if bound_pv:
        claim["spec"]["volumeName"] = bound_pv
        claim["metadata"]["annotations"] = {"pv.kubernetes.io/bind-completed": "true"}
    if annotations:
        claim["metadata"].setdefault("annotations", {}).update(annotations)
    if phase:
        claim["status"] = {"phase": phase}
    return claim


def pv(name, class_name, capacity="1Gi", phase="Available", affinity=None, claim_ref=None,
       modes=("ReadWriteOnce",)):
    """makePV(name, class).withPhase(phase) [.withCapacity(q)] [.withNodeAffinity(kv)]."""
    volume = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
              "spec": {"storageClassName": class_name, "capacity": {"storage": capacity},
                       "accessModes": list(modes), "hostPath": {"path": f"/mnt/{name}"}},
              "status": {"phase": phase}}
    if affinity:
        volume["spec"]["nodeAffinity"] = {"required": {"nodeSelectorTerms": [{
            "matchExpressions": [{"key": key, "operator": "In", "values": list(values)}
                                 for key, values in affinity.items()]}]}}
    if claim_ref:
        volume["spec"]["claimRef"] = {"name": claim_ref, "namespace": "default"}
    return volume


def pod(*claims):
    """makePod("pod-a").withPVCVolume(claim, "")... (the API wants a volume name)."""
    builder = make_pod("pod-a")
    for claim in claims:
        builder = builder.pvc(claim)
    return builder.obj()


def zone_node(name, region, zone):
    return node(name, **{"topology.kubernetes.io/region": region,
                         "topology.kubernetes.io/zone": zone})


def zonal_pv(name, capacity, region, zone):
    return pv(name, "wait-sc", capacity=capacity,
              affinity={"topology.kubernetes.io/region": [region],
                        "topology.kubernetes.io/zone": [zone]})


ZONE_NODES = [zone_node(f"zone-{z}-node-{n}", f"region-{z}", f"zone-{z}")
              for z in "abc" for n in "ab"]

# (name, pod, nodes, pvcs, pvs, extra classes, want: {node: None | (code, reasons)})
CASES = [
    # TestVolumeBinding "pod has not pvcs": PreFilter Skip, Filter passes
    ("pod has not pvcs", make_pod("pod-a").obj(), [node("node-a")], [], [], [],
     {"node-a": None}),
    # TestVolumeBinding "all bound"
    ("all bound", pod("pvc-a"), [node("node-a")],
     [pvc("pvc-a", "wait-sc", bound_pv="pv-a")], [pv("pv-a", "wait-sc")], [],
     {"node-a": None}),
    # TestVolumeBinding "PVC does not exist": PreFilter rejects
    ("PVC does not exist", pod("pvc-a"), [node("node-a")], [], [], [],
     {"node-a": (UNRESOLVABLE, ['persistentvolumeclaim "pvc-a" not found'])}),
    # TestVolumeBinding "Part of PVCs do not exist"
    ("Part of PVCs do not exist", pod("pvc-a", "pvc-b"), [node("node-a")],
     [pvc("pvc-a", "wait-sc", bound_pv="pv-a")], [], [],
     {"node-a": (UNRESOLVABLE, ['persistentvolumeclaim "pvc-b" not found'])}),
    # TestVolumeBinding "immediate claims not bound"
    ("immediate claims not bound", pod("pvc-a"), [node("node-a")],
     [pvc("pvc-a", "immediate-sc")], [], [],
     {"node-a": (UNRESOLVABLE, [UNBOUND_IMMEDIATE])}),
    # TestVolumeBinding "unbound claims no matches"
    ("unbound claims no matches", pod("pvc-a"), [node("node-a")],
     [pvc("pvc-a", "wait-sc")], [], [],
     {"node-a": (UNRESOLVABLE, [BIND_CONFLICT])}),
    # TestVolumeBinding "bound and unbound unsatisfied": two reasons on one node
    ("bound and unbound unsatisfied", pod("pvc-a", "pvc-b"), [node("node-a", foo="barbar")],
     [pvc("pvc-a", "wait-sc", bound_pv="pv-a"), pvc("pvc-b", "wait-sc")],
     [pv("pv-a", "wait-sc", affinity={"foo": ["bar"]})], [],
     {"node-a": (UNRESOLVABLE, [NODE_CONFLICT, BIND_CONFLICT])}),
    # TestVolumeBinding "pvc not found"
    ("pvc not found", pod("pvc-a"), [node("node-a")], [], [], [],
     {"node-a": (UNRESOLVABLE, ['persistentvolumeclaim "pvc-a" not found'])}),
    # TestVolumeBinding "pv not found"
    ("pv not found", pod("pvc-a"), [node("node-a")],
     [pvc("pvc-a", "wait-sc", bound_pv="pv-a")], [], [],
     {"node-a": (UNRESOLVABLE, [PV_NOT_EXIST])}),
    # TestVolumeBinding "pv not found claim lost": PreFilter rejects
    ("pv not found claim lost", pod("pvc-a"), [node("node-a")],
     [pvc("pvc-a", "wait-sc", bound_pv="pv-a", phase="Lost")], [], [],
     {"node-a": (UNRESOLVABLE, ['persistentvolumeclaim "pvc-a" bound to non-existent '
                                'persistentvolume "pv-a"'])}),
    # TestVolumeBinding "local volumes with close capacity are preferred" (Filter part)
    ("local volumes with close capacity are preferred", pod("pvc-a"),
     [node("node-a"), node("node-b"), node("node-c")],
     [pvc("pvc-a", "wait-sc", request="50Gi")],
     [pv("pv-a-0", "wait-sc", "200Gi", affinity={HOSTNAME: ["node-a"]}),
      pv("pv-a-1", "wait-sc", "200Gi", affinity={HOSTNAME: ["node-a"]}),
      pv("pv-b-0", "wait-sc", "100Gi", affinity={HOSTNAME: ["node-b"]}),
      pv("pv-b-1", "wait-sc", "100Gi", affinity={HOSTNAME: ["node-b"]})], [],
     {"node-a": None, "node-b": None, "node-c": (UNRESOLVABLE, [BIND_CONFLICT])}),
    # TestVolumeBinding "local volumes with close capacity are preferred (multiple pvcs)"
    ("local volumes with close capacity are preferred (multiple pvcs)", pod("pvc-0", "pvc-1"),
     [node("node-a"), node("node-b"), node("node-c")],
     [pvc("pvc-0", "wait-sc", request="50Gi"), pvc("pvc-1", "wait-hdd-sc", request="100Gi")],
     [pv(f"pv-{n}-{i}", "wait-sc" if i < 2 else "wait-hdd-sc", size,
         affinity={HOSTNAME: [f"node-{n}"]})
      for n, size in (("a", "200Gi"), ("b", "100Gi")) for i in range(4)], [],
     {"node-a": None, "node-b": None, "node-c": (UNRESOLVABLE, [BIND_CONFLICT])}),
    # TestVolumeBinding "zonal volumes with close capacity are preferred" (and "custom shape",
    # whose Filter statuses are the same)
    ("zonal volumes with close capacity are preferred", pod("pvc-a"), ZONE_NODES,
     [pvc("pvc-a", "wait-sc", request="50Gi")],
     [zonal_pv("pv-a-0", "200Gi", "region-a", "zone-a"),
      zonal_pv("pv-a-1", "200Gi", "region-a", "zone-a"),
      zonal_pv("pv-b-0", "100Gi", "region-b", "zone-b"),
      zonal_pv("pv-b-1", "100Gi", "region-b", "zone-b")], [],
     {"zone-a-node-a": None, "zone-a-node-b": None, "zone-b-node-a": None,
      "zone-b-node-b": None, "zone-c-node-a": (UNRESOLVABLE, [BIND_CONFLICT]),
      "zone-c-node-b": (UNRESOLVABLE, [BIND_CONFLICT])}),
    # -- binder.go paths (binder_test.go TestFindPodVolumesWithoutProvisioning /
    #    TestFindPodVolumesWithProvisioning / TestFindPodVolumesWithCSIMigration analogues) --
    # bound PV whose node affinity fits one node only
    ("bound pv node affinity", pod("pvc-a"), [node("node-a"), node("node-b")],
     [pvc("pvc-a", "wait-sc", bound_pv="pv-a")],
     [pv("pv-a", "wait-sc", phase="Bound", affinity={HOSTNAME: ["node-b"]})], [],
     {"node-a": (UNRESOLVABLE, [NODE_CONFLICT]), "node-b": None}),
    # two claims, one PV per node: the second claim finds nothing once the first took it
    ("two claims one pv", pod("pvc-a", "pvc-b"), [node("node-a"), node("node-b")],
     [pvc("pvc-a", "wait-sc"), pvc("pvc-b", "wait-sc")],
     [pv("pv-a", "wait-sc", affinity={HOSTNAME: ["node-a"]}),
      pv("pv-b1", "wait-sc", affinity={HOSTNAME: ["node-b"]}),
      pv("pv-b2", "wait-sc", affinity={HOSTNAME: ["node-b"]})], [],
     {"node-a": (UNRESOLVABLE, [BIND_CONFLICT]), "node-b": None}),
    # a PV too small, of another class, not Available, of other access modes, or claimed by
    # another claim does not match
    ("unmatched pvs", pod("pvc-a"), [node("node-a")],
     [pvc("pvc-a", "wait-sc", request="5Gi", modes=("ReadWriteMany",))],
     [pv("small", "wait-sc", "1Gi", modes=("ReadWriteMany",)),
      pv("other-class", "wait-hdd-sc", "10Gi", modes=("ReadWriteMany",)),
      pv("released", "wait-sc", "10Gi", phase="Released", modes=("ReadWriteMany",)),
      pv("rwo", "wait-sc", "10Gi"),
      pv("taken", "wait-sc", "10Gi", claim_ref="pvc-other", modes=("ReadWriteMany",))], [],
     {"node-a": (UNRESOLVABLE, [BIND_CONFLICT])}),
    # a PV pre-bound to the claim (claimRef) is taken even if not Available, where it fits
    ("prebound pv", pod("pvc-a"), [node("node-a"), node("node-b")],
     [pvc("pvc-a", "wait-sc")],
     [pv("pv-free", "wait-sc", affinity={HOSTNAME: ["node-a"]}),
      pv("pv-pre", "wait-sc", phase="Pending", claim_ref="pvc-a",
         affinity={HOSTNAME: ["node-b"]})], [],
     {"node-a": (UNRESOLVABLE, [BIND_CONFLICT]), "node-b": None}),
    # dynamic provisioning: a class with a provisioner fits where allowedTopologies allow
    ("provisioning with allowed topologies", pod("pvc-a"),
     [node("node-a", zone="z1"), node("node-b", zone="z2"), node("node-c")],
     [pvc("pvc-a", "csi")], [],
     [storage_class("csi", "WaitForFirstConsumer", provisioner="csi.example.com",
                    topologies=[{"matchLabelExpressions": [{"key": "zone",
                                                            "values": ["z1"]}]}])],
     {"node-a": None, "node-b": (UNRESOLVABLE, [BIND_CONFLICT]),
      "node-c": (UNRESOLVABLE, [BIND_CONFLICT])}),
    # provisioning already started for one node (selected-node annotation)
    ("selected node", pod("pvc-a"), [node("node-a"), node("node-b")],
     [pvc("pvc-a", "csi", annotations={"volume.kubernetes.io/selected-node": "node-b"})], [],
     [storage_class("csi", "WaitForFirstConsumer", provisioner="csi.example.com")],
     {"node-a": (UNRESOLVABLE, [BIND_CONFLICT]), "node-b": None}),
    # a claim of an unknown class is treated as Immediate binding
    ("unknown class is immediate", pod("pvc-a"), [node("node-a")],
     [pvc("pvc-a", "no-such-class")], [], [],
     {"node-a": (UNRESOLVABLE, [UNBOUND_IMMEDIATE])}),
]


@pytest.mark.parametrize("name,pod,nodes,pvcs,pvs,classes,want", CASES,
                         ids=[c[0] for c in CASES])
def test_volume_binding_filter(impl, name, pod, nodes, pvcs, pvs, classes, want):
    statuses = impl.filter("VolumeBinding", copy.deepcopy(pod), nodes,
                           persistent_volumes=copy.deepcopy(pvs),
                           persistent_volume_claims=copy.deepcopy(pvcs),
                           storage_classes=copy.deepcopy(CLASSES + classes))
    got = {node: None if status.is_success() else (status.code, status.reasons)
           for node, status in statuses.items()}
    assert got == want


def test_kernel_matches_reference_scheduler_with_volumes():
    """The default profile end to end (Cluster.schedule against the reference scheduler): bound,
    WaitForFirstConsumer, provisionable, Immediate and missing claims; the FailedScheduling
    messages count each of a node's VolumeBinding reasons."""
    from kbench import Cluster
    from reference.scheduler import ReferenceScheduler

    nodes = [make_node(f"node-{i}").labels({HOSTNAME: f"node-{i}",
                                            "topology.kubernetes.io/zone": f"zone-{i % 2}"})
             .alloc(cpu="4", memory="8Gi", pods="10").obj() for i in range(4)]
    pvs = [pv("local-0", "wait-sc", "10Gi", affinity={HOSTNAME: ["node-0"]}),
           pv("local-1", "wait-sc", "20Gi", affinity={HOSTNAME: ["node-1"]}),
           pv("zonal", "wait-sc", "5Gi", affinity={"topology.kubernetes.io/zone": ["zone-1"]}),
           pv("bound", "wait-sc", "5Gi", affinity={HOSTNAME: ["node-2"]})]
    claims = [pvc("big", "wait-sc", request="15Gi"), pvc("small", "wait-sc", request="5Gi"),
              pvc("on-2", "wait-sc", bound_pv="bound"), pvc("immediate", "immediate-sc"),
              pvc("dynamic", "csi")]
    classes = CLASSES + [storage_class(
        "csi", "WaitForFirstConsumer", provisioner="csi.example.com",
        topologies=[{"matchLabelExpressions": [{"key": "topology.kubernetes.io/zone",
                                                "values": ["zone-0"]}]}])]
    pods = []
    for i, volumes in enumerate([["big"], ["small"], ["on-2"], ["on-2", "big"], ["immediate"],
                                 ["missing"], ["dynamic"], ["dynamic", "small"], []]):
        builder = make_pod(f"pod-{i}").req(cpu="100m", memory="128Mi")
        for claim in volumes:
            builder = builder.pvc(claim)
        pods.append(builder.obj())
    cluster = Cluster(seed=7)
    cluster.apply(nodes + classes + pvs + claims + pods)
    node_dicts = [n.to_dict() for n in cluster.list("nodes")]
    pod_dicts = [p.to_dict() for p in cluster.list("pods")]
    reference = ReferenceScheduler(seed=7).schedule(
        node_dicts, pod_dicts,
        persistent_volumes=[o.to_dict() for o in cluster.list("persistentvolumes")],
        persistent_volume_claims=[o.to_dict() for o in cluster.list("persistentvolumeclaims")],
        storage_classes=[o.to_dict() for o in cluster.list("storageclasses")])
    kernel = {row["pod"]: (row["node"], row["score"]) for row in cluster.schedule().to_pylist()}

    def message(name):
        for condition in cluster.get("pod", name).status.conditions:
            if condition["type"] == "PodScheduled":
                return condition.get("message", "")
        return ""

    got = [(row["pod"], *kernel.get(row["pod"], (None, None)),
            message(row["pod"]) if row["pod"] not in kernel else "") for row in reference]
    want = [(row["pod"], row["node"], row["score"], row["message"]) for row in reference]
    assert got == want
    placed = {row["pod"]: row["node"] for row in reference}
    assert placed["pod-0"] == "node-1"            # only local-1 holds 15Gi
    assert placed["pod-2"] == "node-2"            # its bound PV's node
    assert placed["pod-3"] is None                # node-2 has no PV for "big"
    assert placed["pod-4"] is None and placed["pod-5"] is None
    assert placed["pod-6"] in ("node-0", "node-2")  # provisioned in zone-0
    messages = {row["pod"]: row["message"] for row in reference}
    assert messages["pod-4"] == f"0/4 nodes are available: {UNBOUND_IMMEDIATE}." + not_helpful(4)
    assert messages["pod-5"] == ('0/4 nodes are available: persistentvolumeclaim "missing" '
                                 'not found.' + not_helpful(4))
    # node-0 and node-3: both reasons; node-1: the bound PV's affinity; node-2: no PV for "big"
    assert messages["pod-3"] == (f"0/4 nodes are available: 3 {BIND_CONFLICT}, "
                                 f"3 {NODE_CONFLICT}." + not_helpful(4))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_kernel_matches_reference_on_random_volumes(data):
    """Random local / zonal / unconstrained PVs of two classes, claims of various sizes and
    access modes (some bound, some pre-bound, some on a provisioning class): the kernel's
    per-node VolumeBinding statuses are the reference's."""
    from scheduler.conftest import KernelImplementation, ReferenceImplementation

    node_count = data.draw(st.integers(1, 6))
    nodes = [zone_node(f"n{i}", "r", f"z{i % 2}") for i in range(node_count)]
    sizes = st.sampled_from(["1Gi", "2Gi", "5Gi"])
    modes = st.sampled_from([("ReadWriteOnce",), ("ReadWriteMany",),
                             ("ReadWriteOnce", "ReadWriteMany")])
    pvs = []
    for i in range(data.draw(st.integers(0, 8))):
        where = data.draw(st.sampled_from(["node", "zone", "none"]))
        affinity = ({HOSTNAME: [f"n{data.draw(st.integers(0, node_count))}"]} if where == "node"
                    else {"topology.kubernetes.io/zone": [f"z{data.draw(st.integers(0, 1))}"]}
                    if where == "zone" else None)
        pvs.append(pv(f"pv-{i}", data.draw(st.sampled_from(["wait-sc", "wait-hdd-sc"])),
                      data.draw(sizes), phase=data.draw(st.sampled_from(["Available",
                                                                         "Available", "Bound"])),
                      affinity=affinity, modes=data.draw(modes),
                      claim_ref=data.draw(st.sampled_from([None, None, "c0", "other"]))))
    claims = []
    for i in range(data.draw(st.integers(1, 3))):
        bound = data.draw(st.sampled_from([None, None, None, "pv-0", "pv-9"]))
        claims.append(pvc(f"c{i}", data.draw(st.sampled_from(["wait-sc", "wait-hdd-sc", "csi"])),
                          bound_pv=bound, request=data.draw(sizes), modes=data.draw(modes)))
    classes = [storage_class("csi", "WaitForFirstConsumer", provisioner="csi.example.com",
                             topologies=[{"matchLabelExpressions": [
                                 {"key": "topology.kubernetes.io/zone", "values": ["z1"]}]}])]
    the_pod = pod(*[c["metadata"]["name"] for c in claims])
    results = [impl.filter("VolumeBinding", copy.deepcopy(the_pod), nodes,
                           persistent_volumes=copy.deepcopy(pvs),
                           persistent_volume_claims=copy.deepcopy(claims),
                           storage_classes=copy.deepcopy(CLASSES + classes))
               for impl in (ReferenceImplementation(), KernelImplementation())]
    reference, kernel = [{n: (s.code, s.reasons) if not s.is_success() else None
                          for n, s in r.items()} for r in results]
    assert kernel == reference
