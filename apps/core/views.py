"""The site's front page, and the health endpoints for load balancers and the operator's
probes."""

import logging

from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

logger = logging.getLogger("havre.health")


@require_safe
def home(request):
    """`/`: no site lives here, so a page pointing to the API's documentation and the admin
    (plain HTML: nothing inline for the Content-Security-Policy to refuse)."""
    return render(request, "home.html")


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
    """A new connection answers `SELECT 1` within the probe timeout (DB_PROBE_TIMEOUT_MS,
    2 s: connecting and the query each); 503 (never a 500 page) otherwise — within seconds
    of a partition, as it never waits on a connection that may be hung."""
    try:
        connection.probe()
    except DatabaseError as exc:
        logger.error("database health check failed: %s", exc)
        return JsonResponse(
            {
                "status": "unavailable",
                "database": "unreachable",
                "timestamp": timezone.now().isoformat(),
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "timestamp": timezone.now().isoformat()})
