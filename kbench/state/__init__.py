"""Columnar cluster state: tables per kind, interned strings, exact integer resources, snapshots."""

from kbench.state.cluster_state import ClusterState
from kbench.state.snapshot import read_snapshot, write_snapshot
from kbench.state.strings import NO_STRING, StringTable
from kbench.state.table import Column, Table

__all__ = ["ClusterState", "Column", "NO_STRING", "StringTable", "Table", "read_snapshot",
           "write_snapshot"]
