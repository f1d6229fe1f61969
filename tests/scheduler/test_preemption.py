"""DefaultPreemption in the compiled scheduler (kbench.scheduler.plugins.defaultpreemption):
Kubernetes' own expected values (default_preemption_test.go TestDryRunPreemption and
TestSelectBestCandidate, the cases ported in test_defaultpreemption.py for the reference),
differential tests against the reference scheduler on random clusters with priorities, PDBs,
host ports, pod anti-affinity and topology spread, and what Cluster.schedule() does with the
decision (nominatedNodeName, "Preempted" events, evictions)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kbench import Cluster
from kbench.scheduler import kernel
from kbench.scheduler.batch import build_batch, pending_pod_rows, queue_order
from kbench.scheduler.compile import (compile_nodes, compile_profile, compile_templates,
                                      compile_topology)
from kbench.scheduler.plugins import defaultpreemption
from kbench.scheduler.scheduler import _widen_ports
from scheduler.builders import make_node, make_pod
from scheduler.test_defaultpreemption import (DRY_RUN_CASES, HIGH, LARGE, LOW, MID, ONE_POD,
                                              SELECT_CASES, VERY_LARGE, dry_run_nodes, node,
                                              pdb, pod)
from scheduler.both import schedule_both

CONFIGURATION = {"apiVersion": "kubescheduler.config.k8s.io/v1",
                 "kind": "KubeSchedulerConfiguration"}


def cluster_of(nodes, pods, pdbs=(), profile=None, args=None, seed=0) -> Cluster:
    cluster = Cluster(seed=seed)
    pods = [_with_container(p) for p in pods]
    cluster.apply(list(nodes) + pods + list(pdbs))
    _started(cluster, pods)
    if profile is not None or args is not None:
        profile = copy.deepcopy(profile or {})
        plugins = profile.get("plugins") or {}
        if {"name": "*"} in (plugins.get("multiPoint") or {}).get("disabled", []):
            # the Go tests' hand-built frameworks: a real profile also sorts and binds
            plugins["queueSort"] = {"enabled": [{"name": "PrioritySort"}]}
            plugins["bind"] = {"enabled": [{"name": "DefaultBinder"}]}
        if args is not None:
            profile["pluginConfig"] = [{"name": "DefaultPreemption", "args": args}]
        cluster.configure_scheduler({**CONFIGURATION, "profiles": [profile]})
    return cluster


def _with_container(pod: dict) -> dict:
    """The Go tests' pods may have no container, which the API server rejects."""
    if (pod.get("spec") or {}).get("containers"):
        return pod
    pod = copy.deepcopy(pod)
    pod.setdefault("spec", {})["containers"] = [{"name": "app", "image": "app"}]
    return pod


def _started(cluster: Cluster, pods) -> None:
    """The simulator owns pod status (manifests' is ignored): set the start time of the pods
    whose manifest has status.startTime, as the kubelet would have."""
    from datetime import datetime

    from kbench.api.store import EPOCH
    table = cluster.state.tables["pods"]
    for manifest in pods:
        start = (manifest.get("status") or {}).get("startTime")
        if start:
            _, row = cluster._find("pod", manifest["metadata"]["name"],
                                   manifest["metadata"].get("namespace", "default"))
            when = datetime.fromisoformat(start.replace("Z", "+00:00"))
            table["start_time"][row] = (when - EPOCH).total_seconds()


def kernel_dry_run(cluster: Cluster, offset: int) -> dict:
    """DryRunPreemption of the one pending pod over every node (in name order, as the Go
    test lists them) from ``offset``: {node: (victim names, PDB violations)}."""
    state = cluster.state
    batch = build_batch(state, queue_order(state, pending_pod_rows(state)))
    profile = cluster.scheduler.configuration.profile(batch.templates[0].scheduler_name)
    port_keys: dict = {}
    nodes = compile_nodes(batch, port_keys)
    templates = compile_templates(batch, profile, port_keys)
    spread, affinity = compile_topology(batch, profile)
    data = kernel.ProfileData(*compile_profile(profile, state.resources, batch.node_count,
                                               batch.reasons))
    preemption = defaultpreemption.Preemption(
        batch, port_keys, profile.plugin_args.get(defaultpreemption.NAME))
    nodes = _widen_ports(nodes, len(port_keys))
    potential = np.array(sorted(range(batch.node_count), key=lambda n: batch.node_names[n]),
                         dtype=np.int64)
    count, _, error_node, (candidate_node, violations, starts, victims) = preemption.dry_run(
        0, potential, offset, nodes, templates, data, spread, affinity, custom_filter(profile),
        defaultpreemption.UNSCHEDULABLE_CODE, np.zeros(len(batch.reasons) + 1, dtype=np.int64),
        np.zeros(len(state.resources), dtype=np.int64))
    assert error_node < 0
    pods = state.tables["pods"]
    return {batch.node_names[int(candidate_node[c])]: (
        sorted(state.strings[int(pods["name"][preemption.victims.row[v]])]
               for v in victims[starts[c]:starts[c + 1]].tolist()), int(violations[c]))
        for c in range(count)}


def custom_filter(profile):
    from kbench.scheduler.compile import custom_functions
    return custom_functions(profile)[0]


# ---------------------------------------------------------------------------
# Kubernetes' expected values
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,prof,specs,preemptor,pods,pdbs,args,offset,want", DRY_RUN_CASES,
                         ids=[c[0] for c in DRY_RUN_CASES])
def test_dry_run_preemption(name, prof, specs, preemptor, pods, pdbs, args, offset, want):
    """default_preemption_test.go TestDryRunPreemption, through the compiled dry run."""
    cluster = cluster_of(dry_run_nodes(*specs), pods + [preemptor], pdbs, prof, args)
    assert kernel_dry_run(cluster, offset) == want


@pytest.mark.parametrize("name,num_nodes,preemptor,pods,expected", SELECT_CASES,
                         ids=[c[0] for c in SELECT_CASES])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_select_best_candidate(name, num_nodes, preemptor, pods, expected, seed):
    """default_preemption_test.go TestSelectBestCandidate, end to end: the pod fits nowhere,
    every node may be helped; the nomination is one Go expects and the reference's, with the
    same victims."""
    nodes = [node(f"node{i}", VERY_LARGE) for i in range(1, num_nodes + 1)]
    kernel_rows, reference_rows = both(nodes, pods + [preemptor], seed=seed)
    assert kernel_rows == reference_rows
    row = next(r for r in kernel_rows if r[0] == "p")
    assert row[1] is None and row[4] in expected and row[5]


def test_computed_pdb_protects_victims():
    """A PDB without status, minAvailable 2 over its two Running pods (no disruption
    allowed): node1 only frees room by evicting "a" (a violation); on node2 the violating "b"
    is reprieved first and evicting "c" suffices. node2 wins on fewer PDB violations."""
    pods = [pod("a", LOW, LARGE, "node1", {"app": "x"}), pod("b", LOW, LARGE, "node2", {"app": "x"}),
            pod("c", LOW, LARGE, "node2"), pod("p", HIGH, LARGE)]
    nodes = [node("node1", {"cpu": 300, "memory": "300"}), node("node2", {"cpu": 600, "memory": "600"})]
    for seed in range(3):
        kernel_rows, reference_rows = both(nodes, pods, [pdb({"app": "x"}, minAvailable=2)],
                                           seed=seed)
        assert kernel_rows == reference_rows
        assert kernel_rows[0][4:] == ("node2", ["default/c"])


# ---------------------------------------------------------------------------
# What schedule() does with the decision
# ---------------------------------------------------------------------------

def test_schedule_nominates_evicts_and_then_binds():
    """The preemptor is nominated to node2 (its only pod has the lowest priority), the
    victim is deleted with a "Preempted" event naming the preemptor's uid and the node, a
    lower-priority pod nominated to node2 loses its nomination, and the next pass binds the
    preemptor there."""
    nodes = [node("node1", ONE_POD), node("node2", ONE_POD)]
    waiting = make_pod("waiting").priority(LOW).nominated("node2").req(cpu=10**6).obj()
    cluster = cluster_of(nodes, [pod("p1", HIGH, node="node1"), pod("p2", LOW, node="node2"),
                                 pod("p", MID), waiting])
    assert cluster.schedule().num_rows == 0
    preemptor = cluster.get("pod", "p")
    assert preemptor.status.nominatedNodeName == "node2"
    assert preemptor.status.conditions[0]["message"] == "0/2 nodes are available: 2 Too many pods."
    assert [p.metadata["name"] for p in cluster.list("pods")] == ["p1", "p", "waiting"]
    events = [(e["reason"], e["message"]) for e in map(lambda e: e.to_dict(), cluster.list("events"))
              if e["involvedObject"]["name"] == "p2"]
    assert events == [("Preempted", f"Preempted by pod {preemptor.metadata['uid']} on node node2")]
    assert cluster.get("pod", "waiting").status.get("nominatedNodeName") is None
    assert cluster.schedule().to_pylist()[0]["node"] == "node2"


def test_preemption_policy_never_and_no_lower_priority_pods():
    nodes = [node("node1", ONE_POD)]
    never = make_pod("never").priority(HIGH).preemption_policy("Never").obj()
    cluster = cluster_of(nodes, [pod("p1", LOW, node="node1"), never, pod("tied", LOW)])
    cluster.schedule()
    assert [p.metadata["name"] for p in cluster.list("pods")] == ["p1", "never", "tied"]
    message = lambda name: cluster.get("pod", name).status.conditions[0]["message"]
    assert message("never") == ("0/1 nodes are available: 1 Too many pods. "
                                "preemption: not eligible due to preemptionPolicy=Never.")
    assert message("tied") == ("0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes "
                               "are available: 1 No preemption victims found for incoming pod.")


def test_preemption_disabled_in_the_profile():
    nodes = [node("node1", ONE_POD)]
    cluster = cluster_of(nodes, [pod("p1", LOW, node="node1"), pod("p", HIGH)],
                         profile={"plugins": {"postFilter": {"disabled": [{"name": "*"}]}}})
    cluster.schedule()
    assert cluster.get("pod", "p").status.conditions[0]["message"] == \
        "0/1 nodes are available: 1 Too many pods."
    assert len(cluster.list("pods")) == 2


def test_a_pass_sees_the_state_at_each_failure():
    """Pods placed before a preemptor count in its dry run: the first high pod takes the
    free node, the second must preempt, the third (lower priority than the victims) cannot."""
    nodes = [node("node1", ONE_POD), node("node2", ONE_POD), node("node3", ONE_POD)]
    pods = [pod("low1", LOW, node="node1"), pod("mid2", MID, node="node2"),
            pod("h1", HIGH), pod("h2", HIGH), pod("l3", LOW)]
    kernel_rows, reference_rows = both(nodes, pods)
    assert kernel_rows == reference_rows
    rows = {row[0]: row for row in kernel_rows}
    assert rows["h1"][1] == "node3"
    assert rows["h2"][4:] == ("node1", ["default/low1"])
    assert rows["l3"][4:] == (None, [])


# ---------------------------------------------------------------------------
# Differential tests
# ---------------------------------------------------------------------------

def both(nodes, pods, pdbs=(), seed=0, profile=None):
    """(kernel rows, reference rows) of one pass over this cluster (see scheduler.both)."""
    return schedule_both(cluster_of(nodes, pods, pdbs, profile, seed=seed), profile, seed)


ZONES = ["zone-a", "zone-b"]
APPS = ["web", "db", "cache"]
PRIORITIES = [-5, 0, 10, 100, 1000]


@st.composite
def clusters(draw):
    node_count = draw(st.integers(1, 6))
    nodes = []
    for i in range(node_count):
        labels = {"kubernetes.io/hostname": f"node-{i}"}
        if draw(st.integers(0, 5)):
            labels["topology.kubernetes.io/zone"] = draw(st.sampled_from(ZONES))
        nodes.append(make_node(f"node-{i}").labels(labels).alloc(
            cpu=draw(st.integers(2, 8)) * 500, memory=f"{draw(st.integers(1, 8))}Gi",
            pods=draw(st.integers(1, 5))).obj())
    pods = []
    for i in range(draw(st.integers(1, 14))):
        bound = draw(st.booleans())
        builder = make_pod(f"{'b' if bound else 'q'}{i}").labels(
            app=draw(st.sampled_from(APPS))).priority(draw(st.sampled_from(PRIORITIES))).req(
            cpu=draw(st.integers(0, 6)) * 250, memory=f"{draw(st.integers(0, 4)) * 512}Mi")
        if bound:
            builder.node(f"node-{draw(st.integers(0, node_count - 1))}")
            if draw(st.integers(0, 3)) == 0:
                builder.pod["status"]["startTime"] = f"2026-01-01T00:00:{draw(st.integers(0, 9)):02d}Z"
        if draw(st.integers(0, 5)) == 0:
            builder.host_port(draw(st.sampled_from([80, 443])))
        kind = draw(st.integers(0, 7))
        target = draw(st.sampled_from(APPS))
        term = {"labelSelector": {"matchLabels": {"app": target}},
                "topologyKey": draw(st.sampled_from(["kubernetes.io/hostname",
                                                     "topology.kubernetes.io/zone"]))}
        if kind == 0:
            builder.affinity({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}})
        elif kind == 1 and not bound:
            builder.affinity({"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}})
        elif kind == 2 and not bound:
            builder.spread(max_skew=draw(st.integers(1, 2)), topology_key=term["topologyKey"],
                           when_unsatisfiable="DoNotSchedule",
                           selector={"matchLabels": {"app": target}})
        if not bound and draw(st.integers(0, 4)) == 0:
            builder.preemption_policy("Never")
        pods.append(builder.obj())
    pdbs = []
    for j, app in enumerate(draw(st.lists(st.sampled_from(APPS), max_size=2, unique=True))):
        obj = pdb({"app": app}, draw(st.one_of(st.none(), st.integers(0, 2))),
                  minAvailable=draw(st.integers(0, 3)))
        obj["metadata"]["name"] = f"pdb-{j}"
        pdbs.append(obj)
    return nodes, pods, pdbs


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster=clusters(), seed=st.integers(0, 2**32))
def test_kernel_preempts_as_the_reference(cluster, seed):
    nodes, pods, pdbs = cluster
    kernel_rows, reference_rows = both(nodes, pods, pdbs, seed=seed)
    assert kernel_rows == reference_rows
