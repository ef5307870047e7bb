"""Django-level error pages: JSON under /api/, Django's HTML pages elsewhere."""

import sys

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import csrf, defaults
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.exceptions import error_body
from apps.core.db.failures import DatabaseFailure, database_failure
from apps.core.i18n import activate_request_language


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Unknown /api/ paths answer the API's JSON 404, never Django's HTML page."""
    return JsonResponse(error_body(404, _("Not found.")), status=404)


class ApiRootView(APIView):
    """The API's index (`GET /api/v1/`): each resource's absolute URL by name, for anyone.
    `resources` (name → URL name) is given by config/api.py, where the resources are
    included."""

    permission_classes = [permissions.AllowAny]
    resources: dict[str, str] = {}

    @extend_schema(
        summary="The API's index: every resource's URL",
        operation_id="api_root",
        tags=["reference"],
        responses={
            200: OpenApiResponse(
                response={
                    "type": "object",
                    "additionalProperties": {"type": "string", "format": "uri"},
                },
                description="Resource name → absolute URL, e.g. "
                '`{"listings": "https://host/api/v1/listings/", ...}`.',
            )
        },
    )
    def get(self, request):
        return Response(
            {
                name: request.build_absolute_uri(reverse(url_name))
                for name, url_name in self.resources.items()
            }
        )


def bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body(400, _("Bad request.")), status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body(403, _("You may not do this.")), status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if _is_api(request):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def _speak_the_requests_language(request) -> None:
    # A request that failed above LanguageMiddleware (the database refusing as its transaction
    # opens) has no language of its own yet: without this, the answer would speak whatever the
    # thread's previous request spoke. Accept-Language, else LANGUAGE_CODE.
    if not hasattr(request, "LANGUAGE_CODE"):
        activate_request_language(request)


def server_error(request):
    # Django calls this handler while it handles the exception: one that means the database
    # is unavailable (raised opening or committing the request's transaction, in the admin,
    # saving a session) answers 503, not 500.
    _speak_the_requests_language(request)
    if (failure := database_failure(sys.exception())) is not None:
        return database_unavailable(request, failure)
    if _is_api(request):
        return JsonResponse(
            error_body(500, _("An unexpected error occurred. It has been logged.")), status=500
        )
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    _speak_the_requests_language(request)
    if _is_api(request):
        return JsonResponse(
            error_body(403, _("CSRF check failed: %(reason)s") % {"reason": reason}), status=403
        )
    return csrf.csrf_failure(request, reason)


def database_unavailable(request, failure: DatabaseFailure):
    """503 (409 for a lost race) with Retry-After: our JSON error under /api/, a plain page
    elsewhere (the admin)."""
    if _is_api(request):
        response = JsonResponse(
            error_body(failure.status, failure.message, code=failure.code), status=failure.status
        )
    else:
        # Rendered without the request: no context processor may touch the database.
        response = HttpResponse(
            loader.render_to_string("503.html", {"failure": failure}), status=failure.status
        )
    response["Retry-After"] = str(failure.retry_after)
    return response
