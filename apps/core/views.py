"""Health endpoints for load balancers and the operator's probes."""

import logging

from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger("havre.health")


@never_cache
@require_GET
@transaction.non_atomic_requests
def health(request):
    """The process is up and serving requests."""
    return JsonResponse({"status": "ok", "timestamp": timezone.now().isoformat()})


@never_cache
@require_GET
@transaction.non_atomic_requests
def health_db(request):
    """The database answers `SELECT 1`; 503 (never a 500 page) when it cannot be reached."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.error("database health check failed: %s", exc.__class__.__name__)
        # A broken connection must not be reused by the next request of this thread.
        connection.close_if_unusable_or_obsolete()
        return JsonResponse(
            {
                "status": "unavailable",
                "database": "unreachable",
                "timestamp": timezone.now().isoformat(),
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "timestamp": timezone.now().isoformat()})
