# One entry point for every task. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
AXE := node_modules/axe-core/axe.min.js

.DEFAULT_GOAL := help
.PHONY: help run test lint fix bench clean system

help: ## List the tasks
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-6s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "easeback needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@ $(RUN_STAMP)

run: $(RUN_STAMP) ## Set up .venv and start the web app on http://127.0.0.1:8421/
	$(BIN)/easeback serve

$(AXE): package.json package-lock.json | system
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

system: ## Install the Debian packages the tests and benchmarks need (chromium, node, PostgreSQL...), or say how
	@scripts/system-packages

test: system $(DEV_STAMP) $(AXE) lint ## Lint, type-check and run the whole suite (installs what it needs)
	$(BIN)/pytest

lint: $(DEV_STAMP) ## ruff (lint + format check) and mypy --strict on src/ and benchmarks/
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/mypy --strict benchmarks/*.py

fix: $(DEV_STAMP) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

bench: system $(DEV_STAMP) $(AXE) ## Run the benchmarks and print their figures against targets
	$(BIN)/python benchmarks/run.py

clean: ## Remove .venv and caches (your data is elsewhere and is kept)
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
