"""Implementations under test: every plugin table test runs against each of them.

An implementation answers two questions the way Kubernetes' plugin unit tests ask them:
``filter(plugin, pod, nodes, pods, args, **objects)`` -> {node name: Status} (PreFilter, then
Filter on each node) and ``score(...)`` -> {node name: score} (PreScore over all given nodes,
Score, NormalizeScore; the plugin's score before weighting). ``pods`` are the existing pods,
bound by spec.nodeName. ``args`` is the plugin's pluginConfig args as in
KubeSchedulerConfiguration v1 (e.g. {"scoringStrategy": {"type": "MostAllocated"}}).
"""

from __future__ import annotations

import pytest

from reference.framework import CycleState, Status, build_snapshot


class ReferenceImplementation:
    name = "reference"

    def plugin(self, plugin: str, args: dict | None, snapshot):
        from reference.plugins import PLUGINS
        return PLUGINS[plugin](args, snapshot)

    def filter(self, plugin: str, pod: dict, nodes: list[dict], pods=(), args=None,
               **objects) -> dict[str, Status]:
        snapshot = build_snapshot(nodes, list(pods), **objects)
        instance = self.plugin(plugin, args, snapshot)
        state = CycleState()
        if instance.implements("pre_filter"):
            status = instance.pre_filter(state, pod, snapshot)
            if status.is_skip():
                return {info.name: Status() for info in snapshot.nodes}
            if not status.is_success():
                return {info.name: status for info in snapshot.nodes}
        return {info.name: instance.filter(state, pod, info) for info in snapshot.nodes}

    def score(self, plugin: str, pod: dict, nodes: list[dict], pods=(), args=None,
              **objects) -> dict[str, int]:
        snapshot = build_snapshot(nodes, list(pods), **objects)
        instance = self.plugin(plugin, args, snapshot)
        state = CycleState()
        if instance.implements("pre_score"):
            status = instance.pre_score(state, pod, snapshot.nodes)
            if status.is_skip():
                return {info.name: 0 for info in snapshot.nodes}
        scores = {info.name: instance.score(state, pod, info) for info in snapshot.nodes}
        if instance.implements("normalize_score"):
            instance.normalize_score(state, pod, scores)
        return scores


IMPLEMENTATIONS = [ReferenceImplementation()]


@pytest.fixture(params=IMPLEMENTATIONS, ids=lambda impl: impl.name)
def impl(request):
    """Each implementation in turn: the reference now; the compiled kernel joins it."""
    return request.param
