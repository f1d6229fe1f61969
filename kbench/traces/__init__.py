"""Traces: recorded cluster traces and synthetic generators turned into canonical Arrow tables
(node inventory, pod arrivals, usage series, service load); see kbench.traces.schema."""

from kbench.traces.detect import detect_format, load
from kbench.traces.loaders import FORMATS
from kbench.traces.schema import LOAD, NODES, PODS, USAGE
from kbench.traces.trace import Trace, TraceError

__all__ = ["FORMATS", "LOAD", "NODES", "PODS", "USAGE", "Trace", "TraceError",
           "detect_format", "load"]
