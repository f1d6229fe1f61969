"""Seeded generators of benchmark clusters, cached per process. Only append, never change:
results stay comparable across commits only if these generate the same clusters."""

from __future__ import annotations

import functools

import numpy as np

from kbench.state import ClusterState


@functools.lru_cache(maxsize=4)
def columnar_cluster(nodes: int, pods: int, seed: int = 0) -> ClusterState:
    """``nodes`` nodes in 3 zones and ``pods`` pods of 50 templates, every pod bound.

    Built straight into the tables (as controllers will create pods in bulk), not through
    manifests, so that the benchmark measures what it names.
    """
    rng = np.random.default_rng(seed)
    state = ClusterState(seed=seed)
    strings = state.strings
    zones = [strings.intern_document({"topology.kubernetes.io/zone": f"zone-{z}"})
             for z in range(3)]
    state.tables["nodes"].append_many(nodes, {
        "name": strings.intern_many(f"node-{i:05d}" for i in range(nodes)),
        "labels": np.array(zones, dtype=np.int32)[np.arange(nodes) % 3],
        "capacity": np.tile([32_000, 128 << 30, 500 << 30, 110], (nodes, 1)),
        "allocatable": np.tile([31_500, 120 << 30, 450 << 30, 110], (nodes, 1))})
    templates = [strings.intern_document(
        {"containers": [{"name": "app", "image": f"registry.example/app-{t}:1.0"}]})
        for t in range(50)]
    template = rng.integers(0, 50, pods)
    default = strings.intern("default")
    state.tables["pods"].append_many(pods, {
        "name": strings.intern_many(f"app-{t}-{i:06d}" for i, t in enumerate(template)),
        "uid": strings.intern_many(state.next_uid() for _ in range(pods)),
        "namespace": np.full(pods, default, dtype=np.int32),
        "body": np.asarray(templates, dtype=np.int32)[template],
        "labels": strings.intern_many(f'{{"app":"app-{t}"}}' for t in template),
        "node_name": state.tables["nodes"]["name"][rng.integers(0, nodes, pods)],
        "requests": np.column_stack([100 + 50 * (template % 8), (128 << 20) * (1 + template % 4),
                                     np.zeros(pods, np.int64), np.ones(pods, np.int64)]),
        "phase": np.ones(pods, dtype=np.int8),
        "creation_time": np.sort(rng.uniform(0, 3600, pods))})
    state.reindex()
    return state
