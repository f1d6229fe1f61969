"""The custom and external metrics APIs over the simulation, as an adapter such as
prometheus-adapter serves them in a cluster, for the HPA's Pods and External metrics.

- Pods metrics named in POD_REQUEST_METRICS ("requests_per_second",
  "http_requests_per_second"): each pod's share of its Deployment's requests/s (the load
  of kbench.io/load or Cluster.set_load, over the Deployment's ready pods; not-ready pods 0).
- External metrics: values set with ``set_external(name, value_or_pattern, labels)`` (a
  number or a usage pattern such as a diurnal, evaluated at the sync's time); a metric
  selector picks the series whose labels match, and the values of those are summed.
Anything else is missing, and the HPA reports FailedGetPodsMetric / FailedGetExternalMetric.
"""

from __future__ import annotations

import numpy as np

from kbench.api.labels import selector_from_dict
from kbench.metrics.usage import UsageModel, evaluate_patterns

POD_REQUEST_METRICS = ("requests_per_second", "http_requests_per_second")


class MetricsAdapter:
    def __init__(self, usage: UsageModel) -> None:
        self.usage = usage
        self.external: dict[str, list[tuple[dict, int]]] = {}  # name -> [(labels, pattern)]
        self.state = None   # set by the engine before each HPA sync

    def set_external(self, name: str, value, labels: dict | None = None) -> None:
        """The external metric ``name`` (one series per distinct ``labels``)."""
        pattern = self.usage.pattern_id(value, "load", f"external metric {name}")
        series = [(l, p) for l, p in self.external.get(name, []) if l != (labels or {})]
        self.external[name] = series + [(dict(labels or {}), pattern)]

    def pod_metric(self, name: str) -> np.ndarray | None:
        if name not in POD_REQUEST_METRICS or self.state is None:
            return None
        values = self.usage.requests_per_pod(self.state)
        return None if np.isnan(values).all() else values

    def external_metric(self, name: str, selector: dict | None) -> float | None:
        series = self.external.get(name)
        if not series or self.state is None:
            return None
        chosen = selector_from_dict(selector) if selector else None
        ids = [p for labels, p in series if chosen is None or chosen.matches(labels)]
        if not ids:
            return None
        values = evaluate_patterns(self.usage.compiled_patterns(), np.array(ids),
                                   np.zeros(len(ids), dtype=np.int64), self.state.time)
        return float(values.sum())

    def object_metric(self, name: str, described_object: dict,
                      selector: dict | None) -> float | None:
        return None

    def to_arrays(self) -> dict[str, np.ndarray]:
        import json
        return {"external": np.array([json.dumps([name, labels, pattern], sort_keys=True)
                                      for name, series in sorted(self.external.items())
                                      for labels, pattern in series], dtype=np.str_)}

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        import json
        self.external = {}
        for text in arrays["external"].tolist():
            name, labels, pattern = json.loads(text)
            self.external.setdefault(name, []).append((labels, pattern))
