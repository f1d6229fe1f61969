"""The reference plugins by their Kubernetes names (pkg/scheduler/framework/plugins/names)."""

from __future__ import annotations

from reference.plugins.imagelocality import ImageLocality
from reference.plugins.nodeaffinity import NodeAffinity
from reference.plugins.nodename import NodeName
from reference.plugins.nodeports import NodePorts
from reference.plugins.noderesources import NodeResourcesBalancedAllocation, NodeResourcesFit
from reference.plugins.nodeunschedulable import NodeUnschedulable
from reference.plugins.queuesort import PrioritySort
from reference.plugins.tainttoleration import TaintToleration
from reference.plugins.volumebinding import VolumeBinding
from reference.plugins.volumezone import VolumeZone

PLUGINS: dict[str, type] = {
    "PrioritySort": PrioritySort,
    "NodeUnschedulable": NodeUnschedulable,
    "NodeName": NodeName,
    "TaintToleration": TaintToleration,
    "NodeAffinity": NodeAffinity,
    "NodePorts": NodePorts,
    "NodeResourcesFit": NodeResourcesFit,
    "VolumeBinding": VolumeBinding,
    "VolumeZone": VolumeZone,
    "NodeResourcesBalancedAllocation": NodeResourcesBalancedAllocation,
    "ImageLocality": ImageLocality,
}

# Written alongside these, by another hand; absent until they exist.
try:
    from reference.plugins.podtopologyspread import PodTopologySpread
    PLUGINS["PodTopologySpread"] = PodTopologySpread
except ImportError:
    pass
try:
    from reference.plugins.interpodaffinity import InterPodAffinity
    PLUGINS["InterPodAffinity"] = InterPodAffinity
except ImportError:
    pass
