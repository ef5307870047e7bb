"""Every management command acts as `command:<its name>`, told to PostgreSQL for the session.

Row-level security lets a command through only when `app.actor` names it (app_is_privileged,
app_is_system_actor). Rather than each command remembering to wrap itself, `install()` (run by
CoreConfig.ready) wraps `BaseCommand.execute` — Django's built-ins (changepassword, shell,
dumpdata, loaddata, createsuperuser, check, clearsessions…), ours, and every call_command():

* connections opened while a command runs carry `app.actor=command:<name>` and an
  `app.request_id` of the run as session settings, in the startup packet (libpq `options`,
  like the timeouts of apps/core/db/timeouts.py): no extra round trip;
* connections already open (call_command in a process that is connected: pytest, run_job)
  are switched with `set_config(…, false)` and switched back when the command ends.

Transaction-local settings (`db_context`) still win inside a transaction and revert to the
session's value at its end; a policy still reads a missing setting as nobody.

Servers never get it: `runserver` and `testserver` run with no command context (a request sets
its own, transaction-local), and a process that serves requests (config/wsgi.py, asgi.py:
gunicorn, runserver's worker) refuses to run a command at all — a session setting on a web
connection would outlive the command and reach the next request.

Session settings survive a transaction, so they would leak to other clients through a pooler
in transaction mode (PgBouncer): commands connect directly to PostgreSQL, as migrations do. With
DATABASE_TRANSACTION_POOLING set, a command refuses to run, owner work (migrate, flush: the
owner's connection goes directly) excepted.

`dbshell` is aside: psql connects as DATABASE_URL's login role with no context (docs/database.md).
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from apps.core.context import GET_SQL, SETTING_NAMES, DbContext
from apps.core.db import timeouts
from apps.core.db.roles import owner_mode_active

# Commands that serve requests: each request sets its own context, none inherits a command's.
SERVERS = frozenset({"runserver", "testserver"})

REFUSAL = (
    "{name}: management commands do not run in a process that serves requests (their "
    "database context would outlive them and reach the next request). Run it on its own, "
    "connected directly to PostgreSQL (not through PgBouncer): python manage.py {name}"
)

POOLED_REFUSAL = (
    "{name}: management commands connect directly to PostgreSQL: their session context (and "
    "a session's locks, LISTEN, role) would reach other clients through a pooler in "
    "transaction mode. Run it without DATABASE_TRANSACTION_POOLING, DATABASE_URL naming "
    "PostgreSQL itself."
)

_SET_SQL = (
    "SELECT set_config(name, value, %s) FROM unnest(%s::text[], %s::text[]) AS s(name, value)"
)

# The session settings of this process's connections (process-wide: a command's threads open
# connections as the command too), innermost last: each entry maps every
# name of SETTING_NAMES to its value ("" for none). Empty: no command runs.
_stack: list[dict[str, str]] = []
_lock = threading.Lock()


def command_name(command: BaseCommand) -> str:
    """A command's name: Django finds commands as management/commands/<name>.py."""
    return type(command).__module__.rsplit(".", 1)[-1]


def session_settings() -> dict[str, str]:
    """The session settings new connections get now ({} outside commands)."""
    with _lock:
        return dict(_stack[-1]) if _stack else {}


def current_actor() -> str | None:
    return session_settings().get("app.actor") or None


def connection_options() -> str:
    """libpq `options` carrying the session settings (empty outside commands)."""
    return " ".join(
        f"-c {name}={_escape(value)}" for name, value in session_settings().items() if value
    )


def _escape(value: str) -> str:
    # libpq splits `options` on spaces; a backslash escapes a space or itself.
    return value.replace("\\", "\\\\").replace(" ", "\\ ")


def _settings(context: DbContext | None) -> dict[str, str]:
    if context is None:  # a server: no command context
        return dict.fromkeys(SETTING_NAMES, "")
    return dict(zip(SETTING_NAMES, context.values(), strict=True))


@contextmanager
def session_context(context: DbContext | None) -> Iterator[None]:
    """Give this process's connections `context` for the block (None: no context at all), then
    give them back what they had. A connection in the middle of a transaction (a test's, say)
    gets it transaction-locally and its previous values back, like a nested `db_context`."""
    values = _settings(context)
    with _lock:
        _stack.append(values)
    in_transaction = {}
    for connection in _open_connections():
        if connection.in_atomic_block:
            in_transaction[connection.alias] = (connection.connection, _read(connection))
            _write(connection, values, local=True)
        else:
            _write(connection, values, local=False)
    try:
        yield
    finally:
        with _lock:
            _stack.pop()
        outer = session_settings() or dict.fromkeys(SETTING_NAMES, "")
        for connection in _open_connections():
            raw, previous = in_transaction.get(connection.alias, (None, None))
            if raw is connection.connection and connection.in_atomic_block:
                if not connection.needs_rollback:
                    _write(connection, previous, local=True)
            else:
                _write(connection, outer, local=False)


def replace_session_context(context: DbContext | None) -> None:
    """Switch the innermost command's session context until it ends (the shell's act_as)."""
    replace_session_settings(_settings(context))


def replace_session_settings(values: dict[str, str]) -> None:
    """replace_session_context() with settings as session_settings() returned them."""
    values = {**dict.fromkeys(SETTING_NAMES, ""), **values}
    with _lock:
        if not _stack:
            raise RuntimeError("No command runs: there is no session context to switch.")
        _stack[-1] = values
    for connection in _open_connections():
        _write(connection, values, local=False)


def _open_connections():
    return [
        connection
        for connection in connections.all(initialized_only=True)
        if connection.connection is not None and connection.vendor == "postgresql"
    ]


def _read(connection) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(GET_SQL, [list(SETTING_NAMES)])
        values = cursor.fetchone()[0]
    return {name: value or "" for name, value in zip(SETTING_NAMES, values, strict=True)}


def _write(connection, values: dict[str, str], *, local: bool) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute(_SET_SQL, [local, list(values), list(values.values())])
    except DatabaseError:
        # An aborted transaction accepts no statement: outside a transaction, drop the
        # connection (its next one starts with the right settings); inside one, its rollback
        # reverts what was set in it.
        if not connection.in_atomic_block:
            connection.close()


@contextmanager
def command_context(name: str) -> Iterator[None]:
    """The context the command `name` runs in (see the module's docstring)."""
    if name in SERVERS:
        with session_context(None):
            yield
        return
    if timeouts.entry_point() == timeouts.WEB:
        raise CommandError(REFUSAL.format(name=name))
    if not owner_mode_active() and any(
        db.get("TRANSACTION_POOLING") for db in settings.DATABASES.values()
    ):
        # Owner work (migrate, flush) connects directly as the owner; anything else would act
        # through the pooler.
        raise CommandError(POOLED_REFUSAL.format(name=name))
    context = DbContext(actor=f"command:{name}", request_id=uuid.uuid4().hex)
    with session_context(context):
        yield


def install() -> None:
    """Wrap BaseCommand.execute (once): every command runs in its command context."""
    if getattr(BaseCommand.execute, "havre_command_context", False):
        return
    execute = BaseCommand.execute

    @functools.wraps(execute)
    def execute_in_context(self, *args, **options):
        with command_context(command_name(self)):
            return execute(self, *args, **options)

    execute_in_context.havre_command_context = True
    BaseCommand.execute = execute_in_context
