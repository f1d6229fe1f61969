"""The registry of Kubernetes kinds kbench knows: names, kubectl plurals and short names, apiVersions."""

from __future__ import annotations

from dataclasses import dataclass

from kbench.errors import KbenchError


@dataclass(frozen=True)
class KindInfo:
    """What kbench knows about one kind, as the API server's discovery would tell kubectl."""

    kind: str
    plural: str
    short_names: tuple[str, ...]
    api_versions: tuple[str, ...]  # the first is the one kbench writes back
    namespaced: bool
    modelled: bool = True  # False: accepted and stored, but no effect on the simulation

    @property
    def api_version(self) -> str:
        return self.api_versions[0]

    @property
    def group(self) -> str:
        """The API group ("apps"; "" for the core group)."""
        return self.api_version.split("/")[0] if "/" in self.api_version else ""

    @property
    def resource(self) -> str:
        """kubectl's name of the resource: ``deployments.apps``, ``pods``."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def kind_name(self) -> str:
        """kubectl's ``-o name`` prefix: ``deployment.apps``, ``pod``."""
        return f"{self.kind.lower()}.{self.group}" if self.group else self.kind.lower()

    @property
    def table(self) -> str:
        """Name of the state table (and snapshot file) holding objects of this kind."""
        return self.plural if self.modelled else "others"


_KINDS = [
    KindInfo("Namespace", "namespaces", ("ns",), ("v1",), False),
    KindInfo("Node", "nodes", ("no",), ("v1",), False),
    KindInfo("Pod", "pods", ("po",), ("v1",), True),
    KindInfo("ReplicaSet", "replicasets", ("rs",), ("apps/v1",), True),
    KindInfo("Deployment", "deployments", ("deploy",), ("apps/v1",), True),
    KindInfo("StatefulSet", "statefulsets", ("sts",), ("apps/v1",), True),
    KindInfo("DaemonSet", "daemonsets", ("ds",), ("apps/v1",), True),
    KindInfo("Job", "jobs", (), ("batch/v1",), True),
    KindInfo("CronJob", "cronjobs", ("cj",), ("batch/v1",), True),
    KindInfo("HorizontalPodAutoscaler", "horizontalpodautoscalers", ("hpa",),
             ("autoscaling/v2", "autoscaling/v1"), True),
    KindInfo("Service", "services", ("svc",), ("v1",), True),
    KindInfo("Endpoints", "endpoints", ("ep",), ("v1",), True),
    KindInfo("Ingress", "ingresses", ("ing",), ("networking.k8s.io/v1",), True),
    KindInfo("PersistentVolume", "persistentvolumes", ("pv",), ("v1",), False),
    KindInfo("PersistentVolumeClaim", "persistentvolumeclaims", ("pvc",), ("v1",), True),
    KindInfo("StorageClass", "storageclasses", ("sc",), ("storage.k8s.io/v1",), False),
    KindInfo("PriorityClass", "priorityclasses", ("pc",), ("scheduling.k8s.io/v1",), False),
    KindInfo("PodDisruptionBudget", "poddisruptionbudgets", ("pdb",), ("policy/v1",), True),
    KindInfo("Event", "events", ("ev",), ("v1",), True),
    # Accepted and stored so that real bundles apply as they are; not simulated (yet).
    KindInfo("ConfigMap", "configmaps", ("cm",), ("v1",), True, modelled=False),
    KindInfo("Secret", "secrets", (), ("v1",), True, modelled=False),
    KindInfo("ServiceAccount", "serviceaccounts", ("sa",), ("v1",), True, modelled=False),
    KindInfo("Role", "roles", (), ("rbac.authorization.k8s.io/v1",), True, modelled=False),
    KindInfo("RoleBinding", "rolebindings", (), ("rbac.authorization.k8s.io/v1",), True,
             modelled=False),
    KindInfo("ClusterRole", "clusterroles", (), ("rbac.authorization.k8s.io/v1",), False,
             modelled=False),
    KindInfo("ClusterRoleBinding", "clusterrolebindings", (), ("rbac.authorization.k8s.io/v1",),
             False, modelled=False),
    KindInfo("NetworkPolicy", "networkpolicies", ("netpol",), ("networking.k8s.io/v1",), True,
             modelled=False),
    KindInfo("LimitRange", "limitranges", ("limits",), ("v1",), True, modelled=False),
    KindInfo("ResourceQuota", "resourcequotas", ("quota",), ("v1",), True, modelled=False),
    KindInfo("IngressClass", "ingressclasses", (), ("networking.k8s.io/v1",), False,
             modelled=False),
]

KINDS: dict[str, KindInfo] = {info.kind: info for info in _KINDS}
MODELLED_KINDS: tuple[KindInfo, ...] = tuple(info for info in _KINDS if info.modelled)

_BY_NAME: dict[str, KindInfo] = {}
for _info in _KINDS:
    for _name in (_info.kind, _info.plural, _info.kind.lower(), *_info.short_names):
        _BY_NAME[_name.lower()] = _info


class UnknownKindError(KbenchError, ValueError):
    """A resource type name that kbench does not know."""


def resolve_kind(name: str) -> KindInfo:
    """The kind a kubectl-style name means: ``po``, ``pods``, ``pod``, ``Pod``, ``deploy.apps``..."""
    key = name.strip().lower()
    info = _BY_NAME.get(key) or _BY_NAME.get(key.split(".", 1)[0])
    if info is None:
        raise UnknownKindError(
            f'the server doesn\'t have a resource type "{name}"')
    return info


def kind_for_manifest(api_version: object, kind: object) -> KindInfo | None:
    """The registered kind of a manifest's (apiVersion, kind), or None if kbench does not know it."""
    if not isinstance(kind, str):
        return None
    return KINDS.get(kind)
