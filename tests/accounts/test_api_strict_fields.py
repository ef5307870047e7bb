"""PATCH /users/me/ and POST /auth/register/ refuse unknown and server-owned fields with a 400
naming each one, like every other endpoint (one mechanism: RejectUnknownFieldsMixin)."""

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import User
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.helpers import client_for

pytestmark = pytest.mark.django_db
ME = "/api/v1/users/me/"
REGISTER = "/api/v1/auth/register/"

SERVER_OWNED_ON_ME = {
    "id": 999,
    "email": "other@example.com",
    "role": "owner",
    "is_staff": True,
    "is_superuser": True,
    "is_active": False,
    "is_verified": True,
    "tenant": 2,
    "created_at": "2020-01-01T00:00:00Z",
    "updated_at": "2020-01-01T00:00:00Z",
    "last_login": "2020-01-01T00:00:00Z",
    "groups": [1],
    "user_permissions": [1],
    "no_such_field": "x",
}


def fields_of(response, status=400) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "invalid"
    return body["error"]["fields"]


@pytest.mark.parametrize(("field", "value"), SERVER_OWNED_ON_ME.items())
def test_patching_a_server_owned_or_unknown_field_of_me_is_a_400_naming_it(field, value):
    user = UserFactory(name="Before")
    client = client_for(user)
    before = User.objects.values().get(pk=user.pk)

    response = client.patch(ME, {"name": "After", field: value}, format="json")

    assert list(fields_of(response)) == [field]
    assert User.objects.values().get(pk=user.pk) == before  # nothing changed, name included


def test_every_refused_field_of_one_request_is_named_with_the_other_errors():
    user = UserFactory()

    response = client_for(user).patch(
        ME, {**SERVER_OWNED_ON_ME, "country": "XX", "profile": {"bio": "b", "user": 3}}
    )

    fields = fields_of(response)
    assert set(fields) == {*SERVER_OWNED_ON_ME, "country", "profile"}
    assert fields["profile"] == {"user": ["This field cannot be set."]}  # nested, by name


def test_a_password_in_patch_me_points_to_the_password_endpoint():
    user = UserFactory()

    response = client_for(user).patch(ME, {"password": "a-brand-new-passphrase"})

    [message] = fields_of(response)["password"]
    assert "/api/v1/users/me/password/" in message
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_the_writable_fields_of_me_still_change():
    user = UserFactory()

    response = client_for(user).patch(
        ME, {"name": "Ana", "city": "Lyon", "profile": {"bio": "Host"}}, format="json"
    )

    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["profile"]) == ("Ana", {"bio": "Host"})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("is_staff", True),
        ("is_superuser", True),
        ("tenant", 1),
        ("id", 1),
        ("is_verified", True),
        ("created_at", "2020-01-01T00:00:00Z"),
        ("phone", "+33 1 23 45 67 89"),  # a real field of users, not one sign-up takes
        ("nonsense", 1),
    ],
)
def test_registering_with_a_server_owned_or_unknown_field_is_a_400_naming_it(field, value):
    body = {"email": "ana@example.com", "password": DEFAULT_PASSWORD, "name": "Ana", field: value}

    response = APIClient().post(REGISTER, body, format="json")

    assert list(fields_of(response)) == [field]
    assert not User.objects.filter(email="ana@example.com").exists()


def test_registering_with_the_accepted_fields_still_works():
    body = {"email": "ana@example.com", "password": DEFAULT_PASSWORD, "name": "Ana"}

    response = APIClient().post(REGISTER, {**body, "role": "owner"}, format="json")

    assert response.status_code == 201, response.content
    assert User.objects.get(email="ana@example.com").role == "owner"


def test_the_browsable_apis_form_token_is_not_a_refused_field():
    user = UserFactory()

    response = client_for(user).patch(
        ME, {"name": "Ana", "csrfmiddlewaretoken": "from-the-form"}, format="multipart"
    )

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Ana"


def test_a_non_object_body_is_a_400_not_a_500():
    user = UserFactory()

    for body in ([], "text", 3, [{"name": "x"}]):
        response = client_for(user).patch(ME, body, format="json")
        assert response.status_code == 400, (body, response.content)
