# The two commands a newcomer needs: `make demo` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE_DIR ?= data/sample-logs
SAMPLE_BILL_DIR ?= data/sample-bill
SAMPLE_DAYS ?= 30
SAMPLE_INVOCATIONS ?= 50000
SAMPLE_SEED ?= 42
BENCH_INVOCATIONS ?= 2000000
BENCH_DAYS ?= 30

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_PROFILES_DIR := $(CURDIR)
export BEDROCK_COSTS_DUCKDB_PATH ?= $(CURDIR)/target/bedrock_tenant_costs.duckdb

# Folders reach the recipes through the environment and dbt as JSON made from it, never spliced
# into a shell command: `make build SAMPLE_DIR="x'; rm -rf ~; '"` is one (refused) path, not a
# command. `$$($(LOGS_DIR_VARS) NAME)` prints {"bedrock_logs_dir": <$$NAME>}.
export SAMPLE_DIR
export SAMPLE_BILL_DIR
LOGS_DIR_VARS = $(BIN)/python -c 'import json, os, sys; print(json.dumps({"bedrock_logs_dir": os.environ[sys.argv[1]]}))'
# The demo's vars: the sample logs and the AWS bill written with them (sample-logs --cur-out).
DEMO_VARS = $(BIN)/python -c 'import json, os; print(json.dumps({"bedrock_logs_dir": os.environ["SAMPLE_DIR"], "bedrock_cur_dir": os.environ["SAMPLE_BILL_DIR"]}))'

.PHONY: help install sample-logs build demo test test-athena lint lint-python lint-sql pytest clean bench docs check pytest-fast dbt-unit

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/.installed ## create .venv with the pinned toolchain

profiles.yml: profiles.example.yml
	@if [ ! -f profiles.yml ]; then cp profiles.example.yml profiles.yml; echo "created profiles.yml from profiles.example.yml"; fi

sample-logs: install ## sample logs in data/sample-logs (30 days, 50,000 calls), their bill in data/sample-bill
	$(BIN)/bedrock-costs sample-logs --out "$$SAMPLE_DIR" --days $(SAMPLE_DAYS) \
		--invocations $(SAMPLE_INVOCATIONS) --seed $(SAMPLE_SEED) --cur-out "$$SAMPLE_BILL_DIR"

build: install profiles.yml ## dbt build on the local DuckDB target over $(SAMPLE_DIR)
	@mkdir -p target
	$(BIN)/dbt build --target local --vars "$$($(LOGS_DIR_VARS) SAMPLE_DIR)"

# The demo rewrites its sample logs, so it rebuilds the demo database from them (--full-refresh):
# an incremental run would add the new files to the rows of the old ones, and the raw-line
# reconciliation would (rightly) fail.
demo: sample-logs install profiles.yml ## install, sample logs, full pipeline on DuckDB, top tenants
	@mkdir -p target
	$(BIN)/dbt build --target local --full-refresh --vars "$$($(DEMO_VARS))"
	$(BIN)/bedrock-costs summary --database $(BEDROCK_COSTS_DUCKDB_PATH)
	$(BIN)/bedrock-costs report --database $(BEDROCK_COSTS_DUCKDB_PATH) --out target/report.html
	@echo "report: $(CURDIR)/target/report.html (open it in a browser; it works offline)"

lint-python: install
	$(BIN)/ruff check src tests/python tools
	$(BIN)/ruff format --check src tests/python tools
	$(BIN)/mypy

# Lint renders the models as a first (full) build does: an empty database of its own, so that a
# database already built by `make demo` does not switch models to their incremental form.
lint-sql: install profiles.yml
	@mkdir -p target && rm -f target/lint.duckdb
	BEDROCK_COSTS_DUCKDB_PATH=$(CURDIR)/target/lint.duckdb $(BIN)/sqlfluff lint models tests --processes 2

lint: lint-python lint-sql ## ruff, mypy and sqlfluff

pytest: install
	scripts/ensure-chromium.sh
	$(BIN)/pytest -m "not athena" -n 2 --dist loadfile

# The athena target executed on a local Athena: Trino 476 (downloaded once from Maven Central
# into ~/.cache/bedrock-costs, checksum verified) behind moto's Glue, S3 and an Athena front.
# Needs a JDK >= 24 (Temurin 25 here) and Maven; without them it fails and says which is missing.
# An engine this target started is stopped at the end; one that was already running is kept.
# Two lanes share the engine (a build keeps about one core busy): scripts/athena-test-lanes.sh.
test-athena: install profiles.yml ## the athena target executed on the local Athena (Trino)
	@was_running=0; tools/athena-local --status >/dev/null 2>&1 && was_running=1; \
	tools/athena-local && BIN=$(BIN) scripts/athena-test-lanes.sh; status=$$?; \
	if [ $$was_running = 0 ]; then tools/athena-local --stop; fi; exit $$status

# Docs build in a database of their own (never the demo one) over a handful of generated log files:
# `dbt build --empty` creates every seed and model with zero rows, so the catalog sees every real
# column; then every description is checked (bedrock_costs_dev.docs_coverage). Offline; output in
# target/docs (serve it with `dbt docs serve --target-path target/docs`).
export DOCS_DIR := $(CURDIR)/target/docs
export DOCS_LOGS_DIR := $(DOCS_DIR)/logs
docs: install profiles.yml ## dbt docs generate (offline, throwaway DuckDB) and the description check
	@rm -rf $(DOCS_DIR) && mkdir -p $(DOCS_DIR)
	$(BIN)/bedrock-costs sample-logs --out "$$DOCS_LOGS_DIR" --days 1 --invocations 5 --quiet --force
	BEDROCK_COSTS_DUCKDB_PATH=$(DOCS_DIR)/docs.duckdb $(BIN)/dbt build --empty --target local \
		--resource-type seed --resource-type model --target-path $(DOCS_DIR) \
		--vars "$$($(LOGS_DIR_VARS) DOCS_LOGS_DIR)"
	BEDROCK_COSTS_DUCKDB_PATH=$(DOCS_DIR)/docs.duckdb $(BIN)/dbt docs generate --target local \
		--static --target-path $(DOCS_DIR) --vars "$$($(LOGS_DIR_VARS) DOCS_LOGS_DIR)"
	PYTHONPATH=$(CURDIR)/src:$(CURDIR)/tools $(BIN)/python -m bedrock_costs_dev.docs_coverage $(DOCS_DIR)

test: lint docs pytest test-athena ## every check: ruff, sqlfluff, dbt docs, pytest, the local Athena

# The fast lane: the tests marked neither dbt, athena, chromium nor install. With
# BEDROCK_COSTS_TEST_LANE=fast a test that starts dbt, Chromium or the local Athena fails and names
# the marker it lacks (tests/python/conftest.py), so nothing slow hides here unmarked.
pytest-fast: install
	BEDROCK_COSTS_TEST_LANE=fast $(BIN)/pytest -m "not dbt and not athena and not chromium and not install" -n 2 --dist loadfile -q

# dbt's unit tests (fixtures in, rows out) on an empty build of the seeds and models: their
# parents exist with every column and no row, so nothing but the unit tests' own rows is read.
export CHECK_DIR := $(CURDIR)/target/check
export CHECK_LOGS_DIR := $(CHECK_DIR)/logs
dbt-unit: install profiles.yml
	@rm -rf $(CHECK_DIR) && mkdir -p $(CHECK_DIR)
	$(BIN)/bedrock-costs sample-logs --out "$$CHECK_LOGS_DIR" --days 1 --invocations 5 --quiet --force
	BEDROCK_COSTS_DUCKDB_PATH=$(CHECK_DIR)/check.duckdb $(BIN)/dbt build --empty --target local \
		--resource-type seed --resource-type model --resource-type unit_test --quiet \
		--target-path $(CHECK_DIR)/target --vars "$$($(LOGS_DIR_VARS) CHECK_LOGS_DIR)"

check: lint dbt-unit pytest-fast ## the fast lane (about 2 min): ruff, mypy, sqlfluff, dbt unit tests, tests without a build

clean: ## remove build output (keeps .venv and data/)
	rm -rf target target_* logs dbt_packages .pytest_cache .ruff_cache

# Not part of `make test`: minutes at the default size (2M invocations). See BENCHMARKS.md.
bench: install ## benchmark: floor, full and incremental dbt build; appends to BENCHMARKS.md
	PYTHONPATH=$(CURDIR)/src:$(CURDIR)/tools $(BIN)/python -m bedrock_costs_dev.bench \
		--invocations $(BENCH_INVOCATIONS) --days $(BENCH_DAYS)
