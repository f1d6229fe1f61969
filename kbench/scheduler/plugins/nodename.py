"""NodeName: a pod naming a node in spec.nodeName fits only that node."""

from __future__ import annotations

import numpy as np

NAME = "NodeName"
REASON = "node(s) didn't match the requested node name"  # nodename/node_name.go


def static_filter(batch, template) -> np.ndarray:
    wanted = template.spec.get("nodeName")
    if not wanted:
        return np.zeros(batch.node_count, dtype=np.int32)
    names = np.asarray(batch.node_names, dtype=object)
    return np.where(names != wanted, batch.reasons.id(REASON), 0).astype(np.int32)
