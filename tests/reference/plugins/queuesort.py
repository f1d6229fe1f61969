"""PrioritySort reference plugin: the scheduling queue's order, higher priority first, then the earlier queue timestamp.

Ported from pkg/scheduler/framework/plugins/queuesort/priority_sort.go and
k8s.io/component-helpers/scheduling/corev1 PodPriority.
"""

from __future__ import annotations

from dataclasses import dataclass

from reference.framework import Plugin


def pod_priority(pod: dict) -> int:
    """corev1helpers.PodPriority: spec.priority, or 0 when it is not set."""
    priority = (pod.get("spec") or {}).get("priority")
    return 0 if priority is None else int(priority)


@dataclass
class QueuedPodInfo:
    """The part of framework.QueuedPodInfo PrioritySort reads: the pod and when it was queued
    (any comparable value: a time, or the order pods were added)."""

    pod: dict
    timestamp: object


class PrioritySort(Plugin):
    name = "PrioritySort"

    def less(self, info1: QueuedPodInfo, info2: QueuedPodInfo) -> bool:
        """priority_sort.go Less: pods are sorted by priority, then by queue timestamp."""
        p1 = pod_priority(info1.pod)
        p2 = pod_priority(info2.pod)
        return p1 > p2 or (p1 == p2 and info1.timestamp < info2.timestamp)
