"""POST /api/v1/auth/password/change/: the current password, then Django's password rules; the
caller's own token or session stays valid, their other tokens and sessions do not."""

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.helpers import client_for, token_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/password/change/"
NEW = "a-brand-new-passphrase"


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def fields_of(response) -> dict:
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    return response.json()["error"]["fields"]


def test_changing_the_password_keeps_the_callers_token_and_login_uses_the_new_one():
    user = UserFactory(email="ana@example.com")
    other_device = token_client(token_for(user, name="phone"))
    client = token_client(token_for(user, name="laptop"))

    response = client.post(URL, {"current_password": DEFAULT_PASSWORD, "new_password": NEW})

    assert response.status_code == 204, response.content
    assert client.get("/api/v1/users/me/").status_code == 200  # same token, still valid
    assert other_device.get("/api/v1/users/me/").status_code == 401
    assert list(ApiToken.objects.filter(user=user).values_list("name", flat=True)) == ["laptop"]
    user.refresh_from_db()
    assert user.check_password(NEW) and not user.check_password(DEFAULT_PASSWORD)
    login = APIClient().post(
        "/api/v1/auth/token/", {"email": "ana@example.com", "password": NEW}, format="json"
    )
    assert login.status_code == 201, login.content


def test_a_session_caller_stays_logged_in_and_other_sessions_and_tokens_end():
    user = UserFactory()
    token = token_for(user)  # another device
    caller, other_session = client_for(user), client_for(user)

    response = caller.post(URL, {"current_password": DEFAULT_PASSWORD, "new_password": NEW})

    assert response.status_code == 204, response.content
    assert caller.get("/api/v1/users/me/").status_code == 200
    assert other_session.get("/api/v1/users/me/").status_code in (401, 403)
    assert token_client(token).get("/api/v1/users/me/").status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()


def test_a_wrong_current_password_is_a_400_naming_it_and_changes_nothing():
    user = UserFactory()

    response = client_for(user).post(URL, {"current_password": "guess", "new_password": NEW})

    assert list(fields_of(response)) == ["current_password"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize("new", ["short", "12345678901", "password123", "user@example.com"])
def test_a_new_password_breaking_the_rules_is_a_400_naming_it(new):
    user = UserFactory(email="user@example.com")

    response = client_for(user).post(
        URL, {"current_password": DEFAULT_PASSWORD, "new_password": new}
    )

    assert list(fields_of(response)) == ["new_password"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_missing_and_unknown_fields_are_named():
    user = UserFactory()

    response = client_for(user).post(URL, {"new_password": NEW, "user": 1}, format="json")

    assert set(fields_of(response)) == {"current_password", "user"}


def test_an_anonymous_caller_gets_a_401():
    response = APIClient().post(URL, {"current_password": "x", "new_password": NEW})

    assert response.status_code == 401
