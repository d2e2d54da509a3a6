# The two commands a newcomer needs: `make run` and `make test`. Everything else is set up by them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?= -n 2

.PHONY: install browser run test lint format worker beat clean pdf-libraries bench load-tool

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/dist/app.css: node_modules/.installed static/src/app.scss static/src/copy-vendor.sh $(wildcard static/src/js/*.js)
	npm run --silent build

install: $(VENV)/.installed static/dist/app.css pdf-libraries

# The browser tests drive Debian's Chromium (/usr/bin/chromium). Installed here when we can.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
		else \
			echo "Browser tests need Debian's chromium package: sudo apt-get install chromium"; \
		fi; }

# Serve the app on http://127.0.0.1:$(PORT) with demo data. SQLite unless DATABASE_URL is set;
# tasks run in-process unless REDIS_URL is set.
run: install
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The whole suite. With DATABASE_URL and REDIS_URL it runs on PostgreSQL and Redis (as CI does).
test: install browser
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=tests.settings > /dev/null
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS) --every-list-budgeted --ignore=tests/e2e
	$(BIN)/python -m pytest tests/e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	$(BIN)/celery -A safeguarding worker --loglevel=info

beat: install
	$(BIN)/celery -A safeguarding beat --loglevel=info

clean:
	rm -rf $(VENV) node_modules static/dist staticfiles

# WeasyPrint (the yearly report's PDF) needs Pango. Installed with apt when root and missing.
pdf-libraries:
	@if ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0; \
		else \
			echo "PDFs need Pango: install libpango-1.0-0 and libpangoft2-1.0-0"; \
		fi; \
	fi

# The national-scale benchmark (docs/performance.md). Drops and rebuilds the database named by
# DATABASE_URL, which must contain "bench"; production settings, gunicorn and wrk.
BENCH_ENV := DJANGO_SETTINGS_MODULE=bench.settings SECRET_KEY=$${SECRET_KEY:-bench-only-not-a-secret} \
	ALLOWED_HOSTS=127.0.0.1 LOG_LEVEL=WARNING \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/safeguarding_bench} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0}
BENCH_RECORD := $(or $(TMPDIR),/tmp)/safeguarding-bench-dataset.json

bench: install load-tool
	@started=$$(date +%s); \
	$(BENCH_ENV) $(BIN)/python -m bench.reset_database && \
	$(BENCH_ENV) $(BIN)/python manage.py migrate --noinput -v0 && \
	$(BENCH_ENV) $(BIN)/python manage.py collectstatic --noinput -v0 && \
	$(BENCH_ENV) $(BIN)/python manage.py bench_generate --record $(BENCH_RECORD) && \
	$(BENCH_ENV) $(BIN)/python manage.py bench_run --dataset $(BENCH_RECORD) --started $$started

# wrk, the load tool, from Debian.
load-tool:
	@command -v wrk >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get install -y -qq wrk || { apt-get update -qq && apt-get install -y -qq wrk; }; \
		else \
			echo "The benchmark needs wrk: sudo apt-get install wrk"; exit 1; \
		fi; }
