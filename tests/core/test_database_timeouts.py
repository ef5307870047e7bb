"""Every wait on the database is bounded, and a database that cannot serve answers 503 with
Retry-After — in-process, against the real PostgreSQL (the gunicorn runs are in
test_database_faults.py)."""

import copy
import socket
import time
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, OperationalError, connection, connections
from django.test import Client
from django.utils import translation

from apps.core import context
from apps.core.db import failures, timeouts
from apps.messaging.models import Message
from tests.core.servers import BLACKHOLE, PASS, REFUSE, FaultyProxy
from tests.db import connection_to
from tests.factories import UserFactory


@pytest.fixture
def serving_web(monkeypatch):
    """New connections in this process get the web limits, as under gunicorn."""
    monkeypatch.setattr(timeouts, "_entry_point", timeouts.WEB)


@pytest.fixture
def fresh():
    """A second Django connection with the project's settings (the test's own stays in its
    transaction); closed afterwards."""
    wrappers = []

    def make(**settings_changes):
        wrapper = connections.create_connection("default")
        # Its own copy: the project's settings (and the test's connection) stay as they are.
        wrapper.settings_dict = copy.deepcopy(wrapper.settings_dict)
        wrapper.settings_dict.update(settings_changes)
        wrappers.append(wrapper)
        return wrapper

    yield make
    for wrapper in wrappers:
        wrapper.close()


def show(wrapper, setting: str) -> str:
    with wrapper.cursor() as cursor:
        cursor.execute(f"SHOW {setting}")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_web_connections_carry_the_statement_and_idle_timeouts_and_tcp_keepalives(
    serving_web, fresh
):
    wrapper = fresh()
    wrapper.ensure_connection()

    assert show(wrapper, "statement_timeout") == "5s"
    assert show(wrapper, "idle_in_transaction_session_timeout") == "1min"
    assert wrapper.connection.answer_timeout == 7.0  # the statement timeout + 2 s
    # The kernel's socket carries the keepalives and the user timeout (libpq options).
    sock = socket.socket(fileno=socket.dup(wrapper.connection.fileno()))
    try:
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 5
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 2
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 3
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == 10_000
    finally:
        sock.close()


@pytest.mark.django_db
def test_commands_are_not_cut_by_a_statement_or_idle_timeout(fresh):
    assert timeouts.entry_point() == timeouts.COMMAND  # pytest, like manage.py
    wrapper = fresh()
    wrapper.ensure_connection()

    assert show(wrapper, "statement_timeout") == "0"
    assert show(wrapper, "idle_in_transaction_session_timeout") == "0"
    assert wrapper.connection.answer_timeout is None


@pytest.mark.django_db
def test_a_statement_past_the_statement_timeout_is_cancelled_by_postgresql(
    serving_web, fresh, monkeypatch
):
    wrapper = fresh()
    monkeypatch.setitem(wrapper.settings_dict["TIMEOUTS"]["web"], "statement_ms", 200)
    started = time.monotonic()
    with pytest.raises(OperationalError) as caught, wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(5)")
    elapsed = time.monotonic() - started

    assert caught.value.__cause__.sqlstate == "57014"
    assert failures.database_failure(caught.value) is failures.TIMEOUT
    assert elapsed < 4  # cancelled, not slept through
    # A cancelled statement leaves the connection usable.
    assert show(wrapper, "statement_timeout") == "200ms"


@pytest.mark.django_db
def test_a_transaction_left_idle_past_the_limit_is_ended_by_postgresql(
    serving_web, fresh, monkeypatch
):
    wrapper = fresh()
    monkeypatch.setitem(wrapper.settings_dict["TIMEOUTS"]["web"], "idle_in_transaction_ms", 300)
    wrapper.set_autocommit(False)
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
    time.sleep(1.5)  # idle in the transaction, holding whatever it locked
    with pytest.raises(DatabaseError) as caught, wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")

    assert caught.value.__cause__.sqlstate == "25P03"  # an InternalError, for psycopg
    assert failures.database_failure(caught.value) is failures.UNAVAILABLE
    assert not wrapper.is_usable()


@contextmanager
def proxy_in_front():
    db = connection.settings_dict
    proxy = FaultyProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    try:
        yield proxy
    finally:
        proxy.close()


@contextmanager
def app_through_proxy():
    """The test's own connection (the one requests use) goes through a proxy."""
    with proxy_in_front() as proxy, connection_to("127.0.0.1", proxy.port):
        yield proxy


@pytest.mark.django_db
def test_no_answer_through_a_partition_breaks_the_connection_at_the_client_deadline(
    serving_web, fresh, monkeypatch
):
    with proxy_in_front() as proxy:
        wrapper = fresh(HOST="127.0.0.1", PORT=str(proxy.port))
        monkeypatch.setitem(wrapper.settings_dict["TIMEOUTS"]["web"], "statement_ms", 500)
        assert show(wrapper, "statement_timeout") == "500ms"

        proxy.set_mode(BLACKHOLE)
        started = time.monotonic()
        with pytest.raises(OperationalError) as caught, wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
        elapsed = time.monotonic() - started

    assert failures.database_failure(caught.value) is failures.UNAVAILABLE
    assert 2 < elapsed < 10, elapsed  # 0.5 s + 2 s of grace; the server never saw the query
    assert wrapper.connection.closed  # never reused
    assert not wrapper.is_usable()


@pytest.mark.django_db
def test_a_health_check_of_a_hung_connection_gives_up_at_the_probe_timeout(fresh):
    with proxy_in_front() as proxy:
        wrapper = fresh(HOST="127.0.0.1", PORT=str(proxy.port))
        wrapper.ensure_connection()
        assert wrapper.connection.answer_timeout is None  # a command: no deadline ...

        proxy.set_mode(BLACKHOLE)
        started = time.monotonic()
        usable = wrapper.is_usable()
        elapsed = time.monotonic() - started

    assert usable is False  # ... but its health check has one
    assert elapsed < 10, elapsed  # the probe timeout: 2 s


@pytest.mark.django_db(transaction=True)
def test_the_database_refusing_at_the_start_of_a_request_answers_503_api_json_admin_html():
    client = Client(raise_request_exception=False)
    # The thread's previous request spoke French: this one, failing before LanguageMiddleware,
    # still speaks its own (no Accept-Language: LANGUAGE_CODE).
    translation.activate("fr")
    with app_through_proxy() as proxy:
        proxy.set_mode(REFUSE)
        api = client.get("/api/v1/listings/")
        admin = client.get("/admin/login/")
        proxy.set_mode(PASS)
        recovered = client.get("/api/v1/listings/")

    assert api.status_code == 503
    assert api.json()["error"] == {
        "code": "database_unavailable",
        "message": "The database is unavailable. Try again in a moment.",
        "fields": {},
    }
    assert api["Retry-After"] == "5"
    assert admin.status_code == 503
    assert admin["Content-Type"].startswith("text/html")
    assert admin["Retry-After"] == "5"
    assert "Service unavailable" in admin.content.decode()
    assert recovered.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_commit_that_fails_answers_503_and_the_write_is_not_kept(monkeypatch):
    with context.db_context(context.DbContext.system("tests")):
        sender, recipient = UserFactory(), UserFactory()
    client = Client(raise_request_exception=False)
    with app_through_proxy() as proxy:
        commit = connection._commit
        inserted = []

        def watch(execute, sql, params, many, execution_context):
            if sql.startswith('INSERT INTO "messages"'):
                inserted.append(sql)
            return execute(sql, params, many, execution_context)

        def network_fails_at_commit():
            if inserted:  # the commit of the message's transaction, not the session look-up
                proxy.set_mode(REFUSE)  # every connection reset before COMMIT leaves
            return commit()

        try:
            client.force_login(sender)
            monkeypatch.setattr(connection, "_commit", network_fails_at_commit)
            with connection.execute_wrapper(watch):
                answer = client.post(
                    "/api/v1/messages/",
                    {"recipient": recipient.pk, "subject": "Hello", "content": "Lost at commit"},
                    content_type="application/json",
                )
        finally:
            monkeypatch.undo()

    assert inserted  # the write ran; its commit failed
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "database_unavailable"
    assert answer["Retry-After"] == "5"
    with context.db_context(context.DbContext.system("tests")):
        assert not Message.objects.filter(content="Lost at commit").exists()


@pytest.mark.parametrize(
    ("sqlstate", "condition"),
    [("40001", "serialization_failure"), ("40P01", "deadlock_detected")],
)
@pytest.mark.django_db(transaction=True)
def test_a_transaction_that_loses_a_race_answers_409_retry_not_500(sqlstate, condition):
    """PostgreSQL rolls back the loser of a deadlock or a serialization conflict: the request
    saved nothing and would most likely pass if sent again."""
    with context.db_context(context.DbContext.system("tests")):
        sender, recipient = UserFactory(), UserFactory()
    client = Client(raise_request_exception=False)
    client.force_login(sender)

    def lose_the_race(execute, sql, params, many, execution_context):
        if sql.startswith('INSERT INTO "messages"'):
            # What PostgreSQL answers the transaction it chose to roll back.
            execute(
                f"DO $$ BEGIN RAISE EXCEPTION 'lost a race' USING ERRCODE = '{condition}'; END $$",
                None,
                False,
                execution_context,
            )
        return execute(sql, params, many, execution_context)

    with connection.execute_wrapper(lose_the_race):
        answer = client.post(
            "/api/v1/messages/",
            {"recipient": recipient.pk, "subject": "Hello", "content": "Raced"},
            content_type="application/json",
        )

    assert failures.database_failure(OperationalError()) is failures.UNAVAILABLE
    assert answer.status_code == 409, answer.content
    assert answer.json()["error"]["code"] == "concurrent_update"
    assert answer["Retry-After"] == "5"
    with context.db_context(context.DbContext.system("tests")):
        assert not Message.objects.filter(content="Raced").exists()
