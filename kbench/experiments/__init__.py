"""Experiments: YAML specs (kbench.experiments.spec) run by kbench.experiments.runner."""

from kbench.experiments.runner import ExperimentResult, run_experiment
from kbench.experiments.spec import ExperimentSpec, SpecError, load_spec

__all__ = ["ExperimentResult", "ExperimentSpec", "SpecError", "load_spec", "run_experiment"]
