# Two set-up commands on a fresh machine: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON_BOOT ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LANDING ?= $(or $(CW_LANDING_DIR),data/landing)
WAREHOUSE ?= $(or $(CW_WAREHOUSE_DIR),data/warehouse)
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: install run demo test test-ops test-fast browser bi-cli lint ui docs bench lock clean install-scale-out scale-out-system test-scale-out

install: $(STAMP)

# --compile-bytecode: these machines set PYTHONDONTWRITEBYTECODE=1, so without .pyc files written at install
# every process (each run, each dbt invocation) would compile dagster, dbt, GX and pandas from source: ~7 s a run.
$(STAMP): requirements/requirements.lock pyproject.toml Makefile
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -r requirements/requirements.lock
	$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	touch $(STAMP)

$(LANDING): | $(STAMP)
	$(PY) -m orchestration demo-data --out $(LANDING)

demo: $(LANDING)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

run: $(STAMP) $(LANDING) $(DAGSTER_HOME)/dagster.yaml
	$(PY) -m orchestration run --landing $(LANDING) --warehouse $(WAREHOUSE)

# The report's browser test needs Debian's chromium and CJK fonts (installed when missing and we are root).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
		|| echo "chromium not installed: the browser test will be skipped"; }

# DuckDB's own CLI (PyPI's duckdb-cli, an older 1.x than the writer's) for BI users and the CLI test.
BI_CLI_VERSION := 1.4.4.post2
bi-cli: $(STAMP)
	@test -x .cache/duckdb-cli-$(BI_CLI_VERSION)/bin/duckdb || { $(VENV)/bin/uv venv --quiet --python $(PY) \
		.cache/duckdb-cli-$(BI_CLI_VERSION) && $(VENV)/bin/uv pip install --quiet --python \
		.cache/duckdb-cli-$(BI_CLI_VERSION)/bin/python duckdb-cli==$(BI_CLI_VERSION); } \
		|| echo "duckdb-cli not installed: the CLI test will be skipped"
	@echo "DuckDB CLI: .cache/duckdb-cli-$(BI_CLI_VERSION)/bin/duckdb -readonly $(WAREHOUSE)/serving.duckdb"

# make test: the behaviour suite (< 10 min on 2 cores). make test-ops: the operating drills (a run killed with
# kill -9 in each phase, DuckDB's CLI reading across a publish, a week of nights = a full build), ~10 min;
# .ci/run runs make lint, then both (and make test-scale-out).
test: $(STAMP) browser
	$(PY) -m pytest -q -n 2 --dist worksteal --durations=15 -m "not ops"

test-ops: $(STAMP) bi-cli
	$(PY) -m pytest -q -n 2 --dist worksteal --durations=5 -m ops

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow and not compat and not browser"

# sqlfluff renders every model through dbt, and a model that reads D raises "no as-of date" without one:
# CW_AS_OF gives the render a D (any date: it only fills literals), so no model is skipped unlinted.
lint: $(STAMP)
	$(VENV)/bin/ruff check orchestration tests
	mkdir -p .cache/lint-warehouse && CW_AS_OF=2025-12-31 CW_WAREHOUSE_DIR=$(CURDIR)/.cache/lint-warehouse \
		$(VENV)/bin/sqlfluff lint --processes 2 dbt_project/models

ui: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(VENV)/bin/dagster dev -w workspace.yaml

docs: $(STAMP)
	$(PY) -m orchestration docs

bench: $(STAMP)
	$(PY) -m orchestration.bench

lock:
	$(VENV)/bin/uv pip compile requirements/requirements.in -p 3.11 -o requirements/requirements.lock
	$(VENV)/bin/uv pip compile requirements/scale-out.in -p 3.11 -c requirements/requirements.lock \
		-o requirements/scale-out.lock

# Scale-out (issue #15, README "Scaling out"): dbt on Apache Spark and Dagster on PostgreSQL. Its own environment
# (pyspark, dbt-spark, dagster-postgres beside the project's own lock), never the shared .venv; Debian's Java
# runtime and PostgreSQL server when missing and we are root.
SCALE_VENV := .venv-scale-out
SCALE_PY := $(SCALE_VENV)/bin/python
SCALE_STAMP := $(SCALE_VENV)/.installed

install-scale-out: $(SCALE_STAMP) scale-out-system

$(SCALE_STAMP): requirements/scale-out.lock pyproject.toml Makefile
	test -x $(SCALE_PY) || $(PYTHON_BOOT) -m venv $(SCALE_VENV)
	$(SCALE_PY) -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(SCALE_VENV)/bin/uv pip install --quiet --compile-bytecode --python $(SCALE_PY) -r requirements/scale-out.lock
	$(SCALE_VENV)/bin/uv pip install --quiet --python $(SCALE_PY) --no-deps -e .
	touch $(SCALE_STAMP)

# Spark 4 needs Java 17 or later (Debian's default JRE: 17 on bookworm, 21 on trixie); the PostgreSQL test needs
# the server binaries (initdb, pg_ctl), run as the Debian package's `postgres` user when we are root.
scale-out-system:
	@java -version >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null) \
		|| { echo "no Java runtime: install Java 17 or later"; exit 1; }; }
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1 || \
		{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
		|| { echo "no PostgreSQL server binaries: install Debian's postgresql"; exit 1; }; }

test-scale-out: install-scale-out
	$(SCALE_PY) -m pytest -q -p no:cacheprovider -m scale_out tests/scale_out

clean:
	rm -rf data .dagster_home dbt_project/target dbt_project/logs
