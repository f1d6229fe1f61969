"""DefaultPreemption (PostFilter), Kubernetes v1.33, for the reference scheduler.

Ported from Kubernetes (Go):
  pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go
        PostFilter ("preemption: " prefix), SelectVictimsOnNode, PodEligibleToPreemptOthers,
        calculateNumCandidates, GetOffsetAndNumCandidates, filterPodsWithPDBViolation,
        podTerminatingByPreemption
  pkg/scheduler/framework/preemption/preemption.go
        Evaluator.Preempt, findCandidates, DryRunPreemption, SelectCandidate,
        pickOneNodeForPreemption
  pkg/scheduler/util/utils.go       MoreImportantPod, GetPodStartTime, GetEarliestPodStartTime
  pkg/scheduler/framework/types.go  NodeToStatus.NodesForStatusCode, FitError.Error()
  pkg/controller/disruption/disruption.go   status.disruptionsAllowed (see below)

The evaluation only: the nominated node and its victims are returned, nothing is evicted and
the preemptor is not nominated in the snapshot (the engine applies preemption later).

Deliberate simplifications, each a place where Go is concurrent, random or has more machinery:
  * Filters with a pod set changed: Go clones the CycleState and updates it incrementally
    with the PreFilter extensions' AddPod / RemovePod. Here every check builds a snapshot with
    the node's reduced (or restored) pods and runs PreFilter afresh, then the Filters on that
    node: the result the incremental update is meant to equal, obviously so.
  * No nominated pods (RunFilterPluginsWithNominatedPods adds none) and no extenders.
  * DryRunPreemption checks the potential nodes in parallel and cancels once enough
    candidates are found; here sequentially from the offset, stopping at the same condition.
  * Go collects the potential nodes from a map when the absent status is not Unschedulable
    (random order) and picks among tied candidates by map order ("the first such node" is then
    random); here both follow the snapshot's node order (candidates: non-violating ones, then
    violating ones, each in dry-run order).
  * GetPodStartTime gives a pod without status.startTime the time of the call (time.Now());
    here such a pod counts as started later than any pod with a start time, and two such pods
    tie (Go's result for them depends on clock ticks between calls).
  * The victims are sorted with Python's stable sort; Go's sort.Slice is stable only for up to
    12 elements (insertion sort), beyond that equal pods may come in another order.
  * The offset: Go's rand.Int31n(numPotentialNodes) is ``scheduler.rng.random_below(n)``,
    drawn (as in Go) only when the pod may preempt and some node is Unschedulable.
  * PodDisruptionBudget status.disruptionsAllowed: when a PDB carries it, it is used as the
    scheduler would read it. When a PDB has no status.disruptionsAllowed (a simulator runs no
    disruption controller), it is computed as the disruption controller would
    (disruption.go trySync / getExpectedPodCount / countHealthyPods / updatePdbStatus):
      - the PDB's pods: same namespace, matching spec.selector, in the snapshot (bound pods);
      - minAvailable an integer: expected = number of pods, desiredHealthy = minAvailable;
      - maxUnavailable, or minAvailable a percentage: expected = the summed spec.replicas of
        the pods' controllers (ReplicationController, ReplicaSet, StatefulSet of the snapshot,
        by controller ownerReference; a Deployment's ReplicaSet counts with its own replicas),
        a percentage scaled rounding up; desiredHealthy = minAvailable, or expected -
        maxUnavailable (not below 0). A pod without a known controller makes the controller
        fail safe: disruptionsAllowed 0;
      - healthy: not being deleted and Ready (a Ready condition True; a pod with no Ready
        condition counts as ready when its phase is Running, as there is no kubelet);
      - disruptionsAllowed = healthy - desiredHealthy, 0 if that is negative or expected <= 0.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from datetime import datetime

from kbench.api.labels import selector_from_dict
from kbench.errors import SelectorError
from reference.framework import (
    ERROR,
    SUCCESS,
    UNSCHEDULABLE,
    UNSCHEDULABLE_AND_UNRESOLVABLE,
    CycleState,
    NodeInfo,
    Snapshot,
    Status,
)

NAME = "DefaultPreemption"
# apis/config/v1/defaults.go SetDefaults_DefaultPreemptionArgs
DEFAULT_MIN_CANDIDATE_NODES_PERCENTAGE = 10
DEFAULT_MIN_CANDIDATE_NODES_ABSOLUTE = 100

NO_VICTIMS_MSG = "No preemption victims found for incoming pod"
NOT_HELPFUL_MSG = "Preemption is not helpful for scheduling"
MAX_INT32 = 2**31 - 1


@dataclasses.dataclass
class Candidate:
    """preemption.candidate: a node and its victims (extenderv1.Victims), most important first."""

    name: str
    victims: list[dict]
    num_pdb_violations: int


@dataclasses.dataclass
class PreemptionResult:
    """What PostFilter gives back: the status (its message is the FitError's PostFilterMsg)
    and the nominated node (None: the nomination is left as it is, "" clears it)."""

    status: Status
    nominated_node: str | None = None
    victims: list[dict] = dataclasses.field(default_factory=list)

    @property
    def message(self) -> str:
        return self.status.message()


# ---------------------------------------------------------------------------
# Pods: priority, start time, importance (corev1helpers, util/utils.go)
# ---------------------------------------------------------------------------

def pod_priority(pod: dict) -> int:
    """corev1helpers.PodPriority: spec.priority, 0 when unset."""
    priority = (pod.get("spec") or {}).get("priority")
    return 0 if priority is None else int(priority)


def _parse_time(value: str) -> float:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def pod_start_time(pod: dict) -> float:
    """util.GetPodStartTime: status.startTime; none is "now", later than any real time."""
    start = (pod.get("status") or {}).get("startTime")
    return math.inf if not start else _parse_time(start)


def more_important_pod(pod1: dict, pod2: dict) -> bool:
    """util.MoreImportantPod: higher priority, then the earlier start time."""
    p1, p2 = pod_priority(pod1), pod_priority(pod2)
    if p1 != p2:
        return p1 > p2
    return pod_start_time(pod1) < pod_start_time(pod2)


def sort_by_importance(pods: list[dict]) -> list[dict]:
    """sort.Slice(pods, MoreImportantPod), stable."""
    def compare(a: dict, b: dict) -> int:
        if more_important_pod(a, b):
            return -1
        if more_important_pod(b, a):
            return 1
        return 0
    return sorted(pods, key=functools.cmp_to_key(compare))


def earliest_pod_start_time(victims: list[dict]) -> float:
    """util.GetEarliestPodStartTime: the earliest start time among the highest-priority victims."""
    earliest = pod_start_time(victims[0])
    max_priority = pod_priority(victims[0])
    for pod in victims:
        priority = pod_priority(pod)
        if priority == max_priority:
            start = pod_start_time(pod)
            if start < earliest:
                earliest = start
        elif priority > max_priority:
            max_priority = priority
            earliest = pod_start_time(pod)
    return earliest


def pod_key(pod: dict) -> str:
    metadata = pod.get("metadata") or {}
    return f"{metadata.get('namespace') or 'default'}/{metadata.get('name')}"


# ---------------------------------------------------------------------------
# PodDisruptionBudgets
# ---------------------------------------------------------------------------

def _pdb_selector(pdb: dict):
    try:
        return selector_from_dict((pdb.get("spec") or {}).get("selector"))
    except SelectorError:
        return None


def _is_pod_ready(pod: dict) -> bool:
    """podutil.IsPodReady; a pod with no Ready condition is ready when Running (no kubelet)."""
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return (pod.get("status") or {}).get("phase") == "Running"


def _scaled_value(value, total: int) -> int | None:
    """intstr.GetScaledValueFromIntOrPercent(value, total, roundUp=true); None for a string
    that is no percentage (Go's error, which makes the controller fail safe)."""
    if isinstance(value, str):
        if not value.endswith("%") or not value[:-1].isdigit():
            return None
        return math.ceil(int(value[:-1]) * total / 100)
    return int(value)


def _controller_replicas(pods: list[dict], snapshot: Snapshot) -> int | None:
    """disruption.go getExpectedScale: the summed replicas of the pods' controllers, each
    counted once; None when a pod has no controller the snapshot knows (the controller's
    failSafe)."""
    workloads = {"ReplicationController": snapshot.replication_controllers,
                 "ReplicaSet": snapshot.replica_sets, "StatefulSet": snapshot.stateful_sets}
    seen: dict[tuple[str, str], int] = {}
    for pod in pods:
        metadata = pod.get("metadata") or {}
        namespace = metadata.get("namespace") or "default"
        owner = next((ref for ref in metadata.get("ownerReferences") or [] if ref.get("controller")), None)
        if owner is None or owner.get("kind") not in workloads:
            return None
        found = None
        for obj in workloads[owner["kind"]]:
            meta = obj.get("metadata") or {}
            if meta.get("name") == owner.get("name") and (meta.get("namespace") or "default") == namespace:
                found = obj
                break
        if found is None:
            return None
        replicas = (found.get("spec") or {}).get("replicas")
        seen[(owner["kind"], owner["name"])] = 1 if replicas is None else int(replicas)
    return sum(seen.values())


def disruptions_allowed(pdb: dict, snapshot: Snapshot) -> int:
    """status.disruptionsAllowed if the PDB has it, else as the disruption controller computes
    it (see the module docstring)."""
    status = pdb.get("status") or {}
    if status.get("disruptionsAllowed") is not None:
        return int(status["disruptionsAllowed"])
    spec = pdb.get("spec") or {}
    namespace = (pdb.get("metadata") or {}).get("namespace") or "default"
    selector = _pdb_selector(pdb)
    pods = []
    if selector is not None:
        for info in snapshot.nodes:
            for pod in info.pods:
                metadata = pod.get("metadata") or {}
                if (metadata.get("namespace") or "default") == namespace and \
                        selector.matches(metadata.get("labels") or {}):
                    pods.append(pod)
    max_unavailable = spec.get("maxUnavailable")
    min_available = spec.get("minAvailable")
    expected = desired_healthy = 0
    if max_unavailable is not None:
        expected = _controller_replicas(pods, snapshot)
        if expected is None:
            return 0
        scaled = _scaled_value(max_unavailable, expected)
        if scaled is None:
            return 0
        desired_healthy = max(expected - scaled, 0)
    elif min_available is not None:
        if isinstance(min_available, int):
            expected = len(pods)
            desired_healthy = min_available
        else:
            expected = _controller_replicas(pods, snapshot)
            if expected is None:
                return 0
            desired_healthy = _scaled_value(min_available, expected)
            if desired_healthy is None:
                return 0
    healthy = sum(1 for pod in pods
                  if not (pod.get("metadata") or {}).get("deletionTimestamp") and _is_pod_ready(pod))
    allowed = healthy - desired_healthy
    if expected <= 0 or allowed <= 0:
        return 0
    return allowed


def filter_pods_with_pdb_violation(pods: list[dict], pdbs: list[dict], snapshot: Snapshot
                                   ) -> tuple[list[dict], list[dict]]:
    """default_preemption.go filterPodsWithPDBViolation: (violating, non-violating), stable.
    Each PDB's budget is decremented by every pod it matches (not in its disruptedPods); a pod
    whose PDB budget goes below 0 is violating."""
    allowed = [disruptions_allowed(pdb, snapshot) for pdb in pdbs]
    violating, non_violating = [], []
    for pod in pods:
        metadata = pod.get("metadata") or {}
        labels = metadata.get("labels") or {}
        namespace = metadata.get("namespace") or "default"
        violated = False
        # A pod with no labels will not match any PDB.
        if labels:
            for i, pdb in enumerate(pdbs):
                if ((pdb.get("metadata") or {}).get("namespace") or "default") != namespace:
                    continue
                selector = _pdb_selector(pdb)
                # An invalid, nil or empty selector matches nothing.
                if selector is None or selector.empty or not selector.matches(labels):
                    continue
                # Already in DisruptedPods: processed by the API server, not a violation.
                if metadata.get("name") in ((pdb.get("status") or {}).get("disruptedPods") or {}):
                    continue
                allowed[i] -= 1
                if allowed[i] < 0:
                    violated = True
        (violating if violated else non_violating).append(pod)
    return violating, non_violating


# ---------------------------------------------------------------------------
# The evaluator
# ---------------------------------------------------------------------------

def is_enabled(plugins: dict) -> bool:
    """Whether DefaultPreemption is a PostFilter plugin of the merged profile ``plugins``
    (enabled at postFilter, or at multiPoint and not disabled at postFilter)."""
    point = plugins.get("postFilter") or {}
    if any(p["name"] == NAME for p in point.get("enabled") or []):
        return True
    disabled = {p["name"] for p in point.get("disabled") or []}
    if "*" in disabled or NAME in disabled:
        return False
    return any(p["name"] == NAME for p in (plugins.get("multiPoint") or {}).get("enabled") or [])


class DefaultPreemption:
    """The plugin over a ReferenceScheduler (its filters, args and rng) and a snapshot."""

    name = NAME

    def __init__(self, scheduler, snapshot: Snapshot, args: dict | None = None) -> None:
        args = args or {}
        self.scheduler = scheduler
        self.snapshot = snapshot
        percentage = args.get("minCandidateNodesPercentage")
        absolute = args.get("minCandidateNodesAbsolute")
        self.min_candidate_nodes_percentage = (DEFAULT_MIN_CANDIDATE_NODES_PERCENTAGE
                                               if percentage is None else percentage)
        self.min_candidate_nodes_absolute = (DEFAULT_MIN_CANDIDATE_NODES_ABSOLUTE
                                             if absolute is None else absolute)

    # -- PostFilter and Evaluator.Preempt ----------------------------------------------

    def post_filter(self, pod: dict, diagnosis) -> PreemptionResult:
        """DefaultPreemption.PostFilter: Evaluator.Preempt, its message prefixed "preemption: "."""
        result = self.preempt(pod, diagnosis)
        if result.status.message():
            result.status = Status(result.status.code, [f"preemption: {result.status.message()}"])
        return result

    def preempt(self, pod: dict, diagnosis) -> PreemptionResult:
        """preemption.go Evaluator.Preempt."""
        # 1) Ensure the preemptor is eligible to preempt other pods.
        nominated = (pod.get("status") or {}).get("nominatedNodeName") or ""
        eligible, message = self.pod_eligible_to_preempt_others(pod, node_status(diagnosis, nominated))
        if not eligible:
            return PreemptionResult(Status(UNSCHEDULABLE, [message]))
        # 2) Find all preemption candidates.
        all_nodes = self.snapshot.nodes
        candidates, statuses, errors = self.find_candidates(pod, diagnosis)
        if errors and not candidates:
            # utilerrors.NewAggregate(errs).Error(): one error as is, more as "[e1, e2]"
            message = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
            return PreemptionResult(Status(ERROR, [message]))
        if not candidates:
            # A FitError over the dry run's statuses, the other nodes "not helpful".
            from reference.scheduler import Diagnosis, fit_error_message
            fit = Diagnosis(node_to_status=statuses,
                            absent_status=Status(UNSCHEDULABLE_AND_UNRESOLVABLE, [NOT_HELPFUL_MSG]))
            return PreemptionResult(Status(UNSCHEDULABLE, [fit_error_message(len(all_nodes), fit)]),
                                    nominated_node="")
        # 3) No extenders. 4) Find the best candidate.
        best = self.select_candidate(candidates)
        if best is None or not best.name:
            return PreemptionResult(Status(UNSCHEDULABLE, ["no candidate node for preemption"]))
        # 5) prepareCandidate would evict the victims: left to the engine.
        return PreemptionResult(Status(SUCCESS), nominated_node=best.name, victims=best.victims)

    def pod_eligible_to_preempt_others(self, pod: dict, nominated_node_status: Status
                                       ) -> tuple[bool, str]:
        """default_preemption.go PodEligibleToPreemptOthers."""
        if (pod.get("spec") or {}).get("preemptionPolicy") == "Never":
            return False, "not eligible due to preemptionPolicy=Never."
        nominated = (pod.get("status") or {}).get("nominatedNodeName") or ""
        if nominated:
            # Nominated node UnschedulableAndUnresolvable: consider preempting again.
            if nominated_node_status.code == UNSCHEDULABLE_AND_UNRESOLVABLE:
                return True, ""
            info = self.snapshot.node(nominated)
            if info is not None:
                for victim in info.pods:
                    if pod_priority(victim) < pod_priority(pod) and pod_terminating_by_preemption(victim):
                        return False, "not eligible due to a terminating pod on the nominated node."
        return True, ""

    # -- findCandidates / DryRunPreemption ---------------------------------------------

    def calculate_num_candidates(self, num_nodes: int) -> int:
        """calculateNumCandidates: nodes * percentage / 100, at least the absolute minimum,
        at most all nodes (int32 arithmetic on non-negative values)."""
        n = num_nodes * self.min_candidate_nodes_percentage // 100
        if n < self.min_candidate_nodes_absolute:
            n = self.min_candidate_nodes_absolute
        if n > num_nodes:
            n = num_nodes
        return n

    def get_offset_and_num_candidates(self, num_nodes: int) -> tuple[int, int]:
        """GetOffsetAndNumCandidates: rand.Int31n(numNodes) and calculateNumCandidates."""
        return self.scheduler.rng.random_below(num_nodes), self.calculate_num_candidates(num_nodes)

    def potential_nodes(self, diagnosis) -> list[NodeInfo]:
        """NodeToStatus.NodesForStatusCode(Unschedulable): the nodes whose status (recorded, or
        the absent status) is Unschedulable, in snapshot order."""
        return [info for info in self.snapshot.nodes
                if node_status(diagnosis, info.name).code == UNSCHEDULABLE]

    def find_candidates(self, pod: dict, diagnosis
                        ) -> tuple[list[Candidate], dict[str, Status], list[str]]:
        """preemption.go findCandidates: the dry run over the potential nodes."""
        potential = self.potential_nodes(diagnosis)
        if not potential:
            return [], {}, []
        pdbs = list(self.snapshot.pod_disruption_budgets)
        offset, num_candidates = self.get_offset_and_num_candidates(len(potential))
        return self.dry_run_preemption(pod, potential, pdbs, offset, num_candidates)

    def dry_run_preemption(self, pod: dict, potential: list[NodeInfo], pdbs: list[dict],
                           offset: int, num_candidates: int
                           ) -> tuple[list[Candidate], dict[str, Status], list[str]]:
        """preemption.go DryRunPreemption, sequentially from ``offset``: (non-violating then
        violating candidates, each list holding at most ``num_candidates``; the statuses of
        the nodes that are no candidate; error messages)."""
        non_violating: list[Candidate] = []
        violating: list[Candidate] = []
        statuses: dict[str, Status] = {}
        errors: list[str] = []
        for i in range(len(potential)):
            info = potential[(offset + i) % len(potential)]
            victims, num_violations, status = self.select_victims_on_node(pod, info, pdbs)
            if status.is_success() and victims:
                candidate = Candidate(info.name, victims, num_violations)
                target = non_violating if num_violations == 0 else violating
                if len(target) < num_candidates:  # candidateList.add drops the overflow
                    target.append(candidate)
                if non_violating and len(non_violating) + len(violating) >= num_candidates:
                    break  # cancel(): enough candidates
                continue
            if status.is_success():
                status = Status(ERROR, [f'expected at least one victim pod on node "{info.name}"'])
            if status.code == ERROR:
                errors.append(status.message())
            statuses[info.name] = status
        return non_violating + violating, statuses, errors

    # -- SelectVictimsOnNode -------------------------------------------------------------

    def fits(self, pod: dict, info: NodeInfo, pods: list[dict]) -> Status:
        """RunFilterPluginsWithNominatedPods on ``info`` holding only ``pods``: PreFilter over
        the snapshot with that node so changed, then the Filters on the node."""
        reduced = NodeInfo(info.node, image_states=info.image_states)
        for p in pods:
            reduced.add_pod(p)
        nodes = [reduced if node.name == info.name else node for node in self.snapshot.nodes]
        snapshot = dataclasses.replace(self.snapshot, nodes=nodes)
        return run_filters(self.scheduler, pod, snapshot, reduced)

    def select_victims_on_node(self, pod: dict, info: NodeInfo, pdbs: list[dict]
                               ) -> tuple[list[dict], int, Status]:
        """default_preemption.go SelectVictimsOnNode: remove every lower-priority pod; if the
        pod then fits, reprieve the victims (PDB-violating ones first, each group most
        important first) as long as the pod still fits."""
        priority = pod_priority(pod)
        potential = [p for p in info.pods if pod_priority(p) < priority]
        if not potential:
            return [], 0, Status(UNSCHEDULABLE_AND_UNRESOLVABLE, [NO_VICTIMS_MSG])
        remaining = [p for p in info.pods if pod_priority(p) >= priority]
        status = self.fits(pod, info, remaining)
        if not status.is_success():
            return [], 0, status
        potential = sort_by_importance(potential)
        violating, non_violating = filter_pods_with_pdb_violation(potential, pdbs, self.snapshot)
        victims: list[dict] = []
        num_violating = 0
        for group in (violating, non_violating):
            for p in group:
                # reprievePod: add it back; if the pod no longer fits, it stays a victim.
                remaining.append(p)
                if not self.fits(pod, info, remaining).is_success():
                    remaining.pop()
                    victims.append(p)
                    if group is violating:
                        num_violating += 1
        if violating and non_violating:
            victims = sort_by_importance(victims)
        return victims, num_violating, Status()

    # -- SelectCandidate / pickOneNodeForPreemption ------------------------------------

    def select_candidate(self, candidates: list[Candidate]) -> Candidate | None:
        """preemption.go SelectCandidate."""
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        name = pick_one_node_for_preemption(candidates)
        return next((c for c in candidates if c.name == name), candidates[0])


def pick_one_node_for_preemption(candidates: list[Candidate]) -> str:
    """preemption.go pickOneNodeForPreemption: the highest score of each function in turn
    among the nodes tied so far: fewest PDB violations, lowest highest-victim priority,
    smallest sum of victim priorities (each + MaxInt32 + 1), fewest victims, latest earliest
    start time of the highest-priority victims; then the first node."""
    if not candidates:
        return ""
    score_funcs = [
        lambda c: -c.num_pdb_violations,
        lambda c: -pod_priority(c.victims[0]),
        lambda c: -sum(pod_priority(p) + MAX_INT32 + 1 for p in c.victims),
        lambda c: -len(c.victims),
        lambda c: earliest_pod_start_time(c.victims),
    ]
    remaining = list(candidates)
    for score in score_funcs:
        best = max(score(c) for c in remaining)
        remaining = [c for c in remaining if score(c) == best]
        if len(remaining) == 1:
            return remaining[0].name
    return remaining[0].name


def run_filters(scheduler, pod: dict, snapshot: Snapshot, info: NodeInfo) -> Status:
    """The scheduler's PreFilter plugins over ``snapshot`` (fresh plugin instances and
    CycleState), then its Filter plugins on ``info``; the first rejection, or success."""
    from reference.scheduler import SchedulingError
    saved = scheduler.instances
    scheduler.instances = scheduler._instantiate(snapshot)
    try:
        state = CycleState()
        _, status, _ = scheduler.run_pre_filter_plugins(state, pod, snapshot)
        if not status.is_success():
            return status
        return scheduler.run_filter_plugins(state, pod, info)
    except SchedulingError as err:  # a plugin's Error status, as Go's Status carries it
        return Status(ERROR, [str(err)])
    finally:
        scheduler.instances = saved


def node_status(diagnosis, name: str) -> Status:
    """NodeToStatus.Get: the node's recorded status, else the absent nodes' status."""
    if name in diagnosis.node_to_status:
        return diagnosis.node_to_status[name]
    return diagnosis.absent_status


def pod_terminating_by_preemption(pod: dict) -> bool:
    """podTerminatingByPreemption: being deleted with a DisruptionTarget condition True of
    reason PreemptionByScheduler."""
    if not (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "DisruptionTarget":
            return condition.get("status") == "True" and condition.get("reason") == "PreemptionByScheduler"
    return False
