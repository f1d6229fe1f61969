"""Jobs and CronJobs running in the engine: pods run for their time, counts, conditions,
schedules, history."""

from __future__ import annotations


from kbench import Cluster
from kbench.sim.kubelet import KubeletConfig

EXACT = KubeletConfig(container_start_sigma=0.0)


def node(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"}}}


def job(name: str, run_for: str = "20s", exit_code: int = 0, **spec) -> dict:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {**spec, "template": {
                "metadata": {"annotations": {"kbench.io/run-for": run_for,
                                             "kbench.io/exit-code": str(exit_code)}},
                "spec": {"restartPolicy": "Never",
                         "containers": [{"name": "work", "image": "work:1"}]}}}}


def cronjob(name: str, schedule: str, run_for: str = "30s", **spec) -> dict:
    template = job("x", run_for)["spec"]
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
            "spec": {"schedule": schedule, **spec, "jobTemplate": {"spec": template}}}


def run(*objects, until: str) -> Cluster:
    c = Cluster.from_manifests([node("n1"), *objects])
    c.configure_engine(kubelet=EXACT)
    c.run(until)
    return c


def test_a_job_runs_its_completions_with_its_parallelism():
    c = Cluster.from_manifests([node("n1"), job("pi", completions=5, parallelism=2)])
    c.configure_engine(kubelet=EXACT)
    active = []
    for _ in range(120):
        c.step("1s")
        pods = c.list("pods")
        active.append(sum(p.status.phase in ("Pending", "Running") for p in pods))
    assert max(active) == 2
    status = c.get("job", "pi").status
    assert status.succeeded == 5 and not status.get("active")
    assert [x["type"] for x in status.conditions] == ["Complete"]
    # each pod: created, bound and admitted at its tick, then 3.5 s pull (first only) +
    # 0.5 s start + 20 s work; three waves of 2, 2, 1 pods
    assert len(c.list("pods")) == 5
    assert all(p.status.phase == "Succeeded" for p in c.list("pods"))


def test_backoff_limit_fails_the_job():
    c = run(job("bad", exit_code=1, backoffLimit=2), until="10m")
    status = c.get("job", "bad").status
    failed = [x for x in status.conditions if x["type"] == "Failed"]
    assert failed and failed[0]["reason"] == "BackoffLimitExceeded"
    assert status.failed == 3  # backoffLimit 2: the third failure ends it


def test_active_deadline_fails_the_job_and_stops_its_pods():
    c = run(job("slow", run_for="10m", activeDeadlineSeconds=30), until="2m")
    status = c.get("job", "slow").status
    failed = [x for x in status.conditions if x["type"] == "Failed"]
    assert failed and failed[0]["reason"] == "DeadlineExceeded"
    assert all(p.status.phase != "Running" or p.metadata.deletionTimestamp
               for p in c.list("pods"))


def test_a_cronjob_creates_jobs_on_schedule_and_keeps_its_history():
    c = run(cronjob("tick", "*/2 * * * *", successfulJobsHistoryLimit=2), until="11m")
    jobs = sorted(j.name for j in c.list("jobs"))
    # fires at 2, 4, 6, 8 and 10 minutes; names count minutes since the Unix epoch
    # (2026-01-01T00:00:00Z = 29,453,760 min); two successful ones kept
    assert jobs == ["tick-29453768", "tick-29453770"]
    status = c.get("cronjob", "tick").status
    assert status.lastScheduleTime == "2026-01-01T00:10:00Z"
    # the pods of the deleted Jobs went with them (garbage collection)
    owners = {p.metadata.ownerReferences[0]["name"] for p in c.list("pods")}
    assert owners <= set(jobs)


def test_forbid_never_runs_two_at_once_and_starts_a_missed_run_late():
    c = Cluster.from_manifests([node("n1"), cronjob("long", "* * * * *", run_for="90s",
                                                    concurrencyPolicy="Forbid")])
    c.configure_engine(kubelet=EXACT)
    running = []
    for _ in range(300):
        c.step("1s")
        running.append(sum(1 for j in c.list("jobs") if j.status.get("active")))
    assert max(running) == 1
    names = sorted(j.name for j in c.list("jobs"))
    # minute 1 runs ~94 s (to 2:35): minute 2's run is started late, when it ends (the
    # schedule time stays 2, so its name too), and minute 3's is skipped
    assert names[:2] == ["long-29453761", "long-29453762"]
    created = c.get("job", "long-29453762").metadata.creationTimestamp
    assert "2026-01-01T00:02:35Z" <= created < "2026-01-01T00:03:00Z"
