# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Development only: production sets its own key (see docs/operator-guide.md).
export DEBRIEF_SECRET_KEY ?= insecure-development-key-do-not-use-in-production
# 0.0.0.0 serves http://127.0.0.1:8000/ and the machine's other addresses, so that a
# phone on the same network can open a demo ballot.
HOST ?= 0.0.0.0
PORT ?= 8000

.PHONY: run test install lint typecheck messages bench chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev-deps: requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@ $(VENV)/.run-deps

install: $(VENV)/.run-deps
	@mkdir -p var/static
	$(MANAGE) compilemessages --ignore=.venv --verbosity 0

run: install
	DEBRIEF_DEBUG=1 $(MANAGE) migrate --noinput
	DEBRIEF_DEBUG=1 $(MANAGE) demo
	DEBRIEF_DEBUG=1 DEBRIEF_ALLOWED_HOSTS='*' $(MANAGE) runserver $(HOST):$(PORT)

# Browser tests drive Debian's chromium (Playwright's own browser download does not
# work on an isolated network).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-deps
	$(BIN)/mypy debrief bench

test: $(VENV)/.dev-deps chromium
	@mkdir -p var/static
	$(MANAGE) compilemessages --ignore=.venv --verbosity 0
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy debrief bench
	$(MANAGE) makemigrations --check --dry-run --verbosity 1
	$(BIN)/pytest $(PYTEST_ARGS)

messages: $(VENV)/.dev-deps
	for app in debrief/*/; do [ -d "$$app/locale" ] && (cd $$app && ../../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete) || true; done

bench: $(VENV)/.dev-deps
	$(BIN)/python bench/orgs.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
