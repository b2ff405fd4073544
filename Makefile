# Child online-safety assistant: the one entry point. `make help` lists the targets.
-include .env
# Defaults for what endpoints.yml reads (Rasa refuses to start if one is unset).
ACTIONS_PORT ?= 5055
TRACKER_DB ?= var/rasa.db
RETENTION_DAYS ?= 30
# rasa-sdk binds the action server to SANIC_HOST (0.0.0.0 otherwise): keep it
# on loopback also for an action server started by hand in this environment.
SANIC_HOST ?= 127.0.0.1
# No telemetry or error reports leave the machine (and CI has no network).
RASA_TELEMETRY_ENABLED := false
export

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
STAMP := $(VENV)/.installed

# Rasa 3.6 runs on Python 3.8-3.10 only. Find a python3.10 that really runs: the
# bare pyenv shim refuses unless a 3.10 version is selected, so try it with
# PYENV_VERSION too, then pyenv's install directory, then the system.
PYTHON310 ?= $(shell \
	for c in "python3.10" "env PYENV_VERSION=3.10.13 python3.10"; do \
	  p=$$($$c -c 'import sys; print(sys.executable)' 2>/dev/null) && { echo $$p; exit; }; \
	done; \
	for p in $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	  [ -x $$p ] && { echo $$p; exit; }; \
	done)

.PHONY: help install train run test evaluate bench lint format clean lock review-export review-import

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt actions/requirements.txt requirements-nodeps.txt constraints.txt
	@test -n "$(PYTHON310)" || { echo "python3.10 not found: install Python 3.10 (pyenv install 3.10.13)"; exit 1; }
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==24.0
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	@touch $(STAMP)

install: $(STAMP) ## Create or update the virtualenv .venv from the pinned requirements

# Trains only when config, domain, training data, component code or pinned
# packages changed since the newest model was made (python -m bot.training;
# README, "Training: what retrains"). FORCE=1 trains anyway.
train: $(STAMP) ## Train the model if its inputs changed (FORCE=1: always)
	$(PY) -m bot.training $(if $(FORCE),--force)

run: train ## Set up, train if needed, then run Rasa, the action server and the web chat page
	$(PY) -m bot.launch

test: train ## Set up and run the whole test suite (lint, types, data, unit, stories, end-to-end)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(RASA) data validate --config config.yml --domain domain.yml --data data --fail-on-warnings --quiet
	@sh scripts/chromium.sh  # Debian's chromium for tests/browser/ where it can be installed
	$(VENV)/bin/pytest
	$(RASA) test core --e2e --model models --stories tests/stories \
		--fail-on-prediction-errors --out results/stories --quiet

evaluate: train ## Evaluate the NLU per language on the held-out sets in tests/nlu (writes results/)
	$(PY) scripts/evaluate.py --model models --data tests/nlu --out results

bench: train ## Benchmarks against a bare `rasa init` project made in the same run (figures only; ~10 min)
	$(PY) -m benchmarks.webhook $(BENCH_ARGS)

review-export: $(STAMP) ## Write review/<lang>-*.csv for reviewers (LANG=th for one language)
	$(PY) -m bot.review export $(if $(filter command line,$(origin LANG)),--language $(LANG))

review-import: $(STAMP) ## Check and apply a returned file: FILE=review/th-answers.csv [REVIEWER="Name"]
	@test -n "$(FILE)" || { echo 'usage: make review-import FILE=review/th-answers.csv REVIEWER="Name"'; exit 2; }
	$(PY) -m bot.review import "$(FILE)" $(if $(REVIEWER),--reviewer "$(REVIEWER)")

lint: $(STAMP) ## Lint and type-check only
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP) ## Format the code
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lock: $(STAMP) ## Regenerate constraints.txt from the current .venv
	{ echo "# Full pinned dependency set (pip freeze of a working .venv on python3.10.13); used with -c."; \
	  $(PY) -m pip freeze --exclude-editable; } > constraints.txt

clean: ## Remove the virtualenv, models, results and local databases
	rm -rf $(VENV) models/*.tar.gz results .rasa .pytest_cache .mypy_cache .ruff_cache var
