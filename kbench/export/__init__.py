"""Exports of a run's results to formats other tools read (OpenMetrics for Prometheus)."""
