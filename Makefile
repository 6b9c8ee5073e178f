# Two commands for a newcomer: `make run` (a local demo) and `make test` (the whole suite).
# Both need only Python 3.11: they build a virtualenv in .venv and install what they need.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install run test lint bench

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(INSTALLED)

# A local settings file for the checkout (development settings read it), with a fresh random
# secret key.
.env:
	$(PYTHON) -c "import secrets; print('SECRET_KEY=' + secrets.token_urlsafe(50)); print('DEBUG=true')" > .env

run: $(INSTALLED) .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_brands --skip-existing
	$(BIN)/python manage.py demo_data
	# The Procfile's commands (python, celery) must be the virtualenv's.
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile.dev

# The layers' contract (pyproject.toml, drawn in ARCHITECTURE.md) first: a broken shape fails fast.
test: $(INSTALLED)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(INSTALLED)
	$(BIN)/python bench/business_time.py
