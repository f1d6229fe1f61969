"""Experiments: YAML specs (kbench.experiments.spec) run by kbench.experiments.runner."""

from kbench.experiments.runner import (ExperimentResult, fork_experiment, new_run_folder,
                                      resume_experiment, run_experiment)
from kbench.experiments.spec import ExperimentSpec, SpecError, load_spec

__all__ = ["ExperimentResult", "ExperimentSpec", "SpecError", "fork_experiment", "load_spec",
           "new_run_folder", "resume_experiment", "run_experiment"]
