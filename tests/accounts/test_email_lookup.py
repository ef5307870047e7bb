"""E-mail addresses are compared case-insensitively through users.email_key, whose unique
index serves every such look-up under row-level security: logins, sign-ups, the admin's
forms and searches behave as before, and no query compares UPPER(email) any more."""

import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import User
from apps.core.context import DbContext, db_context
from apps.notifications.models import Notification
from tests.db import execute
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD, TenantFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

# What Django writes for `email__iexact` on a plain field: no index serves it under RLS.
GENERAL_FORM = 'UPPER("users"."email"'


def test_email_key_is_the_upper_cased_address_kept_by_postgresql():
    user = UserFactory(email="Marie.Dubois@Example.com")

    execute("UPDATE users SET email = 'marie@exemple.FR' WHERE id = %s", [user.pk])

    assert execute("SELECT email_key FROM users WHERE id = %s", [user.pk]) == [
        ("MARIE@EXEMPLE.FR",)
    ]


def test_iexact_on_the_email_compares_email_key_and_finds_any_case():
    user = UserFactory(email="Marie.Dubois@Example.com")

    with CaptureQueriesContext(connection) as queries:
        found = User.objects.get(email__iexact="MARIE.dubois@example.COM")
        natural = User.objects.get_by_natural_key("marie.dubois@EXAMPLE.com")

    assert found == natural == user
    assert all('"email_key" = (UPPER(' in q["sql"] for q in queries.captured_queries)
    assert not any(GENERAL_FORM in q["sql"] for q in queries.captured_queries)


def test_iexact_through_a_relation_compares_email_key_too():
    from apps.bookings.models import Booking
    from tests.factories import BookingFactory

    booking = BookingFactory(guest=UserFactory(email="Guest.One@Example.com"))
    BookingFactory()

    bookings = Booking.objects.filter(guest__email__iexact="guest.one@example.com")

    assert list(bookings) == [booking]
    assert '"email_key" = (UPPER(' in str(bookings.query)


def test_login_ignores_the_case_of_the_address(api_client):
    UserFactory(email="Marie.Dubois@Example.com")

    right = api_client.post(
        "/api/v1/auth/token/",
        {"email": "MARIE.DUBOIS@example.com", "password": DEFAULT_PASSWORD},
        format="json",
    )
    wrong = api_client.post(
        "/api/v1/auth/token/",
        {"email": "marie.dubois@example.com", "password": "not-the-password"},
        format="json",
    )
    unknown = api_client.post(
        "/api/v1/auth/token/",
        {"email": "nobody@example.com", "password": DEFAULT_PASSWORD},
        format="json",
    )

    assert right.status_code == 201 and right.json()["key"]
    assert wrong.status_code == unknown.status_code == 400
    assert (
        wrong.json()["error"]["code"] == unknown.json()["error"]["code"] == ("invalid_credentials")
    )


def test_login_and_registration_never_compare_upper_email(api_client):
    UserFactory(email="known@example.com")

    with CaptureQueriesContext(connection) as queries:
        api_client.post(
            "/api/v1/auth/token/",
            {"email": "KNOWN@example.com", "password": DEFAULT_PASSWORD},
            format="json",
        )
        api_client.post(
            "/api/v1/auth/register/",
            {"email": "new@example.com", "password": "a-long-passphrase", "name": "New"},
            format="json",
        )
        api_client.post(
            "/api/v1/auth/register/",
            {"email": "KNOWN@EXAMPLE.COM", "password": "a-long-passphrase", "name": "Dup"},
            format="json",
        )

    users_queries = [q["sql"] for q in queries.captured_queries if '"users"' in q["sql"]]
    assert users_queries
    assert not any(GENERAL_FORM in sql for sql in users_queries)


def test_registration_finds_an_address_taken_in_another_case(api_client):
    UserFactory(email="Marie.Dubois@Example.com")

    response = api_client.post(
        "/api/v1/auth/register/",
        {"email": "marie.dubois@EXAMPLE.com", "password": "a-long-passphrase", "name": "Marie"},
        format="json",
    )

    assert response.status_code == 202
    assert User.objects.filter(email__iexact="marie.dubois@example.com").count() == 1
    assert Notification.objects.filter(
        recipient__email="Marie.Dubois@Example.com", kind="sign_up_attempt"
    ).exists()


def test_registration_finds_an_address_taken_in_another_tenant(api_client):
    """Anonymous sign-up sees its own tenant's users only: the other tenant's account is
    looked up by the verification actor, and answered as any taken address (no 409 that
    would tell it exists)."""
    other = UserFactory(email="marie@example.com", tenant=TenantFactory(slug="elsewhere"))

    response = api_client.post(
        "/api/v1/auth/register/",
        {"email": "MARIE@example.com", "password": "a-long-passphrase", "name": "Marie"},
        format="json",
    )

    assert response.status_code == 202
    assert User.objects.filter(email__iexact="marie@example.com").count() == 1
    assert Notification.objects.filter(recipient=other, kind="sign_up_attempt").exists()


def test_the_model_validation_refuses_a_duplicate_in_another_case():
    from django.core.exceptions import ValidationError

    UserFactory(email="lucas@example.com")
    candidate = User(email="LUCAS@example.com", name="Lucas", tenant=UserFactory().tenant)

    with pytest.raises(ValidationError) as caught:
        candidate.validate_constraints()

    assert "A user with this e-mail address already exists." in str(caught.value)


def test_the_admin_add_form_refuses_a_duplicate_in_another_case():
    """The form leaves email_key out (it is not one of its fields): the e-mail's uniqueness
    is still checked with the e-mail, as a form error, not a database error."""
    admin = UserFactory(staff=True, is_superuser=True)
    UserFactory(email="lucas@example.com")
    client = Client()
    client.force_login(admin)

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "Lucas@Example.com",
            "name": "Lucas",
            "role": "guest",
            "tenant": admin.tenant_id,
            "usable_password": "true",
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
        },
    )

    assert response.status_code == 200
    assert "A user with this e-mail address already exists." in response.content.decode()
    assert User.objects.filter(email__iexact="lucas@example.com").count() == 1


def test_the_session_backend_logs_in_whatever_the_case():
    user = UserFactory(email="Staff.Member@Example.com", staff=True)

    with db_context(DbContext()):  # the anonymous context of the admin's login page
        found = authenticate(None, username="staff.member@example.COM", password=DEFAULT_PASSWORD)

    assert found == user
    assert client_for(found).get("/api/v1/users/me/").json()["email"] == user.email
