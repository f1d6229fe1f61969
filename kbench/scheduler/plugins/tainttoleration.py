"""TaintToleration: Filter on untolerated NoSchedule / NoExecute taints; Score counting
untolerated PreferNoSchedule taints (fewer is better). pkg/scheduler/framework/plugins/
tainttoleration/taint_toleration.go."""

from __future__ import annotations

import numpy as np

from kbench.scheduler.plugins.tolerations import first_untolerated, tolerated

NAME = "TaintToleration"
NORMALIZE = "reverse"  # DefaultNormalizeScore(MaxNodeScore, true, scores)


def _per_distinct_taints(batch, compute) -> np.ndarray:
    """Apply ``compute(taints)`` once per distinct taint list and spread it over the nodes."""
    per_group = np.asarray([compute(taints) for taints in batch.taint_groups])
    return per_group[batch.taint_group] if len(per_group) else np.zeros(0, dtype=np.int64)


def static_filter(batch, template) -> np.ndarray:
    tolerations = template.spec.get("tolerations") or []

    def reason(taints: list[dict]) -> int:
        taint = first_untolerated(taints, tolerations, ("NoSchedule", "NoExecute"))
        if taint is None:
            return 0
        return batch.reasons.id(f"node(s) had untolerated taint "
                                f"{{{taint.get('key')}: {taint.get('value') or ''}}}")
    return _per_distinct_taints(batch, reason).astype(np.int32)


def static_score(batch, template) -> np.ndarray | None:
    """Raw score: how many PreferNoSchedule taints the pod does not tolerate, counting only
    tolerations with effect PreferNoSchedule or none (getAllTolerationPreferNoSchedule)."""
    tolerations = [t for t in template.spec.get("tolerations") or []
                   if (t.get("effect") or "") in ("", "PreferNoSchedule")]

    def count(taints: list[dict]) -> int:
        return sum(1 for taint in taints if taint.get("effect") == "PreferNoSchedule"
                   and not tolerated(tolerations, taint))
    return _per_distinct_taints(batch, count).astype(np.int64)
