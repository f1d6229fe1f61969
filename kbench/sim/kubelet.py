"""The kubelet model: what happens to a pod between binding and its end.

Per pod, from the moment it is bound to a node:
- start latency: image pulls (each image the node does not have yet: a fixed registry
  overhead plus its size over the pull bandwidth; present images cost nothing, or the
  overhead alone for imagePullPolicy Always) plus the container start (log-normal, seeded by
  the pod, so a pod's latency does not depend on what else starts with it). Pulls of one pod's
  images add up (the kubelet pulls serially by default); pulls of different pods do not wait
  for each other (a simplification).
- readiness: without a readiness probe the pod is Ready when its container starts. With one,
  the probe runs every periodSeconds from the start, counts from initialDelaySeconds on, and
  succeeds once the application answers (annotation ``kbench.io/ready-after``, default at
  once; ``never`` for an application that never becomes ready); Ready after successThreshold
  successes in a row.
- durations in annotations are Go durations ("90s", "1h") or numbers of seconds ("60").
- exits: ``kbench.io/run-for`` (the work of a Job's pod; exit code ``kbench.io/exit-code``,
  default 0) and ``kbench.io/crash-after`` (the container crashes, exit code 1, every time it
  has run that long). restartPolicy decides: Never ends the pod (Succeeded on exit code 0,
  else Failed), OnFailure ends it on exit code 0 and restarts it otherwise, Always restarts.
  Restarts wait CrashLoopBackOff's back-off: 10 s doubling to 5 min, reset after the
  container ran 10 min.
- liveness: with a livenessProbe and ``kbench.io/unhealthy-after`` (the application stops
  answering that long after start), the kubelet kills the container after failureThreshold
  failed probes in a row (exit code 137), and restartPolicy decides as for an exit.
- ``kbench.io/image-pull: fail``: the image never pulls (ErrImagePull, then ImagePullBackOff);
  the pod stays Pending.
- deletion: a pod that is not bound or has ended goes at once; a running one is Terminating
  (not Ready, its resources still held) until its containers stop: after
  ``kbench.io/shutdown-seconds`` (default KubeletConfig.shutdown_seconds), at most
  terminationGracePeriodSeconds.

Transitions are events on the engine's queue (kinds below, in the order the engine handles
events of equal time), tagged with the pod's ``incarnation``: a restart or a deletion bumps it,
so events of an earlier incarnation are ignored when they come due. Everything is vectorised
over the pods of a step; Python runs once per distinct (pod body, annotations) pair.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import repeat
from typing import NamedTuple

import numpy as np

from kbench.errors import KbenchError
from kbench.sim.clock import Due, EventQueue, parse_duration
from kbench.sim.events import record_pod_events
from kbench.randomness import lognormal
from kbench.state import ClusterState
from kbench.state.schema import POD_PHASES

KUBELET = "kubelet"

# Event kinds handled by the kubelet model, in the engine's order for events of equal time.
CONTAINER_STARTED, POD_READY, CONTAINER_EXITED, POD_TERMINATED = 10, 11, 12, 13

PENDING, RUNNING = POD_PHASES.index("Pending"), POD_PHASES.index("Running")
SUCCEEDED, FAILED = POD_PHASES.index("Succeeded"), POD_PHASES.index("Failed")

READY_AFTER = "kbench.io/ready-after"
RUN_FOR = "kbench.io/run-for"
EXIT_CODE = "kbench.io/exit-code"
CRASH_AFTER = "kbench.io/crash-after"
UNHEALTHY_AFTER = "kbench.io/unhealthy-after"
LIVENESS_EXIT_CODE = 137  # the container is killed (SIGKILL after SIGTERM's grace)
IMAGE_PULL = "kbench.io/image-pull"
SHUTDOWN_SECONDS = "kbench.io/shutdown-seconds"

RESTART_POLICIES = ("Always", "OnFailure", "Never")
PULL_POLICIES = ("IfNotPresent", "Always", "Never")
INITIAL_BACKOFF = 10.0   # kubelet's container restart back-off (pkg/kubelet/kubelet.go)
MAX_BACKOFF = 300.0
BACKOFF_RESET = 600.0    # a container that ran this long starts its back-off afresh
DEFAULT_GRACE = 30.0     # terminationGracePeriodSeconds' default

_START_LATENCY = 1  # randomness purposes


class BehaviourError(KbenchError, ValueError):
    """A kbench.io/ annotation the kubelet model cannot read."""


@dataclass(frozen=True)
class KubeletConfig:
    """How long the kubelet takes. Sizes in bytes, times in seconds."""

    image_pull_bytes_per_second: float = 50e6
    image_pull_overhead_seconds: float = 0.5   # registry round trips per pull
    default_image_bytes: int = 150_000_000     # an image's size when nothing says otherwise
    image_bytes: dict = field(default_factory=dict)  # image name -> size in bytes
    container_start_median_seconds: float = 0.5
    container_start_sigma: float = 0.4         # log-normal shape of the container start
    shutdown_seconds: float = 1.0              # how long containers take to stop on SIGTERM
    record_events: bool = True                 # Pulled / Created / Started / Killing events


class Behaviour(NamedTuple):
    """What the kubelet model needs of one pod body with one set of annotations."""

    container: str
    images: tuple[str, ...]
    pull_policies: tuple[int, ...]
    ready_delay: float      # seconds from container start to Ready (inf: never)
    run_for: float          # seconds until the container exits by itself (inf: never)
    exit_code: int
    crash_after: float      # seconds until it crashes or its liveness probe kills it
    crash_code: int         # the exit code of that: 1 for a crash, 137 for a liveness kill
    restart_policy: int     # index in RESTART_POLICIES
    grace: float
    shutdown: float
    pull_fails: bool


def readiness_delay(probe: dict | None, ready_after: float) -> float:
    """Seconds from container start to Ready: probes at 0, P, 2P, ... count from
    initialDelaySeconds on (prober worker.doProbe) and pass once the application answers."""
    if probe is None:
        return 0.0 if ready_after == 0.0 else ready_after
    if math.isinf(ready_after):
        return math.inf
    period = float(probe.get("periodSeconds") or 10)
    first = max(float(probe.get("initialDelaySeconds") or 0), ready_after)
    successes = int(probe.get("successThreshold") or 1)
    return math.ceil(first / period) * period + (successes - 1) * period


def liveness_kill_delay(probe: dict | None, unhealthy_after: float) -> float:
    """Seconds from container start to the kubelet killing it for failing its liveness
    probe: probes at 0, P, 2P, ... count from initialDelaySeconds on; from the first one after
    the application stops answering, failureThreshold failures in a row."""
    if probe is None or math.isinf(unhealthy_after):
        return math.inf
    period = float(probe.get("periodSeconds") or 10)
    first = max(float(probe.get("initialDelaySeconds") or 0), unhealthy_after)
    failures = int(probe.get("failureThreshold") or 3)
    return math.ceil(first / period) * period + (failures - 1) * period


def _duration(annotations: dict, key: str, where: str) -> float:
    value = annotations.get(key)
    if value is None:
        return math.inf
    text = str(value).strip()
    if text.lower() == "never":
        return math.inf
    try:
        seconds = float(text)  # annotations are strings: "60" means seconds
    except ValueError:
        seconds = parse_duration(text, f"{where}: metadata.annotations[{key}]")
    if seconds < 0:
        raise BehaviourError(f"{where}: metadata.annotations[{key}]: {value!r}: must not be "
                             f"negative")
    return seconds


def behaviour(body: dict, annotations: dict, config: KubeletConfig,
              where: str = "pod") -> Behaviour:
    """Read a pod's behaviour from its spec and kbench.io/ annotations."""
    spec = body.get("spec") or {}
    containers = spec.get("containers") or [{}]
    ready_after = _duration(annotations, READY_AFTER, where)
    if math.isinf(ready_after) and READY_AFTER not in annotations:
        ready_after = 0.0
    try:
        exit_code = int(annotations.get(EXIT_CODE, 0))
    except (TypeError, ValueError):
        raise BehaviourError(f"{where}: metadata.annotations[{EXIT_CODE}]: "
                             f"{annotations.get(EXIT_CODE)!r}: not an integer") from None
    shutdown = config.shutdown_seconds
    if SHUTDOWN_SECONDS in annotations:
        shutdown = _duration(annotations, SHUTDOWN_SECONDS, where)
    pull = str(annotations.get(IMAGE_PULL, "succeed")).lower()
    if pull not in ("succeed", "fail"):
        raise BehaviourError(f"{where}: metadata.annotations[{IMAGE_PULL}]: {pull!r}: must be "
                             f'"succeed" or "fail"')
    grace = spec.get("terminationGracePeriodSeconds")
    policy = spec.get("restartPolicy") or "Always"
    crash = _duration(annotations, CRASH_AFTER, where)
    killed = liveness_kill_delay(containers[0].get("livenessProbe"),
                                 _duration(annotations, UNHEALTHY_AFTER, where))
    return Behaviour(
        container=str(containers[0].get("name", "")),
        images=tuple(str(c.get("image", "")) for c in containers),
        pull_policies=tuple(PULL_POLICIES.index(c.get("imagePullPolicy") or "IfNotPresent")
                            if (c.get("imagePullPolicy") or "IfNotPresent") in PULL_POLICIES
                            else 0 for c in containers),
        ready_delay=readiness_delay(containers[0].get("readinessProbe"), ready_after),
        run_for=_duration(annotations, RUN_FOR, where),
        exit_code=exit_code,
        crash_after=min(crash, killed),
        crash_code=1 if crash <= killed else LIVENESS_EXIT_CODE,
        restart_policy=RESTART_POLICIES.index(policy) if policy in RESTART_POLICIES else 0,
        grace=DEFAULT_GRACE if grace is None else float(grace),
        shutdown=shutdown,
        pull_fails=pull == "fail")


class Kubelet:
    """Every node's kubelet: admits newly bound pods and carries out their transitions."""

    def __init__(self, config: KubeletConfig | None = None, seed: int = 0) -> None:
        self.config = config or KubeletConfig()
        self.seed = seed
        self._behaviour_of: dict[tuple[int, int], int] = {}
        self._behaviours: list[Behaviour] = []
        self._columns: dict[str, np.ndarray] = {}
        self._image_codes: dict[str, int] = {}
        self._image_bytes = np.zeros(0)
        #: when the pull of each image a node has (or is pulling) ends, by node << 32 | image
        #: code (-inf: listed in the node's status): a dict of numbers, so a few lookups and
        #: additions per step cost a few microseconds, whatever the cluster's size
        self._pulled: dict[int, float] = {}
        self._nodes_seen = 0

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The image cache (which node has which image, and when each pull ends), for
        snapshots: a restored kubelet pulls what the original would pull, no more."""
        keys = np.fromiter(self._pulled, np.int64, len(self._pulled))
        pulled_at = np.fromiter(self._pulled.values(), np.float64, len(self._pulled))
        # saved as node * len(image codes) + image code, sorted
        present = (keys >> 32) * len(self._image_codes) + (keys & 0xFFFFFFFF)
        order = np.argsort(present, kind="stable")
        return {"image_names": np.array(list(self._image_codes), dtype=np.str_),
                "image_bytes": self._image_bytes.copy(), "present": present[order],
                "pulled_at": pulled_at[order],
                "nodes_seen": np.array([self._nodes_seen], dtype=np.int64)}

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        """Take back the image cache to_arrays gave (node rows as in the snapshot)."""
        names = arrays["image_names"].tolist()
        self._image_codes = {name: code for code, name in enumerate(names)}
        self._image_bytes = np.asarray(arrays["image_bytes"], dtype=np.float64).copy()
        present = np.asarray(arrays["present"], dtype=np.int64)
        nodes, images = np.divmod(present, max(len(names), 1))
        self._pulled = dict(zip(((nodes << 32) | images).tolist(),
                                np.asarray(arrays["pulled_at"], dtype=np.float64).tolist()))
        self._nodes_seen = int(arrays["nodes_seen"][0])
        self._columns = {}

    # -- behaviours --------------------------------------------------------------------------

    def behaviours(self, state: ClusterState, rows: np.ndarray) -> np.ndarray:
        """The behaviour id of each pod row; each new (body, annotations) pair is read once."""
        pods = state.tables["pods"]
        keys = (pods["body"][rows].astype(np.int64) << 32) | (
            pods["annotations"][rows].astype(np.int64) & 0xFFFFFFFF)
        unique, inverse = np.unique(keys, return_inverse=True)
        ids = np.empty(len(unique), dtype=np.int64)
        for i, key in enumerate(unique.tolist()):
            pair = (key >> 32, np.int32(np.uint32(key & 0xFFFFFFFF)).item())
            found = self._behaviour_of.get(pair)
            if found is None:
                row = int(rows[np.flatnonzero(inverse == i)[0]])
                where = (f"pod {state.strings[int(pods['namespace'][row])]}/"
                         f"{state.strings[int(pods['name'][row])]}")
                found = len(self._behaviours)
                self._behaviours.append(behaviour(
                    state.strings.document(pair[0]) or {},
                    state.strings.document(pair[1]) or {}, self.config, where))
                self._behaviour_of[pair] = found
                self._columns = {}
            ids[i] = found
        return ids[inverse]

    def column(self, name: str) -> np.ndarray:
        """One field of every behaviour, as an array indexed by behaviour id."""
        if name not in self._columns:
            self._columns[name] = np.array([getattr(b, name) for b in self._behaviours])
        return self._columns[name]

    # -- images ------------------------------------------------------------------------------

    def _learn_node_images(self, state: ClusterState) -> None:
        """Images the nodes' manifests list in status.images (once per new node and body)."""
        nodes = state.tables["nodes"]
        if len(nodes) == self._nodes_seen:
            return
        bodies = nodes["body"][self._nodes_seen:]
        listed = []
        for code in np.unique(bodies).tolist():
            body = state.strings.document(int(code)) or {}
            names = [name for image in (body.get("status") or {}).get("images") or []
                     for name in image.get("names") or []]
            if names:
                listed.append((code, [self._image_code(name) for name in names]))
        self._columns.pop("image_codes", None)
        self._columns.pop("image_starts", None)
        for code, images in listed:
            rows = self._nodes_seen + np.flatnonzero(bodies == code)
            keys = ((rows[:, None] << 32) | np.array(images)[None, :]).ravel()
            for key in keys.tolist():
                self._pulled.setdefault(key, -np.inf)
        self._nodes_seen = len(nodes)

    def _pull_seconds(self, state: ClusterState, rows: np.ndarray,
                      ids: np.ndarray) -> np.ndarray:
        """Seconds each pod spends pulling images on its node; the node has them afterwards.
        Pods of one step that need the same image on the same node each wait for the whole
        pull (they share one download); a pod admitted while a pull is under way waits for
        what is left of it."""
        self._learn_node_images(state)
        config = self.config
        # (pod, container) pairs: the behaviour's images, in CSR form
        starts, codes, policies = self._image_columns()
        counts = starts[ids + 1] - starts[ids]
        pod_of = np.repeat(np.arange(len(rows)), counts)
        first = np.repeat(starts[ids], counts)
        within = np.arange(len(pod_of)) - np.repeat(np.cumsum(counts) - counts, counts)
        image = codes[first + within]
        policy = policies[first + within]
        node = state.tables["pods"]["node_index"][rows][pod_of].astype(np.int64)
        keys = (node << 32) | image
        now = state.time
        pulled_at = np.fromiter(map(self._pulled.get, keys.tolist(), repeat(np.nan)),
                                np.float64, len(keys))
        known = ~np.isnan(pulled_at)
        # a pull still under way (started by an earlier pod) is waited for, not repeated
        remaining = np.zeros(len(keys))
        remaining[known] = np.maximum(pulled_at[known] - now, 0.0)
        size = self._image_bytes[image]
        full = config.image_pull_overhead_seconds + size / config.image_pull_bytes_per_second
        seconds = np.where(known, remaining, full)
        always = known & (policy == PULL_POLICIES.index("Always"))
        seconds[always] = np.maximum(remaining[always], config.image_pull_overhead_seconds)
        never = policy == PULL_POLICIES.index("Never")
        seconds[never] = 0.0
        new = ~known & ~never
        if new.any():
            added, first = np.unique(keys[new], return_index=True)
            self._pulled.update(zip(added.tolist(), (now + full[new][first]).tolist()))
        return np.bincount(pod_of, weights=seconds, minlength=len(rows))

    def _image_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The behaviours' images as CSR arrays: starts, image codes, pull policies."""
        if "image_starts" not in self._columns:
            lengths = [len(b.images) for b in self._behaviours]
            self._columns["image_starts"] = np.concatenate([[0], np.cumsum(lengths)]).astype(
                np.int64)
            self._columns["image_codes"] = np.array(
                [self._image_code(i) for b in self._behaviours for i in b.images], np.int64)
            self._columns["pull_policies"] = np.array(
                [p for b in self._behaviours for p in b.pull_policies], np.int64)
        return (self._columns["image_starts"], self._columns["image_codes"],
                self._columns["pull_policies"])

    def _image_code(self, image: str) -> int:
        """A dense code per image name."""
        code = self._image_codes.get(image)
        if code is None:
            old = len(self._image_codes)
            code = self._image_codes[image] = old
            self._image_bytes = np.append(self._image_bytes, float(
                self.config.image_bytes.get(image, self.config.default_image_bytes)))
        return code

    # -- the kubelet's work --------------------------------------------------------------------

    def admit(self, state: ClusterState, queue: EventQueue) -> None:
        """Pods bound since the last step: their containers are created; each start is queued
        at now + image pulls + container start."""
        pods = state.tables["pods"]
        rows = np.flatnonzero(np.isnan(pods["start_time"]))  # few: test the rest on them
        rows = rows[pods.alive[rows] & (pods["node_index"][rows] >= 0)
                    & (pods["phase"][rows] == PENDING) & np.isnan(pods["deletion_time"][rows])]
        if len(rows) == 0:
            return
        now = state.time
        ids = self.behaviours(state, rows)
        pods["start_time"][rows] = now
        fails = self.column("pull_fails")[ids]
        pods["waiting_reason"][rows[fails]] = state.strings.intern("ImagePullBackOff")
        if fails.any() and self.config.record_events:
            record_pod_events(state, rows[fails], "Warning", "Failed",
                              "Failed to pull image: kbench.io/image-pull is \"fail\"", KUBELET)
        rows, ids = rows[~fails], ids[~fails]
        pods["waiting_reason"][rows] = state.strings.intern("ContainerCreating")
        start = lognormal(self.seed, _START_LATENCY, self.config.container_start_median_seconds,
                          self.config.container_start_sigma, pods["uid"][rows],
                          pods["incarnation"][rows])
        latency = self._pull_seconds(state, rows, ids) + start
        queue.push(now + latency, CONTAINER_STARTED, rows, pods["incarnation"][rows])

    def handle(self, state: ClusterState, queue: EventQueue, due: Due) -> None:
        """Carry out the kubelet's events of one kind (``due`` holds only that kind)."""
        pods = state.tables["pods"]
        rows, times = due.payloads, due.times
        current = pods.alive[rows] & (pods["incarnation"][rows] == due.tags)
        rows, times = rows[current], times[current]
        if len(rows) == 0:
            return
        kind = int(due.kinds[0])
        if kind == POD_TERMINATED:
            state.remove_many("pods", rows)
            return
        live = np.isnan(pods["deletion_time"][rows])
        rows, times = rows[live], times[live]
        if len(rows) == 0:
            return
        if kind == CONTAINER_STARTED:
            self._started(state, queue, rows, times)
        elif kind == POD_READY:
            pods["ready"][rows] = True
            pods["ready_time"][rows] = times
        elif kind == CONTAINER_EXITED:
            self._exited(state, queue, rows, times)

    def _started(self, state, queue, rows, times) -> None:
        pods = state.tables["pods"]
        ids = self.behaviours(state, rows)
        pods["phase"][rows] = RUNNING  # Pending and Running both hold the node's resources
        pods["container_start_time"][rows] = times
        pods["waiting_reason"][rows] = -1
        tags = pods["incarnation"][rows]
        delay = self.column("ready_delay")[ids]
        will = np.isfinite(delay)
        queue.push(times[will] + delay[will], POD_READY, rows[will], tags[will])
        exit_after = np.minimum(self.column("run_for")[ids], self.column("crash_after")[ids])
        will = np.isfinite(exit_after)
        queue.push(times[will] + exit_after[will], CONTAINER_EXITED, rows[will], tags[will])
        if self.config.record_events:
            first = pods["restarts"][rows] == 0
            names = [self._behaviours[b].container for b in ids.tolist()]
            record_pod_events(state, rows[first], "Normal", "Created",
                              [f"Created container: {n}" for n, f in zip(names, first) if f],
                              KUBELET, times[first])
            record_pod_events(state, rows, "Normal", "Started",
                              [f"Started container {n}" for n in names], KUBELET, times)

    def _exited(self, state, queue, rows, times) -> None:
        pods = state.tables["pods"]
        ids = self.behaviours(state, rows)
        ran = times - pods["container_start_time"][rows]
        crashed = self.column("crash_after")[ids] <= self.column("run_for")[ids]
        code = np.where(crashed, self.column("crash_code")[ids],
                        self.column("exit_code")[ids]).astype(np.int32)
        policy = self.column("restart_policy")[ids]
        ends = (policy == RESTART_POLICIES.index("Never")) | (
            (policy == RESTART_POLICIES.index("OnFailure")) & (code == 0))
        pods["exit_code"][rows] = code
        pods["ready"][rows] = False
        done = rows[ends]
        state.set_pods_phase(done, np.where(code[ends] == 0, SUCCEEDED, FAILED))
        pods["finish_time"][done] = times[ends]
        again, when, ran = rows[~ends], times[~ends], ran[~ends]
        streak = np.where(ran >= BACKOFF_RESET, 1, pods["crash_loop_count"][again] + 1)
        pods["crash_loop_count"][again] = streak
        pods["restarts"][again] += 1
        pods["incarnation"][again] += 1
        pods["waiting_reason"][again] = state.strings.intern("CrashLoopBackOff")
        backoff = np.minimum(INITIAL_BACKOFF * 2.0 ** (streak - 1), MAX_BACKOFF)
        queue.push(when + backoff, CONTAINER_STARTED, again, pods["incarnation"][again])
        if self.config.record_events and len(again):
            record_pod_events(state, again, "Warning", "BackOff",
                              "Back-off restarting failed container", KUBELET, when)

    def delete(self, state: ClusterState, queue: EventQueue, rows: np.ndarray) -> None:
        """Delete pods as the API server and kubelet do: unbound or ended pods go at once, the
        others terminate gracefully (see the module's docstring)."""
        pods = state.tables["pods"]
        rows = np.asarray(rows, dtype=np.int64)
        rows = rows[pods.alive[rows] & np.isnan(pods["deletion_time"][rows])]
        if len(rows) == 0:
            return
        phase = pods["phase"][rows]
        at_once = (pods["node_index"][rows] < 0) | (phase == SUCCEEDED) | (phase == FAILED)
        state.remove_many("pods", rows[at_once])
        rows = rows[~at_once]
        if len(rows) == 0:
            return
        ids = self.behaviours(state, rows)
        now = state.time
        pods["deletion_time"][rows] = now
        pods["ready"][rows] = False
        pods["incarnation"][rows] += 1
        stop = np.minimum(self.column("shutdown")[ids], self.column("grace")[ids])
        queue.push(now + stop, POD_TERMINATED, rows, pods["incarnation"][rows])
        if self.config.record_events:
            names = [self._behaviours[b].container for b in ids.tolist()]
            record_pod_events(state, rows, "Normal", "Killing",
                              [f"Stopping container {n}" for n in names], KUBELET)
