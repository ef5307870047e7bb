"""Real worker processes (`manage.py worker`) on the test database, and the queue as the
owner sees it. Data a worker must see has to be committed: use them from
`django_db(transaction=True)` tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from pathlib import Path

from django.conf import settings

from tests.db import login_session
from tests.gunicorn import test_database_url

ROOT = Path(__file__).resolve().parents[2]


def owner_sql(query: str, params=()):
    """Raw SQL in a session of its own as the login role (the owner in development, so
    row-level security, enabled but not forced on the queue, does not apply): what is
    committed, as another session sees it."""
    with login_session() as session:
        cursor = session.execute(query, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def clear_queue() -> None:
    owner_sql("DELETE FROM procrastinate_jobs")
    owner_sql("DELETE FROM procrastinate_workers")


@contextmanager
def workers(count: int = 1, *, log_dir: Path, concurrency: int = 2, **environment: str):
    """`count` worker processes until the block ends (SIGTERM, then waited for)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "JOBS_WORKER_POLL_SECONDS": "0.2",
        "JOBS_RETRY_BASE_SECONDS": "0.5",
        "JOBS_RETRY_MAX_SECONDS": "2",
        "LOG_LEVEL": "INFO",
        "PYTHONPATH": str(ROOT),
        **environment,
    }
    with ExitStack() as stack:
        processes = []
        for number in range(count):
            log = stack.enter_context(open(log_dir / f"worker-{number}.log", "w"))
            processes.append(
                subprocess.Popen(  # noqa: S603 — our own command, fixed arguments
                    [sys.executable, "manage.py", "worker", f"--concurrency={concurrency}"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        try:
            yield processes
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def wait_for(condition: Callable[[], object], *, seconds: float = 20, what: str = "") -> object:
    """condition()'s first truthy value, polled until `seconds` pass (then AssertionError)."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what or condition}")
        time.sleep(0.05)
