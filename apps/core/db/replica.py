"""Public reads from a streaming standby (`DATABASE_REPLICA_URL`), everything else from the
primary.

A request is served by one server, chosen before its transaction opens
(RequestContextMiddleware): for a request sent to the standby, this thread's `default`
connection *is* the standby's for the request's duration. So the request's transaction, its
context (`app.*` settings, apps/core/context.py), the ORM and raw SQL all run on the server
that serves it, and nothing in the apps needs to know — which a Django database router,
choosing per query while the context lives in the primary's transaction, could not promise.

Sent to the standby: GET and HEAD on the public read routes (`READ_ROUTES`) by a caller
without an API token — anonymous, or signed in with a session whose user has not written in
the last `REPLICA_STICKY_SECONDS` (read-your-writes; the mark lives in the shared cache, so
it holds across app servers). An API token is checked, and its use recorded, on the
primary, inside the view: token requests are served by the primary.

The standby serves only while it is healthy, checked at most every `REPLICA_CHECK_SECONDS`
per process: it answers, it is in recovery (a promoted or mistaken server is not a
replica), and it replays within `REPLICA_MAX_LAG_SECONDS`. Otherwise — and when it fails
while serving a request, which is then served again by the primary — reads go to the primary
and the standby is left alone for `REPLICA_RETRY_SECONDS`: a replica's trouble never reaches
the client.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

logger = logging.getLogger("havre.db.replica")

REPLICA_ALIAS = "replica"
# The anonymous, read-only API routes (URL names): search, a listing, its availability, the
# reference data.
READ_ROUTES = frozenset(
    {"listing-list", "listing-detail", "listing-availability", "categories", "amenities", "tags"}
)
READ_METHODS = frozenset({"GET", "HEAD"})
DEBUG_HEADER = "X-Db-Server"

# Replay lag in seconds. None while a WAL receiver runs and everything received is replayed (on
# an idle primary the last replayed transaction grows old without any lag; a receiver just
# restarted reports the start of its segment, behind replay). Otherwise the age of the last
# transaction replayed: unknown (just started, nothing replayed yet) counts as too old.
HEALTH_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN EXISTS (SELECT FROM pg_stat_wal_receiver)
                 AND pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()),
                          'Infinity')
       END::float8
"""


def configured() -> bool:
    return REPLICA_ALIAS in settings.DATABASES


def sticky_key(user_id) -> str:
    return f"replica-sticky:{user_id}"


# --- the standby's health, per process -------------------------------------------------------
@dataclass
class _Health:
    checked_at: float = float("-inf")
    usable: bool = False
    down_until: float = float("-inf")


_health = _Health()
_health_lock = threading.Lock()


def replica_usable() -> bool:
    """Whether the standby may serve reads now (the last check, at most REPLICA_CHECK_SECONDS
    old; a new check otherwise)."""
    now = time.monotonic()
    if now < _health.down_until:
        return False
    if now - _health.checked_at < settings.REPLICA_CHECK_SECONDS:
        return _health.usable
    # One check per process at a time; meanwhile the other threads keep the last answer rather
    # than wait (a standby that does not answer takes its connect_timeout).
    if not _health_lock.acquire(blocking=False):
        return _health.usable
    try:
        usable = _check()
        _health.checked_at = time.monotonic()
        _health.usable = usable
        if not usable:
            _health.down_until = _health.checked_at + settings.REPLICA_RETRY_SECONDS
        return usable
    finally:
        _health_lock.release()


def mark_down(reason: str) -> None:
    """Leave the standby alone for REPLICA_RETRY_SECONDS."""
    logger.warning("read replica unusable (%s): reads go to the primary", reason)
    _health.usable = False
    _health.checked_at = time.monotonic()
    _health.down_until = _health.checked_at + settings.REPLICA_RETRY_SECONDS


def _check() -> bool:
    connection = connections[REPLICA_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute(HEALTH_SQL)
            in_recovery, lag = cursor.fetchone()
    except DatabaseError as exc:
        connection.close()
        logger.warning("read replica unreachable (%s): reads go to the primary", exc)
        return False
    if not in_recovery:
        logger.warning("read replica is not in recovery (not a standby): reads go to the primary")
        return False
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        logger.warning(
            "read replica lags %.1f s (more than %g s): reads go to the primary",
            lag,
            settings.REPLICA_MAX_LAG_SECONDS,
        )
        return False
    return True


# --- which server serves a request ----------------------------------------------------------
def _read_route(request: HttpRequest) -> bool:
    if request.method not in READ_METHODS:
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.url_name in READ_ROUTES


def replica_may_serve(request: HttpRequest, user) -> bool:
    """Whether the standby serves this request (`user`: the session's, already known)."""
    if not _read_route(request) or "HTTP_AUTHORIZATION" in request.META:
        return False
    if user is not None and user.is_authenticated and cache.get(sticky_key(user.pk)):
        return False
    return replica_usable()


def mark_sticky(request: HttpRequest, response: HttpResponse) -> None:
    """After a user's successful write, their reads go to the primary for
    REPLICA_STICKY_SECONDS (on every app server: the mark is in the shared cache)."""
    if request.method in READ_METHODS or request.method == "OPTIONS":
        return
    if response.status_code >= 400:
        return
    user = getattr(request, "user", None)  # DRF sets a token's user on the request too
    if user is not None and user.is_authenticated:
        cache.set(sticky_key(user.pk), 1, timeout=settings.REPLICA_STICKY_SECONDS)


@contextmanager
def _default_is(alias: str) -> Iterator[None]:
    """This thread's `default` connection is `alias`'s for the block."""
    original = connections[DEFAULT_DB_ALIAS]
    connections[DEFAULT_DB_ALIAS] = connections[alias]
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS] = original


def _replica_failed() -> bool:
    """Whether the standby's connection broke (not: a query of ours failed on it)."""
    connection = connections[REPLICA_ALIAS]
    if connection.connection is None:
        return True
    return connection.errors_occurred and not connection.is_usable()


def serve(request: HttpRequest, user, respond: Callable[[], HttpResponse]) -> HttpResponse:
    """`respond()` (the request's transaction and everything below it) on the server that
    should serve it. Without a replica configured, exactly `respond()`."""
    if not configured():
        return respond()
    if replica_may_serve(request, user):
        failure = None
        with _default_is(REPLICA_ALIAS):
            try:
                response = respond()
            except DatabaseError as exc:
                if not _replica_failed():
                    raise
                failure = str(exc)
            else:
                if response.status_code >= 500 and _replica_failed():
                    failure = f"status {response.status_code}"
                else:
                    _debug_header(response)
                    return response
        connections[REPLICA_ALIAS].close()
        mark_down(failure)
    # A read sent to a failing standby is answered again, here: GET and HEAD change nothing.
    response = respond()
    mark_sticky(request, response)
    _debug_header(response)
    return response


def _debug_header(response: HttpResponse) -> None:
    """Tests (and DEBUG) see which server answered: the server itself says, through
    pg_is_in_recovery() on the connection that served the request."""
    connection = connections[DEFAULT_DB_ALIAS]
    if not (settings.DEBUG or settings.REPLICA_DEBUG_HEADER) or connection.connection is None:
        return  # off, or the request lost its connection: no new one just to say which
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            in_recovery = cursor.fetchone()[0]
    except DatabaseError:
        return
    response.headers[DEBUG_HEADER] = "replica" if in_recovery else "primary"
