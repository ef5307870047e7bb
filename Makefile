# Two commands on a fresh machine: `make run` and `make test`. Everything else is a step of them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install db migrate seed lint format serve check-deploy bench clean

run: seed serve

test: lint db
	$(VENV)/bin/pytest $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

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
