"""Objects into ClusterState rows and back, and the all-or-nothing apply of a batch of manifests.

The codec is generic: each state column that mirrors an object field names it (``path``), so
encoding pops those fields into columns and keeps the rest of the object as the row's ``body``
(canonical JSON), and decoding puts them back. Per-kind code only derives what the simulator
needs (a pod's summed requests, a node's allocatable, a service's cluster IP).
"""

from __future__ import annotations

import copy
import json
import difflib
import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
import hashlib
import ipaddress

import numpy as np

from kbench.api.kinds import KINDS, KindInfo, kind_for_manifest
from kbench.api.manifests import Document
from kbench.api.objects import KubeObject, copy_json, make_object
from kbench.api.resources import pod_limits, pod_requests, qos_class, resource_list
from kbench.api.validation import prepare
from kbench.errors import ManifestError
from kbench.state import NO_STRING, ClusterState
from kbench.state.schema import QOS_CLASSES, SERVICE_TYPES, table_columns

#: Simulated time 0 as a wall-clock instant, for the RFC3339 timestamps objects show.
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)

#: Namespaces every cluster starts with.
INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")

#: Kinds whose status is read from the manifest (a node's capacity is its status; a
#: PodDisruptionBudget's disruptionsAllowed, as its controller last wrote it, is what the
#: scheduler's preemption reads); for the others, as for the API server's status
#: subresource, status in a manifest is ignored.
STATUS_FROM_MANIFEST = {"Node", "PodDisruptionBudget"}

#: PriorityClasses the API server always has (pkg/apis/scheduling/types.go).
SYSTEM_PRIORITY_CLASSES = {"system-node-critical": 2000001000,
                           "system-cluster-critical": 2000000000}

#: Order in which a batch is written, so that what others refer to exists first (as Helm does).
_WRITE_ORDER = {kind: i for i, kind in enumerate(
    ["Namespace", "PriorityClass", "StorageClass", "Node", "PersistentVolume",
     "PersistentVolumeClaim", "Service"])}

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
NODE_PORT_RANGE = (30000, 32767)
DEFAULT_MAX_PODS = 110  # the kubelet's default --max-pods, used when a node gives no pods capacity

_RUNTIME_KEYS = ("uid", "creation_time", "generation", "deletion_time")


def timestamp(seconds: float) -> str | None:
    """RFC3339 text of a simulated time (seconds since EPOCH), as Kubernetes writes it."""
    if seconds is None or np.isnan(seconds):
        return None
    return _timestamp_text(float(seconds))


@functools.lru_cache(maxsize=1 << 12)
def _timestamp_text(seconds: float) -> str:
    """timestamp's text (controllers stamp many objects with the same few times)."""
    instant = EPOCH + timedelta(seconds=seconds)
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def seconds_of(stamp) -> float | None:
    """The simulated time (seconds since EPOCH) of an RFC3339 timestamp; a number is taken
    as seconds already; None stays None. timestamp()'s inverse, to the second."""
    if stamp is None or isinstance(stamp, (int, float)):
        return stamp
    return _seconds_of_text(str(stamp))


@functools.lru_cache(maxsize=1 << 12)
def _seconds_of_text(stamp: str) -> float:
    instant = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (instant - EPOCH).total_seconds()


def optional_time(value) -> float | None:
    """A time column's value (NaN: unset) as seconds, or None."""
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value


# -- paths -------------------------------------------------------------------------------

def _pop_path(doc: dict, path: str):
    """Remove and return the field at a dotted path; parents emptied by the removal go too."""
    keys = path.split(".")
    parents = [doc]
    for key in keys[:-1]:
        child = parents[-1].get(key) if isinstance(parents[-1], dict) else None
        if not isinstance(child, dict):
            return None
        parents.append(child)
    value = parents[-1].pop(keys[-1], None) if isinstance(parents[-1], dict) else None
    for parent, key in zip(reversed(parents[:-1]), reversed(keys[:-1])):
        if parent.get(key) == {}:
            del parent[key]
    return value


def _set_path(doc: dict, path: str, value) -> None:
    keys = path.split(".")
    for key in keys[:-1]:
        doc = doc.setdefault(key, {})
    doc[keys[-1]] = value


def _get_path(doc: dict, path: str):
    for key in path.split("."):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


# -- encode / decode -----------------------------------------------------------------------

def encode(state: ClusterState, doc: dict, table: str) -> dict[str, object]:
    """Column values of a prepared object (metadata runtime fields not included)."""
    doc = copy_json(doc)
    kind = doc.get("kind")
    if table != "others":
        doc.pop("apiVersion", None)
        doc.pop("kind", None)
        if kind not in STATUS_FROM_MANIFEST:
            doc.pop("status", None)
    values: dict[str, object] = {}
    controller = controller_reference(_get_path(doc, "metadata.ownerReferences"))
    if controller is not None:
        values["controller_uid"] = state.strings.intern(str(controller.get("uid", "")))
    for column in table_columns(table):
        if column.path is None:
            continue
        value = _pop_path(doc, column.path)
        if column.name in _RUNTIME_KEYS or column.kind == "time":
            continue  # set by the simulator, not by the manifest
        if value is None:
            continue
        if column.kind == "str":
            values[column.name] = state.strings.intern(str(value))
        elif column.kind == "json":
            values[column.name] = state.strings.intern_document(value)
        elif column.kind == "enum":
            values[column.name] = column.enum.index(value) if value in column.enum else 0
        elif column.kind == "resources":
            values[column.name] = state.resource_vector(resource_list(value))
        else:
            values[column.name] = value
    values["body"] = state.strings.intern_document(doc) if doc else NO_STRING
    return values


def matching_rows(state: ClusterState, table: str, namespace: str | None = None,
                  selector=None, kind: str | None = None) -> np.ndarray:
    """Live rows of ``table`` (of ``kind`` in the others table), in ``namespace`` (None: all)
    and matching a label ``selector`` (anything labels.as_selector takes), the selector
    evaluated once per distinct label set."""
    from kbench.api.labels import as_selector
    columns = state.tables[table]
    strings = state.strings
    mask = columns.alive.copy()
    if kind is not None:
        mask &= columns["kind"] == strings.code_of(kind)
    if namespace is not None:
        mask &= columns["namespace"] == strings.code_of(namespace)
    selector = as_selector(selector)
    if selector is not None and mask.any():
        codes, inverse = np.unique(columns["labels"], return_inverse=True)
        matches = np.array([selector.matches(strings.document(int(code)) or {})
                            for code in codes.tolist()], dtype=np.bool_)
        mask &= matches[inverse.reshape(-1)]
    return np.flatnonzero(mask)


def controller_reference(references) -> dict | None:
    """metav1.GetControllerOf: the ownerReference with ``controller: true``, if any."""
    for reference in references or []:
        if isinstance(reference, dict) and reference.get("controller") is True:
            return reference
    return None


def decode(state: ClusterState, table: str, row: int) -> KubeObject:
    """The object stored at ``row`` of ``table``, in the shape the API server would return."""
    columns = state.tables[table]
    body = state.strings.document(int(columns["body"][row])) or {}
    info = KINDS.get(table_kind(table))
    doc: dict = {}
    if info is not None:
        doc["apiVersion"], doc["kind"] = info.api_version, info.kind
    doc["metadata"] = body.pop("metadata", {})
    doc.update(body)
    for column in table_columns(table):
        if column.path is None:
            continue
        value = columns[column.name][row]
        if column.kind in ("str", "json"):
            if value < 0:
                continue
            value = (state.strings[int(value)] if column.kind == "str"
                     else state.strings.document(int(value)))
        elif column.kind == "time":
            value = timestamp(value)
            if value is None:
                continue
        elif column.kind == "enum":
            value = column.enum[int(value)]
        elif column.kind == "resources":
            value = _quantities(state, value)
            if not value:
                continue
        elif column.kind == "bool":
            value = bool(value)
            if column.omit_zero and not value:
                continue
        else:
            value = int(value)
            if (column.absent is not None and value == column.absent) or (
                    column.omit_zero and value == 0):
                continue
        _set_path(doc, column.path, value)
    _DECODE_STATUS.get(table, lambda *a: None)(state, row, doc)
    return make_object(_sorted(doc))


def _sorted(value):
    """Keys in alphabetical order at every level, as ``kubectl get -o yaml`` prints them."""
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def _quantities(state: ClusterState, vector: np.ndarray) -> dict[str, str]:
    from kbench.api.quantity import format_bytes, format_cpu_milli
    result = {}
    for name, amount in zip(state.resources, vector.tolist()):
        if amount:
            if name == "cpu":
                result[name] = format_cpu_milli(amount)
            elif name in ("memory", "ephemeral-storage") or name.startswith("hugepages-"):
                result[name] = format_bytes(amount)
            else:
                result[name] = str(amount)
    return result


def table_kind(table: str) -> str | None:
    for info in KINDS.values():
        if info.modelled and info.plural == table:
            return info.kind
    return None


# -- status views that the simulator derives -------------------------------------------------

def _pod_status(state: ClusterState, row: int, doc: dict) -> None:
    """Conditions and container statuses of a pod, from its columns (the kubelet's view)."""
    pods = state.tables["pods"]
    status = doc.setdefault("status", {})
    scheduled = pods["node_index"][row] >= 0 or pods["node_name"][row] >= 0
    ready = bool(pods["ready"][row])
    message = state.strings[int(pods["unschedulable_message"][row])]
    at = lambda column: timestamp(pods[column][row])  # noqa: E731
    conditions = [{"type": "PodScheduled", "status": "True" if scheduled else "False",
                   "lastTransitionTime": at("scheduled_time") or at("creation_time")}]
    if not scheduled and message:
        conditions[0].update(reason="Unschedulable", message=message)
    if scheduled:
        phase = status.get("phase")
        running = phase in ("Running", "Succeeded", "Failed")
        changed = at("ready_time") if ready else (at("finish_time")
                                                  or at("container_start_time")
                                                  or at("start_time"))
        conditions += [
            {"type": "Initialized", "status": "True" if running else "False",
             "lastTransitionTime": at("start_time")},
            {"type": "ContainersReady", "status": "True" if ready else "False",
             "lastTransitionTime": changed},
            {"type": "Ready", "status": "True" if ready else "False",
             "lastTransitionTime": changed},
        ]
    status["conditions"] = [{k: v for k, v in c.items() if v is not None} for c in conditions]
    phase = status.get("phase")
    containers = (doc.get("spec") or {}).get("containers") or []
    waiting = state.strings[int(pods["waiting_reason"][row])]
    restarts_of_first = int(pods["restarts"][row])
    statuses = []
    for i, container in enumerate(containers):
        restarts = restarts_of_first if i == 0 else 0
        entry = {"name": container.get("name"), "image": container.get("image"),
                 "ready": ready, "restartCount": restarts,
                 "started": phase == "Running" and not waiting}
        if phase in ("Succeeded", "Failed"):
            code = int(pods["exit_code"][row])
            entry["state"] = {"terminated": {
                "reason": "Completed" if code == 0 else "Error", "exitCode": code,
                "startedAt": at("container_start_time"), "finishedAt": at("finish_time")}}
        elif waiting:
            entry["state"] = {"waiting": {"reason": waiting}}
        elif phase == "Running":
            entry["state"] = {"running": {"startedAt": at("container_start_time")
                                          or at("start_time")}}
        elif scheduled:
            entry["state"] = {"waiting": {"reason": "ContainerCreating"}}
        else:
            continue
        if restarts and i == 0 and phase not in ("Succeeded", "Failed"):
            code = int(pods["exit_code"][row])
            entry["lastState"] = {"terminated": {
                "reason": "Completed" if code == 0 else "Error", "exitCode": code}}
        statuses.append(entry)
    if statuses:
        status["containerStatuses"] = statuses


def _node_status(state: ClusterState, row: int, doc: dict) -> None:
    nodes = state.tables["nodes"]
    status = doc.setdefault("status", {})
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != "Ready"]
    conditions.append({"type": "Ready", "status": "True" if nodes["ready"][row] else "Unknown",
                       "reason": "KubeletReady" if nodes["ready"][row] else "NodeStatusUnknown",
                       "lastHeartbeatTime": timestamp(state.time),
                       "lastTransitionTime": timestamp(nodes["creation_time"][row])})
    status["conditions"] = conditions


_DECODE_STATUS = {"pods": _pod_status, "nodes": _node_status}


# -- derived columns -------------------------------------------------------------------------

def _derive_pod(state: ClusterState, doc: dict, context: "ApplyContext") -> dict:
    spec = doc["spec"]
    values = {"requests": state.resource_vector({**pod_requests(spec), "pods": 1}),
              "limits": state.resource_vector(pod_limits(spec)),
              "qos_class": QOS_CLASSES.index(qos_class(spec))}
    values["priority"] = context.priority_of(spec, doc)
    return values


def _derive_node(state: ClusterState, doc: dict, context: "ApplyContext") -> dict:
    status = doc.get("status") or {}
    capacity = resource_list(status.get("capacity"))
    allocatable = resource_list(status.get("allocatable")) or dict(capacity)
    for amounts in (capacity, allocatable):
        amounts.setdefault("pods", DEFAULT_MAX_PODS)
    ready = next((c.get("status") for c in status.get("conditions") or []
                  if isinstance(c, dict) and c.get("type") == "Ready"), "True")
    return {"capacity": state.resource_vector(capacity),
            "allocatable": state.resource_vector(allocatable),
            "ready": ready == "True"}


def _derive_pv(state: ClusterState, doc: dict, context: "ApplyContext") -> dict:
    storage = ((doc.get("spec") or {}).get("capacity") or {}).get("storage")
    return {"capacity_storage_bytes": resource_list({"storage": storage})["storage"]
            if storage is not None else 0}


def _derive_pvc(state: ClusterState, doc: dict, context: "ApplyContext") -> dict:
    requests = (((doc.get("spec") or {}).get("resources") or {}).get("requests") or {})
    storage = requests.get("storage")
    return {"request_storage_bytes": resource_list({"storage": storage})["storage"]
            if storage is not None else 0}


def _derive_event(state: ClusterState, doc: dict, context: "ApplyContext") -> dict:
    return {"first_time": state.time, "last_time": state.time}


_DERIVE = {"Event": _derive_event, "Pod": _derive_pod, "Node": _derive_node, "PersistentVolume": _derive_pv,
           "PersistentVolumeClaim": _derive_pvc}


# -- apply ----------------------------------------------------------------------------------

@dataclass
class PlannedWrite:
    """One object of a batch, checked and encoded, waiting to be written."""

    document: Document
    info: KindInfo
    doc: dict
    namespace: str | None
    name: str
    order: int = 0  # position in the batch, the order results are reported in
    values: dict = field(default_factory=dict)
    row: int = -1  # the existing row for an update, else -1


@dataclass
class ApplyResult:
    """What happened to one object, as kubectl apply reports it (``deployment.apps/web created``)."""

    info: KindInfo
    name: str
    namespace: str | None
    action: str  # "created", "configured" or "unchanged"

    @property
    def kind(self) -> str:
        return self.info.kind

    def __str__(self) -> str:
        return f"{self.info.kind_name}/{self.name} {self.action}"


class ApplyContext:
    """What the objects of one batch may refer to: the state plus the batch itself."""

    def __init__(self, state: ClusterState, writes: list[PlannedWrite]):
        self.state = state
        self.namespaces = set(INITIAL_NAMESPACES) | _names(state, "namespaces")
        self.priority_classes = dict(SYSTEM_PRIORITY_CLASSES)
        self.default_priority = 0
        table = state.tables["priorityclasses"]
        for row in table.live_rows():
            name = state.strings[int(table["name"][row])]
            self.priority_classes[name] = int(table["value"][row])
            if table["global_default"][row]:
                self.default_priority = int(table["value"][row])
        for write in writes:
            if write.info.kind == "Namespace":
                self.namespaces.add(write.name)
            elif write.info.kind == "PriorityClass":
                self.priority_classes[write.name] = int(write.doc.get("value", 0))
                if write.doc.get("globalDefault"):
                    self.default_priority = int(write.doc.get("value", 0))

    def priority_of(self, spec: dict, doc: dict) -> int:
        """The Priority admission plugin: the class's value, the global default, or 0."""
        name = spec.get("priorityClassName")
        if name:
            if name not in self.priority_classes:
                raise ManifestError(f'no PriorityClass with name {name} was found',
                                    field="spec.priorityClassName", value=name)
            return self.priority_classes[name]
        return int(spec["priority"]) if spec.get("priority") is not None else self.default_priority


def _names(state: ClusterState, table: str) -> set[str]:
    columns = state.tables[table]
    return {state.strings[code] for code in columns["name"][columns.live_rows()].tolist()}


def plan(state: ClusterState, documents: list[Document], allow_unknown: bool = False
         ) -> list[PlannedWrite]:
    """Check and encode every document; raise the first ManifestError and change nothing visible.

    (Strings interned and resource columns added while encoding are invisible to users.)
    """
    writes: list[PlannedWrite] = []
    seen: dict[tuple, Document] = {}
    generated = 0
    for document in documents:
        try:
            info = _kind_info(document.data, allow_unknown)
            doc = prepare(document.data, info) if info.kind in KINDS else _prepare_other(
                document.data)
            metadata = doc["metadata"]
            if not metadata.get("name"):
                generated += 1
                metadata["name"] = _generated_name(state, metadata["generateName"], generated)
            namespace = metadata.get("namespace") if info.namespaced else None
        except ManifestError as error:
            raise document.error(error) from None
        key = (info.table, info.kind, namespace, metadata["name"])
        if key in seen:
            raise document.error(ManifestError(
                f"duplicate object: {info.kind} {metadata['name']!r} is also defined in "
                f"{seen[key].source} document {seen[key].document}",
                field="metadata.name", value=metadata["name"]))
        seen[key] = document
        writes.append(PlannedWrite(document, info, doc, namespace, metadata["name"],
                                   order=len(writes)))
    context = ApplyContext(state, writes)
    for write in writes:
        try:
            _check_references(context, write)
            write.row = _existing_row(state, write)
            write.values = encode(state, write.doc, write.info.table)
            derive = _DERIVE.get(write.info.kind)
            if derive is not None:
                write.values.update(derive(state, write.doc, context))
            if write.row >= 0:
                _check_update(state, write)
        except ManifestError as error:
            raise write.document.error(error) from None
    _check_service_allocations(state, writes)
    return sorted(writes, key=lambda w: _WRITE_ORDER.get(w.info.kind, len(_WRITE_ORDER)))


def _kind_info(data: dict, allow_unknown: bool) -> KindInfo:
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not isinstance(api_version, str) or not api_version:
        raise ManifestError("Required value: apiVersion must be set", field="apiVersion",
                            value=api_version)
    if not isinstance(kind, str) or not kind:
        raise ManifestError("Required value: kind must be set", field="kind", value=kind)
    info = kind_for_manifest(api_version, kind)
    if info is not None:
        return info
    if allow_unknown:
        return KindInfo(kind, kind.lower() + "s", (), (api_version,),
                        isinstance((data.get("metadata") or {}).get("namespace"), str),
                        modelled=False)
    hint = difflib.get_close_matches(kind, list(KINDS), n=1)
    suggestion = f" (did you mean {hint[0]}?)" if hint else ""
    raise ManifestError(f'no matches for kind "{kind}" in version "{api_version}"{suggestion}; '
                        f"pass --allow-unknown (allow_unknown=True) to store unknown kinds",
                        field="kind", value=kind)


def _prepare_other(data: dict) -> dict:
    """Unknown kinds (allowed on request): only the metadata checks every object gets."""
    from kbench.api.validation import check_metadata
    doc = copy.deepcopy(data)
    check_metadata(doc, namespaced=isinstance((doc.get("metadata") or {}).get("namespace"), str))
    return doc


def _generated_name(state: ClusterState, prefix: str, offset: int) -> str:
    """generateName plus 5 characters, as the API server's names.SimpleNameGenerator, seeded."""
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    digest = hashlib.blake2b(f"{state.seed}:name:{state.counters['uid'] + offset}".encode(),
                             digest_size=8).digest()
    return prefix + "".join(alphabet[b % len(alphabet)] for b in digest[:5])


def _existing_row(state: ClusterState, write: PlannedWrite) -> int:
    kind = write.info.kind if write.info.table == "others" else None
    return state.find(write.info.table, write.name, write.namespace, kind)


def _check_references(context: ApplyContext, write: PlannedWrite) -> None:
    if write.namespace is not None and write.namespace not in context.namespaces:
        raise ManifestError(f'namespaces "{write.namespace}" not found',
                            field="metadata.namespace", value=write.namespace)


def _check_update(state: ClusterState, write: PlannedWrite) -> None:
    """Pods are immutable but for their images (pkg/apis/core/validation ValidatePodUpdate)."""
    if write.info.kind != "Pod":
        return
    old = decode(state, "pods", write.row).to_dict().get("spec", {})
    new = copy.deepcopy(write.doc.get("spec", {}))
    new["priority"] = write.values["priority"]  # set by admission, not by the manifest
    for spec in (old, new):
        spec.pop("nodeName", None)
        for group in ("containers", "initContainers"):
            for container in spec.get(group) or []:
                container.pop("image", None)
                container.pop("imagePullPolicy", None)  # defaulted from the image
    if old != new:
        raise ManifestError("Forbidden: pod updates may not change fields other than "
                            "`spec.containers[*].image` and `spec.initContainers[*].image`",
                            field="spec")


def _check_service_allocations(state: ClusterState, writes: list[PlannedWrite]) -> None:
    """Explicit cluster IPs and node ports must be free, in the state and in the batch."""
    ips, ports = _used_service_addresses(state)
    for write in writes:
        if write.info.kind != "Service" or write.row >= 0:
            continue
        spec = write.doc.get("spec", {})
        ip = spec.get("clusterIP")
        if ip and ip != "None":
            if ip in ips:
                raise write.document.error(ManifestError(
                    "Invalid value: provided IP is already allocated", field="spec.clusterIP",
                    value=ip))
            ips.add(ip)
        for i, port in enumerate(spec.get("ports") or []):
            node_port = port.get("nodePort")
            if node_port:
                if node_port in ports:
                    raise write.document.error(ManifestError(
                        "Invalid value: provided port is already allocated",
                        field=f"spec.ports[{i}].nodePort", value=node_port))
                ports.add(node_port)


def _used_service_addresses(state: ClusterState) -> tuple[set[str], set[int]]:
    services = state.tables["services"]
    rows = services.live_rows()
    ips = {state.strings[c] for c in services["cluster_ip"][rows].tolist() if c >= 0}
    ports = set()
    for code in set(services["ports"][rows].tolist()):
        for port in state.strings.document(code) or []:
            if port.get("nodePort"):
                ports.add(port["nodePort"])
    return ips, ports


def commit(state: ClusterState, writes: list[PlannedWrite]) -> list[ApplyResult]:
    """Write planned objects to the state (cannot fail: everything was checked in plan)."""
    results = []
    for write in writes:
        action = _write(state, write)
        results.append((write.order, ApplyResult(write.info, write.name, write.namespace,
                                                  action)))
    return [result for _, result in sorted(results, key=lambda pair: pair[0])]


def _write(state: ClusterState, write: PlannedWrite) -> str:
    table = write.info.table
    values = write.values
    for name, value in values.items():  # a later document of the batch may have added resources
        if isinstance(value, np.ndarray) and len(value) < len(state.resources):
            values[name] = np.pad(value, (0, len(state.resources) - len(value)))
    if write.info.kind == "Service":
        _allocate_service_addresses(state, values, write.row)
    if write.row >= 0:
        return _update(state, table, write.row, values)
    values.update(uid=state.strings.intern(state.next_uid()), creation_time=state.time)
    row = state.insert(table, values)
    if write.info.kind == "Pod":
        _bind_if_node_known(state, row)
    elif write.info.kind == "Node":
        _bind_waiting_pods(state, row)
    return "created"


def _update(state: ClusterState, table: str, row: int, values: dict) -> str:
    columns = state.tables[table]
    changed = [name for name, value in values.items()
               if not np.array_equal(columns[name][row], value)]
    if not changed:
        return "unchanged"
    spec_changed = any((columns.columns[name].path or "").startswith("spec.")
                       or name in ("body", "template", "selector") for name in changed)
    for name in changed:
        columns[name][row] = values[name]
    if spec_changed:
        columns["generation"][row] += 1
    return "configured"


def _bind_if_node_known(state: ClusterState, pod: int) -> None:
    pods = state.tables["pods"]
    code = int(pods["node_name"][pod])
    if code >= 0:
        node = state.find("nodes", state.strings[code])
        if node >= 0:
            state.bind_pod(pod, node)


def _bind_waiting_pods(state: ClusterState, node: int) -> None:
    """Pods applied with spec.nodeName before their node existed are bound when it appears."""
    pods = state.tables["pods"]
    waiting = np.flatnonzero(pods.alive & (pods["node_index"] < 0)
                             & (pods["node_name"] == state.tables["nodes"]["name"][node]))
    for pod in waiting.tolist():
        state.bind_pod(pod, node)


def _allocate_service_addresses(state: ClusterState, values: dict, row: int) -> None:
    """A cluster IP from 10.96.0.0/12 and node ports from 30000-32767, in order, as free.

    An update keeps the cluster IP and the node ports the service already had.
    """
    service_type = values.get("type", 0)
    services = state.tables["services"]
    previous_ports = {}
    if row >= 0:
        if values.get("cluster_ip", NO_STRING) < 0:
            values["cluster_ip"] = services["cluster_ip"][row]
        for port in state.strings.document(int(services["ports"][row])) or []:
            previous_ports[(port.get("port"), port.get("protocol"))] = port.get("nodePort")
    ips, ports = _used_service_addresses(state)
    if values.get("cluster_ip", NO_STRING) < 0 and service_type != SERVICE_TYPES.index(
            "ExternalName"):
        while True:
            state.counters["cluster_ip"] += 1
            address = str(SERVICE_CIDR.network_address + 1 + state.counters["cluster_ip"])
            if address not in ips:
                break
        values["cluster_ip"] = state.strings.intern(address)
    node_port_types = (SERVICE_TYPES.index("NodePort"), SERVICE_TYPES.index("LoadBalancer"))
    if service_type in node_port_types and values.get("ports", NO_STRING) >= 0:
        service_ports = state.strings.document(int(values["ports"]))
        for port in service_ports:
            if port.get("nodePort"):
                continue
            kept = previous_ports.get((port.get("port"), port.get("protocol")))
            if kept:
                port["nodePort"] = kept
                continue
            while True:
                candidate = NODE_PORT_RANGE[0] + state.counters["node_port"]
                state.counters["node_port"] += 1
                if candidate not in ports:
                    break
            port["nodePort"] = candidate
            ports.add(candidate)
        values["ports"] = state.strings.intern_document(service_ports)


def create_pods(state: ClusterState, pod: dict, names: list[str],
                namespace: str = "default",
                creation_times: np.ndarray | None = None) -> np.ndarray:
    """Create many pods from one pod manifest at once (as a ReplicaSet creates its replicas):
    the manifest is checked and encoded once, then ``len(names)`` rows are appended in one
    step. ``creation_times``: each pod's creationTimestamp when not now (a client that
    created them within the tick). Returns their rows. Raises ManifestError (nothing
    created) for a bad manifest."""
    named = {**pod, "metadata": {**(pod.get("metadata") or {}),
                                 "name": names[0] if names else "x"}}
    return create_planned_pods(state, planned_pod(state, named, namespace), names, namespace,
                               creation_times)


def planned_pod(state: ClusterState, pod: dict, namespace: str = "default") -> dict:
    """A pod manifest checked and encoded as the API server would admit it now (one set of
    column values, for create_planned_pods). Raises ManifestError for a bad manifest."""
    manifest = copy_json(pod)
    manifest.setdefault("metadata", {})
    manifest["metadata"].update(name=manifest["metadata"].get("name") or "x",
                                namespace=namespace)
    return plan(state, [Document("<template>", 1, manifest)])[0].values


class PodPlans:
    """planned_pod, remembered: a pod manifest admitted once is reused (same column values,
    no strings interned anew) while no object that admission reads (namespace,
    PriorityClass, ...: anything but pods and events) was added or removed. Controllers
    create the pods of one template again and again; trace replays their few shapes."""

    _NOT_ADMISSION = ("pods", "events")

    def __init__(self) -> None:
        self._values: dict[tuple[str, str], dict] = {}
        self._objects = None

    def values(self, state: ClusterState, pod: dict, namespace: str,
               first_name: str | None = None, pod_text: str | None = None) -> dict:
        """The admitted values of ``pod``; admitted (as ``first_name``, the name the first
        pod of its batch will have, so strings are interned in create_pods' order) when not
        known yet. ``pod_text``: the pod's JSON with sorted keys and no spaces, when the
        caller has it (not encoded again)."""
        objects = tuple((name, len(table), table.live_count)
                        for name, table in state.tables.items()
                        if name not in self._NOT_ADMISSION)
        if objects != self._objects:
            self._values, self._objects = {}, objects
        if pod_text is None:
            pod_text = json.dumps(pod, sort_keys=True, separators=(",", ":"))
        key = (pod_text, namespace)
        values = self._values.get(key)
        if values is None:
            named = pod if first_name is None else {
                **pod, "metadata": {**(pod.get("metadata") or {}), "name": first_name}}
            values = self._values[key] = planned_pod(state, named, namespace)
        return values


_FEW_UIDS = 8


def create_planned_pods(state: ClusterState, values: dict, names: list[str],
                        namespace: str = "default",
                        creation_times: np.ndarray | None = None) -> np.ndarray:
    """create_pods from values planned_pod gave: ``len(names)`` rows in one step."""
    count = len(names)
    columns = dict(values)  # one value per column, the same for every row: numpy broadcasts it
    strings = state.strings
    columns["name"] = strings.intern_many(names)
    columns["namespace"] = np.full(count, strings.intern(namespace), dtype=np.int32)
    # a few uids (a scale-up by the HPA) cost less one by one than through numpy
    uids = (state.next_uids(count) if count > _FEW_UIDS
            else [state.next_uid() for _ in range(count)])
    columns["uid"] = strings.intern_many(uids)
    columns["creation_time"] = (np.full(count, state.time) if creation_times is None
                                else np.asarray(creation_times, dtype=np.float64))
    width = len(state.resources)
    for name, value in values.items():   # resources vectors planned before one was added
        if isinstance(value, np.ndarray) and value.ndim == 1 and len(value) < width:
            columns[name] = np.pad(value, (0, width - len(value)))
    rows = state.tables["pods"].append_many(count, columns)
    state.index_rows("pods", rows)
    return rows
