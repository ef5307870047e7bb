"""Through PgBouncer in transaction mode, row-level security holds: every transaction switches
to the runtime role itself, nothing relies on the session, and a transaction that did not switch
sees nothing (apps/core/db/per_transaction.py). A real PgBouncer (tests/pgbouncer.py), clients
logged in as a role without rights; the RLS and request-context modules run through it too."""

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from apps.core.context import DbContext, db_context
from apps.core.db.base import DatabaseWrapper
from apps.core.locks import JobAlreadyRunning, job_lock
from tests.factories import ListingFactory, UserFactory
from tests.gunicorn import gunicorn, request
from tests.helpers import token_for
from tests.pgbouncer import through

TABLES = "users listings bookings messages reviews audit_logs api_tokens django_session".split()
through_pgbouncer = pytest.mark.parametrize("database_route", ["pgbouncer"], indirect=True)


def raw_through(bouncer) -> psycopg.Connection:
    """A connection through PgBouncer as its clients log in, with nothing of ours on it."""
    return psycopg.connect(
        host=bouncer.host,
        port=bouncer.port,
        user=bouncer.login,
        dbname=connection.settings_dict["NAME"],
        autocommit=True,
    )


@pytest.mark.django_db(transaction=True)
def test_a_transaction_that_does_not_switch_role_sees_nothing(pgbouncer_server):
    with db_context(DbContext.system("tests")):
        ListingFactory()  # a published listing: public, were the role able to read it
    with raw_through(pgbouncer_server) as raw:
        for table in TABLES:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                raw.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 — our table names
        with raw.transaction():
            raw.execute(
                "SELECT set_config('role', 'app_user', true), "
                "set_config('app.actor', 'system:tests', true)"
            )
            assert raw.execute("SELECT count(*) FROM listings").fetchone() == (1,)
        # The next transaction (wherever PgBouncer runs it) is the login role's again.
        assert raw.execute("SELECT current_user").fetchone() == (pgbouncer_server.login,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            raw.execute("SELECT count(*) FROM listings")


@through_pgbouncer
@pytest.mark.django_db(transaction=True)
def test_every_transaction_of_ours_switches_role_and_the_session_never_does(
    database_route, pgbouncer_server
):
    def who():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT session_user, current_user, current_setting('statement_timeout')"
            )
            return cursor.fetchone()

    login = pgbouncer_server.login
    assert connection.settings_dict["USER"] == login
    # Autocommit: the statement runs in a transaction of its own that switches.
    assert who()[:2] == (login, "app_user")
    # A transaction opened without db_context switches before its first statement.
    with transaction.atomic():
        assert who()[:2] == (login, "app_user")
    with db_context(DbContext.system("tests")):
        assert who()[:2] == (login, "app_user")
    # Nothing was set for the session.
    assert connection.connection.execute("SELECT current_user").fetchone() == (login,)


@through_pgbouncer
@pytest.mark.django_db(transaction=True)
def test_a_web_connection_carries_its_timeouts_per_transaction(database_route, settings):
    from apps.core.db import timeouts

    timeouts.serve_web()
    try:
        connection.close()
        with db_context(DbContext()), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('statement_timeout'), "
                "current_setting('idle_in_transaction_session_timeout')"
            )
            assert cursor.fetchone() == ("5s", "1min")
    finally:
        timeouts._entry_point = timeouts.COMMAND
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_login_that_bypasses_rls_is_refused(pgbouncer_server):
    # Through the same PgBouncer as the suite's superuser (postgres in development): refused
    # when the connection opens, before any statement could run without a role switch.
    settings_dict = {
        **connection.settings_dict,
        **through(connection.settings_dict, pgbouncer_server),
    }
    settings_dict["USER"] = connection.settings_dict["USER"]
    pooled = DatabaseWrapper(settings_dict, alias="pooled_superuser")
    try:
        with pytest.raises(ImproperlyConfigured, match="superuser or BYPASSRLS"):
            pooled.ensure_connection()
    finally:
        pooled.close()


@through_pgbouncer
@pytest.mark.django_db(transaction=True)
def test_commands_refuse_to_run_through_the_pooler(database_route):
    with pytest.raises(CommandError, match="connect directly to PostgreSQL"):
        call_command("check")


@through_pgbouncer
@pytest.mark.django_db(transaction=True)
def test_job_locks_hold_through_the_pooler(database_route, pgbouncer_server):
    with job_lock("complete_bookings"):
        # Other clients' transactions keep PgBouncer's server connections busy and past their
        # lifetime (1 s): the lock's open transaction keeps its own.
        with raw_through(pgbouncer_server) as other:
            for _ in range(3):
                other.execute("SELECT pg_sleep(0.5)")
        refused = []

        def contend():
            try:
                with job_lock("complete_bookings"):
                    refused.append(False)
            except JobAlreadyRunning:
                refused.append(True)

        contender = threading.Thread(target=contend)
        contender.start()
        contender.join(30)
        assert refused == [True]
    # Released at the end: the next run takes it.
    with job_lock("complete_bookings"):
        pass


REQUESTS = 1000
OWNERS = 6


@pytest.mark.django_db(transaction=True)
def test_no_private_row_leaks_across_users_through_pgbouncer(pgbouncer_server, tmp_path):
    """1,000 mixed requests — six owners with drafts, and anonymous — against gunicorn (three
    gthread workers of four threads) → PgBouncer (four server connections, renewed every
    second) → PostgreSQL: each sees exactly their own drafts, nobody else's, ever."""
    with db_context(DbContext.system("tests")):
        owners = [UserFactory(owner=True) for _ in range(OWNERS)]
        drafts = {
            owner.pk: {ListingFactory(owner=owner, draft=True).pk for _ in range(2)}
            for owner in owners
        }
        tokens = {owner.pk: token_for(owner) for owner in owners}
    owner_of = {pk: owner for owner, pks in drafts.items() for pk in pks}
    database = connection.settings_dict["NAME"]
    rng = random.Random(18)  # noqa: S311 — a reproducible mix, not a secret
    plan = [
        (rng.choice([*tokens, None]), rng.choice(["detail", "mine"]), rng.choice(list(owner_of)))
        for _ in range(REQUESTS)
    ]

    def one(step):
        actor, kind, listing = step
        headers = {"Authorization": f"Bearer {tokens[actor]}"} if actor else {}
        path = f"/api/v1/listings/{listing}/" if kind == "detail" else "/api/v1/listings/mine/"
        status, _, body = request(f"{base_url}{path}", headers=headers)
        return step, status, body

    with gunicorn(
        workers=3,
        log=tmp_path / "gunicorn.log",
        DATABASE_URL=pgbouncer_server.url(database),
        DATABASE_TRANSACTION_POOLING="1",
        GUNICORN_WORKER_CLASS="gthread",
        GUNICORN_THREADS="4",
    ) as base_url:
        # The database probe answers through PgBouncer too (no startup options).
        assert request(f"{base_url}/health/db/")[0] == 200
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = list(pool.map(one, plan))
        elapsed = time.monotonic() - started

    wrong = []
    for (actor, kind, listing), status, body in answers:
        if kind == "detail":
            expected = 200 if owner_of[listing] == actor else 404
            if status != expected:
                wrong.append((actor, kind, listing, status, body[:200]))
        elif actor is None:
            if status != 401:
                wrong.append((actor, kind, listing, status, body[:200]))
        else:
            seen = {row["id"] for row in json.loads(body)["results"]} if status == 200 else None
            if seen != drafts[actor]:
                wrong.append((actor, kind, listing, status, seen))
    assert not wrong, f"{len(wrong)} of {REQUESTS} wrong answers, e.g. {wrong[:5]}"
    assert elapsed < 300


@pytest.mark.django_db(transaction=True)
def test_djangos_pool_serves_a_web_server_as_the_runtime_role():
    """OPTIONS["pool"] (DB_POOL_SIZE): the pool's connections act as app_user (the role is set
    by the pool's own thread, which must not wait on the pool) and go back to it."""
    from apps.core.db import timeouts

    options = {**connection.settings_dict["OPTIONS"], "pool": {"min_size": 1, "max_size": 1}}
    settings_dict = {**connection.settings_dict, "CONN_MAX_AGE": 0, "OPTIONS": options}
    timeouts.serve_web()
    # A second wrapper of the default database (django.contrib.postgres looks its connection
    # up by alias, which must exist); the test's own connection has no pool.
    pooled = DatabaseWrapper(settings_dict, alias="default")
    try:
        pids = set()
        for _ in range(3):
            with pooled.cursor() as cursor:
                cursor.execute("SELECT current_user, pg_backend_pid()")
                role, pid = cursor.fetchone()
            assert role == "app_user"
            pids.add(pid)
            pooled.close()  # back to the pool
        assert len(pids) == 1
    finally:
        pooled.close_pool()  # while a web server's: the pool exists for web servers only
        timeouts._entry_point = timeouts.COMMAND
