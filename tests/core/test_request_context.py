"""The acting user, tenant, IP and request id reach PostgreSQL for every request."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from rest_framework.test import APIClient

from apps.accounts.models import default_tenant
from apps.core import context
from apps.core.context import DbContext, db_context
from apps.core.middleware import request_context
from apps.core.models import AuditLog
from apps.listings.models import Listing
from tests.factories import ListingFactory, TenantFactory, UserFactory
from tests.helpers import token_for

# Every test also runs through PgBouncer in transaction mode (tests/pgbouncer.py).
pytestmark = pytest.mark.also_through_pgbouncer


def latest_audit(table, record_id):
    with db_context(DbContext.system("tests")):
        return AuditLog.objects.filter(table_name=table, record_id=record_id).latest("id")


@pytest.mark.django_db
def test_a_token_authenticated_request_acts_under_its_user_in_postgresql():
    user = UserFactory(name="Before")
    token = token_for(user)
    client = APIClient(REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="havre-mobile/2.1")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = client.patch(
        "/api/v1/users/me/", {"name": "After"}, format="json", HTTP_X_REQUEST_ID="req-42"
    )

    assert response.status_code == 200, response.content
    assert response["X-Request-ID"] == "req-42"
    entry = latest_audit("users", user.pk)
    assert entry.action == "UPDATE"
    assert entry.user_id == user.pk
    assert entry.actor == f"user:{user.pk}"
    assert entry.ip_address == "203.0.113.7"
    assert entry.user_agent == "havre-mobile/2.1"
    assert entry.request_id == "req-42"
    assert entry.changes["name"] == {"old": "Before", "new": "After"}


@pytest.mark.django_db
def test_a_session_authenticated_request_acts_under_its_user():
    user = UserFactory(name="Before")
    client = APIClient()
    client.force_login(user)

    response = client.patch("/api/v1/users/me/", {"name": "After"}, format="json")

    assert response.status_code == 200, response.content
    entry = latest_audit("users", user.pk)
    assert (entry.user_id, entry.actor) == (user.pk, f"user:{user.pk}")


@pytest.mark.django_db
def test_a_failed_request_changes_nothing():
    user = UserFactory(name="Before")
    client = APIClient()
    client.force_login(user)

    response = client.patch("/api/v1/users/me/", {"name": "After", "country": "XX"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["country"]
    user.refresh_from_db()
    assert user.name == "Before"


@pytest.mark.django_db(transaction=True)
def test_two_requests_over_one_connection_never_share_their_context():
    with db_context(DbContext.system("tests")):
        alice, bob = UserFactory(name="Alice"), UserFactory(name="Bob")
        alice_token = token_for(alice)
        bob_token = token_for(bob)
    client = APIClient()

    client.credentials(HTTP_AUTHORIZATION=f"Token {alice_token}")
    assert client.patch("/api/v1/users/me/", {"name": "Alice 2"}).status_code == 200
    backend_pid = connection.connection.info.backend_pid

    # Between requests, on the same connection, nothing of Alice's context remains.
    assert context.current() == dict.fromkeys(context.SETTING_NAMES)

    client.credentials(HTTP_AUTHORIZATION=f"Token {bob_token}")
    response = client.get("/api/v1/users/me/")
    assert response.json()["name"] == "Bob"
    assert client.patch("/api/v1/users/me/", {"name": "Bob 2"}).status_code == 200
    assert connection.connection.info.backend_pid == backend_pid

    assert latest_audit("users", bob.pk).user_id == bob.pk
    assert latest_audit("users", alice.pk).user_id == alice.pk


@pytest.mark.django_db
def test_an_anonymous_request_resolves_its_tenant_from_the_header():
    tenant = TenantFactory(slug="riviera")
    foreign = ListingFactory(owner=UserFactory(owner=True, tenant=tenant))
    ListingFactory()  # in the default tenant
    request = RequestFactory().get("/", HTTP_X_TENANT="riviera")
    request.request_id = "r1"

    ctx = request_context(request, AnonymousUser())

    assert ctx.tenant_id == tenant.pk
    with db_context(ctx):
        assert list(Listing.objects.values_list("pk", flat=True)) == [foreign.pk]


@pytest.mark.django_db
def test_an_anonymous_request_without_hint_gets_the_default_tenant():
    request = RequestFactory().get("/")
    request.request_id = "r2"

    ctx = request_context(request, AnonymousUser())

    assert ctx.tenant_id == default_tenant().pk
    assert ctx.actor == "anonymous"


def test_context_requires_a_transaction():
    with pytest.raises(RuntimeError):
        context.apply(DbContext())
