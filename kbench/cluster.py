"""kbench.Cluster: the Python entry point, kubectl's verbs over a columnar ClusterState."""

from __future__ import annotations

import os
from datetime import timedelta

import numpy as np
import pyarrow as pa

from kbench.api.kinds import KindInfo, resolve_kind
from kbench.api.labels import LabelSelector
from kbench.api.manifests import read_documents
from kbench.api.objects import KubeObject
from kbench.api.store import (EPOCH, INITIAL_NAMESPACES, ApplyResult, commit, decode,
                               matching_rows, plan)
from kbench.errors import NotFoundError
from kbench.state import ClusterState, read_snapshot, write_snapshot
from kbench.state.arrow import state_tables


class Tables(dict):
    """Arrow tables keyed by table name (``"pods"``); kinds' other names work too (``"po"``)."""

    def __getitem__(self, key: str) -> pa.Table:
        if key not in self.keys():
            key = resolve_kind(key).table
        return super().__getitem__(key)

    def to_pandas(self, key: str):
        """One table as a pandas DataFrame (string columns are categoricals)."""
        return self[key].to_pandas()

    def to_polars(self, key: str):
        """One table as a polars DataFrame (string columns are categoricals)."""
        import polars
        return polars.from_arrow(self[key])


class Cluster:
    """A simulated Kubernetes cluster.

    >>> c = Cluster.from_manifests(["nodes.yaml", "web.yaml"])
    >>> c.get("deploy", "web").spec.replicas
    3
    """

    def __init__(self, seed: int = 0, *, state: ClusterState | None = None) -> None:
        self.state = state if state is not None else ClusterState(seed=seed)
        if state is None:
            self.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
                        for name in INITIAL_NAMESPACES])

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def from_manifests(cls, paths, seed: int = 0, allow_unknown: bool = False) -> "Cluster":
        """A cluster with every object of the given files, folders or texts applied."""
        cluster = cls(seed=seed)
        cluster.apply(paths, allow_unknown=allow_unknown)
        return cluster

    @classmethod
    def restore(cls, path: str | os.PathLike) -> "Cluster":
        """The cluster saved by ``snapshot(path)``, with its engine's pending events."""
        from kbench.state.snapshot import read_extras
        cluster = cls(state=read_snapshot(path))
        extras = read_extras(path)
        if "engine" in extras:
            cluster.configure_engine(tick=float(extras["engine"]["tick"][0]))
            cluster.engine.restore(extras)
        return cluster

    def snapshot(self, path: str | os.PathLike):
        """Save the whole state as a folder of Arrow IPC (Feather v2) files plus manifest.json
        (and, once the cluster has run, what its engine needs to go on)."""
        engine = getattr(self, "_engine", None)
        return write_snapshot(self.state, path,
                              extras=engine.to_arrays() if engine is not None else None)

    # -- kubectl's verbs -----------------------------------------------------------------------

    @property
    def time(self) -> float:
        """Simulated seconds since the start."""
        return self.state.time

    def apply(self, source, allow_unknown: bool = False) -> list[ApplyResult]:
        """Create or update objects from a path, YAML/JSON text, dict, object or a list of them.

        All or nothing: every document is checked first, and if any is invalid a ManifestError
        names it (file, document, field path, value) and nothing is applied.
        """
        writes = plan(self.state, read_documents(source), allow_unknown=allow_unknown)
        return commit(self.state, writes)

    def get(self, kind: str, name: str, namespace: str | None = "default") -> KubeObject:
        """One object, as ``kubectl get KIND NAME -o yaml`` shows it."""
        info, row = self._find(kind, name, namespace)
        return decode(self.state, info.table, row)

    def _find(self, kind: str, name: str, namespace: str | None) -> tuple[KindInfo, int]:
        info = resolve_kind(kind)
        namespace = namespace if info.namespaced else None
        row = self.state.find(info.table, name, namespace,
                              info.kind if info.table == "others" else None)
        if row < 0:
            raise NotFoundError(info.resource, name, namespace)
        return info, row

    def list(self, kind: str, namespace: str | None = None,
             selector: str | dict | LabelSelector | None = None) -> list[KubeObject]:
        """Objects of a kind, optionally in one namespace and matching a label selector."""
        info = resolve_kind(kind)
        return [decode(self.state, info.table, row)
                for row in self.rows(info, namespace, selector).tolist()]

    def rows(self, kind: str | KindInfo, namespace: str | None = None,
             selector: str | dict | LabelSelector | None = None) -> np.ndarray:
        """Row indices of the live objects of a kind, filtered by namespace and selector (pod
        rows hold until the engine next compacts the pods table: take them again after a
        step)."""
        info = kind if isinstance(kind, KindInfo) else resolve_kind(kind)
        return matching_rows(self.state, info.table,
                             namespace if info.namespaced else None, selector,
                             info.kind if info.table == "others" else None)

    def events(self, obj: KubeObject) -> list[KubeObject]:
        """Events about one object, oldest first, as ``kubectl describe`` lists them."""
        events = self.state.tables["events"]
        code = self.state.strings.code_of
        mask = (events.alive & (events["involved_kind"] == code(obj.kind))
                & (events["involved_name"] == code(obj.name)))
        if obj.namespace:
            mask &= events["involved_namespace"] == code(obj.namespace)
        rows = np.flatnonzero(mask)
        rows = rows[np.argsort(events["first_time"][rows], kind="stable")]
        return [decode(self.state, "events", row) for row in rows.tolist()]

    def describe(self, kind: str, name: str, namespace: str | None = "default") -> str:
        """``kubectl describe KIND NAME``: the object, what kubectl fetches beside it, its events."""
        from kbench import views

        obj = self.get(kind, name, namespace)
        related: dict[str, list[dict]] = {}
        if obj.kind == "ReplicaSet":
            related["pods"] = [p.to_dict() for p in self.list(
                "pods", obj.namespace, selector=dict(obj.spec.selector or {}))]
        elif obj.kind == "Node":
            related["pods"] = [p.to_dict() for p in self.list("pods")
                               if p.spec.nodeName == obj.name]
        elif obj.kind == "Deployment":
            related["replica_sets"] = [rs.to_dict() for rs in self.list("rs", obj.namespace)
                                       if _owned_by(rs, obj)]
        events = [event.to_dict() for event in self.events(obj)]
        return views.describe(obj.to_dict(), self.now, events, **related)

    @property
    def now(self):
        """The simulated time as a UTC datetime (what AGE columns count from)."""
        return EPOCH + timedelta(seconds=self.time)

    def delete(self, kind: str, name: str, namespace: str | None = "default") -> None:
        """``kubectl delete``: a running pod terminates gracefully (see kbench.sim.kubelet);
        other objects go at once and their dependents at the next step (garbage
        collection); deleting a Namespace deletes everything in it."""
        info, row = self._find(kind, name, namespace)
        if info.kind == "Namespace":
            self._delete_namespace_contents(name)
        if info.kind == "Pod":
            self.engine.delete_pods(np.array([row]))
            return
        if info.kind == "Node":
            pods = self.state.tables["pods"]
            for pod in np.flatnonzero(pods.alive & (pods["node_index"] == row)).tolist():
                self.state.unbind_pod(pod)
        from kbench.sim.engine import delete_objects
        delete_objects(self.state, info.table, np.array([row]))

    def _delete_namespace_contents(self, namespace: str) -> None:
        code = self.state.strings.code_of(namespace)
        for table_name, table in self.state.tables.items():
            for row in np.flatnonzero(table.alive & (table["namespace"] == code)).tolist():
                self.state.remove(table_name, row)

    # -- scheduling --------------------------------------------------------------------------

    @property
    def scheduler(self):
        """The kube-scheduler of this cluster (its profiles come from configure_scheduler)."""
        if getattr(self, "_scheduler", None) is None:
            from kbench.scheduler.scheduler import Scheduler
            self._scheduler = Scheduler()
        return self._scheduler

    def configure_scheduler(self, source) -> None:
        """Use the profiles of a KubeSchedulerConfiguration (path, YAML text or dict)."""
        from kbench.scheduler.config import load_configuration
        from kbench.scheduler.scheduler import Scheduler
        self._scheduler = Scheduler(load_configuration(source))

    def schedule(self) -> pa.Table:
        """Schedule every pending pod once, in PrioritySort order, and bind those that fit.

        Returns the bindings (namespace, pod, node, score, attempts, time). Pods that fit
        nowhere stay Pending with kube-scheduler's message in a FailedScheduling event and in
        their PodScheduled condition; ``score`` is null for a pod placed on the only feasible
        node (kube-scheduler does not score then).
        """
        from kbench.sim.scheduling import apply_decisions
        decisions = self.scheduler.decide(self.state)
        apply_decisions(self.state, decisions)
        placed = decisions.node_rows >= 0
        pods, nodes = self.state.tables["pods"], self.state.tables["nodes"]
        rows = decisions.pod_rows[placed]
        strings = self.state.strings
        scores = decisions.scores[placed]
        return pa.table({
            "namespace": pa.array(strings.decode(pods["namespace"][rows]), pa.string()),
            "pod": pa.array(strings.decode(pods["name"][rows]), pa.string()),
            "node": pa.array(strings.decode(nodes["name"][decisions.node_rows[placed]]),
                             pa.string()),
            "score": pa.array(scores, pa.int64(), mask=scores < 0),
            "attempts": pa.array(pods["scheduling_attempts"][rows], pa.int32()),
            "time": pa.array(np.full(len(rows), self.time), pa.float64())})

    def explain(self, pod: str, namespace: str = "default", sample: bool = True):
        """Per-plugin view of where ``pod`` would go now: a pandas DataFrame, one row per node
        (see kbench.scheduler.explain)."""
        from kbench.scheduler.explain import explain
        _, row = self._find("pod", pod, namespace)
        return explain(self.state, row, self.scheduler, sample=sample)

    # -- running -------------------------------------------------------------------------------

    @property
    def engine(self):
        """The simulation engine (kbench.sim.engine.Engine) driving this cluster."""
        if getattr(self, "_engine", None) is None:
            from kbench.sim.engine import Engine
            self._engine = Engine(self.state, lambda: self.scheduler)
        return self._engine

    def configure_engine(self, tick=1.0, kubelet=None, *, metrics_resolution=15.0, hpa=None,
                         hpa_sync_period=15.0, pod_compaction_ratio=None) -> None:
        """Set the engine's tick (seconds or a duration string), the kubelet model
        (kbench.sim.kubelet.KubeletConfig), metrics-server's resolution, the HPA controller's
        flags (kbench.controllers.hpa.HpaConfig) and sync period, and when the pods table is
        compacted (EngineConfig.pod_compaction_ratio, its default when None); before the
        first step."""
        from kbench.controllers.hpa import HpaConfig
        from kbench.sim.clock import parse_duration
        from kbench.sim.engine import Engine, EngineConfig
        from kbench.sim.kubelet import KubeletConfig
        config = EngineConfig(tick=parse_duration(tick, "tick"),
                              kubelet=kubelet or KubeletConfig(),
                              metrics_resolution=parse_duration(metrics_resolution,
                                                                "metrics_resolution"),
                              hpa=hpa or HpaConfig(),
                              hpa_sync_period=parse_duration(hpa_sync_period, "hpa_sync_period"),
                              pod_compaction_ratio=(
                                  EngineConfig.pod_compaction_ratio if pod_compaction_ratio is None
                                  else float(pod_compaction_ratio)))
        self._engine = Engine(self.state, lambda: self.scheduler, config)

    def step(self, duration="1s") -> "Cluster":
        """Run the simulation for ``duration`` (seconds, or "15s", "1h30m")."""
        self.engine.run_for(duration)
        return self

    def run(self, until) -> "Cluster":
        """Run the simulation until simulated time ``until`` ("24h", or seconds since the
        start)."""
        self.engine.run_until(until)
        return self

    # -- usage and metrics ---------------------------------------------------------------------

    def set_usage(self, pods: str | dict, cpu=None, memory=None,
                  namespace: str = "default") -> int:
        """Pin what pods use: ``pods`` is a pod name or a label selector ("app=web" or a
        dict); ``cpu`` / ``memory`` a quantity ("250m", "64Mi") or a pattern spec
        ({"pattern": "diurnal", "mean": "200m", "amplitude": "100m"}). Returns how many pods.
        Pods created later are not pinned (put a kbench.io/usage annotation on the template
        for those)."""
        from kbench.errors import KbenchError
        if isinstance(pods, str) and self.state.find("pods", pods, namespace) >= 0:
            rows = np.array([self.state.find("pods", pods, namespace)])
        elif isinstance(pods, dict) or (isinstance(pods, str) and any(c in pods for c in "=!,")
                                        or isinstance(pods, str) and " in " in pods):
            rows = self.rows("pods", namespace, selector=pods)
        else:
            raise NotFoundError("pods", str(pods), namespace)
        if cpu is None and memory is None:
            raise KbenchError("set_usage: give cpu, memory or both")
        self.engine.usage.pin(rows, cpu=cpu, memory=memory)
        return len(rows)

    def set_load(self, deployment: str, requests_per_second, namespace: str = "default") -> None:
        """The requests/s reaching a Deployment (a number or a pattern spec; None: back to its
        kbench.io/load annotation), shared by its ready pods at their kbench.io/cost-per-request."""
        _, row = self._find("deployment", deployment, namespace)
        self.engine.usage.set_load(np.array([row]), requests_per_second)

    def set_external_metric(self, name: str, value, labels: dict | None = None) -> None:
        """The external metric ``name`` HPAs read (External type): a number or a usage
        pattern ({"pattern": "diurnal", "mean": 100, "amplitude": 50}); one series per
        distinct ``labels``, summed over those a metric selector matches."""
        self.engine.adapter.set_external(name, value, labels)

    def top(self, what: str = "pods", namespace: str = "default", all_namespaces: bool = False,
            selector=None):
        """``kubectl top pods`` / ``kubectl top nodes`` from metrics-server's last scrapes:
        a TopTable (rows, text as kubectl prints it, notice)."""
        from kbench.metrics.top import top_nodes, top_pods
        if what in ("pods", "pod", "po"):
            return top_pods(self.state, self.engine.metrics, namespace, all_namespaces, selector)
        if what in ("nodes", "node", "no"):
            return top_nodes(self.state, self.engine.metrics, selector)
        from kbench.errors import KbenchError
        raise KbenchError(f'top: {what!r}: one of "pods", "nodes"')

    # -- kubectl's workload verbs ----------------------------------------------------------------

    def scale(self, kind: str, name: str, replicas: int, namespace: str = "default") -> None:
        """``kubectl scale KIND NAME --replicas=N``."""
        from kbench.errors import KbenchError
        info, row = self._find(kind, name, namespace)
        table = self.state.tables[info.table]
        if "replicas" not in table or info.kind == "HorizontalPodAutoscaler":
            raise KbenchError(f"{info.resource} {name}: cannot be scaled")
        if int(replicas) < 0:
            raise KbenchError(f"{info.resource} {name}: replicas {replicas}: must be >= 0")
        from kbench.sim.engine import update_row
        update_row(self.state, info.table, row, {"replicas": int(replicas)})

    def set_image(self, kind: str, name: str, container: str, image: str,
                  namespace: str = "default") -> None:
        """``kubectl set image KIND/NAME CONTAINER=IMAGE``: a new pod template."""
        from kbench.errors import KbenchError
        info, row = self._find(kind, name, namespace)
        table = self.state.tables[info.table]
        if "template" not in table:
            raise KbenchError(f"{info.resource} {name}: has no pod template")
        template = self.state.strings.document(int(table["template"][row])) or {}
        containers = [c for key in ("initContainers", "containers")
                      for c in (template.get("spec") or {}).get(key) or []]
        matching = [c for c in containers if c.get("name") == container]
        if not matching:
            raise KbenchError(f'{info.resource} {name}: unable to find container named '
                              f'"{container}"')
        for found in matching:
            found["image"] = image
        from kbench.sim.engine import update_row
        update_row(self.state, info.table, row,
                   {"template": self.state.strings.intern_document(template)})

    def rollout_history(self, name: str, namespace: str = "default") -> "pa.Table":
        """``kubectl rollout history deployment NAME``: revision and change cause."""
        from kbench.controllers import rollout
        return rollout.history(self.state, self._find("deployment", name, namespace)[1])

    def rollout_status(self, name: str, namespace: str = "default") -> str:
        """``kubectl rollout status deployment NAME`` (one look, no waiting)."""
        from kbench.controllers import rollout
        return rollout.status(self.state, self._find("deployment", name, namespace)[1])

    def rollout_undo(self, name: str, to_revision: int | None = None,
                     namespace: str = "default") -> str:
        """``kubectl rollout undo deployment NAME [--to-revision=N]``: the Deployment takes
        the pod template of that revision (default: the previous one)."""
        from kbench.controllers import rollout
        return rollout.undo(self.state, self._find("deployment", name, namespace)[1],
                            to_revision)

    # -- tables ----------------------------------------------------------------------------------

    def tables(self) -> Tables:
        """Every table as a pyarrow Table with readable (dictionary-encoded) string columns."""
        return Tables(state_tables(self.state))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cluster) and self.state == other.state

    __hash__ = None

    def __repr__(self) -> str:
        counts = {k: v for k, v in self.state.counts().items() if v}
        return f"<Cluster t={self.time:g}s {counts}>"


def _owned_by(obj: KubeObject, owner: KubeObject) -> bool:
    return any(ref.get("uid") == owner.metadata.uid
               for ref in obj.metadata.get("ownerReferences") or [])
