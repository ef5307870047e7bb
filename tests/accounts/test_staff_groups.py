import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from apps.accounts.models import User

pytestmark = pytest.mark.django_db


def codenames(group_name):
    return set(Group.objects.get(name=group_name).permissions.values_list("codename", flat=True))


def test_moderators_view_and_moderate_but_never_delete_or_grant():
    perms = codenames("Moderators")

    assert {"moderate_listing", "moderate_review", "moderate_message", "moderate_user"} <= perms
    assert {"view_listing", "view_review", "view_message", "view_user", "view_auditlog"} <= perms
    assert not {p for p in perms if p.startswith(("delete_", "add_"))}
    assert not {"change_group", "change_permission", "change_user"} & perms


def test_support_views_everything_and_changes_users_and_bookings_only():
    perms = codenames("Support")

    assert {"view_listing", "view_booking", "view_message", "view_auditlog"} <= perms
    assert {"change_user", "change_booking", "cancel_booking", "revoke_apitoken"} <= perms
    assert "view_apitoken" in perms and "view_apitoken" in codenames("Moderators")
    assert not {"moderate_listing", "moderate_review", "moderate_message"} & perms
    assert not {p for p in perms if p.startswith("delete_")}


def test_seed_gives_the_staff_demo_accounts_their_groups():
    call_command("seed")

    staff = User.objects.get(email="staff@example.com")
    assert staff.is_staff and not staff.is_superuser
    assert list(staff.groups.values_list("name", flat=True)) == ["Moderators"]
    support = User.objects.get(email="support@example.com")
    assert list(support.groups.values_list("name", flat=True)) == ["Support"]
    assert User.objects.get(email="admin@example.com").is_superuser
