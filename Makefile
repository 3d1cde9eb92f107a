# The two commands a user needs: `make run` and `make test`. Everything else is bootstrapped from PyPI.
SHELL := /bin/bash
PYTHON ?= python3
UV_DIR := .venv-uv
UV := $(UV_DIR)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
SMR_PORT ?= 5000

.PHONY: run test lint typecheck unit integration e2e template bench soak throughput clean

# uv installs this project's dependencies ~20x faster than pip; bootstrap it into its own venv.
$(UV):
	$(PYTHON) -m venv $(UV_DIR)
	$(UV_DIR)/bin/pip install --quiet --disable-pip-version-check 'uv>=0.5'

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(PYTHON)
	touch $@

uv.lock: pyproject.toml | $(UV)
	$(UV) lock --python $(PYTHON)

run: $(VENV)/.synced
	SMR_PORT=$(SMR_PORT) PYTHONPATH=local:layers/registry_core $(PY) -m smr_local

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.synced
	$(VENV)/bin/mypy layers/registry_core/registry_core functions local tests scripts sdk/src sdk/tests

template: $(VENV)/.synced
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)/bin/sam validate --lint --template template.yaml --region us-east-1
	$(PY) scripts/check_template.py

test: $(VENV)/.synced lint typecheck template
	$(VENV)/bin/pytest -q

bench: $(VENV)/.synced
	$(PY) scripts/bench.py

# 20,000 mixed registry writes over HTTP against a `make run`-style server (ports 5150-5151): p50 of the first and
# last 1,000 writes, the server's memory. SOAK_WRITES=3000 for a shorter run.
SOAK_WRITES ?= 20000
soak: $(VENV)/.synced
	$(PY) scripts/soak.py --writes $(SOAK_WRITES)

# The same 750 MlflowClient operations against a `make run`-style server and a real `mlflow server` (sqlite).
throughput: $(VENV)/.synced
	$(PY) scripts/throughput.py

clean:
	rm -rf $(VENV) $(UV_DIR) .smr .aws-sam .mypy_cache .pytest_cache .ruff_cache
