"""Request log, Server-Timing and Prometheus metrics.

Every request produces one structured log record on the "havre.request" logger — request id,
client address, user id, view, method, path, status, duration, number of SQL queries and their
total time — a JSON line in production (apps/core/logging.py), and feeds the Prometheus
metrics served at /metrics. Under gunicorn, PROMETHEUS_MULTIPROC_DIR (set by
config/gunicorn.conf.py when the environment does not) makes /metrics add up every worker.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
import uuid

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from apps.core import client_ip
from apps.core.db.observer import QueryStats, current_query_stats
from apps.core.logging import current_request_id

logger = logging.getLogger("havre.request")

REQUEST_ID_HEADER = "X-Request-ID"

REQUESTS = Counter(
    "havre_http_requests_total", "HTTP requests answered.", ["method", "view", "status"]
)
LATENCY = Histogram(
    "havre_http_request_duration_seconds",
    "Time to answer a request.",
    ["method", "view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DB_QUERIES = Histogram(
    "havre_db_queries_per_request",
    "SQL queries run by one request.",
    ["view"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200),
)
DB_TIME = Histogram(
    "havre_db_time_per_request_seconds",
    "Time spent in SQL by one request.",
    ["view"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
)


def request_id_for(request) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if incoming and len(incoming) <= 64 and incoming.replace("-", "").isalnum():
        return incoming
    return uuid.uuid4().hex


class RequestMetricsMiddleware:
    """Outermost middleware: names the request, times it and reports it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_for(request)
        stats = QueryStats()
        token = current_query_stats.set(stats)
        request_id_token = current_request_id.set(request.request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            elapsed = time.perf_counter() - started
            self._report(request, response, stats, elapsed)
        finally:
            current_query_stats.reset(token)
            current_request_id.reset(request_id_token)

        response[REQUEST_ID_HEADER] = request.request_id
        if settings.DEBUG:
            response["Server-Timing"] = (
                f"app;dur={elapsed * 1000:.1f}, "
                f'db;dur={stats.total_ms:.1f};desc="{stats.count} queries"'
            )
        return response

    @staticmethod
    def _report(request, response, stats: QueryStats, elapsed: float) -> None:
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match and match.view_name else "unmatched"
        REQUESTS.labels(request.method, view, str(response.status_code)).inc()
        LATENCY.labels(request.method, view).observe(elapsed)
        DB_QUERIES.labels(view).observe(stats.count)
        DB_TIME.labels(view).observe(stats.total_ms / 1000)

        user = getattr(request, "user", None)
        record = {
            "request_id": request.request_id,
            "client_ip": client_ip.client_ip(request),
            "user_id": user.pk if user is not None and user.is_authenticated else None,
            "view": view,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(elapsed * 1000, 1),
            "db_queries": stats.count,
            "db_ms": round(stats.total_ms, 1),
        }
        # The message is for the plain format; the JSON line carries the fields.
        logger.info(
            "%s %s %s %.1f ms",
            request.method,
            request.path,
            response.status_code,
            record["duration_ms"],
            extra=record,
        )


def _client_allowed(request) -> bool:
    """A bearer token equal to METRICS_TOKEN, or a client (the address the trusted proxies
    vouch for, apps/core/client_ip.py) in METRICS_ALLOWED_NETWORKS. A request forwarded by a
    peer that is not a trusted proxy names no client that can be believed: refused."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            supplied.strip().encode(), token.encode()
        ):
            return True
    if client_ip.forwarded_by_untrusted_peer(request):
        return False
    address = client_ip.client_address(request)
    return address is not None and client_ip.in_networks(address, settings.METRICS_ALLOWED_NETWORKS)


class _HealthCollector:
    """havre_database_up, measured at scrape time by the same bounded probe as /health/db/."""

    def collect(self):
        up = 1
        try:
            connection.probe()
        except DatabaseError:
            up = 0
        gauge = GaugeMetricFamily("havre_database_up", "1 when SELECT 1 succeeds.")
        gauge.add_metric([], up)
        yield gauge


@never_cache
@require_GET
def metrics(request):
    if not _client_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    body = generate_latest(registry) + generate_latest(_health_registry())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


# Collectors read at scrape time, registered by higher apps (the job queue's depth, say): core
# names none of them.
_scrape_collectors: list = []


def register_scrape_collector(collector) -> None:
    """Add a prometheus collector whose collect() runs at every /metrics scrape (in the web
    process that answers it). Keep it to one cheap query: scrapes come every few seconds."""
    if collector not in _scrape_collectors:
        _scrape_collectors.append(collector)


def _health_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(_HealthCollector())
    for collector in _scrape_collectors:
        registry.register(collector)
    return registry
