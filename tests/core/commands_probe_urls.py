"""The site's URLs plus two views answering what PostgreSQL sees on the server's connection:
one under /health/ (outside any request transaction: the session's own settings), one inside
the request's transaction (what a request acts as)."""

from django.http import JsonResponse
from django.urls import include, path

from apps.core.context import current


def _seen(request):
    return JsonResponse(current())


urlpatterns = [
    path("health/session-context/", _seen),
    path("request-context/", _seen),
    path("", include("config.urls")),
]
