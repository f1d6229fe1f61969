"""The bound pods' totals of kbench.scheduler.boundpods, recounted from every pod row with the
obvious loops, and changed_rows' naive twin."""

from __future__ import annotations

import math


from kbench.scheduler.plugins.noderesources import nonzero_requests
from kbench.state.schema import POD_PHASES

ENDED = (POD_PHASES.index("Succeeded"), POD_PHASES.index("Failed"))


def changed_rows(current, last, marked, rows, count) -> int:
    """Append the unmarked rows r where current[r] != last[r] to rows[count:], marking them;
    the new count."""
    for r in range(len(current)):
        if current[r] != last[r] and not marked[r]:
            marked[r] = True
            rows[count] = r
            count += 1
    return count


def totals(state, node_rows: list[int]) -> dict:
    """Per node position: non-zero (cpu, memory) requests of its bound pods; per (namespace,
    labels) code pair: bound pods, and counted pods (not being deleted) per node position."""
    pods = state.tables["pods"]
    position = {row: i for i, row in enumerate(node_rows)}
    nonzero = [[0, 0] for _ in node_rows]
    pairs: dict[tuple[int, int], int] = {}
    counted: dict[tuple[int, int], list[int]] = {}
    for row in range(len(pods)):
        node = int(pods["node_index"][row])
        if (not pods.alive[row] or node not in position
                or int(pods["phase"][row]) in ENDED):
            continue
        n = position[node]
        body = int(pods["body"][row])
        spec = ((state.strings.document(body) if body >= 0 else None) or {}).get("spec") or {}
        cpu, memory = nonzero_requests(spec)
        nonzero[n][0] += cpu
        nonzero[n][1] += memory
        pair = (int(pods["namespace"][row]), int(pods["labels"][row]))
        pairs[pair] = pairs.get(pair, 0) + 1
        if math.isnan(pods["deletion_time"][row]):
            counted.setdefault(pair, [0] * len(node_rows))[n] += 1
    return {"nonzero": nonzero, "pairs": pairs, "counted": counted}
