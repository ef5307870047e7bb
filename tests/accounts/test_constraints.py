"""PostgreSQL itself refuses bad users, whatever writes them: the ORM without full_clean(), a
bulk update, or raw SQL."""

import pytest

from apps.accounts.models import User
from tests.db import execute, refused
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def insert_user(email: str) -> None:
    """A user row written by raw SQL: no Django code between the value and PostgreSQL."""
    execute(
        "INSERT INTO users (password, is_superuser, email, name, role, tenant_id)"
        " SELECT '', false, %s, 'Raw', 'guest', id FROM tenants ORDER BY id LIMIT 1",
        [email],
    )


def test_an_email_differing_only_in_case_is_a_duplicate_through_the_orm():
    UserFactory(email="Marie.Dubois@Example.com")

    with refused("users_email_ci_unique"):
        UserFactory(email="marie.dubois@example.COM")


def test_an_email_differing_only_in_case_is_a_duplicate_in_raw_sql():
    UserFactory(email="Marie.Dubois@Example.com")

    with refused("users_email_ci_unique"):
        insert_user("MARIE.DUBOIS@EXAMPLE.COM")


def test_changing_an_email_into_another_users_is_refused():
    UserFactory(email="lucas@example.com")
    other = UserFactory(email="someone@example.com")

    with refused("users_email_ci_unique"):
        User.objects.filter(pk=other.pk).update(email="Lucas@Example.com")


def test_distinct_emails_are_accepted():
    UserFactory(email="lucas@example.com")

    insert_user("lucas@example.org")

    assert User.objects.filter(email__iexact="LUCAS@example.org").count() == 1


def test_an_unknown_role_is_refused():
    with refused("users_role_valid"):
        UserFactory(role="admin")

    user = UserFactory()
    with refused("users_role_valid"):
        execute("UPDATE users SET role = 'admin' WHERE id = %s", [user.pk])


@pytest.mark.parametrize("country", ["XX", "fr", ""])
def test_a_country_must_be_an_iso_3166_alpha2_code(country):
    user = UserFactory()

    with refused("users_country_iso_3166_alpha2"):
        User.objects.filter(pk=user.pk).update(country=country)


@pytest.mark.parametrize("country", ["FR", "GB", None])
def test_known_country_codes_and_no_country_are_accepted(country):
    user = UserFactory(country=country)

    User.objects.filter(pk=user.pk).update(country=country)

    assert User.objects.get(pk=user.pk).country == country
