"""Helpers for the tests that watch PostgreSQL refuse a write or make a transaction wait."""

import time
from contextlib import contextmanager

import psycopg
import pytest
from django.conf import settings
from django.db import IntegrityError, ProgrammingError, connection, transaction
from psycopg import sql as pg_sql

from apps.core.context import DbContext, db_context


@contextmanager
def refused(constraint: str):
    """The block's write is refused by PostgreSQL, naming `constraint`. The savepoint keeps the
    test's transaction usable afterwards."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        yield
    assert caught.value.__cause__.diag.constraint_name == constraint, caught.value


@contextmanager
def refused_column(column: str):
    """The block's write is refused by a privileged-column guard: SQLSTATE 42501
    (insufficient_privilege) naming `column`. The savepoint keeps the transaction usable."""
    with pytest.raises(ProgrammingError) as caught, transaction.atomic():
        yield
    cause = caught.value.__cause__
    assert (cause.sqlstate, cause.diag.column_name) == ("42501", column), caught.value


@contextmanager
def refused_by_policy(table: str):
    """The block's write is refused by a row-level security policy's WITH CHECK on `table`."""
    with pytest.raises(ProgrammingError) as caught, transaction.atomic():
        yield
    assert caught.value.__cause__.sqlstate == "42501", caught.value
    assert f'row-level security policy for table "{table}"' in str(caught.value), caught.value


def acting_as(user):
    """The block runs in `user`'s own request context (staff flag included), as the API would."""
    return db_context(DbContext().with_user(user))


def execute(statement, params=()):
    """Raw SQL on the test's connection; the rows when the statement returns any."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


@contextmanager
def as_table_owner():
    """The block runs as the tables' owner, as PostgreSQL's own SECURITY DEFINER triggers do:
    for arranging the data only they may write (a listing's rating summary, say)."""
    [(owner,)] = execute(
        "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'users'::regclass"
    )
    execute(pg_sql.SQL("SET LOCAL ROLE {}").format(pg_sql.Identifier(owner)))
    try:
        yield
    finally:
        execute(
            pg_sql.SQL("SET LOCAL ROLE {}").format(pg_sql.Identifier(settings.DATABASE_APP_ROLE))
        )


@contextmanager
def connection_to(host: str, port: int | str):
    """The test's connection goes to another server address for the block (a port nobody
    listens on, a proxy), then back; transactional tests only (it reconnects)."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST=host, PORT=str(port))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def owner_connect(**kwargs) -> psycopg.Connection:
    """Another connection to the test database, as DATABASE_URL's login role (the owner in
    development): what a database administrator's psql would be. `kwargs` go to psycopg."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        **kwargs,
    )


def login_session() -> psycopg.Connection:
    """An owner connection in autocommit."""
    return owner_connect(autocommit=True)


def app_session() -> psycopg.Connection:
    """Another connection, as the runtime role acting for a system tool (a second admin, say)."""
    session = login_session()
    session.execute(pg_sql.SQL("SET ROLE {}").format(pg_sql.Identifier(settings.DATABASE_APP_ROLE)))
    session.execute("SELECT set_config('app.actor', 'system:tests', false)")
    session.execute("SET lock_timeout = '10s'")  # a safety net: a stuck test fails
    session.autocommit = False
    return session


def wait_until_blocked(waiting: psycopg.Connection, blocking: psycopg.Connection) -> None:
    """Return once PostgreSQL reports `waiting`'s transaction waiting for `blocking`'s."""
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT %s = ANY (pg_blocking_pids(%s))",
                [blocking.info.backend_pid, waiting.info.backend_pid],
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.005)
    raise AssertionError("the second transaction never waited for the first")


def assert_plans_use(plans: dict[str, str], indexes: dict[str, str], *, unsorted=False) -> None:
    """Each named EXPLAIN text in `plans` uses its index of `indexes` (name → index name) and,
    when `unsorted`, reads the rows in order from it (no Sort node)."""
    for name, index in indexes.items():
        assert index in plans[name], (name, plans[name])
        assert not (unsorted and "Sort" in plans[name]), (name, plans[name])


def privileged_contexts():
    """A parametrize of the most privileged contexts the runtime role can be in — a
    superuser, a system actor, a command — for the rules that hold even against them."""
    from tests.factories import UserFactory

    return pytest.mark.parametrize(
        "context",
        [
            lambda: DbContext().with_user(UserFactory(staff=True, is_superuser=True)),
            lambda: DbContext.system("tests"),
            lambda: DbContext.for_command("seed"),
        ],
        ids=["superuser", "system actor", "command"],
    )
