# Two commands do all the set-up: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PORT ?= 3000
# torch 2.13.0: the CPU wheel on the dev machines' disk; elsewhere PyPI's default build.
TORCH_SPEC ?= torch==2.13.0
PIP := $(VENV)/bin/pip --disable-pip-version-check -q
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.stamp

export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run run-scaled test lint migrate unit integration e2e scaled clean

help:
	@echo "make run   install what is missing, migrate, start the app on http://localhost:$(PORT)"
	@echo "make test  install what is missing, then lint and run unit, integration, e2e and scale-out tests"
	@echo "make run-scaled  PostgreSQL + Redis + WORKERS=4 workers (set TRAINPKG_DATABASE_URL)"

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)

$(STAMP)-app: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e .
	@touch $@

$(STAMP)-train: pyproject.toml | $(STAMP)-app
	$(PIP) install "$(TORCH_SPEC)"
	$(PIP) install -e '.[train]'
	@touch $@

# The tests train a tiny model for real, so they need the training libraries too.
$(STAMP)-test: pyproject.toml | $(STAMP)-train
	$(PIP) install -e '.[train,test]'
	@touch $@

.tools/node_modules/.bin/bun:
	@scripts/ensure-bun.sh >/dev/null

migrate: $(STAMP)-app
	$(BIN)/alembic upgrade head

run: $(STAMP)-train .tools/node_modules/.bin/bun migrate
	PATH="$(abspath .tools/node_modules/.bin):$$PATH" PORT=$(PORT) \
		$(BIN)/reflex run --env prod --single-port

# Scale-out: PostgreSQL, Redis as Reflex's state manager, several workers (README).
WORKERS ?= 4
REDIS_URL ?= redis://127.0.0.1:6379
run-scaled: $(STAMP)-train .tools/node_modules/.bin/bun
	@test -n "$${TRAINPKG_DATABASE_URL:-}" || { echo "Set TRAINPKG_DATABASE_URL=postgresql+psycopg://user@host:5432/db first (README: Scale-out)."; exit 1; }
	$(BIN)/alembic upgrade head
	PATH="$(abspath .tools/node_modules/.bin):$$PATH" PORT=$(PORT) REFLEX_REDIS_URL=$(REDIS_URL) \
		REFLEX_OPLOCK_ENABLED=true GRANIAN_WORKERS=$(WORKERS) $(BIN)/reflex run --env prod --single-port

lint: $(STAMP)-test
	$(BIN)/ruff check .
	$(BIN)/python scripts/check_imports.py

# Separate pytest processes: the browser harness reloads the app and would define its states twice.
unit: $(STAMP)-test
	$(BIN)/pytest tests/unit

integration: $(STAMP)-test
	$(BIN)/pytest tests/integration

e2e: $(STAMP)-test .tools/node_modules/.bin/bun
	TRAINPKG_CHROMIUM="$$(VENV=$(VENV) scripts/ensure-browser.sh)" \
		PATH="$(abspath .tools/node_modules/.bin):$$PATH" $(BIN)/pytest tests/e2e

# After e2e, never beside it: both build the app's frontend in .web/.
scaled: $(STAMP)-test .tools/node_modules/.bin/bun
	TRAINPKG_CHROMIUM="$$(VENV=$(VENV) scripts/ensure-browser.sh)" \
		PATH="$(abspath .tools/node_modules/.bin):$$PATH" $(BIN)/pytest tests/scaled

test: lint unit integration e2e scaled

clean:
	rm -rf .web .states .tools $(VENV)
