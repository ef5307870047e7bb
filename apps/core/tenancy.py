"""Which tenant a request belongs to."""

from django.conf import settings
from django.core.cache import cache

from apps.accounts.models import Tenant

TENANT_HEADER = "X-Tenant"
_CACHE_SECONDS = 60


def tenant_id_for_slug(slug: str) -> int | None:
    key = f"tenant-id:{slug}"
    tenant_id = cache.get(key)
    if tenant_id is None:
        tenant_id = Tenant.objects.filter(slug=slug).values_list("id", flat=True).first()
        cache.set(key, tenant_id or 0, _CACHE_SECONDS)
    return tenant_id or None


def resolve_tenant_id(request, user) -> int | None:
    """The user's tenant; for anonymous requests the X-Tenant header, then the host name's
    first label, matched to Tenant.slug; else the default tenant."""
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
