# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
CONFIG ?= sources.toml
SHARED ?= ../shared
DEV_SET ?= $(SHARED)/extraction-dev
STORIES_DEV ?= $(SHARED)/stories-dev
SOAK_MINUTES ?= 10
FUZZ_SECONDS ?= 120
CHROMIUM ?= /usr/bin/chromium
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.DEFAULT_GOAL := help
.PHONY: help run test lint eval eval-stories bench bench-dedup soak faults-memory fuzz schema clean

help:
	@echo "make run    create $(VENV), install, migrate and start the daemon with $(CONFIG)"
	@echo "make test   install the test extras (and Debian's chromium) and run the whole suite"
	@echo "make lint   ruff, mypy and the layer contracts of .importlinter"
	@echo "make eval   extraction quality, tune and check splits, on the sets in $(SHARED), beside trafilatura"
	@echo "make eval-stories  story B-cubed/pairwise P/R/F1 on $(STORIES_DEV)'s check halves, beside singletons and TF-IDF"
	@echo "make bench  pages/s of extraction alone and of a full crawl into PostgreSQL"
	@echo "make bench-dedup  near-duplicate and story quality on $(DEV_SET); linking cost at 10k and 100k articles"
	@echo "make soak   crawl a hostile site for $(SOAK_MINUTES) min with kills and database restarts, checking invariants"
	@echo "make faults-memory  peak RSS of a crawl meeting 50 MB pages and a gzip bomb"
	@echo "make schema  rewrite db/schema.sql from the migrations (after adding one)"
	@echo "make fuzz   atheris fuzzing of extraction, feed/sitemap parsing and URLs for $(FUZZ_SECONDS) s"

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
	$(BIN)/lint-imports

eval: $(VENV)/.installed-dev
	$(BIN)/python scripts/eval.py --shared $(SHARED)

# Stores the check half of each stories-dev subset through store_pages into a fresh database;
# scikit-learn is only for the TF-IDF baseline printed beside it.
eval-stories: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -e '.[eval]'
	$(BIN)/python scripts/eval_stories.py --dev-set $(STORIES_DEV)

bench: $(VENV)/.installed-dev
	$(BIN)/python scripts/bench.py --dev-set $(DEV_SET)

bench-dedup: $(VENV)/.installed-dev
	$(BIN)/python scripts/bench_dedup.py --dev-set $(DEV_SET)

schema: $(VENV)/.installed-dev
	$(BIN)/python scripts/schema_snapshot.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis

# Long fault/restart loop (kills, database restarts) that stops by itself; not part of `make test`.
soak: $(VENV)/.installed-dev
	$(BIN)/python scripts/soak.py --minutes $(SOAK_MINUTES)

faults-memory: $(VENV)/.installed-dev
	$(BIN)/python scripts/faults_memory.py

# Coverage-guided fuzzing with atheris for FUZZ_SECONDS (the bounded hypothesis fuzz tests run in `make test`).
fuzz: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -e '.[fuzz]'
	$(BIN)/python scripts/fuzz.py --seconds $(FUZZ_SECONDS)
