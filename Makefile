# Two commands on a fresh machine (Python 3.11+, Java 17+): `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check

.PHONY: help install dev demo test test-fast test-heavy test-deltaspark jars kafka browser lint bench check-python check-java clean

# JVM jars from Maven Central (versions in jvm/*.pom.xml), never committed: .jars/spark holds Delta and the
# Kafka source for Spark (what pyspark does not ship), .jars/kafka Apache Kafka's broker for tests.
JARS      := .jars
MVN       ?= mvn
MVN_COPY  := $(MVN) -q -B dependency:copy-dependencies -DincludeScope=runtime
# Already in pyspark's own jars/ folder: not copied again.
PYSPARK_SHIPS := hadoop-client-api,hadoop-client-runtime,log4j-api,log4j-core,log4j-slf4j2-impl,scala-library,$\
	scala-parallel-collections_2.13,slf4j-api,snappy-java,lz4-java,jsr305,spark-tags_2.13
# Where tests keep what a reviewer looks at (the dashboard and Data Docs screenshots); never committed.
export CLICKSTITCH_TEST_ARTIFACTS ?= $(CURDIR)/test-artifacts
# The tests that also run in a delta-spark session (with the jars), after the default delta-rs session.
DELTASPARK_TESTS := -m "(backends or jars) and not heavy"

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

$(JARS)/spark/.fetched: jvm/spark-jars.pom.xml
	@command -v $(MVN) >/dev/null || { echo "make jars needs Maven (Debian: apt-get install maven)"; exit 1; }
	rm -rf $(JARS)/spark
	$(MVN_COPY) -f $< -DoutputDirectory=$(CURDIR)/$(JARS)/spark -DexcludeArtifactIds=$(PYSPARK_SHIPS)
	@touch $@

$(JARS)/kafka/.fetched: jvm/kafka-broker.pom.xml
	@command -v $(MVN) >/dev/null || { echo "make jars needs Maven (Debian: apt-get install maven)"; exit 1; }
	rm -rf $(JARS)/kafka
	$(MVN_COPY) -f $< -DoutputDirectory=$(CURDIR)/$(JARS)/kafka
	@touch $@

jars: $(JARS)/spark/.fetched $(JARS)/kafka/.fetched  ## fetch Delta, Spark-Kafka and Kafka broker jars into .jars/

# Headless Chromium for the page tests (dashboard, Data Docs): Debian's package, installed when missing.
browser:  ## install Debian's chromium for the page-rendering tests, if missing
	@command -v chromium >/dev/null || { command -v apt-get >/dev/null && export DEBIAN_FRONTEND=noninteractive && \
		{ apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }; }; } || \
		{ echo "the page tests need Chromium: install Debian's chromium package"; exit 1; }

kafka: dev jars  ## a Kafka broker (KRaft) on loopback from .jars/kafka, in the foreground until Ctrl-C
	$(PY) -m tests.kafka_broker

install: $(VENV)/.installed  ## create .venv and install clickstitch

dev: $(VENV)/.installed-dev  ## install with test and lint tools

check-java: $(VENV)/.installed
	@$(PY) -m clickstitch.session

demo: check-java  ## generate sample exports, run the whole pipeline, print every table
	$(VENV)/bin/clickstitch demo --out demo

test: dev check-java jars browser  ## run the test suite (what CI runs): delta-rs session, then the delta-spark one
	$(PY) -m pytest -m "not heavy"
	CLICKSTITCH_TEST_BACKEND=delta-spark $(PY) -m pytest $(DELTASPARK_TESTS)

test-deltaspark: dev check-java jars  ## only the tests that run in the delta-spark session (with the jars)
	CLICKSTITCH_TEST_BACKEND=delta-spark $(PY) -m pytest $(DELTASPARK_TESTS)

test-fast: dev check-java  ## the suite without the slow end-to-end tests
	$(PY) -m pytest -m "not slow and not heavy"

test-heavy: dev check-java  ## the long accuracy runs (thousands of generated persons)
	$(PY) -m pytest -m heavy

lint: dev  ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy clickstitch lakehouse ingest enrich publish report metrics quality anomaly

bench: check-java  ## benchmarks (print figures; not part of the tests)
	$(PY) bench/bench_pipeline.py

clean:  ## remove the demo output and caches (keeps .venv)
	rm -rf demo .pytest_cache bench/out  # .jars stays: `rm -rf .jars` to fetch again
