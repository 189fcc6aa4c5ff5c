# stateless-shop: `make run` serves the shop on http://127.0.0.1:8000, `make test` tests it.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Test processes (pytest-xdist, one file per process at a time): most slow tests wait on
# the servers they start, so more processes than cores shortens `make test`.
TEST_WORKERS ?= 4

.PHONY: run test screenshots bench bench-quick bench-install demo-migration lint format install clean

run: install .env
	deploy/dev/services.sh run
	set -a; [ ! -f var/fallback.env ] || . var/fallback.env; set +a; \
	  exec env PYTHONPATH=deploy/dev $(BIN)/python -m localcluster

test: install
	deploy/dev/services.sh test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

# PNGs of the main pages, desktop and phone, into docs/screenshots/ (shown in the README).
screenshots: install
	deploy/dev/services.sh test
	$(BIN)/pytest -m screenshots tests/browser/test_screenshots.py -q

# stateless, legacy-db, legacy-cache and a bare Django view under one gunicorn command,
# side by side (bench/run.py); writes docs/benchmarks.md, docs/benchmarks/*.png and
# bench/results.json. BENCH_ARGS passes options (python -m bench --help).
bench: bench-install
	$(BIN)/python -m bench $(BENCH_ARGS)

# The same machinery in a short smoke run (tests/bench runs it), into BENCH_QUICK_OUT.
BENCH_QUICK_OUT ?= var/bench-quick
bench-quick: bench-install
	$(BIN)/python -m bench --quick --out $(BENCH_QUICK_OUT) \
	  --results $(BENCH_QUICK_OUT)/results.json $(BENCH_ARGS)

bench-install: install $(VENV)/.bench-installed
	deploy/dev/services.sh run
	command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || \
	  echo "wrk could not be installed: the report leaves out the driver's ceiling"

$(VENV)/.bench-installed: pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[bench]'
	@touch $@

# One scripted shopper against each set-up of the migration (legacy, sticky legacy,
# database sessions, the bridge in a rolling deploy, stateless) on loopback: prints the
# table and writes docs/migration-demo.md. DEMO_ARGS passes options (--rounds, --only).
demo-migration: install
	deploy/dev/services.sh run
	set -a; [ ! -f var/fallback.env ] || . var/fallback.env; set +a; \
	  PYTHONPATH=deploy/dev $(BIN)/python -m tests.cluster.migration_demo $(DEMO_ARGS)

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
