"""Every write to accounts goes through here."""

from typing import Any

from django.db import transaction

from apps.accounts.models import Profile, Tenant, User, UserRole


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
