"""The kbench command line: kubectl-style verbs over snapshots of a simulated cluster."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
import yaml

from kbench.api.kinds import UnknownKindError, resolve_kind
from kbench.cluster import Cluster
from kbench.errors import KbenchError, NotFoundError
from kbench.traces.cli import trace_app

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="kbench: a Kubernetes cluster simulator and scheduler research harness.")

app.add_typer(trace_app, name="trace")

OUTPUT_FORMATS = ("wide", "yaml", "json", "name")


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@app.command()
def apply(
    files: List[Path] = typer.Option(..., "-f", "--filename",
                                     help="Manifest files or folders (YAML, JSON, kind: List)."),
    snapshot: Path = typer.Option(..., "--snapshot", help="Snapshot folder to write."),
    base: Optional[Path] = typer.Option(None, "--from",
                                        help="Apply on top of this snapshot instead of an "
                                             "empty cluster."),
    allow_unknown: bool = typer.Option(False, "--allow-unknown",
                                       help="Store kinds kbench does not know instead of "
                                            "rejecting them."),
    seed: int = typer.Option(0, "--seed", help="Seed of a new cluster."),
) -> None:
    """Apply manifests (all or nothing) and write the cluster to a snapshot folder."""
    cluster = Cluster.restore(base) if base else Cluster(seed=seed)
    results = cluster.apply([str(file) for file in files], allow_unknown=allow_unknown)
    cluster.snapshot(snapshot)
    for result in results:
        typer.echo(str(result))


@app.command()
def get(
    kinds: str = typer.Argument(..., help="Resource types, comma separated: pods, deploy,rs, ..."),
    name: Optional[str] = typer.Argument(None, help="Name of one object."),
    snapshot: Path = typer.Option(..., "-f", "--snapshot", help="Snapshot folder to read."),
    output: Optional[str] = typer.Option(None, "-o", "--output",
                                         help="wide, yaml, json or name."),
    selector: Optional[str] = typer.Option(None, "-l", "--selector",
                                           help="Label selector, e.g. app=web,tier!=db."),
    namespace: str = typer.Option("default", "-n", "--namespace"),
    all_namespaces: bool = typer.Option(False, "-A", "--all-namespaces"),
) -> None:
    """Print objects as kubectl get does."""
    from kbench import views

    if output is not None and output not in OUTPUT_FORMATS:
        _fail(f"unable to match a printer suitable for the output format {output!r}, allowed "
              f"formats are: {','.join(OUTPUT_FORMATS)}")
    cluster = Cluster.restore(snapshot)
    infos = [resolve_kind(kind) for kind in kinds.split(",") if kind]
    if name is not None and len(infos) > 1:
        _fail("a name may only be given with a single resource type")
    scope = None if all_namespaces else namespace
    groups = []
    for info in infos:
        if name is not None:
            objects = [cluster.get(info.kind, name, namespace)]
        else:
            objects = cluster.list(info.kind, namespace=scope, selector=selector)
        groups.append((info, [obj.to_dict() for obj in objects]))
    everything = [obj for _, objects in groups for obj in objects]
    if output in ("yaml", "json"):
        document = everything[0] if name is not None else {
            "apiVersion": "v1", "kind": "List", "items": everything, "metadata": {}}
        typer.echo(yaml.safe_dump(document, sort_keys=False) if output == "yaml"
                   else json.dumps(document, indent=4))
        return
    if output == "name":
        for info, objects in groups:
            for obj in objects:
                typer.echo(f"{info.kind_name}/{obj['metadata']['name']}")
        return
    if not everything:
        where = "any namespace" if all_namespaces else f"{namespace} namespace"
        typer.echo(f"No resources found in {where}." if any(i.namespaced for i in infos)
                   else "No resources found", err=True)
        return
    blocks = [views.render_table(objects, cluster.now, wide=output == "wide",
                                 show_namespace=all_namespaces and info.namespaced,
                                 show_kind=len(infos) > 1)
              for info, objects in groups if objects]
    typer.echo("\n".join(block.rstrip("\n") + "\n" for block in blocks).rstrip("\n"))


@app.command()
def describe(
    kind: str = typer.Argument(..., help="Resource type."),
    name: str = typer.Argument(..., help="Object name."),
    snapshot: Path = typer.Option(..., "-f", "--snapshot", help="Snapshot folder to read."),
    namespace: str = typer.Option("default", "-n", "--namespace"),
) -> None:
    """Describe one object as kubectl describe does."""
    typer.echo(Cluster.restore(snapshot).describe(kind, name, namespace).rstrip("\n"))


@app.command()
def schedule(
    snapshot: Path = typer.Option(..., "-f", "--snapshot", help="Snapshot folder to read."),
    out: Path = typer.Option(..., "--out", help="Snapshot folder to write the result to."),
    config: Optional[Path] = typer.Option(None, "--config",
                                          help="KubeSchedulerConfiguration YAML."),
) -> None:
    """Run one scheduling pass over the pending pods and write the cluster to a snapshot."""
    cluster = Cluster.restore(snapshot)
    if config is not None:
        cluster.configure_scheduler(config)
    bindings = cluster.schedule()
    cluster.snapshot(out)
    for row in bindings.to_pylist():
        typer.echo(f"pod/{row['pod']} bound to {row['node']}")
    typer.echo(f"{bindings.num_rows} pods bound; snapshot written to {out}")


@app.command()
def step(
    snapshot: Path = typer.Option(..., "-f", "--snapshot", help="Snapshot folder to read."),
    duration: str = typer.Option(..., "--for", help='Simulated time to run: "90s", "2h", 600.'),
    out: Path = typer.Option(..., "--out", help="Snapshot folder to write the result to."),
    tick: Optional[str] = typer.Option(None, "--tick",
                                       help='Engine tick for a cluster that has not run yet '
                                            '(default "1s").'),
    config: Optional[Path] = typer.Option(None, "--config",
                                          help="KubeSchedulerConfiguration YAML."),
) -> None:
    """Run the cluster of a snapshot forward in simulated time (controllers, scheduler,
    kubelet) and write where it got to."""
    from kbench.sim.clock import parse_duration
    cluster = Cluster.restore(snapshot)
    if config is not None:
        cluster.configure_scheduler(config)
    if tick is not None:
        cluster.configure_engine(tick=parse_duration(tick, "--tick"))
    start = cluster.time
    cluster.step(parse_duration(duration, "--for"))
    cluster.snapshot(out)
    pods = cluster.state.tables["pods"]
    phases = {}
    from kbench.state.schema import POD_PHASES
    for phase in pods["phase"][pods.alive].tolist():
        phases[POD_PHASES[phase]] = phases.get(POD_PHASES[phase], 0) + 1
    summary = ", ".join(f"{count} {phase}" for phase, count in sorted(phases.items()))
    typer.echo(f"simulated {start:g}s -> {cluster.time:g}s; pods: {summary or 'none'}; "
               f"snapshot written to {out}")


@app.command()
def run(
    spec: Optional[Path] = typer.Argument(None, help="Experiment spec (YAML)."),
    out: Path = typer.Option(Path("results"), "--out",
                             help="Results folder; the run goes to OUT/<name>/run-NNN."),
    overrides: List[str] = typer.Option([], "--set",
                                        help="Override a spec field: key=value (dotted path, "
                                             "value read as YAML), e.g. seed=3."),
    resume: Optional[Path] = typer.Option(None, "--resume",
                                          help="Go on with this run folder from its last "
                                               "snapshot."),
    from_snapshot: Optional[Path] = typer.Option(None, "--from-snapshot",
                                                 help="Start from this snapshot (taken "
                                                      "mid-run) instead of time 0."),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress",
                                            help="Show a progress bar (default: on a "
                                                 "terminal)."),
) -> None:
    """Run an experiment spec into a new run folder (an earlier run is never overwritten):
    spec.yaml, summary.json, pods / timeseries / events .parquet and snapshots (see
    kbench.results). Ctrl-C keeps what was written; --resume goes on from there."""
    from kbench.experiments import (fork_experiment, load_spec, new_run_folder,
                                    resume_experiment, run_experiment)
    if resume is not None and (spec is not None or from_snapshot is not None or overrides):
        _fail("--resume takes the run folder only (its spec.yaml is the spec)")
    if resume is None and spec is None:
        _fail("give an experiment spec, or --resume RUN_FOLDER")
    experiment = load_spec(spec, overrides) if spec is not None else None
    if from_snapshot is not None and not from_snapshot.is_dir():
        _fail(f"--from-snapshot: {from_snapshot}: no such snapshot folder")
    cluster = None
    if resume is None and from_snapshot is None:
        from kbench.experiments.runner import build_cluster
        cluster = build_cluster(experiment)   # traces read, manifests applied: before a folder
    folder = resume if resume is not None else new_run_folder(out, experiment.name)
    show = sys.stdout.isatty() if progress is None else progress
    with _progress_display(show) as update:
        try:
            if resume is not None:
                result = resume_experiment(folder, progress=update)
            elif from_snapshot is not None:
                result = fork_experiment(experiment, from_snapshot, folder, progress=update)
            else:
                result = run_experiment(experiment, folder, progress=update, cluster=cluster)
        except KeyboardInterrupt:
            typer.echo(f"interrupted; what was recorded is in {folder} "
                       f"(go on with: kbench run --resume {folder})", err=True)
            raise typer.Exit(130)
    summary = result.summary
    p99 = summary["startup_latency_p99_seconds"]
    typer.echo(f"{summary['name']}: simulated {summary['simulated_seconds']:g}s in "
               f"{summary['wall_seconds']:.1f}s; {summary['pods_created']} pods, "
               f"startup p99 {'-' if p99 is None else f'{p99:.2f}s'}; results in {folder}")


class _progress_display:
    """A rich progress bar (simulated time, wall time, pods/s, pending) on a terminal;
    nothing otherwise. Used as a context manager giving the run's progress callback."""

    def __init__(self, show: bool) -> None:
        self.show, self.bar, self.task = show, None, None

    def __enter__(self):
        if not self.show:
            return None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
        self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                            TextColumn("{task.fields[simulated]}"), TimeElapsedColumn(),
                            TextColumn("{task.fields[rate]} pods/s, {task.fields[pending]} "
                                       "pending"), transient=False)
        self.bar.__enter__()
        self.task = self.bar.add_task("simulating", total=None, simulated="", rate="0",
                                      pending=0)
        return self.update

    def update(self, state) -> None:
        rate = state.pods_scheduled / state.wall_seconds if state.wall_seconds > 0 else 0.0
        self.bar.update(self.task, total=state.duration, completed=state.simulated,
                        simulated=f"{state.simulated:g}/{state.duration:g}s simulated",
                        rate=f"{rate:,.0f}", pending=state.pods_pending)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@app.command()
def report(
    run_folder: Path = typer.Argument(..., help="A run folder (results/<name>/run-NNN)."),
    out: Optional[Path] = typer.Option(None, "--out",
                                       help="Where to write the report (default: "
                                            "RUN_FOLDER/report)."),
) -> None:
    """Draw a run's plots (PNG) and one self-contained report.html; for a sweep folder,
    its grid points side by side."""
    from kbench.report import write_report
    from kbench.sweep_report import is_sweep, write_sweep_report
    page = (write_sweep_report if is_sweep(run_folder) else write_report)(run_folder, out)
    typer.echo(f"report: {page}")


@app.command()
def sweep(
    spec: Path = typer.Argument(..., help="Experiment spec (YAML)."),
    grid: List[str] = typer.Option([], "--grid",
                                   help="key=v1,v2,...: a spec field (as --set takes it) and "
                                        "its values; several --grid make a cartesian grid."),
    seeds: int = typer.Option(1, "--seeds", help="Runs per grid point, seeds from the "
                                                 "spec's seed on."),
    out: Path = typer.Option(Path("results"), "--out",
                             help="Results folder; the sweep goes to OUT/<name>/sweep-NNN."),
    executor: str = typer.Option("local", "--executor", help="local or dask."),
    address: Optional[str] = typer.Option(None, "--address",
                                          help="Dask scheduler (tcp://HOST:8786); default: "
                                               "a LocalCluster."),
    workers: Optional[int] = typer.Option(None, "--workers",
                                          help="Processes (local, or the LocalCluster's); "
                                               "default: one per core."),
) -> None:
    """Run a spec at every point of a grid, several seeds each, in parallel; writes one run
    folder per run and a combined summary.parquet."""
    from kbench.sweep import parse_grid, run_sweep
    folder = run_sweep(spec, parse_grid(grid), seeds, out, executor, address, workers)
    import polars as pl
    runs = pl.read_parquet(folder / "summary.parquet").height
    typer.echo(f"sweep: {runs} runs; summary in {folder / 'summary.parquet'}")


@app.command()
def compare(
    a: Path = typer.Argument(..., help="Results A: a sweep, run or experiment folder."),
    b: Path = typer.Argument(..., help="Results B, the same."),
    metrics: List[str] = typer.Option([], "--metric",
                                      help="A summary field to compare (default: the key "
                                           "metrics)."),
) -> None:
    """Paired differences B - A of the key metrics, runs paired by seed, with 95 %
    confidence intervals over the pairs."""
    from kbench.compare import compare_folders, format_differences
    typer.echo(format_differences(compare_folders(a, b, metrics or None)), nl=False)


@app.command()
def export(
    run_folder: Path = typer.Argument(..., help="A run folder (results/<name>/run-NNN)."),
    format: str = typer.Option("openmetrics", "--format", help="openmetrics"),
    out: Optional[Path] = typer.Option(None, "--out",
                                       help="File to write (default: "
                                            "RUN_FOLDER/metrics.om)."),
    every: Optional[float] = typer.Option(None, "--every",
                                          help="Seconds between samples (default: the "
                                               "run's record interval)."),
) -> None:
    """Write a run's series under kube-state-metrics and cAdvisor names, as an OpenMetrics
    file for `promtool tsdb create-blocks-from openmetrics`."""
    if format != "openmetrics":
        _fail(f"--format {format!r}: the formats are: openmetrics")
    from kbench.export.kube import export_openmetrics
    target = out or run_folder / "metrics.om"
    count = export_openmetrics(run_folder, target, every)
    typer.echo(f"{count} samples written to {target}")


@app.command()
def top(
    what: str = typer.Argument(..., help="pods or nodes"),
    snapshot: Path = typer.Option(..., "-f", "--snapshot", help="Snapshot folder to read."),
    namespace: str = typer.Option("default", "-n", "--namespace"),
    all_namespaces: bool = typer.Option(False, "-A", "--all-namespaces"),
    selector: Optional[str] = typer.Option(None, "-l", "--selector"),
) -> None:
    """Show CPU and memory use as kubectl top does (metrics-server's view at the snapshot)."""
    from kbench.metrics.top import MetricsNotAvailableError
    cluster = Cluster.restore(snapshot)
    try:
        table = cluster.top(what, namespace, all_namespaces, selector)
    except MetricsNotAvailableError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1)
    if table.notice:
        typer.echo(table.notice.rstrip("\n"), err=True)
    typer.echo(table.text, nl=False)


@app.command()
def explain(
    pod: str = typer.Argument(..., help="Name of the pod."),
    snapshot: Path = typer.Option(..., "-f", "--snapshot", help="Snapshot folder to read."),
    namespace: str = typer.Option("default", "-n", "--namespace"),
    config: Optional[Path] = typer.Option(None, "--config",
                                          help="KubeSchedulerConfiguration YAML."),
    all_nodes: bool = typer.Option(False, "--all-nodes",
                                   help="Score every feasible node, not only the sample "
                                        "percentageOfNodesToScore takes."),
) -> None:
    """Show, node by node, what every scheduler plugin says about a pod."""
    cluster = Cluster.restore(snapshot)
    if config is not None:
        cluster.configure_scheduler(config)
    frame = cluster.explain(pod, namespace, sample=not all_nodes)
    simulated = [c for c in frame.columns
                 if not (c.endswith(".filter") and (frame[c] == "not simulated").all())
                 and not (c.endswith((".raw", ".score")) and frame[c].isna().all()
                          and c.rsplit(".", 1)[0] + ".filter" in frame.columns
                          and (frame[c.rsplit(".", 1)[0] + ".filter"] == "not simulated").all())]
    import pandas
    with pandas.option_context("display.max_columns", None, "display.width", 250,
                               "display.max_colwidth", 60):
        typer.echo(frame[simulated].to_string(index=False))
    left_out = sorted({c.rsplit(".", 1)[0] for c in frame.columns if c not in simulated})
    if left_out:
        typer.echo(f"not simulated yet: {', '.join(left_out)}")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; kbench's own errors print on one line (no traceback) and exit 2."""
    try:
        status = app(args=argv, prog_name="kbench", standalone_mode=False)
        if isinstance(status, int) and status:  # a command's typer.Exit(code)
            sys.exit(status)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except NotFoundError as error:
        typer.echo(f"Error from server (NotFound): {error}", err=True)
        sys.exit(1)
    except (KbenchError, UnknownKindError) as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(2)
    except Exception as error:  # click's usage errors
        import click
        if isinstance(error, click.ClickException):
            error.show()
            sys.exit(error.exit_code)
        if isinstance(error, click.exceptions.Abort):
            sys.exit(130)
        raise


if __name__ == "__main__":
    main()
