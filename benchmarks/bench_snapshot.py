"""Snapshots of a large state to Arrow IPC and back (DESIGN target: <= 0.2 s each at 150k pods)."""

import shutil
import tempfile
from pathlib import Path

from benchmarks.common import columnar_cluster
from kbench.state import read_snapshot, write_snapshot


class SnapshotSuite:
    params = [500, 5_000]
    param_names = ["nodes"]  # 30 pods per node: 5,000 nodes hold 150,000 pods
    timeout = 300

    def setup(self, nodes):
        self.state = columnar_cluster(nodes, 30 * nodes)
        self.folder = Path(tempfile.mkdtemp()) / "snap"
        write_snapshot(self.state, self.folder)

    def teardown(self, nodes):
        shutil.rmtree(self.folder.parent, ignore_errors=True)

    def time_write(self, nodes):
        write_snapshot(self.state, self.folder)

    def time_read(self, nodes):
        read_snapshot(self.folder)

    def peakmem_read(self, nodes):
        read_snapshot(self.folder)
