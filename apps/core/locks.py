"""Cron jobs never overlap: each holds a PostgreSQL advisory lock named after it.

The lock is a transaction-level one (pg_try_advisory_xact_lock), taken in a transaction that a
connection of its own keeps open for the whole job and rolls back when the job ends — or that
ends when its process dies and the connection drops. Nothing lives in the session, so it holds
through a pooler in transaction mode as well (the open transaction keeps its server
connection), where a session lock would stay on a server connection that other clients get.
It works across processes, containers and hosts sharing the database, which a lock file would
not.

    with job_lock("complete_bookings"):       # raises JobAlreadyRunning if held elsewhere
        ...
    with command_lock("dbbackup"):            # the same, as a CommandError with exit code 75
        ...
"""

import contextlib
import contextvars
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections

# sysexits.h EX_TEMPFAIL: "try again later" — the exit code of a run skipped because the
# previous run of the same job still holds its lock (failures exit 1).
EX_TEMPFAIL = 75

# The jobs whose lock this process (this context) already holds: run_job takes a job's lock
# and the command may take it again, which must not refuse itself.
_held: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "havre_job_locks", default=frozenset()
)


class JobAlreadyRunning(Exception):
    pass


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock, derived from the job name."""
    return int.from_bytes(hashlib.sha256(f"havre:{name}".encode()).digest()[:8], "big", signed=True)


def _lock_connection(using: str) -> psycopg.Connection:
    connection = connections[using]
    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold", "server_side_binding"):
        params.pop(key, None)
    params["application_name"] = "havre-job-lock"
    return psycopg.connect(**params, autocommit=False)


# The lock's transaction stays idle while the job runs: no idle timeout may end it.
_TRY_LOCK_SQL = (
    "SELECT set_config('idle_in_transaction_session_timeout', '0', true), "
    "pg_try_advisory_xact_lock(%s)"
)


@contextmanager
def job_lock(name: str, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Hold the job's advisory lock for the block, or raise JobAlreadyRunning at once."""
    if name in _held.get():
        yield
        return
    key = lock_key(name)
    with _lock_connection(using) as lock_connection:
        acquired = lock_connection.execute(_TRY_LOCK_SQL, [key]).fetchone()[1]
        if not acquired:
            holder = lock_connection.execute(
                "SELECT string_agg(pid::text, ', ') FROM pg_locks WHERE locktype = 'advisory' "
                "AND granted AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = %s "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                [key],
            ).fetchone()[0]
            raise JobAlreadyRunning(
                f"{name} is already running (its advisory lock is held by backend pid "
                f"{holder or '?'}); this run is skipped"
            )
        token = _held.set(_held.get() | {name})
        try:
            yield
        finally:
            _held.reset(token)
            # The transaction's end releases the lock; a lost connection has released it
            # already. Never hide the job's own error.
            with contextlib.suppress(psycopg.Error):
                lock_connection.rollback()


@contextmanager
def command_lock(name: str, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """job_lock for a management command: a second run exits with EX_TEMPFAIL (75)."""
    acquired = False
    try:
        with job_lock(name, using):
            acquired = True
            yield
    except JobAlreadyRunning as exc:
        if acquired:  # raised by the job itself, about another lock
            raise
        raise CommandError(str(exc), returncode=EX_TEMPFAIL) from exc
