"""TaintToleration reference plugin: Filter on NoSchedule/NoExecute taints, Score by untolerated PreferNoSchedule taints.

Ported from pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go, with the
matching rules of k8s.io/component-helpers/scheduling/corev1/helpers.go
(TolerationsTolerateTaint, FindMatchingUntoleratedTaint) and k8s.io/api/core/v1
toleration.go (ToleratesTaint).
"""

from __future__ import annotations

from reference.framework import (
    MAX_NODE_SCORE,
    CycleState,
    NodeInfo,
    Plugin,
    Status,
    default_normalize_score,
    unschedulable,
)

PRE_SCORE_STATE_KEY = "PreScoreTaintToleration"


def toleration_tolerates_taint(toleration: dict, taint: dict) -> bool:
    """core/v1 toleration.go ToleratesTaint: an empty effect or key matches all; an empty
    operator means Equal, which compares values; Exists matches any value."""
    effect = toleration.get("effect") or ""
    if effect and effect != (taint.get("effect") or ""):
        return False
    key = toleration.get("key") or ""
    if key and key != (taint.get("key") or ""):
        return False
    operator = toleration.get("operator") or ""
    if operator in ("", "Equal"):
        return (toleration.get("value") or "") == (taint.get("value") or "")
    if operator == "Exists":
        return True
    return False


def tolerations_tolerate_taint(tolerations: list[dict], taint: dict) -> bool:
    """helpers.go TolerationsTolerateTaint: any toleration tolerates the taint."""
    return any(toleration_tolerates_taint(t, taint) for t in tolerations)


def do_not_schedule_taint(taint: dict) -> bool:
    """helper.DoNotScheduleTaintsFilterFunc: NoSchedule and NoExecute taints."""
    return taint.get("effect") in ("NoSchedule", "NoExecute")


def find_matching_untolerated_taint(taints: list[dict], tolerations: list[dict],
                                    inclusion=do_not_schedule_taint) -> dict | None:
    """helpers.go FindMatchingUntoleratedTaint: the first included taint no toleration tolerates."""
    for taint in taints:
        if inclusion(taint) and not tolerations_tolerate_taint(tolerations, taint):
            return taint
    return None


class TaintToleration(Plugin):
    name = "TaintToleration"

    def filter(self, state: CycleState, pod: dict, node: NodeInfo) -> Status:
        taints = (node.node.get("spec") or {}).get("taints") or []
        tolerations = (pod.get("spec") or {}).get("tolerations") or []
        taint = find_matching_untolerated_taint(taints, tolerations)
        if taint is None:
            return Status()
        reason = f"node(s) had untolerated taint {{{taint.get('key') or ''}: {taint.get('value') or ''}}}"
        return unschedulable(reason, resolvable=False)

    def pre_score(self, state: CycleState, pod: dict, nodes: list[NodeInfo]) -> Status:
        # getAllTolerationPreferNoSchedule: tolerations with no effect or PreferNoSchedule.
        tolerations = [t for t in (pod.get("spec") or {}).get("tolerations") or []
                       if (t.get("effect") or "") in ("", "PreferNoSchedule")]
        state[PRE_SCORE_STATE_KEY] = tolerations
        return Status()

    def score(self, state: CycleState, pod: dict, node: NodeInfo) -> int:
        # countIntolerableTaintsPreferNoSchedule
        tolerations = state[PRE_SCORE_STATE_KEY]
        count = 0
        for taint in (node.node.get("spec") or {}).get("taints") or []:
            if taint.get("effect") != "PreferNoSchedule":
                continue
            if not tolerations_tolerate_taint(tolerations, taint):
                count += 1
        return count

    def normalize_score(self, state: CycleState, pod: dict, scores: dict[str, int]) -> None:
        default_normalize_score(MAX_NODE_SCORE, True, scores)
