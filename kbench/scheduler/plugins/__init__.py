"""kube-scheduler's plugins, one module each, with Kubernetes' names."""
