"""The request's transaction and its database context; its time zone."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.http import HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from apps.core import context
from apps.core.api.exceptions import error_body
from apps.core.api.parsers import UNSTORABLE_MESSAGE, unstorable_error, unstorable_path
from apps.core.client_ip import client_ip
from apps.core.db import replica
from apps.core.i18n import activate_request_language
from apps.core.monitoring import request_id_for
from apps.core.tenancy import resolve_tenant_id

_DJANGO_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


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

    The commit happens here, before the response leaves: a response that says 2xx was
    committed. When the database fails while the transaction opens or commits, the exception
    reaches Django's 500 handler, which answers 503 with Retry-After
    (apps/core/api/views.server_error); the failed connection is closed on the way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not hasattr(request, "request_id"):  # set by RequestMetricsMiddleware
            request.request_id = request_id_for(request)
        if request.path_info.startswith(settings.CONTEXT_EXEMPT_PATHS):
            # Health probes and metrics must answer even when the database cannot.
            return self.get_response(request)
        return self._in_transaction(request)

    def _in_transaction(self, request):
        user = self._authenticate(request)
        # Public reads may be served by the read replica (apps/core/db/replica.py): then the
        # whole transaction below runs there.
        return replica.serve(request, user, lambda: self._respond(request, user))

    def _respond(self, request, user):
        # The outermost block opens the request's transaction and sets the context in it (one
        # statement); nothing needs restoring when it ends.
        with context.db_context(request_context(request, user)):
            response = self.get_response(request)
            if response.status_code >= 500:
                # Django turned an exception into a 500 page: keep nothing of the request.
                transaction.set_rollback(True)
        return response

    @staticmethod
    def _authenticate(request):
        """The session's user, looked up as the system's auth actor — and without touching the
        database at all when the request carries no session (API tokens, anonymous)."""
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return request.user  # AnonymousUser, from an empty session
        with context.db_context(context.DbContext.system("auth")):
            user = request.user
            user.is_authenticated  # noqa: B018 (forces the lazy look-up here)
        return user


class LanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (Content-Language, Vary: Accept-Language on the response),
    choosing the signed-in user's preferences.language first (apps.core.i18n). Below
    RequestContextMiddleware, which has looked the session's user up: reading it costs no
    query. Health probes and metrics (CONTEXT_EXEMPT_PATHS) never look a user up."""

    def process_request(self, request):
        exempt = request.path_info.startswith(settings.CONTEXT_EXEMPT_PATHS)
        activate_request_language(request, None if exempt else getattr(request, "user", None))

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if getattr(request, "language_from_user", False):
            # Spoken in the user's language: a shared cache must not serve it to others.
            patch_vary_headers(response, ("Cookie", "Authorization"))
        return response


class UnstorableInputMiddleware:
    """Query strings, headers and — outside the API — form bodies holding text PostgreSQL
    cannot store (NUL; see apps.core.api.parsers) are a 400 naming the parameter, on every
    route, before a session, a view or the database sees them. API bodies (JSON and forms)
    are checked by the API's parsers, which also answer 413 for oversized ones."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path_info.startswith("/api/")
        path = self._unstorable(request, api=api)
        if path is None:
            return self.get_response(request)
        # Answered above LanguageMiddleware, before anyone is signed in: in Accept-Language's
        # language, else LANGUAGE_CODE.
        language = activate_request_language(request)
        if api:
            fields = unstorable_error(path)
            response = JsonResponse(error_body(400, UNSTORABLE_MESSAGE, fields=fields), status=400)
        else:
            response = HttpResponseBadRequest(f"{'.'.join(path)}: {UNSTORABLE_MESSAGE}")
        response.headers["Content-Language"] = language
        patch_vary_headers(response, ("Accept-Language",))
        return response

    @staticmethod
    def _unstorable(request, *, api: bool) -> tuple[str, ...] | None:
        headers = {
            name[5:].replace("_", "-").title(): value
            for name, value in request.META.items()
            if name.startswith("HTTP_")
        }
        sources = [headers, dict(request.GET.lists())]
        if not api and request.method == "POST" and request.content_type in _DJANGO_FORM_TYPES:
            sources.append(dict(request.POST.lists()))
        for data in sources:
            if (path := unstorable_path(data)) is not None:
                return path
        return None


class TimeZoneMiddleware:
    """The back-office shows times in the site's zone (TIME_ZONE, Django's default current
    zone); every other response — the API, Swagger UI, health and metrics — reads and writes
    UTC: ISO 8601 ending in "Z", naive input taken as UTC, as it was before TIME_ZONE moved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/" + settings.ADMIN_URL.lstrip("/")):
            return self.get_response(request)
        with timezone.override(dt.UTC):
            return self.get_response(request)
