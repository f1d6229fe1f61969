"""Digests of scaled-down simulated days, to check that a change to the engine keeps every
result bit-identical: ``python -m benchmarks.day_digest`` prints, per scenario, a hash of every
table column (string codes included) after every tick, a hash of the live rows only after
every tick, and a hash of the final snapshot's files. Compare the output before and after a
change.

The first hash sees deleted rows (tombstones) too, so it changes whenever the rows are
renumbered (kbench.state.compaction); the live-row hash sees what the cluster holds: each
table's live rows in row order, so it stays the same when dead rows are dropped and the live
ones keep their order. No column of any table holds a pod row number (``node_index`` holds
node rows, and nodes are never renumbered), so every column is hashed as it is.

``--compaction=RATIO`` runs the scenarios with EngineConfig.pod_compaction_ratio RATIO (0:
compact after every tick with a deleted pod, inf: never) instead of the default."""

from __future__ import annotations

import dataclasses
import hashlib
import sys
import tempfile
from pathlib import Path

from benchmarks.day import day_cluster
from kbench.sim.kubelet import KubeletConfig


def state_digest(state) -> bytes:
    """sha256 over the clock, the strings and every column of every table, alive included."""
    digest = hashlib.sha256(repr(state.time).encode())
    digest.update(repr(len(state.strings.strings())).encode())
    for name, table in state.tables.items():
        digest.update(name.encode())
        digest.update(table.alive.tobytes())
        for column in table.columns:
            digest.update(table[column].tobytes())
    return digest.digest()


def live_state_digest(state) -> bytes:
    """sha256 over the clock, the strings and every column of every table, live rows only,
    in row order."""
    digest = hashlib.sha256(repr(state.time).encode())
    digest.update(repr(len(state.strings.strings())).encode())
    for name, table in state.tables.items():
        live = table.live_rows()
        digest.update(name.encode())
        digest.update(repr(len(live)).encode())
        for column in table.columns:
            digest.update(table[column][live].tobytes())
    return digest.digest()


def snapshot_digest(cluster) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot"
        cluster.snapshot(path)
        digest = hashlib.sha256()
        for file in sorted(path.rglob("*")):
            if file.is_file():
                digest.update(file.relative_to(path).as_posix().encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def run(cluster, until: float, actions: dict[float, callable]) -> str:
    """Run to ``until``, calling ``actions[t]`` before the tick ending after ``t``; return the
    running digest of every tick's state, the final snapshot's digest and the running digest
    of every tick's live rows."""
    if COMPACTION_RATIO is not None:
        cluster.engine.config = dataclasses.replace(cluster.engine.config,
                                                    pod_compaction_ratio=COMPACTION_RATIO)
    running, live = hashlib.sha256(), hashlib.sha256()

    def hook(engine) -> None:
        running.update(state_digest(engine.state))
        live.update(live_state_digest(engine.state))

    cluster.engine.add_hook(hook)
    for at in sorted(actions) + [until]:
        cluster.run(at)
        if at in actions:
            actions[at](cluster)
    return (f"ticks {running.hexdigest()[:16]} snapshot {snapshot_digest(cluster)[:16]} "
            f"live {live.hexdigest()[:16]}")


def quiet_day() -> str:
    """300 nodes, 60 Deployments of 20 with HPAs, 3 hours at 15 s (benchmark settings)."""
    cluster = day_cluster(300, 60, 20, seed=3)
    return run(cluster, 3 * 3600, {})


def busy_day() -> str:
    """The same with kubelet events on, 5 s ticks and rollouts, scaling, pod and node deletions,
    a Deployment deleted and a rollout undone."""
    cluster = day_cluster(200, 40, 12, seed=5)
    cluster.configure_engine(tick="5s", kubelet=KubeletConfig())

    def rollout(c, names):
        for name in names:
            c.set_image("deployment", name, "app", f"registry.example/{name}:2.0")

    def delete_pods(c):
        for name in [p.metadata.name for p in c.list("pods", selector="app=svc-0003")][:5]:
            c.delete("pod", name)

    actions = {
        600.0: lambda c: rollout(c, ["svc-0000", "svc-0001", "svc-0002"]),
        1200.0: lambda c: c.scale("deployment", "svc-0004", 30),
        1500.0: delete_pods,
        1800.0: lambda c: c.delete("node", "node-00007"),
        2400.0: lambda c: c.delete("deployment", "svc-0005"),
        3000.0: lambda c: rollout(c, [f"svc-{i:04d}" for i in range(10, 30)]),
        4200.0: lambda c: c.rollout_undo("svc-0001"),
        4800.0: lambda c: c.delete("hpa", "svc-0006"),
        5000.0: lambda c: c.scale("deployment", "svc-0006", 2),
    }
    return run(cluster, 2 * 3600, actions)


SCENARIOS = {"quiet_day": quiet_day, "busy_day": busy_day}
COMPACTION_RATIO: float | None = None   # None: the engine's default

if __name__ == "__main__":
    names = [a for a in sys.argv[1:] if not a.startswith("--compaction=")]
    for option in sys.argv[1:]:
        if option.startswith("--compaction="):
            COMPACTION_RATIO = float(option.split("=", 1)[1])
    for name in names or SCENARIOS:
        print(name, SCENARIOS[name](), flush=True)
