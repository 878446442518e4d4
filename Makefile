# Dango: every target is a thin call of a bin/ script. Run `make` (or `make help`) for the list.
# Works from any folder with `make -C path/to/project TARGET`.
ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
DANGO ?= $(ROOT)/bin/dango
PYTHON ?= $(ROOT)/.venv/bin/python
SOURCE ?=
ARGS ?=
EXTRAS ?=
# Test processes side by side, each taking whole files (their module-scoped servers stay on one worker).
TEST_JOBS ?= 2

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: setup
setup: ## Create .venv from pinned requirements and those sources.yml needs (EXTRAS="postgres mysql ..." adds more, see bin/requirements)
	@EXTRAS="$(EXTRAS)" $(ROOT)/bin/setup

.PHONY: sync
sync: setup ## Load sources into the warehouse, data/warehouse.duckdb by default (SOURCE=name for one or "a b" for several)
	@$(DANGO) sync $(SOURCE) $(ARGS)

.PHONY: validate
validate: setup ## Check .dango/sources.yml and custom_sources/ without writing the warehouse
	@$(DANGO) validate $(ARGS)

.PHONY: sources
sources: setup ## List the registered sources
	@$(DANGO) source list $(ARGS)

.PHONY: status
status: setup ## Each source's last run and last success (ARGS="--max-age 26h" to alert)
	@$(DANGO) status $(ARGS)

.PHONY: generate
generate: setup ## Write dbt staging models for the warehouse's tables (sync does it too; SOURCE=name for some)
	@$(DANGO) generate $(SOURCE) $(ARGS)

.PHONY: seed
seed: setup ## Load dbt/seeds/*.csv into the warehouse (dbt seed)
	@$(DANGO) seed $(ARGS)

.PHONY: transform
transform: setup ## Build seeds, models and tests with dbt build (ARGS="--select x" goes to dbt)
	@$(DANGO) transform $(ARGS)

.PHONY: all
all: sync ## Sync (SOURCE, ARGS as for sync), then transform, then docs if sources.yml says `docs: after_all: true`; stops if a source failed
	@$(DANGO) transform
	@$(DANGO) docs --after-all

.PHONY: docs
docs: setup ## Build the browsable site in data/docs (ARGS="--serve --port 8000" to serve it on 127.0.0.1)
	@$(DANGO) docs $(ARGS)

.PHONY: push
push: setup ## Deploy to the server of .dango/remote.yml (ARGS="--dry-run", "--yes" for CI)
	@$(DANGO) remote push $(ARGS)

.PHONY: test
test: ## Run every test, unit and integration, two at a time (installs the database drivers, s3fs, moto, the docs site's extras and the test tools too)
	@EXTRAS="postgres sql mysql s3 test docs dev $(EXTRAS)" $(ROOT)/bin/setup
	@$(PYTHON) -m pytest -n $(TEST_JOBS) --dist loadfile $(ARGS)

.PHONY: test-unit
test-unit: ## Run the unit tests only: seconds, no servers, no dbt
	@EXTRAS="dev $(EXTRAS)" $(ROOT)/bin/setup
	@$(PYTHON) -m pytest $(ROOT)/tests/unit $(ARGS)

.PHONY: reference
reference: setup ## Write docs/commands.md from bin/dango's parser (a test checks it is current)
	@PYTHONPATH=$(ROOT) $(PYTHON) -P -m runner.reference > $(ROOT)/docs/commands.md

.PHONY: lint
lint: ## ruff check, ruff format --check and the type checker (mypy)
	@EXTRAS="dev $(EXTRAS)" $(ROOT)/bin/setup
	@$(PYTHON) -m ruff check $(ROOT) && $(PYTHON) -m ruff format --check $(ROOT) && \
		$(PYTHON) -m mypy --config-file $(ROOT)/pyproject.toml $(ROOT)/runner
