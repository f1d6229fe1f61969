"""ImageLocality reference plugin: favours nodes that already have the pod's images, scaled by how widely each image is spread.

Ported from pkg/scheduler/framework/plugins/imagelocality/image_locality.go. The node's image
states (sizes and on how many nodes each name is) come from framework.build_snapshot.
"""

from __future__ import annotations

from reference.framework import MAX_NODE_SCORE, CycleState, ImageStateSummary, NodeInfo, Plugin

# image_locality.go: bounds of the image score range.
MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB


def normalized_image_name(name: str) -> str:
    """image_locality.go normalizedImageName: add ":latest" when the name has no tag (its last
    ':' is not after its last '/'). Go does only this: no registry or library/ prefix."""
    if name.rfind(":") <= name.rfind("/"):
        name = name + ":latest"
    return name


def scaled_image_score(state: ImageStateSummary, total_num_nodes: int) -> int:
    """scaledImageScore: int64(float64(size) * float64(numNodes) / float64(totalNumNodes))."""
    spread = float(state.num_nodes) / float(total_num_nodes)
    return int(float(state.size) * spread)


def sum_image_scores(node: NodeInfo, pod: dict, total_num_nodes: int) -> int:
    """sumImageScores: init containers, then containers, each image found on the node."""
    spec = pod.get("spec") or {}
    total = 0
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        state = node.image_states.get(normalized_image_name(container.get("image") or ""))
        if state is not None:
            total += scaled_image_score(state, total_num_nodes)
    return total


def calculate_priority(sum_scores: int, num_containers: int) -> int:
    """calculatePriority: the sum clamped to [minThreshold, maxContainerThreshold * containers],
    scaled to 0..MaxNodeScore."""
    max_threshold = MAX_CONTAINER_THRESHOLD * num_containers
    if sum_scores < MIN_THRESHOLD:
        sum_scores = MIN_THRESHOLD
    elif sum_scores > max_threshold:
        sum_scores = max_threshold
    return MAX_NODE_SCORE * (sum_scores - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)


class ImageLocality(Plugin):
    name = "ImageLocality"

    def score(self, state: CycleState, pod: dict, node: NodeInfo) -> int:
        # totalNumNodes: every node of the snapshot, not just the feasible ones.
        total_num_nodes = len(self.snapshot.nodes) if self.snapshot is not None else 1
        spec = pod.get("spec") or {}
        num_containers = len(spec.get("initContainers") or []) + len(spec.get("containers") or [])
        return calculate_priority(sum_image_scores(node, pod, total_num_nodes), num_containers)
