"""ImageLocality Score, ported from image_locality_test.go (TestImageLocalityPriority,
TestNormalizedImageName). ImageLocality has no NormalizeScore: the scores are the raw ones."""

import hashlib

import pytest

from scheduler.builders import make_node, make_pod

MB = 1024 * 1024

NODE_40_300_2000 = [(["gcr.io/40:latest", "gcr.io/40:v1", "gcr.io/40:v1"], 40 * MB),
                    (["gcr.io/300:latest", "gcr.io/300:v1"], 300 * MB),
                    (["gcr.io/2000:latest"], 2000 * MB)]
NODE_250_10 = [(["gcr.io/250:latest"], 250 * MB), (["gcr.io/10:latest", "gcr.io/10:v1"], 10 * MB)]
NODE_600_40_900 = [(["gcr.io/600:latest"], 600 * MB), (["gcr.io/40:latest"], 40 * MB),
                   (["gcr.io/900:latest"], 900 * MB)]
NODE_300_600_900 = [(["gcr.io/300:latest"], 300 * MB), (["gcr.io/600:latest"], 600 * MB),
                    (["gcr.io/900:latest"], 900 * MB)]
NODE_4000_30 = [(["gcr.io/4000:latest"], 4000 * MB), (["gcr.io/30:latest"], 30 * MB)]
NODE_20_30_40 = [(["gcr.io/20:latest"], 20 * MB), (["gcr.io/30:latest"], 30 * MB), (["gcr.io/40:latest"], 40 * MB)]
NO_IMAGES = []


def node(name, images):
    builder = make_node(name)
    for names, size in images:
        builder.image(names, size)
    return builder.obj()


def pod(*images, init=()):
    return make_pod("p").images(*images).init_images(*init).obj()


# (name, pod, nodes, expected)
CASES = [
    # node1: 40M/2 < 23M min-threshold -> 0; node2: 100 * (250M/2 - 23M) / (1000M * 2 - 23M) = 5
    ("two images spread on two nodes, prefer the larger image one",
     pod("gcr.io/40", "gcr.io/250"), [node("node1", NODE_40_300_2000), node("node2", NODE_250_10)],
     {"node1": 0, "node2": 5}),
    # node1: 100 * ((40M + 300M)/2 - 23M) / (1000M * 2 - 23M) = 7
    ("two images on one node, prefer this node",
     pod("gcr.io/40", "gcr.io/300"), [node("node1", NODE_40_300_2000), node("node2", NODE_250_10)],
     {"node1": 7, "node2": 0}),
    # node1: 4000M * 1/2 >= 1000M * 2, max-threshold -> 100; node2: 10M/2 < 23M -> 0
    ("if exceed limit, use limit",
     pod("gcr.io/10", "gcr.io/4000"), [node("node1", NODE_4000_30), node("node2", NODE_250_10)],
     {"node1": 100, "node2": 0}),
    # node1: 100 * (4000M/3 - 23M) / (1000M * 2 - 23M) = 66
    ("if exceed limit, use limit (with node which has no images present)",
     pod("gcr.io/10", "gcr.io/4000"),
     [node("node1", NODE_4000_30), node("node2", NODE_250_10), node("node3", NO_IMAGES)],
     {"node1": 66, "node2": 0, "node3": 0}),
    # node1: 100 * (600M * 2/3 + 900M * 2/3 - 23M) / (1000M * 3 - 23M) = 32
    # node2: 100 * (300M * 1/3 + 600M * 2/3 + 900M * 2/3 - 23M) / (1000M * 3 - 23M) = 36
    ("pod with multiple large images, node2 is preferred",
     pod("gcr.io/300", "gcr.io/600", "gcr.io/900"),
     [node("node1", NODE_600_40_900), node("node2", NODE_300_600_900), node("node3", NO_IMAGES)],
     {"node1": 32, "node2": 36, "node3": 0}),
    # node1: 100 * (30M + 40M * 1/2 - 23M) / (1000M * 2 - 23M) = 1
    ("pod with multiple small images",
     pod("gcr.io/30", "gcr.io/40"), [node("node1", NODE_20_30_40), node("node2", NODE_4000_30)],
     {"node1": 1, "node2": 0}),
    # node1: 100 * (300M * 1/2 - 23M) / (1000M * 2 - 23M) = 6
    ("include InitContainers: two images spread on two nodes, prefer the larger image one",
     pod("gcr.io/30", init=("gcr.io/300",)), [node("node1", NODE_40_300_2000), node("node2", NODE_20_30_40)],
     {"node1": 6, "node2": 0}),
]


@pytest.mark.parametrize("name,pod,nodes,expected", CASES, ids=[c[0] for c in CASES])
def test_image_locality_priority(impl, name, pod, nodes, expected):
    assert impl.score("ImageLocality", pod, nodes) == expected


def fake_digest(content):
    return "sha256:" + hashlib.sha256(content.encode()).hexdigest()


@pytest.mark.parametrize("name,image,want", [
    ("add :latest postfix 1", "root", "root:latest"),
    ("add :latest postfix 2", "gcr.io:5000/root", "gcr.io:5000/root:latest"),
    ("keep it as is 1", "root:tag", "root:tag"),
    ("keep it as is 2", "root@" + fake_digest("root"), "root@" + fake_digest("root")),
])
def test_normalized_image_name(impl, name, image, want):
    """TestNormalizedImageName, through the score: a node holding only the normalized name
    (2000MB, on the only node: the max threshold) scores 100 for a pod naming ``image``."""
    nodes = [node("node1", [([want], 2000 * MB)])]
    assert impl.score("ImageLocality", pod(image), nodes) == {"node1": 100}


def test_pod_image_without_tag_matches_only_latest(impl):
    """Go adds only ":latest": "nginx" matches "nginx:latest", never "docker.io/library/nginx:latest"."""
    nodes = [node("node1", [(["nginx:latest"], 500 * MB)]),
             node("node2", [(["docker.io/library/nginx:latest"], 500 * MB)])]
    # node1: 100 * (500M * 1/2 - 23M) / (1000M - 23M) = 23
    assert impl.score("ImageLocality", pod("nginx"), nodes) == {"node1": 23, "node2": 0}


def test_templates_with_the_same_held_images_share_scores():
    """compile_templates runs ImageLocality once per (container count, images some node
    holds): each template's static scores are still those of its own spec."""
    import numpy as np

    from kbench import Cluster
    from kbench.scheduler.batch import build_batch, pending_pod_rows, queue_order
    from kbench.scheduler.compile import compile_templates
    from kbench.scheduler.plugins import imagelocality

    cluster = Cluster()
    cluster.apply([node("node1", NODE_40_300_2000), node("node2", NODE_250_10),
                   node("node3", NODE_600_40_900), node("node4", NO_IMAGES)])
    pods = [pod("gcr.io/40", "gcr.io/250"), pod("gcr.io/40", "gcr.io/nowhere"),
            pod("gcr.io/nowhere"), pod("gcr.io/elsewhere"), pod("gcr.io/a", "gcr.io/b"),
            pod("gcr.io/40", "gcr.io/elsewhere"), pod("gcr.io/30", init=("gcr.io/300",)),
            pod("gcr.io/31", init=("gcr.io/300",)), pod("gcr.io/600")]
    for i, manifest in enumerate(pods):
        manifest["metadata"]["name"] = f"p{i}"
    cluster.apply(pods)
    state = cluster.state
    batch = build_batch(state, queue_order(state, pending_pod_rows(state)))
    profile = cluster.scheduler.configuration.profile("default-scheduler")
    templates = compile_templates(batch, profile, {})
    slot = [name for name, _ in profile.scores()].index(imagelocality.NAME)
    rows = templates.static_score_row[:, slot]
    assert len(batch.templates) == len(pods) and len(set(rows.tolist())) < len(pods)
    for template in batch.templates:
        want = imagelocality.static_score(batch, template)
        assert np.array_equal(templates.static_scores[rows[template.index]], want)
