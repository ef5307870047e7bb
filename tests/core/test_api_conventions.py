"""Conventions of the whole API: one error shape, JSON everywhere, throttling, schema."""

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken, User, api_token_digest
from apps.core.context import DbContext, db_context
from tests.factories import ListingFactory, UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.helpers import error

pytestmark = pytest.mark.django_db


def test_unknown_api_paths_answer_json_404():
    error(APIClient().get("/api/v1/nothing-here/"), 404, "not_found")
    error(APIClient().get("/api/elsewhere"), 404, "not_found")


def test_wrong_method_and_media_type():
    listing = ListingFactory()
    client = APIClient()
    client.force_login(listing.owner)

    error(client.put(f"/api/v1/listings/{listing.pk}/", {}), 405, "method_not_allowed")
    error(
        client.post("/api/v1/listings/", "title=x", content_type="text/plain"),
        415,
        "unsupported_media_type",
    )


def test_too_large_a_body_answers_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    user = UserFactory(owner=True)
    client = APIClient()
    client.force_login(user)

    response = client.post("/api/v1/listings/", {"title": "x" * 5000}, format="json")

    error(response, 413, "payload_too_large")


def test_a_bad_host_header_on_the_api_answers_json():
    error(APIClient().get("/api/v1/listings/", HTTP_HOST="evil.example"), 400, "invalid")


def test_authentication_is_required_by_default():
    error(APIClient().get("/api/v1/bookings/"), 401, "not_authenticated")


def test_register_token_me_and_revoke():
    client = APIClient()

    created = client.post(
        "/api/v1/auth/register/",
        {"email": "new@example.com", "password": DEFAULT_PASSWORD, "name": "New", "role": "owner"},
        format="json",
    )
    assert created.status_code == 202 and set(created.json()) == {"detail"}
    assert User.objects.get(email="new@example.com").role == "owner"
    # The address taken: the same answer, and nothing created (its owner is told by e-mail).
    again = client.post(
        "/api/v1/auth/register/",
        {"email": "NEW@example.com", "password": DEFAULT_PASSWORD, "name": "Dup"},
        format="json",
    )
    assert (again.status_code, again.json()) == (202, created.json())
    assert User.objects.filter(email__iexact="new@example.com").count() == 1
    weak = client.post(
        "/api/v1/auth/register/",
        {"email": "w@example.com", "password": "123", "name": "W"},
        format="json",
    )
    error(weak, 400, "invalid")
    assert "password" in weak.json()["error"]["fields"]
    staff_attempt = client.post(
        "/api/v1/auth/register/",
        {"email": "s@example.com", "password": DEFAULT_PASSWORD, "name": "S", "is_staff": True},
        format="json",
    )
    error(staff_attempt, 400, "invalid")
    assert not User.objects.filter(email="s@example.com", is_staff=True).exists()

    token = client.post(
        "/api/v1/auth/token/",
        {"email": "New@Example.com", "password": DEFAULT_PASSWORD},
        format="json",
    ).json()["key"]
    error(
        client.post(
            "/api/v1/auth/token/", {"email": "new@example.com", "password": "wrong"}, format="json"
        ),
        400,
        "invalid_credentials",
    )
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/users/me/").json()
    assert me["email"] == "new@example.com"
    assert client.patch(
        "/api/v1/users/me/", {"profile": {"bio": "Host in Lyon"}}, format="json"
    ).json()["profile"] == {"bio": "Host in Lyon"}
    error(client.patch("/api/v1/users/me/", {"role": "guest"}, format="json"), 400, "invalid")
    assert client.get("/api/v1/users/me/").json()["role"] == "owner"
    assert client.delete("/api/v1/auth/token/").status_code == 204
    error(client.get("/api/v1/users/me/"), 401, "not_authenticated")
    with db_context(DbContext.system("tests")):
        assert not ApiToken.objects.filter(digest=api_token_digest(token)).exists()


def test_the_auth_endpoints_are_throttled_with_retry_after(monkeypatch):
    from apps.core.api.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
    client = APIClient()
    body = {"email": "nobody@example.com", "password": "guess"}

    statuses = [
        client.post("/api/v1/auth/token/", body, format="json").status_code for _ in range(4)
    ]

    assert statuses == [400, 400, 400, 429]
    throttled = client.post("/api/v1/auth/token/", body, format="json")
    error(throttled, 429, "throttled")
    assert int(throttled["Retry-After"]) > 0


def test_schema_and_docs_are_served_from_our_own_server():
    client = APIClient()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/bookings/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()


@pytest.mark.parametrize("endpoint", ["bookings", "messages", "reviews", "listings/mine"])
def test_numbered_pages_work_on_every_list(endpoint):
    client = APIClient()
    client.force_login(UserFactory(owner=True))

    response = client.get(f"/api/v1/{endpoint}/?page=1&page_size=5")

    assert response.status_code == 200 and "count" in response.json()
    error(client.get(f"/api/v1/{endpoint}/?page=0"), 404, "not_found")


def test_preferences_must_be_an_object_and_nothing_reaches_a_500():
    client = APIClient()
    client.force_login(UserFactory())

    error(client.patch("/api/v1/users/me/", {"preferences": None}, format="json"), 400, "invalid")
    assert client.patch("/api/v1/users/me/", {"preferences": {"lang": "fr"}}, format="json").json()[
        "preferences"
    ] == {"lang": "fr"}
