"""PodTopologySpread and InterPodAffinity end to end: Cluster.schedule() places whole queues
with the compiled kernel, and the plain-Python ReferenceScheduler, given the same cluster and
seed, binds the same pods to the same nodes with the same scores and fails the others with
the same message.
"""

from __future__ import annotations

from collections import Counter

import pytest
from scheduler.builders import no_victims
from hypothesis import HealthCheck, given, settings, strategies as st

from kbench import Cluster
from scheduler import both

ZONE = "topology.kubernetes.io/zone"
HOSTNAME = "kubernetes.io/hostname"
ZONES = ["zone-a", "zone-b", "zone-c"]


def node(name: str, zone: str | None = None, **labels) -> dict:
    labels = {HOSTNAME: name, **labels}
    if zone is not None:
        labels[ZONE] = zone
    capacity = {"cpu": "8", "memory": "16Gi", "pods": "50"}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels},
            "status": {"capacity": capacity, "allocatable": capacity}}


def pod(name: str, labels: dict, namespace: str = "default", node_name: str | None = None,
        spread: list[dict] | None = None, affinity: dict | None = None,
        scheduler_name: str | None = None, priority: int | None = None) -> dict:
    spec: dict = {"containers": [{"name": "app", "image": "nginx", "resources": {
        "requests": {"cpu": "100m", "memory": "128Mi"}}}]}
    if spread:
        spec["topologySpreadConstraints"] = spread
    if affinity:
        spec["affinity"] = affinity
    if node_name:
        spec["nodeName"] = node_name
    if scheduler_name:
        spec["schedulerName"] = scheduler_name
    if priority is not None:
        spec["priority"] = priority
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": labels}, "spec": spec}


def zone_spread(app: str, max_skew: int = 1, when: str = "DoNotSchedule", key: str = ZONE,
                **extra) -> dict:
    return {"maxSkew": max_skew, "topologyKey": key, "whenUnsatisfiable": when,
            "labelSelector": {"matchLabels": {"app": app}}, **extra}


def term(app: str, key: str = HOSTNAME, **extra) -> dict:
    return {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": key, **extra}


def schedule_both(manifests: list[dict], seed: int = 7, profile: dict | None = None):
    """Schedule with both implementations: (kernel rows, reference rows) (see
    scheduler.both), and the cluster after scheduling."""
    cluster = Cluster(seed=seed)
    cluster.apply(manifests)
    if profile is not None:
        cluster.configure_scheduler({"apiVersion": "kubescheduler.config.k8s.io/v1",
                                     "kind": "KubeSchedulerConfiguration", "profiles": [profile]})
    return (*both.schedule_both(cluster, profile, seed), cluster)


def nodes_of(cluster, app: str) -> list[str]:
    return [p.spec.nodeName for p in cluster.list("pods", selector={"app": app})
            if p.spec.nodeName]


# ---------------------------------------------------------------------------
# Hand-written scenarios
# ---------------------------------------------------------------------------

def test_zone_spread_places_pods_evenly_across_three_zones():
    nodes = [node(f"node-{i}", ZONES[i % 3]) for i in range(9)]
    pods = [pod(f"web-{i}", {"app": "web"}, spread=[zone_spread("web")]) for i in range(30)]
    kernel, reference, cluster = schedule_both(nodes + pods)
    assert kernel == reference
    zone_of = {n["metadata"]["name"]: n["metadata"]["labels"][ZONE] for n in nodes}
    assert Counter(zone_of[name] for name in nodes_of(cluster, "web")) == {
        "zone-a": 10, "zone-b": 10, "zone-c": 10}


def test_zone_spread_counts_pods_already_running():
    nodes = [node(f"node-{i}", ZONES[i % 3]) for i in range(6)]
    running = [pod(f"old-{i}", {"app": "web"}, node_name="node-0") for i in range(4)]
    pods = [pod(f"web-{i}", {"app": "web"}, spread=[zone_spread("web")]) for i in range(8)]
    kernel, reference, cluster = schedule_both(nodes + running + pods)
    assert kernel == reference
    zone_of = {n["metadata"]["name"]: n["metadata"]["labels"][ZONE] for n in nodes}
    assert Counter(zone_of[name] for name in nodes_of(cluster, "web")) == {
        "zone-a": 4, "zone-b": 4, "zone-c": 4}


def test_hostname_anti_affinity_puts_at_most_one_pod_per_node():
    nodes = [node(f"node-{i}", ZONES[i % 3]) for i in range(5)]
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term("db")]}}
    pods = [pod(f"db-{i}", {"app": "db"}, affinity=anti) for i in range(8)]
    kernel, reference, cluster = schedule_both(nodes + pods)
    assert kernel == reference
    placed = nodes_of(cluster, "db")
    assert sorted(placed) == [f"node-{i}" for i in range(5)]
    pending = [row for row in kernel if row[1] is None]
    assert len(pending) == 3
    for row in pending:
        assert row[3] == ("0/5 nodes are available: 5 node(s) didn't match pod anti-affinity "
                          "rules." + no_victims(5))


def test_required_affinity_follows_the_first_pod_into_its_zone():
    nodes = [node(f"node-{i}", ZONES[i % 3]) for i in range(6)]
    follow = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        term("cache", ZONE)]}}
    pods = [pod(f"cache-{i}", {"app": "cache"}, affinity=follow) for i in range(6)]
    kernel, reference, cluster = schedule_both(nodes + pods)
    assert kernel == reference
    zone_of = {n["metadata"]["name"]: n["metadata"]["labels"][ZONE] for n in nodes}
    assert len({zone_of[name] for name in nodes_of(cluster, "cache")}) == 1
    assert len(nodes_of(cluster, "cache")) == 6


def test_existing_pods_anti_affinity_and_missing_label():
    nodes = [node("node-0", "zone-a"), node("node-1", "zone-a"), node("node-2"),
             node("node-3", "zone-b")]
    guard = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        term("web", ZONE)]}}
    manifests = nodes + [pod("guard", {"app": "guard"}, node_name="node-0", affinity=guard)]
    manifests += [pod(f"web-{i}", {"app": "web"}, spread=[zone_spread("web", 2)])
                  for i in range(6)]
    kernel, reference, _ = schedule_both(manifests)
    assert kernel == reference
    messages = {row[3] for row in kernel if row[1] is None}
    assert messages == {
        "0/4 nodes are available: 1 node(s) didn't match pod topology spread constraints, "
        "1 node(s) didn't match pod topology spread constraints (missing required label), "
        "2 node(s) didn't satisfy existing pods anti-affinity rules. preemption: 0/4 nodes are "
        "available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found "
        "for incoming pod."}


def test_preferred_terms_and_namespace_selectors_score_as_the_reference():
    namespaces = [{"apiVersion": "v1", "kind": "Namespace",
                   "metadata": {"name": name, "labels": {"team": team}}}
                  for name, team in (("team-a", "a"), ("team-b", "b"))]
    nodes = [node(f"node-{i}", ZONES[i % 3], rack=f"r{i % 2}") for i in range(9)]
    manifests = namespaces + nodes
    manifests += [pod(f"db-{i}", {"app": "db"}, "team-a", node_name=f"node-{i * 4}")
                  for i in range(3)]
    like_db = {"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 40, "podAffinityTerm": term(
            "db", ZONE, namespaceSelector={"matchLabels": {"team": "a"}})}]},
        "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 70, "podAffinityTerm": term("api", "rack")}]}}
    manifests += [pod(f"api-{i}", {"app": "api"}, "team-b", affinity=like_db)
                  for i in range(12)]
    hard = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        term("api", ZONE, namespaces=["team-b"])]}}
    manifests += [pod(f"worker-{i}", {"app": "worker"}, affinity=hard) for i in range(5)]
    kernel, reference, _ = schedule_both(manifests)
    assert kernel == reference
    assert all(row[1] for row in kernel)


def test_default_constraints_spread_the_pods_of_a_service():
    """System defaulting: a pod selected by a Service gets the ScheduleAnyway hostname and
    zone constraints (PodTopologySpread's scores), with DefaultSelector's selector."""
    nodes = [node(f"node-{i}", ZONES[i % 3]) for i in range(7)]
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    pods = [pod(f"web-{i}", {"app": "web"}) for i in range(20)]
    kernel, reference, cluster = schedule_both(nodes + [service] + pods, seed=3)
    assert kernel == reference
    per_node = Counter(nodes_of(cluster, "web"))
    assert max(per_node.values()) - min(per_node.values()) <= 1


def test_default_constraints_of_a_replicaset_owned_pod():
    nodes = [node(f"node-{i}", ZONES[i % 3]) for i in range(5)]
    replica_set = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                   "metadata": {"name": "rs", "namespace": "default"},
                   "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "rs"}},
                            "template": {"metadata": {"labels": {"app": "rs"}}, "spec": {
                                "containers": [{"name": "c", "image": "nginx"}]}}}}
    pods = []
    for i in range(10):
        manifest = pod(f"rs-{i}", {"app": "rs", "extra": str(i % 2)})
        manifest["metadata"]["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "rs-uid",
             "controller": True}]
        pods.append(manifest)
    kernel, reference, _ = schedule_both(nodes + [replica_set] + pods, seed=5)
    assert kernel == reference


def test_pods_placed_by_an_earlier_profile_count_for_the_next():
    """Two profiles in one scheduling pass: the second run's counts include the pods the
    first one placed."""
    nodes = [node(f"node-{i}", ZONES[i % 3]) for i in range(6)]
    constraint = [zone_spread("web")]
    pods = [pod(f"first-{i}", {"app": "web"}, spread=constraint, priority=10)
            for i in range(4)]
    pods += [pod(f"second-{i}", {"app": "web"}, spread=constraint, scheduler_name="second")
             for i in range(5)]
    cluster = Cluster(seed=1)
    cluster.apply(nodes + pods)
    cluster.configure_scheduler({"apiVersion": "kubescheduler.config.k8s.io/v1",
                                 "kind": "KubeSchedulerConfiguration",
                                 "profiles": [{"schedulerName": "default-scheduler"},
                                              {"schedulerName": "second"}]})
    cluster.schedule()
    zone_of = {n["metadata"]["name"]: n["metadata"]["labels"][ZONE] for n in nodes}
    assert Counter(zone_of[name] for name in nodes_of(cluster, "web")) == {
        "zone-a": 3, "zone-b": 3, "zone-c": 3}


def test_explain_shows_the_spread_and_affinity_verdicts():
    nodes = [node("node-0", "zone-a"), node("node-1", "zone-b"), node("node-2")]
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        term("web")]}}
    cluster = Cluster()
    cluster.apply(nodes + [pod("w0", {"app": "web"}, node_name="node-0"),
                           pod("w1", {"app": "web"}, spread=[zone_spread("web")],
                               affinity=anti)])
    frame = cluster.explain("w1", sample=False)
    assert frame["PodTopologySpread.filter"].tolist() == [
        "node(s) didn't match pod topology spread constraints", "pass",
        "node(s) didn't match pod topology spread constraints (missing required label)"]
    assert frame["InterPodAffinity.filter"].tolist() == [
        "node(s) didn't match pod anti-affinity rules", "pass", "pass"]
    codes = frame.attrs["filter_codes"]
    assert codes["PodTopologySpread"] == ["Unschedulable", "", "UnschedulableAndUnresolvable"]
    assert codes["InterPodAffinity"] == ["Unschedulable", "", ""]
    assert frame["selected"].tolist() == [False, True, False]


# ---------------------------------------------------------------------------
# Random clusters
# ---------------------------------------------------------------------------

APPS = ["web", "db", "cache"]
NAMESPACES = {"default": {}, "team-a": {"team": "a"}, "team-b": {"team": "b"}}


@st.composite
def random_nodes(draw, count):
    result = []
    for i in range(count):
        labels = {}
        zone = draw(st.sampled_from([*ZONES, None]))
        if draw(st.integers(0, 5)):
            labels["rack"] = f"rack-{draw(st.integers(0, 3))}"
        manifest = node(f"node-{i}", zone, **labels)
        manifest["status"]["capacity"]["pods"] = str(draw(st.integers(2, 12)))
        manifest["status"]["allocatable"] = manifest["status"]["capacity"]
        if draw(st.integers(0, 6)) == 0:
            manifest["spec"] = {"taints": [{"key": "dedicated", "effect": "NoSchedule"}]}
        result.append(manifest)
    return result


@st.composite
def random_term(draw):
    extra = {}
    choice = draw(st.integers(0, 4))
    if choice == 0:
        extra["namespaces"] = ["team-a"]
    elif choice == 1:
        extra["namespaceSelector"] = {"matchLabels": {"team": "a"}}
    elif choice == 2:
        extra["namespaceSelector"] = {}
    return term(draw(st.sampled_from(APPS)),
                draw(st.sampled_from([HOSTNAME, ZONE, "rack"])), **extra)


@st.composite
def random_affinity(draw):
    affinity = {}
    for kind in ("podAffinity", "podAntiAffinity"):
        section = {}
        if draw(st.integers(0, 4)) == 0:
            section["requiredDuringSchedulingIgnoredDuringExecution"] = draw(
                st.lists(random_term(), min_size=1, max_size=2))
        if draw(st.integers(0, 2)) == 0:
            section["preferredDuringSchedulingIgnoredDuringExecution"] = [
                {"weight": draw(st.integers(1, 100)), "podAffinityTerm": draw(random_term())}
                for _ in range(draw(st.integers(1, 2)))]
        if section:
            affinity[kind] = section
    return affinity or None


@st.composite
def random_spread(draw, app):
    constraints = []
    for key in draw(st.lists(st.sampled_from([ZONE, HOSTNAME, "rack"]), unique=True,
                             max_size=2)):
        constraint = zone_spread(draw(st.sampled_from([app, *APPS])), draw(st.integers(1, 3)),
                                 draw(st.sampled_from(["DoNotSchedule", "ScheduleAnyway"])),
                                 key)
        if constraint["whenUnsatisfiable"] == "DoNotSchedule" and draw(st.booleans()):
            constraint["minDomains"] = draw(st.integers(1, 4))
        if draw(st.integers(0, 3)) == 0:
            constraint["nodeTaintsPolicy"] = "Honor"
        if draw(st.integers(0, 3)) == 0:
            constraint["nodeAffinityPolicy"] = "Ignore"
        if draw(st.integers(0, 3)) == 0:
            constraint["matchLabelKeys"] = ["tier"]
        constraints.append(constraint)
    return constraints or None


@st.composite
def random_pods(draw, count, node_names):
    result = []
    for i in range(count):
        app = draw(st.sampled_from(APPS))
        namespace = draw(st.sampled_from(list(NAMESPACES)))
        labels = {"app": app, "tier": draw(st.sampled_from(["a", "b"]))}
        manifest = pod(f"pod-{i}", labels, namespace,
                       node_name=draw(st.sampled_from(node_names))
                       if node_names and draw(st.integers(0, 3)) == 0 else None,
                       spread=draw(random_spread(app)), affinity=draw(random_affinity()))
        if draw(st.integers(0, 4)) == 0:
            manifest["spec"]["nodeSelector"] = {"rack": f"rack-{draw(st.integers(0, 3))}"}
        if draw(st.integers(0, 4)) == 0:
            manifest["spec"]["tolerations"] = [{"key": "dedicated", "operator": "Exists"}]
        result.append(manifest)
    return result


def namespace_manifests() -> list[dict]:
    return [{"apiVersion": "v1", "kind": "Namespace",
             "metadata": {"name": name, "labels": labels}}
            for name, labels in NAMESPACES.items() if name != "default"]


def random_services(draw) -> list[dict]:
    return [{"apiVersion": "v1", "kind": "Service",
             "metadata": {"name": f"svc-{app}", "namespace": namespace},
             "spec": {"selector": {"app": app}, "ports": [{"port": 80}]}}
            for app in APPS for namespace in NAMESPACES if draw(st.integers(0, 2)) == 0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), node_count=st.integers(1, 12), pod_count=st.integers(1, 25),
       seed=st.integers(0, 2 ** 32))
def test_kernel_matches_reference_on_random_clusters(data, node_count, pod_count, seed):
    nodes = data.draw(random_nodes(node_count))
    pods = data.draw(random_pods(pod_count, [n["metadata"]["name"] for n in nodes]))
    manifests = namespace_manifests() + nodes + random_services(data.draw) + pods
    kernel, reference, _ = schedule_both(manifests, seed)
    assert kernel == reference


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), node_count=st.integers(100, 180), seed=st.integers(0, 2 ** 32),
       percentage=st.sampled_from([None, 5, 40]))
def test_kernel_matches_reference_with_sampling(data, node_count, seed, percentage):
    """More than 100 nodes: only a sample of the feasible nodes is scored, so PreScore's
    domains are those of the sample."""
    nodes = data.draw(random_nodes(node_count))
    pods = data.draw(random_pods(30, []))
    profile = None
    if percentage is not None:
        profile = {"schedulerName": "default-scheduler", "percentageOfNodesToScore": percentage}
    manifests = namespace_manifests() + nodes + random_services(data.draw) + pods
    kernel, reference, _ = schedule_both(manifests, seed, profile)
    assert kernel == reference


@pytest.mark.parametrize("args", [
    {"hardPodAffinityWeight": 0},
    {"hardPodAffinityWeight": 50, "ignorePreferredTermsOfExistingPods": True},
])
def test_interpodaffinity_args(args):
    nodes = [node(f"node-{i}", ZONES[i % 3]) for i in range(6)]
    hard = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        term("web", ZONE)]}, "podAntiAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 30, "podAffinityTerm": term("web")}]}}
    manifests = nodes + [pod("anchor", {"app": "anchor"}, node_name="node-1", affinity=hard)]
    manifests += [pod(f"web-{i}", {"app": "web"}) for i in range(6)]
    profile = {"schedulerName": "default-scheduler",
               "pluginConfig": [{"name": "InterPodAffinity", "args": args}]}
    kernel, reference, _ = schedule_both(manifests, 9, profile)
    assert kernel == reference


@pytest.mark.parametrize("args", [
    {"defaultingType": "List", "defaultConstraints": [
        {"maxSkew": 1, "topologyKey": ZONE, "whenUnsatisfiable": "DoNotSchedule"},
        {"maxSkew": 2, "topologyKey": HOSTNAME, "whenUnsatisfiable": "ScheduleAnyway"}]},
    {"defaultingType": "List"},
])
def test_podtopologyspread_list_defaulting(args):
    nodes = [node(f"node-{i}", ZONES[i % 3] if i != 4 else None) for i in range(7)]
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    pods = [pod(f"web-{i}", {"app": "web"}) for i in range(12)]
    profile = {"schedulerName": "default-scheduler",
               "pluginConfig": [{"name": "PodTopologySpread", "args": args}]}
    kernel, reference, _ = schedule_both(nodes + [service] + pods, 4, profile)
    assert kernel == reference


def test_same_inputs_and_seed_schedule_identically_and_resume_from_a_snapshot(tmp_path):
    """Determinism: equal clusters with equal seeds bind equally; a snapshot taken between two
    scheduling passes resumes with the same start index and random state."""
    from kbench import Cluster

    nodes = [{"apiVersion": "v1", "kind": "Node", "metadata": {
        "name": f"n{i}", "labels": {"topology.kubernetes.io/zone": f"z{i % 3}"}},
        "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "20"}}} for i in range(9)]

    def pods(prefix):
        return [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"{prefix}{i}"},
                 "spec": {"containers": [{"name": "c", "image": "x", "resources": {
                     "requests": {"cpu": "100m"}}}]}} for i in range(12)]

    def run(seed, folder=None):
        cluster = Cluster(seed=seed)
        cluster.apply(nodes + pods("a"))
        first = cluster.schedule().to_pylist()
        if folder is not None:
            cluster.snapshot(folder)
            cluster = Cluster.restore(folder)
        cluster.apply(pods("b"))
        return first, cluster.schedule().to_pylist()

    assert run(5) == run(5)
    assert run(5) == run(5, tmp_path / "snap")
    assert run(5) != run(6)  # ties among equal nodes are broken by the seeded generator
