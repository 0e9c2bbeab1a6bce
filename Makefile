# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test lint bench soak sandbox clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed ## serve on http://$(HOST):$(PORT)
	$(PY) -m app serve

sandbox: $(VENV)/.installed ## the sandbox Lead API on its own, on port 8001
	$(PY) -m app.sandbox --port 8001

test: $(VENV)/.test-installed ## every test, including the browser tests
	bash scripts/ensure-chromium.sh
	$(VENV)/bin/ruff check app tests bench
	$(PY) -m pytest

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check app tests bench

bench: $(VENV)/.test-installed ## performance figures with their budgets
	bash scripts/ensure-loadgen.sh
	$(PY) -m bench.run

soak: $(VENV)/.test-installed ## the long delivery soak (1,000+ submissions with faults)
	$(PY) -m bench.soak --submissions 1000

clean:
	rm -rf $(VENV) var test-artifacts
