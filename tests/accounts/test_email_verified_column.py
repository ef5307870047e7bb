"""PostgreSQL guards users.email_verified_at (accounts.0013): raw SQL as the runtime role in a
user's own request context — or staff's, a superuser's — cannot set it; the verification
service (system:email_verification) and commands can; a new address clears it."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.accounts.email_verification import email_verification_token, uid_of
from apps.accounts.groups import SUPPORT
from apps.accounts.models import User
from apps.core import context
from apps.core.context import DbContext, db_context
from apps.core.models import AuditLog
from tests.db import acting_as, execute, refused_column
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def verified_at(user):
    [(value,)] = execute("SELECT email_verified_at FROM users WHERE id = %s", [user.pk])
    return value


def test_a_user_cannot_verify_their_own_address_in_sql():
    user = UserFactory(unverified=True)

    with acting_as(user), refused_column("email_verified_at"):
        execute("UPDATE users SET email_verified_at = now() WHERE id = %s", [user.pk])

    assert verified_at(user) is None


def test_nor_unverify_or_backdate_it():
    user = UserFactory()

    with acting_as(user):
        for value in ("NULL", "'2020-01-01T00:00:00Z'"):
            with refused_column("email_verified_at"):
                execute(
                    f"UPDATE users SET email_verified_at = {value} WHERE id = %s",  # noqa: S608
                    [user.pk],
                )


@pytest.mark.parametrize("who", ["support", "superuser"])
def test_staff_cannot_set_it_either(who):
    target = UserFactory(unverified=True)
    if who == "support":
        staff = UserFactory(staff=True)
        staff.groups.add(Group.objects.get(name=SUPPORT))  # accounts.change_user
    else:
        staff = UserFactory(staff=True, is_superuser=True)

    with acting_as(staff), refused_column("email_verified_at"):
        execute("UPDATE users SET email_verified_at = now() WHERE id = %s", [target.pk])


def test_a_sign_up_cannot_insert_a_verified_account():
    tenant_id = UserFactory().tenant_id
    columns = "(email, name, role, password, is_staff, is_superuser, tenant_id, email_verified_at)"

    with db_context(DbContext(tenant_id=tenant_id)), refused_column("email_verified_at"):
        execute(
            f"INSERT INTO users {columns} VALUES ('new@example.com', 'New', 'guest', '!',"  # noqa: S608
            " false, false, %s, now())",
            [tenant_id],
        )

    assert not User.objects.filter(email="new@example.com").exists()


def test_the_verification_actor_and_commands_set_it():
    first, second = UserFactory(unverified=True), UserFactory(unverified=True)

    with db_context(DbContext.system("email_verification")):
        execute("UPDATE users SET email_verified_at = now() WHERE id = %s", [first.pk])
    with db_context(DbContext.for_command("seed")):
        execute("UPDATE users SET email_verified_at = now() WHERE id = %s", [second.pk])

    assert verified_at(first) is not None and verified_at(second) is not None


def test_the_api_verification_is_audited_as_the_verification_actor():
    user = UserFactory(unverified=True)
    body = {"uid": uid_of(user), "token": email_verification_token.make_token(user)}

    assert APIClient().post("/api/v1/auth/email/verify/", body, format="json").status_code == 204

    [change] = AuditLog.objects.filter(table_name="users", record_id=user.pk, action="UPDATE")
    assert change.actor == "system:email_verification" and "email_verified_at" in change.changes


def test_a_new_address_is_unverified_and_a_new_case_is_not_a_new_address():
    user = UserFactory(email="ana@example.com")
    support = UserFactory(staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT))

    with acting_as(support):
        execute("UPDATE users SET email = 'Ana@Example.com' WHERE id = %s", [user.pk])
        assert verified_at(user) is not None
        execute("UPDATE users SET email = 'ana@elsewhere.example' WHERE id = %s", [user.pk])

    assert verified_at(user) is None


def test_a_new_address_in_sql_loses_the_verification():
    user = UserFactory()

    # The e-mail change's actor (the user's own context may not change the address at all:
    # accounts.0014, tests/accounts/test_email_change.py).
    with acting_as(user), context.as_system("email"):
        execute("UPDATE users SET email = 'mine@elsewhere.example' WHERE id = %s", [user.pk])
        with refused_column("email_verified_at"):
            execute(
                "UPDATE users SET email = 'x@elsewhere.example', email_verified_at = now() "
                "WHERE id = %s",
                [user.pk],
            )

    assert verified_at(user) is None
