# syntax=docker/dockerfile:1
# Havre: the app image (gunicorn), also used by the cron service (supercronic).
# Debian 12 (bookworm) on purpose: the plain python:3.11-slim tag moved to Debian 13, which has
# no postgresql-client-15, and pg_dump/pg_restore must match the PostgreSQL 15 server.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY requirements.txt pyproject.toml README.md ./
COPY config ./config
COPY apps ./apps
# The locked dependencies, every file's hash checked, then the project built by the locked
# setuptools (no build isolation: nothing unpinned is fetched).
RUN pip wheel --require-hashes --wheel-dir /wheels -r requirements.txt \
    && pip install --no-index --no-deps /wheels/setuptools-*.whl \
    && pip wheel --no-deps --no-build-isolation --wheel-dir /wheels .
# supercronic runs ops/crontab in the cron service: a cron made for containers (no root, the
# container's environment passed to jobs, their output on stdout). One binary per architecture,
# chosen by TARGETARCH (BuildKit sets it; without it, the build machine's), each checked against
# its SHA-1. The release page lists the sums (https://github.com/aptible/supercronic/releases,
# v0.2.34); these two were taken from public Dockerfiles that pin v0.2.34 for both
# architectures (several, unrelated, all agreeing), and were NOT compared with the release page
# itself: the machine they were written on had no network. Check both there when bumping.
ARG TARGETARCH
ARG SUPERCRONIC_VERSION=v0.2.34
ARG SUPERCRONIC_SHA1SUM_AMD64=e8631edc1775000d119b70fd40339a7238eece14
ARG SUPERCRONIC_SHA1SUM_ARM64=4ab6343b52bf9da592e8b4bb7ae6eb5a8e21b71e
RUN python - <<'PY'
import hashlib, os, platform, urllib.request
machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
arch = os.environ.get("TARGETARCH") or machine
expected = {
    "amd64": os.environ["SUPERCRONIC_SHA1SUM_AMD64"],
    "arm64": os.environ["SUPERCRONIC_SHA1SUM_ARM64"],
}.get(arch)
if expected is None:
    raise SystemExit(f"supercronic: no checksum for architecture {arch!r} (amd64, arm64)")
version = os.environ["SUPERCRONIC_VERSION"]
url = f"https://github.com/aptible/supercronic/releases/download/{version}/supercronic-linux-{arch}"
data = urllib.request.urlopen(url, timeout=60).read()
if hashlib.sha1(data).hexdigest() != expected:
    raise SystemExit(f"supercronic {version} {arch}: SHA-1 mismatch")
with open("/supercronic", "wb") as binary:
    binary.write(data)
os.chmod("/supercronic", 0o755)
PY

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.prod \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
# pg_dump/pg_restore/psql of the server's major version, for backups and restores.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system havre && useradd --system --gid havre --home-dir /app havre
WORKDIR /app
COPY --from=build /wheels /wheels
COPY --from=build /supercronic /usr/local/bin/supercronic
RUN pip install --no-index --no-deps /wheels/*.whl && rm -rf /wheels
# The code belongs to root: the app user may write var/ (backups) and nothing else.
# .dockerignore is an allow-list: the code, its templates and fixtures, manage.py and the
# container scripts; no tests, bench, docs, .git, var or .env.
COPY . .
# Static files are collected at build time; a throwaway key, for this step only, is enough.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
    && mkdir -p /app/var/backups && chown -R havre:havre /app/var
USER havre
EXPOSE 8000
# The probe names the first of ALLOWED_HOSTS as its Host: Django answers 400 to any other.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request as u; \
h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); \
h = 'localhost' if h in ('', '*') else h; \
u.urlopen(u.Request('http://127.0.0.1:8000/health/', headers={'Host': h}), timeout=4)"
# No entry point: settings read the database connection's parts themselves
# (config/database_env.py), so `docker compose exec` and `run` work alike. Nothing migrates on
# start: the compose stack's `migrate` service does, once, before web and cron.
# Threaded workers (gthread, our JSON-error worker class): config/gunicorn.conf.py.
CMD ["gunicorn", "config.wsgi:application", "-c", "config/gunicorn.conf.py"]
