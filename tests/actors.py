"""For the tests of the services' actor checks: call a service as someone who may or may not."""

import pytest

from apps.core.errors import PermissionDenied


def attempt(allowed: bool, call):
    """`call()`'s result when `allowed`; otherwise `call()` must raise PermissionDenied (the
    403 the API answers), and None is returned."""
    if allowed:
        return call()
    with pytest.raises(PermissionDenied) as refused:
        call()
    assert (refused.value.code, refused.value.status_code) == ("permission_denied", 403)
    return None


def staff_holding(*permissions: str):
    """A factory of staff users holding `permissions` ("app_label.codename") and no other,
    for an ACTORS table (it ignores the object the other entries derive their actor from)."""
    from tests.factories import UserFactory

    return lambda *_: UserFactory(staff=True, permissions=list(permissions))


def callers(actors, *allowed: str) -> list[tuple[str, bool]]:
    """(caller, allowed) for every caller of `actors`: allowed when named in `allowed`."""
    return [(caller, caller in allowed) for caller in actors]
