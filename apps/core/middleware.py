"""The request's transaction and its database context."""

import logging
import uuid

from django.conf import settings
from django.db import transaction

from apps.core import context
from apps.core.tenancy import resolve_tenant_id

logger = logging.getLogger("havre.request")

REQUEST_ID_HEADER = "X-Request-ID"


def client_ip(request) -> str | None:
    # REMOTE_ADDR is the peer; behind our proxy gunicorn's forwarded_allow_ips rewrites it.
    return request.META.get("REMOTE_ADDR") or None


def request_context(request, user) -> context.DbContext:
    base = context.DbContext(
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        request_id=request.request_id,
    )
    return base.with_user(user, tenant_id=resolve_tenant_id(request, user))


class RequestContextMiddleware:
    """Runs each request in one transaction that carries who is acting.

    It replaces ATOMIC_REQUESTS: the transaction must start before the context is set, and the
    context needs the authenticated user, which AuthenticationMiddleware provides lazily.
    DRF's token authentication happens later, inside the view: the API's authentication
    classes update the context then (apps/core/api/authentication.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = _request_id(request)
        if request.path_info.startswith(settings.CONTEXT_EXEMPT_PATHS):
            # Health probes must answer even when the database cannot.
            response = self.get_response(request)
        else:
            response = self._in_transaction(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response

    def _in_transaction(self, request):
        with transaction.atomic():
            # Reading the session's user is authentication: done as the system's auth actor.
            with context.db_context(context.DbContext.system("auth")):
                user = request.user
                user.is_authenticated  # noqa: B018 (forces the lazy look-up here)
            with context.db_context(request_context(request, user)):
                response = self.get_response(request)
            if response.status_code >= 500:
                # Django turned an exception into a 500 page: keep nothing of the request.
                transaction.set_rollback(True)
        return response


def _request_id(request) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if incoming and len(incoming) <= 64 and incoming.replace("-", "").isalnum():
        return incoming
    return uuid.uuid4().hex
