"""kubectl's output for Kubernetes objects given as JSON dicts: `get` tables (plain and -o wide) and `describe`."""

# Ported from Kubernetes (Go):
#   pkg/printers/internalversion/printers.go        AddHandlers (columns) and the print<Kind> functions
#   staging/src/k8s.io/apimachinery/pkg/util/duration/duration.go   HumanDuration
#   staging/src/k8s.io/kubectl/pkg/describe/describe.go             describe<Kind>, DescribePodTemplate,
#                                                                    DescribeEvents, genericDescriber
#   staging/src/k8s.io/cli-runtime/pkg/printers/tabwriter.go         the `get` tabwriter settings
#   Go's text/tabwriter                                              column alignment (see _tabwrite)
#
# Objects are plain dicts shaped like `kubectl get -o json` output. Quantities are printed as the
# JSON gives them (the API server already stores them canonically); sums are computed exactly.
# Times print in UTC (kubectl prints them in the local zone).

from __future__ import annotations

import math
from datetime import datetime, timezone
from fractions import Fraction
from typing import Callable, NamedTuple

from kbench.api.labels import selector_from_dict
from kbench.api.quantity import Quantity
from kbench.errors import KbenchError

__all__ = ["COLUMNS", "WIDE_COLUMNS", "ROW_PRINTERS", "DESCRIBERS",
           "human_duration", "row", "render_table", "describe"]


# ---------------------------------------------------------------------------
# Durations and timestamps
# ---------------------------------------------------------------------------

def _tdiv(a: int, b: int) -> int:
    """Go's integer division: truncates toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def human_duration(seconds: float) -> str:
    """duration.HumanDuration: a succinct duration with ~2-3 significant figures ("5m10s", "2d3h")."""
    ns = int(seconds * 1e9)
    secs = _tdiv(ns, 10**9)
    # Allow deviation no more than 2 seconds (excluded) to tolerate machine time inconsistence.
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 60 * 2:
        return f"{secs}s"
    minutes = secs // 60
    if minutes < 10:
        s = secs % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = secs // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def _parse_time(value: object) -> datetime | None:
    """An RFC 3339 timestamp ("2026-01-01T00:00:00Z") as an aware datetime; None if unset."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo else now.replace(tzinfo=timezone.utc)


def _since(value: object, now: datetime) -> str:
    """translateTimestampSince: HumanDuration(now - t), or "<unknown>" for a zero time."""
    t = _parse_time(value)
    if t is None:
        return "<unknown>"
    return human_duration((_aware(now) - t).total_seconds())


_ZERO_TIME_RFC1123Z = "Mon, 01 Jan 0001 00:00:00 +0000"


def _rfc1123z(value: object) -> str:
    """time.RFC1123Z, as describe prints times ("Mon, 02 Jan 2006 15:04:05 -0700"), in UTC."""
    t = _parse_time(value)
    if t is None:
        return _ZERO_TIME_RFC1123Z
    return t.astimezone(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")


def _age(obj: dict, now: datetime) -> str:
    return _since(_meta(obj).get("creationTimestamp"), now)


# ---------------------------------------------------------------------------
# Small helpers over the JSON shape
# ---------------------------------------------------------------------------

def _meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def _spec(obj: dict) -> dict:
    return obj.get("spec") or {}


def _status(obj: dict) -> dict:
    return obj.get("status") or {}


def _name(obj: dict) -> str:
    return _meta(obj).get("name", "")


def _go(value: object) -> str:
    """fmt's %v for a JSON scalar: bools print as true/false, None as <nil>."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    return str(value)


def _format_labels(labels: dict | None) -> str:
    """labels.FormatLabels: sorted k=v pairs joined by commas, "<none>" when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def _selector_string(selector: dict | None) -> str:
    """metav1.LabelSelectorAsSelector(...).String(): "" for an empty or nil selector."""
    try:
        return str(selector_from_dict(selector))
    except KbenchError:
        return "<invalid>"


def _format_label_selector(selector: dict | None) -> str:
    """metav1.FormatLabelSelector: the selector string, "<none>" when it is empty."""
    return _selector_string(selector) or "<none>"


def _containers_cells(pod_spec: dict) -> tuple[str, str]:
    """layoutContainerCells: container names and images, each comma-joined."""
    containers = pod_spec.get("containers") or []
    return (",".join(c.get("name", "") for c in containers),
            ",".join(c.get("image", "") for c in containers))


def _template_spec(obj: dict) -> dict:
    return (_spec(obj).get("template") or {}).get("spec") or {}


def _int(value: object, default: int = 0) -> int:
    return default if value is None else int(value)


def _access_modes(modes: list | None) -> str:
    """helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order."""
    modes = modes or []
    short = [("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"),
             ("ReadWriteOncePod", "RWOP")]
    return ",".join(s for mode, s in short if mode in modes)


def _controller_of(obj: dict) -> dict | None:
    """metav1.GetControllerOf: the ownerReference with controller: true."""
    for ref in _meta(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


_LABEL_NODE_ROLE_PREFIX = "node-role.kubernetes.io/"
_NODE_LABEL_ROLE = "kubernetes.io/role"


def _node_roles(node: dict) -> list[str]:
    """findNodeRoles: node-role.kubernetes.io/<role> labels and the kubernetes.io/role label, sorted."""
    roles = set()
    for k, v in (_meta(node).get("labels") or {}).items():
        if k.startswith(_LABEL_NODE_ROLE_PREFIX):
            role = k[len(_LABEL_NODE_ROLE_PREFIX):]
            if role:
                roles.add(role)
        elif k == _NODE_LABEL_ROLE and v:
            roles.add(v)
    return sorted(roles)


def _node_address(node: dict, kind: str) -> str:
    """getNodeInternalIP / getNodeExternalIP: the first address of that type, or "<none>"."""
    for address in _status(node).get("addresses") or []:
        if address.get("type") == kind:
            return address.get("address", "")
    return "<none>"


def _qualified_kind(obj: dict) -> str:
    """GroupKind.String() lower-cased, as `kubectl get deploy,rs` prefixes names: "deployment.apps"."""
    api_version = obj.get("apiVersion", "")
    group = api_version.split("/")[0] if "/" in api_version else ""
    kind = obj.get("kind", "").lower()
    return f"{kind}.{group}" if group else kind


# ---------------------------------------------------------------------------
# Column definitions (printers.go AddHandlers). Priority 1 columns only show with -o wide.
# ---------------------------------------------------------------------------

_COLUMN_DEFS: dict[str, list[tuple[str, int]]] = {
    "Pod": [("Name", 0), ("Ready", 0), ("Status", 0), ("Restarts", 0), ("Age", 0), ("IP", 1), ("Node", 1),
            ("Nominated Node", 1), ("Readiness Gates", 1)],
    "PodDisruptionBudget": [("Name", 0), ("Min Available", 0), ("Max Unavailable", 0),
                            ("Allowed Disruptions", 0), ("Age", 0)],
    "ReplicaSet": [("Name", 0), ("Desired", 0), ("Current", 0), ("Ready", 0), ("Age", 0), ("Containers", 1),
                   ("Images", 1), ("Selector", 1)],
    "DaemonSet": [("Name", 0), ("Desired", 0), ("Current", 0), ("Ready", 0), ("Up-to-date", 0),
                  ("Available", 0), ("Node Selector", 0), ("Age", 0), ("Containers", 1), ("Images", 1),
                  ("Selector", 1)],
    "Job": [("Name", 0), ("Status", 0), ("Completions", 0), ("Duration", 0), ("Age", 0), ("Containers", 1),
            ("Images", 1), ("Selector", 1)],
    "CronJob": [("Name", 0), ("Schedule", 0), ("Timezone", 0), ("Suspend", 0), ("Active", 0),
                ("Last Schedule", 0), ("Age", 0), ("Containers", 1), ("Images", 1), ("Selector", 1)],
    "Service": [("Name", 0), ("Type", 0), ("Cluster-IP", 0), ("External-IP", 0), ("Port(s)", 0), ("Age", 0),
                ("Selector", 1)],
    "Ingress": [("Name", 0), ("Class", 0), ("Hosts", 0), ("Address", 0), ("Ports", 0), ("Age", 0)],
    "StatefulSet": [("Name", 0), ("Ready", 0), ("Age", 0), ("Containers", 1), ("Images", 1)],
    "Endpoints": [("Name", 0), ("Endpoints", 0), ("Age", 0)],
    "Node": [("Name", 0), ("Status", 0), ("Roles", 0), ("Age", 0), ("Version", 0), ("Internal-IP", 1),
             ("External-IP", 1), ("OS-Image", 1), ("Kernel-Version", 1), ("Container-Runtime", 1)],
    "Namespace": [("Name", 0), ("Status", 0), ("Age", 0)],
    "Secret": [("Name", 0), ("Type", 0), ("Data", 0), ("Age", 0)],
    "ServiceAccount": [("Name", 0), ("Secrets", 0), ("Age", 0)],
    "PersistentVolume": [("Name", 0), ("Capacity", 0), ("Access Modes", 0), ("Reclaim Policy", 0),
                         ("Status", 0), ("Claim", 0), ("StorageClass", 0), ("VolumeAttributesClass", 0),
                         ("Reason", 0), ("Age", 0), ("VolumeMode", 1)],
    "PersistentVolumeClaim": [("Name", 0), ("Status", 0), ("Volume", 0), ("Capacity", 0), ("Access Modes", 0),
                              ("StorageClass", 0), ("VolumeAttributesClass", 0), ("Age", 0),
                              ("VolumeMode", 1)],
    "Deployment": [("Name", 0), ("Ready", 0), ("Up-to-date", 0), ("Available", 0), ("Age", 0),
                   ("Containers", 1), ("Images", 1), ("Selector", 1)],
    "HorizontalPodAutoscaler": [("Name", 0), ("Reference", 0), ("Targets", 0), ("MinPods", 0), ("MaxPods", 0),
                                ("Replicas", 0), ("Age", 0)],
    "ConfigMap": [("Name", 0), ("Data", 0), ("Age", 0)],
    "StorageClass": [("Name", 0), ("Provisioner", 0), ("ReclaimPolicy", 0), ("VolumeBindingMode", 0),
                     ("AllowVolumeExpansion", 0), ("Age", 0)],
    # PreemptionPolicy has priority 0 but printPriorityClass only fills it with -o wide.
    "PriorityClass": [("Name", 0), ("Value", 0), ("Global-Default", 0), ("Age", 0), ("PreemptionPolicy", 0)],
}
_GENERIC_DEFS = [("Name", 0), ("Age", 0)]

# kubectl's headers: the column names upper-cased (tableprinter printHeader).
COLUMNS: dict[str, list[str]] = {k: [n.upper() for n, p in d if p == 0] for k, d in _COLUMN_DEFS.items()}
WIDE_COLUMNS: dict[str, list[str]] = {k: [n.upper() for n, _ in d] for k, d in _COLUMN_DEFS.items()}
GENERIC_COLUMNS = [n.upper() for n, _ in _GENERIC_DEFS]

# Kinds that are not namespaced: `get -A` prints no NAMESPACE column for them.
_CLUSTER_SCOPED = {"Node", "Namespace", "PersistentVolume", "StorageClass", "PriorityClass",
                   "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "IngressClass",
                   "RuntimeClass", "CSIDriver", "CSINode", "VolumeAttachment"}


# ---------------------------------------------------------------------------
# Row printers: each returns the cells its Go print<Kind> would, for the given wide flag
# ---------------------------------------------------------------------------

def _is_restartable_init(container: dict | None) -> bool:
    """podutil.IsRestartableInitContainer: a sidecar (restartPolicy: Always)."""
    return bool(container) and container.get("restartPolicy") == "Always"


def _has_condition(conditions: list | None, ctype: str) -> bool:
    return any(c.get("type") == ctype and c.get("status") == "True" for c in conditions or [])


def _later(a: datetime | None, b: object) -> datetime | None:
    t = _parse_time(b)
    if t is None:
        return a
    return t if a is None or a < t else a


def _terminated_reason(term: dict, prefix: str = "") -> str:
    """The reason shown for a terminated container: its reason, else Signal:n / ExitCode:n."""
    if term.get("reason"):
        return prefix + term["reason"]
    if term.get("signal"):
        return f"{prefix}Signal:{term['signal']}"
    return f"{prefix}ExitCode:{term.get('exitCode', 0)}"


class _InitPass(NamedTuple):
    """What printPod's loop over init container statuses found."""

    reason: str
    initializing: bool
    ready: int                     # started and ready sidecar containers
    restarts: int                  # restarts of all init containers
    last_restart: datetime | None
    sidecar_restarts: int          # restarts of restartable (sidecar) init containers only
    sidecar_last_restart: datetime | None


def _pod_init_status(pod: dict, reason: str) -> _InitPass:
    """printPod's pass over init containers: stops at the first one still initializing or failed."""
    spec, status = _spec(pod), _status(pod)
    init_specs = {c.get("name"): c for c in spec.get("initContainers") or []}
    n_init = len(spec.get("initContainers") or [])
    restarts = sidecar_restarts = ready = 0
    last = sidecar_last = None
    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += _int(cs.get("restartCount"))
        last_term = (cs.get("lastState") or {}).get("terminated")
        if last_term is not None:
            last = _later(last, last_term.get("finishedAt"))
        sidecar = _is_restartable_init(init_specs.get(cs.get("name")))
        if sidecar:
            sidecar_restarts += _int(cs.get("restartCount"))
            if last_term is not None:
                sidecar_last = _later(sidecar_last, last_term.get("finishedAt"))
        state = cs.get("state") or {}
        term, waiting = state.get("terminated"), state.get("waiting")
        if term is not None and _int(term.get("exitCode")) == 0:
            continue
        if sidecar and cs.get("started"):
            ready += 1 if cs.get("ready") else 0
            continue
        if term is not None:
            reason = _terminated_reason(term, "Init:")
        elif waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{n_init}"
        initializing = True
        break
    return _InitPass(reason, initializing, ready, restarts, last, sidecar_restarts, sidecar_last)


def _pod_status_reason(pod: dict) -> tuple[str, int, int, datetime | None]:
    """printPod: (STATUS reason, ready containers, restarts, time of the last restart)."""
    status = _status(pod)
    phase = status.get("phase", "")
    reason = status.get("reason") or phase
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    init = _pod_init_status(pod, reason)
    reason, ready, restarts, last = init.reason, init.ready, init.restarts, init.last_restart
    if not init.initializing or _has_condition(status.get("conditions"), "Initialized"):
        restarts, last = init.sidecar_restarts, init.sidecar_last_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += _int(cs.get("restartCount"))
            last_term = (cs.get("lastState") or {}).get("terminated")
            if last_term is not None:
                last = _later(last, last_term.get("finishedAt"))
            state = cs.get("state") or {}
            waiting, term = state.get("waiting"), state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif term is not None:
                reason = _terminated_reason(term)
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        # change pod status back to "Running" if there is at least one container still running
        if reason == "Completed" and has_running:
            reason = "Running" if _has_condition(status.get("conditions"), "Ready") else "NotReady"
    deleting = _meta(pod).get("deletionTimestamp")
    if deleting and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return reason, ready, restarts, last


def _pod_row(pod: dict, now: datetime, wide: bool) -> list[str]:
    """printPod."""
    spec, status = _spec(pod), _status(pod)
    reason, ready, restarts, last = _pod_status_reason(pod)
    total = len(spec.get("containers") or []) + sum(
        1 for c in spec.get("initContainers") or [] if _is_restartable_init(c))
    restarts_str = str(restarts)
    if restarts and last is not None:
        restarts_str = f"{restarts} ({_since(last, now)} ago)"
    cells = [_name(pod), f"{ready}/{total}", reason, restarts_str, _age(pod, now)]
    if wide:
        ips = status.get("podIPs") or ([{"ip": status["podIP"]}] if status.get("podIP") else [])
        gates = spec.get("readinessGates") or []
        gates_str = "<none>"
        if gates:
            conds = {c.get("type"): c.get("status") for c in reversed(status.get("conditions") or [])}
            true = sum(1 for g in gates if conds.get(g.get("conditionType")) == "True")
            gates_str = f"{true}/{len(gates)}"
        cells += [(ips[0].get("ip") if ips else "") or "<none>", spec.get("nodeName") or "<none>",
                  status.get("nominatedNodeName") or "<none>", gates_str]
    return cells


def _pdb_row(pdb: dict, now: datetime, wide: bool) -> list[str]:
    """printPodDisruptionBudget."""
    spec = _spec(pdb)
    min_available = spec.get("minAvailable")
    max_unavailable = spec.get("maxUnavailable")
    return [_name(pdb), "N/A" if min_available is None else str(min_available),
            "N/A" if max_unavailable is None else str(max_unavailable),
            str(_int(_status(pdb).get("disruptionsAllowed"))), _age(pdb, now)]


def _replicaset_row(rs: dict, now: datetime, wide: bool) -> list[str]:
    """printReplicaSet."""
    spec, status = _spec(rs), _status(rs)
    cells = [_name(rs), str(_int(spec.get("replicas"), 1)), str(_int(status.get("replicas"))),
             str(_int(status.get("readyReplicas"))), _age(rs, now)]
    if wide:
        cells += [*_containers_cells(_template_spec(rs)), _format_label_selector(spec.get("selector"))]
    return cells


def _daemonset_row(ds: dict, now: datetime, wide: bool) -> list[str]:
    """printDaemonSet."""
    status = _status(ds)
    cells = [_name(ds)] + [str(_int(status.get(k))) for k in (
        "desiredNumberScheduled", "currentNumberScheduled", "numberReady", "updatedNumberScheduled",
        "numberAvailable")]
    cells += [_format_labels(_template_spec(ds).get("nodeSelector")), _age(ds, now)]
    if wide:
        cells += [*_containers_cells(_template_spec(ds)), _format_label_selector(_spec(ds).get("selector"))]
    return cells


def _job_status(job: dict) -> str:
    """printJob's STATUS column."""
    conditions = _status(job).get("conditions")
    if _has_condition(conditions, "Complete"):
        return "Complete"
    if _has_condition(conditions, "Failed"):
        return "Failed"
    if _meta(job).get("deletionTimestamp"):
        return "Terminating"
    if _has_condition(conditions, "Suspended"):
        return "Suspended"
    if _has_condition(conditions, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def _job_row(job: dict, now: datetime, wide: bool) -> list[str]:
    """printJob."""
    spec, status = _spec(job), _status(job)
    succeeded = _int(status.get("succeeded"))
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    elif _int(spec.get("parallelism")) > 1:
        completions = f"{succeeded}/1 of {spec['parallelism']}"
    else:
        completions = f"{succeeded}/1"
    start, done = _parse_time(status.get("startTime")), _parse_time(status.get("completionTime"))
    duration = ""
    if start is not None:
        end = done if done is not None else _aware(now)
        duration = human_duration((end - start).total_seconds())
    cells = [_name(job), _job_status(job), completions, duration, _age(job, now)]
    if wide:
        cells += [*_containers_cells(_template_spec(job)), _format_label_selector(spec.get("selector"))]
    return cells


def _bool_ptr(value: object) -> str:
    """printBoolPtr: True / False / <unset>."""
    return "<unset>" if value is None else ("True" if value else "False")


def _cronjob_row(cj: dict, now: datetime, wide: bool) -> list[str]:
    """printCronJob."""
    spec, status = _spec(cj), _status(cj)
    last = "<none>" if not status.get("lastScheduleTime") else _since(status["lastScheduleTime"], now)
    cells = [_name(cj), spec.get("schedule", ""), spec.get("timeZone") or "<none>", _bool_ptr(spec.get("suspend")),
             str(len(status.get("active") or [])), last, _age(cj, now)]
    if wide:
        job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
        template = (job_spec.get("template") or {}).get("spec") or {}
        cells += [*_containers_cells(template), _format_label_selector(job_spec.get("selector"))]
    return cells


_LOAD_BALANCER_WIDTH = 16


def _load_balancer_status(lb: dict | None, wide: bool) -> str:
    """loadBalancerStatusStringer: sorted unique IPs (or hostnames), clipped to 16 chars unless wide."""
    result = set()
    for ingress in (lb or {}).get("ingress") or []:
        if ingress.get("ip"):
            result.add(ingress["ip"])
        elif ingress.get("hostname"):
            result.add(ingress["hostname"])
    r = ",".join(sorted(result))
    if not wide and len(r) > _LOAD_BALANCER_WIDTH:
        r = r[:_LOAD_BALANCER_WIDTH - 3] + "..."
    return r


def _service_external_ip(svc: dict, wide: bool) -> str:
    """getServiceExternalIP."""
    spec = _spec(svc)
    svc_type = spec.get("type") or "ClusterIP"
    external = spec.get("externalIPs") or []
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if svc_type == "LoadBalancer":
        lb_ips = _load_balancer_status(_status(svc).get("loadBalancer"), wide)
        if external:
            return ",".join((lb_ips.split(",") if lb_ips else []) + external)
        return lb_ips or "<pending>"
    if svc_type == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def _port_string(ports: list | None) -> str:
    """makePortString: 80/TCP, or 80:30080/TCP with a node port."""
    pieces = []
    for p in ports or []:
        proto = p.get("protocol") or "TCP"
        node_port = _int(p.get("nodePort"))
        pieces.append(f"{p.get('port')}:{node_port}/{proto}" if node_port > 0 else f"{p.get('port')}/{proto}")
    return ",".join(pieces)


def _service_row(svc: dict, now: datetime, wide: bool) -> list[str]:
    """printService."""
    spec = _spec(svc)
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    cells = [_name(svc), spec.get("type") or "ClusterIP", cluster_ips[0] if cluster_ips else "<none>",
             _service_external_ip(svc, wide), _port_string(spec.get("ports")) or "<none>", _age(svc, now)]
    if wide:
        cells.append(_format_labels(spec.get("selector")))
    return cells


def _more(items: list[str], count: int, limit: int, sep: str = ",") -> str:
    """The "a,b,c + N more..." form printers.go uses for long lists."""
    ret = sep.join(items[:limit])
    return f"{ret} + {count - limit} more..." if count > limit else ret


def _ingress_hosts(rules: list | None) -> str:
    """formatHosts."""
    rules = rules or []
    hosts: list[str] = []
    more = False
    for rule in rules:
        more = more or len(hosts) == 3
        if not more and rule.get("host"):
            hosts.append(rule["host"])
    if not hosts:
        return "*"
    return f"{','.join(hosts)} + {len(rules) - 3} more..." if more else ",".join(hosts)


def _ingress_row(ing: dict, now: datetime, wide: bool) -> list[str]:
    """printIngress."""
    spec = _spec(ing)
    return [_name(ing), spec.get("ingressClassName") or "<none>", _ingress_hosts(spec.get("rules")),
            _load_balancer_status(_status(ing).get("loadBalancer"), wide),
            "80, 443" if spec.get("tls") else "80", _age(ing, now)]


def _statefulset_row(sts: dict, now: datetime, wide: bool) -> list[str]:
    """printStatefulSet."""
    ready = _int(_status(sts).get("readyReplicas"))
    cells = [_name(sts), f"{ready}/{_int(_spec(sts).get('replicas'), 1)}", _age(sts, now)]
    if wide:
        cells += list(_containers_cells(_template_spec(sts)))
    return cells


def _format_endpoints(ep: dict) -> str:
    """formatEndpoints: ip:port for every address and port, at most three then "+ N more..."."""
    subsets = ep.get("subsets") or []
    if not subsets:
        return "<none>"
    items: list[str] = []
    count = 0
    for ss in subsets:
        addresses = [a.get("ip", "") for a in ss.get("addresses") or []]
        ports = ss.get("ports") or []
        if not ports:  # headless services with no ports
            count += len(addresses)
            items += addresses
            continue
        for port in ports:
            count += len(addresses)
            items += [f"[{ip}]:{port.get('port')}" if ":" in ip else f"{ip}:{port.get('port')}"
                      for ip in addresses]
    return _more(items, count, 3)


def _endpoints_row(ep: dict, now: datetime, wide: bool) -> list[str]:
    """printEndpoints."""
    return [_name(ep), _format_endpoints(ep), _age(ep, now)]


def _node_status(node: dict) -> str:
    """printNode's STATUS: Ready / NotReady / Unknown, then SchedulingDisabled if cordoned."""
    conditions = {c.get("type"): c for c in _status(node).get("conditions") or []}
    status = []
    if "Ready" in conditions:
        status.append("Ready" if conditions["Ready"].get("status") == "True" else "NotReady")
    if not status:
        status.append("Unknown")
    if _spec(node).get("unschedulable"):
        status.append("SchedulingDisabled")
    return ",".join(status)


def _node_row(node: dict, now: datetime, wide: bool) -> list[str]:
    """printNode."""
    info = _status(node).get("nodeInfo") or {}
    cells = [_name(node), _node_status(node), ",".join(_node_roles(node)) or "<none>", _age(node, now),
             info.get("kubeletVersion", "")]
    if wide:
        cells += [_node_address(node, "InternalIP"), _node_address(node, "ExternalIP"),
                  info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
                  info.get("containerRuntimeVersion") or "<unknown>"]
    return cells


def _namespace_row(ns: dict, now: datetime, wide: bool) -> list[str]:
    """printNamespace."""
    return [_name(ns), _status(ns).get("phase", ""), _age(ns, now)]


def _secret_row(secret: dict, now: datetime, wide: bool) -> list[str]:
    """printSecret."""
    return [_name(secret), secret.get("type", ""), str(len(secret.get("data") or {})), _age(secret, now)]


def _service_account_row(sa: dict, now: datetime, wide: bool) -> list[str]:
    """printServiceAccount."""
    return [_name(sa), str(len(sa.get("secrets") or [])), _age(sa, now)]


_BETA_STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"


def _storage_class_of(obj: dict, spec_class: object) -> str:
    """helper.GetPersistentVolume(Claim)Class: the beta annotation first, then spec.storageClassName."""
    annotations = _meta(obj).get("annotations") or {}
    if _BETA_STORAGE_CLASS_ANNOTATION in annotations:
        return annotations[_BETA_STORAGE_CLASS_ANNOTATION]
    return spec_class or ""


def _pv_row(pv: dict, now: datetime, wide: bool) -> list[str]:
    """printPersistentVolume (VOLUMEMODE is a wide-only column)."""
    spec, status = _spec(pv), _status(pv)
    claim = spec.get("claimRef")
    claim_str = f"{claim.get('namespace', '')}/{claim.get('name', '')}" if claim else ""
    phase = "Terminating" if _meta(pv).get("deletionTimestamp") else status.get("phase", "")
    return [_name(pv), str((spec.get("capacity") or {}).get("storage", "0")), _access_modes(spec.get("accessModes")),
            spec.get("persistentVolumeReclaimPolicy", ""), phase, claim_str,
            _storage_class_of(pv, spec.get("storageClassName")), spec.get("volumeAttributesClassName") or "<unset>",
            status.get("reason", ""), _age(pv, now), spec.get("volumeMode") or "<unset>"]


def _pvc_row(pvc: dict, now: datetime, wide: bool) -> list[str]:
    """printPersistentVolumeClaim (VOLUMEMODE is a wide-only column)."""
    spec, status = _spec(pvc), _status(pvc)
    phase = "Terminating" if _meta(pvc).get("deletionTimestamp") else status.get("phase", "")
    capacity = access_modes = ""
    if spec.get("volumeName"):
        access_modes = _access_modes(status.get("accessModes"))
        capacity = str((status.get("capacity") or {}).get("storage", "0"))
    return [_name(pvc), phase, spec.get("volumeName", ""), capacity, access_modes,
            _storage_class_of(pvc, spec.get("storageClassName")), spec.get("volumeAttributesClassName") or "<unset>",
            _age(pvc, now), spec.get("volumeMode") or "<unset>"]


def _deployment_row(d: dict, now: datetime, wide: bool) -> list[str]:
    """printDeployment."""
    spec, status = _spec(d), _status(d)
    cells = [_name(d), f"{_int(status.get('readyReplicas'))}/{_int(spec.get('replicas'), 1)}",
             str(_int(status.get("updatedReplicas"))), str(_int(status.get("availableReplicas"))), _age(d, now)]
    if wide:
        cells += [*_containers_cells(_template_spec(d)), _selector_string(spec.get("selector"))]
    return cells


def _hpa_v2_metrics(hpa: dict) -> tuple[list, list]:
    """spec.metrics and status.currentMetrics, converting an autoscaling/v1 object's CPU target."""
    spec, status = _spec(hpa), _status(hpa)
    if "metrics" in spec or "targetCPUUtilizationPercentage" not in spec:
        return spec.get("metrics") or [], status.get("currentMetrics") or []
    metrics = [{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": spec["targetCPUUtilizationPercentage"]}}}]
    current = []
    if status.get("currentCPUUtilizationPercentage") is not None:
        current = [{"type": "Resource", "resource": {"name": "cpu", "current": {
            "averageUtilization": status["currentCPUUtilizationPercentage"]}}}]
    return metrics, current


_METRIC_FIELD = {"External": "external", "Pods": "pods", "Object": "object", "Resource": "resource",
                 "ContainerResource": "containerResource"}


def _format_hpa_metric(spec: dict, status: dict | None) -> str:
    """One entry of formatHPAMetrics; status is the matching currentMetrics entry's source, if any."""
    kind = spec.get("type")
    field = _METRIC_FIELD.get(kind)
    if field is None:
        return "<unknown type>"
    source = spec.get(field) or {}
    target = source.get("target") or {}
    current = (status or {}).get("current") or {}

    def current_value(key: str) -> str:
        return "<unknown>" if current.get(key) is None else str(current[key])
    if kind == "Pods":
        return f"{current_value('averageValue')}/{target.get('averageValue')}"
    if kind in ("External", "Object"):
        if target.get("averageValue") is not None:
            return f"{current_value('averageValue')}/{target['averageValue']} (avg)"
        return f"{current_value('value')}/{target.get('value')}"
    # Resource and ContainerResource: "cpu: 50m/100m" for a value, "cpu: 30%/50%" for utilization
    name = source.get("name", "")
    if target.get("averageValue") is not None:
        return f"{name}: {current_value('averageValue')}/{target['averageValue']}"
    utilization = current.get("averageUtilization")
    have = "<unknown>" if utilization is None else f"{utilization}%"
    want = "<auto>" if target.get("averageUtilization") is None else f"{target['averageUtilization']}%"
    return f"{name}: {have}/{want}"


def _format_hpa_metrics(hpa: dict) -> str:
    """formatHPAMetrics: "cpu: 30%/50%", "<unknown>" for a missing current value, at most two."""
    specs, statuses = _hpa_v2_metrics(hpa)
    if not specs:
        return "<none>"
    items = []
    for i, spec in enumerate(specs):
        status = None
        field = _METRIC_FIELD.get(spec.get("type"))
        if i < len(statuses) and field and statuses[i].get(field) is not None:
            status = statuses[i][field]
        items.append(_format_hpa_metric(spec, status))
    return _more(items, len(items), 2, sep=", ")


def _hpa_row(hpa: dict, now: datetime, wide: bool) -> list[str]:
    """printHorizontalPodAutoscaler."""
    spec, status = _spec(hpa), _status(hpa)
    ref = spec.get("scaleTargetRef") or {}
    min_pods = "<unset>" if spec.get("minReplicas") is None else str(spec["minReplicas"])
    return [_name(hpa), f"{ref.get('kind', '')}/{ref.get('name', '')}", _format_hpa_metrics(hpa), min_pods,
            str(_int(spec.get("maxReplicas"))), str(_int(status.get("currentReplicas"))), _age(hpa, now)]


def _configmap_row(cm: dict, now: datetime, wide: bool) -> list[str]:
    """printConfigMap."""
    return [_name(cm), str(len(cm.get("data") or {}) + len(cm.get("binaryData") or {})), _age(cm, now)]


_DEFAULT_CLASS_ANNOTATIONS = ("storageclass.kubernetes.io/is-default-class",
                              "storageclass.beta.kubernetes.io/is-default-class")


def _storageclass_row(sc: dict, now: datetime, wide: bool) -> list[str]:
    """printStorageClass."""
    annotations = _meta(sc).get("annotations") or {}
    name = _name(sc)
    if any(annotations.get(a) == "true" for a in _DEFAULT_CLASS_ANNOTATIONS):
        name += " (default)"
    return [name, sc.get("provisioner", ""), sc.get("reclaimPolicy") or "Delete",
            sc.get("volumeBindingMode") or "Immediate", _go(bool(sc.get("allowVolumeExpansion"))), _age(sc, now)]


def _priorityclass_row(pc: dict, now: datetime, wide: bool) -> list[str]:
    """printPriorityClass (the PREEMPTIONPOLICY cell is only filled with -o wide)."""
    cells = [_name(pc), str(_int(pc.get("value"))), _go(bool(pc.get("globalDefault"))), _age(pc, now)]
    if wide:
        cells.append(pc.get("preemptionPolicy") or "")
    return cells


def _generic_row(obj: dict, now: datetime, wide: bool) -> list[str]:
    return [_name(obj), _age(obj, now)]


RowPrinter = Callable[[dict, datetime, bool], list[str]]

ROW_PRINTERS: dict[str, RowPrinter] = {
    "Pod": _pod_row,
    "PodDisruptionBudget": _pdb_row,
    "ReplicaSet": _replicaset_row,
    "DaemonSet": _daemonset_row,
    "Job": _job_row,
    "CronJob": _cronjob_row,
    "Service": _service_row,
    "Ingress": _ingress_row,
    "StatefulSet": _statefulset_row,
    "Endpoints": _endpoints_row,
    "Node": _node_row,
    "Namespace": _namespace_row,
    "Secret": _secret_row,
    "ServiceAccount": _service_account_row,
    "PersistentVolume": _pv_row,
    "PersistentVolumeClaim": _pvc_row,
    "Deployment": _deployment_row,
    "HorizontalPodAutoscaler": _hpa_row,
    "ConfigMap": _configmap_row,
    "StorageClass": _storageclass_row,
    "PriorityClass": _priorityclass_row,
}


def row(obj: dict, now: datetime, wide: bool = False) -> list[str]:
    """The cells kubectl prints for obj, one per column of COLUMNS[kind] (WIDE_COLUMNS[kind] if wide).

    As in the tableprinter, wide-only columns are dropped without -o wide, and a column the
    printer left without a cell prints empty.
    """
    kind = obj.get("kind", "")
    defs = _COLUMN_DEFS.get(kind, _GENERIC_DEFS)
    cells = ROW_PRINTERS.get(kind, _generic_row)(obj, now, wide)
    return [cells[i] if i < len(cells) else "" for i, (_, priority) in enumerate(defs) if wide or priority == 0]


# ---------------------------------------------------------------------------
# Go's text/tabwriter (left-aligned, space padding, no flags)
# ---------------------------------------------------------------------------

def _tabwrite(text: str, minwidth: int, padding: int) -> str:
    """text/tabwriter.Writer.Flush: align tab-terminated cells in column blocks of adjacent lines.

    A cell belongs to a column only if a tab ends it; a column's width is its widest cell plus
    padding (at least minwidth), computed separately for each run of consecutive lines that
    have that column (Writer.format).
    """
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []
    widths: list[int] = []

    def write_lines(line0: int, line1: int) -> None:
        for i in range(line0, line1):
            for j, cell in enumerate(lines[i]):
                out.append(cell)
                if j < len(widths):
                    out.append(" " * (widths[j] - len(cell)))
            if i + 1 < len(lines):
                out.append("\n")

    def fmt(line0: int, line1: int) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write_lines(line0, this)
            line0 = this
            width = minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            widths.append(width)
            fmt(line0, this)
            widths.pop()
            line0 = this
            this += 1
        write_lines(line0, line1)

    fmt(0, len(lines))
    return "".join(out)


# ---------------------------------------------------------------------------
# `kubectl get` tables
# ---------------------------------------------------------------------------

# cli-runtime printers/tabwriter.go: minwidth 6, tabwidth 4, padding 3, padchar ' '.
_GET_MINWIDTH, _GET_PADDING = 6, 3


def _table_lines(kind: str, objects: list[dict], now: datetime, wide: bool, show_namespace: bool,
                 show_kind: bool) -> str:
    with_ns = show_namespace and kind not in _CLUSTER_SCOPED
    headers = (WIDE_COLUMNS if wide else COLUMNS).get(kind, GENERIC_COLUMNS)
    lines = [(["NAMESPACE"] if with_ns else []) + headers]
    for obj in objects:
        cells = row(obj, now, wide)
        if show_kind:
            cells[0] = f"{_qualified_kind(obj)}/{cells[0]}"
        lines.append(([_meta(obj).get("namespace", "")] if with_ns else []) + cells)
    text = "".join("\t".join(cells) + "\n" for cells in lines)
    return _tabwrite(text, _GET_MINWIDTH, _GET_PADDING)


def render_table(objects: list[dict], now: datetime, wide: bool = False, show_namespace: bool = False,
                 show_kind: bool = False) -> str:
    """kubectl get's plain-text output: one table per kind (in order of first appearance), blank-line separated.

    With more than one kind, names are always prefixed with the kind ("deployment.apps/web"), as
    kubectl does for `get deploy,rs`. NAMESPACE (show_namespace, i.e. -A) is skipped for
    cluster-scoped kinds. Returns "" for no objects.
    """
    groups: dict[str, list[dict]] = {}
    for obj in objects:
        groups.setdefault(obj.get("kind", ""), []).append(obj)
    show_kind = show_kind or len(groups) > 1
    return "\n".join(_table_lines(kind, objs, now, wide, show_namespace, show_kind)
                     for kind, objs in groups.items())


# ---------------------------------------------------------------------------
# `kubectl describe`: a PrefixWriter over a tabwriter (describe.go tabbedString)
# ---------------------------------------------------------------------------

class _Writer:
    """describe.go's prefixWriter on a tabwriter(minwidth 0, tabwidth 8, padding 2)."""

    def __init__(self) -> None:
        self._pending: list[str] = []
        self._done: list[str] = []

    def write(self, level: int, text: str) -> None:
        """PrefixWriter.Write: two spaces per level, then the text."""
        self._pending.append("  " * level + text)

    def line(self, text: str = "") -> None:
        """PrefixWriter.WriteLine: the text and a newline, no indentation."""
        self._pending.append(text + "\n")

    def flush(self) -> None:
        """Align what was written so far on its own (DescribeEvents flushes before its table)."""
        self._done.append(_tabwrite("".join(self._pending), 0, 2))
        self._pending = []

    def text(self) -> str:
        self.flush()
        return "".join(self._done)


def _labels_multiline(w: _Writer, title: str, labels: dict | None, initial_indent: str = "",
                      inner_indent: str = "\t") -> None:
    """printLabelsMultilineWithIndent: "Labels:  a=b" then one label a line, "<none>" if empty."""
    w.write(0, f"{initial_indent}{title}:{inner_indent}")
    if not labels:
        w.line("<none>")
        return
    for i, key in enumerate(sorted(labels)):
        if i:
            w.write(0, initial_indent + inner_indent)
        w.write(0, f"{key}={labels[key]}\n")


_SKIP_ANNOTATIONS = {"kubectl.kubernetes.io/last-applied-configuration"}
_MAX_ANNOTATION_LEN = 140


def _annotations_multiline(w: _Writer, title: str, annotations: dict | None) -> None:
    """printAnnotationsMultiline: "key: value" lines, long or multi-line values wrapped below the key."""
    w.write(0, f"{title}:\t")
    keys = sorted(k for k in annotations or {} if k not in _SKIP_ANNOTATIONS)
    if not keys:
        w.line("<none>")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = str(annotations[key]).removesuffix("\n")
        if len(value) + len(key) + 2 > _MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{key}:\n")
            for s in value.split("\n"):
                limit = _MAX_ANNOTATION_LEN - 2
                w.write(0, f"\t  {s[:limit] + '...' if len(s) > limit else s}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def _tolerations_multiline(w: _Writer, title: str, tolerations: list | None) -> None:
    """printTolerationsMultilineWithIndent: key[=value][:effect][ op=Exists][ for Ns], sorted by key."""
    w.write(0, f"{title}:\t")
    if not tolerations:
        w.line("<none>")
        return
    for i, t in enumerate(sorted(tolerations, key=lambda t: t.get("key", ""))):
        if i:
            w.write(0, "\t")
        text = t.get("key", "")
        if t.get("value"):
            text += f"={t['value']}"
        if t.get("effect"):
            text += f":{t['effect']}"
        if t.get("operator") == "Exists" and not t.get("value"):
            text += " op=Exists" if t.get("key") or t.get("effect") else "op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {t['tolerationSeconds']}s"
        w.write(0, text + "\n")


def _taints_multiline(w: _Writer, title: str, taints: list | None) -> None:
    """printTaintsMultilineWithIndent: key[=value]:effect, sorted by effect then key."""
    w.write(0, f"{title}:\t")
    if not taints:
        w.line("<none>")
        return
    ordered = sorted(taints, key=lambda t: f"{t.get('effect', '')},{t.get('key', '')}")
    for i, t in enumerate(ordered):
        if i:
            w.write(0, "\t")
        value = f"={t['value']}" if t.get("value") else ""
        w.write(0, f"{t.get('key', '')}{value}:{t.get('effect', '')}\n")


def _event_matches(event: dict, obj: dict) -> bool:
    """Whether event is about obj (by involvedObject kind and name), when the event says."""
    involved = event.get("involvedObject") or event.get("regarding")
    if not involved:
        return True
    if involved.get("name") and involved["name"] != _name(obj):
        return False
    return not involved.get("kind") or involved["kind"] == obj.get("kind")


def _describe_events(w: _Writer, events: list[dict] | None, obj: dict, now: datetime) -> None:
    """DescribeEvents: "Events:  <none>" or a Type/Reason/Age/From/Message table sorted by lastTimestamp."""
    events = [e for e in events or [] if _event_matches(e, obj)]
    if not events:
        w.write(0, "Events:\t<none>\n")
        return
    w.flush()
    epoch = datetime.min.replace(tzinfo=timezone.utc)
    events = sorted(events, key=lambda e: _parse_time(e.get("lastTimestamp")) or epoch)
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for e in events:
        first = _since(e.get("eventTime") or e.get("firstTimestamp"), now)
        series = e.get("series")
        if series:
            interval = f"{_since(series.get('lastObservedTime'), now)} (x{series.get('count', 0)} over {first})"
        elif _int(e.get("count")) > 1:
            interval = f"{_since(e.get('lastTimestamp'), now)} (x{e['count']} over {first})"
        else:
            interval = first
        source = (e.get("source") or {}).get("component") or e.get("reportingController", "")
        w.write(1, f"{e.get('type', '')}\t{e.get('reason', '')}\t{interval}\t{source}\t"
                   f"{str(e.get('message', '')).strip()}\n")


# --- containers (describeContainers and friends) ---

def _container_ports(ports: list | None, field: str) -> str:
    """describeContainerPorts / describeContainerHostPorts: "80/TCP, 443/TCP"."""
    return ", ".join(f"{_int(p.get(field))}/{p.get('protocol') or 'TCP'}" for p in ports or [])


def _describe_container_basic(w: _Writer, c: dict, status: dict | None, space: str) -> None:
    """describeContainerBasicInfo."""
    w.write(1, f"{' ' if space else ''}{c.get('name', '')}:\n")
    if status is not None:
        w.write(2, f"Container ID:\t{status.get('containerID', '')}\n")
    w.write(2, f"Image:\t{c.get('image', '')}\n")
    if status is not None:
        w.write(2, f"Image ID:\t{status.get('imageID', '')}\n")
    for field, one, many in (("containerPort", "Port", "Ports"), ("hostPort", "Host Port", "Host Ports")):
        ports = _container_ports(c.get("ports"), field)
        if "," in ports:
            w.write(2, f"{many}:\t{ports}\n")
        else:
            w.write(2, f"{one}:\t{ports or '<none>'}\n")
    seccomp = (c.get("securityContext") or {}).get("seccompProfile")
    if seccomp:
        w.write(2, f"SeccompProfile:\t{seccomp.get('type', '')}\n")
        if seccomp.get("type") == "Localhost":
            w.write(3, f"LocalhostProfile:\t{seccomp.get('localhostProfile', '')}\n")


def _describe_command(w: _Writer, c: dict) -> None:
    """describeContainerCommand."""
    for field, title in (("command", "Command"), ("args", "Args")):
        if c.get(field):
            w.write(2, f"{title}:\n")
            for item in c[field]:
                for s in str(item).split("\n"):
                    w.write(3, f"{s}\n")


def _describe_state(w: _Writer, title: str, state: dict) -> None:
    """describeStatus."""
    if state.get("running") is not None:
        w.write(2, f"{title}:\tRunning\n")
        w.write(3, f"Started:\t{_rfc1123z(state['running'].get('startedAt'))}\n")
    elif state.get("waiting") is not None:
        w.write(2, f"{title}:\tWaiting\n")
        if state["waiting"].get("reason"):
            w.write(3, f"Reason:\t{state['waiting']['reason']}\n")
    elif state.get("terminated") is not None:
        term = state["terminated"]
        w.write(2, f"{title}:\tTerminated\n")
        if term.get("reason"):
            w.write(3, f"Reason:\t{term['reason']}\n")
        if term.get("message"):
            w.write(3, f"Message:\t{term['message']}\n")
        w.write(3, f"Exit Code:\t{_int(term.get('exitCode'))}\n")
        if _int(term.get("signal")) > 0:
            w.write(3, f"Signal:\t{term['signal']}\n")
        w.write(3, f"Started:\t{_rfc1123z(term.get('startedAt'))}\n")
        w.write(3, f"Finished:\t{_rfc1123z(term.get('finishedAt'))}\n")
    else:
        w.write(2, f"{title}:\tWaiting\n")


def _describe_container_state(w: _Writer, status: dict) -> None:
    """describeContainerState."""
    _describe_state(w, "State", status.get("state") or {})
    last = status.get("lastState") or {}
    if last.get("terminated") is not None:
        _describe_state(w, "Last State", last)
    w.write(2, f"Ready:\t{'True' if status.get('ready') else 'False'}\n")
    w.write(2, f"Restart Count:\t{_int(status.get('restartCount'))}\n")


def _describe_resources(w: _Writer, resources: dict | None, level: int) -> None:
    """describeResources: Limits then Requests, resource names sorted."""
    for field, title in (("limits", "Limits"), ("requests", "Requests")):
        values = (resources or {}).get(field) or {}
        if values:
            w.write(level, f"{title}:\n")
        for name in sorted(values):
            w.write(level + 1, f"{name}:\t{values[name]}\n")


def _describe_probe(probe: dict) -> str:
    """DescribeProbe (with the API server's defaults for unset thresholds)."""
    attrs = (f"delay={_int(probe.get('initialDelaySeconds'))}s timeout={_int(probe.get('timeoutSeconds'), 1)}s "
             f"period={_int(probe.get('periodSeconds'), 10)}s #success={_int(probe.get('successThreshold'), 1)} "
             f"#failure={_int(probe.get('failureThreshold'), 3)}")
    if probe.get("exec") is not None:
        return f"exec [{' '.join(probe['exec'].get('command') or [])}] {attrs}"
    if probe.get("httpGet") is not None:
        get = probe["httpGet"]
        host, port = get.get("host", ""), str(get.get("port", ""))
        if port:
            host = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        return f"http-get {str(get.get('scheme') or 'HTTP').lower()}://{host}{get.get('path', '')} {attrs}"
    if probe.get("tcpSocket") is not None:
        sock = probe["tcpSocket"]
        return f"tcp-socket {sock.get('host', '')}:{sock.get('port', '')} {attrs}"
    if probe.get("grpc") is not None:
        return f"grpc <pod>:{probe['grpc'].get('port')} {probe['grpc'].get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _describe_probes(w: _Writer, c: dict) -> None:
    for field, title in (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"),
                         ("startupProbe", "Startup")):
        if c.get(field) is not None:
            w.write(2, f"{title}:\t{_describe_probe(c[field])}\n")


_POD_FIELDS = {"metadata.name": ("metadata", "name"), "metadata.namespace": ("metadata", "namespace"),
               "metadata.uid": ("metadata", "uid"), "spec.nodeName": ("spec", "nodeName"),
               "spec.serviceAccountName": ("spec", "serviceAccountName"), "status.podIP": ("status", "podIP"),
               "status.hostIP": ("status", "hostIP")}


def _env_field_value(pod: dict | None, path: str) -> str:
    """EnvValueRetriever: the pod's value for a downward-API field path ("" for a template)."""
    if pod is None or path not in _POD_FIELDS:
        return ""
    section, key = _POD_FIELDS[path]
    return str((pod.get(section) or {}).get(key, ""))


def _describe_env(w: _Writer, c: dict, pod: dict | None) -> None:
    """describeContainerEnvVars."""
    env = c.get("env") or []
    w.write(2, "Environment:" + ("" if env else "\t<none>") + "\n")
    for e in env:
        source = e.get("valueFrom")
        if source is None:
            for i, s in enumerate(str(e.get("value", "")).split("\n")):
                w.write(3, f"{e.get('name')}:\t{s}\n" if i == 0 else f"\t{s}\n")
        elif source.get("fieldRef") is not None:
            ref = source["fieldRef"]
            path = ref.get("fieldPath", "")
            w.write(3, f"{e.get('name')}:\t{_env_field_value(pod, path)} ({ref.get('apiVersion', 'v1')}:{path})\n")
        elif source.get("resourceFieldRef") is not None:
            resource = source["resourceFieldRef"].get("resource", "")
            section, _, key = resource.partition(".")
            value = str(((c.get("resources") or {}).get(section) or {}).get(key, ""))
            if not value and resource in ("limits.cpu", "limits.memory"):
                value = "node allocatable"
            w.write(3, f"{e.get('name')}:\t{value} ({resource})\n")
        elif source.get("secretKeyRef") is not None:
            ref = source["secretKeyRef"]
            w.write(3, f"{e.get('name')}:\t<set to the key '{ref.get('key', '')}' in secret '{ref.get('name', '')}'>"
                       f"\tOptional: {_go(bool(ref.get('optional')))}\n")
        elif source.get("configMapKeyRef") is not None:
            ref = source["configMapKeyRef"]
            w.write(3, f"{e.get('name')}:\t<set to the key '{ref.get('key', '')}' of config map "
                       f"'{ref.get('name', '')}'>\tOptional: {_go(bool(ref.get('optional')))}\n")


def _describe_env_from(w: _Writer, c: dict) -> None:
    """describeContainerEnvFrom."""
    w.write(2, "Environment Variables from:\n")
    for e in c.get("envFrom") or []:
        ref, source = (e["configMapRef"], "ConfigMap") if e.get("configMapRef") else (e.get("secretRef") or {},
                                                                                      "Secret")
        optional = _go(bool(ref.get("optional")))
        prefix = f" with prefix '{e['prefix']}'" if e.get("prefix") else ""
        w.write(3, f"{ref.get('name', '')}\t{source}{prefix}\tOptional: {optional}\n")


def _describe_mounts(w: _Writer, c: dict) -> None:
    """describeContainerVolumes: "path from volume (ro|rw[,path=...])" sorted by mount path."""
    mounts = c.get("volumeMounts") or []
    none = "" if mounts else "\t<none>"
    w.write(2, f"Mounts:{none}\n")
    for m in sorted(mounts, key=lambda m: m.get("mountPath", "")):
        flags = ["ro" if m.get("readOnly") else "rw"]
        if m.get("subPath"):
            flags.append(f'path="{m["subPath"]}"')
        w.write(3, f"{m.get('mountPath', '')} from {m.get('name', '')} ({','.join(flags)})\n")
    devices = c.get("volumeDevices") or []
    if devices:
        w.write(2, f"Devices:{none}\n")
        for d in sorted(devices, key=lambda d: d.get("devicePath", "")):
            w.write(3, f"{d.get('devicePath', '')} from {d.get('name', '')}\n")


def _describe_containers(w: _Writer, label: str, containers: list | None, statuses: list | None,
                         pod: dict | None, space: str) -> None:
    """describeContainers."""
    by_name = {s.get("name"): s for s in statuses or []}
    containers = containers or []
    w.write(0, f"{space}{label}:{'' if containers else ' <none>'}\n")
    for c in containers:
        status = by_name.get(c.get("name"))
        _describe_container_basic(w, c, status, space)
        _describe_command(w, c)
        if status is not None:
            _describe_container_state(w, status)
        _describe_resources(w, c.get("resources"), 2)
        _describe_probes(w, c)
        if c.get("envFrom"):
            _describe_env_from(w, c)
        _describe_env(w, c, pod)
        _describe_mounts(w, c)


# --- volumes (describeVolumes) ---

def _volume_lines(volume: dict) -> list[tuple[int, str]] | None:
    """The (level, text) lines describeVolumes writes under a volume's name, for common sources.

    Go writes each source with one LEVEL_2 Write whose later lines carry their own 4-space
    indent, so they come out at level 2 too.
    """
    def b(value: object) -> str:
        return _go(bool(value))

    def at2(*lines: str) -> list[tuple[int, str]]:
        return [(2, text) for text in lines]
    if "hostPath" in volume:
        hp = volume["hostPath"] or {}
        return at2("Type:\tHostPath (bare host directory volume)", f"Path:\t{hp.get('path', '')}",
                   f"HostPathType:\t{hp['type'] if 'type' in hp else '<none>'}")
    if "emptyDir" in volume:
        ed = volume["emptyDir"] or {}
        return at2("Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)",
                   f"Medium:\t{ed.get('medium', '')}", f"SizeLimit:\t{ed.get('sizeLimit') or '<unset>'}")
    if "secret" in volume:
        s = volume["secret"] or {}
        return at2("Type:\tSecret (a volume populated by a Secret)", f"SecretName:\t{s.get('secretName', '')}",
                   f"Optional:\t{b(s.get('optional'))}")
    if "configMap" in volume:
        cm = volume["configMap"] or {}
        return at2("Type:\tConfigMap (a volume populated by a ConfigMap)", f"Name:\t{cm.get('name', '')}",
                   f"Optional:\t{b(cm.get('optional'))}")
    if "nfs" in volume:
        nfs = volume["nfs"] or {}
        return at2("Type:\tNFS (an NFS mount that lasts the lifetime of a pod)", f"Server:\t{nfs.get('server', '')}",
                   f"Path:\t{nfs.get('path', '')}", f"ReadOnly:\t{b(nfs.get('readOnly'))}")
    if "persistentVolumeClaim" in volume:
        pvc = volume["persistentVolumeClaim"] or {}
        return at2("Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)",
                   f"ClaimName:\t{pvc.get('claimName', '')}", f"ReadOnly:\t{b(pvc.get('readOnly'))}")
    if "ephemeral" in volume:
        return at2("Type:\tEphemeralVolume (an inline specification for a volume that gets created and deleted "
                   "with the pod)")
    if "downwardAPI" in volume:
        lines = at2("Type:\tDownwardAPI (a volume populated by information about the pod)", "Items:")
        for item in (volume["downwardAPI"] or {}).get("items") or []:
            for key, field in (("fieldRef", "fieldPath"), ("resourceFieldRef", "resource")):
                if item.get(key):
                    lines.append((3, f"{item[key].get(field, '')} -> {item.get('path', '')}"))
        return lines
    if "projected" in volume:
        return _projected_lines(volume["projected"] or {})
    if "csi" in volume:
        return _csi_lines(volume["csi"] or {})
    return None


def _projected_lines(projected: dict) -> list[tuple[int, str]]:
    """printProjectedVolumeSource."""
    lines = [(2, "Type:\tProjected (a volume that contains injected data from multiple sources)")]
    for source in projected.get("sources") or []:
        if source.get("secret") is not None:
            lines += [(2, f"SecretName:\t{source['secret'].get('name', '')}"),
                      (2, f"Optional:\t{_go(bool(source['secret'].get('optional')))}")]
        elif source.get("downwardAPI") is not None:
            lines.append((2, "DownwardAPI:\ttrue"))
        elif source.get("configMap") is not None:
            lines += [(2, f"ConfigMapName:\t{source['configMap'].get('name', '')}"),
                      (2, f"Optional:\t{_go(bool(source['configMap'].get('optional')))}")]
        elif source.get("serviceAccountToken") is not None:
            seconds = _int(source["serviceAccountToken"].get("expirationSeconds"), 3600)
            lines.append((2, f"TokenExpirationSeconds:\t{seconds}"))
    return lines


def _csi_lines(csi: dict) -> list[tuple[int, str]]:
    """printCSIVolumeSource; its VolumeAttributes writer indents every piece at LEVEL_2 again."""
    lines = [(2, "Type:\tCSI (a Container Storage Interface (CSI) volume source)"),
             (2, f"Driver:\t{csi.get('driver', '')}"), (2, f"FSType:\t{csi.get('fsType', '')}"),
             (2, f"ReadOnly:\t{_go(bool(csi.get('readOnly')))}")]
    attrs = csi.get("volumeAttributes") or {}
    values = [f"    {k}={attrs[k]}" for k in sorted(attrs)] or ["<none>"]
    lines.append((2, f"VolumeAttributes:\t{values[0]}"))
    lines += [(0, f"        \t{v}") for v in values[1:]]
    return lines


def _describe_volumes(w: _Writer, volumes: list | None, space: str) -> None:
    """describeVolumes."""
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    for volume in volumes:
        w.write(1, f"{' ' if space else ''}{volume.get('name', '')}:\n")
        lines = _volume_lines(volume)
        if lines is None:
            w.write(1, "<unknown>\n")
            continue
        for level, text in lines:
            w.write(level, text + "\n")


def _describe_topology_spread(w: _Writer, constraints: list | None, space: str) -> None:
    """describeTopologySpreadConstraints."""
    if not constraints:
        return
    w.write(0, f"{space}Topology Spread Constraints:\t")
    for i, tsc in enumerate(sorted(constraints, key=lambda t: t.get("topologyKey", ""))):
        if i:
            w.write(0, f"{space}\t")
        text = f"{tsc.get('topologyKey', '')}:{tsc.get('whenUnsatisfiable', '')} when max skew " \
               f"{tsc.get('maxSkew', 0)} is exceeded"
        if tsc.get("labelSelector") is not None:
            text += f" for selector {_format_label_selector(tsc['labelSelector'])}"
        w.write(0, text + "\n")


def _describe_pod_template(w: _Writer, template: dict | None) -> None:
    """DescribePodTemplate."""
    w.write(0, "Pod Template:\n")
    if template is None:
        w.write(1, "<unset>")
        return
    meta, spec = template.get("metadata") or {}, template.get("spec") or {}
    _labels_multiline(w, "  Labels", meta.get("labels"))
    if meta.get("annotations"):
        _annotations_multiline(w, "  Annotations", meta["annotations"])
    if spec.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        _describe_containers(w, "Init Containers", spec["initContainers"], None, None, "  ")
    _describe_containers(w, "Containers", spec.get("containers"), None, None, "  ")
    _describe_volumes(w, spec.get("volumes"), "  ")
    _describe_topology_spread(w, spec.get("topologySpreadConstraints"), "  ")
    if spec.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    _labels_multiline(w, "  Node-Selectors", spec.get("nodeSelector"))
    _tolerations_multiline(w, "  Tolerations", spec.get("tolerations"))


# --- quantities for QoS and node allocation ---

def _quantity(value: object) -> Quantity:
    try:
        return Quantity.parse(value)
    except KbenchError:
        return Quantity(Fraction(0))


def _add(total: dict[str, Quantity], name: str, q: Quantity) -> None:
    """Quantity.Add into a sum, keeping the first operand's format (as getPodsTotalRequestsAndLimits)."""
    total[name] = Quantity(total[name].value + q.value, total[name].format) if name in total else q


def _qos_class(pod: dict) -> str:
    """qos.GetPodQOS: status.qosClass if set, else ComputePodQOS (requests default to limits)."""
    if _status(pod).get("qosClass"):
        return _status(pod)["qosClass"]
    spec = _spec(pod)
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    guaranteed = True
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        resources = c.get("resources") or {}
        c_limits = {k: _quantity(v) for k, v in (resources.get("limits") or {}).items() if k in ("cpu", "memory")}
        c_requests = {k: _quantity(v) for k, v in (resources.get("requests") or {}).items() if k in ("cpu", "memory")}
        c_requests = {**c_limits, **c_requests}  # the API server defaults requests to limits
        for name, q in c_requests.items():
            if q.value > 0:
                _add(requests, name, q)
        found = {name for name, q in c_limits.items() if q.value > 0}
        for name in found:
            _add(limits, name, c_limits[name])
        if not {"cpu", "memory"} <= found:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(name in limits and limits[name] == q for name, q in requests.items()):
        if len(requests) == len(limits):
            return "Guaranteed"
    return "Burstable"


def _pod_requests_limits(pod: dict) -> tuple[dict[str, Quantity], dict[str, Quantity]]:
    """resourcehelper.PodRequestsAndLimits: the containers' sum, at least each init container's need."""
    spec = _spec(pod)
    result: list[dict[str, Quantity]] = []
    for field in ("requests", "limits"):
        total: dict[str, Quantity] = {}
        sidecars: dict[str, Quantity] = {}
        for c in spec.get("containers") or []:
            for name, v in ((c.get("resources") or {}).get(field) or {}).items():
                _add(total, name, _quantity(v))
        for c in spec.get("initContainers") or []:
            values = {k: _quantity(v) for k, v in ((c.get("resources") or {}).get(field) or {}).items()}
            if _is_restartable_init(c):
                for name, q in values.items():
                    _add(total, name, q)
                    _add(sidecars, name, q)
                continue
            for name, q in values.items():
                need = q.value + (sidecars[name].value if name in sidecars else 0)
                if name not in total or total[name].value < need:
                    total[name] = Quantity(need, q.format)
        result.append(total)
    return result[0], result[1]


def _describe_node_resource(w: _Writer, node: dict, pods: list[dict], now: datetime) -> None:
    """describeNodeResource: the non-terminated pods on the node and the allocated resources."""
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
    allocatable = _status(node).get("allocatable") or _status(node).get("capacity") or {}
    alloc = {k: _quantity(v) for k, v in allocatable.items()}
    zero = Quantity(Fraction(0))

    def pct(q: Quantity, name: str) -> int:
        total = alloc.get(name, zero)
        scale = 1000 if name == "cpu" else 1  # MilliValue for CPU, Value for the rest
        denominator = math.ceil(total.value * scale)
        return int(math.ceil(q.value * scale) / denominator * 100) if denominator else 0

    def cell(values: dict[str, Quantity], name: str) -> str:
        q = values.get(name, zero)
        return f"{q} ({pct(q, name)}%)"

    totals: list[dict[str, Quantity]] = [{}, {}]
    for pod in pods:
        req, lim = _pod_requests_limits(pod)
        for total, values in zip(totals, (req, lim)):
            for name, q in values.items():
                _add(total, name, q)
        w.write(1, f"{_meta(pod).get('namespace', '')}\t{_name(pod)}\t\t{cell(req, 'cpu')}\t{cell(lim, 'cpu')}\t"
                   f"{cell(req, 'memory')}\t{cell(lim, 'memory')}\t{_age(pod, now)}\n")
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    reqs, lims = totals
    for name in ("cpu", "memory", "ephemeral-storage"):
        w.write(1, f"{name}\t{cell(reqs, name)}\t{cell(lims, name)}\n")
    standard = {"cpu", "memory", "ephemeral-storage", "pods"}
    for name in sorted(n for n in alloc if n.startswith("hugepages-")):
        w.write(1, f"{name}\t{cell(reqs, name)}\t{cell(lims, name)}\n")
    for name in sorted(n for n in alloc if n not in standard and not n.startswith("hugepages-")):
        w.write(1, f"{name}\t{reqs.get(name, zero)}\t{lims.get(name, zero)}\n")


# --- the describers ---

def _describe_pod(pod: dict, now: datetime, w: _Writer, extra: dict) -> None:
    """describePod."""
    meta, spec, status = _meta(pod), _spec(pod), _status(pod)
    w.write(0, f"Name:\t{_name(pod)}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    if spec.get("priority") is not None:
        w.write(0, f"Priority:\t{spec['priority']}\n")
    if spec.get("priorityClassName"):
        w.write(0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    if spec.get("runtimeClassName"):
        w.write(0, f"Runtime Class Name:\t{spec['runtimeClassName']}\n")
    if spec.get("serviceAccountName"):
        w.write(0, f"Service Account:\t{spec['serviceAccountName']}\n")
    node = spec.get("nodeName")
    w.write(0, f"Node:\t{node}/{status.get('hostIP', '')}\n" if node else "Node:\t<none>\n")
    if status.get("startTime"):
        w.write(0, f"Start Time:\t{_rfc1123z(status['startTime'])}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    if meta.get("deletionTimestamp") and status.get("phase") not in ("Failed", "Succeeded"):
        w.write(0, f"Status:\tTerminating (lasts {_since(meta['deletionTimestamp'], now)})\n")
        w.write(0, f"Termination Grace Period:\t{_int(meta.get('deletionGracePeriodSeconds'), 30)}s\n")
    else:
        w.write(0, f"Status:\t{status.get('phase', '')}\n")
    if status.get("reason"):
        w.write(0, f"Reason:\t{status['reason']}\n")
    if status.get("message"):
        w.write(0, f"Message:\t{status['message']}\n")
    seccomp = (spec.get("securityContext") or {}).get("seccompProfile")
    if seccomp:
        w.write(0, f"SeccompProfile:\t{seccomp.get('type', '')}\n")
        if seccomp.get("type") == "Localhost":
            w.write(0, f"LocalhostProfile:\t{seccomp.get('localhostProfile', '')}\n")
    w.write(0, f"IP:\t{status.get('podIP', '')}\n")
    ips = status.get("podIPs") or []
    if not ips:
        w.write(0, "IPs:\t<none>\n")
    else:
        w.write(0, "IPs:\n")
        for ip in ips:
            w.write(1, f"IP:\t{ip.get('ip', '')}\n")
    controller = _controller_of(pod)
    if controller:
        w.write(0, f"Controlled By:\t{controller.get('kind', '')}/{controller.get('name', '')}\n")
    if status.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{status['nominatedNodeName']}\n")
    if spec.get("resources") is not None:
        w.write(0, "Resources:\n")
        _describe_resources(w, spec["resources"], 1)
    if spec.get("initContainers"):
        _describe_containers(w, "Init Containers", spec["initContainers"], status.get("initContainerStatuses"),
                             pod, "")
    _describe_containers(w, "Containers", spec.get("containers"), status.get("containerStatuses"), pod, "")
    if spec.get("readinessGates"):
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        conditions = {c.get("type"): c.get("status") for c in reversed(status.get("conditions") or [])}
        for gate in spec["readinessGates"]:
            w.write(1, f"{gate.get('conditionType', '')} \t{conditions.get(gate.get('conditionType'), '<none>')} \n")
    if status.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \n")
    _describe_volumes(w, spec.get("volumes"), "")
    w.write(0, f"QoS Class:\t{_qos_class(pod)}\n")
    _labels_multiline(w, "Node-Selectors", spec.get("nodeSelector"))
    _tolerations_multiline(w, "Tolerations", spec.get("tolerations"))
    _describe_topology_spread(w, spec.get("topologySpreadConstraints"), "")


def _conditions_table(w: _Writer, conditions: list | None) -> None:
    """The Type/Status/Reason conditions table of the workload describers."""
    if not conditions:
        return
    w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
    w.write(1, "----\t------\t------\n")
    for c in conditions:
        w.write(1, f"{c.get('type', '')} \t{c.get('status', '')}\t{c.get('reason', '')}\n")


def _owned_by(obj: dict, owner: dict) -> bool:
    ref = _controller_of(obj)
    if ref is None:
        return False
    uid = _meta(owner).get("uid")
    if uid and ref.get("uid"):
        return ref["uid"] == uid
    return ref.get("kind") == owner.get("kind") and ref.get("name") == _name(owner)


_REVISION_ANNOTATION = "deployment.kubernetes.io/revision"


def _split_replica_sets(d: dict, replica_sets: list[dict]) -> tuple[list[dict], list[dict]]:
    """deploymentutil.GetAllReplicaSets: (all old, [new]) among the deployment's ReplicaSets.

    The new one is the owned ReplicaSet whose revision annotation matches the deployment's (else
    the one with the highest revision).
    """
    owned = [rs for rs in replica_sets if _owned_by(rs, d) and _meta(rs).get("namespace") == _meta(d).get("namespace")]
    if not owned:
        return [], []

    def revision(obj: dict) -> int:
        value = (_meta(obj).get("annotations") or {}).get(_REVISION_ANNOTATION, "0")
        return int(value) if str(value).isdigit() else 0
    want = revision(d)
    new = next((rs for rs in owned if revision(rs) == want), None) if want else None
    if new is None:
        new = max(owned, key=revision)
    return [rs for rs in owned if rs is not new], [new]


def _replica_sets_by_labels(replica_sets: list[dict]) -> str:
    """printReplicaSetsByLabels: "name (2/3 replicas created)", comma-joined, "<none>" if none."""
    items = [f"{_name(rs)} ({_int(_status(rs).get('replicas'))}/{_int(_spec(rs).get('replicas'), 1)} replicas "
             f"created)" for rs in replica_sets]
    return ", ".join(items) or "<none>"


def _describe_deployment(d: dict, now: datetime, w: _Writer, extra: dict) -> None:
    """describeDeployment."""
    meta, spec, status = _meta(d), _spec(d), _status(d)
    w.write(0, f"Name:\t{_name(d)}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.write(0, f"CreationTimestamp:\t{_rfc1123z(meta.get('creationTimestamp'))}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Selector:\t{_selector_string(spec.get('selector'))}\n")
    w.write(0, f"Replicas:\t{_int(spec.get('replicas'), 1)} desired | {_int(status.get('updatedReplicas'))} updated | "
               f"{_int(status.get('replicas'))} total | {_int(status.get('availableReplicas'))} available | "
               f"{_int(status.get('unavailableReplicas'))} unavailable\n")
    strategy = spec.get("strategy") or {}
    strategy_type = strategy.get("type", "RollingUpdate")
    w.write(0, f"StrategyType:\t{strategy_type}\n")
    w.write(0, f"MinReadySeconds:\t{_int(spec.get('minReadySeconds'))}\n")
    if strategy.get("rollingUpdate") is not None or strategy_type == "RollingUpdate":  # the API defaults it
        ru = strategy.get("rollingUpdate") or {}
        w.write(0, f"RollingUpdateStrategy:\t{ru.get('maxUnavailable', '25%')} max unavailable, "
                   f"{ru.get('maxSurge', '25%')} max surge\n")
    _describe_pod_template(w, spec.get("template"))
    _conditions_table(w, status.get("conditions"))
    old, new = _split_replica_sets(d, extra.get("replica_sets") or [])
    if old or new:
        w.write(0, f"OldReplicaSets:\t{_replica_sets_by_labels(old)}\n")
        w.write(0, f"NewReplicaSet:\t{_replica_sets_by_labels(new)}\n")


def _pod_phase_counts(owner: dict, pods: list[dict]) -> str:
    """getPodStatusForController: "R Running / W Waiting / S Succeeded / F Failed" for the owner's pods."""
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for pod in pods:
        phase = _status(pod).get("phase")
        if _owned_by(pod, owner) and phase in counts:
            counts[phase] += 1
    return (f"{counts['Running']} Running / {counts['Pending']} Waiting / {counts['Succeeded']} Succeeded / "
            f"{counts['Failed']} Failed")


def _describe_replicaset(rs: dict, now: datetime, w: _Writer, extra: dict) -> None:
    """describeReplicaSet."""
    meta, spec, status = _meta(rs), _spec(rs), _status(rs)
    w.write(0, f"Name:\t{_name(rs)}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.write(0, f"Selector:\t{_format_label_selector(spec.get('selector'))}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    controller = _controller_of(rs)
    if controller:
        w.write(0, f"Controlled By:\t{controller.get('kind', '')}/{controller.get('name', '')}\n")
    w.write(0, f"Replicas:\t{_int(status.get('replicas'))} current / {_int(spec.get('replicas'), 1)} desired\n")
    w.write(0, f"Pods Status:\t{_pod_phase_counts(rs, extra.get('pods') or [])}\n")
    _describe_pod_template(w, spec.get("template"))
    _conditions_table(w, status.get("conditions"))


def _describe_node(node: dict, now: datetime, w: _Writer, extra: dict) -> None:
    """describeNode (without the Lease section, which needs the node's Lease object)."""
    meta, spec, status = _meta(node), _spec(node), _status(node)
    w.write(0, f"Name:\t{_name(node)}\n")
    w.write(0, f"Roles:\t{','.join(_node_roles(node)) or '<none>'}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{_rfc1123z(meta.get('creationTimestamp'))}\n")
    _taints_multiline(w, "Taints", spec.get("taints"))
    w.write(0, f"Unschedulable:\t{_go(bool(spec.get('unschedulable')))}\n")
    if status.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \t{_rfc1123z(c.get('lastHeartbeatTime'))} \t"
                       f"{_rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t{c.get('message', '')}\n")
    w.write(0, "Addresses:\n")
    for address in status.get("addresses") or []:
        w.write(1, f"{address.get('type', '')}:\t{address.get('address', '')}\n")
    for field, title in (("capacity", "Capacity"), ("allocatable", "Allocatable")):
        if status.get(field):
            w.write(0, f"{title}:\n")
            for name in sorted(status[field]):
                w.write(0, f"  {name}:\t{status[field][name]}\n")
    info = status.get("nodeInfo") or {}
    w.write(0, "System Info:\n")
    for key, title in (("machineID", "Machine ID"), ("systemUUID", "System UUID"), ("bootID", "Boot ID"),
                       ("kernelVersion", "Kernel Version"), ("osImage", "OS Image"),
                       ("operatingSystem", "Operating System"), ("architecture", "Architecture"),
                       ("containerRuntimeVersion", "Container Runtime Version"),
                       ("kubeletVersion", "Kubelet Version"), ("kubeProxyVersion", "Kube-Proxy Version")):
        w.write(0, f"  {title}:\t{info.get(key, '')}\n")
    if spec.get("podCIDR"):
        w.write(0, f"PodCIDR:\t{spec['podCIDR']}\n")
    if spec.get("podCIDRs"):
        w.write(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}\n")
    if spec.get("providerID"):
        w.write(0, f"ProviderID:\t{spec['providerID']}\n")
    if extra.get("pods") is not None:
        pods = [p for p in extra["pods"] if _spec(p).get("nodeName") == _name(node)
                and _status(p).get("phase") not in ("Succeeded", "Failed")]
        _describe_node_resource(w, node, pods, now)


def _endpoint_slices_for(slices: list[dict], port_name: str) -> str:
    """formatEndpointSlices for one service port: ready ip:port, at most three then "+ N more..."."""
    if not slices:
        return "<none>"
    items: list[str] = []
    count = 0
    for eps in slices:
        endpoints = [e for e in eps.get("endpoints") or []
                     if (e.get("conditions") or {}).get("ready") is not False and e.get("addresses")]
        if not eps.get("ports"):
            items += [e["addresses"][0] for e in endpoints]
            count += len(endpoints)
            continue
        for port in eps["ports"]:
            if port.get("name", "") != port_name:
                continue
            for e in endpoints:
                addr = e["addresses"][0]
                items.append(f"[{addr}]:{port.get('port')}" if ":" in addr else f"{addr}:{port.get('port')}")
                count += 1
    return _more(items, count, 3)


def _describe_service(svc: dict, now: datetime, w: _Writer, extra: dict) -> None:
    """describeService."""
    meta, spec, status = _meta(svc), _spec(svc), _status(svc)
    w.write(0, f"Name:\t{_name(svc)}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Selector:\t{_format_labels(spec.get('selector'))}\n")
    w.write(0, f"Type:\t{spec.get('type') or 'ClusterIP'}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    w.write(0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}\n")
    w.write(0, f"IP:\t{spec.get('clusterIP', '')}\n")
    w.write(0, f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}\n")
    if spec.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
    if spec.get("loadBalancerIP"):
        w.write(0, f"Desired LoadBalancer IP:\t{spec['loadBalancerIP']}\n")
    if spec.get("externalName"):
        w.write(0, f"External Name:\t{spec['externalName']}\n")
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        parts = [i["ip"] + (f" ({i['ipMode']})" if i.get("ipMode") else "") if i.get("ip") else i.get("hostname", "")
                 for i in ingress]
        w.write(0, f"LoadBalancer Ingress:\t{', '.join(parts)}\n")
    slices = extra.get("endpoint_slices") or []
    for p in spec.get("ports") or []:
        name = p.get("name") or "<unset>"
        proto = p.get("protocol") or "TCP"
        w.write(0, f"Port:\t{name}\t{p.get('port')}/{proto}\n")
        w.write(0, f"TargetPort:\t{p.get('targetPort', p.get('port'))}/{proto}\n")
        if _int(p.get("nodePort")):
            w.write(0, f"NodePort:\t{name}\t{p['nodePort']}/{proto}\n")
        w.write(0, f"Endpoints:\t{_endpoint_slices_for(slices, p.get('name', ''))}\n")
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity', 'None')}\n")
    if spec.get("externalTrafficPolicy"):
        w.write(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
    if spec.get("internalTrafficPolicy"):
        w.write(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")
    if _int(spec.get("healthCheckNodePort")):
        w.write(0, f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}\n")
    if spec.get("loadBalancerSourceRanges"):
        w.write(0, f"LoadBalancer Source Ranges:\t{','.join(spec['loadBalancerSourceRanges'])}\n")


def _hpa_metric_line(w: _Writer, metric: dict, status: dict | None) -> None:
    """One line of describeHorizontalPodAutoscalerV2's Metrics block; status is the matching current source."""
    kind = metric.get("type")
    source = metric.get(_METRIC_FIELD.get(kind, ""), None) or {}
    target = source.get("target") or {}
    current = (status or {}).get("current") or {}
    have = status is not None
    metric_name = (source.get("metric") or {}).get("name", "")
    if kind == "External":
        if target.get("averageValue") is not None:
            cur = current.get("averageValue", "<unknown>") if have else "<unknown>"
            w.write(1, f'"{metric_name}" (target average value):\t{cur} / {target["averageValue"]}\n')
        else:
            cur = current.get("value", "<unknown>") if have else "<unknown>"
            w.write(1, f'"{metric_name}" (target value):\t{cur} / {target.get("value")}\n')
    elif kind == "Pods":
        cur = current.get("averageValue", "<unknown>") if have else "<unknown>"
        w.write(1, f'"{metric_name}" on pods:\t{cur} / {target.get("averageValue")}\n')
    elif kind == "Object":
        described = source.get("describedObject") or {}
        w.write(1, f'"{metric_name}" on {described.get("kind", "")}/{described.get("name", "")} ')
        if target.get("type") == "AverageValue":
            cur = current.get("averageValue", "<unknown>") if have else "<unknown>"
            w.write(0, f"(target average value):\t{cur} / {target.get('averageValue')}\n")
        else:
            cur = current.get("value", "<unknown>") if have else "<unknown>"
            w.write(0, f"(target value):\t{cur} / {target.get('value')}\n")
    elif kind in ("Resource", "ContainerResource"):
        if kind == "Resource":
            w.write(1, f"resource {source.get('name', '')} on pods")
        else:
            w.write(1, f'resource {source.get("name", "")} of container "{source.get("container", "")}" on pods')
        if target.get("averageValue") is not None:
            cur = current.get("averageValue", "<unknown>") if have else "<unknown>"
            w.write(0, f":\t{cur} / {target['averageValue']}\n")
        else:
            cur = "<unknown>"
            if have and current.get("averageUtilization") is not None:
                cur = f"{current['averageUtilization']}% ({current.get('averageValue', '0')})"
            want = "<auto>" if target.get("averageUtilization") is None else f"{target['averageUtilization']}%"
            w.write(1, f"(as a percentage of request):\t{cur} / {want}\n")
    else:
        w.write(1, f'<unknown metric type "{kind}">\n')


def _hpa_behavior(w: _Writer, direction: str, rules: dict | None) -> None:
    """printDirectionBehavior."""
    if rules is None:
        return
    w.write(1, f"{direction}:\n")
    if rules.get("stabilizationWindowSeconds") is not None:
        w.write(2, f"Stabilization Window: {rules['stabilizationWindowSeconds']} seconds\n")
    if rules.get("policies"):
        w.write(2, f"Select Policy: {rules.get('selectPolicy') or 'Max'}\n")
        w.write(2, "Policies:\n")
        for p in rules["policies"]:
            w.write(3, f"- Type: {p.get('type', '')}\tValue: {p.get('value', 0)}\tPeriod: "
                       f"{p.get('periodSeconds', 0)} seconds\n")


def _describe_hpa(hpa: dict, now: datetime, w: _Writer, extra: dict) -> None:
    """describeHorizontalPodAutoscalerV2 (an autoscaling/v1 object is converted first)."""
    meta, spec, status = _meta(hpa), _spec(hpa), _status(hpa)
    ref = spec.get("scaleTargetRef") or {}
    w.write(0, f"Name:\t{_name(hpa)}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{_rfc1123z(meta.get('creationTimestamp'))}\n")
    w.write(0, f"Reference:\t{ref.get('kind', '')}/{ref.get('name', '')}\n")
    w.write(0, "Metrics:\t( current / target )\n")
    metrics, statuses = _hpa_v2_metrics(hpa)
    for i, metric in enumerate(metrics):
        field = _METRIC_FIELD.get(metric.get("type"), "")
        current = statuses[i].get(field) if i < len(statuses) else None
        _hpa_metric_line(w, metric, current)
    w.write(0, f"Min replicas:\t{'<unset>' if spec.get('minReplicas') is None else spec['minReplicas']}\n")
    w.write(0, f"Max replicas:\t{_int(spec.get('maxReplicas'))}\n")
    behavior = spec.get("behavior")
    if behavior is not None:
        w.write(0, "Behavior:\n")
        _hpa_behavior(w, "Scale Up", behavior.get("scaleUp"))
        _hpa_behavior(w, "Scale Down", behavior.get("scaleDown"))
    w.write(0, f"{ref.get('kind', '')} pods:\t")
    w.write(0, f"{_int(status.get('currentReplicas'))} current / {_int(status.get('desiredReplicas'))} desired\n")
    if status.get("conditions"):
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tReason\tMessage\n")
        w.write(1, "----\t------\t------\t-------\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type', '')}\t{c.get('status', '')}\t{c.get('reason', '')}\t{c.get('message', '')}\n")


def _camel_split(field: str) -> list[str]:
    """github.com/fatih/camelcase.Split: runs of lower, upper, digit, other; "HTTPServer" -> HTTP, Server."""
    def kind(ch: str) -> int:
        return 1 if ch.islower() else 2 if ch.isupper() else 3 if ch.isdigit() else 4
    runs: list[list[str]] = []
    last = 0
    for ch in field:
        k = kind(ch)
        if runs and k == last:
            runs[-1].append(ch)
        else:
            runs.append([ch])
        last = k
    for i in range(len(runs) - 1):
        if runs[i][0].isupper() and runs[i + 1][0].islower():
            runs[i + 1].insert(0, runs[i].pop())
    return ["".join(r) for r in runs if r]


def _smart_label(field: str) -> str:
    """smartLabelFor: "creationTimestamp" -> "Creation Timestamp", "apiVersion" -> "API Version"."""
    if any(not ch.isalpha() and ch != "-" for ch in field):
        return field
    parts = []
    for part in _camel_split(field):
        if part == "_":
            continue
        parts.append(part.upper() if part.upper() in ("API", "URL", "UID", "OSB", "GUID") else part.title())
    return " ".join(parts)


_GENERIC_SKIP = (".metadata.managedFields", ".metadata.name", ".metadata.namespace", ".metadata.labels",
                 ".metadata.annotations")


def _unstructured(w: _Writer, level: int, content: dict, prefix: str) -> None:
    """printUnstructuredContent: fields sorted, nested maps and lists indented one level."""
    for field in sorted(content):
        value = content[field]
        path = f"{prefix}.{field}"
        if path in _GENERIC_SKIP:
            continue
        if isinstance(value, dict):
            w.write(level, f"{_smart_label(field)}:\n")
            _unstructured(w, level + 1, value, path)
        elif isinstance(value, list):
            w.write(level, f"{_smart_label(field)}:\n")
            for child in value:
                if isinstance(child, dict):
                    _unstructured(w, level + 1, child, path)
                else:
                    w.write(level + 1, f"{_go(child)}\n")
        else:
            w.write(level, f"{_smart_label(field)}:\t{_go(value)}\n")


def _describe_generic(obj: dict, now: datetime, w: _Writer, extra: dict) -> None:
    """genericDescriber: Name, Namespace, Labels, Annotations, then every other field indented."""
    meta = _meta(obj)
    w.write(0, f"Name:\t{_name(obj)}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    _labels_multiline(w, "Labels", meta.get("labels"))
    _annotations_multiline(w, "Annotations", meta.get("annotations"))
    _unstructured(w, 0, obj, "")


Describer = Callable[[dict, datetime, _Writer, dict], None]

DESCRIBERS: dict[str, Describer] = {
    "Pod": _describe_pod,
    "Deployment": _describe_deployment,
    "ReplicaSet": _describe_replicaset,
    "Node": _describe_node,
    "Service": _describe_service,
    "HorizontalPodAutoscaler": _describe_hpa,
}


def describe(obj: dict, now: datetime, events: list[dict] | None = None, *, pods: list[dict] | None = None,
             replica_sets: list[dict] | None = None, endpoint_slices: list[dict] | None = None) -> str:
    """`kubectl describe` text for obj, ending with its Events (those whose involvedObject is obj).

    Optional related objects fill in what kubectl would fetch: ``pods`` (a ReplicaSet's Pods
    Status; a Node's non-terminated pods and allocated resources, only shown when given),
    ``replica_sets`` (a Deployment's OldReplicaSets/NewReplicaSet) and ``endpoint_slices`` (a
    Service's Endpoints). Kinds without a describer get kubectl's generic describer.
    """
    w = _Writer()
    extra = {"pods": pods, "replica_sets": replica_sets, "endpoint_slices": endpoint_slices}
    DESCRIBERS.get(obj.get("kind", ""), _describe_generic)(obj, now, w, extra)
    _describe_events(w, events, obj, now)
    return w.text()
