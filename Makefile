# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
CONFIG ?= sources.toml
DEV_SET ?= ../shared/extraction-dev
CHROMIUM ?= /usr/bin/chromium
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.DEFAULT_GOAL := help
.PHONY: help run test lint eval bench bench-dedup clean

help:
	@echo "make run    create $(VENV), install, migrate and start the daemon with $(CONFIG)"
	@echo "make test   install the test extras (and Debian's chromium) and run the whole suite"
	@echo "make lint   ruff and mypy"
	@echo "make eval   extraction quality on $(DEV_SET), beside trafilatura"
	@echo "make bench  pages/s of extraction alone and of a full crawl into PostgreSQL"
	@echo "make bench-dedup  near-duplicate and story quality on $(DEV_SET); linking cost at 10k and 100k articles"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,dev]'
	@touch $@

run: $(VENV)/.installed
	$(BIN)/scraper run --config $(CONFIG)

# The ops-page tests drive Debian's Chromium through Playwright (no browser download).
$(CHROMIUM):
	$(SUDO) apt-get install -y -qq chromium || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium)

test: $(VENV)/.installed-dev $(CHROMIUM)
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check scraper spiders tests scripts
	$(BIN)/mypy scraper spiders

eval: $(VENV)/.installed-dev
	$(BIN)/python scripts/eval.py --dev-set $(DEV_SET)

bench: $(VENV)/.installed-dev
	$(BIN)/python scripts/bench.py --dev-set $(DEV_SET)

bench-dedup: $(VENV)/.installed-dev
	$(BIN)/python scripts/bench_dedup.py --dev-set $(DEV_SET)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
