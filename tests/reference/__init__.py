"""Plain-Python oracles, written straight from the Kubernetes sources, one obvious loop each."""
