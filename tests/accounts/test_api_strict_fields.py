"""PATCH /users/me/ and POST /auth/register/ refuse unknown and server-owned fields with a 400
naming each one, like every other endpoint (one mechanism: RejectUnknownFieldsMixin)."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.test import APIClient

from apps.accounts.models import User
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.helpers import client_for, error

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
    "email_verified_at": "2020-01-01T00:00:00Z",
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
    assert "/api/v1/auth/password/change/" in message
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
        ("email_verified_at", "2020-01-01T00:00:00Z"),
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

    assert response.status_code == 202, response.content
    user = User.objects.get(email="ana@example.com")
    assert (user.role, user.email_verified_at) == ("owner", None)


def test_bodies_are_json_only_form_and_multipart_are_a_415():
    user = UserFactory(name="Bo")
    client = client_for(user)

    for body_format in ("multipart", None):  # None: APIClient's form encoding
        if body_format is None:
            response = client.patch(
                ME, "name=Ana", content_type="application/x-www-form-urlencoded"
            )
        else:
            response = client.patch(ME, {"name": "Ana"}, format=body_format)
        error(response, 415, "unsupported_media_type")

    user.refresh_from_db()
    assert user.name == "Bo"


def test_a_non_object_body_is_a_400_not_a_500():
    user = UserFactory()

    for body in ([], "text", 3, [{"name": "x"}]):
        response = client_for(user).patch(ME, body, format="json")
        assert response.status_code == 400, (body, response.content)


@pytest.mark.parametrize("country", ["", "XX", "fr"])
def test_a_country_that_is_no_iso_code_is_a_400_under_country_in_words(country):
    user = UserFactory(country="FR")

    fields = fields_of(client_for(user).patch(ME, {"country": country}, format="json"))

    assert list(fields) == ["country"], fields
    [message] = fields["country"]
    assert "ISO 3166-1 alpha-2" in message and "users_country" not in message
    user.refresh_from_db()
    assert user.country == "FR"


def test_null_clears_the_country():
    user = UserFactory(country="FR")

    response = client_for(user).patch(ME, {"country": None}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["country"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("country", ""), ("country", "XX"), ("role", "pilot"), ("date_of_birth", "1850-01-01")],
)
def test_full_clean_names_the_field_of_a_broken_check_constraint(field, value):
    # The services' full_clean() reports each column's CHECK under its field, in words, never
    # by the constraint's name under __all__.
    user = UserFactory()
    setattr(user, field, value)

    with pytest.raises(DjangoValidationError) as raised:
        user.full_clean(exclude=["password"])

    errors = raised.value.message_dict
    assert field in errors and "__all__" not in errors, errors
    assert not any("users_" in message for message in errors[field]), errors
