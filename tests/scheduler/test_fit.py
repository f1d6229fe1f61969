"""NodeResourcesFit Filter and Score, ported from fit_test.go: TestEnoughRequests,
TestNotEnoughRequests, TestStorageRequests, TestRestartableInitContainers, TestFitScore.

Not ported: TestPreFilterDisabled (Filter without PreFilter is an error in Go; every
implementation here runs PreFilter first), the cases needing PodLevelResources (pod-level
spec.resources) or DRA-backed extended resources, the SidecarContainers-disabled cases (the
gate is GA), the "if PreScore is not called" duplicates of TestFitScore (PreScore always runs
here) and the queueing-hint / EventsToRegister tests.
"""

import pytest

from scheduler.builders import make_node, make_pod

EXT_A = "example.com/aaa"
EXT_B = "example.com/bbb"
K8S_IO_A = "kubernetes.io/something"
K8S_IO_B = "subdomain.kubernetes.io/something"
HUGEPAGES_A = "hugepages-2Mi"
DRA_EXT = "extended.resource.dra.io/something"

UNSCHEDULABLE = "Unschedulable"
UNRESOLVABLE = "UnschedulableAndUnresolvable"


def res(cpu=0, memory=0, storage=0, scalars=None):
    """A framework.Resource as fit_test.go newResourcePod writes it into one container's
    requests: cpu (millicores), memory and ephemeral-storage always, then the scalars. (Go also
    writes "pods: 0", which is not a container resource the API accepts and which the
    scheduler ignores; it is left out.)"""
    requests = {"cpu": cpu, "memory": memory, "ephemeral-storage": storage}
    requests.update(scalars or {})
    return requests


def overcommit_allowed(name):
    """v1helper.IsOvercommitAllowed: native resources other than hugepages. The others must
    have limits equal to their requests for the API to accept the pod."""
    return ("/" not in name or "kubernetes.io/" in name) and not name.startswith("hugepages-")


def limits_of(usage):
    return {name: value for name, value in usage.items() if not overcommit_allowed(name)} or None


def resource_pod(*usages, init=(), overhead=None, name="pod", node=None):
    """newResourcePod / newResourceInitPod / newResourceOverheadPod."""
    builder = make_pod(name)
    for usage in usages:
        builder.container(requests=usage, limits=limits_of(usage))
    for usage in init:
        builder.init_container(requests=usage, limits=limits_of(usage))
    if overhead:
        builder.overhead(overhead)
    if node:
        builder.node(node)
    return builder.obj()


def fit_node(cpu, memory, pods, ext_a, storage, hugepages):
    """makeResources / makeAllocatableResources: capacity and allocatable alike."""
    return make_node("node").alloc({"cpu": cpu, "memory": memory, "pods": pods, EXT_A: ext_a,
                                     "ephemeral-storage": storage, HUGEPAGES_A: hugepages}).obj()


def filter_status(impl, pod, existing, node, args=None):
    return impl.filter("NodeResourcesFit", pod, [node], [existing] if existing else [], args)["node"]


def assert_status(status, want):
    if want is None:
        assert status.is_success(), status
    else:
        assert (status.code, status.reasons) == want


def ins(name):
    return f"Insufficient {name}"


# TestEnoughRequests: node cpu 10m, memory 20, pods 32, example.com/aaa 5, ephemeral-storage 20,
# hugepages-2Mi 5. (name, pod, existing pod usage, args, want)
ENOUGH_CASES = [
    ("no resources requested always fits", make_pod("pod").obj(), res(10, 20), None, None),
    ("too many resources fails", resource_pod(res(1, 1)), res(10, 20), None,
     (UNSCHEDULABLE, [ins("cpu"), ins("memory")])),
    ("too many resources fails due to init container cpu", resource_pod(res(1, 1), init=[res(3, 1)]),
     res(8, 19), None, (UNSCHEDULABLE, [ins("cpu")])),
    ("too many resources fails due to highest init container cpu",
     resource_pod(res(1, 1), init=[res(3, 1), res(2, 1)]), res(8, 19), None, (UNSCHEDULABLE, [ins("cpu")])),
    ("too many resources fails due to init container memory", resource_pod(res(1, 1), init=[res(1, 3)]),
     res(9, 19), None, (UNSCHEDULABLE, [ins("memory")])),
    ("too many resources fails due to highest init container memory",
     resource_pod(res(1, 1), init=[res(1, 3), res(1, 2)]), res(9, 19), None, (UNSCHEDULABLE, [ins("memory")])),
    ("init container fits because it's the max, not sum, of containers and init containers",
     resource_pod(res(1, 1), init=[res(1, 1)]), res(9, 19), None, None),
    ("multiple init containers fit because it's the max, not sum, of containers and init containers",
     resource_pod(res(1, 1), init=[res(1, 1), res(1, 1)]), res(9, 19), None, None),
    ("both resources fit", resource_pod(res(1, 1)), res(5, 5), None, None),
    ("one resource memory fits", resource_pod(res(2, 1)), res(9, 5), None, (UNSCHEDULABLE, [ins("cpu")])),
    ("one resource cpu fits", resource_pod(res(1, 2)), res(5, 19), None, (UNSCHEDULABLE, [ins("memory")])),
    ("equal edge case", resource_pod(res(5, 1)), res(5, 19), None, None),
    ("equal edge case for init container", resource_pod(res(4, 1), init=[res(5, 1)]), res(5, 19), None, None),
    ("extended resource fits", resource_pod(res(scalars={EXT_A: 1})), res(), None, None),
    ("extended resource fits for init container", resource_pod(res(), init=[res(scalars={EXT_A: 1})]),
     res(), None, None),
    # Unresolvable: the request (10) exceeds the node's allocatable (5).
    ("extended resource capacity enforced", resource_pod(res(1, 1, scalars={EXT_A: 10})),
     res(0, 0, scalars={EXT_A: 0}), None, (UNRESOLVABLE, [ins(EXT_A)])),
    ("extended resource capacity enforced for init container",
     resource_pod(res(), init=[res(1, 1, scalars={EXT_A: 10})]), res(0, 0, scalars={EXT_A: 0}), None,
     (UNRESOLVABLE, [ins(EXT_A)])),
    ("extended resource allocatable enforced", resource_pod(res(1, 1, scalars={EXT_A: 1})),
     res(0, 0, scalars={EXT_A: 5}), None, (UNSCHEDULABLE, [ins(EXT_A)])),
    ("extended resource allocatable enforced for init container",
     resource_pod(res(), init=[res(1, 1, scalars={EXT_A: 1})]), res(0, 0, scalars={EXT_A: 5}), None,
     (UNSCHEDULABLE, [ins(EXT_A)])),
    ("extended resource allocatable enforced for multiple containers",
     resource_pod(res(1, 1, scalars={EXT_A: 3}), res(1, 1, scalars={EXT_A: 3})),
     res(0, 0, scalars={EXT_A: 2}), None, (UNRESOLVABLE, [ins(EXT_A)])),
    ("extended resource allocatable admits multiple init containers",
     resource_pod(res(), init=[res(1, 1, scalars={EXT_A: 3}), res(1, 1, scalars={EXT_A: 3})]),
     res(0, 0, scalars={EXT_A: 2}), None, None),
    ("extended resource allocatable enforced for multiple init containers",
     resource_pod(res(), init=[res(1, 1, scalars={EXT_A: 6}), res(1, 1, scalars={EXT_A: 3})]),
     res(0, 0, scalars={EXT_A: 2}), None, (UNRESOLVABLE, [ins(EXT_A)])),
    ("extended resource allocatable enforced for unknown resource", resource_pod(res(1, 1, scalars={EXT_B: 1})),
     res(0, 0), None, (UNRESOLVABLE, [ins(EXT_B)])),
    ("extended resource allocatable enforced for unknown resource for init container",
     resource_pod(res(), init=[res(1, 1, scalars={EXT_B: 1})]), res(0, 0), None, (UNRESOLVABLE, [ins(EXT_B)])),
    ("kubernetes.io resource capacity enforced", resource_pod(res(1, 1, scalars={K8S_IO_A: 10})),
     res(0, 0), None, (UNRESOLVABLE, [ins(K8S_IO_A)])),
    ("kubernetes.io resource capacity enforced for init container",
     resource_pod(res(), init=[res(1, 1, scalars={K8S_IO_B: 10})]), res(0, 0), None,
     (UNRESOLVABLE, [ins(K8S_IO_B)])),
    ("hugepages resource capacity enforced", resource_pod(res(1, 1, scalars={HUGEPAGES_A: 10})),
     res(0, 0, scalars={HUGEPAGES_A: 0}), None, (UNRESOLVABLE, [ins(HUGEPAGES_A)])),
    ("hugepages resource capacity enforced for init container",
     resource_pod(res(), init=[res(1, 1, scalars={HUGEPAGES_A: 10})]), res(0, 0, scalars={HUGEPAGES_A: 0}), None,
     (UNRESOLVABLE, [ins(HUGEPAGES_A)])),
    ("hugepages resource allocatable enforced for multiple containers",
     resource_pod(res(1, 1, scalars={HUGEPAGES_A: 3}), res(1, 1, scalars={HUGEPAGES_A: 3})),
     res(0, 0, scalars={HUGEPAGES_A: 2}), None, (UNRESOLVABLE, [ins(HUGEPAGES_A)])),
    ("skip checking ignored extended resource", resource_pod(res(1, 1, scalars={EXT_B: 1})), res(0, 0),
     {"ignoredResources": ["example.com/bbb"]}, None),
    # cpu 1m + 3m overhead = 4m <= 10 - 5; memory 1 + 13 = 14 <= 20 - 5
    ("resources + pod overhead fits", resource_pod(res(1, 1), overhead={"cpu": "3m", "memory": "13"}),
     res(5, 5), None, None),
    # memory 1 + 15 = 16 > 20 - 5
    ("requests + overhead does not fit for memory", resource_pod(res(1, 1), overhead={"cpu": "1m", "memory": "15"}),
     res(5, 5), None, (UNSCHEDULABLE, [ins("memory")])),
    ("skip checking ignored extended resource via resource groups",
     resource_pod(res(1, 1, scalars={EXT_B: 1, K8S_IO_A: 1})), res(0, 0),
     {"ignoredResourceGroups": ["example.com"]}, (UNRESOLVABLE, [ins(K8S_IO_A)])),
    ("skip checking extended resource request with quantity zero via resource groups",
     resource_pod(res(1, 1, scalars={EXT_A: 0})), res(0, 0, scalars={EXT_A: 6}), None, None),
    ("skip checking resource request with quantity zero", resource_pod(res(scalars={EXT_A: 1})),
     res(20, 30, scalars={EXT_A: 1}), None, None),
    ("extended resource backed by DRA not enabled", resource_pod(res(1, 1, scalars={DRA_EXT: 1})), res(0, 0), None,
     (UNRESOLVABLE, [ins(DRA_EXT)])),
]


@pytest.mark.parametrize("name,pod,existing,args,want", ENOUGH_CASES, ids=[c[0] for c in ENOUGH_CASES])
def test_enough_requests(impl, name, pod, existing, args, want):
    existing_pod = resource_pod(existing, name="existing", node="node")
    node = fit_node(10, 20, 32, 5, 20, 5)
    assert_status(filter_status(impl, pod, existing_pod, node, args), want)


# TestNotEnoughRequests: allocatable cpu 10m, memory 20, pods 1 (one pod already there).
NOT_ENOUGH_CASES = [
    ("even without specified resources, predicate fails when there's no space for additional pod",
     make_pod("pod").obj(), res(10, 20)),
    ("even if both resources fit, predicate fails when there's no space for additional pod",
     resource_pod(res(1, 1)), res(5, 5)),
    ("even for equal edge case, predicate fails when there's no space for additional pod",
     resource_pod(res(5, 1)), res(5, 19)),
    ("even for equal edge case, predicate fails when there's no space for additional pod due to init container",
     resource_pod(res(5, 1), init=[res(5, 1)]), res(5, 19)),
]


@pytest.mark.parametrize("name,pod,existing", NOT_ENOUGH_CASES, ids=[c[0] for c in NOT_ENOUGH_CASES])
def test_not_enough_requests(impl, name, pod, existing):
    node = make_node("node").allocatable({"cpu": 10, "memory": 20, "pods": 1, EXT_A: 0,
                                          "ephemeral-storage": 0, HUGEPAGES_A: 0}).obj()
    existing_pod = resource_pod(existing, name="existing", node="node")
    assert_status(filter_status(impl, pod, existing_pod, node), (UNSCHEDULABLE, ["Too many pods"]))


# TestStorageRequests: node as in TestEnoughRequests (ephemeral-storage 20).
STORAGE_CASES = [
    ("empty storage requested, and pod fits", resource_pod(res(1, 1)), res(2, 10), None),
    ("storage ephemeral local storage request exceeds allocatable", resource_pod(res(storage=25)), res(2, 2),
     (UNRESOLVABLE, [ins("ephemeral-storage")])),
    ("ephemeral local storage is sufficient", resource_pod(res(storage=5)), res(2, 2, storage=10), None),
    ("pod fits", resource_pod(res(storage=10)), res(2, 2), None),
]


@pytest.mark.parametrize("name,pod,existing,want", STORAGE_CASES, ids=[c[0] for c in STORAGE_CASES])
def test_storage_requests(impl, name, pod, existing, want):
    existing_pod = resource_pod(existing, name="existing", node="node")
    assert_status(filter_status(impl, pod, existing_pod, fit_node(10, 20, 32, 5, 20, 5)), want)


def pod_with_sidecar(request=None, sidecar_request=None):
    """TestRestartableInitContainers newPodWithRestartableInitContainers."""
    container = {"name": "regular"}
    if request:
        container["resources"] = {"requests": request}
    sidecar = {"name": "restartable-init", "restartPolicy": "Always"}
    if sidecar_request:
        sidecar["resources"] = {"requests": sidecar_request}
    return make_pod("pod").spec(containers=[container], initContainers=[sidecar]).obj()


# TestRestartableInitContainers (SidecarContainers enabled): allocatable cpu 2m, pods 1.
SIDECAR_CASES = [
    ("allow pod without restartable init containers if sidecar containers is enabled",
     make_pod("pod").spec(containers=[{"name": "regular"}]).obj(), None),
    ("allow pod with restartable init containers if sidecar containers is enabled", pod_with_sidecar(), None),
    ("allow pod if the total requested resources do not exceed the node's allocatable resources",
     pod_with_sidecar({"cpu": "1m"}, {"cpu": "1m"}), None),
    ("not allow pod if the total requested resources do exceed the node's allocatable resources",
     pod_with_sidecar({"cpu": "1m"}, {"cpu": "2m"}), (UNRESOLVABLE, [ins("cpu")])),
]


@pytest.mark.parametrize("name,pod,want", SIDECAR_CASES, ids=[c[0] for c in SIDECAR_CASES])
def test_restartable_init_containers(impl, name, pod, want):
    node = make_node("node").allocatable({"cpu": 2, "memory": 0, "pods": 1, EXT_A: 0,
                                          "ephemeral-storage": 0, HUGEPAGES_A: 0}).obj()
    assert_status(filter_status(impl, pod, None, node), want)


def test_scalar_reasons_in_name_order(impl):
    """Go lists insufficient scalar resources in map order; the reference sorts them by name."""
    pod = resource_pod(res(scalars={EXT_B: 1, EXT_A: 9, HUGEPAGES_A: 9}))
    status = filter_status(impl, pod, None, fit_node(10, 20, 32, 5, 20, 5))
    assert status.reasons == [ins(EXT_A), ins(EXT_B), ins(HUGEPAGES_A)]


# TestFitScore: node1 4000/10000 (cpu in cores, as st.MakeNode().Capacity writes "4000"),
# node2 6000/10000; existing pods 2000/4000 on node1 and 1000/2000 on node2.
def score_nodes(cpu2="6000"):
    return [make_node("node1").alloc(cpu="4000", memory="10000").obj(),
            make_node("node2").alloc(cpu=cpu2, memory="10000").obj()]


def existing_pods(sidecar=False):
    first = make_pod("e1").node("node1").req(cpu="2000" if not sidecar else "1000",
                                             memory="4000" if not sidecar else "2000")
    if sidecar:
        first.init_req(cpu="1000", memory="2000", sidecar=True)
    second = make_pod("e2").node("node2").req(cpu="1000", memory="2000")
    return [first.obj(), second.obj()]


def rtcr(*points):
    return {"scoringStrategy": {"type": "RequestedToCapacityRatio",
                                "resources": [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}],
                                "requestedToCapacityRatio": {"shape": [
                                    {"utilization": u, "score": s} for u, s in points]}}}


def strategy(kind):
    return {"scoringStrategy": {"type": kind,
                                "resources": [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]}}


FIT_SCORE_CASES = [
    # node1 cpu (2000+3000)/4000 > 100% -> raw(100) = 0, memory 9000/10000 = 90% -> 10: 10
    # node2 cpu 4000/6000 = 66% -> 100 - 66 = 34, memory 7000/10000 = 70% -> 30: (34+30)/2 = 32
    ("test case for ScoringStrategy RequestedToCapacityRatio case1", ("3000", "5000"), False,
     rtcr((0, 10), (100, 0)), {"node1": 10, "node2": 32}),
    # node1 cpu raw(100) = 100, memory 90: 95; node2 66, 70: 68
    ("test case for ScoringStrategy RequestedToCapacityRatio case2", ("3000", "5000"), False,
     rtcr((0, 0), (100, 10)), {"node1": 95, "node2": 68}),
    # node1 (3000*100/4000 + 6000*100/10000)/2 = (75+60)/2 = 67; node2 (33+40)/2 = 36
    ("test case for ScoringStrategy MostAllocated", ("1000", "2000"), False, strategy("MostAllocated"),
     {"node1": 67, "node2": 36}),
    # node1 (25+40)/2 = 32; node2 (66+60)/2 = 63
    ("test case for ScoringStrategy LeastAllocated", ("1000", "2000"), False, strategy("LeastAllocated"),
     {"node1": 32, "node2": 63}),
    # node1 has the sidecar's 1000/2000 on top: (75+60)/2 = 67; node2 (50+40)/2 = 45
    ("test case for ScoringStrategy MostAllocated with sidecar container", ("1000", "2000"), True,
     strategy("MostAllocated"), {"node1": 67, "node2": 45}),
    # node1 (25+40)/2 = 32; node2 (50+60)/2 = 55
    ("test case for ScoringStrategy LeastAllocated with sidecar container", ("1000", "2000"), True,
     strategy("LeastAllocated"), {"node1": 32, "node2": 55}),
]


@pytest.mark.parametrize("name,request_,sidecar,args,expected", FIT_SCORE_CASES, ids=[c[0] for c in FIT_SCORE_CASES])
def test_fit_score(impl, name, request_, sidecar, args, expected):
    pod = make_pod("pod").req(cpu=request_[0], memory=request_[1]).obj()
    nodes = score_nodes("4000" if sidecar else "6000")
    assert impl.score("NodeResourcesFit", pod, nodes, existing_pods(sidecar), args) == expected


def test_default_scoring_strategy_is_least_allocated(impl):
    """defaults.go: no scoringStrategy is LeastAllocated over cpu and memory, weight 1."""
    pod = make_pod("pod").req(cpu="1000", memory="2000").obj()
    assert impl.score("NodeResourcesFit", pod, score_nodes(), existing_pods()) == {"node1": 32, "node2": 63}
