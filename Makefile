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

# A user's variables reach the shell as quoted words only, taken as given (`value`: make expands
# nothing in them either, and `unexport` keeps make from expanding them for the environment):
# SOURCE="a b" is two sources, ARGS="--jobs 2" two arguments, and SOURCE='x; touch pwned' three odd
# words for bin/dango, never a command.
unexport SOURCE ARGS EXTRAS
shell_words = $(foreach each,$(value $(1)),'$(subst ','\'',$(each))')
shell_word = '$(subst ','\'',$(value $(1)))'

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: setup
setup: ## Create .venv from pinned requirements and those sources.yml needs (EXTRAS="postgres mysql ..." adds more, see bin/requirements)
	@EXTRAS=$(call shell_word,EXTRAS) $(ROOT)/bin/setup

.PHONY: sync
sync: setup ## Load sources into the warehouse, data/warehouse.duckdb by default (SOURCE=name for one or "a b" for several)
	@$(DANGO) sync $(call shell_words,SOURCE) $(call shell_words,ARGS)

.PHONY: validate
validate: setup ## Check .dango/sources.yml and custom_sources/ without writing the warehouse
	@$(DANGO) validate $(call shell_words,ARGS)

.PHONY: sources
sources: setup ## List the registered sources
	@$(DANGO) source list $(call shell_words,ARGS)

.PHONY: add-source
add-source: setup ## Add a source to .dango/sources.yml by answering questions (ARGS="rest_api --name x ..." answers them as flags)
	@$(DANGO) source add $(call shell_words,ARGS)

.PHONY: status
status: setup ## Each source's last run and last success (ARGS="--max-age 26h" to alert)
	@$(DANGO) status $(call shell_words,ARGS)

.PHONY: generate
generate: setup ## Write dbt staging models for the warehouse's tables (sync does it too; SOURCE=name for some)
	@$(DANGO) generate $(call shell_words,SOURCE) $(call shell_words,ARGS)

.PHONY: seed
seed: setup ## Load dbt/seeds/*.csv into the warehouse (dbt seed)
	@$(DANGO) seed $(call shell_words,ARGS)

.PHONY: transform
transform: setup ## Build seeds, models and tests with dbt build (ARGS="--select x" goes to dbt)
	@$(DANGO) transform $(call shell_words,ARGS)

.PHONY: all
all: sync ## Sync (SOURCE, ARGS as for sync), then transform, then docs if sources.yml says `docs: after_all: true`; stops if a source failed
	@$(DANGO) transform
	@$(DANGO) docs --after-all

.PHONY: docs
docs: setup ## Build the browsable site in data/docs (ARGS="--serve --port 8000" to serve it on 127.0.0.1)
	@$(DANGO) docs $(call shell_words,ARGS)

.PHONY: push
push: setup ## Deploy to the server of .dango/remote.yml (ARGS="--dry-run", "--yes" for CI)
	@$(DANGO) remote push $(call shell_words,ARGS)

.PHONY: test
test: ## Run every test, unit and integration, two at a time (installs the database drivers, s3fs, moto, the docs site's extras and the test tools too)
	@EXTRAS="postgres sql mysql s3 test docs dev "$(call shell_word,EXTRAS) $(ROOT)/bin/setup
	@$(PYTHON) -m pytest -n $(TEST_JOBS) --dist loadfile $(call shell_words,ARGS)

.PHONY: test-unit
test-unit: ## Run the unit tests only: seconds, no servers, no dbt
	@EXTRAS="dev "$(call shell_word,EXTRAS) $(ROOT)/bin/setup
	@$(PYTHON) -m pytest $(ROOT)/tests/unit $(call shell_words,ARGS)

.PHONY: reference
reference: setup ## Write docs/commands.md from bin/dango's parser (a test checks it is current)
	@PYTHONPATH=$(ROOT) $(PYTHON) -P -m runner.reference > $(ROOT)/docs/commands.md

.PHONY: lint
lint: ## ruff check, ruff format --check and the type checker (mypy)
	@EXTRAS="dev "$(call shell_word,EXTRAS) $(ROOT)/bin/setup
	@$(PYTHON) -m ruff check $(ROOT) && $(PYTHON) -m ruff format --check $(ROOT) && \
		$(PYTHON) -m mypy --config-file $(ROOT)/pyproject.toml $(ROOT)/runner
