"""API tokens: hashed at rest, one per device, sliding expiry, revocable one by one or all at
once, accepted as Bearer or Token — seen through the API and through PostgreSQL."""

import datetime as dt
import hashlib
import importlib
import io
import re
from types import SimpleNamespace

import psycopg
import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg import sql as pg_sql
from rest_framework.test import APIClient

from apps.accounts import services
from apps.accounts.groups import MODERATORS
from apps.accounts.models import ApiToken, api_token_digest
from apps.core.context import DbContext, db_context
from apps.core.db.roles import as_owner
from apps.core.models import AuditLog
from tests.db import refused
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.helpers import token_for

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/token/"
TOKENS = "/api/v1/auth/tokens/"
ME = "/api/v1/users/me/"


def login(user, **extra) -> dict:
    response = APIClient().post(
        LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD, **extra}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def bearer(key: str, keyword: str = "Bearer") -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"{keyword} {key}")


def assert_refused(response, message_part: str) -> None:
    assert response.status_code == 401, response.content
    error = response.json()["error"]
    assert error["code"] == "not_authenticated"
    assert message_part in error["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def tokens_of(user) -> list[ApiToken]:
    with db_context(DbContext.system("tests")):
        return list(ApiToken.objects.filter(user=user).order_by("id"))


# --- Issued and stored -------------------------------------------------------------------


def test_login_shows_the_key_once_and_postgresql_holds_only_its_digest():
    user = UserFactory()

    body = login(user, name="Ana's phone")

    key = body["key"]
    assert re.fullmatch(r"hvr_[A-Za-z0-9_-]{43}", key)
    assert body["name"] == "Ana's phone"
    assert body["prefix"] == key[:12]
    expires_at = dt.datetime.fromisoformat(body["expires_at"])
    assert abs(expires_at - (timezone.now() + settings.API_TOKEN_TTL)) < dt.timedelta(minutes=5)
    [token] = tokens_of(user)
    assert token.pk == body["id"]
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    # Nowhere in the row, nor in its audit trail, is the key (or the digest, masked there).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM api_tokens t WHERE strpos(to_jsonb(t)::text, %s) > 0", [key]
        )
        assert cursor.fetchone()[0] == 0
    with db_context(DbContext.system("tests")):
        [issued] = AuditLog.objects.filter(table_name="api_tokens", record_id=token.pk)
    assert (issued.action, issued.new_data["digest"]) == ("CREATE", "********")
    assert (issued.actor, issued.user_id) == ("system:auth", user.pk)
    listed = bearer(key).get(TOKENS).json()["results"]
    assert key not in str(listed)


def test_postgresql_refuses_to_store_anything_but_a_digest():
    user = UserFactory()
    with refused("api_tokens_digest_sha256"):
        raw(
            "INSERT INTO api_tokens (user_id, name, prefix, digest, expires_at)"
            " VALUES (%s, 'plain', 'hvr_abcdefgh', %s, now() + interval '1 day')",
            [user.pk, "hvr_" + "a" * 60],
        )


def test_each_login_is_a_token_of_its_own_named_after_the_device():
    user = UserFactory()
    phone = login(user, name="phone")
    laptop_response = APIClient(HTTP_USER_AGENT="havre-cli/1.0").post(
        LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    laptop = laptop_response.json()

    assert laptop_response.status_code == 201 and laptop["key"] != phone["key"]
    assert laptop["name"] == "havre-cli/1.0"  # no name given: the User-Agent
    listed = bearer(phone["key"]).get(TOKENS).json()["results"]
    assert [(t["id"], t["name"], t["current"]) for t in listed] == [
        (laptop["id"], "havre-cli/1.0", False),
        (phone["id"], "phone", True),
    ]
    assert set(listed[0]) == {
        "id",
        "name",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "current",
    }
    assert bearer(laptop["key"]).get(ME).json()["email"] == user.email


def test_one_login_too_many_retires_the_least_recently_used_token(settings):
    settings.API_TOKEN_MAX_PER_USER = 3
    user = UserFactory()
    keys = [token_for(user, name=f"device {n}") for n in range(3)]
    for key in (keys[0], keys[2]):
        assert bearer(key).get(ME).status_code == 200  # device 1 is the one left unused

    login(user, name="device 3")

    assert sorted(t.name for t in tokens_of(user)) == ["device 0", "device 2", "device 3"]
    assert_refused(bearer(keys[1]).get(ME), "Invalid or revoked")


def test_a_login_with_an_unknown_field_names_it():
    user = UserFactory()
    response = APIClient().post(
        LOGIN,
        {"email": user.email, "password": DEFAULT_PASSWORD, "ttl": "forever"},
        format="json",
    )
    assert response.status_code == 400
    assert "ttl" in response.json()["error"]["fields"]


# --- Authentication ----------------------------------------------------------------------


@pytest.mark.parametrize("keyword", ["Bearer", "Token", "bearer"])
def test_the_key_is_accepted_as_bearer_or_token(keyword):
    user = UserFactory()
    assert bearer(token_for(user), keyword).get(ME).json()["email"] == user.email


@pytest.mark.parametrize(
    "header",
    [
        "Bearer hvr_not-a-real-key",
        "Token 0123456789abcdef0123456789abcdef01234567",
        "Bearer",
        "Bearer two keys",
        "Bearer " + "x" * 5000,
        "Bearer h\u00e9llo",
    ],
    ids=["unknown", "legacy-shaped", "no-key", "two-keys", "huge", "non-ascii"],
)
def test_a_bad_key_is_401_in_our_error_shape_even_on_public_endpoints(header):
    client = APIClient(HTTP_AUTHORIZATION=header)
    for url in (ME, "/api/v1/listings/"):
        response = client.get(url)
        assert response.status_code == 401, response.content
        assert response.json()["error"]["code"] == "not_authenticated"


def test_an_expired_token_is_refused():
    user = UserFactory()
    key = token_for(user)
    with db_context(DbContext.system("tests")):
        ApiToken.objects.filter(user=user).update(expires_at=timezone.now())

    assert_refused(bearer(key).get(ME), "expired")


def test_a_deactivated_users_token_is_refused():
    user = UserFactory()
    key = token_for(user)
    with db_context(DbContext.system("tests")):
        type(user).objects.filter(pk=user.pk).update(is_active=False)

    assert_refused(bearer(key).get(ME), "Invalid or revoked")


def test_expiry_slides_with_use_but_is_written_at_most_once_per_interval():
    user = UserFactory()
    key = token_for(user)
    long_ago = timezone.now() - dt.timedelta(days=10)
    with db_context(DbContext.system("tests")):
        ApiToken.objects.filter(user=user).update(
            created_at=long_ago, last_used_at=long_ago, expires_at=long_ago + dt.timedelta(days=20)
        )
    client = bearer(key)

    with CaptureQueriesContext(connection) as first:
        assert client.get(ME).status_code == 200
    [token] = tokens_of(user)
    with CaptureQueriesContext(connection) as second:
        assert client.get(ME).status_code == 200

    now = timezone.now()
    assert now - token.last_used_at < dt.timedelta(minutes=5)
    assert abs(token.expires_at - (now + settings.API_TOKEN_TTL)) < dt.timedelta(minutes=5)
    touches = [q for q in first.captured_queries if q["sql"].startswith('UPDATE "api_tokens"')]
    assert len(touches) == 1
    assert not [q for q in second.captured_queries if q["sql"].startswith("UPDATE")]
    assert tokens_of(user)[0].last_used_at == token.last_used_at  # the second wrote nothing


def test_touching_a_token_writes_nothing_to_the_audit_trail():
    user = UserFactory()
    key = token_for(user)
    with db_context(DbContext.system("tests")):
        before = AuditLog.objects.filter(table_name="api_tokens").count()

    assert bearer(key).get(ME).status_code == 200  # first use: last_used_at is written

    assert tokens_of(user)[0].last_used_at is not None
    with db_context(DbContext.system("tests")):
        assert AuditLog.objects.filter(table_name="api_tokens").count() == before


@pytest.mark.django_db(transaction=True)
def test_a_token_request_costs_no_more_statements_than_drf_authtoken_did():
    """Measured on main (f2913ad) with rest_framework.authtoken: GET /users/me/ with a token
    ran 11 statements (BEGIN, context, savepoint, look-up, context, release, context, profile,
    COMMIT). Ours: the same, plus one UPDATE at most once per API_TOKEN_TOUCH_INTERVAL."""
    with db_context(DbContext.system("tests")):
        user = UserFactory()
        key = token_for(user)
    client = bearer(key)
    assert client.get(ME).status_code == 200  # the first use touches the token

    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME).status_code == 200

    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) <= 11, "\n".join(statements)
    [lookup] = [s for s in statements if 'FROM "api_tokens"' in s]
    assert 'INNER JOIN "users"' in lookup  # token and user in one statement


# --- Revocation --------------------------------------------------------------------------


def test_one_device_is_logged_out_alone():
    user = UserFactory()
    phone, laptop = login(user, name="phone"), login(user, name="laptop")

    response = bearer(laptop["key"]).delete(f"{TOKENS}{phone['id']}/")

    assert response.status_code == 204
    assert_refused(bearer(phone["key"]).get(ME), "Invalid or revoked")
    assert bearer(laptop["key"]).get(ME).status_code == 200


def test_delete_auth_token_revokes_only_the_current_one():
    user = UserFactory()
    phone, laptop = login(user, name="phone"), login(user, name="laptop")

    assert bearer(phone["key"]).delete(LOGIN).status_code == 204

    assert_refused(bearer(phone["key"]).get(ME), "Invalid or revoked")
    assert bearer(laptop["key"]).get(ME).status_code == 200


def test_logging_out_everywhere_revokes_every_token_of_the_caller_only():
    user, other = UserFactory(), UserFactory()
    keys = [token_for(user) for _ in range(3)]
    others_key = token_for(other)

    assert bearer(keys[0]).delete(TOKENS).status_code == 204

    for key in keys:
        assert_refused(bearer(key).get(ME), "Invalid or revoked")
    assert tokens_of(user) == []
    assert bearer(others_key).get(ME).status_code == 200


@pytest.mark.parametrize("token_id", ["theirs", "999999999"])
def test_another_users_or_an_unknown_token_is_not_found(token_id):
    user, other = UserFactory(), UserFactory()
    others_key = token_for(other)
    [theirs] = tokens_of(other)
    token_id = theirs.pk if token_id == "theirs" else token_id

    response = bearer(token_for(user)).delete(f"{TOKENS}{token_id}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "token_not_found"
    assert bearer(others_key).get(ME).status_code == 200


@pytest.mark.parametrize("token_id", ["abc", "1e5", "-1", "%20", "99999999999999999999999"])
def test_a_token_id_that_is_no_integer_is_a_404(token_id):
    """Not a bigint id (beyond 2**63 - 1 included): the route does not match."""
    response = bearer(token_for(UserFactory())).delete(f"{TOKENS}{token_id}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_token_endpoints_need_authentication():
    for method, url in (("get", TOKENS), ("delete", TOKENS), ("delete", f"{TOKENS}1/")):
        response = getattr(APIClient(), method)(url)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"


def test_deactivating_a_user_revokes_their_tokens_through_the_service():
    moderator = UserFactory(staff=True, is_superuser=True)
    user = UserFactory()
    key = token_for(user)

    with db_context(DbContext().with_user(moderator)):
        changed = services.users_deactivate(
            users=type(user).objects.filter(pk=user.pk), actor=moderator
        )

    assert changed == 1
    assert tokens_of(user) == []
    assert_refused(bearer(key).get(ME), "Invalid or revoked")


def test_a_moderator_deactivating_a_user_in_the_admin_revokes_their_tokens(client):
    moderator = UserFactory(staff=True)
    moderator.groups.add(Group.objects.get(name=MODERATORS))
    user = UserFactory()
    key = token_for(user)
    client.force_login(moderator)

    response = client.post(
        "/admin/accounts/user/", {"action": "deactivate", "_selected_action": [user.pk]}
    )

    assert response.status_code == 302
    assert tokens_of(user) == []
    assert_refused(bearer(key).get(ME), "Invalid or revoked")


def test_a_user_may_not_revoke_someone_elses_tokens_through_the_services():
    user, other = UserFactory(), UserFactory()
    token_for(other)

    with db_context(DbContext().with_user(user)):
        with pytest.raises(services.PermissionDenied):
            services.tokens_revoke_all(users=[other], actor=user)
        assert services.tokens_revoke(tokens=ApiToken.objects.all(), actor=user) == 0

    assert len(tokens_of(other)) == 1


def test_the_admin_lists_tokens_and_revokes_them_through_the_service(client):
    staff = UserFactory(staff=True, is_superuser=True)
    user = UserFactory()
    key = token_for(user, name="old phone")
    [token] = tokens_of(user)
    client.force_login(staff)
    url = "/admin/accounts/apitoken/"

    page = client.get(url, {"q": user.email})
    assert page.status_code == 200
    assert [t.pk for t in page.context["cl"].result_list] == [token.pk]
    assert "old phone" in page.content.decode() and key not in page.content.decode()

    response = client.post(url, {"action": "revoke", "_selected_action": [token.pk]})

    assert response.status_code == 302
    assert tokens_of(user) == []
    with db_context(DbContext.system("tests")):
        revoked = AuditLog.objects.get(table_name="api_tokens", record_id=token.pk, action="DELETE")
    assert revoked.actor == f"user:{staff.pk}"


def test_staff_without_the_permission_get_no_revoke_action(client):
    staff = UserFactory(staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_apitoken"))
    token_for(UserFactory())
    client.force_login(staff)

    page = client.get("/admin/accounts/apitoken/")

    assert page.status_code == 200
    assert len(page.context["cl"].result_list) == 1
    assert "revoke" not in page.context["cl"].model_admin.get_actions(page.wsgi_request)


# --- Row-level security, in raw SQL as app_user ------------------------------------------


def raw(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def test_postgresql_shows_and_deletes_only_the_context_users_own_tokens():
    alice, bob = UserFactory(), UserFactory()
    alice_key, bob_key = token_for(alice), token_for(bob)
    [bobs] = tokens_of(bob)

    with db_context(DbContext()):  # anonymous
        assert raw("SELECT count(*) FROM api_tokens") == [(0,)]
        assert raw("SELECT current_user") == [("app_user",)]
    with db_context(DbContext().with_user(alice)):
        assert raw("SELECT user_id FROM api_tokens") == [(alice.pk,)]
        # Bob's digest does not find his token either.
        assert raw("SELECT id FROM api_tokens WHERE digest = %s", [api_token_digest(bob_key)]) == []
        assert raw("DELETE FROM api_tokens WHERE id = %s", [bobs.pk]) == 0
        assert raw("DELETE FROM api_tokens WHERE user_id = %s", [bob.pk]) == 0
        # Nor may she extend her own: uses are recorded by the authentication actor only.
        assert raw("UPDATE api_tokens SET expires_at = 'infinity'") == 0
    with db_context(DbContext.system("auth")):
        assert raw(
            "SELECT user_id FROM api_tokens WHERE digest = %s", [api_token_digest(alice_key)]
        ) == [(alice.pk,)]
    assert len(tokens_of(bob)) == 1


@pytest.mark.django_db(transaction=True)
def test_an_app_user_session_without_any_context_reads_no_token():
    """The finding: any app_user transaction read every row of authtoken_token."""
    with db_context(DbContext.system("tests")):
        token_for(UserFactory())
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432
    ) as session:
        role = pg_sql.Identifier(settings.DATABASE_APP_ROLE)
        session.execute(pg_sql.SQL("SET ROLE {}").format(role))
        assert session.execute("SELECT count(*) FROM api_tokens").fetchone() == (0,)
        assert session.execute("SELECT to_regclass('authtoken_token')").fetchone() == (None,)
        assert session.execute("DELETE FROM api_tokens").rowcount == 0
    with db_context(DbContext.system("tests")):
        assert ApiToken.objects.count() == 1


def test_postgresql_refuses_a_token_minted_by_a_user_even_for_themself():
    alice = UserFactory()
    with pytest.raises(ProgrammingError, match="row-level security"):
        with db_context(DbContext().with_user(alice)):
            raw(
                "INSERT INTO api_tokens (user_id, name, prefix, digest, expires_at)"
                " VALUES (%s, 'forged', 'hvr_forged', %s, now() + interval '100 years')",
                [alice.pk, "0" * 64],
            )
    assert tokens_of(alice) == []


def test_an_owner_deletes_their_own_token_in_sql():
    alice = UserFactory()
    token_for(alice)
    with db_context(DbContext().with_user(alice)):
        assert raw("DELETE FROM api_tokens WHERE user_id = %s", [alice.pk]) == 1
    assert tokens_of(alice) == []


# --- The move from rest_framework.authtoken ----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_authtoken_keys_hashed_and_their_clients_stay_logged_in():
    """accounts.0007's data step, on a table shaped like DRF's authtoken_token (as on main)."""
    migration = importlib.import_module("apps.accounts.migrations.0007_api_tokens")
    with db_context(DbContext.system("tests")):
        user = UserFactory()
    legacy_key = "0123456789abcdef0123456789abcdef01234567"  # DRF's format: 40 hex digits
    with as_owner(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY,"
            " created timestamptz NOT NULL, user_id bigint NOT NULL UNIQUE REFERENCES users)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, now() - interval '400 days', %s)",
            [legacy_key, user.pk],
        )
        migration.move_authtoken_keys(django_apps, SimpleNamespace(connection=connection))
        cursor.execute("SELECT to_regclass('authtoken_token')")
        assert cursor.fetchone() == (None,)

    [moved] = tokens_of(user)
    assert moved.digest == api_token_digest(legacy_key) and moved.prefix == legacy_key[:8]
    assert moved.expires_at > timezone.now() + settings.API_TOKEN_TTL - dt.timedelta(hours=1)
    assert bearer(legacy_key, "Token").get(ME).json()["email"] == user.email


def test_the_schema_declares_the_bearer_scheme_on_authenticated_operations():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, method in ((TOKENS, "get"), (TOKENS, "delete"), (f"{TOKENS}{{token_id}}/", "delete")):
        assert {"bearerAuth": []} in schema["paths"][path][method]["security"]
    created = schema["paths"][LOGIN]["post"]["responses"]["201"]["content"]["application/json"]
    name = created["schema"]["$ref"].rsplit("/", 1)[1]
    assert "key" in schema["components"]["schemas"][name]["properties"]
    assert "key" not in schema["components"]["schemas"]["Token"]["properties"]


def test_purge_expired_tokens_deletes_expired_ones_in_batches_and_keeps_live_ones():
    users = [UserFactory() for _ in range(3)]
    live_key = token_for(users[0])
    for user in users:
        for _ in range(2):
            token_for(user, name="expired")
    with db_context(DbContext.system("tests")):
        ApiToken.objects.filter(name="expired").update(
            created_at=timezone.now() - dt.timedelta(days=60),
            expires_at=timezone.now() - dt.timedelta(days=1),
        )
    out = io.StringIO()

    call_command("purge_expired_tokens", "--dry-run", stdout=out)
    call_command("purge_expired_tokens", "--batch-size", "4", stdout=out)

    assert out.getvalue().splitlines()[0].startswith("purge_expired_tokens: would delete 6 ")
    assert out.getvalue().splitlines()[1].startswith("purge_expired_tokens: deleted 6 ")
    with db_context(DbContext.system("tests")):
        assert list(ApiToken.objects.values_list("name", flat=True)) == ["tests"]
    assert bearer(live_key).get(ME).status_code == 200


def test_a_session_sees_its_users_tokens_none_current_and_logs_out_no_token():
    user = UserFactory()
    key = token_for(user)
    session = APIClient()
    session.force_login(user)

    assert [t["current"] for t in session.get(TOKENS).json()["results"]] == [False]
    assert session.delete(LOGIN).status_code == 204

    assert bearer(key).get(ME).status_code == 200
