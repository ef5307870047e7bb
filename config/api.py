"""The REST API, version 1: every app's endpoints under /api/v1/, and its index."""

from django.urls import include, path, re_path

from apps.core.api.views import ApiRootView, api_not_found

# What GET /api/v1/ lists: name → URL name.
RESOURCES = {
    "auth_register": "auth-register",
    "auth_email_verify": "auth-email-verify",
    "auth_token": "auth-token",
    "auth_tokens": "auth-tokens",
    "users_me": "users-me",
    "listings": "listing-list",
    "listings_mine": "listing-mine",
    "bookings": "booking-list",
    "reviews": "review-list",
    "messages": "message-list",
    "wishlists": "wishlist-list",
    "notifications": "notification-list",
    "categories": "categories",
    "amenities": "amenities",
    "tags": "tags",
    "schema": "api-schema",
    "docs": "api-docs",
}

urlpatterns = [
    path("", ApiRootView.as_view(resources=RESOURCES), name="api-root"),
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.listings.api.urls")),
    path("", include("apps.bookings.api.urls")),
    path("", include("apps.reviews.api.urls")),
    path("", include("apps.messaging.api.urls")),
    path("", include("apps.wishlists.api.urls")),
    path("", include("apps.notifications.api.urls")),
    re_path(r"^.*$", api_not_found),
]
