"""Sessions: digests at rest, behind forced row-level security, and the admin still works."""

import datetime as dt
import io

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.core import context
from apps.core.context import DbContext, db_context
from apps.core.sessions import SessionStore, key_digest
from tests.db import acting_as, execute, login_session, refused_by_policy
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

ADMIN_INDEX = reverse("admin:index")
# GET /api/v1/users/me/ with a session cookie, measured on main (bf1e08d) with Django's db
# engine: 18 statements. Ours must not cost more.
SESSION_API_REQUEST_QUERIES = 18


def rowcount(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def stored_keys() -> list[str]:
    """Every session_key in the table, read as the session actor (the only one who may)."""
    with db_context(DbContext.system("session")):
        return [key for (key,) in execute("SELECT session_key FROM django_session")]


def new_session(expiry=None, **data) -> SessionStore:
    store = SessionStore()
    store.update(data)
    if expiry is not None:
        store.set_expiry(expiry)
    store.save()
    return store


def admin_login(client: Client, user) -> None:
    response = client.post(
        reverse("admin:login"),
        {"username": user.email, "password": DEFAULT_PASSWORD, "next": ADMIN_INDEX},
    )
    assert response.status_code == 302, response.content
    assert response.url == ADMIN_INDEX


def test_row_level_security_is_enabled_and_forced_on_sessions():
    assert execute(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
        "WHERE oid = 'django_session'::regclass"
    ) == [(True, True)]


@pytest.mark.parametrize(
    "who",
    [
        pytest.param(lambda: acting_as(UserFactory(staff=True, is_superuser=True)), id="staff"),
        pytest.param(lambda: acting_as(UserFactory()), id="user"),
        pytest.param(lambda: db_context(DbContext(actor="")), id="no-context"),
        # The other system actors are privileged on other tables, never on this one.
        pytest.param(lambda: db_context(DbContext.system("auth")), id="system-auth"),
        pytest.param(lambda: db_context(DbContext.for_command("shell")), id="command"),
    ],
)
def test_app_user_reads_and_writes_no_session_outside_the_session_actor(who):
    session = new_session(secret="staff")
    digest = key_digest(session.session_key)

    with who():
        assert execute("SELECT count(*) FROM django_session") == [(0,)]
        assert rowcount("UPDATE django_session SET expire_date = now() + '1 year'") == 0
        assert rowcount("DELETE FROM django_session") == 0
        with refused_by_policy("django_session"):
            execute("INSERT INTO django_session VALUES (%s, 'forged', now() + '1 day')", ["f" * 64])

    assert stored_keys() == [digest]
    assert SessionStore(session.session_key).load() == {"secret": "staff"}


def test_the_table_holds_the_digest_of_the_key_never_the_key():
    session = new_session(user="someone")

    assert len(session.session_key) == 32
    assert stored_keys() == [key_digest(session.session_key)]
    assert session.session_key not in stored_keys()
    # A digest read from the table (a backup, a privileged reader) opens no session.
    assert SessionStore(key_digest(session.session_key)).load() == {}


def test_the_session_functions_leave_the_callers_context_as_it_was():
    before = context.current()
    session = new_session(a=1)
    SessionStore(session.session_key).load()
    session.delete()
    assert context.current() == before


def test_a_session_deleted_meanwhile_is_not_resurrected_by_a_save():
    session = new_session(a=1)
    SessionStore(session.session_key).delete()
    session["a"] = 2

    with pytest.raises(UpdateError):
        session.save()
    assert stored_keys() == []


def test_the_clearsessions_job_deletes_expired_sessions_only():
    past = timezone.now() - dt.timedelta(minutes=1)
    expired = new_session(expiry=past, a=1)
    live = new_session(b=2)

    out = io.StringIO()
    call_command("run_job", "clearsessions", stdout=out)  # as ops/crontab runs it

    assert out.getvalue().startswith("job=clearsessions status=ok")

    assert stored_keys() == [key_digest(live.session_key)]
    assert not SessionStore().exists(expired.session_key)
    assert SessionStore().exists(live.session_key)


def test_admin_login_page_and_logout():
    staff = UserFactory(staff=True, is_superuser=True)
    client = Client()

    admin_login(client, staff)
    cookie = client.cookies["sessionid"].value
    assert stored_keys() == [key_digest(cookie)]
    assert client.get(ADMIN_INDEX).status_code == 200

    assert client.post(reverse("admin:logout")).status_code == 200
    assert key_digest(cookie) not in stored_keys()
    assert client.get(ADMIN_INDEX).status_code == 302  # back to the login page
    # The old cookie, replayed, opens nothing.
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get(ADMIN_INDEX).status_code == 302


def test_the_browsable_api_answers_a_session_logged_in_in_the_admin():
    staff = UserFactory(staff=True)
    client = Client()
    admin_login(client, staff)

    page = client.get("/api/v1/users/me/", HTTP_ACCEPT="text/html")

    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert staff.email in page.content.decode()


def test_a_session_authenticated_api_request_costs_what_it_did(django_assert_num_queries):
    user = UserFactory()
    client = Client()
    client.force_login(user)
    client.get("/api/v1/users/me/")  # warm caches (content types, tenant)

    # The same count as with Django's db engine: the session is one statement (session_load)
    # inside the request's transaction, where Django's engine ran one SELECT.
    with django_assert_num_queries(SESSION_API_REQUEST_QUERIES) as captured:
        response = client.get("/api/v1/users/me/")
    assert response.status_code == 200
    assert response.json()["email"] == user.email
    session_statements = [q["sql"] for q in captured.captured_queries if "session" in q["sql"]]
    assert len(session_statements) == 1, session_statements
    assert session_statements[0].startswith("SELECT session_load(")


@pytest.mark.django_db(transaction=True)
def test_a_session_saved_after_the_request_transaction_is_committed():
    """SessionMiddleware saves after RequestContextMiddleware has committed: in autocommit,
    the session function is a transaction by itself, and the session is there next time."""
    with db_context(DbContext.system("tests")):
        staff = UserFactory(staff=True, is_superuser=True)
    client = Client()

    admin_login(client, staff)

    assert not connection.in_atomic_block
    assert client.get(ADMIN_INDEX).status_code == 200
    assert stored_keys() == [key_digest(client.cookies["sessionid"].value)]


@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_the_sessions_it_finds_so_nobody_is_logged_out():
    key = "legacy0123456789abcdefghijklmnop"  # 32 characters, like Django's keys
    data = SessionStore().encode({"_auth_user_id": "1", "cart": [1, 2]})
    call_command("migrate", "core", "0008_object_comments", verbosity=0)
    try:
        with login_session() as psql:  # before 0009: the plain key, as Django stored it
            psql.execute("INSERT INTO django_session VALUES (%s, %s, now() + '1 day')", [key, data])
    finally:
        # Every app, not core alone: going back to 0008 unapplied the other apps' migrations
        # that depend on core's later ones (jobs, notifications...); the next tests need them.
        call_command("migrate", verbosity=0)

    assert stored_keys() == [key_digest(key)]
    assert SessionStore(key).load() == {"_auth_user_id": "1", "cart": [1, 2]}
