# The commands of the README: `make run` (set up, then the daemon `duluan start` on the
# shipped config.yaml: SQLite, alerts on the console without a bot token; Ctrl-C stops it),
# `make demo` (set up, then `duluan demo`: sample outlets on this machine, no Internet needed,
# a throwaway data folder) and `make test` (set up, then lint, type-check and test on every core).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run demo test lint bench clean

run: $(VENV)/.installed
	$(BIN)/duluan start

demo: $(VENV)/.installed
	$(BIN)/duluan demo

# One pytest worker per core (pytest-xdist): each worker is a session with its own PostgreSQL
# database and schema templates, and the suite's servers all take a free port; an idle worker
# takes tests queued for the other (worksteal), so a slow test at the end does not leave it idle.
test: $(VENV)/.installed-dev lint
	$(BIN)/pytest -q -n auto --dist worksteal

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/latency.py

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[postgres]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

clean:
	rm -rf $(VENV) build *.egg-info
