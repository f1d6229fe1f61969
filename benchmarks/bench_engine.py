"""The engine (asv): a simulated hour of Deployments with HPAs and diurnal load at 15 s ticks
(controllers, scheduler, kubelet, metrics-server, HPA), on a cluster a tenth of the day-long
benchmark's (benchmarks/test_day_speed.py runs the full size)."""

from benchmarks.day import day_cluster


class EngineSuite:
    timeout = 900

    def setup(self):
        self.cluster = day_cluster(500, 100, 150)
        self.cluster.step("15m")  # placed, warmed up, HPAs have metrics

    def time_simulated_hour(self):
        self.cluster.step("1h")

    def peakmem_simulated_hour(self):
        self.cluster.step("1h")
