"""CORS (django-cors-headers): a front end on a listed origin (CORS_ALLOWED_ORIGINS) may call
/api/ from a browser; no other origin, no other path, no origin at all by default. Preflights
are answered before authentication; credentials stay off unless configured. The same in a
real browser: tests/e2e/test_cross_origin.py."""

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.helpers import token_for

pytestmark = pytest.mark.django_db
FRONT_END = "https://app.example.com"


@pytest.fixture
def allowed(settings):
    settings.CORS_ALLOWED_ORIGINS = [FRONT_END]
    return settings


def preflight(path: str, origin: str, method: str = "POST"):
    return Client().options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )


def test_a_preflight_from_an_allowed_origin_is_answered_without_authentication(
    allowed, django_assert_num_queries
):
    with django_assert_num_queries(0):  # no session, no token, no request transaction
        response = preflight("/api/v1/bookings/", FRONT_END)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONT_END
    assert "POST" in response["Access-Control-Allow-Methods"]
    allowed_headers = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed_headers
    assert "Access-Control-Allow-Credentials" not in response


def test_other_origins_other_paths_and_the_default_get_no_cors_headers(allowed, settings):
    refused = [
        preflight("/api/v1/bookings/", "https://evil.example.com"),
        preflight("/api/v1/bookings/", "http://app.example.com"),  # another scheme
        preflight(f"/{settings.ADMIN_URL}login/", FRONT_END),  # not the API
    ]
    settings.CORS_ALLOWED_ORIGINS = []  # the default: no origin at all
    refused.append(preflight("/api/v1/bookings/", FRONT_END))

    assert [r.get("Access-Control-Allow-Origin") for r in refused] == [None] * 4


def test_a_cross_origin_call_and_its_errors_are_readable_by_the_front_end(allowed):
    user = UserFactory()
    client = Client(HTTP_ORIGIN=FRONT_END)

    ok = client.get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
    refused = client.get("/api/v1/users/me/", HTTP_AUTHORIZATION="Bearer hvr_nope")

    assert ok.status_code == 200 and ok.json()["email"] == user.email
    assert refused.status_code == 401
    for response in (ok, refused):
        assert response["Access-Control-Allow-Origin"] == FRONT_END
        assert "Retry-After" in response["Access-Control-Expose-Headers"]
        assert "origin" in response["Vary"].lower()


def test_credentials_are_allowed_only_when_configured(allowed):
    allowed.CORS_ALLOW_CREDENTIALS = True

    response = preflight("/api/v1/users/me/", FRONT_END, method="GET")

    assert response["Access-Control-Allow-Credentials"] == "true"
