"""kube-scheduler's framework and default profile, compiled into one numba batch kernel."""
