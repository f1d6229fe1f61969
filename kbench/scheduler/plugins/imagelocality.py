"""ImageLocality: prefer nodes that already hold the pod's images, weighted by image size and by
how widely the image is spread. pkg/scheduler/framework/plugins/imagelocality/image_locality.go."""

from __future__ import annotations

import weakref

import numpy as np

NAME = "ImageLocality"
NORMALIZE = "none"  # the score is already in [0, 100]

MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB             # below this, a node with the images scores 0
MAX_CONTAINER_THRESHOLD = 1000 * MB  # per container; above this, 100


def normalized_image_name(name: str) -> str:
    """normalizedImageName: an image without a tag means ``:latest``."""
    if name.rfind(":") <= name.rfind("/"):
        name = name + ":latest"
    return name


def node_image_sizes(images: list[dict]) -> dict[str, int]:
    """ImageStates of one node: every name of every image, with the image's size."""
    sizes = {}
    for image in images:
        for name in image.get("names") or []:
            sizes[normalized_image_name(name)] = int(image.get("sizeBytes") or 0)
    return sizes


#: per cluster (its string table): the node images read last (batches share the list while
#: the nodes stay the same), with their sizes per node and how many nodes hold each image
_LAST_SIZES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _image_sizes(batch) -> tuple[list[dict[str, int]], dict[str, int]]:
    last = _LAST_SIZES.get(batch.state.strings)
    if last is not None and last[0] is batch.node_images:
        return last[1], last[2]
    per_node = [node_image_sizes(images) for images in batch.node_images]
    spread: dict[str, int] = {}
    for sizes in per_node:
        for name in sizes:
            spread[name] = spread.get(name, 0) + 1
    _LAST_SIZES[batch.state.strings] = (batch.node_images, per_node, spread)
    return per_node, spread


def _no_scores(batch) -> np.ndarray:
    """Zero for every node (read only: shared by the batch's templates)."""
    zeros = getattr(batch, "_no_image_scores", None)
    if zeros is None:
        zeros = batch._no_image_scores = np.zeros(batch.node_count, dtype=np.int64)
        zeros.flags.writeable = False
    return zeros


def static_score(batch, template) -> np.ndarray:
    """calculatePriority(sumImageScores(...), number of containers) for every node."""
    per_node = getattr(batch, "_image_sizes", None)
    if per_node is None:
        batch._image_sizes, batch._image_spread = _image_sizes(batch)
        per_node = batch._image_sizes
    total_nodes = batch.node_count
    containers = [*(template.spec.get("initContainers") or []),
                  *(template.spec.get("containers") or [])]
    names = [normalized_image_name(container.get("image") or "") for container in containers]
    if containers and not any(name in batch._image_spread for name in names):
        return _no_scores(batch)  # no node has an image: all below MIN
    sums = np.zeros(total_nodes, dtype=np.int64)
    for name in names:
        holders = batch._image_spread.get(name, 0)
        if holders == 0:
            continue
        for node, sizes in enumerate(per_node):
            if name in sizes:
                # scaledImageScore: int64(float64(size) * float64(numNodes)/float64(total))
                sums[node] += int(float(sizes[name]) * (float(holders) / float(total_nodes)))
    max_threshold = MAX_CONTAINER_THRESHOLD * len(containers)
    clipped = np.clip(sums, MIN_THRESHOLD, max_threshold)
    return 100 * (clipped - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)
