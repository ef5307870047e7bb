# Two commands on a fresh machine: `make run` and `make test`. Everything else is a step of them.
# PYTHON: the interpreter that makes .venv (3.11 or 3.12; unset: found, see scripts/install.sh).
PYTHON ?=
VENV := .venv
PY := $(VENV)/bin/python
# `make lock` resolves from the default package index alone, with hashes of its files: this
# machine's pip configuration (mirrors, local wheels) must not leak into the lock.
LOCK_ENV := env -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_FIND_LINKS -u PIP_CONSTRAINT \
	-u PIP_NO_INDEX PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock"
COMPILE := $(LOCK_ENV) $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
	--all-build-deps --strip-extras --no-emit-index-url --no-emit-find-links
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install db migrate seed lint format serve check-deploy bench lock clean

run: seed serve

test: lint db
	$(VENV)/bin/pytest $(PYTEST_ARGS)

install:
	@PYTHON='$(PYTHON)' VENV='$(VENV)' sh scripts/install.sh

db: install
	$(PY) scripts/ensure_database.py

migrate: db
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed

serve: install
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

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

# The benchmark (README.md, "Performance"; docs/design.md, "Performance at scale"): builds/reuses databases havre_bench (1M listings) and
# havre_bench_small (10k), then prints every figure beside its raw baseline.
bench: install db
	$(PY) -m bench $(BENCH_ARGS)

# The staff guide's pictures (docs/staff-guide/*.png), retaken by the browser tests that show
# them (docs/setup.md): commit the result.
.PHONY: screenshots
screenshots: db
	STAFF_GUIDE_SCREENSHOTS=1 $(VENV)/bin/pytest tests/e2e/test_moderation.py tests/e2e/test_admin_layout.py -p no:randomly -q
