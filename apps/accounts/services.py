"""Every write to accounts goes through here."""

from typing import Any

from django.db import transaction

from apps.accounts.models import Profile, Tenant, User, UserRole
from apps.core import context
from apps.core.errors import PermissionDenied


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    name: str,
    role: str = UserRole.GUEST,
    tenant: Tenant | None = None,
    is_staff: bool = False,
    is_superuser: bool = False,
    **fields: Any,
) -> User:
    """Create a user and their (empty) profile together. `password=None` disables login."""
    manager = User.objects
    create = manager.create_superuser if is_superuser else manager.create_user
    user = create(
        email=email,
        password=password,
        name=name,
        role=role,
        tenant=tenant,
        is_staff=is_staff or is_superuser,
        **fields,
    )
    Profile.objects.create(user=user)
    return user


@transaction.atomic
def user_register(*, email: str, password: str, name: str, role: str, tenant_id: int) -> User:
    """Sign-up from the API: a guest or owner account in the request's tenant."""
    if User.objects.filter(email__iexact=email).exists():
        from django.core.exceptions import ValidationError

        raise ValidationError({"email": "A user with this e-mail address already exists."})
    return user_create(
        email=email,
        password=password,
        name=name,
        role=role,
        tenant=Tenant.objects.get(pk=tenant_id),
    )


PROFILE_FIELDS = ("bio",)


@transaction.atomic
def user_update(*, user: User, data: dict[str, Any], actor: User) -> User:
    """Change a user's own account fields and profile (`data` is already validated)."""
    profile_data = data.pop("profile", None) or {}
    for field, value in data.items():
        setattr(user, field, value)
    if data:
        user.full_clean(exclude=["password"])
        user.save(update_fields=[*data.keys(), "updated_at"])
    if profile_data:
        profile, _ = Profile.objects.get_or_create(user=user)
        for field, value in profile_data.items():
            setattr(profile, field, value)
        profile.save(update_fields=[*profile_data.keys(), "updated_at"])
    return user


@transaction.atomic
def user_set_password(*, user: User, password: str | None, actor: User) -> User:
    """The one way to change a password once the account exists: the user themself or staff
    holding accounts.change_user. `password=None` disables password login. PostgreSQL lets
    the column change only under this service's actor, system:password (docs/security.md)."""
    if actor.pk != user.pk and not actor.has_perm("accounts.change_user"):
        raise PermissionDenied("Only the user or staff with accounts.change_user may do this.")
    user.set_password(password)
    with context.as_system("password"):
        user.save(update_fields=["password", "updated_at"])
    return user


@transaction.atomic
def users_verify(*, users, actor: User) -> int:
    return users.filter(is_verified=False).update(is_verified=True)


@transaction.atomic
def users_deactivate(*, users, actor: User) -> int:
    """Accounts are never hard-deleted from the back-office: they are switched off, and their
    API tokens revoked."""
    from rest_framework.authtoken.models import Token

    targets = users.filter(is_active=True).exclude(pk=actor.pk)
    ids = list(targets.values_list("pk", flat=True))
    Token.objects.filter(user_id__in=ids).delete()
    return User.objects.filter(pk__in=ids).update(is_active=False)
