"""ImageLocality: prefer nodes that already hold the pod's images, weighted by image size and by
how widely the image is spread. pkg/scheduler/framework/plugins/imagelocality/image_locality.go."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from types import MappingProxyType

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


#: the image sizes of a node without images (read only: shared)
NO_SIZES: Mapping[str, int] = MappingProxyType({})

#: per cluster (its string table): the node images read last (batches share the list while
#: the nodes stay the same), with their sizes per node and how many nodes hold each image
_LAST_SIZES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _image_sizes(batch) -> tuple[list[Mapping[str, int]], dict[str, int]]:
    last = _LAST_SIZES.get(batch.state.strings)
    if last is not None and last[0] is batch.node_images:
        return last[1], last[2]
    per_node = [node_image_sizes(images) if images else NO_SIZES for images in batch.node_images]
    spread: dict[str, int] = {}
    for sizes in per_node:
        for name in sizes:
            spread[name] = spread.get(name, 0) + 1
    _LAST_SIZES[batch.state.strings] = (batch.node_images, per_node, spread)
    return per_node, spread


def _image_names(spec: dict) -> list[str]:
    """The normalized image of each container, init containers first."""
    containers = [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
    return [normalized_image_name(container.get("image") or "") for container in containers]


def static_inputs(batch, spec: dict) -> tuple:
    """What static_score reads of a pod's spec on the batch's nodes: how many containers
    it has, and its images that some node holds (in order; the others add nothing)."""
    spread = _image_spread(batch)
    names = _image_names(spec)
    return len(names), tuple(name for name in names if name in spread)


def _image_spread(batch) -> dict[str, int]:
    """How many of the batch's nodes hold each image (worked out once per batch)."""
    spread = getattr(batch, "_image_spread", None)
    if spread is None:
        batch._image_sizes, batch._image_spread = _image_sizes(batch)
        spread = batch._image_spread
    return spread


def _no_scores(batch) -> np.ndarray:
    """Zero for every node (read only: shared by the batch's templates)."""
    zeros = getattr(batch, "_no_image_scores", None)
    if zeros is None:
        zeros = batch._no_image_scores = np.zeros(batch.node_count, dtype=np.int64)
        zeros.flags.writeable = False
    return zeros


def static_score(batch, template) -> np.ndarray:
    """calculatePriority(sumImageScores(...), number of containers) for every node."""
    spread = _image_spread(batch)
    per_node = batch._image_sizes
    total_nodes = batch.node_count
    names = _image_names(template.spec)  # one per container
    if names and not any(name in spread for name in names):
        return _no_scores(batch)  # no node has an image: all below MIN
    sums = np.zeros(total_nodes, dtype=np.int64)
    for name in names:
        holders = spread.get(name, 0)
        if holders == 0:
            continue
        for node, sizes in enumerate(per_node):
            if name in sizes:
                # scaledImageScore: int64(float64(size) * float64(numNodes)/float64(total))
                sums[node] += int(float(sizes[name]) * (float(holders) / float(total_nodes)))
    max_threshold = MAX_CONTAINER_THRESHOLD * len(names)
    clipped = np.clip(sums, MIN_THRESHOLD, max_threshold)
    return 100 * (clipped - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)
