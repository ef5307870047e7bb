"""The accounts services' actor checks, asked of the services directly: a user changes their
own account (or staff holding accounts.change_user do); verifying and deactivating accounts is
for staff holding accounts.moderate_user. Underneath, PostgreSQL refuses the same writes made
around the services (tests/accounts/test_privileged_columns.py)."""

import pytest

from apps.accounts import services
from apps.accounts.models import User
from tests.actors import attempt, callers, staff_holding
from tests.db import acting_as, execute, refused_column
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ACTORS = {
    "themself": lambda user: user,
    "another user": lambda user: UserFactory(),
    "staff with change_user": staff_holding("accounts.change_user"),
    "staff with moderate_user": staff_holding("accounts.moderate_user"),
    "bare staff": staff_holding(),
}


def _name(user):
    return User.objects.values_list("name", flat=True).get(pk=user.pk)


@pytest.mark.parametrize(
    ("caller", "allowed"), callers(ACTORS, "themself", "staff with change_user")
)
def test_a_user_changes_their_own_account(caller, allowed):
    user = UserFactory(name="Before")
    actor = ACTORS[caller](user)

    attempt(allowed, lambda: services.user_update(user=user, data={"name": "After"}, actor=actor))

    assert _name(user) == ("After" if allowed else "Before")


@pytest.mark.parametrize(
    ("service", "column", "before"),
    [(services.users_verify, "is_verified", False), (services.users_deactivate, "is_active", True)],
    ids=["verify", "deactivate"],
)
@pytest.mark.parametrize(("caller", "allowed"), callers(ACTORS, "staff with moderate_user"))
def test_moderation_is_for_staff_holding_moderate_user(service, column, before, caller, allowed):
    target = UserFactory(is_verified=False)
    actor = ACTORS[caller](target)
    users = User.objects.filter(pk=target.pk)

    changed = attempt(allowed, lambda: service(users=users, actor=actor))

    assert changed == (1 if allowed else None)
    assert users.values_list(column, flat=True).get() is (not before if allowed else before)


def test_postgresql_refuses_a_deactivation_by_staff_without_moderate_user():
    target = UserFactory()
    bare = UserFactory(staff=True)

    with acting_as(bare), refused_column("is_active"):
        execute("UPDATE users SET is_active = false WHERE id = %s", [target.pk])

    assert User.objects.get(pk=target.pk).is_active
