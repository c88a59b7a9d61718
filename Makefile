# Caminante — the two commands a new user needs: `make run` (demo) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export CAMINANTE_DATA_DIR ?= $(CURDIR)/var

.PHONY: install install-test run demo-env migrate test test-sqlite test-postgres lint format bench bench-quick messages app-messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# The demo: embedded SQLite, demo data, web server and outbox worker together.
run: export CAMINANTE_DEMO ?= 1
run: export CAMINANTE_DEBUG ?= 1
run: install
	$(BIN)/caminante migrate --noinput
	$(BIN)/caminante seed-demo
	$(BIN)/caminante print-demo-logins
	@echo "Caminante is at http://$(HOST):$(PORT)/  (Ctrl-C stops the server and the worker)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/caminante worker & \
	  $(BIN)/caminante runserver --noreload $(HOST):$(PORT)

# The whole suite, against CAMINANTE_DATABASE_URL if set (PostgreSQL), else SQLite.
test: install-test
	CAMINANTE_TESTING=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check caminante tests bench
	$(BIN)/ruff format --check caminante tests bench
	$(BIN)/mypy

format: install-test
	$(BIN)/ruff format caminante tests bench
	$(BIN)/ruff check --fix caminante tests bench

bench-quick: install-test
	CAMINANTE_TESTING=1 $(BIN)/python bench/registry_search.py --quick
	$(BIN)/python -m bench.matching.run --quick
	CAMINANTE_TESTING=1 $(BIN)/python bench/cash/redemption_load.py --quick
	CAMINANTE_TESTING=1 $(BIN)/python bench/channels/webhook.py --quick
	$(BIN)/python bench/feedback/classifier.py --quick
	$(BIN)/python bench/faq_eval.py --quick
	CAMINANTE_TESTING=1 $(BIN)/python bench/safety/evaluate.py --quick
	CAMINANTE_TESTING=1 $(BIN)/python bench/referrals/nearest.py --quick

# Translations: the project's catalogue (caminante/locale) and one per app that has its own
# caminante/<app>/locale (so each app's strings are translated and committed with the app).
APPS_WITH_LOCALE = $(patsubst caminante/%/locale,%,$(wildcard caminante/*/locale))
MAKEMESSAGES = makemessages -l es -l pt -l en --no-obsolete
messages: install
	cd caminante && ../$(BIN)/django-admin $(MAKEMESSAGES) $(foreach app,$(APPS_WITH_LOCALE),--ignore '$(app)/*')
	for app in $(APPS_WITH_LOCALE); do (cd caminante/$$app && ../../$(BIN)/django-admin $(MAKEMESSAGES)) || exit 1; done
	cd caminante && ../$(BIN)/django-admin compilemessages

# One app's own catalogue (created if missing): `make app-messages APP=cash`.
app-messages: install
	mkdir -p caminante/$(APP)/locale
	cd caminante/$(APP) && ../../$(BIN)/django-admin $(MAKEMESSAGES) && ../../$(BIN)/django-admin compilemessages

clean:
	rm -rf $(VENV) var
