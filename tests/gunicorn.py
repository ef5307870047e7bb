"""A real gunicorn, several worker processes, serving the test database with the production
settings — for behaviour that only shows across processes (throttles, locks, pools).

Data the server must see has to be committed: use it from `django_db(transaction=True)` tests.
"""

import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.helpers import unused_port

ROOT = Path(__file__).resolve().parents[1]


def test_database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def gunicorn(*, workers: int = 4, log: Path, **environment: str):
    """Serve config.wsgi on 127.0.0.1 with `workers` sync workers; yields the base URL.
    `environment` adds to (and overrides) the server's environment; its output (stderr, and
    stdout where gunicorn's access log goes) is written to `log`. The server's cache keys get a
    prefix of their own, deleted when it stops."""
    port = unused_port()
    cache_prefix = f"{settings.CACHES['default']['KEY_PREFIX']}:gunicorn-{secrets.token_hex(4)}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.gunicorn_settings",
        "DATABASE_URL": test_database_url(),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "CACHE_KEY_PREFIX": cache_prefix,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_WORKER_CLASS": "sync",
        "GUNICORN_THREADS": "1",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        **environment,
    }
    with open(log, "w") as output:
        server = subprocess.Popen(  # noqa: S603 — our own server, fixed arguments
            [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
            + ["-c", "config/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=output,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, server, log)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=60)
        from django_redis import get_redis_connection

        redis = get_redis_connection("default")
        for key in redis.scan_iter(match=f"{cache_prefix}:*"):
            redis.delete(key)


def _wait_until_up(base_url: str, server: subprocess.Popen, log: Path, seconds: int = 90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"gunicorn exited ({server.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/health/", timeout=5):  # noqa: S310
                return
        except OSError:  # refused while binding, or a timeout while workers boot
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer within {seconds} s:\n{log.read_text()}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at (a login's 302), not to follow


_opener = urllib.request.build_opener(_NoRedirect)


def request(url: str, *, data: bytes | None = None, headers: dict | None = None):
    """(status, headers, body) of one request; redirects, 4xx and 5xx are answers too."""
    req = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    try:
        with _opener.open(req, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
