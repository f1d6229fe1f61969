"""kube-scheduler's framework and default profile, compiled into one numba batch kernel."""

from kbench.scheduler.plugins import gpupacking as _gpupacking  # noqa: F401  (registers itself)
