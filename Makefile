# `make run` and `make test` each set everything up on a fresh machine, then run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup bench clean clean-jit

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/kbench apply -f experiments/quickstart/ --snapshot results/quickstart-snapshot
	$(BIN)/kbench get nodes -f results/quickstart-snapshot
	$(BIN)/kbench get deployments,replicasets,services,hpa -f results/quickstart-snapshot -A
	$(BIN)/kbench get pv,pvc -f results/quickstart-snapshot -A
	$(BIN)/kbench describe deployment nginx-deployment -f results/quickstart-snapshot
	$(BIN)/kbench schedule -f results/quickstart-snapshot --out results/quickstart-scheduled
	$(BIN)/kbench get pods -f results/quickstart-scheduled -o wide
	$(BIN)/kbench describe pod task-pv-pod -f results/quickstart-scheduled
	$(BIN)/kbench step -f results/quickstart-snapshot --for 2m --out results/quickstart-running
	$(BIN)/kbench get deployments,replicasets,pods -f results/quickstart-running
	$(BIN)/kbench describe deployment nginx-deployment -f results/quickstart-running
	$(BIN)/kbench run experiments/quickstart-run/experiment.yaml --out results
	$(BIN)/kbench report "$$(ls -d results/quickstart/run-[0-9]* | sort | tail -n 1)"

test: $(STAMP)
	$(BIN)/ruff check --select F,E9 kbench tests benchmarks
	$(BIN)/python -m pytest
	$(BIN)/asv check -E existing:$(abspath $(BIN))/python

bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks --benchmark-enable -s -p no:cacheprovider -o addopts=""
	$(BIN)/asv machine --yes
	$(BIN)/asv run -E existing:$(abspath $(BIN))/python --quick --show-stderr

clean: clean-jit
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis

# numba's disk cache follows each kernel's own file, not the plugin modules it calls: after
# editing a plugin, drop the cache.
clean-jit:
	find kbench -name '*.nbi' -delete -o -name '*.nbc' -delete
