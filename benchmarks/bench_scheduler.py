"""The scheduler kernel on the issue's workload (asv): 30 pods per node from 1,000 templates,
mixed node shapes in 3 zones, some tainted nodes, a fifth of the templates with node affinity.
Each timed pass is a first one (a Scheduler of the same configuration, without the memo a
scheduler keeps between passes, kbench.scheduler.memo), however often asv repeats it."""

from benchmarks.scheduling import (anti_affinity_cluster, mixed_cluster, preemption_cluster,
                                   scheduling_cluster)
from kbench.scheduler.scheduler import Scheduler


def first_pass(cluster, counters: dict) -> None:
    """A scheduling pass of the cluster as its first one: counters as they were, no memo."""
    cluster.state.counters.clear()
    cluster.state.counters.update(counters)
    Scheduler(cluster.scheduler.configuration).decide(cluster.state)


class ScheduleSuite:
    params = [[500, 5_000], [None, 100]]
    param_names = ["nodes", "percentage_of_nodes_to_score"]
    timeout = 600

    def setup(self, nodes, percentage):
        self.cluster = scheduling_cluster(nodes, 30 * nodes, percentage=percentage)
        self.counters = dict(self.cluster.state.counters)
        self.cluster.scheduler.decide(scheduling_cluster(50, 50).state)  # compiled

    def time_schedule(self, nodes, percentage):
        first_pass(self.cluster, self.counters)


class MixedWorkloadSuite:
    """The issue's full workload: 150,000 pods on 5,000 nodes, a fifth of the templates with
    node affinity and a tenth spread over the zones."""
    params = [None, 100]
    param_names = ["percentage_of_nodes_to_score"]
    timeout = 600

    def setup(self, percentage):
        self.cluster = mixed_cluster(5_000, 150_000, percentage=percentage)
        self.counters = dict(self.cluster.state.counters)
        self.cluster.scheduler.decide(mixed_cluster(50, 50).state)  # compiled

    def time_schedule(self, percentage):
        first_pass(self.cluster, self.counters)


class AntiAffinitySuite:
    timeout = 300

    def setup(self):
        self.cluster = anti_affinity_cluster(5_000, 5_000)
        self.counters = dict(self.cluster.state.counters)

    def time_schedule(self):
        first_pass(self.cluster, self.counters)


class PreemptionSuite:
    """1,000 pods that must preempt on 5,000 nodes full of lower-priority pods."""
    timeout = 600

    def setup(self):
        self.cluster = preemption_cluster(5_000, 1_000)
        self.counters = dict(self.cluster.state.counters)
        self.cluster.scheduler.decide(preemption_cluster(50, 5).state)  # compiled

    def time_schedule(self):
        first_pass(self.cluster, self.counters)


def time_first_call():
    """Compile (or load from numba's cache) and run the kernel once on a tiny cluster."""
    cluster = scheduling_cluster(20, 20)
    cluster.scheduler.decide(cluster.state)
