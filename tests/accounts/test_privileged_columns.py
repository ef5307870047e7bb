"""PostgreSQL guards the users columns that grant power or identity (accounts.0006): raw SQL
as the runtime role in a user's own request context is refused, the legitimate paths work."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from apps.accounts import services
from apps.accounts.groups import MODERATORS, SUPPORT
from apps.accounts.models import User
from apps.core import context
from apps.core.context import DbContext, db_context
from apps.core.errors import PermissionDenied
from apps.core.models import AuditLog
from tests.db import acting_as, execute, refused_by_policy, refused_column
from tests.factories import TenantFactory, UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def staff(group=None, **fields):
    user = UserFactory(staff=True, **fields)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def column_of(user, column):
    [(value,)] = execute(f"SELECT {column} FROM users WHERE id = %s", [user.pk])  # noqa: S608
    return value


def test_a_user_cannot_make_themself_staff_superuser_or_move_tenant():
    user = UserFactory()
    elsewhere = TenantFactory()

    with acting_as(user), refused_column("is_staff"):
        execute(
            "UPDATE users SET is_staff = true, is_superuser = true, tenant_id = %s WHERE id = %s",
            [elsewhere.pk, user.pk],
        )

    assert (column_of(user, "is_staff"), column_of(user, "tenant_id")) == (False, user.tenant_id)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("is_superuser", "true"),
        ("is_active", "false"),
        ("role", "'owner'"),
        ("password", "'md5$forged$0123'"),
        ("last_login_at", "now()"),
    ],
)
def test_each_privileged_column_is_refused_to_the_user_themself(column, value):
    user = UserFactory()

    with acting_as(user), refused_column(column):
        execute(f"UPDATE users SET {column} = {value} WHERE id = %s", [user.pk])  # noqa: S608


def test_the_tenant_alone_is_refused_too():
    user, elsewhere = UserFactory(), TenantFactory()

    with acting_as(user), refused_column("tenant_id"):
        execute("UPDATE users SET tenant_id = %s WHERE id = %s", [elsewhere.pk, user.pk])


def test_the_users_own_columns_stay_theirs():
    user = UserFactory()

    with acting_as(user):
        execute("UPDATE users SET name = 'Ana', city = 'Lyon' WHERE id = %s", [user.pk])

    assert column_of(user, "city") == "Lyon"


def test_sign_up_inserts_a_guest_but_never_a_staff_account():
    tenant_id = User.objects.values_list("tenant_id", flat=True).first() or TenantFactory().pk
    columns = "(email, name, role, password, is_staff, is_superuser, tenant_id)"
    anonymous = DbContext(tenant_id=tenant_id)

    with db_context(anonymous):
        execute(
            f"INSERT INTO users {columns} VALUES ('new@example.com', 'New', 'guest', '!',"  # noqa: S608
            " false, false, %s)",
            [tenant_id],
        )
        with refused_column("is_superuser"):
            execute(
                f"INSERT INTO users {columns} VALUES ('boss@example.com', 'Boss', 'guest', '!',"  # noqa: S608
                " true, true, %s)",
                [tenant_id],
            )

    assert User.objects.filter(email="new@example.com").exists()
    assert not User.objects.filter(email="boss@example.com").exists()


def test_staff_change_what_their_permissions_allow_and_nothing_more():
    target = UserFactory()
    support = staff(SUPPORT)  # accounts.change_user
    moderator = staff(MODERATORS)  # accounts.moderate_user

    with acting_as(support):
        execute("UPDATE users SET role = 'owner', is_active = false WHERE id = %s", [target.pk])
        with refused_column("is_superuser"):
            execute("UPDATE users SET is_superuser = true WHERE id = %s", [support.pk])
    with acting_as(moderator):
        execute("UPDATE users SET is_active = true WHERE id = %s", [target.pk])
        with refused_column("role"):
            execute("UPDATE users SET role = 'guest' WHERE id = %s", [target.pk])

    assert (column_of(target, "role"), column_of(target, "is_active")) == ("owner", True)


def test_a_permission_granted_directly_counts_and_a_plain_staff_user_has_none():
    target = UserFactory()
    plain = staff()
    granted = staff()
    granted.user_permissions.add(Permission.objects.get(codename="moderate_user"))

    with acting_as(plain), refused_column("is_active"):
        execute("UPDATE users SET is_active = false WHERE id = %s", [target.pk])
    with acting_as(granted):
        execute("UPDATE users SET is_active = false WHERE id = %s", [target.pk])

    assert column_of(target, "is_active") is False


def test_a_deactivated_staff_user_loses_their_permissions_at_once():
    target = UserFactory()
    support = staff(SUPPORT)
    User.objects.filter(pk=support.pk).update(is_active=False)

    # The request context still says staff (as a stale session would); the database does not.
    context = DbContext(user_id=support.pk, tenant_id=support.tenant_id, is_staff=True,
                        actor=f"user:{support.pk}")  # fmt: skip
    with db_context(context), refused_column("role"):
        execute("UPDATE users SET role = 'owner' WHERE id = %s", [target.pk])


def test_only_a_superuser_grants_staff_status():
    target = UserFactory()
    superuser = staff(is_superuser=True)

    with acting_as(superuser):
        execute("UPDATE users SET is_staff = true WHERE id = %s", [target.pk])

    assert column_of(target, "is_staff") is True


def test_the_password_service_changes_a_password_and_the_user_logs_in_with_it():
    user = UserFactory()

    with acting_as(user):
        services.user_set_password(user=user, password="a-brand-new-passphrase", actor=user)
        assert context.current()["app.actor"] == f"user:{user.pk}"  # restored afterwards

    change = AuditLog.objects.filter(table_name="users", record_id=user.pk, action="UPDATE")
    assert [(e.actor, e.user_id, list(e.changes)) for e in change] == [
        ("system:password", user.pk, ["password"])
    ]
    client = Client()
    assert client.login(email=user.email, password="a-brand-new-passphrase")
    assert not client.login(email=user.email, password=DEFAULT_PASSWORD)


def test_a_login_rehashes_an_outdated_hash_as_the_auth_actor(settings):
    user = UserFactory()
    old_hash = user.password
    settings.PASSWORD_HASHERS = [
        "tests.accounts.hashers.FastPBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    response = Client().post(
        "/api/v1/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 201, response.content
    user.refresh_from_db()
    assert user.password != old_hash and user.password.startswith("pbkdf2_sha256$1000$")


def test_a_session_login_records_last_login_as_the_auth_actor():
    user = UserFactory()

    assert Client().login(email=user.email, password=DEFAULT_PASSWORD)

    user.refresh_from_db()
    assert user.last_login is not None


def test_createsuperuser_creates_a_staff_superuser(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-passphrase")

    call_command("createsuperuser", "--noinput", email="root@example.com", name="Root")

    created = User.objects.get(email="root@example.com")
    assert (created.is_staff, created.is_superuser) == (True, True)


def test_a_superuser_changes_a_password_in_the_admin():
    target = UserFactory()
    admin_client = Client()
    admin_client.force_login(staff(is_superuser=True))

    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[target.pk]),
        {"password1": "an-admin-chosen-pass", "password2": "an-admin-chosen-pass",
         "usable_password": "true", "set-password": "1"},
    )  # fmt: skip

    assert response.status_code == 302, response.content
    target.refresh_from_db()
    assert target.check_password("an-admin-chosen-pass")


def test_support_edits_a_user_in_the_admin_but_sees_staff_flags_read_only():
    target = UserFactory()
    support_client = Client()
    support_client.force_login(staff(SUPPORT))

    page = support_client.get(reverse("admin:accounts_user_change", args=[target.pk]))

    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "is_active" in form.fields
    assert not {"is_staff", "is_superuser", "groups", "user_permissions"} & set(form.fields)


def test_staff_cannot_grant_themselves_a_group_but_a_superuser_can():
    support = staff(SUPPORT)
    moderators = Group.objects.get(name=MODERATORS)
    grant = "INSERT INTO users_groups (user_id, group_id) VALUES (%s, %s)"

    for actor in (support, UserFactory()):
        with acting_as(actor), refused_by_policy("users_groups"):
            execute(grant, [actor.pk, moderators.pk])
    with acting_as(support), refused_by_policy("users_user_permissions"):
        execute(
            "INSERT INTO users_user_permissions (user_id, permission_id) VALUES (%s, %s)",
            [support.pk, Permission.objects.get(codename="moderate_review").pk],
        )
    with acting_as(staff(is_superuser=True)):
        execute(grant, [support.pk, moderators.pk])

    assert set(support.groups.values_list("name", flat=True)) == {SUPPORT, MODERATORS}


def test_a_user_reads_their_own_grants_only():
    support, other = staff(SUPPORT), UserFactory()

    with acting_as(other):
        assert execute("SELECT count(*) FROM users_groups WHERE user_id = %s", [support.pk]) == [
            (0,)
        ]
    with acting_as(support):
        assert support.has_perm("bookings.cancel_booking")


def test_only_the_user_or_staff_with_change_user_set_a_password():
    user, stranger, support = UserFactory(), UserFactory(), staff(SUPPORT)

    with acting_as(stranger), pytest.raises(PermissionDenied):
        services.user_set_password(user=user, password="not-yours-to-set", actor=stranger)
    with acting_as(support):
        services.user_set_password(user=user, password="reset-by-support", actor=support)

    user.refresh_from_db()
    assert user.check_password("reset-by-support")


def admin_form_data(page) -> dict:
    """The POST data of an admin change page as it stands (its form and inline formsets)."""
    forms = [page.context["adminform"].form]
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += formset.forms
        management = formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    for form in forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if field.disabled or value is None:
                continue
            if isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [getattr(v, "pk", v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            else:
                data[form.add_prefix(name)] = getattr(value, "pk", value)
    return data


def test_support_changes_a_users_role_and_status_in_the_admin():
    target = UserFactory()
    support_client = Client()
    support_client.force_login(staff(SUPPORT))
    url = reverse("admin:accounts_user_change", args=[target.pk])
    data = admin_form_data(support_client.get(url))

    data.update(role="owner")
    data.pop("is_active")  # unchecked
    response = support_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    target.refresh_from_db()
    assert (target.role, target.is_active) == ("owner", False)
