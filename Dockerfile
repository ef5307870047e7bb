# syntax=docker/dockerfile:1
# Havre: the app image (gunicorn), also used by the cron service (supercronic).
# Debian 12 (bookworm) on purpose: the plain python:3.11-slim tag moved to Debian 13, which has
# no postgresql-client-15, and pg_dump/pg_restore must match the PostgreSQL 15 server.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY config ./config
COPY apps ./apps
RUN pip wheel --wheel-dir /wheels .
# supercronic runs ops/crontab in the cron service: a cron made for containers (no root, the
# container's environment passed to jobs, their output on stdout). Checked against its SHA-1
# from the release page: https://github.com/aptible/supercronic/releases
ARG SUPERCRONIC_VERSION=v0.2.34
ARG SUPERCRONIC_SHA1SUM=e8631edc1775000d119b70fd40339a7238eece14
RUN python - <<'PY'
import hashlib, os, urllib.request
version, expected = os.environ["SUPERCRONIC_VERSION"], os.environ["SUPERCRONIC_SHA1SUM"]
url = f"https://github.com/aptible/supercronic/releases/download/{version}/supercronic-linux-amd64"
data = urllib.request.urlopen(url, timeout=60).read()
if hashlib.sha1(data).hexdigest() != expected:
    raise SystemExit(f"supercronic {version}: SHA-1 mismatch")
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
RUN pip install /wheels/*.whl && rm -rf /wheels
# The code belongs to root: the app user may write var/ (backups) and nothing else.
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
ENTRYPOINT ["docker/entrypoint.sh"]
# Threaded workers (gthread, our JSON-error worker class): config/gunicorn.conf.py.
CMD ["gunicorn", "config.wsgi:application", "-c", "config/gunicorn.conf.py"]
