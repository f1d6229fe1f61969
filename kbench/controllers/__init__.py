"""Controllers of kube-controller-manager as pure decisions: state and time in, actions out."""
