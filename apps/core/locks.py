"""Cron jobs never overlap: each holds a PostgreSQL advisory lock named after it."""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection


class JobAlreadyRunning(Exception):
    pass


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock, derived from the job name."""
    return int.from_bytes(hashlib.sha256(f"havre:{name}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def job_lock(name: str) -> Iterator[None]:
    """Held on a connection of its own for the whole job (the job's work may open and close
    Django's connection, or run as the owner); released when the job ends or dies."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as lock_connection:
        acquired = lock_connection.execute(
            "SELECT pg_try_advisory_lock(%s)", [lock_key(name)]
        ).fetchone()[0]
        if not acquired:
            raise JobAlreadyRunning(f"{name} is already running (advisory lock held)")
        try:
            yield
        finally:
            lock_connection.execute("SELECT pg_advisory_unlock(%s)", [lock_key(name)])
