"""The engine: runs a cluster forward on a simulated clock.

Time advances in ticks (EngineConfig.tick seconds). Each tick ending at time T does, in this
fixed order:

1. events due: every queued event with time <= T (kubelet transitions: container started,
   pod ready, container exited, pod terminated), in (time, kind, sequence) order, kind by kind,
   until none is due (handling one may queue another that is due too);
2. sources: pods that clients create at their own times (kbench.sim.arrivals: a trace
   replay), with their exact arrival times as creationTimestamp;
3. controllers due: garbage collection (when something with dependents was deleted; down
   the whole chain of owners in one tick), pod garbage collection (pods of deleted nodes),
   then CronJobs, Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs
   (an owner before what it owns, so a ReplicaSet resized by its Deployment, or a Job a
   CronJob created, gets its pods in the same tick); each decides, the engine applies its
   actions;
4. the scheduler: one batch of the pending pods whose back-off has passed (see retry_rows);
5. the kubelet: pods bound in this tick are admitted and their starts queued;
6. metrics-server's scrapes due by T (every metrics_resolution seconds: kbench.metrics);
7. the HorizontalPodAutoscalers, every hpa_sync_period (15 s), from those metrics;
8. hooks registered for the end of a tick (see add_hook);
9. pod-row compaction, when the pods table's deleted rows outnumber its live ones by
   EngineConfig.pod_compaction_ratio (kbench.state.compaction): the live pods renumbered in
   their order, every holder of pod rows with them. Between two ticks nothing is under way,
   and the hooks have seen the tick's deletions.

Events keep their exact times (a pod started at 12.34 s says so); what a tick batches is when
the other parts see them. Nothing here loops over pods or nodes in Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from kbench.api.manifests import Document
from kbench.api.store import commit, plan
from kbench.api.store import PodPlans, create_planned_pods
from kbench.controllers.actions import Actions
from kbench.controllers.batch import CronJobController, JobController
from kbench.controllers.deployment import DeploymentController
from kbench.controllers.daemonset import sync_daemonsets
from kbench.controllers.hpa import HorizontalController, HpaConfig, HpaHistory, PodMetrics
from kbench.controllers.hpa import apply_hpa_decisions
from kbench.controllers.podgc import PodGarbageCollector
from kbench.controllers.replicaset import sync_replicasets
from kbench.metrics.adapter import MetricsAdapter
from kbench.metrics.server import MetricsServer
from kbench.metrics.usage import UsageModel
from kbench.controllers.statefulset import sync_statefulsets
from kbench.gc_pause import collector_paused
from kbench.sim.clock import EventQueue, parse_duration
from kbench.sim.events import record_event, record_events
from kbench.sim.kubelet import Kubelet, KubeletConfig
from kbench.sim.scheduling import MAX_BACKOFF, apply_decisions, backoff
from kbench.state import ClusterState
from kbench.state.compaction import compact_pods, renumbered
from kbench.state.schema import POD_PHASES

#: podMaxInUnschedulablePodsDuration: an unschedulable pod is retried after this long even
#: when nothing in the cluster changed.
MAX_UNSCHEDULABLE_SECONDS = 300.0
PENDING = POD_PHASES.index("Pending")


@dataclass(frozen=True)
class EngineConfig:
    tick: float = 1.0                     # seconds of simulated time per engine tick
    kubelet: KubeletConfig = KubeletConfig()
    metrics_resolution: float = 15.0      # metrics-server's --metric-resolution
    hpa: HpaConfig = HpaConfig()          # kube-controller-manager's HPA flags
    hpa_sync_period: float = 15.0         # --horizontal-pod-autoscaler-sync-period
    #: compact the pods table after a tick when its deleted rows are more than this many
    #: times its live ones (0: whenever a row is deleted; math.inf: never). Compacting costs
    #: a copy of every pods column and the rebuild of the caches by pod row; each deleted
    #: row left costs every per-pod pass of every tick. A quarter: on the day benchmark
    #: (150,000 pods, ~7,500 deleted per simulated hour) about five compactions a day.
    pod_compaction_ratio: float = 0.25


class Engine:
    """The engine of one ClusterState; ``scheduler`` gives the scheduler to use each tick."""

    def __init__(self, state: ClusterState, scheduler: Callable[[], object],
                 config: EngineConfig | None = None) -> None:
        self.state = state
        self.config = config or EngineConfig()
        if not self.config.tick > 0:
            raise ValueError(f"tick: {self.config.tick!r}: must be a positive number of seconds")
        self.scheduler = scheduler
        self.queue = EventQueue()
        self.kubelet = Kubelet(self.config.kubelet, seed=state.seed)
        self.usage = UsageModel(seed=state.seed)
        self.metrics = MetricsServer(resolution=self.config.metrics_resolution)
        self.adapter = MetricsAdapter(self.usage)  # Pods and External metrics for the HPA
        self.deployments = DeploymentController()
        self.jobs = JobController()
        self.pod_gc = PodGarbageCollector()
        self.autoscaler = HorizontalController(self.config.hpa)
        self.next_hpa_sync = state.time + self.config.hpa_sync_period
        self.cronjobs = CronJobController()
        self.hooks: list[Callable[[Engine], None]] = []
        #: objects outside the engine that keep pod rows across ticks: their
        #: ``renumber_pods(new_of_old)`` is called when the rows are compacted
        self.pod_row_holders: list = []
        self.compactions = 0  # pod-row compactions so far
        self.sources: list[Callable[[Engine], object]] = []
        self.pod_plans = PodPlans()   # controllers' pod templates, admitted once
        self._deletions_collected = -1
        #: the last time something that may let a pending pod fit happened (a pod ended or
        #: was deleted, a node was added)
        self.last_cluster_change = state.time
        self._nodes_seen = len(state.tables["nodes"])

    def to_arrays(self) -> dict[str, dict[str, np.ndarray]]:
        """What a snapshot must keep to go on from here: the event queue and the clock's
        bookkeeping, the kubelet's image cache."""
        engine = self.queue.to_arrays()
        engine["last_cluster_change"] = np.array([self.last_cluster_change])
        engine["tick"] = np.array([self.config.tick])
        engine["next_hpa_sync"] = np.array([self.next_hpa_sync])
        return {"engine": engine, "usage": self.usage.to_arrays(),
                "adapter": self.adapter.to_arrays(),
                "metrics": self.metrics.to_arrays(), "hpa": self.autoscaler.history.to_arrays(),
                "kubelet": self.kubelet.to_arrays()}

    def restore(self, extras: dict[str, dict[str, np.ndarray]]) -> None:
        """Take back what to_arrays gave (read from a snapshot)."""
        engine = extras.get("engine")
        if engine is None:
            return
        self.queue = EventQueue.from_arrays(engine)
        self.last_cluster_change = float(engine["last_cluster_change"][0])
        if "usage" in extras:
            self.usage = UsageModel.from_arrays(extras["usage"])
            self.adapter = MetricsAdapter(self.usage)
        if "adapter" in extras:
            self.adapter.restore(extras["adapter"])
        if "metrics" in extras:
            self.metrics = MetricsServer.from_arrays(extras["metrics"])
        if "hpa" in extras:
            self.autoscaler = HorizontalController(self.config.hpa,
                                                   HpaHistory.from_arrays(extras["hpa"]))
        if "kubelet" in extras:
            self.kubelet.restore(extras["kubelet"])
        if "next_hpa_sync" in engine:
            self.next_hpa_sync = float(engine["next_hpa_sync"][0])

    def add_hook(self, hook: Callable[["Engine"], None]) -> None:
        """Call ``hook(engine)`` at the end of every tick (after the kubelet)."""
        self.hooks.append(hook)

    def add_source(self, source: Callable[["Engine"], object]) -> None:
        """Call ``source(engine)`` every tick after the events due, before the controllers:
        where clients create objects (kbench.sim.arrivals.PodArrivals)."""
        self.sources.append(source)

    # -- running -----------------------------------------------------------------------------

    def run_for(self, duration) -> None:
        """Advance by ``duration`` (seconds or a Go duration string) in ticks."""
        seconds = parse_duration(duration, "duration")
        if seconds < 0:
            raise ValueError(f"duration: {duration!r}: must not be negative")
        self.run_until(self.state.time + seconds)

    def run_until(self, until) -> None:
        """Advance to simulated time ``until`` (seconds since the start, or a duration
        string counted from the start)."""
        end = parse_duration(until, "until")
        tick = self.config.tick
        steps = math.ceil(round((end - self.state.time) / tick, 9))
        start = self.state.time
        for i in range(1, steps + 1):
            self.tick(min(start + i * tick, end))

    def tick(self, until: float) -> None:
        """One tick ending at ``until`` (the fixed order of the module's docstring), with
        Python's cyclic garbage collector paused (kbench.gc_pause)."""
        with collector_paused():
            self._tick(until)

    def _tick(self, until: float) -> None:
        state = self.state
        state.time = float(until)
        self._events_due(until)
        for source in self.sources:
            source(self)
        self._controllers()
        self._schedule()
        self.kubelet.admit(state, self.queue)
        while self.metrics.next_scrape_time <= state.time:
            self.metrics.scrape(state, self.usage, self.metrics.next_scrape_time)
        if self.next_hpa_sync <= state.time:
            self.next_hpa_sync += self.config.hpa_sync_period * max(1, math.floor(
                (state.time - self.next_hpa_sync) / self.config.hpa_sync_period) + 1)
            self._autoscale()
        for hook in self.hooks:
            hook(self)
        pods = state.tables["pods"]
        live = pods.live_count
        if len(pods) > live and len(pods) - live > self.config.pod_compaction_ratio * live:
            self.compact_pods()

    # -- 1. events ---------------------------------------------------------------------------

    def _events_due(self, until: float) -> None:
        while self.queue.next_time() <= until:
            due = self.queue.pop_due(until)
            for kind in np.unique(due.kinds).tolist():
                # payload -1: a pod deleted before its rows were compacted
                mine = (due.kinds == kind) & (due.payloads >= 0)
                self.kubelet.handle(self.state, self.queue, type(due)(
                    due.times[mine], due.kinds[mine], due.payloads[mine], due.tags[mine]))
            self.last_cluster_change = until

    # -- 9. pod-row compaction ----------------------------------------------------------------

    def compact_pods(self) -> None:
        """Drop the pods table's deleted rows and renumber every holder of pod rows (see
        kbench.state.compaction); the HPA controller forgets its pod selection (made again
        at its next sync)."""
        new_of_old = compact_pods(self.state)
        # every event on the queue is about a pod (the kubelet's kinds)
        self.queue.payloads = renumbered(self.queue.payloads, new_of_old)
        self.usage.renumber_pods(new_of_old)
        self.metrics.renumber_pods(new_of_old)
        self.pod_gc.renumber_pods(new_of_old)
        self.autoscaler.caches.pop("pod_selection", None)
        for holder in self.pod_row_holders:
            holder.renumber_pods(new_of_old)
        self.compactions += 1

    # -- 2. controllers ----------------------------------------------------------------------

    def _controllers(self) -> None:
        state = self.state
        if len(state.tables["nodes"]) != self._nodes_seen:
            self._nodes_seen = len(state.tables["nodes"])
            self.last_cluster_change = state.time
        while state.counters.get("object_deletions", 0) != self._deletions_collected:
            self._deletions_collected = state.counters.get("object_deletions", 0)
            self.apply(collect_garbage(state))  # owners of owners: until nothing is left
        self.apply(self.pod_gc.sync(state))
        self.apply(self.cronjobs.sync(state))
        self.apply(self.deployments.sync(state))
        self.apply(sync_replicasets(state))
        self.apply(sync_statefulsets(state))
        self.apply(sync_daemonsets(state))
        self.apply(self.jobs.sync(state))

    def apply(self, actions: Actions) -> None:
        """Carry out what a controller decided."""
        state = self.state
        for manifest in actions.create_objects:
            commit(state, plan(state, [Document("<controller>", 1, manifest)]))
        for table, row, values in actions.updates:
            update_row(state, table, row, values)
        for batch in actions.create_pods:
            values = self.pod_plans.values(state, batch.manifest, batch.namespace,
                                           batch.names[0] if batch.names else None,
                                           batch.manifest_text)
            create_planned_pods(state, values, batch.names, batch.namespace)
            count = len(batch.names)
            record_events(state, batch.owner_kind,
                          np.full(count, state.strings.intern(batch.owner_name)),
                          state.strings.intern(batch.namespace), "Normal", "SuccessfulCreate",
                          [f"Created pod: {name}" for name in batch.names], batch.component)
        for events in actions.deletion_events:
            record_events(state, events.kind, events.name_codes, events.namespace_codes,
                          events.type, events.reason, events.messages, events.component)
        for rows in actions.delete_pods:
            self.delete_pods(rows)
        for table, rows in actions.delete_objects:
            delete_objects(state, table, rows)
        for event in actions.events:
            record_event(state, event.kind, event.name, event.namespace, event.type,
                         event.reason, event.message, event.component)

    def delete_pods(self, rows: np.ndarray) -> None:
        """Delete pods through the kubelet model (graceful termination)."""
        self.kubelet.delete(self.state, self.queue, np.asarray(rows, dtype=np.int64))

    # -- 6. autoscaling ----------------------------------------------------------------------

    def _autoscale(self) -> None:
        """One HPA sync from metrics-server's metrics (all HPAs in one kernel call)."""
        state = self.state
        if state.tables["horizontalpodautoscalers"].live_count == 0:
            return
        sample_of_pod, samples = self.metrics.pod_sample_rows(len(state.tables["pods"]))
        metrics = PodMetrics(*samples, sample_of_pod=sample_of_pod)
        self.adapter.state = state
        apply_hpa_decisions(state, self.autoscaler.sync(state, metrics, self.adapter))

    # -- 3. scheduler ------------------------------------------------------------------------

    def retry_rows(self) -> np.ndarray:
        """Pending pods the scheduling queue hands out now: never tried, or their back-off
        has passed and the cluster changed since their last attempt (or they waited
        podMaxInUnschedulablePodsDuration)."""
        state = self.state
        pods = state.tables["pods"]
        # the one-byte columns first: few live pods are Pending, so the wider columns are
        # read for those only
        pending = np.flatnonzero(pods.alive & (pods["phase"] == PENDING))
        pending = pending[(pods["node_name"][pending] < 0)
                          & np.isnan(pods["deletion_time"][pending])]
        attempts = pods["scheduling_attempts"][pending]
        until = pods["backoff_until"][pending]
        tried = attempts > 0
        last = until - backoff(np.maximum(attempts, 1))
        ready = ~tried | ((until <= state.time) & (
            (self.last_cluster_change > last)
            | (state.time - last >= MAX_UNSCHEDULABLE_SECONDS)))
        return pending[ready]

    def _schedule(self) -> None:
        rows = self.retry_rows()
        if len(rows) == 0:
            return
        decisions = self.scheduler().decide(self.state, rows)
        apply_decisions(self.state, decisions)
        if len(decisions.victims):
            self.last_cluster_change = self.state.time


def update_row(state: ClusterState, table: str, row: int, values: dict) -> None:
    """Write columns of one object; a change to its spec bumps metadata.generation."""
    columns = state.tables[table]
    spec_changed = False
    for name, value in values.items():
        path = columns.columns[name].path or ""
        if path.startswith("spec.") and columns[name][row] != value:
            spec_changed = True
        columns[name][row] = value
    if spec_changed:
        columns["generation"][row] += 1


def delete_objects(state: ClusterState, table: str, rows: np.ndarray) -> None:
    """Remove objects now; their dependents go at the next garbage collection."""
    rows = np.asarray(rows, dtype=np.int64)
    rows = rows[state.tables[table].alive[rows]]
    if len(rows) == 0:
        return
    state.remove_many(table, rows)
    state.counters["object_deletions"] = state.counters.get("object_deletions", 0) + 1


def collect_garbage(state: ClusterState) -> Actions:
    """The garbage collector (background propagation): objects whose controller owner is
    gone are deleted; pods through the kubelet, the rest at once (their own dependents
    follow at the next collection)."""
    actions = Actions()
    uids = [table["uid"][table.live_rows()] for table in state.tables.values()]
    live_uids = np.unique(np.concatenate(uids)) if uids else np.zeros(0, np.int32)
    for name, table in state.tables.items():
        owned = table.alive & (table["controller_uid"] >= 0)
        if not owned.any():
            continue
        orphans = np.flatnonzero(owned)
        orphans = orphans[~np.isin(table["controller_uid"][orphans], live_uids)]
        if len(orphans) == 0:
            continue
        if name == "pods":
            actions.delete_pods.append(orphans)
        else:
            actions.delete_objects.append((name, orphans))
    return actions


__all__ = ["Engine", "EngineConfig", "MAX_BACKOFF", "collect_garbage", "update_row"]
