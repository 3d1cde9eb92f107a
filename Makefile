# The two commands a user needs: `make run` and `make test`. Everything else is bootstrapped from PyPI.
# `make run` installs only what serving needs (the `serve` dependency group) into its own .venv-serve;
# `make test` (and build/deploy) use the full development environment in .venv.
SHELL := /bin/bash
PYTHON ?= python3
UV_DIR := .venv-uv
UV := $(UV_DIR)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
SERVE_VENV := .venv-serve
SMR_PORT ?= 5000
# The browser tests drive Debian's Chromium (never a browser Playwright downloads).
CHROMIUM := /usr/bin/chromium
# The functions' runtime (template.yaml, Globals.Function.Runtime): sam build needs this Python on PATH.
LAMBDA_PYTHON := 3.12

.PHONY: run build deploy test lint typecheck unit integration e2e template bench soak throughput openapi clean browser

# uv installs this project's dependencies ~20x faster than pip; bootstrap it into its own venv.
$(UV):
	$(PYTHON) -m venv $(UV_DIR)
	$(UV_DIR)/bin/pip install --quiet --disable-pip-version-check 'uv>=0.5'

$(VENV)/.synced: $(UV) pyproject.toml sdk/pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python $(PYTHON)
	touch $@

uv.lock: pyproject.toml | $(UV)
	$(UV) lock --python $(PYTHON)

$(SERVE_VENV)/.synced: $(UV) pyproject.toml sdk/pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(SERVE_VENV) $(UV) sync --frozen --no-default-groups --group serve --python $(PYTHON)
	touch $@

run: $(SERVE_VENV)/.synced
	SMR_PORT=$(SMR_PORT) PYTHONPATH=local:layers/registry_core $(SERVE_VENV)/bin/python -m smr_local

# sam is in the dev environment; the Python it builds with must be the runtime's (found or installed with uv).
build: $(VENV)/.synced
	@lambda_python="$$(scripts/lambda_python.sh $(UV) $(LAMBDA_PYTHON))" && \
	echo "sam build with $$lambda_python" && \
	PATH="$$(dirname "$$lambda_python"):$$PATH" $(VENV)/bin/sam build --template template.yaml

deploy: build
	$(VENV)/bin/sam deploy --guided

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.synced
	$(VENV)/bin/mypy layers/registry_core/registry_core functions local tests scripts sdk/src sdk/tests

template: $(VENV)/.synced
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)/bin/sam validate --lint --template template.yaml --region us-east-1
	$(PY) scripts/check_template.py

# Installed once, as root on a fresh machine (or with sudo); present already: nothing to do.
$(CHROMIUM):
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update
	$(if $(filter 0,$(shell id -u)),,sudo) DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver

browser: $(VENV)/.synced $(CHROMIUM)
	$(VENV)/bin/pytest -q tests/browser

test: $(VENV)/.synced $(CHROMIUM) lint typecheck template
	$(VENV)/bin/pytest -q

bench: $(VENV)/.synced
	$(PY) scripts/bench.py

# The OpenAPI document of every route, from template.yaml and the request models (a test checks it is current).
openapi: $(VENV)/.synced
	$(PY) scripts/openapi.py

# 20,000 mixed registry writes over HTTP against a `make run`-style server (ports 5150-5151): p50 of the first and
# last 1,000 writes, the server's memory. SOAK_WRITES=3000 for a shorter run.
SOAK_WRITES ?= 20000
soak: $(VENV)/.synced
	$(PY) scripts/soak.py --writes $(SOAK_WRITES)

# The same 750 MlflowClient operations against a `make run`-style server and a real `mlflow server` (sqlite).
throughput: $(VENV)/.synced
	$(PY) scripts/throughput.py

clean:
	rm -rf $(VENV) $(SERVE_VENV) $(UV_DIR) .smr .aws-sam .mypy_cache .pytest_cache .ruff_cache
