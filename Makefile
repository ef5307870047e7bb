# Two commands on a fresh machine: `make run` and `make test`. Everything else is a step of them.
# PYTHON: the interpreter that makes .venv (3.11 or 3.12; unset: found, see scripts/install.sh).
PYTHON ?=
VENV := .venv
PY := $(VENV)/bin/python
# The private PostgreSQL targets need no .venv (standard library only).
SYSPY := $(if $(wildcard $(PY)),$(PY),python3)
HOST ?= 127.0.0.1
# `make run` serves on PORT (environment, .env, or `make run PORT=8001`); PORT unset: on the
# first free port from 8000 (scripts/checkout.py serve prints it).

# `make lock` resolves from the default package index alone, with hashes of its files: this
# machine's pip configuration (mirrors, local wheels) must not leak into the lock.
LOCK_ENV := env -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_FIND_LINKS -u PIP_CONSTRAINT \
	-u PIP_NO_INDEX PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock"
COMPILE := $(LOCK_ENV) $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
	--all-build-deps --strip-extras --no-emit-index-url --no-emit-find-links

.PHONY: run test install db db-start db-stop db-status migrate seed lint format serve \
	check-deploy bench lock clean clean-all messages

run: seed serve

# The database first: makemigrations --check (lint) reads it.
test: lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

install:
	@PYTHON='$(PYTHON)' VENV='$(VENV)' sh scripts/install.sh

db: install
	$(PY) scripts/ensure_database.py

# This checkout's private PostgreSQL server (var/postgres), when it has one.
db-start:
	@$(SYSPY) scripts/private_postgres.py start

db-stop:
	@$(SYSPY) scripts/private_postgres.py stop

db-status:
	@$(SYSPY) scripts/private_postgres.py status || true

migrate: db
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed

# The job queue's worker runs beside the server (e-mails print here: EMAIL_URL=consolemail://)
# and stops with it.
serve: install
	$(PY) manage.py worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(PY) scripts/checkout.py serve --host $(HOST)

lint: db
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

# Translations (docs/setup.md, "Languages"), gettext needed: collects our strings into
# locale/fr/LC_MESSAGES/django.po (translate the new entries there) and compiles django.mo.
# Both are committed; tests/i18n fails on an untranslated, fuzzy or stale entry.
messages: install
	$(PY) manage.py makemessages --locale fr --no-obsolete --ignore 'tests/*' \
		--ignore 'node_modules/*' --ignore 'var/*'
	$(PY) manage.py compilemessages --locale fr --ignore '.venv' --ignore 'node_modules'

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.prod SECRET_KEY=$$(openssl rand -hex 40) \
	ALLOWED_HOSTS=havre.example.com $(PY) manage.py check --deploy --fail-level WARNING

# The lock files, from pyproject.toml: requirements.txt (the image), requirements-dev.txt
# (make install, CI), versions shared. Existing pins are kept; to move them:
# make lock LOCK_ARGS=--upgrade (or LOCK_ARGS='--upgrade-package django').
lock: install
	$(COMPILE) $(LOCK_ARGS) -o requirements.txt pyproject.toml
	$(COMPILE) $(LOCK_ARGS) --extra dev -c requirements.txt -o requirements-dev.txt pyproject.toml

clean:
	rm -rf $(VENV) var/static

# Everything `make` made: .venv and var/ (the private PostgreSQL cluster, stopped first, and
# its data; backups). .env stays: it names the database.
clean-all:
	@$(SYSPY) scripts/private_postgres.py stop
	rm -rf $(VENV) var

# The benchmark (README.md, "Performance"; docs/design.md, "Performance at scale"): builds/reuses databases havre_bench (1M listings) and
# havre_bench_small (10k), then prints every figure beside its raw baseline.
bench: install db
	$(PY) -m bench $(BENCH_ARGS)

# The staff guide's pictures (docs/staff-guide/*.png), retaken by the browser tests that show
# them (docs/setup.md): commit the result.
.PHONY: screenshots
screenshots: db
	STAFF_GUIDE_SCREENSHOTS=1 $(VENV)/bin/pytest tests/e2e/test_moderation.py tests/e2e/test_admin_layout.py -p no:randomly -q
