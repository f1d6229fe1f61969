"""The reference scheduler's framework: kube-scheduler's types, in plain Python over dicts.

Mirrors pkg/scheduler/framework (types.go NodeInfo, interface.go Status and the plugin
extension points, cycle_state.go CycleState). Objects are Kubernetes JSON dicts as
``Cluster.list(...)[i].to_dict()`` returns them. No numpy, no cleverness: this is the oracle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kbench.api.resources import pod_requests, resource_list

# pkg/scheduler/util/pod_resources.go: requests assumed for containers that set none, when scoring.
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
MAX_NODE_SCORE = 100
MIN_NODE_SCORE = 0

# Status codes of framework/interface.go
SUCCESS = "Success"
ERROR = "Error"
UNSCHEDULABLE = "Unschedulable"
UNSCHEDULABLE_AND_UNRESOLVABLE = "UnschedulableAndUnresolvable"
WAIT = "Wait"
SKIP = "Skip"


@dataclass
class Status:
    """framework.Status: a code, the reasons (shown in FailedScheduling), the failing plugin."""

    code: str = SUCCESS
    reasons: list[str] = field(default_factory=list)
    plugin: str = ""
    # PreFilterResult.NodeNames (interface.go) of a successful PreFilter: the only nodes worth
    # filtering; None means all nodes (PreFilterResult.AllNodes()).
    pre_filter_result: set[str] | None = None

    def message(self) -> str:
        """Status.Message(): the reasons joined by ", "."""
        return ", ".join(self.reasons)

    def is_success(self) -> bool:
        return self.code == SUCCESS

    def is_skip(self) -> bool:
        return self.code == SKIP

    def is_rejected(self) -> bool:
        return self.code in (UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE)


def unschedulable(*reasons: str, resolvable: bool = True) -> Status:
    return Status(UNSCHEDULABLE if resolvable else UNSCHEDULABLE_AND_UNRESOLVABLE, list(reasons))


def go_div(a: int, b: int) -> int:
    """Go's integer division a / b, which truncates toward zero (Python's // floors)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


class CycleState(dict):
    """Data a plugin computes in PreFilter / PreScore and reads in Filter / Score."""


def non_zero_requests(pod: dict) -> dict[str, int]:
    """Pod requests with the scheduler's non-zero defaults for cpu and memory
    (pkg/scheduler/util/pod_resources.go GetNonzeroRequests, applied per container as
    resourcehelper.PodRequests does with NonMissingContainerRequests)."""
    spec = pod.get("spec") or {}
    defaults = {"cpu": DEFAULT_MILLI_CPU_REQUEST, "memory": DEFAULT_MEMORY_REQUEST}
    with_defaults = _with_container_defaults(spec, defaults)
    requests = pod_requests(with_defaults)
    return {name: requests.get(name, 0) for name in ("cpu", "memory")}


def _with_container_defaults(spec: dict, defaults: dict[str, int]) -> dict:
    import copy
    spec = copy.deepcopy(spec)
    for group in ("containers", "initContainers"):
        for container in spec.get(group) or []:
            resources = container.setdefault("resources", {})
            requests = resources.setdefault("requests", {})
            for name, amount in defaults.items():
                if name not in requests:
                    requests[name] = f"{amount}m" if name == "cpu" else str(amount)
    return spec


@dataclass
class ImageStateSummary:
    """framework.ImageStateSummary: an image's size and on how many nodes it is."""

    size: int
    num_nodes: int


def host_ports(pod: dict) -> list[tuple[str, str, int]]:
    """util.GetHostPorts: the (hostIP, protocol, hostPort) of every port with hostPort > 0 of
    the restartable (sidecar) init containers, then of the containers; hostIP defaults to
    0.0.0.0 and protocol to TCP (HostPortInfo.sanitize)."""
    spec = pod.get("spec") or {}
    containers = [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    containers += spec.get("containers") or []
    ports = []
    for container in containers:
        for port in container.get("ports") or []:
            if (port.get("hostPort") or 0) > 0:
                ports.append((port.get("hostIP") or "0.0.0.0", port.get("protocol") or "TCP",
                              port["hostPort"]))
    return ports


@dataclass
class NodeInfo:
    """framework.NodeInfo: a node, the pods on it and their summed requests."""

    node: dict
    pods: list[dict] = field(default_factory=list)
    requested: dict[str, int] = field(default_factory=dict)  # cpu milli, bytes, counts
    non_zero_requested: dict[str, int] = field(default_factory=lambda: {"cpu": 0, "memory": 0})
    used_ports: list[tuple[str, str, int]] = field(default_factory=list)  # (ip, protocol, port)
    # Image name (as in node.status.images[].names) -> size and spread; set by build_snapshot.
    image_states: dict[str, ImageStateSummary] = field(default_factory=dict)
    _allocatable: dict[str, int] | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.node["metadata"]["name"]

    @property
    def labels(self) -> dict[str, str]:
        return self.node["metadata"].get("labels") or {}

    @property
    def allocatable(self) -> dict[str, int]:
        """status.allocatable as integers; 'pods' is the allowed pod count."""
        if self._allocatable is None:
            self._allocatable = resource_list((self.node.get("status") or {}).get("allocatable"))
        return self._allocatable

    def add_pod(self, pod: dict) -> None:
        """NodeInfo.AddPod: count the pod's requests, non-zero requests and host ports."""
        self.pods.append(pod)
        for name, amount in pod_requests(pod.get("spec") or {}).items():
            self.requested[name] = self.requested.get(name, 0) + amount
        for name, amount in non_zero_requests(pod).items():
            self.non_zero_requested[name] += amount
        self.used_ports.extend(host_ports(pod))


@dataclass
class Snapshot:
    """What a scheduling cycle sees: node infos in the scheduler's node order, and the
    cluster objects some plugins read (namespaces for namespaceSelector, storage for
    VolumeBinding, PodDisruptionBudgets for preemption, Services and workloads for
    PodTopologySpread's default constraints)."""

    nodes: list[NodeInfo]
    namespaces: dict[str, dict] = field(default_factory=dict)  # name -> labels
    persistent_volumes: list[dict] = field(default_factory=list)
    persistent_volume_claims: list[dict] = field(default_factory=list)
    storage_classes: list[dict] = field(default_factory=list)
    pod_disruption_budgets: list[dict] = field(default_factory=list)
    # the objects helper.DefaultSelector reads (PodTopologySpread's default constraints)
    services: list[dict] = field(default_factory=list)
    replication_controllers: list[dict] = field(default_factory=list)
    replica_sets: list[dict] = field(default_factory=list)
    stateful_sets: list[dict] = field(default_factory=list)

    def node(self, name: str) -> NodeInfo | None:
        return next((info for info in self.nodes if info.name == name), None)


def build_snapshot(nodes: list[dict], pods: list[dict], **objects) -> Snapshot:
    """NodeInfos of ``nodes`` (in the given order) with every non-terminal ``pods`` entry
    bound to them by spec.nodeName."""
    infos = [NodeInfo(node) for node in nodes]
    by_name = {info.name: info for info in infos}
    # cache/snapshot.go createImageExistenceMap + nodeInfo.ImageStates: every name of every
    # image on a node maps to the image's size and the number of nodes having that name.
    nodes_with_image: dict[str, set[str]] = {}
    for info in infos:
        for image in (info.node.get("status") or {}).get("images") or []:
            for name in image.get("names") or []:
                nodes_with_image.setdefault(name, set()).add(info.name)
    for info in infos:
        for image in (info.node.get("status") or {}).get("images") or []:
            for name in image.get("names") or []:
                info.image_states[name] = ImageStateSummary(
                    image.get("sizeBytes") or 0, len(nodes_with_image[name]))
    for pod in pods:
        node_name = (pod.get("spec") or {}).get("nodeName")
        phase = (pod.get("status") or {}).get("phase")
        if node_name in by_name and phase not in ("Succeeded", "Failed"):
            by_name[node_name].add_pod(pod)
    return Snapshot(infos, **objects)


class Plugin:
    """A framework plugin; subclasses implement only the extension points they have.

    The methods' meaning and order are kube-scheduler's: PreFilter once per pod, Filter per
    node, PreScore once over the feasible nodes, Score per feasible node, NormalizeScore once
    over all scores (in place). A method a plugin does not have is not called.
    """

    name = ""

    def __init__(self, args: dict | None = None, snapshot: "Snapshot | None" = None) -> None:
        """``args``: the plugin's pluginConfig args (KubeSchedulerConfiguration v1 shape), to be
        defaulted by the plugin; ``snapshot``: the cluster as the plugin's framework handle
        shows it (SharedLister), for plugins that look beyond the nodes they are given."""
        self.args = args or {}
        self.snapshot = snapshot

    def pre_filter(self, state: CycleState, pod: dict, snapshot: Snapshot) -> Status:
        raise NotImplementedError

    def filter(self, state: CycleState, pod: dict, node: NodeInfo) -> Status:
        raise NotImplementedError

    def pre_score(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> Status:
        raise NotImplementedError

    def score(self, state: CycleState, pod: dict, node: NodeInfo) -> int:
        raise NotImplementedError

    def normalize_score(self, state: CycleState, pod: dict, scores: dict[str, int]) -> None:
        raise NotImplementedError

    @classmethod
    def implements(cls, point: str) -> bool:
        return getattr(cls, point) is not getattr(Plugin, point)


def default_normalize_score(max_priority: int, reverse: bool, scores: dict[str, int]) -> None:
    """helper/normalize_score.go DefaultNormalizeScore, in place."""
    max_count = max(scores.values(), default=0)
    if max_count == 0:
        if reverse:
            for name in scores:
                scores[name] = max_priority
        return
    for name, score in scores.items():
        score = max_priority * score // max_count
        if reverse:
            score = max_priority - score
        scores[name] = score
