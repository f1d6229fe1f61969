"""Taints and tolerations, as k8s.io/api/core/v1 toleration.go and component-helpers decide."""

from __future__ import annotations


def tolerates(toleration: dict, taint: dict) -> bool:
    """Toleration.ToleratesTaint: effect and key must match when set; Exists matches any
    value; Equal (or no operator) needs the same value."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return False


def tolerated(tolerations: list[dict], taint: dict) -> bool:
    return any(tolerates(toleration, taint) for toleration in tolerations)


def first_untolerated(taints: list[dict], tolerations: list[dict], effects: tuple[str, ...]):
    """FindMatchingUntoleratedTaint: the first taint with one of ``effects`` no toleration
    tolerates, or None."""
    for taint in taints:
        if taint.get("effect") in effects and not tolerated(tolerations, taint):
            return taint
    return None
