# The two set-up commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app lms
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in emails, certificates (QR codes) and xAPI follow the address served, unless LMS_SITE_URL is given.
LMS_SITE_URL ?= http://$(HOST):$(PORT)
export LMS_SITE_URL
PYTEST_ARGS ?=
PYTEST_WORKERS ?= auto

.PHONY: run test install install-test translations messages migrate-check lint bench bench-queries clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: setup.cfg setup.py pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[postgres]'
	@touch $@

$(VENV)/.installed-test: setup.cfg setup.py pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,dev,postgres]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

translations: $(BIN)/python
	$(BIN)/pybabel compile -d lms/translations --statistics

## Serve the app with demo data and the shipped curriculum on http://$(HOST):$(PORT)
run: install translations
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) credentials keygen --if-missing
	$(FLASK) standards load
	$(FLASK) demo load --if-empty
	$(FLASK) content load
	$(FLASK) credentials backfill
	$(FLASK) run --host $(HOST) --port $(PORT)

## Run the whole suite (SQLite; PostgreSQL too when LMS_TEST_POSTGRES_URL is set)
test: install-test translations
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## Extract translatable strings and merge them into the catalogs
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -o lms/translations/messages.pot --no-location --sort-output --no-wrap .
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching --ignore-obsolete --no-wrap

## Lint and formatting, as CI checks them (`ruff format lms tests bench` fixes the formatting)
lint: install-test
	$(BIN)/ruff check lms tests bench
	$(BIN)/ruff format --check lms tests bench

## Every row of the issue-10 table (needs DATABASE_URL with bench/generate.py data, CEILING_DATABASE_URL, wrk)
bench: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/all.py $(BENCH_ARGS)

## Every dashboard query, the report pages in process, verify and the xAPI export
bench-queries: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) *.egg-info
