"""Small builders of Kubernetes Pod and Node dicts for the scheduler tests (like Go's st.MakePod()).

    make_pod("p").ns("team").labels(app="web").req(cpu=500, memory="1Gi").node("n1").obj()
    make_node("n1").alloc(cpu=4000, memory="8Gi", pods=110).taint("k", "v", "NoSchedule").obj()

Amounts: an int cpu is millicores (as Go tests write resource.NewMilliQuantity), an int for any
other resource is its base unit (bytes, counts); a string is a Kubernetes quantity ("1Gi",
"500m"). Resource names that are not Python identifiers go in a dict:
``req({"example.com/gpu": 2}, cpu=100)``. Every builder method returns the builder; ``obj()``
returns a fresh deep copy, so a builder can be reused.
"""

from __future__ import annotations

import copy


def quantity(resource: str, value: object) -> str:
    """A quantity string: int cpu -> millicores, other ints -> base units, strings unchanged."""
    if isinstance(value, str):
        return value
    if resource == "cpu":
        return f"{int(value)}m"
    return str(int(value))


def resources(amounts: dict | None = None, **kwargs) -> dict[str, str]:
    """A ResourceList from a dict and/or keyword arguments."""
    merged = dict(amounts or {})
    merged.update(kwargs)
    return {name: quantity(name, value) for name, value in merged.items()}


class PodBuilder:
    def __init__(self, name: str, namespace: str = "default") -> None:
        self.pod: dict = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "uid": f"{namespace}/{name}"},
            "spec": {"containers": []},
            "status": {"phase": "Pending"},
        }

    # metadata ------------------------------------------------------------------------------
    def name(self, name: str) -> "PodBuilder":
        self.pod["metadata"]["name"] = name
        return self

    def ns(self, namespace: str) -> "PodBuilder":
        self.pod["metadata"]["namespace"] = namespace
        self.pod["metadata"]["uid"] = f"{namespace}/{self.pod['metadata']['name']}"
        return self

    namespace = ns

    def uid(self, uid: str) -> "PodBuilder":
        self.pod["metadata"]["uid"] = uid
        return self

    def labels(self, labels: dict | None = None, **kwargs) -> "PodBuilder":
        merged = self.pod["metadata"].setdefault("labels", {})
        merged.update(labels or {})
        merged.update(kwargs)
        return self

    def label(self, key: str, value: str) -> "PodBuilder":
        return self.labels({key: value})

    def annotations(self, annotations: dict) -> "PodBuilder":
        self.pod["metadata"].setdefault("annotations", {}).update(annotations)
        return self

    def created(self, timestamp: str) -> "PodBuilder":
        """metadata.creationTimestamp, RFC 3339 ("2024-01-01T00:00:00Z")."""
        self.pod["metadata"]["creationTimestamp"] = timestamp
        return self

    def owner(self, kind: str, name: str, uid: str | None = None) -> "PodBuilder":
        self.pod["metadata"].setdefault("ownerReferences", []).append(
            {"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": uid or name,
             "controller": True})
        return self

    # containers ----------------------------------------------------------------------------
    def container(self, image: str = "", requests: dict | None = None,
                  limits: dict | None = None, ports: list[dict] | None = None,
                  name: str | None = None) -> "PodBuilder":
        """Append a container; requests / limits are {resource: amount} dicts."""
        containers = self.pod["spec"]["containers"]
        container: dict = {"name": name or f"c{len(containers)}", "image": image or "pause"}
        res: dict = {}
        if requests:
            res["requests"] = resources(requests)
        if limits:
            res["limits"] = resources(limits)
        if res:
            container["resources"] = res
        if ports:
            container["ports"] = list(ports)
        containers.append(container)
        return self

    def req(self, amounts: dict | None = None, **kwargs) -> "PodBuilder":
        """Append a container requesting these amounts (Go's st.MakePod().Req(...))."""
        return self.container(requests={**(amounts or {}), **kwargs})

    def lim(self, amounts: dict | None = None, **kwargs) -> "PodBuilder":
        """Set limits on the last container (appending one if there is none)."""
        if not self.pod["spec"]["containers"]:
            self.container()
        res = self.pod["spec"]["containers"][-1].setdefault("resources", {})
        res["limits"] = resources(amounts, **kwargs)
        return self

    def init_container(self, image: str = "", requests: dict | None = None,
                       limits: dict | None = None, sidecar: bool = False,
                       ports: list[dict] | None = None) -> "PodBuilder":
        """Append an init container; ``sidecar``: restartPolicy Always (a restartable one)."""
        inits = self.pod["spec"].setdefault("initContainers", [])
        container: dict = {"name": f"init{len(inits)}", "image": image or "pause"}
        res: dict = {}
        if requests:
            res["requests"] = resources(requests)
        if limits:
            res["limits"] = resources(limits)
        if res:
            container["resources"] = res
        if ports:
            container["ports"] = list(ports)
        if sidecar:
            container["restartPolicy"] = "Always"
        inits.append(container)
        return self

    def init_req(self, amounts: dict | None = None, sidecar: bool = False,
                 image: str = "", **kwargs) -> "PodBuilder":
        """Append an init container requesting these amounts; ``sidecar``: restartPolicy Always."""
        return self.init_container(image=image, requests={**(amounts or {}), **kwargs},
                                   sidecar=sidecar)

    def overhead(self, amounts: dict | None = None, **kwargs) -> "PodBuilder":
        self.pod["spec"]["overhead"] = resources(amounts, **kwargs)
        return self

    def images(self, *images: str) -> "PodBuilder":
        """Append one container per image."""
        for image in images:
            self.container(image=image)
        return self

    def init_images(self, *images: str) -> "PodBuilder":
        for image in images:
            self.init_req(image=image)
        return self

    def host_port(self, port: int, protocol: str = "TCP", ip: str = "",
                  container_port: int | None = None) -> "PodBuilder":
        """Add a host port to the last container (appending one if there is none)."""
        if not self.pod["spec"]["containers"]:
            self.container()
        entry: dict = {"containerPort": container_port or port, "hostPort": port,
                       "protocol": protocol}
        if ip:
            entry["hostIP"] = ip
        self.pod["spec"]["containers"][-1].setdefault("ports", []).append(entry)
        return self

    def container_port(self, port: int, protocol: str = "TCP") -> "PodBuilder":
        """A container port without a host port."""
        if not self.pod["spec"]["containers"]:
            self.container()
        self.pod["spec"]["containers"][-1].setdefault("ports", []).append(
            {"containerPort": port, "protocol": protocol})
        return self

    # scheduling constraints ----------------------------------------------------------------
    def node(self, name: str) -> "PodBuilder":
        """spec.nodeName: the pod is bound (or asks for) this node."""
        self.pod["spec"]["nodeName"] = name
        self.pod["status"]["phase"] = "Running"
        return self

    def node_name(self, name: str) -> "PodBuilder":
        """spec.nodeName without changing the phase (a pending pod that names its node)."""
        self.pod["spec"]["nodeName"] = name
        return self

    def phase(self, phase: str) -> "PodBuilder":
        self.pod["status"]["phase"] = phase
        return self

    def toleration(self, key: str = "", value: str = "", effect: str = "",
                   operator: str = "Equal", seconds: int | None = None) -> "PodBuilder":
        toleration: dict = {"operator": operator}
        if key:
            toleration["key"] = key
        if value:
            toleration["value"] = value
        if effect:
            toleration["effect"] = effect
        if seconds is not None:
            toleration["tolerationSeconds"] = seconds
        self.pod["spec"].setdefault("tolerations", []).append(toleration)
        return self

    def tolerations(self, tolerations: list[dict]) -> "PodBuilder":
        self.pod["spec"].setdefault("tolerations", []).extend(copy.deepcopy(tolerations))
        return self

    def node_selector(self, selector: dict | None = None, **kwargs) -> "PodBuilder":
        merged = self.pod["spec"].setdefault("nodeSelector", {})
        merged.update(selector or {})
        merged.update(kwargs)
        return self

    def affinity(self, affinity: dict) -> "PodBuilder":
        """spec.affinity as a whole dict ({"nodeAffinity": ..., "podAffinity": ...})."""
        self.pod["spec"]["affinity"] = copy.deepcopy(affinity)
        return self

    def node_affinity_in(self, key: str, values: list[str]) -> "PodBuilder":
        """A required node affinity term ``key In values`` (Go's st NodeAffinityIn), ANDed
        into the first term."""
        affinity = self.pod["spec"].setdefault("affinity", {})
        required = affinity.setdefault("nodeAffinity", {}).setdefault(
            "requiredDuringSchedulingIgnoredDuringExecution", {"nodeSelectorTerms": [{}]})
        term = required["nodeSelectorTerms"][0]
        term.setdefault("matchExpressions", []).append(
            {"key": key, "operator": "In", "values": list(values)})
        return self

    def node_affinity_not_in(self, key: str, values: list[str]) -> "PodBuilder":
        affinity = self.pod["spec"].setdefault("affinity", {})
        required = affinity.setdefault("nodeAffinity", {}).setdefault(
            "requiredDuringSchedulingIgnoredDuringExecution", {"nodeSelectorTerms": [{}]})
        term = required["nodeSelectorTerms"][0]
        term.setdefault("matchExpressions", []).append(
            {"key": key, "operator": "NotIn", "values": list(values)})
        return self

    def pod_affinity(self, kind: str, term: dict, weight: int | None = None) -> "PodBuilder":
        """Add a pod (anti-)affinity term. ``kind``: "podAffinity" or "podAntiAffinity";
        ``weight`` None: required, else a preferred term with that weight."""
        section = self.pod["spec"].setdefault("affinity", {}).setdefault(kind, {})
        if weight is None:
            section.setdefault("requiredDuringSchedulingIgnoredDuringExecution", []).append(
                copy.deepcopy(term))
        else:
            section.setdefault("preferredDuringSchedulingIgnoredDuringExecution", []).append(
                {"weight": weight, "podAffinityTerm": copy.deepcopy(term)})
        return self

    def spread(self, constraint: dict | None = None, *, max_skew: int = 1,
               topology_key: str = "", when_unsatisfiable: str = "DoNotSchedule",
               selector: dict | None = None, **extra) -> "PodBuilder":
        """Add a topologySpreadConstraint: a whole dict, or built from the keywords
        (``extra`` such as minDomains / nodeAffinityPolicy / matchLabelKeys are copied)."""
        if constraint is None:
            constraint = {"maxSkew": max_skew, "topologyKey": topology_key,
                          "whenUnsatisfiable": when_unsatisfiable}
            if selector is not None:
                constraint["labelSelector"] = selector
            constraint.update(extra)
        self.pod["spec"].setdefault("topologySpreadConstraints", []).append(
            copy.deepcopy(constraint))
        return self

    def priority(self, priority: int) -> "PodBuilder":
        self.pod["spec"]["priority"] = priority
        return self

    def priority_class(self, name: str) -> "PodBuilder":
        self.pod["spec"]["priorityClassName"] = name
        return self

    def preemption_policy(self, policy: str) -> "PodBuilder":
        self.pod["spec"]["preemptionPolicy"] = policy
        return self

    def scheduler_name(self, name: str) -> "PodBuilder":
        self.pod["spec"]["schedulerName"] = name
        return self

    def nominated(self, node: str) -> "PodBuilder":
        self.pod["status"]["nominatedNodeName"] = node
        return self

    def volume(self, volume: dict) -> "PodBuilder":
        self.pod["spec"].setdefault("volumes", []).append(copy.deepcopy(volume))
        return self

    def pvc(self, claim: str, name: str | None = None) -> "PodBuilder":
        return self.volume({"name": name or claim,
                            "persistentVolumeClaim": {"claimName": claim}})

    def spec(self, **fields) -> "PodBuilder":
        """Set any other spec fields directly."""
        self.pod["spec"].update(copy.deepcopy(fields))
        return self

    def obj(self) -> dict:
        return copy.deepcopy(self.pod)


class NodeBuilder:
    def __init__(self, name: str) -> None:
        self.node: dict = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "uid": name, "labels": {}},
            "spec": {},
            "status": {"capacity": {}, "allocatable": {}},
        }

    def name(self, name: str) -> "NodeBuilder":
        self.node["metadata"]["name"] = name
        return self

    def labels(self, labels: dict | None = None, **kwargs) -> "NodeBuilder":
        self.node["metadata"]["labels"].update(labels or {})
        self.node["metadata"]["labels"].update(kwargs)
        return self

    def label(self, key: str, value: str) -> "NodeBuilder":
        return self.labels({key: value})

    def alloc(self, amounts: dict | None = None, **kwargs) -> "NodeBuilder":
        """status.allocatable and status.capacity both set to these amounts (merged)."""
        amounts = resources(amounts, **kwargs)
        self.node["status"]["allocatable"].update(amounts)
        self.node["status"]["capacity"].update(amounts)
        return self

    def allocatable(self, amounts: dict | None = None, **kwargs) -> "NodeBuilder":
        """status.allocatable only."""
        self.node["status"]["allocatable"].update(resources(amounts, **kwargs))
        return self

    def capacity(self, amounts: dict | None = None, **kwargs) -> "NodeBuilder":
        """status.capacity only."""
        self.node["status"]["capacity"].update(resources(amounts, **kwargs))
        return self

    def taint(self, key: str, value: str = "", effect: str = "NoSchedule") -> "NodeBuilder":
        taint: dict = {"key": key, "effect": effect}
        if value:
            taint["value"] = value
        self.node["spec"].setdefault("taints", []).append(taint)
        return self

    def taints(self, taints: list[dict]) -> "NodeBuilder":
        self.node["spec"].setdefault("taints", []).extend(copy.deepcopy(taints))
        return self

    def unschedulable(self, value: bool = True) -> "NodeBuilder":
        self.node["spec"]["unschedulable"] = value
        return self

    def image(self, names: str | list[str], size: int) -> "NodeBuilder":
        """An entry of status.images: the image's names (tags, digests) and its size in bytes."""
        if isinstance(names, str):
            names = [names]
        self.node["status"].setdefault("images", []).append(
            {"names": list(names), "sizeBytes": size})
        return self

    def images(self, images: dict[str, int]) -> "NodeBuilder":
        """status.images from {name: size}."""
        for name, size in images.items():
            self.image(name, size)
        return self

    def condition(self, kind: str, status: str) -> "NodeBuilder":
        self.node["status"].setdefault("conditions", []).append({"type": kind, "status": status})
        return self

    def obj(self) -> dict:
        return copy.deepcopy(self.node)


def reference_only(impl) -> None:
    """Inputs the API server rejects cannot reach an implementation fed through the API."""
    if impl.name != "reference":
        import pytest
        pytest.skip("the API server rejects this pod; only the reference takes it as is")


def make_pod(name: str = "pod", namespace: str = "default") -> PodBuilder:
    return PodBuilder(name, namespace)


def make_node(name: str = "node") -> NodeBuilder:
    return NodeBuilder(name)


# -- helpers shared by the PodTopologySpread and InterPodAffinity table tests ----------------

UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"


def spread(builder, max_skew: int, key: str, when: str, selector: dict | None,
           min_domains: int | None = None, affinity_policy: str | None = None,
           taints_policy: str | None = None, match_label_keys: list[str] | None = None):
    """st.PodWrapper.SpreadConstraint(maxSkew, tpKey, mode, selector, minDomains,
    nodeAffinityPolicy, nodeTaintsPolicy, matchLabelKeys); a None selector is a nil one."""
    extra = {}
    if min_domains is not None:
        extra["minDomains"] = min_domains
    if affinity_policy is not None:
        extra["nodeAffinityPolicy"] = affinity_policy
    if taints_policy is not None:
        extra["nodeTaintsPolicy"] = taints_policy
    if match_label_keys is not None:
        extra["matchLabelKeys"] = list(match_label_keys)
    return builder.spread(max_skew=max_skew, topology_key=key, when_unsatisfiable=when,
                          selector=selector, **extra)


def labelled_node(name: str, labels: dict, tainted: bool = False) -> dict:
    """st.MakeNode().Name(name).Label(...) [.Taints(the unschedulable taint)]."""
    builder = make_node(name).labels(labels)
    if tainted:
        builder = builder.taint(UNSCHEDULABLE_TAINT, "", "NoSchedule")
    return builder.obj()


def expr(key: str, operator: str, values: list[str] | None = None) -> dict:
    """A label selector requirement."""
    requirement = {"key": key, "operator": operator}
    if values is not None:
        requirement["values"] = list(values)
    return requirement


def term(expressions: list[dict], topology_key: str, namespaces: list[str] | None = None,
         namespace_selector: dict | None = None) -> dict:
    """A v1.PodAffinityTerm with a matchExpressions label selector."""
    result = {"labelSelector": {"matchExpressions": expressions}, "topologyKey": topology_key}
    if namespaces is not None:
        result["namespaces"] = list(namespaces)
    if namespace_selector is not None:
        result["namespaceSelector"] = namespace_selector
    return result


def not_helpful(nodes: int) -> str:
    """DefaultPreemption's text after a FitError when no node has a lower-priority pod whose
    eviction could help (every node UnschedulableAndUnresolvable, or PreFilter rejected)."""
    return f" preemption: 0/{nodes} nodes are available: {nodes} Preemption is not helpful for scheduling."


def no_victims(nodes: int) -> str:
    """DefaultPreemption's text when ``nodes`` nodes could only be helped by evicting pods
    of a priority the pod does not exceed."""
    return f" preemption: 0/{nodes} nodes are available: {nodes} No preemption victims found for incoming pod."
