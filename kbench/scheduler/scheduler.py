"""The scheduler: decides where pending pods go, one compiled batch per run of a profile.

It reads the state and returns decisions (bindings and failures); the engine applies them.
Its own state between passes is kube-scheduler's: the rotating start index of the node search
and the random generator of the tie-break, both kept in the ClusterState's counters so that
snapshots resume exactly. Besides, it keeps a memo for its kernel between passes
(kbench.scheduler.memo), which saves work and changes no decision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kbench.gc_pause import collector_paused
from kbench.scheduler import custom, kernel
from kbench.scheduler.batch import Batch, build_batch, pending_pod_rows, queue_order
from kbench.scheduler.compile import (compile_nodes, compile_profile, compile_templates,
                                      compile_topology, custom_functions)
from kbench.scheduler.config import (SchedulerConfiguration, default_configuration,
                                     num_feasible_nodes_to_find)
from kbench.scheduler.memo import KernelMemo, kernel_memo
from kbench.scheduler.plugins import defaultpreemption, nodeports, noderesources
from kbench.state import ClusterState

START_INDEX = "scheduler_start_index"
RNG = "scheduler_rng"


@dataclass
class Decisions:
    """What one scheduling pass decided, in queue order."""

    pod_rows: np.ndarray        # pods considered, in queue order
    node_rows: np.ndarray       # their node's state row, -1 when unschedulable
    scores: np.ndarray          # the chosen node's total score; -1 when not scored
    messages: list[str | None]  # FailedScheduling message of each unschedulable pod
    unknown_scheduler: np.ndarray  # pods whose spec.schedulerName no profile has
    nominated_rows: np.ndarray  # DefaultPreemption's nominated node row; -1: cleared,
                                #   NOT_NOMINATED: left as it is
    victims: dict[int, np.ndarray]  # queue position -> pod rows to evict for that pod


NOT_NOMINATED = -2


class Scheduler:
    """kube-scheduler with the profiles of a KubeSchedulerConfiguration."""

    def __init__(self, configuration: SchedulerConfiguration | None = None) -> None:
        self.configuration = configuration or default_configuration()
        self._memos: dict[str, KernelMemo] = {}  # per profile, between passes (see memo)

    def decide(self, state: ClusterState, pod_rows: np.ndarray | None = None) -> Decisions:
        """Where each pending pod goes (or why it cannot go anywhere), without changing state
        but for the scheduler's own counters (start index, random generator)."""
        with collector_paused():
            return self._decide(state, pod_rows)

    def _decide(self, state: ClusterState, pod_rows: np.ndarray | None) -> Decisions:
        if pod_rows is None:
            pod_rows = pending_pod_rows(state)
        queue = queue_order(state, pod_rows)
        batch = build_batch(state, queue)
        node_rows = np.full(len(queue), -1, dtype=np.int64)
        scores = np.full(len(queue), kernel.NOT_SCORED, dtype=np.int64)
        messages: list[str | None] = [None] * len(queue)
        unknown = np.zeros(len(queue), dtype=np.bool_)
        nominated_rows = np.full(len(queue), NOT_NOMINATED, dtype=np.int64)
        victims: dict[int, np.ndarray] = {}
        preemption = None  # DefaultPreemption's victims and PDBs, compiled at first need
        profiles = {name: self.configuration.profile(name)
                    for name in {t.scheduler_name for t in batch.templates}}
        profile_of = [profiles[t.scheduler_name] for t in batch.templates]
        runs = _runs(profile_of, batch.queue_template)
        port_keys: dict = {}
        nodes = compile_nodes(batch, port_keys)
        rng_state = np.array([state.counters.get(RNG, state.seed)], dtype=np.uint64)
        start = int(state.counters.get(START_INDEX, 0))
        # pods placed by earlier runs (template, node position): later runs count them
        placed_templates = np.zeros(0, dtype=np.int64)
        placed_nodes = np.zeros(0, dtype=np.int64)
        for profile, begin, end in runs:
            if profile is None:
                unknown[begin:end] = True
                continue
            templates = compile_templates(batch, profile, port_keys)
            spread, affinity = compile_topology(batch, profile, placed_templates, placed_nodes)
            nodes = _widen_ports(nodes, len(port_keys))
            to_find = num_feasible_nodes_to_find(
                profile.percentage_of_nodes_to_score, batch.node_count,
                global_percentage=self.configuration.percentage_of_nodes_to_score)
            data = kernel.ProfileData(*compile_profile(profile, state.resources, to_find,
                                                       batch.reasons))
            custom_filter, custom_score = custom_functions(profile)
            memo = kernel_memo(self._memos, profile.scheduler_name, batch.node_rows, data, nodes)
            count = end - begin
            chosen = np.full(count, -1, dtype=np.int64)
            totals = np.full(count, kernel.NOT_SCORED, dtype=np.int64)
            reason_counts = np.zeros((count, len(batch.reasons)), dtype=np.int64)
            resource_failures = np.zeros((count, len(state.resources)), dtype=np.int64)
            preempting = profile.enabled(defaultpreemption.NAME, "postFilter")
            stop = np.array([preempting and not templates.prefilter_reason[t.index]
                             and (t.spec.get("preemptionPolicy") or "") != "Never"
                             for t in batch.templates], dtype=np.bool_)

            def prepared():
                """DefaultPreemption's per-pass data, built when a pod first needs it (the
                victims' host ports are keys compile_nodes made already: nothing widens)."""
                nonlocal preemption
                if preemption is None:
                    width = len(port_keys)
                    preemption = defaultpreemption.Preemption(
                        batch, port_keys, profile.plugin_args.get(defaultpreemption.NAME))
                    if len(port_keys) != width:
                        raise AssertionError("preemption found host ports the nodes lack")
                return preemption
            custom_code = _custom_code(profile)
            queue_template = batch.queue_template[begin:end]
            done = 0
            outcomes: dict[int, defaultpreemption.Outcome] = {}
            while done < count:
                start, stopped = custom.call(
                    kernel.schedule_batch,
                    queue_template[done:], np.arange(batch.node_count, dtype=np.int64),
                    start, rng_state, nodes, templates, data, spread, affinity, memo.versions,
                    memo.cache, chosen[done:], totals[done:], reason_counts[done:],
                    resource_failures[done:], custom_filter, custom_score, stop)
                start, done = int(start), done + int(stopped)
                i = done - 1
                if chosen[i] < 0 and stop[queue_template[i]]:  # it stopped at pod i
                    t = int(queue_template[i])
                    outcomes[i] = prepared().evaluate(
                        int(batch.queue[begin + i]), t, batch.templates[t], False, nodes,
                        templates, data, spread, affinity, custom_filter, custom_code,
                        rng_state)
            memo.after(nodes)
            placed = chosen >= 0
            node_rows[begin:end][placed] = batch.node_rows[chosen[placed]]
            placed_templates = np.concatenate([placed_templates, queue_template[placed]])
            placed_nodes = np.concatenate([placed_nodes, chosen[placed]])
            scores[begin:end] = totals
            for i in np.flatnonzero(~placed).tolist():
                t = int(queue_template[i])
                rejected = int(templates.prefilter_reason[t])
                message = (
                    f"0/{batch.node_count} nodes are available: {batch.reasons.texts[rejected]}."
                    if rejected else failure_message(batch, state.resources, reason_counts[i],
                                                     resource_failures[i]))
                outcome = outcomes.get(i)
                if outcome is None and preempting and batch.node_count:
                    outcome = prepared().evaluate(
                        int(batch.queue[begin + i]), t, batch.templates[t], bool(rejected),
                        nodes, templates, data, spread, affinity, custom_filter, custom_code,
                        rng_state)
                if outcome is not None:
                    if outcome.message:
                        message += " " + outcome.message
                    if outcome.nominated_node is not None:
                        nominated_rows[begin + i] = (-1 if outcome.nominated_node < 0 else
                                                     batch.node_rows[outcome.nominated_node])
                    if len(outcome.victims):
                        victims[begin + i] = outcome.victims
                messages[begin + i] = message
        state.counters[START_INDEX] = start
        state.counters[RNG] = int(rng_state[0])
        return Decisions(queue, node_rows, scores, messages, unknown, nominated_rows, victims)


def _runs(profile_of: list, queue_template: np.ndarray) -> list[tuple[object, int, int]]:
    """Consecutive stretches of the queue handled by the same profile: (profile, begin, end),
    ``profile_of[t]`` being template t's profile (None: no profile has its schedulerName)."""
    if len(queue_template) == 0:
        return []
    if all(profile is profile_of[0] for profile in profile_of):  # one profile: one run
        return [(profile_of[0], 0, len(queue_template))]
    ids = {}
    template_profile = np.array([ids.setdefault(id(p), len(ids)) for p in profile_of],
                                dtype=np.int64)
    pod_profile = template_profile[queue_template] if len(profile_of) else queue_template
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(pod_profile)) + 1,
                             [len(queue_template)]]).tolist()
    return [(profile_of[int(queue_template[begin])], begin, end)
            for begin, end in zip(bounds[:-1], bounds[1:]) if end > begin]


def _custom_code(profile) -> int:
    """The status code of the profile's custom Filter plugin's rejection."""
    from kbench.scheduler import custom
    for name in profile.filters():
        plugin = custom.REGISTRY.get(name)
        if plugin is not None and plugin.filter is not None:
            return (defaultpreemption.UNRESOLVABLE_CODE if plugin.unresolvable
                    else defaultpreemption.UNSCHEDULABLE_CODE)
    return defaultpreemption.UNSCHEDULABLE_CODE


def _widen_ports(nodes: kernel.NodeState, keys: int) -> kernel.NodeState:
    if nodes.port_usage.shape[1] >= keys:
        return nodes
    usage = np.zeros((nodes.port_usage.shape[0], keys), dtype=np.int32)
    usage[:, : nodes.port_usage.shape[1]] = nodes.port_usage
    return nodes._replace(port_usage=usage)


def failure_message(batch: Batch, resources: list[str], reason_counts: np.ndarray,
                    resource_failures: np.ndarray) -> str:
    """FitError.Error(): "0/N nodes are available: <count> <reason>, ... ." with the reasons
    sorted as strings (pkg/scheduler/framework/types.go)."""
    if batch.node_count == 0:
        return "no nodes available to schedule pods"  # schedule_one.go ErrNoNodesAvailable
    histogram: dict[str, int] = {}
    for reason, count in enumerate(reason_counts.tolist()):
        if count:
            texts = ((nodeports.REASON,) if reason == 0
                     else batch.reasons.parts.get(reason, (batch.reasons.texts[reason],)))
            for text in texts:  # a multi-reason Status counts each of its reasons
                histogram[text] = histogram.get(text, 0) + count
    for resource, count in enumerate(resource_failures.tolist()):
        if count:
            text = (noderesources.TOO_MANY_PODS if resources[resource] == "pods"
                    else noderesources.insufficient(resources[resource]))
            histogram[text] = histogram.get(text, 0) + count
    message = f"0/{batch.node_count} nodes are available:"
    parts = sorted(f"{count} {text}" for text, count in histogram.items())
    if parts:
        message += f" {', '.join(parts)}."
    return message
