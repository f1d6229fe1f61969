"""kbench: a Kubernetes cluster simulator and scheduler research harness."""

from kbench.cluster import Cluster
from kbench.errors import ManifestError, NotFoundError, SnapshotError

__version__ = "0.1.0"
__all__ = ["Cluster", "ManifestError", "NotFoundError", "SnapshotError", "__version__"]
