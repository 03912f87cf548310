# Larder: `make run` serves the whole system with demo data; `make test` runs the whole suite.
# Both work on a fresh clone with nothing but Python 3.11+: without DATABASE_URL an embedded
# PostgreSQL starts under .local/, and without CELERY_BROKER_URL Celery uses a folder broker.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install lint migrations-check bench stop-db clean messages

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The official DFC TypeScript connector, pinned by its lock, for the interop and FDC delivery tests.
NODE_STAMP := tests/interop/node_modules/.installed-stamp
$(NODE_STAMP): tests/interop/package-lock.json
	@if command -v npm >/dev/null; then \
		cd tests/interop && npm ci --no-audit --no-fund --silent && touch node_modules/.installed-stamp; \
	else echo "npm not found: the DFC connector tests skip (CI=true makes them fail)"; fi

# The same entrypoints as production (bin/), with the development settings and demo data.
run: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.dev bin/migrate -v0
	$(PY) manage.py demo_data
	$(PY) manage.py run_larder

test: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

migrations-check: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

bench: $(STAMP)
	$(PY) -m bench

stop-db: $(STAMP)
	$(PY) -c "from config.embedded_db import stop_embedded_server; stop_embedded_server()"

# Translations: needs GNU gettext (Debian: apt-get install gettext); running Larder does not,
# the compiled .mo files are committed. Then fill the new msgstr in locale/*/LC_MESSAGES/django.po.
messages: $(STAMP)
	$(PY) manage.py makemessages -l fr -l it --no-location --ignore=.venv --ignore=tests --ignore=bench --ignore=.local --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) .local staticfiles
