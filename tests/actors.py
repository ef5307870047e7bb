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
