# stateless-shop: `make run` serves the shop on http://127.0.0.1:8000, `make test` tests it.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test screenshots bench lint format install clean

run: install .env
	deploy/dev/services.sh run
	set -a; [ ! -f var/fallback.env ] || . var/fallback.env; set +a; \
	  exec env PYTHONPATH=deploy/dev $(BIN)/python -m localcluster

test: install
	deploy/dev/services.sh test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# PNGs of the main pages, desktop and phone, into docs/screenshots/ (shown in the README).
screenshots: install
	deploy/dev/services.sh test
	$(BIN)/pytest -m screenshots tests/browser/test_screenshots.py -q

# stateless vs legacy under wrk, side by side; writes docs/benchmarks.md and .png.
bench: install
	deploy/dev/services.sh run
	command -v wrk >/dev/null || apt-get install -y -qq wrk
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/compare.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

# Local settings kept between runs: the generated password of the demo staff user.
.env:
	@umask 077; echo "DJANGO_ADMIN_PASSWORD=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(12))')" > $@
	@echo "wrote .env with a generated DJANGO_ADMIN_PASSWORD"

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache *.egg-info
