# Two commands on a fresh machine (Python 3.11+, Java 17+): `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check

.PHONY: help install dev demo test test-fast test-heavy lint bench check-python check-java clean

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "clickstitch needs Python 3.11 or newer ($(PYTHON) is $$($(PYTHON) --version 2>&1))"; exit 1; }

$(PY): | check-python
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip setuptools wheel

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed  ## create .venv and install clickstitch

dev: $(VENV)/.installed-dev  ## install with test and lint tools

check-java: $(VENV)/.installed
	@$(PY) -m clickstitch.session

demo: check-java  ## generate sample exports, run the whole pipeline, print every table
	$(VENV)/bin/clickstitch demo --out demo

test: dev check-java  ## run the test suite (what CI runs)
	$(PY) -m pytest -m "not heavy"

test-fast: dev check-java  ## the suite without the slow end-to-end tests
	$(PY) -m pytest -m "not slow and not heavy"

test-heavy: dev check-java  ## the long accuracy runs (thousands of generated persons)
	$(PY) -m pytest -m heavy

lint: dev  ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy clickstitch lakehouse ingest

bench: check-java  ## benchmarks (print figures; not part of the tests)
	$(PY) bench/bench_pipeline.py

clean:  ## remove the demo output and caches (keeps .venv)
	rm -rf demo .pytest_cache bench/out
