# govlake — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV_VERSION := 0.13.8
# uv from PATH, else the copy `make setup` installs into ~/.local/bin
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
GOVLAKE := .venv/bin/govlake

.PHONY: help setup demo stop test test-fast bench lint clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	python3 -m pip install --user --quiet "uv==$(UV_VERSION)" || python3 -m pip install --quiet "uv==$(UV_VERSION)"

setup: | $(UV)  ## create/refresh the three locked environments (core, airflow, superset); fast when unchanged
	@$(UV) sync --locked --quiet
	@$(UV) sync --locked --quiet --project envs/airflow
	@$(UV) sync --locked --quiet --project envs/superset
	@echo "environments ready: .venv (core), envs/airflow/.venv, envs/superset/.venv"

demo: setup  ## simulate → ingest → transform → publish on the embedded default, then start the API, Superset and Airflow
	@$(GOVLAKE) demo

stop:  ## stop the API, Superset and Airflow started by `make demo`
	@if [ -x $(GOVLAKE) ]; then $(GOVLAKE) stop; else echo "nothing to stop (no .venv)"; fi

test: setup  ## the whole test suite (unit, integration with real services, Airflow, Superset in Chromium)
	@.venv/bin/pytest

test-fast: setup  ## unit tests only
	@.venv/bin/pytest tests/unit

bench: setup  ## time every stage of the pipeline (rows/s, seconds, peak memory)
	@$(GOVLAKE) bench

lint: setup  ## ruff and sqlfluff
	@.venv/bin/ruff check .
	@.venv/bin/sqlfluff lint dbt_project/models --processes 0

clean: stop  ## remove generated data (var/) — environments stay
	rm -rf var test-artifacts
