"""The pod garbage collector (pkg/controller/podgc/gc_controller.go, gcOrphaned): pods bound
to a node that no longer exists are deleted once the node has been missing for the
quarantine time (40 s), so their controllers replace them."""

from __future__ import annotations

import numpy as np

from kbench.controllers.actions import Actions
from kbench.state import ClusterState

QUARANTINE_SECONDS = 40.0


class PodGarbageCollector:
    def __init__(self) -> None:
        self.missing_since: dict[int, float] = {}  # pod row -> when its node was seen missing

    def renumber_pods(self, new_of_old: np.ndarray) -> None:
        """The pods table was compacted (kbench.state.compaction)."""
        self.missing_since = {int(new_of_old[row]): since
                              for row, since in self.missing_since.items()
                              if new_of_old[row] >= 0}

    def sync(self, state: ClusterState) -> Actions:
        actions = Actions()
        pods, nodes = state.tables["pods"], state.tables["nodes"]
        named = pods.alive & (pods["node_name"] >= 0) & (pods["node_index"] < 0)
        if not named.any() and not self.missing_since:
            return actions
        live = nodes.live_rows()
        orphans = np.flatnonzero(named)
        orphans = orphans[~np.isin(pods["node_name"][orphans], nodes["name"][live])]
        now = state.time
        self.missing_since = {row: self.missing_since.get(row, now) for row in orphans.tolist()}
        due = [row for row, since in self.missing_since.items()
               if now - since >= QUARANTINE_SECONDS]
        if due:
            actions.delete_pods.append(np.array(sorted(due), dtype=np.int64))
            for row in due:
                del self.missing_since[row]
        return actions
