"""Pod-row compaction: the pods table's deleted rows dropped, the live rows renumbered in their
order, and every holder of pod row numbers renumbered with them.

Why: a deleted pod keeps its row as a tombstone (Table.delete), so that row numbers held
elsewhere stay valid. Over a simulated day with steady churn most pod rows end up dead
(58 % after 24 hours of benchmarks/test_day_speed.py), scattered among the live ones, and
every per-pod pass that reads whole columns (metrics-server's scrape, the usage model, the
HPA's pod selection, ReplicaSet counts, the scheduler's change detection) costs in
proportion to rows rather than pods. The engine compacts at the quiet point between two
ticks (after the hooks, before the next tick's events), when the dead rows are more than
EngineConfig.pod_compaction_ratio times the live ones (by default a quarter of them;
kbench.sim.engine.Engine.compact_pods).

Cost, on the day benchmark (5,000 nodes, 150,000 pods): 30-45 ms of CPU to compact 190,000
to 300,000 rows, and some 40 ms more in the next tick as the dropped caches are made again;
in return every tick after it saves about 1.5 ms per 100,000 dead rows dropped.

The live rows keep their order, so everything that depends on row order (sums over pods,
tie-breaks, queue order, "ascending rows" lists) is unchanged: a compacted run has the same
live objects with the same values as one that never compacts, tick after tick.

Who holds pod row numbers, and what compaction does with each:

- the pods table itself: Table.compact moves the live rows down and returns the new row of
  each old row (-1: deleted);
- ClusterState's name index of pods: dropped, rebuilt from the table when next used (as
  after a snapshot is read); node ``requested`` totals are sums over the same pods, unchanged;
- per-cluster caches registered with ``holds_pod_rows`` (WeakKeyDictionary by string table):
  the entry of this cluster is dropped and rebuilt by its next user from the table. They are
  kbench.state.label_groups (pods' (namespace, labels) groups) and
  kbench.scheduler.boundpods (the bound-pod totals and their ColumnCopies). Their results
  do not depend on the rows they were built from (integer totals, sorted pair keys);
- kbench.controllers.ownership.row_of_uid: keyed by the table's alive_version, which
  compaction changes, so it is rebuilt;
- the engine's event queue: every event is about a pod row (the kubelet's kinds); payloads
  are renumbered, events of a deleted pod get payload -1 and stay queued (popping them still
  marks a cluster change, as it would have), the engine hands the kubelet only payloads >= 0
  (it ignores deleted pods' events anyway);
- metrics-server (MetricsServer.renumber_pods): its samples (by pod row, the rows of the
  last scrape) are renumbered in the arrays a snapshot keeps (to_arrays) and the server goes
  on as one restored from them: every sampled pod has a sample of its own (its usage group
  is found again at the next scrape, which works out those pods one by one);
- the usage model (UsageModel.renumber_pods): its pins, set patterns and pods' Deployments
  (by pod row) move to the new rows; the pods' usage group bases are made anew at the next
  evaluation; its caches by string code stay;
- the HPA controller's PodSelection (in its caches, by pod row, with the pods' requests):
  dropped, made again at the next sync (its other caches are by string code, its history by
  HPA row);
- the pod garbage collector's ``missing_since`` (by pod row): renumbered
  (PodGarbageCollector.renumber_pods);
- the Job controller's fingerprints hash the pods by uid, not by row, so they need nothing;
- holders outside the engine registered in Engine.pod_row_holders (the experiment recorder's
  PodLog): their ``renumber_pods(new_of_old)`` is called. Compaction follows the hooks, so a
  holder updated by a hook has seen every deletion before rows move.

What does not hold pod rows (checked): the kubelet (node rows and codes), the scheduler's
other caches (kbench.scheduler.compile, batch, podgroups, plugins: keyed by string codes or
node rows; a batch's pod rows live for one pass), the scheduling queue (its state is in the
pods' own columns: backoff_until, scheduling_attempts), Deployment, ReplicaSet, StatefulSet,
DaemonSet and CronJob controllers (ReplicaSet, Job and node rows), the HPA history (HPA rows),
the metrics adapter, pod arrivals (names), objects returned to users (KubeObject is a decoded
copy: cluster.get / list hold no row). Row numbers a user took with Cluster.rows() hold
until the engine next compacts (after a tick): take them again after running.

Other tables keep their tombstones: only the pods table churns enough to matter.
"""

from __future__ import annotations

import weakref

import numpy as np

#: per-cluster caches (by string table) that hold pod row numbers, dropped at compaction
_POD_ROW_CACHES: list[weakref.WeakKeyDictionary] = []


def holds_pod_rows(cache: weakref.WeakKeyDictionary) -> weakref.WeakKeyDictionary:
    """Register a per-cluster cache (keyed by the state's string table) holding pod rows, so
    that compaction drops this cluster's entry; returns the cache."""
    _POD_ROW_CACHES.append(cache)
    return cache


def compact_pods(state) -> np.ndarray:
    """Drop the pods table's deleted rows (the live ones keep their order), the pods' name
    index and the registered caches of this cluster. Returns the new row of every old row
    (-1: deleted), for the other holders to renumber."""
    new_of_old = state.tables["pods"].compact()
    state.forget_index("pods")
    for cache in _POD_ROW_CACHES:
        cache.pop(state.strings, None)
    return new_of_old


def renumbered(rows: np.ndarray, new_of_old: np.ndarray) -> np.ndarray:
    """Old pod rows as new ones (-1 for a deleted pod, and for -1)."""
    rows = np.asarray(rows, dtype=np.int64)
    result = np.full(len(rows), -1, dtype=np.int64)
    valid = rows >= 0
    result[valid] = new_of_old[rows[valid]]
    return result


def kept_rows(new_of_old: np.ndarray, count: int) -> np.ndarray:
    """The old rows below ``count`` that stay, in order: what an array by pod row ``count``
    long keeps (it becomes as long as the rows it keeps)."""
    return np.flatnonzero(new_of_old[:count] >= 0)
