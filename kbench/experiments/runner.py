"""Running an experiment spec: build the cluster (or take it from a snapshot), run the engine,
carry out the actions at their times, record what kbench.results describes and, given a run
folder, write it as the run goes (so Ctrl-C or a crash keeps what was recorded), resume it
from its last snapshot, or fork a new run from a snapshot of another.

At each time of the run, in order: the engine runs up to it; the actions due are carried
out; at a record time (every ``record_every``, and at the end) a sample is recorded; at a
snapshot time (every ``snapshot_every``, and at the end) the results so far are flushed and
the cluster is snapshotted with what the recorder gathered. A run resumed or forked from a
snapshot at time T goes on with the times after T.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time as wallclock
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from kbench import results
from kbench.cluster import Cluster
from kbench.errors import KbenchError
from kbench.experiments.faults import FAULTS, inject
from kbench.experiments.recorder import PodLog, SeriesRecorder, Vocabulary, events_table
from kbench.experiments.spec import ExperimentSpec, load_spec

#: what the recorder keeps in each snapshot folder, beside the cluster
RECORDER_PODS = "pods.parquet"
RECORDER_STATE = "state.json"


class RunError(KbenchError):
    """A run that cannot start or go on (a run folder or snapshot that does not fit)."""


class ExperimentResult(NamedTuple):
    spec: ExperimentSpec
    cluster: Cluster
    timeseries: pa.Table
    pods: pa.Table
    events: pa.Table
    summary: dict
    folder: Path | None


@dataclass
class Progress:
    """What a progress display shows, handed to the run's ``progress`` callback."""

    simulated: float
    duration: float
    wall_seconds: float
    pods_scheduled: int
    pods_pending: int


@dataclass
class _Totals:
    """The running aggregates summary.json reports, kept in snapshots to go on from them."""

    records: int = 0
    cpu_requested_sum: float = 0.0
    memory_requested_sum: float = 0.0
    peak_pods_pending: float = 0.0
    wall_seconds: float = 0.0
    parts: int = 0
    snapshots: list = field(default_factory=list)


def build_cluster(spec: ExperimentSpec) -> Cluster:
    """The cluster at time 0: manifests applied, scheduler and engine configured, every
    kbench.io/ usage annotation checked."""
    from kbench.experiments import sources
    cluster = Cluster(seed=spec.seed)
    generated = sources.node_manifests(spec.nodes)
    if generated:
        cluster.apply(generated)
    if spec.manifests:
        cluster.apply(list(spec.manifests))
    generated = sources.workload_manifests(spec.workloads)
    if generated:
        cluster.apply(generated)
    _configure(cluster, spec)
    for namespace, deployment, pattern in sources.loads(spec.workloads):
        cluster.set_load(deployment, pattern, namespace)
    _add_arrivals(cluster, spec)
    cluster.engine.usage.check(cluster.state)
    return cluster


def _add_arrivals(cluster: Cluster, spec: ExperimentSpec) -> None:
    """The spec's pod arrivals, from the cluster's time on (those due by then exist)."""
    from kbench.experiments import sources
    created_until = cluster.time if cluster.time > 0 else -math.inf
    for source in sources.pod_sources(spec.workloads, created_until):
        cluster.engine.add_source(source)


def _configure(cluster: Cluster, spec: ExperimentSpec) -> None:
    if spec.scheduler:
        cluster.configure_scheduler(spec.scheduler)
    controllers = spec.controllers
    cluster.configure_engine(tick=spec.tick, kubelet=spec.kubelet,
                             metrics_resolution=controllers.metrics_resolution,
                             hpa=controllers.hpa, hpa_sync_period=controllers.hpa_sync_period)


def restore_cluster(spec: ExperimentSpec, snapshot: Path) -> Cluster:
    """The cluster of a snapshot, with the spec's scheduler and engine settings and the
    snapshot's engine state (event queue, metrics, HPA history, image cache)."""
    from kbench.state import read_snapshot
    from kbench.state.snapshot import read_extras
    cluster = Cluster(state=read_snapshot(snapshot))
    _configure(cluster, spec)
    cluster.engine.restore(read_extras(snapshot))
    _add_arrivals(cluster, spec)
    return cluster


def new_run_folder(out: str | os.PathLike, name: str) -> Path:
    """A new, empty ``out/name/run-NNN`` folder, numbered after every earlier run."""
    parent = Path(out) / name
    parent.mkdir(parents=True, exist_ok=True)
    prefix = results.RUN_ID_PREFIX
    taken = [int(p.name[len(prefix):]) for p in parent.glob(f"{prefix}[0-9]*")
             if p.name[len(prefix):].isdigit()]
    number = max(taken, default=0) + 1
    while True:
        folder = parent / f"{prefix}{number:03d}"
        try:
            folder.mkdir()
            return folder
        except FileExistsError:  # another run took it meanwhile
            number += 1


def run_experiment(spec: ExperimentSpec, folder: str | os.PathLike | None = None, *,
                   progress: Callable[[Progress], None] | None = None,
                   stop_at: float | None = None,
                   cluster: Cluster | None = None) -> ExperimentResult:
    """Run a spec from time 0. With ``folder`` (an empty run folder, see new_run_folder) the
    results are written there as kbench.results describes. ``stop_at`` interrupts the run
    (KeyboardInterrupt, as Ctrl-C) once the simulated time reaches it. ``cluster``: the
    spec's cluster built already (build_cluster), so that bad input fails before a run
    folder exists."""
    cluster = build_cluster(spec) if cluster is None else cluster
    run = _Run(spec, cluster, Path(folder) if folder else None)
    return run.go(progress, stop_at)


def resume_experiment(folder: str | os.PathLike, *,
                      progress: Callable[[Progress], None] | None = None,
                      stop_at: float | None = None) -> ExperimentResult:
    """Go on with the run in ``folder`` from its last snapshot (from the start when it has
    none); it ends with the content an uninterrupted run has."""
    folder = Path(folder)
    summary = _read_summary(folder)
    if summary.get("status") == "complete":
        raise RunError(f"{folder}: the run is complete; nothing to resume")
    spec = load_spec(folder / results.SPEC_FILE)
    snapshot = last_snapshot(folder)
    if snapshot is None:
        for name in (results.PODS_FILE, results.TIMESERIES_FILE, results.EVENTS_FILE):
            (folder / name).unlink(missing_ok=True)
        shutil.rmtree(folder / results.PARTS_DIR, ignore_errors=True)
        run = _Run(spec, build_cluster(spec), folder, resumed_from="")
        run.totals.wall_seconds = float(summary.get("wall_seconds") or 0.0)
        return run.go(progress, stop_at)
    cluster = restore_cluster(spec, snapshot)
    run = _Run(spec, cluster, folder, start=cluster.time, resumed_from=str(snapshot))
    run.take_recorder(snapshot)
    run.totals.wall_seconds = float(summary.get("wall_seconds") or 0.0)
    prefix = read_timeseries(folder, until=cluster.time)
    (folder / results.TIMESERIES_FILE).unlink(missing_ok=True)
    shutil.rmtree(folder / results.PARTS_DIR, ignore_errors=True)
    run.totals.parts = 0
    run.write_part(prefix)
    return run.go(progress, stop_at)


def fork_experiment(spec: ExperimentSpec, snapshot: str | os.PathLike,
                    folder: str | os.PathLike | None = None, *,
                    progress: Callable[[Progress], None] | None = None,
                    stop_at: float | None = None) -> ExperimentResult:
    """A new run that starts from ``snapshot`` (taken mid-run, or any kbench snapshot) at
    its time and goes on under ``spec`` (its scheduler, settings and the actions after that
    time). When the snapshot belongs to a run folder, what that run recorded up to then is
    the new run's start too."""
    snapshot = Path(snapshot)
    cluster = restore_cluster(spec, snapshot)
    if cluster.time >= spec.duration:
        raise RunError(f"{snapshot}: taken at {cluster.time:g}s, not before the spec's "
                       f"duration ({spec.duration:g}s)")
    run = _Run(spec, cluster, Path(folder) if folder else None, start=cluster.time,
               forked_from=str(snapshot))
    source = snapshot.parent.parent
    if (snapshot / results.RECORDER_DIR).is_dir():
        run.take_recorder(snapshot)
        run.totals.snapshots, run.totals.parts, run.totals.wall_seconds = [], 0, 0.0
        if (source / results.SUMMARY_FILE).is_file():
            run.write_part(read_timeseries(source, until=cluster.time))
    return run.go(progress, stop_at)


def last_snapshot(folder: Path) -> Path | None:
    """The latest complete snapshot of a run folder, or None."""
    found = sorted(p for p in (folder / results.SNAPSHOTS_DIR).glob("t[0-9]*")
                   if (p / "manifest.json").is_file() and (p / results.RECORDER_DIR /
                                                           RECORDER_STATE).is_file())
    return found[-1] if found else None


def snapshot_name(time: float) -> str:
    return f"t{int(round(time)):07d}"


def read_timeseries(folder: Path, until: float | None = None) -> pa.Table | None:
    """The time series a run folder holds (timeseries.parquet, else its parts), rows up to
    ``until`` only when given."""
    file = folder / results.TIMESERIES_FILE
    files = [file] if file.is_file() else sorted(
        (folder / results.PARTS_DIR).glob("timeseries-*.parquet"))
    tables = [pq.read_table(f) for f in files]
    if not tables:
        return None
    table = pa.concat_tables(tables).unify_dictionaries()
    if until is not None:
        table = table.filter(pa.compute.less_equal(table.column("time"), until))
    return table


def _read_summary(folder: Path) -> dict:
    file = folder / results.SUMMARY_FILE
    if not file.is_file():
        raise RunError(f"{folder}: not a run folder (no {results.SUMMARY_FILE})")
    try:
        return json.loads(file.read_text())
    except ValueError as error:
        raise RunError(f"{file}: not valid JSON ({error})") from None


def perform(cluster: Cluster, action) -> None:
    """Carry out one action of the spec."""
    args = action.args
    if action.verb == "set_image":
        cluster.set_image("deployment", args["deployment"], args["container"], args["image"],
                          args["namespace"])
    elif action.verb == "scale":
        cluster.scale(args["kind"], args["deployment"], args["replicas"], args["namespace"])
    elif action.verb == "set_load":
        cluster.set_load(args["deployment"], args["requests_per_second"], args["namespace"])
    elif action.verb == "set_usage":
        cluster.set_usage(args["pods"], args["cpu"], args["memory"], args["namespace"])
    elif action.verb == "apply":
        cluster.apply(args["path"])
    elif action.verb == "delete":
        cluster.delete(args["kind"], args["name"], args["namespace"])
    elif action.verb == "rollout_undo":
        cluster.rollout_undo(args["deployment"], args["to_revision"], args["namespace"])
    elif action.verb in FAULTS:
        inject(cluster, action.verb, args, action.at)


def _multiple(when: float, every: float | None) -> bool:
    return every is not None and math.isclose(when / every, round(when / every),
                                              abs_tol=1e-9)


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    staging = path.with_name(f".{path.name}.partial")
    write(staging)
    os.replace(staging, path)


def _write_parquet(table: pa.Table, path: Path) -> None:
    _write_atomically(path, lambda p: pq.write_table(table, p))


class _Run:
    """One run: the cluster, its recorder and (optionally) its folder."""

    def __init__(self, spec: ExperimentSpec, cluster: Cluster, folder: Path | None,
                 start: float = 0.0, resumed_from: str | None = None,
                 forked_from: str | None = None) -> None:
        self.spec, self.cluster, self.folder, self.start = spec, cluster, folder, start
        self.resumed_from, self.forked_from = resumed_from or None, forked_from
        self.vocabulary = Vocabulary()
        self.log = PodLog(self.vocabulary)
        self.series = SeriesRecorder(self.vocabulary,
                                     pod_usage="pod_usage" in spec.outputs)
        self.totals = _Totals()
        self.kept: list[pa.Table] = []   # the time series when there is no folder
        self.status = "running"
        self.error: str | None = None

    # -- recorder state in snapshots ---------------------------------------------------------

    def take_recorder(self, snapshot: Path) -> None:
        """Go on with what the recorder had gathered when ``snapshot`` was taken."""
        where = snapshot / results.RECORDER_DIR
        try:
            saved = json.loads((where / RECORDER_STATE).read_text())
            pods = pq.read_table(where / RECORDER_PODS)
        except (OSError, ValueError, pa.ArrowException) as error:
            raise RunError(f"{where}: cannot read the recorder's state ({error})") from None
        self.log = PodLog.from_arrow(pods, self.vocabulary,
                                     len(self.cluster.state.tables["pods"]))
        self.totals = _Totals(**saved)

    def _save_recorder(self, snapshot: Path) -> None:
        where = snapshot / results.RECORDER_DIR
        where.mkdir(exist_ok=True)
        pq.write_table(self.log.to_arrow(with_rows=True), where / RECORDER_PODS)
        (where / RECORDER_STATE).write_text(json.dumps(self.totals.__dict__, indent=1) + "\n")

    # -- running -----------------------------------------------------------------------------

    def _times(self) -> list[float]:
        spec, start = self.spec, self.start
        fresh = self.log.size == 0 and start == 0.0
        times = {spec.duration}
        times.update(a.at for a in spec.actions if a.at > start or (fresh and a.at == start))
        times.update(t for t in np.arange(0.0, spec.duration, spec.record_every).tolist()
                     if t > start or (fresh and t == start))
        if spec.snapshot_every:
            times.update(t for t in np.arange(spec.snapshot_every, spec.duration,
                                              spec.snapshot_every).tolist() if t > start)
        return sorted(times)

    def go(self, progress, stop_at: float | None) -> ExperimentResult:
        spec, cluster = self.spec, self.cluster
        engine = cluster.engine
        engine.add_hook(lambda e: self.log.tick(e.state))
        engine.pod_row_holders.append(self.log)
        if stop_at is not None:
            def interrupt(e) -> None:
                if e.state.time >= stop_at:
                    raise KeyboardInterrupt
            engine.add_hook(interrupt)
        fresh = self.log.size == 0 and self.start == 0.0
        pending = [a for a in spec.actions if a.at > self.start or (fresh and a.at == 0)]
        began = wallclock.perf_counter()
        wall_before = self.totals.wall_seconds
        if self.folder is not None:
            (self.folder / results.SPEC_FILE).write_text(spec.to_yaml())
            self._write_summary(wall_before)
        try:
            for when in self._times():
                cluster.run(when)
                while pending and pending[0].at <= when:
                    perform(cluster, pending.pop(0))
                if _multiple(when, spec.record_every) or when == spec.duration:
                    self._record()
                if when == spec.duration or (_multiple(when, spec.snapshot_every)
                                             and when > self.start):
                    self.totals.wall_seconds = wall_before + wallclock.perf_counter() - began
                    self._flush(snapshot=True)
                if progress is not None:
                    progress(Progress(cluster.time, spec.duration,
                                      wall_before + wallclock.perf_counter() - began,
                                      self.log.scheduled_count(), self._pending()))
            self.status = "complete"
        except KeyboardInterrupt:
            self.status = "interrupted"
            raise
        except Exception as error:
            self.status, self.error = "failed", f"{type(error).__name__}: {error}"
            raise
        finally:
            self.totals.wall_seconds = wall_before + wallclock.perf_counter() - began
            if self.status != "complete":
                self.log.capture(cluster.state)
                self._flush(snapshot=False)
            self._finish()
        return ExperimentResult(spec, cluster, self._timeseries(), self.log.to_arrow(),
                                events_table(cluster.state), self.summary(), self.folder)

    def _pending(self) -> int:
        pods = self.cluster.state.tables["pods"]
        return int(np.count_nonzero(pods.alive & (pods["phase"] == 0)))

    def _record(self) -> None:
        self.log.capture(self.cluster.state)
        values = self.series.record(self.cluster, self.log)
        totals = self.totals
        totals.records += 1
        totals.cpu_requested_sum += values["cpu_requested_fraction"]
        totals.memory_requested_sum += values["memory_requested_fraction"]
        totals.peak_pods_pending = max(totals.peak_pods_pending, values["pods_pending"])

    # -- writing -----------------------------------------------------------------------------

    def write_part(self, table: pa.Table | None) -> None:
        """Append rows to the time series (a part file in a run folder)."""
        if table is None or table.num_rows == 0:
            return
        if self.folder is None:
            self.kept.append(table)
            return
        if "timeseries" not in self.spec.outputs:
            return
        parts = self.folder / results.PARTS_DIR
        parts.mkdir(exist_ok=True)
        self.totals.parts += 1
        _write_parquet(table, parts / f"timeseries-{self.totals.parts:05d}.parquet")

    def _flush(self, snapshot: bool) -> None:
        """Write what was recorded so far; with ``snapshot``, the cluster and the recorder
        too (the point a resume goes on from)."""
        self.write_part(self.series.take())
        folder = self.folder
        if folder is None:
            return
        outputs = self.spec.outputs
        if "pods" in outputs:
            _write_parquet(self.log.to_arrow(), folder / results.PODS_FILE)
        if "events" in outputs:
            _write_parquet(events_table(self.cluster.state), folder / results.EVENTS_FILE)
        if snapshot and "snapshots" in outputs:
            name = f"{results.SNAPSHOTS_DIR}/{snapshot_name(self.cluster.time)}"
            if name not in self.totals.snapshots:
                self.totals.snapshots.append(name)
            self.cluster.snapshot(folder / name)
            self._save_recorder(folder / name)
        self._write_summary(self.totals.wall_seconds)

    def _finish(self) -> None:
        """Join the time series parts into timeseries.parquet; write the final summary."""
        folder = self.folder
        if folder is None:
            return
        parts = sorted((folder / results.PARTS_DIR).glob("timeseries-*.parquet"))
        if parts:
            def join(path: Path) -> None:
                with pq.ParquetWriter(path, results.TIMESERIES_COLUMNS) as writer:
                    for part in parts:
                        writer.write_table(pq.read_table(part))
            _write_atomically(folder / results.TIMESERIES_FILE, join)
            shutil.rmtree(folder / results.PARTS_DIR)
        self._write_summary(self.totals.wall_seconds)

    def _timeseries(self) -> pa.Table:
        if self.folder is not None:
            table = read_timeseries(self.folder)
        else:
            table = pa.concat_tables(self.kept).unify_dictionaries() if self.kept else None
        return table if table is not None else results.TIMESERIES_COLUMNS.empty_table()

    def _write_summary(self, wall_seconds: float) -> None:
        self.totals.wall_seconds = wall_seconds
        text = json.dumps(self.summary(), indent=2) + "\n"
        _write_atomically(self.folder / results.SUMMARY_FILE, lambda p: p.write_text(text))

    def summary(self) -> dict:
        """summary.json (results.SUMMARY_FIELDS)."""
        from kbench import __version__
        spec, log, totals = self.spec, self.log, self.totals
        n = log.size
        started = log.columns["started"][:n] - log.columns["created"][:n]
        started = started[~np.isnan(started)]
        quantile = (lambda q: float(np.quantile(started, q))) if len(started) else (
            lambda q: None)
        pods = self.cluster.state.tables["pods"]
        unschedulable = int(np.count_nonzero(pods.alive & (pods["phase"] == 0)
                                             & (pods["node_index"] < 0)
                                             & (pods["scheduling_attempts"] > 0)))
        simulated = self.cluster.time
        scheduled = log.scheduled_count()
        mean = (lambda total: total / totals.records) if totals.records else (lambda total: None)
        values = {
            "results_version": results.RESULTS_VERSION, "kbench_version": __version__,
            "name": spec.name, "run_id": self.folder.name if self.folder else None,
            "status": self.status, "error": self.error, "seed": self.cluster.state.seed,
            "duration_seconds": spec.duration, "simulated_seconds": simulated,
            "wall_seconds": round(totals.wall_seconds, 3),
            "resumed_from": self.resumed_from, "forked_from": self.forked_from,
            "pods_created": n, "pods_scheduled": scheduled,
            "pods_unschedulable": unschedulable,
            "startup_latency_p50_seconds": quantile(0.5),
            "startup_latency_p90_seconds": quantile(0.9),
            "startup_latency_p99_seconds": quantile(0.99),
            "startup_within_slo_fraction": (float(np.mean(started <= results.STARTUP_SLO_SECONDS))
                                            if len(started) else None),
            "mean_cpu_requested_fraction": mean(totals.cpu_requested_sum),
            "mean_memory_requested_fraction": mean(totals.memory_requested_sum),
            "peak_pods_pending": int(totals.peak_pods_pending),
            "scheduling_throughput_pods_per_second": scheduled / simulated if simulated else None,
            "snapshots": list(totals.snapshots),
        }
        return {key: values[key] for key in results.SUMMARY_FIELDS}
