"""Which tenant a request belongs to.

Tenants are the accounts app's rows: core only reads the request (header, host name) and
caches the answer; the accounts app registers how a slug becomes a tenant id
(AccountsConfig.ready → register_tenant_lookup)."""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

TENANT_HEADER = "X-Tenant"
_CACHE_SECONDS = 60

_lookup: list[Callable[[str], int | None]] = []


def register_tenant_lookup(lookup: Callable[[str], int | None]) -> None:
    """`lookup(slug)` answers the id of the tenant with that slug, or None."""
    _lookup[:] = [lookup]


def tenant_id_for_slug(slug: str) -> int | None:
    if not _lookup:
        raise ImproperlyConfigured("No app registered a tenant look-up (register_tenant_lookup).")
    key = f"tenant-id:{slug}"
    tenant_id = cache.get(key)
    if tenant_id is None:
        tenant_id = _lookup[0](slug)
        cache.set(key, tenant_id or 0, _CACHE_SECONDS)
    return tenant_id or None


def resolve_tenant_id(request, user) -> int | None:
    """The user's tenant; for anonymous requests the X-Tenant header, then the host name's
    first label, matched to a tenant's slug; else the default tenant."""
    if user is not None and user.is_authenticated:
        return user.tenant_id
    candidates = [request.headers.get(TENANT_HEADER, "").strip().lower()]
    host = request.get_host().split(":")[0]
    if host.count(".") >= 2:
        candidates.append(host.split(".")[0].lower())
    for slug in candidates:
        if slug and (tenant_id := tenant_id_for_slug(slug)):
            return tenant_id
    return tenant_id_for_slug(settings.DEFAULT_TENANT_SLUG)
