"""Database errors that mean "the database cannot serve us right now": answered 503 with
Retry-After (409 with Retry-After for a transaction that lost a race — a deadlock or a
serialization failure — which the same request sent again would most likely pass), by the API's
exception handler (DRF views) and by the 500 handler (everything else: the request's
transaction opened or committed by RequestContextMiddleware, the admin, sessions), never a 500
page.

Anything else (a bug in SQL, a constraint) is not an outage and is not classified here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import Error, InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _

QUERY_CANCELED = "57014"  # statement_timeout (or a cancel request)
# Class 08: connection exceptions; 53: insufficient resources (too many connections, out of
# memory, disk full); 57: operator intervention (admin shutdown 57P01, crash shutdown 57P02,
# cannot connect now 57P03). 25P03: the session was ended for idling in a transaction.
_UNAVAILABLE_CLASSES = ("08", "53", "57")
_UNAVAILABLE_STATES = ("25P03",)
# Class 40: the transaction was rolled back because it raced another one (serialization
# failure 40001, deadlock detected 40P01).
_RACE_CLASS = "40"


@dataclass(frozen=True)
class DatabaseFailure:
    code: str
    message: str
    status: int = 503

    @property
    def retry_after(self) -> int:
        return settings.DB_RETRY_AFTER_SECONDS


TIMEOUT = DatabaseFailure(
    "database_timeout", _("The database took too long to answer. Try again in a moment.")
)
UNAVAILABLE = DatabaseFailure(
    "database_unavailable", _("The database is unavailable. Try again in a moment.")
)

RACE = DatabaseFailure(
    "concurrent_update",
    _("Another request changed the same data at the same moment; nothing was saved. Try again."),
    status=409,
)


def database_failure(exc: BaseException | None) -> DatabaseFailure | None:
    """TIMEOUT, UNAVAILABLE or RACE when `exc` means the database cannot serve this now, else
    None."""
    if not isinstance(exc, Error):
        return None
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if sqlstate is None:
        # The client's side: refused, connect timeout, connection lost or closed, no answer
        # within the deadline (apps/core/db/base.py).
        return UNAVAILABLE if isinstance(exc, OperationalError | InterfaceError) else None
    if sqlstate == QUERY_CANCELED:
        return TIMEOUT
    if sqlstate[:2] == _RACE_CLASS:
        return RACE
    if sqlstate[:2] in _UNAVAILABLE_CLASSES or sqlstate in _UNAVAILABLE_STATES:
        return UNAVAILABLE
    return None
