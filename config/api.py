"""The REST API, version 1: every app's endpoints under /api/v1/."""

from django.urls import include, path, re_path

from apps.core.api.views import api_not_found

urlpatterns = [
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.listings.api.urls")),
    path("", include("apps.bookings.api.urls")),
    path("", include("apps.reviews.api.urls")),
    path("", include("apps.messaging.api.urls")),
    re_path(r"^.*$", api_not_found),
]
