"""A real gunicorn, several worker processes, serving the test database with the production
settings — for behaviour that only shows across processes (throttles, locks, pools) — and
HAProxy in front of two of them, for what only shows across instances.

Data the server must see has to be committed: use it from `django_db(transaction=True)` tests.
"""

import http.client
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.parse
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
    prefix of their own (or the CACHE_KEY_PREFIX given, for servers that share their counters),
    deleted when it stops."""
    port = unused_port()
    cache_prefix = environment.pop(
        "CACHE_KEY_PREFIX", shared_cache_prefix(f"gunicorn-{secrets.token_hex(4)}")
    )
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
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
    try:
        with serving([*command, "-c", "config/gunicorn.conf.py"], env=env, log=log, port=port):
            yield f"http://127.0.0.1:{port}"
    finally:
        delete_cache_keys(cache_prefix)


@contextmanager
def serving(command: list[str], *, env: dict[str, str], log: Path, port: int):
    """`command` run from the checkout's root, its output in `log`, until it answers /health/
    on 127.0.0.1:`port`; stopped (SIGTERM) when the block ends."""
    with open(log, "w") as output:
        server = subprocess.Popen(  # noqa: S603 — our own servers, fixed arguments
            command, cwd=ROOT, env=env, stdout=output, stderr=output
        )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}", server, log)
        yield
    finally:
        server.terminate()
        server.wait(timeout=60)


def shared_cache_prefix(name: str) -> str:
    """A cache key prefix under this checkout's own (several servers given one count together:
    throttles, the login limiter)."""
    return f"{settings.CACHES['default']['KEY_PREFIX']}:{name}"


def delete_cache_keys(prefix: str) -> None:
    """Forget what servers with this cache prefix counted and cached (the suite's own
    autouse clean-up deletes its prefix's keys only)."""
    from django_redis import get_redis_connection

    redis = get_redis_connection("default")
    for key in redis.scan_iter(match=f"{prefix}:*"):
        redis.delete(key)


def haproxy_binary() -> str:
    """Debian's haproxy (in /usr/sbin, which a user's PATH may lack)."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        import pytest

        pytest.fail("haproxy is not installed (Debian: apt-get install haproxy; .ci/run does)")
    return found


@contextmanager
def haproxy(web1: str, web2: str, *, log: Path, health_host: str = "127.0.0.1"):
    """HAProxy running the reference configuration, docker/haproxy.cfg (the compose `lb`
    service's), as is: its addresses come from the environment, here a free loopback port in
    front of the servers at base URLs `web1` and `web2`. Yields its base URL; its log (one line
    per request, naming the server that answered) is written to `log`."""
    port = unused_port()
    env = {
        "PATH": os.environ["PATH"],
        "LB_BIND": f"127.0.0.1:{port}",
        "LB_WEB1": urllib.parse.urlsplit(web1).netloc,
        "LB_WEB2": urllib.parse.urlsplit(web2).netloc,
        "LB_HEALTH_HOST": health_host,
    }
    config = ROOT / "docker" / "haproxy.cfg"
    with serving([haproxy_binary(), "-db", "-f", str(config)], env=env, log=log, port=port):
        yield f"http://127.0.0.1:{port}"


def _wait_until_up(base_url: str, server: subprocess.Popen, log: Path, seconds: int = 90):
    program = Path(server.args[0]).name
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"{program} exited ({server.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/health/", timeout=5):  # noqa: S310
                return
        except OSError:  # refused while binding, or a timeout while workers boot
            time.sleep(0.2)
    raise AssertionError(f"{program} did not answer within {seconds} s:\n{log.read_text()}")


def request(
    url: str,
    *,
    data: bytes | None = None,
    headers: dict | None = None,
    method: str | None = None,
    source: str | None = None,
):
    """(status, headers, body) of one request (GET, or POST with `data`, unless `method` says),
    on a connection of its own; redirects, 4xx and 5xx are answers too (nothing is followed).
    `source`: the local address to send from (any of 127.0.0.0/8 on loopback), for a client
    that is not the test's 127.0.0.1."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(
        parts.hostname,
        parts.port,
        timeout=60,
        source_address=(source, 0) if source else None,
    )
    try:
        method = method or ("GET" if data is None else "POST")
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()
